//! x86_64 lanes for the striped Smith-Waterman kernel: 16 × u8 and 8 × i16
//! (SSE2 instructions, run at the SSSE3 level) and 32 × u8 and 16 × i16
//! (AVX2), and the byte lanes of the grouped (inter-sequence) kernel.

use std::arch::x86_64::*;

use super::align::{
    doubling_carry_constants, scan_decays, widening, Lanes, Memory, Registers, Width,
};
use super::align_batch::{grouped, ByteLanes, Encoding, Workspace};
use crate::align::{Alignment, Scoring};

#[derive(Clone, Copy)]
pub(super) struct U8x16(__m128i);
#[derive(Clone, Copy)]
pub(super) struct I16x8(__m128i);
#[derive(Clone, Copy)]
pub(super) struct U8x32(__m256i);
#[derive(Clone, Copy)]
pub(super) struct I16x16(__m256i);
/// 32 × i8 holding `score − 128`: one saturating add per cell, and the
/// saturation at −128 is the floor at zero.
#[derive(Clone, Copy)]
pub(super) struct I8x32(__m256i);

// The `unsafe fn`s below only execute SSE2/AVX2 instructions on register
// values; their callers guarantee the CPU supports them (see `Lanes`).

impl Lanes for U8x16 {
    const LANES: usize = 16;
    const LIMIT: i32 = u8::MAX as i32;
    type CarryConstants = [Self; 4];
    #[inline(always)]
    unsafe fn splat(value: i32) -> Self {
        U8x16(_mm_set1_epi8(value as u8 as i8))
    }
    #[inline(always)]
    unsafe fn add_score(diagonal: Self, profile: Self, bias: Self) -> Self {
        U8x16(_mm_subs_epu8(_mm_adds_epu8(diagonal.0, profile.0), bias.0))
    }
    #[inline(always)]
    unsafe fn sub(a: Self, b: Self) -> Self {
        U8x16(_mm_subs_epu8(a.0, b.0))
    }
    #[inline(always)]
    unsafe fn max(a: Self, b: Self) -> Self {
        U8x16(_mm_max_epu8(a.0, b.0))
    }
    #[inline(always)]
    unsafe fn any_gt(a: Self, b: Self) -> bool {
        let difference = _mm_subs_epu8(a.0, b.0);
        _mm_movemask_epi8(_mm_cmpeq_epi8(difference, _mm_setzero_si128())) != 0xFFFF
    }
    #[inline(always)]
    unsafe fn first_equal(a: Self, b: Self) -> Option<usize> {
        let mask = _mm_movemask_epi8(_mm_cmpeq_epi8(a.0, b.0)) as u32;
        (mask != 0).then(|| mask.trailing_zeros() as usize)
    }
    #[inline(always)]
    unsafe fn lookup16(table: &[u8; 16], codes: *const u8) -> Self {
        U8x16(_mm_shuffle_epi8(
            _mm_loadu_si128(table.as_ptr().cast()),
            _mm_loadu_si128(codes.cast()),
        ))
    }
    #[inline(always)]
    unsafe fn shift_up(a: Self) -> Self {
        U8x16(_mm_slli_si128::<1>(a.0))
    }
    #[inline(always)]
    unsafe fn carry_constants(step: i32) -> [Self; 4] {
        doubling_carry_constants::<Self, 4>(step)
    }
    #[inline(always)]
    unsafe fn carry(out: Self, decays: &[Self; 4]) -> (Self, Self) {
        let mut x = out.0;
        x = _mm_max_epu8(x, _mm_subs_epu8(_mm_slli_si128::<1>(x), decays[0].0));
        x = _mm_max_epu8(x, _mm_subs_epu8(_mm_slli_si128::<2>(x), decays[1].0));
        x = _mm_max_epu8(x, _mm_subs_epu8(_mm_slli_si128::<4>(x), decays[2].0));
        x = _mm_max_epu8(x, _mm_subs_epu8(_mm_slli_si128::<8>(x), decays[3].0));
        (U8x16(_mm_slli_si128::<1>(x)), U8x16(_mm_slli_si128::<2>(x)))
    }
    fn lane(self, lane: usize) -> i32 {
        // SAFETY: __m128i and [u8; 16] have the same size; every bit pattern is valid.
        let bytes: [u8; 16] = unsafe { std::mem::transmute(self.0) };
        i32::from(bytes[lane])
    }
    type Element = u8;
    fn element(value: i32) -> u8 {
        value as u8
    }
}

