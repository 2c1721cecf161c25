//! Per-read features: the model's input, mirrored exactly by
//! `training/features.py`.
//!
//! Every feature is an exact integer statistic of the read, turned into an
//! `f64` by the same divisions as the Python code and rounded once to `f32`,
//! so both sides give bit-identical vectors (checked by the golden test on
//! `training/golden/reads.fastq`).

use crate::formats::fastq::RecordBatch;
use crate::simd;

/// The number of features per read.
pub const N_FEATURES: usize = 14;

/// The features' names, in input-column order.
///
/// With `q` the Phred score of a quality byte (clamped to `!`..=`~`, so
/// 0..=93) and `n` the read length:
///
/// | # | name | value |
/// |---|---|---|
/// | 0 | `length` | `n` |
/// | 1 | `expected_errors` | Σ 10^(−q/10), each term truncated to a multiple of 2⁻¹⁵ (0 for q ≥ 46) |
/// | 2 | `expected_error_rate` | expected errors / `n` |
/// | 3 | `mean_quality` | Σ q / `n` |
/// | 4 | `min_quality` | min q |
/// | 5, 6 | `fraction_q_below_20`, `_30` | share of bases with q < 20, q < 30 |
/// | 7–10 | `quality_mean_bin_0`…`3` | mean q over positions `[k·n/4, (k+1)·n/4)` (0-based, integer division) |
/// | 11 | `gc_fraction` | (G+C)/(A+C+G+T), case-insensitive |
/// | 12 | `n_fraction` | share of `N`/`n` bases |
/// | 13 | `homopolymer_fraction` | positions starting 4 identical bytes, / `n` |
///
/// A ratio with a zero denominator is 0.
///
/// ```
/// use biometal::neural_engine::{FEATURE_NAMES, N_FEATURES};
/// assert_eq!(FEATURE_NAMES.len(), N_FEATURES);
/// assert_eq!(FEATURE_NAMES[1], "expected_errors");
/// ```
pub const FEATURE_NAMES: [&str; N_FEATURES] = [
    "length",
    "expected_errors",
    "expected_error_rate",
    "mean_quality",
    "min_quality",
    "fraction_q_below_20",
    "fraction_q_below_30",
    "quality_mean_bin_0",
    "quality_mean_bin_1",
    "quality_mean_bin_2",
    "quality_mean_bin_3",
    "gc_fraction",
    "n_fraction",
    "homopolymer_fraction",
];

/// The features of one read, in [`FEATURE_NAMES`] order.
pub type FeatureVector = [f32; N_FEATURES];

const PHRED_MAX: u8 = simd::MAX_QUALITY_ASCII - simd::PHRED33_OFFSET;
const EE_SCALE: f64 = (1u64 << 15) as f64;

/// `floor(10^(-q/10) * 2^15)` for q = 0..=93 (as `training/features.py`):
/// error probabilities truncated to 2⁻¹⁵ units, so 0 from q = 46 on
/// (p < 2⁻¹⁵). Every unit is below 2¹⁶ (two byte planes in the AVX2 sweep).
pub(super) const EE_UNITS: [u64; PHRED_MAX as usize + 1] = [
    32768, 26028, 20675, 16422, 13045, 10362, 8230, 6538, //
    5193, 4125, 3276, 2602, 2067, 1642, 1304, 1036, //
    823, 653, 519, 412, 327, 260, 206, 164, //
    130, 103, 82, 65, 51, 41, 32, 26, //
    20, 16, 13, 10, 8, 6, 5, 4, //
    3, 2, 2, 1, 1, 1, 0, 0, //
    0, 0, 0, 0, 0, 0, 0, 0, //
    0, 0, 0, 0, 0, 0, 0, 0, //
    0, 0, 0, 0, 0, 0, 0, 0, //
    0, 0, 0, 0, 0, 0, 0, 0, //
    0, 0, 0, 0, 0, 0, 0, 0, //
    0, 0, 0, 0, 0, 0,
];

// One table lookup per quality byte adds four counters at once, packed in a
// u64: expected-error units (28 bits), q < 20 (8 bits), q < 30 (8 bits) and
// q (15 bits). A chunk of at most CHUNK bytes cannot overflow any field.
const CHUNK: usize = 255;
const BELOW_20_SHIFT: u32 = 28;
const BELOW_30_SHIFT: u32 = 36;
const QUALITY_SHIFT: u32 = 44;
const PACKED: [u64; 256] = packed_table();

