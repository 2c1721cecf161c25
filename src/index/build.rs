//! Building an index from a coordinate-sorted BAM.

use std::path::Path;

use super::binning::{first_window, reg2bin, BAI_DEPTH, BAI_MIN_SHIFT};
use super::{Chunk, Index, Kind, Metadata, ReferenceIndex};
use crate::bgzf::VirtualPosition;
use crate::formats::bam::{self, VirtualPositioned};
use crate::formats::sam::{Header, Record, RecordRef};
use crate::{Error, Format, Result};

/// Collects records (with their virtual positions) into an [`Index`].
#[derive(Debug)]
pub struct Indexer {
    index: Index,
    format: Format,
    /// Per reference, the linear index as runs of windows first overlapped
    /// by the record at one offset: memory by records, not by the windows
    /// a long record spans.
    linear: Vec<Vec<WindowRun>>,
    /// The run of consecutive records in one bin: (reference, bin, chunk).
    run: Option<(usize, u32, Chunk)>,
    last_key: Option<(usize, u64)>,
    seen_unplaced: bool,
    records: u64,
}

impl Indexer {
    /// An indexer for `header`'s references: BAI (refused when a reference
    /// is longer than 2^29 bases) or CSI with `min_shift` 14 and the depth
    /// `samtools index -c` chooses.
    ///
    /// # Errors
    ///
    /// BAI for a reference longer than 2^29 − 1 bases, suggesting CSI.
    pub fn new(header: &Header, kind: Kind) -> Result<Self> {
        let max_length = header
            .reference_sequences()
            .iter()
            .map(|r| r.length())
            .max()
            .unwrap_or(0);
        let (min_shift, depth, format) = match kind {
            Kind::Bai => {
                if max_length >= super::bai::MAX_POSITION {
                    return Err(Error::invalid_input(
                        Format::Bai,
                        format!("a reference of {max_length} bases is too long for BAI (at most 2^29 - 1): use CSI"),
                    ));
                }
                (BAI_MIN_SHIFT, BAI_DEPTH, Format::Bai)
            }
            Kind::Csi => (
                14,
                super::binning::depth_for_length(max_length, 14),
                Format::Csi,
            ),
        };
        let mut indexer = Self::with_scheme(kind, min_shift, depth, format);
        indexer.reserve_references(header.reference_sequences().len());
        Ok(indexer)
    }

    /// An indexer with no references yet (they are added as
    /// [`push_interval`](Self::push_interval) meets them), for formats whose
    /// sequence names come from the data (tabix). `unplaced_unmapped`
    /// starts at 0.
    pub(crate) fn with_scheme(kind: Kind, min_shift: u32, depth: u32, format: Format) -> Self {
        Indexer {
            index: Index {
                kind,
                min_shift,
                depth,
                aux: Vec::new(),
                references: Vec::new(),
                unplaced_unmapped: Some(0),
            },
            format,
            linear: Vec::new(),
            run: None,
            last_key: None,
            seen_unplaced: false,
            records: 0,
        }
    }

    /// Makes room for `count` references (so that an index lists every
    /// header reference, records or not).
    pub(crate) fn reserve_references(&mut self, count: usize) {
        if self.index.references.len() < count {
            self.index
                .references
                .resize(count, ReferenceIndex::default());
            self.linear.resize(count, Vec::new());
        }
    }

    fn flush_run(&mut self) {
        if let Some((reference_id, bin, chunk)) = self.run.take() {
            let bins = &mut self.index.references[reference_id].bins;
            bins.entry(bin).or_default().chunks.push(chunk);
        }
    }

