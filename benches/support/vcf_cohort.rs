//! A simulated cohort as VCF text (GT only, or GT:DP:GQ:PL), for benchmarks
//! and tests of VCF and BCF genotype decoding: diploid calls, mostly
//! biallelic with some tri-allelic sites, phased and unphased regions, a
//! few missing calls, and haploid calls on chrX for a tenth of the samples.
//! Deterministic for a seed. Include with `#[path = "support/vcf_cohort.rs"] mod vcf_cohort;`.
//!
//! Three models ([`Model`]; `BIOMETAL_BENCH_VCF_MODEL=independent` or
//! `caller` picks the second or third where [`write_cohort`] is used):
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
//! * [`Model::Caller`] (`BIOMETAL_BENCH_VCF_MODEL=caller`): the haplotype
//!   model's genotypes with `GT:DP:GQ:PL` as a joint caller writes them
//!   from single-sample gVCFs (GATK's `GenotypeGVCFs` and the like):
//!   * every sample has its own mean depth (12–47×, steady along the
//!     genome); a diploid hom-ref call takes DP from the sample's
//!     current reference block, which spans a geometric number of sites
//!     (mean [`REFERENCE_BLOCK_SITES`]) before a new block's depth is
//!     drawn; a call with an ALT allele, and a haploid call, draws its own
//!     depth; depths scatter ±
//!     [`DEPTH_SPREAD`] around the sample's mean;
//!   * PL is what a caller computes from the reads: the call's alleles read
//!     `DP` times (half each for a heterozygote), each read wrong with
//!     probability 1 %, `PL(g) = round(-10 log10 P(reads | g))` minus the
//!     best, over the genotypes in VCF order (`G` values for diploid calls,
//!     one per allele for haploid chrX calls, so multi-allelic sites carry
//!     6 or 3);
//!   * GQ is the second-best PL capped at 99;
//!   * a missing call is `./.` (`.` haploid) with DP 0, GQ 0 and all-zero
//!     PL.
//!
//!   At 850 samples × 40,000 sites its BCF is 79 MB and `bcftools view
//!   -Ou` reads it in 0.50 s of CPU on the 2-core build machine, where the
//!   GT-only cohort's 150,000 × 2,500 takes 0.56 s: the figures for
//!   its GT:DP:GQ:PL cohort (0.51 s) and GT-only cohort (0.56 s). At 2,500
//!   samples it is 64 MB per 10,000 sites (docs/performance.md, session 5).
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
    /// The haplotype model's genotypes with a caller's DP, GQ and PL.
    Caller,
}

