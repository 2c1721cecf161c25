//! 32-way rANS Nx16 rounds with AVX2 (order 0 and 1) and AVX-512F (order
//! 0): the 32 states as four vectors of eight (two of sixteen), slot
//! lookups by gather, the update by a vector multiply, and renormalisation
//! without branches (the lanes that need input take the next 16-bit words
//! in lane order: through a permutation chosen by their mask with AVX2, an
//! expand with AVX-512).

/// Decodes as many whole rounds of 32 order-0 symbols into `out` as the
/// input is sure to cover (64 bytes per round) with the best vector kernel
/// the CPU runs, advancing `states` and `pos`; returns the bytes decoded (a
/// multiple of 32, 0 without a kernel). The caller decodes the rest.
pub(super) fn order0_rounds(
    slots: &[u32; 1 << 12],
    states: &mut [u32; 32],
    input: &[u8],
    pos: &mut usize,
    out: &mut [u8],
) -> usize {
    order0_rounds_with(Kernel::best(), slots, states, input, pos, out)
}

/// The vector kernels of the X32 order-0 rounds, best first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kernel {
    /// Two vectors of sixteen states (AVX-512F), renormalised by `vpexpandd`.
    Avx512,
    /// Four vectors of eight states (AVX2).
    Avx2,
    /// No vector kernel: the caller's scalar loop decodes everything.
    Scalar,
}

impl Kernel {
    /// The best kernel this CPU runs (detected once per call: the check is a
    /// cached load).
    fn best() -> Kernel {
        Kernel::ALL
            .into_iter()
            .find(|k| k.available())
            .unwrap_or(Kernel::Scalar)
    }

    const ALL: [Kernel; 3] = [Kernel::Avx512, Kernel::Avx2, Kernel::Scalar];

    /// Whether this CPU (and this compiler: AVX-512 needs Rust 1.89) runs it.
    fn available(self) -> bool {
        match self {
            Kernel::Avx512 => avx512::detected(),
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2 => std::is_x86_feature_detected!("avx2"),
            #[cfg(not(target_arch = "x86_64"))]
            Kernel::Avx2 => false,
            Kernel::Scalar => true,
        }
    }
}

/// [`order0_rounds`] with a given kernel, which must be
/// [`available`](Kernel::available) (else nothing is decoded).
fn order0_rounds_with(
    kernel: Kernel,
    slots: &[u32; 1 << 12],
    states: &mut [u32; 32],
    input: &[u8],
    pos: &mut usize,
    out: &mut [u8],
) -> usize {
    match kernel {
        Kernel::Avx512 => avx512::order0_rounds(slots, states, input, pos, out).unwrap_or(0),
        #[cfg(target_arch = "x86_64")]
        Kernel::Avx2 if std::is_x86_feature_detected!("avx2") => {
            // SAFETY: the CPU has AVX2, checked just above.
            unsafe { avx2::order0_rounds(slots, states, input, pos, out) }
        }
        _ => 0,
    }
}

/// Decodes as many whole order-1 rounds (one symbol per lane, lane `j`
/// writing `lanes[j * stride + i]` for round `i`) as the input is sure to
/// cover, from round `first` on, with `bits`-bit (10 or 12) context blocks
/// in `table`, advancing `states`, `contexts` and `pos`; returns the next
/// round (`first` without AVX2). `lanes.len()` is `32 * stride`.
#[allow(clippy::too_many_arguments)]
pub(super) fn order1_rounds(
    table: &[u32; 256 << 12],
    bits: u32,
    states: &mut [u32; 32],
    contexts: &mut [u8; 32],
    input: &[u8],
    pos: &mut usize,
    lanes: &mut [u8],
    first: usize,
) -> usize {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") && bits <= 12 && lanes.len().is_multiple_of(32) {
        // SAFETY: the CPU has AVX2, and bits and lanes are as required,
        // checked just above.
        return unsafe {
            avx2::order1_rounds(table, bits, states, contexts, input, pos, lanes, first)
        };
    }
    let _ = (table, bits, states, contexts, input, pos, lanes);
    first
}

