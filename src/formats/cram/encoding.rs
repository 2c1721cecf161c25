//! Data-series encodings (CRAM §3 and §13): how values of one data series
//! are laid out in the core bit stream or in external blocks. Each
//! [`Encoding`] is parsed once per container, with its Huffman tables built
//! then, and decodes values from a slice's [`Streams`].

use super::cursor::{decode_itf8, Cursor};
use crate::{Error, Format, Result};

/// The longest Huffman code accepted, in bits.
const MAX_CODE_LEN: u32 = 31;
/// The most symbols a Huffman alphabet may hold.
const MAX_ALPHABET: usize = 1 << 16;
/// The deepest BYTE_ARRAY_LEN nesting accepted.
const MAX_NESTING: u32 = 4;

/// A canonical Huffman code, decoded one length at a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Huffman {
    /// Symbols sorted by (code length, value).
    symbols: Vec<i32>,
    /// For each code length 0..=max: (first code, index of its first
    /// symbol, number of codes of this length).
    lengths: Vec<(u32, u32, u32)>,
}

impl Huffman {
    fn new(alphabet: Vec<i32>, code_lengths: Vec<u32>, at: u64) -> Result<Self> {
        let bad = |message: String| Error::invalid_data(Format::Cram, message).at_byte_offset(at);
        if alphabet.len() != code_lengths.len() || alphabet.is_empty() {
            return Err(bad(format!(
                "HUFFMAN encoding has {} symbols and {} code lengths",
                alphabet.len(),
                code_lengths.len()
            )));
        }
        let max_len = code_lengths.iter().copied().max().unwrap_or(0);
        if max_len > MAX_CODE_LEN {
            return Err(bad(format!(
                "HUFFMAN code length {max_len} exceeds {MAX_CODE_LEN}"
            )));
        }
        if alphabet.len() > 1 && code_lengths.contains(&0) {
            return Err(bad(
                "HUFFMAN code length 0 in an alphabet of several symbols".into(),
            ));
        }
        let mut pairs: Vec<(u32, i32)> = code_lengths.into_iter().zip(alphabet).collect();
        pairs.sort_unstable();
        let mut lengths = vec![(0u32, 0u32, 0u32); max_len as usize + 1];
        let mut code: u64 = 0;
        let mut previous_len = pairs[0].0;
        for (index, &(len, _)) in pairs.iter().enumerate() {
            if len > previous_len {
                code <<= len - previous_len;
                previous_len = len;
            }
            if code >= (1u64 << len) && len > 0 {
                return Err(bad(
                    "HUFFMAN code lengths over-subscribe the code space".into()
                ));
            }
            let entry = &mut lengths[len as usize];
            if entry.2 == 0 {
                *entry = (code as u32, index as u32, 0);
            }
            entry.2 += 1;
            code += 1;
        }
        Ok(Huffman {
            symbols: pairs.into_iter().map(|(_, symbol)| symbol).collect(),
            lengths,
        })
    }

    #[inline]
    fn decode(&self, bits: &mut BitReader<'_>) -> Result<i32> {
        if self.lengths.len() == 1 {
            // The single zero-length code: no bits are read.
            return Ok(self.symbols[0]);
        }
        let mut code: u32 = 0;
        for &(first, index, count) in &self.lengths[1..] {
            code = (code << 1) | bits.bit()?;
            let delta = code.wrapping_sub(first);
            if delta < count {
                return Ok(self.symbols[(index + delta) as usize]);
            }
        }
        Err(bits.invalid("no HUFFMAN code matches the bits in the core block"))
    }
}

/// One data series' encoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Encoding {
    /// NULL: no values.
    Null,
    /// EXTERNAL: values in the external block of this content id.
    External(i32),
    /// HUFFMAN over the core block.
    Huffman(Huffman),
    /// BETA: fixed-width binary.
    Beta { offset: i32, bits: u32 },
    /// GAMMA: Elias gamma.
    Gamma { offset: i32 },
    /// SUBEXP: subexponential.
    Subexp { offset: i32, k: u32 },
    /// GOLOMB (deprecated).
    Golomb { offset: i32, m: u32 },
    /// GOLOMB_RICE (deprecated).
    GolombRice { offset: i32, log2m: u32 },
    /// BYTE_ARRAY_LEN: a length, then that many values.
    ByteArrayLen(Box<Encoding>, Box<Encoding>),
    /// BYTE_ARRAY_STOP: bytes up to a stop byte in an external block.
    ByteArrayStop { stop: u8, id: i32 },
}

