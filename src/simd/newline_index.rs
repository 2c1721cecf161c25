//! The structural index of the line engine: one bit per input byte, set
//! where the byte is `\n` (the simdjson approach, applied to lines).
//!
//! [`mark_newlines`] turns `bytes` into `words`, word `i` holding the
//! newlines of `bytes[64 * i..64 * i + 64]` (bit `j` for byte `64 * i + j`);
//! a last partial chunk gives a word whose bits past the end are zero.
//! Callers then find lines by popping bits (`trailing_zeros`) instead of
//! searching bytes again. One pass over each freshly read buffer region
//! costs a few instructions per 64 bytes.
//!
//! Kernels: AVX2 (two 32-byte compares and masks per word), SSE2 (four
//! 16-byte ones; SSE2 is the x86_64 baseline), NEON on aarch64 (compare,
//! AND with bit weights, three pairwise-add rounds), and scalar, which is
//! the fallback elsewhere and the tests' oracle. The choice is made once
//! per process, like the rest of [`crate::simd`].

use std::sync::OnceLock;

#[cfg(test)]
use super::Level;

/// Bytes per index word.
pub(crate) const BYTES_PER_WORD: usize = 64;

type Kernel = fn(&[u8], &mut [u64]);

/// Writes the newline bitmask of `bytes` into `words`, one word per 64
/// bytes (the last one partial when `bytes.len()` is not a multiple of 64).
/// Words beyond `bytes.len().div_ceil(64)` are left alone; if `words` is
/// shorter, only the chunks it has room for are indexed.
#[inline]
pub(crate) fn mark_newlines(bytes: &[u8], words: &mut [u64]) {
    static ACTIVE: OnceLock<Kernel> = OnceLock::new();
    let kernel = ACTIVE.get_or_init(detect);
    kernel(bytes, words)
}

fn detect() -> Kernel {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            return mark_avx2;
        }
        mark_sse2
    }
    #[cfg(target_arch = "aarch64")]
    {
        mark_neon
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    {
        mark_scalar
    }
}

/// The kernel of `level` for tests (`Ssse3` stands for the SSE2 kernel),
/// `None` where this CPU lacks it.
#[cfg(test)]
fn kernel(level: Level) -> Option<Kernel> {
    match level {
        Level::Scalar => Some(mark_scalar),
        #[cfg(target_arch = "x86_64")]
        Level::Ssse3 => Some(mark_sse2),
        #[cfg(target_arch = "x86_64")]
        Level::Avx2 if std::arch::is_x86_feature_detected!("avx2") => Some(mark_avx2),
        #[cfg(target_arch = "aarch64")]
        Level::Neon => Some(mark_neon),
        _ => None,
    }
}

/// The bitmask of one chunk of at most 64 bytes.
#[inline(always)]
fn scalar_word(chunk: &[u8]) -> u64 {
    chunk.iter().enumerate().fold(0, |word, (bit, &byte)| {
        word | (u64::from(byte == b'\n') << bit)
    })
}

/// The oracle, and the kernel where no vector one exists.
#[cfg(any(test, not(any(target_arch = "x86_64", target_arch = "aarch64"))))]
fn mark_scalar(bytes: &[u8], words: &mut [u64]) {
    for (chunk, word) in bytes.chunks(BYTES_PER_WORD).zip(words) {
        *word = scalar_word(chunk);
    }
}

/// Runs `full` on every whole 64-byte chunk and the scalar word on the
/// remainder.
#[inline(always)]
fn mark_with(bytes: &[u8], words: &mut [u64], full: impl Fn(&[u8; BYTES_PER_WORD]) -> u64) {
    let mut chunks = bytes.chunks_exact(BYTES_PER_WORD);
    let mut words = words.iter_mut();
    for (chunk, word) in (&mut chunks).zip(&mut words) {
        if let Ok(chunk) = <&[u8; BYTES_PER_WORD]>::try_from(chunk) {
            *word = full(chunk);
        }
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        if let Some(word) = words.next() {
            *word = scalar_word(rest);
        }
    }
}

