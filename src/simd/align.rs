//! Striped Smith-Waterman-Gotoh (Farrar 2007), written once over a small
//! vector trait and instantiated for 8-bit and 16-bit lanes of SSSE3,
//! AVX2 and NEON.
//!
//! The query is split into `segments = ⌈len / lanes⌉` rows per lane: lane
//! `l` of segment `k` holds query row `l × segments + k`, so the vertical
//! dependency between consecutive rows crosses lanes only once per column.
//! 8-bit lanes hold scores biased to be unsigned and saturate, or on AVX2
//! (when the gap costs fit) `score − 128` as signed bytes, so that one
//! saturating add of a plain score per cell also floors at zero (−128); a
//! score that reaches the top of the range makes the caller rescore with
//! 16-bit lanes, and then, if needed, with the 32-bit scalar reference.
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
//! The columns live in a [`ColumnStore`]: in memory for any query length
//! ([`Memory`]), or, on AVX2 for queries of at most 8 segments, H in local
//! arrays of a fixed number of segments ([`Registers`]) that the compiler
//! unrolls and keeps in registers, one copy of the kernel per segment
//! count (no loop counter per segment), offset by `k·extend` per segment so
//! that the gap from above and the correction cost one maximum each.
//!
//! Values below zero (16-bit lanes) or floored at zero (8-bit lanes: −128
//! for signed-offset ones) both mean "no alignment"; every value that reaches `H` passes through a
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
    /// Whether 8-bit lanes hold `score − 128` as signed bytes (so that the
    /// profile holds plain scores and `−128` is the floor) rather than
    /// unsigned scores with a biased profile.
    const SIGNED_OFFSET: bool = false;
    /// The constants of [`Lanes::carry`] for one pair.
    type CarryConstants: Copy;
    /// A vector with every lane the score `value` (`0 ≤ value ≤ LIMIT`).
    unsafe fn splat(value: i32) -> Self;
    /// A vector with every lane the penalty `value`, an amount for
    /// [`Lanes::sub`] (`0 ≤ value ≤ LIMIT`, or `≤ 127` for
    /// [`Lanes::SIGNED_OFFSET`] lanes).
    #[inline(always)]
    unsafe fn amount(value: i32) -> Self {
        unsafe { Self::splat(value) }
    }
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
    /// The lowest lane where `a` and `b` are equal.
    unsafe fn first_equal(a: Self, b: Self) -> Option<usize>;
    /// `table[codes[l]]` in each lane `l`: `codes` points to `LANES` codes,
    /// each below 16.
    unsafe fn lookup16(table: &[Self::Element; 16], codes: *const u8) -> Self;
    /// Moves lane `l` to lane `l + 1`; lane 0 becomes zero.
    unsafe fn shift_up(a: Self) -> Self;
    /// The constants of [`Lanes::carry`] for a decay of `step` per lane
    /// (`step ≥ 0`; multiples past [`Lanes::LIMIT`] saturate).
    unsafe fn carry_constants(step: i32) -> Self::CarryConstants;
    /// The max-plus exclusive prefix scan over lanes:
    /// `in(l) = max over m < l of out(m) − (l − 1 − m)·step`, and 0 (or
    /// less) in lane 0; returned with `in` moved up one lane (as
    /// [`Lanes::shift_up`] would), which the next column needs first.
    unsafe fn carry(out: Self, constants: &Self::CarryConstants) -> (Self, Self);
    /// Lane `lane` as an `i32`.
    fn lane(self, lane: usize) -> i32;
    /// One lane's value in memory (`u8` or `i16`).
    type Element: Copy + Into<i32>;
    /// `value` as an element (`value` fits).
    fn element(value: i32) -> Self::Element;
}

/// `ramp[b] = b × step`, saturated at `limit`: the constants of the AVX2
/// lanes' scans across their two 128-bit halves ([`Lanes::carry`]).
#[cfg(target_arch = "x86_64")]
pub(super) fn scan_decays<const N: usize>(step: i32, limit: i32) -> [i32; N] {
    std::array::from_fn(|b| (b as i64 * i64::from(step)).min(i64::from(limit)) as i32)
}