/// The AVX-512 order-0 kernel: the 32 states as two vectors of sixteen,
/// and the renormalisation as one expand of the next 16-bit words into the
/// lanes that need them (no permutation table). AVX-512 intrinsics are
/// stable from Rust 1.89; older compilers (the crate supports 1.88) get the
/// stand-in below, which reports the kernel as unavailable.
#[cfg(target_arch = "x86_64")]
#[rustversion::since(1.89)]
mod avx512 {
    use std::arch::x86_64::*;

    /// Whether the CPU has AVX-512F (all the kernel uses) and is not an
    /// AMD one: htscodecs keeps its AVX2 order-0 kernel on AMD CPUs with
    /// AVX-512 (Zen 4's 16-lane gathers), and so do we (not measured here:
    /// the AVX-512 figures in `docs/performance.md` are from an Intel Xeon).
    pub(super) fn detected() -> bool {
        std::is_x86_feature_detected!("avx512f") && !amd()
    }

    /// Whether the CPU vendor is AMD (or Hygon, its licensee).
    fn amd() -> bool {
        // Leaf 0 (the vendor string) exists on every x86_64 CPU; `__cpuid`
        // is an unsafe function in older releases.
        #[allow(unused_unsafe)]
        // SAFETY: CPUID leaf 0 is always available on x86_64.
        let vendor = unsafe { __cpuid(0) };
        let ebx = vendor.ebx.to_le_bytes();
        ebx == *b"Auth" || ebx == *b"Hygo"
    }

    /// See [`super::order0_rounds`]; `None` without AVX-512F.
    pub(super) fn order0_rounds(
        slots: &[u32; 1 << 12],
        states: &mut [u32; 32],
        input: &[u8],
        pos: &mut usize,
        out: &mut [u8],
    ) -> Option<usize> {
        if !detected() {
            return None;
        }
        // SAFETY: the CPU has AVX-512F, checked just above.
        Some(unsafe { rounds(slots, states, input, pos, out) })
    }

    /// # Safety
    /// The CPU must have AVX-512F.
    #[target_feature(enable = "avx512f")]
    unsafe fn rounds(
        slots: &[u32; 1 << 12],
        states: &mut [u32; 32],
        input: &[u8],
        pos: &mut usize,
        out: &mut [u8],
    ) -> usize {
        let slot_mask = _mm512_set1_epi32(0xfff);
        let one = _mm512_set1_epi32(1);
        let lower_bound = _mm512_set1_epi32(1 << 15);
        // SAFETY: 16 of the 32 states at 0 and at 16.
        let mut x = unsafe {
            [
                _mm512_loadu_si512(states.as_ptr().cast()),
                _mm512_loadu_si512(states.as_ptr().add(16).cast()),
            ]
        };
        let mut at = *pos;
        let mut done = 0;
        while out.len() - done >= 32 && input.len() - at >= 64 {
            for (g, x) in x.iter_mut().enumerate() {
                let index = _mm512_and_si512(*x, slot_mask);
                // SAFETY: every index is below 4096, the length of `slots`.
                let entry = unsafe { _mm512_i32gather_epi32::<4>(index, slots.as_ptr().cast()) };
                // SAFETY: 16 bytes at `done + 16 * g` are inside `out`
                // (32 left, checked by the loop).
                unsafe {
                    _mm_storeu_si128(
                        out.as_mut_ptr().add(done + 16 * g).cast(),
                        _mm512_cvtepi32_epi8(entry),
                    );
                }
                let freq = _mm512_add_epi32(
                    _mm512_and_si512(_mm512_srli_epi32::<8>(entry), slot_mask),
                    one,
                );
                let next = _mm512_add_epi32(
                    _mm512_mullo_epi32(freq, _mm512_srli_epi32::<12>(*x)),
                    _mm512_srli_epi32::<20>(entry),
                );
                let needs = _mm512_cmplt_epu32_mask(next, lower_bound);
                // SAFETY: a round reads at most 64 bytes and started with 64
                // left; the first group read at most 32 of them, so the 32
                // bytes at `at` are inside `input`.
                let words = unsafe {
                    _mm512_cvtepu16_epi32(_mm256_loadu_si256(input.as_ptr().add(at).cast()))
                };
                let words = _mm512_maskz_expand_epi32(needs, words);
                *x = _mm512_mask_or_epi32(next, needs, _mm512_slli_epi32::<16>(next), words);
                at += 2 * needs.count_ones() as usize;
            }
            done += 32;
        }
        // SAFETY: as for the loads.
        unsafe {
            _mm512_storeu_si512(states.as_mut_ptr().cast(), x[0]);
            _mm512_storeu_si512(states.as_mut_ptr().add(16).cast(), x[1]);
        }
        *pos = at;
        done
    }
}

