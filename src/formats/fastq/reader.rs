//! The FASTQ reader: three tiers over one buffer engine.

use std::io::Read;

use super::record::{Record, RecordRef};
use crate::formats::buffer::{Line, LineBuffer};
use crate::{Error, Format, Result};

/// The default initial buffer size: 256 KiB. Refills are rare, and reads
/// from a buffered decoder (such as [`io::open`](crate::io::open)'s gzip
/// input) are large enough to bypass its buffer and land here directly.
pub const DEFAULT_BUFFER_CAPACITY: usize = 256 * 1024;

/// The default cap on one record's size in bytes (64 MiB: reads of up to
/// about 32 Mbp). A record that does not fit is
/// [`ErrorKind::LimitExceeded`](crate::ErrorKind::LimitExceeded).
pub const DEFAULT_MAX_RECORD_SIZE: usize = 64 * 1024 * 1024;

/// Options for a [`Reader`].
///
/// ```
/// use biometal::formats::fastq::ReaderBuilder;
///
/// let reader = ReaderBuilder::new()
///     .buffer_capacity(1 << 20)
///     .max_record_size(1 << 24)
///     .four_line_only(true)
///     .build_from_reader(&b""[..]);
/// ```
#[derive(Debug, Clone)]
pub struct ReaderBuilder {
    buffer_capacity: usize,
    max_record_size: usize,
    four_line_only: bool,
    validate_quality: bool,
}

impl Default for ReaderBuilder {
    fn default() -> Self {
        ReaderBuilder {
            buffer_capacity: DEFAULT_BUFFER_CAPACITY,
            max_record_size: DEFAULT_MAX_RECORD_SIZE,
            four_line_only: false,
            validate_quality: false,
        }
    }
}

impl ReaderBuilder {
    /// The default options: 256 KiB buffer, 64 MiB record cap, multi-line
    /// records accepted.
    pub fn new() -> Self {
        Self::default()
    }

    /// The initial buffer size in bytes (at least 1). The buffer grows only
    /// when a single record does not fit.
    pub fn buffer_capacity(mut self, bytes: usize) -> Self {
        self.buffer_capacity = bytes.max(1);
        self
    }

    /// The largest record, in bytes, the buffer may grow to hold.
    pub fn max_record_size(mut self, bytes: usize) -> Self {
        self.max_record_size = bytes.max(1);
        self
    }

    /// When `true`, records must be exactly four lines; a wrapped
    /// (multi-line) record is an error instead of being read by the slower
    /// multi-line path.
    pub fn four_line_only(mut self, yes: bool) -> Self {
        self.four_line_only = yes;
        self
    }

    /// When `true`, every quality byte is checked to be Phred+33
    /// (`!`..=`~`) with the SIMD kernel; off by default.
    pub fn validate_quality(mut self, yes: bool) -> Self {
        self.validate_quality = yes;
        self
    }

    /// A reader over `inner` with these options.
    pub fn build_from_reader<R: Read>(self, inner: R) -> Reader<R> {
        Reader {
            buffer: LineBuffer::new(
                inner,
                self.buffer_capacity,
                self.max_record_size,
                Format::Fastq,
            ),
            four_line_only: self.four_line_only,
            validate_quality: self.validate_quality,
            pending_bytes: 0,
            pending_lines: 0,
            lines_before: 0,
            records_read: 0,
            failed: false,
            current: Spans::default(),
            joined_sequence: Vec::new(),
            joined_quality: Vec::new(),
        }
    }
}

/// Where a record lies, relative to its first byte (the buffer's first
/// unread byte while it is parsed): its parts lie within `..end`.
/// `multi_line` records keep their joined sequence and quality in the
/// reader's scratch buffers (see [`Reader::joined`]); their `sequence` and
/// `quality` are empty.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Spans {
    pub end: usize,
    pub header: (usize, usize),
    pub sequence: (usize, usize),
    pub separator: (usize, usize),
    pub quality: (usize, usize),
    pub multi_line: bool,
}

