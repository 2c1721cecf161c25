//! A seeded cohort simulator shared by the VCF/BCF tests and benches:
//! `sites` variant lines × `samples` samples as VCF text, with multi-allelic
//! sites, haploid chrX calls (every other sample is male), phased and
//! unphased sites, missing genotypes, and optionally DP/GQ/PL with missing
//! values and INFO fields.
//!
//! Benches include this file with `#[path = "../tests/common/cohort.rs"]`.
#![allow(dead_code)] // each test binary uses a different subset

use std::io::{self, Write};

/// What to simulate.
#[derive(Debug, Clone, Copy)]
pub struct Cohort {
    /// Variant lines.
    pub sites: usize,
    /// Samples.
    pub samples: usize,
    /// The random seed: the same seed gives the same text.
    pub seed: u64,
    /// GT:DP:GQ:PL and INFO (DP, AF-like floats, a flag) instead of GT only.
    pub full: bool,
    /// With `full`: DP, GQ and PL as a caller writes them (each sample's
    /// depth steady from site to site, GQ and PL following the call and the
    /// depth) rather than independent random numbers, and ALT allele
    /// frequencies log-uniform from 0.1 % to 25.6 % (most sites rare) rather
    /// than uniform to 50 %. Real cohorts look like this and compress far
    /// better; the random values stay the default for the tests, which
    /// want every width and missing value.
    pub realistic_values: bool,
}

/// SplitMix64: small, fast, good enough for simulation.
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// True with probability `p` (in 1/1000).
    pub fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }
}

const BASES: [&str; 4] = ["A", "C", "G", "T"];

impl Cohort {
    /// GT only.
    pub fn gt_only(sites: usize, samples: usize, seed: u64) -> Self {
        Cohort {
            sites,
            samples,
            seed,
            full: false,
            realistic_values: false,
        }
    }

    /// GT:DP:GQ:PL with INFO fields.
    pub fn full(sites: usize, samples: usize, seed: u64) -> Self {
        Cohort {
            sites,
            samples,
            seed,
            full: true,
            realistic_values: false,
        }
    }

    /// GT:DP:GQ:PL with INFO fields, FORMAT values as a caller writes them
    /// (see [`Cohort::realistic_values`]).
    pub fn full_realistic(sites: usize, samples: usize, seed: u64) -> Self {
        Cohort {
            realistic_values: true,
            ..Cohort::full(sites, samples, seed)
        }
    }

    /// The benches' cohort: GT only, or with `BIOMETAL_BENCH_FULL=1`
    /// GT:DP:GQ:PL with caller-like values, or with
    /// `BIOMETAL_BENCH_FULL=random` the tests' random values; seed 7. Also
    /// a short name of the kind, for cached file names.
    pub fn from_bench_env(sites: usize, samples: usize) -> (Self, &'static str) {
        match std::env::var("BIOMETAL_BENCH_FULL").as_deref() {
            Ok("1") => (Cohort::full_realistic(sites, samples, 7), "fullcaller"),
            Ok("random") => (Cohort::full(sites, samples, 7), "fullrandom"),
            _ => (Cohort::gt_only(sites, samples, 7), "gt"),
        }
    }

    /// The VCF text.
    pub fn vcf(&self) -> String {
        let mut out = Vec::new();
        self.write_vcf(&mut out).expect("writing to a Vec");
        String::from_utf8(out).expect("ASCII")
    }

