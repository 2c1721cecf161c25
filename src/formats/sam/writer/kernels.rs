//! SEQ and QUAL to SAM text, 16 or 32 bytes a step, writing into a line buffer
//! that has room past the field: no scalar tail loops (the last step
//! overlaps the one before it).
//!
//! x86_64 uses AVX2 (32 bytes a step) when the CPU has it and the field
//! is long enough, else SSSE3 for the bases and SSE2 (always present
//! there) for the qualities; other targets use the crate's
//! [`crate::simd`] kernels.

/// `=ACMGRSVTWYHKDBN` for the 4-bit codes.
const LETTERS: &[u8; 16] = b"=ACMGRSVTWYHKDBN";

/// Both letters of every packed byte.
const LETTER_PAIRS: [[u8; 2]; 256] = {
    let mut table = [[0u8; 2]; 256];
    let mut byte = 0;
    while byte < 256 {
        table[byte] = [LETTERS[byte >> 4], LETTERS[byte & 15]];
        byte += 1;
    }
    table
};

/// Decodes the bases of `packed` into `out`, two a byte: writes
/// `2 * packed.len()` bytes (the last one a junk letter when the base
/// count is odd), so `out` needs that many.
///
/// Writes nothing when `out` is shorter.
pub(super) fn decode_sequence(packed: &[u8], out: &mut [u8]) {
    let Some(out) = out.get_mut(..2 * packed.len()) else {
        return;
    };
    #[cfg(target_arch = "x86_64")]
    if packed.len() >= 32 && std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2.
        return unsafe { x86::decode_sequence_avx2(packed, out) };
    }
    #[cfg(target_arch = "x86_64")]
    if packed.len() >= 16 && std::arch::is_x86_feature_detected!("ssse3") {
        // SAFETY: the CPU has SSSE3.
        return unsafe { x86::decode_sequence_ssse3(packed, out) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    if packed.len() >= 16 {
        return crate::simd::decode_bam_sequence(packed, out);
    }
    decode_sequence_scalar(packed, out);
}

/// Writes SEQ (the bases of `packed`), a tab and QUAL (`quals` plus 33)
/// at the start of `out` when both are long enough for one AVX2 call and
/// the CPU has AVX2; returns whether it did (else `out` is untouched).
/// `quals` holds one score per base; `out` needs `2 * packed.len() + 1 +
/// quals.len()` bytes.
#[inline(always)]
pub(super) fn sequence_tab_qualities(packed: &[u8], quals: &[u8], out: &mut [u8]) -> bool {
    #[cfg(target_arch = "x86_64")]
    if packed.len() >= 32
        && quals.len().div_ceil(2) == packed.len()
        && out.len() >= 2 * packed.len() + 1 + quals.len()
        && std::arch::is_x86_feature_detected!("avx2")
    {
        // SAFETY: the CPU has AVX2; the lengths are as it needs.
        unsafe { x86::sequence_tab_qualities_avx2(packed, quals, out) };
        return true;
    }
    let _ = (packed, quals, out);
    false
}

fn decode_sequence_scalar(packed: &[u8], out: &mut [u8]) {
    for (pair, &byte) in out.chunks_exact_mut(2).zip(packed) {
        pair.copy_from_slice(&LETTER_PAIRS[usize::from(byte)]);
    }
}

/// Writes every quality plus 33 (Phred+33 ASCII, wrapping as samtools
/// does for scores above 222) to `out[..quals.len()]`.
///
/// Writes nothing when `out` is shorter.
pub(super) fn add_phred33(quals: &[u8], out: &mut [u8]) {
    let Some(out) = out.get_mut(..quals.len()) else {
        return;
    };
    #[cfg(target_arch = "x86_64")]
    if quals.len() >= 32 && std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2.
        return unsafe { x86::add_phred33_avx2(quals, out) };
    }
    #[cfg(target_arch = "x86_64")]
    if quals.len() >= 16 {
        // SAFETY: SSE2 is part of the x86_64 baseline.
        return unsafe { x86::add_phred33_sse2(quals, out) };
    }
    add_phred33_scalar(quals, out);
}

