//! Building an index from a coordinate-sorted BAM.

use std::path::Path;

use super::binning::{first_window, reg2bin, BAI_DEPTH, BAI_MIN_SHIFT};
use super::{Chunk, Index, Kind, Metadata, ReferenceIndex};
use crate::bgzf::VirtualPosition;
use crate::formats::bam;
use crate::formats::sam::{Header, Record, RecordRef};
use crate::{Error, Format, Result};

/// Collects records (with their virtual positions) into an [`Index`].
#[derive(Debug)]
pub struct Indexer {
    index: Index,
    format: Format,
    linear: Vec<Vec<Option<VirtualPosition>>>,
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
        let count = header.reference_sequences().len();
        indexer.index.references = vec![ReferenceIndex::default(); count];
        indexer.linear = vec![Vec::new(); count];
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

    fn flush_run(&mut self) {
        if let Some((reference_id, bin, chunk)) = self.run.take() {
            let bins = &mut self.index.references[reference_id].bins;
            let entry = bins.entry(bin).or_default();
            match entry.chunks.last_mut() {
                // Chunks touching the same BGZF block are merged, as htslib does.
                Some(last) if last.end.compressed_offset() >= chunk.start.compressed_offset() => {
                    last.end = last.end.max(chunk.end)
                }
                _ => entry.chunks.push(chunk),
            }
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
        let linear = &mut self.linear[reference_id];
        let last_window = ((finish - 1) >> self.index.min_shift) as usize;
        if linear.len() <= last_window {
            linear.resize(last_window + 1, None);
        }
        for slot in &mut linear[(begin >> self.index.min_shift) as usize..=last_window] {
            slot.get_or_insert(start);
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

    /// The finished index.
    pub fn finish(mut self) -> Index {
        self.flush_run();
        let csi = self.index.kind == Kind::Csi;
        for (reference, windows) in self.index.references.iter_mut().zip(self.linear) {
            let mut previous = VirtualPosition::default();
            let filled: Vec<VirtualPosition> = windows
                .into_iter()
                .map(|slot| {
                    previous = slot.unwrap_or(previous);
                    previous
                })
                .collect();
            if csi {
                for (&number, bin) in reference.bins.iter_mut() {
                    let window = first_window(number, self.index.depth) as usize;
                    bin.loffset = filled.get(window).copied().unwrap_or_default();
                }
            } else {
                reference.linear = filled;
            }
        }
        self.index
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
        let end = reader.virtual_position().unwrap_or_default();
        indexer.push(record.as_ref(), start, end)?;
    }
    Ok(indexer.finish())
}