impl Encoding {
    /// Parses one encoding (codec id, parameter length, parameters).
    pub(crate) fn parse(cursor: &mut Cursor<'_>) -> Result<Encoding> {
        Self::parse_nested(cursor, 0)
    }

    fn parse_nested(cursor: &mut Cursor<'_>, depth: u32) -> Result<Encoding> {
        let at = cursor.offset();
        let codec = cursor.itf8("encoding codec id")?;
        let len = cursor.itf8_len("encoding parameter length", 1 << 20)?;
        let mut params = cursor.sub(len, "encoding parameters")?;
        let unsigned = |params: &mut Cursor<'_>, what: &str| -> Result<u32> {
            let at = params.offset();
            let value = params.itf8(what)?;
            u32::try_from(value).map_err(|_| {
                Error::invalid_data(Format::Cram, format!("{what} is negative ({value})"))
                    .at_byte_offset(at)
            })
        };
        let encoding = match codec {
            0 => Encoding::Null,
            1 => Encoding::External(params.itf8("EXTERNAL block content id")?),
            2 => {
                let offset = params.itf8("GOLOMB offset")?;
                let m = unsigned(&mut params, "GOLOMB M")?;
                if m == 0 {
                    return Err(params.invalid("GOLOMB M is 0"));
                }
                Encoding::Golomb { offset, m }
            }
            3 => {
                let count = params.itf8_len("HUFFMAN alphabet size", MAX_ALPHABET)?;
                let mut alphabet = Vec::with_capacity(count);
                for _ in 0..count {
                    alphabet.push(params.itf8("HUFFMAN symbol")?);
                }
                let count = params.itf8_len("HUFFMAN code length count", MAX_ALPHABET)?;
                let mut code_lengths = Vec::with_capacity(count);
                for _ in 0..count {
                    code_lengths.push(unsigned(&mut params, "HUFFMAN code length")?);
                }
                Encoding::Huffman(Huffman::new(alphabet, code_lengths, at)?)
            }
            4 | 5 if depth >= MAX_NESTING => {
                return Err(Error::invalid_data(
                    Format::Cram,
                    format!("byte-array encodings nested deeper than {MAX_NESTING}"),
                )
                .at_byte_offset(at))
            }
            4 => {
                let len_encoding = Self::parse_nested(&mut params, depth + 1)?;
                let value_encoding = Self::parse_nested(&mut params, depth + 1)?;
                Encoding::ByteArrayLen(Box::new(len_encoding), Box::new(value_encoding))
            }
            5 => {
                let stop = params.u8("BYTE_ARRAY_STOP stop byte")?;
                let id = params.itf8("BYTE_ARRAY_STOP block content id")?;
                Encoding::ByteArrayStop { stop, id }
            }
            6 => {
                let offset = params.itf8("BETA offset")?;
                let bits = unsigned(&mut params, "BETA bit count")?;
                if bits > 32 {
                    return Err(params.invalid(format!("BETA bit count {bits} exceeds 32")));
                }
                Encoding::Beta { offset, bits }
            }
            7 => {
                let offset = params.itf8("SUBEXP offset")?;
                let k = unsigned(&mut params, "SUBEXP k")?;
                if k > 31 {
                    return Err(params.invalid(format!("SUBEXP k {k} exceeds 31")));
                }
                Encoding::Subexp { offset, k }
            }
            8 => {
                let offset = params.itf8("GOLOMB_RICE offset")?;
                let log2m = unsigned(&mut params, "GOLOMB_RICE log2(M)")?;
                if log2m > 31 {
                    return Err(params.invalid(format!("GOLOMB_RICE log2(M) {log2m} exceeds 31")));
                }
                Encoding::GolombRice { offset, log2m }
            }
            9 => Encoding::Gamma {
                offset: params.itf8("GAMMA offset")?,
            },
            _ => {
                return Err(Error::unsupported(
                    Format::Cram,
                    format!("encoding codec id {codec} (known: 0 to 9)"),
                )
                .at_byte_offset(at))
            }
        };
        Ok(encoding)
    }

    /// Adds the external block ids this encoding reads to `out`; returns
    /// whether it reads nothing from the core bit stream.
    pub(crate) fn external_ids(&self, out: &mut Vec<i32>) -> bool {
        match self {
            Encoding::Null => true,
            Encoding::External(id) | Encoding::ByteArrayStop { id, .. } => {
                out.push(*id);
                true
            }
            Encoding::ByteArrayLen(len, value) => {
                let len_external = len.external_ids(out);
                value.external_ids(out) && len_external
            }
            // A single-symbol code reads no bits.
            Encoding::Huffman(huffman) => huffman.lengths.len() == 1,
            _ => false,
        }
    }

    /// Decodes one integer. The encodings htslib writes for integer
    /// series (EXTERNAL, and HUFFMAN with a single zero-length code) are
    /// decoded inline, so that each data series' call site branches on its
    /// own encoding (one well-predicted branch each) instead of all sharing
    /// one mispredicted jump table.
    #[inline(always)]
    pub(crate) fn read_int(&self, streams: &mut Streams<'_>) -> Result<i32> {
        match self {
            Encoding::External(id) => streams.external(*id)?.itf8(),
            Encoding::Huffman(huffman) if huffman.lengths.len() == 1 => Ok(huffman.symbols[0]),
            _ => self.read_int_coded(streams),
        }
    }

    /// [`Encoding::read_int`] for every encoding.
    #[inline(never)]
    fn read_int_coded(&self, streams: &mut Streams<'_>) -> Result<i32> {
        match self {
            Encoding::External(id) => streams.external(*id)?.itf8(),
            Encoding::Huffman(huffman) => huffman.decode(&mut streams.core),
            Encoding::Beta { offset, bits } => {
                Ok((streams.core.bits(*bits)? as i32).wrapping_sub(*offset))
            }
            Encoding::Gamma { offset } => {
                let bits = &mut streams.core;
                let mut zeros = 0;
                while bits.bit()? == 0 {
                    zeros += 1;
                    if zeros > 31 {
                        return Err(bits.invalid("GAMMA code longer than 32 bits"));
                    }
                }
                let value = (1u32 << zeros) | bits.bits(zeros)?;
                Ok((value as i32).wrapping_sub(*offset))
            }
            Encoding::Subexp { offset, k } => {
                let bits = &mut streams.core;
                let u = bits.unary()?;
                let value = if u == 0 {
                    bits.bits(*k)?
                } else {
                    let b = u + k - 1;
                    if b > 31 {
                        return Err(bits.invalid("SUBEXP code longer than 32 bits"));
                    }
                    (1u32 << b) | bits.bits(b)?
                };
                Ok((value as i32).wrapping_sub(*offset))
            }
            Encoding::GolombRice { offset, log2m } => {
                let bits = &mut streams.core;
                let q = bits.unary()?;
                let r = bits.bits(*log2m)?;
                let value = (q << log2m) | r;
                Ok((value as i32).wrapping_sub(*offset))
            }
            Encoding::Golomb { offset, m } => {
                let bits = &mut streams.core;
                let q = bits.unary()?;
                let b = 32 - (m - 1).leading_zeros(); // ceil(log2(m))
                let threshold = (1u32 << b).wrapping_sub(*m);
                let mut r = if b > 0 { bits.bits(b - 1)? } else { 0 };
                if r >= threshold {
                    r = ((r << 1) | bits.bit()?).wrapping_sub(threshold);
                }
                let value = q.wrapping_mul(*m).wrapping_add(r);
                Ok((value as i32).wrapping_sub(*offset))
            }
            Encoding::Null | Encoding::ByteArrayLen(..) | Encoding::ByteArrayStop { .. } => {
                Err(Error::invalid_data(
                    Format::Cram,
                    format!("{} cannot decode an integer data series", self.name()),
                ))
            }
        }
    }

    /// Decodes one byte.
    #[inline]
    pub(crate) fn read_byte(&self, streams: &mut Streams<'_>) -> Result<u8> {
        match self {
            Encoding::External(id) => streams.external(*id)?.byte(),
            _ => self.read_int(streams).map(|value| value as u8),
        }
    }

    /// Appends `n` values of a byte data series to `out`.
    pub(crate) fn read_bytes(
        &self,
        n: usize,
        streams: &mut Streams<'_>,
        out: &mut Vec<u8>,
    ) -> Result<()> {
        match self {
            Encoding::External(id) => {
                out.extend_from_slice(streams.external(*id)?.take(n)?);
                Ok(())
            }
            _ => {
                for _ in 0..n {
                    out.push(self.read_byte(streams)?);
                }
                Ok(())
            }
        }
    }

    /// Appends one byte array (BYTE_ARRAY_LEN or BYTE_ARRAY_STOP) to `out`.
    pub(crate) fn read_array(&self, streams: &mut Streams<'_>, out: &mut Vec<u8>) -> Result<()> {
        match self {
            Encoding::ByteArrayLen(len, value) => {
                let n = len.read_int(streams)?;
                let n = usize::try_from(n).map_err(|_| {
                    Error::invalid_data(Format::Cram, format!("byte array length {n} is negative"))
                })?;
                if n > super::codecs::MAX_DECODED_LEN {
                    return Err(Error::limit_exceeded(
                        Format::Cram,
                        "byte array length",
                        n as u64,
                        super::codecs::MAX_DECODED_LEN as u64,
                    ));
                }
                value.read_bytes(n, streams, out)
            }
            Encoding::ByteArrayStop { stop, id } => {
                out.extend_from_slice(streams.external(*id)?.until(*stop)?);
                Ok(())
            }
            _ => Err(Error::invalid_data(
                Format::Cram,
                format!("{} cannot decode a byte-array data series", self.name()),
            )),
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Encoding::Null => "NULL",
            Encoding::External(_) => "EXTERNAL",
            Encoding::Huffman(_) => "HUFFMAN",
            Encoding::Beta { .. } => "BETA",
            Encoding::Gamma { .. } => "GAMMA",
            Encoding::Subexp { .. } => "SUBEXP",
            Encoding::Golomb { .. } => "GOLOMB",
            Encoding::GolombRice { .. } => "GOLOMB_RICE",
            Encoding::ByteArrayLen(..) => "BYTE_ARRAY_LEN",
            Encoding::ByteArrayStop { .. } => "BYTE_ARRAY_STOP",
        }
    }
}

