//! `.gzi` indexes: random access into bgzipped plain files (as written by
//! `bgzip -i` and `bgzip -r`).
//!
//! The file is a little-endian `u64` count followed by that many
//! `(compressed offset, uncompressed offset)` pairs of `u64`s, one for the
//! start of every non-empty block except the first; the first data block,
//! at uncompressed offset 0, is implicitly reached from compressed offset 0.

use std::io::{Read, Write};

use super::block;
use super::{VirtualPosition, MAX_BLOCK_SIZE};
use crate::{Error, Format, Result};

/// One `.gzi` entry: where a block starts in the compressed file and in the
/// decompressed stream (both 0-based byte offsets).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GziEntry {
    /// The block's 0-based offset in the compressed file.
    pub compressed_offset: u64,
    /// The 0-based offset of the block's first byte in the decompressed
    /// stream.
    pub uncompressed_offset: u64,
}

/// A `.gzi` index: the block boundaries of a BGZF file.
///
/// ```
/// use biometal::bgzf::{GziEntry, GziIndex, VirtualPosition};
///
/// let index = GziIndex::from_entries(vec![GziEntry { compressed_offset: 30_000, uncompressed_offset: 65_280 }]).unwrap();
/// let mut bytes = Vec::new();
/// index.write(&mut bytes).unwrap();
/// assert_eq!(bytes.len(), 8 + 16);
/// assert_eq!(GziIndex::from_bytes(&bytes).unwrap(), index);
/// assert_eq!(index.virtual_position(100).unwrap(), VirtualPosition::new(0, 100).unwrap());
/// assert_eq!(index.virtual_position(65_290).unwrap(), VirtualPosition::new(30_000, 10).unwrap());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GziIndex {
    entries: Vec<GziEntry>,
}

const ENTRY_SIZE: u64 = 16;
const COUNT_SIZE: usize = 8;

impl GziIndex {
    /// An index from its entries (without the implicit first block), which
    /// must be increasing in both offsets.
    pub fn from_entries(entries: Vec<GziEntry>) -> Result<Self> {
        let mut previous = GziEntry {
            compressed_offset: 0,
            uncompressed_offset: 0,
        };
        for (n, entry) in entries.iter().enumerate() {
            if entry.compressed_offset <= previous.compressed_offset
                || entry.uncompressed_offset <= previous.uncompressed_offset
            {
                return Err(Error::invalid_data(
                    Format::Gzi,
                    format!(
                        "entry {} ({}, {}) does not follow ({}, {})",
                        n + 1,
                        entry.compressed_offset,
                        entry.uncompressed_offset,
                        previous.compressed_offset,
                        previous.uncompressed_offset
                    ),
                )
                .at_byte_offset(COUNT_SIZE as u64 + n as u64 * ENTRY_SIZE));
            }
            previous = *entry;
        }
        Ok(GziIndex { entries })
    }

    /// The entries, without the implicit first block at `(0, 0)`.
    pub fn entries(&self) -> &[GziEntry] {
        &self.entries
    }

