//! aarch64 NEON kernels (16-byte vectors).
//!
//! NEON is part of the aarch64 baseline, so these run on every aarch64 CPU
//! and are chosen at compile time. Its interleaving loads and stores
//! (`ld2`/`st2`) and 64-byte table lookups (`tbx` over four registers) make
//! packing, unpacking and complementing direct. Memory is accessed through
//! `chunks_exact` slices of the vector width.

use core::arch::aarch64::*;

use super::scalar::{self, COMPLEMENT_TABLE, ENCODE_TABLE};
use super::{BaseCounts, Kernels, Level};

pub(super) static KERNELS: Kernels = Kernels {
    level: Level::Neon,
    decode_bam_sequence,
    encode_bam_sequence,
    count_bases,
    byte_sum_min_max,
    reverse_complement,
    reverse_complement_in_place,
    add_offset,
    subtract_offset,
};

const WIDTH: usize = 16;

macro_rules! safe_wrappers {
    ($($name:ident => $inner:ident ($($arg:ident: $ty:ty),*) -> $ret:ty;)*) => {$(
        fn $name($($arg: $ty),*) -> $ret {
            // SAFETY: NEON is mandatory on aarch64 (the `neon` target
            // feature is enabled for every aarch64 target).
            unsafe { $inner($($arg),*) }
        }
    )*};
}

safe_wrappers! {
    decode_bam_sequence => decode_neon(packed: &[u8], out: &mut [u8]) -> ();
    encode_bam_sequence => encode_neon(ascii: &[u8], out: &mut [u8]) -> ();
    count_bases => count_neon(seq: &[u8]) -> BaseCounts;
    byte_sum_min_max => sum_min_max_neon(bytes: &[u8]) -> (u64, u8, u8);
    reverse_complement => reverse_complement_neon(seq: &[u8], out: &mut [u8]) -> ();
    reverse_complement_in_place => reverse_complement_in_place_neon(seq: &mut [u8]) -> ();
    add_offset => add_offset_neon(src: &[u8], out: &mut [u8], offset: u8, max_src: u8) -> Result<(), usize>;
    subtract_offset => subtract_offset_neon(src: &[u8], out: &mut [u8], offset: u8, max_result: u8) -> Result<(), usize>;
}

#[inline(always)]
unsafe fn load(chunk: &[u8]) -> uint8x16_t {
    debug_assert_eq!(chunk.len(), WIDTH);
    // SAFETY: callers pass 16-byte chunks.
    vld1q_u8(chunk.as_ptr())
}

#[inline(always)]
unsafe fn store(chunk: &mut [u8], value: uint8x16_t) {
    debug_assert_eq!(chunk.len(), WIDTH);
    // SAFETY: callers pass 16-byte chunks.
    vst1q_u8(chunk.as_mut_ptr(), value)
}

/// 64 consecutive table entries starting at `first`, for `vqtbx4q_u8`.
#[inline(always)]
unsafe fn table64(table: &[u8; 256], first: usize) -> uint8x16x4_t {
    let entries = &table[first..first + 64];
    // SAFETY: `entries` is 64 bytes; `vld1q_u8_x4` reads exactly 64.
    vld1q_u8_x4(entries.as_ptr())
}

#[target_feature(enable = "neon")]
unsafe fn decode_neon(packed: &[u8], out: &mut [u8]) {
    // SAFETY: the CPU has NEON (this function's contract); blocks are 16
    // bytes in, 32 out.
    scalar::decode_in_blocks(
        packed,
        out,
        WIDTH,
        |src, dst| unsafe { decode_block(src, dst) },
        scalar::decode_bam_sequence,
    );
}

/// Decodes 16 packed bytes (`src`) into 32 letters (`dst`).
#[inline(always)]
unsafe fn decode_block(src: &[u8], dst: &mut [u8]) {
    let letters = vld1q_u8(scalar::NT16_LETTERS.as_ptr());
    let v = load(src);
    let high = vqtbl1q_u8(letters, vshrq_n_u8::<4>(v));
    let low = vqtbl1q_u8(letters, vandq_u8(v, vdupq_n_u8(0x0F)));
    debug_assert_eq!(dst.len(), 2 * WIDTH);
    // SAFETY: `dst` is 32 bytes; `vst2q_u8` writes 32, interleaved.
    vst2q_u8(dst.as_mut_ptr(), uint8x16x2_t(high, low));
}

