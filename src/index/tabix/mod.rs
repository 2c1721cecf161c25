//! Tabix: region queries over bgzipped, sorted tab-delimited text (BED,
//! GFF/GTF, VCF, SAM or any file configured by sequence/begin/end
//! columns), with `.tbi` ([`tbi`](super::tbi)) or `.csi` indexes (the
//! tabix configuration and sequence names in CSI's auxiliary data).
//!
//! * [`TabixConfig`]: which columns hold the interval (`tabix -p` presets
//!   and custom columns).
//! * [`TabixIndex`]: the shared [`Index`] plus that configuration and the
//!   sequence names; [`read_path`], [`load_for`] (`FILE.tbi`, `FILE.csi`).
//! * [`build_from_path`]/[`build`]/[`TabixIndexer`]: index a bgzipped
//!   sorted file, like `tabix -p …` (and `tabix -C`).
//! * [`query()`]: the lines overlapping a region, exactly as
//!   `tabix FILE REGION` prints them; [`IndexedReader`] pairs a file with
//!   its index and a block cache for many queries.
//!
//! ```no_run
//! use biometal::index::tabix;
//! use biometal::region::Region;
//!
//! let index = tabix::load_for("genes.bed.gz")?;
//! let mut reader = biometal::io::open("genes.bed.gz")?;
//! let region: Region = "chr1:10,000-20,000".parse()?;
//! let mut query = tabix::query(&mut reader, &index, &region)?;
//! while let Some(line) = query.next_line()? {
//!     println!("{}", String::from_utf8_lossy(line.bytes()));
//! }
//! # Ok::<(), biometal::Error>(())
//! ```

mod build;
mod config;
mod query;
mod reader;

use std::collections::HashMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};

pub(crate) use self::build::declared_length;
pub use self::build::{build, build_from_path, build_with, csi_depth, TabixFormat, TabixIndexer};
pub use self::config::{Preset, TabixConfig};
pub use self::query::{query, Line, Query};
pub use self::reader::{IndexedReader, DEFAULT_BLOCK_CACHE};

use super::{Chunk, Index, Kind};
use crate::region::Region;
use crate::{Error, ErrorKind, Format, Result};

/// The longest line accepted when reading (a limit, not an allocation):
/// 256 MiB.
pub const MAX_LINE_LENGTH: usize = 256 << 20;

/// A tabix index: the binning [`Index`] (`Kind::Bai` layout with a linear
/// index for `.tbi`, `Kind::Csi` for `.csi`), the [`TabixConfig`] and the
/// sequence names, whose order gives the reference ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TabixIndex {
    index: Index,
    config: TabixConfig,
    names: Vec<String>,
    ids: HashMap<String, usize>,
}

impl TabixIndex {
    /// Combines an index with its configuration and sequence names (one
    /// per reference; references are added, empty, for names beyond
    /// them). The index's `aux` is set to tabix's meta data.
    ///
    /// # Errors
    ///
    /// More references than names, or a name given twice.
    pub fn new(mut index: Index, config: TabixConfig, names: Vec<String>) -> Result<Self> {
        let format = format_of(&index);
        if index.references.len() > names.len() {
            return Err(Error::invalid_data(
                format,
                format!(
                    "the index has {} sequences but names only {}",
                    index.references.len(),
                    names.len()
                ),
            ));
        }
        index
            .references
            .resize(names.len(), super::ReferenceIndex::default());
        let mut ids = HashMap::with_capacity(names.len());
        for (id, name) in names.iter().enumerate() {
            if ids.insert(name.clone(), id).is_some() {
                return Err(Error::invalid_data(
                    format,
                    format!("sequence name {name:?} appears twice"),
                ));
            }
        }
        index.aux = meta_bytes(&config, &names);
        Ok(TabixIndex {
            index,
            config,
            names,
            ids,
        })
    }

    /// Reads the tabix configuration and names from a CSI index's `aux`.
    ///
    /// # Errors
    ///
    /// Missing or malformed tabix meta data.
    pub fn from_csi(index: Index) -> Result<Self> {
        let (config, names) = parse_meta(&index.aux, Format::Csi)?;
        Self::new(index, config, names)
    }

    /// The binning index (its `aux` holds the tabix meta data).
    pub fn index(&self) -> &Index {
        &self.index
    }

