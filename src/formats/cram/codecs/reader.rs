//! A bounds-checked cursor over a codec's compressed bytes, reporting errors
//! at their byte offset in the outermost stream.

use crate::{Error, Format, Result};

/// Reads little-endian integers, 7-bit variable-length integers and byte
/// slices, turning every overrun into a [`Format::Cram`] error with the offset.
#[derive(Debug, Clone)]
pub(crate) struct ByteReader<'a> {
    data: &'a [u8],
    pos: usize,
    /// Offset of `data[0]` in the outermost codec stream.
    base: u64,
}

impl<'a> ByteReader<'a> {
    /// A reader over `data`, whose first byte lies at `base` in the outermost
    /// stream.
    pub(crate) fn new(data: &'a [u8], base: u64) -> Self {
        ByteReader { data, pos: 0, base }
    }

    /// Offset of the next byte in the outermost stream.
    pub(crate) fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    /// Bytes not yet read.
    pub(crate) fn remaining(&self) -> &'a [u8] {
        self.data.get(self.pos..).unwrap_or(&[])
    }

    /// An invalid-data error at the current offset.
    pub(crate) fn invalid(&self, message: impl Into<std::borrow::Cow<'static, str>>) -> Error {
        Error::invalid_data(Format::Cram, message).at_byte_offset(self.offset())
    }

    fn eof(&self, what: &str, wanted: usize) -> Error {
        Error::unexpected_eof(
            Format::Cram,
            format!(
                "{what}: expected {wanted} more byte(s), found {}",
                self.data.len().saturating_sub(self.pos)
            ),
        )
        .at_byte_offset(self.offset())
    }

    /// One byte.
    #[inline]
    pub(crate) fn u8(&mut self, what: &str) -> Result<u8> {
        match self.data.get(self.pos) {
            Some(&b) => {
                self.pos += 1;
                Ok(b)
            }
            None => Err(self.eof(what, 1)),
        }
    }

    /// A little-endian `u32`.
    pub(crate) fn u32_le(&mut self, what: &str) -> Result<u32> {
        let bytes = self.bytes(4, what)?;
        Ok(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
    }

    /// `n` bytes.
    pub(crate) fn bytes(&mut self, n: usize, what: &str) -> Result<&'a [u8]> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&end| end <= self.data.len());
        match end {
            Some(end) => {
                let slice = &self.data[self.pos..end];
                self.pos = end;
                Ok(slice)
            }
            None => Err(self.eof(what, n)),
        }
    }

    /// A sub-reader over the next `n` bytes, keeping outer offsets.
    pub(crate) fn sub_reader(&mut self, n: usize, what: &str) -> Result<ByteReader<'a>> {
        let base = self.offset();
        let data = self.bytes(n, what)?;
        Ok(ByteReader::new(data, base))
    }

    /// An unsigned integer stored 7 bits per byte, most significant group
    /// first, the top bit set on every byte but the last (CRAMcodecs
    /// `ReadUint7`). At most 5 bytes, and the value must fit in 32 bits.
    pub(crate) fn uint7(&mut self, what: &str) -> Result<u32> {
        let start = self.offset();
        let mut value: u64 = 0;
        for _ in 0..5 {
            let byte = self.u8(what)?;
            value = (value << 7) | u64::from(byte & 0x7f);
            if byte < 0x80 {
                return u32::try_from(value).map_err(|_| {
                    Error::invalid_data(
                        Format::Cram,
                        format!("{what}: 7-bit integer {value} overflows 32 bits"),
                    )
                    .at_byte_offset(start)
                });
            }
        }
        Err(Error::invalid_data(
            Format::Cram,
            format!("{what}: 7-bit integer longer than 5 bytes"),
        )
        .at_byte_offset(start))
    }

    /// A [`uint7`](Self::uint7) as a length, checked against `limit`.
    pub(crate) fn uint7_len(&mut self, what: &str, limit: usize) -> Result<usize> {
        let start = self.offset();
        let value = self.uint7(what)? as usize;
        check_len(what, value, limit).map_err(|e| e.at_byte_offset(start))?;
        Ok(value)
    }

    /// An ITF8 integer (CRAM's UTF-8-like variable-length integer), as used
    /// by rANS 4x8 frequency tables.
    pub(crate) fn itf8(&mut self, what: &str) -> Result<u32> {
        let first = u32::from(self.u8(what)?);
        let (extra, mut value) = match first {
            0x00..=0x7f => return Ok(first),
            0x80..=0xbf => (1, first & 0x3f),
            0xc0..=0xdf => (2, first & 0x1f),
            0xe0..=0xef => (3, first & 0x0f),
            _ => {
                let b = self.bytes(4, what)?;
                return Ok(((first & 0x0f) << 28)
                    | (u32::from(b[0]) << 20)
                    | (u32::from(b[1]) << 12)
                    | (u32::from(b[2]) << 4)
                    | (u32::from(b[3]) & 0x0f));
            }
        };
        for &b in self.bytes(extra, what)? {
            value = (value << 8) | u32::from(b);
        }
        Ok(value)
    }
}

/// Checks a length read from a stream against a documented limit.
pub(crate) fn check_len(what: &str, len: usize, limit: usize) -> Result<()> {
    if len > limit {
        Err(Error::limit_exceeded(
            Format::Cram,
            what,
            len as u64,
            limit as u64,
        ))
    } else {
        Ok(())
    }
}