const fn packed_table() -> [u64; 256] {
    let mut table = [0u64; 256];
    let mut byte = 0;
    while byte < 256 {
        let clamped = if byte < simd::PHRED33_OFFSET as usize {
            simd::PHRED33_OFFSET as usize
        } else if byte > simd::MAX_QUALITY_ASCII as usize {
            simd::MAX_QUALITY_ASCII as usize
        } else {
            byte
        };
        let q = clamped - simd::PHRED33_OFFSET as usize;
        table[byte] = EE_UNITS[q]
            | ((q < 20) as u64) << BELOW_20_SHIFT
            | ((q < 30) as u64) << BELOW_30_SHIFT
            | (q as u64) << QUALITY_SHIFT;
        byte += 1;
    }
    table
}

/// The integer statistics of a read's qualities that its features divide.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) struct QualityCounts {
    pub(super) ee_units: u64,
    pub(super) quality_sum: u64,
    pub(super) below_20: u64,
    pub(super) below_30: u64,
    /// 0 for an empty read.
    pub(super) min_quality: u8,
    pub(super) bin_sums: [u64; 4],
}

/// The integer statistics of a read's bases that its features divide.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) struct SequenceCounts {
    pub(super) gc: u64,
    pub(super) acgt: u64,
    pub(super) n: u64,
    pub(super) homopolymer_starts: u64,
}

/// A read's integer counters, laid out for the batch-wide finish
/// (`finish_avx2`): four quads of four `u64`, one quad per AVX2 vector.
#[cfg(target_arch = "x86_64")]
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
#[repr(C, align(32))]
pub(super) struct CountRow(pub(super) [u64; 16]);

#[cfg(target_arch = "x86_64")]
impl CountRow {
    /// Expected-error units are `plane 0 + plane 1 << 8`.
    pub(super) const EE_PLANE_0: usize = 0;
    pub(super) const EE_PLANE_1: usize = 1;
    pub(super) const QUALITY_SUM: usize = 2;
    pub(super) const BELOW_20: usize = 3;
    pub(super) const BELOW_30: usize = 4;
    /// Σ q over positions `[0, bound k)`, bound k = `k·n/4` (k = 1, 2, 3).
    pub(super) const TO_BOUND_1: usize = 5;
    pub(super) const TO_BOUND_2: usize = 6;
    pub(super) const TO_BOUND_3: usize = 7;
    pub(super) const MIN_QUALITY: usize = 8;
    pub(super) const SEQUENCE_LEN: usize = 9;
    pub(super) const QUALITY_LEN: usize = 10;
    // Counter 11 is unused (0).
    pub(super) const GC: usize = 12;
    /// A+T (A+C+G+T is this plus G+C).
    pub(super) const AT: usize = 13;
    pub(super) const N: usize = 14;
    pub(super) const HOMOPOLYMER_STARTS: usize = 15;

    /// Counters `4·quad..4·quad + 4` (`quad` < 4).
    pub(super) fn quad_mut(&mut self, quad: usize) -> &mut [u64; 4] {
        let mut quads = self.0.as_chunks_mut::<4>().0.iter_mut();
        quads.nth(quad).expect("a row has four quads")
    }

    pub(super) fn set_quality(&mut self, counts: &QualityCounts) {
        let [bin_0, bin_1, bin_2, _] = counts.bin_sums;
        let r = &mut self.0;
        r[Self::EE_PLANE_0] = counts.ee_units;
        r[Self::EE_PLANE_1] = 0;
        r[Self::QUALITY_SUM] = counts.quality_sum;
        r[Self::BELOW_20] = counts.below_20;
        r[Self::BELOW_30] = counts.below_30;
        r[Self::TO_BOUND_1] = bin_0;
        r[Self::TO_BOUND_2] = bin_0 + bin_1;
        r[Self::TO_BOUND_3] = bin_0 + bin_1 + bin_2;
        r[Self::MIN_QUALITY] = u64::from(counts.min_quality);
    }

