//! BCF genotype decoding and lazy counting: biometal against noodles-bcf,
//! in one run, on a GT-only cohort; and the same for VCF text against
//! noodles-vcf (`vcf_genotypes` group: every GT of every site decoded, and
//! records framed without decoding), on a plain VCF of
//! `BIOMETAL_BENCH_VCF_SITES` (default 2 000) sites × 2 500 samples from
//! `benches/support/vcf_cohort.rs`, read from memory by both.
//!
//! Input: `BIOMETAL_BENCH_BCF`, or a simulated cohort (`tests/common/
//! cohort.rs`) of `BIOMETAL_BENCH_SITES` (default 2 000) sites ×
//! `BIOMETAL_BENCH_SAMPLES` (default 2 500) samples converted with
//! `bcftools view -Ob` (the same file biometal's own `benches/bcf.rs` makes), GT:DP:GQ:PL with `BIOMETAL_BENCH_FULL=1`, or the
//! caller-like GT:DP:GQ:PL cohort of `benches/support/vcf_cohort.rs` with
//! `BIOMETAL_BENCH_FULL=caller` (the 40,000-site cohort:
//! `BIOMETAL_BENCH_FULL=caller BIOMETAL_BENCH_SITES=40000`).
//!
//! The `bcf_genotypes` group also runs both decoders with 2 and 4 BGZF
//! threads (`genotypes_tN`: our `ReaderBuilder::threads`, noodles-bgzf's
//! `MultithreadedReader` under noodles-bcf).
//!
//! With `BIOMETAL_BENCH_ONESHOT=1` every `bcf_genotypes` job runs once
//! instead (for big files, or a loaded machine) and prints `job  decoder
//! seconds  CPU seconds  sites/s`: wall time and the calling thread's CPU
//! time (`/proc/thread-self/schedstat`; BGZF worker threads left out),
//! sites/s from wall time; every genotype job's ALT total must agree. The
//! `vcf_genotypes` group is left out (see `vcf_file.rs` for its one-shot
//! file form). With `BIOMETAL_BENCH_ROUNDS=N`, N interleaved rounds of the
//! one-thread jobs (`genotypes`, `count`; `common/rounds.rs`) run instead:
//! medians and per-round noodles / biometal ratios.
use std::fs::File;
use std::hint::black_box;
use std::num::NonZero;
use std::path::{Path, PathBuf};
use std::process::Command;

use biometal::formats::bcf;
use biometal::formats::vcf::GenotypeMatrix;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use noodles_vcf::variant::record::samples::series::Value;

#[path = "../../../tests/common/cohort.rs"]
mod cohort;

