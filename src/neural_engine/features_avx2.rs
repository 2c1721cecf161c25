//! AVX2 feature extraction: one sweep over a read's quality bytes and one
//! over its bases. The scalar code in `features.rs` is the definition and
//! the test oracle.
//!
//! Quality sweep, per 32-byte block: clamp to Phred 0..=93; expected-error
//! units from 16-entry byte-plane shuffles; Σ q (and, in the blocks holding
//! a position-bin bound, the prefix sum up to it, so the four bin sums are
//! differences); q < 20 and q < 30 as byte counters; the minimum.
//! Sequence sweep: case-folded compares into byte counters for G+C,
//! A+T and N, and the four-identical-bytes windows. Byte counters are
//! flushed into 64-bit sums (`psadbw`) before they can overflow. The last,
//! partial block of a read is the read's last 32 bytes with the bytes
//! already counted masked off, so nothing falls back to scalar code unless
//! the read is shorter than one block.

use std::arch::x86_64::*;

use super::features::{quality_counts_scalar, sequence_counts_scalar, CountRow, EE_UNITS};

/// Bytes per block.
const WIDTH: usize = 32;
/// Bytes per homopolymer block: 32 window starts and the 3 bytes after them.
const WINDOWS_WIDTH: usize = WIDTH + 3;
/// Whole blocks between flushes of the byte counters (+1 per block at
/// most, overflowing after 255), leaving room for the two partial blocks
/// at the end of a read.
const ROUND_BLOCKS: usize = 253;

/// Byte `byte` of EE_UNITS[16·tile + i] for i = 0..16.
const fn tile_bytes(byte: usize, tile: usize) -> [u8; 16] {
    let mut out = [0u8; 16];
    let mut i = 0;
    while i < 16 {
        out[i] = (EE_UNITS[tile * 16 + i] >> (8 * byte)) as u8;
        i += 1;
    }
    out
}

/// The shuffle table for tile `tile` of byte plane `byte`, chained: tile
/// t's table is looked up for every q below 16·(t + 1), so it holds tile
/// t XOR tile t + 1 and the XOR of the lookups for q in tile s telescopes
/// to tile s alone. `tiles` is how many tiles of the plane are non-zero.
const fn chained(byte: usize, tile: usize, tiles: usize) -> [u8; 16] {
    let mut out = tile_bytes(byte, tile);
    if tile + 1 < tiles {
        let next = tile_bytes(byte, tile + 1);
        let mut i = 0;
        while i < 16 {
            out[i] ^= next[i];
            i += 1;
        }
    }
    out
}

// EE_UNITS[q] < 2^16 is split into two byte planes, looked up with
// 16-entry shuffles per tile of 16 q values: plane 0 is non-zero only in
// tiles 0..=2 (every unit is zero for q >= 46), plane 1 only in tiles 0
// and 1 (units >= 256 only for q < 22).
const PLANE_0: [[u8; 16]; 3] = [chained(0, 0, 3), chained(0, 1, 3), chained(0, 2, 3)];
const PLANE_1: [[u8; 16]; 2] = [chained(1, 0, 2), chained(1, 1, 2)];

/// Whether every unit fits the tiles above: below 2^16, byte 0 zero from
/// q = 48 on, byte 1 zero from q = 32 on.
const fn planes_cover_the_table() -> bool {
    let mut q = 0;
    while q < EE_UNITS.len() {
        let units = EE_UNITS[q];
        if units >= 1 << 16 || (q >= 48 && units != 0) || (q >= 32 && units >= 256) {
            return false;
        }
        q += 1;
    }
    true
}
const _: () = assert!(planes_cover_the_table());

/// 32 zero bytes then 64 0xFF bytes: the 32 bytes from offset `32 - k`
/// keep the bytes at indices `>= k` (0 <= k <= 32).
static TAIL_MASK: [u8; 96] = {
    let mut mask = [0u8; 96];
    let mut i = 32;
    while i < 96 {
        mask[i] = 0xFF;
        i += 1;
    }
    mask
};

/// A mask keeping the bytes at indices `>= from` of a block; `from` is at
/// most 32 (a larger one gives some mask, never an out-of-bounds read).
#[inline]
#[target_feature(enable = "avx2")]
fn keep_from(from: usize) -> __m256i {
    debug_assert!(from <= WIDTH);
    let start = WIDTH.wrapping_sub(from) & 63;
    // SAFETY: start <= 63, so TAIL_MASK[start..start + 32] is in bounds.
    unsafe { _mm256_loadu_si256(TAIL_MASK.as_ptr().add(start).cast()) }
}

