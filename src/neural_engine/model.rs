//! The read-quality model: an ONNX session over [`N_FEATURES`] inputs.

use std::path::Path;

use ort::session::Session;
use ort::value::{TensorElementType, TensorRef, ValueType};

use super::features::{batch_features, N_FEATURES};
use super::runtime::runtime;
use crate::formats::fastq::RecordBatch;
use crate::{Error, Format, Result};

/// The model shipped with biometal (`models/read_quality.onnx`, trained by
/// `training/train.py`; see `docs/neural-engine.md`).
pub const BUNDLED_MODEL: &[u8] = include_bytes!("../../models/read_quality.onnx");

/// The execution provider a [`QualityModel`] runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExecutionProvider {
    /// ONNX Runtime's CPU provider.
    Cpu,
    /// Apple's CoreML (CPU and Neural Engine compute units), macOS only.
    CoreMl,
}

impl ExecutionProvider {
    /// ONNX Runtime's name for the provider.
    ///
    /// ```
    /// use biometal::neural_engine::ExecutionProvider;
    /// assert_eq!(ExecutionProvider::Cpu.name(), "CPUExecutionProvider");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            ExecutionProvider::Cpu => "CPUExecutionProvider",
            ExecutionProvider::CoreMl => "CoreMLExecutionProvider",
        }
    }
}

/// A model predicting, for each read, the probability that it carries more
/// true sequencing errors than 1% of its bases.
///
/// Input: `[reads, N_FEATURES]` float32 ([`read_features`](super::read_features)),
/// output: `[reads, 1]` (or `[reads]`) float32 probabilities. Inference runs
/// on one intra-op thread; batches of thousands of reads amortise the
/// per-call cost (see [`QualityStream`](super::QualityStream)).
///
/// ```no_run
/// use biometal::formats::fastq::{Reader, RecordBatch};
/// use biometal::neural_engine::QualityModel;
///
/// let mut model = QualityModel::bundled()?;
/// let mut reader = Reader::from_path("reads.fastq.gz")?;
/// let mut batch = RecordBatch::new();
/// while reader.read_batch(&mut batch, 4096)? > 0 {
///     let probabilities = model.predict_batch(&batch)?;
///     assert_eq!(probabilities.len(), batch.len());
/// }
/// # Ok::<(), biometal::Error>(())
/// ```
#[derive(Debug)]
pub struct QualityModel {
    session: Session,
    provider: ExecutionProvider,
    features: Vec<f32>,
}

fn onnx_error(what: &str, err: impl std::fmt::Display) -> Error {
    Error::invalid_data(Format::Onnx, format!("{what}: {err}"))
}

impl QualityModel {
    /// The model shipped with biometal ([`BUNDLED_MODEL`]).
    ///
    /// # Errors
    /// [`ErrorKind::Unavailable`](crate::ErrorKind::Unavailable) when the
    /// ONNX Runtime library cannot be found or loaded.
    pub fn bundled() -> Result<Self> {
        Self::from_bytes(BUNDLED_MODEL)
    }

    /// A model read from an `.onnx` file.
    ///
    /// # Errors
    /// I/O errors, [`ErrorKind::Unavailable`](crate::ErrorKind::Unavailable)
    /// without ONNX Runtime, [`ErrorKind::InvalidData`](crate::ErrorKind::InvalidData)
    /// for a file ONNX Runtime cannot load, and
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) for a model
    /// whose input or output does not have the expected shape.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let bytes = std::fs::read(path)
            .map_err(|err| Error::io(Format::Onnx, err).with_name(path.display().to_string()))?;
        Self::from_bytes(&bytes).map_err(|err| err.with_name(path.display().to_string()))
    }

    /// A model from the bytes of an `.onnx` file (see [`from_path`](Self::from_path)).
    pub fn from_bytes(model: &[u8]) -> Result<Self> {
        runtime()?;
        let (session, provider) = build_session(model)?;
        check_signature(&session)?;
        Ok(Self {
            session,
            provider,
            features: Vec::new(),
        })
    }

    /// The execution provider the session was built with.
    pub fn execution_provider(&self) -> ExecutionProvider {
        self.provider
    }

    /// The probability for each record of `batch`, in order.
    pub fn predict_batch(&mut self, batch: &RecordBatch) -> Result<Vec<f32>> {
        let mut out = Vec::with_capacity(batch.len());
        self.predict_batch_into(batch, &mut out)?;
        Ok(out)
    }

    /// Like [`predict_batch`](Self::predict_batch), replacing the contents of
    /// `out` (its buffer is reused).
    pub fn predict_batch_into(&mut self, batch: &RecordBatch, out: &mut Vec<f32>) -> Result<()> {
        let mut features = std::mem::take(&mut self.features);
        batch_features(batch, &mut features);
        let result = self.predict_features(&features, out);
        self.features = features;
        result
    }

    /// Runs the model on row-major features (`reads × N_FEATURES`),
    /// replacing the contents of `out` with one probability per read.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) when
    /// `features.len()` is not a multiple of [`N_FEATURES`]; an
    /// [`ErrorKind::InvalidData`](crate::ErrorKind::InvalidData) error when
    /// ONNX Runtime fails.
    pub fn predict_features(&mut self, features: &[f32], out: &mut Vec<f32>) -> Result<()> {
        out.clear();
        if !features.len().is_multiple_of(N_FEATURES) {
            return Err(Error::invalid_input(
                Format::Onnx,
                format!(
                    "{} feature values are not a whole number of {N_FEATURES}-feature rows",
                    features.len()
                ),
            ));
        }
        let reads = features.len() / N_FEATURES;
        if reads == 0 {
            return Ok(());
        }
        let input = TensorRef::from_array_view(([reads, N_FEATURES], features))
            .map_err(|err| onnx_error("cannot wrap the features as a tensor", err))?;
        let outputs = self
            .session
            .run(ort::inputs![input])
            .map_err(|err| onnx_error("inference failed", err))?;
        let (_, probabilities) = outputs[0]
            .try_extract_tensor::<f32>()
            .map_err(|err| onnx_error("the model's output is not a float32 tensor", err))?;
        if probabilities.len() != reads {
            return Err(Error::invalid_data(
                Format::Onnx,
                format!(
                    "the model returned {} values for {reads} reads",
                    probabilities.len()
                ),
            ));
        }
        out.extend_from_slice(probabilities);
        Ok(())
    }
}

