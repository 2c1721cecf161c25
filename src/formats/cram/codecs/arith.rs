//! The adaptive arithmetic ("range") coder of CRAM 3.1 (CRAMcodecs section
//! 4): a 32-bit range decoder driven by adaptive frequency models, order-0
//! or order-1, optionally with run lengths, wrapped in the same STRIPE,
//! NOSZ, CAT and PACK transforms as rANS Nx16, plus EXT (bzip2).

use super::external;
use super::reader::ByteReader;
use super::transform::{decode_stripe, PackMap};
use super::MAX_DECODED_LEN;
use crate::{Error, Format, Result};

const ORDER: u8 = 1;
const EXT: u8 = 4;
const STRIPE: u8 = 8;
const NOSZ: u8 = 16;
const CAT: u8 = 32;
const RLE: u8 = 64;
const PACK: u8 = 128;

/// Models are halved when their total frequency exceeds this.
const MAX_TOTAL: u32 = (1 << 16) - 17;
/// Frequency added to a symbol each time it is decoded.
const STEP: u32 = 16;
/// The range is renormalised (shifted a byte) when it drops below 2^24.
const RANGE_LOW: u32 = 1 << 24;

/// Decodes an arithmetic-coder stream into `out` (cleared first).
///
/// # Errors
/// A [`Format::Cram`] error, with the byte offset, when the stream is
/// truncated or corrupt, when it has no stored size (NOSZ is only valid
/// inside STRIPE), or when a size exceeds [`MAX_DECODED_LEN`].
///
/// ```
/// use biometal::formats::cram::codecs::arith;
/// // Flags CAT (32): the 3 bytes are stored as they are.
/// let mut out = Vec::new();
/// arith::decode(&[32, 3, b'A', b'C', b'G'], &mut out)?;
/// assert_eq!(out, b"ACG");
/// assert!(arith::decode(&[0, 100, 0], &mut out).is_err()); // truncated
/// # Ok::<(), biometal::Error>(())
/// ```
pub fn decode(src: &[u8], out: &mut Vec<u8>) -> Result<()> {
    decode_stream(&mut ByteReader::new(src, 0), None, out, 0)
}

fn decode_stream(
    reader: &mut ByteReader,
    expected_len: Option<usize>,
    out: &mut Vec<u8>,
    depth: u32,
) -> Result<()> {
    out.clear();
    let flags = reader.u8("arithmetic coder flags")?;
    let len = if flags & NOSZ == 0 {
        let at = reader.offset();
        let len = reader.uint7_len("arithmetic coder decoded size", MAX_DECODED_LEN)?;
        if let Some(expected) = expected_len.filter(|&e| e != len) {
            return Err(Error::invalid_data(
                Format::Cram,
                format!(
                    "arithmetic sub-stream stores size {len}, its STRIPE parent expects {expected}"
                ),
            )
            .at_byte_offset(at));
        }
        len
    } else {
        expected_len.ok_or_else(|| {
            reader.invalid("arithmetic coder stream without a size (NOSZ) outside STRIPE")
        })?
    };
    if flags & STRIPE != 0 {
        return decode_stripe(reader, len, out, depth, decode_stream);
    }
    let (pack, entropy_len) = if flags & PACK != 0 {
        let (map, packed_len) = PackMap::read(reader)?;
        (Some(map), packed_len)
    } else {
        (None, len)
    };
    let data_at = reader.clone();
    // Without PACK the data is decoded straight into `out`.
    let mut data = if pack.is_none() {
        std::mem::take(out)
    } else {
        Vec::new()
    };
    if flags & CAT != 0 {
        data.extend_from_slice(reader.bytes(entropy_len, "arithmetic coder uncompressed data")?);
    } else if flags & EXT != 0 {
        external::decode_bzip2_exact(reader.remaining(), entropy_len, &mut data)
            .map_err(|e| e.at_byte_offset(reader.offset()))?;
    } else {
        data.resize(entropy_len, 0);
        let mut rc = RangeDecoder::new(reader);
        let max_sym = match rc.reader.u8("arithmetic coder symbol count")? {
            0 => 256,
            n => usize::from(n),
        };
        rc.start()?;
        match (flags & RLE != 0, flags & ORDER != 0) {
            (false, false) => decode_order0(&mut rc, max_sym, &mut data)?,
            (false, true) => decode_order1(&mut rc, max_sym, &mut data)?,
            (true, false) => decode_rle(&mut rc, max_sym, false, &mut data)?,
            (true, true) => decode_rle(&mut rc, max_sym, true, &mut data)?,
        }
    }
    match pack {
        Some(map) => {
            out.resize(len, 0);
            map.unpack(&data, out, &data_at)
        }
        None => {
            *out = data;
            Ok(())
        }
    }
}

/// The range decoder state (CRAMcodecs `RangeDecodeCreate`).
pub(crate) struct RangeDecoder<'r, 'a> {
    reader: &'r mut ByteReader<'a>,
    range: u32,
    code: u32,
}

impl<'r, 'a> RangeDecoder<'r, 'a> {
    /// A decoder reading from `reader`; call [`start`](Self::start) once the
    /// header bytes before the coded data have been read.
    pub(crate) fn new(reader: &'r mut ByteReader<'a>) -> Self {
        RangeDecoder {
            reader,
            range: u32::MAX,
            code: 0,
        }
    }

