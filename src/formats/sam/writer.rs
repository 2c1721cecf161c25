//! Writing SAM text, byte for byte as `samtools view` prints it.

use std::io::Write;

use super::header::Header;
use super::RecordRef;
use crate::{Error, Format, Result};

mod float;
mod kernels;
mod line;
mod out;

use self::line::Line;

/// How many bytes of lines a [`Writer::buffered`] writer gathers before it
/// writes them to its output in one call.
pub const BUFFERED_CAPACITY: usize = 128 * 1024;

/// A SAM writer.
///
/// Each line is formatted straight into the writer's buffer (its longest
/// possible length reserved once, bases and qualities converted 32 bytes a
/// step with AVX2, else 16). [`Writer::new`] hands every line to its output as it is written;
/// [`Writer::buffered`] gathers lines and writes them [`BUFFERED_CAPACITY`]
/// bytes at a time (then call [`Writer::finish`] or [`Writer::flush`]).
///
/// ```
/// use biometal::formats::sam::{self, Header, Record, record::RecordFields};
///
/// let header = Header::parse("@SQ\tSN:chr1\tLN:100\n")?;
/// let mut record = Record::default();
/// record.set_fields(&RecordFields { name: b"r1", flags: 4, ..RecordFields::default() })?;
/// let mut writer = sam::Writer::new(Vec::new());
/// writer.write_header(&header)?;
/// writer.write_record(&header, record.as_ref())?;
/// assert_eq!(writer.into_inner(), b"@SQ\tSN:chr1\tLN:100\nr1\t4\t*\t0\t255\t*\t*\t0\t0\t*\t*\n");
/// # Ok::<(), biometal::Error>(())
/// ```
pub struct Writer<W> {
    inner: W,
    /// Initialized bytes; lines are formatted at `filled` and written out
    /// from the start.
    buf: Vec<u8>,
    filled: usize,
    /// Whether lines wait in `buf` until it is full.
    buffered: bool,
}

impl<W: Write> Writer<W> {
    /// A writer that hands each line to `inner` as it is written (wrap
    /// files in a `BufWriter`, or use [`Writer::buffered`]).
    pub fn new(inner: W) -> Self {
        Writer {
            inner,
            buf: vec![0; 4096],
            filled: 0,
            buffered: false,
        }
    }

    /// A writer that gathers lines and writes them to `inner`
    /// [`BUFFERED_CAPACITY`] bytes at a time: for files and stdout, with
    /// no `BufWriter` needed. Call [`Writer::finish`] (or
    /// [`Writer::flush`]) at the end.
    ///
    /// ```
    /// use biometal::formats::sam::{self, Header, Record, record::RecordFields};
    ///
    /// let header = Header::parse("@SQ\tSN:chr1\tLN:100\n")?;
    /// let mut record = Record::default();
    /// record.set_fields(&RecordFields { name: b"r1", flags: 4, ..RecordFields::default() })?;
    /// let mut writer = sam::Writer::buffered(Vec::new());
    /// writer.write_record(&header, record.as_ref())?;
    /// assert_eq!(writer.finish()?, b"r1\t4\t*\t0\t255\t*\t*\t0\t0\t*\t*\n");
    /// # Ok::<(), biometal::Error>(())
    /// ```
    pub fn buffered(inner: W) -> Self {
        Writer {
            inner,
            buf: vec![0; BUFFERED_CAPACITY],
            filled: 0,
            buffered: true,
        }
    }

    /// Writes the header lines.
    ///
    /// # Errors
    ///
    /// I/O errors.
    pub fn write_header(&mut self, header: &Header) -> Result<()> {
        self.write_out()?;
        write!(self.inner, "{header}").map_err(|e| Error::io(Format::Sam, e))
    }

    /// Writes one record as a SAM line.
    ///
    /// # Errors
    ///
    /// A reference id the header does not name; I/O errors.
    pub fn write_record(&mut self, header: &Header, record: RecordRef<'_>) -> Result<()> {
        let line = Line::new(header, record)?;
        if self.buf.len() - self.filled < line.bound() {
            self.write_out()?;
            if self.buf.len() < line.bound() {
                self.buf.resize(line.bound(), 0);
            }
        }
        self.filled += line.write(&mut self.buf[self.filled..])?;
        if !self.buffered {
            self.write_out()?;
        }
        Ok(())
    }

    /// Writes the lines gathered so far to the output.
    fn write_out(&mut self) -> Result<()> {
        let filled = std::mem::take(&mut self.filled);
        self.inner
            .write_all(&self.buf[..filled])
            .map_err(|e| Error::io(Format::Sam, e))
    }

    /// Writes the gathered lines and flushes the output.
    ///
    /// # Errors
    ///
    /// I/O errors.
    pub fn flush(&mut self) -> Result<()> {
        self.write_out()?;
        self.inner.flush().map_err(|e| Error::io(Format::Sam, e))
    }

    /// Writes the gathered lines, flushes and returns the output.
    ///
    /// # Errors
    ///
    /// I/O errors.
    pub fn finish(mut self) -> Result<W> {
        self.flush()?;
        Ok(self.inner)
    }

    /// The output.
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.inner
    }

    /// The output, as it is: lines a [`Writer::buffered`] writer still
    /// holds are not in it (use [`Writer::finish`] for those; a
    /// [`Writer::new`] writer holds none).
    pub fn into_inner(self) -> W {
        self.inner
    }
}

/// Appends `value` formatted as C's `printf("%g")` (six significant
/// digits, trailing zeros removed), as samtools prints `f` values.
///
/// ```
/// let mut out = Vec::new();
/// biometal::formats::sam::writer::push_float_g(&mut out, 9.9e-19);
/// out.push(b' ');
/// biometal::formats::sam::writer::push_float_g(&mut out, 123456789.0);
/// out.push(b' ');
/// biometal::formats::sam::writer::push_float_g(&mut out, 0.0001);
/// assert_eq!(out, b"9.9e-19 1.23457e+08 0.0001");
/// ```
pub fn push_float_g(out: &mut Vec<u8>, value: f64) {
    let mut text = [0u8; 16];
    let len = float::format_g(value, &mut text);
    out.extend_from_slice(&text[..len]);
}

/// Appends the SAM line (with its newline) of `record` to `out`.
///
/// ```
/// use biometal::formats::sam::{self, Header, Record, record::RecordFields};
///
/// let header = Header::parse("@SQ\tSN:chr1\tLN:100\n")?;
/// let mut record = Record::default();
/// record.set_fields(&RecordFields { name: b"r1", flags: 4, ..RecordFields::default() })?;
/// let mut line = Vec::new();
/// sam::writer::format_record(&header, record.as_ref(), &mut line)?;
/// assert_eq!(line, b"r1\t4\t*\t0\t255\t*\t*\t0\t0\t*\t*\n");
/// # Ok::<(), biometal::Error>(())
/// ```
///
/// # Errors
///
/// A reference id the header does not name.
pub fn format_record(header: &Header, record: RecordRef<'_>, out: &mut Vec<u8>) -> Result<()> {
    let line = Line::new(header, record)?;
    let start = out.len();
    out.resize(start + line.bound(), 0);
    let written = line.write(&mut out[start..]);
    out.truncate(start + *written.as_ref().unwrap_or(&0));
    written.map(drop)
}

#[cfg(test)]
mod tests;
