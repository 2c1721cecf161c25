//! Decoding one CRAM record (CRAM §10) from a slice's streams into an
//! intermediate form: flags, positions, names, mate data and tags (the
//! head), then the sequence, qualities and CIGAR (the tail: unmapped reads
//! verbatim, mapped ones from their read features, [`super::features`]),
//! with MD/NM regenerated as htslib does.

use super::compression_header::{CompressionHeader, Plan, Series};
use super::encoding::Streams;
use super::features::{MappedDecoder, ReferenceWindow, OP_M};
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
    /// The slice block `qualities` indexes when the qualities were stored
    /// in an EXTERNAL block (left there, not copied); `None`: they are in
    /// [`SliceBuffers::qualities`].
    pub qualities_block: Option<u16>,
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
    /// QS's EXTERNAL content id and the index of its block in the slice,
    /// when stored qualities can be left in that block.
    pub qualities_block: Option<(i32, u16)>,
}

pub(crate) fn read_len(value: i32, what: &str) -> Result<usize> {
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
/// before the sequence) into `record` (a default one). Returns MD/NM
/// presence.
pub(crate) fn decode_record_head(
    ctx: &RecordContext<'_>,
    streams: &mut Streams<'_>,
    buffers: &mut SliceBuffers,
    index: usize,
    last_alignment_start: &mut i64,
    record: &mut CramRecord,
) -> Result<TagState> {
    let header = ctx.header;
    let flags = header.encoding(Series::BF)?.read_int(streams)?;
    record.flags = u16::try_from(flags).map_err(|_| {
        Error::invalid_data(
            Format::Cram,
            format!("BAM flags {flags} do not fit 16 bits"),
        )
    })?;
    record.cram_flags = header.encoding(Series::CF)?.read_int(streams)?;
    let plan = ctx.plan;
    record.reference_id = if ctx.slice_reference_id != -2 {
        ctx.slice_reference_id
    } else if plan.skips(Series::RI) {
        -1
    } else {
        header.encoding(Series::RI)?.read_int(streams)?
    };
    if !plan.skips(Series::RL) {
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
    }
    if !plan.skips(Series::AP) {
        let position = i64::from(header.encoding(Series::AP)?.read_int(streams)?);
        record.alignment_start = if header.ap_delta {
            *last_alignment_start + position
        } else {
            position
        };
        *last_alignment_start = record.alignment_start;
    }
    record.read_group = if plan.skips(Series::RG) {
        -1
    } else {
        header.encoding(Series::RG)?.read_int(streams)?
    };

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
        if !plan.skips(Series::NS) {
            record.mate_reference_id = header.encoding(Series::NS)?.read_int(streams)?;
        }
        if !plan.skips(Series::NP) {
            record.mate_alignment_start =
                i64::from(header.encoding(Series::NP)?.read_int(streams)?);
        }
        if !plan.skips(Series::TS) {
            record.template_length =
                Some(i64::from(header.encoding(Series::TS)?.read_int(streams)?));
        }
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
    if ctx.plan.skips(Series::TL) {
        // Neither the tag line nor the values are read (nor regenerated).
        record.aux = range(aux_start, aux_start);
        return Ok(TagState {
            has_md: true,
            has_nm: true,
        });
    }
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
    Ok(tags)
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
            read_stored_qualities(ctx, streams, buffers, record)?;
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
        // Unwanted sequences and qualities are not built (the features
        // are still read, keeping the data series in step).
        let stored = record.cram_flags & CF_QUALITIES_STORED != 0;
        if ctx.want_sequence {
            let fill = if reference.available { b'N' } else { b'=' };
            buffers.sequence.resize(seq_start + len, fill);
            // Stored qualities replace whatever the features place.
            if ctx.want_qualities && !stored {
                buffers.qualities.resize(qual_start + len, 0xff);
            }
        }
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
            qualities_stored: stored,
            read_len: len,
        };
        let end = mapped.decode(streams, record)?;
        let nm = mapped.nm;
        record.alignment_end = end.max(record.alignment_start);
        record.mapping_quality = header.encoding(Series::MQ)?.read_int(streams)? as u8;
        if stored && !ctx.plan.skips(Series::QS) {
            read_stored_qualities(ctx, streams, buffers, record)?;
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
    if !ctx.want_qualities || record.cram_flags & CF_NO_SEQUENCE != 0 || !ctx.want_sequence {
        buffers.qualities.truncate(qual_start);
        record.qualities_block = None;
    }
    if record.cram_flags & CF_NO_SEQUENCE != 0 || !ctx.want_sequence {
        buffers.sequence.truncate(seq_start);
    }
    record.sequence = range(seq_start, buffers.sequence.len());
    if record.qualities_block.is_none() {
        record.qualities = range(qual_start, buffers.qualities.len());
    }
    record.cigar = range(cigar_start, buffers.cigar.len());
    Ok(())
}

/// Reads a record's stored qualities (QS as an array): left in their
/// EXTERNAL block, `record.qualities` a range of it, when the context
/// allows, else appended to [`SliceBuffers::qualities`].
fn read_stored_qualities(
    ctx: &RecordContext<'_>,
    streams: &mut Streams<'_>,
    buffers: &mut SliceBuffers,
    record: &mut CramRecord,
) -> Result<()> {
    let len = record.read_length;
    match ctx.qualities_block {
        Some((id, block)) if ctx.want_qualities => {
            let (start, end) = streams.take_range(id, len)?;
            record.qualities = range(start, end);
            record.qualities_block = Some(block);
        }
        _ => {
            ctx.header
                .encoding(Series::QS)?
                .read_bytes(len, streams, &mut buffers.qualities)?;
        }
    }
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
