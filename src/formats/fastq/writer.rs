//! The FASTQ writer.

use std::io::Write;

use super::record::{Record, RecordRef};
use crate::{Error, Format, Result};

/// Writes FASTQ records to any [`Write`] as four-line records with `\n`
/// line endings.
///
/// Each record is written with a few small `write_all` calls, so give it a
/// buffered writer ([`std::io::BufWriter`], or a sink of the io layer, which
/// also compresses to gzip or BGZF).
///
/// ```
/// use biometal::formats::fastq::{Record, Writer};
///
/// let mut writer = Writer::new(Vec::new());
/// writer.write_fields(b"r1 lane=1", b"ACGT", b"IIII")?;
/// writer.write_record(&Record::new(b"r2", b"G", b"#"))?;
/// assert_eq!(writer.into_inner(), b"@r1 lane=1\nACGT\n+\nIIII\n@r2\nG\n+\n#\n");
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

    /// Writes a record read by a [`Reader`](super::Reader) exactly as it was
    /// read (its [`as_bytes`](RecordRef::as_bytes)), so a pass-through copy
    /// is byte-identical to its input; a final record that lacked its
    /// newline gets one. A record view without raw bytes (from
    /// [`Record::as_record_ref`]) is written field by field.
    pub fn write_record_ref(&mut self, record: &RecordRef<'_>) -> Result<()> {
        let raw = record.as_bytes();
        if raw.is_empty() {
            return self.write_parts(
                record.header(),
                record.sequence(),
                record.separator(),
                record.quality(),
            );
        }
        self.write(raw)?;
        if raw.last() != Some(&b'\n') {
            self.write(b"\n")?;
        }
        Ok(())
    }

    /// Writes an owned record (its `+` line repeats what it held).
    pub fn write_record(&mut self, record: &Record) -> Result<()> {
        self.write_parts(
            record.header(),
            record.sequence(),
            record.separator(),
            record.quality(),
        )
    }

    /// Writes a record from its header (after `@`), bases and qualities,
    /// with a bare `+` separator.
    ///
    /// Fails with [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput)
    /// if the sequence and quality lengths differ or a field contains a line
    /// break.
    pub fn write_fields(&mut self, header: &[u8], sequence: &[u8], quality: &[u8]) -> Result<()> {
        self.write_parts(header, sequence, b"", quality)
    }

    fn write_parts(
        &mut self,
        header: &[u8],
        sequence: &[u8],
        separator: &[u8],
        quality: &[u8],
    ) -> Result<()> {
        if sequence.len() != quality.len() {
            return Err(Error::invalid_input(
                Format::Fastq,
                format!(
                    "cannot write a record with {} bases and {} quality characters",
                    sequence.len(),
                    quality.len()
                ),
            )
            .with_name(String::from_utf8_lossy(header)));
        }
        for field in [header, sequence, separator, quality] {
            if memchr::memchr2(b'\n', b'\r', field).is_some() {
                return Err(Error::invalid_input(
                    Format::Fastq,
                    "cannot write a record field containing a line break",
                )
                .with_name(String::from_utf8_lossy(header)));
            }
        }
        self.write(b"@")?;
        self.write(header)?;
        self.write(b"\n")?;
        self.write(sequence)?;
        self.write(b"\n+")?;
        self.write(separator)?;
        self.write(b"\n")?;
        self.write(quality)?;
        self.write(b"\n")
    }

    #[inline]
    fn write(&mut self, bytes: &[u8]) -> Result<()> {
        self.inner
            .write_all(bytes)
            .map_err(|e| Error::io(Format::Fastq, e))
    }

    /// Flushes the wrapped writer.
    pub fn flush(&mut self) -> Result<()> {
        self.inner.flush().map_err(|e| Error::io(Format::Fastq, e))
    }

    /// The wrapped writer.
    pub fn get_ref(&self) -> &W {
        &self.inner
    }

    /// The wrapped writer, mutably.
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.inner
    }

    /// Returns the wrapped writer (not flushed: call [`flush`](Self::flush)
    /// or the sink's own `finish` first).
    pub fn into_inner(self) -> W {
        self.inner
    }
}
