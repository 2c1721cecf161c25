//! x86_64 SSSE3 kernels (16-byte vectors, `pshufb` table lookups).
//!
//! Every `#[target_feature]` function here is `unsafe` only because it needs
//! SSSE3; memory is accessed through `chunks_exact` slices whose lengths
//! match the vector width, so no load or store leaves its slice. The safe
//! wrappers are reachable only through [`KERNELS`], which
//! [`super::kernels`] returns only after detecting SSSE3.

use core::arch::x86_64::*;

use super::scalar::{self, COMPLEMENT_ROWS, ENCODE_ROWS};
use super::{BaseCounts, Kernels, Level};

pub(super) static KERNELS: Kernels = Kernels {
    level: Level::Ssse3,
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
            // SAFETY: only reachable through `KERNELS`, handed out by
            // `super::kernels` after `is_x86_feature_detected!("ssse3")`.
            unsafe { $inner($($arg),*) }
        }
    )*};
}

safe_wrappers! {
    decode_bam_sequence => decode_ssse3(packed: &[u8], out: &mut [u8]) -> ();
    encode_bam_sequence => encode_ssse3(ascii: &[u8], out: &mut [u8]) -> ();
    count_bases => count_ssse3(seq: &[u8]) -> BaseCounts;
    byte_sum_min_max => sum_min_max_ssse3(bytes: &[u8]) -> (u64, u8, u8);
    reverse_complement => reverse_complement_ssse3(seq: &[u8], out: &mut [u8]) -> ();
    reverse_complement_in_place => reverse_complement_in_place_ssse3(seq: &mut [u8]) -> ();
    add_offset => add_offset_ssse3(src: &[u8], out: &mut [u8], offset: u8, max_src: u8) -> Result<(), usize>;
    subtract_offset => subtract_offset_ssse3(src: &[u8], out: &mut [u8], offset: u8, max_result: u8) -> Result<(), usize>;
}

#[inline(always)]
unsafe fn load(chunk: &[u8]) -> __m128i {
    debug_assert_eq!(chunk.len(), WIDTH);
    // SAFETY: callers pass 16-byte chunks; unaligned load.
    _mm_loadu_si128(chunk.as_ptr().cast())
}

#[inline(always)]
unsafe fn store(chunk: &mut [u8], value: __m128i) {
    debug_assert_eq!(chunk.len(), WIDTH);
    // SAFETY: callers pass 16-byte chunks; unaligned store.
    _mm_storeu_si128(chunk.as_mut_ptr().cast(), value)
}

#[inline(always)]
unsafe fn splat(byte: u8) -> __m128i {
    _mm_set1_epi8(byte as i8)
}

/// Lanes of `mask` (0xFF or 0) select `if_set`, the others `if_clear`.
#[inline(always)]
unsafe fn select(mask: __m128i, if_set: __m128i, if_clear: __m128i) -> __m128i {
    _mm_or_si128(
        _mm_and_si128(mask, if_set),
        _mm_andnot_si128(mask, if_clear),
    )
}

/// Also the AVX2 level's path for fewer than 32 whole packed bytes.
#[target_feature(enable = "ssse3")]
pub(super) unsafe fn decode_ssse3(packed: &[u8], out: &mut [u8]) {
    // SAFETY: the CPU has SSSE3 (this function's contract); blocks are
    // 16 bytes in, 32 out.
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
    let letters = load(scalar::NT16_LETTERS);
    let nibble = splat(0x0F);
    let v = load(src);
    let high = _mm_shuffle_epi8(letters, _mm_and_si128(_mm_srli_epi16::<4>(v), nibble));
    let low = _mm_shuffle_epi8(letters, _mm_and_si128(v, nibble));
    let (first, second) = dst.split_at_mut(WIDTH);
    store(first, _mm_unpacklo_epi8(high, low));
    store(second, _mm_unpackhi_epi8(high, low));
}

