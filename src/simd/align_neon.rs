//! aarch64 lanes for the striped Smith-Waterman kernel: 16 × u8 and 8 × i16
//! (NEON), and the byte lanes of the grouped (inter-sequence) kernel.

use std::arch::aarch64::*;

use super::align::{doubling_carry_constants, widening, Lanes, Memory, Width};
use super::align_batch::{grouped, ByteLanes, Encoding, Workspace};
use crate::align::{Alignment, Scoring};

#[derive(Clone, Copy)]
pub(super) struct U8x16(uint8x16_t);
#[derive(Clone, Copy)]
pub(super) struct I16x8(int16x8_t);

// The `unsafe fn`s below only execute NEON instructions on register values;
// NEON is part of every aarch64 CPU.

impl Lanes for U8x16 {
    const LANES: usize = 16;
    const LIMIT: i32 = u8::MAX as i32;
    type CarryConstants = [Self; 4];
    #[inline(always)]
    unsafe fn splat(value: i32) -> Self {
        U8x16(vdupq_n_u8(value as u8))
    }
    #[inline(always)]
    unsafe fn add_score(diagonal: Self, profile: Self, bias: Self) -> Self {
        U8x16(vqsubq_u8(vqaddq_u8(diagonal.0, profile.0), bias.0))
    }
    #[inline(always)]
    unsafe fn sub(a: Self, b: Self) -> Self {
        U8x16(vqsubq_u8(a.0, b.0))
    }
    #[inline(always)]
    unsafe fn max(a: Self, b: Self) -> Self {
        U8x16(vmaxq_u8(a.0, b.0))
    }
    #[inline(always)]
    unsafe fn any_gt(a: Self, b: Self) -> bool {
        vmaxvq_u8(vcgtq_u8(a.0, b.0)) != 0
    }
    #[inline(always)]
    unsafe fn first_equal(a: Self, b: Self) -> Option<usize> {
        let equal: [u8; 16] = std::mem::transmute(vceqq_u8(a.0, b.0));
        equal.iter().position(|&lane| lane != 0)
    }
    #[inline(always)]
    unsafe fn lookup16(table: &[u8; 16], codes: *const u8) -> Self {
        U8x16(vqtbl1q_u8(vld1q_u8(table.as_ptr()), vld1q_u8(codes)))
    }
    #[inline(always)]
    unsafe fn shift_up(a: Self) -> Self {
        U8x16(vextq_u8::<15>(vdupq_n_u8(0), a.0))
    }
    #[inline(always)]
    unsafe fn carry_constants(step: i32) -> [Self; 4] {
        doubling_carry_constants::<Self, 4>(step)
    }
    #[inline(always)]
    unsafe fn carry(out: Self, decays: &[Self; 4]) -> (Self, Self) {
        // vextq(zero, x, 16 - k) moves lane l to lane l + k.
        let zero = vdupq_n_u8(0);
        let mut x = out.0;
        x = vmaxq_u8(x, vqsubq_u8(vextq_u8::<15>(zero, x), decays[0].0));
        x = vmaxq_u8(x, vqsubq_u8(vextq_u8::<14>(zero, x), decays[1].0));
        x = vmaxq_u8(x, vqsubq_u8(vextq_u8::<12>(zero, x), decays[2].0));
        x = vmaxq_u8(x, vqsubq_u8(vextq_u8::<8>(zero, x), decays[3].0));
        (
            U8x16(vextq_u8::<15>(zero, x)),
            U8x16(vextq_u8::<14>(zero, x)),
        )
    }
    fn lane(self, lane: usize) -> i32 {
        // SAFETY: uint8x16_t and [u8; 16] have the same size; every bit pattern is valid.
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
        I16x8(vdupq_n_s16(value as i16))
    }
    #[inline(always)]
    unsafe fn add_score(diagonal: Self, profile: Self, _bias: Self) -> Self {
        I16x8(vmaxq_s16(vqaddq_s16(diagonal.0, profile.0), vdupq_n_s16(0)))
    }
    #[inline(always)]
    unsafe fn sub(a: Self, b: Self) -> Self {
        I16x8(vqsubq_s16(a.0, b.0))
    }
    #[inline(always)]
    unsafe fn max(a: Self, b: Self) -> Self {
        I16x8(vmaxq_s16(a.0, b.0))
    }
    #[inline(always)]
    unsafe fn any_gt(a: Self, b: Self) -> bool {
        vmaxvq_u16(vcgtq_s16(a.0, b.0)) != 0
    }
    #[inline(always)]
    unsafe fn first_equal(a: Self, b: Self) -> Option<usize> {
        let equal: [u16; 8] = std::mem::transmute(vceqq_s16(a.0, b.0));
        equal.iter().position(|&lane| lane != 0)
    }
    #[inline(always)]
    unsafe fn lookup16(table: &[i16; 16], codes: *const u8) -> Self {
        // SAFETY: the caller passes `LANES` codes, each below 16.
        let values: [i16; 8] = std::array::from_fn(|l| table[usize::from(*codes.add(l)) % 16]);
        I16x8(vld1q_s16(values.as_ptr()))
    }
    #[inline(always)]
    unsafe fn shift_up(a: Self) -> Self {
        I16x8(vextq_s16::<7>(vdupq_n_s16(0), a.0))
    }
    #[inline(always)]
    unsafe fn carry_constants(step: i32) -> [Self; 3] {
        doubling_carry_constants::<Self, 3>(step)
    }
    #[inline(always)]
    unsafe fn carry(out: Self, decays: &[Self; 3]) -> (Self, Self) {
        let zero = vdupq_n_s16(0);
        let mut x = out.0;
        x = vmaxq_s16(x, vqsubq_s16(vextq_s16::<7>(zero, x), decays[0].0));
        x = vmaxq_s16(x, vqsubq_s16(vextq_s16::<6>(zero, x), decays[1].0));
        x = vmaxq_s16(x, vqsubq_s16(vextq_s16::<4>(zero, x), decays[2].0));
        (
            I16x8(vextq_s16::<7>(zero, x)),
            I16x8(vextq_s16::<6>(zero, x)),
        )
    }
    fn lane(self, lane: usize) -> i32 {
        // SAFETY: int16x8_t and [i16; 8] have the same size; every bit pattern is valid.
        let values: [i16; 8] = unsafe { std::mem::transmute(self.0) };
        i32::from(values[lane])
    }
    type Element = i16;
    fn element(value: i32) -> i16 {
        value as i16
    }
}

