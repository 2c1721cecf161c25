//! Read features (CRAM §10.6): a mapped read's sequence, qualities and
//! CIGAR rebuilt from its features (substitutions, insertions, deletions,
//! clips, quality scores…) against the reference window of its slice,
//! with MD and NM tracked on the way as htslib generates them.

use std::sync::Arc;

use super::compression_header::{CompressionHeader, Plan, Series};
use super::decode::{push_decimal, read_len, CramRecord};
use super::encoding::Streams;
use crate::{Error, Format, Result};

/// BAM CIGAR operation codes.
pub(crate) const OP_M: u32 = 0;
const OP_I: u32 = 1;
const OP_D: u32 = 2;
const OP_N: u32 = 3;
const OP_S: u32 = 4;
const OP_H: u32 = 5;
const OP_P: u32 = 6;

/// The reference bases a slice (or, in multi-reference slices, a record)
/// is decoded against.
#[derive(Debug, Default)]
pub(crate) struct ReferenceWindow {
    /// Whether `bases` hold reference data for `reference_id`.
    pub available: bool,
    pub reference_id: i32,
    /// 1-based position of `bases[0]`.
    pub start: i64,
    pub bases: Vec<u8>,
    /// A whole reference shared between threads (multi-reference
    /// slices): used instead of `bases` when set.
    pub shared: Option<Arc<[u8]>>,
    /// The reference sequence's full length.
    pub reference_length: i64,
}

impl ReferenceWindow {
    /// The bases held, from 1-based `start`.
    #[inline]
    pub(crate) fn bases(&self) -> &[u8] {
        self.shared.as_deref().unwrap_or(&self.bases)
    }

    /// The base at 1-based `position`, `None` outside the window.
    #[inline]
    fn base(&self, position: i64) -> Option<u8> {
        usize::try_from(position - self.start)
            .ok()
            .and_then(|i| self.bases().get(i).copied())
    }

    fn span(&self, position: i64, len: usize) -> Result<&[u8]> {
        usize::try_from(position - self.start)
            .ok()
            .and_then(|i| self.bases().get(i..i.checked_add(len)?))
            .ok_or_else(|| {
                Error::invalid_data(
                    Format::Cram,
                    format!(
                        "record needs reference bases {position}..{} beyond the slice's reference span {}..{}",
                        position + len as i64 - 1,
                        self.start,
                        self.start + self.bases().len() as i64 - 1
                    ),
                )
            })
    }
}

/// The index of a reference base in the substitution matrix (A C G T N).
#[inline]
fn base_index(base: u8) -> usize {
    match base {
        b'A' => 0,
        b'C' => 1,
        b'G' => 2,
        b'T' => 3,
        _ => 4,
    }
}

/// Rebuilds one mapped read from its features.
pub(crate) struct MappedDecoder<'a, 'h> {
    pub(crate) header: &'h CompressionHeader,
    pub(crate) plan: &'h Plan,
    pub(crate) reference: Option<&'a ReferenceWindow>,
    pub(crate) seq: &'a mut [u8],
    pub(crate) qual: &'a mut [u8],
    pub(crate) cigar: &'a mut Vec<u32>,
    pub(crate) md: &'a mut Vec<u8>,
    pub(crate) scratch: &'a mut Vec<u8>,
    pub(crate) track_md: bool,
    pub(crate) nm: u32,
    /// Matching bases since the last MD entry; -1 once MD cannot be built.
    pub(crate) md_dist: i64,
    pub(crate) cigar_op: u32,
    pub(crate) cigar_len: u32,
    pub(crate) qualities_stored: bool,
    /// The read's length in bases (`seq` and `qual` are empty when not
    /// built).
    pub(crate) read_len: usize,
}

fn feature_error(message: String) -> Error {
    Error::invalid_data(Format::Cram, message)
}

impl MappedDecoder<'_, '_> {
    /// One value of a byte series; 0 when the plan skips the series.
    #[inline]
    fn byte(&self, series: Series, streams: &mut Streams<'_>) -> Result<u8> {
        if self.plan.skips(series) {
            Ok(0)
        } else {
            self.header.encoding(series)?.read_byte(streams)
        }
    }

    fn flush(&mut self) {
        if self.cigar_len > 0 {
            self.cigar.push((self.cigar_len << 4) | self.cigar_op);
            self.cigar_len = 0;
        }
    }

    /// Extends the current CIGAR operation, or starts a new one.
    fn push_op(&mut self, op: u32, len: u32) -> Result<()> {
        if self.cigar_op != op {
            self.flush();
            self.cigar_op = op;
        }
        self.cigar_len = self
            .cigar_len
            .checked_add(len)
            .filter(|&n| n < 1 << 28)
            .ok_or_else(|| feature_error("CIGAR operation longer than 2^28".into()))?;
        Ok(())
    }

    fn md_number(&mut self) {
        if self.md_dist >= 0 {
            push_decimal(self.md, self.md_dist as u64);
        }
    }

    fn md_mismatch(&mut self, reference_base: u8) {
        self.md_number();
        self.md.push(reference_base);
        self.md_dist = 0;
    }