impl Lanes for I16x8 {
    const LANES: usize = 8;
    const LIMIT: i32 = i16::MAX as i32;
    type CarryConstants = [Self; 3];
    #[inline(always)]
    unsafe fn splat(value: i32) -> Self {
        I16x8(_mm_set1_epi16(value as i16))
    }
    #[inline(always)]
    unsafe fn add_score(diagonal: Self, profile: Self, _bias: Self) -> Self {
        I16x8(_mm_max_epi16(
            _mm_adds_epi16(diagonal.0, profile.0),
            _mm_setzero_si128(),
        ))
    }
    #[inline(always)]
    unsafe fn sub(a: Self, b: Self) -> Self {
        I16x8(_mm_subs_epi16(a.0, b.0))
    }
    #[inline(always)]
    unsafe fn max(a: Self, b: Self) -> Self {
        I16x8(_mm_max_epi16(a.0, b.0))
    }
    #[inline(always)]
    unsafe fn any_gt(a: Self, b: Self) -> bool {
        _mm_movemask_epi8(_mm_cmpgt_epi16(a.0, b.0)) != 0
    }
    #[inline(always)]
    unsafe fn first_equal(a: Self, b: Self) -> Option<usize> {
        let mask = _mm_movemask_epi8(_mm_cmpeq_epi16(a.0, b.0)) as u32;
        (mask != 0).then(|| mask.trailing_zeros() as usize / 2)
    }
    #[inline(always)]
    unsafe fn lookup16(table: &[i16; 16], codes: *const u8) -> Self {
        // SAFETY: the caller passes `LANES` codes, each below 16.
        let values: [i16; 8] = std::array::from_fn(|l| table[usize::from(*codes.add(l)) % 16]);
        I16x8(_mm_loadu_si128(values.as_ptr().cast()))
    }
    #[inline(always)]
    unsafe fn shift_up(a: Self) -> Self {
        I16x8(_mm_slli_si128::<2>(a.0))
    }
    #[inline(always)]
    unsafe fn carry_constants(step: i32) -> [Self; 3] {
        doubling_carry_constants::<Self, 3>(step)
    }
    #[inline(always)]
    unsafe fn carry(out: Self, decays: &[Self; 3]) -> (Self, Self) {
        let mut x = out.0;
        x = _mm_max_epi16(x, _mm_subs_epi16(_mm_slli_si128::<2>(x), decays[0].0));
        x = _mm_max_epi16(x, _mm_subs_epi16(_mm_slli_si128::<4>(x), decays[1].0));
        x = _mm_max_epi16(x, _mm_subs_epi16(_mm_slli_si128::<8>(x), decays[2].0));
        (I16x8(_mm_slli_si128::<2>(x)), I16x8(_mm_slli_si128::<4>(x)))
    }
    fn lane(self, lane: usize) -> i32 {
        // SAFETY: __m128i and [i16; 8] have the same size; every bit pattern is valid.
        let values: [i16; 8] = unsafe { std::mem::transmute(self.0) };
        i32::from(values[lane])
    }
    type Element = i16;
    fn element(value: i32) -> i16 {
        value as i16
    }
}