/// A FASTQ reader over any [`Read`].
///
/// Three ways to read, fastest first:
///
/// 1. [`next_record`](Self::next_record) borrows each record from the
///    reader's buffer (zero copy);
/// 2. [`read_record`](Self::read_record) copies it into a [`Record`] whose
///    buffers are reused;
/// 3. [`records`](Self::records) yields new owned records (allocates per
///    record).
///
/// Records are four lines (`@header`, sequence, `+` optionally repeating
/// the header, quality); wrapped multi-line records are read too, by a
/// slower path, unless [`ReaderBuilder::four_line_only`] is set. CRLF line
/// endings, trailing blank lines and a missing final newline are accepted.
/// Errors name the record number, line, byte offset (in the decompressed
/// text) and read name. After an error the reader yields nothing more.
///
/// ```
/// use biometal::formats::fastq::Reader;
///
/// let data = b"@r1\nACGT\n+\nIIII\n@r2\nGG\n+r2\n##\n";
/// let mut reader = Reader::new(&data[..]);
/// let mut bases = 0;
/// while let Some(record) = reader.next_record() {
///     bases += record?.sequence().len();
/// }
/// assert_eq!(bases, 6);
/// # Ok::<(), biometal::Error>(())
/// ```
pub struct Reader<R> {
    buffer: LineBuffer<R>,
    four_line_only: bool,
    validate_quality: bool,
    /// Bytes and lines of the last returned record, consumed on the next call.
    pending_bytes: usize,
    pending_lines: u64,
    /// Lines before the buffer's first unread byte.
    lines_before: u64,
    records_read: u64,
    failed: bool,
    current: Spans,
    joined_sequence: Vec<u8>,
    joined_quality: Vec<u8>,
}

impl Reader<crate::io::Source> {
    /// Opens a FASTQ file, plain, gzip (single or multi-member) or BGZF, or
    /// `-` for standard input, detected by [`io::open`](crate::io::open).
    pub fn from_path(path: impl AsRef<std::path::Path>) -> Result<Self> {
        Ok(Self::new(crate::io::open(path)?))
    }
}

impl<R: Read> Reader<R> {
    /// A reader with the default options (see [`ReaderBuilder`]).
    pub fn new(inner: R) -> Self {
        ReaderBuilder::new().build_from_reader(inner)
    }

