//! Writing VCF text (plain, gzip or BGZF through [`crate::io::Sink`]).

use std::io::Write;
use std::path::Path;

use super::header::Header;
use super::record::RecordRef;
use super::Variant;
use crate::io::{Compression, Sink, WriterOptions};
use crate::{Error, Format, Result};

/// A VCF writer. Records from any [`Variant`] (VCF or BCF) are written as
/// `bcftools view` prints them; [`Writer::write_record_verbatim`] copies a
/// VCF line as read.
///
/// ```
/// use biometal::formats::vcf::{Header, RecordRef, Writer};
///
/// let header = Header::parse(concat!(
///     "##fileformat=VCFv4.2\n",
///     "##FORMAT=<ID=DS,Number=1,Type=Float,Description=\"Dosage\">\n",
///     "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\ts1\ts2\n",
/// ))?;
/// let mut writer = Writer::new(Vec::new());
/// writer.write_header(&header)?;
/// let record = RecordRef::parse(b"1\t5\t.\tA\tC\t2e+1\tPASS\t.\tGT:DS\t0|1:0.500\t1|1")?;
/// writer.write_variant(&header, &record)?;
/// let text = String::from_utf8(writer.into_inner()).unwrap();
/// assert!(text.ends_with("1\t5\t.\tA\tC\t20\tPASS\t.\tGT:DS\t0|1:0.5\t1|1:.\n"));
/// # Ok::<(), biometal::Error>(())
/// ```
pub struct Writer<W: Write> {
    inner: W,
    line: Vec<u8>,
}

impl Writer<Sink> {
    /// Creates `path` (`-`: standard output) written with `compression`
    /// (BGZF for `.vcf.gz`) at the default level, one thread.
    ///
    /// # Errors
    ///
    /// When the file cannot be created.
    pub fn from_path(path: impl AsRef<Path>, compression: Compression) -> Result<Self> {
        Self::from_path_with(path, &WriterOptions::new(compression))
    }

    /// Like [`Writer::from_path`] with level and threads from `options`.
    ///
    /// # Errors
    ///
    /// When the file cannot be created.
    pub fn from_path_with(path: impl AsRef<Path>, options: &WriterOptions) -> Result<Self> {
        Ok(Writer::new(crate::io::open_writer_with(path, options)?))
    }

    /// Flushes, writes the BGZF end-of-file marker (if BGZF) and closes.
    ///
    /// # Errors
    ///
    /// On I/O errors.
    pub fn finish(self) -> Result<()> {
        self.inner.finish()
    }
}

impl<W: Write> Writer<W> {
    /// A writer over any byte sink (uncompressed text).
    pub fn new(inner: W) -> Self {
        Writer {
            inner,
            line: Vec::with_capacity(1 << 16),
        }
    }

    /// Writes the header as parsed (byte for byte).
    ///
    /// # Errors
    ///
    /// On I/O errors.
    pub fn write_header(&mut self, header: &Header) -> Result<()> {
        header
            .write(&mut self.inner)
            .map_err(|e| Error::io(Format::Vcf, e))
    }

    /// Writes one record of either format, formatted as `bcftools view`
    /// prints it.
    ///
    /// # Errors
    ///
    /// When the record cannot be decoded, or on I/O errors.
    pub fn write_variant(&mut self, header: &Header, variant: &impl Variant) -> Result<()> {
        self.line.clear();
        variant.write_vcf(header, &mut self.line)?;
        self.line.push(b'\n');
        self.inner
            .write_all(&self.line)
            .map_err(|e| Error::io(Format::Vcf, e))
    }

    /// Writes a VCF record's line exactly as read.
    ///
    /// # Errors
    ///
    /// On I/O errors.
    pub fn write_record_verbatim(&mut self, record: &RecordRef<'_>) -> Result<()> {
        self.inner
            .write_all(record.as_bytes())
            .and_then(|()| self.inner.write_all(b"\n"))
            .map_err(|e| Error::io(Format::Vcf, e))
    }

    /// Flushes the underlying writer.
    ///
    /// # Errors
    ///
    /// On I/O errors.
    pub fn flush(&mut self) -> Result<()> {
        self.inner.flush().map_err(|e| Error::io(Format::Vcf, e))
    }

    /// The underlying writer, mutably.
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.inner
    }

    /// Returns the underlying writer (not flushed; [`Writer::finish`]
    /// closes a [`Sink`]).
    pub fn into_inner(self) -> W {
        self.inner
    }
}