/// Stand-in for the AVX-512 kernel where there is none (other targets, or a
/// compiler before Rust 1.89).
#[cfg_attr(target_arch = "x86_64", rustversion::before(1.89))]
mod avx512 {
    /// Never: there is no AVX-512 kernel here.
    pub(super) fn detected() -> bool {
        false
    }

    /// Decodes nothing: `None`.
    pub(super) fn order0_rounds(
        _: &[u32; 1 << 12],
        _: &mut [u32; 32],
        _: &[u8],
        _: &mut usize,
        _: &mut [u8],
    ) -> Option<usize> {
        None
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::*;

    /// For each 8-bit mask of lanes needing input, the word each lane takes:
    /// lane `k` takes word `popcount(mask & ((1 << k) - 1))`.
    static PERMUTE: [[u32; 8]; 256] = {
        let mut table = [[0u32; 8]; 256];
        let mut mask = 0;
        while mask < 256 {
            let mut k = 0;
            let mut taken = 0;
            while k < 8 {
                table[mask][k] = taken;
                if mask & (1 << k) != 0 {
                    taken += 1;
                }
                k += 1;
            }
            mask += 1;
        }
        table
    };

    /// See [`super::order0_rounds`].
    ///
    /// # Safety
    /// The CPU must have AVX2.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn order0_rounds(
        slots: &[u32; 1 << 12],
        states: &mut [u32; 32],
        input: &[u8],
        pos: &mut usize,
        out: &mut [u8],
    ) -> usize {
        let slot_mask = _mm256_set1_epi32(0xfff);
        let low_byte = _mm256_set1_epi32(0xff);
        let one = _mm256_set1_epi32(1);
        let below = _mm256_set1_epi32(0x7fff);
        let order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
        let mut x = [_mm256_setzero_si256(); 4];
        for (g, v) in x.iter_mut().enumerate() {
            // SAFETY: 8 of the 32 states, at 8 * g.
            *v = unsafe { _mm256_loadu_si256(states.as_ptr().add(8 * g).cast()) };
        }
        let mut done = 0;
        while out.len() - done >= 32 && input.len() - *pos >= 64 {
            let mut syms = [_mm256_setzero_si256(); 4];
            for g in 0..4 {
                let index = _mm256_and_si256(x[g], slot_mask);
                // SAFETY: every index is below 4096, the length of `slots`.
                let entry = unsafe { _mm256_i32gather_epi32::<4>(slots.as_ptr().cast(), index) };
                syms[g] = _mm256_and_si256(entry, low_byte);
                let freq = _mm256_add_epi32(
                    _mm256_and_si256(_mm256_srli_epi32::<8>(entry), slot_mask),
                    one,
                );
                let offset = _mm256_srli_epi32::<20>(entry);
                let next = _mm256_add_epi32(
                    _mm256_mullo_epi32(freq, _mm256_srli_epi32::<12>(x[g])),
                    offset,
                );
                // Lanes below 2^15 (unsigned) take the next words in order.
                let needs = _mm256_cmpeq_epi32(_mm256_min_epu32(next, below), next);
                let mask = _mm256_movemask_ps(_mm256_castsi256_ps(needs)) as usize;
                // SAFETY: a round reads at most 64 bytes and started with 64
                // left; the groups before this one read at most 48 of them,
                // so the 16 bytes at `pos` are inside `input`.
                let words = unsafe {
                    _mm256_cvtepu16_epi32(_mm_loadu_si128(input.as_ptr().add(*pos).cast()))
                };
                // SAFETY: `mask` < 256; a table row is 8 u32.
                let permute = unsafe { _mm256_loadu_si256(PERMUTE[mask & 0xff].as_ptr().cast()) };
                let words = _mm256_permutevar8x32_epi32(words, permute);
                let refilled = _mm256_or_si256(_mm256_slli_epi32::<16>(next), words);
                x[g] = _mm256_blendv_epi8(next, refilled, needs);
                *pos += 2 * mask.count_ones() as usize;
            }
            let low = _mm256_packus_epi32(syms[0], syms[1]);
            let high = _mm256_packus_epi32(syms[2], syms[3]);
            let bytes = _mm256_permutevar8x32_epi32(_mm256_packus_epi16(low, high), order);
            // SAFETY: 32 bytes at `done` are inside `out`, checked by the loop.
            unsafe { _mm256_storeu_si256(out.as_mut_ptr().add(done).cast(), bytes) };
            done += 32;
        }
        for (g, v) in x.iter().enumerate() {
            // SAFETY: as for the loads, 8 of the 32 states.
            unsafe { _mm256_storeu_si256(states.as_mut_ptr().add(8 * g).cast(), *v) };
        }
        done
    }