    pub(super) fn set_sequence(&mut self, counts: &SequenceCounts) {
        let r = &mut self.0;
        r[Self::GC] = counts.gc;
        r[Self::AT] = counts.acgt - counts.gc;
        r[Self::N] = counts.n;
        r[Self::HOMOPOLYMER_STARTS] = counts.homopolymer_starts;
    }

    pub(super) fn quality(&self) -> QualityCounts {
        let r = &self.0;
        let [to_1, to_2, to_3] =
            [Self::TO_BOUND_1, Self::TO_BOUND_2, Self::TO_BOUND_3].map(|i| r[i]);
        QualityCounts {
            ee_units: r[Self::EE_PLANE_0] + (r[Self::EE_PLANE_1] << 8),
            quality_sum: r[Self::QUALITY_SUM],
            below_20: r[Self::BELOW_20],
            below_30: r[Self::BELOW_30],
            min_quality: r[Self::MIN_QUALITY] as u8,
            bin_sums: [to_1, to_2 - to_1, to_3 - to_2, r[Self::QUALITY_SUM] - to_3],
        }
    }

    pub(super) fn sequence(&self) -> SequenceCounts {
        let r = &self.0;
        SequenceCounts {
            gc: r[Self::GC],
            acgt: r[Self::GC] + r[Self::AT],
            n: r[Self::N],
            homopolymer_starts: r[Self::HOMOPOLYMER_STARTS],
        }
    }

    /// The features from these counters, one read at a time.
    pub(super) fn features(&self) -> FeatureVector {
        features_from(
            self.0[Self::SEQUENCE_LEN] as usize,
            self.0[Self::QUALITY_LEN] as usize,
            self.quality(),
            self.sequence(),
        )
    }
}

/// Phred score of a Phred+33 byte, clamped to `!`..=`~`.
fn phred(byte: u8) -> u8 {
    byte.clamp(simd::PHRED33_OFFSET, simd::MAX_QUALITY_ASCII) - simd::PHRED33_OFFSET
}

/// [`QualityCounts`] one byte at a time: the definition, and the code for
/// CPUs without AVX2 and reads shorter than one AVX2 block.
pub(super) fn quality_counts_scalar(phred33: &[u8]) -> QualityCounts {
    // One table lookup per byte adds four counters at once (see PACKED).
    let mut packed_sums = [0u64; 4];
    for chunk in phred33.chunks(CHUNK) {
        // Two independent accumulators halve the add dependency chain.
        let (mut even, mut odd) = (0u64, 0u64);
        let mut pairs = chunk.chunks_exact(2);
        for pair in &mut pairs {
            even += PACKED[usize::from(pair[0])];
            odd += PACKED[usize::from(pair[1])];
        }
        for &byte in pairs.remainder() {
            even += PACKED[usize::from(byte)];
        }
        for packed in [even, odd] {
            packed_sums[0] += packed & ((1 << BELOW_20_SHIFT) - 1);
            packed_sums[1] += (packed >> BELOW_20_SHIFT) & 0xFF;
            packed_sums[2] += (packed >> BELOW_30_SHIFT) & 0xFF;
            packed_sums[3] += packed >> QUALITY_SHIFT;
        }
    }
    let [ee_units, below_20, below_30, quality_sum] = packed_sums;
    let len = phred33.len();
    let bin_sums = [0, 1, 2, 3].map(|k| {
        phred33[k * len / 4..(k + 1) * len / 4]
            .iter()
            .map(|&byte| u64::from(phred(byte)))
            .sum()
    });
    QualityCounts {
        ee_units,
        quality_sum,
        below_20,
        below_30,
        min_quality: phred33.iter().map(|&byte| phred(byte)).min().unwrap_or(0),
        bin_sums,
    }
}

/// [`SequenceCounts`] without AVX2 (`simd::count_bases` dispatches to the
/// CPU's own kernels).
pub(super) fn sequence_counts_scalar(sequence: &[u8]) -> SequenceCounts {
    let bases = simd::count_bases(sequence);
    let homopolymer_starts = sequence
        .windows(4)
        .filter(|w| (w[0] == w[1]) & (w[1] == w[2]) & (w[2] == w[3]))
        .count() as u64;
    SequenceCounts {
        gc: bases.g + bases.c,
        acgt: bases.a + bases.c + bases.g + bases.t,
        n: bases.n,
        homopolymer_starts,
    }
}