impl Lanes for U8x32 {
    const LANES: usize = 32;
    const LIMIT: i32 = u8::MAX as i32;
    type CarryConstants = [Self; 7];
    #[inline(always)]
    unsafe fn splat(value: i32) -> Self {
        U8x32(_mm256_set1_epi8(value as u8 as i8))
    }
    #[inline(always)]
    unsafe fn add_score(diagonal: Self, profile: Self, bias: Self) -> Self {
        U8x32(_mm256_subs_epu8(
            _mm256_adds_epu8(diagonal.0, profile.0),
            bias.0,
        ))
    }
    #[inline(always)]
    unsafe fn sub(a: Self, b: Self) -> Self {
        U8x32(_mm256_subs_epu8(a.0, b.0))
    }
    #[inline(always)]
    unsafe fn max(a: Self, b: Self) -> Self {
        U8x32(_mm256_max_epu8(a.0, b.0))
    }
    #[inline(always)]
    unsafe fn any_gt(a: Self, b: Self) -> bool {
        let difference = _mm256_subs_epu8(a.0, b.0);
        _mm256_movemask_epi8(_mm256_cmpeq_epi8(difference, _mm256_setzero_si256())) != -1
    }
    #[inline(always)]
    unsafe fn first_equal(a: Self, b: Self) -> Option<usize> {
        let mask = _mm256_movemask_epi8(_mm256_cmpeq_epi8(a.0, b.0)) as u32;
        (mask != 0).then(|| mask.trailing_zeros() as usize)
    }
    #[inline(always)]
    unsafe fn lookup16(table: &[u8; 16], codes: *const u8) -> Self {
        U8x32(_mm256_shuffle_epi8(
            _mm256_broadcastsi128_si256(_mm_loadu_si128(table.as_ptr().cast())),
            _mm256_loadu_si256(codes.cast()),
        ))
    }
    #[inline(always)]
    unsafe fn shift_up(a: Self) -> Self {
        // [0, low half] lined up under [low, high]: alignr moves each half
        // up one byte, pulling in the byte below it.
        let below = _mm256_permute2x128_si256::<0x08>(a.0, a.0);
        U8x32(_mm256_alignr_epi8::<15>(a.0, below))
    }
    #[inline(always)]
    unsafe fn carry_constants(step: i32) -> [Self; 7] {
        let decays = scan_decays::<16>(step, Self::LIMIT);
        // The high half's byte b: what lane 15's gap has lost by the time it
        // enters lane 16 + b (b × step), and for `in` moved up one lane,
        // lane 14's (in byte 0) then lane 15's ((b − 1) × step); the low
        // half is unused.
        let ramp: [u8; 32] = std::array::from_fn(|i| decays[i % 16] as u8);
        let ramp_up: [u8; 32] = std::array::from_fn(|i| decays[(i % 16).saturating_sub(1)] as u8);
        let lane_14_15: [u8; 32] = std::array::from_fn(|i| if i % 16 == 0 { 14 } else { 15 });
        let load = |bytes: &[u8; 32]| U8x32(_mm256_loadu_si256(bytes.as_ptr().cast()));
        [
            <Self as Lanes>::splat(decays[1]),
            <Self as Lanes>::splat(decays[2]),
            <Self as Lanes>::splat(decays[4]),
            <Self as Lanes>::splat(decays[8]),
            load(&ramp),
            load(&ramp_up),
            load(&lane_14_15),
        ]
    }
    #[inline(always)]
    unsafe fn carry(out: Self, constants: &[Self; 7]) -> (Self, Self) {
        // The scan within each 128-bit half (byte shifts stay in a half),
        // then lane 15's result, decayed, into the high half.
        let mut x = out.0;
        x = _mm256_max_epu8(
            x,
            _mm256_subs_epu8(_mm256_bslli_epi128::<1>(x), constants[0].0),
        );
        x = _mm256_max_epu8(
            x,
            _mm256_subs_epu8(_mm256_bslli_epi128::<2>(x), constants[1].0),
        );
        x = _mm256_max_epu8(
            x,
            _mm256_subs_epu8(_mm256_bslli_epi128::<4>(x), constants[2].0),
        );
        x = _mm256_max_epu8(
            x,
            _mm256_subs_epu8(_mm256_bslli_epi128::<8>(x), constants[3].0),
        );
        let lane_15 = _mm256_shuffle_epi8(x, _mm256_set1_epi8(15));
        let into_high = _mm256_permute2x128_si256::<0x08>(lane_15, lane_15);
        let lanes_14_15 = _mm256_shuffle_epi8(x, constants[6].0);
        let into_high_up = _mm256_permute2x128_si256::<0x08>(lanes_14_15, lanes_14_15);
        (
            U8x32(_mm256_max_epu8(
                _mm256_bslli_epi128::<1>(x),
                _mm256_subs_epu8(into_high, constants[4].0),
            )),
            U8x32(_mm256_max_epu8(
                _mm256_bslli_epi128::<2>(x),
                _mm256_subs_epu8(into_high_up, constants[5].0),
            )),
        )
    }
    fn lane(self, lane: usize) -> i32 {
        // SAFETY: __m256i and [u8; 32] have the same size; every bit pattern is valid.
        let bytes: [u8; 32] = unsafe { std::mem::transmute(self.0) };
        i32::from(bytes[lane])
    }
    type Element = u8;
    fn element(value: i32) -> u8 {
        value as u8
    }
}

