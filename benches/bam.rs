//! BAM reading speed, with samtools measured in the same run:
//!
//! * count: every record decoded lazily and its flags touched, against
//!   `samtools view -c`, with one thread and with each count of
//!   `BIOMETAL_BENCH_THREADS` (default `2,4,8`) against `-@N`;
//! * full decode (`common/bam_decode.rs`, shared with the peers' bench):
//!   name, CIGAR, sequence to ASCII, qualities and every aux field of
//!   every record;
//! * BAM → SAM text, against `samtools view -o /dev/null`;
//! * BAM writing at level 6 (1 and 4 threads), against `samtools view -b`
//!   (`-@ 4` for 4 threads);
//! * region queries (10 kb, 1 Mb and the whole first reference, centred in
//!   the reads' span) through the BAI beside the input (made by `samtools
//!   index` when missing), each opening the file and index, against
//!   `samtools view -c FILE REGION`.
//!
//! The input is `BIOMETAL_BENCH_BAM` if set, else a generated coordinate-
//! sorted 2×150 bp BAM of `BIOMETAL_BENCH_RECORDS` records (default
//! 50 000, small so the bench runs quickly on a shared machine).
//!
//! ```text
//! BIOMETAL_BENCH_RECORDS=2000000 cargo bench --bench bam
//! ```
//!
//! With `BIOMETAL_BENCH_ROUNDS=N`, N interleaved rounds of the one-thread
//! count and BAM → SAM jobs beside samtools' (`common/rounds.rs`) replace
//! criterion: medians and per-round samtools / biometal ratios, the
//! figures to compare on a machine whose speed drifts. Two more jobs give
//! the floor under any count: inflating every block and nothing else,
//! through our BGZF reader and through htslib's `bgzip -dc`.

use std::hint::black_box;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use biometal::formats::sam::record::cigar::{Kind, Op};
use biometal::formats::sam::record::data::Value;
use biometal::formats::sam::record::RecordFields;
use biometal::formats::{bam, sam};
use biometal::region::{Position, Region};
use criterion::{Criterion, Throughput};

#[path = "common/bam_decode.rs"]
mod bam_decode;
use bam_decode::full_decode;
#[path = "common/rounds.rs"]
mod rounds;

struct Xorshift(u64);

impl Xorshift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Reference base at 0-based `position` of the simulated chromosome: a
/// fixed pseudo-random sequence, so overlapping reads share their bases as
/// real reads of one genome do.
fn reference_base(position: u64) -> u8 {
    let mut x = position.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    x ^= x >> 29;
    x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    b"ACGT"[(x >> 62) as usize]
}