    /// The next record, borrowed from the reader's buffer; `None` at the end
    /// of input (or after an error).
    ///
    /// ```
    /// use biometal::formats::fastq::Reader;
    ///
    /// let mut reader = Reader::new(&b"@r1\nAC\n+\nII\n"[..]);
    /// assert_eq!(reader.next_record().unwrap()?.sequence(), b"AC");
    /// assert!(reader.next_record().is_none());
    /// # Ok::<(), biometal::Error>(())
    /// ```
    #[inline]
    #[allow(clippy::should_implement_trait)]
    pub fn next_record(&mut self) -> Option<Result<RecordRef<'_>>> {
        if self.failed {
            return None;
        }
        let spans = match self.advance() {
            Ok(Some(spans)) => spans,
            Ok(None) => return None,
            Err(error) => {
                self.failed = true;
                return Some(Err(error));
            }
        };
        Some(Ok(self.record_at(&spans)))
    }

    /// Reads the next record into `record`, reusing its buffers. Returns
    /// `false` at the end of input.
    ///
    /// ```
    /// use biometal::formats::fastq::{Reader, Record};
    ///
    /// let mut reader = Reader::new(&b"@r1\nAC\n+\nII\n"[..]);
    /// let mut record = Record::default();
    /// assert!(reader.read_record(&mut record)?);
    /// assert_eq!(record.name(), b"r1");
    /// assert!(!reader.read_record(&mut record)?);
    /// # Ok::<(), biometal::Error>(())
    /// ```
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

    /// An iterator of owned records. Convenient, but it allocates a new
    /// [`Record`] for every record; prefer [`next_record`](Self::next_record)
    /// or [`read_record`](Self::read_record) on hot paths.
    ///
    /// ```
    /// use biometal::formats::fastq::Reader;
    ///
    /// let records: Vec<_> = Reader::new(&b"@a\nA\n+\nI\n@b\nC\n+\nI\n"[..])
    ///     .records()
    ///     .collect::<Result<_, _>>()?;
    /// assert_eq!(records[1].name(), b"b");
    /// # Ok::<(), biometal::Error>(())
    /// ```
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

    /// The wrapped reader, mutably. Reading from it directly desynchronises
    /// this reader.
    pub fn get_mut(&mut self) -> &mut R {
        self.buffer.get_mut()
    }

    /// Returns the wrapped reader; buffered, unread input is lost.
    pub fn into_inner(self) -> R {
        self.buffer.into_inner()
    }

    /// Starts a batch read in place: records found by [`Self::next_in_batch`]
    /// stay in [`Self::batch_bytes`] until the next batch starts. `reserve`
    /// (the bytes the batch is expected to take) lets the buffer make room.
    #[cfg(feature = "neural-engine")]
    pub(crate) fn begin_batch(&mut self, reserve: usize) {
        self.buffer.consume(self.pending_bytes);
        self.lines_before += self.pending_lines;
        self.pending_bytes = 0;
        self.pending_lines = 0;
        self.buffer.pin(reserve);
    }

    /// Makes room for a batch of `bytes` bytes in all (see [`LineBuffer::reserve`]).
    #[cfg(feature = "neural-engine")]
    pub(crate) fn reserve_batch(&mut self, bytes: usize) {
        self.buffer.reserve(bytes);
    }

    /// The next record of the batch: where it starts in
    /// [`batch_bytes`](Self::batch_bytes) and its spans from there; `None`
    /// at the end of input (or after an error).
    #[cfg(feature = "neural-engine")]
    #[inline]
    pub(crate) fn next_in_batch(&mut self) -> Result<Option<(usize, Spans)>> {
        if self.failed {
            return Ok(None);
        }
        match self.advance() {
            Ok(Some(spans)) => Ok(Some((self.buffer.pinned_len(), spans))),
            Ok(None) => Ok(None),
            Err(error) => {
                self.failed = true;
                Err(error)
            }
        }
    }

    /// The batch's records so far, from the first, and the bytes after them.
    #[cfg(feature = "neural-engine")]
    #[inline]
    pub(crate) fn batch_bytes(&self) -> &[u8] {
        self.buffer.pinned()
    }

    /// The joined sequence and quality of the last (`multi_line`) record.
    #[cfg(feature = "neural-engine")]
    pub(crate) fn joined(&self) -> (&[u8], &[u8]) {
        (&self.joined_sequence, &self.joined_quality)
    }

    /// The record whose spans (relative to the first unread byte) are
    /// `spans`.
    #[inline(always)]
    fn record_at(&self, spans: &Spans) -> RecordRef<'_> {
        let raw = self.buffer.data().get(..spans.end).unwrap_or_default();
        let slice = |(from, to): (usize, usize)| raw.get(from..to).unwrap_or_default();
        let (sequence, quality) = if spans.multi_line {
            (&self.joined_sequence[..], &self.joined_quality[..])
        } else {
            (slice(spans.sequence), slice(spans.quality))
        };
        RecordRef {
            raw,
            header: slice(spans.header),
            sequence,
            separator: slice(spans.separator),
            quality,
        }
    }

    /// The line starting at `from`, with errors located.
    #[inline]
    fn line_at(&mut self, from: usize, line_in_record: u64) -> Result<Option<Line>> {
        match self.buffer.line_at(from) {
            Ok(line) => Ok(line),
            Err(error) => Err(self.locate(error, line_in_record, from, None)),
        }
    }

    /// The line at `from`, which must exist.
    #[inline]
    fn expect_line(
        &mut self,
        from: usize,
        line_in_record: u64,
        header: Line,
        what: &'static str,
    ) -> Result<Line> {
        match self.line_at(from, line_in_record)? {
            Some(line) => Ok(line),
            None => Err(self.locate(
                Error::unexpected_eof(Format::Fastq, format!("input ended before the {what}")),
                line_in_record,
                from,
                Some(header),
            )),
        }
    }

    /// Adds the record number, line, byte offset and read name to `error`.
    fn locate(
        &self,
        error: Error,
        line_in_record: u64,
        offset: usize,
        header: Option<Line>,
    ) -> Error {
        let mut error = error
            .at_record(self.records_read + 1)
            .at_line(self.lines_before + line_in_record)
            .at_byte_offset(self.buffer.offset() + offset as u64);
        if let Some(header) = header {
            let data = self.buffer.data();
            let text = data
                .get(header.start + 1..header.content_end)
                .unwrap_or_default();
            let name = text
                .split(|&b| b == b' ' || b == b'\t')
                .next()
                .unwrap_or_default();
            error = error.with_name(String::from_utf8_lossy(name));
        }
        error
    }

    fn line_bytes(&self, line: Line) -> &[u8] {
        self.buffer
            .data()
            .get(line.start..line.content_end)
            .unwrap_or_default()
    }

    fn first_byte(&self, line: Line) -> Option<u8> {
        if line.len() == 0 {
            None
        } else {
            self.buffer.data().get(line.start).copied()
        }
    }

    /// Parses the next record and returns its spans, `None` at the end of
    /// input. The fast path takes a plain four-line record that lies wholly
    /// in the buffer; everything else (refills, CRLF, `+name` separators,
    /// wrapped records, errors, the end of input) goes to
    /// [`Self::advance_general`].
    #[inline]
    fn advance(&mut self) -> Result<Option<Spans>> {
        self.buffer.consume(self.pending_bytes);
        self.lines_before += self.pending_lines;
        match find_plain_record(&self.buffer) {
            Some(spans)
                if !self.validate_quality
                    || crate::simd::quality_stats(
                        self.buffer
                            .data()
                            .get(spans.quality.0..spans.quality.1)
                            .unwrap_or_default(),
                    )
                    .is_ok() =>
            {
                self.pending_bytes = spans.end;
                self.pending_lines = 4;
                self.records_read += 1;
                Ok(Some(spans))
            }
            _ => match self.advance_general()? {
                true => Ok(Some(self.current)),
                false => Ok(None),
            },
        }
    }

    /// Parses the next record into `self.current` (which only this path
    /// uses), whatever its shape: four lines found across refills, CRLF
    /// endings, separators repeating the name, wrapped records (via
    /// [`Self::advance_multi_line`]), trailing blank lines and every error.
    #[inline(never)]
    fn advance_general(&mut self) -> Result<bool> {
        self.pending_bytes = 0;
        self.pending_lines = 0;

        let Some(header) = self.line_at(0, 1)? else {
            return Ok(false);
        };
        match self.first_byte(header) {
            Some(b'@') => {}
            None => return self.skip_trailing_blank_lines(header),
            Some(found) => {
                let hint = if found == b'>' {
                    " (is this FASTA?)"
                } else {
                    ""
                };
                return Err(self.locate(
                    Error::invalid_data(
                        Format::Fastq,
                        format!(
                            "expected '@' at the start of a record, found {:?}{hint}",
                            char::from(found)
                        ),
                    ),
                    1,
                    0,
                    None,
                ));
            }
        }
        let sequence = self.expect_line(header.next, 2, header, "sequence line")?;
        let separator = self.expect_line(sequence.next, 3, header, "'+' separator line")?;
        if self.first_byte(separator) != Some(b'+') {
            return self.advance_multi_line(header, sequence);
        }
        let quality = match self.line_at(separator.next, 4)? {
            Some(quality) => quality,
            // An empty read's empty quality line at the very end of input.
            None if sequence.len() == 0 => Line {
                start: separator.next,
                content_end: separator.next,
                next: separator.next,
            },
            None => {
                return Err(self.locate(
                    Error::unexpected_eof(Format::Fastq, "input ended before the quality line"),
                    4,
                    separator.next,
                    Some(header),
                ))
            }
        };
        if quality.len() != sequence.len() {
            if quality.len() < sequence.len() && !self.four_line_only {
                return self.advance_multi_line(header, sequence);
            }
            return Err(self.length_mismatch(sequence.len(), quality.len(), 4, quality, header));
        }
        self.check_separator(separator, header, 3)?;
        if self.validate_quality {
            let quality_bytes = self.line_bytes(quality);
            self.check_quality(quality_bytes, quality.start, 4, header)?;
        }
        self.current = Spans {
            end: quality.next,
            header: (header.start + 1, header.content_end),
            sequence: (sequence.start, sequence.content_end),
            separator: (separator.start + 1, separator.content_end),
            quality: (quality.start, quality.content_end),
            multi_line: false,
        };
        self.pending_bytes = quality.next;
        self.pending_lines = 4;
        self.records_read += 1;
        Ok(true)
    }

    /// The slow path for wrapped records: sequence lines up to the `+` line,
    /// then quality lines until the quality is as long as the sequence.
    #[inline(never)]
    fn advance_multi_line(&mut self, header: Line, first_sequence: Line) -> Result<bool> {
        let mut sequence = std::mem::take(&mut self.joined_sequence);
        let mut quality = std::mem::take(&mut self.joined_quality);
        let result = self.read_multi_line(header, first_sequence, &mut sequence, &mut quality);
        self.joined_sequence = sequence;
        self.joined_quality = quality;
        result
    }

    fn read_multi_line(
        &mut self,
        header: Line,
        first_sequence: Line,
        sequence: &mut Vec<u8>,
        quality: &mut Vec<u8>,
    ) -> Result<bool> {
        sequence.clear();
        quality.clear();
        sequence.extend_from_slice(self.line_bytes(first_sequence));
        let mut line_in_record = 3;
        let mut line = self.expect_line(first_sequence.next, 3, header, "'+' separator line")?;
        loop {
            match self.first_byte(line) {
                Some(b'+') => break,
                found if self.four_line_only || found == Some(b'@') => {
                    let found = match found {
                        Some(byte) => format!("{:?}", char::from(byte)),
                        None => "an empty line".to_owned(),
                    };
                    return Err(self.locate(
                        Error::invalid_data(
                            Format::Fastq,
                            format!("expected a '+' separator line, found {found}"),
                        ),
                        line_in_record,
                        line.start,
                        Some(header),
                    ));
                }
                _ => {}
            }
            sequence.extend_from_slice(self.line_bytes(line));
            line_in_record += 1;
            line = self.expect_line(line.next, line_in_record, header, "'+' separator line")?;
        }
        let separator = line;
        self.check_separator(separator, header, line_in_record)?;
        let mut end = separator.next;
        loop {
            line_in_record += 1;
            let line = match self.line_at(end, line_in_record)? {
                Some(line) => line,
                None if sequence.is_empty() && quality.is_empty() => break,
                None => {
                    return Err(self.locate(
                        Error::unexpected_eof(
                            Format::Fastq,
                            format!(
                                "input ended inside the quality ({} of {} bytes)",
                                quality.len(),
                                sequence.len()
                            ),
                        ),
                        line_in_record,
                        end,
                        Some(header),
                    ))
                }
            };
            quality.extend_from_slice(self.line_bytes(line));
            end = line.next;
            if quality.len() > sequence.len() {
                return Err(self.length_mismatch(
                    sequence.len(),
                    quality.len(),
                    line_in_record,
                    line,
                    header,
                ));
            }
            if quality.len() == sequence.len() {
                break;
            }
        }
        if self.validate_quality {
            self.check_quality(quality, separator.next, line_in_record, header)?;
        }
        self.current = Spans {
            end,
            header: (header.start + 1, header.content_end),
            separator: (separator.start + 1, separator.content_end),
            multi_line: true,
            ..Spans::default()
        };
        self.pending_bytes = end;
        self.pending_lines = line_in_record;
        self.records_read += 1;
        Ok(true)
    }

    /// The separator may repeat the header (or just the name) after `+`.
    #[inline]
    fn check_separator(&self, separator: Line, header: Line, line_in_record: u64) -> Result<()> {
        if separator.len() == 1 {
            return Ok(());
        }
        let data = self.buffer.data();
        let repeated = data
            .get(separator.start + 1..separator.content_end)
            .unwrap_or_default();
        let header_text = data
            .get(header.start + 1..header.content_end)
            .unwrap_or_default();
        let name = header_text
            .split(|&b| b == b' ' || b == b'\t')
            .next()
            .unwrap_or_default();
        if repeated == header_text || repeated == name {
            return Ok(());
        }
        Err(self.locate(
            Error::invalid_data(
                Format::Fastq,
                format!(
                    "the '+' line repeats '{}', which differs from the header",
                    String::from_utf8_lossy(repeated)
                ),
            ),
            line_in_record,
            separator.start,
            Some(header),
        ))
    }

    /// Checks Phred+33 range; `offset` is where the quality begins.
    fn check_quality(
        &self,
        quality: &[u8],
        offset: usize,
        line_in_record: u64,
        header: Line,
    ) -> Result<()> {
        match crate::simd::quality_stats(quality) {
            Ok(_) => Ok(()),
            Err(invalid) => Err(self.locate(
                Error::invalid_data(
                    Format::Fastq,
                    format!(
                        "quality byte {:?} at read position {} is outside Phred+33 ('!'..='~')",
                        char::from(invalid.byte()),
                        invalid.position() + 1
                    ),
                ),
                line_in_record,
                offset,
                Some(header),
            )),
        }
    }

    #[cold]
    fn length_mismatch(
        &self,
        sequence_len: usize,
        quality_len: usize,
        line_in_record: u64,
        quality: Line,
        header: Line,
    ) -> Error {
        self.locate(
            Error::invalid_data(
                Format::Fastq,
                format!(
                    "sequence has {sequence_len} bases but quality has {quality_len} characters"
                ),
            ),
            line_in_record,
            quality.start,
            Some(header),
        )
    }

    /// Blank lines may end the file; anything after them is an error.
    #[inline(never)]
    fn skip_trailing_blank_lines(&mut self, first: Line) -> Result<bool> {
        let mut line = first;
        let mut line_in_record = 1;
        while line.len() == 0 {
            match self.line_at(line.next, line_in_record + 1)? {
                Some(next) => {
                    line = next;
                    line_in_record += 1;
                }
                None => {
                    self.pending_bytes = line.next;
                    self.pending_lines = line_in_record;
                    return Ok(false);
                }
            }
        }
        Err(self.locate(
            Error::invalid_data(
                Format::Fastq,
                "blank line between records (only the end of the file may have blank lines)",
            ),
            1,
            0,
            None,
        ))
    }
}

