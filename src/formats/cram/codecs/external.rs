//! The general-purpose block compressors CRAM borrows: gzip (method 1),
//! bzip2 (2) and LZMA in the xz container (3). Each output is capped at a
//! caller-given limit (at most [`MAX_DECODED_LEN`](super::MAX_DECODED_LEN)).

use std::io::Read;

use crate::{Error, Format, Result};

/// The most memory an xz block's LZMA2 decoder may ask for: 96 MiB covers
/// `xz -9` and htslib's level 9 (64 MiB dictionaries); a larger dictionary
/// in a header is refused before it is allocated. Fuzzing builds use 8 MiB
/// so that hostile headers cost the fuzzer little time.
#[cfg(not(fuzzing))]
const XZ_MEMORY_LIMIT_KIB: u32 = 96 << 10;
#[cfg(fuzzing)]
const XZ_MEMORY_LIMIT_KIB: u32 = 8 << 10;

/// The largest expansion deflate allows (a 258-byte match per 2 bits,
/// rounded up).
const MAX_DEFLATE_RATIO: usize = 1032;

/// Reads all of `decoder` into `out` (cleared first), refusing more than
/// `limit` bytes.
fn read_capped(decoder: impl Read, limit: usize, what: &str, out: &mut Vec<u8>) -> Result<()> {
    out.clear();
    let cap = limit as u64 + 1;
    decoder.take(cap).read_to_end(out).map_err(|e| {
        Error::invalid_data(Format::Cram, format!("{what} data is corrupt: {e}")).with_source(e)
    })?;
    if out.len() > limit {
        return Err(Error::limit_exceeded(
            Format::Cram,
            &format!("{what} decoded size"),
            cap,
            limit as u64,
        ));
    }
    Ok(())
}

/// Checks the magic bytes that open a `what` stream.
fn check_magic(src: &[u8], magic: &[u8], what: &str) -> Result<()> {
    if src.starts_with(magic) {
        Ok(())
    } else {
        Err(Error::invalid_data(
            Format::Cram,
            format!("{what} data does not start with the {what} magic {magic:02x?}"),
        )
        .at_byte_offset(0))
    }
}

/// Checks that a decoder produced exactly the `len` bytes a header promised.
fn check_exact(out: &[u8], len: usize, what: &str) -> Result<()> {
    if out.len() == len {
        Ok(())
    } else {
        Err(Error::invalid_data(
            Format::Cram,
            format!("{what} data decoded to {} bytes, expected {len}", out.len()),
        ))
    }
}

/// Decodes gzip data (one or more members) that must decode to exactly
/// `len` bytes.
pub(crate) fn decode_gzip_exact(src: &[u8], len: usize, out: &mut Vec<u8>) -> Result<()> {
    check_magic(src, &[0x1f, 0x8b], "gzip")?;
    // Fast path: one member decoding to exactly `len` bytes, the only kind
    // htslib writes, by libdeflate (CRC checked) into a buffer of that
    // size. Anything else (several members, a wrong size, corrupt data)
    // takes the streaming decoder, which reports it.
    // Deflate expands at most 1032-fold, so the buffer is sized by the
    // input too, not by the header's word alone.
    if len <= src.len().saturating_mul(MAX_DEFLATE_RATIO) {
        out.clear();
        out.resize(len, 0);
        let mut decompressor = libdeflater::Decompressor::new();
        if decompressor.gzip_decompress(src, out).ok() == Some(len) {
            return Ok(());
        }
    }
    read_capped(flate2::read::MultiGzDecoder::new(src), len, "gzip", out)?;
    check_exact(out, len, "gzip")
}

/// Decodes bzip2 data (one or more streams) that must decode to exactly
/// `len` bytes.
pub(crate) fn decode_bzip2_exact(src: &[u8], len: usize, out: &mut Vec<u8>) -> Result<()> {
    check_magic(src, b"BZh", "bzip2")?;
    read_capped(bzip2::read::MultiBzDecoder::new(src), len, "bzip2", out)?;
    check_exact(out, len, "bzip2")
}

/// Decodes xz data (one or more streams; the LZMA2 filter, any check type)
/// that must decode to exactly `len` bytes.
pub(crate) fn decode_xz_exact(src: &[u8], len: usize, out: &mut Vec<u8>) -> Result<()> {
    check_magic(src, &[0xfd, b'7', b'z', b'X', b'Z', 0], "xz")?;
    let reader = lzma_rust2::XzReader::new_mem_limit(src, true, XZ_MEMORY_LIMIT_KIB);
    read_capped(reader, len, "xz", out)?;
    check_exact(out, len, "xz")
}
