//! CIGAR: a view of the packed operations.

use std::fmt;

/// The kind of one CIGAR operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `M`: alignment match (sequence match or mismatch).
    Match,
    /// `I`: insertion to the reference.
    Insertion,
    /// `D`: deletion from the reference.
    Deletion,
    /// `N`: skipped region of the reference.
    Skip,
    /// `S`: soft clip (bases present in SEQ).
    SoftClip,
    /// `H`: hard clip (bases absent from SEQ).
    HardClip,
    /// `P`: padding.
    Pad,
    /// `=`: sequence match.
    SequenceMatch,
    /// `X`: sequence mismatch.
    SequenceMismatch,
}

const KINDS: [Kind; 9] = [
    Kind::Match,
    Kind::Insertion,
    Kind::Deletion,
    Kind::Skip,
    Kind::SoftClip,
    Kind::HardClip,
    Kind::Pad,
    Kind::SequenceMatch,
    Kind::SequenceMismatch,
];

impl Kind {
    /// The kind for BAM's 4-bit code (0–8).
    pub fn from_code(code: u32) -> Option<Self> {
        KINDS.get(code as usize).copied()
    }

    /// The kind for a SAM letter (`MIDNSHP=X`).
    pub fn from_char(letter: u8) -> Option<Self> {
        b"MIDNSHP=X"
            .iter()
            .position(|&c| c == letter)
            .map(|i| KINDS[i])
    }

    /// BAM's 4-bit code.
    pub fn code(self) -> u32 {
        self as u32
    }

    /// The SAM letter.
    pub fn as_char(self) -> u8 {
        b"MIDNSHP=X"[self as usize]
    }

    /// Whether the operation consumes reference positions (`M D N = X`).
    pub fn consumes_reference(self) -> bool {
        matches!(
            self,
            Kind::Match
                | Kind::Deletion
                | Kind::Skip
                | Kind::SequenceMatch
                | Kind::SequenceMismatch
        )
    }

    /// Whether the operation consumes SEQ bases (`M I S = X`).
    pub fn consumes_query(self) -> bool {
        matches!(
            self,
            Kind::Match
                | Kind::Insertion
                | Kind::SoftClip
                | Kind::SequenceMatch
                | Kind::SequenceMismatch
        )
    }
}

/// One CIGAR operation: a kind and a length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Op {
    /// What the operation does.
    pub kind: Kind,
    /// How many bases it covers.
    pub len: u32,
}

impl Op {
    /// Decodes BAM's packed `len << 4 | code`; `None` for a code above 8.
    pub fn from_packed(packed: u32) -> Option<Self> {
        Some(Op {
            kind: Kind::from_code(packed & 0xf)?,
            len: packed >> 4,
        })
    }

    /// BAM's packed form.
    pub fn to_packed(self) -> u32 {
        (self.len << 4) | self.kind.code()
    }
}

/// The CIGAR of a record: packed little-endian `u32` operations, validated
/// when the record was read.
///
/// ```
/// use biometal::formats::sam::record::cigar::{Cigar, Kind};
///
/// let packed: Vec<u8> = [(10 << 4) | 0, (2 << 4) | 2, (5 << 4) | 4u32]
///     .iter().flat_map(|op| op.to_le_bytes()).collect();
/// let cigar = Cigar::new(&packed).unwrap();
/// assert_eq!(cigar.to_string(), "10M2D5S");
/// assert_eq!((cigar.reference_span(), cigar.query_length()), (12, 15));
/// assert_eq!(cigar.iter().next().unwrap().kind, Kind::Match);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cigar<'a> {
    packed: &'a [u8],
}

impl<'a> Cigar<'a> {
    /// A view of `packed` (4 bytes an operation); `None` if its length is
    /// not a multiple of 4 or an operation code is above 8.
    pub fn new(packed: &'a [u8]) -> Option<Self> {
        let cigar = Cigar { packed };
        (packed.len().is_multiple_of(4) && cigar.raw().all(|op| op & 0xf <= 8)).then_some(cigar)
    }

    pub(crate) fn new_unchecked(packed: &'a [u8]) -> Self {
        Cigar { packed }
    }

    fn raw(&self) -> impl Iterator<Item = u32> + 'a {
        self.packed
            .chunks_exact(4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// The number of operations.
    #[inline]
    pub fn len(&self) -> usize {
        self.packed.len() / 4
    }

    /// Whether there are no operations (`*`).
    pub fn is_empty(&self) -> bool {
        self.packed.is_empty()
    }

    /// The operations in order.
    #[inline]
    pub fn iter(&self) -> impl Iterator<Item = Op> + 'a {
        // Codes were checked when the view was made; 15 cannot occur.
        self.raw().filter_map(Op::from_packed)
    }

    /// The number of reference bases covered (`M D N = X`).
    pub fn reference_span(&self) -> u64 {
        self.iter()
            .filter(|op| op.kind.consumes_reference())
            .map(|op| u64::from(op.len))
            .sum()
    }

    /// The number of SEQ bases implied (`M I S = X`).
    pub fn query_length(&self) -> u64 {
        self.iter()
            .filter(|op| op.kind.consumes_query())
            .map(|op| u64::from(op.len))
            .sum()
    }

    /// The packed bytes.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.packed
    }
}

/// SAM text: `*` when empty.
impl fmt::Display for Cigar<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("*");
        }
        for op in self.iter() {
            write!(f, "{}{}", op.len, op.kind.as_char() as char)?;
        }
        Ok(())
    }
}
