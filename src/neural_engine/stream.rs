//! Streaming prediction over a FASTQ reader in micro-batches.

use std::io::Read;
use std::sync::mpsc::{channel, sync_channel, Receiver, Sender, SyncSender};
use std::thread::JoinHandle;

use super::features::{reads_features, FeatureBuilder};
use super::model::QualityModel;
use crate::formats::fastq::{Reader, RecordRef, Spans};
use crate::{Error, Format, Result};

/// The default number of reads per micro-batch.
pub const DEFAULT_BATCH_SIZE: usize = 4096;

/// Records whose features are computed together, right after they were
/// parsed.
const FEATURE_GROUP: usize = 64;

/// Where one record's parts lie in its batch's bytes (for a multi-line
/// record, the joined `sequence` and `quality` in [`Filled::joined`]).
/// Only [`Parts::new`] makes them: every range of the batch's bytes lies
/// within `raw`, which lies within the first [`Filled::bytes`] bytes.
#[derive(Debug, Clone, Copy)]
struct Parts {
    raw: (usize, usize),
    header: (usize, usize),
    separator: (usize, usize),
    sequence: (usize, usize),
    quality: (usize, usize),
    joined: bool,
}

impl Parts {
    /// The parts of the record at `offset` in the batch, with `spans` from
    /// there, each range clamped into `offset..offset + spans.end` (as the
    /// reader makes them; clamping makes it a local fact for two `min`s).
    #[inline(always)]
    fn new(offset: usize, spans: &Spans) -> Self {
        let end = spans.end;
        let at = |(from, to): (usize, usize)| {
            let to = to.min(end);
            (offset + from.min(to), offset + to)
        };
        Parts {
            raw: (offset, offset + end),
            header: at(spans.header),
            separator: at(spans.separator),
            sequence: at(spans.sequence),
            quality: at(spans.quality),
            joined: spans.multi_line,
        }
    }
}

/// A batch of records and their features. The records are parsed in place
/// in the reader's buffer ([`Reader::batch_bytes`]), which keeps them until
/// the next batch is filled; a batch handed to another thread carries a
/// copy of those bytes (`copied`).
#[derive(Default)]
struct Filled {
    parts: Vec<Parts>,
    /// The joined sequences and qualities of multi-line records.
    joined: Vec<u8>,
    /// The records' bytes, for a batch filled on another thread.
    copied: Vec<u8>,
    /// The bytes the records take: where the last one ends.
    bytes: usize,
    features: Vec<f32>,
    builder: FeatureBuilder,
}

impl Filled {
    /// Replaces the contents with up to `batch_size` records, parsed in
    /// place, and their features, computed for every [`FEATURE_GROUP`]
    /// records just parsed (still in cache).
    fn fill<R: Read>(&mut self, reader: &mut Reader<R>, batch_size: usize) -> Result<usize> {
        self.parts.clear();
        self.joined.clear();
        self.features.clear();
        reader.begin_batch(self.bytes + self.bytes / 4);
        self.bytes = 0;
        let mut counted = 0;
        while self.parts.len() < batch_size {
            let Some((offset, spans)) = reader.next_in_batch()? else {
                break;
            };
            let mut parts = Parts::new(offset, &spans);
            if parts.joined {
                let (sequence, quality) = reader.joined();
                parts.sequence = append(&mut self.joined, sequence);
                parts.quality = append(&mut self.joined, quality);
            }
            self.parts.push(parts);
            self.bytes = parts.raw.1;
            if self.parts.len() - counted == FEATURE_GROUP {
                if counted == 0 && batch_size > FEATURE_GROUP && self.features.capacity() == 0 {
                    // The first batch: size the buffer for it from its
                    // first records, rather than grow it step by step.
                    reader.reserve_batch(self.bytes.saturating_mul(batch_size) / FEATURE_GROUP);
                }
                self.add_features(counted, reader.batch_bytes());
                counted = self.parts.len();
            }
        }
        self.add_features(counted, reader.batch_bytes());
        Ok(self.parts.len())
    }

    /// Appends the features of the records from `first` on, whose bytes
    /// are `batch`.
    fn add_features(&mut self, first: usize, batch: &[u8]) {
        let Some(batch) = batch.get(..self.bytes) else {
            return;
        };
        let joined = &self.joined;
        let reads = self
            .parts
            .get(first..)
            .unwrap_or_default()
            .iter()
            .map(|parts| read(parts, batch, joined));
        reads_features(&mut self.builder, reads, &mut self.features);
    }