    /// One lane group's rANS update and renormalisation: the state after
    /// decoding `entry` from `x` with `bits`-bit frequencies (`shift` holds
    /// `bits`), refilled from `input` at `pos` where below 2^15.
    ///
    /// # Safety
    /// The CPU must have AVX2; 16 bytes at `*pos` must be inside `input`.
    #[inline]
    #[target_feature(enable = "avx2")]
    unsafe fn advance(
        entry: __m256i,
        x: __m256i,
        shift: __m128i,
        input: &[u8],
        pos: &mut usize,
    ) -> __m256i {
        let freq = _mm256_add_epi32(
            _mm256_and_si256(_mm256_srli_epi32::<8>(entry), _mm256_set1_epi32(0xfff)),
            _mm256_set1_epi32(1),
        );
        let next = _mm256_add_epi32(
            _mm256_mullo_epi32(freq, _mm256_srl_epi32(x, shift)),
            _mm256_srli_epi32::<20>(entry),
        );
        let below = _mm256_set1_epi32(0x7fff);
        let needs = _mm256_cmpeq_epi32(_mm256_min_epu32(next, below), next);
        let mask = _mm256_movemask_ps(_mm256_castsi256_ps(needs)) as usize;
        // SAFETY: the caller guarantees the 16 bytes.
        let words =
            unsafe { _mm256_cvtepu16_epi32(_mm_loadu_si128(input.as_ptr().add(*pos).cast())) };
        // SAFETY: `mask` < 256; a table row is 8 u32.
        let permute = unsafe { _mm256_loadu_si256(PERMUTE[mask & 0xff].as_ptr().cast()) };
        let words = _mm256_permutevar8x32_epi32(words, permute);
        let refilled = _mm256_or_si256(_mm256_slli_epi32::<16>(next), words);
        *pos += 2 * mask.count_ones() as usize;
        _mm256_blendv_epi8(next, refilled, needs)
    }

