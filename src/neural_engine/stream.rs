//! Streaming prediction over a FASTQ reader in micro-batches.

use std::io::Read;
use std::sync::mpsc::{channel, sync_channel, Receiver, Sender, SyncSender};
use std::thread::JoinHandle;

use super::features::{reads_features, FeatureBuilder};
use super::model::QualityModel;
use crate::formats::fastq::{Reader, RecordRef};
use crate::{Error, Format, Result};

/// The default number of reads per micro-batch.
pub const DEFAULT_BATCH_SIZE: usize = 4096;

/// Records whose features are computed together, right after they were
/// copied into a batch.
const FEATURE_GROUP: usize = 64;

/// Where one record's parts lie in [`Filled::data`]. Only
/// [`Filled::push`] makes them, from bytes it has just appended, and `data`
/// is only cleared together with `parts`: every range lies inside `data`.
#[derive(Debug, Clone, Copy)]
struct Parts {
    raw: (usize, usize),
    header: (usize, usize),
    separator: (usize, usize),
    sequence: (usize, usize),
    quality: (usize, usize),
}

/// A batch of records and their features, handed between threads: each
/// record's bytes are copied once, from the reader's buffer into `data`,
/// and handed out from there as borrowed views.
#[derive(Default)]
struct Filled {
    data: Vec<u8>,
    parts: Vec<Parts>,
    features: Vec<f32>,
    builder: FeatureBuilder,
}

impl Filled {
    /// Replaces the contents with up to `batch_size` records and their
    /// features, computed for every [`FEATURE_GROUP`] records just copied
    /// (still in cache).
    fn fill<R: Read>(&mut self, reader: &mut Reader<R>, batch_size: usize) -> Result<usize> {
        self.data.clear();
        self.parts.clear();
        self.features.clear();
        let mut counted = 0;
        while self.parts.len() < batch_size {
            let Some(record) = reader.next_record() else {
                break;
            };
            self.push(&record?);
            if self.parts.len() - counted == FEATURE_GROUP {
                self.add_features(counted);
                counted = self.parts.len();
            }
        }
        self.add_features(counted);
        Ok(self.parts.len())
    }

    /// Appends the features of the records from `first` on.
    fn add_features(&mut self, first: usize) {
        let data = &self.data;
        let reads = self
            .parts
            .get(first..)
            .unwrap_or_default()
            .iter()
            .map(|parts| (bytes(data, parts.sequence), bytes(data, parts.quality)));
        reads_features(&mut self.builder, reads, &mut self.features);
    }

    /// Appends a copy of `record`.
    #[inline]
    fn push(&mut self, record: &RecordRef<'_>) {
        let raw = record.as_bytes();
        let raw_start = self.data.len();
        self.data.extend_from_slice(raw);
        // Parts inside the raw bytes (all of them, but for the joined
        // sequence and quality of a multi-line record) are located there;
        // the others are appended.
        let mut locate = |part: &[u8]| -> usize {
            let from = (part.as_ptr() as usize).wrapping_sub(raw.as_ptr() as usize);
            if from <= raw.len() && part.len() <= raw.len() - from {
                raw_start + from
            } else {
                let start = self.data.len();
                self.data.extend_from_slice(part);
                start
            }
        };
        let mut range = |part: &[u8]| {
            let start = locate(part);
            (start, start + part.len())
        };
        let parts = Parts {
            raw: (raw_start, raw_start + raw.len()),
            header: range(record.header()),
            separator: range(record.separator()),
            sequence: range(record.sequence()),
            quality: range(record.quality()),
        };
        self.parts.push(parts);
    }

    /// The number of records.
    fn len(&self) -> usize {
        self.parts.len()
    }

    /// The record at `index`.
    #[inline]
    fn get(&self, index: usize) -> Option<RecordRef<'_>> {
        let parts = self.parts.get(index)?;
        let slice = |range| bytes(&self.data, range);
        Some(RecordRef {
            raw: slice(parts.raw),
            header: slice(parts.header),
            sequence: slice(parts.sequence),
            separator: slice(parts.separator),
            quality: slice(parts.quality),
        })
    }
}

/// `data[from..to]` for a range of a [`Parts`] of the [`Filled`] that owns
/// `data`.
#[inline(always)]
fn bytes(data: &[u8], (from, to): (usize, usize)) -> &[u8] {
    debug_assert!(from <= to && to <= data.len());
    // SAFETY: the range is one of a `Parts`, made by `Filled::push` for bytes
    // it appended to this `data`, which has not been cleared since (see
    // `Parts`), so from <= to <= data.len(). (Checked slicing cost a fifth
    // of the stream's per-record bookkeeping.)
    unsafe { data.get_unchecked(from..to) }
}

enum Source<R> {
    Inline(Reader<R>),
    Pipelined {
        filled: Receiver<Result<Option<Filled>>>,
        recycle: Sender<Filled>,
        worker: Option<JoinHandle<()>>,
    },
}