/// Reads the core block's bits, most significant first.
#[derive(Debug, Clone)]
pub(crate) struct BitReader<'a> {
    data: &'a [u8],
    /// Next byte to load.
    pos: usize,
    /// Loaded bits, left-aligned.
    buffer: u64,
    /// Number of valid bits in `buffer`.
    count: u32,
}

impl<'a> BitReader<'a> {
    pub(crate) fn new(data: &'a [u8]) -> Self {
        BitReader {
            data,
            pos: 0,
            buffer: 0,
            count: 0,
        }
    }

    fn invalid(&self, message: &str) -> Error {
        Error::invalid_data(
            Format::Cram,
            format!(
                "{message} (core block bit {})",
                self.pos as u64 * 8 - u64::from(self.count)
            ),
        )
    }

    #[inline]
    fn refill(&mut self) {
        while self.count <= 56 {
            match self.data.get(self.pos) {
                Some(&byte) => {
                    self.buffer |= u64::from(byte) << (56 - self.count);
                    self.count += 8;
                    self.pos += 1;
                }
                None => break,
            }
        }
    }

    /// `n` bits (0 to 32) as an unsigned number.
    #[inline]
    pub(crate) fn bits(&mut self, n: u32) -> Result<u32> {
        if n == 0 {
            return Ok(0);
        }
        if self.count < n {
            self.refill();
            if self.count < n {
                return Err(Error::unexpected_eof(
                    Format::Cram,
                    format!("the core block ends {n} bits before a value's end"),
                ));
            }
        }
        let value = (self.buffer >> (64 - n)) as u32;
        self.buffer <<= n;
        self.count -= n;
        Ok(value)
    }

