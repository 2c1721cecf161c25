//! BED and GFF3 parsing with every field decoded: biometal against
//! noodles-bed and noodles-gff on the same generated files, in one run.
//! The generators and biometal's loops are `benches/common/annotations.rs`,
//! shared with biometal's own `benches/bed.rs` and `benches/gff.rs`.
//!
//! noodles-bed reads BED3 to BED6 plus other (undecoded) columns, so the
//! comparison is on BED6 and narrowPeak (BED6+4, the four extra columns
//! iterated as strings by both). `BIOMETAL_BENCH_BED_RECORDS` (default
//! 200,000) and `BIOMETAL_BENCH_GFF_GENES` (default 20,000) set the sizes.
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

#[path = "../../common/annotations.rs"]
mod annotations;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|n| n.parse().ok()).unwrap_or(default)
}

fn noodles_bed6(data: &[u8]) -> (usize, u64) {
    let mut reader = noodles_bed::io::Reader::<6, _>::new(data);
    let mut record = noodles_bed::Record::<6>::default();
    let (mut records, mut sum) = (0, 0u64);
    while reader.read_record(&mut record).expect("valid BED") != 0 {
        records += 1;
        sum += record.reference_sequence_name().len() as u64;
        sum += record.feature_start().expect("start").get() as u64;
        sum += record.feature_end().expect("end").expect("end").get() as u64;
        sum += record.name().map_or(0, |name| name.len() as u64);
        sum += u64::from(record.score().expect("score"));
        sum += u64::from(record.strand().expect("strand") == Some(noodles_bed::feature::record::Strand::Forward));
        sum += record.other_fields().iter().map(|field| field.len() as u64).sum::<u64>();
    }
    (records, sum)
}

fn noodles_gff(data: &[u8]) -> (usize, u64) {
    use noodles_gff::feature::record::{Phase, Strand};
    use noodles_gff::record::attributes::field::Value;
    let mut reader = noodles_gff::io::Reader::new(data);
    let mut line = noodles_gff::Line::default();
    let (mut records, mut sum) = (0, 0u64);
    while reader.read_line(&mut line).expect("valid GFF") != 0 {
        let Some(record) = line.as_record() else { continue };
        let r = record.expect("valid GFF");
        records += 1;
        sum += r.reference_sequence_name().len() as u64;
        sum += r.source().len() as u64 + r.ty().len() as u64;
        sum += r.start().expect("start").get() as u64 + r.end().expect("end").get() as u64;
        sum += r.score().transpose().expect("score").map_or(0, |s| s as u64);
        sum += u64::from(r.strand().expect("strand") == Strand::Forward);
        sum += match r.phase().transpose().expect("phase") {
            Some(Phase::Zero) | None => 0,
            Some(Phase::One) => 1,
            Some(Phase::Two) => 2,
        };
        for field in r.attributes().iter() {
            let (tag, value) = field.expect("attribute");
            sum += tag.len() as u64;
            sum += match value {
                Value::String(s) => s.len() as u64,
                Value::Array(array) => array.iter().map(|v| v.len() as u64).sum::<u64>(),
            };
        }
    }
    (records, sum)
}

fn bed(c: &mut Criterion) {
    let records = env_or("BIOMETAL_BENCH_BED_RECORDS", 200_000);
    for (name, data) in [("bed6", annotations::bed6(records, false)), ("narrowpeak", annotations::bed6(records, true))] {
        let mut group = c.benchmark_group(format!("{name}_decode_all"));
        group.throughput(Throughput::Elements(records as u64));
        group.sample_size(10);
        group.bench_function("biometal", |b| b.iter(|| assert_eq!(annotations::biometal_bed(black_box(&data)).0, records)));
        group.bench_function("noodles-bed", |b| b.iter(|| assert_eq!(noodles_bed6(black_box(&data)).0, records)));
        group.finish();
    }
}

fn gff(c: &mut Criterion) {
    let data = annotations::gff3(env_or("BIOMETAL_BENCH_GFF_GENES", 20_000));
    let features = annotations::biometal_gff(&data).0;
    assert_eq!(noodles_gff(&data).0, features);
    let mut group = c.benchmark_group("gff3_decode_all");
    group.throughput(Throughput::Elements(features as u64));
    group.sample_size(10);
    group.bench_function("biometal", |b| b.iter(|| assert_eq!(annotations::biometal_gff(black_box(&data)).0, features)));
    group.bench_function("noodles-gff", |b| b.iter(|| assert_eq!(noodles_gff(black_box(&data)).0, features)));
    group.finish();
}

criterion_group!(benches, bed, gff);
criterion_main!(benches);
