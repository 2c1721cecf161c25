//! Striped Smith-Waterman-Gotoh (Farrar 2007), written once over a small
//! vector trait and instantiated for 8-bit and 16-bit lanes of SSSE3,
//! AVX2 and NEON.
//!
//! The query is split into `segments = ⌈len / lanes⌉` rows per lane: lane
//! `l` of segment `k` holds query row `l × segments + k`, so the vertical
//! dependency between consecutive rows only crosses lanes once per column
//! (fixed by the "lazy F" loop). 8-bit lanes hold scores biased to be
//! unsigned and saturate; a score that reaches the top of the range makes
//! the caller rescore with 16-bit lanes, and then, if needed, with the
//! 32-bit scalar reference.

use super::{Kernels, Level};
use crate::align::{align_scalar, Alignment, Scoring};

/// The operations the striped algorithm needs from one vector of lanes.
/// Every value it handles is non-negative: subtractions floor at zero.
///
/// Implementations are `unsafe` to call: the caller guarantees the CPU has
/// the instruction set of the type (see [`Kernels`]).
pub(super) trait Lanes: Copy {
    /// Lanes per vector.
    const LANES: usize;
    /// The largest score a lane holds without saturating.
    const LIMIT: i32;
    /// A vector with every lane `value` (`0 ≤ value ≤ LIMIT`).
    unsafe fn splat(value: i32) -> Self;
    /// `diagonal + profile`, where `profile` holds scores plus `bias`
    /// (8-bit lanes) or signed scores (16-bit lanes); floored at zero.
    unsafe fn add_score(diagonal: Self, profile: Self, bias: Self) -> Self;
    /// `max(a - b, 0)`, saturating.
    unsafe fn sub_floor(a: Self, b: Self) -> Self;
    /// Lane-wise maximum.
    unsafe fn max(a: Self, b: Self) -> Self;
    /// Whether any lane of `a` is greater than the same lane of `b`.
    unsafe fn any_gt(a: Self, b: Self) -> bool;
    /// Moves lane `l` to lane `l + 1`; lane 0 becomes zero.
    unsafe fn shift_up(a: Self) -> Self;
    /// Lane `lane` as an `i32`.
    fn lane(self, lane: usize) -> i32;
    /// One lane's value in memory (`u8` or `i16`).
    type Element: Copy;
    /// `value` as an element (`value` fits).
    fn element(value: i32) -> Self::Element;
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
    // Profile, two H columns, E and the best column in the thread's
    // reused workspace: no allocation per pair.
    let vectors = (alphabet + 4) * segments;
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
    rest.fill(zero);
    let (mut h_store, rest) = rest.split_at_mut(segments);
    let (mut h_load, rest) = rest.split_at_mut(segments);
    let (e_store, best_column) = rest.split_at_mut(segments);

    // The profile in striped order (segment k, lane l holds query row
    // l × segments + k); padding rows score 0: they cannot beat a real row.
    let stride = segments * lanes;
    // SAFETY: `profile` is `alphabet × segments` vectors of `lanes`
    // elements each, and every bit pattern is a valid element.
    let elements: &mut [V::Element] =
        unsafe { std::slice::from_raw_parts_mut(profile.as_mut_ptr().cast(), alphabet * stride) };
    elements.fill(V::element(bias));
    let matrix = scoring.matrix();
    for (row, &residue) in query.iter().enumerate() {
        let slot = (row % segments) * lanes + row / segments;
        let scores = &matrix[usize::from(scoring.code(residue)) * alphabet..][..alphabet];
        for (code, &score) in scores.iter().enumerate() {
            elements[code * stride + slot] = V::element(i32::from(score) + bias);
        }
    }

    let v_bias = V::splat(bias);
    let v_open_extend = V::splat(scoring.gap_open_extend());
    let v_extend = V::splat(i32::from(scoring.gap_extend()));
    let mut best = 0;
    let mut best_target_end = 0;
    let mut v_best = zero;
    for (j, &residue) in target.iter().enumerate() {
        let code = usize::from(scoring.code(residue));
        let column_profile = &profile[code * segments..(code + 1) * segments];
        let mut v_f = zero;
        let mut v_max = zero;
        let mut v_h = V::shift_up(h_store[segments - 1]);
        std::mem::swap(&mut h_store, &mut h_load);
        let cells = h_store
            .iter_mut()
            .zip(h_load.iter())
            .zip(e_store.iter_mut());
        for (((h_out, &h_in), e), &score) in cells.zip(column_profile) {
            v_h = V::add_score(v_h, score, v_bias);
            let v_e = *e;
            v_h = V::max(V::max(v_h, v_e), v_f);
            v_max = V::max(v_max, v_h);
            *h_out = v_h;
            let v_h_open = V::sub_floor(v_h, v_open_extend);
            *e = V::max(V::sub_floor(v_e, v_extend), v_h_open);
            v_f = V::max(V::sub_floor(v_f, v_extend), v_h_open);
            v_h = h_in;
        }
        // Lazy F: carry F across lane boundaries until it stops mattering.
        v_f = V::shift_up(v_f);
        'lazy: for _ in 0..lanes {
            for (h, e) in h_store.iter_mut().zip(e_store.iter_mut()) {
                let h_old = *h;
                let h_new = V::max(h_old, v_f);
                *h = h_new;
                v_max = V::max(v_max, h_new);
                *e = V::max(*e, V::sub_floor(h_new, v_open_extend));
                v_f = V::sub_floor(v_f, v_extend);
                // Row k+1 already has max(F, H_old(k) - open - extend) from
                // the main loop: stop once the carried F is no better.
                if !V::any_gt(v_f, V::sub_floor(h_old, v_open_extend)) {
                    break 'lazy;
                }
            }
            v_f = V::shift_up(v_f);
        }
        if V::any_gt(v_max, v_best) {
            best = (0..lanes).map(|lane| v_max.lane(lane)).max().unwrap_or(0);
            if best >= V::LIMIT - bias {
                WORKSPACE.with(|cell| cell.set(cached));
                return None;
            }
            v_best = V::splat(best);
            best_target_end = j + 1;
            best_column.copy_from_slice(h_store);
        }
    }
    let query_end = (0..query.len())
        .find(|&row| best > 0 && best_column[row % segments].lane(row / segments) == best)
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