/// Yields `(record, probability)` for every record of a FASTQ reader, in
/// input order.
///
/// Records are read in micro-batches ([`DEFAULT_BATCH_SIZE`] by default),
/// and each batch goes through the model in one call, so the per-call cost
/// of inference is shared by thousands of reads. Memory is bounded by one
/// batch ([`new`](Self::new), [`with_batch_size`](Self::with_batch_size)) or
/// two ([`pipelined`](Self::pipelined), where a second thread parses the next
/// batch and computes its features while this one runs the model).
///
/// ```no_run
/// use biometal::formats::fastq::Reader;
/// use biometal::neural_engine::{QualityModel, QualityStream};
///
/// let reader = Reader::from_path("reads.fastq.gz")?;
/// let mut stream = QualityStream::new(reader, QualityModel::bundled()?);
/// let mut likely_bad = 0;
/// while let Some(item) = stream.next() {
///     let (record, probability) = item?;
///     if probability > 0.5 {
///         likely_bad += 1;
///         eprintln!("{}", String::from_utf8_lossy(record.name()));
///     }
/// }
/// # Ok::<(), biometal::Error>(())
/// ```
pub struct QualityStream<R> {
    model: QualityModel,
    source: Source<R>,
    batch_size: usize,
    current: Filled,
    probabilities: Vec<f32>,
    next: usize,
    done: bool,
}

impl<R: Read> QualityStream<R> {
    /// A stream with batches of [`DEFAULT_BATCH_SIZE`] reads, on this thread.
    pub fn new(reader: Reader<R>, model: QualityModel) -> Self {
        Self::with_batch_size(reader, model, DEFAULT_BATCH_SIZE)
    }

    /// A stream with batches of `batch_size` reads (0 counts as 1), on this
    /// thread.
    pub fn with_batch_size(reader: Reader<R>, model: QualityModel, batch_size: usize) -> Self {
        Self::with_source(Source::Inline(reader), model, batch_size)
    }

    fn with_source(source: Source<R>, model: QualityModel, batch_size: usize) -> Self {
        Self {
            model,
            source,
            batch_size: batch_size.max(1),
            current: Filled::default(),
            probabilities: Vec::new(),
            next: 0,
            done: false,
        }
    }

    /// The number of reads per batch.
    pub fn batch_size(&self) -> usize {
        self.batch_size
    }

    /// The model (for example to ask for its execution provider).
    pub fn model(&self) -> &QualityModel {
        &self.model
    }

    /// Ends the stream and returns its model (to reuse it on another input).
    pub fn into_model(self) -> QualityModel {
        self.model
    }

    /// The next record and the probability that it carries more true errors
    /// than 1% of its bases; `None` at the end of input. After an error the
    /// stream ends.
    #[allow(clippy::should_implement_trait)] // the record borrows from the stream
    pub fn next(&mut self) -> Option<Result<(RecordRef<'_>, f32)>> {
        loop {
            if self.next < self.current.len() {
                let index = self.next;
                self.next += 1;
                let record = self.current.get(index)?;
                let probability = *self.probabilities.get(index)?;
                return Some(Ok((record, probability)));
            }
            if self.done {
                return None;
            }
            match self.refill() {
                Ok(true) => {}
                Ok(false) => {
                    self.done = true;
                    return None;
                }
                Err(err) => {
                    // Records read before the error were never scored.
                    self.current.parts.clear();
                    self.done = true;
                    return Some(Err(err));
                }
            }
        }
    }

    /// Loads and scores the next batch; false at the end of input. Kept out
    /// of line so that `next`, called once per record, stays a small
    /// function without the batch filling's large stack frame.
    #[inline(never)]
    fn refill(&mut self) -> Result<bool> {
        self.next = 0;
        match &mut self.source {
            Source::Inline(reader) => {
                if self.current.fill(reader, self.batch_size)? == 0 {
                    return Ok(false);
                }
            }
            Source::Pipelined {
                filled,
                recycle,
                worker,
            } => {
                // Hand the consumed batch back; the worker may have ended.
                let _ = recycle.send(std::mem::take(&mut self.current));
                match filled.recv() {
                    Ok(Ok(Some(next))) => self.current = next,
                    Ok(Ok(None)) => return Ok(false),
                    Ok(Err(err)) => return Err(err),
                    Err(_) => {
                        let panicked = worker.take().map(JoinHandle::join);
                        return Err(Error::invalid_data(
                            Format::Fastq,
                            format!("the reading thread stopped without finishing the input ({panicked:?})"),
                        ));
                    }
                }
            }
        }
        self.model
            .predict_features(&self.current.features, &mut self.probabilities)?;
        Ok(true)
    }
}