    /// The column configuration.
    pub fn config(&self) -> &TabixConfig {
        &self.config
    }

    /// The sequence names, by reference id.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The reference id of sequence `name`.
    pub fn reference_id(&self, name: &str) -> Option<usize> {
        self.ids.get(name).copied()
    }

    /// Whether this is a CSI (rather than TBI) index.
    pub fn is_csi(&self) -> bool {
        self.index.kind == Kind::Csi
    }

    /// The merged chunks that may hold lines overlapping `region` (none for
    /// a sequence the index does not name or an empty region).
    pub fn chunks(&self, region: &Region) -> Vec<Chunk> {
        let interval = region.interval();
        match self.reference_id(region.name()) {
            Some(id) if !interval.is_empty() => {
                super::query::chunks_for(&self.index, id, interval.start(), interval.end())
            }
            _ => Vec::new(),
        }
    }

    /// Parses a region string against this index's sequence names
    /// (samtools/tabix syntax, 1-based inclusive).
    ///
    /// # Errors
    ///
    /// Malformed regions; [`ErrorKind::NotFound`] for unknown names.
    pub fn parse_region(&self, text: &str) -> Result<Region> {
        Region::parse_with_names(text, |name| self.ids.contains_key(name))
    }

    /// The encoded index: `.tbi` or `.csi`, BGZF-compressed as tabix
    /// writes it.
    ///
    /// # Errors
    ///
    /// TBI for a scheme other than `min_shift` 14, depth 5.
    pub fn to_bgzf_bytes(&self) -> Result<Vec<u8>> {
        if self.is_csi() {
            super::csi::write_bgzf(&self.index)
        } else {
            super::tbi::write_bgzf(self)
        }
    }

    /// The usual file name extension: `tbi` or `csi`.
    pub fn extension(&self) -> &'static str {
        if self.is_csi() {
            "csi"
        } else {
            "tbi"
        }
    }
}

fn format_of(index: &Index) -> Format {
    match index.kind {
        Kind::Csi => Format::Csi,
        Kind::Bai => Format::Tbi,
    }
}

/// tabix's meta data: the configuration's six `i32`s, `l_nm`, then the
/// NUL-terminated names.
pub(crate) fn meta_bytes(config: &TabixConfig, names: &[String]) -> Vec<u8> {
    let l_nm: usize = names.iter().map(|n| n.len() + 1).sum();
    let mut out = Vec::with_capacity(28 + l_nm);
    out.extend_from_slice(&config.to_bytes());
    out.extend_from_slice(&(l_nm as u32).to_le_bytes());
    for name in names {
        out.extend_from_slice(name.as_bytes());
        out.push(0);
    }
    out
}

/// Parses [`meta_bytes`] (all of `bytes`).
pub(crate) fn parse_meta(bytes: &[u8], format: Format) -> Result<(TabixConfig, Vec<String>)> {
    let mut cursor = super::Cursor::new(bytes, format);
    let mut values = [0i32; 6];
    for (value, what) in values
        .iter_mut()
        .zip(["format", "col_seq", "col_beg", "col_end", "meta", "skip"])
    {
        *value = cursor.u32(what)? as i32;
    }
    let config = TabixConfig::from_values(values).map_err(|e| cursor.error(e.message().into()))?;
    let l_nm = cursor.count(1, "l_nm")?;
    let names = parse_names(cursor.take(l_nm, "sequence names")?)
        .map_err(|message| cursor.error(message))?;
    if !cursor.is_at_end() {
        return Err(cursor.error("trailing bytes after the tabix sequence names".into()));
    }
    Ok((config, names))
}

fn parse_names(bytes: &[u8]) -> std::result::Result<Vec<String>, String> {
    let Some(body) = bytes.strip_suffix(b"\0") else {
        return if bytes.is_empty() {
            Ok(Vec::new())
        } else {
            Err("the last sequence name is not NUL-terminated".into())
        };
    };
    body.split(|&b| b == 0)
        .map(|name| {
            String::from_utf8(name.to_vec()).map_err(|_| {
                format!(
                    "sequence name {:?} is not UTF-8",
                    String::from_utf8_lossy(name)
                )
            })
        })
        .collect()
}