/// Writes a sorted BAM of paired 150 bp reads resembling a 2×150 bp
/// Illumina run: reads copied from one simulated chromosome at ~5×
/// coverage with 1 % substitutions, NovaSeq-style four-bin qualities
/// (mostly Q37, runs of lower bins, low at substitutions), and typical
/// aux tags. It compresses to ~84 bytes a record, near the issue's
/// 689 MB BAM of 7.96 M records (independent random bases and qualities
/// would need ~125 and make inflating a larger share of every job).
fn generate(path: &Path, records: u64) {
    let mut rng = Xorshift(0x2545_f491_4f6c_dd1d);
    let header = sam::Header::parse(
        "@HD\tVN:1.6\tSO:coordinate\n@SQ\tSN:chr1\tLN:248956422\n@RG\tID:rg1\tSM:s\n",
    )
    .expect("valid header");
    let mut writer = bam::WriterBuilder::new()
        .level(6)
        .build_to_path(path)
        .expect("create bench BAM");
    writer.write_header(&header).expect("write header");
    let mut record = sam::Record::default();
    let mut bases = vec![0u8; 150];
    let mut quals = vec![0u8; 150];
    let mut position = 1u64;
    for n in 0..records {
        position += rng.next() % 60;
        // Quality bins as a Markov chain: Q37 most of the time, runs of
        // the lower bins, Q12 or below where the base is wrong.
        let mut bin = 3usize;
        let mut mismatches = 0u8;
        for (i, (b, q)) in bases.iter_mut().zip(quals.iter_mut()).enumerate() {
            let r = rng.next();
            bin = match (bin, r % 100) {
                (3, 0..=14) => 2,
                (3, 15..=19) => 1,
                (3, _) => 3,
                (_, 0..=24) => 3,
                (level, 30..=34) => level.saturating_sub(1),
                (level, _) => level,
            };
            *b = reference_base(position - 1 + i as u64);
            *q = [2, 12, 23, 37][bin];
            if (r >> 32).is_multiple_of(100) {
                *b = b"ACGT"[((r >> 40) % 4) as usize];
                *q = [2, 12][((r >> 48) % 2) as usize];
                mismatches = mismatches.saturating_add(1);
            }
        }
        let name = format!(
            "A00351:112:HFLCKDSXY:{}:{}:{}:{}",
            n % 4 + 1,
            1101 + rng.next() % 1578,
            rng.next() % 32_000,
            rng.next() % 37_000
        );
        let flags = [99u16, 147, 83, 163][(n % 4) as usize];
        record
            .set_fields(&RecordFields {
                name: name.as_bytes(),
                flags,
                reference_id: Some(0),
                alignment_start: Position::new(position),
                mapping_quality: Some(60),
                cigar: &[Op {
                    kind: Kind::Match,
                    len: 150,
                }],
                sequence: &bases,
                qualities: Some(&quals),
                mate_reference_id: Some(0),
                mate_alignment_start: Position::new(position + 200),
                template_length: 350,
            })
            .expect("valid record");
        record
            .push_data(*b"NM", Value::UInt8(mismatches))
            .expect("tag");
        record
            .push_data(*b"AS", Value::UInt8(150 - 5 * mismatches.min(30)))
            .expect("tag");
        record
            .push_data(*b"RG", Value::String(b"rg1"))
            .expect("tag");
        writer.write_record(record.as_ref()).expect("write record");
    }
    writer.finish().expect("finish bench BAM");
}

