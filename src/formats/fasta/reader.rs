//! The streaming FASTA reader.

use std::io::Read;

use super::record::{Record, RecordRef};
use crate::formats::buffer::{Line, LineBuffer};
use crate::{Error, Format, Result};

/// The default cap on one record's size in bytes, line breaks included:
/// 1 GiB, enough for any human chromosome. A streaming reader holds a whole
/// record; use [`IndexedReader`](super::IndexedReader) to read parts of
/// larger sequences in constant memory.
pub const DEFAULT_MAX_RECORD_SIZE: usize = 1 << 30;

/// Options for a FASTA [`Reader`].
///
/// ```
/// use biometal::formats::fasta::ReaderBuilder;
///
/// let reader = ReaderBuilder::new().buffer_capacity(1 << 16).build_from_reader(&b""[..]);
/// ```
#[derive(Debug, Clone)]
pub struct ReaderBuilder {
    buffer_capacity: usize,
    max_record_size: usize,
}

impl Default for ReaderBuilder {
    fn default() -> Self {
        ReaderBuilder {
            buffer_capacity: 64 * 1024,
            max_record_size: DEFAULT_MAX_RECORD_SIZE,
        }
    }
}

impl ReaderBuilder {
    /// Default options: 64 KiB initial buffer, 1 GiB record cap.
    pub fn new() -> Self {
        Self::default()
    }

    /// The initial buffer size in bytes (at least 1).
    pub fn buffer_capacity(mut self, bytes: usize) -> Self {
        self.buffer_capacity = bytes.max(1);
        self
    }

    /// The largest record, in bytes, the buffer may grow to hold.
    pub fn max_record_size(mut self, bytes: usize) -> Self {
        self.max_record_size = bytes.max(1);
        self
    }

    /// A reader over `inner` with these options.
    pub fn build_from_reader<R: Read>(self, inner: R) -> Reader<R> {
        Reader {
            buffer: LineBuffer::new(
                inner,
                self.buffer_capacity,
                self.max_record_size,
                Format::Fasta,
            ),
            pending_bytes: 0,
            pending_lines: 0,
            lines_before: 0,
            records_read: 0,
            failed: false,
            header: (0, 0),
            sequence: (0, 0),
            end: 0,
            wrapped: false,
            joined: Vec::new(),
        }
    }
}

/// A streaming FASTA reader over any [`Read`]: `>` header lines, each
/// followed by any number of sequence lines (blank lines are skipped, CRLF
/// accepted).
///
/// ```
/// use biometal::formats::fasta::Reader;
///
/// let mut reader = Reader::new(&b">a\nAC\nGT\n>b\nTT\n"[..]);
/// let mut lengths = Vec::new();
/// while let Some(record) = reader.next_record() {
///     lengths.push(record?.len());
/// }
/// assert_eq!(lengths, [4, 2]);
/// # Ok::<(), biometal::Error>(())
/// ```
pub struct Reader<R> {
    buffer: LineBuffer<R>,
    pending_bytes: usize,
    pending_lines: u64,
    lines_before: u64,
    records_read: u64,
    failed: bool,
    header: (usize, usize),
    sequence: (usize, usize),
    end: usize,
    wrapped: bool,
    joined: Vec<u8>,
}

impl Reader<crate::io::Source> {
    /// Opens a FASTA file, plain, gzip (single or multi-member) or BGZF, or
    /// `-` for standard input, detected by [`io::open`](crate::io::open).
    pub fn from_path(path: impl AsRef<std::path::Path>) -> Result<Self> {
        Ok(Self::new(crate::io::open(path)?))
    }
}

impl<R: Read> Reader<R> {
    /// A reader with the default options.
    pub fn new(inner: R) -> Self {
        ReaderBuilder::new().build_from_reader(inner)
    }

