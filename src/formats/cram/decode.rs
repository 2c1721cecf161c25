//! Decoding one CRAM record (CRAM §10) from a slice's streams into an
//! intermediate form: flags, positions, names, mate data, tags, then the
//! sequence, qualities and CIGAR rebuilt from read features against the
//! reference, with MD/NM regenerated as htslib does.

use std::sync::Arc;

use super::compression_header::{CompressionHeader, Plan, Series};
use super::encoding::Streams;
use crate::{Error, Format, Result};

/// CF: qualities stored as an array.
pub(crate) const CF_QUALITIES_STORED: i32 = 0x1;
/// CF: mate data stored verbatim.
pub(crate) const CF_DETACHED: i32 = 0x2;
/// CF: the next fragment follows in this slice.
pub(crate) const CF_MATE_DOWNSTREAM: i32 = 0x4;
/// CF: the sequence is `*`.
pub(crate) const CF_NO_SEQUENCE: i32 = 0x8;

const BAM_UNMAPPED: u16 = 0x4;

/// The longest read accepted, in bases.
pub(crate) const MAX_READ_LENGTH: usize = 1 << 28;

/// BAM CIGAR operation codes.
const OP_M: u32 = 0;
const OP_I: u32 = 1;
const OP_D: u32 = 2;
const OP_N: u32 = 3;
const OP_S: u32 = 4;
const OP_H: u32 = 5;
const OP_P: u32 = 6;

/// A decoded record; variable-length parts are ranges into
/// [`SliceBuffers`].
#[derive(Debug, Clone, Default)]
pub(crate) struct CramRecord {
    pub flags: u16,
    pub cram_flags: i32,
    pub reference_id: i32,
    pub read_length: usize,
    /// 1-based; 0 when unplaced.
    pub alignment_start: i64,
    /// 1-based inclusive end (the start when nothing is covered).
    pub alignment_end: i64,
    pub read_group: i32,
    pub mapping_quality: u8,
    pub mate_flags: i32,
    pub mate_reference_id: i32,
    /// 1-based; 0 when unplaced.
    pub mate_alignment_start: i64,
    /// `None` until computed or read.
    pub template_length: Option<i64>,
    /// Index of the next fragment in the slice.
    pub mate_line: Option<usize>,
    pub name: (u32, u32),
    pub cigar: (u32, u32),
    pub sequence: (u32, u32),
    pub qualities: (u32, u32),
    pub aux: (u32, u32),
}

/// Buffers holding every record of one slice, reused between slices.
#[derive(Debug, Default)]
pub(crate) struct SliceBuffers {
    pub records: Vec<CramRecord>,
    pub names: Vec<u8>,
    pub cigar: Vec<u32>,
    pub sequence: Vec<u8>,
    pub qualities: Vec<u8>,
    pub aux: Vec<u8>,
    md: Vec<u8>,
    scratch: Vec<u8>,
}

impl SliceBuffers {
    pub fn clear(&mut self) {
        self.records.clear();
        self.names.clear();
        self.cigar.clear();
        self.sequence.clear();
        self.qualities.clear();
        self.aux.clear();
    }
}

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
    fn bases(&self) -> &[u8] {
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

/// What the record decoder needs besides the streams.
pub(crate) struct RecordContext<'h> {
    pub header: &'h CompressionHeader,
    /// The slice's reference id (-2 multi-reference).
    pub slice_reference_id: i32,
    pub regenerate_md_nm: bool,
    /// The data series left undecoded.
    pub plan: &'h Plan,
    /// Whether sequences are wanted (and the reference at hand).
    pub want_sequence: bool,
    /// Whether qualities are wanted.
    pub want_qualities: bool,
    /// Whether auxiliary fields are wanted.
    pub want_tags: bool,
    /// The longest read length this slice can describe.
    pub read_length_limit: usize,
}

fn read_len(value: i32, what: &str) -> Result<usize> {
    usize::try_from(value)
        .ok()
        .filter(|&n| n <= MAX_READ_LENGTH)
        .ok_or_else(|| {
            Error::invalid_data(
                Format::Cram,
                format!("{what} {value} is outside 0..={MAX_READ_LENGTH}"),
            )
        })
}

fn range(start: usize, end: usize) -> (u32, u32) {
    (start as u32, end as u32)
}