    /// One bit.
    #[inline]
    pub(crate) fn bit(&mut self) -> Result<u32> {
        self.bits(1)
    }

    /// Counts 1 bits up to a 0 bit (consumed).
    fn unary(&mut self) -> Result<u32> {
        let mut n = 0;
        while self.bit()? == 1 {
            n += 1;
            if n > 32 {
                return Err(self.invalid("unary code longer than 32 bits"));
            }
        }
        Ok(n)
    }
}

/// One external block's bytes and read position.
#[derive(Debug, Clone)]
pub(crate) struct ExternalStream<'a> {
    id: i32,
    data: &'a [u8],
    pos: usize,
}

impl<'a> ExternalStream<'a> {
    fn eof(&self, what: &str) -> Error {
        Error::unexpected_eof(
            Format::Cram,
            format!(
                "external block {} ({} bytes) ends inside {what}",
                self.id,
                self.data.len()
            ),
        )
    }

    /// One ITF8 integer: values below 128 (one byte: most flags, CRAM
    /// flags, mate distances) inline, longer ones out of line.
    #[inline(always)]
    fn itf8(&mut self) -> Result<i32> {
        if let Some(&byte) = self.data.get(self.pos) {
            if byte < 0x80 {
                self.pos += 1;
                return Ok(i32::from(byte));
            }
        }
        self.itf8_long()
    }

