//! Striped Smith-Waterman-Gotoh (Farrar 2007), written once over a small
//! vector trait and instantiated for 8-bit and 16-bit lanes of SSSE3,
//! AVX2 and NEON.
//!
//! The query is split into `segments = ⌈len / lanes⌉` rows per lane: lane
//! `l` of segment `k` holds query row `l × segments + k`, so the vertical
//! dependency between consecutive rows crosses lanes only once per column.
//! 8-bit lanes hold scores biased to be unsigned and saturate; a score that
//! reaches the top of the range makes the caller rescore with 16-bit lanes,
//! and then, if needed, with the 32-bit scalar reference.
//!
//! # The vertical gap in constant time per column
//!
//! Farrar's "lazy F" loop carries the vertical gap across lane boundaries
//! one lane per pass until it stops mattering, which below a high-scoring
//! cell means several passes per column. Here a column costs one pass and a
//! fixed number of steps instead. The pass computes every cell with the
//! vertical gap `F` started afresh at the top of each lane (the *partial*
//! values `Hp`, `Fp`). The true gap entering segment `k` of lane `l` is
//! `max(Fp(l, k), in(l) − k·extend)`, where `in(l)` is the gap entering the
//! lane's first row from the lane above, because every later step of a
//! vertical gap costs `extend`, and a gap re-opened from a cell that the
//! incoming gap raised is never better than continuing it (`open ≥ 0`).
//! Chaining lanes, `in(l) = max(out(l − 1), in(l − 1) − S·extend)` with
//! `out(l)` the partial gap leaving lane `l`'s last row (`S` segments), a
//! max-plus prefix scan over the lanes: `in(l) = max over m < l of out(m) −
//! (l − 1 − m)·S·extend`, computed in `log2(lanes)` shift-subtract-max steps
//! ([`Lanes::carry`]). Then `H(l, k) = max(Hp(l, k), in(l) − k·extend)` and
//! the gap opened from it; those corrections are applied while the next
//! column reads `H` and `E`, so the column costs a single pass over memory.
//! The column's best cell is `max(max Hp, in)` (the incoming gap is largest
//! at `k = 0`).
//!
//! Values below zero (16-bit lanes) or floored at zero (8-bit lanes) both
//! mean "no alignment"; every value that reaches `H` passes through a
//! maximum with a non-negative score, so the two agree.

use super::{Kernels, Level};
use crate::align::{align_scalar, Alignment, Scoring};

/// The operations the striped algorithm needs from one vector of lanes.
///
/// Implementations are `unsafe` to call: the caller guarantees the CPU has
/// the instruction set of the type (see [`Kernels`]).
pub(super) trait Lanes: Copy {
    /// Lanes per vector.
    const LANES: usize;
    /// The largest score a lane holds without saturating.
    const LIMIT: i32;
    /// The constants of [`Lanes::carry`] for one pair.
    type CarryConstants: Copy;
    /// A vector with every lane `value` (`0 ≤ value ≤ LIMIT`).
    unsafe fn splat(value: i32) -> Self;
    /// `diagonal + profile`, where `profile` holds scores plus `bias`
    /// (8-bit lanes) or signed scores (16-bit lanes); floored at zero.
    unsafe fn add_score(diagonal: Self, profile: Self, bias: Self) -> Self;
    /// `a - b`, saturating: at zero for 8-bit lanes, at the type's minimum
    /// for 16-bit lanes (both mean "nothing", see the module notes).
    unsafe fn sub(a: Self, b: Self) -> Self;
    /// Lane-wise maximum.
    unsafe fn max(a: Self, b: Self) -> Self;
    /// Whether any lane of `a` is greater than the same lane of `b`.
    unsafe fn any_gt(a: Self, b: Self) -> bool;
    /// Moves lane `l` to lane `l + 1`; lane 0 becomes zero.
    unsafe fn shift_up(a: Self) -> Self;
    /// The constants of [`Lanes::carry`] for a decay of `step` per lane
    /// (`step ≥ 0`; multiples past [`Lanes::LIMIT`] saturate).
    unsafe fn carry_constants(step: i32) -> Self::CarryConstants;
    /// The max-plus exclusive prefix scan over lanes:
    /// `in(l) = max over m < l of out(m) − (l − 1 − m)·step`, and 0 (or
    /// less) in lane 0.
    unsafe fn carry(out: Self, constants: &Self::CarryConstants) -> Self;
    /// Lane `lane` as an `i32`.
    fn lane(self, lane: usize) -> i32;
    /// One lane's value in memory (`u8` or `i16`).
    type Element: Copy;
    /// `value` as an element (`value` fits).
    fn element(value: i32) -> Self::Element;
}

