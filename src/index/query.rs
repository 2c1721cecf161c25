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
    walk: ChunkWalk,
    reference_id: Option<usize>,
    start: u64,
    end: u64,
    record: Record,
}

/// A reader that a [`ChunkWalk`] positions: BAM, BCF and bgzipped text.
pub(crate) trait ChunkCursor {
    /// The virtual position of the next record.
    fn position(&mut self) -> VirtualPosition;
    /// Moves to `position` (a chunk start).
    fn seek_to(&mut self, position: VirtualPosition) -> Result<()>;
}

impl<R: VirtualPositioned> ChunkCursor for Reader<R> {
    fn position(&mut self) -> VirtualPosition {
        self.virtual_position().unwrap_or_default()
    }
    fn seek_to(&mut self, position: VirtualPosition) -> Result<()> {
        self.seek(position)
    }
}

/// What the record read at a chunk walk's position turned out to be.
pub(crate) enum Step {
    /// It overlaps the region: hand it out.
    Match,
    /// Before the region (or on a reference before it): read on.
    Skip,
    /// Past the region in sorted input: the walk is over.
    Past,
    /// There was no record: the input ended.
    End,
}

impl Step {
    /// Where a record on the region's reference covering the 0-based
    /// half-open `[record_start, record_end)` stands against the region's
    /// `[start, end)` in sorted input.
    pub(crate) fn for_span(record_start: u64, record_end: u64, start: u64, end: u64) -> Step {
        if record_start >= end {
            Step::Past
        } else if record_end > start {
            Step::Match
        } else {
            Step::Skip
        }
    }
}

/// The one loop behind every region query (BAM, BCF, tabix): through the
/// index's merged chunks in order, seeking only when the next chunk does
/// not start where reading stands, reading records until past the chunk's
/// end or the region, each one classified by the caller.
pub(crate) struct ChunkWalk {
    chunks: Vec<Chunk>,
    next_chunk: usize,
    current_end: Option<VirtualPosition>,
    /// Reading on to the end of the input (no chunks): ending there is no
    /// error.
    to_end: bool,
    done: bool,
    format: Format,
    /// What the chunks point into, for errors ("BAM data").
    data: &'static str,
}

impl ChunkWalk {
    /// A walk through `chunks` (sorted, merged), reporting errors as
    /// `format` about `data`.
    pub(crate) fn new(chunks: Vec<Chunk>, format: Format, data: &'static str) -> ChunkWalk {
        ChunkWalk {
            chunks,
            next_chunk: 0,
            current_end: None,
            to_end: false,
            done: false,
            format,
            data,
        }
    }

    /// A walk from where the reader stands to the end of its input.
    pub(crate) fn to_end(format: Format, data: &'static str) -> ChunkWalk {
        ChunkWalk {
            current_end: Some(VirtualPosition::from(u64::MAX)),
            to_end: true,
            ..ChunkWalk::new(Vec::new(), format, data)
        }
    }

    /// Reads records with `read` (given the virtual position each starts
    /// at) until one matches: `true` then, `false` once the walk is over.
    ///
    /// # Errors
    ///
    /// Seek and read errors; the input ending inside a chunk.
    pub(crate) fn next<C: ChunkCursor>(
        &mut self,
        cursor: &mut C,
        mut read: impl FnMut(&mut C, VirtualPosition) -> Result<Step>,
    ) -> Result<bool> {
        while !self.done {
            let position = cursor.position();
            if self.current_end.is_none_or(|end| position >= end) {
                let Some(chunk) = self.chunks.get(self.next_chunk).copied() else {
                    self.done = true;
                    break;
                };
                self.next_chunk += 1;
                if position != chunk.start {
                    cursor.seek_to(chunk.start)?;
                }
                self.current_end = Some(chunk.end);
                continue;
            }
            match read(cursor, position)? {
                Step::Match => return Ok(true),
                Step::Skip => {}
                Step::Past => self.done = true,
                Step::End if self.to_end => self.done = true,
                Step::End => {
                    self.done = true;
                    // The index promised records up to the chunk's end.
                    let end = self.current_end.unwrap_or_default();
                    return Err(Error::invalid_data(
                        self.format,
                        format!(
                            "index chunk ending at {end} points past the end of the {}",
                            self.data
                        ),
                    )
                    .at_virtual_position(position));
                }
            }
        }
        Ok(false)
    }
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
        walk: ChunkWalk::new(chunks, format_of(index), "BAM data"),
        reference_id: Some(reference_id),
        start,
        end,
        record: Record::default(),
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
        walk: ChunkWalk::to_end(format_of(index), "BAM data"),
        reference_id: None,
        start: 0,
        end: u64::MAX,
        record: Record::default(),
    })
}

impl<R: VirtualPositioned> Query<'_, R> {
    /// The next matching record; `None` when the query is exhausted.
    ///
    /// # Errors
    ///
    /// Read errors.
    pub fn next_record(&mut self) -> Result<Option<RecordRef<'_>>> {
        let (record, reference_id) = (&mut self.record, self.reference_id);
        let (start, end) = (self.start, self.end);
        // Records are classified where they lie in the decoded buffer and
        // only the matching ones copied out.
        let found = self.walk.next(self.reader, |reader, _| {
            let Some(view) = reader.next_record()? else {
                return Ok(Step::End);
            };
            let step = classify(view, reference_id, start, end);
            if matches!(step, Step::Match) {
                record.copy_from(view);
            }
            Ok(step)
        })?;
        Ok(found.then(|| self.record.as_ref()))
    }
}

/// Where `record` stands against the region `[start, end)` (0-based) on
/// `reference_id`, or against "no reference" for `None`.
fn classify(record: RecordRef<'_>, reference_id: Option<usize>, start: u64, end: u64) -> Step {
    let Some(reference_id) = reference_id else {
        // Unmapped: only records without a reference.
        return match record.reference_id() {
            None => Step::Match,
            Some(_) => Step::Skip,
        };
    };
    if record.reference_id() != Some(reference_id) {
        // Another reference: past ours in a sorted file, or before it in a
        // chunk shared with the previous one.
        return match record.reference_id() {
            Some(other) if other < reference_id => Step::Skip,
            _ => Step::Past,
        };
    }
    let record_start = record.alignment_start().map_or(0, |p| p.to_zero_based());
    if record_start >= start {
        // Every record covers at least one base from its start, so only
        // one starting before the region needs its end (from the CIGAR);
        // a whole-reference query never does.
        return Step::for_span(record_start, record_start + 1, start, end);
    }
    let record_end = record.alignment_end().map_or(record_start + 1, |p| p.get());
    Step::for_span(record_start, record_end, start, end)
}
