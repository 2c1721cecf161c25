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
}

/// CIGAR operation codes that consume query bases (M, I, S, =, X), as a
/// bit set indexed by code.
const CONSUMES_QUERY: u32 = 1 << 0 | 1 << 1 | 1 << 4 | 1 << 7 | 1 << 8;

// Fixed-part fields of validated records (at least 32 bytes): one bounds
// check per field, not one per byte.
/// Whether `bytes` (a read name: short) holds a NUL, eight bytes at a time
/// without branches rather than through memchr's set-up.
fn has_nul(bytes: &[u8]) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    let words = bytes.chunks_exact(8);
    let tail = words
        .remainder()
        .iter()
        .fold(false, |any, &b| any | (b == 0));
    words.fold(tail, |any, word| {
        let mut eight = [0u8; 8];
        eight.copy_from_slice(word);
        let word = u64::from_ne_bytes(eight);
        // The classic test: some byte of `word` is zero.
        any | (word.wrapping_sub(ONES) & !word & HIGHS != 0)
    })
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
    /// Validates one record's bytes (BAM layout, without `block_size`).
    fn validate(bytes: &[u8]) -> crate::Result<Layout> {
        if bytes.len() < FIXED_SIZE {
            return Err(invalid(format!(
                "record of {} bytes is shorter than the 32-byte fixed part",
                bytes.len()
            )));
        }
        if bytes.len() > u32::MAX as usize {
            return Err(invalid("record larger than 4 GiB".into()));
        }
        for (what, at) in [
            ("refID", 0),
            ("pos", 4),
            ("next_refID", 20),
            ("next_pos", 24),
        ] {
            let value = i32_at(bytes, at);
            if value < -1 {
                return Err(invalid(format!("{what} is {value}, below -1")));
            }
        }
        let name_len = usize::from(bytes[8]);
        if name_len == 0 {
            return Err(invalid(
                "l_read_name is 0 (the name needs at least its NUL)".into(),
            ));
        }
        let cigar_start = FIXED_SIZE + name_len;
        let name = bytes.get(FIXED_SIZE..cigar_start).ok_or_else(|| {
            invalid(format!(
                "read name of {name_len} bytes runs past the record end ({} bytes)",
                bytes.len()
            ))
        })?;
        let inner_nul = has_nul(&name[..name_len - 1]);
        if name.last() != Some(&0) || inner_nul {
            return Err(invalid("read name is not NUL-terminated".into()));
        }
        let cigar_len = usize::from(u16_at(bytes, 12)) * 4;
        let seq_len = u32::from_le_bytes([bytes[16], bytes[17], bytes[18], bytes[19]]) as u64;
        let cigar_end = cigar_start + cigar_len;
        let seq_start = cigar_end as u64;
        let qual_start = seq_start + seq_len.div_ceil(2);
        let aux_start = qual_start + seq_len;
        if aux_start > bytes.len() as u64 {
            return Err(invalid(format!(
                "{} CIGAR operations and {seq_len} bases need {} bytes, the record has {}",
                cigar_len / 4,
                aux_start,
                bytes.len()
            )));
        }
        let (seq_start, qual_start, aux_start) =
            (seq_start as usize, qual_start as usize, aux_start as usize);
        // One pass over the operations: codes checked, query length summed.
        let (mut bad_code, mut query_len) = (false, 0u64);
        for op in bytes[cigar_start..cigar_end].chunks_exact(4) {
            let op = u32::from_le_bytes([op[0], op[1], op[2], op[3]]);
            let code = op & 0xf;
            bad_code |= code > 8;
            if CONSUMES_QUERY >> code & 1 != 0 {
                query_len += u64::from(op >> 4);
            }
        }
        if bad_code {
            return Err(invalid("CIGAR operation code above 8".into()));
        }
        let cigar = Cigar::new_unchecked(&bytes[cigar_start..cigar_end]);
        let aux = &bytes[aux_start..];
        data::validate(aux).map_err(|(offset, message)| {
            invalid(format!(
                "auxiliary data at record byte {}: {message}",
                aux_start + offset
            ))
        })?;
        let mut layout = Layout {
            name_end: (cigar_start - 1) as u32,
            cigar_start: cigar_start as u32,
            cigar_end: cigar_end as u32,
            seq_start: seq_start as u32,
            qual_start: qual_start as u32,
            aux_start: aux_start as u32,
            hidden_cg: None,
        };
        let mut cigar = cigar;
        if let Some(first) = cigar.iter().next() {
            let placed = i32_at(bytes, 0) >= 0 && i32_at(bytes, 4) >= 0;
            if placed && first.kind == cigar::Kind::SoftClip && u64::from(first.len) == seq_len {
                if let Some((start, end, ops)) = find_cg(aux) {
                    let ops = Cigar::new(ops)
                        .ok_or_else(|| invalid("CG tag holds an invalid CIGAR".into()))?;
                    layout.hidden_cg = Some(((aux_start + start) as u32, (aux_start + end) as u32));
                    layout.cigar_start = (aux_start + end - ops.as_bytes().len()) as u32;
                    layout.cigar_end = (aux_start + end) as u32;
                    query_len = ops.query_length();
                    cigar = ops;
                }
            }
        }
        let unmapped = u16_at(bytes, 14) & Flags::UNMAPPED != 0;
        if !cigar.is_empty() && seq_len > 0 && !unmapped && query_len != seq_len {
            return Err(invalid(format!(
                "CIGAR {cigar} implies {query_len} bases, SEQ has {seq_len}"
            )));
        }
        Ok(layout)
    }
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordRef<'a> {
    bytes: &'a [u8],
    layout: Layout,
}

