//! The one alignment record type, stored in BAM's binary layout.
//!
//! [`RecordRef`] is a validated, borrowed view of one BAM record's bytes
//! (without the leading `block_size`); [`Record`] owns and reuses such bytes.
//! Both check every length once, when made, so the getters never fail.
//! SAM text and CRAM are decoded into this layout.
//!
//! ```
//! use biometal::formats::sam::record::{Record, RecordFields, cigar::{Op, Kind}};
//! use biometal::region::Position;
//!
//! let mut record = Record::default();
//! record.set_fields(&RecordFields {
//!     name: b"read1",
//!     flags: 0,
//!     reference_id: Some(0),
//!     alignment_start: Position::new(100),
//!     mapping_quality: Some(60),
//!     cigar: &[Op { kind: Kind::Match, len: 4 }],
//!     sequence: b"ACGT",
//!     qualities: Some(&[30, 30, 20, 10]),
//!     ..RecordFields::default()
//! })?;
//! let view = record.as_ref();
//! assert_eq!(view.name(), b"read1");
//! assert_eq!(view.alignment_end(), Position::new(103));
//! assert_eq!(view.cigar().to_string(), "4M");
//! # Ok::<(), biometal::Error>(())
//! ```

mod build;
pub mod cigar;
pub mod data;
mod flags;
mod sequence;

pub use self::build::RecordFields;
pub use self::cigar::Cigar;
pub use self::data::Data;
pub use self::flags::Flags;
pub use self::sequence::Sequence;

use crate::region::Position;
use crate::{Error, Format};

/// A two-character auxiliary field tag such as `NM`.
pub type Tag = [u8; 2];

/// The fixed part of a BAM record: 32 bytes.
pub const FIXED_SIZE: usize = 32;

/// Where each part of a validated record lies.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Layout {
    name_end: u32,
    cigar_start: u32,
    cigar_end: u32,
    seq_start: u32,
    qual_start: u32,
    aux_start: u32,
    /// The CG field (tag to end of array) when it holds the real CIGAR.
    hidden_cg: Option<(u32, u32)>,
    /// The 1-based number of the record in its file when a reader read
    /// it (0: unknown), for errors found later in the auxiliary data.
    record_number: u64,
}

/// CIGAR operation codes that consume query bases (M, I, S, =, X), as a
/// bit set indexed by code.
const CONSUMES_QUERY: u32 = 1 << 0 | 1 << 1 | 1 << 4 | 1 << 7 | 1 << 8;

// Fixed-part fields of validated records (at least 32 bytes): one bounds
// check per field, not one per byte.
/// Whether `bytes` (a read name: short) holds a NUL, sixteen bytes a step
/// with SSE2 (part of every x86-64), the last step overlapping the one
/// before it instead of a byte loop.
#[cfg(target_arch = "x86_64")]
#[inline]
fn has_nul(bytes: &[u8]) -> bool {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128,
        _mm_setzero_si128,
    };
    let Some(last) = bytes.last_chunk::<16>() else {
        return has_nul_by_words(bytes);
    };
    let (chunks, _) = bytes.as_chunks::<16>();
    // SAFETY: SSE2 is part of the x86-64 baseline, so these intrinsics are
    // available; each load reads one 16-byte chunk of `bytes` (`loadu`
    // needs no alignment).
    unsafe {
        let zero = _mm_setzero_si128();
        let zeros_in = |chunk: &[u8; 16]| {
            _mm_cmpeq_epi8(_mm_loadu_si128(chunk.as_ptr().cast::<__m128i>()), zero)
        };
        let any = chunks.iter().fold(zeros_in(last), |any, chunk| {
            _mm_or_si128(any, zeros_in(chunk))
        });
        _mm_movemask_epi8(any) != 0
    }
}

/// [`has_nul`] elsewhere (and for short names on x86-64).
#[cfg(not(target_arch = "x86_64"))]
#[inline]
fn has_nul(bytes: &[u8]) -> bool {
    has_nul_by_words(bytes)
}