fn add_phred33_scalar(quals: &[u8], out: &mut [u8]) {
    for (o, &q) in out.iter_mut().zip(quals) {
        *o = q.wrapping_add(33);
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;

    /// See [`super::decode_sequence`]; `packed.len() >= 16` and
    /// `out.len() == 2 * packed.len()`.
    ///
    /// # Safety
    ///
    /// The CPU must have SSSE3.
    #[target_feature(enable = "ssse3")]
    pub(super) unsafe fn decode_sequence_ssse3(packed: &[u8], out: &mut [u8]) {
        let n = packed.len();
        if n < 16 || out.len() != 2 * n {
            return super::decode_sequence_scalar(packed, out);
        }
        // SAFETY: `LETTERS` is 16 bytes.
        let letters = unsafe { _mm_loadu_si128(super::LETTERS.as_ptr().cast()) };
        let nibble = _mm_set1_epi8(0x0f);
        // 16 bytes a step; the last step (at `n - 16`) may overlap the one
        // before it.
        let last = n - 16;
        let mut next = 0;
        loop {
            let at = next.min(last);
            // SAFETY: `at + 16 <= n`, so the load reads `packed[at..at +
            // 16]` and the stores write `out[2 * at..2 * at + 32]`, inside
            // `out` (2n bytes).
            unsafe {
                let v = _mm_loadu_si128(packed.as_ptr().add(at).cast());
                let high = _mm_shuffle_epi8(letters, _mm_and_si128(_mm_srli_epi16::<4>(v), nibble));
                let low = _mm_shuffle_epi8(letters, _mm_and_si128(v, nibble));
                let dst = out.as_mut_ptr().add(2 * at);
                _mm_storeu_si128(dst.cast(), _mm_unpacklo_epi8(high, low));
                _mm_storeu_si128(dst.add(16).cast(), _mm_unpackhi_epi8(high, low));
            }
            if at == last {
                break;
            }
            next += 16;
        }
    }

    /// See [`super::sequence_tab_qualities`]: `packed.len() >= 32`,
    /// `quals.len()` the base count and `out` long enough.
    ///
    /// # Safety
    ///
    /// The CPU must have AVX2.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn sequence_tab_qualities_avx2(packed: &[u8], quals: &[u8], out: &mut [u8]) {
        let n = quals.len();
        if out.len() < 2 * n + 1 || 2 * packed.len() > n + 1 {
            return;
        }
        // SAFETY: the CPU has AVX2 (the caller's promise); the kernels
        // check their lengths. The bases' junk last letter (odd counts)
        // falls where the tab goes after them.
        unsafe {
            decode_sequence_avx2(packed, &mut out[..2 * packed.len()]);
            out[n] = b'\t';
            add_phred33_avx2(quals, &mut out[n + 1..2 * n + 1]);
        }
    }

    /// See [`super::decode_sequence`]; `packed.len() >= 32` and
    /// `out.len() == 2 * packed.len()`.
    ///
    /// # Safety
    ///
    /// The CPU must have AVX2.
    #[target_feature(enable = "avx2")]
    #[inline]
    pub(super) unsafe fn decode_sequence_avx2(packed: &[u8], out: &mut [u8]) {
        let n = packed.len();
        if n < 32 || out.len() != 2 * n {
            return super::decode_sequence_scalar(packed, out);
        }
        // SAFETY: `LETTERS` is 16 bytes.
        let letters =
            _mm256_broadcastsi128_si256(unsafe { _mm_loadu_si128(super::LETTERS.as_ptr().cast()) });
        let nibble = _mm256_set1_epi8(0x0f);
        // 32 bytes a step; the last step (at `n - 32`) may overlap the one
        // before it.
        let last = n - 32;
        let mut next = 0;
        loop {
            let at = next.min(last);
            // SAFETY: `at + 32 <= n`, so the load reads `packed[at..at +
            // 32]` and the stores write `out[2 * at..2 * at + 64]`, inside
            // `out` (2n bytes).
            unsafe {
                let v = _mm256_loadu_si256(packed.as_ptr().add(at).cast());
                let high = _mm256_shuffle_epi8(
                    letters,
                    _mm256_and_si256(_mm256_srli_epi16::<4>(v), nibble),
                );
                let low = _mm256_shuffle_epi8(letters, _mm256_and_si256(v, nibble));
                // Interleaving works within 128-bit lanes: bytes 0-7 and
                // 16-23 in `first`, 8-15 and 24-31 in `second`.
                let first = _mm256_unpacklo_epi8(high, low);
                let second = _mm256_unpackhi_epi8(high, low);
                let dst = out.as_mut_ptr().add(2 * at);
                _mm256_storeu_si256(dst.cast(), _mm256_permute2x128_si256::<0x20>(first, second));
                _mm256_storeu_si256(
                    dst.add(32).cast(),
                    _mm256_permute2x128_si256::<0x31>(first, second),
                );
            }
            if at == last {
                break;
            }
            next += 32;
        }
    }

    /// See [`super::add_phred33`]; `quals.len() >= 32` and
    /// `out.len() == quals.len()`.
    ///
    /// # Safety
    ///
    /// The CPU must have AVX2.
    #[target_feature(enable = "avx2")]
    #[inline]
    pub(super) unsafe fn add_phred33_avx2(quals: &[u8], out: &mut [u8]) {
        let n = quals.len();
        if n < 32 || out.len() != n {
            return super::add_phred33_scalar(quals, out);
        }
        let offset = _mm256_set1_epi8(33);
        let last = n - 32;
        let mut next = 0;
        loop {
            let at = next.min(last);
            // SAFETY: `at + 32 <= n`: reads `quals[at..at + 32]`, writes
            // `out[at..at + 32]`, both `n` long.
            unsafe {
                let v = _mm256_loadu_si256(quals.as_ptr().add(at).cast());
                _mm256_storeu_si256(out.as_mut_ptr().add(at).cast(), _mm256_add_epi8(v, offset));
            }
            if at == last {
                break;
            }
            next += 32;
        }
    }

    /// See [`super::add_phred33`]; `quals.len() >= 16` and
    /// `out.len() == quals.len()`.
    ///
    /// # Safety
    ///
    /// The CPU must have SSE2 (every x86_64 CPU has).
    #[target_feature(enable = "sse2")]
    pub(super) unsafe fn add_phred33_sse2(quals: &[u8], out: &mut [u8]) {
        let n = quals.len();
        if n < 16 || out.len() != n {
            return super::add_phred33_scalar(quals, out);
        }
        let offset = _mm_set1_epi8(33);
        let last = n - 16;
        let mut next = 0;
        loop {
            let at = next.min(last);
            // SAFETY: `at + 16 <= n`: reads `quals[at..at + 16]`, writes
            // `out[at..at + 16]`, both `n` long.
            unsafe {
                let v = _mm_loadu_si128(quals.as_ptr().add(at).cast());
                _mm_storeu_si128(out.as_mut_ptr().add(at).cast(), _mm_add_epi8(v, offset));
            }
            if at == last {
                break;
            }
            next += 16;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(len: usize, seed: u64) -> Vec<u8> {
        let mut state = seed | 1;
        (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect()
    }

    type Kernel = fn(&[u8], &mut [u8]);

    /// The dispatching entry point and, on x86_64, each SIMD level this
    /// CPU has forced for every length it takes (`out` exactly the
    /// field's length, as the dispatcher passes it).
    fn sequence_kernels() -> Vec<(&'static str, Kernel)> {
        let mut kernels: Vec<(&'static str, Kernel)> = vec![("dispatch", decode_sequence)];
        kernels.extend(forced::sequence());
        kernels
    }

    fn quality_kernels() -> Vec<(&'static str, Kernel)> {
        let mut kernels: Vec<(&'static str, Kernel)> = vec![("dispatch", add_phred33)];
        kernels.extend(forced::quality());
        kernels
    }

    #[cfg(not(target_arch = "x86_64"))]
    mod forced {
        pub(super) fn sequence() -> Vec<(&'static str, super::Kernel)> {
            Vec::new()
        }

        pub(super) fn quality() -> Vec<(&'static str, super::Kernel)> {
            Vec::new()
        }
    }

    #[cfg(target_arch = "x86_64")]
    mod forced {
        use super::super::x86;
        use super::Kernel;

        pub(super) fn sequence() -> Vec<(&'static str, Kernel)> {
            let mut kernels: Vec<(&'static str, Kernel)> = Vec::new();
            if std::arch::is_x86_feature_detected!("ssse3") {
                kernels.push(("ssse3", |packed, out| {
                    if let Some(out) = out.get_mut(..2 * packed.len()) {
                        // SAFETY: the CPU has SSSE3.
                        unsafe { x86::decode_sequence_ssse3(packed, out) }
                    }
                }));
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                kernels.push(("avx2", |packed, out| {
                    if let Some(out) = out.get_mut(..2 * packed.len()) {
                        // SAFETY: the CPU has AVX2.
                        unsafe { x86::decode_sequence_avx2(packed, out) }
                    }
                }));
            }
            kernels
        }

        pub(super) fn quality() -> Vec<(&'static str, Kernel)> {
            let mut kernels: Vec<(&'static str, Kernel)> = vec![("sse2", |quals, out| {
                if let Some(out) = out.get_mut(..quals.len()) {
                    // SAFETY: SSE2 is part of the x86_64 baseline.
                    unsafe { x86::add_phred33_sse2(quals, out) }
                }
            })];
            if std::arch::is_x86_feature_detected!("avx2") {
                kernels.push(("avx2", |quals, out| {
                    if let Some(out) = out.get_mut(..quals.len()) {
                        // SAFETY: the CPU has AVX2.
                        unsafe { x86::add_phred33_avx2(quals, out) }
                    }
                }));
            }
            kernels
        }
    }

    /// Every kernel == scalar for every length 0..300 at every alignment
    /// 0..32 of input and output, and nothing written past the field.
    #[test]
    fn sequence_kernels_match_scalar() {
        for (name, kernel) in sequence_kernels() {
            for len in 0..300 {
                for align in 0..32 {
                    let input = pattern(len + align, len as u64 * 31 + align as u64);
                    let packed = &input[align..];
                    let mut expected = vec![0xAA; 2 * len];
                    decode_sequence_scalar(packed, &mut expected);
                    let mut out = vec![0xAA; 2 * len + align + 40];
                    kernel(packed, &mut out[align..]);
                    assert_eq!(
                        &out[align..align + 2 * len],
                        &expected[..],
                        "{name}: len {len} align {align}"
                    );
                    assert!(out[..align]
                        .iter()
                        .chain(&out[align + 2 * len..])
                        .all(|&b| b == 0xAA));
                    let letters: Vec<u8> = packed
                        .iter()
                        .flat_map(|&b| [LETTERS[usize::from(b >> 4)], LETTERS[usize::from(b & 15)]])
                        .collect();
                    assert_eq!(expected, letters);
                }
            }
        }
    }

    #[test]
    fn quality_kernels_match_scalar() {
        for (name, kernel) in quality_kernels() {
            for len in 0..300 {
                for align in 0..32 {
                    let input = pattern(len + align, len as u64 * 17 + align as u64 + 5);
                    let quals = &input[align..];
                    let expected: Vec<u8> = quals.iter().map(|q| q.wrapping_add(33)).collect();
                    let mut out = vec![0xAA; len + align + 40];
                    kernel(quals, &mut out[align..]);
                    assert_eq!(
                        &out[align..align + len],
                        &expected[..],
                        "{name}: len {len} align {align}"
                    );
                    assert!(out[..align]
                        .iter()
                        .chain(&out[align + len..])
                        .all(|&b| b == 0xAA));
                }
            }
        }
    }

    #[test]
    fn short_outputs_are_left_alone() {
        let mut out = [0u8; 3];
        decode_sequence(&[0x12, 0x48], &mut out);
        add_phred33(&[1, 2, 3, 4], &mut out);
        assert_eq!(out, [0, 0, 0]);
    }
}