/// The first 32 bytes of `bytes` (which has at least 32).
#[inline]
#[target_feature(enable = "avx2")]
fn load<const N: usize>(bytes: &[u8; N], at: usize) -> __m256i {
    assert!(at + WIDTH <= N);
    // SAFETY: at + 32 <= N, asserted above (a constant check once inlined).
    unsafe { _mm256_loadu_si256(bytes.as_ptr().add(at).cast()) }
}

/// The `N` bytes of `bytes` from `start`, without a bounds check (the block
/// loops' conditions keep them in range).
///
/// # Safety
/// `start + N <= bytes.len()`.
#[inline(always)]
unsafe fn block_at<const N: usize>(bytes: &[u8], start: usize) -> &[u8; N] {
    debug_assert!(start + N <= bytes.len());
    // SAFETY: the N bytes from `start` are in bounds (the caller's contract).
    unsafe { &*bytes.as_ptr().add(start).cast::<[u8; N]>() }
}

/// The four lane totals of `a`, `b`, `c`, `d`, in that order.
#[inline]
#[target_feature(enable = "avx2")]
fn sum_lanes4(a: __m256i, b: __m256i, c: __m256i, d: __m256i) -> __m256i {
    // [a0+a1, b0+b1, a2+a3, b2+b3] and likewise for c, d.
    let ab = _mm256_add_epi64(_mm256_unpacklo_epi64(a, b), _mm256_unpackhi_epi64(a, b));
    let cd = _mm256_add_epi64(_mm256_unpacklo_epi64(c, d), _mm256_unpackhi_epi64(c, d));
    _mm256_add_epi64(
        _mm256_permute2x128_si256::<0x20>(ab, cd),
        _mm256_permute2x128_si256::<0x31>(ab, cd),
    )
}

/// Stores `v` as quad `quad` (counters `4·quad..4·quad + 4`) of `row`.
#[inline]
#[target_feature(enable = "avx2")]
fn store_quad(row: &mut CountRow, quad: usize, v: __m256i) {
    let quad = row.quad_mut(quad);
    // SAFETY: `quad` is 32 writable bytes; storeu has no alignment requirement.
    unsafe { _mm256_storeu_si256(quad.as_mut_ptr().cast(), v) };
}

/// The smallest byte of `v`.
#[inline]
#[target_feature(enable = "avx2")]
fn min_byte(v: __m256i) -> u8 {
    let m = _mm_min_epu8(_mm256_castsi256_si128(v), _mm256_extracti128_si256::<1>(v));
    let m = _mm_min_epu8(m, _mm_srli_si128::<8>(m));
    let m = _mm_min_epu8(m, _mm_srli_si128::<4>(m));
    let m = _mm_min_epu8(m, _mm_srli_si128::<2>(m));
    let m = _mm_min_epu8(m, _mm_srli_si128::<1>(m));
    _mm_cvtsi128_si32(m) as u8
}

/// What a quality sweep needs that depends only on the read length (at
/// least one block): where the whole blocks end, the last block's mask, and
/// the position-bin bounds with the masks that cut their blocks.
struct QualityPlan {
    len: usize,
    /// Bytes in whole blocks (a multiple of 32).
    whole: usize,
    /// The last 32 bytes' bytes not in a whole block, and the others.
    tail_keep: __m256i,
    tail_drop: __m256i,
    /// Bounds `k·len/4` (k = 1, 2, 3), then one never reached.
    bounds: [usize; 4],
    /// For each bound, the bytes before it in the block holding it (a
    /// whole block, or the last 32 bytes).
    before: [__m256i; 4],
}

impl QualityPlan {
    #[inline]
    #[target_feature(enable = "avx2")]
    fn new(len: usize) -> Self {
        debug_assert!(len >= WIDTH);
        let whole = len - len % WIDTH;
        let tail_keep = keep_from(whole + WIDTH - len);
        let bounds = [len / 4, 2 * len / 4, 3 * len / 4, usize::MAX];
        let all = _mm256_set1_epi8(-1);
        let [before_1, before_2, before_3] = [bounds[0], bounds[1], bounds[2]].map(|bound| {
            // The block holding the bound starts at a multiple of 32, or
            // is the last 32 bytes.
            let start = if bound < whole {
                bound - bound % WIDTH
            } else {
                len - WIDTH
            };
            _mm256_andnot_si256(keep_from(bound - start), all)
        });
        let before = [before_1, before_2, before_3, _mm256_setzero_si256()];
        QualityPlan {
            len,
            whole,
            tail_keep,
            tail_drop: _mm256_andnot_si256(tail_keep, all),
            bounds,
            before,
        }
    }

