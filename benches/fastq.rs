//! Plain FASTQ parsing, records/s: biometal's zero-copy reader against
//! needletail and seq_io on the same generated file of 150 bp reads.
//!
//! `BIOMETAL_BENCH_FASTQ_RECORDS` sets the number of records (default
//! 20,000, about 7 MB; the figure used a 1.44 GB file).

use std::hint::black_box;

use biometal::formats::fastq::Reader;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

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

fn plain_fastq(c: &mut Criterion) {
    let records = std::env::var("BIOMETAL_BENCH_FASTQ_RECORDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20_000);
    let data = generate(records);
    let mut group = c.benchmark_group("fastq_plain_150bp");
    group.throughput(Throughput::Elements(records as u64));

    group.bench_function("biometal", |b| {
        b.iter(|| {
            let mut reader = Reader::new(black_box(&data[..]));
            let mut bases = 0;
            while let Some(record) = reader.next_record() {
                bases += record.expect("valid FASTQ").sequence().len();
            }
            assert_eq!(bases, records * 150);
        })
    });

    group.bench_function("seq_io", |b| {
        use seq_io::fastq::Record as _;
        b.iter(|| {
            let mut reader = seq_io::fastq::Reader::new(black_box(&data[..]));
            let mut bases = 0;
            while let Some(record) = reader.next() {
                bases += record.expect("valid FASTQ").seq().len();
            }
            assert_eq!(bases, records * 150);
        })
    });

    group.bench_function("needletail", |b| {
        b.iter(|| {
            let mut reader =
                needletail::parse_fastx_reader(black_box(&data[..])).expect("valid FASTQ");
            let mut bases = 0;
            while let Some(record) = reader.next() {
                bases += record.expect("valid FASTQ").seq().len();
            }
            assert_eq!(bases, records * 150);
        })
    });
    group.finish();
}

criterion_group!(benches, plain_fastq);
criterion_main!(benches);
