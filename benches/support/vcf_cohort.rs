//! A simulated GT-only cohort as VCF text, for benchmarks and tests of VCF
//! and BCF genotype decoding: diploid calls, mostly biallelic with some
//! tri-allelic sites, phased and unphased regions, a few missing calls, and
//! haploid calls on chrX for a tenth of the samples. Deterministic for a
//! seed. Include with `#[path = "support/vcf_cohort.rs"] mod vcf_cohort;`.
//!
//! Two models ([`Model`]; `BIOMETAL_BENCH_VCF_MODEL=independent` picks the
//! second where [`write_gt_cohort`] is used):
//!
//! * [`Model::Haplotypes`] (the default), shaped like a real cohort: the
//!   sites are cut into regions of [`REGION_SITES`]; each region has a pool
//!   of [`FOUNDERS`] founder haplotypes whose alleles follow a site
//!   frequency spectrum skewed to rare variants (log-uniform alternate
//!   allele frequency between 1/2,000 and 1/2, so half the sites are below
//!   about 2 %). Every sample's two haplotypes are mosaics of founders: each
//!   copies one founder and switches to another at a recombination, on
//!   average every [`RECOMBINATION_SITES`] sites; each copied allele mutates
//!   (reference ↔ alternate) with probability 1/[`MUTATION_ALLELES`]. A call
//!   is missing with probability 1/[`MISSING_CALLS`]. Each region is phased
//!   (`|`) or unphased (`/`) as a whole. At 2,500 samples × 150,000 sites
//!   its BGZF VCF is about the size of the cohort (63 MB).
//! * [`Model::Independent`], the worst case for compression and for
//!   decoders' branch predictors: every allele drawn independently (a
//!   uniform alternate frequency of 0.1–50 % per site), 1 % missing calls,
//!   phasing drawn per site (149 MB at the same size).
#![allow(dead_code)] // each bench or test uses a different subset

use std::io::Write;