    /// This plan, made anew for `len` (at least 32) if it was for another.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn for_len(&mut self, len: usize) -> &Self {
        if self.len != len {
            *self = Self::new(len);
        }
        self
    }
}

/// What a sequence sweep needs that depends only on the read length (at
/// least one homopolymer block): where the blocks of whole windows end and
/// the masks of the last windows and the last bases.
struct SequencePlan {
    len: usize,
    /// Window starts in whole blocks (a multiple of 32).
    windows_end: usize,
    /// The window starts after them (fewer than 32), as a mask over the
    /// windows of the last 35 bytes.
    windows_left: usize,
    windows_keep: __m256i,
    /// Where the bases after the windows' blocks (up to 34) stop being
    /// whole blocks, and the last 32 bytes' bytes not counted before.
    bases_whole: usize,
    last_keep: __m256i,
}

impl SequencePlan {
    #[inline]
    #[target_feature(enable = "avx2")]
    fn new(len: usize) -> Self {
        debug_assert!(len >= WINDOWS_WIDTH);
        let windows_end = (len - 3) - (len - 3) % WIDTH;
        let windows_left = len - 3 - windows_end;
        let bases_whole = if windows_end + WIDTH <= len {
            windows_end + WIDTH
        } else {
            windows_end
        };
        SequencePlan {
            len,
            windows_end,
            windows_left,
            windows_keep: keep_from(WIDTH - windows_left),
            bases_whole,
            last_keep: keep_from((bases_whole + WIDTH).saturating_sub(len)),
        }
    }

    /// This plan, made anew for `len` (at least 35) if it was for another.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn for_len(&mut self, len: usize) -> &Self {
        if self.len != len {
            *self = Self::new(len);
        }
        self
    }
}

/// Sets each row to the counters of the read beside it (bases, qualities):
/// one function with the sweeps inlined into its loop.
#[target_feature(enable = "avx2")]
pub(super) fn count_reads(reads: &[(&[u8], &[u8])], rows: &mut [CountRow]) {
    // Reads of one length (the usual batch) share their plans.
    let mut quality_plan = QualityPlan::new(WIDTH);
    let mut sequence_plan = SequencePlan::new(WINDOWS_WIDTH);
    for (&(sequence, quality), row) in reads.iter().zip(rows) {
        quality_counts(quality, &mut quality_plan, row);
        sequence_counts(sequence, &mut sequence_plan, row);
        row.0[CountRow::SEQUENCE_LEN] = sequence.len() as u64;
        row.0[CountRow::QUALITY_LEN] = quality.len() as u64;
    }
}