/// Whether `bytes` holds a NUL, eight bytes at a time without branches
/// rather than through memchr's set-up; the last word overlaps the one
/// before it instead of a byte loop.
#[inline]
fn has_nul_by_words(bytes: &[u8]) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    // The classic test: some byte of `word` is zero.
    let zero_in = |word: &[u8; 8]| {
        let word = u64::from_ne_bytes(*word);
        word.wrapping_sub(ONES) & !word & HIGHS != 0
    };
    let Some(last) = bytes.last_chunk::<8>() else {
        return bytes.contains(&0);
    };
    let (words, _) = bytes.as_chunks::<8>();
    words
        .iter()
        .fold(zero_in(last), |any, word| any | zero_in(word))
}

fn u16_at(bytes: &[u8], at: usize) -> u16 {
    match bytes.get(at..at + 2) {
        Some(&[a, b]) => u16::from_le_bytes([a, b]),
        _ => 0,
    }
}

fn i32_at(bytes: &[u8], at: usize) -> i32 {
    match bytes.get(at..at + 4) {
        Some(&[a, b, c, d]) => i32::from_le_bytes([a, b, c, d]),
        _ => 0,
    }
}

fn invalid(message: String) -> Error {
    Error::invalid_data(Format::Bam, message)
}

impl Layout {
    /// Validates one record's bytes (BAM layout, without `block_size`) with
    /// checks whose cost does not grow with the record, except for the
    /// read name's NUL and one step per CIGAR operation: the fixed fields,
    /// every length against the bytes present, the reference ids against
    /// `references` (the header's count, when known), the CIGAR codes and
    /// its query length against SEQ. The auxiliary data is walked lazily by
    /// [`Data`]'s accessors, except when the CIGAR may be held in a `CG`
    /// tag.
    #[inline(always)]
    fn validate(bytes: &[u8], references: Option<usize>) -> crate::Result<Layout> {
        let Some(fixed) = bytes.first_chunk::<FIXED_SIZE>() else {
            return Err(invalid(format!(
                "record of {} bytes is shorter than the 32-byte fixed part",
                bytes.len()
            )));
        };
        let i32_field = |at: usize| {
            i64::from(i32::from_le_bytes([
                fixed[at],
                fixed[at + 1],
                fixed[at + 2],
                fixed[at + 3],
            ]))
        };
        let (reference_id, start) = (i32_field(0), i32_field(4));
        let (mate_reference_id, mate_start) = (i32_field(20), i32_field(24));
        // Ids run from -1 (none) to the reference count - 1: id + 1 in
        // 0..=count, one unsigned comparison each.
        let id_limit = references.map_or(1 << 31, |count| count as u64);
        let bad_fixed = (reference_id + 1) as u64 > id_limit
            || (mate_reference_id + 1) as u64 > id_limit
            || start.min(mate_start) < -1
            || bytes.len() > u32::MAX as usize;
        if bad_fixed {
            return Err(fixed_field_error(bytes, references));
        }
        let name_len = usize::from(fixed[8]);
        let cigar_len = usize::from(u16::from_le_bytes([fixed[12], fixed[13]])) * 4;
        let seq_len = u64::from(u32::from_le_bytes([
            fixed[16], fixed[17], fixed[18], fixed[19],
        ]));
        let cigar_start = FIXED_SIZE + name_len;
        let cigar_end = cigar_start + cigar_len;
        let qual_start = cigar_end as u64 + seq_len.div_ceil(2);
        let aux_start = qual_start + seq_len;
        if name_len == 0 || aux_start > bytes.len() as u64 {
            return Err(length_error(bytes));
        }
        // In bounds now: cigar_start <= aux_start <= bytes.len().
        let (Some(name), Some(cigar_bytes)) = (
            bytes.get(FIXED_SIZE..cigar_start - 1),
            bytes.get(cigar_start..cigar_end),
        ) else {
            return Err(length_error(bytes));
        };
        if bytes[cigar_start - 1] != 0 || has_nul(name) {
            return Err(invalid("read name is not NUL-terminated".into()));
        }
        let (seq_start, qual_start, aux_start) =
            (cigar_end, qual_start as usize, aux_start as usize);
        // One pass over the operations: codes checked, query length summed.
        let (mut bad_code, mut query_len) = (false, 0u64);
        for op in cigar_bytes.chunks_exact(4) {
            let op = u32::from_le_bytes([op[0], op[1], op[2], op[3]]);
            let code = op & 0xf;
            bad_code |= code > 8;
            // Without a branch: the length masked by whether it counts.
            let counts = (CONSUMES_QUERY >> code & 1).wrapping_neg();
            query_len += u64::from(op >> 4 & counts);
        }
        if bad_code {
            return Err(invalid("CIGAR operation code above 8".into()));
        }
        let mut layout = Layout {
            name_end: (cigar_start - 1) as u32,
            cigar_start: cigar_start as u32,
            cigar_end: cigar_end as u32,
            seq_start: seq_start as u32,
            qual_start: qual_start as u32,
            aux_start: aux_start as u32,
            hidden_cg: None,
            record_number: 0,
        };
        // A soft clip of the whole read on a placed record is how BAM
        // stores a CIGAR of more than 65535 operations; the real one is in
        // the `CG` tag.
        let first = cigar_bytes
            .first_chunk::<4>()
            .map(|op| u32::from_le_bytes(*op));
        let clip_all = seq_len << 4 | u64::from(cigar::Kind::SoftClip.code());
        let placed = reference_id >= 0 && start >= 0;
        if placed && first.is_some_and(|op| u64::from(op) == clip_all) {
            query_len = layout.find_hidden_cigar(bytes)?.unwrap_or(query_len);
        }
        let unmapped = u16::from_le_bytes([fixed[14], fixed[15]]) & Flags::UNMAPPED != 0;
        if query_len != seq_len && cigar_len > 0 && seq_len > 0 && !unmapped {
            return Err(invalid(format!(
                "CIGAR {} implies {query_len} bases, SEQ has {seq_len}",
                RecordRef::from_layout(bytes, layout).cigar()
            )));
        }
        Ok(layout)
    }