#[target_feature(enable = "neon")]
unsafe fn encode_neon(ascii: &[u8], out: &mut [u8]) {
    // Bytes 0..64 and 64..128 through two 64-entry lookups; a lookup leaves
    // out-of-range lanes alone, so bytes ≥ 128 keep the initial 15.
    let (first_half, second_half) = (table64(&ENCODE_TABLE, 0), table64(&ENCODE_TABLE, 64));
    let codes = |v: uint8x16_t| {
        let codes = vqtbx4q_u8(vdupq_n_u8(scalar::NT16_UNKNOWN), first_half, v);
        vqtbx4q_u8(codes, second_half, vsubq_u8(v, vdupq_n_u8(64)))
    };
    let vector_bytes = ascii.len() - ascii.len() % (2 * WIDTH);
    for (src, dst) in ascii[..vector_bytes]
        .chunks_exact(2 * WIDTH)
        .zip(out.chunks_exact_mut(WIDTH))
    {
        // SAFETY: `src` is 32 bytes; `vld2q_u8` reads 32, de-interleaved
        // into even- and odd-indexed bytes.
        let pairs = vld2q_u8(src.as_ptr());
        store(dst, vsliq_n_u8::<4>(codes(pairs.1), codes(pairs.0)));
    }
    scalar::encode_bam_sequence(&ascii[vector_bytes..], &mut out[vector_bytes / 2..]);
}

#[target_feature(enable = "neon")]
unsafe fn count_neon(seq: &[u8]) -> BaseCounts {
    let letters = [b'a', b'c', b'g', b't', b'n'].map(|b| vdupq_n_u8(b));
    let case_bit = vdupq_n_u8(0x20);
    let mut totals = [0u64; 5];
    let chunks = seq.chunks_exact(WIDTH);
    let tail = chunks.remainder();
    // Byte counters may take 255 vectors before they overflow.
    for block in seq[..seq.len() - tail.len()].chunks(255 * WIDTH) {
        let mut counters = [vdupq_n_u8(0); 5];
        for chunk in block.chunks_exact(WIDTH) {
            let folded = vorrq_u8(load(chunk), case_bit);
            for (counter, letter) in counters.iter_mut().zip(&letters) {
                *counter = vsubq_u8(*counter, vceqq_u8(folded, *letter));
            }
        }
        for (total, counter) in totals.iter_mut().zip(counters) {
            *total += u64::from(vaddlvq_u8(counter));
        }
    }
    let mut counts = scalar::count_bases(tail);
    counts.a += totals[0];
    counts.c += totals[1];
    counts.g += totals[2];
    counts.t += totals[3];
    counts.n += totals[4];
    counts.other = seq.len() as u64 - (counts.a + counts.c + counts.g + counts.t + counts.n);
    counts
}

#[target_feature(enable = "neon")]
unsafe fn sum_min_max_neon(bytes: &[u8]) -> (u64, u8, u8) {
    let chunks = bytes.chunks_exact(WIDTH);
    let tail = chunks.remainder();
    let (mut sum, mut min, mut max) = scalar::byte_sum_min_max(tail);
    let mut mins = vdupq_n_u8(u8::MAX);
    let mut maxs = vdupq_n_u8(0);
    // Each 16-bit lane gains at most 510 per vector: flush every 128.
    for block in bytes[..bytes.len() - tail.len()].chunks(128 * WIDTH) {
        let mut sums = vdupq_n_u16(0);
        for chunk in block.chunks_exact(WIDTH) {
            let v = load(chunk);
            sums = vpadalq_u8(sums, v);
            mins = vminq_u8(mins, v);
            maxs = vmaxq_u8(maxs, v);
        }
        sum += u64::from(vaddlvq_u16(sums));
    }
    if bytes.len() >= WIDTH {
        min = min.min(vminvq_u8(mins));
        max = max.max(vmaxvq_u8(maxs));
    }
    (sum, min, max)
}

