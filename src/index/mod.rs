//! Indexes of coordinate-sorted BAM files and bgzipped text: the binning
//! scheme once ([`binning`]), the [`Index`] model shared by BAI, CSI and
//! TBI ([`bai`], [`csi`], [`tbi`]), building one from a BAM ([`build`]),
//! region queries ([`query()`]), and tabix indexing and queries for
//! BED/GFF/VCF text ([`tabix`]).
//!
//! ```no_run
//! use biometal::formats::bam;
//! use biometal::index;
//! use biometal::region::Region;
//!
//! let mut reader = bam::Reader::from_path("sample.bam")?;
//! let header = reader.read_header()?;
//! let index = index::load_for("sample.bam")?; // .bai, .bam.bai or .csi
//! let region: Region = "chr1:10,000-20,000".parse()?;
//! let mut query = index::query(&mut reader, &header, &index, &region)?;
//! let mut count = 0;
//! while let Some(_record) = query.next_record()? {
//!     count += 1;
//! }
//! # Ok::<(), biometal::Error>(())
//! ```

pub mod bai;
pub mod binning;
pub mod build;
pub mod csi;
pub mod query;
pub mod tabix;
pub mod tbi;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use self::build::{build_from_path, Indexer};
pub use self::query::{query, query_unmapped, Query};

use crate::bgzf::VirtualPosition;
use crate::{Error, Format, Result};

/// A chunk of the file: records between two virtual positions
/// (`start` inclusive, `end` exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Chunk {
    /// Where the first record starts.
    pub start: VirtualPosition,
    /// Just past the last record.
    pub end: VirtualPosition,
}

/// One bin's chunks (and, in CSI, the smallest offset of records
/// overlapping the bin's first window).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bin {
    /// CSI's `loffset` (BAI: unused, zero).
    pub loffset: VirtualPosition,
    /// Chunks, sorted by start.
    pub chunks: Vec<Chunk>,
}

/// Per-reference counts from the index's pseudo-bin (what `samtools
/// idxstats` prints).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Metadata {
    /// Where the reference's records start.
    pub start: VirtualPosition,
    /// Just past its last record.
    pub end: VirtualPosition,
    /// Mapped records.
    pub mapped: u64,
    /// Unmapped records placed on this reference (with their mate).
    pub unmapped: u64,
}

/// The index of one reference sequence.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReferenceIndex {
    /// Bins by number (the pseudo-bin excluded).
    pub bins: BTreeMap<u32, Bin>,
    /// BAI's linear index: the smallest offset of records overlapping each
    /// 16 kbp window (empty in CSI).
    pub linear: Vec<VirtualPosition>,
    /// Pseudo-bin counts.
    pub metadata: Option<Metadata>,
}

/// Which encoding an [`Index`] came from or will be written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `.bai`: `min_shift` 14, depth 5, linear index (also the binning of
    /// `.tbi`, see [`tabix::TabixIndex`]).
    Bai,
    /// `.csi`: any `min_shift` and depth, per-bin `loffset`.
    Csi,
}

/// A BAI or CSI index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Index {
    /// BAI or CSI.
    pub kind: Kind,
    /// The smallest bins cover `2^min_shift` positions.
    pub min_shift: u32,
    /// Levels below the root.
    pub depth: u32,
    /// CSI's auxiliary data (empty for BAM).
    pub aux: Vec<u8>,
    /// One entry per reference sequence, in header order.
    pub references: Vec<ReferenceIndex>,
    /// The number of records without a reference (`samtools idxstats`'
    /// last line), when stored.
    pub unplaced_unmapped: Option<u64>,
}

impl Index {
    /// The pseudo-bin number holding [`Metadata`]: 37450 for BAI.
    pub fn metadata_bin(&self) -> u32 {
        binning::bin_count(self.depth) + 1
    }

    /// The largest chunk end of any reference: records after it have no
    /// reference (`*`).
    pub fn last_indexed_position(&self) -> VirtualPosition {
        let mut last = VirtualPosition::default();
        for reference in &self.references {
            for bin in reference.bins.values() {
                for chunk in &bin.chunks {
                    last = last.max(chunk.end);
                }
            }
            if let Some(metadata) = reference.metadata {
                last = last.max(metadata.end);
            }
        }
        last
    }
}

/// The index files tried beside `path`, in htslib's order: a CSI first
/// (`PATH.csi`, then `PATH` less its extension + `.csi`), then a BAI
/// (`PATH.bai`, then `PATH` less its extension + `.bai`): `x.bam` tries
/// `x.bam.csi`, `x.csi`, `x.bam.bai`, `x.bai`.
///
/// ```
/// use std::path::{Path, PathBuf};
///
/// let tried = biometal::index::candidate_paths(Path::new("d/x.bam"));
/// let expected = ["d/x.bam.csi", "d/x.csi", "d/x.bam.bai", "d/x.bai"];
/// assert_eq!(tried, expected.map(PathBuf::from));
/// ```
pub fn candidate_paths(path: &Path) -> Vec<PathBuf> {
    htslib_candidates(path, "bai")
}