    /// Writes the VCF text to `out`.
    pub fn write_vcf(&self, out: &mut impl Write) -> io::Result<()> {
        let mut rng = Rng::new(self.seed);
        writeln!(out, "##fileformat=VCFv4.2")?;
        writeln!(out, "##FILTER=<ID=PASS,Description=\"All filters passed\">")?;
        writeln!(out, "##FILTER=<ID=q10,Description=\"Quality below 10\">")?;
        writeln!(out, "##contig=<ID=chr1,length=100000000>")?;
        writeln!(out, "##contig=<ID=chrX,length=100000000>")?;
        if self.full {
            writeln!(
                out,
                "##INFO=<ID=DP,Number=1,Type=Integer,Description=\"Depth\">"
            )?;
            writeln!(
                out,
                "##INFO=<ID=XF,Number=A,Type=Float,Description=\"A float per ALT\">"
            )?;
            writeln!(
                out,
                "##INFO=<ID=DB,Number=0,Type=Flag,Description=\"dbSNP\">"
            )?;
            writeln!(
                out,
                "##INFO=<ID=TAG,Number=1,Type=String,Description=\"Text\">"
            )?;
            writeln!(
                out,
                "##INFO=<ID=END,Number=1,Type=Integer,Description=\"End\">"
            )?;
            writeln!(out, "##ALT=<ID=DEL,Description=\"Deletion\">")?;
        }
        writeln!(
            out,
            "##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">"
        )?;
        if self.full {
            writeln!(
                out,
                "##FORMAT=<ID=DP,Number=1,Type=Integer,Description=\"Depth\">"
            )?;
            writeln!(
                out,
                "##FORMAT=<ID=GQ,Number=1,Type=Integer,Description=\"Quality\">"
            )?;
            writeln!(
                out,
                "##FORMAT=<ID=PL,Number=G,Type=Integer,Description=\"Likelihoods\">"
            )?;
        }
        write!(out, "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT")?;
        for s in 0..self.samples {
            write!(out, "\tS{s}")?;
        }
        writeln!(out)?;
        let autosomal = self.sites - self.sites / 5;
        let mut position = 0u64;
        let mut line = Vec::with_capacity(self.samples * 24);
        for site in 0..self.sites {
            let chrx = site >= autosomal;
            if site == autosomal {
                position = 0;
            }
            position += 1 + rng.below(200);
            let chrom = if chrx { "chrX" } else { "chr1" };
            let ref_base = rng.below(4) as usize;
            let mut alt_count = match rng.below(100) {
                0..=84 => 1,
                85..=95 => 2,
                _ => 3,
            };
            let mut alts = Vec::new();
            for k in 1..=alt_count {
                alts.push(BASES[(ref_base + k) % 4].to_string());
            }
            let mut reference = BASES[ref_base].to_string();
            // Full cohorts also hold deletions (REF longer than one base)
            // and symbolic deletions with END, spanning region edges.
            let mut end = None;
            if self.full {
                match rng.below(100) {
                    0..=4 => {
                        for _ in 0..1 + rng.below(40) {
                            reference.push_str(BASES[rng.below(4) as usize]);
                        }
                        alt_count = 1;
                        alts = vec![BASES[ref_base].to_string()];
                    }
                    5..=7 => {
                        alt_count = 1;
                        alts = vec!["<DEL>".to_string()];
                        end = Some(position + 1 + rng.below(500));
                    }
                    _ => {}
                }
            }
            line.clear();
            write!(line, "{chrom}\t{position}\t")?;
            if rng.chance(300) {
                write!(line, "rs{}", rng.below(1_000_000))?;
            } else {
                line.push(b'.');
            }
            write!(line, "\t{reference}\t{}\t", alts.join(","))?;
            match rng.below(3) {
                0 => line.push(b'.'),
                _ => write!(line, "{}", rng.below(1000) as f32 / 10.0)?,
            }
            line.push(b'\t');
            line.extend_from_slice(match rng.below(4) {
                0 => &b"."[..],
                1 => b"q10",
                _ => b"PASS",
            });
            line.push(b'\t');
            if self.full {
                let mut info = Vec::new();
                if rng.chance(900) {
                    info.push(format!("DP={}", rng.below(5000)));
                }
                let floats: Vec<String> = (0..alt_count)
                    .map(|_| format!("{}", rng.below(1000) as f32 / 1000.0))
                    .collect();
                info.push(format!("XF={}", floats.join(",")));
                if rng.chance(200) {
                    info.push("DB".into());
                }
                if rng.chance(100) {
                    info.push("TAG=x_y".into());
                }
                if let Some(end) = end {
                    info.push(format!("END={end}"));
                }
                line.extend_from_slice(info.join(";").as_bytes());
            } else {
                line.push(b'.');
            }
            line.extend_from_slice(if self.full { b"\tGT:DP:GQ:PL" } else { b"\tGT" });
            let phased = rng.chance(400);
            // Per mille; with caller-like values also caller-like
            // frequencies: log-uniform, most sites rare.
            let alt_freq = if self.realistic_values {
                1 << rng.below(9)
            } else {
                1 + rng.below(500)
            };
            let allele_count = alt_count as u64 + 1;
            let genotype_count = allele_count * (allele_count + 1) / 2;
            for sample in 0..self.samples {
                line.push(b'\t');
                let haploid = chrx && sample % 2 == 1;
                let ploidy = if haploid { 1 } else { 2 };
                // The called alleles (None: missing), for realistic values.
                let mut called = [Some(0u64); 2];
                if rng.chance(20) {
                    line.extend_from_slice(if haploid { b"." } else { b"./." });
                    called = [None; 2];
                } else {
                    for (copy, call) in called.iter_mut().take(ploidy).enumerate() {
                        if copy > 0 {
                            line.push(if phased { b'|' } else { b'/' });
                        }
                        if rng.chance(10) {
                            line.push(b'.');
                            *call = None;
                        } else if rng.below(1000) < alt_freq {
                            let allele = 1 + rng.below(alt_count as u64);
                            write!(line, "{allele}")?;
                            *call = Some(allele);
                        } else {
                            line.push(b'0');
                        }
                    }
                }
                if self.full && self.realistic_values {
                    let alleles = if haploid { &called[..1] } else { &called[..] };
                    write_caller_values(&mut line, &mut rng, sample, alleles, allele_count)?;
                    continue;
                }
                if self.full {
                    if rng.chance(30) {
                        line.extend_from_slice(b":.");
                    } else {
                        write!(line, ":{}", rng.below(300))?;
                    }
                    if rng.chance(30) {
                        line.extend_from_slice(b":.");
                    } else {
                        write!(line, ":{}", rng.below(100))?;
                    }
                    if rng.chance(30) {
                        line.extend_from_slice(b":.");
                    } else {
                        let count = if haploid {
                            allele_count
                        } else {
                            genotype_count
                        };
                        for g in 0..count {
                            line.push(if g == 0 { b':' } else { b',' });
                            write!(line, "{}", rng.below(if g == 0 { 50 } else { 2000 }))?;
                        }
                    }
                }
            }
            line.push(b'\n');
            out.write_all(&line)?;
        }
        Ok(())
    }
}

