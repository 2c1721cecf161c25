//! The `neural-engine` feature against Python: features identical to
//! `training/features.py`, probabilities within 1e-6 of Python's
//! onnxruntime, on the committed golden batch; batch-size invariance of the
//! stream; clear errors for bad models.
//!
//! Tests needing ONNX Runtime skip (saying so) when the library cannot be
//! found, unless `BIOMETAL_REQUIRE_ORT` is set (as in CI), where they fail.
#![cfg(feature = "neural-engine")]

use std::path::PathBuf;

use biometal::formats::fastq::{Reader, RecordBatch};
use biometal::neural_engine::{
    batch_features, read_features, QualityModel, QualityStream, FEATURE_NAMES, N_FEATURES,
};
use biometal::ErrorKind;

fn golden(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("training/golden")
        .join(name)
}

fn bundled_model() -> Option<QualityModel> {
    match QualityModel::bundled() {
        Ok(model) => Some(model),
        Err(err)
            if err.kind() == ErrorKind::Unavailable
                && std::env::var_os("BIOMETAL_REQUIRE_ORT").is_none() =>
        {
            eprintln!("SKIPPED (set BIOMETAL_REQUIRE_ORT to fail instead): {err}");
            None
        }
        Err(err) => panic!("cannot load the bundled model: {err}"),
    }
}

/// Rows of a TSV with a header: (name, values).
fn read_tsv(name: &str) -> (Vec<String>, Vec<(String, Vec<f32>)>) {
    let text = std::fs::read_to_string(golden(name)).unwrap();
    let mut lines = text.lines();
    let header = lines
        .next()
        .unwrap()
        .split('\t')
        .skip(1)
        .map(str::to_owned)
        .collect();
    let rows = lines
        .map(|line| {
            let mut fields = line.split('\t');
            let name = fields.next().unwrap().to_owned();
            (name, fields.map(|v| v.parse::<f32>().unwrap()).collect())
        })
        .collect();
    (header, rows)
}

fn golden_batch() -> RecordBatch {
    let mut reader = Reader::from_path(golden("reads.fastq")).unwrap();
    let mut batch = RecordBatch::new();
    reader.read_batch(&mut batch, usize::MAX).unwrap();
    batch
}

#[test]
fn features_are_identical_to_python() {
    let (header, rows) = read_tsv("features.tsv");
    assert_eq!(header, FEATURE_NAMES);
    let batch = golden_batch();
    assert_eq!(batch.len(), rows.len());
    assert!(rows.len() >= 40);
    // One read at a time, and the whole batch (counters finished four
    // reads per vector).
    let mut batched = Vec::new();
    batch_features(&batch, &mut batched);
    assert_eq!(batched.len(), rows.len() * N_FEATURES);
    for ((record, (name, expected)), from_batch) in batch
        .iter()
        .zip(&rows)
        .zip(batched.chunks_exact(N_FEATURES))
    {
        assert_eq!(record.name(), name.as_bytes());
        let features = read_features(record.sequence(), record.quality());
        for (i, (&rust, &python)) in features.iter().zip(expected).enumerate() {
            assert_eq!(
                rust.to_bits(),
                python.to_bits(),
                "read {name}, feature {}: Rust {rust:e}, Python {python:e}",
                FEATURE_NAMES[i]
            );
            assert_eq!(
                from_batch[i].to_bits(),
                python.to_bits(),
                "read {name}, feature {} (batch): Rust {:e}, Python {python:e}",
                FEATURE_NAMES[i],
                from_batch[i]
            );
        }
    }
}

#[test]
fn predictions_match_python_onnxruntime() {
    let Some(mut model) = bundled_model() else {
        return;
    };
    let (_, rows) = read_tsv("predictions.tsv");
    let probabilities = model.predict_batch(&golden_batch()).unwrap();
    assert_eq!(probabilities.len(), rows.len());
    let mut spread = (f32::MAX, f32::MIN);
    for (p, (name, expected)) in probabilities.iter().zip(&rows) {
        assert!(
            (p - expected[0]).abs() <= 1e-6,
            "read {name}: Rust {p}, Python {}",
            expected[0]
        );
        spread = (spread.0.min(*p), spread.1.max(*p));
    }
    // The golden reads cover confident calls both ways.
    assert!(spread.0 < 0.05 && spread.1 > 0.95, "{spread:?}");
}

/// Seeded reads of 30..=150 bases, qualities 2..=41, some N and runs.
fn simulated_fastq(reads: usize) -> Vec<u8> {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut out = Vec::new();
    for i in 0..reads {
        let len = 30 + (next() % 121) as usize;
        let base_q = 10 + next() % 30;
        out.extend_from_slice(format!("@r{i}\n").as_bytes());
        let mut previous = b'A';
        for _ in 0..len {
            let r = next();
            previous = if r % 5 == 0 {
                previous
            } else {
                b"ACGTN"[(r >> 8) as usize % if r % 97 == 0 { 5 } else { 4 }]
            };
            out.push(previous);
        }
        out.extend_from_slice(b"\n+\n");
        for position in 0..len {
            let q = (base_q + next() % 12)
                .saturating_sub((position / 30) as u64)
                .clamp(2, 41);
            out.push(33 + q as u8);
        }
        out.push(b'\n');
    }
    out
}