/// BAM codes of 16 ASCII bytes: rows 0x3_, 0x4_/0x6_ and 0x5_/0x7_ of the
/// table by shuffle, 15 for every other byte.
#[inline(always)]
unsafe fn encode_codes(v: __m128i) -> __m128i {
    let low = _mm_and_si128(v, splat(0x0F));
    let row = _mm_and_si128(v, splat(0xF0));
    let folded_row = _mm_and_si128(v, splat(0xD0)); // 0x6_ → 0x4_, 0x7_ → 0x5_
    let is_digit_row = _mm_cmpeq_epi8(row, splat(0x30));
    let is_row4 = _mm_cmpeq_epi8(folded_row, splat(0x40));
    let is_row5 = _mm_cmpeq_epi8(folded_row, splat(0x50));
    let mut codes = splat(scalar::NT16_UNKNOWN);
    codes = select(
        is_digit_row,
        _mm_shuffle_epi8(load(&ENCODE_ROWS[0]), low),
        codes,
    );
    codes = select(is_row4, _mm_shuffle_epi8(load(&ENCODE_ROWS[1]), low), codes);
    select(is_row5, _mm_shuffle_epi8(load(&ENCODE_ROWS[2]), low), codes)
}

#[target_feature(enable = "ssse3")]
unsafe fn encode_ssse3(ascii: &[u8], out: &mut [u8]) {
    // Each 16-bit lane: first code × 16 + second code.
    let weights = _mm_set1_epi16(0x0110);
    let vector_bytes = ascii.len() - ascii.len() % (2 * WIDTH);
    for (src, dst) in ascii[..vector_bytes]
        .chunks_exact(2 * WIDTH)
        .zip(out.chunks_exact_mut(WIDTH))
    {
        let (first, second) = src.split_at(WIDTH);
        let pairs0 = _mm_maddubs_epi16(encode_codes(load(first)), weights);
        let pairs1 = _mm_maddubs_epi16(encode_codes(load(second)), weights);
        store(dst, _mm_packus_epi16(pairs0, pairs1));
    }
    scalar::encode_bam_sequence(&ascii[vector_bytes..], &mut out[vector_bytes / 2..]);
}

/// The sum of the bytes of `counters` (each lane a count ≤ 255).
#[inline(always)]
unsafe fn horizontal_sum(counters: __m128i) -> u64 {
    let sums = _mm_sad_epu8(counters, _mm_setzero_si128());
    (_mm_cvtsi128_si64(sums) + _mm_cvtsi128_si64(_mm_unpackhi_epi64(sums, sums))) as u64
}

