//! Slices (CRAM §8.5, §9): the slice header, the reference a slice is
//! decoded against (external, embedded, or none; MD5-checked), its records,
//! mate resolution within the slice, and the records' BAM layout.

use md5::{Digest, Md5};

use super::compression_header::{CompressionHeader, Fields, Series};
use super::container::{content_type, parse_block, FileDefinition, MAX_BLOCKS};
use super::cursor::Cursor;
use super::decode::{
    decode_record_head, decode_record_tail, CramRecord, RecordContext, SliceBuffers,
};
use super::encoding::{Encoding, Streams};
use super::features::ReferenceWindow;
use super::layout::{build_bam, DecodedSlice};
use super::reference::ReferenceSource;
use crate::formats::sam::header::Header;
use crate::formats::sam::record::Record;
use crate::{Error, ErrorKind, Format, Result};

/// The most records one slice may hold: 4 Mi (htslib writes 10 000 by
/// default); a larger count is an error before anything is decoded.
/// Fuzzing builds allow 64 Ki.
#[cfg(not(fuzzing))]
pub const MAX_SLICE_RECORDS: usize = 1 << 22;
/// The most records one slice may hold (fuzzing builds).
#[cfg(fuzzing)]
pub const MAX_SLICE_RECORDS: usize = 1 << 16;

/// A slice header.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct SliceHeader {
    pub reference_id: i32,
    pub alignment_start: i64,
    pub alignment_span: i64,
    pub record_count: usize,
    pub record_counter: i64,
    pub block_count: usize,
    pub embedded_reference_id: i32,
    pub md5: [u8; 16],
}

impl SliceHeader {
    pub fn parse(data: &[u8], offset: u64, definition: &FileDefinition) -> Result<Self> {
        let mut cursor = Cursor::new(data, offset);
        let reference_id = cursor.itf8("slice reference id")?;
        let alignment_start = i64::from(cursor.itf8("slice alignment start")?);
        let alignment_span = i64::from(cursor.itf8("slice alignment span")?);
        let record_count = cursor.itf8_len("slice record count", MAX_SLICE_RECORDS)?;
        let record_counter = if definition.major_version >= 3 {
            cursor.ltf8("slice record counter")?
        } else {
            i64::from(cursor.itf8("slice record counter")?)
        };
        let block_count = cursor.itf8_len("slice block count", MAX_BLOCKS)?;
        let id_count = cursor.itf8_len("slice block content id count", MAX_BLOCKS)?;
        for _ in 0..id_count {
            cursor.itf8("slice block content id")?;
        }
        let embedded_reference_id = cursor.itf8("embedded reference block id")?;
        let md5 = cursor.array::<16>("slice reference MD5")?;
        Ok(SliceHeader {
            reference_id,
            alignment_start,
            alignment_span,
            record_count,
            record_counter,
            block_count,
            embedded_reference_id,
            md5,
        })
    }
}

/// Options that shape slice decoding.
#[derive(Debug, Clone)]
pub(crate) struct DecodeOptions {
    pub verify_crc: bool,
    pub verify_md5: bool,
    pub regenerate_md_nm: bool,
    /// Prefix of generated read names (htslib uses the file name).
    pub name_prefix: String,
    /// The fields wanted.
    pub fields: Fields,
}

/// Decodes slices, keeping its buffers between them.
#[derive(Debug, Default)]
pub(crate) struct SliceDecoder {
    buffers: SliceBuffers,
    blocks: Vec<Vec<u8>>,
    window: ReferenceWindow,
    /// Multi-reference slices: each reference a slice's records need,
    /// fetched once; kept for the next slice if this one used it.
    references: Vec<CachedReference>,
    /// The decompressed slice header.
    header_bytes: Vec<u8>,
    /// The header of the slice whose records `buffers` holds.
    slice: SliceHeader,
    /// The fields its records were decoded with.
    fields: Fields,
}

#[derive(Debug, Default)]
struct CachedReference {
    window: ReferenceWindow,
    used: bool,
}

/// One slice's place in a container, for decoding.
pub(crate) struct SliceInput<'a> {
    pub definition: &'a FileDefinition,
    pub compression_header: &'a CompressionHeader,
    pub sam_header: &'a Header,
    pub reference: &'a ReferenceSource,
    pub options: &'a DecodeOptions,
    /// The slice's bytes: from its header block to the container end.
    pub data: &'a [u8],
    /// File offset of `data[0]`.
    pub offset: u64,
    /// When set, only the records overlapping it are laid out; the others
    /// are decoded just far enough to keep the data series in step (and
    /// their mates right).
    pub overlap: Option<Overlap>,
    /// Whether the alignment is decoded and reported whatever
    /// `options.fields` says (queries select records by it).
    pub alignment: bool,
}