    /// Looks for the `CG` tag holding the CIGAR, validating the auxiliary
    /// data first; points the layout's CIGAR at it and returns its query
    /// length when found.
    #[cold]
    fn find_hidden_cigar(&mut self, bytes: &[u8]) -> crate::Result<Option<u64>> {
        let aux_start = self.aux_start as usize;
        let aux = bytes.get(aux_start..).unwrap_or_default();
        data::validate(aux).map_err(|(offset, message)| {
            invalid(format!(
                "auxiliary data at record byte {}: {message}",
                aux_start + offset
            ))
        })?;
        let Some((start, end, ops)) = find_cg(aux) else {
            return Ok(None);
        };
        let ops = Cigar::new(ops).ok_or_else(|| invalid("CG tag holds an invalid CIGAR".into()))?;
        self.hidden_cg = Some(((aux_start + start) as u32, (aux_start + end) as u32));
        self.cigar_start = (aux_start + end - ops.as_bytes().len()) as u32;
        self.cigar_end = (aux_start + end) as u32;
        Ok(Some(ops.query_length()))
    }
}

/// Why the fixed fields of `bytes` (at least 32 bytes) are invalid.
#[cold]
#[inline(never)]
fn fixed_field_error(bytes: &[u8], references: Option<usize>) -> Error {
    if bytes.len() > u32::MAX as usize {
        return invalid("record larger than 4 GiB".into());
    }
    for (what, at, is_id) in [
        ("refID", 0, true),
        ("pos", 4, false),
        ("next_refID", 20, true),
        ("next_pos", 24, false),
    ] {
        let value = i32_at(bytes, at);
        if value < -1 {
            return invalid(format!("{what} is {value}, below -1"));
        }
        let count = references.filter(|_| is_id);
        if let Some(count) = count.filter(|&count| i64::from(value) >= count as i64) {
            return invalid(format!(
                "{what} {value} but the header has {count} references"
            ));
        }
    }
    invalid("invalid fixed fields".into())
}

/// Why the lengths in the fixed part of `bytes` (at least 32 bytes) do not
/// fit the record.
#[cold]
#[inline(never)]
fn length_error(bytes: &[u8]) -> Error {
    let name_len = usize::from(bytes.get(8).copied().unwrap_or(0));
    if name_len == 0 {
        return invalid("l_read_name is 0 (the name needs at least its NUL)".into());
    }
    if FIXED_SIZE + name_len > bytes.len() {
        return invalid(format!(
            "read name of {name_len} bytes runs past the record end ({} bytes)",
            bytes.len()
        ));
    }
    let cigar_ops = u64::from(u16_at(bytes, 12));
    let seq_len = u64::from(i32_at(bytes, 16) as u32);
    let needed = (FIXED_SIZE + name_len) as u64 + 4 * cigar_ops + seq_len.div_ceil(2) + seq_len;
    invalid(format!(
        "{cigar_ops} CIGAR operations and {seq_len} bases need {needed} bytes, the record has {}",
        bytes.len()
    ))
}