    /// The number of records.
    fn len(&self) -> usize {
        self.parts.len()
    }

    /// The record at `index`, whose batch's bytes are `batch`.
    #[inline(always)]
    fn get<'a>(&'a self, index: usize, batch: &'a [u8]) -> Option<RecordRef<'a>> {
        let parts = self.parts.get(index)?;
        let batch = batch.get(..self.bytes)?;
        let (sequence, quality) = read(parts, batch, &self.joined);
        Some(RecordRef {
            raw: part(batch, parts.raw),
            header: part(batch, parts.header),
            sequence,
            separator: part(batch, parts.separator),
            quality,
        })
    }
}

/// A record's sequence and quality; `batch` holds the [`Filled::bytes`].
#[inline(always)]
fn read<'a>(parts: &Parts, batch: &'a [u8], joined: &'a [u8]) -> (&'a [u8], &'a [u8]) {
    if parts.joined {
        let slice = |(from, to): (usize, usize)| joined.get(from..to).unwrap_or_default();
        (slice(parts.sequence), slice(parts.quality))
    } else {
        (part(batch, parts.sequence), part(batch, parts.quality))
    }
}

/// `batch[from..to]` for a range of the batch's bytes of a [`Parts`], where
/// `batch` holds the first [`Filled::bytes`] bytes of the batch.
#[inline(always)]
fn part(batch: &[u8], (from, to): (usize, usize)) -> &[u8] {
    debug_assert!(from <= to && to <= batch.len());
    // SAFETY: `Parts::new` made the range with `from <= to <= raw.1`, and
    // `raw.1 <= Filled::bytes` (the end of the batch's last record) ==
    // `batch.len()`. (Checked slicing cost a fifth of the stream's
    // per-record bookkeeping.)
    unsafe { batch.get_unchecked(from..to) }
}

/// Appends `part` to `joined`, returning where it lies.
fn append(joined: &mut Vec<u8>, part: &[u8]) -> (usize, usize) {
    let start = joined.len();
    joined.extend_from_slice(part);
    (start, joined.len())
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
    #[inline]
    pub fn next(&mut self) -> Option<Result<(RecordRef<'_>, f32)>> {
        loop {
            if self.next < self.current.len() {
                let index = self.next;
                self.next += 1;
                let batch = match &self.source {
                    Source::Inline(reader) => reader.batch_bytes(),
                    Source::Pipelined { .. } => &self.current.copied,
                };
                let record = self.current.get(index, batch)?;
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
                let records = reader.batch_bytes().get(..buffer.bytes);
                buffer.copied.clear();
                buffer.copied.extend_from_slice(records.unwrap_or_default());
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
    use crate::formats::fastq::{ReaderBuilder, RecordBatch};
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

    /// Reads of at most `.1 % 61 + 1` bytes, cycling, or of any size when
    /// `.1` is `usize::MAX`.
    struct ShortReads<'a>(&'a [u8], usize);

    impl Read for ShortReads<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            if self.1 != usize::MAX {
                self.1 = self.1 % 61 + 1;
            }
            let n = self.1.min(out.len()).min(self.0.len());
            out[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
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
        let readers = |batch_size: usize| {
            // Whole input in one read, or short reads into a small buffer
            // (records moved and the buffer grown while pinned).
            let short = ReaderBuilder::new()
                .buffer_capacity(100)
                .max_record_size(1000)
                .build_from_reader(ShortReads(&input[..], batch_size));
            let whole = ReaderBuilder::new().build_from_reader(ShortReads(&input[..], usize::MAX));
            [whole, short]
        };
        for (batch_size, mut reader) in [1, 7, 64, 65, 130, 4096]
            .into_iter()
            .flat_map(|size| readers(size).map(|reader| (size, reader)))
        {
            let mut filled = Filled::default();
            let (mut records, mut features) = (Vec::new(), Vec::new());
            while filled.fill(&mut reader, batch_size).expect("valid FASTQ") > 0 {
                assert!(filled.len() <= batch_size);
                let batch = reader.batch_bytes();
                records.extend(
                    (0..filled.len())
                        .filter_map(|i| filled.get(i, batch))
                        .map(parts),
                );
                features.extend_from_slice(&filled.features);
            }
            assert_eq!(records, expected_records, "batch size {batch_size}");
            assert_eq!(features, expected_features, "batch size {batch_size}");
        }
    }
}
