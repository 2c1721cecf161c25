//! Per-record statistics and a constant-memory summary of a FASTQ stream,
//! computed with the [`simd`](crate::simd) kernels.

use std::sync::OnceLock;

use super::record::RecordRef;
use crate::simd::{self, BaseCounts};
use crate::{Format, Result};

/// Statistics of one record.
///
/// ```
/// use biometal::formats::fastq::{Reader, RecordStats};
///
/// let mut reader = Reader::new(&b"@r\nGGCA\n+\n++5?\n"[..]);
/// let stats = RecordStats::of(&reader.next_record().unwrap()?)?;
/// assert_eq!(stats.length, 4);
/// assert_eq!(stats.gc_fraction, Some(0.75));
/// assert_eq!(stats.mean_quality, Some(17.5)); // (10 + 10 + 20 + 30) / 4
/// assert!((stats.expected_errors - (0.1 + 0.1 + 0.01 + 0.001)).abs() < 1e-12);
/// # Ok::<(), biometal::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RecordStats {
    /// The number of bases.
    pub length: usize,
    /// Counts of A, C, G, T, N and other bytes (case-insensitive).
    pub base_counts: BaseCounts,
    /// `(G + C) / (A + C + G + T)`; `None` without any A, C, G or T.
    pub gc_fraction: Option<f64>,
    /// The sum of the Phred scores (Phred+33).
    pub quality_sum: u64,
    /// The mean Phred score; `None` for an empty read.
    pub mean_quality: Option<f64>,
    /// The lowest Phred score; `None` for an empty read.
    pub min_quality: Option<u8>,
    /// The expected number of base-call errors, `Σ 10^(-Q/10)`.
    pub expected_errors: f64,
}

/// `10^(-Q/10)` for Phred scores 0..=93, computed once.
fn error_probabilities() -> &'static [f64; 94] {
    static TABLE: OnceLock<[f64; 94]> = OnceLock::new();
    TABLE.get_or_init(|| std::array::from_fn(|q| 10f64.powf(-(q as f64) / 10.0)))
}

impl RecordStats {
    /// Computes the statistics of `record`. A quality byte outside the
    /// Phred+33 range (`!`..=`~`) is [`ErrorKind::InvalidData`](crate::ErrorKind::InvalidData),
    /// naming the read.
    pub fn of(record: &RecordRef<'_>) -> Result<RecordStats> {
        let quality = record.quality();
        let quality_stats = simd::quality_stats(quality).map_err(|invalid| {
            invalid
                .into_error(Format::Fastq)
                .with_name(String::from_utf8_lossy(record.name()))
        })?;
        let table = error_probabilities();
        let expected_errors = quality
            .iter()
            .map(|&b| {
                table
                    .get(usize::from(b.wrapping_sub(33)))
                    .copied()
                    .unwrap_or(1.0)
            })
            .sum();
        let base_counts = simd::count_bases(record.sequence());
        Ok(RecordStats {
            length: record.len(),
            base_counts,
            gc_fraction: base_counts.gc_fraction(),
            quality_sum: quality_stats.sum(),
            mean_quality: quality_stats.mean(),
            min_quality: quality_stats.min(),
            expected_errors,
        })
    }
}

/// Lengths up to this are counted exactly in [`Summary::length_histogram`];
/// longer ones in power-of-two bins.
pub const EXACT_LENGTH_LIMIT: usize = 1024;

/// Positions tracked by [`Summary::mean_quality_by_position`]; bases past
/// this position count in every other total but not per position.
pub const MAX_TRACKED_POSITIONS: usize = 4096;

/// A streaming summary of a FASTQ file in constant memory (a few tens of
/// KiB whatever the input): counts, a length histogram, a GC distribution
/// and mean quality by position.
///
/// ```
/// use biometal::formats::fastq::{Reader, Summary};
///
/// let mut reader = Reader::new(&b"@a\nACGT\n+\nIIII\n@b\nGG\n+\n##\n"[..]);
/// let mut summary = Summary::new();
/// while let Some(record) = reader.next_record() {
///     summary.add(&record?)?;
/// }
/// assert_eq!(summary.records(), 2);
/// assert_eq!(summary.bases(), 6);
/// assert_eq!(summary.mean_quality_by_position()[0], Some(21.0)); // (40 + 2) / 2
/// # Ok::<(), biometal::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Summary {
    records: u64,
    base_counts: BaseCounts,
    quality_sum: u64,
    expected_errors: f64,
    min_length: Option<usize>,
    max_length: usize,
    exact_lengths: Vec<u64>,
    long_lengths: [u64; 64],
    gc_percent: [u64; 101],
    position_quality_sum: Vec<u64>,
    position_count: Vec<u64>,
}

