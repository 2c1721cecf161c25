//! Whole-file CRAM decoding to records: biometal against noodles-cram, one
//! thread each, in one run (samtools is measured beside biometal in
//! biometal's own `benches/cram.rs`).
//!
//! Inputs: `BIOMETAL_CRAM_BENCH` (one CRAM file, or several separated by
//! commas) with `BIOMETAL_CRAM_BENCH_REF` (their FASTA reference, `.fai`
//! beside it); by default the conformance data's
//! `hts-specs/cram/3.1/passed/level-{1,4}.cram` on `ce.fa`. With
//! `BIOMETAL_BENCH_ONESHOT=1` each decoder runs once per file and prints
//! `file, decoder, records, seconds, records/s` (for long runs on big
//! files) instead of criterion's sampling.
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use noodles_fasta::repository::adapters::IndexedReader;

fn inputs() -> (PathBuf, Vec<PathBuf>) {
    if let Ok(list) = std::env::var("BIOMETAL_CRAM_BENCH") {
        let reference = std::env::var("BIOMETAL_CRAM_BENCH_REF")
            .expect("BIOMETAL_CRAM_BENCH_REF names the reference of BIOMETAL_CRAM_BENCH");
        return (PathBuf::from(reference), list.split(',').map(PathBuf::from).collect());
    }
    let testdata = std::env::var_os("BIOMETAL_TESTDATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata"));
    let cram = testdata.join("hts-specs/cram");
    (
        cram.join("ce.fa"),
        vec![cram.join("3.1/passed/level-1.cram"), cram.join("3.1/passed/level-4.cram")],
    )
}

/// Every record decoded by noodles-cram (sequence, qualities, tags); the
/// number of records.
fn noodles(path: &Path, reference: &Path) -> u64 {
    let fasta = noodles_fasta::io::indexed_reader::Builder::default()
        .build_from_path(reference)
        .expect("open reference");
    let repository = noodles_fasta::Repository::new(IndexedReader::new(fasta));
    let mut reader = noodles_cram::io::reader::Builder::default()
        .set_reference_sequence_repository(repository)
        .build_from_path(path)
        .expect("open CRAM");
    let header = reader.read_header().expect("header");
    let mut records = 0;
    for result in reader.records(&header) {
        black_box(result.expect("record"));
        records += 1;
    }
    records
}

/// Every record decoded by biometal on `threads` threads.
fn biometal(path: &Path, reference: &biometal::formats::cram::ReferenceSource, threads: usize) -> u64 {
    let mut reader = biometal::formats::cram::ReaderBuilder::new()
        .reference(reference.clone())
        .threads(threads)
        .build_from_path(path)
        .expect("open CRAM");
    reader.read_header().expect("header");
    let mut records = 0;
    while let Some(record) = reader.next_record().expect("record") {
        black_box(record);
        records += 1;
    }
    records
}

fn main() {
    let (reference_path, crams) = inputs();
    let reference = biometal::formats::cram::ReferenceSource::from_fasta_path(&reference_path).expect("reference");
    if std::env::var_os("BIOMETAL_BENCH_ONESHOT").is_some() {
        for path in &crams {
            let runs: [(&str, &dyn Fn() -> u64); 2] = [
                ("noodles-cram", &|| noodles(path, &reference_path)),
                ("biometal", &|| biometal(path, &reference, 1)),
            ];
            for (name, run) in runs {
                let started = Instant::now();
                let records = run();
                let seconds = started.elapsed().as_secs_f64();
                println!(
                    "{}\t{name}\t{records}\t{seconds:.2}\t{:.0}",
                    path.display(),
                    records as f64 / seconds
                );
            }
        }
        return;
    }
    let mut criterion = Criterion::default()
        .configure_from_args()
        .sample_size(10)
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_millis(500));
    for path in &crams {
        let records = biometal(path, &reference, 1);
        let name = path.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        let mut group = criterion.benchmark_group(format!("cram-records/{name}"));
        group.throughput(Throughput::Elements(records));
        group.bench_function("noodles-cram", |b| b.iter(|| noodles(path, &reference_path)));
        group.bench_function("biometal", |b| b.iter(|| biometal(path, &reference, 1)));
        group.finish();
    }
    criterion.final_summary();
}
