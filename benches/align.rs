//! Smith-Waterman throughput in cell updates per second (criterion's
//! "elements" are DP cells, so elem/s is CUPS).
//!
//! * `align/cpu_one_core/<level>`: one pair at a time on one core, every
//!   SIMD level of this CPU (150 × 300 and 10 kb × 10 kb): the striped
//!   kernel, and for 150 × 300 also `<level>-grouped`, the inter-sequence
//!   kernel `align_batch` uses (one pair per 8-bit lane) on one core.
//!   These time the thread's CPU time, not the wall clock, so their GCUPS
//!   are per CPU-second and hold on a loaded machine too.
//! * `align/cpu_all_cores`: `align_batch` on every core.
//! * with `--features gpu`: `align/gpu_end_to_end` (upload, compute,
//!   readback) and `align/gpu_kernel` (GPU timestamps around the compute
//!   passes only), skipped with a message when there is no adapter.
//!
//! Inputs are generated (seeded): reads of `BIOMETAL_ALIGN_QLEN` (150)
//! bases against `BIOMETAL_ALIGN_TLEN` (300)-base targets holding a mutated
//! copy of the read; `BIOMETAL_ALIGN_PAIRS` pairs (262,144) for the batch
//! benches. Run: `cargo bench --bench align [--features gpu]`.

use std::hint::black_box;
use std::time::Duration;

use biometal::align::{align_batch, Scoring};
use biometal::simd::{kernels, Level};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

/// `count` pairs of a random read and a target holding a copy of it with
/// ~5% substitutions and an occasional indel, in random flanks.
fn random_pairs(
    count: usize,
    query_len: usize,
    target_len: usize,
    seed: u64,
) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut state = seed | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    (0..count)
        .map(|_| {
            let query: Vec<u8> = (0..query_len)
                .map(|_| b"ACGT"[(next() % 4) as usize])
                .collect();
            let mut target: Vec<u8> = (0..target_len)
                .map(|_| b"ACGT"[(next() % 4) as usize])
                .collect();
            let start = (next() as usize) % (target_len.saturating_sub(query_len) + 1);
            for (offset, &base) in query.iter().enumerate() {
                let Some(slot) = target.get_mut(start + offset) else {
                    break;
                };
                *slot = match next() % 100 {
                    0..=4 => b"ACGT"[(next() % 4) as usize],
                    _ => base,
                };
            }
            if next() % 4 == 0 && !target.is_empty() {
                let at = (next() as usize) % target.len();
                target.remove(at);
            }
            (query, target)
        })
        .collect()
}

/// The CPU time this thread has used.
fn thread_cpu_time() -> Duration {
    let mut time = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `time` is a valid, writable timespec; the clock exists on
    // every Unix this crate supports.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut time) };
    assert_eq!(status, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
    Duration::new(time.tv_sec as u64, time.tv_nsec as u32)
}

/// `iterations` runs of `routine`, timed in thread CPU time.
fn cpu_time(iterations: u64, mut routine: impl FnMut()) -> Duration {
    let start = thread_cpu_time();
    for _ in 0..iterations {
        routine();
    }
    thread_cpu_time() - start
}

fn cells(pairs: &[(Vec<u8>, Vec<u8>)]) -> u64 {
    pairs.iter().map(|(q, t)| (q.len() * t.len()) as u64).sum()
}

fn bench(c: &mut Criterion) {
    let scoring = Scoring::dna(1, -4, -1, 6, 1).expect("valid scoring");
    let query_len = env_usize("BIOMETAL_ALIGN_QLEN", 150);
    let target_len = env_usize("BIOMETAL_ALIGN_TLEN", 300);
    let batch = random_pairs(
        env_usize("BIOMETAL_ALIGN_PAIRS", 262_144),
        query_len,
        target_len,
        7,
    );

    let mut group = c.benchmark_group("align/cpu_one_core");
    group.measurement_time(Duration::from_secs(3));
    for (label, pairs) in [
        ("150x300", random_pairs(512, query_len, target_len, 11)),
        ("10kx10k", random_pairs(1, 10_000, 10_000, 13)),
    ] {
        group.throughput(Throughput::Elements(cells(&pairs)));
        for level in Level::ALL {
            let Some(k) = kernels(level) else { continue };
            if level == Level::Scalar && label == "10kx10k" {
                continue;
            }
            group.bench_function(format!("{label}/{level}"), |b| {
                b.iter_custom(|iterations| {
                    cpu_time(iterations, || {
                        for (query, target) in &pairs {
                            black_box(k.smith_waterman(query, target, &scoring));
                        }
                    })
                })
            });
            if level != Level::Scalar && label == "150x300" {
                group.bench_function(format!("{label}/{level}-grouped"), |b| {
                    b.iter_custom(|iterations| {
                        cpu_time(iterations, || {
                            black_box(k.smith_waterman_batch(&pairs, &scoring));
                        })
                    })
                });
            }
        }
    }
    group.finish();

    let mut group = c.benchmark_group("align/cpu_all_cores");
    group.sample_size(10);
    group.throughput(Throughput::Elements(cells(&batch)));
    group.bench_function(format!("{query_len}x{target_len}"), |b| {
        b.iter(|| black_box(align_batch(&batch, &scoring)))
    });
    group.finish();

    #[cfg(feature = "gpu")]
    gpu(c, &batch, &scoring, query_len, target_len);
}

#[cfg(feature = "gpu")]
fn gpu(
    c: &mut Criterion,
    batch: &[(Vec<u8>, Vec<u8>)],
    scoring: &Scoring,
    query_len: usize,
    target_len: usize,
) {
    let aligner = match biometal::gpu::GpuAligner::new() {
        Ok(aligner) => aligner,
        Err(err) => {
            eprintln!("align/gpu: skipped, {err}");
            return;
        }
    };
    eprintln!("align/gpu: {}", aligner.adapter_info());
    let long = random_pairs(132, 10_000, 10_000, 17);
    for (label, pairs) in [
        (format!("{query_len}x{target_len}"), batch),
        ("10kx10k".to_string(), &long[..]),
    ] {
        let mut group = c.benchmark_group("align/gpu_end_to_end");
        group.sample_size(10);
        group.throughput(Throughput::Elements(cells(pairs)));
        group.bench_function(&label, |b| {
            b.iter(|| black_box(aligner.align_batch(pairs, scoring).expect("GPU batch")))
        });
        group.finish();
        let mut group = c.benchmark_group("align/gpu_kernel");
        group.sample_size(10);
        group.throughput(Throughput::Elements(cells(pairs)));
        group.bench_function(&label, |b| {
            b.iter_custom(|iterations| {
                let mut total = Duration::ZERO;
                for _ in 0..iterations {
                    let (_, timing) = aligner
                        .align_batch_timed(pairs, scoring)
                        .expect("GPU batch");
                    total += timing.kernel.unwrap_or(timing.end_to_end);
                }
                total
            })
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
