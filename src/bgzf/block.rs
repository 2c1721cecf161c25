//! BGZF block framing: pure functions over `&[u8]`.
//!
//! A block is one gzip member (RFC 1952) with the `FEXTRA` flag set and a
//! `BC` extra subfield holding `BSIZE`, the block's total size minus one:
//!
//! ```text
//! 1f 8b 08 04 | MTIME(4) XFL OS | XLEN(2) | subfields… (one is 'B' 'C' 02 00 BSIZE(2)) | deflate payload | CRC32(4) ISIZE(4)
//! ```
//!
//! The functions here check every length before using it and never
//! allocate. The single- and multi-threaded readers both use them, so both
//! accept and reject exactly the same input. Errors carry the byte offset of
//! the block's first byte, which callers pass in as `block_offset`.
//!
//! ```
//! use biometal::bgzf::{block, EOF_MARKER};
//!
//! // The EOF marker is the smallest valid block: 28 bytes, no data.
//! let header = &EOF_MARKER[..block::FIXED_HEADER_SIZE];
//! let extra_len = block::extra_field_len(header, 0).unwrap();
//! let header = &EOF_MARKER[..block::FIXED_HEADER_SIZE + extra_len];
//! assert_eq!(block::block_size(header, 0).unwrap(), 28);
//!
//! let mut decompressor = libdeflater::Decompressor::new();
//! let mut out = vec![0; biometal::bgzf::MAX_BLOCK_SIZE];
//! let parts = block::split_block(&EOF_MARKER, 0).unwrap();
//! assert_eq!(block::inflate_into(&mut decompressor, &parts, &mut out, 0).unwrap(), 0);
//! ```

use libdeflater::Decompressor;

use super::{FOOTER_SIZE, MAX_BLOCK_SIZE};
use crate::{Error, ErrorKind, Format, Result};

/// The gzip header bytes before the extra field: magic, method, flags,
/// MTIME, XFL, OS and XLEN.
pub const FIXED_HEADER_SIZE: usize = 12;

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const METHOD_DEFLATE: u8 = 8;
const FLAG_EXTRA: u8 = 0x04;
const SUBFIELD_HEADER_SIZE: usize = 4;

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    let pair = bytes.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes([pair[0], pair[1]]))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    let quad: [u8; 4] = bytes.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_le_bytes(quad))
}

fn cut_short(what: &str, needed: usize, found: usize, block_offset: u64) -> Error {
    Error::unexpected_eof(
        Format::Bgzf,
        format!("{what}: expected {needed} bytes, found {found}"),
    )
    .at_byte_offset(block_offset)
}

/// Checks the fixed part of a block header (the first
/// [`FIXED_HEADER_SIZE`] bytes of `header`: gzip magic, deflate method,
/// flags = `FEXTRA` only) and returns `XLEN`, the length of the extra field
/// that follows.
///
/// Errors: [`ErrorKind::UnexpectedEof`] if `header` is shorter than
/// [`FIXED_HEADER_SIZE`], [`ErrorKind::InvalidData`] for a wrong magic,
/// method or flags.
///
/// ```
/// use biometal::bgzf::{block, EOF_MARKER};
/// assert_eq!(block::extra_field_len(&EOF_MARKER, 0).unwrap(), 6);
/// assert!(block::extra_field_len(b"PK\x03\x04 not gzip", 0).is_err());
/// ```
pub fn extra_field_len(header: &[u8], block_offset: u64) -> Result<usize> {
    let Some(fixed) = header.get(..FIXED_HEADER_SIZE) else {
        return Err(cut_short(
            "block header cut short",
            FIXED_HEADER_SIZE,
            header.len(),
            block_offset,
        ));
    };
    let invalid = |message: String| {
        Err(Error::invalid_data(Format::Bgzf, message).at_byte_offset(block_offset))
    };
    if fixed[..2] != GZIP_MAGIC {
        return invalid(format!(
            "expected gzip magic 1f 8b, found {:02x} {:02x}",
            fixed[0], fixed[1]
        ));
    }
    if fixed[2] != METHOD_DEFLATE {
        return invalid(format!(
            "expected compression method 8 (deflate), found {}",
            fixed[2]
        ));
    }
    if fixed[3] != FLAG_EXTRA {
        return invalid(format!(
            "expected gzip flags 0x04 (FEXTRA only), found {:#04x}",
            fixed[3]
        ));
    }
    Ok(usize::from(u16::from_le_bytes([fixed[10], fixed[11]])))
}

