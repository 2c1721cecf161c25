//! Random access to indexed FASTA: fetch a sub-sequence in O(its length).

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use super::fai::{Index, IndexRecord};
use super::source::{sniff, BgzfFile, FastaFile};
use crate::io::Compression;
pub use crate::region::Interval;

use crate::bgzf::GziIndex;
use crate::{Error, ErrorKind, Format, Result};

/// Positioned reads that need only `&self`, so one source serves many
/// threads at once (`pread` on files).
pub trait ReadAt {
    /// Fills `buf` from the 0-based byte `offset` of the uncompressed data;
    /// an [`ErrorKind::UnexpectedEof`] error if the data ends first.
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> Result<()>;
}

impl ReadAt for File {
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> Result<()> {
        #[cfg(unix)]
        let result = std::os::unix::fs::FileExt::read_exact_at(self, buf, offset);
        #[cfg(windows)]
        let result = {
            use std::os::windows::fs::FileExt;
            let (mut done, mut result) = (0, Ok(()));
            while done < buf.len() {
                match self.seek_read(&mut buf[done..], offset + done as u64) {
                    Ok(0) => {
                        result = Err(std::io::ErrorKind::UnexpectedEof.into());
                        break;
                    }
                    Ok(n) => done += n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => {
                        result = Err(e);
                        break;
                    }
                }
            }
            result
        };
        result.map_err(|e| Error::io(Format::Fasta, e).at_byte_offset(offset))
    }
}

impl ReadAt for [u8] {
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> Result<()> {
        let source = usize::try_from(offset)
            .ok()
            .and_then(|start| self.get(start..start.checked_add(buf.len())?));
        match source {
            Some(source) => {
                buf.copy_from_slice(source);
                Ok(())
            }
            None => Err(Error::unexpected_eof(
                Format::Fasta,
                "the indexed range lies beyond the end of the data",
            )
            .at_byte_offset(offset)),
        }
    }
}

impl ReadAt for Vec<u8> {
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> Result<()> {
        self.as_slice().read_exact_at(buf, offset)
    }
}

/// Fetches sub-sequences of an indexed FASTA file by name and interval,
/// reading only the bytes of the interval. `fetch` takes `&self`: share one
/// reader between threads (`IndexedReader<File>` is `Sync`).
///
/// ```
/// use biometal::formats::fasta::{fai::Index, IndexedReader, Interval};
///
/// let fasta = b">chr1\nACGT\nTTGG\nC\n".to_vec();
/// let index = Index::build(&fasta[..])?;
/// let reader = IndexedReader::new(fasta, index);
/// assert_eq!(reader.fetch(b"chr1", Interval::new(2, 7)?)?, b"GTTTG");
/// // chr1:4-5 in samtools' 1-based inclusive notation
/// assert_eq!(reader.fetch(b"chr1", Interval::from_one_based_inclusive(4, 5)?)?, b"TT");
/// # Ok::<(), biometal::Error>(())
/// ```
#[derive(Debug)]
pub struct IndexedReader<S> {
    source: S,
    index: Index,
}

impl IndexedReader<FastaFile> {
    /// Opens a plain or bgzipped FASTA file with its `<path>.fai` index (and
    /// for bgzipped files `<path>.gzi`), building missing indexes in memory
    /// (without writing them), as `samtools faidx` would. A gzip file that
    /// is not BGZF cannot be read at random:
    /// [`ErrorKind::Unsupported`].
    pub fn from_path(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let file = open(path)?;
        let beside = |extension: &str| {
            let mut beside = PathBuf::from(path);
            beside.as_mut_os_string().push(extension);
            beside
        };
        let (fai_path, gzi_path) = (beside(".fai"), beside(".gzi"));
        let source = match sniff(&file)? {
            Compression::None => FastaFile::Plain(file),
            Compression::Bgzf => {
                let gzi = if gzi_path.exists() {
                    GziIndex::read(BufReader::new(open(&gzi_path)?))?
                } else {
                    GziIndex::build(BufReader::new(open(path)?))?
                };
                FastaFile::Bgzf(BgzfFile::new(file, gzi))
            }
            Compression::Gzip => {
                return Err(Error::unsupported(
                    Format::Fasta,
                    format!(
                    "{} is gzip but not BGZF, so it cannot be indexed; recompress it with bgzip",
                    path.display()
                ),
                ))
            }
        };
        let index = if fai_path.exists() {
            Index::read(BufReader::new(open(&fai_path)?))?
        } else if let FastaFile::Bgzf(_) = source {
            let reader = crate::bgzf::ReaderBuilder::new().build(open(path)?);
            Index::build(BufReader::new(reader))?
        } else {
            Index::build(BufReader::new(open(path)?))?
        };
        Ok(Self::new(source, index))
    }
}

