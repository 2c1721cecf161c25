//! The BED writer.

use std::io::Write;

use super::reader::Line;
use super::record::RecordRef;
use crate::{Error, Format, Result};

/// Writes BED lines to any [`Write`]: records and header lines exactly as
/// they were read, so a copy through [`Reader::next_line`](super::Reader::next_line)
/// is byte-identical to its input (a last line that lacked its newline gets
/// one).
///
/// Give it a buffered writer, or a sink of the io layer
/// ([`io::open_writer`](crate::io::open_writer)), which also compresses to
/// BGZF for tabix.
///
/// ```
/// use biometal::formats::bed::{Reader, Writer};
///
/// let input = b"browser position chr1:1-100\nchr1\t0\t10\tx\t5\t+\n";
/// let mut reader = Reader::new(&input[..]);
/// let mut writer = Writer::new(Vec::new());
/// while let Some(line) = reader.next_line() {
///     writer.write_line(&line?)?;
/// }
/// assert_eq!(writer.into_inner(), input);
/// # Ok::<(), biometal::Error>(())
/// ```
#[derive(Debug)]
pub struct Writer<W> {
    inner: W,
}

impl<W: Write> Writer<W> {
    /// A writer over `inner`.
    pub fn new(inner: W) -> Self {
        Writer { inner }
    }

    /// Writes a header line or a record.
    pub fn write_line(&mut self, line: &Line<'_>) -> Result<()> {
        match line {
            Line::Header(text) => self.write_header_line(text),
            Line::Record(record) => self.write_record(record),
        }
    }

    /// Writes a `track`, `browser`, `#` or blank line; a newline is added
    /// unless `text` ends with one.
    pub fn write_header_line(&mut self, text: &[u8]) -> Result<()> {
        self.write_terminated(text)
    }

    /// Writes a record as it was read.
    pub fn write_record(&mut self, record: &RecordRef<'_>) -> Result<()> {
        self.write_terminated(record.as_bytes())
    }

    /// Flushes the wrapped writer.
    pub fn flush(&mut self) -> Result<()> {
        self.inner.flush().map_err(|e| Error::io(Format::Bed, e))
    }

    /// The wrapped writer.
    pub fn get_ref(&self) -> &W {
        &self.inner
    }

    /// Returns the wrapped writer (not flushed).
    pub fn into_inner(self) -> W {
        self.inner
    }

    fn write_terminated(&mut self, bytes: &[u8]) -> Result<()> {
        self.inner
            .write_all(bytes)
            .and_then(|()| {
                if bytes.last() == Some(&b'\n') {
                    Ok(())
                } else {
                    self.inner.write_all(b"\n")
                }
            })
            .map_err(|e| Error::io(Format::Bed, e))
    }
}