/// The records a region query wants from a slice: on `reference_id`,
/// starting at or before 1-based `end` and ending at or after 1-based
/// `start` (unmapped reads placed beside their mate cover their start).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Overlap {
    pub reference_id: i32,
    /// 1-based, inclusive.
    pub start: i64,
    /// 1-based, inclusive.
    pub end: i64,
}

impl Overlap {
    /// Whether a record is certain to miss the region before its
    /// sequence is decoded (its alignment end is not known yet).
    fn misses_before_tail(&self, record: &CramRecord) -> bool {
        record.reference_id != self.reference_id || record.alignment_start > self.end
    }

    /// Whether a fully decoded record overlaps the region.
    fn covers(&self, record: &CramRecord) -> bool {
        record.reference_id == self.reference_id
            && record.alignment_start <= self.end
            && record.alignment_end >= self.start
    }
}

fn reference_name(header: &Header, id: i32) -> Result<&str> {
    usize::try_from(id)
        .ok()
        .and_then(|id| header.reference_sequences().get(id))
        .map(|r| r.name())
        .ok_or_else(|| {
            Error::invalid_data(
                Format::Cram,
                format!(
                    "reference id {id} but the header has {} @SQ lines",
                    header.reference_sequences().len()
                ),
            )
        })
}

fn reference_md5(header: &Header, id: i32) -> Option<&str> {
    usize::try_from(id)
        .ok()
        .and_then(|id| header.reference_sequences().get(id))
        .and_then(|r| r.md5())
}

fn reference_length(header: &Header, id: i32) -> i64 {
    usize::try_from(id)
        .ok()
        .and_then(|id| header.reference_sequences().get(id))
        .map_or(0, |r| r.length() as i64)
}

impl SliceDecoder {
    /// Decodes every record of one slice and lays out in `out` (reusing
    /// its records) those `input.overlap` wants (all when it is `None`);
    /// returns how many were laid out.
    pub fn decode(&mut self, input: &SliceInput<'_>, out: &mut Vec<Record>) -> Result<usize> {
        let count = self.decode_records(input)?;
        let mut laid_out = 0;
        for index in 0..count {
            if let Some(overlap) = input.overlap {
                if !self
                    .buffers
                    .records
                    .get(index)
                    .is_some_and(|r| overlap.covers(r))
                {
                    continue;
                }
            }
            if out.len() <= laid_out {
                out.push(Record::default());
            }
            self.lay_out(index, input.sam_header, input.options, &mut out[laid_out])?;
            laid_out += 1;
        }
        Ok(laid_out)
    }