fn stream_all(fastq: &[u8], batch_size: usize, pipelined: bool) -> Vec<(String, f32)> {
    let model = QualityModel::bundled().unwrap();
    let reader = Reader::new(std::io::Cursor::new(fastq.to_vec()));
    let mut stream = if pipelined {
        QualityStream::pipelined(reader, model, batch_size)
    } else {
        QualityStream::with_batch_size(reader, model, batch_size)
    };
    let mut out = Vec::new();
    while let Some(item) = stream.next() {
        let (record, probability) = item.unwrap();
        out.push((
            String::from_utf8(record.name().to_vec()).unwrap(),
            probability,
        ));
    }
    out
}

#[test]
fn batch_sizes_give_identical_probabilities_in_order() {
    if bundled_model().is_none() {
        return;
    }
    // Two full batches of 4,096 and a final partial one.
    let reads = 2 * 4096 + 905;
    let fastq = simulated_fastq(reads);
    let reference = stream_all(&fastq, 4096, false);
    assert_eq!(reference.len(), reads);
    for (i, (name, _)) in reference.iter().enumerate() {
        assert_eq!(name, &format!("r{i}"));
    }
    let positives = reference.iter().filter(|(_, p)| *p > 0.5).count();
    assert!(
        positives > reads / 20 && positives < reads - reads / 20,
        "{positives} of {reads}"
    );
    for (batch_size, pipelined) in [
        (1, false),
        (7, false),
        (4096, true),
        (7, true),
        (5000, false),
    ] {
        let other = stream_all(&fastq, batch_size, pipelined);
        assert_eq!(
            other.len(),
            reads,
            "batch {batch_size}, pipelined {pipelined}"
        );
        for ((name_a, p_a), (name_b, p_b)) in reference.iter().zip(&other) {
            assert_eq!(name_a, name_b);
            assert_eq!(
                p_a.to_bits(),
                p_b.to_bits(),
                "read {name_a}, batch {batch_size}, pipelined {pipelined}"
            );
        }
    }
}

#[test]
fn stream_reports_parse_errors_after_the_good_records() {
    if bundled_model().is_none() {
        return;
    }
    let mut fastq = simulated_fastq(10);
    fastq.extend_from_slice(b"@bad\nACGT\n+\nII\n");
    for pipelined in [false, true] {
        let reader = Reader::new(std::io::Cursor::new(fastq.clone()));
        let model = QualityModel::bundled().unwrap();
        let mut stream = if pipelined {
            QualityStream::pipelined(reader, model, 4)
        } else {
            QualityStream::with_batch_size(reader, model, 4)
        };
        let mut good = 0;
        let err = loop {
            match stream.next() {
                Some(Ok(_)) => good += 1,
                Some(Err(err)) => break err,
                None => panic!("the bad record was not reported"),
            }
        };
        // Records of the batch holding the bad one are not yielded: they were never scored.
        assert_eq!(good, 8, "pipelined {pipelined}");
        assert_eq!(err.format(), Some(biometal::Format::Fastq), "{err}");
        assert!(stream.next().is_none());
    }
}

#[test]
fn corrupt_and_truncated_models_are_errors() {
    if bundled_model().is_none() {
        return;
    }
    let err = QualityModel::from_bytes(b"this is not an ONNX model").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidData, "{err}");
    assert!(err.to_string().contains("ONNX"), "{err}");
    let bundled = biometal::neural_engine::BUNDLED_MODEL;
    let err = QualityModel::from_bytes(&bundled[..bundled.len() / 2]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidData, "{err}");
    let err = QualityModel::from_path("/nonexistent/model.onnx").unwrap_err();
    assert!(err.to_string().contains("/nonexistent/model.onnx"), "{err}");
}

#[test]
fn wrong_input_shape_is_an_error() {
    if bundled_model().is_none() {
        return;
    }
    let err = QualityModel::from_path(golden("wrong_input_shape.onnx")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    let message = err.to_string();
    assert!(
        message.contains(&format!("[reads, {N_FEATURES}]"))
            && message.contains("wrong_input_shape.onnx"),
        "{message}"
    );
}

#[test]
fn ragged_feature_rows_are_an_error() {
    let Some(mut model) = bundled_model() else {
        return;
    };
    let mut out = vec![1.0];
    let err = model
        .predict_features(&[0.0; N_FEATURES + 1], &mut out)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    model.predict_features(&[], &mut out).unwrap();
    assert!(out.is_empty());
}
