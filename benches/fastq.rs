//! FASTQ parsing, records/s: biometal's zero-copy reader against needletail
//! and seq_io on the same generated file of 150 bp reads, in three forms.
//!
//! * `fastq_plain_150bp`: the file in memory (one thread, warm cache).
//! * `fastq_gzip_150bp`: a gzip file (flate2 level 6) on disk. biometal opens
//!   it with `io::open`; the peers read through flate2's `MultiGzDecoder`
//!   (the same zlib-rs inflater). `inflate_floor` only decompresses it
//!   through `io::open`, which is the bound for any parser.
//! * `fastq_bgzf_150bp`: a BGZF file written by biometal. biometal decodes
//!   the blocks with libdeflate on 1 and 2 threads (`IoOptions::
//!   with_bgzf_threads`); the peers can only inflate it as multi-member gzip.
//!   `inflate_floor_1_thread` is `io::open`'s one-thread decode alone.
//!
//! `BIOMETAL_BENCH_FASTQ_RECORDS` sets the number of records (default
//! 20,000, about 7 MB; use 700,000 or more for a ≥ 200 MB file).
//!
//! Instruction counts: with `BIOMETAL_BENCH_FASTQ_IR=biometal` (or `seq_io`,
//! `needletail`) the binary parses the plain in-memory file once with that
//! parser and exits, for `valgrind --tool=callgrind --collect-atstart=no
//! --toggle-collect='*parse_plain_once*'`: Ir of the parse alone.

use std::fs::File;
use std::hint::black_box;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};

use biometal::formats::fastq::Reader;
use biometal::io::{open_with, open_writer, Compression, IoOptions};
use criterion::{criterion_group, BenchmarkGroup, Criterion, Throughput};
use flate2::read::MultiGzDecoder;

fn generate(records: usize) -> Vec<u8> {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut out = Vec::with_capacity(records * 340);
    for i in 0..records {
        out.extend_from_slice(format!("@read{i} lane=1 tile=1101\n").as_bytes());
        out.extend((0..150).map(|_| b"ACGT"[(next() % 4) as usize]));
        out.extend_from_slice(b"\n+\n");
        out.extend((0..150).map(|_| b'!' + (next() % 41) as u8));
        out.push(b'\n');
    }
    out
}

fn records() -> usize {
    std::env::var("BIOMETAL_BENCH_FASTQ_RECORDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20_000)
}

/// Bases read by biometal's borrowing reader.
fn biometal_bases(input: impl Read) -> usize {
    let mut reader = Reader::new(input);
    let mut bases = 0;
    while let Some(record) = reader.next_record() {
        bases += record.expect("valid FASTQ").sequence().len();
    }
    bases
}

fn seq_io_bases(input: impl Read) -> usize {
    use seq_io::fastq::Record as _;
    let mut reader = seq_io::fastq::Reader::new(input);
    let mut bases = 0;
    while let Some(record) = reader.next() {
        bases += record.expect("valid FASTQ").seq().len();
    }
    bases
}

fn needletail_bases(input: impl Read + Send) -> usize {
    let mut reader = needletail::parse_fastx_reader(input).expect("valid FASTQ");
    let mut bases = 0;
    while let Some(record) = reader.next() {
        bases += record.expect("valid FASTQ").seq().len();
    }
    bases
}

/// Decompressed bytes of `input`, decoded into the source's own buffer and
/// dropped (no copy): the decoder's speed alone.
fn drain(mut input: impl BufRead) -> usize {
    let mut total = 0;
    loop {
        let n = input.fill_buf().expect("readable").len();
        if n == 0 {
            return total;
        }
        total += black_box(n);
        input.consume(n);
    }
}

fn open(path: &Path, bgzf_threads: usize) -> biometal::io::Source {
    open_with(path, &IoOptions::default().with_bgzf_threads(bgzf_threads)).expect("opens")
}

fn peer_input(path: &Path) -> MultiGzDecoder<BufReader<File>> {
    MultiGzDecoder::new(BufReader::with_capacity(
        128 << 10,
        File::open(path).expect("opens"),
    ))
}

/// Benchmarks the peers on `path` through flate2.
fn bench_peers_gz(group: &mut BenchmarkGroup<'_, criterion::measurement::WallTime>, path: &Path) {
    let bases = records() * 150;
    group.bench_function("seq_io", |b| {
        b.iter(|| assert_eq!(seq_io_bases(peer_input(path)), bases))
    });
    group.bench_function("needletail", |b| {
        b.iter(|| assert_eq!(needletail_bases(peer_input(path)), bases))
    });
}

fn temp_path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("biometal-bench-{}-{name}", std::process::id()))
}

