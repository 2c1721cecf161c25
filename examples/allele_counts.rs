//! `allele_counts [-@ N] FILE [REGION]`: decodes every genotype of every
//! site and prints `CHROM\tPOS\tAC\tAN` per site (AC comma-separated per
//! ALT), as
//! `bcftools +fill-tags FILE -- -t AC,AN | bcftools query -f '%CHROM\t%POS\t%AC\t%AN\n'`
//! prints them (with a region, as `bcftools view FILE REGION | …` selects
//! sites). Reads BCF (regions through its CSI index) and VCF (plain, gzip
//! or BGZF; regions through the `.tbi`/`.csi` beside a VCF.gz) through the
//! one `Variant` interface.
//!
//! ```text
//! cargo run --release --example allele_counts -- cohort.bcf chr1:1-1,000,000
//! ```
use std::io::{BufRead, BufWriter, Write};
use std::process::ExitCode;

use biometal::formats::vcf::{GenotypeMatrix, Header, Variant};
use biometal::formats::{bcf, detect, vcf, DetectedFormat};
use biometal::{Error, Format};

#[path = "support/pipe.rs"]
mod pipe;
#[path = "support/variants.rs"]
mod variants;

fn main() -> ExitCode {
    let mut threads = 1;
    let mut positional = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-@" => match args.next().and_then(|n| n.parse().ok()) {
                Some(n) => threads = n,
                None => return usage(),
            },
            _ if arg.starts_with('-') && arg.len() > 1 => return usage(),
            _ => positional.push(arg),
        }
    }
    let (path, region) = match positional.as_slice() {
        [path] => (path, None),
        [path, region] => (path, Some(region.as_str())),
        _ => return usage(),
    };
    let stdout = std::io::stdout().lock();
    let mut out = BufWriter::with_capacity(1 << 16, stdout);
    let result = run(path, region, threads, &mut out)
        .and_then(|()| out.flush().map_err(|e| Error::io(Format::Vcf, e)));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if pipe::is_broken_pipe(&error) => pipe::broken_pipe_exit(),
        Err(error) => {
            eprintln!("allele_counts: {path}: {error}");
            ExitCode::FAILURE
        }
    }
}

fn usage() -> ExitCode {
    eprintln!("usage: allele_counts [-@ N] FILE [REGION]");
    ExitCode::FAILURE
}

/// Reused per-site buffers.
#[derive(Default)]
struct Counter {
    matrix: GenotypeMatrix,
    counts: Vec<u32>,
}

impl Counter {
    fn site(
        &mut self,
        header: &Header,
        variant: &impl Variant,
        out: &mut impl Write,
    ) -> biometal::Result<()> {
        variant.genotypes_into(header, &mut self.matrix)?;
        let alt_count = variant.alternate_allele_count()?;
        let allele_number = self.matrix.count_alleles(1 + alt_count, &mut self.counts);
        let io = |e| Error::io(Format::Vcf, e);
        write!(
            out,
            "{}\t{}\t",
            variant.chromosome(header)?,
            variant.position()?.get()
        )
        .map_err(io)?;
        match self.counts.get(1..) {
            Some(alts) if !alts.is_empty() => {
                for (i, count) in alts.iter().enumerate() {
                    if i > 0 {
                        out.write_all(b",").map_err(io)?;
                    }
                    write!(out, "{count}").map_err(io)?;
                }
            }
            _ => out.write_all(b".").map_err(io)?,
        }
        writeln!(out, "\t{allele_number}").map_err(io)
    }
}

fn run(
    path: &str,
    region: Option<&str>,
    threads: usize,
    out: &mut impl Write,
) -> biometal::Result<()> {
    let io_options = biometal::io::IoOptions::default().with_bgzf_threads(threads);
    let mut source = biometal::io::open_with(path, &io_options)?;
    let format = detect(source.fill_buf()?);
    let mut counter = Counter::default();
    let regions: Vec<String> = region.iter().map(|r| r.to_string()).collect();
    match format {
        DetectedFormat::Bcf => {
            let mut reader = bcf::ReaderBuilder::new().threads(threads).build(source);
            let header = reader.read_header()?;
            variants::for_each_bcf(path, &mut reader, &header, &regions, |record| {
                counter.site(&header, &record, out)
            })
        }
        _ => {
            let mut reader = vcf::ReaderBuilder::new().build_from_reader(source);
            let header = reader.read_header()?.clone();
            variants::for_each_vcf(path, &mut reader, &regions, |record| {
                counter.site(&header, &record, out)
            })
        }
    }
}