#[inline(always)]
unsafe fn reverse_complement_vector(v: uint8x16_t, upper_half: uint8x16x4_t) -> uint8x16_t {
    // Bytes below 64 or from 128 fall outside the lookup and stay as they are.
    let complemented = vqtbx4q_u8(v, upper_half, vsubq_u8(v, vdupq_n_u8(64)));
    let reversed_halves = vrev64q_u8(complemented);
    vextq_u8::<8>(reversed_halves, reversed_halves)
}

#[target_feature(enable = "neon")]
unsafe fn reverse_complement_neon(seq: &[u8], out: &mut [u8]) {
    let upper_half = table64(&COMPLEMENT_TABLE, 64);
    let mut src = seq.rchunks_exact(WIDTH);
    let mut dst = out.chunks_exact_mut(WIDTH);
    for (s, d) in (&mut src).zip(&mut dst) {
        store(d, reverse_complement_vector(load(s), upper_half));
    }
    scalar::reverse_complement(src.remainder(), dst.into_remainder());
}

#[target_feature(enable = "neon")]
unsafe fn reverse_complement_in_place_neon(seq: &mut [u8]) {
    let upper_half = table64(&COMPLEMENT_TABLE, 64);
    let len = seq.len();
    let vectors_per_side = len / 2 / WIDTH;
    let (left, rest) = seq.split_at_mut(vectors_per_side * WIDTH);
    let (middle, right) = rest.split_at_mut(len - 2 * vectors_per_side * WIDTH);
    for (l, r) in left
        .chunks_exact_mut(WIDTH)
        .zip(right.rchunks_exact_mut(WIDTH))
    {
        let from_left = reverse_complement_vector(load(l), upper_half);
        store(l, reverse_complement_vector(load(r), upper_half));
        store(r, from_left);
    }
    scalar::reverse_complement_in_place(middle);
}

#[target_feature(enable = "neon")]
unsafe fn add_offset_neon(
    src: &[u8],
    out: &mut [u8],
    offset: u8,
    max_src: u8,
) -> Result<(), usize> {
    let (offset_v, max_v) = (vdupq_n_u8(offset), vdupq_n_u8(max_src));
    let mut s = src.chunks_exact(WIDTH);
    let mut d = out.chunks_exact_mut(WIDTH);
    for (i, (sc, dc)) in (&mut s).zip(&mut d).enumerate() {
        let v = load(sc);
        if vmaxvq_u8(vcgtq_u8(v, max_v)) != 0 {
            // Error path: the scalar kernel finds the lane.
            return scalar::add_offset(sc, dc, offset, max_src).map_err(|lane| i * WIDTH + lane);
        }
        store(dc, vaddq_u8(v, offset_v));
    }
    let done = src.len() - s.remainder().len();
    scalar::add_offset(s.remainder(), d.into_remainder(), offset, max_src).map_err(|i| done + i)
}

#[target_feature(enable = "neon")]
unsafe fn subtract_offset_neon(
    src: &[u8],
    out: &mut [u8],
    offset: u8,
    max_result: u8,
) -> Result<(), usize> {
    let (offset_v, max_v) = (vdupq_n_u8(offset), vdupq_n_u8(max_result));
    let mut s = src.chunks_exact(WIDTH);
    let mut d = out.chunks_exact_mut(WIDTH);
    for (i, (sc, dc)) in (&mut s).zip(&mut d).enumerate() {
        // Below `offset` wraps to a value above `max_result`.
        let value = vsubq_u8(load(sc), offset_v);
        if vmaxvq_u8(vcgtq_u8(value, max_v)) != 0 {
            return scalar::subtract_offset(sc, dc, offset, max_result)
                .map_err(|lane| i * WIDTH + lane);
        }
        store(dc, value);
    }
    let done = src.len() - s.remainder().len();
    scalar::subtract_offset(s.remainder(), d.into_remainder(), offset, max_result)
        .map_err(|i| done + i)
}
