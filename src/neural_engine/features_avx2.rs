//! AVX2 versions of the two per-byte loops of feature extraction; the
//! scalar ones in `features.rs` are their definition and test oracle.

use std::arch::x86_64::*;

use super::features::{QualitySums, EE_UNITS};

const fn plane(byte: usize, table: usize) -> [u8; 16] {
    let mut out = [0u8; 16];
    let mut i = 0;
    while i < 16 {
        out[i] = (EE_UNITS[table * 16 + i] >> (8 * byte)) as u8;
        i += 1;
    }
    out
}

// EE_UNITS[q] < 2^21 is split into three byte planes, each looked up with
// 16-entry shuffles on the low nibble of q, selected by its high nibble.
// Plane 2 is non-zero only for q < 16, plane 1 only for q < 48, and every
// plane is zero for q >= 64.
const PLANE_0: [[u8; 16]; 4] = [plane(0, 0), plane(0, 1), plane(0, 2), plane(0, 3)];
const PLANE_1: [[u8; 16]; 3] = [plane(1, 0), plane(1, 1), plane(1, 2)];
const PLANE_2: [u8; 16] = plane(2, 0);

/// Adds the quality counters of `phred33` to `sums`.
///
/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
pub(super) unsafe fn add_quality(sums: &mut QualitySums, phred33: &[u8]) {
    let table = |bytes: &[u8; 16]| {
        // SAFETY: `bytes` is 16 readable bytes; loadu has no alignment requirement.
        _mm256_broadcastsi128_si256(unsafe { _mm_loadu_si128(bytes.as_ptr().cast()) })
    };
    let plane_0 = PLANE_0.each_ref().map(table);
    let plane_1 = PLANE_1.each_ref().map(table);
    let plane_2 = table(&PLANE_2);
    let zero = _mm256_setzero_si256();
    let one = _mm256_set1_epi8(1);
    let low_nibble = _mm256_set1_epi8(0x0F);
    let (offset, top) = (_mm256_set1_epi8(33), _mm256_set1_epi8(126));
    let (twenty, thirty) = (_mm256_set1_epi8(20), _mm256_set1_epi8(30));
    let mut acc = [zero; 6]; // EE planes 0, 1, 2; q; q < 20; q < 30
    let mut add_block = |bytes: __m256i, keep: __m256i| {
        // Bytes compare unsigned in min/max; q is then 0..=93, so signed
        // compares are exact.
        let q = _mm256_sub_epi8(_mm256_min_epu8(_mm256_max_epu8(bytes, offset), top), offset);
        let low = _mm256_and_si256(q, low_nibble);
        let high = _mm256_and_si256(_mm256_srli_epi16::<4>(q), low_nibble);
        let select = [0, 1, 2, 3]
            .map(|t| _mm256_and_si256(keep, _mm256_cmpeq_epi8(high, _mm256_set1_epi8(t))));
        let mut p0 = zero;
        for (table, mask) in plane_0.iter().zip(&select) {
            p0 = _mm256_or_si256(
                p0,
                _mm256_and_si256(*mask, _mm256_shuffle_epi8(*table, low)),
            );
        }
        let mut p1 = zero;
        for (table, mask) in plane_1.iter().zip(&select) {
            p1 = _mm256_or_si256(
                p1,
                _mm256_and_si256(*mask, _mm256_shuffle_epi8(*table, low)),
            );
        }
        let p2 = _mm256_and_si256(select[0], _mm256_shuffle_epi8(plane_2, low));
        let keep_one = _mm256_and_si256(keep, one);
        let below_20 = _mm256_and_si256(_mm256_cmpgt_epi8(twenty, q), keep_one);
        let below_30 = _mm256_and_si256(_mm256_cmpgt_epi8(thirty, q), keep_one);
        let q = _mm256_and_si256(q, keep);
        for (sum, v) in acc.iter_mut().zip([p0, p1, p2, q, below_20, below_30]) {
            *sum = _mm256_add_epi64(*sum, _mm256_sad_epu8(v, zero));
        }
    };
    let all = _mm256_set1_epi8(-1);
    let mut blocks = phred33.chunks_exact(32);
    for block in &mut blocks {
        // SAFETY: `block` is 32 readable bytes.
        add_block(unsafe { _mm256_loadu_si256(block.as_ptr().cast()) }, all);
    }
    let tail = blocks.remainder();
    let scalar_tail = if tail.is_empty() || phred33.len() < 32 {
        tail
    } else {
        // The last 32 bytes, counting only the `tail.len()` not yet counted.
        // SAFETY: phred33.len() >= 32; `last_bytes_mask` reads inside TAIL_MASK.
        let (last, keep) = unsafe {
            (
                _mm256_loadu_si256(phred33.as_ptr().add(phred33.len() - 32).cast()),
                last_bytes_mask(tail.len()),
            )
        };
        add_block(last, keep);
        &[]
    };
    let total = |v: __m256i| {
        let mut lanes = [0u64; 4];
        // SAFETY: `lanes` is 32 writable bytes.
        unsafe { _mm256_storeu_si256(lanes.as_mut_ptr().cast(), v) };
        lanes.iter().sum::<u64>()
    };
    sums.ee_units += total(acc[0]) + (total(acc[1]) << 8) + (total(acc[2]) << 16);
    sums.quality += total(acc[3]);
    sums.below_20 += total(acc[4]);
    sums.below_30 += total(acc[5]);
    sums.add_scalar(scalar_tail);
}