impl Lanes for I16x16 {
    const LANES: usize = 16;
    const LIMIT: i32 = i16::MAX as i32;
    type CarryConstants = [Self; 6];
    #[inline(always)]
    unsafe fn splat(value: i32) -> Self {
        I16x16(_mm256_set1_epi16(value as i16))
    }
    #[inline(always)]
    unsafe fn add_score(diagonal: Self, profile: Self, _bias: Self) -> Self {
        I16x16(_mm256_max_epi16(
            _mm256_adds_epi16(diagonal.0, profile.0),
            _mm256_setzero_si256(),
        ))
    }
    #[inline(always)]
    unsafe fn sub(a: Self, b: Self) -> Self {
        I16x16(_mm256_subs_epi16(a.0, b.0))
    }
    #[inline(always)]
    unsafe fn max(a: Self, b: Self) -> Self {
        I16x16(_mm256_max_epi16(a.0, b.0))
    }
    #[inline(always)]
    unsafe fn any_gt(a: Self, b: Self) -> bool {
        _mm256_movemask_epi8(_mm256_cmpgt_epi16(a.0, b.0)) != 0
    }
    #[inline(always)]
    unsafe fn first_equal(a: Self, b: Self) -> Option<usize> {
        let mask = _mm256_movemask_epi8(_mm256_cmpeq_epi16(a.0, b.0)) as u32;
        (mask != 0).then(|| mask.trailing_zeros() as usize / 2)
    }
    #[inline(always)]
    unsafe fn lookup16(table: &[i16; 16], codes: *const u8) -> Self {
        // SAFETY: the caller passes `LANES` codes, each below 16.
        let values: [i16; 16] = std::array::from_fn(|l| table[usize::from(*codes.add(l)) % 16]);
        I16x16(_mm256_loadu_si256(values.as_ptr().cast()))
    }
    #[inline(always)]
    unsafe fn shift_up(a: Self) -> Self {
        let below = _mm256_permute2x128_si256::<0x08>(a.0, a.0);
        I16x16(_mm256_alignr_epi8::<14>(a.0, below))
    }
    #[inline(always)]
    unsafe fn carry_constants(step: i32) -> [Self; 6] {
        let decays = scan_decays::<8>(step, Self::LIMIT);
        // As for `U8x32`, in words: lane 7's gap enters lane 8 + b having
        // lost b × step; moved up one lane, lane 6's then lane 7's.
        let ramp: [i16; 16] = std::array::from_fn(|i| decays[i % 8] as i16);
        let ramp_up: [i16; 16] = std::array::from_fn(|i| decays[(i % 8).saturating_sub(1)] as i16);
        let lane_6_7: [u8; 32] = std::array::from_fn(|i| match i % 16 {
            0 | 1 => 12 + (i % 2) as u8,
            _ => 14 + (i % 2) as u8,
        });
        [
            <Self as Lanes>::splat(decays[1]),
            <Self as Lanes>::splat(decays[2]),
            <Self as Lanes>::splat(decays[4]),
            I16x16(_mm256_loadu_si256(ramp.as_ptr().cast())),
            I16x16(_mm256_loadu_si256(ramp_up.as_ptr().cast())),
            I16x16(_mm256_loadu_si256(lane_6_7.as_ptr().cast())),
        ]
    }
    #[inline(always)]
    unsafe fn carry(out: Self, constants: &[Self; 6]) -> (Self, Self) {
        let mut x = out.0;
        x = _mm256_max_epi16(
            x,
            _mm256_subs_epi16(_mm256_bslli_epi128::<2>(x), constants[0].0),
        );
        x = _mm256_max_epi16(
            x,
            _mm256_subs_epi16(_mm256_bslli_epi128::<4>(x), constants[1].0),
        );
        x = _mm256_max_epi16(
            x,
            _mm256_subs_epi16(_mm256_bslli_epi128::<8>(x), constants[2].0),
        );
        let lane_7 = _mm256_shuffle_epi8(x, _mm256_set1_epi16(0x0F0E));
        let into_high = _mm256_permute2x128_si256::<0x08>(lane_7, lane_7);
        let lanes_6_7 = _mm256_shuffle_epi8(x, constants[5].0);
        let into_high_up = _mm256_permute2x128_si256::<0x08>(lanes_6_7, lanes_6_7);
        (
            I16x16(_mm256_max_epi16(
                _mm256_bslli_epi128::<2>(x),
                _mm256_subs_epi16(into_high, constants[3].0),
            )),
            I16x16(_mm256_max_epi16(
                _mm256_bslli_epi128::<4>(x),
                _mm256_subs_epi16(into_high_up, constants[4].0),
            )),
        )
    }
    fn lane(self, lane: usize) -> i32 {
        // SAFETY: __m256i and [i16; 16] have the same size; every bit pattern is valid.
        let values: [i16; 16] = unsafe { std::mem::transmute(self.0) };
        i32::from(values[lane])
    }
    type Element = i16;
    fn element(value: i32) -> i16 {
        value as i16
    }
}

