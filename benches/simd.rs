//! Throughput of each `simd` kernel at each level this CPU runs, on a
//! 150-base read and on 1 MiB, in bytes of input per second.
//!
//! `cargo bench --bench simd` (add `-- decode` to pick kernels). The
//! project's target: AVX2 BAM sequence decode ≥ 4× the scalar kernel (a
//! 256-entry table of letter pairs, one load and one 2-byte store per
//! packed byte).

use std::hint::black_box;

use biometal::simd::{kernels, Kernels, Level, PHRED33_OFFSET};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

const SIZES: [(&str, usize); 2] = [("150", 150), ("1MiB", 1 << 20)];

/// Deterministic pseudo-random bytes (xorshift64), mapped through `alphabet`.
fn random_from(alphabet: &[u8], len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            alphabet[(state % alphabet.len() as u64) as usize]
        })
        .collect()
}

fn dna(len: usize) -> Vec<u8> {
    // Mostly ACGT, a few N, like real reads.
    random_from(
        b"ACGTACGTACGTACGTACGTACGTACGTACGTN",
        len,
        0x9E37_79B9_7F4A_7C15,
    )
}

fn phred33(len: usize) -> Vec<u8> {
    let alphabet: Vec<u8> = (PHRED33_OFFSET + 2..=PHRED33_OFFSET + 41).collect();
    random_from(&alphabet, len, 0xD1B5_4A32_D192_ED03)
}

fn levels() -> Vec<&'static Kernels> {
    Level::ALL.into_iter().filter_map(kernels).collect()
}

/// Runs `body(kernels, input_len)` for every level and size, counting
/// `input_len` bytes per iteration.
fn bench_kernel(
    c: &mut Criterion,
    name: &str,
    mut body: impl FnMut(&mut criterion::Bencher, &'static Kernels, usize),
) {
    let mut group = c.benchmark_group(name);
    for (size_name, len) in SIZES {
        group.throughput(Throughput::Bytes(len as u64));
        for k in levels() {
            group.bench_function(BenchmarkId::new(k.level().name(), size_name), |b| {
                body(b, k, len)
            });
        }
    }
    group.finish();
}

fn decode(c: &mut Criterion) {
    // Throughput counts packed input bytes (two bases each).
    bench_kernel(c, "decode_bam_sequence", |b, k, len| {
        let mut packed = vec![0; len];
        biometal::simd::encode_bam_sequence(&dna(2 * len), &mut packed);
        let mut out = vec![0; 2 * len];
        b.iter(|| k.decode_bam_sequence(black_box(&packed), &mut out));
    });
}

fn encode(c: &mut Criterion) {
    bench_kernel(c, "encode_bam_sequence", |b, k, len| {
        let ascii = dna(len);
        let mut out = vec![0; len.div_ceil(2)];
        b.iter(|| k.encode_bam_sequence(black_box(&ascii), &mut out));
    });
}

fn count(c: &mut Criterion) {
    bench_kernel(c, "count_bases", |b, k, len| {
        let seq = dna(len);
        b.iter(|| k.count_bases(black_box(&seq)));
    });
}

fn quality(c: &mut Criterion) {
    bench_kernel(c, "quality_stats", |b, k, len| {
        let qual = phred33(len);
        b.iter(|| k.quality_stats(black_box(&qual)));
    });
}

fn reverse_complement(c: &mut Criterion) {
    bench_kernel(c, "reverse_complement", |b, k, len| {
        let seq = dna(len);
        let mut out = vec![0; len];
        b.iter(|| k.reverse_complement(black_box(&seq), &mut out));
    });
    bench_kernel(c, "reverse_complement_in_place", |b, k, len| {
        let mut seq = dna(len);
        b.iter(|| k.reverse_complement_in_place(black_box(&mut seq)));
    });
}

fn quality_offsets(c: &mut Criterion) {
    bench_kernel(c, "ascii_to_phred", |b, k, len| {
        let ascii = phred33(len);
        let mut out = vec![0; len];
        b.iter(|| k.ascii_to_phred(black_box(&ascii), &mut out, PHRED33_OFFSET));
    });
    bench_kernel(c, "phred_to_ascii", |b, k, len| {
        let phred: Vec<u8> = phred33(len).iter().map(|q| q - PHRED33_OFFSET).collect();
        let mut out = vec![0; len];
        b.iter(|| k.phred_to_ascii(black_box(&phred), &mut out, PHRED33_OFFSET));
    });
}

criterion_group!(
    benches,
    decode,
    encode,
    count,
    quality,
    reverse_complement,
    quality_offsets
);
criterion_main!(benches);