    /// Adds one record that occupies `[start, end)` in the file.
    ///
    /// # Errors
    ///
    /// A record out of coordinate order (naming it), a reference id beyond
    /// the header, or (BAI) a position beyond 2^29.
    pub fn push(
        &mut self,
        record: RecordRef<'_>,
        start: VirtualPosition,
        end: VirtualPosition,
    ) -> Result<()> {
        self.records += 1;
        let unsorted = |what: String| {
            Error::invalid_input(
                self.format,
                format!(
                    "input is not coordinate-sorted: record {} ({}) {what}",
                    self.records,
                    String::from_utf8_lossy(record.name())
                ),
            )
            .at_record(self.records)
        };
        let Some(reference_id) = record.reference_id() else {
            self.seen_unplaced = true;
            if let Some(count) = &mut self.index.unplaced_unmapped {
                *count += 1;
            }
            return Ok(());
        };
        if self.seen_unplaced {
            return Err(unsorted("has a reference after records without one".into()));
        }
        if reference_id >= self.index.references.len() {
            return Err(Error::invalid_data(
                self.format,
                format!("reference id {reference_id} beyond the header"),
            ));
        }
        let begin = record.alignment_start().map_or(0, |p| p.to_zero_based());
        let finish = record.alignment_end().map_or(begin + 1, |p| p.get());
        if let Some(last) = self.last_key {
            if (reference_id, begin) < last {
                return Err(unsorted(format!(
                    "at reference {reference_id} position {} comes after reference {} position {}",
                    begin + 1,
                    last.0,
                    last.1 + 1
                )));
            }
        }
        self.last_key = Some((reference_id, begin));
        let unmapped = record.flags().is_unmapped();
        self.push_interval(reference_id, begin, finish, start, end, unmapped)
            .map_err(|e| e.at_record(self.records))
    }

    /// Adds one record of reference `reference_id` covering the 0-based
    /// half-open `[begin, finish)` (an empty interval counts as
    /// `[begin, begin + 1)`) that occupies `[start, end)` in the file. The
    /// caller checks the order; references up to `reference_id` are added
    /// when missing.
    pub(crate) fn push_interval(
        &mut self,
        reference_id: usize,
        begin: u64,
        finish: u64,
        start: VirtualPosition,
        end: VirtualPosition,
        unmapped: bool,
    ) -> Result<()> {
        let finish = finish.max(begin.saturating_add(1));
        let limit = 1u64 << (self.index.min_shift + 3 * self.index.depth);
        if finish > limit {
            return Err(Error::invalid_input(
                self.format,
                format!("record ends at {finish}, beyond this index's range of {limit}: use CSI with a larger depth"),
            ));
        }
        if reference_id >= self.index.references.len() {
            self.index
                .references
                .resize(reference_id + 1, ReferenceIndex::default());
            self.linear.resize(reference_id + 1, Vec::new());
        }
        let bin = reg2bin(
            begin as i64,
            finish as i64,
            self.index.min_shift,
            self.index.depth,
        );
        // Sorted by begin, so every window from this record's first up to
        // the last one covered so far is already taken: only the windows
        // beyond are new, and they are contiguous.
        let runs = &mut self.linear[reference_id];
        let first_window = begin >> self.index.min_shift;
        let last_window = (finish - 1) >> self.index.min_shift;
        let from = first_window.max(runs.last().map_or(0, |run| run.last + 1));
        if from <= last_window {
            match runs.last_mut() {
                Some(run) if run.offset == start => run.last = last_window,
                _ => runs.push(WindowRun {
                    last: last_window,
                    offset: start,
                }),
            }
        }
        let metadata = self.index.references[reference_id]
            .metadata
            .get_or_insert(Metadata {
                start,
                end,
                mapped: 0,
                unmapped: 0,
            });
        metadata.end = end;
        if unmapped {
            metadata.unmapped += 1;
        } else {
            metadata.mapped += 1;
        }
        match &mut self.run {
            Some((run_reference, run_bin, chunk))
                if *run_reference == reference_id && *run_bin == bin =>
            {
                chunk.end = end;
            }
            _ => {
                self.flush_run();
                self.run = Some((reference_id, bin, Chunk { start, end }));
            }
        }
        Ok(())
    }

    /// Moves the last record's end from `old` to `new`: a writer learns
    /// only when it ends the block that the last record ended it, and
    /// htslib records such an end as the next block's offset.
    pub(crate) fn settle_last_end(&mut self, old: VirtualPosition, new: VirtualPosition) {
        if let Some((reference_id, _, chunk)) = &mut self.run {
            if chunk.end == old {
                chunk.end = new;
            }
            if let Some(metadata) = self
                .index
                .references
                .get_mut(*reference_id)
                .and_then(|r| r.metadata.as_mut())
                .filter(|m| m.end == old)
            {
                metadata.end = new;
            }
        }
    }