impl I8x32 {
    /// Whether the pair's penalties fit signed bytes: the gap costs from
    /// any segment, the scan's decays (up to 15 lanes of `segments ×
    /// extend`) and the lowest score lowered by `segments × extend` (see
    /// `Registers`).
    fn fits(query: &[u8], scoring: &Scoring) -> bool {
        let segments = query.len().div_ceil(32).max(1) as i64;
        let extend = i64::from(scoring.gap_extend());
        let (_, min_score) = scoring.score_range();
        i64::from(scoring.gap_open_extend()) + segments * extend <= 127
            && 15 * segments * extend <= 127
            && i64::from(min_score) - segments * extend >= -128
    }
}

impl Lanes for I8x32 {
    const LANES: usize = 32;
    const LIMIT: i32 = u8::MAX as i32;
    const SIGNED_OFFSET: bool = true;
    type CarryConstants = [Self; 8];
    #[inline(always)]
    unsafe fn splat(value: i32) -> Self {
        I8x32(_mm256_set1_epi8((value - 128) as i8))
    }
    #[inline(always)]
    unsafe fn amount(value: i32) -> Self {
        I8x32(_mm256_set1_epi8(value as i8))
    }
    #[inline(always)]
    unsafe fn add_score(diagonal: Self, profile: Self, _bias: Self) -> Self {
        I8x32(_mm256_adds_epi8(diagonal.0, profile.0))
    }
    #[inline(always)]
    unsafe fn sub(a: Self, b: Self) -> Self {
        I8x32(_mm256_subs_epi8(a.0, b.0))
    }
    #[inline(always)]
    unsafe fn max(a: Self, b: Self) -> Self {
        I8x32(_mm256_max_epi8(a.0, b.0))
    }
    #[inline(always)]
    unsafe fn any_gt(a: Self, b: Self) -> bool {
        _mm256_movemask_epi8(_mm256_cmpgt_epi8(a.0, b.0)) != 0
    }
    #[inline(always)]
    unsafe fn first_equal(a: Self, b: Self) -> Option<usize> {
        let mask = _mm256_movemask_epi8(_mm256_cmpeq_epi8(a.0, b.0)) as u32;
        (mask != 0).then(|| mask.trailing_zeros() as usize)
    }
    #[inline(always)]
    unsafe fn lookup16(table: &[i8; 16], codes: *const u8) -> Self {
        I8x32(_mm256_shuffle_epi8(
            _mm256_broadcastsi128_si256(_mm_loadu_si128(table.as_ptr().cast())),
            _mm256_loadu_si256(codes.cast()),
        ))
    }
    #[inline(always)]
    unsafe fn shift_up(a: Self) -> Self {
        // As `U8x32`, with the floor (−128) below the low half.
        let floor = _mm256_set1_epi8(i8::MIN);
        let below = _mm256_permute2x128_si256::<0x02>(a.0, floor);
        I8x32(_mm256_alignr_epi8::<15>(a.0, below))
    }
    #[inline(always)]
    unsafe fn carry_constants(step: i32) -> [Self; 8] {
        // As `U8x32`'s, as signed amounts (`fits`: all at most 127), and the
        // floor that the shifts pull in.
        let decays = scan_decays::<16>(step, 127);
        let ramp: [i8; 32] = std::array::from_fn(|i| decays[i % 16] as i8);
        let ramp_up: [i8; 32] = std::array::from_fn(|i| decays[(i % 16).saturating_sub(1)] as i8);
        let lane_14_15: [i8; 32] = std::array::from_fn(|i| if i % 16 == 0 { 14 } else { 15 });
        let load = |bytes: &[i8; 32]| I8x32(_mm256_loadu_si256(bytes.as_ptr().cast()));
        [
            Self::amount(decays[1]),
            Self::amount(decays[2]),
            Self::amount(decays[4]),
            Self::amount(decays[8]),
            load(&ramp),
            load(&ramp_up),
            load(&lane_14_15),
            I8x32(_mm256_set1_epi8(i8::MIN)),
        ]
    }
    #[inline(always)]
    unsafe fn carry(out: Self, constants: &[Self; 8]) -> (Self, Self) {
        // As `U8x32`'s, with `alignr` pulling the floor (−128) into the
        // lanes that the byte shifts would zero.
        let floor = constants[7].0;
        let step = |x: __m256i, shifted: __m256i, decay: &Self| {
            _mm256_max_epi8(x, _mm256_subs_epi8(shifted, decay.0))
        };
        let mut x = out.0;
        x = step(x, _mm256_alignr_epi8::<15>(x, floor), &constants[0]);
        x = step(x, _mm256_alignr_epi8::<14>(x, floor), &constants[1]);
        x = step(x, _mm256_alignr_epi8::<12>(x, floor), &constants[2]);
        x = step(x, _mm256_alignr_epi8::<8>(x, floor), &constants[3]);
        let lane_15 = _mm256_shuffle_epi8(x, _mm256_set1_epi8(15));
        let into_high = _mm256_permute2x128_si256::<0x02>(lane_15, floor);
        let lanes_14_15 = _mm256_shuffle_epi8(x, constants[6].0);
        let into_high_up = _mm256_permute2x128_si256::<0x02>(lanes_14_15, floor);
        (
            I8x32(step(
                _mm256_alignr_epi8::<15>(x, floor),
                into_high,
                &constants[4],
            )),
            I8x32(step(
                _mm256_alignr_epi8::<14>(x, floor),
                into_high_up,
                &constants[5],
            )),
        )
    }
    fn lane(self, lane: usize) -> i32 {
        // SAFETY: __m256i and [i8; 32] have the same size; every bit pattern is valid.
        let bytes: [i8; 32] = unsafe { std::mem::transmute(self.0) };
        i32::from(bytes[lane]) + 128
    }
    type Element = i8;
    fn element(value: i32) -> i8 {
        value as i8
    }
}

