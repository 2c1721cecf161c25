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
//!
//! With `BIOMETAL_BENCH_ROUNDS=N` the binary instead runs N interleaved
//! rounds (`common/rounds.rs`, order reversed every other round) of the two
//! stream jobs and of the extraction (1,000 passes over 4,096 reads a round),
//! printing each round's seconds, the medians and the per-round ratio of
//! the plain stream's time to the predicting one's (the stream target):
//! the figures to compare on a machine whose speed drifts.
//!
//! Instruction counts: with `BIOMETAL_BENCH_NEURAL_IR=features` (or `plain`,
//! `predict`) the binary runs one measured pass of that job and exits; run it
//! under `valgrind --tool=callgrind --collect-atstart=no
//! --toggle-collect='*measured_pass*'` for the Ir of the job alone
//! (`features`: 10 passes of `batch_features` over 4,096 reads; `plain`,
//! `predict`: one pass over the stream file, the model loaded beforehand).

use std::cell::RefCell;
use std::hint::black_box;
use std::io::Write;
use std::path::{Path, PathBuf};

use biometal::formats::fastq::{Reader, RecordBatch};
use biometal::io::{open, open_writer, Compression};
use biometal::neural_engine::{batch_features, QualityModel, QualityStream, N_FEATURES};
use criterion::{criterion_group, Criterion, Throughput};

#[path = "common/rounds.rs"]
mod rounds;

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

/// The reads in the stream file.
fn stream_records() -> usize {
    std::env::var("BIOMETAL_BENCH_NEURAL_RECORDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(50_000)
}

/// Writes the gzip stream file of `records` generated reads.
fn stream_file(records: usize) -> PathBuf {
    let path: PathBuf = std::env::temp_dir().join(format!(
        "biometal-bench-neural-{}.fastq.gz",
        std::process::id()
    ));
    let mut sink = open_writer(&path, Compression::Gzip).expect("temporary file");
    sink.write_all(&generate(records)).expect("write");
    sink.finish().expect("finish");
    path
}

/// Streams the file without prediction: the bases read.
fn stream_plain(path: &Path) -> usize {
    let mut reader = Reader::new(open(path).expect("open"));
    let mut bases = 0;
    while let Some(record) = reader.next_record() {
        bases += record.expect("valid FASTQ").len();
    }
    bases
}

/// Streams the file with prediction: the bases read and the probabilities'
/// sum; the model is handed back through `model`.
fn stream_predict(path: &Path, model: &mut Option<QualityModel>) -> (usize, f32) {
    let reader = Reader::new(open(path).expect("open"));
    let mut stream = QualityStream::new(reader, model.take().expect("model"));
    let (mut bases, mut sum) = (0, 0f32);
    while let Some(item) = stream.next() {
        let (record, probability) = item.expect("valid FASTQ");
        bases += record.len();
        sum += probability;
    }
    *model = Some(stream.into_model());
    (bases, sum)
}

fn stream(c: &mut Criterion) {
    let Some(model) = model() else { return };
    let records = stream_records();
    let path = stream_file(records);
    let mut model = Some(model);
    let mut group = c.benchmark_group("neural_stream");
    group.sample_size(10);
    group.throughput(Throughput::Elements(records as u64));
    group.bench_function("fastq_gz_plain", |b| {
        b.iter(|| black_box(stream_plain(&path)))
    });
    group.bench_function("fastq_gz_predict", |b| {
        b.iter(|| black_box(stream_predict(&path, &mut model)))
    });
    group.finish();
    let _ = std::fs::remove_file(&path);
}

/// One pass of `job`; the function callgrind toggles on.
#[inline(never)]
fn measured_pass(job: &str, batch: &RecordBatch, path: &Path, model: &mut Option<QualityModel>) {
    match job {
        "features" => {
            let mut out = Vec::with_capacity(batch.len() * N_FEATURES + 2);
            for _ in 0..10 {
                batch_features(black_box(batch), &mut out);
            }
            black_box(out.len());
        }
        "plain" => {
            black_box(stream_plain(path));
        }
        "predict" => {
            black_box(stream_predict(path, model));
        }
        other => panic!("BIOMETAL_BENCH_NEURAL_IR: unknown job {other:?}"),
    }
}

/// `rounds` interleaved rounds of the stream jobs and the extraction.
fn run_rounds(rounds: usize) {
    let Some(model) = model() else { return };
    let records = stream_records();
    let path = stream_file(records);
    let model = RefCell::new(Some(model));
    let batch = batch_of(&generate(4096));
    let out = RefCell::new(Vec::new());
    const EXTRACTION_PASSES: usize = 1000;
    let plain = || stream_plain(&path);
    let predict = || stream_predict(&path, &mut model.borrow_mut()).0;
    let extract = || {
        let mut out = out.borrow_mut();
        for _ in 0..EXTRACTION_PASSES {
            batch_features(black_box(&batch), &mut out);
        }
        out.len()
    };
    let jobs: Vec<rounds::Job> = vec![
        ("stream/predict".into(), &predict),
        ("stream/plain".into(), &plain),
        ("features/extract_150bp".into(), &extract),
    ];
    let times = rounds::run(rounds, &jobs);
    rounds::summarize(&jobs, &times, &[(0, 1)]);
    let reads = (EXTRACTION_PASSES * batch.len()) as f64;
    let mut rates: Vec<f64> = times[2].iter().map(|s| reads / s / 1e6).collect();
    rates.sort_by(f64::total_cmp);
    println!(
        "features/extract_150bp\tM reads/s by round (sorted)\t{}",
        rates
            .iter()
            .map(|r| format!("{r:.1}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let _ = std::fs::remove_file(&path);
}

criterion_group!(benches, features, inference, stream);

fn main() {
    if let Ok(job) = std::env::var("BIOMETAL_BENCH_NEURAL_IR") {
        let batch = batch_of(&generate(4096));
        let path = stream_file(stream_records());
        let mut model = if job == "predict" { model() } else { None };
        measured_pass(&job, &batch, &path, &mut model);
        let _ = std::fs::remove_file(&path);
        return;
    }
    if let Some(rounds) = std::env::var("BIOMETAL_BENCH_ROUNDS")
        .ok()
        .and_then(|n| n.parse().ok())
    {
        run_rounds(rounds);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