    /// Decodes every record of one slice (mates resolved) into the
    /// decoder's buffers, from which [`SliceDecoder::lay_out`] builds each
    /// in BAM form; returns the slice's record count.
    pub fn decode_records(&mut self, input: &SliceInput<'_>) -> Result<usize> {
        self.slice = SliceHeader::default();
        let mut cursor = Cursor::new(input.data, input.offset);
        let header_block = parse_block(&mut cursor, input.definition, input.options.verify_crc)?;
        if header_block.content_type != content_type::SLICE_HEADER {
            return Err(Error::invalid_data(
                Format::Cram,
                format!(
                    "a landmark points at a block of content type {}, expected 2 (slice header)",
                    header_block.content_type
                ),
            )
            .at_byte_offset(header_block.offset));
        }
        let mut raw = std::mem::take(&mut self.header_bytes);
        header_block.decompress_into(&mut raw)?;
        let slice = SliceHeader::parse(&raw, header_block.offset, input.definition);
        self.header_bytes = raw;
        let slice = slice?;

        let mut kinds = Vec::with_capacity(slice.block_count);
        if self.blocks.len() < slice.block_count {
            self.blocks.resize_with(slice.block_count, Vec::new);
        }
        let mut fields = input.options.fields;
        fields.alignment |= input.alignment || input.overlap.is_some();
        self.fields = fields;
        let plan = input.compression_header.plan(fields);
        let want_sequence = fields.sequence;
        for index in 0..slice.block_count {
            let block = parse_block(&mut cursor, input.definition, input.options.verify_crc)?;
            let needed = block.content_type != content_type::EXTERNAL_DATA
                || plan.needs_block(block.content_id)
                || (want_sequence && block.content_id == slice.embedded_reference_id);
            if needed {
                block.decompress_into(&mut self.blocks[index])?;
            } else {
                self.blocks[index].clear();
            }
            kinds.push((block.content_type, block.content_id));
        }
        let core_index = kinds
            .iter()
            .position(|&(kind, _)| kind == content_type::CORE_DATA);
        let core: &[u8] = match core_index {
            Some(i) => &self.blocks[i],
            None => &[],
        };
        let mut streams = Streams::new(core);
        for (index, &(kind, id)) in kinds.iter().enumerate() {
            if kind == content_type::EXTERNAL_DATA {
                streams.add_external(id, &self.blocks[index]);
            }
        }

        if want_sequence {
            prepare_reference(&mut self.window, &slice, input, &kinds, &self.blocks)
                .map_err(|e| locate_record(e, &slice, 0))?;
        }

        // A read's bases come from the reference or the blocks: a read
        // length beyond both is corrupt, and is refused before allocating.
        let block_bytes: usize = self.blocks[..slice.block_count].iter().map(Vec::len).sum();
        let reference_bases = if slice.reference_id == -2 {
            let longest = input
                .sam_header
                .reference_sequences()
                .iter()
                .map(|r| r.length());
            longest.max().unwrap_or(0) as usize
        } else {
            self.window.bases.len()
        };
        let read_length_limit = block_bytes
            .saturating_mul(8)
            .saturating_add(reference_bases)
            .saturating_add(1 << 16)
            .min(super::decode::MAX_READ_LENGTH);
        // Stored qualities in an EXTERNAL block stay there (the stream
        // reads the last block of an id).
        let qualities_block = match input.compression_header.encoding(Series::QS) {
            Ok(&Encoding::External(id)) => kinds
                .iter()
                .rposition(|&kind| kind == (content_type::EXTERNAL_DATA, id))
                .and_then(|index| u16::try_from(index).ok())
                .map(|index| (id, index)),
            _ => None,
        };
        let ctx = RecordContext {
            qualities_block,
            plan: &plan,
            want_sequence,
            want_qualities: fields.qualities,
            want_tags: fields.tags,
            read_length_limit,
            header: input.compression_header,
            slice_reference_id: slice.reference_id,
            regenerate_md_nm: input.options.regenerate_md_nm,
        };
        // Records a query does not want: the same data series read (the
        // plan is the same), nothing rebuilt against the reference.
        let skipped_ctx = RecordContext {
            want_sequence: false,
            want_qualities: false,
            want_tags: false,
            regenerate_md_nm: false,
            ..ctx
        };
        let buffers = &mut self.buffers;
        buffers.clear();
        // Each record is decoded where it is kept (not moved there).
        let mut records = std::mem::take(&mut buffers.records);
        let mut last_start = slice.alignment_start;
        for index in 0..slice.record_count {
            let locate = |e: Error| locate_record(e, &slice, index);
            records.push(CramRecord::default());
            let Some(record) = records.last_mut() else {
                break;
            };
            let tags =
                decode_record_head(&ctx, &mut streams, buffers, index, &mut last_start, record)
                    .map_err(locate)?;
            if plan.skip_tail {
                // Nothing after the head to read: no sequence, qualities
                // or CIGAR (the record's ranges stay empty).
                record.alignment_end = record.alignment_start;
                continue;
            }
            let skipped = input
                .overlap
                .is_some_and(|overlap| overlap.misses_before_tail(record));
            let ctx = if skipped { &skipped_ctx } else { &ctx };
            let mut window = &self.window;
            if ctx.want_sequence && slice.reference_id == -2 && record.flags & 0x4 == 0 {
                let cached =
                    multi_reference_window(&mut self.references, record.reference_id, input)
                        .map_err(locate)?;
                if let Some(index) = cached {
                    window = &self.references[index].window;
                }
            }
            decode_record_tail(ctx, &mut streams, buffers, window, record, tags).map_err(locate)?;
        }
        buffers.records = records;
        if slice.reference_id == -2 {
            self.references
                .retain_mut(|cached| std::mem::take(&mut cached.used));
        }
        resolve_mates(&mut buffers.records, fields.decodes_alignment())?;
        let count = slice.record_count;
        self.slice = slice;
        Ok(count)
    }

    /// Lays out record `index` of the slice last decoded by
    /// [`SliceDecoder::decode_records`] in `record`'s own buffer.
    pub fn lay_out(
        &self,
        index: usize,
        sam_header: &Header,
        options: &DecodeOptions,
        record: &mut Record,
    ) -> Result<()> {
        record
            .refill(|bytes| {
                let decoded = DecodedSlice {
                    buffers: &self.buffers,
                    blocks: &self.blocks,
                    header: &self.slice,
                    fields: self.fields,
                };
                build_bam(&decoded, index, sam_header, options, bytes)
            })
            .map_err(|e| locate_record(e, &self.slice, index))
    }
}

