//! A decoded CRAM record laid out in BAM's binary form (the crate's one
//! alignment record type), with the fields the reader was not asked for
//! reported as absent.

use super::compression_header::Fields;
use super::decode::{CramRecord, SliceBuffers};
use super::slice::{DecodeOptions, SliceHeader};
use crate::formats::sam::header::Header;
use crate::index::binning::{reg2bin, BAI_DEPTH, BAI_MIN_SHIFT};
use crate::{Error, Format, Result};

/// A decoded slice, as [`build_bam`] reads it.
pub(crate) struct DecodedSlice<'a> {
    pub buffers: &'a SliceBuffers,
    /// The slice's blocks (stored qualities are left there).
    pub blocks: &'a [Vec<u8>],
    pub header: &'a SliceHeader,
    /// The fields the records were decoded with.
    pub fields: Fields,
}

/// Lays record `index` of a decoded slice out in BAM's binary form.
pub(crate) fn build_bam(
    decoded: &DecodedSlice<'_>,
    index: usize,
    sam_header: &Header,
    options: &DecodeOptions,
    out: &mut Vec<u8>,
) -> Result<()> {
    let DecodedSlice {
        buffers,
        blocks,
        header: slice,
        fields,
    } = *decoded;
    let records = &buffers.records;
    let record = records.get(index).ok_or_else(|| {
        Error::invalid_input(
            Format::Cram,
            format!("record {index} of a slice of {} records", records.len()),
        )
    })?;
    out.clear();
    let position = |start: i64| -> Result<i32> {
        i32::try_from(start - 1).map_err(|_| {
            Error::invalid_data(Format::Cram, format!("position {start} does not fit BAM"))
        })
    };
    // Without the alignment: unplaced, MAPQ unavailable, no CIGAR, no mate
    // placement (whatever was read to keep the data series in step).
    let alignment = fields.decodes_alignment();
    let placed = |value: i64| if alignment { value } else { 0 };
    let pos = position(placed(record.alignment_start))?;
    let mate_pos = position(placed(record.mate_alignment_start))?;
    let (reference_id, mate_reference_id, mapping_quality) = if alignment {
        (
            record.reference_id,
            record.mate_reference_id,
            record.mapping_quality,
        )
    } else {
        (-1, -1, 255)
    };
    let cigar = match alignment {
        true => &buffers.cigar[record.cigar.0 as usize..record.cigar.1 as usize],
        false => &[],
    };
    // BAM counts CIGAR operations in 16 bits: beyond that the record
    // holds `<read length>S<reference span>N` and the real CIGAR goes to a
    // `CG:B,I` tag, as htslib writes it (the record's accessors and SAM
    // output read it back from there).
    let long_cigar = cigar.len() > usize::from(u16::MAX);
    let sequence = &buffers.sequence[record.sequence.0 as usize..record.sequence.1 as usize];
    let qualities_range = record.qualities.0 as usize..record.qualities.1 as usize;
    let qualities = match record.qualities_block {
        None => buffers.qualities.get(qualities_range),
        Some(block) => blocks
            .get(usize::from(block))
            .and_then(|bytes| bytes.get(qualities_range)),
    }
    .ok_or_else(|| {
        Error::invalid_input(
            Format::Cram,
            format!("record {index}'s qualities are not in the slice's buffers"),
        )
    })?;
    let reference_span: i64 = cigar
        .iter()
        .filter(|&&op| matches!(op & 0xf, 0 | 2 | 3 | 7 | 8))
        .map(|&op| i64::from(op >> 4))
        .sum();
    // One allocation for a record buffer met for the first time (large
    // slices bring many), none for one reused: the fixed part, name,
    // CIGAR, packed bases, qualities, tags, and room for RG and a
    // generated name.
    out.reserve(
        64 + (record.name.1 - record.name.0) as usize
            + 4 * cigar.len()
            + sequence.len().div_ceil(2)
            + sequence.len()
            + (record.aux.1 - record.aux.0) as usize,
    );
    let bin = if record.flags & 0x4 != 0 || !alignment {
        reg2bin(i64::from(pos), i64::from(pos) + 1, BAI_MIN_SHIFT, BAI_DEPTH)
    } else {
        reg2bin(
            i64::from(pos),
            i64::from(pos) + reference_span.max(1),
            BAI_MIN_SHIFT,
            BAI_DEPTH,
        )
    };

    out.extend_from_slice(&reference_id.to_le_bytes());
    out.extend_from_slice(&pos.to_le_bytes());
    let name_len_at = out.len();
    out.push(0);
    out.push(mapping_quality);
    out.extend_from_slice(&(bin as u16).to_le_bytes());
    let stored_ops: u16 = if long_cigar { 2 } else { cigar.len() as u16 };
    out.extend_from_slice(&stored_ops.to_le_bytes());
    out.extend_from_slice(&record.flags.to_le_bytes());
    out.extend_from_slice(&(sequence.len() as u32).to_le_bytes());
    out.extend_from_slice(&mate_reference_id.to_le_bytes());
    out.extend_from_slice(&mate_pos.to_le_bytes());
    let tlen = placed(record.template_length.unwrap_or(0));
    out.extend_from_slice(&(tlen as i32).to_le_bytes());

    let name_start = out.len();
    let own_name = &buffers.names[record.name.0 as usize..record.name.1 as usize];
    if !fields.names {
        out.push(b'*');
    } else if !own_name.is_empty() {
        out.extend_from_slice(own_name);
    } else {
        generated_name(records, &buffers.names, index, slice, options, out);
    }
    let name_len = out.len() - name_start;
    if name_len == 0 || name_len > 254 {
        return Err(Error::invalid_data(
            Format::Cram,
            format!("read name of {name_len} bytes (BAM allows 1 to 254)"),
        ));
    }
    out.push(0);
    out[name_len_at] = (name_len + 1) as u8;
    if long_cigar {
        let span = reference_span.clamp(0, (1 << 28) - 1) as u32;
        let soft_clip = ((sequence.len() as u32) << 4) | 4;
        out.extend_from_slice(&soft_clip.to_le_bytes());
        out.extend_from_slice(&((span << 4) | 3).to_le_bytes());
    } else {
        for &op in cigar {
            out.extend_from_slice(&op.to_le_bytes());
        }
    }
    crate::simd::encode_bam_sequence_to_vec(sequence, out);
    if qualities.len() == sequence.len() {
        out.extend_from_slice(qualities);
    } else {
        out.resize(out.len() + sequence.len(), 0xff);
    }
    out.extend_from_slice(&buffers.aux[record.aux.0 as usize..record.aux.1 as usize]);
    if record.read_group >= 0 && fields.tags {
        let group = sam_header
            .read_groups()
            .get(record.read_group as usize)
            .ok_or_else(|| {
                Error::invalid_data(
                    Format::Cram,
                    format!(
                        "read group {} but the header has {} @RG lines",
                        record.read_group,
                        sam_header.read_groups().len()
                    ),
                )
            })?;
        out.extend_from_slice(b"RGZ");
        out.extend_from_slice(group.id().as_bytes());
        out.push(0);
    }
    if long_cigar {
        out.extend_from_slice(b"CGBI");
        out.extend_from_slice(&(cigar.len() as u32).to_le_bytes());
        for &op in cigar {
            out.extend_from_slice(&op.to_le_bytes());
        }
    }
    Ok(())
}

/// A name for a record stored without one: its mate's, or htslib's
/// `<prefix>:<record number>`.
fn generated_name(
    records: &[CramRecord],
    names: &[u8],
    index: usize,
    slice: &SliceHeader,
    options: &DecodeOptions,
    out: &mut Vec<u8>,
) {
    let record = &records[index];
    if let Some(mate) = record.mate_line.and_then(|m| records.get(m)) {
        if mate.name.1 > mate.name.0 {
            out.extend_from_slice(&names[mate.name.0 as usize..mate.name.1 as usize]);
            return;
        }
    }
    out.extend_from_slice(options.name_prefix.as_bytes());
    out.push(b':');
    let number = match record.mate_line {
        Some(mate) if mate < index => mate,
        _ => index,
    };
    let number = slice.record_counter.max(0) as u64 + number as u64 + 1;
    super::decode::push_decimal(out, number);
}
