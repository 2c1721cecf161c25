//! Buffered reads vs memory maps: where is the crossover?
//!
//! For files of 64 KiB … 256 MiB (warm page cache), times opening the file
//! with `io::open_with` in `MapMode::Buffered` and `MapMode::Mmap` and
//! scanning every byte for newlines with `memchr`, as a line-oriented
//! parser does (a slower scan would hide the cost of the read path).
//! The size at which `Mmap` starts winning is `io::DEFAULT_MMAP_THRESHOLD`.
//!
//! `BIOMETAL_IO_BENCH_MAX_MIB` caps the largest file (default 256).
use std::io::{BufRead, Write};
use std::path::PathBuf;

use biometal::io::{open_with, IoOptions, MapMode};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

fn make_file(bytes: usize) -> PathBuf {
    let path = std::env::temp_dir().join(format!("biometal-io-bench-{bytes}.txt"));
    if std::fs::metadata(&path).map(|m| m.len() as usize).ok() != Some(bytes) {
        let line = b"@read\nACGTACGTACGTACGTACGTACGTACGTACGTACGTACGTACGTACGTACGTACGTACGT\n+\nIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIII\n";
        let mut file =
            std::io::BufWriter::new(std::fs::File::create(&path).expect("create bench file"));
        let mut written = 0;
        while written < bytes {
            let n = line.len().min(bytes - written);
            file.write_all(&line[..n]).expect("write bench file");
            written += n;
        }
        file.flush().expect("flush bench file");
    }
    path
}

fn scan(path: &PathBuf, options: &IoOptions) -> usize {
    let mut source = open_with(path, options).expect("open");
    let mut newlines = 0;
    loop {
        let chunk = source.fill_buf().expect("read");
        if chunk.is_empty() {
            return newlines;
        }
        newlines += memchr::memchr_iter(b'\n', chunk).count();
        let n = chunk.len();
        source.consume(n);
    }
}

fn mmap_crossover(c: &mut Criterion) {
    let max_mib: usize = std::env::var("BIOMETAL_IO_BENCH_MAX_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    let mut group = c.benchmark_group("io_scan");
    let mut size = 64 << 10;
    while size <= max_mib << 20 {
        let path = make_file(size);
        group.throughput(Throughput::Bytes(size as u64));
        for (name, mode) in [("buffered", MapMode::Buffered), ("mmap", MapMode::Mmap)] {
            let options = IoOptions::default().with_map_mode(mode);
            group.bench_with_input(BenchmarkId::new(name, size), &path, |b, path| {
                b.iter(|| scan(path, &options))
            });
        }
        size *= 4;
    }
    group.finish();
}

criterion_group!(benches, mmap_crossover);
criterion_main!(benches);