/// The striped kernel with SSE2 instructions (the SSSE3 level).
///
/// # Safety
///
/// The CPU must support SSSE3.
#[target_feature(enable = "ssse3")]
pub(super) unsafe fn ssse3(query: &[u8], target: &[u8], scoring: &Scoring) -> (Alignment, Width) {
    widening::<U8x16, Memory<U8x16>, I16x8>(query, target, scoring)
}

/// The striped kernel with AVX2 instructions.
///
/// # Safety
///
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
pub(super) unsafe fn avx2(query: &[u8], target: &[u8], scoring: &Scoring) -> (Alignment, Width) {
    if !I8x32::fits(query, scoring) {
        return widening::<U8x32, Memory<U8x32>, I16x16>(query, target, scoring);
    }
    // Up to 256 residues: the columns in registers, one copy of the kernel
    // per number of segments.
    match query.len().div_ceil(32) {
        0 | 1 => widening::<I8x32, Registers<I8x32, 1>, I16x16>(query, target, scoring),
        2 => widening::<I8x32, Registers<I8x32, 2>, I16x16>(query, target, scoring),
        3 => widening::<I8x32, Registers<I8x32, 3>, I16x16>(query, target, scoring),
        4 => widening::<I8x32, Registers<I8x32, 4>, I16x16>(query, target, scoring),
        5 => widening::<I8x32, Registers<I8x32, 5>, I16x16>(query, target, scoring),
        6 => widening::<I8x32, Registers<I8x32, 6>, I16x16>(query, target, scoring),
        7 => widening::<I8x32, Registers<I8x32, 7>, I16x16>(query, target, scoring),
        8 => widening::<I8x32, Registers<I8x32, 8>, I16x16>(query, target, scoring),
        _ => widening::<I8x32, Memory<I8x32>, I16x16>(query, target, scoring),
    }
}

