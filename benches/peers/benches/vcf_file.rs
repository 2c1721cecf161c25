//! VCF.gz genotype decoding at the issue's size, file to result, one timed
//! pass per decoder (a criterion sample of a 150,000-site file would take
//! minutes for noodles): biometal (`vcf::ReaderBuilder` from the path, every
//! GT into a `GenotypeMatrix`, AC/AN counted as `allele_counts` does)
//! against noodles-vcf 0.96 over noodles-bgzf (its libdeflate backend, as
//! this package enables it) reading the same BGZF file and walking every GT
//! through its lazy record's `GT` series. Both count the ALT alleles called;
//! the totals must be equal or the bench fails. Also the lazy count (records
//! framed, nothing decoded) of both.
//!
//! Input: `BIOMETAL_BENCH_VCF_GZ` (a BGZF VCF, e.g. the cohort
//! `BIOMETAL_BENCH_VCF_GENERATE` of biometal's `benches/vcf.rs` writes), or
//! else a haplotype-structured cohort of `BIOMETAL_BENCH_VCF_SITES`
//! (default 15,000; the issue's: 150,000) × 2,500 samples from
//! `benches/support/vcf_cohort.rs`, written once to the temporary
//! directory. `BIOMETAL_BENCH_ROUNDS` (default 1) repeats every job.
//! `BIOMETAL_BENCH_THREADS=N` adds our reader with N BGZF threads.
//! Prints `job  decoder  sites  seconds  CPU seconds  sites/s  ALT alleles`:
//! wall time, and the calling thread's CPU time (Linux
//! `/proc/thread-self/schedstat`; the measure on a loaded machine, leaving
//! out helper threads) with sites/s from it.
//!
//! ```text
//! cd benches/peers && BIOMETAL_BENCH_VCF_SITES=150000 cargo bench --bench vcf_file
//! ```
use std::fs::File;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Instant;

use biometal::formats::vcf::{self, GenotypeMatrix};

#[path = "../../common/noodles_vcf.rs"]
mod noodles_vcf_gt;
#[path = "../../support/vcf_cohort.rs"]
mod vcf_cohort;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn input() -> PathBuf {
    if let Some(path) = std::env::var_os("BIOMETAL_BENCH_VCF_GZ") {
        return PathBuf::from(path);
    }
    let sites = env_usize("BIOMETAL_BENCH_VCF_SITES", 15_000);
    let path = std::env::temp_dir().join(format!("biometal-bench-vcf-gt-{sites}x2500.vcf.gz"));
    if !path.exists() {
        let partial = path.with_extension("partial");
        let mut sink =
            biometal::io::open_writer(&partial, biometal::io::Compression::Bgzf).expect("create");
        let model = vcf_cohort::Model::Haplotypes;
        vcf_cohort::write_cohort_with(&mut sink, 2_500, sites, 42, model).expect("generate");
        sink.finish().expect("finish");
        std::fs::rename(&partial, &path).expect("rename");
    }
    path
}

/// Every GT decoded and AC/AN counted (as `allele_counts`): (sites, ALT
/// alleles called).
fn biometal_genotypes(path: &Path, threads: usize) -> (u64, u64) {
    let mut reader = vcf::ReaderBuilder::new()
        .threads(threads)
        .build_from_path(path)
        .expect("open");
    let header = reader.read_header().expect("header").clone();
    let mut matrix = GenotypeMatrix::new();
    let mut counts = Vec::new();
    let (mut sites, mut alternates) = (0, 0);
    while let Some(record) = reader.next_record().expect("record") {
        record.genotypes_into(&header, &mut matrix).expect("GT");
        matrix.count_alleles(1 + record.alternate_allele_count(), &mut counts);
        alternates += counts.iter().skip(1).map(|&c| u64::from(c)).sum::<u64>();
        sites += 1;
    }
    (sites, alternates)
}

/// The same by noodles-vcf over noodles-bgzf: (sites, ALT alleles called).
fn noodles_genotypes(path: &Path) -> (u64, u64) {
    let file = File::open(path).expect("open");
    noodles_vcf_gt::genotypes(noodles_vcf::io::Reader::new(noodles_bgzf::io::Reader::new(
        file,
    )))
}

/// Records framed, nothing decoded: (sites, 0).
fn biometal_count(path: &Path) -> (u64, u64) {
    let mut reader = vcf::Reader::from_path(path).expect("open");
    reader.read_header().expect("header");
    let mut sites = 0;
    while reader.next_record().expect("record").is_some() {
        sites += 1;
    }
    (sites, 0)
}

fn noodles_count(path: &Path) -> (u64, u64) {
    let file = File::open(path).expect("open");
    let mut reader = noodles_vcf::io::Reader::new(noodles_bgzf::io::Reader::new(file));
    reader.read_header().expect("header");
    let mut record = noodles_vcf::Record::default();
    let mut sites = 0;
    while reader.read_record(&mut record).expect("record") != 0 {
        sites += 1;
    }
    (sites, 0)
}

/// The calling thread's CPU time so far, in seconds (0 where unknown).
fn thread_cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .map_or(0.0, |ns| ns as f64 / 1e9)
}

type Job<'a> = (&'static str, String, Box<dyn Fn() -> (u64, u64) + 'a>);

fn main() {
    let path = input();
    let path = path.as_path();
    let threads = env_usize("BIOMETAL_BENCH_THREADS", 1);
    let mut jobs: Vec<Job> = vec![
        (
            "genotypes",
            "biometal".into(),
            Box::new(|| biometal_genotypes(path, 1)),
        ),
        (
            "genotypes",
            "noodles-vcf".into(),
            Box::new(|| noodles_genotypes(path)),
        ),
        (
            "count",
            "biometal".into(),
            Box::new(|| biometal_count(path)),
        ),
        (
            "count",
            "noodles-vcf".into(),
            Box::new(|| noodles_count(path)),
        ),
    ];
    if threads > 1 {
        jobs.push((
            "genotypes",
            format!("biometal -@{threads}"),
            Box::new(move || biometal_genotypes(path, threads)),
        ));
    }
    println!("# {}", path.display());
    for _ in 0..env_usize("BIOMETAL_BENCH_ROUNDS", 1) {
        let mut totals = Vec::new();
        for (job, decoder, run) in &jobs {
            let (started, cpu_started) = (Instant::now(), thread_cpu_seconds());
            let (sites, alternates) = black_box(run());
            let seconds = started.elapsed().as_secs_f64();
            let cpu = thread_cpu_seconds() - cpu_started;
            println!(
                "{job}\t{decoder}\t{sites}\t{seconds:.3}\t{cpu:.3}\t{:.0}\t{alternates}",
                sites as f64 / cpu
            );
            totals.push((*job, sites, alternates));
        }
        for total in &totals {
            let first = totals.iter().find(|t| t.0 == total.0);
            assert_eq!(first, Some(total), "the decoders disagree");
        }
    }
}
