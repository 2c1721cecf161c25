//! Columnar genotypes: every sample of one variant line at once.

/// Allele counts below this use a fixed local table.
const SMALL: usize = 16;

/// The genotypes (GT) of every sample of one record, stored column-wise:
/// one flat array of allele indices, one phase flag per allele and the end
/// of each sample's alleles, so samples of any ploidy (haploid chrX calls,
/// diploid, polyploid) share one line.
///
/// Allele index 0 is the reference, `1..` the alternates, and
/// [`GenotypeMatrix::MISSING`] a missing allele (`.`). A sample whose
/// genotype is missing altogether (`.`, or no GT value) has ploidy 1 and one
/// missing allele, as in bcftools. The phase flag of an allele says whether
/// it is phased with the previous allele (`|`); for the first allele it is
/// the explicit VCF 4.4 prefix (`|0/1`), or, without a prefix, whether every
/// other allele of the sample is phased (as VCF 4.4 infers).
///
/// Reuse one matrix across records: filling it keeps its allocations.
///
/// ```
/// use biometal::formats::vcf::GenotypeMatrix;
///
/// let mut matrix = GenotypeMatrix::new();
/// matrix.clear();
/// matrix.push_sample(&[0, 1], &[true, true]); // 0|1
/// matrix.push_sample(&[1], &[false]); // haploid 1
/// matrix.push_sample(&[GenotypeMatrix::MISSING, 1], &[false, false]); // ./1
/// assert_eq!(matrix.sample_count(), 3);
/// assert_eq!(matrix.ploidy(1), 1);
/// assert_eq!(matrix.alleles(2), [GenotypeMatrix::MISSING, 1]);
/// assert!(matrix.is_phased(0) && !matrix.is_phased(2));
/// let mut counts = Vec::new();
/// matrix.allele_counts(2, &mut counts);
/// assert_eq!(counts, [1, 3]);
/// assert_eq!(matrix.allele_number(), 4);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GenotypeMatrix {
    pub(crate) alleles: Vec<i32>,
    pub(crate) phased: Vec<bool>,
    /// `ends[i]`: one past sample `i`'s last allele in `alleles`.
    pub(crate) ends: Vec<u32>,
}

impl GenotypeMatrix {
    /// The allele index of a missing allele (`.`).
    pub const MISSING: i32 = -1;

    /// An empty matrix.
    pub fn new() -> Self {
        Self::default()
    }

    /// Empties the matrix, keeping its allocations.
    pub fn clear(&mut self) {
        self.alleles.clear();
        self.phased.clear();
        self.ends.clear();
    }

    /// Appends one sample's alleles and phase flags (`phased` as long as
    /// `alleles`; missing flags count as unphased).
    pub fn push_sample(&mut self, alleles: &[i32], phased: &[bool]) {
        self.alleles.extend_from_slice(alleles);
        self.phased
            .extend((0..alleles.len()).map(|i| phased.get(i).copied().unwrap_or(false)));
        self.end_sample();
    }

    /// Appends one allele to the sample being built; [`end_sample`]
    /// closes it. (What decoders use, allele by allele.)
    ///
    /// [`end_sample`]: GenotypeMatrix::end_sample
    #[inline]
    pub fn push_allele(&mut self, allele: i32, phased: bool) {
        self.alleles.push(allele);
        self.phased.push(phased);
    }

    /// Closes the sample being built by [`push_allele`](GenotypeMatrix::push_allele).
    #[inline]
    pub fn end_sample(&mut self) {
        // The number of alleles of one record is bounded by the record size
        // limit, far below u32::MAX.
        self.ends.push(self.alleles.len() as u32);
    }

    /// The number of samples.
    pub fn sample_count(&self) -> usize {
        self.ends.len()
    }

    fn range(&self, sample: usize) -> std::ops::Range<usize> {
        let start = match sample.checked_sub(1) {
            Some(previous) => self.ends.get(previous).map_or(0, |&end| end as usize),
            None => 0,
        };
        let end = self.ends.get(sample).map_or(start, |&end| end as usize);
        start..end
    }

    /// The allele indices of sample `sample` (empty past the last sample).
    pub fn alleles(&self, sample: usize) -> &[i32] {
        &self.alleles[self.range(sample)]
    }

    /// The phase flags of sample `sample`'s alleles.
    pub fn phase_flags(&self, sample: usize) -> &[bool] {
        &self.phased[self.range(sample)]
    }

    /// The ploidy (number of alleles) of sample `sample`.
    pub fn ploidy(&self, sample: usize) -> usize {
        self.range(sample).len()
    }

    /// Whether sample `sample` is phased: every allele after the first is
    /// joined by `|` (a haploid call is phased when its flag says so).
    pub fn is_phased(&self, sample: usize) -> bool {
        let flags = self.phase_flags(sample);
        match flags {
            [] => false,
            [only] => *only,
            [_, rest @ ..] => rest.iter().all(|&p| p),
        }
    }

