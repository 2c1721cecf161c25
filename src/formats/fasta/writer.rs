//! The FASTA writer.

use std::io::Write;

use super::record::{Record, RecordRef};
use crate::{Error, Format, Result};

/// The default number of bases per line, as `samtools faidx` writes.
pub const DEFAULT_LINE_WIDTH: usize = 60;

/// Writes FASTA records, wrapping sequences at a configurable width
/// (`0` = one line per sequence). Give it a buffered writer.
///
/// ```
/// use biometal::formats::fasta::Writer;
///
/// let mut writer = Writer::with_line_width(Vec::new(), 4);
/// writer.write_fields(b"chr1 test", b"ACGTACGTAC")?;
/// assert_eq!(writer.into_inner(), b">chr1 test\nACGT\nACGT\nAC\n");
/// # Ok::<(), biometal::Error>(())
/// ```
#[derive(Debug)]
pub struct Writer<W> {
    inner: W,
    line_width: usize,
}

impl<W: Write> Writer<W> {
    /// A writer with lines of [`DEFAULT_LINE_WIDTH`] bases.
    pub fn new(inner: W) -> Self {
        Self::with_line_width(inner, DEFAULT_LINE_WIDTH)
    }

    /// A writer with lines of `line_width` bases (`0`: no wrapping).
    pub fn with_line_width(inner: W, line_width: usize) -> Self {
        Writer { inner, line_width }
    }

    /// Writes a record from its header (after `>`) and bases. Fails with
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) if either
    /// contains a line break.
    pub fn write_fields(&mut self, header: &[u8], sequence: &[u8]) -> Result<()> {
        if memchr::memchr2(b'\n', b'\r', header).is_some()
            || memchr::memchr2(b'\n', b'\r', sequence).is_some()
        {
            return Err(Error::invalid_input(
                Format::Fasta,
                "cannot write a header or sequence containing a line break",
            )
            .with_name(String::from_utf8_lossy(header)));
        }
        self.write(b">")?;
        self.write(header)?;
        self.write(b"\n")?;
        let width = if self.line_width == 0 {
            sequence.len().max(1)
        } else {
            self.line_width
        };
        for line in sequence.chunks(width) {
            self.write(line)?;
            self.write(b"\n")?;
        }
        Ok(())
    }

    /// Writes a borrowed record, re-wrapped at this writer's width.
    pub fn write_record_ref(&mut self, record: &RecordRef<'_>) -> Result<()> {
        self.write_fields(record.header(), record.sequence())
    }

    /// Writes an owned record.
    pub fn write_record(&mut self, record: &Record) -> Result<()> {
        self.write_fields(record.header(), record.sequence())
    }

    fn write(&mut self, bytes: &[u8]) -> Result<()> {
        self.inner
            .write_all(bytes)
            .map_err(|e| Error::io(Format::Fasta, e))
    }

    /// Flushes the wrapped writer.
    pub fn flush(&mut self) -> Result<()> {
        self.inner.flush().map_err(|e| Error::io(Format::Fasta, e))
    }

    /// The wrapped writer.
    pub fn get_ref(&self) -> &W {
        &self.inner
    }

    /// Returns the wrapped writer (not flushed).
    pub fn into_inner(self) -> W {
        self.inner
    }
}