/// [`Lanes::carry_constants`] of a scan by doubling shifts (1, 2, 4, …
/// lanes) within one register: the decay over each shift, `2^i · step`,
/// saturating at `V::LIMIT`.
#[inline(always)]
pub(super) unsafe fn doubling_carry_constants<V: Lanes, const N: usize>(step: i32) -> [V; N] {
    std::array::from_fn(|i| {
        let decay = ((1i64 << i) * i64::from(step)).min(i64::from(V::LIMIT)) as i32;
        // SAFETY: as the caller's: the CPU has `V`'s instructions.
        unsafe { V::splat(decay) }
    })
}

/// Entries of the profile's score table: every query code and the padding
/// code (`alphabet_size ≤ MAX_ALPHABET_SIZE`), rounded up to a power of two.
const PROFILE_TABLE: usize = 2 * crate::align::MAX_ALPHABET_SIZE;

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
pub(super) unsafe fn striped<V: Lanes, C: ColumnStore<V>>(
    query: &[u8],
    target: &[u8],
    scoring: &Scoring,
    width: Width,
) -> Option<Alignment> {
    let lanes = V::LANES;
    let segments = C::segments(query.len());
    let alphabet = scoring.alphabet_size();
    let (_, min_score) = scoring.score_range();
    // Unsigned 8-bit profile entries are `score + bias ≥ 0`; the others
    // are signed scores.
    let bias = match width {
        Width::Bits8 if !V::SIGNED_OFFSET => -min_score.min(0),
        _ => 0,
    };
    // Profile, the query's codes in striped order, three H columns and E
    // in the thread's reused workspace: no allocation per pair.
    let vectors = (alphabet + 5) * segments;
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
    let (code_space, columns) = rest.split_at_mut(segments);

    // The query's codes in striped order (segment k, lane l holds query
    // row l × segments + k), padding rows coded `alphabet`.
    let stride = segments * lanes;
    // SAFETY: `code_space` is `segments` vectors of at least `lanes` bytes.
    let codes: &mut [u8] =
        unsafe { std::slice::from_raw_parts_mut(code_space.as_mut_ptr().cast(), stride) };
    codes.fill(alphabet as u8);
    for (lane, rows) in query.chunks(segments).enumerate() {
        for (k, &residue) in rows.iter().enumerate() {
            codes[k * lanes + lane] = scoring.code(residue);
        }
    }
    // The profile: for each target code, the scores of the query's codes
    // in that order; padding rows score 0: they cannot beat a real row.
    let matrix = scoring.matrix();
    let mut scores = [V::element(bias); PROFILE_TABLE];
    for target_code in 0..alphabet {
        for (score, row) in scores.iter_mut().zip(matrix.chunks_exact(alphabet)) {
            *score = V::element(i32::from(row[target_code]) + bias);
        }
        let vectors = &mut profile[target_code * segments..][..segments];
        if alphabet < 16 {
            // One table lookup per vector.
            let mut table = [V::element(bias); 16];
            table.copy_from_slice(&scores[..16]);
            for (k, out) in vectors.iter_mut().enumerate() {
                // SAFETY: `codes` holds `segments × lanes` codes, all at
                // most `alphabet < 16`.
                *out = unsafe { V::lookup16(&table, codes.as_ptr().add(k * lanes)) };
            }
        } else {
            // SAFETY: the vectors hold `stride` elements, and every bit
            // pattern is a valid element.
            let out: &mut [V::Element] =
                unsafe { std::slice::from_raw_parts_mut(vectors.as_mut_ptr().cast(), stride) };
            for (out, &code) in out.iter_mut().zip(codes.iter()) {
                *out = scores[usize::from(code) % PROFILE_TABLE];
            }
        }
    }

    C::adjust_profile(profile, scoring);

    let extend = i32::from(scoring.gap_extend());
    let gaps = Constants {
        bias: V::amount(bias),
        open_extend: V::amount(scoring.gap_open_extend()),
        extend: V::amount(extend),
    };
    let saturate = |value: i64| value.min(V::LIMIT.into()) as i32;
    let v_last_decay = V::amount(saturate(C::first_diagonal_decay(segments, extend)));
    let v_diagonal_floor = V::splat(C::first_diagonal_floor(segments, extend));
    let carry_constants = V::carry_constants(saturate(segments as i64 * i64::from(extend)));
    let mut store = C::new(columns, scoring);
    let limit = V::LIMIT - bias - store.headroom();
    let mut best = 0;
    let mut best_target_end = 0;
    let mut v_best = zero;
    let mut v_best_in = zero;
    // The gap entering each lane's first row in the previous column, as is
    // and moved up one lane; the previous column's last H segment, moved up.
    let (mut v_in, mut v_in_up, mut v_h_last_up) = (zero, zero, v_diagonal_floor);
    let profile = profile.as_ptr();
    for (&residue, target_end) in target.iter().zip(1..) {
        // SAFETY: codes are below `alphabet`, so the column's `segments`
        // profile vectors lie inside `profile`.
        let column_profile = profile.add(usize::from(scoring.code(residue)) * segments);
        let v_diagonal = V::max(v_h_last_up, V::sub(v_in_up, v_last_decay));
        // Most columns far from a high-scoring cell receive no gap from the
        // previous one's scan: they skip the correction.
        let (v_h, v_f, v_max) = match V::any_gt(v_in, zero) {
            true => store.column::<true>(column_profile, v_in, v_diagonal, &gaps),
            false => store.column::<false>(column_profile, v_in, v_diagonal, &gaps),
        };
        v_h_last_up = V::max(V::shift_up(v_h), v_diagonal_floor);
        (v_in, v_in_up) = V::carry(v_f, &carry_constants);
        let v_column_max = V::max(v_max, v_in);
        if V::any_gt(v_column_max, v_best) {
            best = (0..lanes)
                .map(|lane| v_column_max.lane(lane))
                .max()
                .unwrap_or(0);
            if best >= limit {
                WORKSPACE.with(|cell| cell.set(cached));
                return None;
            }
            v_best = V::splat(best);
            best_target_end = target_end;
            store.keep_best();
            v_best_in = v_in;
        }
        store.advance();
    }
    // The query end: the first row (row = lane × segments + segment)
    // holding `best` in the best column, corrected by its incoming gap.
    let mut query_end = 0;
    if best > 0 {
        let mut v_carry = v_best_in;
        let mut first_row = usize::MAX;
        for segment in 0..segments {
            // SAFETY: `segment < segments`.
            let v_h = V::max(store.best(segment), v_carry);
            if let Some(lane) = V::first_equal(v_h, v_best) {
                first_row = first_row.min(lane * segments + segment);
            }
            v_carry = V::sub(v_carry, gaps.extend);
        }
        query_end = first_row.saturating_add(1).min(query.len());
    }
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

/// Per-pair constants of a column.
pub(super) struct Constants<V> {
    bias: V,
    open_extend: V,
    extend: V,
}

/// Where the striped kernel keeps the H and E columns between target
/// columns.
pub(super) trait ColumnStore<V: Lanes> {
    /// Segments per column for a query of `query_len` residues.
    fn segments(query_len: usize) -> usize;
    /// A store over `columns`, the workspace's `4 × segments` vectors
    /// (which it may leave unused), for the gap costs of `scoring`.
    ///
    /// # Safety
    ///
    /// As [`striped`].
    unsafe fn new(columns: &mut [V], scoring: &Scoring) -> Self;
    /// Adjusts the profile (`segments` vectors per target code) to the
    /// store's representation of H.
    ///
    /// # Safety
    ///
    /// As [`striped`].
    #[inline(always)]
    unsafe fn adjust_profile(_profile: &mut [V], _scoring: &Scoring) {}
    /// What the incoming gap moved up one lane loses before it reaches the
    /// first segment's diagonal, in the store's representation of H:
    /// `(segments − 1) × extend`.
    fn first_diagonal_decay(segments: usize, extend: i32) -> i64 {
        (segments as i64 - 1) * i64::from(extend)
    }
    /// The least score of the last segment's H in the store's
    /// representation, moved into the first lane's diagonal.
    fn first_diagonal_floor(_segments: usize, _extend: i32) -> i32 {
        0
    }
    /// How far below [`Lanes::LIMIT`] a score makes the caller widen the
    /// lanes: the store's intermediate values may run that much above the
    /// scores.
    fn headroom(&self) -> i32 {
        0
    }
    /// One column: H with the gap from above started afresh in each lane,
    /// reading the previous column corrected by its incoming gap `v_in`
    /// (when `CORRECT`; otherwise `v_in` is zero everywhere and ignored).
    /// Returns the last segment's H, the gap leaving each lane and the
    /// column's maximum.
    ///
    /// # Safety
    ///
    /// As [`striped`]; `profile` points to `segments` vectors.
    unsafe fn column<const CORRECT: bool>(
        &mut self,
        profile: *const V,
        v_in: V,
        v_diagonal: V,
        gaps: &Constants<V>,
    ) -> (V, V, V);
    /// Keeps the column just computed: it holds the best score so far.
    fn keep_best(&mut self);
    /// Makes the column just computed the previous one.
    fn advance(&mut self);
    /// Segment `k` (`< segments`) of the kept column.
    ///
    /// # Safety
    ///
    /// As [`striped`].
    unsafe fn best(&self, k: usize) -> V;
}

/// Columns in the workspace, any number of segments: three H columns,
/// rotated (the previous one, read; the current one, written; the best
/// column so far, kept for the query end, which is one of the other two or
/// the third), and E, updated in place.
pub(super) struct Memory<V> {
    segments: usize,
    h_previous: *mut V,
    h_current: *mut V,
    h_other: *mut V,
    h_best: *mut V,
    e: *mut V,
}

impl<V: Lanes> ColumnStore<V> for Memory<V> {
    fn segments(query_len: usize) -> usize {
        query_len.div_ceil(V::LANES).max(1)
    }
    #[inline(always)]
    unsafe fn new(columns: &mut [V], _scoring: &Scoring) -> Self {
        columns.fill(unsafe { V::splat(0) });
        let segments = columns.len() / 4;
        let base = columns.as_mut_ptr();
        // SAFETY: `columns` holds four columns of `segments` vectors.
        let (h_previous, h_current, h_other, e) = unsafe {
            (
                base,
                base.add(segments),
                base.add(2 * segments),
                base.add(3 * segments),
            )
        };
        Memory {
            segments,
            h_previous,
            h_current,
            h_other,
            h_best: h_other,
            e,
        }
    }
    #[inline(always)]
    unsafe fn column<const CORRECT: bool>(
        &mut self,
        profile: *const V,
        v_in: V,
        v_diagonal: V,
        gaps: &Constants<V>,
    ) -> (V, V, V) {
        let zero = unsafe { V::splat(0) };
        let mut state = Segment::new(v_in, v_diagonal);
        let mut v_h = zero;
        for k in 0..self.segments {
            // SAFETY: `k < segments`; every column holds `segments` vectors.
            unsafe {
                let e = self.e.add(k);
                let h_left = *self.h_previous.add(k);
                let (h, e_next) =
                    segment::<V, CORRECT>(*profile.add(k), h_left, *e, &mut state, gaps);
                *self.h_current.add(k) = h;
                *e = e_next;
                v_h = h;
            }
        }
        (v_h, state.v_f, state.v_max)
    }
    #[inline(always)]
    fn keep_best(&mut self) {
        self.h_best = self.h_current;
    }
    #[inline(always)]
    fn advance(&mut self) {
        // The next column reads this one and writes a column that is
        // neither this one nor the best.
        let next = match self.h_best == self.h_previous {
            true => std::mem::replace(&mut self.h_other, self.h_previous),
            false => self.h_previous,
        };
        (self.h_previous, self.h_current) = (self.h_current, next);
    }
    #[inline(always)]
    unsafe fn best(&self, k: usize) -> V {
        // SAFETY: `k < segments`, the column's length.
        unsafe { *self.h_best.add(k) }
    }
}

/// Columns of exactly `S` segments: H in local arrays, which the compiler
/// keeps in registers (the loops over them unrolled), updated in place, and
/// a copy of the best column; E in the workspace (one load and one store
/// per segment, which leaves the registers to H and the constants).
///
/// Segment `k` holds `Ĥ(k) = H(k) + k·extend`, and the gap from above runs
/// down each lane as `F̂(k) = F(k) + k·extend`:
///
/// - the incoming gap corrects a segment with one maximum,
///   `Ĥ(k) = max(Ĥ(k), in)` (`H(k) = max(H(k), in − k·extend)`);
/// - `F̂(k + 1) = max(F̂(k), Hd(k) − (open + extend − (k + 1)·extend))` is
///   one maximum per segment on the column's dependency chain instead of a
///   subtraction and a maximum, and `Ĥ(k) = max(Hd(k) + k·extend, F̂(k))`;
/// - the profile of segment `k` is lowered by the decay of its diagonal,
///   `((k − 1) mod S)·extend` ([`ColumnStore::adjust_profile`]).
///
/// `Ĥ` and `F̂` run up to `(S − 1)·extend` above the scores, the store's
/// [`ColumnStore::headroom`]. The amounts may be negative: signed lanes only
/// (`I8x32::fits` bounds them).
#[cfg(target_arch = "x86_64")]
pub(super) struct Registers<V, const S: usize> {
    h: [V; S],
    e: *mut V,
    h_best: [V; S],
    /// `k·extend` for `k` in `0..=S`.
    decays: [V; 9],
    /// `−k·extend` for `k` in `0..S`.
    rises: [V; 8],
    /// `open + extend − (k + 1)·extend` for `k` in `0..S`.
    opens: [V; 8],
    /// `open + extend + k·extend` for `k` in `0..S`: opening a horizontal
    /// gap from `Ĥ(k)`.
    opens_hat: [V; 8],
    headroom: i32,
}

#[cfg(target_arch = "x86_64")]
impl<V: Lanes, const S: usize> ColumnStore<V> for Registers<V, S> {
    fn segments(query_len: usize) -> usize {
        debug_assert_eq!(query_len.div_ceil(V::LANES).max(1), S);
        S
    }
    #[inline(always)]
    unsafe fn new(columns: &mut [V], scoring: &Scoring) -> Self {
        const { assert!(V::SIGNED_OFFSET && S <= 8) };
        let zero = unsafe { V::splat(0) };
        debug_assert!(columns.len() >= S);
        columns.fill(zero);
        let extend = i32::from(scoring.gap_extend());
        let open_extend = scoring.gap_open_extend();
        let step = |k: usize| k as i32 * extend;
        // SAFETY (all): as the caller's; the values fit a signed lane
        // (`I8x32::fits`: `open + extend + S·extend ≤ 127`,
        // `15·S·extend ≤ 127`).
        unsafe {
            Registers {
                h: std::array::from_fn(|k| V::splat(step(k))),
                e: columns.as_mut_ptr(),
                h_best: [zero; S],
                decays: std::array::from_fn(|k| V::amount(step(k))),
                rises: std::array::from_fn(|k| V::amount(-step(k))),
                opens: std::array::from_fn(|k| V::amount(open_extend - step(k + 1))),
                opens_hat: std::array::from_fn(|k| V::amount(open_extend + step(k))),
                headroom: step(S),
            }
        }
    }
    #[inline(always)]
    unsafe fn adjust_profile(profile: &mut [V], scoring: &Scoring) {
        let extend = i32::from(scoring.gap_extend());
        for code in profile.chunks_exact_mut(S) {
            for (k, score) in code.iter_mut().enumerate() {
                let decay = ((k + S - 1) % S) as i32 * extend;
                // SAFETY: as the caller's; `I8x32::fits` keeps the lowered
                // scores above −128.
                *score = unsafe { V::sub(*score, V::amount(decay)) };
            }
        }
    }
    fn first_diagonal_decay(_segments: usize, _extend: i32) -> i64 {
        0
    }
    fn first_diagonal_floor(_segments: usize, extend: i32) -> i32 {
        (S as i32 - 1) * extend
    }
    fn headroom(&self) -> i32 {
        self.headroom
    }
    #[inline(always)]
    unsafe fn column<const CORRECT: bool>(
        &mut self,
        profile: *const V,
        v_in: V,
        v_diagonal: V,
        gaps: &Constants<V>,
    ) -> (V, V, V) {
        // E holds each segment's horizontal gap less one extension; the
        // gap reaching this column opens from the previous H, corrected
        // first (when `CORRECT`), so that the correction reaches E through
        // H.
        unsafe {
            let zero = V::splat(0);
            let (mut v_f_hat, mut v_f_out, mut v_max) = (zero, zero, zero);
            let mut v_diagonal = v_diagonal;
            for k in 0..S {
                let mut v_h_left = self.h[k];
                if CORRECT {
                    v_h_left = V::max(v_h_left, v_in);
                }
                // SAFETY: `k < S`, the segments of E and of the profile.
                let e = self.e.add(k);
                let v_e = V::max(*e, V::sub(v_h_left, self.opens_hat[k]));
                let v_h_diagonal =
                    V::max(V::add_score(v_diagonal, *profile.add(k), gaps.bias), v_e);
                let v_h = match k {
                    0 => v_h_diagonal,
                    _ => V::max(V::sub(v_h_diagonal, self.rises[k]), v_f_hat),
                };
                // The gap from above never exceeds the H it opened from.
                v_max = V::max(v_max, v_h_diagonal);
                *e = V::sub(v_e, gaps.extend);
                if k + 1 < S {
                    let v_opened = V::sub(v_h_diagonal, self.opens[k]);
                    v_f_hat = match k {
                        0 => v_opened,
                        _ => V::max(v_f_hat, v_opened),
                    };
                } else {
                    // The gap leaving the lane: F(S) = max(F(S − 1) −
                    // extend, Hd(S − 1) − open − extend).
                    v_f_out = V::sub(v_h_diagonal, gaps.open_extend);
                    if k > 0 {
                        v_f_out = V::max(v_f_out, V::sub(v_f_hat, self.decays[S]));
                    }
                }
                v_diagonal = v_h_left;
                self.h[k] = v_h;
            }
            (self.h[S - 1], v_f_out, v_max)
        }
    }
    #[inline(always)]
    fn keep_best(&mut self) {
        self.h_best = self.h;
    }
    #[inline(always)]
    fn advance(&mut self) {}
    #[inline(always)]
    unsafe fn best(&self, k: usize) -> V {
        // SAFETY: as the caller's.
        unsafe { V::sub(self.h_best[k], self.decays[k]) }
    }
}

/// The values one segment of a column hands to the next.
struct Segment<V> {
    v_f: V,
    v_max: V,
    v_diagonal: V,
    /// The previous column's incoming gap, decayed to the segment.
    v_carry: V,
}

impl<V: Lanes> Segment<V> {
    #[inline(always)]
    unsafe fn new(v_in: V, v_diagonal: V) -> Self {
        let zero = unsafe { V::splat(0) };
        Segment {
            v_f: zero,
            v_max: zero,
            v_diagonal,
            v_carry: v_in,
        }
    }
}

/// One segment of a column: its H and new E from its profile scores, the
/// previous column's H and E at this segment (`h_left`, `v_e`), corrected
/// when `CORRECT`.
///
/// # Safety
///
/// As [`striped`].
#[inline(always)]
unsafe fn segment<V: Lanes, const CORRECT: bool>(
    score: V,
    h_left: V,
    mut v_e: V,
    state: &mut Segment<V>,
    gaps: &Constants<V>,
) -> (V, V) {
    unsafe {
        if CORRECT {
            v_e = V::max(v_e, V::sub(state.v_carry, gaps.open_extend));
        }
        let v_h_diagonal = V::max(V::add_score(state.v_diagonal, score, gaps.bias), v_e);
        let v_h = V::max(v_h_diagonal, state.v_f);
        state.v_max = V::max(state.v_max, v_h);
        let v_e_next = V::max(V::sub(v_e, gaps.extend), V::sub(v_h, gaps.open_extend));
        // `max(F − extend, H − open)` with `H = max(diagonal, F)`: the F
        // term can only lose, so the chain skips it.
        state.v_f = V::max(
            V::sub(state.v_f, gaps.extend),
            V::sub(v_h_diagonal, gaps.open_extend),
        );
        state.v_diagonal = h_left;
        if CORRECT {
            state.v_diagonal = V::max(h_left, state.v_carry);
            state.v_carry = V::sub(state.v_carry, gaps.extend);
        }
        (v_h, v_e_next)
    }
}

/// 8-bit lanes, then 16-bit lanes, then the scalar reference.
#[inline(always)]
pub(super) unsafe fn widening<V8: Lanes, C8: ColumnStore<V8>, V16: Lanes>(
    query: &[u8],
    target: &[u8],
    scoring: &Scoring,
) -> (Alignment, Width) {
    if let Some(hit) = striped::<V8, C8>(query, target, scoring, Width::Bits8) {
        return (hit, Width::Bits8);
    }
    match striped::<V16, Memory<V16>>(query, target, scoring, Width::Bits16) {
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