    /// The next record, borrowed; `None` at the end of input or after an
    /// error.
    #[allow(clippy::should_implement_trait)]
    pub fn next_record(&mut self) -> Option<Result<RecordRef<'_>>> {
        if self.failed {
            return None;
        }
        match self.advance() {
            Ok(true) => {
                let data = self.buffer.data();
                let slice = |(from, to): (usize, usize)| data.get(from..to).unwrap_or_default();
                let sequence = if self.wrapped {
                    &self.joined[..]
                } else {
                    slice(self.sequence)
                };
                Some(Ok(RecordRef {
                    raw: slice((0, self.end)),
                    header: slice(self.header),
                    sequence,
                }))
            }
            Ok(false) => None,
            Err(error) => {
                self.failed = true;
                Some(Err(error))
            }
        }
    }

    /// Reads the next record into `record`, reusing its buffers; `false` at
    /// the end of input.
    pub fn read_record(&mut self, record: &mut Record) -> Result<bool> {
        match self.next_record() {
            Some(Ok(found)) => {
                record.set_from(&found);
                Ok(true)
            }
            Some(Err(error)) => Err(error),
            None => Ok(false),
        }
    }

    /// An iterator of owned records (allocates per record).
    pub fn records(&mut self) -> Records<'_, R> {
        Records { reader: self }
    }

    /// The number of records read so far.
    pub fn records_read(&self) -> u64 {
        self.records_read
    }

    /// The wrapped reader.
    pub fn get_ref(&self) -> &R {
        self.buffer.get_ref()
    }

    /// The wrapped reader, mutably; reading from it directly skips input.
    pub fn get_mut(&mut self) -> &mut R {
        self.buffer.get_mut()
    }

    /// Returns the wrapped reader; buffered input is lost.
    pub fn into_inner(self) -> R {
        self.buffer.into_inner()
    }

    fn line_at(&mut self, from: usize, line_in_record: u64) -> Result<Option<Line>> {
        match self.buffer.line_at(from) {
            Ok(line) => Ok(line),
            Err(error) => Err(error
                .at_record(self.records_read + 1)
                .at_line(self.lines_before + line_in_record)),
        }
    }

    fn first_byte(&self, line: Line) -> Option<u8> {
        if line.len() == 0 {
            None
        } else {
            self.buffer.data().get(line.start).copied()
        }
    }

    fn advance(&mut self) -> Result<bool> {
        self.buffer.consume(self.pending_bytes);
        self.lines_before += self.pending_lines;
        self.pending_bytes = 0;
        self.pending_lines = 0;

        // Blank lines before a header are skipped.
        let header = loop {
            let Some(line) = self.line_at(0, 1)? else {
                return Ok(false);
            };
            if line.len() > 0 {
                break line;
            }
            self.buffer.consume(line.next);
            self.lines_before += 1;
        };
        if self.first_byte(header) != Some(b'>') {
            let found = self.first_byte(header).unwrap_or(b'\n');
            let hint = if found == b'@' {
                " (is this FASTQ?)"
            } else {
                ""
            };
            return Err(Error::invalid_data(
                Format::Fasta,
                format!(
                    "expected '>' at the start of a record, found {:?}{hint}",
                    char::from(found)
                ),
            )
            .at_record(self.records_read + 1)
            .at_line(self.lines_before + 1)
            .at_byte_offset(self.buffer.offset()));
        }
        self.header = (1, header.content_end);
        self.sequence = (header.next, header.next);
        self.wrapped = false;
        let mut sequence_lines = 0;
        let mut lines = 1;
        let mut end = header.next;
        while let Some(line) = self.line_at(end, lines + 1)? {
            match self.first_byte(line) {
                Some(b'>') => break,
                None => {}
                Some(_) => {
                    sequence_lines += 1;
                    if sequence_lines == 1 {
                        self.sequence = (line.start, line.content_end);
                    } else {
                        self.join(line, sequence_lines == 2);
                    }
                }
            }
            lines += 1;
            end = line.next;
        }
        self.end = end;
        self.pending_bytes = end;
        self.pending_lines = lines;
        self.records_read += 1;
        Ok(true)
    }

    /// Appends a further sequence line to the join buffer (starting it with
    /// the first line when `first_join`).
    #[inline(never)]
    fn join(&mut self, line: Line, first_join: bool) {
        let data = self.buffer.data();
        if first_join {
            self.wrapped = true;
            self.joined.clear();
            self.joined.extend_from_slice(
                data.get(self.sequence.0..self.sequence.1)
                    .unwrap_or_default(),
            );
        }
        self.joined
            .extend_from_slice(data.get(line.start..line.content_end).unwrap_or_default());
    }
}

/// The owned-record iterator of [`Reader::records`]; allocates per record.
pub struct Records<'r, R> {
    reader: &'r mut Reader<R>,
}

impl<R: Read> Iterator for Records<'_, R> {
    type Item = Result<Record>;

    fn next(&mut self) -> Option<Self::Item> {
        self.reader
            .next_record()
            .map(|result| result.map(|record| record.to_owned()))
    }
}