/// `k × step` for `k` in `1, 2, 4, …` and `ramp[b] = b × step`, saturated
/// at `limit`: the constants of the scan steps of [`Lanes::carry`].
pub(super) fn scan_decays<const N: usize>(step: i32, limit: i32) -> [i32; N] {
    std::array::from_fn(|b| (b as i64 * i64::from(step)).min(i64::from(limit)) as i32)
}

/// 32 bytes, aligned for any vector type of the kernels.
#[derive(Clone, Copy)]
#[repr(C, align(32))]
struct Block([u8; 32]);

thread_local! {
    /// The striped kernel's buffers, kept between pairs (taken while in use).
    static WORKSPACE: std::cell::Cell<Option<Vec<Block>>> =
        const { std::cell::Cell::new(Some(Vec::new())) };
}

/// Which kernel width a call ended up using (for tests and benches).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Width {
    Bits8,
    Bits16,
}

/// The striped alignment with lanes `V`, or `None` when a score reached
/// `V::LIMIT` (the caller retries with wider lanes).
///
/// # Safety
///
/// The CPU must support `V`'s instruction set; callers are
/// `#[target_feature]` functions reached only through [`Kernels`].
#[inline(always)]
pub(super) unsafe fn striped<V: Lanes>(
    query: &[u8],
    target: &[u8],
    scoring: &Scoring,
    width: Width,
) -> Option<Alignment> {
    let lanes = V::LANES;
    let segments = query.len().div_ceil(lanes).max(1);
    let alphabet = scoring.alphabet_size();
    let (_, min_score) = scoring.score_range();
    // 8-bit profile entries are `score + bias ≥ 0`; 16-bit ones are signed.
    let bias = match width {
        Width::Bits8 => -min_score.min(0),
        Width::Bits16 => 0,
    };
    // Profile, H, E and the best column (plus its incoming gap) in the
    // thread's reused workspace: no allocation per pair.
    let vectors = (alphabet + 3) * segments + 1;
    let mut own = Vec::new();
    let mut cached = WORKSPACE.with(|cell| cell.take());
    let blocks = match &mut cached {
        Some(blocks) => blocks,
        None => &mut own,
    };
    let need = (vectors * size_of::<V>()).div_ceil(size_of::<Block>());
    if blocks.len() < need {
        blocks.resize(need, Block([0; 32]));
    }
    // SAFETY: the blocks hold at least `vectors` values of `V` (size
    // checked above), are aligned for any vector (32 bytes) and every bit
    // pattern is a valid `V` (plain integer lanes).
    let buffer: &mut [V] =
        unsafe { std::slice::from_raw_parts_mut(blocks.as_mut_ptr().cast::<V>(), vectors) };
    let zero = V::splat(0);
    let (profile, rest) = buffer.split_at_mut(alphabet * segments);
    let (h_column, rest) = rest.split_at_mut(segments);
    let (e_column, best_column) = rest.split_at_mut(segments);
    h_column.fill(zero);
    e_column.fill(zero);

    // The profile in striped order (segment k, lane l holds query row
    // l × segments + k); padding rows score 0: they cannot beat a real row.
    let stride = segments * lanes;
    // SAFETY: `profile` is `alphabet × segments` vectors of `lanes`
    // elements each, and every bit pattern is a valid element.
    let elements: &mut [V::Element] =
        unsafe { std::slice::from_raw_parts_mut(profile.as_mut_ptr().cast(), alphabet * stride) };
    elements.fill(V::element(bias));
    let matrix = scoring.matrix();
    for (lane, rows) in query.chunks(segments).enumerate() {
        for (segment, &residue) in rows.iter().enumerate() {
            let slot = segment * lanes + lane;
            let scores = &matrix[usize::from(scoring.code(residue)) * alphabet..][..alphabet];
            for (code, &score) in scores.iter().enumerate() {
                elements[code * stride + slot] = V::element(i32::from(score) + bias);
            }
        }
    }

    let extend = i32::from(scoring.gap_extend());
    let v_bias = V::splat(bias);
    let v_open_extend = V::splat(scoring.gap_open_extend());
    let v_extend = V::splat(extend);
    let v_last_decay =
        V::splat(((segments - 1) as i64 * i64::from(extend)).min(V::LIMIT.into()) as i32);
    let carry_constants =
        V::carry_constants((segments as i64 * i64::from(extend)).min(V::LIMIT.into()) as i32);
    let mut best = 0;
    let mut best_target_end = 0;
    let mut v_best = zero;
    // The gap entering each lane's first row in the previous column.
    let mut v_in = zero;
    let last = segments - 1;
    for (j, &residue) in target.iter().enumerate() {
        let code = usize::from(scoring.code(residue));
        let column_profile = &profile[code * segments..(code + 1) * segments];
        // The previous column's incoming gap, decayed to each segment.
        let mut v_carry = v_in;
        let mut v_diagonal = V::shift_up(V::max(h_column[last], V::sub(v_in, v_last_decay)));
        let mut v_f = zero;
        let mut v_max = zero;
        for ((h, e), &score) in h_column
            .iter_mut()
            .zip(e_column.iter_mut())
            .zip(column_profile)
        {
            let v_e = V::max(*e, V::sub(v_carry, v_open_extend));
            let v_h_left = V::max(*h, v_carry);
            let v_h = V::max(V::max(V::add_score(v_diagonal, score, v_bias), v_e), v_f);
            v_max = V::max(v_max, v_h);
            *h = v_h;
            let v_h_open = V::sub(v_h, v_open_extend);
            *e = V::max(V::sub(v_e, v_extend), v_h_open);
            v_f = V::max(V::sub(v_f, v_extend), v_h_open);
            v_carry = V::sub(v_carry, v_extend);
            v_diagonal = v_h_left;
        }
        v_in = V::carry(v_f, &carry_constants);
        let v_column_max = V::max(v_max, v_in);
        if V::any_gt(v_column_max, v_best) {
            best = (0..lanes)
                .map(|lane| v_column_max.lane(lane))
                .max()
                .unwrap_or(0);
            if best >= V::LIMIT - bias {
                WORKSPACE.with(|cell| cell.set(cached));
                return None;
            }
            v_best = V::splat(best);
            best_target_end = j + 1;
            best_column[..segments].copy_from_slice(h_column);
            best_column[segments] = v_in;
        }
    }
    let v_best_in = best_column[segments];
    let query_end = (0..query.len())
        .find(|&row| {
            let (lane, segment) = (row / segments, row % segments);
            let carried = v_best_in.lane(lane) - segment as i32 * extend;
            best > 0 && best_column[segment].lane(lane).max(carried) == best
        })
        .map_or(0, |row| row + 1);
    WORKSPACE.with(|cell| cell.set(cached));
    if best == 0 {
        return Some(Alignment::default());
    }
    Some(Alignment {
        score: best,
        query_end,
        target_end: best_target_end,
    })
}