/// The spans of a four-line record at the start of the buffer's unread
/// bytes, if it is the common case: `@` header, sequence, a bare `+` line
/// and a quality line as long as the sequence, all four ending in `\n` (no
/// `\r`) within the buffered bytes. Line ends come from the buffer's
/// newline index, popped in order. Anything else, valid or not, is left to the general path,
/// which checks it fully; so a `Some` here is a record the general path
/// would accept with the same spans.
#[inline(always)]
fn find_plain_record<R: Read>(buffer: &LineBuffer<R>) -> Option<Spans> {
    let data = buffer.data();
    if data.first() != Some(&b'@') {
        return None;
    }
    let mut newlines = buffer.newlines_from(0);
    let header_end = newlines.next()?;
    let sequence_start = header_end + 1;
    let sequence_end = newlines.next()?;
    let separator_start = sequence_end + 1;
    let quality_start = separator_start + 2;
    // With these bytes, the next newline is the separator's.
    if data.get(separator_start..quality_start)? != b"+\n" {
        return None;
    }
    newlines.next()?;
    let quality_end = quality_start + (sequence_end - sequence_start);
    if newlines.next()? != quality_end {
        return None;
    }
    // A `\r` before a newline means CRLF; the general path strips it. (For
    // an empty sequence or quality, the byte before is the previous `\n`.)
    let before_newline = |newline: usize| data.get(newline.wrapping_sub(1)).copied();
    if before_newline(header_end) == Some(b'\r')
        || before_newline(sequence_end) == Some(b'\r')
        || before_newline(quality_end) == Some(b'\r')
    {
        return None;
    }
    Some(Spans {
        end: quality_end + 1,
        header: (1, header_end),
        sequence: (sequence_start, sequence_end),
        separator: (separator_start + 1, separator_start + 1),
        quality: (quality_start, quality_end),
        multi_line: false,
    })
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

#[cfg(test)]
#[path = "reader_tests.rs"]
mod tests;
