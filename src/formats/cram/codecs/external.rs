//! The general-purpose block compressors CRAM borrows: raw (method 0),
//! gzip (1), bzip2 (2) and LZMA/xz (3). Each output is capped at
//! [`MAX_DECODED_LEN`].

use std::io::Read;

use crate::{Error, Format, Result};

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

/// Decodes bzip2 data that must decode to exactly `len` bytes.
pub(crate) fn decode_bzip2_exact(src: &[u8], len: usize, out: &mut Vec<u8>) -> Result<()> {
    if !src.starts_with(b"BZh") {
        return Err(Error::invalid_data(
            Format::Cram,
            "EXT data does not start with the bzip2 magic \"BZh\"",
        ));
    }
    read_capped(bzip2::read::MultiBzDecoder::new(src), len, "bzip2", out)?;
    if out.len() != len {
        return Err(Error::invalid_data(
            Format::Cram,
            format!("bzip2 data decoded to {} bytes, expected {len}", out.len()),
        ));
    }
    Ok(())
}