/// The features of one read from its bases and Phred+33 qualities.
///
/// Sequence features use `sequence.len()` as `n`, quality features
/// `quality.len()` (the same for every FASTQ record). Bytes outside the
/// Phred+33 range clamp to it; nothing here fails.
///
/// ```
/// use biometal::neural_engine::read_features;
///
/// let features = read_features(b"ACGTTTTT", b"IIII####");
/// assert_eq!(features[0], 8.0); // length
/// assert_eq!(features[4], 2.0); // min quality
/// assert_eq!(features[13], 2.0 / 8.0); // TTTT starts at two positions
/// ```
pub fn read_features(sequence: &[u8], quality: &[u8]) -> FeatureVector {
    #[cfg(target_arch = "x86_64")]
    if has_avx2() {
        // SAFETY: the CPU supports AVX2, checked just above.
        return unsafe { read_features_avx2(sequence, quality) };
    }
    read_features_scalar(sequence, quality)
}

/// [`read_features`] with one AVX2 sweep over the qualities and one over
/// the bases.
#[cfg(target_arch = "x86_64")]
#[inline]
#[target_feature(enable = "avx2")]
fn read_features_avx2(sequence: &[u8], quality: &[u8]) -> FeatureVector {
    count_row_avx2(sequence, quality).features()
}

/// The counters of one read, by the AVX2 sweeps.
#[cfg(target_arch = "x86_64")]
#[inline]
#[target_feature(enable = "avx2")]
fn count_row_avx2(sequence: &[u8], quality: &[u8]) -> CountRow {
    let mut row = CountRow::default();
    super::features_avx2::count_reads(&[(sequence, quality)], std::slice::from_mut(&mut row));
    row
}

/// [`read_features`] without AVX2.
fn read_features_scalar(sequence: &[u8], quality: &[u8]) -> FeatureVector {
    features_from(
        sequence.len(),
        quality.len(),
        quality_counts_scalar(quality),
        sequence_counts_scalar(sequence),
    )
}

#[cfg(target_arch = "x86_64")]
fn has_avx2() -> bool {
    std::arch::is_x86_feature_detected!("avx2")
}

/// The feature vector: each count divided as `training/features.py` does.
#[inline(always)]
fn features_from(
    sequence_len: usize,
    quality_len: usize,
    quality: QualityCounts,
    bases: SequenceCounts,
) -> FeatureVector {
    let n = sequence_len as u64;
    let q_len = quality_len as u64;
    let bin_lens = [0, 1, 2, 3].map(|k| ((k + 1) * quality_len / 4 - k * quality_len / 4) as u64);
    let expected_errors = quality.ee_units as f64 / EE_SCALE;
    // Eleven ratios divided side by side (vectorisable); a zero denominator
    // comes only with a zero numerator, so dividing by 1 instead gives 0.
    let numerators = [
        expected_errors,
        quality.quality_sum as f64,
        quality.below_20 as f64,
        quality.below_30 as f64,
        quality.bin_sums[0] as f64,
        quality.bin_sums[1] as f64,
        quality.bin_sums[2] as f64,
        quality.bin_sums[3] as f64,
        bases.gc as f64,
        bases.n as f64,
        bases.homopolymer_starts as f64,
    ];
    let denominators = [
        q_len,
        q_len,
        q_len,
        q_len,
        bin_lens[0],
        bin_lens[1],
        bin_lens[2],
        bin_lens[3],
        bases.acgt,
        n,
        n,
    ];
    let mut ratios = [0f32; 11];
    for ((ratio, numerator), denominator) in ratios.iter_mut().zip(numerators).zip(denominators) {
        *ratio = (numerator / denominator.max(1) as f64) as f32;
    }
    let [ee_rate, mean_q, below_20, below_30, bin_0, bin_1, bin_2, bin_3, gc, n_fraction, homopolymer] =
        ratios;
    [
        n as f32,
        expected_errors as f32,
        ee_rate,
        mean_q,
        f32::from(quality.min_quality),
        below_20,
        below_30,
        bin_0,
        bin_1,
        bin_2,
        bin_3,
        gc,
        n_fraction,
        homopolymer,
    ]
}

