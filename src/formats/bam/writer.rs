//! Writing BAM: header and records into BGZF.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::bgzf::{self, VirtualPosition};
use crate::formats::sam::header::Header;
use crate::formats::sam::RecordRef;
use crate::index::{Index, Indexer, Kind};
use crate::{Error, Format, Result};

/// Options for a [`Writer`].
#[derive(Debug, Clone, Copy)]
pub struct WriterBuilder {
    level: u32,
    threads: usize,
    index: Option<Kind>,
}

impl Default for WriterBuilder {
    fn default() -> Self {
        WriterBuilder {
            level: 6,
            threads: 1,
            index: None,
        }
    }
}

impl WriterBuilder {
    /// Level 6, one thread.
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

    /// Builds an index while writing, returned by
    /// [`Writer::finish_with_index`], or written by [`Writer::finish`]
    /// beside a file made by [`build_to_path`](Self::build_to_path). BAI becomes CSI when a reference is
    /// longer than 2^29 − 1 bases. Indexing asks the BGZF writer for each
    /// record's virtual position, which with several threads waits for the
    /// blocks in flight (see [`bgzf::Writer::virtual_position`]).
    pub fn index(mut self, kind: Kind) -> Self {
        self.index = Some(kind);
        self
    }

    /// A writer into `inner`.
    ///
    /// # Errors
    ///
    /// An invalid level.
    pub fn build<W: Write>(self, inner: W) -> Result<Writer<W>> {
        let bgzf = bgzf::WriterBuilder::new()
            .level(self.level)
            .threads(self.threads)
            .build(inner)?;
        Ok(Writer {
            inner: bgzf,
            index_kind: self.index,
            indexer: None,
            index_path: None,
        })
    }

    /// A writer creating the file at `path`; with an [`index`](Self::index),
    /// [`Writer::finish`] writes it beside the file as samtools names it
    /// (`PATH.bai` or `PATH.csi`).
    ///
    /// ```
    /// use biometal::formats::{bam, sam};
    /// use biometal::index::Kind;
    ///
    /// let path = std::env::temp_dir().join("biometal-doc-indexed.bam");
    /// let header = sam::Header::parse("@SQ\tSN:chr1\tLN:100\n")?;
    /// let mut writer = bam::WriterBuilder::new().index(Kind::Bai).build_to_path(&path)?;
    /// writer.write_header(&header)?;
    /// writer.finish()?;
    /// let index = biometal::index::read_path(path.with_extension("bam.bai"))?;
    /// assert_eq!(index.references.len(), 1);
    /// # std::fs::remove_file(path.with_extension("bam.bai"))?;
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<(), biometal::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// When the file cannot be created, or an invalid level.
    pub fn build_to_path(
        self,
        path: impl AsRef<Path>,
    ) -> Result<Writer<std::io::BufWriter<std::fs::File>>> {
        let file = std::fs::File::create(path.as_ref()).map_err(|e| {
            Error::io(Format::Bam, e).with_name(path.as_ref().display().to_string())
        })?;
        let mut writer = self.build(std::io::BufWriter::new(file))?;
        if self.index.is_some() {
            writer.index_path = Some(path.as_ref().to_path_buf());
        }
        Ok(writer)
    }
}

/// A BAM writer.
///
/// ```
/// use biometal::formats::bam;
/// use biometal::formats::sam::{Header, Record, record::RecordFields};
///
/// let header = Header::parse("@SQ\tSN:chr1\tLN:100\n")?;
/// let mut writer = bam::WriterBuilder::new().build(Vec::new())?;
/// writer.write_header(&header)?;
/// let mut record = Record::default();
/// record.set_fields(&RecordFields { name: b"r1", flags: 4, ..RecordFields::default() })?;
/// writer.write_record(record.as_ref())?;
/// let bytes = writer.finish()?;
///
/// let mut reader = bam::Reader::with_threads(std::io::Cursor::new(bytes), 1);
/// assert_eq!(reader.read_header()?.reference_sequences().len(), 1);
/// assert_eq!(reader.next_record()?.unwrap().name(), b"r1");
/// # Ok::<(), biometal::Error>(())
/// ```
pub struct Writer<W: Write> {
    inner: bgzf::Writer<W>,
    index_kind: Option<Kind>,
    indexer: Option<Indexer>,
    /// The data file's path, when [`Writer::finish`] writes the index.
    index_path: Option<PathBuf>,
}

