//! BAI: `min_shift` 14, depth 5, bins plus a linear index of 16 kbp
//! windows.

use super::binning::{BAI_DEPTH, BAI_MIN_SHIFT};
use super::{read_bins, write_bins, Cursor, Index, Kind, ReferenceIndex};
use crate::bgzf::VirtualPosition;
use crate::{Error, Format, Result};

/// The largest position BAI can index: 2^29.
pub const MAX_POSITION: u64 = 1 << 29;

/// Parses a BAI file's bytes.
///
/// # Errors
///
/// Truncation, a bad magic number, or counts beyond the data (with the
/// byte offset).
pub fn read(bytes: &[u8]) -> Result<Index> {
    let mut cursor = Cursor::new(bytes, Format::Bai);
    if cursor.take(4, "the magic number")? != b"BAI\x01" {
        return Err(Error::invalid_data(Format::Bai, "expected magic BAI\\1").at_byte_offset(0));
    }
    let mut index = Index {
        kind: Kind::Bai,
        min_shift: BAI_MIN_SHIFT,
        depth: BAI_DEPTH,
        aux: Vec::new(),
        references: Vec::new(),
        unplaced_unmapped: None,
    };
    let metadata_bin = index.metadata_bin();
    let n_ref = cursor.count(8, "n_ref")?;
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
    Ok(index)
}

/// Encodes `index` as BAI.
///
/// # Errors
///
/// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) unless the
/// index uses BAI's scheme (min_shift 14, depth 5): references longer
/// than 2^29 need CSI.
pub fn write(index: &Index) -> Result<Vec<u8>> {
    if index.min_shift != BAI_MIN_SHIFT || index.depth != BAI_DEPTH {
        return Err(Error::invalid_input(
            Format::Bai,
            format!(
                "BAI needs min_shift 14 and depth 5, the index has {} and {}: use CSI",
                index.min_shift, index.depth
            ),
        ));
    }
    let mut out = b"BAI\x01".to_vec();
    out.extend_from_slice(&(index.references.len() as u32).to_le_bytes());
    for reference in &index.references {
        write_bins(&mut out, index, reference, false);
        out.extend_from_slice(&(reference.linear.len() as u32).to_le_bytes());
        for offset in &reference.linear {
            out.extend_from_slice(&u64::from(*offset).to_le_bytes());
        }
    }
    if let Some(count) = index.unplaced_unmapped {
        out.extend_from_slice(&count.to_le_bytes());
    }
    Ok(out)
}
