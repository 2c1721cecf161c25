//! Read-quality prediction with ONNX Runtime (feature `neural-engine`).
//!
//! A small bundled model ([`QualityModel::bundled`], 14 → 16 → 1 MLP, 1.6 KB)
//! predicts for each read the probability that it carries more true
//! sequencing errors than 1% of its bases, from per-read features
//! ([`read_features`]: qualities, expected errors, position-binned
//! qualities, GC, N and homopolymer content). It was trained on simulated
//! reads with known errors and imperfectly calibrated qualities, and beats
//! the expected-errors baseline on held-out reads (ROC-AUC 0.847 vs 0.791;
//! `docs/neural-engine.md`, `training/`).
//!
//! Inference is micro-batched: [`QualityStream`] reads 4,096 records, runs
//! them through the model in one call and yields `(record, probability)` in
//! input order, optionally parsing the next batch on a second thread.
//!
//! ONNX Runtime is loaded at run time from [`DYLIB_PATH_ENV`]
//! (`ORT_DYLIB_PATH`) or well-known locations ([`locate_runtime_library`]);
//! without it every constructor returns an
//! [`ErrorKind::Unavailable`](crate::ErrorKind::Unavailable) error saying
//! where it looked. On macOS the CoreML execution provider (CPU and Neural
//! Engine) is tried first, with the CPU provider as fallback.
//!
//! ```no_run
//! use biometal::formats::fastq::{Reader, Writer};
//! use biometal::neural_engine::{QualityModel, QualityStream};
//!
//! let reader = Reader::from_path("reads.fastq.gz")?;
//! let mut stream = QualityStream::new(reader, QualityModel::bundled()?);
//! let mut writer = Writer::new(std::io::stdout().lock());
//! while let Some(item) = stream.next() {
//!     let (record, probability) = item?;
//!     if probability < 0.5 {
//!         writer.write_record_ref(&record)?;
//!     }
//! }
//! # Ok::<(), biometal::Error>(())
//! ```

mod features;
#[cfg(target_arch = "x86_64")]
mod features_avx2;
#[cfg(target_arch = "x86_64")]
mod finish_avx2;
mod model;
mod runtime;
mod stream;

pub use self::features::{batch_features, read_features, FeatureVector, FEATURE_NAMES, N_FEATURES};
pub use self::model::{ExecutionProvider, QualityModel, BUNDLED_MODEL};
pub use self::runtime::{
    library_search_dirs, locate_runtime_library, runtime, Runtime, DYLIB_PATH_ENV,
};
pub use self::stream::{QualityStream, DEFAULT_BATCH_SIZE};