/// Appends the features of every record of `batch` to `out`, row-major
/// (`batch.len() × N_FEATURES`), after clearing it.
///
/// ```
/// use biometal::formats::fastq::{Reader, RecordBatch};
/// use biometal::neural_engine::{batch_features, N_FEATURES};
///
/// let mut reader = Reader::new(&b"@a\nACGT\n+\nIIII\n@b\nNN\n+\n##\n"[..]);
/// let mut batch = RecordBatch::new();
/// reader.read_batch(&mut batch, 10)?;
/// let mut features = Vec::new();
/// batch_features(&batch, &mut features);
/// assert_eq!(features.len(), 2 * N_FEATURES);
/// assert_eq!(features[N_FEATURES + 12], 1.0); // read b is all N
/// # Ok::<(), biometal::Error>(())
/// ```
pub fn batch_features(batch: &RecordBatch, out: &mut Vec<f32>) {
    out.clear();
    reads_features(
        &mut FeatureBuilder::default(),
        batch
            .iter()
            .map(|record| (record.sequence(), record.quality())),
        out,
    );
}

/// Appends the features of `reads` (bases, qualities) to `out`, in order.
pub(super) fn reads_features<'a>(
    builder: &mut FeatureBuilder,
    reads: impl ExactSizeIterator<Item = (&'a [u8], &'a [u8])>,
    out: &mut Vec<f32>,
) {
    out.reserve(reads.len() * N_FEATURES);
    #[cfg(not(target_arch = "x86_64"))]
    let _ = builder; // no vector path: nothing to reuse
    #[cfg(target_arch = "x86_64")]
    if builder.avx2 {
        // SAFETY: the CPU supports AVX2 (`builder.avx2`).
        return unsafe { reads_features_avx2(builder, reads, out) };
    }
    for (sequence, quality) in reads {
        out.extend_from_slice(&read_features_scalar(sequence, quality));
    }
}

/// [`reads_features`] on a CPU with AVX2: [`GROUP`] reads at a time are
/// counted by one call and finished together.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn reads_features_avx2<'a>(
    builder: &mut FeatureBuilder,
    mut reads: impl Iterator<Item = (&'a [u8], &'a [u8])>,
    out: &mut Vec<f32>,
) {
    let mut group: [(&[u8], &[u8]); GROUP] = [(&[], &[]); GROUP];
    loop {
        let mut count = 0;
        for (slot, read) in group.iter_mut().zip(&mut reads) {
            *slot = read;
            count += 1;
        }
        let (Some(group), Some(rows)) = (group.get(..count), builder.rows.get_mut(..count)) else {
            return;
        };
        if group.is_empty() {
            return;
        }
        super::features_avx2::count_reads(group, rows);
        super::finish_avx2::finish_rows(rows, out);
    }
}

/// Reads finished together: their counters are turned into features by
/// vector code, four reads per vector.
#[cfg(target_arch = "x86_64")]
const GROUP: usize = 64;

/// Counter rows for a group of reads (on x86_64), reused from group to
/// group: the sweeps fill in each read's integer counters, then all are
/// divided and converted at once (`finish_avx2`).
pub(super) struct FeatureBuilder {
    #[cfg(target_arch = "x86_64")]
    rows: [CountRow; GROUP],
    /// Whether the CPU has AVX2 (without it, reads go through the scalar
    /// code one at a time).
    #[cfg(target_arch = "x86_64")]
    avx2: bool,
}