    /// See [`super::order1_rounds`].
    ///
    /// # Safety
    /// The CPU must have AVX2, `bits` ≤ 12 and `lanes.len()` a multiple of 32.
    #[allow(clippy::too_many_arguments)]
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn order1_rounds(
        table: &[u32; 256 << 12],
        bits: u32,
        states: &mut [u32; 32],
        contexts: &mut [u8; 32],
        input: &[u8],
        pos: &mut usize,
        lanes: &mut [u8],
        first: usize,
    ) -> usize {
        let stride = lanes.len() / 32;
        let shift = _mm_cvtsi32_si128(bits as i32);
        let slot_mask = _mm256_set1_epi32((1 << bits) - 1);
        let low_byte = _mm256_set1_epi32(0xff);
        let mut x = [_mm256_setzero_si256(); 4];
        let mut ctx = [_mm256_setzero_si256(); 4];
        for g in 0..4 {
            // SAFETY: 8 of the 32 states, at 8 * g.
            x[g] = unsafe { _mm256_loadu_si256(states.as_ptr().add(8 * g).cast()) };
            let mut c = [0i32; 8];
            for (k, c) in c.iter_mut().enumerate() {
                *c = i32::from(contexts[8 * g + k]);
            }
            // SAFETY: `c` is 8 i32.
            ctx[g] = unsafe { _mm256_loadu_si256(c.as_ptr().cast()) };
        }
        let mut i = first;
        let mut syms = [0u32; 32];
        while i < stride && input.len() - *pos >= 64 {
            for g in 0..4 {
                let index = _mm256_or_si256(
                    _mm256_sll_epi32(ctx[g], shift),
                    _mm256_and_si256(x[g], slot_mask),
                );
                // SAFETY: context < 256 and bits ≤ 12: every index is below
                // 256 << 12, the length of `table`.
                let entry = unsafe { _mm256_i32gather_epi32::<4>(table.as_ptr().cast(), index) };
                ctx[g] = _mm256_and_si256(entry, low_byte);
                // SAFETY: a round reads at most 64 bytes and started with 64
                // left; the groups before this one read at most 48 of them.
                x[g] = unsafe { advance(entry, x[g], shift, input, pos) };
                // SAFETY: 8 of the 32 symbols, at 8 * g.
                unsafe { _mm256_storeu_si256(syms.as_mut_ptr().add(8 * g).cast(), ctx[g]) };
            }
            for (j, &sym) in syms.iter().enumerate() {
                // SAFETY: i < stride and j < 32: below 32 * stride = lanes.len().
                unsafe { *lanes.get_unchecked_mut(j * stride + i) = sym as u8 };
            }
            i += 1;
        }
        for g in 0..4 {
            // SAFETY: as for the loads, 8 of the 32 states and symbols.
            unsafe {
                _mm256_storeu_si256(states.as_mut_ptr().add(8 * g).cast(), x[g]);
                _mm256_storeu_si256(syms.as_mut_ptr().add(8 * g).cast(), ctx[g]);
            }
        }
        for (c, &s) in contexts.iter_mut().zip(&syms) {
            *c = s as u8;
        }
        i
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::{renorm_checked, slot_advance, slot_symbol};
    use super::*;

    proptest! {
        /// The vector rounds against the scalar steps on random tables,
        /// states and input.
        #[test]
        fn order0_rounds_match_scalar(
            cuts in proptest::collection::btree_set(1u32..4096, 0..40),
            symbols in proptest::collection::vec(any::<u8>(), 41),
            states in proptest::array::uniform32(any::<u32>()),
            input in proptest::collection::vec(any::<u8>(), 0..2000),
            out_len in 0usize..1000,
        ) {
            // Slots from a random partition of the 4096 slots.
            let mut slots = [0u32; 1 << 12];
            let bounds: Vec<u32> = std::iter::once(0).chain(cuts).chain([4096]).collect();
            for (w, &s) in bounds.windows(2).zip(&symbols) {
                let f = w[1] - w[0];
                for (k, slot) in slots[w[0] as usize..w[1] as usize].iter_mut().enumerate() {
                    *slot = u32::from(s) | ((f - 1) << 8) | ((k as u32) << 20);
                }
            }
            for kernel in Kernel::ALL.into_iter().filter(|k| k.available()) {
                let mut got_states = states;
                let mut want_states = states;
                let mut out = vec![0; out_len];
                let mut pos = 0;
                let done =
                    order0_rounds_with(kernel, &slots, &mut got_states, &input, &mut pos, &mut out);
                prop_assert_eq!(done % 32, 0);
                if kernel != Kernel::Scalar {
                    // Stopped only for want of output space or sure input.
                    prop_assert!(out_len - done < 32 || input.len() - pos < 64);
                }
                let mut want_pos = 0;
                for i in 0..done {
                    let x = &mut want_states[i % 32];
                    let entry = slots[(*x & 0xfff) as usize];
                    prop_assert_eq!(out[i], slot_symbol(entry), "{:?} byte {}", kernel, i);
                    *x = renorm_checked(slot_advance(entry, *x, 12), &input, &mut want_pos)
                        .unwrap();
                }
                prop_assert_eq!(got_states, want_states, "{:?}", kernel);
                prop_assert_eq!(pos, want_pos, "{:?}", kernel);
            }
        }
    }
}