/// DP, GQ and PL of one sample as a variant caller writes them: the
/// sample's depth (steady across sites, 12–47, off by a little at one site
/// in ten), GQ 99 once the depth allows it, PL 0 for the call and growing
/// with the depth and the number of alleles that differ from it; all
/// missing when an allele of the call is.
fn write_caller_values(
    line: &mut Vec<u8>,
    rng: &mut Rng,
    sample: usize,
    alleles: &[Option<u64>],
    allele_count: u64,
) -> io::Result<()> {
    let Some(alleles) = alleles.iter().copied().collect::<Option<Vec<u64>>>() else {
        line.extend_from_slice(b":.:.:.");
        return Ok(());
    };
    let mut depth = 12 + (sample as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) % 36;
    if rng.chance(100) {
        depth = depth + rng.below(5) - 2;
    }
    write!(line, ":{depth}:{}", (3 * depth).min(99))?;
    // PL over the genotypes in VCF order: for haploid calls one per allele,
    // for diploid ones (a, b) with a ≤ b at index b(b+1)/2 + a.
    let genotypes: Vec<Vec<u64>> = if alleles.len() == 1 {
        (0..allele_count).map(|a| vec![a]).collect()
    } else {
        (0..allele_count)
            .flat_map(|b| (0..=b).map(move |a| vec![a, b]))
            .collect()
    };
    let mut call = alleles.to_vec();
    call.sort_unstable();
    for (g, genotype) in genotypes.iter().enumerate() {
        let differing = genotype.iter().zip(&call).filter(|(x, y)| x != y).count() as u64;
        line.push(if g == 0 { b':' } else { b',' });
        write!(line, "{}", 3 * depth * differing * differing)?;
    }
    Ok(())
}
