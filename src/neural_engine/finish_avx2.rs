//! The batch-wide finish of feature extraction: counters of four reads at
//! a time, transposed so that each AVX2 vector holds one counter of four
//! reads, become features by four-lane `f64` conversions and divisions
//! (the same IEEE operations as `features_from`, so bit-identical), then
//! are transposed back into rows.

use std::arch::x86_64::*;

use super::features::{CountRow, N_FEATURES};

/// Counts at or above this may not convert exactly through the 2⁵² trick;
/// rows with a length this large (never seen in practice) are finished one
/// at a time instead.
const MAX_VECTOR_LEN: u64 = 1 << 32;

/// Appends the features of `rows` to `out`, in order.
#[target_feature(enable = "avx2")]
pub(super) fn finish_rows(rows: &[CountRow], out: &mut Vec<f32>) {
    let (groups, rest) = rows.as_chunks::<4>();
    for group in groups {
        let long = group.iter().any(|row| {
            row.0[CountRow::SEQUENCE_LEN].max(row.0[CountRow::QUALITY_LEN]) >= MAX_VECTOR_LEN
        });
        if long {
            for row in group {
                out.extend_from_slice(&row.features());
            }
        } else {
            finish_four(group, out);
        }
    }
    for row in rest {
        out.extend_from_slice(&row.features());
    }
}

/// Quad `quad` of four rows, transposed: counter `4·quad + i` of the four
/// reads in vector `i`.
#[inline]
#[target_feature(enable = "avx2")]
fn transposed(rows: &[CountRow; 4], quad: usize) -> [__m256i; 4] {
    let load = |row: &CountRow| {
        let counters = &row.0[4 * quad..4 * quad + 4];
        // SAFETY: `counters` is 4 readable u64 (32 bytes); loadu has no
        // alignment requirement.
        unsafe { _mm256_loadu_si256(counters.as_ptr().cast()) }
    };
    let [a, b, c, d] = rows.each_ref().map(load);
    let (ab_even, ab_odd) = (_mm256_unpacklo_epi64(a, b), _mm256_unpackhi_epi64(a, b));
    let (cd_even, cd_odd) = (_mm256_unpacklo_epi64(c, d), _mm256_unpackhi_epi64(c, d));
    [
        _mm256_permute2x128_si256::<0x20>(ab_even, cd_even),
        _mm256_permute2x128_si256::<0x20>(ab_odd, cd_odd),
        _mm256_permute2x128_si256::<0x31>(ab_even, cd_even),
        _mm256_permute2x128_si256::<0x31>(ab_odd, cd_odd),
    ]
}

/// Exact `u64 → f64` for values below 2⁵²: the value as the mantissa of
/// 2⁵², minus 2⁵².
#[inline]
#[target_feature(enable = "avx2")]
fn to_f64(v: __m256i) -> __m256d {
    let magic = _mm256_set1_epi64x(0x4330_0000_0000_0000);
    _mm256_sub_pd(
        _mm256_castsi256_pd(_mm256_or_si256(v, magic)),
        _mm256_castsi256_pd(magic),
    )
}

/// `numerator / max(denominator, 1)`, rounded to `f32`.
#[inline]
#[target_feature(enable = "avx2")]
fn ratio(numerator: __m256d, denominator: __m256i) -> __m128 {
    let denominator = _mm256_max_pd(to_f64(denominator), _mm256_set1_pd(1.0));
    _mm256_cvtpd_ps(_mm256_div_pd(numerator, denominator))
}