impl ByteLanes for U8x16 {
    const LANES: usize = 16;
    #[inline(always)]
    unsafe fn splat(value: u8) -> Self {
        U8x16(_mm_set1_epi8(value as i8))
    }
    #[inline(always)]
    unsafe fn table(table: &[u8; 16]) -> Self {
        U8x16(_mm_loadu_si128(table.as_ptr().cast()))
    }
    #[inline(always)]
    unsafe fn load(bytes: *const u8) -> Self {
        U8x16(_mm_loadu_si128(bytes.cast()))
    }
    #[inline(always)]
    unsafe fn store(self, bytes: *mut u8) {
        _mm_storeu_si128(bytes.cast(), self.0)
    }
    #[inline(always)]
    unsafe fn adds(a: Self, b: Self) -> Self {
        U8x16(_mm_adds_epu8(a.0, b.0))
    }
    #[inline(always)]
    unsafe fn subs(a: Self, b: Self) -> Self {
        U8x16(_mm_subs_epu8(a.0, b.0))
    }
    #[inline(always)]
    unsafe fn max(a: Self, b: Self) -> Self {
        U8x16(_mm_max_epu8(a.0, b.0))
    }
    #[inline(always)]
    unsafe fn or(a: Self, b: Self) -> Self {
        U8x16(_mm_or_si128(a.0, b.0))
    }
    #[inline(always)]
    unsafe fn xor(a: Self, b: Self) -> Self {
        U8x16(_mm_xor_si128(a.0, b.0))
    }
    #[inline(always)]
    unsafe fn lookup(table: Self, index: Self) -> Self {
        U8x16(_mm_shuffle_epi8(table.0, index.0))
    }
    #[inline(always)]
    unsafe fn le_mask(a: Self, b: Self) -> Self {
        U8x16(_mm_cmpeq_epi8(_mm_subs_epu8(a.0, b.0), _mm_setzero_si128()))
    }
    #[inline(always)]
    unsafe fn mask_bits(mask: Self) -> u32 {
        _mm_movemask_epi8(mask.0) as u32
    }
    #[inline(always)]
    unsafe fn blend(if_clear: Self, if_set: Self, mask: Self) -> Self {
        // SSSE3 has no byte blend: (mask & set) | (!mask & clear).
        U8x16(_mm_or_si128(
            _mm_and_si128(mask.0, if_set.0),
            _mm_andnot_si128(mask.0, if_clear.0),
        ))
    }
}