impl<W: Write> Writer<W> {
    /// Writes the header (magic, text, reference list).
    ///
    /// # Errors
    ///
    /// I/O errors.
    pub fn write_header(&mut self, header: &Header) -> Result<()> {
        if let Some(kind) = self.index_kind {
            let too_long = header
                .reference_sequences()
                .iter()
                .any(|r| r.length() >= crate::index::bai::MAX_POSITION);
            let kind = if too_long { Kind::Csi } else { kind };
            self.indexer = Some(Indexer::new(header, kind)?);
        }
        super::header::write_header(&mut self.inner, header)
    }

    /// Writes one record.
    ///
    /// # Errors
    ///
    /// I/O errors.
    pub fn write_record(&mut self, record: RecordRef<'_>) -> Result<()> {
        let bytes = record.as_bytes();
        let size = u32::try_from(bytes.len())
            .map_err(|_| Error::invalid_input(Format::Bam, "record larger than 4 GiB"))?;
        let io = |e| Error::io(Format::Bam, e);
        let start = match self.indexer {
            Some(_) => Some(self.inner.virtual_position()?),
            None => None,
        };
        self.inner.write_all(&size.to_le_bytes()).map_err(io)?;
        self.inner.write_all(bytes).map_err(io)?;
        if let (Some(start), Some(_)) = (start, &self.indexer) {
            let end = self.inner.virtual_position()?;
            if let Some(indexer) = &mut self.indexer {
                indexer.push(record, start, end)?;
            }
        }
        Ok(())
    }

    /// The virtual position of the next record.
    ///
    /// # Errors
    ///
    /// When flushing a pending block fails.
    pub fn virtual_position(&mut self) -> Result<VirtualPosition> {
        self.inner.virtual_position()
    }

    /// Flushes the last block, writes the EOF marker, and returns the
    /// output; for a writer made by [`WriterBuilder::build_to_path`] with
    /// an index, then writes the index beside the file (`PATH.bai` or
    /// `PATH.csi`).
    ///
    /// # Errors
    ///
    /// I/O errors.
    pub fn finish(mut self) -> Result<W> {
        let Some(path) = self.index_path.take() else {
            return self.inner.finish();
        };
        let (mut inner, index) = self.finish_with_index()?;
        inner.flush().map_err(|e| Error::io(Format::Bam, e))?;
        if let Some(index) = index {
            let (bytes, extension) = match index.kind {
                Kind::Bai => (crate::index::bai::write(&index)?, "bai"),
                Kind::Csi => (crate::index::csi::write_bgzf(&index)?, "csi"),
            };
            crate::index::write_beside(&path, extension, &bytes, Format::Bam)?;
        }
        Ok(inner)
    }

    /// Like [`Writer::finish`], also returning the index built on the way
    /// (if [`WriterBuilder::index`] asked for one).
    ///
    /// ```
    /// use biometal::formats::bam;
    /// use biometal::formats::sam::{Header, Record, record::RecordFields};
    /// use biometal::index::Kind;
    ///
    /// let header = Header::parse("@SQ\tSN:chr1\tLN:100\n")?;
    /// let mut writer = bam::WriterBuilder::new().index(Kind::Bai).build(Vec::new())?;
    /// writer.write_header(&header)?;
    /// let mut record = Record::default();
    /// record.set_fields(&RecordFields { name: b"r1", flags: 4, ..RecordFields::default() })?;
    /// writer.write_record(record.as_ref())?;
    /// let (_bytes, index) = writer.finish_with_index()?;
    /// assert_eq!(index.unwrap().unplaced_unmapped, Some(1));
    /// # Ok::<(), biometal::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// I/O errors.
    pub fn finish_with_index(mut self) -> Result<(W, Option<Index>)> {
        if let Some(indexer) = &mut self.indexer {
            // Ending the block in progress makes a last record that ends
            // it end at the next block's offset, as htslib records it.
            let before = self.inner.virtual_position()?;
            self.inner.flush().map_err(|e| Error::io(Format::Bam, e))?;
            indexer.settle_last_end(before, self.inner.virtual_position()?);
        }
        let index = self.indexer.map(Indexer::finish);
        Ok((self.inner.finish()?, index))
    }
}