fn open(path: &Path) -> Result<File> {
    File::open(path).map_err(|e| {
        let kind = if e.kind() == std::io::ErrorKind::NotFound {
            ErrorKind::NotFound
        } else {
            ErrorKind::Io
        };
        Error::new(
            kind,
            Format::Fasta,
            format!("cannot open {}", path.display()),
        )
        .with_source(e)
    })
}

impl<S: ReadAt> IndexedReader<S> {
    /// A reader over `source` (uncompressed FASTA bytes) with its `index`.
    pub fn new(source: S, index: Index) -> Self {
        IndexedReader { source, index }
    }

    /// The index.
    pub fn index(&self) -> &Index {
        &self.index
    }

    /// The bases of `name` in `interval` (clamped to the sequence's length,
    /// as `samtools faidx` does).
    pub fn fetch(&self, name: &[u8], interval: Interval) -> Result<Vec<u8>> {
        let mut bases = Vec::new();
        self.fetch_into(name, interval, &mut bases)?;
        Ok(bases)
    }

    /// Like [`fetch`](Self::fetch), but replaces the contents of `bases`,
    /// reusing its allocation.
    pub fn fetch_into(&self, name: &[u8], interval: Interval, bases: &mut Vec<u8>) -> Result<()> {
        bases.clear();
        let record = self.index.get(name).ok_or_else(|| {
            Error::new(
                ErrorKind::NotFound,
                Format::Fasta,
                "no sequence of this name in the index",
            )
            .with_name(String::from_utf8_lossy(name))
        })?;
        let end = interval.end().min(record.length());
        let start = interval.start().min(end);
        if start == end {
            return Ok(());
        }
        let first = record.offset_of(start);
        let last = record.offset_of(end - 1);
        let span_bytes = last.saturating_sub(first).saturating_add(1);
        let span = usize::try_from(span_bytes).map_err(|_| {
            Error::limit_exceeded(
                Format::Fasta,
                "fetch span (bytes)",
                span_bytes,
                usize::MAX as u64,
            )
        })?;
        bases.resize(span, 0);
        self.source
            .read_exact_at(bases, first)
            .map_err(|e| locate(e, record))?;
        remove_line_breaks(bases, record, start);
        if bases.len() as u64 != end - start || memchr::memchr2(b'\n', b'>', bases).is_some() {
            return Err(Error::invalid_data(
                Format::Fasta,
                "the bytes at the indexed offsets are not bases: is the .fai stale?",
            )
            .at_byte_offset(first)
            .with_name(String::from_utf8_lossy(record.name())));
        }
        Ok(())
    }
}

fn locate(error: Error, record: &IndexRecord) -> Error {
    error.with_name(String::from_utf8_lossy(record.name()))
}

/// Compacts raw bytes read from the offset of base `start` into bases only,
/// dropping each line's terminator by position (so `\r\n` files work too).
fn remove_line_breaks(raw: &mut Vec<u8>, record: &IndexRecord, start: u64) {
    let line_bases = record.line_bases() as usize;
    let terminator = record.line_width().saturating_sub(record.line_bases()) as usize;
    if terminator == 0 || line_bases == 0 {
        return;
    }
    let mut column = (start % record.line_bases()) as usize;
    let (mut read, mut write) = (0, 0);
    while read < raw.len() {
        let take = (line_bases - column).min(raw.len() - read);
        raw.copy_within(read..read + take, write);
        write += take;
        read += take + terminator;
        column = 0;
    }
    raw.truncate(write);
}
