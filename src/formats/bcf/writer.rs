//! Writing BCF 2.2: magic, header text, then records, into BGZF or
//! uncompressed.

mod vcf_text;

use std::io::Write;
use std::path::{Path, PathBuf};

use super::encode::Encoder;
use super::index::CsiBuilder;
use super::reader::dictionaries_of;
use super::record::Dictionaries;
use super::{RecordRef, MAGIC_2_2};
use crate::bgzf::{self, VirtualPosition};
use crate::formats::vcf::{Header, Variant};
use crate::index::Index;
use crate::{Error, Format, Result};

pub(crate) use self::vcf_text::write_vcf;

/// Options for a [`Writer`].
#[derive(Debug, Clone, Copy)]
pub struct WriterBuilder {
    level: u32,
    threads: usize,
    compressed: bool,
    index: bool,
}

impl Default for WriterBuilder {
    fn default() -> Self {
        WriterBuilder {
            level: bgzf::DEFAULT_COMPRESSION_LEVEL,
            threads: 1,
            compressed: true,
            index: false,
        }
    }
}

impl WriterBuilder {
    /// BGZF at level 6, one thread.
    pub fn new() -> Self {
        Self::default()
    }

    /// The BGZF compression level (0–12).
    pub fn level(mut self, level: u32) -> Self {
        self.level = level;
        self
    }

    /// Threads compressing blocks.
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = threads.max(1);
        self
    }

    /// Whether to compress with BGZF (the default) or write uncompressed
    /// BCF (`bcftools view -Ou`).
    pub fn compressed(mut self, compressed: bool) -> Self {
        self.compressed = compressed;
        self
    }

    /// Builds a CSI index while writing (BGZF output only), returned by
    /// [`Writer::finish_with_index`] or written by [`Writer::finish`]
    /// beside a file made by [`build_to_path`](Self::build_to_path); the
    /// records must be sorted. Indexing
    /// asks the BGZF writer for each record's virtual position, which with
    /// several threads waits for the blocks in flight.
    pub fn index(mut self, index: bool) -> Self {
        self.index = index;
        self
    }

    /// Refuses indexing uncompressed output.
    fn check(&self) -> Result<()> {
        if self.index && !self.compressed {
            return Err(Error::invalid_input(
                Format::Bcf,
                "a CSI index needs BGZF-compressed output",
            ));
        }
        Ok(())
    }

    /// A writer into `inner`.
    ///
    /// # Errors
    ///
    /// An invalid compression level; indexing uncompressed output.
    pub fn build<W: Write>(self, inner: W) -> Result<Writer<W>> {
        self.check()?;
        let sink = if self.compressed {
            Sink::Bgzf(
                bgzf::WriterBuilder::new()
                    .level(self.level)
                    .threads(self.threads)
                    .build(inner)?,
            )
        } else {
            Sink::Plain(inner)
        };
        Ok(Writer {
            sink,
            dictionaries: None,
            encoder: Encoder::default(),
            index: self.index,
            csi: None,
            index_path: None,
        })
    }

    /// A writer creating the file at `path`; with an [`index`](Self::index),
    /// [`Writer::finish`] writes it beside the file as `PATH.csi` (as
    /// `bcftools index` names it).
    ///
    /// ```
    /// use biometal::formats::{bcf, vcf::Header};
    ///
    /// let path = std::env::temp_dir().join("biometal-doc-indexed.bcf");
    /// let header = Header::parse(
    ///     "##fileformat=VCFv4.2\n##contig=<ID=1,length=1000>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n",
    /// )?;
    /// let mut writer = bcf::WriterBuilder::new().index(true).build_to_path(&path)?;
    /// writer.write_header(&header)?;
    /// writer.finish()?;
    /// let index = biometal::index::read_path(path.with_extension("bcf.csi"))?;
    /// assert_eq!(index.references.len(), 1);
    /// # std::fs::remove_file(path.with_extension("bcf.csi"))?;
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<(), biometal::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// Those of [`build`](Self::build); when the file cannot be created.
    pub fn build_to_path(
        self,
        path: impl AsRef<Path>,
    ) -> Result<Writer<std::io::BufWriter<std::fs::File>>> {
        let path = path.as_ref();
        // Before the file is created.
        self.check()?;
        let file = std::fs::File::create(path)
            .map_err(|e| Error::io(Format::Bcf, e).with_name(path.display().to_string()))?;
        let mut writer = self.build(std::io::BufWriter::new(file))?;
        if self.index {
            writer.index_path = Some(path.to_path_buf());
        }
        Ok(writer)
    }
}