/// An owned, reusable record (BAM layout).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Record {
    bytes: Vec<u8>,
    layout: Layout,
}

impl<'a> RecordRef<'a> {
    /// Validates `bytes` (one BAM record without its `block_size`).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidData`](crate::ErrorKind::InvalidData) when a
    /// length field disagrees with the bytes, naming which.
    pub fn new(bytes: &'a [u8]) -> crate::Result<Self> {
        Ok(RecordRef {
            layout: Layout::validate(bytes)?,
            bytes,
        })
    }

    pub(crate) fn layout(&self) -> Layout {
        self.layout
    }

    pub(crate) fn from_layout(bytes: &'a [u8], layout: Layout) -> Self {
        RecordRef { bytes, layout }
    }

    /// The record's bytes (BAM layout, without `block_size`).
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// QNAME without the NUL.
    pub fn name(&self) -> &'a [u8] {
        &self.bytes[FIXED_SIZE..self.layout.name_end as usize]
    }

    /// FLAG.
    pub fn flags(&self) -> Flags {
        Flags::new(u16_at(self.bytes, 14))
    }

    /// The 0-based reference id (index into the header's `@SQ` lines);
    /// `None` for `*`.
    pub fn reference_id(&self) -> Option<usize> {
        usize::try_from(i32_at(self.bytes, 0)).ok()
    }

    /// The 1-based leftmost mapping position; `None` for 0 (unplaced).
    pub fn alignment_start(&self) -> Option<Position> {
        u64::try_from(i32_at(self.bytes, 4))
            .ok()
            .map(Position::from_zero_based)
    }

    /// The 1-based position of the last reference base covered, from the
    /// CIGAR (a record without reference-consuming operations covers one
    /// base, as htslib's `bam_endpos`).
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
    pub fn mapping_quality(&self) -> Option<u8> {
        Some(self.bytes[9]).filter(|&q| q != 255)
    }

    /// The `bin` field as stored.
    pub fn bin(&self) -> u16 {
        u16_at(self.bytes, 10)
    }

    /// The CIGAR (from the `CG` tag when the record carries more than
    /// 65535 operations there, as samtools reads it).
    pub fn cigar(&self) -> Cigar<'a> {
        Cigar::new_unchecked(
            &self.bytes[self.layout.cigar_start as usize..self.layout.cigar_end as usize],
        )
    }

    /// SEQ.
    pub fn sequence(&self) -> Sequence<'a> {
        let base_count = (self.layout.aux_start - self.layout.qual_start) as usize;
        let packed = &self.bytes[self.layout.seq_start as usize..self.layout.qual_start as usize];
        Sequence::new_unchecked(packed, base_count)
    }

    /// QUAL as raw Phred scores; `None` when absent (SEQ `*` or the first
    /// byte 0xFF).
    pub fn qualities(&self) -> Option<&'a [u8]> {
        let quals = &self.bytes[self.layout.qual_start as usize..self.layout.aux_start as usize];
        (!quals.is_empty() && quals[0] != 0xff).then_some(quals)
    }

    /// The mate's reference id (RNEXT); `None` for `*`.
    pub fn mate_reference_id(&self) -> Option<usize> {
        usize::try_from(i32_at(self.bytes, 20)).ok()
    }

    /// The mate's 1-based position (PNEXT); `None` for 0.
    pub fn mate_alignment_start(&self) -> Option<Position> {
        u64::try_from(i32_at(self.bytes, 24))
            .ok()
            .map(Position::from_zero_based)
    }

    /// TLEN.
    pub fn template_length(&self) -> i32 {
        i32_at(self.bytes, 28)
    }

    /// The auxiliary fields (without a `CG` tag that holds the CIGAR).
    pub fn data(&self) -> Data<'a> {
        let aux = &self.bytes[self.layout.aux_start as usize..];
        match self.layout.hidden_cg {
            Some((start, _)) => Data::with_hidden(aux, (start - self.layout.aux_start) as usize),
            None => Data::new_unchecked(aux),
        }
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
}

impl Record {
    /// Validates and takes `bytes` (one BAM record without `block_size`).
    ///
    /// # Errors
    ///
    /// As [`RecordRef::new`].
    pub fn from_bytes(bytes: Vec<u8>) -> crate::Result<Self> {
        let layout = Layout::validate(&bytes)?;
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

    /// Refills the buffer through `fill` and validates it; on error the
    /// record is left empty.
    pub(crate) fn refill(
        &mut self,
        fill: impl FnOnce(&mut Vec<u8>) -> crate::Result<()>,
    ) -> crate::Result<()> {
        self.bytes.clear();
        self.layout = Layout::default();
        let result = fill(&mut self.bytes).and_then(|()| Layout::validate(&self.bytes));
        match result {
            Ok(layout) => {
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
