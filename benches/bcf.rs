//! BCF reading and writing speed, with bcftools measured in the same run:
//!
//! * genotypes: every GT of every site decoded into a `GenotypeMatrix`
//!   (1, 2 and 4 decompression threads), and with AC/AN counted from it
//!   (what `allele_counts` does), against `bcftools view [--threads N] -i
//!   'GT="alt"' -Ou -o /dev/null` (which decodes every GT) with the same
//!   threads;
//! * inflate: the file's BGZF blocks decompressed and nothing else, one
//!   thread: the floor under every single-threaded reader;
//! * lazy count: records framed and validated, nothing decoded, against
//!   `bcftools view -Ou -o /dev/null`;
//! * writing: records re-written verbatim to BGZF BCF at level 6, against
//!   `bcftools view -Ob -l 6 -o /dev/null`; and as VCF text to BGZF at level
//!   6 (what `convert -l 6 in.bcf out.vcf.gz` does), against `bcftools view
//!   -Oz -l 6 -o /dev/null` (both hand level 6 to libdeflate as level 7).
//!
//! The input is `BIOMETAL_BENCH_BCF` if set, else a simulated GT-only
//! cohort (`tests/common/cohort.rs`) of `BIOMETAL_BENCH_SITES` sites
//! (default 2 000) × `BIOMETAL_BENCH_SAMPLES` samples (default 2 500),
//! GT:DP:GQ:PL with `BIOMETAL_BENCH_FULL=1`, or with
//! `BIOMETAL_BENCH_FULL=caller` the caller-like GT:DP:GQ:PL cohort of
//! `benches/support/vcf_cohort.rs` (`Model::Caller`, the issue's
//! proportions), converted with bcftools. `BIOMETAL_BENCH_WRITE=0` leaves
//! out the (slow) writing groups.
//!
//! With `BIOMETAL_BENCH_ROUNDS=N`, N interleaved rounds of the one-thread
//! jobs (genotypes, allele counts, lazy count, inflate; bcftools `-i`,
//! `-Ou` and `bgzip -dc` beside them; `common/rounds.rs`) replace
//! criterion: medians and per-round ratios, the figures to compare on a
//! machine whose speed drifts.
//!
//! ```text
//! BIOMETAL_BENCH_SITES=150000 cargo bench --bench bcf
//! BIOMETAL_BENCH_FULL=caller BIOMETAL_BENCH_SITES=40000 cargo bench --bench bcf
//! ```

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use biometal::formats::bcf;
use biometal::formats::vcf::{self, GenotypeMatrix};
use criterion::{Criterion, Throughput};

#[path = "../tests/common/cohort.rs"]
mod cohort;
#[path = "common/rounds.rs"]
mod rounds;
#[path = "support/vcf_cohort.rs"]
mod vcf_cohort;

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

fn input() -> PathBuf {
    if let Ok(path) = std::env::var("BIOMETAL_BENCH_BCF") {
        return PathBuf::from(path);
    }
    let sites = env_number("BIOMETAL_BENCH_SITES", 2_000);
    let samples = env_number("BIOMETAL_BENCH_SAMPLES", 2_500);
    let caller = std::env::var("BIOMETAL_BENCH_FULL").as_deref() == Ok("caller");
    let (cohort, kind) = cohort::Cohort::from_bench_env(sites, samples);
    let kind = if caller { "caller" } else { kind };
    let stem = format!("biometal-bench-{kind}-{sites}x{samples}");
    let path = std::env::temp_dir().join(format!("{stem}.bcf"));
    if !path.exists() {
        let vcf = std::env::temp_dir().join(format!("{stem}.vcf"));
        let file = std::fs::File::create(&vcf).expect("create bench VCF");
        let mut out = std::io::BufWriter::new(file);
        if caller {
            let model = vcf_cohort::Model::Caller;
            vcf_cohort::write_cohort_with(&mut out, samples, sites, 42, model)
        } else {
            cohort.write_vcf(&mut out)
        }
        .expect("write bench VCF");
        drop(out);
        bcftools(&[
            "view",
            "-Ob",
            "-o",
            path.to_str().expect("UTF-8 path"),
            vcf.to_str().expect("UTF-8 path"),
        ]);
        let _ = std::fs::remove_file(&vcf);
    }
    path
}

