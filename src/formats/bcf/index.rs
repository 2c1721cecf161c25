//! Building the CSI index of a BCF file while writing it, as
//! `bcftools index` builds it: `min_shift` 14, the depth the longest contig
//! needs, one bin per record's reference span (POS to POS + rlen).

use crate::bgzf::VirtualPosition;
use crate::formats::vcf::Header;
use crate::index::binning::{depth_for_length, first_window, reg2bin};
use crate::index::{Chunk, Index, Kind, Metadata, ReferenceIndex};
use crate::{Error, Format, Result};

const MIN_SHIFT: u32 = 14;

/// Collects records with their virtual positions into a CSI [`Index`].
#[derive(Debug)]
pub(crate) struct CsiBuilder {
    index: Index,
    /// Per contig, the first record offset overlapping each 16 kbp window.
    linear: Vec<Vec<Option<VirtualPosition>>>,
    /// The run of consecutive records in one bin: (contig, bin, chunk).
    run: Option<(usize, u32, Chunk)>,
    last_key: Option<(usize, u64)>,
    records: u64,
}

impl CsiBuilder {
    /// A builder for `header`'s contigs (depth from the longest declared
    /// length, at least that of 2^29 bases).
    pub(crate) fn new(header: &Header) -> Self {
        let longest = header
            .contigs()
            .iter()
            .flatten()
            .filter_map(|c| c.length())
            .max()
            .unwrap_or(0)
            .max((1 << 29) - 257);
        let count = header.contigs().len();
        CsiBuilder {
            index: Index {
                kind: Kind::Csi,
                min_shift: MIN_SHIFT,
                depth: depth_for_length(longest, MIN_SHIFT),
                aux: Vec::new(),
                references: vec![ReferenceIndex::default(); count],
                unplaced_unmapped: Some(0),
            },
            linear: vec![Vec::new(); count],
            run: None,
            last_key: None,
            records: 0,
        }
    }

    fn flush_run(&mut self) {
        if let Some((contig, bin, chunk)) = self.run.take() {
            let Some(reference) = self.index.references.get_mut(contig) else {
                return;
            };
            let entry = reference.bins.entry(bin).or_default();
            match entry.chunks.last_mut() {
                // Chunks touching the same BGZF block are merged, as htslib does.
                Some(last) if last.end.compressed_offset() >= chunk.start.compressed_offset() => {
                    last.end = last.end.max(chunk.end)
                }
                _ => entry.chunks.push(chunk),
            }
        }
    }

    /// Adds the record of `contig` spanning `[begin, end)` (0-based) that
    /// occupies `[start, stop)` in the file.
    pub(crate) fn push(
        &mut self,
        contig: usize,
        begin: u64,
        end: u64,
        start: VirtualPosition,
        stop: VirtualPosition,
    ) -> Result<()> {
        self.records += 1;
        if contig >= self.linear.len() {
            return Err(Error::invalid_input(
                Format::Csi,
                format!("contig index {contig} is beyond the header"),
            ));
        }
        if self.last_key.is_some_and(|last| (contig, begin) < last) {
            return Err(Error::invalid_input(
                Format::Csi,
                format!(
                    "records are not sorted: record {} (contig {contig}, POS {}) comes after a later one",
                    self.records,
                    begin + 1
                ),
            )
            .at_record(self.records));
        }
        self.last_key = Some((contig, begin));
        let limit = 1u64 << (MIN_SHIFT + 3 * self.index.depth);
        let end = end.max(begin + 1);
        if end > limit {
            return Err(Error::invalid_input(
                Format::Csi,
                format!("record ends at {end}, beyond the index's range of {limit} (declare the contig's length)"),
            )
            .at_record(self.records));
        }
        let bin = reg2bin(begin as i64, end as i64, MIN_SHIFT, self.index.depth);
        let linear = &mut self.linear[contig];
        let last_window = ((end - 1) >> MIN_SHIFT) as usize;
        if linear.len() <= last_window {
            linear.resize(last_window + 1, None);
        }
        for slot in &mut linear[(begin >> MIN_SHIFT) as usize..=last_window] {
            slot.get_or_insert(start);
        }
        let metadata = self.index.references[contig]
            .metadata
            .get_or_insert(Metadata {
                start,
                end: stop,
                mapped: 0,
                unmapped: 0,
            });
        metadata.end = stop;
        metadata.mapped += 1;
        match &mut self.run {
            Some((run_contig, run_bin, chunk)) if *run_contig == contig && *run_bin == bin => {
                chunk.end = stop;
            }
            _ => {
                self.flush_run();
                self.run = Some((contig, bin, Chunk { start, end: stop }));
            }
        }
        Ok(())
    }

    /// The finished index: each bin's `loffset` from the linear index
    /// (empty windows take the previous window's offset).
    pub(crate) fn finish(mut self) -> Index {
        self.flush_run();
        let depth = self.index.depth;
        for (reference, windows) in self.index.references.iter_mut().zip(self.linear) {
            let mut previous = VirtualPosition::default();
            let filled: Vec<VirtualPosition> = windows
                .into_iter()
                .map(|slot| {
                    previous = slot.unwrap_or(previous);
                    previous
                })
                .collect();
            for (&number, bin) in reference.bins.iter_mut() {
                let window = first_window(number, depth) as usize;
                bin.loffset = filled.get(window).copied().unwrap_or_default();
            }
        }
        self.index
    }
}