impl ByteLanes for U8x32 {
    const LANES: usize = 32;
    #[inline(always)]
    unsafe fn splat(value: u8) -> Self {
        U8x32(_mm256_set1_epi8(value as i8))
    }
    #[inline(always)]
    unsafe fn table(table: &[u8; 16]) -> Self {
        U8x32(_mm256_broadcastsi128_si256(_mm_loadu_si128(
            table.as_ptr().cast(),
        )))
    }
    #[inline(always)]
    unsafe fn load(bytes: *const u8) -> Self {
        U8x32(_mm256_loadu_si256(bytes.cast()))
    }
    #[inline(always)]
    unsafe fn store(self, bytes: *mut u8) {
        _mm256_storeu_si256(bytes.cast(), self.0)
    }
    #[inline(always)]
    unsafe fn adds(a: Self, b: Self) -> Self {
        U8x32(_mm256_adds_epu8(a.0, b.0))
    }
    #[inline(always)]
    unsafe fn subs(a: Self, b: Self) -> Self {
        U8x32(_mm256_subs_epu8(a.0, b.0))
    }
    #[inline(always)]
    unsafe fn max(a: Self, b: Self) -> Self {
        U8x32(_mm256_max_epu8(a.0, b.0))
    }
    #[inline(always)]
    unsafe fn or(a: Self, b: Self) -> Self {
        U8x32(_mm256_or_si256(a.0, b.0))
    }
    #[inline(always)]
    unsafe fn xor(a: Self, b: Self) -> Self {
        U8x32(_mm256_xor_si256(a.0, b.0))
    }
    #[inline(always)]
    unsafe fn lookup(table: Self, index: Self) -> Self {
        U8x32(_mm256_shuffle_epi8(table.0, index.0))
    }
    #[inline(always)]
    unsafe fn le_mask(a: Self, b: Self) -> Self {
        U8x32(_mm256_cmpeq_epi8(
            _mm256_subs_epu8(a.0, b.0),
            _mm256_setzero_si256(),
        ))
    }
    #[inline(always)]
    unsafe fn mask_bits(mask: Self) -> u32 {
        _mm256_movemask_epi8(mask.0) as u32
    }
    #[inline(always)]
    unsafe fn blend(if_clear: Self, if_set: Self, mask: Self) -> Self {
        U8x32(_mm256_blendv_epi8(if_clear.0, if_set.0, mask.0))
    }
}

/// The grouped (inter-sequence) kernel with SSE2/SSSE3 instructions.
///
/// # Safety
///
/// The CPU must support SSSE3; `encoding` is that of `scoring` (at most 5
/// symbols).
#[target_feature(enable = "ssse3")]
pub(super) unsafe fn ssse3_grouped(
    group: &[(&[u8], &[u8])],
    scoring: &Scoring,
    encoding: &Encoding,
    workspace: &mut Workspace,
    out: &mut [Alignment],
) -> u32 {
    match encoding.two_tables {
        true => grouped::<U8x16, true>(group, scoring, encoding, workspace, out),
        false => grouped::<U8x16, false>(group, scoring, encoding, workspace, out),
    }
}

/// The grouped (inter-sequence) kernel with AVX2 instructions.
///
/// # Safety
///
/// The CPU must support AVX2; `encoding` is that of `scoring` (at most 5
/// symbols).
#[target_feature(enable = "avx2")]
pub(super) unsafe fn avx2_grouped(
    group: &[(&[u8], &[u8])],
    scoring: &Scoring,
    encoding: &Encoding,
    workspace: &mut Workspace,
    out: &mut [Alignment],
) -> u32 {
    match encoding.two_tables {
        true => grouped::<U8x32, true>(group, scoring, encoding, workspace, out),
        false => grouped::<U8x32, false>(group, scoring, encoding, workspace, out),
    }
}