    /// Copies bytes decoded into `scratch` to the read of `read_len`
    /// bases at 1-based `pos`; `target` is empty when the read's sequence
    /// or qualities are not built (the position is checked all the same).
    fn place(target: &mut [u8], read_len: usize, pos: i64, bytes: &[u8], what: &str) -> Result<()> {
        let start = (pos - 1) as usize;
        let end = start.saturating_add(bytes.len());
        // Reads of no length (no sequence stored) place nothing.
        if read_len > 0 && end > read_len {
            return Err(feature_error(format!(
                "{what} of {} bases at read position {pos} runs past the read's {read_len} bases",
                bytes.len()
            )));
        }
        if let Some(slot) = target.get_mut(start..end) {
            slot.copy_from_slice(bytes);
        }
        Ok(())
    }

    fn default_qualities(&mut self) {
        if !self.qualities_stored && self.qual.first() == Some(&0xff) {
            self.qual.fill(30);
        }
    }

    /// `n` bases matching the reference from 1-based `ref_pos`, placed at
    /// read position `seq_pos`.
    fn matches(&mut self, ref_pos: i64, seq_pos: i64, n: i64) -> Result<()> {
        let Some(reference) = self.reference else {
            return Ok(());
        };
        let seq_index = (seq_pos - 1) as usize;
        let available = (reference.reference_length - ref_pos + 1).clamp(0, n);
        let bases = if available > 0 {
            reference.span(ref_pos, available as usize)?
        } else {
            &[]
        };
        if self.track_md {
            if available < n {
                if self.md_dist >= 0 {
                    self.md_dist += n;
                }
            } else if memchr::memchr(b'N', bases).is_some() {
                for &base in bases {
                    if base == b'N' {
                        self.md_mismatch(b'N');
                        self.nm += 1;
                    } else {
                        self.md_dist += 1;
                    }
                }
            } else {
                self.md_dist += n;
            }
        }
        let seq_len = self.seq.len();
        if seq_index < seq_len {
            let end = (seq_index + n as usize).min(seq_len);
            let copied = bases.len().min(end - seq_index);
            self.seq[seq_index..seq_index + copied].copy_from_slice(&bases[..copied]);
            self.seq[seq_index + copied..end].fill(b'N');
        }
        Ok(())
    }