/// The quality counters of a read into `row`, in one sweep.
#[inline]
#[target_feature(enable = "avx2")]
fn quality_counts(phred33: &[u8], plan: &mut QualityPlan, row: &mut CountRow) {
    let len = phred33.len();
    if len < WIDTH {
        row.set_quality(&quality_counts_scalar(phred33));
        return;
    }
    // SAFETY: the read has at least 32 bytes.
    let last = unsafe { block_at::<WIDTH>(phred33, len - WIDTH) };
    let plan = plan.for_len(len);
    let table = |bytes: &[u8; 16]| _mm256_broadcastsi128_si256(load_16(bytes));
    let plane_0 = PLANE_0.each_ref().map(table);
    let plane_1 = PLANE_1.each_ref().map(table);
    let zero = _mm256_setzero_si256();
    let all = _mm256_set1_epi8(-1);
    let (offset, top) = (_mm256_set1_epi8(33), _mm256_set1_epi8(93));
    let (twenty, thirty) = (_mm256_set1_epi8(20), _mm256_set1_epi8(30));
    // Expected-error planes 0, 1 and Σ q (64-bit lane sums); q < 20 and
    // q < 30 (byte counters, and their lane sums); the smallest q.
    let mut sums = [zero; 3];
    let mut below = [zero; 2];
    let mut below_sums = [zero; 2];
    let mut minimum = all;
    // Bin k covers positions [k·len/4, (k+1)·len/4): its sum is a
    // difference of the prefix sums Σ q[..bound] at the plan's bounds,
    // taken in the blocks holding them. Index 3 is past the last bound.
    let mut prefixes = [zero; 3];
    let mut crossed = 0;
    let mut next_bound = plan.bounds[0];
    // Adds the block of 32 bytes from `start` whose bytes on `keep` are not
    // counted yet (`drop` is the others).
    let mut add_block =
        |below: &mut [__m256i; 2], bytes: __m256i, start: usize, [keep, drop]: [__m256i; 2]| {
            // q = min(byte - 33 saturating, 93); bytes on `drop` become 0xFF
            // for the lookups and the minimum (where they count nothing) and 0
            // for the sums. q is 0..=93, so signed compares are exact.
            let q = _mm256_min_epu8(_mm256_subs_epu8(bytes, offset), top);
            let q_high = _mm256_or_si256(q, drop);
            let q_low = _mm256_and_si256(q, keep);
            minimum = _mm256_min_epu8(minimum, q_high);
            // Tile t's index, q + 0x70 - 16t saturating, has its high bit
            // clear (the shuffle looks up q mod 16) exactly for q < 16(t + 1).
            let index =
                [0x70, 0x60, 0x50].map(|bias| _mm256_adds_epu8(q_high, _mm256_set1_epi8(bias)));
            let lookup = |tables: &[__m256i]| {
                tables.iter().zip(&index).fold(zero, |acc, (table, index)| {
                    _mm256_xor_si256(acc, _mm256_shuffle_epi8(*table, *index))
                })
            };
            let planes = [lookup(&plane_0), lookup(&plane_1), q_low];
            // Prefix sums at the bounds in this block (before adding it); the
            // bounds come in order, each at or after the block's first new byte.
            while next_bound < start + WIDTH {
                // SAFETY: crossed < 3 here, as bounds[3] is usize::MAX,
                // past every block's end, so the loop stops at index 3.
                unsafe {
                    let before = _mm256_and_si256(*plan.before.get_unchecked(crossed), q_low);
                    let prefix = _mm256_add_epi64(sums[2], _mm256_sad_epu8(before, zero));
                    *prefixes.get_unchecked_mut(crossed) = prefix;
                    crossed += 1;
                    next_bound = *plan.bounds.get_unchecked(crossed);
                }
            }
            for (sum, plane) in sums.iter_mut().zip(planes) {
                *sum = _mm256_add_epi64(*sum, _mm256_sad_epu8(plane, zero));
            }
            for (count, limit) in below.iter_mut().zip([twenty, thirty]) {
                let is_below = _mm256_and_si256(_mm256_cmpgt_epi8(limit, q_low), keep);
                *count = _mm256_sub_epi8(*count, is_below);
            }
        };
    let mut flush = |below: &mut [__m256i; 2]| {
        for (sum, count) in below_sums.iter_mut().zip(below) {
            *sum = _mm256_add_epi64(*sum, _mm256_sad_epu8(*count, zero));
            *count = zero;
        }
    };
    // Whole blocks in rounds of ROUND_BLOCKS, then the last 32 bytes with
    // only the bytes not yet counted kept.
    let whole = plan.whole;
    let mut start = 0;
    let mut round_end = whole.min(ROUND_BLOCKS * WIDTH);
    loop {
        while start < round_end {
            // SAFETY: both are multiples of 32, so start + 32 <= round_end
            // <= whole <= len (the plan is for this length).
            let block = unsafe { block_at::<WIDTH>(phred33, start) };
            add_block(&mut below, load(block, 0), start, [all, zero]);
            start += WIDTH;
        }
        if start >= whole {
            break;
        }
        flush(&mut below);
        round_end = whole.min(start + ROUND_BLOCKS * WIDTH);
    }
    if whole < len {
        let masks = [plan.tail_keep, plan.tail_drop];
        add_block(&mut below, load(last, 0), len - WIDTH, masks);
    }
    flush(&mut below);
    let [prefix_1, prefix_2, prefix_3] = prefixes;
    store_quad(row, 0, sum_lanes4(sums[0], sums[1], sums[2], below_sums[0]));
    store_quad(
        row,
        1,
        sum_lanes4(below_sums[1], prefix_1, prefix_2, prefix_3),
    );
    row.0[CountRow::MIN_QUALITY] = u64::from(min_byte(minimum));
}

#[inline]
#[target_feature(enable = "avx2")]
fn load_16(bytes: &[u8; 16]) -> __m128i {
    // SAFETY: `bytes` is 16 readable bytes; loadu has no alignment requirement.
    unsafe { _mm_loadu_si128(bytes.as_ptr().cast()) }
}