    /// Every allele index of every sample, sample after sample.
    pub fn all_alleles(&self) -> &[i32] {
        &self.alleles
    }

    /// Counts called alleles per allele index into `counts` (resized to
    /// `allele_count`, the reference included): `counts[0]` is the number
    /// of reference alleles, `counts[k]` of the k-th alternate (`AC` are
    /// `counts[1..]`). Indices ≥ `allele_count` are not counted.
    /// [`count_alleles`](GenotypeMatrix::count_alleles) gives `AN` in the
    /// same pass.
    pub fn allele_counts(&self, allele_count: usize, counts: &mut Vec<u32>) {
        self.count_alleles(allele_count, counts);
    }

    /// The number of called (non-missing) alleles (`AN`).
    pub fn allele_number(&self) -> u32 {
        self.alleles.iter().map(|&a| u32::from(a >= 0)).sum()
    }

    /// [`allele_counts`](GenotypeMatrix::allele_counts) and
    /// [`allele_number`](GenotypeMatrix::allele_number) (the return value)
    /// in one pass over the matrix: what `AC`/`AN` need. Up to four alleles
    /// (nearly every site) the pass is branch-free and vectorised (AVX2
    /// where the CPU has it), a fraction of the cost of decoding.
    ///
    /// ```
    /// use biometal::formats::vcf::GenotypeMatrix;
    ///
    /// let mut matrix = GenotypeMatrix::new();
    /// matrix.push_sample(&[0, 1], &[false, false]); // 0/1
    /// matrix.push_sample(&[GenotypeMatrix::MISSING, 2], &[false, false]); // ./2
    /// let mut counts = Vec::new();
    /// let allele_number = matrix.count_alleles(3, &mut counts);
    /// assert_eq!((counts.as_slice(), allele_number), (&[1, 1, 1][..], 3));
    /// ```
    pub fn count_alleles(&self, allele_count: usize, counts: &mut Vec<u32>) -> u32 {
        counts.clear();
        if allele_count <= FUSED {
            let (equal, called) = count_fused(&self.alleles);
            counts.extend_from_slice(&equal[..allele_count]);
            return called;
        }
        counts.resize(allele_count, 0);
        if allele_count < SMALL {
            // Branch-free: slot 0 takes missing alleles, slot `a + 1`
            // allele `a`, the last slot every index past the table.
            let mut local = [0u32; SMALL + 1];
            for &allele in &self.alleles {
                local[allele.saturating_add(1).clamp(0, SMALL as i32) as usize] += 1;
            }
            counts.copy_from_slice(&local[1..=allele_count]);
            return self.alleles.len() as u32 - local[0];
        }
        let mut called = 0;
        for &allele in &self.alleles {
            called += u32::from(allele >= 0);
            if let Some(count) = usize::try_from(allele).ok().and_then(|a| counts.get_mut(a)) {
                *count += 1;
            }
        }
        called
    }
}

/// Allele counts up to this take the fused, vectorised pass.
const FUSED: usize = 4;

/// How many of `alleles` equal 0, 1, 2 and 3, and how many are called
/// (≥ 0): one pass with AVX2 or SSE2 (eight or four alleles per step, one
/// compare and one subtract per counter), elsewhere one simple pass per
/// counter, which compilers vectorise.
fn count_fused(alleles: &[i32]) -> ([u32; FUSED], u32) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2, checked just above.
            return unsafe { x86::count_avx2(alleles) };
        }
        // SAFETY: SSE2 is part of every x86_64 CPU.
        unsafe { x86::count_sse2(alleles) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    count_passes(alleles)
}