/// Walks the extra subfields of a block header and returns the block's
/// total size in bytes (`BSIZE + 1`), from the `BC` subfield.
///
/// `header` must hold the fixed header and the whole extra field
/// (`FIXED_HEADER_SIZE + XLEN` bytes, see [`extra_field_len`]); further
/// bytes are ignored. The size is checked to leave room for the header and
/// the footer, and `BSIZE + 1` can never exceed [`MAX_BLOCK_SIZE`].
///
/// ```
/// use biometal::bgzf::{block, EOF_MARKER};
/// assert_eq!(block::block_size(&EOF_MARKER, 0).unwrap(), EOF_MARKER.len());
/// let mut no_bc = EOF_MARKER;
/// no_bc[12] = b'X';
/// assert!(block::block_size(&no_bc, 0).is_err());
/// ```
pub fn block_size(header: &[u8], block_offset: u64) -> Result<usize> {
    let extra_len = extra_field_len(header, block_offset)?;
    let header_len = FIXED_HEADER_SIZE + extra_len;
    let Some(extra) = header.get(FIXED_HEADER_SIZE..header_len) else {
        return Err(cut_short(
            "block header (extra field) cut short",
            header_len,
            header.len(),
            block_offset,
        ));
    };
    let invalid = |message: String| {
        Err(Error::invalid_data(Format::Bgzf, message).at_byte_offset(block_offset))
    };
    let mut bsize = None;
    let mut at = 0;
    while at < extra.len() {
        let (Some(id), Some(len)) = (extra.get(at..at + 2), u16_at(extra, at + 2)) else {
            return invalid(format!(
                "extra subfield at extra-field byte {at} does not fit in XLEN = {extra_len}"
            ));
        };
        let data_start = at + SUBFIELD_HEADER_SIZE;
        let data_end = data_start + usize::from(len);
        if data_end > extra.len() {
            return invalid(format!(
                "extra subfield of length {len} at extra-field byte {at} overruns XLEN = {extra_len}"
            ));
        }
        if id == b"BC" {
            if len != 2 {
                return invalid(format!("expected BC subfield length 2, found {len}"));
            }
            bsize = u16_at(extra, data_start);
        }
        at = data_end;
    }
    let Some(bsize) = bsize else {
        return invalid("no BC extra subfield: a gzip member but not a BGZF block".to_owned());
    };
    let total = usize::from(bsize) + 1;
    if total < header_len + FOOTER_SIZE {
        return invalid(format!(
            "BSIZE + 1 = {total} is smaller than the header ({header_len} bytes) and footer ({FOOTER_SIZE} bytes)"
        ));
    }
    Ok(total)
}

/// A block split into its parts; see [`split_block`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockParts<'a> {
    /// The raw deflate data.
    pub compressed: &'a [u8],
    /// The CRC32 of the uncompressed data, from the footer.
    pub crc32: u32,
    /// The uncompressed size (ISIZE), at most [`MAX_BLOCK_SIZE`].
    pub uncompressed_size: usize,
}