#[target_feature(enable = "ssse3")]
unsafe fn count_ssse3(seq: &[u8]) -> BaseCounts {
    let letters = [b'a', b'c', b'g', b't', b'n'].map(|b| splat(b));
    let case_bit = splat(0x20);
    let mut totals = [0u64; 5];
    let chunks = seq.chunks_exact(WIDTH);
    let tail = chunks.remainder();
    // Byte counters may take 255 vectors before they overflow.
    for block in seq[..seq.len() - tail.len()].chunks(255 * WIDTH) {
        let mut counters = [_mm_setzero_si128(); 5];
        for chunk in block.chunks_exact(WIDTH) {
            let folded = _mm_or_si128(load(chunk), case_bit);
            for (counter, letter) in counters.iter_mut().zip(&letters) {
                *counter = _mm_sub_epi8(*counter, _mm_cmpeq_epi8(folded, *letter));
            }
        }
        for (total, counter) in totals.iter_mut().zip(counters) {
            *total += horizontal_sum(counter);
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

#[target_feature(enable = "ssse3")]
unsafe fn sum_min_max_ssse3(bytes: &[u8]) -> (u64, u8, u8) {
    let chunks = bytes.chunks_exact(WIDTH);
    let (tail_sum, mut min, mut max) = scalar::byte_sum_min_max(chunks.remainder());
    let mut sums = _mm_setzero_si128();
    let mut mins = splat(u8::MAX);
    let mut maxs = _mm_setzero_si128();
    for chunk in chunks {
        let v = load(chunk);
        sums = _mm_add_epi64(sums, _mm_sad_epu8(v, _mm_setzero_si128()));
        mins = _mm_min_epu8(mins, v);
        maxs = _mm_max_epu8(maxs, v);
    }
    let mut lanes = [0u8; WIDTH];
    store(&mut lanes, mins);
    min = lanes.iter().fold(min, |acc, &b| acc.min(b));
    store(&mut lanes, maxs);
    max = lanes.iter().fold(max, |acc, &b| acc.max(b));
    let sum = (_mm_cvtsi128_si64(sums) + _mm_cvtsi128_si64(_mm_unpackhi_epi64(sums, sums))) as u64;
    (sum + tail_sum, min, max)
}

/// Complements 16 ASCII bytes: bytes 0x40..=0x7F through two 16-entry rows
/// (case bit added back), every other byte unchanged.
#[inline(always)]
unsafe fn complement(v: __m128i) -> __m128i {
    let low = _mm_and_si128(v, splat(0x0F));
    let upper_row = _mm_cmpeq_epi8(_mm_and_si128(v, splat(0x10)), splat(0x10));
    let row4 = _mm_shuffle_epi8(load(&COMPLEMENT_ROWS[0]), low);
    let row5 = _mm_shuffle_epi8(load(&COMPLEMENT_ROWS[1]), low);
    let letter = _mm_or_si128(select(upper_row, row5, row4), _mm_and_si128(v, splat(0x20)));
    let in_letter_range = _mm_cmpeq_epi8(_mm_and_si128(v, splat(0xC0)), splat(0x40));
    select(in_letter_range, letter, v)
}

#[inline(always)]
unsafe fn reverse_complement_vector(v: __m128i) -> __m128i {
    let reversed = _mm_set_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    _mm_shuffle_epi8(complement(v), reversed)
}

#[target_feature(enable = "ssse3")]
unsafe fn reverse_complement_ssse3(seq: &[u8], out: &mut [u8]) {
    let mut src = seq.rchunks_exact(WIDTH);
    let mut dst = out.chunks_exact_mut(WIDTH);
    for (s, d) in (&mut src).zip(&mut dst) {
        store(d, reverse_complement_vector(load(s)));
    }
    scalar::reverse_complement(src.remainder(), dst.into_remainder());
}

#[target_feature(enable = "ssse3")]
unsafe fn reverse_complement_in_place_ssse3(seq: &mut [u8]) {
    let len = seq.len();
    let vectors_per_side = len / 2 / WIDTH;
    let (left, rest) = seq.split_at_mut(vectors_per_side * WIDTH);
    let (middle, right) = rest.split_at_mut(len - 2 * vectors_per_side * WIDTH);
    for (l, r) in left
        .chunks_exact_mut(WIDTH)
        .zip(right.rchunks_exact_mut(WIDTH))
    {
        let from_left = reverse_complement_vector(load(l));
        store(l, reverse_complement_vector(load(r)));
        store(r, from_left);
    }
    scalar::reverse_complement_in_place(middle);
}

/// The index of the first 0 bit of a 16-lane movemask, if any.
#[inline(always)]
fn first_clear_lane(mask: i32) -> Option<usize> {
    let clear = !mask as u32 & 0xFFFF;
    (clear != 0).then(|| clear.trailing_zeros() as usize)
}

#[target_feature(enable = "ssse3")]
unsafe fn add_offset_ssse3(
    src: &[u8],
    out: &mut [u8],
    offset: u8,
    max_src: u8,
) -> Result<(), usize> {
    let (offset_v, max_v) = (splat(offset), splat(max_src));
    let mut s = src.chunks_exact(WIDTH);
    let mut d = out.chunks_exact_mut(WIDTH);
    for (i, (sc, dc)) in (&mut s).zip(&mut d).enumerate() {
        let v = load(sc);
        let valid = _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_max_epu8(v, max_v), max_v));
        if let Some(lane) = first_clear_lane(valid) {
            return Err(i * WIDTH + lane);
        }
        store(dc, _mm_add_epi8(v, offset_v));
    }
    let done = src.len() - s.remainder().len();
    scalar::add_offset(s.remainder(), d.into_remainder(), offset, max_src).map_err(|i| done + i)
}

#[target_feature(enable = "ssse3")]
unsafe fn subtract_offset_ssse3(
    src: &[u8],
    out: &mut [u8],
    offset: u8,
    max_result: u8,
) -> Result<(), usize> {
    let (offset_v, max_v) = (splat(offset), splat(max_result));
    let mut s = src.chunks_exact(WIDTH);
    let mut d = out.chunks_exact_mut(WIDTH);
    for (i, (sc, dc)) in (&mut s).zip(&mut d).enumerate() {
        // Below `offset` wraps to a value above `max_result`.
        let value = _mm_sub_epi8(load(sc), offset_v);
        let valid = _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_max_epu8(value, max_v), max_v));
        if let Some(lane) = first_clear_lane(valid) {
            return Err(i * WIDTH + lane);
        }
        store(dc, value);
    }
    let done = src.len() - s.remainder().len();
    scalar::subtract_offset(s.remainder(), d.into_remainder(), offset, max_result)
        .map_err(|i| done + i)
}
