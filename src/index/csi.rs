//! CSI: any `min_shift` and depth, a `loffset` per bin instead of a linear
//! index; references longer than 2^29 need it. Depth is limited to 9 so
//! that bin numbers fit in 32 bits.

use super::{read_bins, write_bins, Cursor, Index, Kind, ReferenceIndex};
use crate::{Error, Format, Result};

/// Parses a (decompressed) CSI file's bytes.
///
/// # Errors
///
/// Truncation, a bad magic number, an unusable scheme, or counts beyond
/// the data (with the byte offset).
pub fn read(bytes: &[u8]) -> Result<Index> {
    let mut cursor = Cursor::new(bytes, Format::Csi);
    if cursor.take(4, "the magic number")? != b"CSI\x01" {
        return Err(Error::invalid_data(Format::Csi, "expected magic CSI\\1").at_byte_offset(0));
    }
    let min_shift = cursor.u32("min_shift")?;
    let depth = cursor.u32("depth")?;
    if min_shift == 0 || min_shift > 62 || depth > 9 || min_shift + 3 * depth > 62 {
        return Err(cursor.error(format!(
            "min_shift {min_shift} and depth {depth} are out of range"
        )));
    }
    let l_aux = cursor.count(1, "l_aux")?;
    let aux = cursor.take(l_aux, "aux")?.to_vec();
    let mut index = Index {
        kind: Kind::Csi,
        min_shift,
        depth,
        aux,
        references: Vec::new(),
        unplaced_unmapped: None,
    };
    let metadata_bin = index.metadata_bin();
    let n_ref = cursor.count(4, "n_ref")?;
    for _ in 0..n_ref {
        let (bins, metadata) = read_bins(&mut cursor, metadata_bin, true)?;
        index.references.push(ReferenceIndex {
            bins,
            linear: Vec::new(),
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

/// Encodes `index` as CSI (uncompressed; [`write_bgzf`] gives the BGZF
/// file samtools writes).
pub fn write(index: &Index) -> Vec<u8> {
    let mut out = b"CSI\x01".to_vec();
    out.extend_from_slice(&index.min_shift.to_le_bytes());
    out.extend_from_slice(&index.depth.to_le_bytes());
    out.extend_from_slice(&(index.aux.len() as u32).to_le_bytes());
    out.extend_from_slice(&index.aux);
    out.extend_from_slice(&(index.references.len() as u32).to_le_bytes());
    for reference in &index.references {
        write_bins(&mut out, index, reference, true);
    }
    if let Some(count) = index.unplaced_unmapped {
        out.extend_from_slice(&count.to_le_bytes());
    }
    out
}

/// Encodes `index` as a BGZF-compressed CSI file.
///
/// # Errors
///
/// Compression errors.
pub fn write_bgzf(index: &Index) -> Result<Vec<u8>> {
    use std::io::Write;
    let mut writer = crate::bgzf::Writer::new(Vec::new());
    writer
        .write_all(&write(index))
        .map_err(|e| Error::io(Format::Csi, e))?;
    writer.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_range_schemes_are_errors() {
        // min_shift near u32::MAX once overflowed the range check (found by
        // the csi fuzz target).
        for (min_shift, depth) in [(u32::MAX, 1u32), (0, 5), (14, 10), (60, 1)] {
            let mut bytes = b"CSI\x01".to_vec();
            bytes.extend_from_slice(&min_shift.to_le_bytes());
            bytes.extend_from_slice(&depth.to_le_bytes());
            bytes.extend_from_slice(&[0; 8]);
            assert!(read(&bytes).is_err(), "{min_shift} {depth}");
        }
    }

    #[test]
    fn round_trips() {
        let mut bytes = b"CSI\x01".to_vec();
        for value in [14u32, 6, 0, 1, 1] {
            bytes.extend_from_slice(&value.to_le_bytes());
        }
        // one bin (4681 + 3) with loffset 7 and one chunk
        bytes.extend_from_slice(&4684u32.to_le_bytes());
        bytes.extend_from_slice(&7u64.to_le_bytes());
        bytes.extend_from_slice(&1u32.to_le_bytes());
        bytes.extend_from_slice(&(1u64 << 16).to_le_bytes());
        bytes.extend_from_slice(&(2u64 << 16).to_le_bytes());
        bytes.extend_from_slice(&5u64.to_le_bytes());
        let index = read(&bytes).unwrap();
        assert_eq!(
            (index.min_shift, index.depth, index.unplaced_unmapped),
            (14, 6, Some(5))
        );
        assert_eq!(write(&index), bytes);
    }
}