    #[inline(never)]
    fn itf8_long(&mut self) -> Result<i32> {
        let (value, used) = decode_itf8(self.data.get(self.pos..).unwrap_or(&[]))
            .ok_or_else(|| self.eof("an ITF8 integer"))?;
        self.pos += used;
        Ok(value)
    }

    #[inline]
    fn byte(&mut self) -> Result<u8> {
        let byte = *self.data.get(self.pos).ok_or_else(|| self.eof("a byte"))?;
        self.pos += 1;
        Ok(byte)
    }

    #[inline]
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let bytes = self
            .pos
            .checked_add(n)
            .and_then(|end| self.data.get(self.pos..end))
            .ok_or_else(|| self.eof(&format!("{n} bytes")))?;
        self.pos += n;
        Ok(bytes)
    }

    #[inline]
    fn until(&mut self, stop: u8) -> Result<&'a [u8]> {
        let rest = self.data.get(self.pos..).unwrap_or(&[]);
        let len = memchr::memchr(stop, rest).ok_or_else(|| self.eof("a stop-terminated array"))?;
        self.pos += len + 1;
        Ok(&rest[..len])
    }
}

/// The core bit stream and external blocks of one slice.
#[derive(Debug, Clone)]
pub(crate) struct Streams<'a> {
    pub(crate) core: BitReader<'a>,
    external: Vec<ExternalStream<'a>>,
    /// Index into `external` by content id, for ids below 256.
    by_small_id: Vec<u16>,
}

const NO_STREAM: u16 = u16::MAX;

impl<'a> Streams<'a> {
    pub(crate) fn new(core: &'a [u8]) -> Self {
        Streams {
            core: BitReader::new(core),
            external: Vec::new(),
            by_small_id: vec![NO_STREAM; 256],
        }
    }

    /// Adds an external block (a later block of the same id replaces it).
    pub(crate) fn add_external(&mut self, id: i32, data: &'a [u8]) {
        let index = self.external.len();
        self.external.push(ExternalStream { id, data, pos: 0 });
        if let Some(slot) = usize::try_from(id)
            .ok()
            .and_then(|i| self.by_small_id.get_mut(i))
        {
            *slot = index as u16;
        }
    }

    /// Takes `n` bytes of external block `id`, returning their range in
    /// the block (for callers that read the block's bytes later).
    #[inline]
    pub(crate) fn take_range(&mut self, id: i32, n: usize) -> Result<(usize, usize)> {
        let stream = self.external(id)?;
        let start = stream.pos;
        stream.take(n)?;
        Ok((start, stream.pos))
    }