    /// Reads the 5 initial code bytes (the first is a carry byte).
    pub(crate) fn start(&mut self) -> Result<()> {
        let mut code: u64 = 0;
        for _ in 0..5 {
            code = (code << 8) | u64::from(self.reader.u8("range coder initial code")?);
        }
        self.code = code as u32; // keeps the low 32 bits, as specified
        Ok(())
    }

    /// Decodes one symbol of `model`, updating the model.
    #[inline]
    pub(crate) fn decode<const N: usize>(&mut self, model: &mut Model<N>) -> Result<u8> {
        self.range /= model.total;
        let freq = self.code / self.range;
        if freq >= model.total {
            return Err(self
                .reader
                .invalid("range coder value outside the model's frequencies"));
        }
        // Cumulative frequencies: freq < total guarantees x < model.count.
        let mut x = 0;
        let mut acc = 0;
        while acc + u32::from(model.freqs[x]) <= freq {
            acc += u32::from(model.freqs[x]);
            x += 1;
        }
        self.code -= acc * self.range;
        self.range *= u32::from(model.freqs[x]);
        while self.range < RANGE_LOW {
            self.range <<= 8;
            self.code = (self.code << 8) | u32::from(self.reader.u8("range coder data")?);
        }
        Ok(model.update(x))
    }

    /// An invalid-data error at the current input offset.
    pub(crate) fn invalid(&self, message: impl Into<std::borrow::Cow<'static, str>>) -> Error {
        self.reader.invalid(message)
    }
}

/// An adaptive frequency model over up to `N` symbols, most frequent first
/// (CRAMcodecs `ModelCreate` / `ModelDecode`).
#[derive(Clone)]
pub(crate) struct Model<const N: usize> {
    symbols: [u8; N],
    freqs: [u16; N],
    count: usize,
    total: u32,
}

impl<const N: usize> Model<N> {
    /// A model of symbols `0..count` (`1 <= count <= N`), each of frequency 1.
    pub(crate) fn new(count: usize) -> Self {
        let mut model = Model {
            symbols: [0; N],
            freqs: [0; N],
            count,
            total: count as u32,
        };
        for (i, (s, f)) in model
            .symbols
            .iter_mut()
            .zip(&mut model.freqs)
            .take(count)
            .enumerate()
        {
            *s = i as u8;
            *f = 1;
        }
        model
    }

    /// Credits the symbol at position `x`, keeps the order, returns it.
    #[inline]
    fn update(&mut self, x: usize) -> u8 {
        // total <= MAX_TOTAL before the step, so every frequency stays < 2^16.
        self.freqs[x] += STEP as u16;
        self.total += STEP;
        if self.total > MAX_TOTAL {
            self.total = 0;
            for f in &mut self.freqs[..self.count] {
                *f -= *f / 2;
                self.total += u32::from(*f);
            }
        }
        let sym = self.symbols[x];
        if x > 0 && self.freqs[x] > self.freqs[x - 1] {
            self.freqs.swap(x, x - 1);
            self.symbols.swap(x, x - 1);
        }
        sym
    }
}

fn decode_order0(rc: &mut RangeDecoder, max_sym: usize, out: &mut [u8]) -> Result<()> {
    let mut model = Model::<256>::new(max_sym);
    for byte in out {
        *byte = rc.decode(&mut model)?;
    }
    Ok(())
}

fn decode_order1(rc: &mut RangeDecoder, max_sym: usize, out: &mut [u8]) -> Result<()> {
    // Decoded symbols are < max_sym, so every context has a model.
    let mut models = vec![Model::<256>::new(max_sym); max_sym];
    let mut last = 0;
    for byte in out {
        *byte = rc.decode(&mut models[usize::from(last)])?;
        last = *byte;
    }
    Ok(())
}

/// Literals (order-0 or order-1) each followed by a run length, coded in
/// parts of 0..=3 with contexts: the symbol, then 256, then 257.
fn decode_rle(rc: &mut RangeDecoder, max_sym: usize, order1: bool, out: &mut [u8]) -> Result<()> {
    let mut literals = vec![Model::<256>::new(max_sym); if order1 { max_sym } else { 1 }];
    let mut runs = vec![Model::<4>::new(4); 258];
    let mut last = 0u8;
    let mut i = 0;
    while i < out.len() {
        let context = if order1 { usize::from(last) } else { 0 };
        let sym = rc.decode(&mut literals[context])?;
        last = sym;
        let mut part = rc.decode(&mut runs[usize::from(sym)])?;
        let mut run = usize::from(part);
        let mut run_context = 256;
        while part == 3 {
            if run >= out.len() - i {
                break;
            }
            part = rc.decode(&mut runs[run_context])?;
            run_context = 257;
            run += usize::from(part);
        }
        let end = i + 1 + run;
        if end > out.len() {
            return Err(rc.reader.invalid(format!(
                "arithmetic coder run of {} at output byte {i} passes the decoded size {}",
                run + 1,
                out.len()
            )));
        }
        out[i..end].fill(sym);
        i = end;
    }
    Ok(())
}

/// Decodes one stream from `reader` (an inner stream of another codec),
/// reporting errors at offsets in the outer stream.
pub(crate) fn decode_reader(reader: &mut ByteReader, out: &mut Vec<u8>) -> Result<()> {
    decode_stream(reader, None, out, 0)
}
