//! A simulated GT-only cohort as VCF text, for benchmarks and tests of VCF
//! and BCF genotype decoding: diploid calls, mostly biallelic with some
//! tri-allelic sites, a mix of phased and unphased, ~1% missing, and
//! haploid calls on chrX for a tenth of the samples. Deterministic for a
//! seed. Include with `#[path = "support/vcf_cohort.rs"] mod vcf_cohort;`.
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
}

/// Writes the header and `sites` records for `samples` samples; the last
/// tenth of the sites are on chrX, where every tenth sample is haploid.
pub fn write_gt_cohort(
    out: &mut impl Write,
    samples: usize,
    sites: usize,
    seed: u64,
) -> std::io::Result<()> {
    let mut rng = Rng::new(seed);
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
    let autosomal = sites - sites / 10;
    let mut line = Vec::with_capacity(samples * 4 + 100);
    for site in 0..sites {
        line.clear();
        let on_x = site >= autosomal;
        let chromosome = if on_x { "chrX" } else { "chr1" };
        let position = 1000 + site as u64 * 97;
        let alt_count = if rng.below(20) == 0 { 2 } else { 1 };
        let alt = if alt_count == 2 { "T,G" } else { "T" };
        let frequency = 1 + rng.below(500); // alternate allele frequency, per mille
        let phased = rng.below(2) == 0;
        write!(
            line,
            "{chromosome}\t{position}\t.\tC\t{alt}\t50\tPASS\t.\tGT"
        )?;
        for sample in 0..samples {
            line.push(b'\t');
            let allele = |rng: &mut Rng| -> u8 {
                if rng.below(1000) < frequency {
                    b'0' + 1 + rng.below(alt_count) as u8
                } else {
                    b'0'
                }
            };
            if rng.below(100) == 0 {
                line.extend_from_slice(if on_x && sample % 10 == 0 {
                    b"."
                } else {
                    b"./."
                });
            } else if on_x && sample % 10 == 0 {
                line.push(allele(&mut rng));
            } else {
                line.push(allele(&mut rng));
                line.push(if phased { b'|' } else { b'/' });
                line.push(allele(&mut rng));
            }
        }
        line.push(b'\n');
        out.write_all(&line)?;
    }
    Ok(())
}
