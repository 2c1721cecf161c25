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
/// | 1 | `expected_errors` | Σ 10^(−q/10), each term rounded to a multiple of 2⁻²⁰ |
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
const EE_SCALE: f64 = (1u64 << 20) as f64;

/// `floor(10^(-q/10) * 2^20 + 0.5)` for q = 0..=93 (as `training/features.py`).
pub(super) const EE_UNITS: [u64; PHRED_MAX as usize + 1] = [
    1048576, 832914, 661607, 525533, 417446, 331589, 263390, 209218, //
    166188, 132008, 104858, 83291, 66161, 52553, 41745, 33159, //
    26339, 20922, 16619, 13201, 10486, 8329, 6616, 5255, //
    4174, 3316, 2634, 2092, 1662, 1320, 1049, 833, //
    662, 526, 417, 332, 263, 209, 166, 132, //
    105, 83, 66, 53, 42, 33, 26, 21, //
    17, 13, 10, 8, 7, 5, 4, 3, //
    3, 2, 2, 1, 1, 1, 1, 1, //
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

/// Quality counters of a stretch of a read.
#[derive(Default, Clone, Copy)]
pub(super) struct QualitySums {
    pub(super) ee_units: u64,
    pub(super) below_20: u64,
    pub(super) below_30: u64,
    pub(super) quality: u64,
}

impl QualitySums {
    fn add(&mut self, phred33: &[u8], avx2: bool) {
        #[cfg(target_arch = "x86_64")]
        if avx2 {
            // SAFETY: `avx2` is true only when the CPU supports AVX2 (see `read_features`).
            return unsafe { super::features_avx2::add_quality(self, phred33) };
        }
        let _ = avx2;
        self.add_scalar(phred33);
    }

    pub(super) fn add_scalar(&mut self, phred33: &[u8]) {
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
            self.unpack(even);
            self.unpack(odd);
        }
    }

    fn unpack(&mut self, packed: u64) {
        self.ee_units += packed & ((1 << BELOW_20_SHIFT) - 1);
        self.below_20 += (packed >> BELOW_20_SHIFT) & 0xFF;
        self.below_30 += (packed >> BELOW_30_SHIFT) & 0xFF;
        self.quality += packed >> QUALITY_SHIFT;
    }
}

/// Σ q over Phred+33 bytes (clamped as everywhere here).
fn quality_sum(phred33: &[u8], avx2: bool) -> u64 {
    #[cfg(target_arch = "x86_64")]
    if avx2 {
        // SAFETY: `avx2` is true only when the CPU supports AVX2 (see `read_features`).
        return unsafe { super::features_avx2::quality_sum(phred33) };
    }
    let _ = avx2;
    quality_sum_scalar(phred33)
}

pub(super) fn quality_sum_scalar(phred33: &[u8]) -> u64 {
    phred33
        .iter()
        .map(|&byte| {
            u64::from(
                byte.clamp(simd::PHRED33_OFFSET, simd::MAX_QUALITY_ASCII) - simd::PHRED33_OFFSET,
            )
        })
        .sum()
}

/// Positions `i` where `seq[i..i + 4]` are four identical bytes.
fn homopolymer_starts(seq: &[u8], avx2: bool) -> u64 {
    #[cfg(target_arch = "x86_64")]
    if avx2 {
        // SAFETY: `avx2` is true only when the CPU supports AVX2 (see `read_features`).
        return unsafe { super::features_avx2::homopolymer_starts(seq) };
    }
    let _ = avx2;
    homopolymer_starts_scalar(seq)
}

