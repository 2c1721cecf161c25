//! Whole-file BGZF decoding: biometal's reader against noodles-bgzf's, one
//! thread and several, in one run (`bgzip -dc` is measured beside them in
//! biometal's own `benches/bgzf_decode.rs`).
//!
//! Input: `BIOMETAL_BENCH_BGZF` (any BGZF file), or by default the
//! conformance data's `hts-specs/bam/passed/level-1.bam`.
//! `BIOMETAL_BENCH_THREADS` (default `4`) sets the multi-threaded runs.
use std::fs::File;
use std::io::{self, BufReader};
use std::num::NonZero;
use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn input_path() -> PathBuf {
    if let Some(path) = std::env::var_os("BIOMETAL_BENCH_BGZF") {
        return PathBuf::from(path);
    }
    let testdata = std::env::var_os("BIOMETAL_TESTDATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata"));
    testdata.join("hts-specs/bam/passed/level-1.bam")
}

fn bgzf_readers(c: &mut Criterion) {
    let path = input_path();
    let threads: usize = std::env::var("BIOMETAL_BENCH_THREADS").ok().and_then(|v| v.parse().ok()).unwrap_or(4);
    let uncompressed = {
        let mut reader = biometal::bgzf::Reader::new(File::open(&path).expect("open input"));
        io::copy(&mut reader, &mut io::sink()).expect("decode input")
    };
    let mut group = c.benchmark_group("bgzf_read_whole_file");
    group.throughput(Throughput::Bytes(uncompressed));
    group.sample_size(10);

    let open = || File::open(&path).expect("open input");
    group.bench_function("biometal 1 thread", |b| {
        b.iter(|| io::copy(&mut biometal::bgzf::ReaderBuilder::new().threads(1).build(open()), &mut io::sink()).unwrap())
    });
    group.bench_function("noodles-bgzf 1 thread", |b| {
        b.iter(|| io::copy(&mut noodles_bgzf::io::Reader::new(BufReader::new(open())), &mut io::sink()).unwrap())
    });
    group.bench_function(format!("biometal {threads} threads"), |b| {
        b.iter(|| {
            io::copy(&mut biometal::bgzf::ReaderBuilder::new().threads(threads).build(open()), &mut io::sink()).unwrap()
        })
    });
    let workers = NonZero::new(threads).expect("threads > 0");
    group.bench_function(format!("noodles-bgzf {threads} threads"), |b| {
        b.iter(|| {
            let mut reader = noodles_bgzf::io::MultithreadedReader::with_worker_count(workers, open());
            io::copy(&mut reader, &mut io::sink()).unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, bgzf_readers);
criterion_main!(benches);
