//! BGZF decoding speed on a generated BAM-like file, all in one run:
//! raw libdeflate inflate of the same blocks (no framing, no CRC), our
//! reader with 1, 2, 4 and 8 threads, and `bgzip -dc -@0` as a process.
//!
//! `BIOMETAL_BENCH_MB` sets the uncompressed size (default 32). After the
//! criterion measurements a summary prints MB/s, the ratios the project
//! targets, and CPU utilisation (process CPU time / wall time, Linux only).
//!
//! ```text
//! BIOMETAL_BENCH_MB=300 cargo bench --bench bgzf_decode
//! ```

use std::hint::black_box;
use std::io::{BufRead, Cursor};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use biometal::bgzf::{block, ReaderBuilder, DEFAULT_BLOCK_DATA_SIZE, EOF_MARKER, MAX_BLOCK_SIZE};
use criterion::{Criterion, Throughput};
use libdeflater::{CompressionLvl, Compressor, Decompressor};

struct Xorshift(u64);

impl Xorshift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Deterministic BAM-like records: sorted reads sampled from a random
/// reference with a few mismatches, binned qualities with runs, a CIGAR, and
/// aux tags. Compresses about 3-4x, like real BAM.
fn bam_like(size: usize) -> Vec<u8> {
    let mut rng = Xorshift(0x9e37_79b9_7f4a_7c15);
    let reference: Vec<u8> = (0..1 << 20).map(|_| 1u8 << (rng.next() % 4)).collect();
    let mut out = Vec::with_capacity(size + 1024);
    let mut position = 0usize;
    let mut n = 0u64;
    while out.len() < size {
        let read_len = 100 + (rng.next() % 51) as usize;
        position = (position + (rng.next() % 40) as usize) % (reference.len() - 200);
        let name = format!(
            "SIM:1:FCX:{}:{}:{}",
            1 + n % 4,
            rng.next() % 20_000,
            rng.next() % 30_000
        );
        let record_start = out.len();
        out.extend_from_slice(&[0; 4]); // block_size, filled below
        out.extend_from_slice(&0i32.to_le_bytes());
        out.extend_from_slice(&(position as i32).to_le_bytes());
        out.push(name.len() as u8 + 1);
        out.push(60 - rng.next().is_multiple_of(4) as u8 * 60);
        out.extend_from_slice(&4681u16.to_le_bytes());
        out.extend_from_slice(&1u16.to_le_bytes());
        out.extend_from_slice(&[99u16, 83, 147, 163][(n % 4) as usize].to_le_bytes());
        out.extend_from_slice(&(read_len as u32).to_le_bytes());
        out.extend_from_slice(&0i32.to_le_bytes());
        out.extend_from_slice(&((position + 250) as i32).to_le_bytes());
        out.extend_from_slice(&350i32.to_le_bytes());
        out.extend_from_slice(name.as_bytes());
        out.push(0);
        out.extend_from_slice(&((read_len as u32) << 4).to_le_bytes());
        let base = |i: usize, rng: &mut Xorshift| {
            if rng.next().is_multiple_of(100) {
                1u8 << (rng.next() % 4)
            } else {
                reference[position + i]
            }
        };
        for i in (0..read_len).step_by(2) {
            let high = base(i, &mut rng);
            let low = if i + 1 < read_len {
                base(i + 1, &mut rng)
            } else {
                0
            };
            out.push(high << 4 | low);
        }
        let mut quality = 37u8;
        for _ in 0..read_len {
            if rng.next().is_multiple_of(6) {
                quality = [2, 12, 23, 37, 37, 37, 37, 41][(rng.next() % 8) as usize];
            }
            out.push(quality);
        }
        out.extend_from_slice(b"NMC");
        out.push((rng.next() % 3) as u8);
        out.extend_from_slice(b"RGZgroup1\0");
        let block_size = (out.len() - record_start - 4) as u32;
        out[record_start..record_start + 4].copy_from_slice(&block_size.to_le_bytes());
        n += 1;
    }
    out
}

/// BGZF-compresses `data` at level 6 (bgzip's default), returning the file
/// and each block's (payload range, uncompressed size).
fn bgzf_compress(data: &[u8]) -> (Vec<u8>, Vec<(std::ops::Range<usize>, usize)>) {
    let mut compressor = Compressor::new(CompressionLvl::new(6).expect("level 6"));
    let mut file = Vec::new();
    let mut blocks = Vec::new();
    let mut payload = vec![0; MAX_BLOCK_SIZE];
    for chunk in data.chunks(DEFAULT_BLOCK_DATA_SIZE) {
        let len = compressor
            .deflate_compress(chunk, &mut payload)
            .expect("fits in a block");
        let start = file.len();
        let bsize = (18 + len + 8 - 1) as u16;
        file.extend_from_slice(&[
            0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 0xff, 6, 0, b'B', b'C', 2, 0,
        ]);
        file.extend_from_slice(&bsize.to_le_bytes());
        file.extend_from_slice(&payload[..len]);
        file.extend_from_slice(&crc32fast::hash(chunk).to_le_bytes());
        file.extend_from_slice(&(chunk.len() as u32).to_le_bytes());
        blocks.push((start + 18..start + 18 + len, chunk.len()));
    }
    file.extend_from_slice(&EOF_MARKER);
    (file, blocks)
}