/// Decodes the positional, name, mate and tag data of one record (the part
/// before the sequence). Returns the record and MD/NM presence.
pub(crate) fn decode_record_head(
    ctx: &RecordContext<'_>,
    streams: &mut Streams<'_>,
    buffers: &mut SliceBuffers,
    index: usize,
    last_alignment_start: &mut i64,
) -> Result<(CramRecord, TagState)> {
    let header = ctx.header;
    let mut record = CramRecord::default();
    let flags = header.encoding(Series::BF)?.read_int(streams)?;
    record.flags = u16::try_from(flags).map_err(|_| {
        Error::invalid_data(
            Format::Cram,
            format!("BAM flags {flags} do not fit 16 bits"),
        )
    })?;
    record.cram_flags = header.encoding(Series::CF)?.read_int(streams)?;
    record.reference_id = if ctx.slice_reference_id == -2 {
        header.encoding(Series::RI)?.read_int(streams)?
    } else {
        ctx.slice_reference_id
    };
    let read_length = header.encoding(Series::RL)?.read_int(streams)?;
    record.read_length = read_len(read_length, "read length")?;
    if record.read_length > ctx.read_length_limit {
        return Err(Error::limit_exceeded(
            Format::Cram,
            "read length",
            record.read_length as u64,
            ctx.read_length_limit as u64,
        ));
    }
    let position = i64::from(header.encoding(Series::AP)?.read_int(streams)?);
    record.alignment_start = if header.ap_delta {
        *last_alignment_start + position
    } else {
        position
    };
    *last_alignment_start = record.alignment_start;
    record.read_group = header.encoding(Series::RG)?.read_int(streams)?;

    let name_start = buffers.names.len();
    if header.read_names_included && !ctx.plan.skips(Series::RN) {
        header
            .encoding(Series::RN)?
            .read_array(streams, &mut buffers.names)?;
    }
    record.mate_reference_id = -1;
    if record.cram_flags & CF_DETACHED != 0 {
        record.mate_flags = header.encoding(Series::MF)?.read_int(streams)?;
        if !header.read_names_included && !ctx.plan.skips(Series::RN) {
            header
                .encoding(Series::RN)?
                .read_array(streams, &mut buffers.names)?;
        }
        record.mate_reference_id = header.encoding(Series::NS)?.read_int(streams)?;
        record.mate_alignment_start = i64::from(header.encoding(Series::NP)?.read_int(streams)?);
        record.template_length = Some(i64::from(header.encoding(Series::TS)?.read_int(streams)?));
    } else if record.cram_flags & CF_MATE_DOWNSTREAM != 0 {
        let skip = header.encoding(Series::NF)?.read_int(streams)?;
        let skip = usize::try_from(skip).map_err(|_| {
            Error::invalid_data(
                Format::Cram,
                format!("NF (records to the mate) is negative: {skip}"),
            )
        })?;
        record.mate_line = Some(index.saturating_add(skip).saturating_add(1));
    }
    record.name = range(name_start, buffers.names.len());

    let aux_start = buffers.aux.len();
    let mut tags = decode_tags(ctx, streams, &mut buffers.aux)?;
    if !ctx.want_tags {
        // Decoded only to keep the streams in step.
        buffers.aux.truncate(aux_start);
        tags = TagState {
            has_md: true,
            has_nm: true,
        };
    }
    record.aux = range(aux_start, buffers.aux.len());
    Ok((record, tags))
}

/// Which of MD and NM a record stores, or may not have regenerated.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct TagState {
    has_md: bool,
    has_nm: bool,
}

fn decode_tags(
    ctx: &RecordContext<'_>,
    streams: &mut Streams<'_>,
    aux: &mut Vec<u8>,
) -> Result<TagState> {
    let header = ctx.header;
    let line = header.encoding(Series::TL)?.read_int(streams)?;
    let entries = usize::try_from(line)
        .ok()
        .and_then(|line| header.tag_lines.get(line))
        .ok_or_else(|| {
            Error::invalid_data(
                Format::Cram,
                format!(
                    "tag line {line} but the tag dictionary has {} lines",
                    header.tag_lines.len()
                ),
            )
        })?;
    let mut state = TagState::default();
    if ctx.plan.skip_tags {
        // Nothing is stored, so nothing is regenerated either.
        return Ok(TagState {
            has_md: true,
            has_nm: true,
        });
    }
    for entry in entries {
        let encoding = entry.encoding.as_ref().ok_or_else(|| {
            Error::invalid_data(
                Format::Cram,
                format!(
                    "tag {} has no encoding in the compression header",
                    String::from_utf8_lossy(&entry.key)
                ),
            )
        })?;
        let start = aux.len();
        aux.extend_from_slice(&entry.key);
        encoding.read_array(streams, aux)?;
        match &entry.key {
            b"MDZ" => state.has_md = true,
            b"NMc" | b"NMC" | b"NMs" | b"NMS" | b"NMi" | b"NMI" => state.has_nm = true,
            b"cFC" => {
                // htslib's private flags: bit 1 keeps MD, bit 2 keeps NM from
                // being generated. The tag itself is not part of the record.
                let flags = aux.get(start + 3).copied().unwrap_or(0);
                state.has_md |= flags & 1 != 0;
                state.has_nm |= flags & 2 != 0;
                aux.truncate(start);
            }
            _ => {}
        }
    }
    Ok(state)
}

