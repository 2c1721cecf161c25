//! One entry point for every CRAM block compression method: the block
//! header's method byte and uncompressed size select and check a decoder.

use super::reader::check_len;
use super::{arith, external, fqzcomp, rans4x8, rans_nx16, tok3, MAX_DECODED_LEN};
use crate::{Error, Format, Result};

/// A CRAM block compression method (the block header's `method` byte).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Method {
    /// 0: stored uncompressed.
    Raw,
    /// 1: gzip (RFC 1952).
    Gzip,
    /// 2: bzip2.
    Bzip2,
    /// 3: LZMA, in the xz container.
    Lzma,
    /// 4: rANS 4x8 (CRAM 3.0).
    Rans4x8,
    /// 5: rANS Nx16 (CRAM 3.1).
    RansNx16,
    /// 6: the adaptive arithmetic coder (CRAM 3.1).
    Arith,
    /// 7: fqzcomp_qual (CRAM 3.1).
    Fqzcomp,
    /// 8: the name tokeniser (CRAM 3.1).
    NameTokeniser,
}

impl Method {
    /// The method of a block header's method byte.
    ///
    /// # Errors
    /// An [`ErrorKind::Unsupported`](crate::ErrorKind::Unsupported) CRAM
    /// error for bytes above 8.
    ///
    /// ```
    /// use biometal::formats::cram::codecs::block::Method;
    /// assert_eq!(Method::from_id(5)?, Method::RansNx16);
    /// assert_eq!(Method::from_id(5)?.id(), 5);
    /// assert!(Method::from_id(9).is_err());
    /// # Ok::<(), biometal::Error>(())
    /// ```
    pub fn from_id(id: u8) -> Result<Method> {
        Ok(match id {
            0 => Method::Raw,
            1 => Method::Gzip,
            2 => Method::Bzip2,
            3 => Method::Lzma,
            4 => Method::Rans4x8,
            5 => Method::RansNx16,
            6 => Method::Arith,
            7 => Method::Fqzcomp,
            8 => Method::NameTokeniser,
            _ => {
                return Err(Error::unsupported(
                    Format::Cram,
                    format!("block compression method {id} (known: 0 to 8)"),
                ))
            }
        })
    }

    /// The method byte.
    pub fn id(self) -> u8 {
        match self {
            Method::Raw => 0,
            Method::Gzip => 1,
            Method::Bzip2 => 2,
            Method::Lzma => 3,
            Method::Rans4x8 => 4,
            Method::RansNx16 => 5,
            Method::Arith => 6,
            Method::Fqzcomp => 7,
            Method::NameTokeniser => 8,
        }
    }
}

/// Decompresses one block's data into `out` (cleared first), which must
/// come to exactly `expected_len` bytes (the block header's raw size).
///
/// # Errors
/// A [`Format::Cram`] error when the data is corrupt or truncated, when it
/// decodes to a size other than `expected_len`, or when `expected_len`
/// exceeds [`MAX_DECODED_LEN`].
///
/// ```
/// use biometal::formats::cram::codecs::block::{decompress, Method};
/// let mut out = Vec::new();
/// decompress(Method::Raw, b"ACGT", 4, &mut out)?;
/// assert_eq!(out, b"ACGT");
/// // rANS Nx16 flag CAT: 3 bytes stored as they are.
/// decompress(Method::RansNx16, &[32, 3, b'A', b'C', b'G'], 3, &mut out)?;
/// assert_eq!(out, b"ACG");
/// assert!(decompress(Method::RansNx16, &[32, 3, b'A', b'C', b'G'], 4, &mut out).is_err());
/// # Ok::<(), biometal::Error>(())
/// ```
pub fn decompress(
    method: Method,
    src: &[u8],
    expected_len: usize,
    out: &mut Vec<u8>,
) -> Result<()> {
    check_len("CRAM block raw size", expected_len, MAX_DECODED_LEN)?;
    match method {
        Method::Raw => {
            out.clear();
            out.extend_from_slice(src);
        }
        Method::Gzip => return external::decode_gzip_exact(src, expected_len, out),
        Method::Bzip2 => return external::decode_bzip2_exact(src, expected_len, out),
        Method::Lzma => return external::decode_xz_exact(src, expected_len, out),
        Method::Rans4x8 => rans4x8::decode(src, out)?,
        Method::RansNx16 => rans_nx16::decode(src, out)?,
        Method::Arith => arith::decode(src, out)?,
        Method::Fqzcomp => fqzcomp::decode(src, out)?,
        Method::NameTokeniser => tok3::decode(src, out)?,
    }
    if out.len() != expected_len {
        return Err(Error::invalid_data(
            Format::Cram,
            format!(
                "{method:?} block decoded to {} bytes, its header says {expected_len}",
                out.len()
            ),
        ));
    }
    Ok(())
}
