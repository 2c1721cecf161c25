//! BCF genotype decoding and lazy counting: biometal against noodles-bcf,
//! in one run, on a GT-only cohort; and the same for VCF text against
//! noodles-vcf (`vcf_genotypes` group: every GT of every site decoded, and
//! records framed without decoding), on a plain VCF of
//! `BIOMETAL_BENCH_VCF_SITES` (default 2 000) sites × 2 500 samples from
//! `benches/support/vcf_cohort.rs`, read from memory by both.
//!
//! Input: `BIOMETAL_BENCH_BCF`, or a simulated cohort (`tests/common/
//! cohort.rs`) of `BIOMETAL_BENCH_SITES` (default 2 000) sites × 2 500
//! samples converted with `bcftools view -Ob` (the same file biometal's own
//! `benches/bcf.rs` makes), GT:DP:GQ:PL with `BIOMETAL_BENCH_FULL=1` (the
//! issue's 40,000-site cohort: `BIOMETAL_BENCH_FULL=1 BIOMETAL_BENCH_SITES=40000`).
use std::fs::File;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;

use biometal::formats::bcf;
use biometal::formats::vcf::GenotypeMatrix;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use noodles_vcf::variant::record::samples::series::Value;

#[path = "../../../tests/common/cohort.rs"]
mod cohort;

#[path = "../../support/vcf_cohort.rs"]
mod vcf_cohort;