/// Splits one whole block (exactly [`block_size`] bytes) into its deflate
/// payload, CRC32 and uncompressed size, checking the header again and
/// that ISIZE is at most [`MAX_BLOCK_SIZE`].
///
/// ```
/// use biometal::bgzf::{block, EOF_MARKER};
/// let parts = block::split_block(&EOF_MARKER, 0).unwrap();
/// assert_eq!(parts.compressed, &[0x03, 0x00]);
/// assert_eq!((parts.crc32, parts.uncompressed_size), (0, 0));
/// ```
pub fn split_block(block: &[u8], block_offset: u64) -> Result<BlockParts<'_>> {
    let size = block_size(block, block_offset)?;
    if block.len() != size {
        return Err(Error::invalid_input(
            Format::Bgzf,
            format!(
                "expected a whole block of {size} bytes, given {}",
                block.len()
            ),
        )
        .at_byte_offset(block_offset));
    }
    let header_len = FIXED_HEADER_SIZE + extra_field_len(block, block_offset)?;
    let footer_start = size - FOOTER_SIZE;
    let (Some(compressed), Some(crc32), Some(isize)) = (
        block.get(header_len..footer_start),
        u32_at(block, footer_start),
        u32_at(block, footer_start + 4),
    ) else {
        // block_size() guarantees header_len + FOOTER_SIZE <= size.
        return Err(
            Error::invalid_data(Format::Bgzf, "block too short for its footer")
                .at_byte_offset(block_offset),
        );
    };
    let uncompressed_size = isize as usize;
    if uncompressed_size > MAX_BLOCK_SIZE {
        return Err(Error::limit_exceeded(
            Format::Bgzf,
            "block uncompressed size (ISIZE)",
            u64::from(isize),
            MAX_BLOCK_SIZE as u64,
        )
        .at_byte_offset(block_offset));
    }
    Ok(BlockParts {
        compressed,
        crc32,
        uncompressed_size,
    })
}

/// Inflates one block's payload into `out[..parts.uncompressed_size]` with a
/// reused decompressor, checks that it inflates to exactly ISIZE bytes and
/// that its CRC32 matches, and returns ISIZE.
///
/// `out` must hold at least `parts.uncompressed_size` bytes (a
/// [`MAX_BLOCK_SIZE`] buffer always does). Errors:
/// [`ErrorKind::InvalidData`] for corrupt deflate data or a size other than
/// ISIZE, [`ErrorKind::ChecksumMismatch`] for a CRC32 mismatch.
///
/// ```
/// use biometal::bgzf::{block, EOF_MARKER, MAX_BLOCK_SIZE};
/// let mut decompressor = libdeflater::Decompressor::new();
/// let mut out = [0; MAX_BLOCK_SIZE];
/// let mut parts = block::split_block(&EOF_MARKER, 0).unwrap();
/// parts.crc32 = 1;
/// let err = block::inflate_into(&mut decompressor, &parts, &mut out, 0).unwrap_err();
/// assert_eq!(err.kind(), biometal::ErrorKind::ChecksumMismatch);
/// ```
pub fn inflate_into(
    decompressor: &mut Decompressor,
    parts: &BlockParts<'_>,
    out: &mut [u8],
    block_offset: u64,
) -> Result<usize> {
    let expected = parts.uncompressed_size;
    let Some(target) = out.get_mut(..expected) else {
        return Err(Error::invalid_input(
            Format::Bgzf,
            format!(
                "output buffer of {} bytes cannot hold the block's {expected} bytes",
                out.len()
            ),
        )
        .at_byte_offset(block_offset));
    };
    let produced = match decompressor.deflate_decompress(parts.compressed, target) {
        Ok(produced) => produced,
        Err(libdeflater::DecompressionError::InsufficientSpace) => {
            return Err(Error::invalid_data(
                Format::Bgzf,
                format!("deflate data inflates to more than ISIZE = {expected} bytes"),
            )
            .at_byte_offset(block_offset))
        }
        Err(libdeflater::DecompressionError::BadData) => {
            return Err(
                Error::invalid_data(Format::Bgzf, "corrupt deflate data in block")
                    .at_byte_offset(block_offset),
            )
        }
    };
    if produced != expected {
        return Err(Error::invalid_data(
            Format::Bgzf,
            format!("deflate data inflates to {produced} bytes, ISIZE says {expected}"),
        )
        .at_byte_offset(block_offset));
    }
    let actual = libdeflater::crc32(&target[..produced]);
    if actual != parts.crc32 {
        return Err(Error::new(
            ErrorKind::ChecksumMismatch,
            Format::Bgzf,
            format!(
                "block CRC32 is {actual:#010x}, footer says {:#010x}",
                parts.crc32
            ),
        )
        .at_byte_offset(block_offset));
    }
    Ok(produced)
}

