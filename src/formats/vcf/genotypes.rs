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
    pub fn allele_counts(&self, allele_count: usize, counts: &mut Vec<u32>) {
        counts.clear();
        counts.resize(allele_count, 0);
        if allele_count <= 4 {
            // One vectorisable comparison pass per allele beats a table
            // whose increments chain through memory.
            for (allele, count) in counts.iter_mut().enumerate() {
                let allele = allele as i32;
                *count = self.alleles.iter().map(|&a| u32::from(a == allele)).sum();
            }
            return;
        }
        if allele_count < SMALL {
            // Branch-free: missing (-1) and out-of-range indices land in
            // slots past `allele_count`, which are dropped.
            let mut local = [0u32; SMALL];
            for &allele in &self.alleles {
                local[(allele as u32).min(SMALL as u32 - 1) as usize] += 1;
            }
            counts.copy_from_slice(&local[..allele_count]);
            return;
        }
        for &allele in &self.alleles {
            if let Some(count) = usize::try_from(allele).ok().and_then(|a| counts.get_mut(a)) {
                *count += 1;
            }
        }
    }

    /// The number of called (non-missing) alleles (`AN`).
    pub fn allele_number(&self) -> u32 {
        self.alleles.iter().filter(|&&a| a >= 0).count() as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allele_counts_agree_with_a_plain_count_for_every_allele_count() {
        let mut matrix = GenotypeMatrix::new();
        let alleles: Vec<i32> = (0..500).map(|i: i32| i * 7 % 23 - 1).collect();
        for pair in alleles.chunks(2) {
            matrix.push_sample(pair, &[false, true]);
        }
        for allele_count in [1, 2, 3, 4, 5, 15, 16, 30] {
            let mut counts = Vec::new();
            matrix.allele_counts(allele_count, &mut counts);
            let expected: Vec<u32> = (0..allele_count)
                .map(|k| alleles.iter().filter(|&&a| a == k as i32).count() as u32)
                .collect();
            assert_eq!(counts, expected, "{allele_count}");
        }
        assert_eq!(
            matrix.allele_number() as usize,
            alleles.iter().filter(|&&a| a >= 0).count()
        );
    }
}