impl Default for Summary {
    fn default() -> Self {
        Summary {
            records: 0,
            base_counts: BaseCounts::default(),
            quality_sum: 0,
            expected_errors: 0.0,
            min_length: None,
            max_length: 0,
            exact_lengths: vec![0; EXACT_LENGTH_LIMIT + 1],
            long_lengths: [0; 64],
            gc_percent: [0; 101],
            position_quality_sum: Vec::new(),
            position_count: Vec::new(),
        }
    }
}

impl Summary {
    /// An empty summary.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one record; fails like [`RecordStats::of`].
    pub fn add(&mut self, record: &RecordRef<'_>) -> Result<RecordStats> {
        let stats = RecordStats::of(record)?;
        self.records += 1;
        self.base_counts += stats.base_counts;
        self.expected_errors += stats.expected_errors;
        let length = stats.length;
        self.min_length = Some(self.min_length.map_or(length, |min| min.min(length)));
        self.max_length = self.max_length.max(length);
        match self.exact_lengths.get_mut(length) {
            Some(count) => *count += 1,
            None => {
                let bin = (usize::BITS - 1 - length.leading_zeros()) as usize;
                if let Some(count) = self.long_lengths.get_mut(bin) {
                    *count += 1;
                }
            }
        }
        if let Some(gc) = stats.gc_fraction {
            let percent = (gc * 100.0).round() as usize;
            if let Some(count) = self.gc_percent.get_mut(percent.min(100)) {
                *count += 1;
            }
        }
        let tracked = record.quality().len().min(MAX_TRACKED_POSITIONS);
        if self.position_count.len() < tracked {
            self.position_count.resize(tracked, 0);
            self.position_quality_sum.resize(tracked, 0);
        }
        let quality = record.quality().get(..tracked).unwrap_or_default();
        for ((sum, count), &q) in self
            .position_quality_sum
            .iter_mut()
            .zip(self.position_count.iter_mut())
            .zip(quality)
        {
            *sum += u64::from(q.saturating_sub(33));
            *count += 1;
        }
        self.quality_sum += stats.quality_sum;
        Ok(stats)
    }

    /// The number of records.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// The number of bases.
    pub fn bases(&self) -> u64 {
        self.base_counts.total()
    }

    /// Base counts over all records.
    pub fn base_counts(&self) -> BaseCounts {
        self.base_counts
    }

    /// GC fraction over all records.
    pub fn gc_fraction(&self) -> Option<f64> {
        self.base_counts.gc_fraction()
    }

    /// Mean Phred score over all bases.
    pub fn mean_quality(&self) -> Option<f64> {
        let bases = self.bases();
        (bases > 0).then(|| self.quality_sum as f64 / bases as f64)
    }

    /// Total expected errors over all records.
    pub fn expected_errors(&self) -> f64 {
        self.expected_errors
    }

    /// Shortest and longest read lengths; `None` before any record.
    pub fn length_range(&self) -> Option<(usize, usize)> {
        self.min_length.map(|min| (min, self.max_length))
    }

    /// `(shortest, longest, count)` bins of read lengths, in increasing
    /// order, without empty bins: one bin per length up to
    /// [`EXACT_LENGTH_LIMIT`], then `[2^k, 2^(k+1) - 1]`.
    pub fn length_histogram(&self) -> Vec<(usize, usize, u64)> {
        let exact = self
            .exact_lengths
            .iter()
            .enumerate()
            .map(|(len, &n)| (len, len, n));
        let long = self.long_lengths.iter().enumerate().map(|(k, &n)| {
            let low = (1usize << k).max(EXACT_LENGTH_LIMIT + 1);
            (low, (1usize << k).saturating_mul(2).saturating_sub(1), n)
        });
        exact.chain(long).filter(|&(_, _, n)| n > 0).collect()
    }

    /// Counts of reads by GC percentage (index 0..=100, rounded).
    pub fn gc_histogram(&self) -> &[u64; 101] {
        &self.gc_percent
    }

    /// The mean Phred score at each 0-based read position (up to
    /// [`MAX_TRACKED_POSITIONS`]).
    pub fn mean_quality_by_position(&self) -> Vec<Option<f64>> {
        self.position_quality_sum
            .iter()
            .zip(&self.position_count)
            .map(|(&sum, &count)| (count > 0).then(|| sum as f64 / count as f64))
            .collect()
    }
}
