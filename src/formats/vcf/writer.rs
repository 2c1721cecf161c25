//! Writing VCF text (plain, gzip or BGZF through [`crate::io::Sink`]),
//! optionally indexed on the fly (`.tbi` or `.csi`, as `tabix -p vcf`).

use std::io::Write;
use std::path::{Path, PathBuf};

use super::header::Header;
use super::record::RecordRef;
use super::Variant;
use crate::bgzf::{self, VirtualPosition};
use crate::index::tabix::{declared_length, TabixConfig, TabixFormat, TabixIndex, TabixIndexer};
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
    index: Option<Box<OnTheFly<W>>>,
}

/// A tabix index built while writing BGZF.
struct OnTheFly<W> {
    format: TabixFormat,
    /// The output's virtual position (BGZF writers only).
    position: fn(&mut W) -> Result<VirtualPosition>,
    /// Made at the first record: a CSI's depth comes from the header's
    /// longest `##contig` length.
    indexer: Option<TabixIndexer>,
    max_length: u64,
    records: u64,
    /// The data file beside which [`Writer::finish`] writes the index
    /// (writers made from a path).
    path: Option<PathBuf>,
}

impl<W> OnTheFly<W> {
    fn new(format: TabixFormat, position: fn(&mut W) -> Result<VirtualPosition>) -> Box<Self> {
        Box::new(OnTheFly {
            format,
            position,
            indexer: None,
            max_length: 0,
            records: 0,
            path: None,
        })
    }

    /// Adds the data line `line` (no newline) written at `[start, end)`.
    fn push(&mut self, line: &[u8], start: VirtualPosition, end: VirtualPosition) -> Result<()> {
        self.records += 1;
        let indexer = match &mut self.indexer {
            Some(indexer) => indexer,
            None => self.indexer.insert(TabixIndexer::for_format(
                TabixConfig::vcf(),
                self.format,
                self.max_length,
            )?),
        };
        indexer
            .push_line(line, start, end)
            .map_err(|e| e.at_record(self.records))
    }

    /// Ends the block in progress, so that a last record ending it ends
    /// at the next block's offset, as htslib records it.
    fn settle(&mut self, inner: &mut W) -> Result<()>
    where
        W: Write,
    {
        let Some(indexer) = &mut self.indexer else {
            return Ok(());
        };
        let before = (self.position)(inner)?;
        inner.flush().map_err(|e| Error::io(Format::Vcf, e))?;
        indexer.settle_last_end(before, (self.position)(inner)?);
        Ok(())
    }

    fn finish(self) -> Result<TabixIndex> {
        match self.indexer {
            Some(indexer) => indexer.finish(),
            None => {
                TabixIndexer::for_format(TabixConfig::vcf(), self.format, self.max_length)?.finish()
            }
        }
    }
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

    /// Like [`Writer::from_path_with`] (BGZF only), also indexing the
    /// records as written: [`Writer::finish`] writes `PATH.tbi` or
    /// `PATH.csi` as `tabix [-C] -p vcf PATH` would (a CSI's depth from
    /// the longest `##contig` length). The records must be sorted.
    /// Indexing asks the BGZF writer for each record's virtual position,
    /// which with several threads waits for the blocks in flight.
    ///
    /// ```
    /// use biometal::formats::vcf::{Header, RecordRef, Writer};
    /// use biometal::index::tabix::{self, TabixFormat};
    /// use biometal::io::{Compression, WriterOptions};
    ///
    /// let path = std::env::temp_dir().join("biometal-doc-indexed.vcf.gz");
    /// let options = WriterOptions::new(Compression::Bgzf);
    /// let mut writer = Writer::from_path_indexed(&path, &options, TabixFormat::Tbi)?;
    /// let header = Header::parse("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n")?;
    /// writer.write_header(&header)?;
    /// writer.write_variant(&header, &RecordRef::parse(b"1\t5\t.\tA\tC\t.\t.\t.")?)?;
    /// writer.finish()?;
    /// let index = tabix::load_for(&path)?; // PATH.tbi
    /// assert_eq!(index.names(), ["1"]);
    /// # std::fs::remove_file(&path)?;
    /// # std::fs::remove_file(path.with_extension("gz.tbi"))?;
    /// # Ok::<(), biometal::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// Output that is not BGZF (plain or gzip text cannot be indexed),
    /// standard output (`-`: no place for the index), or when the file
    /// cannot be created.
    pub fn from_path_indexed(
        path: impl AsRef<Path>,
        options: &WriterOptions,
        format: TabixFormat,
    ) -> Result<Self> {
        let path = path.as_ref();
        if options.compression() != Compression::Bgzf {
            return Err(Error::invalid_input(
                Format::Vcf,
                format!(
                    "cannot index {}: a tabix index needs BGZF-compressed output, not {:?}",
                    path.display(),
                    options.compression()
                ),
            ));
        }
        if path == Path::new("-") {
            return Err(Error::invalid_input(
                Format::Vcf,
                "cannot index standard output: the index needs a file beside the data",
            ));
        }
        let mut writer = Writer::new(crate::io::open_writer_with(path, options)?);
        let mut index = OnTheFly::new(format, Sink::virtual_position);
        index.path = Some(path.to_path_buf());
        writer.index = Some(index);
        Ok(writer)
    }

