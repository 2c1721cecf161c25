//! Region queries: chunks from the index, records filtered as samtools
//! filters them.

use super::binning::reg2bins;
use super::{Chunk, Index};
use crate::bgzf::VirtualPosition;
use crate::formats::bam::{Reader, VirtualPositioned};
use crate::formats::sam::{Header, Record, RecordRef};
use crate::region::Region;
use crate::{Error, Format, Result};

/// Records overlapping a region (or, from [`query_unmapped`], the records
/// without a reference), read through the index's chunks.
pub struct Query<'r, R> {
    reader: &'r mut Reader<R>,
    chunks: Vec<Chunk>,
    next_chunk: usize,
    current_end: Option<VirtualPosition>,
    reference_id: Option<usize>,
    start: u64,
    end: u64,
    done: bool,
    record: Record,
    format: Format,
}

/// The merged chunks of `index` that may hold records of reference
/// `reference_id` overlapping `[start, end)` (0-based).
pub fn chunks_for(index: &Index, reference_id: usize, start: u64, end: u64) -> Vec<Chunk> {
    let Some(reference) = index.references.get(reference_id) else {
        return Vec::new();
    };
    let max_position = 1u64 << (index.min_shift + 3 * index.depth);
    if start >= max_position {
        return Vec::new();
    }
    let window = start >> index.min_shift;
    let min_offset = if reference.linear.is_empty() {
        // CSI: the loffset of the smallest existing bin holding `start`.
        let first = u64::from(super::binning::level_offset(index.depth)) + window;
        let mut bin = u32::try_from(first).unwrap_or(u32::MAX);
        loop {
            if let Some(found) = reference.bins.get(&bin) {
                break found.loffset;
            }
            if bin == 0 {
                break VirtualPosition::default();
            }
            bin = (bin - 1) >> 3;
        }
    } else {
        let last = reference.linear.len() - 1;
        reference.linear[(window as usize).min(last)]
    };
    let mut chunks: Vec<Chunk> = reg2bins(start, end, index.min_shift, index.depth)
        .into_iter()
        .flat_map(|range| reference.bins.range(range))
        .flat_map(|(_, bin)| bin.chunks.iter().copied())
        .filter(|chunk| chunk.end > min_offset)
        // Records before `min_offset` end before `start` (as htslib clips).
        .map(|chunk| Chunk {
            start: chunk.start.max(min_offset),
            end: chunk.end,
        })
        .collect();
    chunks.sort();
    let mut merged: Vec<Chunk> = Vec::with_capacity(chunks.len());
    for chunk in chunks {
        match merged.last_mut() {
            Some(last) if chunk.start <= last.end => last.end = last.end.max(chunk.end),
            _ => merged.push(chunk),
        }
    }
    merged
}

fn format_of(index: &Index) -> Format {
    match index.kind {
        super::Kind::Bai => Format::Bai,
        super::Kind::Csi => Format::Csi,
    }
}

/// Records of `region` in the BAM `reader` (whose header has been read),
/// exactly those `samtools view FILE REGION` prints: on the region's
/// reference, with `alignment start <= region end` and alignment end (from
/// the CIGAR; start + 1 for unmapped reads placed with their mate) after
/// the region's start.
///
/// # Errors
///
/// A reference name the header does not know; read errors.
pub fn query<'r, R: VirtualPositioned>(
    reader: &'r mut Reader<R>,
    header: &Header,
    index: &Index,
    region: &Region,
) -> Result<Query<'r, R>> {
    let reference_id = header.reference_id(region.name()).ok_or_else(|| {
        Error::new(
            crate::ErrorKind::NotFound,
            Format::Region,
            format!("reference {:?} is not in the header", region.name()),
        )
    })?;
    let interval = region.interval();
    let (start, end) = (interval.start(), interval.end());
    let chunks = if start < end {
        chunks_for(index, reference_id, start, end)
    } else {
        Vec::new()
    };
    Ok(Query {
        reader,
        chunks,
        next_chunk: 0,
        current_end: None,
        reference_id: Some(reference_id),
        start,
        end,
        done: false,
        record: Record::default(),
        format: format_of(index),
    })
}

/// The records without a reference (`samtools view FILE '*'`): those after
/// the last indexed chunk.
///
/// # Errors
///
/// Seek errors.
pub fn query_unmapped<'r, R: VirtualPositioned>(
    reader: &'r mut Reader<R>,
    index: &Index,
) -> Result<Query<'r, R>> {
    let last = index.last_indexed_position();
    let here = reader.virtual_position().unwrap_or_default();
    if last > here {
        reader.seek(last)?;
    }
    Ok(Query {
        reader,
        chunks: Vec::new(),
        next_chunk: 0,
        current_end: Some(VirtualPosition::from(u64::MAX)),
        reference_id: None,
        start: 0,
        end: u64::MAX,
        done: false,
        record: Record::default(),
        format: format_of(index),
    })
}

impl<R: VirtualPositioned> Query<'_, R> {
    /// The next matching record; `None` when the query is exhausted.
    ///
    /// # Errors
    ///
    /// Read errors.
    pub fn next_record(&mut self) -> Result<Option<RecordRef<'_>>> {
        while !self.done {
            let position = self.reader.virtual_position().unwrap_or_default();
            let in_chunk = self.current_end.is_some_and(|end| position < end);
            if !in_chunk {
                let Some(chunk) = self.chunks.get(self.next_chunk).copied() else {
                    self.done = true;
                    break;
                };
                self.next_chunk += 1;
                if position != chunk.start {
                    self.reader.seek(chunk.start)?;
                }
                self.current_end = Some(chunk.end);
                continue;
            }
            if !self.reader.read_record(&mut self.record)? {
                self.done = true;
                if self.reference_id.is_some() {
                    // The index promised records up to the chunk's end.
                    let end = self.current_end.unwrap_or_default();
                    return Err(Error::invalid_data(
                        self.format,
                        format!("index chunk ending at {end} points past the end of the BAM data"),
                    )
                    .at_virtual_position(position));
                }
                break;
            }
            let record = self.record.as_ref();
            if self.reference_id.is_none() {
                if record.reference_id().is_none() {
                    return Ok(Some(self.record.as_ref()));
                }
                continue;
            }
            if record.reference_id() != self.reference_id {
                // Another reference: past ours in a sorted file, or before
                // it in a chunk shared with the previous one.
                if record.reference_id().is_none() || record.reference_id() > self.reference_id {
                    self.done = true;
                }
                continue;
            }
            let start = record.alignment_start().map_or(0, |p| p.to_zero_based());
            if start >= self.end {
                self.done = true;
                break;
            }
            let end = record.alignment_end().map_or(start + 1, |p| p.get());
            if end > self.start {
                return Ok(Some(self.record.as_ref()));
            }
        }
        Ok(None)
    }
}