fn input() -> PathBuf {
    if let Ok(path) = std::env::var("BIOMETAL_BENCH_BAM") {
        return PathBuf::from(path);
    }
    let records: u64 = std::env::var("BIOMETAL_BENCH_RECORDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(50_000);
    let path = std::env::temp_dir().join(format!("biometal-bench-v2-{records}.bam"));
    if !path.exists() {
        generate(&path, records);
    }
    path
}

fn count(path: &Path) -> u64 {
    count_with_threads(path, 1)
}

/// Count with `threads` BGZF decoding threads (they read the file
/// themselves, so the calling thread only walks the records).
fn count_with_threads(path: &Path, threads: usize) -> u64 {
    let mut reader = bam::ReaderBuilder::new()
        .threads(threads)
        .build_from_path(path)
        .expect("open");
    reader.read_header().expect("header");
    let mut paired = 0;
    while let Some(record) = reader.next_record().expect("record") {
        paired += u64::from(record.flags().is_paired());
    }
    paired
}

fn to_sam(path: &Path) -> usize {
    let mut reader = bam::Reader::from_path(path).expect("open");
    let header = reader.read_header().expect("header");
    let mut writer = sam::Writer::buffered(std::io::sink());
    let mut records = 0;
    while let Some(record) = reader.next_record().expect("record") {
        writer.write_record(&header, record).expect("format");
        records += 1;
    }
    writer.finish().expect("flush");
    records
}

fn write_bam(path: &Path, threads: usize) {
    let mut reader = bam::Reader::from_path(path).expect("open");
    let header = reader.read_header().expect("header");
    let mut writer = bam::WriterBuilder::new()
        .level(6)
        .threads(threads)
        .build(std::io::sink())
        .expect("writer");
    writer.write_header(&header).expect("header");
    let mut record = sam::Record::default();
    while reader.read_record(&mut record).expect("record") {
        writer.write_record(record.as_ref()).expect("write");
    }
    writer.finish().expect("finish");
}

/// Decoding threads for the scaling benches: `BIOMETAL_BENCH_THREADS`, a
/// comma-separated list (default `2,4,8`).
fn thread_counts() -> Vec<usize> {
    std::env::var("BIOMETAL_BENCH_THREADS")
        .unwrap_or_else(|_| "2,4,8".into())
        .split(',')
        .filter_map(|n| n.trim().parse().ok())
        .filter(|&n| n > 1)
        .collect()
}

/// Opens `path` and its index and counts the records overlapping `region`,
/// as `samtools view -c FILE REGION` does.
fn count_region(path: &Path, region: &str) -> u64 {
    let index = biometal::index::load_for(path).expect("index");
    let mut reader = bam::Reader::from_path(path).expect("open");
    let header = reader.read_header().expect("header");
    let region = Region::parse_with_names(region, |name| header.reference_id(name).is_some())
        .expect("region");
    let mut query = biometal::index::query(&mut reader, &header, &index, &region).expect("query");
    let mut records = 0;
    while query.next_record().expect("record").is_some() {
        records += 1;
    }
    records
}

/// The first reference's name and the first and last 1-based alignment
/// starts on it; indexes `path` with samtools if it has no index.
fn query_setup(path: &Path) -> (String, u64, u64) {
    if biometal::index::load_for(path).is_err() {
        samtools(&["index", path.to_str().expect("UTF-8 path")]);
    }
    let mut reader = bam::Reader::from_path(path).expect("open");
    let header = reader.read_header().expect("header");
    let name = header.reference_sequences()[0].name().to_string();
    let (mut first, mut last) = (u64::MAX, 0);
    while let Some(record) = reader.next_record().expect("record") {
        if let (Some(0), Some(start)) = (record.reference_id(), record.alignment_start()) {
            first = first.min(start.get());
            last = last.max(start.get());
        }
    }
    (name, first, last)
}

fn samtools(args: &[&str]) {
    let status = Command::new("samtools")
        .args(args)
        .stdout(Stdio::null())
        .status();
    assert!(
        status.is_ok_and(|s| s.success()),
        "samtools {args:?} failed (is samtools installed?)"
    );
}

/// `BIOMETAL_BENCH_ROUNDS` mode: count and BAM → SAM beside samtools'
/// in alternated rounds, then the medians and ratios.
fn interleaved_rounds(path: &Path, count_of_rounds: usize) {
    let p = path.to_str().expect("UTF-8 path");
    let count_ours = || count(path) as usize;
    let count_samtools = || {
        samtools(&["view", "-c", p]);
        0
    };
    let to_sam_ours = || to_sam(path);
    let to_sam_samtools = || {
        samtools(&["view", "-o", "/dev/null", p]);
        0
    };
    // The floor under every count: inflating the blocks (with their CRC32)
    // and nothing else, through our BGZF reader and through htslib's bgzip.
    let inflate_ours = || inflate_only(path);
    let inflate_htslib = || {
        bgzip_to_null(p);
        0
    };
    let jobs: Vec<rounds::Job> = vec![
        ("count/biometal".into(), &count_ours),
        ("count/samtools view -c".into(), &count_samtools),
        ("to_sam/biometal".into(), &to_sam_ours),
        ("to_sam/samtools view -o /dev/null".into(), &to_sam_samtools),
        ("inflate/biometal bgzf::Reader".into(), &inflate_ours),
        ("inflate/bgzip -dc".into(), &inflate_htslib),
    ];
    let times = rounds::run(count_of_rounds, &jobs);
    // Besides the targets' pairs: each count against the inflate floor
    // (how much a record walk adds), and the two inflaters against each
    // other (whether the floor is the same on both sides).
    rounds::summarize(&jobs, &times, &[(0, 1), (2, 3), (4, 0), (5, 1), (4, 5)]);
}

/// Decompresses every block of `path` (CRC32 checked) and touches nothing
/// else: the part of a count that no record parser can avoid.
fn inflate_only(path: &Path) -> usize {
    let file = std::fs::File::open(path).expect("open");
    let mut reader =
        biometal::bgzf::Reader::new(std::io::BufReader::with_capacity(128 << 10, file));
    let mut bytes = 0;
    loop {
        let available = reader.fill_buf().expect("inflate").len();
        if available == 0 {
            return bytes;
        }
        bytes += available;
        reader.consume(available);
    }
}

/// htslib's inflate of `path` to /dev/null (`bgzip -dc`).
fn bgzip_to_null(path: &str) {
    let status = Command::new("bgzip")
        .args(["-dc", path])
        .stdout(Stdio::null())
        .status();
    assert!(
        status.is_ok_and(|s| s.success()),
        "bgzip -dc {path} failed (is tabix installed?)"
    );
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
    let bytes = std::fs::metadata(&path).expect("bench input").len();
    let p = path.to_str().expect("UTF-8 path");
    let mut criterion = Criterion::default()
        .configure_from_args()
        .sample_size(10)
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_millis(500));
    let mut group = criterion.benchmark_group("bam");
    group.throughput(Throughput::Bytes(bytes));
    group.bench_function("count/biometal", |b| b.iter(|| black_box(count(&path))));
    group.bench_function("count/samtools view -c", |b| {
        b.iter(|| samtools(&["view", "-c", p]))
    });
    for threads in thread_counts() {
        let name = format!("count_t{threads}/biometal");
        group.bench_function(name, |b| {
            b.iter(|| black_box(count_with_threads(&path, threads)))
        });
        let n = threads.to_string();
        group.bench_function(format!("count_t{threads}/samtools view -c -@{n}"), |b| {
            b.iter(|| samtools(&["view", "-c", "-@", &n, p]))
        });
    }
    group.bench_function("full_decode/biometal", |b| {
        b.iter(|| black_box(full_decode(&path)))
    });
    group.bench_function("to_sam/biometal", |b| b.iter(|| black_box(to_sam(&path))));
    group.bench_function("to_sam/samtools view -o /dev/null", |b| {
        b.iter(|| samtools(&["view", "-o", "/dev/null", p]))
    });
    group.bench_function("write_l6_t1/biometal", |b| b.iter(|| write_bam(&path, 1)));
    group.bench_function("write_l6_t4/biometal", |b| b.iter(|| write_bam(&path, 4)));
    // samtools' `-@ N` adds N compression threads; `-@ 0` is one thread.
    for (name, threads) in [("write_l6_t1", "0"), ("write_l6_t4", "4")] {
        group.bench_function(format!("{name}/samtools view -b -@{threads}"), |b| {
            b.iter(|| {
                samtools(&[
                    "view",
                    "-b",
                    "--output-fmt-option",
                    "level=6",
                    "-@",
                    threads,
                    "-o",
                    "/dev/null",
                    p,
                ])
            })
        });
    }
    group.finish();
    let (reference, first, last) = query_setup(&path);
    let middle = first + (last - first) / 2;
    let mut group = criterion.benchmark_group("bam_query");
    for (label, width) in [("10kb", 10_000), ("1Mb", 1_000_000), ("chrom", 0)] {
        let region = if width == 0 {
            reference.clone()
        } else {
            let start = middle.saturating_sub(width / 2).max(1);
            format!("{reference}:{start}-{}", start + width - 1)
        };
        group.bench_function(format!("{label}/biometal"), |b| {
            b.iter(|| black_box(count_region(&path, &region)))
        });
        group.bench_function(format!("{label}/samtools view -c"), |b| {
            b.iter(|| samtools(&["view", "-c", p, &region]))
        });
    }
    group.finish();
    criterion.final_summary();
}
