//! VCF genotype decoding, sites/s: every GT of every sample of every site
//! into a [`GenotypeMatrix`], plus allele counts (what `allele_counts` and
//! cohort analyses do), on a simulated GT-only cohort (see
//! `support/vcf_cohort.rs`).
//!
//! * `vcf_gt/plain`: the cohort as text in memory (parsing alone).
//! * `vcf_gt/bgzf_threads_N`: the cohort as a BGZF file on disk read through
//!   `io::open` with N decompression threads (what the issue's
//!   `bcftools view -Ou` comparison measures).
//! * `vcf_count`: records only, no genotype decoding.
//! * `genotype_matrix`: the cohort's lines decoded from memory, alone
//!   (`decode`) and with AC/AN counted from each matrix
//!   (`decode_and_count`, [`GenotypeMatrix::count_alleles`]): the
//!   difference is what counting costs.
//!
//! Sizes: `BIOMETAL_BENCH_VCF_SAMPLES` (default 2,500) and
//! `BIOMETAL_BENCH_VCF_SITES` (default 2,000; the cohort is
//! 150,000). `BIOMETAL_BENCH_VCF_PATH` benchmarks an existing VCF(.gz)
//! instead of the generated one in the `bgzf` group.
//!
//! The cohort is haplotype-structured like a real one (63.9 MB of VCF.gz at
//! 2,500 × 150,000, the 63 MB); `BIOMETAL_BENCH_VCF_MODEL=independent`
//! draws every allele independently instead (the worst case, 149 MB).
//!
//! `BIOMETAL_BENCH_VCF_GENERATE=cohort.vcf.gz` only writes the cohort (at
//! the sizes above, BGZF, `BIOMETAL_BENCH_VCF_THREADS` compression threads)
//! to that path and exits: the generator for side-by-side runs on another
//! machine (`allele_counts`, bcftools).

#[path = "support/vcf_cohort.rs"]
mod vcf_cohort;

use std::hint::black_box;
use std::path::PathBuf;

use biometal::formats::vcf::{GenotypeMatrix, Reader, ReaderBuilder, Record};
use biometal::io::{open_writer, Compression};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Decodes every genotype of every record; returns (sites, alternate alleles).
fn decode_all<R: std::io::Read>(mut reader: Reader<R>) -> (u64, u64) {
    let header = reader.read_header().expect("header").clone();
    let mut matrix = GenotypeMatrix::new();
    let mut counts = Vec::new();
    let (mut sites, mut alternates) = (0, 0);
    while let Some(record) = reader.next_record().expect("record") {
        record
            .genotypes_into(&header, &mut matrix)
            .expect("genotypes");
        let called = matrix.count_alleles(1 + record.alternate_allele_count(), &mut counts);
        alternates += u64::from(called);
        alternates += counts.iter().skip(1).map(|&c| u64::from(c)).sum::<u64>();
        sites += 1;
    }
    (sites, alternates)
}

/// Writes the cohort to `path` as BGZF VCF.
fn generate(path: &std::ffi::OsStr, samples: usize, sites: usize) {
    let threads = env_usize("BIOMETAL_BENCH_VCF_THREADS", 1);
    let options = biometal::io::WriterOptions::new(Compression::Bgzf).with_threads(threads);
    let mut sink = biometal::io::open_writer_with(path, &options).expect("create");
    vcf_cohort::write_cohort(&mut sink, samples, sites, 42).expect("generate");
    sink.finish().expect("finish");
}

fn bench(c: &mut Criterion) {
    let samples = env_usize("BIOMETAL_BENCH_VCF_SAMPLES", 2500);
    let sites = env_usize("BIOMETAL_BENCH_VCF_SITES", 2000);
    if let Some(path) = std::env::var_os("BIOMETAL_BENCH_VCF_GENERATE") {
        generate(&path, samples, sites);
        std::process::exit(0);
    }
    let mut text = Vec::new();
    vcf_cohort::write_cohort(&mut text, samples, sites, 42).expect("generate");

    let mut group = c.benchmark_group("vcf_gt");
    group.sample_size(10);
    group.throughput(Throughput::Elements(sites as u64));
    group.bench_function("plain", |b| {
        b.iter(|| black_box(decode_all(Reader::new(&text[..]))))
    });

    let path: PathBuf = match std::env::var_os("BIOMETAL_BENCH_VCF_PATH") {
        Some(path) => PathBuf::from(path),
        None => {
            let path =
                std::env::temp_dir().join(format!("biometal-bench-{}.vcf.gz", std::process::id()));
            let mut sink = open_writer(&path, Compression::Bgzf).expect("create");
            std::io::Write::write_all(&mut sink, &text).expect("write");
            sink.finish().expect("finish");
            path
        }
    };
    for threads in [1, 2] {
        group.bench_function(format!("bgzf_threads_{threads}"), |b| {
            b.iter(|| {
                let reader = ReaderBuilder::new()
                    .threads(threads)
                    .build_from_path(&path)
                    .expect("open");
                black_box(decode_all(reader))
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("vcf_count");
    group.sample_size(10);
    group.throughput(Throughput::Elements(sites as u64));
    group.bench_function("plain", |b| {
        b.iter(|| {
            let mut reader = Reader::new(&text[..]);
            let mut n = 0u64;
            while reader.next_record().expect("record").is_some() {
                n += 1;
            }
            black_box(n)
        })
    });
    group.finish();
    bench_matrix(c, &text);
    if std::env::var_os("BIOMETAL_BENCH_VCF_PATH").is_none() {
        let _ = std::fs::remove_file(&path);
    }
}

/// Decoding every GT of the cohort's lines (in memory), alone and with
/// AC/AN counted from each matrix right after (as `allele_counts` does):
/// the difference is what counting costs.
fn bench_matrix(c: &mut Criterion, text: &[u8]) {
    let mut reader = Reader::new(text);
    let header = reader.read_header().expect("header").clone();
    let mut lines = Vec::new();
    while let Some(record) = reader.next_record().expect("record") {
        lines.push((Record::from(record), 1 + record.alternate_allele_count()));
    }
    let mut group = c.benchmark_group("genotype_matrix");
    group.sample_size(20);
    group.throughput(Throughput::Elements(lines.len() as u64));
    for count in [false, true] {
        let name = if count { "decode_and_count" } else { "decode" };
        group.bench_function(name, |b| {
            let (mut matrix, mut counts) = (GenotypeMatrix::new(), Vec::new());
            b.iter(|| {
                let mut total = 0u64;
                for (line, allele_count) in &lines {
                    let line = line.as_ref();
                    line.genotypes_into(&header, &mut matrix)
                        .expect("genotypes");
                    total += if count {
                        u64::from(matrix.count_alleles(*allele_count, &mut counts))
                    } else {
                        matrix.all_alleles().len() as u64
                    };
                }
                black_box(total)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