#[allow(clippy::large_enum_variant)] // one per writer, never moved in a loop
enum Sink<W: Write> {
    Bgzf(bgzf::Writer<W>),
    Plain(W),
}

impl<W: Write> Sink<W> {
    fn write_all(&mut self, bytes: &[u8]) -> Result<()> {
        match self {
            Sink::Bgzf(w) => w.write_all(bytes),
            Sink::Plain(w) => w.write_all(bytes),
        }
        .map_err(|e| Error::io(Format::Bcf, e))
    }
}

/// A BCF writer.
///
/// ```
/// use biometal::formats::{bcf, vcf::Header};
///
/// let header = Header::parse(
///     "##fileformat=VCFv4.2\n##contig=<ID=1>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n",
/// )?;
/// let mut writer = bcf::WriterBuilder::new().build(Vec::new())?;
/// writer.write_header(&header)?;
/// let bytes = writer.finish()?;
///
/// let mut reader = bcf::Reader::with_threads(std::io::Cursor::new(bytes), 1);
/// assert_eq!(reader.read_header()?.contig_index("1"), Some(0));
/// assert!(reader.next_record()?.is_none());
/// # Ok::<(), biometal::Error>(())
/// ```
pub struct Writer<W: Write> {
    sink: Sink<W>,
    dictionaries: Option<Dictionaries>,
    encoder: Encoder,
    index: bool,
    csi: Option<CsiBuilder>,
    /// The data file's path, when [`Writer::finish`] writes the index.
    index_path: Option<PathBuf>,
}

impl<W: Write> Writer<W> {
    /// Writes the magic and the header text; call once, first.
    ///
    /// # Errors
    ///
    /// I/O errors.
    pub fn write_header(&mut self, header: &Header) -> Result<()> {
        let mut text = Vec::new();
        header
            .write(&mut text)
            .map_err(|e| Error::io(Format::Bcf, e))?;
        text.push(0);
        let l_text = u32::try_from(text.len())
            .map_err(|_| Error::invalid_input(Format::Bcf, "header text larger than 4 GiB"))?;
        self.sink.write_all(MAGIC_2_2)?;
        self.sink.write_all(&l_text.to_le_bytes())?;
        self.sink.write_all(&text)?;
        self.dictionaries = Some(dictionaries_of(header));
        if self.index {
            self.csi = Some(CsiBuilder::new(header));
        }
        Ok(())
    }

    fn write_sections(&mut self, bytes: &[u8], shared_len: usize) -> Result<()> {
        let too_large = || Error::invalid_input(Format::Bcf, "record section larger than 4 GiB");
        let l_shared = u32::try_from(shared_len).map_err(|_| too_large())?;
        let l_indiv = u32::try_from(bytes.len() - shared_len).map_err(|_| too_large())?;
        let mut lengths = [0u8; 8];
        lengths[..4].copy_from_slice(&l_shared.to_le_bytes());
        lengths[4..].copy_from_slice(&l_indiv.to_le_bytes());
        let start = match self.csi {
            Some(_) => self.virtual_position()?,
            None => None,
        };
        self.sink.write_all(&lengths)?;
        self.sink.write_all(bytes)?;
        if let Some(start) = start {
            let stop = self.virtual_position()?.unwrap_or_default();
            let field = |at: usize| {
                bytes
                    .get(at..at + 4)
                    .and_then(|b| b.try_into().ok())
                    .map_or(0, i32::from_le_bytes)
            };
            let (contig, pos, rlen) = (field(0), field(4), field(8));
            let begin = u64::try_from(pos).unwrap_or(0);
            let end = begin + u64::try_from(rlen).unwrap_or(0);
            if let Some(csi) = &mut self.csi {
                let contig = usize::try_from(contig).unwrap_or(usize::MAX);
                csi.push(contig, begin, end, start, stop)?;
            }
        }
        Ok(())
    }