impl Model {
    /// `BIOMETAL_BENCH_VCF_MODEL`: `independent`, `caller`, or else the
    /// haplotype model.
    pub fn from_env() -> Self {
        match std::env::var("BIOMETAL_BENCH_VCF_MODEL").as_deref() {
            Ok("independent") => Model::Independent,
            Ok("caller") => Model::Caller,
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
/// Mean sites a sample's reference block (and so its hom-ref DP) lasts.
pub const REFERENCE_BLOCK_SITES: f64 = 8.0;
/// Depths scatter uniformly up to this far either side of a sample's mean.
pub const DEPTH_SPREAD: u64 = 4;
/// The probability that one read shows another allele than it carries.
const READ_ERROR: f64 = 0.01;
/// The largest depth drawn (the largest mean plus the spread).
const MAX_DEPTH: usize = 47 + DEPTH_SPREAD as usize;

/// Writes the header and `sites` records for `samples` samples with the
/// model `BIOMETAL_BENCH_VCF_MODEL` names ([`Model::from_env`]).
pub fn write_cohort(
    out: &mut impl Write,
    samples: usize,
    sites: usize,
    seed: u64,
) -> std::io::Result<()> {
    write_cohort_with(out, samples, sites, seed, Model::from_env())
}

/// Writes the header and `sites` records for `samples` samples; the last
/// tenth of the sites are on chrX, where every tenth sample is haploid.
pub fn write_cohort_with(
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
    if model == Model::Caller {
        for line in [
            "##FORMAT=<ID=DP,Number=1,Type=Integer,Description=\"Read depth\">",
            "##FORMAT=<ID=GQ,Number=1,Type=Integer,Description=\"Genotype quality\">",
            "##FORMAT=<ID=PL,Number=G,Type=Integer,Description=\"Phred-scaled genotype likelihoods\">",
        ] {
            writeln!(out, "{line}")?;
        }
    }
    write!(out, "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT")?;
    for sample in 0..samples {
        write!(out, "\tS{sample:05}")?;
    }
    writeln!(out)?;
    let mut rng = Rng::new(seed);
    let mut founders = Founders::new(samples);
    let mut caller = (model == Model::Caller).then(|| Caller::new(samples));
    let autosomal = sites - sites / 10;
    let mut line = Vec::with_capacity(samples * 4 + 100);
    for site in 0..sites {
        line.clear();
        let on_x = site >= autosomal;
        let chromosome = if on_x { "chrX" } else { "chr1" };
        let position = 1000 + site as u64 * 97;
        let alt_count = if rng.below(20) == 0 { 2 } else { 1 };
        let alt = if alt_count == 2 { "T,G" } else { "T" };
        let format = if caller.is_some() {
            "GT:DP:GQ:PL"
        } else {
            "GT"
        };
        write!(
            line,
            "{chromosome}\t{position}\t.\tC\t{alt}\t50\tPASS\t.\t{format}"
        )?;
        let haploid = |sample: usize| on_x && sample.is_multiple_of(10);
        match model {
            Model::Independent => {
                independent_calls(&mut rng, &mut line, samples, alt_count, haploid)
            }
            Model::Haplotypes | Model::Caller => {
                founders.site(&mut rng, site, alt_count);
                founders.calls(&mut rng, &mut line, samples, haploid, caller.as_mut());
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
    /// The current site's ALT alleles.
    alt_count: u64,
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
            alt_count: 1,
        }
    }

    /// Moves to site `site` (global index): a new region's founder pool
    /// when one begins, recombinations due here, and the founders' alleles.
    fn site(&mut self, rng: &mut Rng, site: usize, alt_count: u64) {
        self.alt_count = alt_count;
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
        mut caller: Option<&mut Caller>,
    ) {
        let separator = if self.phased { b'|' } else { b'/' };
        for sample in 0..samples {
            line.push(b'\t');
            self.next_missing -= 1;
            let missing = self.next_missing == 0;
            if missing {
                self.next_missing = rng.geometric(MISSING_CALLS);
            }
            let call = match (missing, haploid(sample)) {
                (true, true) => {
                    line.push(b'.');
                    Call::Missing { haploid: true }
                }
                (true, false) => {
                    line.extend_from_slice(b"./.");
                    Call::Missing { haploid: false }
                }
                (false, true) => {
                    let allele = self.allele(rng, 2 * sample);
                    line.push(allele);
                    Call::Haploid(allele - b'0')
                }
                (false, false) => {
                    let first = self.allele(rng, 2 * sample);
                    let second = self.allele(rng, 2 * sample + 1);
                    line.extend_from_slice(&[first, separator, second]);
                    Call::Diploid(first - b'0', second - b'0')
                }
            };
            if let Some(caller) = caller.as_deref_mut() {
                caller.values(rng, line, sample, call, self.alt_count);
            }
        }
    }
}

/// One sample's call at a site, allele indices (0: REF).
#[derive(Debug, Clone, Copy)]
enum Call {
    Missing { haploid: bool },
    Haploid(u8),
    Diploid(u8, u8),
}

/// The caller model's state (see [`Model::Caller`]): per sample its mean
/// depth and current reference block, and the `:DP:GQ:PL` text of every
/// (alleles, ploidy, call, depth), computed once.
struct Caller {
    /// Per sample: mean depth, the hom-ref depth of its current reference
    /// block and the sites the block has left.
    samples: Vec<(u64, u64, u64)>,
    /// `text[table][call * (MAX_DEPTH + 1) + depth]`, tables for diploid
    /// with 2 and 3 alleles, then haploid with 2 and 3.
    text: [Vec<Vec<u8>>; 4],
}

impl Caller {
    fn new(samples: usize) -> Self {
        let mean = |sample: usize| 12 + (sample as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) % 36;
        Caller {
            samples: (0..samples).map(|s| (mean(s), mean(s), 0)).collect(),
            text: [
                caller_table(2, 2),
                caller_table(3, 2),
                caller_table(2, 1),
                caller_table(3, 1),
            ],
        }
    }

    /// Appends `:DP:GQ:PL` for `sample`'s `call` at a site with
    /// `alt_count` ALT alleles (1 or 2).
    fn values(
        &mut self,
        rng: &mut Rng,
        line: &mut Vec<u8>,
        sample: usize,
        call: Call,
        alt_count: u64,
    ) {
        let Some(state) = self.samples.get_mut(sample) else {
            return;
        };
        // Tables: diploid 2 and 3 alleles, haploid 2 and 3 alleles.
        let (haploid, call_index, depth) = match call {
            // No reads: every genotype equally likely, so PL 0 and GQ 0.
            Call::Missing { haploid } => (haploid, 0, 0),
            Call::Haploid(a) => (true, usize::from(a), scatter(rng, state.0)),
            Call::Diploid(a, b) => {
                let (low, high) = (usize::from(a.min(b)), usize::from(a.max(b)));
                let depth = if high == 0 {
                    if state.2 == 0 {
                        state.1 = scatter(rng, state.0);
                        state.2 = rng.geometric(REFERENCE_BLOCK_SITES);
                    }
                    state.2 -= 1;
                    state.1
                } else {
                    scatter(rng, state.0)
                };
                (false, high * (high + 1) / 2 + low, depth)
            }
        };
        let table = 2 * usize::from(haploid) + usize::from(alt_count == 2);
        let entry = call_index * (MAX_DEPTH + 1) + depth as usize;
        match self.text[table].get(entry) {
            Some(text) => line.extend_from_slice(text),
            None => line.extend_from_slice(b":.:.:."),
        }
    }
}

/// A depth around `mean`: uniform within ± [`DEPTH_SPREAD`].
fn scatter(rng: &mut Rng, mean: u64) -> u64 {
    mean + rng.below(2 * DEPTH_SPREAD + 1) - DEPTH_SPREAD
}

/// The `:DP:GQ:PL` texts for calls of `ploidy` (1 or 2) at sites with
/// `alleles` alleles, indexed `call * (MAX_DEPTH + 1) + depth`, calls in
/// VCF genotype order.
fn caller_table(alleles: u8, ploidy: usize) -> Vec<Vec<u8>> {
    let genotypes: Vec<Vec<u8>> = if ploidy == 1 {
        (0..alleles).map(|a| vec![a]).collect()
    } else {
        (0..alleles)
            .flat_map(|b| (0..=b).map(move |a| vec![a, b]))
            .collect()
    };
    // The probability of a read showing `shown` from genotype `genotype`.
    let read = |genotype: &[u8], shown: u8| -> f64 {
        let per_copy = |carried: u8| {
            if carried == shown {
                1.0 - READ_ERROR
            } else {
                READ_ERROR / f64::from(alleles - 1)
            }
        };
        genotype.iter().map(|&c| per_copy(c)).sum::<f64>() / genotype.len() as f64
    };
    let mut table = Vec::with_capacity(genotypes.len() * (MAX_DEPTH + 1));
    for call in &genotypes {
        for depth in 0..=MAX_DEPTH {
            // The reads: each allele of the call read an equal share.
            let first_share = depth.div_ceil(call.len());
            let reads = [
                (call[0], first_share),
                (call[call.len() - 1], depth - first_share),
            ];
            let phred: Vec<f64> = genotypes
                .iter()
                .map(|g| {
                    let log = reads
                        .iter()
                        .map(|&(shown, n)| n as f64 * read(g, shown).log10())
                        .sum::<f64>();
                    -10.0 * log
                })
                .collect();
            let best = phred.iter().copied().fold(f64::INFINITY, f64::min);
            let pl: Vec<u64> = phred.iter().map(|p| (p - best).round() as u64).collect();
            let mut sorted = pl.clone();
            sorted.sort_unstable();
            let quality = sorted.get(1).copied().unwrap_or(0).min(99);
            let mut text = format!(":{depth}:{quality}").into_bytes();
            for (i, value) in pl.iter().enumerate() {
                text.push(if i == 0 { b':' } else { b',' });
                text.extend_from_slice(value.to_string().as_bytes());
            }
            table.push(text);
        }
    }
    table
}