    #[inline]
    fn external(&mut self, id: i32) -> Result<&mut ExternalStream<'a>> {
        let index = match usize::try_from(id)
            .ok()
            .and_then(|i| self.by_small_id.get(i))
        {
            Some(&index) if index != NO_STREAM => Some(index as usize),
            Some(_) => None,
            None => self.external.iter().rposition(|stream| stream.id == id),
        };
        match index {
            Some(index) => Ok(&mut self.external[index]),
            None => Err(Error::invalid_data(
                Format::Cram,
                format!("the slice has no external block with content id {id}"),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoding(bytes: &[u8]) -> Encoding {
        Encoding::parse(&mut Cursor::new(bytes, 0)).unwrap()
    }

    #[test]
    fn huffman_single_symbol_reads_no_bits() {
        // HUFFMAN, 4 parameter bytes: 1 symbol (65), 1 length (0).
        let huffman = encoding(&[3, 4, 1, 65, 1, 0]);
        let mut streams = Streams::new(&[]);
        assert_eq!(huffman.read_int(&mut streams).unwrap(), 65);
        assert_eq!(huffman.read_int(&mut streams).unwrap(), 65);
    }

    #[test]
    fn huffman_canonical_codes() {
        // Symbols 1 (len 1), 2 (len 2), 3 (len 2): codes 0, 10, 11.
        let huffman = encoding(&[3, 8, 3, 1, 2, 3, 3, 1, 2, 2]);
        let core = [0b0101_1000];
        let mut streams = Streams::new(&core);
        let decoded: Vec<i32> = (0..4)
            .map(|_| huffman.read_int(&mut streams).unwrap())
            .collect();
        assert_eq!(decoded, [1, 2, 3, 1]);
    }

    #[test]
    fn huffman_rejects_oversubscribed_lengths() {
        // Three codes of length 1.
        let bytes = [3, 8, 3, 1, 2, 3, 3, 1, 1, 1];
        assert!(Encoding::parse(&mut Cursor::new(&bytes, 0)).is_err());
    }

    #[test]
    fn bit_codecs_follow_the_specification() {
        // BETA offset 0, 3 bits: 101 -> 5.
        let beta = encoding(&[6, 2, 0, 3]);
        // GAMMA offset 0: 00100 -> 4.
        let gamma = encoding(&[9, 1, 0]);
        // SUBEXP offset 0, k 2: 0 + 11 -> 3; 110 + 101 -> 2^3 + 5 = 13.
        let subexp = encoding(&[7, 2, 0, 2]);
        // 101 00100 011 110101 (padding)
        let core = [0b1010_0100, 0b0111_1010, 0b1000_0000];
        let mut streams = Streams::new(&core);
        assert_eq!(beta.read_int(&mut streams).unwrap(), 5);
        assert_eq!(gamma.read_int(&mut streams).unwrap(), 4);
        assert_eq!(subexp.read_int(&mut streams).unwrap(), 3);
        assert_eq!(subexp.read_int(&mut streams).unwrap(), 13);
        assert!(beta.read_int(&mut streams).is_err() || streams.core.bits(32).is_err());
    }

    #[test]
    fn external_and_byte_arrays() {
        let stop = encoding(&[5, 2, 0, 7]);
        let len = encoding(&[4, 6, 1, 1, 8, 1, 1, 9]);
        let mut streams = Streams::new(&[]);
        streams.add_external(7, b"ab\0cd\0");
        streams.add_external(8, &[3]);
        streams.add_external(9, b"xyz");
        let mut out = Vec::new();
        stop.read_array(&mut streams, &mut out).unwrap();
        assert_eq!(out, b"ab");
        len.read_array(&mut streams, &mut out).unwrap();
        assert_eq!(out, b"abxyz");
        assert!(len.read_array(&mut streams, &mut out).is_err());
    }

    #[test]
    fn take_range_advances_the_stream() {
        let external = encoding(&[1, 1, 5]);
        let mut streams = Streams::new(&[]);
        streams.add_external(5, b"IJKLMN");
        assert_eq!(external.read_byte(&mut streams).unwrap(), b'I');
        assert_eq!(streams.take_range(5, 3).unwrap(), (1, 4));
        assert_eq!(external.read_byte(&mut streams).unwrap(), b'M');
        let short = streams.take_range(5, 2).unwrap_err();
        assert!(short.message().contains("external block 5"), "{short}");
        assert!(streams.take_range(6, 0).is_err());
    }
}