/// The portable version: one pass per counter.
fn count_passes(alleles: &[i32]) -> ([u32; FUSED], u32) {
    let mut equal = [0u32; FUSED];
    for (index, count) in equal.iter_mut().enumerate() {
        let index = index as i32;
        *count = alleles.iter().map(|&a| u32::from(a == index)).sum();
    }
    (equal, alleles.iter().map(|&a| u32::from(a >= 0)).sum())
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::{count_passes, FUSED};
    use std::arch::x86_64::*;

    /// Eight alleles per step.
    #[target_feature(enable = "avx2")]
    pub(super) fn count_avx2(alleles: &[i32]) -> ([u32; FUSED], u32) {
        let (chunks, rest) = alleles.as_chunks::<8>();
        let targets = [
            _mm256_set1_epi32(0),
            _mm256_set1_epi32(1),
            _mm256_set1_epi32(2),
            _mm256_set1_epi32(3),
        ];
        let missing = _mm256_set1_epi32(-1);
        let mut equal = [_mm256_setzero_si256(); FUSED];
        let mut called = _mm256_setzero_si256();
        for chunk in chunks {
            // SAFETY: `chunk` is 8 readable i32s; the load is unaligned.
            let values = unsafe { _mm256_loadu_si256(chunk.as_ptr().cast()) };
            // A true comparison is -1 in its lane: subtracting counts it.
            for (count, target) in equal.iter_mut().zip(&targets) {
                *count = _mm256_sub_epi32(*count, _mm256_cmpeq_epi32(values, *target));
            }
            called = _mm256_sub_epi32(called, _mm256_cmpgt_epi32(values, missing));
        }
        let sum = |vector: __m256i| -> u32 {
            let mut lanes = [0u32; 8];
            // SAFETY: `lanes` is 32 writable bytes; the store is unaligned.
            unsafe { _mm256_storeu_si256(lanes.as_mut_ptr().cast(), vector) };
            lanes.iter().fold(0u32, |a, &b| a.wrapping_add(b))
        };
        finish(equal.map(sum), sum(called), rest)
    }

    /// Four alleles per step.
    #[target_feature(enable = "sse2")]
    pub(super) fn count_sse2(alleles: &[i32]) -> ([u32; FUSED], u32) {
        let (chunks, rest) = alleles.as_chunks::<4>();
        let targets = [
            _mm_set1_epi32(0),
            _mm_set1_epi32(1),
            _mm_set1_epi32(2),
            _mm_set1_epi32(3),
        ];
        let missing = _mm_set1_epi32(-1);
        let mut equal = [_mm_setzero_si128(); FUSED];
        let mut called = _mm_setzero_si128();
        for chunk in chunks {
            // SAFETY: `chunk` is 4 readable i32s; the load is unaligned.
            let values = unsafe { _mm_loadu_si128(chunk.as_ptr().cast()) };
            for (count, target) in equal.iter_mut().zip(&targets) {
                *count = _mm_sub_epi32(*count, _mm_cmpeq_epi32(values, *target));
            }
            called = _mm_sub_epi32(called, _mm_cmpgt_epi32(values, missing));
        }
        let sum = |vector: __m128i| -> u32 {
            let mut lanes = [0u32; 4];
            // SAFETY: `lanes` is 16 writable bytes; the store is unaligned.
            unsafe { _mm_storeu_si128(lanes.as_mut_ptr().cast(), vector) };
            lanes.iter().fold(0u32, |a, &b| a.wrapping_add(b))
        };
        finish(equal.map(sum), sum(called), rest)
    }

    /// Adds the alleles after the last full step.
    fn finish(mut equal: [u32; FUSED], mut called: u32, rest: &[i32]) -> ([u32; FUSED], u32) {
        let (tail_equal, tail_called) = count_passes(rest);
        for (count, tail) in equal.iter_mut().zip(tail_equal) {
            *count += tail;
        }
        called += tail_called;
        (equal, called)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allele_counts_agree_with_a_plain_count_for_every_allele_count() {
        let mut matrix = GenotypeMatrix::new();
        // 501 alleles: the vectorised pass's tail too; indices -3..=21.
        let alleles: Vec<i32> = (0..501).map(|i: i32| i * 7 % 25 - 3).collect();
        for pair in alleles.chunks(2) {
            matrix.push_sample(pair, &[false, true]);
        }
        let called = alleles.iter().filter(|&&a| a >= 0).count() as u32;
        for allele_count in [0, 1, 2, 3, 4, 5, 15, 16, 17, 30] {
            let mut counts = Vec::new();
            matrix.allele_counts(allele_count, &mut counts);
            let expected: Vec<u32> = (0..allele_count)
                .map(|k| alleles.iter().filter(|&&a| a == k as i32).count() as u32)
                .collect();
            assert_eq!(counts, expected, "{allele_count}");
            assert_eq!(matrix.count_alleles(allele_count, &mut counts), called);
            assert_eq!(counts, expected, "{allele_count}");
        }
        assert_eq!(matrix.allele_number(), called);
    }

    #[test]
    fn every_counting_kernel_agrees_with_the_portable_one() {
        for length in 0..=40 {
            let alleles: Vec<i32> = (0..length).map(|i: i32| i * 5 % 7 - 2).collect();
            let expected = count_passes(&alleles);
            assert_eq!(count_fused(&alleles), expected, "{length}");
            #[cfg(target_arch = "x86_64")]
            {
                // SAFETY: SSE2 is part of every x86_64 CPU.
                assert_eq!(unsafe { x86::count_sse2(&alleles) }, expected, "{length}");
                if std::arch::is_x86_feature_detected!("avx2") {
                    // SAFETY: the CPU supports AVX2, checked just above.
                    assert_eq!(unsafe { x86::count_avx2(&alleles) }, expected, "{length}");
                }
            }
        }
    }
}