/// Decodes the rest of a record: the sequence, qualities and CIGAR (mapped
/// reads from read features, unmapped reads verbatim).
pub(crate) fn decode_record_tail(
    ctx: &RecordContext<'_>,
    streams: &mut Streams<'_>,
    buffers: &mut SliceBuffers,
    reference: &ReferenceWindow,
    record: &mut CramRecord,
    tags: TagState,
) -> Result<()> {
    let header = ctx.header;
    let len = record.read_length;
    let seq_start = buffers.sequence.len();
    let qual_start = buffers.qualities.len();
    let cigar_start = buffers.cigar.len();
    record.alignment_end = record.alignment_start;
    if record.flags & BAM_UNMAPPED != 0 {
        if !ctx.plan.skips(Series::BA) {
            header
                .encoding(Series::BA)?
                .read_bytes(len, streams, &mut buffers.sequence)?;
        }
        if record.cram_flags & CF_QUALITIES_STORED != 0 && !ctx.plan.skips(Series::QS) {
            header
                .encoding(Series::QS)?
                .read_bytes(len, streams, &mut buffers.qualities)?;
        } else {
            buffers.qualities.resize(qual_start + len, 0xff);
        }
    } else {
        if record.alignment_start <= 0 {
            return Err(Error::invalid_data(
                Format::Cram,
                format!(
                    "mapped record has alignment position {}",
                    record.alignment_start
                ),
            ));
        }
        let fill = if reference.available { b'N' } else { b'=' };
        buffers.sequence.resize(seq_start + len, fill);
        buffers.qualities.resize(qual_start + len, 0xff);
        let regenerate = ctx.regenerate_md_nm
            && ctx.want_sequence
            && reference.available
            && reference.reference_id == record.reference_id
            && record.reference_id >= 0
            && record.cram_flags & CF_NO_SEQUENCE == 0;
        let (make_md, make_nm) = (regenerate && !tags.has_md, regenerate && !tags.has_nm);
        buffers.md.clear();
        let mut mapped = MappedDecoder {
            header,
            plan: ctx.plan,
            reference: if ctx.want_sequence
                && reference.available
                && reference.reference_id == record.reference_id
            {
                Some(reference)
            } else {
                None
            },
            seq: &mut buffers.sequence[seq_start..],
            qual: &mut buffers.qualities[qual_start..],
            cigar: &mut buffers.cigar,
            md: &mut buffers.md,
            scratch: &mut buffers.scratch,
            track_md: make_md || make_nm,
            nm: 0,
            md_dist: 0,
            cigar_op: OP_M,
            cigar_len: 0,
            qualities_stored: record.cram_flags & CF_QUALITIES_STORED != 0,
        };
        let end = mapped.decode(streams, record)?;
        let nm = mapped.nm;
        record.alignment_end = end.max(record.alignment_start);
        record.mapping_quality = header.encoding(Series::MQ)?.read_int(streams)? as u8;
        if record.cram_flags & CF_QUALITIES_STORED != 0 && !ctx.plan.skips(Series::QS) {
            buffers.qualities.truncate(qual_start);
            header
                .encoding(Series::QS)?
                .read_bytes(len, streams, &mut buffers.qualities)?;
        }
        if make_md {
            buffers.aux.extend_from_slice(b"MDZ");
            buffers.aux.extend_from_slice(&buffers.md);
            buffers.aux.push(0);
        }
        if make_nm {
            push_nm(&mut buffers.aux, nm);
        }
        record.aux.1 = buffers.aux.len() as u32;
    }
    if !ctx.want_qualities {
        buffers.qualities.truncate(qual_start);
    }
    if record.cram_flags & CF_NO_SEQUENCE != 0 || !ctx.want_sequence {
        buffers.sequence.truncate(seq_start);
        buffers.qualities.truncate(qual_start);
    }
    record.sequence = range(seq_start, buffers.sequence.len());
    record.qualities = range(qual_start, buffers.qualities.len());
    record.cigar = range(cigar_start, buffers.cigar.len());
    Ok(())
}

