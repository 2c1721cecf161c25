//! GFF3 and GTF parsing, features/s, every column and attribute value
//! decoded (percent-escapes included), on files generated in memory by
//! `benches/common/annotations.rs` (the same generator and loop as the
//! noodles-gff comparison in `benches/peers/benches/annotations.rs`).
//!
//! `BIOMETAL_BENCH_GFF_GENES` sets the number of genes (default 20,000,
//! about 250,000 lines).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

#[path = "common/annotations.rs"]
mod annotations;

fn genes() -> usize {
    std::env::var("BIOMETAL_BENCH_GFF_GENES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20_000)
}

fn gff(c: &mut Criterion) {
    let genes = genes();
    for (name, data) in [
        ("gff3", annotations::gff3(genes)),
        ("gtf", annotations::gtf(genes)),
    ] {
        let features = annotations::biometal_gff(&data).0;
        let mut group = c.benchmark_group(format!("{name}_decode_all"));
        group.throughput(Throughput::Elements(features as u64));
        group.sample_size(10);
        group.bench_function("biometal", |b| {
            b.iter(|| assert_eq!(annotations::biometal_gff(black_box(&data)).0, features))
        });
        group.finish();
    }
}

criterion_group!(benches, gff);
criterion_main!(benches);