/// Every genotype decoded; with `count`, allele counts (AC, AN) computed
/// from them as `allele_counts` does. Returns a checksum.
fn genotypes(path: &Path, threads: usize, count: bool) -> u64 {
    let mut reader = bcf::ReaderBuilder::new()
        .threads(threads)
        .build_from_path(path)
        .expect("open");
    let header = reader.read_header().expect("header");
    let mut matrix = GenotypeMatrix::new();
    let mut counts = Vec::new();
    let mut total = 0u64;
    while let Some(record) = reader.next_record().expect("record") {
        record.genotypes_into(&header, &mut matrix).expect("GT");
        if count {
            let allele_number = matrix.count_alleles(record.allele_count(), &mut counts);
            total += u64::from(allele_number) + u64::from(counts[0]);
        } else {
            total += matrix.all_alleles().len() as u64;
        }
    }
    total
}

/// Every BGZF block inflated, one thread, nothing parsed: the floor.
fn inflate(path: &Path) -> u64 {
    let file = std::fs::File::open(path).expect("open");
    let mut reader = biometal::bgzf::Reader::new(file);
    std::io::copy(&mut reader, &mut std::io::sink()).expect("inflate")
}

/// Records framed and validated, nothing decoded.
fn count(path: &Path) -> u64 {
    let mut reader = bcf::Reader::from_path(path).expect("open");
    reader.read_header().expect("header");
    let mut records = 0;
    while reader.next_record().expect("record").is_some() {
        records += 1;
    }
    records
}

fn write(path: &Path, threads: usize) {
    let mut reader = bcf::Reader::from_path(path).expect("open");
    let header = reader.read_header().expect("header");
    let mut writer = bcf::WriterBuilder::new()
        .level(6)
        .threads(threads)
        .build(std::io::sink())
        .expect("writer");
    writer.write_header(&header).expect("header");
    while let Some(record) = reader.next_record().expect("record") {
        writer.write_record(record).expect("write");
    }
    writer.finish().expect("finish");
}

/// Every record as VCF text, BGZF at level 6, one thread (the header is
/// left out: it is the same few hundred bytes for both tools).
fn write_vcf_gz(path: &Path) {
    let mut reader = bcf::Reader::from_path(path).expect("open");
    let header = reader.read_header().expect("header");
    let bgzf = biometal::bgzf::WriterBuilder::new()
        .level(6)
        .build(std::io::sink())
        .expect("writer");
    let mut writer = vcf::Writer::new(bgzf);
    while let Some(record) = reader.next_record().expect("record") {
        writer.write_variant(&header, &record).expect("write");
    }
    writer.into_inner().finish().expect("finish");
}

fn bcftools(args: &[&str]) {
    external("bcftools", args);
}

/// Runs `program` with `args`, its output to /dev/null; panics unless it
/// succeeds.
fn external(program: &str, args: &[&str]) {
    let status = Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .status();
    assert!(
        status.is_ok_and(|s| s.success()),
        "{program} {args:?} failed (are bcftools and tabix installed?)"
    );
}