/// Appends `value` in decimal, without allocating.
pub(crate) fn push_decimal(out: &mut Vec<u8>, mut value: u64) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[start..]);
}

/// Appends `NM` with the smallest unsigned type holding it, as htslib.
fn push_nm(aux: &mut Vec<u8>, nm: u32) {
    aux.extend_from_slice(b"NM");
    if let Ok(nm) = u8::try_from(nm) {
        aux.push(b'C');
        aux.push(nm);
    } else if let Ok(nm) = u16::try_from(nm) {
        aux.push(b'S');
        aux.extend_from_slice(&nm.to_le_bytes());
    } else {
        aux.push(b'I');
        aux.extend_from_slice(&nm.to_le_bytes());
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
struct MappedDecoder<'a, 'h> {
    header: &'h CompressionHeader,
    plan: &'h Plan,
    reference: Option<&'a ReferenceWindow>,
    seq: &'a mut [u8],
    qual: &'a mut [u8],
    cigar: &'a mut Vec<u32>,
    md: &'a mut Vec<u8>,
    scratch: &'a mut Vec<u8>,
    track_md: bool,
    nm: u32,
    /// Matching bases since the last MD entry; -1 once MD cannot be built.
    md_dist: i64,
    cigar_op: u32,
    cigar_len: u32,
    qualities_stored: bool,
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

    /// Copies bytes decoded into `scratch` to the read at 1-based `pos`.
    fn place(target: &mut [u8], pos: i64, bytes: &[u8], what: &str) -> Result<()> {
        if target.is_empty() {
            return Ok(());
        }
        let start = (pos - 1) as usize;
        let read_len = target.len();
        match target.get_mut(start..start + bytes.len()) {
            Some(slot) => {
                slot.copy_from_slice(bytes);
                Ok(())
            }
            None => Err(feature_error(format!(
                "{what} of {} bases at read position {pos} runs past the read's {read_len} bases",
                bytes.len()
            ))),
        }
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
    fn decode(&mut self, streams: &mut Streams<'_>, record: &CramRecord) -> Result<i64> {
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
                    Self::place(self.seq, pos, self.scratch, "soft clip")?;
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
                    Self::place(self.seq, pos, self.scratch, "insertion")?;
                    let n = self.scratch.len();
                    self.push_op(OP_I, n as u32)?;
                    seq_pos += n as i64;
                    self.nm += n as u32;
                }
                b'i' => {
                    let base = self.byte(Series::BA, streams)?;
                    Self::place(self.seq, pos, &[base], "insertion")?;
                    self.push_op(OP_I, 1)?;
                    seq_pos += 1;
                    self.nm += 1;
                }
                b'b' => {
                    self.scratch.clear();
                    header
                        .encoding(Series::BB)?
                        .read_array(streams, self.scratch)?;
                    Self::place(self.seq, pos, self.scratch, "bases")?;
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
                        Self::place(self.qual, pos, self.scratch, "qualities")?;
                    }
                    self.push_op(OP_M, 0)?;
                }
                b'B' => {
                    let base = self.byte(Series::BA, streams)?;
                    Self::place(self.seq, pos, &[base], "base")?;
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
                        Self::place(self.qual, pos, &[quality], "quality")?;
                    }
                    self.push_op(OP_M, 1)?;
                    seq_pos += 1;
                    ref_pos += 1;
                }
                b'Q' => {
                    let quality = self.byte(Series::QS, streams)?;
                    if !self.plan.skips(Series::QS) {
                        self.default_qualities();
                        Self::place(self.qual, pos, &[quality], "quality")?;
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

#[cfg(test)]
mod tests {
    use super::push_decimal;

    #[test]
    fn decimals_as_to_string() {
        for value in [0, 7, 10, 99, 100, 65_535, 1 << 40, u64::MAX] {
            let mut out = b"x".to_vec();
            push_decimal(&mut out, value);
            assert_eq!(out, format!("x{value}").as_bytes());
        }
    }
}