/// Finds a `CG:B:I` field in validated aux data: (field start, field end,
/// the packed operations).
fn find_cg(aux: &[u8]) -> Option<(usize, usize, &[u8])> {
    data::raw_fields(aux).find_map(|(offset, len, tag, value)| match value {
        data::Value::Array(data::Array::UInt32(ops)) if &tag == b"CG" => {
            Some((offset, offset + len, ops.as_bytes()))
        }
        _ => None,
    })
}

/// A validated, borrowed BAM record.
///
/// Records are equal when their bytes are.
#[derive(Debug, Clone, Copy)]
pub struct RecordRef<'a> {
    bytes: &'a [u8],
    layout: Layout,
}

impl PartialEq for RecordRef<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.bytes == other.bytes
    }
}

impl Eq for RecordRef<'_> {}

/// An owned, reusable record (BAM layout).
///
/// Records are equal when their bytes are.
#[derive(Debug, Clone, Default)]
pub struct Record {
    bytes: Vec<u8>,
    layout: Layout,
}

impl PartialEq for Record {
    fn eq(&self, other: &Self) -> bool {
        self.bytes == other.bytes
    }
}

impl Eq for Record {}

impl<'a> RecordRef<'a> {
    /// Validates `bytes` (one BAM record without its `block_size`): every
    /// length and fixed field, the read name and the CIGAR. The auxiliary
    /// data is checked as [`data`](Self::data)'s accessors walk it (their
    /// errors name the record byte, and the record number when a reader
    /// read the record); [`Data::validate`] checks it all at once.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidData`](crate::ErrorKind::InvalidData) when a
    /// length field disagrees with the bytes, naming which.
    ///
    /// ```
    /// use biometal::formats::sam::RecordRef;
    ///
    /// let mut bytes = vec![0xff; 8]; // refID, pos: -1
    /// bytes.extend_from_slice(&[2, 255, 0x48, 0x12, 0, 0, 4, 0]); // name, MAPQ, bin, ops, flag
    /// bytes.extend_from_slice(&[0; 4]); // l_seq
    /// bytes.extend_from_slice(&[0xff; 8]); // next_refID, next_pos
    /// bytes.extend_from_slice(&[0; 4]); // tlen
    /// bytes.extend_from_slice(b"r\0XXZab"); // name, then an aux field without its NUL
    /// let record = RecordRef::new(&bytes)?;
    /// assert_eq!(record.name(), b"r");
    /// assert!(record.data().validate().is_err());
    /// # Ok::<(), biometal::Error>(())
    /// ```
    pub fn new(bytes: &'a [u8]) -> crate::Result<Self> {
        Ok(RecordRef {
            layout: Layout::validate(bytes, None)?,
            bytes,
        })
    }

    /// Validates `bytes` as [`RecordRef::new`] does, also checking the
    /// reference ids against the header's `references` count and noting
    /// the record's 1-based `record_number` for later errors.
    #[inline]
    pub(crate) fn read(
        bytes: &'a [u8],
        references: Option<usize>,
        record_number: u64,
    ) -> crate::Result<Self> {
        let mut layout = Layout::validate(bytes, references)?;
        layout.record_number = record_number;
        Ok(RecordRef { bytes, layout })
    }

    pub(crate) fn layout(&self) -> Layout {
        self.layout
    }

    pub(crate) fn from_layout(bytes: &'a [u8], layout: Layout) -> Self {
        RecordRef { bytes, layout }
    }

    /// The 1-based number of this record in the file a reader read it from
    /// (`None` for a record made otherwise).
    #[inline]
    pub fn record_number(&self) -> Option<u64> {
        Some(self.layout.record_number).filter(|&n| n > 0)
    }