pub(super) fn homopolymer_starts_scalar(seq: &[u8]) -> u64 {
    let Some(windows) = seq.len().checked_sub(3) else {
        return 0;
    };
    let shifted = |by: usize| seq[by..by + windows].chunks(CHUNK);
    // u8 counters per chunk keep the loop vectorisable.
    shifted(0)
        .zip(shifted(1))
        .zip(shifted(2))
        .zip(shifted(3))
        .map(|(((a, b), c), d)| {
            let count = a
                .iter()
                .zip(b)
                .zip(c)
                .zip(d)
                .map(|(((w, x), y), z)| u8::from((w == x) & (x == y) & (y == z)))
                .fold(0u8, u8::wrapping_add);
            u64::from(count)
        })
        .sum()
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
    read_features_with(sequence, quality, has_avx2())
}

fn has_avx2() -> bool {
    #[cfg(target_arch = "x86_64")]
    return std::arch::is_x86_feature_detected!("avx2");
    #[cfg(not(target_arch = "x86_64"))]
    false
}

/// [`read_features`] with the AVX2 loops (`avx2`, only when the CPU has
/// AVX2) or the scalar ones; both give the same result.
fn read_features_with(sequence: &[u8], quality: &[u8], avx2: bool) -> FeatureVector {
    let quality_len = quality.len();
    let mut total = QualitySums::default();
    total.add(quality, avx2);
    let mut bin_sums = [0u64; 4];
    let mut bin_lens = [0u64; 4];
    for (k, (sum, bin_len)) in bin_sums.iter_mut().zip(&mut bin_lens).enumerate() {
        let range = k * quality_len / 4..(k + 1) * quality_len / 4;
        *bin_len = range.len() as u64;
        *sum = quality_sum(&quality[range], avx2);
    }
    let min_quality = quality.iter().copied().min().map_or(0, |byte| {
        byte.clamp(simd::PHRED33_OFFSET, simd::MAX_QUALITY_ASCII) - simd::PHRED33_OFFSET
    });

    let bases = simd::count_bases(sequence);
    let n = sequence.len() as u64;
    let q_len = quality_len as u64;
    let expected_errors = total.ee_units as f64 / EE_SCALE;
    // Eleven ratios divided side by side (vectorisable); a zero denominator
    // comes only with a zero numerator, so dividing by 1 instead gives 0.
    let numerators = [
        expected_errors,
        total.quality as f64,
        total.below_20 as f64,
        total.below_30 as f64,
        bin_sums[0] as f64,
        bin_sums[1] as f64,
        bin_sums[2] as f64,
        bin_sums[3] as f64,
        (bases.g + bases.c) as f64,
        bases.n as f64,
        homopolymer_starts(sequence, avx2) as f64,
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
        bases.a + bases.c + bases.g + bases.t,
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
        f32::from(min_quality),
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
    out.reserve(batch.len() * N_FEATURES);
    for record in batch.iter() {
        out.extend_from_slice(&read_features(record.sequence(), record.quality()));
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
    fn packed_counters_match_the_plain_definition() {
        // Lengths around the chunk size and quality bytes over all 256 values.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for len in [
            0, 1, 3, 4, 5, 31, 32, 33, 35, 36, 67, 128, 150, 254, 255, 256, 511, 1021, 4000,
        ] {
            let sequence: Vec<u8> = (0..len)
                .map(|_| b"ACGTNacgtnRR"[(next() % 12) as usize])
                .collect();
            let quality: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            let low = vec![b'!'; len];
            let runs = vec![b'A'; len];
            for avx2 in [false, has_avx2()] {
                let features = read_features_with(&sequence, &quality, avx2);
                assert_eq!(
                    features,
                    plain(&sequence, &quality),
                    "length {len}, AVX2 {avx2}"
                );
                let features = read_features_with(&runs, &low, avx2);
                assert_eq!(features, plain(&runs, &low), "length {len}, AVX2 {avx2}");
            }
        }
    }

    #[test]
    fn table_matches_the_formula() {
        for (q, &units) in EE_UNITS.iter().enumerate() {
            let exact = 10f64.powf(-(q as f64) / 10.0) * EE_SCALE;
            assert!((units as f64 - exact).abs() <= 0.5, "q {q}");
        }
    }
}
