//! A bounds-checked cursor over CRAM structures held in memory (container
//! headers, blocks, compression and slice headers, external data), with
//! CRAM's ITF8 and LTF8 variable-length integers. Every overrun is a
//! [`Format::Cram`] error naming the field and its byte offset.

use crate::{Error, Format, Result};

/// Reads CRAM's primitive types from a byte slice.
#[derive(Debug, Clone)]
pub(crate) struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
    /// Offset of `data[0]` in the file, for error messages.
    base: u64,
}

impl<'a> Cursor<'a> {
    /// A cursor over `data`, whose first byte lies at `base` in the file.
    pub(crate) fn new(data: &'a [u8], base: u64) -> Self {
        Cursor { data, pos: 0, base }
    }

    /// The file offset of the next byte.
    pub(crate) fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    /// Bytes consumed so far.
    pub(crate) fn position(&self) -> usize {
        self.pos
    }

    /// Bytes not yet read.
    pub(crate) fn remaining(&self) -> &'a [u8] {
        self.data.get(self.pos..).unwrap_or(&[])
    }

    /// Whether every byte has been read.
    pub(crate) fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
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

    /// `n` bytes.
    #[inline]
    pub(crate) fn bytes(&mut self, n: usize, what: &str) -> Result<&'a [u8]> {
        match self
            .pos
            .checked_add(n)
            .and_then(|end| self.data.get(self.pos..end))
        {
            Some(slice) => {
                self.pos += n;
                Ok(slice)
            }
            None => Err(self.eof(what, n)),
        }
    }

    /// A fixed-size array.
    pub(crate) fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N]> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.bytes(N, what)?);
        Ok(out)
    }

    /// A little-endian `i32`.
    pub(crate) fn i32_le(&mut self, what: &str) -> Result<i32> {
        Ok(i32::from_le_bytes(self.array(what)?))
    }

    /// A little-endian `u32`.
    pub(crate) fn u32_le(&mut self, what: &str) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array(what)?))
    }

    /// An ITF8 integer: up to 5 bytes, the count of leading 1 bits in the
    /// first byte giving the number of bytes that follow.
    #[inline]
    pub(crate) fn itf8(&mut self, what: &str) -> Result<i32> {
        let (value, used) = decode_itf8(self.remaining()).ok_or_else(|| {
            let need = self.data.get(self.pos).map_or(1, |&b| itf8_len(b));
            self.eof(what, need)
        })?;
        self.pos += used;
        Ok(value)
    }

    /// An LTF8 integer: up to 9 bytes, like ITF8 for 64 bits.
    pub(crate) fn ltf8(&mut self, what: &str) -> Result<i64> {
        let first = self.u8(what)?;
        let extra = first.leading_ones() as usize;
        let mut value = if extra >= 8 {
            0
        } else {
            u64::from(first) & (0xff >> (extra + 1))
        };
        for &b in self.bytes(extra, what)? {
            value = (value << 8) | u64::from(b);
        }
        Ok(value as i64)
    }

    /// An ITF8 that must be a non-negative count or size no greater than
    /// `limit`.
    pub(crate) fn itf8_len(&mut self, what: &str, limit: usize) -> Result<usize> {
        let at = self.offset();
        let value = self.itf8(what)?;
        let len = usize::try_from(value).map_err(|_| {
            Error::invalid_data(Format::Cram, format!("{what} is negative ({value})"))
                .at_byte_offset(at)
        })?;
        if len > limit {
            return Err(
                Error::limit_exceeded(Format::Cram, what, len as u64, limit as u64)
                    .at_byte_offset(at),
            );
        }
        Ok(len)
    }

    /// A sub-cursor over the next `n` bytes, keeping file offsets.
    pub(crate) fn sub(&mut self, n: usize, what: &str) -> Result<Cursor<'a>> {
        let base = self.offset();
        let data = self.bytes(n, what)?;
        Ok(Cursor::new(data, base))
    }
}

/// The total byte length of an ITF8 integer starting with `first`.
#[inline]
pub(crate) fn itf8_len(first: u8) -> usize {
    (first.leading_ones() as usize).min(4) + 1
}

/// Decodes one ITF8 integer from the start of `data`: (value, bytes used),
/// `None` when `data` is too short.
#[inline]
pub(crate) fn decode_itf8(data: &[u8]) -> Option<(i32, usize)> {
    let first = *data.first()?;
    if first < 0x80 {
        return Some((i32::from(first), 1));
    }
    let len = itf8_len(first);
    let rest = data.get(1..len)?;
    let value = match len {
        2 => (u32::from(first & 0x3f) << 8) | u32::from(rest[0]),
        3 => (u32::from(first & 0x1f) << 16) | (u32::from(rest[0]) << 8) | u32::from(rest[1]),
        4 => {
            (u32::from(first & 0x0f) << 24)
                | (u32::from(rest[0]) << 16)
                | (u32::from(rest[1]) << 8)
                | u32::from(rest[2])
        }
        _ => {
            (u32::from(first & 0x0f) << 28)
                | (u32::from(rest[0]) << 20)
                | (u32::from(rest[1]) << 12)
                | (u32::from(rest[2]) << 4)
                | (u32::from(rest[3]) & 0x0f)
        }
    };
    Some((value as i32, len))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn itf8_examples_from_the_specification() {
        for (bytes, value) in [
            (&[0x00][..], 0),
            (&[0x7f][..], 127),
            (&[0x80, 0xc8][..], 200),
            (&[0xc0, 0x40, 0x00][..], 0x4000),
            (&[0xe0, 0x45, 0x4f, 0x46][..], 4_542_278),
            (&[0xff, 0xff, 0xff, 0xff, 0x0f][..], -1),
        ] {
            let mut cursor = Cursor::new(bytes, 0);
            assert_eq!(cursor.itf8("x").unwrap(), value, "{bytes:02x?}");
            assert!(cursor.is_empty());
        }
        assert!(Cursor::new(&[0xe0, 0x45], 0).itf8("x").is_err());
    }

    #[test]
    fn ltf8_lengths() {
        for (bytes, value) in [
            (&[0x05][..], 5i64),
            (&[0x81, 0x00][..], 256),
            (&[0xff, 0, 0, 0, 0, 0, 0, 1, 0][..], 256),
            (&[0xfe, 0, 0, 0, 0, 0, 1, 0][..], 256),
        ] {
            let mut cursor = Cursor::new(bytes, 0);
            assert_eq!(cursor.ltf8("x").unwrap(), value);
            assert!(cursor.is_empty());
        }
    }
}
