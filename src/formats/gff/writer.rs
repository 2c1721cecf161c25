//! The GFF3/GTF writer.

use std::io::Write;

use super::reader::Line;
use super::record::RecordRef;
use crate::{Error, Format, Result};

/// Writes GFF3/GTF lines to any [`Write`]: directives, comments and records
/// exactly as they were read, so a copy through
/// [`Reader::next_line`](super::Reader::next_line) is byte-identical to its
/// input up to `##FASTA` (a last line that lacked its newline gets one);
/// copy the FASTA section after it with the FASTA reader and writer, or
/// verbatim.
///
/// Give it a buffered writer, or a sink of the io layer
/// ([`io::open_writer`](crate::io::open_writer)), which also compresses to
/// BGZF for tabix.
///
/// ```
/// use biometal::formats::gff::{Reader, Writer};
///
/// let input = b"##gff-version 3\n# made by hand\nctg1\t.\tgene\t1\t8\t.\t+\t.\tID=g1\n###\n";
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

    /// Writes a directive, comment or record as it was read.
    pub fn write_line(&mut self, line: &Line<'_>) -> Result<()> {
        match line {
            Line::Directive(directive) => self.write_terminated(directive.as_bytes()),
            Line::Comment(text) => self.write_terminated(text),
            Line::Record(record) => self.write_record(record),
        }
    }

    /// Writes a record as it was read.
    pub fn write_record(&mut self, record: &RecordRef<'_>) -> Result<()> {
        self.write_terminated(record.as_bytes())
    }

    /// Writes a directive or comment line given without its leading `#`s
    /// being checked; a newline is added unless `text` ends with one.
    pub fn write_comment_line(&mut self, text: &[u8]) -> Result<()> {
        self.write_terminated(text)
    }

    /// Flushes the wrapped writer.
    pub fn flush(&mut self) -> Result<()> {
        self.inner.flush().map_err(|e| Error::io(Format::Gff, e))
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
            .map_err(|e| Error::io(Format::Gff, e))
    }
}
