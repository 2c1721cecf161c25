//! BED parsing, records/s, every column decoded (blocks and extra columns
//! included): BED6, ENCODE narrowPeak (BED6+4) and BED12, generated in
//! memory by `benches/common/annotations.rs` (the same generator and loop
//! as the noodles-bed comparison in `benches/peers/benches/annotations.rs`).
//!
//! `BIOMETAL_BENCH_BED_RECORDS` sets the number of lines (default 200,000).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

#[path = "common/annotations.rs"]
mod annotations;

fn records() -> usize {
    std::env::var("BIOMETAL_BENCH_BED_RECORDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(200_000)
}

fn bed(c: &mut Criterion) {
    let records = records();
    let inputs = [
        ("bed6", annotations::bed6(records, false)),
        ("narrowpeak", annotations::bed6(records, true)),
        ("bed12", annotations::bed12(records)),
    ];
    let mut group = c.benchmark_group("bed_decode_all");
    group.throughput(Throughput::Elements(records as u64));
    group.sample_size(10);
    for (name, data) in &inputs {
        group.bench_function(*name, |b| {
            b.iter(|| assert_eq!(annotations::biometal_bed(black_box(data)).0, records))
        });
    }
    group.finish();
}

criterion_group!(benches, bed);
criterion_main!(benches);
