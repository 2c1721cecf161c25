//! Where reference bases come from when decoding CRAM: an indexed FASTA
//! file (plain or bgzipped), or nothing (reference-less and unmapped-only
//! files, and files with embedded references, need none).

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use crate::formats::fasta::{FastaFile, IndexedReader, Interval};
use crate::{Error, ErrorKind, Format, Result};

/// A source of reference sequence bases, cheap to clone and shared
/// between threads.
///
/// ```no_run
/// use biometal::formats::cram::ReferenceSource;
/// let reference = ReferenceSource::from_fasta_path("ref.fa")?;
/// # Ok::<(), biometal::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct ReferenceSource {
    fasta: Option<Arc<IndexedReader<FastaFile>>>,
}

impl fmt::Debug for ReferenceSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReferenceSource")
            .field("fasta", &self.fasta.is_some())
            .finish()
    }
}

impl ReferenceSource {
    /// No external reference: only files that do not need one decode.
    ///
    /// ```
    /// use biometal::formats::cram::ReferenceSource;
    /// assert!(!ReferenceSource::none().is_available());
    /// ```
    pub fn none() -> Self {
        ReferenceSource::default()
    }

    /// An indexed FASTA file (`.fai` beside it, and `.gzi` when bgzipped;
    /// missing indexes are built in memory).
    ///
    /// # Errors
    /// When the file cannot be opened or indexed.
    pub fn from_fasta_path(path: impl AsRef<Path>) -> Result<Self> {
        Ok(Self::from_indexed_fasta(IndexedReader::from_path(path)?))
    }

    /// An already opened indexed FASTA reader.
    pub fn from_indexed_fasta(reader: IndexedReader<FastaFile>) -> Self {
        ReferenceSource {
            fasta: Some(Arc::new(reader)),
        }
    }

    /// Whether any external reference is configured.
    pub fn is_available(&self) -> bool {
        self.fasta.is_some()
    }

    /// The length of reference `name`, if the source knows it.
    pub(crate) fn length(&self, name: &str) -> Option<u64> {
        self.fasta
            .as_ref()
            .and_then(|fasta| fasta.index().get(name.as_bytes()))
            .map(|record| record.length())
    }

    /// Fetches the 0-based half-open span `[start, end)` of `name` into
    /// `out` in upper case (clamped to the sequence's end).
    pub(crate) fn fetch(&self, name: &str, start: u64, end: u64, out: &mut Vec<u8>) -> Result<()> {
        let fasta = self.fasta.as_ref().ok_or_else(|| {
            Error::new(
                ErrorKind::NotFound,
                Format::Cram,
                format!(
                    "reference sequence {name} is needed but no reference was given \
                     (set one with ReaderBuilder::reference, or --reference)"
                ),
            )
        })?;
        let interval = Interval::new(start, end.max(start))?;
        fasta
            .fetch_into(name.as_bytes(), interval, out)
            .map_err(|e| {
                Error::new(
                    e.kind(),
                    Format::Cram,
                    format!("cannot fetch reference {name}:{}-{end}: {e}", start + 1),
                )
            })?;
        out.make_ascii_uppercase();
        Ok(())
    }
}