/// Rows of four reads from columns `[w, x, y, z]` (one feature of the four
/// reads each): row `i` holds `[w[i], x[i], y[i], z[i]]`.
#[inline]
#[target_feature(enable = "avx2")]
fn transpose_ps([w, x, y, z]: [__m128; 4]) -> [__m128; 4] {
    let (wx_low, yz_low) = (_mm_unpacklo_ps(w, x), _mm_unpacklo_ps(y, z));
    let (wx_high, yz_high) = (_mm_unpackhi_ps(w, x), _mm_unpackhi_ps(y, z));
    [
        _mm_movelh_ps(wx_low, yz_low),
        _mm_movehl_ps(yz_low, wx_low),
        _mm_movelh_ps(wx_high, yz_high),
        _mm_movehl_ps(yz_high, wx_high),
    ]
}

/// Appends the features of four reads whose lengths are below
/// [`MAX_VECTOR_LEN`].
#[inline]
#[target_feature(enable = "avx2")]
fn finish_four(rows: &[CountRow; 4], out: &mut Vec<f32>) {
    let [ee_0, ee_1, quality_sum, below_20] = transposed(rows, 0);
    let [below_30, to_1, to_2, to_3] = transposed(rows, 1);
    let [min_quality, sequence_len, quality_len, _] = transposed(rows, 2);
    let [gc, at, n_count, homopolymer] = transposed(rows, 3);
    let acgt = _mm256_add_epi64(gc, at);
    let ee_units = _mm256_add_epi64(ee_0, _mm256_slli_epi64::<8>(ee_1));
    // Units are multiples of 2⁻¹⁵: scaling by a power of two is exact.
    let expected_errors =
        _mm256_mul_pd(to_f64(ee_units), _mm256_set1_pd(1.0 / (1u64 << 15) as f64));
    // Bin k of a read of n qualities covers [k·n/4, (k+1)·n/4).
    let bound_1 = _mm256_srli_epi64::<2>(quality_len);
    let bound_2 = _mm256_srli_epi64::<1>(quality_len);
    let bound_3 = _mm256_srli_epi64::<2>(_mm256_add_epi64(
        quality_len,
        _mm256_slli_epi64::<1>(quality_len),
    ));
    let sub = _mm256_sub_epi64;
    let columns = [
        _mm256_cvtpd_ps(to_f64(sequence_len)),
        _mm256_cvtpd_ps(expected_errors),
        ratio(expected_errors, quality_len),
        ratio(to_f64(quality_sum), quality_len),
        _mm256_cvtpd_ps(to_f64(min_quality)),
        ratio(to_f64(below_20), quality_len),
        ratio(to_f64(below_30), quality_len),
        ratio(to_f64(to_1), bound_1),
        ratio(to_f64(sub(to_2, to_1)), sub(bound_2, bound_1)),
        ratio(to_f64(sub(to_3, to_2)), sub(bound_3, bound_2)),
        ratio(to_f64(sub(quality_sum, to_3)), sub(quality_len, bound_3)),
        ratio(to_f64(gc), acgt),
        ratio(to_f64(n_count), sequence_len),
        ratio(to_f64(homopolymer), sequence_len),
        _mm_setzero_ps(),
        _mm_setzero_ps(),
    ];
    let (quads, _) = columns.as_chunks::<4>();
    let [q0, q1, q2, q3] = [0, 1, 2, 3].map(|k| transpose_ps(quads[k]));
    // Each read's 14 features are written as 16 floats, the last two of
    // which the next read overwrites (or lie past the new length).
    out.reserve(4 * N_FEATURES + 2);
    let spare = out.spare_capacity_mut();
    for read in 0..4 {
        let at = read * N_FEATURES;
        for (quad, row) in [q0, q1, q2, q3].iter().enumerate() {
            if let Some(slot) = spare.get_mut(at + 4 * quad..at + 4 * quad + 4) {
                // SAFETY: `slot` is 4 writable floats; storeu has no
                // alignment requirement.
                unsafe { _mm_storeu_ps(slot.as_mut_ptr().cast(), row[read]) };
            }
        }
    }
    // SAFETY: the 4·N_FEATURES floats after the old length were written
    // above (reserve made room for them and 2 more).
    unsafe { out.set_len(out.len() + 4 * N_FEATURES) };
}
