//! Reading BAM: header, then records in three tiers (borrowed, reused,
//! owned).

use std::io::{BufRead, Read};
use std::path::Path;

use crate::bgzf::{self, VirtualPosition};
use crate::formats::sam::header::{Header, Strictness};
use crate::formats::sam::{Record, RecordRef};
use crate::{Error, Format, Result};

/// The largest record accepted by default (`block_size`): 64 MiB, enough
/// for a 20 Mbp read with qualities.
pub const DEFAULT_MAX_RECORD_SIZE: u32 = 64 << 20;

/// A BGZF-backed source that can report and seek to virtual positions.
///
/// [`BufRead::fill_buf`] must lend bytes of one BGZF block, starting at
/// [`virtual_position`](Self::virtual_position): the reader derives the
/// positions of records within that buffer from it.
pub trait VirtualPositioned: BufRead {
    /// The virtual position of the next byte, if the source is BGZF.
    fn virtual_position(&mut self) -> Option<VirtualPosition>;
    /// Moves to `position` (index queries).
    ///
    /// # Errors
    ///
    /// When the source is not seekable BGZF, or the position is invalid.
    fn seek_virtual(&mut self, position: VirtualPosition) -> Result<()>;
}

impl<R: Read + std::io::Seek> VirtualPositioned for bgzf::Reader<R> {
    fn virtual_position(&mut self) -> Option<VirtualPosition> {
        Some(bgzf::Reader::virtual_position(self))
    }
    fn seek_virtual(&mut self, position: VirtualPosition) -> Result<()> {
        self.seek(position)
    }
}

impl VirtualPositioned for crate::io::Source {
    fn virtual_position(&mut self) -> Option<VirtualPosition> {
        self.bgzf_mut()
            .map(|reader| bgzf::Reader::virtual_position(reader))
    }
    fn seek_virtual(&mut self, position: VirtualPosition) -> Result<()> {
        match self.bgzf_mut() {
            Some(reader) => reader.seek(position),
            None => Err(Error::unsupported(
                Format::Bam,
                "seeking needs BGZF-compressed input",
            )),
        }
    }
}

/// An uncompressed BAM stream (`samtools view -u` piped through
/// `bgzip -d`, or test data): no virtual positions, no seeking.
#[derive(Debug)]
pub struct Uncompressed<R>(pub R);

impl<R: Read> Read for Uncompressed<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(out)
    }
}

impl<R: BufRead> BufRead for Uncompressed<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.0.fill_buf()
    }
    fn consume(&mut self, amount: usize) {
        self.0.consume(amount)
    }
}

impl<R: BufRead> VirtualPositioned for Uncompressed<R> {
    fn virtual_position(&mut self) -> Option<VirtualPosition> {
        None
    }
    fn seek_virtual(&mut self, _: VirtualPosition) -> Result<()> {
        Err(Error::unsupported(
            Format::Bam,
            "uncompressed BAM cannot seek by virtual position",
        ))
    }
}

/// Options for a [`Reader`].
#[derive(Debug, Clone, Copy)]
pub struct ReaderBuilder {
    threads: usize,
    max_record_size: u32,
    strictness: Strictness,
}

impl Default for ReaderBuilder {
    fn default() -> Self {
        ReaderBuilder {
            threads: 1,
            max_record_size: DEFAULT_MAX_RECORD_SIZE,
            strictness: Strictness::Lenient,
        }
    }
}

impl ReaderBuilder {
    /// Default options: one thread, lenient header parsing.
    pub fn new() -> Self {
        Self::default()
    }

    /// Threads decompressing BGZF blocks (1: decode inline).
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = threads.max(1);
        self
    }

    /// The largest `block_size` accepted; larger records are an
    /// [`ErrorKind::LimitExceeded`](crate::ErrorKind::LimitExceeded) error.
    pub fn max_record_size(mut self, bytes: u32) -> Self {
        self.max_record_size = bytes;
        self
    }

    /// How strictly the header text is parsed (lenient by default, as
    /// samtools reads BAM).
    pub fn strictness(mut self, strictness: Strictness) -> Self {
        self.strictness = strictness;
        self
    }

    /// Opens `path` through [`io::open_with`](crate::io::open_with).
    ///
    /// # Errors
    ///
    /// When the file cannot be opened.
    pub fn build_from_path(self, path: impl AsRef<Path>) -> Result<Reader<crate::io::Source>> {
        let options = crate::io::IoOptions::default().with_bgzf_threads(self.threads);
        Ok(self.build(crate::io::open_with(path, &options)?))
    }

    /// A reader of the decompressed BAM stream `inner` (a
    /// [`bgzf::Reader`], an [`io::Source`](crate::io::Source), or any
    /// [`BufRead`] of uncompressed BAM).
    pub fn build<R: BufRead>(self, inner: R) -> Reader<R> {
        Reader {
            inner,
            options: self,
            reference_count: None,
            records_read: 0,
            pending_consume: 0,
            buffered: 0,
            scratch: Record::default(),
        }
    }
}