/// `BIOMETAL_BENCH_ROUNDS` mode: the one-thread reading jobs beside
/// bcftools' and htslib's inflate in alternated rounds, then the medians
/// and ratios.
fn interleaved_rounds(path: &Path, count_of_rounds: usize) {
    let p = path.to_str().expect("UTF-8 path");
    let genotypes_ours = || genotypes(path, 1, false) as usize;
    let allele_counts_ours = || genotypes(path, 1, true) as usize;
    let genotypes_bcftools = || {
        bcftools(&["view", "-i", "GT=\"alt\"", "-Ou", "-o", "/dev/null", p]);
        0
    };
    let count_ours = || count(path) as usize;
    let count_bcftools = || {
        bcftools(&["view", "-Ou", "-o", "/dev/null", p]);
        0
    };
    let inflate_ours = || inflate(path) as usize;
    let inflate_htslib = || {
        external("bgzip", &["-dc", p]);
        0
    };
    let jobs: Vec<rounds::Job> = vec![
        ("genotypes/biometal".into(), &genotypes_ours),
        ("allele_counts/biometal".into(), &allele_counts_ours),
        (
            "genotypes/bcftools view -i GT=alt".into(),
            &genotypes_bcftools,
        ),
        ("count/biometal".into(), &count_ours),
        ("count/bcftools view -Ou".into(), &count_bcftools),
        ("inflate/biometal bgzf".into(), &inflate_ours),
        ("inflate/bgzip -dc".into(), &inflate_htslib),
    ];
    let times = rounds::run(count_of_rounds, &jobs);
    // The targets' pairs, then the floor: bcftools -i against our inflate
    // alone is the most any one-thread reader could reach.
    let pairs = [(0, 2), (1, 2), (3, 4), (5, 2), (5, 3), (5, 6)];
    rounds::summarize(&jobs, &times, &pairs);
}

fn main() {
    let path = input();
    if let Some(count_of_rounds) = std::env::var("BIOMETAL_BENCH_ROUNDS")
        .ok()
        .and_then(|n| n.parse().ok())
    {
        interleaved_rounds(&path, count_of_rounds);
        return;
    }
    let p = path.to_str().expect("UTF-8 path");
    let sites = count(&path);
    let mut criterion = Criterion::default()
        .configure_from_args()
        .sample_size(10)
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_millis(500));
    let mut group = criterion.benchmark_group("bcf");
    // Throughput in sites: criterion reports elements/s.
    group.throughput(Throughput::Elements(sites));
    group.bench_function("genotypes/biometal", |b| {
        b.iter(|| black_box(genotypes(&path, 1, false)))
    });
    group.bench_function("allele_counts/biometal", |b| {
        b.iter(|| black_box(genotypes(&path, 1, true)))
    });
    group.bench_function("genotypes/bcftools view -i GT=alt", |b| {
        b.iter(|| bcftools(&["view", "-i", "GT=\"alt\"", "-Ou", "-o", "/dev/null", p]))
    });
    for threads in [2, 4] {
        group.bench_function(format!("genotypes_t{threads}/biometal"), |b| {
            b.iter(|| black_box(genotypes(&path, threads, false)))
        });
        let n = threads.to_string();
        let args = [
            "view",
            "--threads",
            &n,
            "-i",
            "GT=\"alt\"",
            "-Ou",
            "-o",
            "/dev/null",
            p,
        ];
        group.bench_function(
            format!("genotypes_t{threads}/bcftools view -i GT=alt"),
            |b| b.iter(|| bcftools(&args)),
        );
    }
    group.bench_function("inflate/biometal bgzf", |b| {
        b.iter(|| black_box(inflate(&path)))
    });
    group.bench_function("count/biometal", |b| b.iter(|| black_box(count(&path))));
    group.bench_function("count/bcftools view -Ou", |b| {
        b.iter(|| bcftools(&["view", "-Ou", "-o", "/dev/null", p]))
    });
    if std::env::var("BIOMETAL_BENCH_WRITE").as_deref() != Ok("0") {
        bench_writing(&mut group, &path);
    }
    group.finish();
    criterion.final_summary();
}

/// The writing jobs, ours and bcftools', one thread at level 6.
fn bench_writing(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    path: &Path,
) {
    let p = path.to_str().expect("UTF-8 path");
    group.bench_function("write_l6_t1/biometal", |b| b.iter(|| write(path, 1)));
    group.bench_function("write_l6_t1/bcftools view -Ob", |b| {
        b.iter(|| bcftools(&["view", "-Ob", "-l", "6", "-o", "/dev/null", p]))
    });
    group.bench_function("write_vcf_gz_l6_t1/biometal", |b| {
        b.iter(|| write_vcf_gz(path))
    });
    group.bench_function("write_vcf_gz_l6_t1/bcftools view -Oz", |b| {
        b.iter(|| bcftools(&["view", "-Oz", "-l", "6", "-o", "/dev/null", p]))
    });
}