#[cfg(target_arch = "x86_64")]
fn mark_avx2(bytes: &[u8], words: &mut [u64]) {
    // SAFETY: `detect` and `kernel` hand this out only after
    // `is_x86_feature_detected!("avx2")`.
    unsafe { mark_avx2_inner(bytes, words) }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn mark_avx2_inner(bytes: &[u8], words: &mut [u64]) {
    use core::arch::x86_64::*;
    let newline = _mm256_set1_epi8(b'\n' as i8);
    mark_with(bytes, words, |chunk| {
        // SAFETY: `chunk` is 64 bytes, so both unaligned 32-byte loads are
        // in bounds; AVX2 is enabled for this function.
        unsafe {
            let low = _mm256_loadu_si256(chunk.as_ptr().cast());
            let high = _mm256_loadu_si256(chunk.as_ptr().add(32).cast());
            let low = _mm256_movemask_epi8(_mm256_cmpeq_epi8(low, newline)) as u32;
            let high = _mm256_movemask_epi8(_mm256_cmpeq_epi8(high, newline)) as u32;
            u64::from(low) | (u64::from(high) << 32)
        }
    })
}

#[cfg(target_arch = "x86_64")]
fn mark_sse2(bytes: &[u8], words: &mut [u64]) {
    use core::arch::x86_64::*;
    mark_with(bytes, words, |chunk| {
        // SAFETY: SSE2 is part of the x86_64 baseline; `chunk` is 64 bytes,
        // so the four unaligned 16-byte loads are in bounds.
        unsafe {
            let newline = _mm_set1_epi8(b'\n' as i8);
            let mut word = 0u64;
            for quarter in 0..4 {
                let vector = _mm_loadu_si128(chunk.as_ptr().add(16 * quarter).cast());
                let mask = _mm_movemask_epi8(_mm_cmpeq_epi8(vector, newline)) as u16;
                word |= u64::from(mask) << (16 * quarter);
            }
            word
        }
    })
}

#[cfg(target_arch = "aarch64")]
fn mark_neon(bytes: &[u8], words: &mut [u64]) {
    use core::arch::aarch64::*;
    const WEIGHTS: [u8; 16] = [1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128];
    mark_with(bytes, words, |chunk| {
        // SAFETY: NEON is mandatory on aarch64; `chunk` is 64 bytes, so the
        // four 16-byte loads are in bounds and `WEIGHTS` is 16 bytes.
        unsafe {
            let newline = vdupq_n_u8(b'\n');
            let weights = vld1q_u8(WEIGHTS.as_ptr());
            let bits = |offset: usize| {
                let vector = vld1q_u8(chunk.as_ptr().add(offset));
                vandq_u8(vceqq_u8(vector, newline), weights)
            };
            // Each pairwise add halves the lanes; after three rounds byte
            // `k` holds the 8-bit mask of bytes `8k..8k + 8`.
            let sum = vpaddq_u8(vpaddq_u8(bits(0), bits(16)), vpaddq_u8(bits(32), bits(48)));
            let sum = vpaddq_u8(sum, sum);
            vgetq_lane_u64::<0>(vreinterpretq_u64_u8(sum))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oracle(bytes: &[u8]) -> Vec<u64> {
        let mut words = vec![0; bytes.len().div_ceil(BYTES_PER_WORD)];
        for (position, _) in bytes.iter().enumerate().filter(|(_, &b)| b == b'\n') {
            words[position / BYTES_PER_WORD] |= 1 << (position % BYTES_PER_WORD);
        }
        words
    }

    #[test]
    fn every_kernel_equals_the_oracle_at_every_length_and_alignment() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut random = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        // Newline densities from none to every byte, plus bytes equal to
        // `\n` with the high bit set (0x8a) to catch signed compares.
        let mut backing = vec![0u8; 600];
        for density in [0u64, 1, 8, 64, 255] {
            for byte in backing.iter_mut() {
                let draw = random();
                *byte = match draw % 256 {
                    d if d < density => b'\n',
                    d if d % 7 == 0 => 0x8a,
                    _ => (draw >> 8) as u8 | 1,
                };
            }
            for level in Level::ALL {
                let Some(kernel) = kernel(level) else {
                    continue;
                };
                for alignment in 0..64 {
                    for len in (0..=3 * BYTES_PER_WORD + 1).chain([500]) {
                        let bytes = &backing[alignment..alignment + len];
                        let expected = oracle(bytes);
                        let mut words = vec![u64::MAX; expected.len() + 1];
                        kernel(bytes, &mut words);
                        assert_eq!(
                            &words[..expected.len()],
                            &expected[..],
                            "{level} len {len} alignment {alignment} density {density}"
                        );
                        assert_eq!(words[expected.len()], u64::MAX, "{level} wrote too far");
                    }
                }
            }
        }
    }

    #[test]
    fn short_words_slice_indexes_only_what_fits() {
        let bytes = [b'\n'; 200];
        let mut words = [0u64; 2];
        mark_newlines(&bytes, &mut words);
        assert_eq!(words, [u64::MAX, u64::MAX]);
    }
}