fn input() -> PathBuf {
    if let Some(path) = std::env::var_os("BIOMETAL_BENCH_BCF") {
        return PathBuf::from(path);
    }
    let sites: usize = std::env::var("BIOMETAL_BENCH_SITES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000);
    let (cohort, kind) = cohort::Cohort::from_bench_env(sites, 2_500);
    let stem = format!("biometal-bench-{kind}-{sites}x2500");
    let path = std::env::temp_dir().join(format!("{stem}.bcf"));
    if !path.exists() {
        let vcf = std::env::temp_dir().join(format!("{stem}.vcf"));
        let mut out = std::io::BufWriter::new(File::create(&vcf).expect("create VCF"));
        cohort.write_vcf(&mut out).expect("write VCF");
        drop(out);
        let status = Command::new("bcftools")
            .args(["view", "-Ob", "-o"])
            .arg(&path)
            .arg(&vcf)
            .status()
            .expect("bcftools");
        assert!(status.success(), "bcftools view -Ob failed");
        let _ = std::fs::remove_file(&vcf);
    }
    path
}

fn biometal_genotypes(path: &Path) -> u64 {
    let mut reader = bcf::Reader::from_path(path).expect("open");
    let header = reader.read_header().expect("header");
    let mut matrix = GenotypeMatrix::new();
    let mut total = 0u64;
    while let Some(record) = reader.next_record().expect("record") {
        record.genotypes_into(&header, &mut matrix).expect("GT");
        total += matrix.all_alleles().iter().filter(|&&a| a > 0).count() as u64;
    }
    total
}

fn noodles_genotypes(path: &Path) -> u64 {
    let mut reader = File::open(path)
        .map(noodles_bcf::io::Reader::new)
        .expect("open");
    let header = reader.read_header().expect("header");
    let samples = header.sample_names().len();
    let mut record = noodles_bcf::Record::default();
    let mut total = 0u64;
    while reader.read_record(&mut record).expect("record") != 0 {
        let columns = record.samples().expect("samples");
        let series = columns
            .select(&header, "GT")
            .expect("GT")
            .expect("GT series");
        for i in 0..samples {
            if let Some(Some(Ok(Value::Genotype(genotype)))) = series.get(&header, i) {
                for allele in genotype.iter() {
                    let (position, _phasing) = allele.expect("allele");
                    total += u64::from(position.is_some_and(|p| p > 0));
                }
            }
        }
    }
    total
}

fn biometal_count(path: &Path) -> u64 {
    let mut reader = bcf::Reader::from_path(path).expect("open");
    reader.read_header().expect("header");
    let mut n = 0;
    while reader.next_record().expect("record").is_some() {
        n += 1;
    }
    n
}

fn noodles_count(path: &Path) -> u64 {
    let mut reader = File::open(path)
        .map(noodles_bcf::io::Reader::new)
        .expect("open");
    reader.read_header().expect("header");
    let mut record = noodles_bcf::Record::default();
    let mut n = 0;
    while reader.read_record(&mut record).expect("record") != 0 {
        n += 1;
    }
    n
}

fn bcf_genotypes(c: &mut Criterion) {
    let path = input();
    let sites = biometal_count(&path);
    assert_eq!(
        biometal_genotypes(&path),
        noodles_genotypes(&path),
        "the two disagree"
    );
    let mut group = c.benchmark_group("bcf_genotypes");
    group.throughput(Throughput::Elements(sites));
    group.sample_size(10);
    group.bench_function("genotypes/biometal", |b| {
        b.iter(|| black_box(biometal_genotypes(&path)))
    });
    group.bench_function("genotypes/noodles-bcf", |b| {
        b.iter(|| black_box(noodles_genotypes(&path)))
    });
    group.bench_function("count/biometal", |b| {
        b.iter(|| black_box(biometal_count(&path)))
    });
    group.bench_function("count/noodles-bcf", |b| {
        b.iter(|| black_box(noodles_count(&path)))
    });
    group.finish();
}

/// Every GT of every site of the VCF text, by biometal: alternate alleles.
fn biometal_vcf_genotypes(text: &[u8]) -> u64 {
    use biometal::formats::vcf::Reader;
    let mut reader = Reader::new(text);
    let header = reader.read_header().expect("header").clone();
    let mut matrix = GenotypeMatrix::new();
    let mut total = 0u64;
    while let Some(record) = reader.next_record().expect("record") {
        record.genotypes_into(&header, &mut matrix).expect("GT");
        total += matrix.all_alleles().iter().filter(|&&a| a > 0).count() as u64;
    }
    total
}

/// The same by noodles-vcf, through its lazy record's GT series.
fn noodles_vcf_genotypes(text: &[u8]) -> u64 {
    use noodles_vcf::variant::record::samples::Series as _;
    let mut reader = noodles_vcf::io::Reader::new(text);
    let header = reader.read_header().expect("header");
    let mut record = noodles_vcf::Record::default();
    let mut total = 0u64;
    while reader.read_record(&mut record).expect("record") != 0 {
        let samples = record.samples();
        let series = samples.select("GT").expect("GT series");
        for value in series.iter(&header) {
            if let Some(Value::Genotype(genotype)) = value.expect("GT value") {
                for allele in genotype.iter() {
                    let (position, _phasing) = allele.expect("allele");
                    total += u64::from(position.is_some_and(|p| p > 0));
                }
            }
        }
    }
    total
}

fn biometal_vcf_count(text: &[u8]) -> u64 {
    let mut reader = biometal::formats::vcf::Reader::new(text);
    let mut n = 0;
    while reader.next_record().expect("record").is_some() {
        n += 1;
    }
    n
}

fn noodles_vcf_count(text: &[u8]) -> u64 {
    let mut reader = noodles_vcf::io::Reader::new(text);
    reader.read_header().expect("header");
    let mut record = noodles_vcf::Record::default();
    let mut n = 0;
    while reader.read_record(&mut record).expect("record") != 0 {
        n += 1;
    }
    n
}

fn vcf_genotypes(c: &mut Criterion) {
    let sites: usize = std::env::var("BIOMETAL_BENCH_VCF_SITES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000);
    let mut text = Vec::new();
    vcf_cohort::write_gt_cohort(&mut text, 2_500, sites, 42).expect("generate");
    assert_eq!(
        biometal_vcf_genotypes(&text),
        noodles_vcf_genotypes(&text),
        "the two disagree"
    );
    assert_eq!(biometal_vcf_count(&text), noodles_vcf_count(&text));
    let mut group = c.benchmark_group("vcf_genotypes");
    group.throughput(Throughput::Elements(sites as u64));
    group.sample_size(10);
    group.bench_function("genotypes/biometal", |b| {
        b.iter(|| black_box(biometal_vcf_genotypes(&text)))
    });
    group.bench_function("genotypes/noodles-vcf", |b| {
        b.iter(|| black_box(noodles_vcf_genotypes(&text)))
    });
    group.bench_function("count/biometal", |b| {
        b.iter(|| black_box(biometal_vcf_count(&text)))
    });
    group.bench_function("count/noodles-vcf", |b| {
        b.iter(|| black_box(noodles_vcf_count(&text)))
    });
    group.finish();
}

criterion_group!(benches, bcf_genotypes, vcf_genotypes);
criterion_main!(benches);