/// A BAM reader.
pub struct Reader<R> {
    inner: R,
    options: ReaderBuilder,
    reference_count: Option<usize>,
    records_read: u64,
    pending_consume: usize,
    /// The length of the buffer the records pending consumption lie in.
    buffered: usize,
    scratch: Record,
}

impl Reader<crate::io::Source> {
    /// Opens a BAM file with default options.
    ///
    /// # Errors
    ///
    /// When the file cannot be opened.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Self> {
        ReaderBuilder::new().build_from_path(path)
    }
}

impl<R: Read> Reader<bgzf::Reader<R>> {
    /// A reader of BGZF-compressed BAM from `inner`, decoding with
    /// `threads` threads.
    pub fn with_threads(inner: R, threads: usize) -> Self {
        let bgzf = bgzf::ReaderBuilder::new().threads(threads).build(inner);
        ReaderBuilder::new().threads(threads).build(bgzf)
    }
}

impl<R: BufRead> Reader<R> {
    /// A reader of decompressed BAM with default options.
    pub fn new(inner: R) -> Self {
        ReaderBuilder::new().build(inner)
    }

    /// The source.
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// The source, mutably (reading from it directly desynchronises the
    /// reader).
    pub fn get_mut(&mut self) -> &mut R {
        self.settle();
        &mut self.inner
    }

    /// The source.
    pub fn into_inner(mut self) -> R {
        self.settle();
        self.inner
    }

    fn settle(&mut self) {
        if self.pending_consume > 0 {
            self.inner.consume(self.pending_consume);
            self.pending_consume = 0;
        }
    }

    /// Reads the header; call once, first.
    ///
    /// # Errors
    ///
    /// A bad magic number, truncation, or a malformed header.
    pub fn read_header(&mut self) -> Result<Header> {
        self.settle();
        let header = super::header::read_header(&mut self.inner, self.options.strictness)?;
        self.reference_count = Some(header.reference_sequences().len());
        Ok(header)
    }

    /// The number of records read so far.
    pub fn records_read(&self) -> u64 {
        self.records_read
    }

    fn record_error(&self, error: Error, at: Option<VirtualPosition>) -> Error {
        let error = error.at_record(self.records_read + 1);
        match at {
            Some(position) => error.at_virtual_position(position),
            None => error,
        }
    }

    /// Reads `block_size`: `Ok(None)` at a clean end of input.
    fn read_block_size(&mut self) -> Result<Option<u32>> {
        let mut size = [0u8; 4];
        let mut filled = 0;
        while filled < 4 {
            let available = self.inner.fill_buf().map_err(Error::from)?;
            if available.is_empty() {
                if filled == 0 {
                    return Ok(None);
                }
                return Err(Error::unexpected_eof(
                    Format::Bam,
                    format!("input ends inside block_size ({filled} of 4 bytes)"),
                ));
            }
            let n = available.len().min(4 - filled);
            size[filled..filled + n].copy_from_slice(&available[..n]);
            self.inner.consume(n);
            filled += n;
        }
        let size = u32::from_le_bytes(size);
        if size < 32 {
            return Err(Error::invalid_data(
                Format::Bam,
                format!("block_size {size} is smaller than the 32-byte fixed part"),
            ));
        }
        if size > self.options.max_record_size {
            return Err(Error::limit_exceeded(
                Format::Bam,
                "record (block_size)",
                u64::from(size),
                u64::from(self.options.max_record_size),
            ));
        }
        Ok(Some(size))
    }
}

impl<R: VirtualPositioned> Reader<R> {
    /// The virtual position of the next record (BGZF input), in canonical
    /// form: at a block end it names the start of the next block, as
    /// htslib's `bgzf_tell` does and indexes store.
    pub fn virtual_position(&mut self) -> Option<VirtualPosition> {
        if self.pending_consume > 0 && self.pending_consume < self.buffered {
            // Inside the block: where its lent bytes start, plus the
            // records handed out from them (no consume, no refill).
            let start = self.inner.virtual_position()?;
            let within = usize::from(start.uncompressed_offset()) + self.pending_consume;
            let within = u16::try_from(within).ok();
            if let Some(position) =
                within.and_then(|within| VirtualPosition::new(start.compressed_offset(), within))
            {
                return Some(position);
            }
        }
        self.settle();
        // Loading the next block (if the current one is used up) makes the
        // position canonical; a read error resurfaces at the next read.
        let _ = self.inner.fill_buf();
        self.inner.virtual_position()
    }