    /// The record's bytes (BAM layout, without `block_size`).
    #[inline]
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// QNAME without the NUL.
    #[inline]
    pub fn name(&self) -> &'a [u8] {
        &self.bytes[FIXED_SIZE..self.layout.name_end as usize]
    }

    /// FLAG.
    #[inline]
    pub fn flags(&self) -> Flags {
        Flags::new(u16_at(self.bytes, 14))
    }

    /// The 0-based reference id (index into the header's `@SQ` lines);
    /// `None` for `*`.
    #[inline]
    pub fn reference_id(&self) -> Option<usize> {
        usize::try_from(i32_at(self.bytes, 0)).ok()
    }

    /// The 1-based leftmost mapping position; `None` for 0 (unplaced).
    #[inline]
    pub fn alignment_start(&self) -> Option<Position> {
        u64::try_from(i32_at(self.bytes, 4))
            .ok()
            .map(Position::from_zero_based)
    }

    /// The 1-based position of the last reference base covered, from the
    /// CIGAR (a record without reference-consuming operations covers one
    /// base, as htslib's `bam_endpos`).
    #[inline]
    pub fn alignment_end(&self) -> Option<Position> {
        let start = self.alignment_start()?;
        let span = if self.flags().is_unmapped() {
            0
        } else {
            self.cigar().reference_span()
        };
        Position::new(start.get() + span.max(1) - 1)
    }

    /// MAPQ; `None` for 255 (unavailable).
    #[inline]
    pub fn mapping_quality(&self) -> Option<u8> {
        Some(self.bytes[9]).filter(|&q| q != 255)
    }

    /// The `bin` field as stored.
    #[inline]
    pub fn bin(&self) -> u16 {
        u16_at(self.bytes, 10)
    }

    /// The CIGAR (from the `CG` tag when the record carries more than
    /// 65535 operations there, as samtools reads it).
    #[inline]
    pub fn cigar(&self) -> Cigar<'a> {
        Cigar::new_unchecked(
            &self.bytes[self.layout.cigar_start as usize..self.layout.cigar_end as usize],
        )
    }

    /// SEQ.
    #[inline]
    pub fn sequence(&self) -> Sequence<'a> {
        let base_count = (self.layout.aux_start - self.layout.qual_start) as usize;
        let packed = &self.bytes[self.layout.seq_start as usize..self.layout.qual_start as usize];
        Sequence::new_unchecked(packed, base_count)
    }

    /// QUAL as raw Phred scores; `None` when absent (SEQ `*` or the first
    /// byte 0xFF).
    #[inline]
    pub fn qualities(&self) -> Option<&'a [u8]> {
        let quals = &self.bytes[self.layout.qual_start as usize..self.layout.aux_start as usize];
        (!quals.is_empty() && quals[0] != 0xff).then_some(quals)
    }

    /// The mate's reference id (RNEXT); `None` for `*`.
    #[inline]
    pub fn mate_reference_id(&self) -> Option<usize> {
        usize::try_from(i32_at(self.bytes, 20)).ok()
    }

    /// The mate's 1-based position (PNEXT); `None` for 0.
    #[inline]
    pub fn mate_alignment_start(&self) -> Option<Position> {
        u64::try_from(i32_at(self.bytes, 24))
            .ok()
            .map(Position::from_zero_based)
    }

    /// TLEN.
    #[inline]
    pub fn template_length(&self) -> i32 {
        i32_at(self.bytes, 28)
    }

    /// The auxiliary fields (without a `CG` tag that holds the CIGAR),
    /// checked as they are read.
    #[inline]
    pub fn data(&self) -> Data<'a> {
        let aux_start = self.layout.aux_start;
        let hidden = self
            .layout
            .hidden_cg
            .map(|(start, _)| (start - aux_start) as usize);
        Data::in_record(
            &self.bytes[aux_start as usize..],
            hidden,
            aux_start as usize,
            self.layout.record_number,
        )
    }
}

