//! A bgzipped text file opened together with its tabix index, set up for
//! many region queries.

use std::path::Path;

use super::{load_for, query, Query, TabixIndex};
use crate::formats::bam::VirtualPositioned;
use crate::io::{IoOptions, Source};
use crate::region::Region;
use crate::Result;

/// The decoded-block cache [`IndexedReader::from_path`] sets up: 10 MiB,
/// as `tabix` uses.
pub const DEFAULT_BLOCK_CACHE: usize = 10 << 20;

/// A bgzipped, tabix-indexed text file: `tabix FILE REGION…` as a library.
///
/// ```no_run
/// use biometal::index::tabix::IndexedReader;
///
/// let mut reader = IndexedReader::from_path("genes.gff.gz")?;
/// for text in ["chr1:1-100000", "chr2"] {
///     let region = reader.index().parse_region(text)?;
///     let mut query = reader.query(&region)?;
///     while let Some(line) = query.next_line()? {
///         println!("{}", String::from_utf8_lossy(line.bytes()));
///     }
/// }
/// # Ok::<(), biometal::Error>(())
/// ```
pub struct IndexedReader<R> {
    reader: R,
    index: TabixIndex,
}

impl IndexedReader<Source> {
    /// Opens `path` (decoding inline, with a [`DEFAULT_BLOCK_CACHE`] block
    /// cache) and the index beside it (`.tbi`, then `.csi`).
    ///
    /// # Errors
    ///
    /// No index found; the file cannot be opened or is not BGZF; the index
    /// is malformed.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Self> {
        let index = load_for(path.as_ref())?;
        let options = IoOptions::default().with_bgzf_threads(1);
        let mut reader = crate::io::open_with(path.as_ref(), &options)?;
        if let Some(bgzf) = reader.bgzf_mut() {
            bgzf.set_block_cache(DEFAULT_BLOCK_CACHE);
        }
        Ok(IndexedReader { reader, index })
    }
}

impl<R: VirtualPositioned> IndexedReader<R> {
    /// Pairs a BGZF reader with its index.
    pub fn new(reader: R, index: TabixIndex) -> Self {
        IndexedReader { reader, index }
    }

    /// The index.
    pub fn index(&self) -> &TabixIndex {
        &self.index
    }

    /// The underlying reader.
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.reader
    }

    /// The lines overlapping `region` (see [`query()`](super::query())).
    ///
    /// # Errors
    ///
    /// Those of [`query()`](super::query()).
    pub fn query(&mut self, region: &Region) -> Result<Query<'_, R>> {
        query(&mut self.reader, &self.index, region)
    }

    /// The reader and the index.
    pub fn into_parts(self) -> (R, TabixIndex) {
        (self.reader, self.index)
    }
}
