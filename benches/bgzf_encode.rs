//! BGZF compression: our writer at level 6 (1, 2 and 4 threads) against
//! htslib's `bgzip -c -l 6` (1 and 4 threads) on the same 32 MiB of SAM-like
//! text. `bgzip` runs as a subprocess fed through a file, so its figure
//! includes process start-up (about a millisecond, under 1% here).
//!
//! `cargo bench --bench bgzf_encode`

use std::hint::black_box;
use std::io::Write;
use std::process::{Command, Stdio};

use biometal::bgzf::WriterBuilder;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

/// SAM-like lines: names, coordinates, sequences and qualities that compress
/// about 3–4× at level 6, like real alignment text.
fn sam_like_text(len: usize) -> Vec<u8> {
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut text = Vec::with_capacity(len + 1024);
    let mut position = 10_000u64;
    while text.len() < len {
        position += next() % 50;
        let sequence: String = (0..100)
            .map(|_| b"ACGT"[(next() % 4) as usize] as char)
            .collect();
        let qualities: String = (0..100)
            .map(|_| (b'!' + 20 + (next() % 21) as u8) as char)
            .collect();
        writeln!(
            text,
            "read{}\t{}\tchr1\t{position}\t60\t100M\t*\t0\t0\t{sequence}\t{qualities}\tNM:i:{}",
            next() % 1_000_000,
            [0, 16, 99, 147][(next() % 4) as usize],
            next() % 4
        )
        .unwrap();
    }
    text.truncate(len);
    text
}

fn encode(c: &mut Criterion) {
    let data = sam_like_text(32 << 20);
    let mut group = c.benchmark_group("bgzf_encode_level6");
    group.throughput(Throughput::Bytes(data.len() as u64));
    group.sample_size(10);
    for threads in [1, 2, 4] {
        group.bench_function(format!("biometal_{threads}_threads"), |b| {
            b.iter(|| {
                let mut writer = WriterBuilder::new()
                    .level(6)
                    .threads(threads)
                    .build(Vec::with_capacity(data.len()))
                    .unwrap();
                writer.write_all(&data).unwrap();
                black_box(writer.finish().unwrap().len())
            })
        });
    }
    let input =
        std::env::temp_dir().join(format!("biometal-bench-encode-{}.sam", std::process::id()));
    std::fs::write(&input, &data).unwrap();
    for threads in ["1", "4"] {
        group.bench_function(format!("bgzip_{threads}_threads"), |b| {
            b.iter(|| {
                let output = Command::new("bgzip")
                    .args(["-c", "-l", "6", "-@", threads])
                    .arg(&input)
                    .stderr(Stdio::inherit())
                    .output()
                    .expect("bgzip is required for this benchmark");
                assert!(output.status.success());
                black_box(output.stdout.len())
            })
        });
    }
    group.finish();
    let _ = std::fs::remove_file(&input);
}

criterion_group!(benches, encode);
criterion_main!(benches);