/// 8-bit lanes, then 16-bit lanes, then the scalar reference.
#[inline(always)]
pub(super) unsafe fn widening<V8: Lanes, V16: Lanes>(
    query: &[u8],
    target: &[u8],
    scoring: &Scoring,
) -> (Alignment, Width) {
    if let Some(hit) = striped::<V8>(query, target, scoring, Width::Bits8) {
        return (hit, Width::Bits8);
    }
    match striped::<V16>(query, target, scoring, Width::Bits16) {
        Some(hit) => (hit, Width::Bits16),
        None => (align_scalar(query, target, scoring), Width::Bits16),
    }
}

impl Kernels {
    /// See [`crate::align::align`]; with this level's kernels.
    pub fn smith_waterman(&self, query: &[u8], target: &[u8], scoring: &Scoring) -> Alignment {
        self.smith_waterman_width(query, target, scoring).0
    }

    /// The alignment and the narrowest lane width that held its scores
    /// (`Bits16` for the scalar level).
    pub(super) fn smith_waterman_width(
        &self,
        query: &[u8],
        target: &[u8],
        scoring: &Scoring,
    ) -> (Alignment, Width) {
        if query.is_empty() || target.is_empty() {
            return (Alignment::default(), Width::Bits8);
        }
        match self.level {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `kernels` hands out AVX2 kernels only on CPUs with AVX2.
            Level::Avx2 => unsafe { super::align_x86::avx2(query, target, scoring) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `kernels` hands out SSSE3 kernels only on CPUs with SSSE3.
            Level::Ssse3 => unsafe { super::align_x86::ssse3(query, target, scoring) },
            #[cfg(target_arch = "aarch64")]
            // SAFETY: NEON is part of every aarch64 CPU.
            Level::Neon => unsafe { super::align_neon::neon(query, target, scoring) },
            _ => (align_scalar(query, target, scoring), Width::Bits16),
        }
    }
}

/// [`crate::align::align`] with the best level of this CPU.
pub(crate) fn align_local(query: &[u8], target: &[u8], scoring: &Scoring) -> Alignment {
    super::active().smith_waterman(query, target, scoring)
}