impl<R: Read + Send + 'static> QualityStream<R> {
    /// A stream whose parsing and feature extraction run on a second thread,
    /// one batch ahead of inference on this one (at most two batches in
    /// memory).
    ///
    /// ```no_run
    /// use biometal::formats::fastq::Reader;
    /// use biometal::neural_engine::{QualityModel, QualityStream};
    ///
    /// let reader = Reader::from_path("reads.fastq.gz")?;
    /// let mut stream = QualityStream::pipelined(reader, QualityModel::bundled()?, 4096);
    /// let mut reads = 0;
    /// while let Some(item) = stream.next() {
    ///     item?;
    ///     reads += 1;
    /// }
    /// # Ok::<(), biometal::Error>(())
    /// ```
    pub fn pipelined(reader: Reader<R>, model: QualityModel, batch_size: usize) -> Self {
        let batch_size = batch_size.max(1);
        // A rendezvous channel: the worker holds a filled batch until this
        // thread asks for it, and fills the next only with a recycled buffer.
        let (filled_tx, filled_rx) = sync_channel(0);
        let (recycle_tx, recycle_rx) = channel();
        let worker = std::thread::Builder::new()
            .name("biometal-quality-reader".into())
            .spawn(move || read_ahead(reader, batch_size, &filled_tx, &recycle_rx));
        let source = match worker {
            Ok(worker) => Source::Pipelined {
                filled: filled_rx,
                recycle: recycle_tx,
                worker: Some(worker),
            },
            Err(err) => {
                // No thread: report it on the first call to `next`.
                let (tx, rx) = sync_channel(1);
                let _ = tx.send(Err(Error::io(Format::Fastq, err)));
                Source::Pipelined {
                    filled: rx,
                    recycle: recycle_tx,
                    worker: None,
                }
            }
        };
        Self::with_source(source, model, batch_size)
    }
}

fn read_ahead<R: Read>(
    mut reader: Reader<R>,
    batch_size: usize,
    filled: &SyncSender<Result<Option<Filled>>>,
    recycle: &Receiver<Filled>,
) {
    let mut buffer = Filled::default();
    loop {
        match buffer.fill(&mut reader, batch_size) {
            Ok(0) => {
                let _ = filled.send(Ok(None));
                return;
            }
            Ok(_) => {
                if filled.send(Ok(Some(buffer))).is_err() {
                    return; // the stream was dropped
                }
            }
            Err(err) => {
                let _ = filled.send(Err(err));
                return;
            }
        }
        match recycle.recv() {
            Ok(recycled) => buffer = recycled,
            Err(_) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::fastq::RecordBatch;
    use crate::neural_engine::batch_features;

    /// Records of varied lengths, every fifth written over several lines.
    fn fastq(records: usize) -> Vec<u8> {
        let mut out = Vec::new();
        for i in 0..records {
            let len = 20 + (i * 37) % 180;
            let sequence: Vec<u8> = (0..len).map(|j| b"ACGTNacgtA"[(i + j * j) % 10]).collect();
            let quality: Vec<u8> = (0..len).map(|j| b'!' + ((i * 7 + j) % 42) as u8).collect();
            out.extend_from_slice(format!("@read{i} x={i}\n").as_bytes());
            if i % 5 == 4 {
                let half = len / 2;
                for part in [&sequence[..half], &sequence[half..]] {
                    out.extend_from_slice(part);
                    out.push(b'\n');
                }
                out.extend_from_slice(format!("+read{i} x={i}\n").as_bytes());
                for part in [&quality[..half], &quality[half..]] {
                    out.extend_from_slice(part);
                    out.push(b'\n');
                }
            } else {
                out.extend_from_slice(&sequence);
                out.extend_from_slice(b"\n+\n");
                out.extend_from_slice(&quality);
                out.push(b'\n');
            }
        }
        out
    }

    /// A record's bytes and parts, owned, for comparing records.
    fn parts(record: RecordRef<'_>) -> [Vec<u8>; 5] {
        [
            record.as_bytes().to_vec(),
            record.header().to_vec(),
            record.sequence().to_vec(),
            record.separator().to_vec(),
            record.quality().to_vec(),
        ]
    }

    #[test]
    fn batches_hold_the_records_and_features_of_the_reader() {
        let input = fastq(300);
        let mut expected = RecordBatch::new();
        Reader::new(&input[..])
            .read_batch(&mut expected, usize::MAX)
            .expect("valid FASTQ");
        let mut expected_features = Vec::new();
        batch_features(&expected, &mut expected_features);
        let expected_records: Vec<_> = expected.iter().map(parts).collect();
        for batch_size in [1, 7, 64, 65, 130, 4096] {
            let mut reader = Reader::new(&input[..]);
            let mut filled = Filled::default();
            let (mut records, mut features) = (Vec::new(), Vec::new());
            while filled.fill(&mut reader, batch_size).expect("valid FASTQ") > 0 {
                assert!(filled.len() <= batch_size);
                records.extend((0..filled.len()).filter_map(|i| filled.get(i)).map(parts));
                features.extend_from_slice(&filled.features);
            }
            assert_eq!(records, expected_records, "batch size {batch_size}");
            assert_eq!(features, expected_features, "batch size {batch_size}");
        }
    }
}