fn plain_fastq(c: &mut Criterion) {
    let records = records();
    let data = generate(records);
    let mut group = c.benchmark_group("fastq_plain_150bp");
    group.throughput(Throughput::Elements(records as u64));
    group.bench_function("biometal", |b| {
        b.iter(|| assert_eq!(biometal_bases(black_box(&data[..])), records * 150))
    });
    group.bench_function("seq_io", |b| {
        b.iter(|| assert_eq!(seq_io_bases(black_box(&data[..])), records * 150))
    });
    group.bench_function("needletail", |b| {
        b.iter(|| assert_eq!(needletail_bases(black_box(&data[..])), records * 150))
    });
    group.finish();
}

fn gzip_fastq(c: &mut Criterion) {
    let records = records();
    let data = generate(records);
    let path = temp_path("reads.fq.gz");
    let mut encoder = flate2::write::GzEncoder::new(
        File::create(&path).expect("temp file"),
        flate2::Compression::new(6),
    );
    encoder.write_all(&data).expect("written");
    encoder.finish().expect("written");
    drop(data);

    let mut group = c.benchmark_group("fastq_gzip_150bp");
    group.throughput(Throughput::Elements(records as u64));
    group.sample_size(10);
    group.bench_function("inflate_floor", |b| {
        b.iter(|| assert!(drain(open(&path, 1)) > 0))
    });
    group.bench_function("biometal", |b| {
        b.iter(|| assert_eq!(biometal_bases(open(&path, 1)), records * 150))
    });
    bench_peers_gz(&mut group, &path);
    group.finish();
    let _ = std::fs::remove_file(&path);
}

fn bgzf_fastq(c: &mut Criterion) {
    let records = records();
    let data = generate(records);
    let path = temp_path("reads.fq.bgz");
    let mut sink = open_writer(&path, Compression::Bgzf).expect("temp file");
    sink.write_all(&data).expect("written");
    sink.finish().expect("written");
    drop(data);

    let mut group = c.benchmark_group("fastq_bgzf_150bp");
    group.throughput(Throughput::Elements(records as u64));
    group.sample_size(10);
    group.bench_function("inflate_floor_1_thread", |b| {
        b.iter(|| assert!(drain(open(&path, 1)) > 0))
    });
    for threads in [1, 2] {
        group.bench_function(format!("biometal_{threads}_thread"), |b| {
            b.iter(|| assert_eq!(biometal_bases(open(&path, threads)), records * 150))
        });
    }
    bench_peers_gz(&mut group, &path);
    group.finish();
    let _ = std::fs::remove_file(&path);
}

/// Parses `data` once with `parser`; the function callgrind toggles on.
#[inline(never)]
fn parse_plain_once(parser: &str, data: &[u8]) -> usize {
    match parser {
        "biometal" => biometal_bases(black_box(data)),
        "seq_io" => seq_io_bases(black_box(data)),
        "needletail" => needletail_bases(black_box(data)),
        other => panic!("BIOMETAL_BENCH_FASTQ_IR: unknown parser {other:?}"),
    }
}

criterion_group!(benches, plain_fastq, gzip_fastq, bgzf_fastq);

fn main() {
    if let Ok(parser) = std::env::var("BIOMETAL_BENCH_FASTQ_IR") {
        let records = records();
        let data = generate(records);
        assert_eq!(parse_plain_once(&parser, &data), records * 150);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
