//! Whole-file BAM decoding, one thread each: biometal against noodles-bam
//! (BGZF through libdeflate, as the anchor measured it) in one run.
//!
//! * `count`: every record framed, its flags read (biometal's borrowed
//!   `RecordRef`, noodles' lazy `bam::Record`).
//! * `full_decode`: every field decoded — name, CIGAR, sequence to ASCII,
//!   qualities and every aux value (biometal's borrowed `RecordRef` views;
//!   noodles' `RecordBuf`, which decodes all of them while reading).
//!
//! Input: `BIOMETAL_BENCH_BAM` (default: the conformance data's
//! `hts-specs/bam/passed/level-1.bam`, for a smoke run). With
//! `BIOMETAL_BENCH_ONESHOT=1` each job runs once and prints
//! `job, decoder, records, seconds, records/s` (for big files) instead of
//! criterion's sampling; `BIOMETAL_BENCH_ROUNDS=N` runs N interleaved
//! rounds instead (`common/rounds.rs`: each decoder beside its peer, order
//! reversed every other round) and prints medians and the per-round
//! noodles / biometal ratios, the figures to compare on a machine whose
//! speed drifts; `BIOMETAL_BENCH_ONLY=TEXT` runs once just the jobs whose
//! `job/decoder` name contains TEXT (for profilers), unchecked.
use std::fs::File;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use biometal::formats::bam;
use criterion::{Criterion, Throughput};

#[path = "../../common/bam_decode.rs"]
mod bam_decode;
#[path = "../../common/rounds.rs"]
mod rounds;

fn input() -> PathBuf {
    if let Some(path) = std::env::var_os("BIOMETAL_BENCH_BAM") {
        return PathBuf::from(path);
    }
    std::env::var_os("BIOMETAL_TESTDATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata")
        })
        .join("hts-specs/bam/passed/level-1.bam")
}

/// Paired reads among every record (biometal, borrowed records).
fn biometal_count(path: &Path) -> u64 {
    let mut reader = bam::Reader::from_path(path).expect("open");
    reader.read_header().expect("header");
    let mut paired = 0;
    while let Some(record) = reader.next_record().expect("record") {
        paired += u64::from(record.flags().is_paired());
    }
    paired
}

/// Paired reads among every record (noodles-bam, lazy records).
fn noodles_count(path: &Path) -> u64 {
    let mut reader = noodles_bam::io::Reader::new(File::open(path).expect("open"));
    reader.read_header().expect("header");
    let mut record = noodles_bam::Record::default();
    let mut paired = 0;
    while reader.read_record(&mut record).expect("record") != 0 {
        paired += u64::from(record.flags().is_segmented());
    }
    paired
}

/// Every field of every record decoded by noodles into a `RecordBuf`; the
/// same checksum of lengths.
fn noodles_full(path: &Path) -> usize {
    use noodles_sam::alignment::record_buf::data::field::Value as NoodlesValue;
    let mut reader = noodles_bam::io::Reader::new(File::open(path).expect("open"));
    let header = reader.read_header().expect("header");
    let mut record = noodles_sam::alignment::RecordBuf::default();
    let mut total = 0;
    while reader
        .read_record_buf(&header, &mut record)
        .expect("record")
        != 0
    {
        total += record.name().map_or(0, |name| name.len());
        total += record
            .cigar()
            .as_ref()
            .iter()
            .map(|op| op.len())
            .sum::<usize>();
        total += record.sequence().as_ref().len();
        total += record.quality_scores().as_ref().len();
        total += record
            .data()
            .iter()
            .filter(|(_, v)| !matches!(v, NoodlesValue::Character(_)))
            .count();
    }
    total
}

fn main() {
    let path = input();
    let jobs: [(&str, &str, &dyn Fn() -> usize); 4] = [
        ("count", "biometal", &|| biometal_count(&path) as usize),
        ("count", "noodles-bam", &|| noodles_count(&path) as usize),
        ("full_decode", "biometal", &|| {
            bam_decode::full_decode(&path)
        }),
        ("full_decode", "noodles-bam RecordBuf", &|| {
            noodles_full(&path)
        }),
    ];
    if let Ok(only) = std::env::var("BIOMETAL_BENCH_ONLY") {
        for (job, decoder, run) in jobs {
            if format!("{job}/{decoder}").contains(&only) {
                println!("{job}\t{decoder}\t{}", black_box(run()));
            }
        }
        return;
    }
    // Both decoders must agree before anything is timed.
    assert_eq!(jobs[0].2(), jobs[1].2(), "paired counts differ");
    assert_eq!(jobs[2].2(), jobs[3].2(), "full-decode checksums differ");
    let records = {
        let mut reader = bam::Reader::from_path(&path).expect("open");
        reader.read_header().expect("header");
        let mut n = 0u64;
        while reader.next_record().expect("record").is_some() {
            n += 1;
        }
        n
    };
    if let Some(count) = std::env::var("BIOMETAL_BENCH_ROUNDS")
        .ok()
        .and_then(|n| n.parse().ok())
    {
        let named: Vec<rounds::Job> = jobs
            .iter()
            .map(|&(job, decoder, run)| (format!("{job}/{decoder}"), run))
            .collect();
        let times = rounds::run(count, &named);
        rounds::summarize(&named, &times, &[(0, 1), (2, 3)]);
        return;
    }
    if std::env::var_os("BIOMETAL_BENCH_ONESHOT").is_some() {
        for (job, decoder, run) in jobs {
            let started = Instant::now();
            black_box(run());
            let seconds = started.elapsed().as_secs_f64();
            println!(
                "{job}\t{decoder}\t{records}\t{seconds:.3}\t{:.0}",
                records as f64 / seconds
            );
        }
        return;
    }
    let mut criterion = Criterion::default()
        .configure_from_args()
        .sample_size(10)
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_millis(500));
    for group_name in ["count", "full_decode"] {
        let mut group = criterion.benchmark_group(format!("bam/{group_name}"));
        group.throughput(Throughput::Elements(records));
        for (job, decoder, run) in &jobs {
            if *job == group_name {
                group.bench_function(*decoder, |b| b.iter(|| black_box(run())));
            }
        }
        group.finish();
    }
    criterion.final_summary();
}