/// The totals of four byte counters, in that order.
#[inline]
#[target_feature(enable = "avx2")]
fn count_totals([w, x, y, z]: [__m256i; 4]) -> __m256i {
    let zero = _mm256_setzero_si256();
    let sad = |count| _mm256_sad_epu8(count, zero);
    sum_lanes4(sad(w), sad(x), sad(y), sad(z))
}

/// The sequence counters of a read into `row`, in one sweep.
#[inline]
#[target_feature(enable = "avx2")]
fn sequence_counts(sequence: &[u8], plan: &mut SequencePlan, row: &mut CountRow) {
    let len = sequence.len();
    if len < WINDOWS_WIDTH {
        row.set_sequence(&sequence_counts_scalar(sequence));
        return;
    }
    // SAFETY: the read has at least 35 bytes.
    let (last, last_windows) = unsafe {
        (
            block_at::<WIDTH>(sequence, len - WIDTH),
            block_at::<WINDOWS_WIDTH>(sequence, len - WINDOWS_WIDTH),
        )
    };
    let plan = plan.for_len(len);
    let zero = _mm256_setzero_si256();
    let all = _mm256_set1_epi8(-1);
    let [lower_case, c_or_g] = [0x20, 0x04].map(|bit| _mm256_set1_epi8(bit));
    let [a, g, t, n] = [b'a', b'g', b't', b'n'].map(|b| _mm256_set1_epi8(b as i8));
    // G+C, A+T, N, homopolymer windows: byte counters, and their totals
    // from the rounds before.
    let mut counts = [zero; 4];
    let mut totals = zero;
    let add_bases = |counts: &mut [__m256i; 4], bytes: __m256i, keep: __m256i| {
        // Letters in lower case; c (0x63) and g (0x67) differ only in 0x04.
        let lower = _mm256_or_si256(bytes, lower_case);
        let is = |base| _mm256_cmpeq_epi8(lower, base);
        let gc = _mm256_cmpeq_epi8(_mm256_or_si256(lower, c_or_g), g);
        let at = _mm256_or_si256(is(a), is(t));
        for (count, hit) in counts.iter_mut().zip([gc, at, is(n)]) {
            *count = _mm256_sub_epi8(*count, _mm256_and_si256(hit, keep));
        }
    };
    let runs = |window: &[u8; WINDOWS_WIDTH]| {
        let [w, x, y, z] = [0, 1, 2, 3].map(|shift| load(window, shift));
        _mm256_and_si256(
            _mm256_cmpeq_epi8(w, x),
            _mm256_and_si256(_mm256_cmpeq_epi8(x, y), _mm256_cmpeq_epi8(y, z)),
        )
    };
    // Blocks with all 32 window starts inside the read, in rounds.
    let windows_end = plan.windows_end;
    let mut start = 0;
    let mut round_end = windows_end.min(ROUND_BLOCKS * WIDTH);
    loop {
        while start < round_end {
            // SAFETY: both are multiples of 32, so start + 35 <= round_end
            // + 3 <= windows_end + 3 <= len (the plan is for this length).
            let window = unsafe { block_at::<WINDOWS_WIDTH>(sequence, start) };
            add_bases(&mut counts, load(window, 0), all);
            counts[3] = _mm256_sub_epi8(counts[3], runs(window));
            start += WIDTH;
        }
        if start >= windows_end {
            break;
        }
        totals = _mm256_add_epi64(totals, count_totals(counts));
        counts = [zero; 4];
        round_end = windows_end.min(start + ROUND_BLOCKS * WIDTH);
    }
    // The last window starts (fewer than 32), from the last 35 bytes.
    if plan.windows_left > 0 {
        let hits = _mm256_and_si256(runs(last_windows), plan.windows_keep);
        counts[3] = _mm256_sub_epi8(counts[3], hits);
    }
    // The last bases (up to 34): a whole block, then the last 32 bytes.
    if plan.bases_whole > windows_end {
        if let Some(block) = sequence
            .get(windows_end..)
            .and_then(<[u8]>::first_chunk::<WIDTH>)
        {
            add_bases(&mut counts, load(block, 0), all);
        }
    }
    if plan.bases_whole < len {
        add_bases(&mut counts, load(last, 0), plan.last_keep);
    }
    store_quad(row, 3, _mm256_add_epi64(totals, count_totals(counts)));
}