/// The striped kernel with NEON instructions.
///
/// # Safety
///
/// Always sound on aarch64 (NEON is mandatory); `unsafe` for symmetry with
/// the x86 kernels.
#[target_feature(enable = "neon")]
pub(super) unsafe fn neon(query: &[u8], target: &[u8], scoring: &Scoring) -> (Alignment, Width) {
    widening::<U8x16, Memory<U8x16>, I16x8>(query, target, scoring)
}

impl ByteLanes for U8x16 {
    const LANES: usize = 16;
    #[inline(always)]
    unsafe fn splat(value: u8) -> Self {
        U8x16(vdupq_n_u8(value))
    }
    #[inline(always)]
    unsafe fn table(table: &[u8; 16]) -> Self {
        U8x16(vld1q_u8(table.as_ptr()))
    }
    #[inline(always)]
    unsafe fn load(bytes: *const u8) -> Self {
        U8x16(vld1q_u8(bytes))
    }
    #[inline(always)]
    unsafe fn store(self, bytes: *mut u8) {
        vst1q_u8(bytes, self.0)
    }
    #[inline(always)]
    unsafe fn adds(a: Self, b: Self) -> Self {
        U8x16(vqaddq_u8(a.0, b.0))
    }
    #[inline(always)]
    unsafe fn subs(a: Self, b: Self) -> Self {
        U8x16(vqsubq_u8(a.0, b.0))
    }
    #[inline(always)]
    unsafe fn max(a: Self, b: Self) -> Self {
        U8x16(vmaxq_u8(a.0, b.0))
    }
    #[inline(always)]
    unsafe fn or(a: Self, b: Self) -> Self {
        U8x16(vorrq_u8(a.0, b.0))
    }
    #[inline(always)]
    unsafe fn xor(a: Self, b: Self) -> Self {
        U8x16(veorq_u8(a.0, b.0))
    }
    #[inline(always)]
    unsafe fn lookup(table: Self, index: Self) -> Self {
        // `tbl` reads 0 for any index ≥ 16; keeping bit 7 and the low
        // nibble gives x86's byte-shuffle rule.
        U8x16(vqtbl1q_u8(table.0, vandq_u8(index.0, vdupq_n_u8(0x8F))))
    }
    #[inline(always)]
    unsafe fn le_mask(a: Self, b: Self) -> Self {
        U8x16(vcleq_u8(a.0, b.0))
    }
    #[inline(always)]
    unsafe fn mask_bits(mask: Self) -> u32 {
        const WEIGHTS: [u8; 16] = [1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128];
        let bits = vandq_u8(mask.0, vld1q_u8(WEIGHTS.as_ptr()));
        u32::from(vaddv_u8(vget_low_u8(bits))) | u32::from(vaddv_u8(vget_high_u8(bits))) << 8
    }
    #[inline(always)]
    unsafe fn blend(if_clear: Self, if_set: Self, mask: Self) -> Self {
        U8x16(vbslq_u8(mask.0, if_set.0, if_clear.0))
    }
}

/// The grouped (inter-sequence) kernel with NEON instructions.
///
/// # Safety
///
/// `encoding` is that of `scoring` (at most 5 symbols; NEON is part of
/// every aarch64 CPU).
pub(super) unsafe fn neon_grouped(
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