    /// Decodes the features, MQ excluded; returns the 1-based inclusive
    /// alignment end.
    pub(crate) fn decode(&mut self, streams: &mut Streams<'_>, record: &CramRecord) -> Result<i64> {
        let header = self.header;
        let feature_count = header.encoding(Series::FN)?.read_int(streams)?;
        let feature_count = read_len(feature_count, "feature count")?;
        let len = record.read_length as i64;
        let mut previous = 0i64;
        let mut seq_pos = 1i64;
        let mut ref_pos = record.alignment_start;
        for _ in 0..feature_count {
            let code = header.encoding(Series::FC)?.read_byte(streams)?;
            let pos = previous + i64::from(header.encoding(Series::FP)?.read_int(streams)?);
            if pos <= 0 {
                return Err(feature_error(format!(
                    "feature '{}' at read position {pos}, before the read",
                    code as char
                )));
            }
            let valid_end = if matches!(code, b'N' | b'P' | b'H' | b'D') {
                len + 1
            } else {
                len
            };
            if len != 0 && pos > valid_end {
                return Err(feature_error(format!(
                    "feature '{}' at read position {pos}, after the read's {len} bases",
                    code as char
                )));
            }
            if pos > seq_pos {
                self.matches(ref_pos, seq_pos, pos - seq_pos)?;
                self.push_op(OP_M, (pos - seq_pos) as u32)?;
                ref_pos += pos - seq_pos;
                seq_pos = pos;
            }
            previous = pos;
            match code {
                b'S' => {
                    self.scratch.clear();
                    header
                        .encoding(Series::SC)?
                        .read_array(streams, self.scratch)?;
                    Self::place(self.seq, self.read_len, pos, self.scratch, "soft clip")?;
                    let n = self.scratch.len() as i64;
                    self.flush();
                    self.cigar.push(((n as u32) << 4) | OP_S);
                    self.cigar_op = OP_S;
                    seq_pos += n;
                }
                b'X' => {
                    let code = self.byte(Series::BS, streams)?;
                    let reference_base = self
                        .reference
                        .filter(|r| ref_pos <= r.reference_length)
                        .map(|r| r.base(ref_pos).unwrap_or(b'N'));
                    let row = base_index(reference_base.unwrap_or(b'N'));
                    let base = header.substitutions[row][usize::from(code & 3)];
                    if let Some(slot) = self.seq.get_mut((pos - 1) as usize) {
                        *slot = base;
                    }
                    if self.track_md {
                        match reference_base {
                            Some(reference_base) => {
                                self.md_mismatch(reference_base);
                                self.nm += 1;
                            }
                            None => {
                                self.md_number();
                                self.md_dist = -1;
                            }
                        }
                    }
                    self.push_op(OP_M, 1)?;
                    seq_pos += 1;
                    ref_pos += 1;
                }
                b'D' => {
                    let n = header.encoding(Series::DL)?.read_int(streams)?;
                    let n = read_len(n, "deletion length")?;
                    if self.track_md {
                        let reference = self.reference.ok_or_else(|| {
                            feature_error("deletion without reference bases".into())
                        })?;
                        let available =
                            (reference.reference_length - ref_pos + 1).clamp(0, n as i64);
                        let bases = if available > 0 {
                            reference.span(ref_pos, available as usize)?
                        } else {
                            &[]
                        };
                        self.md_number();
                        self.md.push(b'^');
                        self.md.extend_from_slice(bases);
                        self.nm += available as u32;
                        if (available as usize) < n {
                            self.md.push(b'0');
                            self.md_dist = -1;
                        } else {
                            self.md_dist = 0;
                        }
                    }
                    self.push_op(OP_D, n as u32)?;
                    ref_pos += n as i64;
                }
                b'I' => {
                    self.scratch.clear();
                    header
                        .encoding(Series::IN)?
                        .read_array(streams, self.scratch)?;
                    Self::place(self.seq, self.read_len, pos, self.scratch, "insertion")?;
                    let n = self.scratch.len();
                    self.push_op(OP_I, n as u32)?;
                    seq_pos += n as i64;
                    self.nm += n as u32;
                }
                b'i' => {
                    let base = self.byte(Series::BA, streams)?;
                    Self::place(self.seq, self.read_len, pos, &[base], "insertion")?;
                    self.push_op(OP_I, 1)?;
                    seq_pos += 1;
                    self.nm += 1;
                }
                b'b' => {
                    self.scratch.clear();
                    header
                        .encoding(Series::BB)?
                        .read_array(streams, self.scratch)?;
                    Self::place(self.seq, self.read_len, pos, self.scratch, "bases")?;
                    let n = self.scratch.len();
                    if self.track_md {
                        self.md_number();
                        let mut counted = 0;
                        for x in 0..n {
                            if x > 0 {
                                self.md.push(b'0');
                            }
                            let position = ref_pos + x as i64;
                            match self.reference.filter(|r| position <= r.reference_length) {
                                Some(reference) => {
                                    let base = reference.span(position, 1)?[0];
                                    self.md.push(base);
                                    counted += 1;
                                }
                                None => {
                                    self.md_dist = -1;
                                    break;
                                }
                            }
                        }
                        self.nm += counted;
                        self.md_dist = 0;
                    }
                    self.push_op(OP_M, n as u32)?;
                    seq_pos += n as i64;
                    ref_pos += n as i64;
                }
                b'q' => {
                    self.scratch.clear();
                    if !self.plan.skips(Series::QQ) {
                        header
                            .encoding(Series::QQ)?
                            .read_array(streams, self.scratch)?;
                        self.default_qualities();
                        Self::place(self.qual, self.read_len, pos, self.scratch, "qualities")?;
                    }
                    self.push_op(OP_M, 0)?;
                }
                b'B' => {
                    let base = self.byte(Series::BA, streams)?;
                    Self::place(self.seq, self.read_len, pos, &[base], "base")?;
                    if self.track_md {
                        self.md_number();
                        match self.reference.filter(|r| ref_pos <= r.reference_length) {
                            Some(reference) => {
                                let reference_base = reference.span(ref_pos, 1)?[0];
                                self.md.push(reference_base);
                                self.nm += 1;
                                self.md_dist = 0;
                            }
                            None => self.md_dist = -1,
                        }
                    }
                    let quality = self.byte(Series::QS, streams)?;
                    if !self.plan.skips(Series::QS) {
                        self.default_qualities();
                        Self::place(self.qual, self.read_len, pos, &[quality], "quality")?;
                    }
                    self.push_op(OP_M, 1)?;
                    seq_pos += 1;
                    ref_pos += 1;
                }
                b'Q' => {
                    let quality = self.byte(Series::QS, streams)?;
                    if !self.plan.skips(Series::QS) {
                        self.default_qualities();
                        Self::place(self.qual, self.read_len, pos, &[quality], "quality")?;
                    }
                }
                b'H' | b'P' | b'N' => {
                    let (series, op) = match code {
                        b'H' => (Series::HC, OP_H),
                        b'P' => (Series::PD, OP_P),
                        _ => (Series::RS, OP_N),
                    };
                    let n = header.encoding(series)?.read_int(streams)?;
                    let n = read_len(n, "clip, pad or skip length")?;
                    self.push_op(op, n as u32)?;
                    if op == OP_N {
                        ref_pos += n as i64;
                    }
                }
                _ => {
                    return Err(feature_error(format!(
                        "unknown read feature code {code:#04x}"
                    )))
                }
            }
        }
        if len >= seq_pos {
            let n = len - seq_pos + 1;
            self.matches(ref_pos, seq_pos, n)?;
            self.push_op(OP_M, n as u32)?;
            ref_pos += n;
        }
        if self.track_md {
            self.md_number();
        }
        self.flush();
        Ok(ref_pos - 1)
    }
}