#[path = "../../common/noodles_vcf.rs"]
mod noodles_vcf_gt;
#[path = "../../common/rounds.rs"]
mod rounds;
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
    let caller = std::env::var("BIOMETAL_BENCH_FULL").as_deref() == Ok("caller");
    let samples: usize = std::env::var("BIOMETAL_BENCH_SAMPLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_500);
    let (cohort, kind) = cohort::Cohort::from_bench_env(sites, samples);
    let kind = if caller { "caller" } else { kind };
    let stem = format!("biometal-bench-{kind}-{sites}x{samples}");
    let path = std::env::temp_dir().join(format!("{stem}.bcf"));
    if !path.exists() {
        let vcf = std::env::temp_dir().join(format!("{stem}.vcf"));
        let mut out = std::io::BufWriter::new(File::create(&vcf).expect("create VCF"));
        if caller {
            let model = vcf_cohort::Model::Caller;
            vcf_cohort::write_cohort_with(&mut out, samples, sites, 42, model)
        } else {
            cohort.write_vcf(&mut out)
        }
        .expect("write VCF");
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

fn biometal_genotypes(path: &Path, threads: usize) -> u64 {
    let mut reader = bcf::ReaderBuilder::new()
        .threads(threads)
        .build_from_path(path)
        .expect("open");
    let header = reader.read_header().expect("header");
    let mut matrix = GenotypeMatrix::new();
    let mut total = 0u64;
    while let Some(record) = reader.next_record().expect("record") {
        record.genotypes_into(&header, &mut matrix).expect("GT");
        total += matrix.all_alleles().iter().filter(|&&a| a > 0).count() as u64;
    }
    total
}

/// Every GT by noodles-bcf; with `threads` > 1 over noodles-bgzf's
/// `MultithreadedReader` with that many workers.
fn noodles_genotypes(path: &Path, threads: usize) -> u64 {
    let file = File::open(path).expect("open");
    match NonZero::new(threads).filter(|n| n.get() > 1) {
        Some(workers) => {
            let bgzf = noodles_bgzf::io::MultithreadedReader::with_worker_count(workers, file);
            noodles_reader_genotypes(noodles_bcf::io::Reader::from(bgzf))
        }
        None => noodles_reader_genotypes(noodles_bcf::io::Reader::new(file)),
    }
}

fn noodles_reader_genotypes<R: std::io::BufRead>(mut reader: noodles_bcf::io::Reader<R>) -> u64 {
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

/// The calling thread's CPU time so far, in seconds (0 where unknown).
fn thread_cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .map_or(0.0, |ns| ns as f64 / 1e9)
}

/// Every job once: wall and thread CPU time; genotype totals compared.
fn oneshot(path: &Path, sites: u64) {
    type Run<'a> = Box<dyn Fn() -> u64 + 'a>;
    let mut jobs: Vec<(String, &str, Run)> = Vec::new();
    for threads in [1, 2, 4] {
        let job = format!("genotypes_t{threads}");
        let ours: Run = Box::new(move || biometal_genotypes(path, threads));
        let theirs: Run = Box::new(move || noodles_genotypes(path, threads));
        jobs.push((job.clone(), "biometal", ours));
        jobs.push((job, "noodles-bcf", theirs));
    }
    jobs.push((
        "count".into(),
        "biometal",
        Box::new(|| biometal_count(path)),
    ));
    jobs.push((
        "count".into(),
        "noodles-bcf",
        Box::new(|| noodles_count(path)),
    ));
    println!("# {}: {sites} sites", path.display());
    let mut alternates = None;
    for (job, decoder, run) in &jobs {
        let (started, cpu_started) = (std::time::Instant::now(), thread_cpu_seconds());
        let total = black_box(run());
        let seconds = started.elapsed().as_secs_f64();
        let cpu = thread_cpu_seconds() - cpu_started;
        let rate = sites as f64 / seconds;
        println!("{job}\t{decoder}\t{seconds:.3}\t{cpu:.3}\t{rate:.0}");
        if job.starts_with("genotypes") {
            assert_eq!(*alternates.get_or_insert(total), total, "{job} {decoder}");
        }
    }
}

/// The one-thread jobs in alternated rounds (the genotype totals checked
/// equal first), then medians and noodles / biometal ratios.
fn interleaved_rounds(path: &Path, count: usize) {
    assert_eq!(biometal_genotypes(path, 1), noodles_genotypes(path, 1), "the two disagree");
    let genotypes_ours = || biometal_genotypes(path, 1) as usize;
    let genotypes_noodles = || noodles_genotypes(path, 1) as usize;
    let count_ours = || biometal_count(path) as usize;
    let count_noodles = || noodles_count(path) as usize;
    let jobs: Vec<rounds::Job> = vec![
        ("genotypes/biometal".into(), &genotypes_ours),
        ("genotypes/noodles-bcf".into(), &genotypes_noodles),
        ("count/biometal".into(), &count_ours),
        ("count/noodles-bcf".into(), &count_noodles),
    ];
    let times = rounds::run(count, &jobs);
    rounds::summarize(&jobs, &times, &[(0, 1), (2, 3)]);
}

fn bcf_genotypes(c: &mut Criterion) {
    let path = input();
    let sites = biometal_count(&path);
    if std::env::var_os("BIOMETAL_BENCH_ONESHOT").is_some() {
        return oneshot(&path, sites);
    }
    if let Some(count) = std::env::var("BIOMETAL_BENCH_ROUNDS").ok().and_then(|n| n.parse().ok()) {
        return interleaved_rounds(&path, count);
    }
    assert_eq!(
        biometal_genotypes(&path, 1),
        noodles_genotypes(&path, 1),
        "the two disagree"
    );
    let mut group = c.benchmark_group("bcf_genotypes");
    group.throughput(Throughput::Elements(sites));
    group.sample_size(10);
    for threads in [1, 2, 4] {
        let job = match threads {
            1 => "genotypes".to_string(),
            n => format!("genotypes_t{n}"),
        };
        group.bench_function(format!("{job}/biometal"), |b| {
            b.iter(|| black_box(biometal_genotypes(&path, threads)))
        });
        group.bench_function(format!("{job}/noodles-bcf"), |b| {
            b.iter(|| black_box(noodles_genotypes(&path, threads)))
        });
    }
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
    noodles_vcf_gt::genotypes(noodles_vcf::io::Reader::new(text)).1
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
    if std::env::var_os("BIOMETAL_BENCH_ONESHOT").is_some() || std::env::var_os("BIOMETAL_BENCH_ROUNDS").is_some() {
        return;
    }
    let sites: usize = std::env::var("BIOMETAL_BENCH_VCF_SITES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000);
    let mut text = Vec::new();
    vcf_cohort::write_cohort(&mut text, 2_500, sites, 42).expect("generate");
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
