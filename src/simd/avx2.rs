//! x86_64 AVX2 kernels (32-byte vectors).
//!
//! The same algorithms as the SSSE3 kernels, twice as wide; where AVX2
//! works on two independent 128-bit lanes (unpack, pack, shuffle), a
//! cross-lane permute puts the bytes back in order. Memory is accessed
//! through `chunks_exact` slices of the vector width; the safe wrappers are
//! reachable only through [`KERNELS`], which [`super::kernels`] returns only
//! after detecting AVX2.

use core::arch::x86_64::*;

use super::scalar::{self, COMPLEMENT_ROWS, ENCODE_ROWS};
use super::{BaseCounts, Kernels, Level};

pub(super) static KERNELS: Kernels = Kernels {
    level: Level::Avx2,
    decode_bam_sequence,
    encode_bam_sequence,
    count_bases,
    byte_sum_min_max,
    reverse_complement,
    reverse_complement_in_place,
    add_offset,
    subtract_offset,
};

const WIDTH: usize = 32;

macro_rules! safe_wrappers {
    ($($name:ident => $inner:ident ($($arg:ident: $ty:ty),*) -> $ret:ty;)*) => {$(
        fn $name($($arg: $ty),*) -> $ret {
            // SAFETY: only reachable through `KERNELS`, handed out by
            // `super::kernels` after `is_x86_feature_detected!("avx2")`.
            unsafe { $inner($($arg),*) }
        }
    )*};
}

safe_wrappers! {
    decode_bam_sequence => decode_avx2(packed: &[u8], out: &mut [u8]) -> ();
    encode_bam_sequence => encode_avx2(ascii: &[u8], out: &mut [u8]) -> ();
    count_bases => count_avx2(seq: &[u8]) -> BaseCounts;
    byte_sum_min_max => sum_min_max_avx2(bytes: &[u8]) -> (u64, u8, u8);
    reverse_complement => reverse_complement_avx2(seq: &[u8], out: &mut [u8]) -> ();
    reverse_complement_in_place => reverse_complement_in_place_avx2(seq: &mut [u8]) -> ();
    add_offset => add_offset_avx2(src: &[u8], out: &mut [u8], offset: u8, max_src: u8) -> Result<(), usize>;
    subtract_offset => subtract_offset_avx2(src: &[u8], out: &mut [u8], offset: u8, max_result: u8) -> Result<(), usize>;
}

#[inline(always)]
unsafe fn load(chunk: &[u8]) -> __m256i {
    debug_assert_eq!(chunk.len(), WIDTH);
    // SAFETY: callers pass 32-byte chunks; unaligned load.
    _mm256_loadu_si256(chunk.as_ptr().cast())
}

#[inline(always)]
unsafe fn store(chunk: &mut [u8], value: __m256i) {
    debug_assert_eq!(chunk.len(), WIDTH);
    // SAFETY: callers pass 32-byte chunks; unaligned store.
    _mm256_storeu_si256(chunk.as_mut_ptr().cast(), value)
}

/// A 16-byte table repeated in both 128-bit lanes, for `vpshufb`.
#[inline(always)]
unsafe fn table(row: &[u8; 16]) -> __m256i {
    // SAFETY: `row` is 16 bytes; unaligned load.
    _mm256_broadcastsi128_si256(_mm_loadu_si128(row.as_ptr().cast()))
}

#[inline(always)]
unsafe fn splat(byte: u8) -> __m256i {
    _mm256_set1_epi8(byte as i8)
}

#[target_feature(enable = "avx2")]
unsafe fn decode_avx2(packed: &[u8], out: &mut [u8]) {
    // SAFETY (both closures): the CPU has AVX2 (this function's contract),
    // hence SSSE3; `decode_in_blocks` passes 32-byte `src` and 64-byte `dst`.
    scalar::decode_in_blocks(
        packed,
        out,
        WIDTH,
        |src, dst| unsafe { decode_block(src, dst) },
        |packed, out| unsafe { super::ssse3::decode_ssse3(packed, out) },
    );
}