impl Default for FeatureBuilder {
    /// A builder for this CPU (AVX2 is checked once, here).
    fn default() -> Self {
        FeatureBuilder {
            #[cfg(target_arch = "x86_64")]
            rows: [CountRow::default(); GROUP],
            #[cfg(target_arch = "x86_64")]
            avx2: has_avx2(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ratio(numerator: f64, denominator: u64) -> f32 {
        if denominator == 0 {
            0.0
        } else {
            (numerator / denominator as f64) as f32
        }
    }

    /// The definition, written plainly (one byte at a time, no packing).
    fn plain(sequence: &[u8], quality: &[u8]) -> FeatureVector {
        let q: Vec<u64> = quality
            .iter()
            .map(|&b| u64::from(b.clamp(33, 126) - 33))
            .collect();
        let m = q.len() as u64;
        let ee: u64 = q.iter().map(|&v| EE_UNITS[v as usize]).sum();
        let bin = |k: usize| {
            let range = k * q.len() / 4..(k + 1) * q.len() / 4;
            ratio(
                q[range.clone()].iter().sum::<u64>() as f64,
                range.len() as u64,
            )
        };
        let upper: Vec<u8> = sequence.iter().map(|b| b.to_ascii_uppercase()).collect();
        let count = |base: u8| upper.iter().filter(|&&b| b == base).count() as u64;
        let runs = sequence
            .windows(4)
            .filter(|w| w.iter().all(|&b| b == w[0]))
            .count();
        let n = sequence.len() as u64;
        [
            n as f32,
            (ee as f64 / EE_SCALE) as f32,
            ratio(ee as f64 / EE_SCALE, m),
            ratio(q.iter().sum::<u64>() as f64, m),
            q.iter().min().copied().unwrap_or(0) as f32,
            ratio(q.iter().filter(|&&v| v < 20).count() as f64, m),
            ratio(q.iter().filter(|&&v| v < 30).count() as f64, m),
            bin(0),
            bin(1),
            bin(2),
            bin(3),
            ratio(
                (count(b'G') + count(b'C')) as f64,
                count(b'A') + count(b'C') + count(b'G') + count(b'T'),
            ),
            ratio(count(b'N') as f64, n),
            ratio(runs as f64, n),
        ]
    }

    #[test]
    fn counters_match_the_plain_definition() {
        // Every length up to a few blocks, lengths around the byte counters'
        // flush (255 blocks of 32), quality bytes over all 256 values.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let lengths = (0..=300).chain([511, 1021, 4000, 8159, 8160, 8161, 8195, 16_400]);
        // Every read also goes through the batch path (the vector finish).
        let (mut reads, mut all_expected) = (Vec::new(), Vec::new());
        for len in lengths {
            let sequence: Vec<u8> = (0..len)
                .map(|_| b"ACGTNacgtnRR"[(next() % 12) as usize])
                .collect();
            let any_bytes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            // Runs of random length over all byte values.
            let mut run_byte = 0u8;
            let runs: Vec<u8> = (0..len)
                .map(|_| {
                    if next() % 5 == 0 {
                        run_byte = next() as u8;
                    }
                    run_byte
                })
                .collect();
            let low = vec![b'!'; len];
            let same = vec![b'A'; len];
            for (s, q) in [
                (&sequence, &any_bytes),
                (&any_bytes, &runs),
                (&runs, &sequence),
                (&same, &low),
            ] {
                let expected = plain(s, q);
                reads.push((s.clone(), q.clone()));
                all_expected.extend_from_slice(&expected);
                assert_eq!(read_features_scalar(s, q), expected, "length {len}");
                assert_eq!(read_features(s, q), expected, "length {len}");
                #[cfg(target_arch = "x86_64")]
                if has_avx2() {
                    // SAFETY: the CPU supports AVX2, checked just above.
                    let row = unsafe { count_row_avx2(s, q) };
                    assert_eq!(row.quality(), quality_counts_scalar(q), "length {len}");
                    assert_eq!(row.sequence(), sequence_counts_scalar(s), "length {len}");
                }
            }
        }
        let mut pushed = Vec::new();
        let pairs = reads.iter().map(|(s, q)| (s.as_slice(), q.as_slice()));
        reads_features(&mut FeatureBuilder::default(), pairs, &mut pushed);
        assert_eq!(pushed.len(), all_expected.len());
        for (read, (got, expected)) in pushed
            .chunks_exact(N_FEATURES)
            .zip(all_expected.chunks_exact(N_FEATURES))
            .enumerate()
        {
            assert_eq!(got, expected, "read {read}");
        }
    }

    #[test]
    fn table_matches_the_formula() {
        for (q, &units) in EE_UNITS.iter().enumerate() {
            let exact = 10f64.powf(-(q as f64) / 10.0) * EE_SCALE;
            assert!(units as f64 <= exact && exact < units as f64 + 1.0, "q {q}");
        }
    }
}