/// `PATH.csi`, `STEM.csi`, `PATH.other`, `STEM.other`, where `STEM` is
/// `PATH` less its last extension (left out when it has none), as htslib
/// looks for an index.
pub(crate) fn htslib_candidates(path: &Path, other: &str) -> Vec<PathBuf> {
    let mut candidates = Vec::with_capacity(4);
    for extension in ["csi", other] {
        candidates.push(append_extension(path, extension));
        if path.extension().is_some() {
            candidates.push(path.with_extension(extension));
        }
    }
    candidates
}

/// Writes index `bytes` to `PATH.extension`, beside the data file `path`
/// (what writers built from a path do at `finish()`).
pub(crate) fn write_beside(
    path: &Path,
    extension: &str,
    bytes: &[u8],
    format: Format,
) -> Result<()> {
    let name = append_extension(path, extension);
    std::fs::write(&name, bytes)
        .map_err(|e| Error::io(format, e).with_name(name.display().to_string()))
}

/// `PATH.extension` (`x.bam` → `x.bam.bai`).
pub(crate) fn append_extension(path: &Path, extension: &str) -> PathBuf {
    let mut text = path.as_os_str().to_owned();
    text.push(".");
    text.push(extension);
    PathBuf::from(text)
}

/// Loads the index beside `path` (see [`candidate_paths`]).
///
/// # Errors
///
/// [`ErrorKind::NotFound`](crate::ErrorKind::NotFound) listing the paths
/// tried; errors reading the index.
pub fn load_for(path: impl AsRef<Path>) -> Result<Index> {
    let candidates = candidate_paths(path.as_ref());
    for candidate in &candidates {
        if candidate.is_file() {
            return read_path(candidate);
        }
    }
    let tried: Vec<String> = candidates.iter().map(|p| p.display().to_string()).collect();
    Err(Error::new(
        crate::ErrorKind::NotFound,
        Format::Bai,
        format!("no index found; tried {}", tried.join(", ")),
    ))
}

/// Reads a BAI or CSI file (chosen by its magic number; gzip-wrapped CSI
/// files as samtools writes them are accepted through [`crate::io`]).
///
/// # Errors
///
/// Malformed or truncated index data.
pub fn read_path(path: impl AsRef<Path>) -> Result<Index> {
    use std::io::Read;
    let name = path.as_ref().display().to_string();
    let mut bytes = Vec::new();
    crate::io::open(path.as_ref())?
        .read_to_end(&mut bytes)
        .map_err(|e| Error::from(e).with_name(name.clone()))?;
    read(&bytes).map_err(|e| e.with_name(name))
}

/// Parses a decompressed BAI, CSI or TBI index (a TBI's binning, with
/// the tabix meta data in `aux`; [`tabix::read`] keeps it parsed).
///
/// # Errors
///
/// An unknown magic number, truncation, or counts that exceed the data.
pub fn read(bytes: &[u8]) -> Result<Index> {
    match bytes.get(..4) {
        Some(b"BAI\x01") => bai::read(bytes),
        Some(b"CSI\x01") => csi::read(bytes),
        Some(b"TBI\x01") => Ok(tbi::read(bytes)?.index().clone()),
        _ => Err(
            Error::invalid_data(Format::Bai, "expected magic BAI\\1, CSI\\1 or TBI\\1")
                .at_byte_offset(0),
        ),
    }
}