/// Decodes 32 packed bytes (`src`) into 64 letters (`dst`).
#[inline(always)]
unsafe fn decode_block(src: &[u8], dst: &mut [u8]) {
    let letters = table(scalar::NT16_LETTERS);
    let nibble = splat(0x0F);
    let v = load(src);
    let high = _mm256_shuffle_epi8(letters, _mm256_and_si256(_mm256_srli_epi16::<4>(v), nibble));
    let low = _mm256_shuffle_epi8(letters, _mm256_and_si256(v, nibble));
    // Per lane: bytes 0..8 (resp. 16..24) and 8..16 (resp. 24..32).
    let interleaved_low = _mm256_unpacklo_epi8(high, low);
    let interleaved_high = _mm256_unpackhi_epi8(high, low);
    let (first, second) = dst.split_at_mut(WIDTH);
    store(
        first,
        _mm256_permute2x128_si256::<0x20>(interleaved_low, interleaved_high),
    );
    store(
        second,
        _mm256_permute2x128_si256::<0x31>(interleaved_low, interleaved_high),
    );
}

/// BAM codes of 32 ASCII bytes (see the SSSE3 version).
#[inline(always)]
unsafe fn encode_codes(v: __m256i) -> __m256i {
    let low = _mm256_and_si256(v, splat(0x0F));
    let row = _mm256_and_si256(v, splat(0xF0));
    let folded_row = _mm256_and_si256(v, splat(0xD0)); // 0x6_ → 0x4_, 0x7_ → 0x5_
    let is_digit_row = _mm256_cmpeq_epi8(row, splat(0x30));
    let is_row4 = _mm256_cmpeq_epi8(folded_row, splat(0x40));
    let is_row5 = _mm256_cmpeq_epi8(folded_row, splat(0x50));
    let mut codes = splat(scalar::NT16_UNKNOWN);
    codes = _mm256_blendv_epi8(
        codes,
        _mm256_shuffle_epi8(table(&ENCODE_ROWS[0]), low),
        is_digit_row,
    );
    codes = _mm256_blendv_epi8(
        codes,
        _mm256_shuffle_epi8(table(&ENCODE_ROWS[1]), low),
        is_row4,
    );
    _mm256_blendv_epi8(
        codes,
        _mm256_shuffle_epi8(table(&ENCODE_ROWS[2]), low),
        is_row5,
    )
}

#[target_feature(enable = "avx2")]
unsafe fn encode_avx2(ascii: &[u8], out: &mut [u8]) {
    let weights = _mm256_set1_epi16(0x0110);
    let vector_bytes = ascii.len() - ascii.len() % (2 * WIDTH);
    for (src, dst) in ascii[..vector_bytes]
        .chunks_exact(2 * WIDTH)
        .zip(out.chunks_exact_mut(WIDTH))
    {
        let (first, second) = src.split_at(WIDTH);
        let pairs0 = _mm256_maddubs_epi16(encode_codes(load(first)), weights);
        let pairs1 = _mm256_maddubs_epi16(encode_codes(load(second)), weights);
        // 64-bit quarters come out as 0-7, 16-23, 8-15, 24-31.
        let packed = _mm256_packus_epi16(pairs0, pairs1);
        store(dst, _mm256_permute4x64_epi64::<0b11_01_10_00>(packed));
    }
    scalar::encode_bam_sequence(&ascii[vector_bytes..], &mut out[vector_bytes / 2..]);
}

/// The sum of the four 64-bit lanes of `sums`.
#[inline(always)]
unsafe fn sum_lanes(sums: __m256i) -> u64 {
    let halves = _mm_add_epi64(
        _mm256_castsi256_si128(sums),
        _mm256_extracti128_si256::<1>(sums),
    );
    (_mm_cvtsi128_si64(halves) + _mm_cvtsi128_si64(_mm_unpackhi_epi64(halves, halves))) as u64
}