/// Parses a decompressed `.tbi` or tabix `.csi` index.
///
/// # Errors
///
/// An unknown magic number, truncation, a CSI without tabix meta data, or
/// counts beyond the data.
pub fn read(bytes: &[u8]) -> Result<TabixIndex> {
    match bytes.get(..4) {
        Some(b"TBI\x01") => super::tbi::read(bytes),
        Some(b"CSI\x01") => TabixIndex::from_csi(super::csi::read(bytes)?),
        _ => Err(
            Error::invalid_data(Format::Tbi, "expected magic TBI\\1 or CSI\\1").at_byte_offset(0),
        ),
    }
}

/// Reads a `.tbi` or tabix `.csi` file (BGZF-compressed, as tabix writes
/// them, or plain).
///
/// # Errors
///
/// I/O errors and those of [`read()`], with the file name.
pub fn read_path(path: impl AsRef<Path>) -> Result<TabixIndex> {
    use std::io::Read;
    let name = path.as_ref().display().to_string();
    let mut bytes = Vec::new();
    crate::io::open(path.as_ref())?
        .read_to_end(&mut bytes)
        .map_err(|e| Error::from(e).with_name(name.clone()))?;
    read(&bytes).map_err(|e| e.with_name(name))
}

/// The index files tried beside `path`: `PATH.tbi`, then `PATH.csi`.
pub fn candidate_paths(path: &Path) -> [PathBuf; 2] {
    [
        super::append_extension(path, "tbi"),
        super::append_extension(path, "csi"),
    ]
}

/// Loads the tabix index beside `path` (see [`candidate_paths`]).
///
/// # Errors
///
/// [`ErrorKind::NotFound`] listing the paths tried; errors of
/// [`read_path`].
pub fn load_for(path: impl AsRef<Path>) -> Result<TabixIndex> {
    let candidates = candidate_paths(path.as_ref());
    for candidate in &candidates {
        if candidate.is_file() {
            return read_path(candidate);
        }
    }
    let tried: Vec<String> = candidates.iter().map(|p| p.display().to_string()).collect();
    Err(Error::new(
        ErrorKind::NotFound,
        Format::Tbi,
        format!("no tabix index found; tried {}", tried.join(", ")),
    ))
}

/// Reads one line into `line` (cleared first) without its `\n` (or
/// `\r\n`); `false` at the end of input.
///
/// # Errors
///
/// Read errors; a line longer than [`MAX_LINE_LENGTH`].
pub(crate) fn read_line<R: BufRead>(reader: &mut R, line: &mut Vec<u8>) -> Result<bool> {
    line.clear();
    let mut any = false;
    loop {
        let available = reader.fill_buf()?;
        if available.is_empty() {
            break;
        }
        any = true;
        let (taken, done) = match memchr::memchr(b'\n', available) {
            Some(at) => {
                line.extend_from_slice(&available[..at]);
                (at + 1, true)
            }
            None => {
                line.extend_from_slice(available);
                (available.len(), false)
            }
        };
        reader.consume(taken);
        if line.len() > MAX_LINE_LENGTH {
            return Err(Error::limit_exceeded(
                Format::Tbi,
                "line length",
                line.len() as u64,
                MAX_LINE_LENGTH as u64,
            ));
        }
        if done {
            break;
        }
    }
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(any)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_round_trips_and_rejects_bad_names() {
        let names = vec!["chr1".to_string(), "chrUn_x".to_string()];
        let bytes = meta_bytes(&TabixConfig::vcf(), &names);
        assert_eq!(
            parse_meta(&bytes, Format::Tbi).unwrap(),
            (TabixConfig::vcf(), names)
        );
        let mut cut = bytes.clone();
        cut.pop();
        cut.truncate(cut.len());
        assert!(parse_meta(&cut, Format::Tbi).is_err());
        let mut unterminated = bytes;
        unterminated.pop();
        let l_nm = (unterminated.len() - 28) as u32;
        unterminated[24..28].copy_from_slice(&l_nm.to_le_bytes());
        assert!(parse_meta(&unterminated, Format::Tbi).is_err());
    }

    #[test]
    fn lines_lose_their_line_ends() {
        let mut input = &b"a\tb\r\n\nlast"[..];
        let mut line = Vec::new();
        let mut lines = Vec::new();
        while read_line(&mut input, &mut line).unwrap() {
            lines.push(line.clone());
        }
        assert_eq!(lines, vec![b"a\tb".to_vec(), Vec::new(), b"last".to_vec()]);
    }
}