    /// Flushes, writes the BGZF end-of-file marker (if BGZF) and closes;
    /// then, for a writer made by [`Writer::from_path_indexed`], writes the
    /// index beside the file.
    ///
    /// # Errors
    ///
    /// On I/O errors.
    pub fn finish(mut self) -> Result<()> {
        let Some(mut index) = self.index.take() else {
            return self.inner.finish();
        };
        index.settle(&mut self.inner)?;
        self.inner.finish()?;
        let (path, format) = (index.path.clone(), index.format);
        let index = index.finish()?;
        let Some(path) = path else {
            return Ok(());
        };
        let extension = match format {
            TabixFormat::Tbi => "tbi",
            TabixFormat::Csi => "csi",
        };
        crate::index::write_beside(&path, extension, &index.to_bgzf_bytes()?, Format::Vcf)
    }
}

impl<W: Write> Writer<bgzf::Writer<W>> {
    /// A writer into BGZF output that indexes the records as written (they
    /// must be sorted), the index returned by [`Writer::finish_with_index`].
    ///
    /// ```
    /// use biometal::bgzf;
    /// use biometal::formats::vcf::{Header, RecordRef, Writer};
    /// use biometal::index::tabix::TabixFormat;
    ///
    /// let mut writer = Writer::indexed(bgzf::Writer::new(Vec::new()), TabixFormat::Csi);
    /// let header = Header::parse("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n")?;
    /// writer.write_header(&header)?;
    /// writer.write_variant(&header, &RecordRef::parse(b"1\t5\t.\tACG\tC\t.\t.\t.")?)?;
    /// let (_bytes, index) = writer.finish_with_index()?;
    /// assert!(index.is_csi());
    /// assert_eq!(index.names(), ["1"]);
    /// # Ok::<(), biometal::Error>(())
    /// ```
    pub fn indexed(inner: bgzf::Writer<W>, format: TabixFormat) -> Self {
        let mut writer = Writer::new(inner);
        writer.index = Some(OnTheFly::new(format, bgzf::Writer::virtual_position));
        writer
    }

    /// Finishes the BGZF stream (EOF marker included) and returns the
    /// output with the index built while writing (write it with
    /// [`TabixIndex::to_bgzf_bytes`] as `FILE.tbi` or `FILE.csi`).
    ///
    /// # Errors
    ///
    /// I/O errors; a writer made without an index (see
    /// [`Writer::indexed`]).
    pub fn finish_with_index(mut self) -> Result<(W, TabixIndex)> {
        let mut index = self.index.take().ok_or_else(|| {
            Error::invalid_input(
                Format::Vcf,
                "the writer was made without an index (see Writer::indexed)",
            )
        })?;
        index.settle(&mut self.inner)?;
        Ok((self.inner.finish()?, index.finish()?))
    }
}

impl<W: Write> Writer<W> {
    /// A writer over any byte sink (uncompressed text).
    pub fn new(inner: W) -> Self {
        Writer {
            inner,
            line: Vec::with_capacity(1 << 16),
            index: None,
        }
    }

    /// Writes the header as parsed (byte for byte).
    ///
    /// # Errors
    ///
    /// On I/O errors.
    pub fn write_header(&mut self, header: &Header) -> Result<()> {
        let Some(index) = &mut self.index else {
            return header
                .write(&mut self.inner)
                .map_err(|e| Error::io(Format::Vcf, e));
        };
        // The header's `##contig` lengths, read as tabix reads them, set a
        // CSI's depth.
        self.line.clear();
        header
            .write(&mut self.line)
            .map_err(|e| Error::io(Format::Vcf, e))?;
        let config = TabixConfig::vcf();
        for line in self.line.split(|&b| b == b'\n') {
            index.max_length = index.max_length.max(declared_length(&config, line));
        }
        self.inner
            .write_all(&self.line)
            .map_err(|e| Error::io(Format::Vcf, e))
    }

    /// Writes one record's `line` then `newline` (`b"\n"`, or empty when
    /// `line` ends with it), indexing it if asked.
    fn write_line(
        inner: &mut W,
        index: Option<&mut OnTheFly<W>>,
        line: &[u8],
        newline: &[u8],
    ) -> Result<()> {
        let io = |e| Error::io(Format::Vcf, e);
        let Some(index) = index else {
            inner.write_all(line).map_err(io)?;
            return inner.write_all(newline).map_err(io);
        };
        let start = (index.position)(inner)?;
        inner.write_all(line).map_err(io)?;
        inner.write_all(newline).map_err(io)?;
        let end = (index.position)(inner)?;
        index.push(line.strip_suffix(b"\n").unwrap_or(line), start, end)
    }

    /// Writes one record of either format, formatted as `bcftools view`
    /// prints it.
    ///
    /// # Errors
    ///
    /// When the record cannot be decoded, or on I/O errors; when indexing,
    /// a record out of order or whose interval does not parse.
    pub fn write_variant(&mut self, header: &Header, variant: &impl Variant) -> Result<()> {
        self.line.clear();
        variant.write_vcf(header, &mut self.line)?;
        self.line.push(b'\n');
        Self::write_line(&mut self.inner, self.index.as_deref_mut(), &self.line, b"")
    }

    /// Writes a VCF record's line exactly as read.
    ///
    /// # Errors
    ///
    /// On I/O errors; when indexing, a record out of order or whose
    /// interval does not parse.
    pub fn write_record_verbatim(&mut self, record: &RecordRef<'_>) -> Result<()> {
        self.line.clear();
        self.line.extend_from_slice(record.as_bytes());
        self.line.push(b'\n');
        Self::write_line(&mut self.inner, self.index.as_deref_mut(), &self.line, b"")
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