fn locate_record(error: Error, slice: &SliceHeader, index: usize) -> Error {
    let record = slice.record_counter.max(0) as u64 + index as u64 + 1;
    let message = format!(
        "slice at record {}: {}",
        slice.record_counter + 1,
        error.message()
    );
    Error::new(error.kind(), Format::Cram, message)
        .with_location(error.location().clone())
        .at_record(record)
}

/// Loads the reference bases of a single-reference slice (or its embedded
/// reference) and checks the slice's MD5.
fn prepare_reference(
    window: &mut ReferenceWindow,
    slice: &SliceHeader,
    input: &SliceInput<'_>,
    kinds: &[(u8, i32)],
    blocks: &[Vec<u8>],
) -> Result<()> {
    if slice.reference_id < 0 {
        // Multi-reference slices fetch per reference, as records need.
        window.available = false;
        return Ok(());
    }
    let name = reference_name(input.sam_header, slice.reference_id)?;
    let reference_length = reference_length(input.sam_header, slice.reference_id);
    let start = slice.alignment_start.max(1);
    let end = (slice.alignment_start + slice.alignment_span - 1).min(reference_length.max(0));
    if slice.embedded_reference_id >= 0 {
        let index = kinds
            .iter()
            .position(|&(_, id)| id == slice.embedded_reference_id)
            .ok_or_else(|| {
                Error::invalid_data(
                    Format::Cram,
                    format!(
                        "the slice names embedded reference block {} but has no such block",
                        slice.embedded_reference_id
                    ),
                )
            })?;
        window.bases.clear();
        window.bases.extend_from_slice(&blocks[index]);
        window.bases.make_ascii_uppercase();
        window.start = slice.alignment_start;
        window.reference_id = slice.reference_id;
        window.reference_length = reference_length;
        window.available = true;
        if (window.bases.len() as i64) < slice.alignment_span {
            return Err(Error::invalid_data(
                Format::Cram,
                format!(
                    "embedded reference of {} bases is shorter than the slice span {}",
                    window.bases.len(),
                    slice.alignment_span
                ),
            ));
        }
        return check_md5(slice, &window.bases, name, input);
    }
    if !input.compression_header.reference_required {
        window.available = false;
        return Ok(());
    }
    let covered = window.available
        && window.reference_id == slice.reference_id
        && window.start <= start
        && window.start + window.bases.len() as i64 > end;
    if !covered {
        window.available = false;
        let md5 = reference_md5(input.sam_header, slice.reference_id);
        input
            .reference
            .fetch(
                name,
                md5,
                (start - 1) as u64,
                end.max(start - 1) as u64,
                &mut window.bases,
            )
            .map_err(|e| {
                let md5 = md5.unwrap_or("none");
                Error::new(
                    e.kind(),
                    Format::Cram,
                    format!(
                        "slice on {name}:{start}-{end} (@SQ M5 {md5}): {}",
                        e.message()
                    ),
                )
            })?;
        window.start = start;
        window.reference_id = slice.reference_id;
        window.reference_length = input
            .reference
            .length(name)
            .map_or(reference_length, |l| l as i64);
        window.available = true;
    }
    let from = usize::try_from(start - window.start)
        .unwrap_or(0)
        .min(window.bases.len());
    let to = usize::try_from(end - window.start + 1)
        .unwrap_or(0)
        .clamp(from, window.bases.len());
    check_md5(slice, &window.bases[from..to], name, input)
}