    /// Moves to `position` (from an index); the header must have been read.
    ///
    /// # Errors
    ///
    /// When the position cannot be reached.
    pub fn seek(&mut self, position: VirtualPosition) -> Result<()> {
        self.pending_consume = 0;
        self.inner.seek_virtual(position)
    }

    /// Reads the next record into `record`, reusing its buffer: `false` at
    /// the end of input.
    ///
    /// # Errors
    ///
    /// Truncation or a malformed record, naming the record number and its
    /// virtual position.
    pub fn read_record(&mut self, record: &mut Record) -> Result<bool> {
        let at = self.virtual_position();
        let size = match self.read_block_size() {
            Ok(Some(size)) => size,
            Ok(None) => return Ok(false),
            Err(e) => return Err(self.record_error(e, at)),
        };
        let inner = &mut self.inner;
        let number = self.records_read + 1;
        let result = record.refill_read(self.reference_count, number, |bytes| {
            let read = crate::io::append_from(inner, bytes, size as usize).map_err(Error::from)?;
            if read < size as usize {
                return Err(Error::unexpected_eof(
                    Format::Bam,
                    format!("input ends inside a record: block_size {size}, {read} bytes present"),
                ));
            }
            Ok(())
        });
        result.map_err(|e| self.record_error(e, at))?;
        self.records_read = number;
        Ok(true)
    }

    /// The next record, borrowed: from the decompressed buffer itself when
    /// the record lies within it (no copy), else from an internal buffer.
    /// `None` at the end of input.
    ///
    /// # Errors
    ///
    /// As [`Reader::read_record`].
    #[inline]
    pub fn next_record(&mut self) -> Result<Option<RecordRef<'_>>> {
        // Fast path: block_size and the whole record buffered after the
        // records already handed out from this buffer, which are consumed
        // only when the buffer runs out (or the reader is used otherwise).
        let number = self.records_read + 1;
        let (max, references) = (self.options.max_record_size, self.reference_count);
        loop {
            let handed_out = self.pending_consume;
            // The record's bytes as a pointer, so that the buffer's borrow
            // ends here and the slow paths below may use `self.inner`.
            let checked = {
                let available = self.inner.fill_buf().map_err(Error::from)?;
                self.buffered = available.len();
                let rest = available.get(handed_out..).unwrap_or_default();
                match rest
                    .first_chunk::<4>()
                    .map(|size| u32::from_le_bytes(*size))
                {
                    Some(size) if size >= 32 && size <= max && rest.len() - 4 >= size as usize => {
                        let bytes = &rest[4..4 + size as usize];
                        let layout = RecordRef::read(bytes, references, number)
                            .map(|record| record.layout());
                        Some((handed_out + 4 + bytes.len(), layout, bytes as *const [u8]))
                    }
                    _ => None,
                }
            };
            match checked {
                Some((end, Ok(layout), bytes)) => {
                    self.records_read = number;
                    self.pending_consume = end;
                    // SAFETY: `bytes` points into the buffer that
                    // `self.inner.fill_buf()` lent just above; `self.inner`
                    // has not been used since, and the view returned
                    // borrows `self` mutably, so the buffer can neither
                    // change nor move while the view lives.
                    let bytes = unsafe { &*bytes };
                    return Ok(Some(RecordRef::from_layout(bytes, layout)));
                }
                Some((_, Err(e), _)) => {
                    self.settle();
                    let at = self.inner.virtual_position();
                    return Err(self.record_error(e, at));
                }
                // The buffer is used up: take the next one and try again.
                None if handed_out > 0 => self.settle(),
                None => break,
            }
        }
        let mut scratch = std::mem::take(&mut self.scratch);
        let more = self.read_record(&mut scratch);
        self.scratch = scratch;
        Ok(if more? {
            Some(self.scratch.as_ref())
        } else {
            None
        })
    }

    /// Reads up to `max` records into `batch`, reusing the records (and
    /// their buffers) already there; returns how many were read (0 at the
    /// end of input). `batch` keeps its other records for reuse, so use
    /// `&batch[..n]`.
    ///
    /// # Errors
    ///
    /// As [`Reader::read_record`].
    pub fn read_batch(&mut self, batch: &mut Vec<Record>, max: usize) -> Result<usize> {
        let mut n = 0;
        while n < max {
            if batch.len() == n {
                batch.push(Record::default());
            }
            if !self.read_record(&mut batch[n])? {
                break;
            }
            n += 1;
        }
        Ok(n)
    }

    /// Owned records; each is a fresh allocation (use
    /// [`Reader::read_record`] on hot paths).
    pub fn records(&mut self) -> impl Iterator<Item = Result<Record>> + '_ {
        std::iter::from_fn(move || {
            let mut record = Record::default();
            match self.read_record(&mut record) {
                Ok(true) => Some(Ok(record)),
                Ok(false) => None,
                Err(e) => Some(Err(e)),
            }
        })
    }
}