/// A small xorshift generator: reproducible, no dependency.
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed` (any value).
    pub fn new(seed: u64) -> Self {
        Rng(seed | 1)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A value below `bound` (> 0).
    pub fn below(&mut self, bound: u64) -> u64 {
        self.next_u64() % bound
    }

    /// A uniform value in (0, 1].
    fn unit(&mut self) -> f64 {
        ((self.next_u64() >> 11) + 1) as f64 / (1u64 << 53) as f64
    }

    /// The number of trials up to and including the first success, for a
    /// success probability of 1/`mean` (geometric, ≥ 1).
    fn geometric(&mut self, mean: f64) -> u64 {
        let p = 1.0 / mean;
        1 + (self.unit().ln() / (1.0 - p).ln()) as u64
    }
}

/// How the genotypes of a cohort are drawn (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Model {
    /// Samples as mosaics of founder haplotypes: realistic.
    Haplotypes,
    /// Every allele independent: the worst case.
    Independent,
}

impl Model {
    /// `BIOMETAL_BENCH_VCF_MODEL`: `independent`, or else the haplotype model.
    pub fn from_env() -> Self {
        match std::env::var("BIOMETAL_BENCH_VCF_MODEL").as_deref() {
            Ok("independent") => Model::Independent,
            _ => Model::Haplotypes,
        }
    }
}

/// Sites per region, each region with its own founder pool.
pub const REGION_SITES: usize = 2_000;
/// Founder haplotypes per region.
pub const FOUNDERS: usize = 64;
/// Mean sites between two recombinations on one sample haplotype.
pub const RECOMBINATION_SITES: f64 = 300.0;
/// One copied allele in this many mutates.
pub const MUTATION_ALLELES: f64 = 1_000.0;
/// One call in this many is missing.
pub const MISSING_CALLS: f64 = 250.0;

/// Writes the header and `sites` records for `samples` samples with the
/// model `BIOMETAL_BENCH_VCF_MODEL` names ([`Model::from_env`]).
pub fn write_gt_cohort(
    out: &mut impl Write,
    samples: usize,
    sites: usize,
    seed: u64,
) -> std::io::Result<()> {
    write_gt_cohort_with(out, samples, sites, seed, Model::from_env())
}

/// Writes the header and `sites` records for `samples` samples; the last
/// tenth of the sites are on chrX, where every tenth sample is haploid.
pub fn write_gt_cohort_with(
    out: &mut impl Write,
    samples: usize,
    sites: usize,
    seed: u64,
    model: Model,
) -> std::io::Result<()> {
    writeln!(out, "##fileformat=VCFv4.2")?;
    writeln!(out, "##FILTER=<ID=PASS,Description=\"All filters passed\">")?;
    writeln!(out, "##contig=<ID=chr1,length=248956422>")?;
    writeln!(out, "##contig=<ID=chrX,length=156040895>")?;
    writeln!(
        out,
        "##INFO=<ID=AC,Number=A,Type=Integer,Description=\"Allele count\">"
    )?;
    writeln!(
        out,
        "##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">"
    )?;
    write!(out, "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT")?;
    for sample in 0..samples {
        write!(out, "\tS{sample:05}")?;
    }
    writeln!(out)?;
    let mut rng = Rng::new(seed);
    let mut founders = Founders::new(samples);
    let autosomal = sites - sites / 10;
    let mut line = Vec::with_capacity(samples * 4 + 100);
    for site in 0..sites {
        line.clear();
        let on_x = site >= autosomal;
        let chromosome = if on_x { "chrX" } else { "chr1" };
        let position = 1000 + site as u64 * 97;
        let alt_count = if rng.below(20) == 0 { 2 } else { 1 };
        let alt = if alt_count == 2 { "T,G" } else { "T" };
        write!(
            line,
            "{chromosome}\t{position}\t.\tC\t{alt}\t50\tPASS\t.\tGT"
        )?;
        let haploid = |sample: usize| on_x && sample.is_multiple_of(10);
        match model {
            Model::Independent => {
                independent_calls(&mut rng, &mut line, samples, alt_count, haploid)
            }
            Model::Haplotypes => {
                founders.site(&mut rng, site, alt_count);
                founders.calls(&mut rng, &mut line, samples, haploid);
            }
        }
        line.push(b'\n');
        out.write_all(&line)?;
    }
    Ok(())
}

/// One site's calls, every allele drawn independently.
fn independent_calls(
    rng: &mut Rng,
    line: &mut Vec<u8>,
    samples: usize,
    alt_count: u64,
    haploid: impl Fn(usize) -> bool,
) {
    let frequency = 1 + rng.below(500); // alternate allele frequency, per mille
    let phased = rng.below(2) == 0;
    let allele = |rng: &mut Rng| -> u8 {
        if rng.below(1000) < frequency {
            b'0' + 1 + rng.below(alt_count) as u8
        } else {
            b'0'
        }
    };
    for sample in 0..samples {
        line.push(b'\t');
        if rng.below(100) == 0 {
            line.extend_from_slice(if haploid(sample) { b"." } else { b"./." });
        } else if haploid(sample) {
            line.push(allele(rng));
        } else {
            line.push(allele(rng));
            line.push(if phased { b'|' } else { b'/' });
            line.push(allele(rng));
        }
    }
}

/// The haplotype model's state: the current region's founder pool and, per
/// sample haplotype, the founder it copies and where it next recombines.
/// Rare events (recombinations, mutations, missing calls) are placed by
/// geometric skips, so a call costs a table look-up, not a random draw.
struct Founders {
    /// `alleles[site_in_region * FOUNDERS + founder]`: the allele digit.
    alleles: Vec<u8>,
    /// Per sample haplotype: the founder copied and the next site at which
    /// it switches to another.
    copied: Vec<(usize, usize)>,
    /// Sites of this region seen so far, the current site's row in
    /// `alleles` and the region's phasing.
    offset: usize,
    row: usize,
    phased: bool,
    /// Calls left until the next missing one and alleles until the next
    /// mutation.
    next_missing: u64,
    next_mutation: u64,
}

impl Founders {
    fn new(samples: usize) -> Self {
        Founders {
            alleles: Vec::with_capacity(REGION_SITES * FOUNDERS),
            copied: vec![(0, 0); samples * 2],
            offset: REGION_SITES,
            row: 0,
            phased: false,
            next_missing: 0,
            next_mutation: 0,
        }
    }

    /// Moves to site `site` (global index): a new region's founder pool
    /// when one begins, recombinations due here, and the founders' alleles.
    fn site(&mut self, rng: &mut Rng, site: usize, alt_count: u64) {
        if self.offset == REGION_SITES {
            self.offset = 0;
            self.alleles.clear();
            self.phased = rng.below(2) == 0;
            if self.next_missing == 0 {
                self.next_missing = rng.geometric(MISSING_CALLS);
                self.next_mutation = rng.geometric(MUTATION_ALLELES);
            }
            for copied in &mut self.copied {
                *copied = (
                    rng.below(FOUNDERS as u64) as usize,
                    site + rng.geometric(RECOMBINATION_SITES) as usize,
                );
            }
        }
        // Log-uniform between 1/2,000 and 1/2: skewed to rare alleles.
        let frequency = (1.0 / 2_000.0f64) * 1_000.0f64.powf(rng.unit());
        for _ in 0..FOUNDERS {
            let digit = if rng.unit() < frequency {
                b'1' + rng.below(alt_count) as u8
            } else {
                b'0'
            };
            self.alleles.push(digit);
        }
        let row = self.offset * FOUNDERS;
        self.offset += 1;
        for copied in &mut self.copied {
            if copied.1 <= site {
                *copied = (
                    rng.below(FOUNDERS as u64) as usize,
                    site + rng.geometric(RECOMBINATION_SITES) as usize,
                );
            }
        }
        self.row = row;
    }

    /// The allele of sample haplotype `haplotype` at the current site.
    fn allele(&mut self, rng: &mut Rng, haplotype: usize) -> u8 {
        let founder = self.copied.get(haplotype).map_or(0, |c| c.0);
        let digit = self
            .alleles
            .get(self.row + founder)
            .copied()
            .unwrap_or(b'0');
        self.next_mutation -= 1;
        if self.next_mutation > 0 {
            return digit;
        }
        self.next_mutation = rng.geometric(MUTATION_ALLELES);
        if digit == b'0' {
            b'1'
        } else {
            b'0'
        }
    }

    /// Appends the current site's calls.
    fn calls(
        &mut self,
        rng: &mut Rng,
        line: &mut Vec<u8>,
        samples: usize,
        haploid: impl Fn(usize) -> bool,
    ) {
        let separator = if self.phased { b'|' } else { b'/' };
        for sample in 0..samples {
            line.push(b'\t');
            self.next_missing -= 1;
            let missing = self.next_missing == 0;
            if missing {
                self.next_missing = rng.geometric(MISSING_CALLS);
            }
            match (missing, haploid(sample)) {
                (true, true) => line.push(b'.'),
                (true, false) => line.extend_from_slice(b"./."),
                (false, true) => line.push(self.allele(rng, 2 * sample)),
                (false, false) => {
                    let first = self.allele(rng, 2 * sample);
                    let second = self.allele(rng, 2 * sample + 1);
                    line.extend_from_slice(&[first, separator, second]);
                }
            }
        }
    }
}