fn raw_inflate(
    file: &[u8],
    blocks: &[(std::ops::Range<usize>, usize)],
    decompressor: &mut Decompressor,
    out: &mut [u8],
) -> usize {
    let mut total = 0;
    for (range, size) in blocks {
        total += decompressor
            .deflate_decompress(&file[range.clone()], &mut out[..*size])
            .expect("valid block");
    }
    total
}

fn reader_decode(file: &[u8], threads: usize) -> usize {
    let mut reader = ReaderBuilder::new()
        .threads(threads)
        .build(Cursor::new(file));
    let mut total = 0;
    loop {
        let available = reader.fill_buf().expect("valid file");
        if available.is_empty() {
            return total;
        }
        total += black_box(available).len();
        let n = available.len();
        reader.consume(n);
    }
}

fn bgzip_decode(path: &PathBuf) -> usize {
    let status = Command::new("bgzip")
        .args(["-dc", "-@0"])
        .arg(path)
        .stdout(Stdio::null())
        .status()
        .expect("bgzip is installed");
    assert!(status.success());
    0
}

fn bgzip_installed() -> bool {
    Command::new("bgzip")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Process CPU seconds (own and waited-for children), from /proc/self/stat.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields
        .get(11..15)?
        .iter()
        .map(|f| f.parse::<f64>().unwrap_or(0.0))
        .sum();
    Some(ticks / 100.0)
}

fn main() {
    let megabytes: usize = std::env::var("BIOMETAL_BENCH_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(32);
    let data = bam_like(megabytes << 20);
    let (file, blocks) = bgzf_compress(&data);
    let path = std::env::temp_dir().join(format!("biometal-bench-{}.bam", std::process::id()));
    std::fs::write(&path, &file).expect("write the bench file");
    println!(
        "BAM-like file: {:.1} MB uncompressed, {:.1} MB compressed ({:.2}x), {} blocks",
        data.len() as f64 / 1e6,
        file.len() as f64 / 1e6,
        data.len() as f64 / file.len() as f64,
        blocks.len()
    );
    let mut decompressor = Decompressor::new();
    let mut out = vec![0; MAX_BLOCK_SIZE];
    // Sanity: every variant sees the same bytes.
    assert_eq!(
        raw_inflate(&file, &blocks, &mut decompressor, &mut out),
        data.len()
    );
    assert_eq!(reader_decode(&file, 1), data.len());
    let check = block::decode_block(&mut decompressor, &file[..blocks[0].0.end + 8], &mut out, 0)
        .expect("first block");
    assert_eq!(&out[..check], &data[..check]);

    type Variant<'a> = (&'a str, Box<dyn FnMut() -> usize + 'a>);
    let mut variants: Vec<Variant> = vec![
        (
            "raw libdeflate",
            Box::new(|| raw_inflate(&file, &blocks, &mut decompressor, &mut out)),
        ),
        ("reader 1 thread", Box::new(|| reader_decode(&file, 1))),
        ("reader 2 threads", Box::new(|| reader_decode(&file, 2))),
        ("reader 4 threads", Box::new(|| reader_decode(&file, 4))),
        ("reader 8 threads", Box::new(|| reader_decode(&file, 8))),
    ];
    if bgzip_installed() {
        variants.push(("bgzip -dc -@0", Box::new(|| bgzip_decode(&path))));
    } else {
        println!("bgzip is not installed: its comparison is left out");
    }

    let mut criterion = Criterion::default().configure_from_args().sample_size(10);
    {
        let mut group = criterion.benchmark_group("bgzf_decode");
        group.throughput(Throughput::Bytes(data.len() as u64));
        for (name, run) in &mut variants {
            group.bench_function(*name, |b| b.iter(&mut *run));
        }
        group.finish();
    }
    criterion.final_summary();

    // Summary: best of 3 wall times, CPU utilisation of that run.
    println!(
        "\nsummary ({} MB uncompressed; MB = 10^6 bytes of output per second)",
        data.len() / 1_000_000
    );
    let mut speeds = Vec::new();
    for (name, run) in &mut variants {
        let mut best = (Duration::MAX, None);
        for _ in 0..3 {
            let cpu_before = cpu_seconds();
            let start = Instant::now();
            black_box(run());
            let wall = start.elapsed();
            let cpu = cpu_before.zip(cpu_seconds()).map(|(a, b)| b - a);
            if wall < best.0 {
                best = (wall, cpu);
            }
        }
        let mb_per_s = data.len() as f64 / 1e6 / best.0.as_secs_f64();
        let cpu = best.1.map_or("n/a".to_owned(), |cpu| {
            format!("{:.0}%", 100.0 * cpu / best.0.as_secs_f64())
        });
        println!("  {name:<18} {mb_per_s:>8.0} MB/s   CPU {cpu}");
        speeds.push(mb_per_s);
    }
    let ratio = |a: usize, b: usize| speeds[a] / speeds[b];
    println!(
        "  reader 1 thread / raw libdeflate: {:.3} (target >= 0.9)",
        ratio(1, 0)
    );
    println!(
        "  reader 1 thread / bgzip -dc -@0:  {:.3} (target >= 1.1)",
        ratio(1, 5)
    );
    for (at, threads) in [(2, 2), (3, 4), (4, 8)] {
        println!(
            "  reader {threads} threads / 1 thread:    {:.2}",
            ratio(at, 1)
        );
    }
    let _ = std::fs::remove_file(&path);
}
