//! Batches of FASTQ records to hand to worker threads.

use std::io::Read;

use super::reader::Reader;
use super::record::RecordRef;
use crate::Result;

/// Where one record's parts lie in a batch's data.
#[derive(Debug, Clone, Copy)]
struct Spans {
    raw: (usize, usize),
    header: (usize, usize),
    sequence: (usize, usize),
    separator: (usize, usize),
    quality: (usize, usize),
}

/// A batch of FASTQ records in one contiguous buffer: `Send`, so a reading
/// thread can fill it and a worker thread consume it. Reusing a batch
/// reuses its buffers (no per-record allocation).
///
/// ```
/// use biometal::formats::fastq::{Reader, RecordBatch};
///
/// let mut reader = Reader::new(&b"@a\nA\n+\nI\n@b\nCC\n+\nII\n@c\nG\n+\nI\n"[..]);
/// let mut batch = RecordBatch::new();
/// assert_eq!(reader.read_batch(&mut batch, 2)?, 2);
/// let handle = std::thread::spawn(move || batch.iter().map(|r| r.len()).sum::<usize>());
/// assert_eq!(handle.join().unwrap(), 3);
/// # Ok::<(), biometal::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct RecordBatch {
    data: Vec<u8>,
    spans: Vec<Spans>,
}

impl RecordBatch {
    /// An empty batch.
    pub fn new() -> Self {
        Self::default()
    }

    /// The number of records.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Whether the batch holds no records.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// Removes every record, keeping the buffers.
    pub fn clear(&mut self) {
        self.data.clear();
        self.spans.clear();
    }

    /// Appends a copy of `record`.
    pub fn push(&mut self, record: &RecordRef<'_>) {
        let raw = record.as_bytes();
        let raw_start = self.data.len();
        self.data.extend_from_slice(raw);
        let raw_span = (raw_start, self.data.len());
        // A part lying inside the raw bytes is located there; the joined
        // sequence and quality of a multi-line record are appended.
        let mut locate = |part: &[u8]| -> (usize, usize) {
            let from = (part.as_ptr() as usize).wrapping_sub(raw.as_ptr() as usize);
            if from <= raw.len() && part.len() <= raw.len() - from {
                (raw_start + from, raw_start + from + part.len())
            } else {
                let start = self.data.len();
                self.data.extend_from_slice(part);
                (start, self.data.len())
            }
        };
        let spans = Spans {
            raw: raw_span,
            header: locate(record.header()),
            sequence: locate(record.sequence()),
            separator: locate(record.separator()),
            quality: locate(record.quality()),
        };
        self.spans.push(spans);
    }

    /// The record at `index`.
    pub fn get(&self, index: usize) -> Option<RecordRef<'_>> {
        self.spans.get(index).map(|spans| self.view(spans))
    }

    fn view(&self, spans: &Spans) -> RecordRef<'_> {
        let slice = |(from, to): (usize, usize)| self.data.get(from..to).unwrap_or_default();
        RecordRef {
            raw: slice(spans.raw),
            header: slice(spans.header),
            sequence: slice(spans.sequence),
            separator: slice(spans.separator),
            quality: slice(spans.quality),
        }
    }

    /// The records in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = RecordRef<'_>> + '_ {
        self.spans.iter().map(|spans| self.view(spans))
    }
}

impl<R: Read> Reader<R> {
    /// Replaces the contents of `batch` with up to `max_records` records;
    /// returns how many were read (0 at the end of input).
    pub fn read_batch(&mut self, batch: &mut RecordBatch, max_records: usize) -> Result<usize> {
        batch.clear();
        while batch.len() < max_records {
            match self.next_record() {
                Some(record) => batch.push(&record?),
                None => break,
            }
        }
        Ok(batch.len())
    }
}