macro_rules! delegate {
    ($($(#[$doc:meta])* $name:ident -> $ret:ty;)*) => {
        impl Record {
            $( $(#[$doc])* pub fn $name(&self) -> $ret { self.as_ref().$name() } )*
        }
    };
}

delegate! {
    /// QNAME without the NUL.
    name -> &[u8];
    /// FLAG.
    flags -> Flags;
    /// The 0-based reference id; `None` for `*`.
    reference_id -> Option<usize>;
    /// The 1-based leftmost position; `None` when unplaced.
    alignment_start -> Option<Position>;
    /// The 1-based last reference position covered.
    alignment_end -> Option<Position>;
    /// MAPQ; `None` for 255.
    mapping_quality -> Option<u8>;
    /// The CIGAR.
    cigar -> Cigar<'_>;
    /// SEQ.
    sequence -> Sequence<'_>;
    /// QUAL as raw Phred scores; `None` when absent.
    qualities -> Option<&[u8]>;
    /// RNEXT as a 0-based id.
    mate_reference_id -> Option<usize>;
    /// PNEXT, 1-based.
    mate_alignment_start -> Option<Position>;
    /// TLEN.
    template_length -> i32;
    /// The auxiliary fields.
    data -> Data<'_>;
    /// The 1-based record number, when read by a reader.
    record_number -> Option<u64>;
}

impl Record {
    /// Validates and takes `bytes` (one BAM record without `block_size`).
    ///
    /// # Errors
    ///
    /// As [`RecordRef::new`].
    pub fn from_bytes(bytes: Vec<u8>) -> crate::Result<Self> {
        let layout = Layout::validate(&bytes, None)?;
        Ok(Record { bytes, layout })
    }

    /// The validated view of this record.
    pub fn as_ref(&self) -> RecordRef<'_> {
        RecordRef {
            bytes: &self.bytes,
            layout: self.layout,
        }
    }

    /// The record's bytes (BAM layout, without `block_size`).
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Makes this record a copy of `record`, reusing its buffer (no
    /// validation again).
    ///
    /// ```
    /// use biometal::formats::sam::record::{Record, RecordFields};
    ///
    /// let mut first = Record::default();
    /// first.set_fields(&RecordFields { name: b"r1", ..RecordFields::default() })?;
    /// let mut copy = Record::default();
    /// copy.copy_from(first.as_ref());
    /// assert_eq!(copy, first);
    /// # Ok::<(), biometal::Error>(())
    /// ```
    pub fn copy_from(&mut self, record: RecordRef<'_>) {
        self.bytes.clear();
        self.bytes.extend_from_slice(record.bytes);
        self.layout = record.layout;
    }

    /// Refills the buffer through `fill` and validates it; on error the
    /// record is left empty.
    pub(crate) fn refill(
        &mut self,
        fill: impl FnOnce(&mut Vec<u8>) -> crate::Result<()>,
    ) -> crate::Result<()> {
        self.refill_read(None, 0, fill)
    }

    /// [`Record::refill`] validating as [`RecordRef::read`] does.
    pub(crate) fn refill_read(
        &mut self,
        references: Option<usize>,
        record_number: u64,
        fill: impl FnOnce(&mut Vec<u8>) -> crate::Result<()>,
    ) -> crate::Result<()> {
        self.bytes.clear();
        self.layout = Layout::default();
        let result = fill(&mut self.bytes).and_then(|()| Layout::validate(&self.bytes, references));
        match result {
            Ok(mut layout) => {
                layout.record_number = record_number;
                self.layout = layout;
                Ok(())
            }
            Err(e) => {
                self.bytes.clear();
                Err(e)
            }
        }
    }
}

impl<'a> From<RecordRef<'a>> for Record {
    fn from(record: RecordRef<'a>) -> Self {
        Record {
            bytes: record.bytes.to_vec(),
            layout: record.layout,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_bytes_are_found_anywhere() {
        for len in 0..40 {
            let clean = vec![b'A'; len];
            assert!(!has_nul(&clean));
            for at in 0..len {
                let mut name = clean.clone();
                name[at] = 0;
                assert!(has_nul(&name), "NUL at {at} of {len}");
                name[at] = 0x80;
                assert!(!has_nul(&name));
            }
        }
    }

    #[test]
    fn the_query_mask_matches_the_operation_kinds() {
        for code in 0..16 {
            let consumes = cigar::Kind::from_code(code).is_some_and(|kind| kind.consumes_query());
            assert_eq!(CONSUMES_QUERY >> code & 1 != 0, consumes, "code {code}");
        }
    }
}