/// 32 zero bytes then 32 0xFF bytes: 32 bytes from offset `k` keep the last `k`.
static TAIL_MASK: [u8; 64] = {
    let mut mask = [0u8; 64];
    let mut i = 32;
    while i < 64 {
        mask[i] = 0xFF;
        i += 1;
    }
    mask
};

/// A mask keeping the last `count` (< 32) bytes of a 32-byte vector.
///
/// # Safety
/// `count` <= 32; the CPU must support AVX2.
#[target_feature(enable = "avx2")]
unsafe fn last_bytes_mask(count: usize) -> __m256i {
    // SAFETY: count <= 32, so TAIL_MASK[count..count + 32] is in bounds.
    unsafe { _mm256_loadu_si256(TAIL_MASK.as_ptr().add(count).cast()) }
}

/// Σ q over Phred+33 bytes, clamped to `!`..=`~`.
///
/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
pub(super) unsafe fn quality_sum(phred33: &[u8]) -> u64 {
    let (offset, top) = (_mm256_set1_epi8(33), _mm256_set1_epi8(126));
    let mut acc = _mm256_setzero_si256();
    let mut blocks = phred33.chunks_exact(32);
    for block in &mut blocks {
        // SAFETY: `block` is 32 readable bytes.
        let bytes = unsafe { _mm256_loadu_si256(block.as_ptr().cast()) };
        let q = _mm256_sub_epi8(_mm256_min_epu8(_mm256_max_epu8(bytes, offset), top), offset);
        acc = _mm256_add_epi64(acc, _mm256_sad_epu8(q, _mm256_setzero_si256()));
    }
    let tail = blocks.remainder();
    let mut scalar_tail = tail;
    if !tail.is_empty() && phred33.len() >= 32 {
        // SAFETY: phred33.len() >= 32 and tail.len() < 32.
        let (last, keep) = unsafe {
            (
                _mm256_loadu_si256(phred33.as_ptr().add(phred33.len() - 32).cast()),
                last_bytes_mask(tail.len()),
            )
        };
        let q = _mm256_sub_epi8(_mm256_min_epu8(_mm256_max_epu8(last, offset), top), offset);
        acc = _mm256_add_epi64(
            acc,
            _mm256_sad_epu8(_mm256_and_si256(q, keep), _mm256_setzero_si256()),
        );
        scalar_tail = &[];
    }
    let mut lanes = [0u64; 4];
    // SAFETY: `lanes` is 32 writable bytes.
    unsafe { _mm256_storeu_si256(lanes.as_mut_ptr().cast(), acc) };
    lanes.iter().sum::<u64>() + super::features::quality_sum_scalar(scalar_tail)
}

/// Positions `i` where `seq[i..i + 4]` are four identical bytes.
///
/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
pub(super) unsafe fn homopolymer_starts(seq: &[u8]) -> u64 {
    let Some(windows) = seq.len().checked_sub(3) else {
        return 0;
    };
    let mut count = 0u64;
    let mut start = 0;
    while start + 32 <= windows {
        // SAFETY: start + 32 + 3 <= seq.len(), so all four 32-byte loads are in bounds.
        let [a, b, c, d] = [0, 1, 2, 3]
            .map(|shift| unsafe { _mm256_loadu_si256(seq.as_ptr().add(start + shift).cast()) });
        let equal = _mm256_and_si256(
            _mm256_cmpeq_epi8(a, b),
            _mm256_and_si256(_mm256_cmpeq_epi8(b, c), _mm256_cmpeq_epi8(c, d)),
        );
        count += u64::from((_mm256_movemask_epi8(equal) as u32).count_ones());
        start += 32;
    }
    if start == windows {
        return count;
    }
    if windows < 32 {
        return count + super::features::homopolymer_starts_scalar(seq);
    }
    // The last 32 windows, dropping the (32 - remaining) already counted.
    let last = windows - 32;
    // SAFETY: last + 32 + 3 == seq.len(), so all four loads are in bounds.
    let [a, b, c, d] = [0, 1, 2, 3]
        .map(|shift| unsafe { _mm256_loadu_si256(seq.as_ptr().add(last + shift).cast()) });
    let equal = _mm256_and_si256(
        _mm256_cmpeq_epi8(a, b),
        _mm256_and_si256(_mm256_cmpeq_epi8(b, c), _mm256_cmpeq_epi8(c, d)),
    );
    let counted = start - last;
    count + u64::from(((_mm256_movemask_epi8(equal) as u32) >> counted).count_ones())
}