    /// Writes a BCF record verbatim (read with the same header).
    ///
    /// # Errors
    ///
    /// I/O errors; a record whose dictionary indices or sample count do
    /// not fit the header written.
    pub fn write_record(&mut self, record: RecordRef<'_>) -> Result<()> {
        if let Some(dictionaries) = &self.dictionaries {
            super::record::Layout::validate(
                record.as_bytes(),
                record.shared().len(),
                Some(dictionaries),
            )?;
        }
        self.write_sections(record.as_bytes(), record.shared().len())
    }

    /// Encodes and writes any variant record (a VCF line, a BCF record of
    /// another header, …) against `header`, the header written: names
    /// become dictionary indices, integers take the smallest width.
    ///
    /// # Errors
    ///
    /// A CHROM, FILTER, INFO or FORMAT key `header` does not define, values
    /// that do not parse, I/O errors.
    pub fn write_variant(&mut self, header: &Header, variant: &impl Variant) -> Result<()> {
        let mut encoder = std::mem::take(&mut self.encoder);
        let result = encoder
            .encode(header, variant)
            .and_then(|(bytes, shared_len)| self.write_sections(bytes, shared_len));
        self.encoder = encoder;
        result
    }

    /// The virtual position of the next record (`None` when uncompressed).
    ///
    /// # Errors
    ///
    /// When flushing a pending block fails.
    pub fn virtual_position(&mut self) -> Result<Option<VirtualPosition>> {
        match &mut self.sink {
            Sink::Bgzf(w) => w.virtual_position().map(Some),
            Sink::Plain(_) => Ok(None),
        }
    }

    /// Like [`Writer::finish`], also returning the CSI index built while
    /// writing (see [`WriterBuilder::index`]; write it with
    /// [`csi::write_bgzf`](crate::index::csi::write_bgzf) as `FILE.csi`).
    ///
    /// # Errors
    ///
    /// I/O errors; a writer built without indexing.
    pub fn finish_with_index(mut self) -> Result<(W, Index)> {
        let mut csi = self.csi.take().ok_or_else(|| {
            Error::invalid_input(Format::Bcf, "the writer was built without .index(true)")
        })?;
        // Ending the block in progress makes a last record that ends it
        // end at the next block's offset, as htslib records it.
        if let Sink::Bgzf(w) = &mut self.sink {
            let before = w.virtual_position()?;
            w.flush().map_err(|e| Error::io(Format::Bcf, e))?;
            csi.settle_last_end(before, w.virtual_position()?);
        }
        let inner = self.finish_stream()?;
        Ok((inner, csi.finish()))
    }

    /// Flushes the last block, writes the BGZF EOF marker (when
    /// compressed), and returns the output; for a writer made by
    /// [`WriterBuilder::build_to_path`] with an index, then writes the
    /// index beside the file (`PATH.csi`).
    ///
    /// # Errors
    ///
    /// I/O errors.
    pub fn finish(mut self) -> Result<W> {
        let Some(path) = self.index_path.take() else {
            return self.finish_stream();
        };
        if self.csi.is_none() {
            // No header was written: nothing to index.
            return self.finish_stream();
        }
        let (mut inner, index) = self.finish_with_index()?;
        inner.flush().map_err(|e| Error::io(Format::Bcf, e))?;
        let bytes = crate::index::csi::write_bgzf(&index)?;
        crate::index::write_beside(&path, "csi", &bytes, Format::Bcf)?;
        Ok(inner)
    }

    fn finish_stream(self) -> Result<W> {
        match self.sink {
            Sink::Bgzf(w) => w.finish(),
            Sink::Plain(mut w) => {
                w.flush().map_err(|e| Error::io(Format::Bcf, e))?;
                Ok(w)
            }
        }
    }
}