    /// The finished index.
    pub fn finish(mut self) -> Index {
        self.flush_run();
        let csi = self.index.kind == Kind::Csi;
        for (reference, runs) in self.index.references.iter_mut().zip(self.linear) {
            if csi {
                for (&number, bin) in reference.bins.iter_mut() {
                    bin.loffset = window_offset(&runs, first_window(number, self.index.depth));
                }
            } else {
                let windows = runs.last().map_or(0, |run| run.last + 1);
                reference.linear = (0..windows).map(|w| window_offset(&runs, w)).collect();
            }
            compress_bins(&mut reference.bins, self.index.depth);
        }
        self.index
    }
}

/// Windows of the linear index up to `last` (from the previous run's end,
/// inclusive), first overlapped by the record at `offset` (windows no
/// record overlaps take the next record's offset, as htslib fills them).
#[derive(Debug, Clone, Copy)]
struct WindowRun {
    last: u64,
    offset: VirtualPosition,
}

/// The linear index's offset for `window`: of the run holding it, or, for a
/// window no record overlaps, of the next run (records overlapping later
/// windows come no earlier: htslib fills such windows so); 0 past the end.
fn window_offset(runs: &[WindowRun], window: u64) -> VirtualPosition {
    let at = runs.partition_point(|run| run.last < window);
    runs.get(at)
        .map_or(VirtualPosition::default(), |run| run.offset)
}

/// htslib's `HTS_MIN_MARKER_DIST`: bins whose chunks span less compressed
/// data than this are merged into their parent.
const MIN_MARKER_DISTANCE: u64 = 0x10000;

/// Merges small bins into their parents, deepest level first, then merges
/// a bin's chunks that touch the same BGZF block, as htslib does when it
/// finishes an index (fewer, longer chunks: fewer seeks).
fn compress_bins(bins: &mut std::collections::BTreeMap<u32, super::Bin>, depth: u32) {
    for level in (1..=depth).rev() {
        let first = super::binning::level_offset(level);
        let last = super::binning::level_offset(level + 1);
        let numbers: Vec<u32> = bins.range(first..last).map(|(&n, _)| n).collect();
        for number in numbers {
            let parent = (number - 1) >> 3;
            let small = bins.get_mut(&number).is_some_and(|bin| {
                bin.chunks.sort();
                match (bin.chunks.first(), bin.chunks.last()) {
                    (Some(first), Some(last)) => {
                        last.end.compressed_offset() - first.start.compressed_offset()
                            < MIN_MARKER_DISTANCE
                    }
                    _ => true,
                }
            });
            if small && bins.contains_key(&parent) {
                if let Some(child) = bins.remove(&number) {
                    if let Some(parent) = bins.get_mut(&parent) {
                        parent.chunks.extend(child.chunks);
                    }
                }
            }
        }
    }
    for bin in bins.values_mut() {
        bin.chunks.sort();
        let mut merged: Vec<Chunk> = Vec::with_capacity(bin.chunks.len());
        for chunk in bin.chunks.drain(..) {
            match merged.last_mut() {
                Some(last) if last.end.compressed_offset() >= chunk.start.compressed_offset() => {
                    last.end = last.end.max(chunk.end)
                }
                _ => merged.push(chunk),
            }
        }
        bin.chunks = merged;
    }
}

/// Builds a BAI or CSI index of the coordinate-sorted BAM at `path`.
///
/// # Errors
///
/// Unsorted input (naming the first record out of order), BAI for long
/// references, read errors.
pub fn build_from_path(path: impl AsRef<Path>, kind: Kind) -> Result<Index> {
    let mut reader = bam::Reader::from_path(path)?;
    let header = reader.read_header()?;
    let mut indexer = Indexer::new(&header, kind)?;
    let mut record = Record::default();
    loop {
        let start = reader.virtual_position().unwrap_or_default();
        if !reader.read_record(&mut record)? {
            break;
        }
        // Where the record ends, without loading the next block: after the
        // last record, the EOF marker's offset, as htslib records it.
        let end = reader.get_mut().virtual_position().unwrap_or_default();
        indexer.push(record.as_ref(), start, end)?;
    }
    Ok(indexer.finish())
}