fn session_builder() -> Result<ort::session::builder::SessionBuilder> {
    Session::builder()
        .and_then(|builder| builder.with_intra_threads(1).map_err(Into::into))
        .map_err(|err| onnx_error("cannot configure an ONNX Runtime session", err))
}

#[cfg(target_os = "macos")]
fn build_session(model: &[u8]) -> Result<(Session, ExecutionProvider)> {
    use ort::ep::coreml::ComputeUnits;
    let coreml = ort::ep::CoreML::default()
        .with_compute_units(ComputeUnits::CPUAndNeuralEngine)
        .build()
        .error_on_failure();
    let with_coreml = session_builder()?
        .with_execution_providers([coreml])
        .map_err(|err| onnx_error("cannot register CoreML", err))
        .and_then(|mut builder| {
            builder
                .commit_from_memory(model)
                .map_err(|err| onnx_error("", err))
        });
    match with_coreml {
        Ok(session) => Ok((session, ExecutionProvider::CoreMl)),
        Err(_) => Ok((build_cpu_session(model)?, ExecutionProvider::Cpu)),
    }
}

#[cfg(not(target_os = "macos"))]
fn build_session(model: &[u8]) -> Result<(Session, ExecutionProvider)> {
    Ok((build_cpu_session(model)?, ExecutionProvider::Cpu))
}

fn build_cpu_session(model: &[u8]) -> Result<Session> {
    session_builder()?
        .commit_from_memory(model)
        .map_err(|err| onnx_error("ONNX Runtime cannot load the model", err))
}

/// The model must take one float32 `[reads, N_FEATURES]` tensor and return
/// one value per read.
fn check_signature(session: &Session) -> Result<()> {
    let shape_of = |value: &ValueType| match value {
        ValueType::Tensor { ty, shape, .. } if *ty == TensorElementType::Float32 => {
            Some(shape.to_vec())
        }
        _ => None,
    };
    let [input] = session.inputs() else {
        return Err(Error::invalid_input(
            Format::Onnx,
            format!(
                "the model has {} inputs, expected one ([reads, {N_FEATURES}] float32)",
                session.inputs().len()
            ),
        ));
    };
    let input_ok = shape_of(input.dtype()).is_some_and(|shape| shape == [-1, N_FEATURES as i64]);
    if !input_ok {
        return Err(Error::invalid_input(
            Format::Onnx,
            format!(
                "the model's input `{}` is {:?}, expected a float32 tensor of shape [reads, {N_FEATURES}] with a dynamic `reads` dimension",
                input.name(),
                input.dtype()
            ),
        ));
    }
    let [output] = session.outputs() else {
        return Err(Error::invalid_input(
            Format::Onnx,
            format!(
                "the model has {} outputs, expected one (probabilities)",
                session.outputs().len()
            ),
        ));
    };
    let output_ok =
        shape_of(output.dtype()).is_some_and(|shape| matches!(shape.as_slice(), [-1] | [-1, 1]));
    if !output_ok {
        return Err(Error::invalid_input(
            Format::Onnx,
            format!(
                "the model's output `{}` is {:?}, expected a float32 tensor of shape [reads, 1] or [reads] with a dynamic `reads` dimension",
                output.name(),
                output.dtype()
            ),
        ));
    }
    Ok(())
}