fn check_md5(slice: &SliceHeader, bases: &[u8], name: &str, input: &SliceInput<'_>) -> Result<()> {
    if !input.options.verify_md5 || slice.md5 == [0; 16] {
        return Ok(());
    }
    let digest: [u8; 16] = Md5::digest(bases).into();
    if digest != slice.md5 {
        return Err(Error::new(
            ErrorKind::ChecksumMismatch,
            Format::Cram,
            format!(
                "reference MD5 mismatch for slice on {name}:{}-{}: the slice stores {}, the reference gives {} (wrong reference file?)",
                slice.alignment_start,
                slice.alignment_start + slice.alignment_span - 1,
                hex(&slice.md5),
                hex(&digest)
            ),
        ));
    }
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// In multi-reference slices, the whole reference a record needs, from
/// the slice's cache or the reference source (which shares whole
/// references between threads): its index in `cache`, `None` when
/// no reference is needed or the record has none.
fn multi_reference_window(
    cache: &mut Vec<CachedReference>,
    reference_id: i32,
    input: &SliceInput<'_>,
) -> Result<Option<usize>> {
    if !input.compression_header.reference_required || reference_id < 0 {
        return Ok(None);
    }
    if let Some(index) = cache
        .iter()
        .position(|c| c.window.reference_id == reference_id && c.window.available)
    {
        cache[index].used = true;
        return Ok(Some(index));
    }
    let length = reference_length(input.sam_header, reference_id);
    let name = reference_name(input.sam_header, reference_id)?;
    let md5 = reference_md5(input.sam_header, reference_id);
    let window = ReferenceWindow {
        available: true,
        reference_id,
        start: 1,
        bases: Vec::new(),
        shared: Some(input.reference.fetch_whole(name, md5, length as u64)?),
        reference_length: length,
    };
    cache.push(CachedReference { window, used: true });
    Ok(Some(cache.len() - 1))
}

/// Fills mate fields and template lengths of attached mates (CF 0x4
/// chains), as htslib does; with `alignment` false only the mate bits
/// of the flags (the positions were not decoded).
fn resolve_mates(records: &mut [CramRecord], alignment: bool) -> Result<()> {
    let count = records.len();
    for (index, record) in records.iter().enumerate() {
        if let Some(mate) = record.mate_line {
            if mate >= count || mate <= index {
                return Err(Error::invalid_data(
                    Format::Cram,
                    format!("record {index} of the slice names mate {mate}, outside the slice's {count} records"),
                ));
            }
        }
    }
    let mut computed = vec![false; count];
    // One buffer for every chain (no allocation per pair).
    let mut chain = Vec::new();
    for index in 0..count {
        if records[index].mate_line.is_none() || computed[index] {
            continue;
        }
        // Walk the chain from its first record.
        chain.clear();
        chain.push(index);
        let mut current = index;
        while let Some(following) = records[current].mate_line {
            // Stop at the start, or where a corrupt link joins a chain
            // already resolved (so hostile links cost linear time).
            if following == index || computed[following] || chain.len() > count {
                break;
            }
            chain.push(following);
            current = following;
        }
        // The last fragment's mate is the first, closing the circle.
        records[current].mate_line = Some(index);
        if alignment {
            set_template_lengths(records, &chain);
        }
        for (position, &i) in chain.iter().enumerate() {
            computed[i] = true;
            let mate = chain[(position + 1) % chain.len()];
            let (mate_start, mate_reference, mate_flags) = (
                records[mate].alignment_start,
                records[mate].reference_id,
                records[mate].flags,
            );
            let record = &mut records[i];
            if alignment {
                record.mate_alignment_start = mate_start;
                record.mate_reference_id = mate_reference;
            }
            record.flags |= 0x1;
            if mate_flags & 0x4 != 0 {
                record.flags |= 0x8;
                record.template_length = Some(0);
            }
            if record.flags & 0x4 != 0 {
                record.template_length = Some(0);
            }
            if mate_flags & 0x10 != 0 {
                record.flags |= 0x20;
            }
        }
    }
    for record in records.iter_mut() {
        if record.mate_line.is_some() {
            continue;
        }
        if record.mate_flags & 0x1 != 0 {
            record.flags |= 0x1 | 0x20;
        }
        if record.mate_flags & 0x2 != 0 {
            record.flags |= 0x8;
        }
        if record.flags & 0x1 == 0 {
            record.mate_reference_id = -1;
        }
    }
    Ok(())
}

/// The template length of each segment of one chain of attached mates.
fn set_template_lengths(records: &mut [CramRecord], chain: &[usize]) {
    let Some(&first) = chain.first() else {
        return;
    };
    let reference_id = records[first].reference_id;
    let (mut left, mut right, mut left_count) = (i64::MAX, i64::MIN, 0);
    let mut same_reference = true;
    for &i in chain {
        let record = &records[i];
        same_reference &= record.reference_id == reference_id;
        if record.alignment_start < left {
            (left, left_count) = (record.alignment_start, 1);
        } else if record.alignment_start == left {
            left_count += 1;
        }
        right = right.max(record.alignment_end);
    }
    let tlen = right - left + 1;
    // The sign rule of htslib up to 1.22 (the encoder of nearly every
    // CRAM in archives, and of Debian's samtools): positive for the
    // leftmost segment, ties broken by READ1. (htslib 1.23 also looks
    // at the right ends; files it writes differ only for segments
    // starting at the same position and ending apart.)
    for &i in chain {
        let record = &mut records[i];
        record.template_length = Some(if !same_reference {
            0
        } else if record.alignment_start == left && (left_count == 1 || record.flags & 0x40 != 0) {
            tlen
        } else {
            -tlen
        });
    }
}