/// A little-endian cursor over index bytes whose reads fail with the
/// offset instead of panicking.
pub(crate) struct Cursor<'a> {
    bytes: &'a [u8],
    offset: usize,
    format: Format,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(bytes: &'a [u8], format: Format) -> Self {
        Cursor {
            bytes,
            offset: 0,
            format,
        }
    }

    pub(crate) fn is_at_end(&self) -> bool {
        self.offset >= self.bytes.len()
    }

    pub(crate) fn remaining(&self) -> usize {
        self.bytes.len().saturating_sub(self.offset)
    }

    pub(crate) fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8]> {
        let end = self
            .offset
            .checked_add(n)
            .filter(|&end| end <= self.bytes.len());
        match end {
            Some(end) => {
                let slice = &self.bytes[self.offset..end];
                self.offset = end;
                Ok(slice)
            }
            None => Err(Error::unexpected_eof(
                self.format,
                format!(
                    "index ends inside {what} ({n} bytes needed, {} left)",
                    self.remaining()
                ),
            )
            .at_byte_offset(self.offset as u64)),
        }
    }

    pub(crate) fn u32(&mut self, what: &str) -> Result<u32> {
        let b = self.take(4, what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    pub(crate) fn u64(&mut self, what: &str) -> Result<u64> {
        let b = self.take(8, what)?;
        let mut raw = [0u8; 8];
        raw.copy_from_slice(b);
        Ok(u64::from_le_bytes(raw))
    }

    /// A count of items each at least `item_size` bytes, checked against
    /// the bytes left so nothing is allocated beyond the data.
    pub(crate) fn count(&mut self, item_size: usize, what: &str) -> Result<usize> {
        let at = self.offset;
        let value = self.u32(what)? as i32;
        let count = usize::try_from(value).map_err(|_| {
            Error::invalid_data(self.format, format!("{what} is negative ({value})"))
                .at_byte_offset(at as u64)
        })?;
        if count.saturating_mul(item_size) > self.remaining() {
            return Err(Error::invalid_data(
                self.format,
                format!(
                    "{what} {count} needs more bytes than the {} left",
                    self.remaining()
                ),
            )
            .at_byte_offset(at as u64));
        }
        Ok(count)
    }

    pub(crate) fn error(&self, message: String) -> Error {
        Error::invalid_data(self.format, message).at_byte_offset(self.offset as u64)
    }
}

/// Reads one reference's bins (after `n_bin`), splitting off the
/// pseudo-bin.
pub(crate) fn read_bins(
    cursor: &mut Cursor<'_>,
    metadata_bin: u32,
    with_loffset: bool,
) -> Result<(BTreeMap<u32, Bin>, Option<Metadata>)> {
    let bin_size = if with_loffset { 16 } else { 8 };
    let n_bin = cursor.count(bin_size, "n_bin")?;
    let mut bins = BTreeMap::new();
    let mut metadata = None;
    for _ in 0..n_bin {
        let number = cursor.u32("bin")?;
        let loffset = if with_loffset {
            cursor.u64("loffset")?
        } else {
            0
        };
        let n_chunk = cursor.count(16, "n_chunk")?;
        let mut chunks = Vec::with_capacity(n_chunk);
        for _ in 0..n_chunk {
            let start = VirtualPosition::from(cursor.u64("chunk start")?);
            let end = VirtualPosition::from(cursor.u64("chunk end")?);
            chunks.push(Chunk { start, end });
        }
        if number == metadata_bin {
            if let [range, counts] = chunks[..] {
                metadata = Some(Metadata {
                    start: range.start,
                    end: range.end,
                    mapped: u64::from(counts.start),
                    unmapped: u64::from(counts.end),
                });
                continue;
            }
            return Err(cursor.error(format!(
                "pseudo-bin {number} must hold 2 chunks, has {n_chunk}"
            )));
        }
        if number > metadata_bin {
            return Err(cursor.error(format!("bin {number} beyond the scheme's {metadata_bin}")));
        }
        chunks.sort();
        let bin = Bin {
            loffset: VirtualPosition::from(loffset),
            chunks,
        };
        if bins.insert(number, bin).is_some() {
            return Err(cursor.error(format!("bin {number} appears twice")));
        }
    }
    Ok((bins, metadata))
}

/// Appends one reference's bins (and pseudo-bin) to `out`.
pub(crate) fn write_bins(
    out: &mut Vec<u8>,
    index: &Index,
    reference: &ReferenceIndex,
    with_loffset: bool,
) {
    let n_bin = reference.bins.len() + usize::from(reference.metadata.is_some());
    out.extend_from_slice(&(n_bin as u32).to_le_bytes());
    let chunk = |out: &mut Vec<u8>, a: u64, b: u64| {
        out.extend_from_slice(&a.to_le_bytes());
        out.extend_from_slice(&b.to_le_bytes());
    };
    for (number, bin) in &reference.bins {
        out.extend_from_slice(&number.to_le_bytes());
        if with_loffset {
            out.extend_from_slice(&u64::from(bin.loffset).to_le_bytes());
        }
        out.extend_from_slice(&(bin.chunks.len() as u32).to_le_bytes());
        for c in &bin.chunks {
            chunk(out, c.start.into(), c.end.into());
        }
    }
    if let Some(metadata) = reference.metadata {
        out.extend_from_slice(&index.metadata_bin().to_le_bytes());
        if with_loffset {
            out.extend_from_slice(&0u64.to_le_bytes());
        }
        out.extend_from_slice(&2u32.to_le_bytes());
        chunk(out, metadata.start.into(), metadata.end.into());
        chunk(out, metadata.mapped, metadata.unmapped);
    }
}