#[target_feature(enable = "avx2")]
unsafe fn count_avx2(seq: &[u8]) -> BaseCounts {
    let letters = [b'a', b'c', b'g', b't', b'n'].map(|b| splat(b));
    let case_bit = splat(0x20);
    let mut totals = [0u64; 5];
    let chunks = seq.chunks_exact(WIDTH);
    let tail = chunks.remainder();
    // Byte counters may take 255 vectors before they overflow.
    for block in seq[..seq.len() - tail.len()].chunks(255 * WIDTH) {
        let mut counters = [_mm256_setzero_si256(); 5];
        for chunk in block.chunks_exact(WIDTH) {
            let folded = _mm256_or_si256(load(chunk), case_bit);
            for (counter, letter) in counters.iter_mut().zip(&letters) {
                *counter = _mm256_sub_epi8(*counter, _mm256_cmpeq_epi8(folded, *letter));
            }
        }
        for (total, counter) in totals.iter_mut().zip(counters) {
            *total += sum_lanes(_mm256_sad_epu8(counter, _mm256_setzero_si256()));
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

#[target_feature(enable = "avx2")]
unsafe fn sum_min_max_avx2(bytes: &[u8]) -> (u64, u8, u8) {
    let chunks = bytes.chunks_exact(WIDTH);
    let (tail_sum, mut min, mut max) = scalar::byte_sum_min_max(chunks.remainder());
    let mut sums = _mm256_setzero_si256();
    let mut mins = splat(u8::MAX);
    let mut maxs = _mm256_setzero_si256();
    for chunk in chunks {
        let v = load(chunk);
        sums = _mm256_add_epi64(sums, _mm256_sad_epu8(v, _mm256_setzero_si256()));
        mins = _mm256_min_epu8(mins, v);
        maxs = _mm256_max_epu8(maxs, v);
    }
    let mut lanes = [0u8; WIDTH];
    store(&mut lanes, mins);
    min = lanes.iter().fold(min, |acc, &b| acc.min(b));
    store(&mut lanes, maxs);
    max = lanes.iter().fold(max, |acc, &b| acc.max(b));
    (sum_lanes(sums) + tail_sum, min, max)
}

/// Complements 32 ASCII bytes (see the SSSE3 version).
#[inline(always)]
unsafe fn complement(v: __m256i) -> __m256i {
    let low = _mm256_and_si256(v, splat(0x0F));
    let upper_row = _mm256_cmpeq_epi8(_mm256_and_si256(v, splat(0x10)), splat(0x10));
    let row4 = _mm256_shuffle_epi8(table(&COMPLEMENT_ROWS[0]), low);
    let row5 = _mm256_shuffle_epi8(table(&COMPLEMENT_ROWS[1]), low);
    let letter = _mm256_or_si256(
        _mm256_blendv_epi8(row4, row5, upper_row),
        _mm256_and_si256(v, splat(0x20)),
    );
    let in_letter_range = _mm256_cmpeq_epi8(_mm256_and_si256(v, splat(0xC0)), splat(0x40));
    _mm256_blendv_epi8(v, letter, in_letter_range)
}

#[inline(always)]
unsafe fn reverse_complement_vector(v: __m256i) -> __m256i {
    let reversed_lanes = _mm256_setr_epi8(
        15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0, //
        15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0,
    );
    let within_lanes = _mm256_shuffle_epi8(complement(v), reversed_lanes);
    _mm256_permute4x64_epi64::<0b01_00_11_10>(within_lanes)
}

#[target_feature(enable = "avx2")]
unsafe fn reverse_complement_avx2(seq: &[u8], out: &mut [u8]) {
    let mut src = seq.rchunks_exact(WIDTH);
    let mut dst = out.chunks_exact_mut(WIDTH);
    for (s, d) in (&mut src).zip(&mut dst) {
        store(d, reverse_complement_vector(load(s)));
    }
    scalar::reverse_complement(src.remainder(), dst.into_remainder());
}

#[target_feature(enable = "avx2")]
unsafe fn reverse_complement_in_place_avx2(seq: &mut [u8]) {
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

/// The index of the first 0 bit of a 32-lane movemask, if any.
#[inline(always)]
fn first_clear_lane(mask: i32) -> Option<usize> {
    let clear = !(mask as u32);
    (clear != 0).then(|| clear.trailing_zeros() as usize)
}

#[target_feature(enable = "avx2")]
unsafe fn add_offset_avx2(
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
        let valid = _mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_max_epu8(v, max_v), max_v));
        if let Some(lane) = first_clear_lane(valid) {
            return Err(i * WIDTH + lane);
        }
        store(dc, _mm256_add_epi8(v, offset_v));
    }
    let done = src.len() - s.remainder().len();
    scalar::add_offset(s.remainder(), d.into_remainder(), offset, max_src).map_err(|i| done + i)
}

#[target_feature(enable = "avx2")]
unsafe fn subtract_offset_avx2(
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
        let value = _mm256_sub_epi8(load(sc), offset_v);
        let valid = _mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_max_epu8(value, max_v), max_v));
        if let Some(lane) = first_clear_lane(valid) {
            return Err(i * WIDTH + lane);
        }
        store(dc, value);
    }
    let done = src.len() - s.remainder().len();
    scalar::subtract_offset(s.remainder(), d.into_remainder(), offset, max_result)
        .map_err(|i| done + i)
}
