//! The `neural-engine` feature's speed, on generated 150 bp reads:
//!
//! * `neural_features/extract_150bp`: per-read feature extraction, reads/s
//!   (target ≥ 20 M/s on one core).
//! * `neural_inference/batch_4096` vs `neural_inference/batch_1`: the bundled
//!   model on 4,096 feature rows in one call vs one call per row (target
//!   ratio ≥ 100×).
//! * `neural_stream/fastq_gz_plain` vs `neural_stream/fastq_gz_predict`:
//!   streaming a gzip FASTQ file with the zero-copy reader vs through
//!   `QualityStream` (features + inference, batches of 4,096, one thread;
//!   target ≥ 0.9×).
//!
//! Needs ONNX Runtime (`ORT_DYLIB_PATH`) for the inference and stream groups;
//! without it they are skipped with a message. `BIOMETAL_BENCH_NEURAL_RECORDS`
//! sets the reads in the stream file (default 50,000).
//!
//! ```text
//! ORT_DYLIB_PATH=.../libonnxruntime.so.1.32.0 cargo bench --features neural-engine --bench neural_engine
//! ```

use std::hint::black_box;
use std::io::Write;
use std::path::PathBuf;

use biometal::formats::fastq::{Reader, RecordBatch};
use biometal::io::{open, open_writer, Compression};
use biometal::neural_engine::{batch_features, QualityModel, QualityStream, N_FEATURES};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

/// FASTQ of 150 bp reads with qualities falling along the read, some N and
/// homopolymers.
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
        let mut previous = b'A';
        for _ in 0..150 {
            let r = next();
            previous = match r % 400 {
                0 => b'N',
                1..=80 => previous,
                _ => b"ACGT"[(r >> 16) as usize % 4],
            };
            out.push(previous);
        }
        out.extend_from_slice(b"\n+\n");
        let base = 25 + next() % 16;
        out.extend((0..150u64).map(|position| {
            b'!' + (base + next() % 6)
                .saturating_sub(position / 15)
                .clamp(2, 41) as u8
        }));
        out.push(b'\n');
    }
    out
}

fn batch_of(fastq: &[u8]) -> RecordBatch {
    let mut batch = RecordBatch::new();
    Reader::new(fastq)
        .read_batch(&mut batch, usize::MAX)
        .expect("valid FASTQ");
    batch
}

fn model() -> Option<QualityModel> {
    match QualityModel::bundled() {
        Ok(model) => Some(model),
        Err(err) => {
            eprintln!("skipping inference benchmarks: {err}");
            None
        }
    }
}

fn features(c: &mut Criterion) {
    let batch = batch_of(&generate(4096));
    let mut out = Vec::new();
    let mut group = c.benchmark_group("neural_features");
    group.throughput(Throughput::Elements(batch.len() as u64));
    group.bench_function("extract_150bp", |b| {
        b.iter(|| {
            batch_features(black_box(&batch), &mut out);
            black_box(out.len())
        })
    });
    group.finish();
}

fn inference(c: &mut Criterion) {
    let Some(mut model) = model() else { return };
    let batch = batch_of(&generate(4096));
    let mut rows = Vec::new();
    batch_features(&batch, &mut rows);
    let mut out = Vec::new();
    let mut group = c.benchmark_group("neural_inference");
    group.throughput(Throughput::Elements(batch.len() as u64));
    group.bench_function("batch_4096", |b| {
        b.iter(|| {
            model
                .predict_features(black_box(&rows), &mut out)
                .expect("inference");
            black_box(out.len())
        })
    });
    group.bench_function("batch_1", |b| {
        b.iter(|| {
            for row in rows.chunks_exact(N_FEATURES) {
                model
                    .predict_features(black_box(row), &mut out)
                    .expect("inference");
            }
            black_box(out.len())
        })
    });
    group.finish();
}

fn stream(c: &mut Criterion) {
    let Some(model) = model() else { return };
    let records = std::env::var("BIOMETAL_BENCH_NEURAL_RECORDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(50_000);
    let path: PathBuf = std::env::temp_dir().join(format!(
        "biometal-bench-neural-{}.fastq.gz",
        std::process::id()
    ));
    let mut sink = open_writer(&path, Compression::Gzip).expect("temporary file");
    sink.write_all(&generate(records)).expect("write");
    sink.finish().expect("finish");

    let mut model = Some(model);
    let mut group = c.benchmark_group("neural_stream");
    group.sample_size(10);
    group.throughput(Throughput::Elements(records as u64));
    group.bench_function("fastq_gz_plain", |b| {
        b.iter(|| {
            let mut reader = Reader::new(open(&path).expect("open"));
            let mut bases = 0;
            while let Some(record) = reader.next_record() {
                bases += record.expect("valid FASTQ").len();
            }
            black_box(bases)
        })
    });
    group.bench_function("fastq_gz_predict", |b| {
        b.iter(|| {
            let reader = Reader::new(open(&path).expect("open"));
            let mut stream = QualityStream::new(reader, model.take().expect("model"));
            let (mut bases, mut sum) = (0, 0f32);
            while let Some(item) = stream.next() {
                let (record, probability) = item.expect("valid FASTQ");
                bases += record.len();
                sum += probability;
            }
            model = Some(stream.into_model());
            black_box((bases, sum))
        })
    });
    group.finish();
    let _ = std::fs::remove_file(&path);
}

criterion_group!(benches, features, inference, stream);
criterion_main!(benches);