    /// Parses a whole `.gzi` file. The count must match the file's length
    /// exactly (it is checked before anything is allocated). htslib writes
    /// an index of an empty input with a count of `u64::MAX` and no entries;
    /// that reads as an empty index.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let Some((count, rest)) = bytes.split_first_chunk::<COUNT_SIZE>() else {
            return Err(Error::unexpected_eof(
                Format::Gzi,
                format!(
                    "expected an 8-byte entry count, found {} bytes",
                    bytes.len()
                ),
            )
            .at_byte_offset(0));
        };
        let count = u64::from_le_bytes(*count);
        if count == u64::MAX && rest.is_empty() {
            return Ok(GziIndex::default());
        }
        let expected = count.checked_mul(ENTRY_SIZE);
        if expected != Some(rest.len() as u64) {
            return Err(Error::invalid_data(
                Format::Gzi,
                format!(
                    "the count says {count} entries ({} bytes), the file holds {} bytes of entries",
                    expected.map_or_else(|| "too many".to_owned(), |n| n.to_string()),
                    rest.len()
                ),
            )
            .at_byte_offset(0));
        }
        let entries = rest
            .chunks_exact(ENTRY_SIZE as usize)
            .map(|pair| {
                let (compressed, uncompressed) = pair.split_at(8);
                GziEntry {
                    compressed_offset: u64::from_le_bytes(
                        compressed.try_into().unwrap_or_default(),
                    ),
                    uncompressed_offset: u64::from_le_bytes(
                        uncompressed.try_into().unwrap_or_default(),
                    ),
                }
            })
            .collect();
        Self::from_entries(entries)
    }

    /// Reads a whole `.gzi` file from `reader`; see
    /// [`from_bytes`](Self::from_bytes).
    pub fn read<R: Read>(mut reader: R) -> Result<Self> {
        let mut bytes = Vec::new();
        reader
            .read_to_end(&mut bytes)
            .map_err(|error| Error::io(Format::Gzi, error))?;
        Self::from_bytes(&bytes)
    }

    /// Writes the index as `bgzip -i` does.
    pub fn write<W: Write>(&self, mut writer: W) -> Result<()> {
        let mut bytes = Vec::with_capacity(COUNT_SIZE + self.entries.len() * ENTRY_SIZE as usize);
        bytes.extend_from_slice(&(self.entries.len() as u64).to_le_bytes());
        for entry in &self.entries {
            bytes.extend_from_slice(&entry.compressed_offset.to_le_bytes());
            bytes.extend_from_slice(&entry.uncompressed_offset.to_le_bytes());
        }
        writer
            .write_all(&bytes)
            .map_err(|error| Error::io(Format::Gzi, error))
    }

    /// Builds the index of a BGZF stream by walking its blocks' headers and
    /// footers (ISIZE); the deflate data is not inflated or checked.
    ///
    /// ```
    /// use biometal::bgzf::{GziIndex, EOF_MARKER};
    /// let index = GziIndex::build(&EOF_MARKER[..]).unwrap();
    /// assert!(index.entries().is_empty());
    /// ```
    pub fn build<R: Read>(mut reader: R) -> Result<Self> {
        let mut buf = vec![0; MAX_BLOCK_SIZE];
        let mut entries = Vec::new();
        let mut compressed_offset = 0u64;
        let mut uncompressed_offset = 0u64;
        while let Some(size) =
            super::reader::read_raw_block(&mut reader, &mut buf, compressed_offset)?
        {
            let raw = buf.get(..size).unwrap_or(&buf);
            let parts = block::split_block(raw, compressed_offset)?;
            if parts.uncompressed_size > 0 {
                if uncompressed_offset > 0 {
                    entries.push(GziEntry {
                        compressed_offset,
                        uncompressed_offset,
                    });
                }
                uncompressed_offset += parts.uncompressed_size as u64;
            }
            compressed_offset += size as u64;
        }
        Ok(GziIndex { entries })
    }

    /// The virtual position of a 0-based offset in the decompressed stream:
    /// the last block starting at or before it, and the distance into that
    /// block. An offset past the end of the file's last block is found when
    /// seeking to the returned position.
    pub fn virtual_position(&self, uncompressed_offset: u64) -> Result<VirtualPosition> {
        let after = self
            .entries
            .partition_point(|entry| entry.uncompressed_offset <= uncompressed_offset);
        let (block_compressed, block_uncompressed) =
            match after.checked_sub(1).and_then(|i| self.entries.get(i)) {
                Some(entry) => (entry.compressed_offset, entry.uncompressed_offset),
                None => (0, 0),
            };
        let within = uncompressed_offset - block_uncompressed;
        u16::try_from(within)
            .ok()
            .and_then(|within| VirtualPosition::new(block_compressed, within))
            .ok_or_else(|| {
                Error::invalid_input(
                    Format::Gzi,
                    format!("uncompressed offset {uncompressed_offset} is past the end of the indexed data"),
                )
            })
    }
}
