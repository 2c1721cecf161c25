//! SEQ and QUAL views.

/// The bases of a record, 4-bit packed as BAM stores them.
///
/// ```
/// use biometal::formats::sam::record::Sequence;
///
/// let sequence = Sequence::new(&[0x12, 0x48, 0xf0], 5).unwrap();
/// assert_eq!(sequence.get(1), Some(b'C'));
/// let mut bases = Vec::new();
/// sequence.decode_into(&mut bases);
/// assert_eq!(bases, b"ACGTN");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sequence<'a> {
    packed: &'a [u8],
    base_count: usize,
}

const BASES: &[u8; 16] = b"=ACMGRSVTWYHKDBN";

impl<'a> Sequence<'a> {
    /// A view of `base_count` bases in `packed`; `None` unless
    /// `packed.len() == base_count.div_ceil(2)`.
    pub fn new(packed: &'a [u8], base_count: usize) -> Option<Self> {
        (packed.len() == base_count.div_ceil(2)).then_some(Sequence { packed, base_count })
    }

    pub(crate) fn new_unchecked(packed: &'a [u8], base_count: usize) -> Self {
        Sequence { packed, base_count }
    }

    /// The number of bases.
    #[inline]
    pub fn len(&self) -> usize {
        self.base_count
    }

    /// Whether there are no bases (SEQ `*`).
    pub fn is_empty(&self) -> bool {
        self.base_count == 0
    }

    /// The base at 0-based offset `i` as an upper-case IUPAC letter.
    pub fn get(&self, i: usize) -> Option<u8> {
        if i >= self.base_count {
            return None;
        }
        let byte = *self.packed.get(i / 2)?;
        let code = if i.is_multiple_of(2) {
            byte >> 4
        } else {
            byte & 0xf
        };
        Some(BASES[usize::from(code)])
    }

    /// Appends the bases as ASCII to `out` (SIMD-decoded).
    #[inline]
    pub fn decode_into(&self, out: &mut Vec<u8>) {
        crate::simd::decode_bam_sequence_to_vec(self.packed, self.base_count, out);
    }

    /// The packed bytes.
    pub fn as_packed(&self) -> &'a [u8] {
        self.packed
    }
}
