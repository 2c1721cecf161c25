//! TBI (`.tbi`): tabix's index, BAI's binning (`min_shift` 14, depth 5,
//! linear index) preceded by the tabix configuration and sequence names.
//! The file is BGZF-compressed; [`read`] and [`write`] work on the
//! decompressed bytes.
//!
//! ```
//! use biometal::index::tabix::{TabixConfig, TabixIndex};
//! use biometal::index::{tbi, Index, Kind};
//!
//! let index = Index {
//!     kind: Kind::Bai,
//!     min_shift: 14,
//!     depth: 5,
//!     aux: Vec::new(),
//!     references: Vec::new(),
//!     unplaced_unmapped: Some(0),
//! };
//! let index = TabixIndex::new(index, TabixConfig::bed(), vec!["chr1".into()])?;
//! let bytes = tbi::write(&index)?;
//! assert_eq!(&bytes[..4], b"TBI\x01");
//! assert_eq!(tbi::read(&bytes)?, index);
//! # Ok::<(), biometal::Error>(())
//! ```

use super::binning::{BAI_DEPTH, BAI_MIN_SHIFT};
use super::tabix::{meta_bytes, parse_meta, TabixIndex};
use super::{read_bins, write_bins, Cursor, Index, Kind, ReferenceIndex};
use crate::bgzf::VirtualPosition;
use crate::{Error, Format, Result};

/// Parses a (decompressed) TBI file's bytes.
///
/// # Errors
///
/// Truncation, a bad magic number, malformed tabix meta data, or counts
/// beyond the data (with the byte offset).
pub fn read(bytes: &[u8]) -> Result<TabixIndex> {
    let mut cursor = Cursor::new(bytes, Format::Tbi);
    if cursor.take(4, "the magic number")? != b"TBI\x01" {
        return Err(Error::invalid_data(Format::Tbi, "expected magic TBI\\1").at_byte_offset(0));
    }
    let n_ref = cursor.count(8, "n_ref")?;
    let meta_start = bytes.len() - cursor.remaining();
    cursor.take(24, "the tabix configuration")?;
    let l_nm = cursor.count(1, "l_nm")?;
    cursor.take(l_nm, "sequence names")?;
    let meta_end = bytes.len() - cursor.remaining();
    let (config, names) = parse_meta(&bytes[meta_start..meta_end], Format::Tbi)
        .map_err(|e| e.at_byte_offset(meta_start as u64))?;
    let mut index = Index {
        kind: Kind::Bai,
        min_shift: BAI_MIN_SHIFT,
        depth: BAI_DEPTH,
        aux: Vec::new(),
        references: Vec::with_capacity(n_ref),
        unplaced_unmapped: None,
    };
    let metadata_bin = index.metadata_bin();
    for _ in 0..n_ref {
        let (bins, metadata) = read_bins(&mut cursor, metadata_bin, false)?;
        let n_intv = cursor.count(8, "n_intv")?;
        let mut linear = Vec::with_capacity(n_intv);
        for _ in 0..n_intv {
            linear.push(VirtualPosition::from(cursor.u64("ioffset")?));
        }
        index.references.push(ReferenceIndex {
            bins,
            linear,
            metadata,
        });
    }
    if cursor.remaining() >= 8 {
        index.unplaced_unmapped = Some(cursor.u64("n_no_coor")?);
    }
    if !cursor.is_at_end() {
        return Err(cursor.error("trailing bytes after the index".into()));
    }
    TabixIndex::new(index, config, names)
}

/// Encodes `index` as TBI (uncompressed; [`write_bgzf`] gives the file
/// tabix writes).
///
/// # Errors
///
/// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) unless the
/// index uses TBI's scheme (`min_shift` 14, depth 5, BAI layout):
/// sequences longer than 2^29 need CSI.
pub fn write(index: &TabixIndex) -> Result<Vec<u8>> {
    let binning = index.index();
    if binning.kind != Kind::Bai || binning.min_shift != BAI_MIN_SHIFT || binning.depth != BAI_DEPTH
    {
        return Err(Error::invalid_input(
            Format::Tbi,
            format!(
                "TBI needs min_shift 14 and depth 5 with a linear index, the index has {} and {}: use CSI",
                binning.min_shift, binning.depth
            ),
        ));
    }
    let mut out = b"TBI\x01".to_vec();
    out.extend_from_slice(&(binning.references.len() as u32).to_le_bytes());
    out.extend_from_slice(&meta_bytes(index.config(), index.names()));
    for reference in &binning.references {
        write_bins(&mut out, binning, reference, false);
        out.extend_from_slice(&(reference.linear.len() as u32).to_le_bytes());
        for offset in &reference.linear {
            out.extend_from_slice(&u64::from(*offset).to_le_bytes());
        }
    }
    if let Some(count) = binning.unplaced_unmapped {
        out.extend_from_slice(&count.to_le_bytes());
    }
    Ok(out)
}

/// Encodes `index` as a BGZF-compressed `.tbi` file.
///
/// # Errors
///
/// Those of [`write`]; compression errors.
pub fn write_bgzf(index: &TabixIndex) -> Result<Vec<u8>> {
    use std::io::Write;
    let bytes = write(index)?;
    let mut writer = crate::bgzf::Writer::new(Vec::new());
    writer
        .write_all(&bytes)
        .map_err(|e| Error::io(Format::Tbi, e))?;
    writer.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::tabix::TabixConfig;

    fn sample() -> Vec<u8> {
        let mut bytes = b"TBI\x01".to_vec();
        bytes.extend_from_slice(&1u32.to_le_bytes());
        bytes.extend_from_slice(&meta_bytes(&TabixConfig::bed(), &["chr1".into()]));
        // one bin (4681) with one chunk, one linear entry
        bytes.extend_from_slice(&1u32.to_le_bytes());
        bytes.extend_from_slice(&4681u32.to_le_bytes());
        bytes.extend_from_slice(&1u32.to_le_bytes());
        bytes.extend_from_slice(&(1u64 << 16).to_le_bytes());
        bytes.extend_from_slice(&(2u64 << 16).to_le_bytes());
        bytes.extend_from_slice(&1u32.to_le_bytes());
        bytes.extend_from_slice(&(1u64 << 16).to_le_bytes());
        bytes.extend_from_slice(&0u64.to_le_bytes());
        bytes
    }

    #[test]
    fn round_trips() {
        let bytes = sample();
        let index = read(&bytes).unwrap();
        assert_eq!(index.names(), ["chr1"]);
        assert_eq!(*index.config(), TabixConfig::bed());
        assert_eq!(index.index().references[0].linear.len(), 1);
        assert_eq!(write(&index).unwrap(), bytes);
    }

    #[test]
    fn every_truncation_is_an_error() {
        let bytes = sample();
        for cut in 0..bytes.len() - 8 {
            assert!(read(&bytes[..cut]).is_err(), "cut at {cut}");
        }
    }

    #[test]
    fn hostile_counts_are_errors() {
        let mut bytes = sample();
        bytes[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(read(&bytes).is_err());
        let mut bytes = sample();
        bytes[32..36].copy_from_slice(&1_000_000u32.to_le_bytes());
        assert!(read(&bytes).is_err());
    }
}
