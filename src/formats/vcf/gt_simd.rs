//! The vector fast path of GT decoding: runs of the common single-digit
//! diploid calls `d|d\t` / `d/d\t`, 8 samples (AVX2) or 4 samples (SSE2) per
//! step, written straight into the matrix columns.
//!
//! Each 4-byte group of a block is checked against the pattern (two digits
//! up to the largest allowed allele, `|` or `/`, a tab). The digits of a
//! valid block are the even bytes of the block minus `'0'`: masking each
//! 16-bit lane to its low byte gives the alleles in order, widened to i32;
//! the phase of a sample is byte 1 of its group, `|`. A block that is not
//! entirely valid yields its valid prefix and ends the run; the caller goes
//! on with the scalar step and the general parser from the first deviating
//! sample, so results are exactly the scalar decoder's.

/// Which vector width decodes runs (a test hook: every kernel the CPU
/// supports is checked against the scalar decoder).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kernel {
    /// No vector step: the scalar decoder does all the work.
    // Chosen on x86_64 by tests only.
    #[cfg_attr(target_arch = "x86_64", allow(dead_code))]
    Scalar,
    /// x86_64 SSE2, 16 bytes (4 samples) per step.
    #[cfg(target_arch = "x86_64")]
    Sse2,
    /// x86_64 AVX2, 32 bytes (8 samples) per step.
    #[cfg(target_arch = "x86_64")]
    Avx2,
}

impl Kernel {
    /// The widest kernel this CPU runs.
    pub(crate) fn detect() -> Self {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2") {
                return Kernel::Avx2;
            }
            Kernel::Sse2
        }
        #[cfg(not(target_arch = "x86_64"))]
        Kernel::Scalar
    }

    /// Every kernel this CPU runs, the scalar one included.
    #[cfg(test)]
    #[cfg_attr(not(target_arch = "x86_64"), allow(unused_mut))]
    pub(crate) fn available() -> Vec<Self> {
        let mut kernels = vec![Kernel::Scalar];
        #[cfg(target_arch = "x86_64")]
        {
            kernels.push(Kernel::Sse2);
            if std::arch::is_x86_feature_detected!("avx2") {
                kernels.push(Kernel::Avx2);
            }
        }
        kernels
    }
}

/// The matrix columns being filled (moved out of the matrix by the caller).
pub(crate) struct Columns<'a> {
    /// Allele indices.
    pub(crate) alleles: &'a mut Vec<i32>,
    /// Phase flags, one per allele.
    pub(crate) phased: &'a mut Vec<bool>,
    /// One past each sample's last allele.
    pub(crate) ends: &'a mut Vec<u32>,
}

impl Columns<'_> {
    /// Appends one allele to the sample being decoded.
    pub(crate) fn push_allele(&mut self, allele: i32, phased: bool) {
        self.alleles.push(allele);
        self.phased.push(phased);
    }

    /// Closes the sample being decoded.
    pub(crate) fn end_sample(&mut self) {
        // The allele count is bounded by the line size (< 4 GiB).
        self.ends.push(self.alleles.len() as u32);
    }
}