/// [`split_block`] then [`inflate_into`]: decodes one whole block into
/// `out` and returns the number of bytes written.
///
/// ```
/// use biometal::bgzf::{block, EOF_MARKER, MAX_BLOCK_SIZE};
/// let mut decompressor = libdeflater::Decompressor::new();
/// let mut out = [0; MAX_BLOCK_SIZE];
/// assert_eq!(block::decode_block(&mut decompressor, &EOF_MARKER, &mut out, 0).unwrap(), 0);
/// ```
pub fn decode_block(
    decompressor: &mut Decompressor,
    block: &[u8],
    out: &mut [u8],
    block_offset: u64,
) -> Result<usize> {
    let parts = split_block(block, block_offset)?;
    inflate_into(decompressor, &parts, out, block_offset)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bgzf::EOF_MARKER;

    #[test]
    fn walks_every_subfield_to_find_bc() {
        // XLEN = 10: a 2-byte "AB" subfield, then BC.
        let mut block = vec![0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 0xff, 12, 0];
        block.extend_from_slice(&[b'A', b'B', 2, 0, 9, 9]);
        block.extend_from_slice(&[b'B', b'C', 2, 0, 33, 0]);
        block.extend_from_slice(&[3, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(block_size(&block, 0).unwrap(), 34);
        let parts = split_block(&block, 0).unwrap();
        assert_eq!(parts.compressed, &[3, 0]);
    }

    #[test]
    fn rejects_bad_headers_with_their_offset() {
        let cases: [(usize, u8, ErrorKind); 6] = [
            (0, 0x1e, ErrorKind::InvalidData),    // magic
            (2, 7, ErrorKind::InvalidData),       // method
            (3, 0x0c, ErrorKind::InvalidData),    // FNAME too
            (14, 3, ErrorKind::InvalidData),      // SLEN 3
            (10, 0xff, ErrorKind::UnexpectedEof), // XLEN beyond the bytes
            (16, 5, ErrorKind::InvalidData),      // BSIZE + 1 = 6 < 26
        ];
        for (at, value, kind) in cases {
            let mut block = EOF_MARKER;
            block[at] = value;
            let error = block_size(&block, 777).unwrap_err();
            assert_eq!(
                (error.kind(), error.location().byte_offset()),
                (kind, Some(777)),
                "byte {at}"
            );
        }
        let error = block_size(&EOF_MARKER[..5], 3).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::UnexpectedEof);
    }

    #[test]
    fn checks_isize_and_crc() {
        let mut decompressor = Decompressor::new();
        let mut out = vec![0; MAX_BLOCK_SIZE];
        let mut block = EOF_MARKER;
        block[24..28].copy_from_slice(&65_537u32.to_le_bytes());
        let error = decode_block(&mut decompressor, &block, &mut out, 5).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::LimitExceeded);
        let mut block = EOF_MARKER;
        block[24] = 1;
        let error = decode_block(&mut decompressor, &block, &mut out, 5).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidData);
        assert!(decode_block(&mut decompressor, &EOF_MARKER[..27], &mut out, 5).is_err());
        assert!(decode_block(&mut decompressor, &EOF_MARKER, &mut [], 5).is_ok());
    }
}
