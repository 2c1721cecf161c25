//! Recognising an input's compression from its first bytes.

use crate::error::{Error, ErrorKind, Result};

/// How an input or output is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Compression {
    /// Not compressed.
    None,
    /// A gzip stream of one or more members that is not BGZF.
    Gzip,
    /// BGZF: gzip members of at most 64 KiB with a `BC` extra subfield.
    Bgzf,
}

/// The number of leading bytes [`sniff`] looks at: enough for a BGZF header
/// with a few extra subfields before `BC`.
pub(crate) const SNIFF_LENGTH: usize = 64;

/// Says how `prefix`, the first bytes of an input (64 bytes are enough),
/// is compressed.
///
/// A gzip member whose `FEXTRA` field holds a `BC` subfield of length 2
/// within `prefix` is BGZF; any other gzip member is plain gzip (which a
/// streaming gzip decoder reads correctly even if it happens to be BGZF).
/// bzip2, xz and zstd magics give an [`ErrorKind::Unsupported`] error naming
/// the codec; anything else is uncompressed.
///
/// ```
/// use biometal::io::{sniff, Compression};
///
/// assert_eq!(sniff(b"@read1\nACGT\n+\nIIII\n").unwrap(), Compression::None);
/// assert_eq!(sniff(&biometal::bgzf::EOF_MARKER).unwrap(), Compression::Bgzf);
/// assert_eq!(sniff(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]).unwrap(), Compression::Gzip);
/// assert!(sniff(b"BZh91AY&SY").is_err());
/// ```
pub fn sniff(prefix: &[u8]) -> Result<Compression> {
    let unsupported = |codec: &str| {
        Err(Error::without_format(
            ErrorKind::Unsupported,
            format!("{codec}-compressed input (decompress it first, or recompress it with bgzip)"),
        )
        .at_byte_offset(0))
    };
    match prefix {
        [0x1f, 0x8b, ..] => Ok(if is_bgzf(prefix) {
            Compression::Bgzf
        } else {
            Compression::Gzip
        }),
        [b'B', b'Z', b'h', ..] => unsupported("bzip2"),
        [0xfd, b'7', b'z', b'X', b'Z', 0x00, ..] => unsupported("xz"),
        [0x28, 0xb5, 0x2f, 0xfd, ..] => unsupported("zstd"),
        _ => Ok(Compression::None),
    }
}

/// Whether `prefix` starts with a gzip header carrying the BGZF `BC`
/// subfield (SAM/BAM specification, section 4.1).
fn is_bgzf(prefix: &[u8]) -> bool {
    const FEXTRA: u8 = 0x04;
    let [0x1f, 0x8b, 8, flags, _, _, _, _, _, _, xlen_lo, xlen_hi, extra @ ..] = prefix else {
        return false;
    };
    if flags & FEXTRA == 0 {
        return false;
    }
    let xlen = usize::from(u16::from_le_bytes([*xlen_lo, *xlen_hi]));
    let mut subfields = &extra[..xlen.min(extra.len())];
    while let [si1, si2, slen_lo, slen_hi, rest @ ..] = subfields {
        let slen = usize::from(u16::from_le_bytes([*slen_lo, *slen_hi]));
        if (*si1, *si2, slen) == (b'B', b'C', 2) {
            return rest.len() >= 2;
        }
        subfields = rest.get(slen..).unwrap_or_default();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_bc_after_other_subfields() {
        let mut header = vec![0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 0xff, 13, 0];
        header.extend_from_slice(&[b'X', b'Y', 3, 0, 1, 2, 3]); // another subfield first
        header.extend_from_slice(&[b'B', b'C', 2, 0, 0x1b, 0]);
        assert_eq!(sniff(&header).unwrap(), Compression::Bgzf);
    }

    #[test]
    fn gzip_without_bc_or_with_a_cut_header_is_plain_gzip() {
        assert_eq!(
            sniff(&[0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 0xff, 6, 0, b'B', b'C']).unwrap(),
            Compression::Gzip
        );
        assert_eq!(sniff(&[0x1f, 0x8b]).unwrap(), Compression::Gzip);
        let wrong_length = [
            0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 0xff, 7, 0, b'B', b'C', 3, 0, 0, 0, 0,
        ];
        assert_eq!(sniff(&wrong_length).unwrap(), Compression::Gzip);
    }

    #[test]
    fn names_unsupported_codecs() {
        for (magic, codec) in [
            (&b"BZh91AY&SY"[..], "bzip2"),
            (&[0xfd, b'7', b'z', b'X', b'Z', 0, 0][..], "xz"),
            (&[0x28, 0xb5, 0x2f, 0xfd, 0][..], "zstd"),
        ] {
            let error = sniff(magic).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::Unsupported);
            assert!(error.to_string().contains(codec), "{error}");
        }
    }

    #[test]
    fn short_and_empty_inputs_are_uncompressed() {
        assert_eq!(sniff(b"").unwrap(), Compression::None);
        assert_eq!(sniff(&[0x1f]).unwrap(), Compression::None);
    }
}