/// Decodes the run of common calls starting at `bytes[start]`, at most
/// `max_samples` of them, each followed by a tab, with alleles up to
/// `max_digit` (0–9). Returns how many samples it appended (each took 4
/// bytes); it stops at the first sample that does not fit the pattern or
/// when fewer than a block of bytes or samples is left.
#[inline]
pub(crate) fn decode_run(
    kernel: Kernel,
    bytes: &[u8],
    start: usize,
    max_samples: usize,
    max_digit: u8,
    columns: &mut Columns<'_>,
) -> usize {
    let Some(rest) = bytes.get(start..) else {
        return 0;
    };
    // Only x86_64 has vector kernels here; elsewhere the scalar step and
    // the general parser do all the work.
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (rest, max_samples, max_digit, columns);
    match kernel {
        Kernel::Scalar => 0,
        #[cfg(target_arch = "x86_64")]
        // SAFETY: SSE2 is part of every x86_64 CPU.
        Kernel::Sse2 => unsafe { x86::run_sse2(rest, max_samples, max_digit, columns) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the CPU has AVX2, checked in the guard (a cached flag).
        Kernel::Avx2 if std::arch::is_x86_feature_detected!("avx2") => unsafe {
            x86::run_avx2(rest, max_samples, max_digit, columns)
        },
        #[cfg(target_arch = "x86_64")]
        Kernel::Avx2 => 0,
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::Columns;
    use std::arch::x86_64::*;

    /// Bytes of one sample (`d|d\t`).
    const GROUP: usize = 4;

    /// Byte masks of the four positions of each group, 16 bytes (repeat for
    /// 32).
    const DIGITS: [u8; 16] = [
        0xFF, 0, 0xFF, 0, 0xFF, 0, 0xFF, 0, 0xFF, 0, 0xFF, 0, 0xFF, 0, 0xFF, 0,
    ];

    /// The expected bytes at the separator and tab positions, with `|` and
    /// with `/` (the digit positions are checked apart).
    const fn pattern(separator: u8) -> [u8; 16] {
        let mut bytes = [0u8; 16];
        let mut i = 0;
        while i < 16 {
            bytes[i + 1] = separator;
            bytes[i + 3] = b'\t';
            i += GROUP;
        }
        bytes
    }
    const PHASED: [u8; 16] = pattern(b'|');
    const UNPHASED: [u8; 16] = pattern(b'/');

    /// The largest digit offset allowed at digit positions, 0xFF (anything)
    /// elsewhere.
    fn limits(max_digit: u8) -> [u8; 16] {
        let mut bytes = [0xFF; 16];
        for byte in bytes.iter_mut().step_by(2) {
            *byte = max_digit;
        }
        bytes
    }

    /// Where a run writes: the spare capacity of the three columns, made
    /// room for `samples` samples up front (so the loop has no capacity
    /// checks), and the lengths to set when the run ends.
    struct Output {
        alleles: *mut i32,
        phased: *mut bool,
        ends: *mut u32,
        /// `alleles.len()` when the run began.
        base: usize,
    }

    impl Output {
        fn new(columns: &mut Columns<'_>, samples: usize) -> Self {
            columns.alleles.reserve(2 * samples);
            columns.phased.reserve(2 * samples);
            columns.ends.reserve(samples);
            Output {
                alleles: columns.alleles.spare_capacity_mut().as_mut_ptr().cast(),
                phased: columns.phased.spare_capacity_mut().as_mut_ptr().cast(),
                ends: columns.ends.spare_capacity_mut().as_mut_ptr().cast(),
                base: columns.alleles.len(),
            }
        }

        /// Takes the `done` samples written into the columns.
        ///
        /// # Safety
        ///
        /// `done` is at most the `samples` of [`Output::new`], and the
        /// elements of the first `done` samples were written with valid
        /// values (phase bytes 0 or 1).
        unsafe fn finish(self, columns: &mut Columns<'_>, done: usize) {
            // SAFETY: the caller's promise: within the capacity reserved,
            // every element written and valid.
            unsafe {
                columns.alleles.set_len(columns.alleles.len() + 2 * done);
                columns.phased.set_len(columns.phased.len() + 2 * done);
                columns.ends.set_len(columns.ends.len() + done);
            }
        }
    }

    /// The number of whole blocks of `samples` samples a run may write.
    fn blocks(bytes: &[u8], max_samples: usize, samples: usize) -> usize {
        (bytes.len() / (GROUP * samples)).min(max_samples / samples)
    }

    /// 16 bytes of 4 groups: whether each byte fits, and the alleles (as
    /// 8 × i16 in order) and phase bytes (0 or 1 per allele, 8 × i16).
    ///
    /// `limit` holds `max_digit` at digit positions.
    #[target_feature(enable = "sse2")]
    fn check_and_extract_128(
        block: __m128i,
        limit: __m128i,
        digits_mask: __m128i,
        phased: __m128i,
        unphased: __m128i,
    ) -> (__m128i, __m128i, __m128i) {
        let offsets = _mm_sub_epi8(block, _mm_set1_epi8(b'0' as i8));
        // Unsigned `offset <= limit` at digit positions (anything passes
        // elsewhere: the limit is 0xFF there).
        let digits_ok = _mm_cmpeq_epi8(_mm_max_epu8(offsets, limit), limit);
        let is_pipe = _mm_cmpeq_epi8(block, phased);
        let structure_ok = _mm_or_si128(is_pipe, _mm_cmpeq_epi8(block, unphased));
        let ok = _mm_and_si128(digits_ok, _mm_or_si128(structure_ok, digits_mask));
        // The low byte of each 16-bit lane: the digits, in order.
        let alleles = _mm_and_si128(offsets, _mm_set1_epi16(0x00FF));
        // Byte 1 of each group (`|` or not) to the low byte of lane 0 of
        // the group, then copied to lane 1 of the group.
        let pipe = _mm_and_si128(_mm_srli_epi32(is_pipe, 8), _mm_set1_epi32(1));
        let phase = _mm_or_si128(pipe, _mm_slli_epi32(pipe, 16));
        (ok, alleles, phase)
    }

    /// 4 samples per step.
    #[target_feature(enable = "sse2")]
    pub(super) fn run_sse2(
        bytes: &[u8],
        max_samples: usize,
        max_digit: u8,
        columns: &mut Columns<'_>,
    ) -> usize {
        const SAMPLES: usize = 4;
        // SAFETY (all loads below): the arrays are 16 readable bytes.
        let limit = unsafe { _mm_loadu_si128(limits(max_digit).as_ptr().cast()) };
        let digits_mask = unsafe { _mm_loadu_si128(DIGITS.as_ptr().cast()) };
        let phased = unsafe { _mm_loadu_si128(PHASED.as_ptr().cast()) };
        let unphased = unsafe { _mm_loadu_si128(UNPHASED.as_ptr().cast()) };
        let blocks = blocks(bytes, max_samples, SAMPLES);
        if blocks == 0 {
            return 0;
        }
        let out = Output::new(columns, blocks * SAMPLES);
        let zero = _mm_setzero_si128();
        let steps = _mm_setr_epi32(2, 4, 6, 8);
        let mut done = 0;
        for chunk in bytes.chunks_exact(SAMPLES * GROUP).take(blocks) {
            // SAFETY: `chunk` is 16 readable bytes; the load is unaligned.
            let block = unsafe { _mm_loadu_si128(chunk.as_ptr().cast()) };
            let (ok, alleles, phase) =
                check_and_extract_128(block, limit, digits_mask, phased, unphased);
            let valid = (_mm_movemask_epi8(ok) as u32).trailing_ones() as usize / GROUP;
            // The allele count is bounded by the line size (< 4 GiB).
            let ends = _mm_add_epi32(_mm_set1_epi32((out.base + 2 * done) as i32), steps);
            // SAFETY: `Output::new` made room for `blocks` blocks and this
            // is block `done / SAMPLES` < `blocks`: 8 i32s, 8 bools and 4
            // u32s at offsets `2 * done`, `2 * done` and `done`.
            unsafe {
                let alleles_out = out.alleles.add(2 * done).cast::<__m128i>();
                _mm_storeu_si128(alleles_out, _mm_unpacklo_epi16(alleles, zero));
                _mm_storeu_si128(alleles_out.add(1), _mm_unpackhi_epi16(alleles, zero));
                _mm_storel_epi64(
                    out.phased.add(2 * done).cast(),
                    _mm_packus_epi16(phase, phase),
                );
                _mm_storeu_si128(out.ends.add(done).cast(), ends);
            }
            done += valid;
            if valid < SAMPLES {
                break;
            }
        }
        // SAFETY: `done` ≤ `blocks * SAMPLES`; the valid samples' alleles
        // are 0–9, their phase bytes 0 or 1, their ends plain integers.
        unsafe { out.finish(columns, done) };
        done
    }

    /// 8 samples per step.
    #[target_feature(enable = "avx2")]
    pub(super) fn run_avx2(
        bytes: &[u8],
        max_samples: usize,
        max_digit: u8,
        columns: &mut Columns<'_>,
    ) -> usize {
        const SAMPLES: usize = 8;
        let both = |half: __m128i| _mm256_set_m128i(half, half);
        // SAFETY (all loads below): the arrays are 16 readable bytes.
        let limit = both(unsafe { _mm_loadu_si128(limits(max_digit).as_ptr().cast()) });
        let digits_mask = both(unsafe { _mm_loadu_si128(DIGITS.as_ptr().cast()) });
        let phased = both(unsafe { _mm_loadu_si128(PHASED.as_ptr().cast()) });
        let unphased = both(unsafe { _mm_loadu_si128(UNPHASED.as_ptr().cast()) });
        let steps = _mm256_setr_epi32(2, 4, 6, 8, 10, 12, 14, 16);
        let blocks = blocks(bytes, max_samples, SAMPLES);
        if blocks == 0 {
            return 0;
        }
        let out = Output::new(columns, blocks * SAMPLES);
        let mut done = 0;
        for chunk in bytes.chunks_exact(SAMPLES * GROUP).take(blocks) {
            // SAFETY: `chunk` is 32 readable bytes; the load is unaligned.
            let block = unsafe { _mm256_loadu_si256(chunk.as_ptr().cast()) };
            let offsets = _mm256_sub_epi8(block, _mm256_set1_epi8(b'0' as i8));
            let digits_ok = _mm256_cmpeq_epi8(_mm256_max_epu8(offsets, limit), limit);
            let is_pipe = _mm256_cmpeq_epi8(block, phased);
            let structure_ok = _mm256_or_si256(is_pipe, _mm256_cmpeq_epi8(block, unphased));
            let ok = _mm256_and_si256(digits_ok, _mm256_or_si256(structure_ok, digits_mask));
            let valid = (_mm256_movemask_epi8(ok) as u32).trailing_ones() as usize / GROUP;
            let alleles = _mm256_and_si256(offsets, _mm256_set1_epi16(0x00FF));
            let pipe = _mm256_and_si256(_mm256_srli_epi32(is_pipe, 8), _mm256_set1_epi32(1));
            let phase = _mm256_or_si256(pipe, _mm256_slli_epi32(pipe, 16));
            // 16 × i16 (0/1) to 16 bytes, in order.
            let flags = _mm_packus_epi16(
                _mm256_castsi256_si128(phase),
                _mm256_extracti128_si256(phase, 1),
            );
            // The allele count is bounded by the line size (< 4 GiB).
            let ends = _mm256_add_epi32(_mm256_set1_epi32((out.base + 2 * done) as i32), steps);
            // SAFETY: `Output::new` made room for `blocks` blocks and this
            // is block `done / SAMPLES` < `blocks`: 16 i32s, 16 bools and 8
            // u32s at offsets `2 * done`, `2 * done` and `done`.
            unsafe {
                let alleles_out = out.alleles.add(2 * done).cast::<__m256i>();
                _mm256_storeu_si256(
                    alleles_out,
                    _mm256_cvtepu16_epi32(_mm256_castsi256_si128(alleles)),
                );
                _mm256_storeu_si256(
                    alleles_out.add(1),
                    _mm256_cvtepu16_epi32(_mm256_extracti128_si256(alleles, 1)),
                );
                _mm_storeu_si128(out.phased.add(2 * done).cast(), flags);
                _mm256_storeu_si256(out.ends.add(done).cast(), ends);
            }
            done += valid;
            if valid < SAMPLES {
                break;
            }
        }
        // SAFETY: `done` ≤ `blocks * SAMPLES`; the valid samples' alleles
        // are 0–9, their phase bytes 0 or 1, their ends plain integers.
        unsafe { out.finish(columns, done) };
        done
    }
}
