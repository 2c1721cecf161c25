//! rANS Nx16, CRAM 3.1's static entropy coder (CRAMcodecs section 3): 4 or
//! 32 interleaved rANS states renormalised 16 bits at a time, order-0 or
//! order-1 frequency tables, and the STRIPE, NOSZ, CAT, RLE and PACK
//! transforms, all selected by the stream's first (flags) byte.

use std::borrow::Cow;

use super::reader::{check_len, ByteReader};
use super::table::{fill_slots, slot_advance, slot_symbol, Slot};
use super::transform::{decode_stripe, PackMap};
use super::MAX_DECODED_LEN;
use crate::{Error, Format, Result};

mod order0;
mod order1;
mod x32;

const ORDER: u8 = 1;
const X32: u8 = 4;
const STRIPE: u8 = 8;
const NOSZ: u8 = 16;
const CAT: u8 = 32;
const RLE: u8 = 64;
const PACK: u8 = 128;

/// Renormalisation lower bound: states are kept at or above 2^15.
const LOWER_BOUND: u32 = 1 << 15;

/// Decodes a rANS Nx16 stream into `out`, replacing its contents (left
/// empty after an error).
///
/// # Errors
/// A [`Format::Cram`] error, with the byte offset, when the stream is
/// truncated or corrupt, when it has no stored size (NOSZ is only valid
/// inside STRIPE), or when a size exceeds [`MAX_DECODED_LEN`].
///
/// ```
/// use biometal::formats::cram::codecs::rans_nx16;
/// // Flags CAT (32): the 5 bytes are stored as they are.
/// let mut out = Vec::new();
/// rans_nx16::decode(&[32, 5, b'h', b'e', b'l', b'l', b'o'], &mut out)?;
/// assert_eq!(out, b"hello");
/// assert!(rans_nx16::decode(&[32, 5, b'h'], &mut out).is_err()); // truncated
/// # Ok::<(), biometal::Error>(())
/// ```
pub fn decode(src: &[u8], out: &mut Vec<u8>) -> Result<()> {
    decode_stream(&mut ByteReader::new(src, 0), None, out, 0).inspect_err(|_| out.clear())
}

/// Decodes one stream (recursing for STRIPE), `expected_len` being the
/// length a STRIPE parent computed.
fn decode_stream(
    reader: &mut ByteReader,
    expected_len: Option<usize>,
    out: &mut Vec<u8>,
    depth: u32,
) -> Result<()> {
    // `out` is not cleared here: a decoder writing straight into it
    // overwrites every byte, so only its growth needs zeroing.
    let flags = reader.u8("rANS Nx16 flags")?;
    let len = if flags & NOSZ == 0 {
        let at = reader.offset();
        let len = reader.uint7_len("rANS Nx16 decoded size", MAX_DECODED_LEN)?;
        if let Some(expected) = expected_len.filter(|&e| e != len) {
            return Err(Error::invalid_data(
                Format::Cram,
                format!(
                    "rANS Nx16 sub-stream stores size {len}, its STRIPE parent expects {expected}"
                ),
            )
            .at_byte_offset(at));
        }
        len
    } else {
        expected_len.ok_or_else(|| {
            reader.invalid("rANS Nx16 stream without a size (NOSZ) outside STRIPE")
        })?
    };
    if flags & STRIPE != 0 {
        return decode_stripe(reader, len, out, depth, decode_stream);
    }
    let ways = if flags & X32 != 0 { 32 } else { 4 };

    let mut entropy_len = len;
    let pack = if flags & PACK != 0 {
        let (map, packed_len) = PackMap::read(reader)?;
        entropy_len = packed_len;
        Some((map, len))
    } else {
        None
    };
    let rle = if flags & RLE != 0 {
        let runs = RleMeta::read(reader, ways)?;
        let rle_len = entropy_len;
        entropy_len = runs.1;
        Some((runs.0, rle_len))
    } else {
        None
    };

    // Without transforms the entropy coder decodes straight into `out`.
    let mut data = if rle.is_none() && pack.is_none() {
        std::mem::take(out)
    } else {
        Vec::new()
    };
    let data_offset = reader.clone();
    if flags & CAT != 0 {
        data.clear();
        data.extend_from_slice(reader.bytes(entropy_len, "rANS Nx16 uncompressed data")?);
    } else {
        data.resize(entropy_len, 0);
        if flags & ORDER != 0 {
            order1::decode(reader, &mut data, ways)?;
        } else {
            decode_order0(reader, &mut data, ways)?;
        }
    }
    if let Some((meta, rle_len)) = rle {
        let mut expanded = if pack.is_none() {
            std::mem::take(out)
        } else {
            Vec::new()
        };
        meta.expand(&data, rle_len, &mut expanded, &data_offset)?;
        data = expanded;
    }
    match pack {
        Some((map, unpacked_len)) => {
            out.resize(unpacked_len, 0);
            map.unpack(&data, out, &data_offset)
        }
        None => {
            *out = data;
            Ok(())
        }
    }
}

/// RLE meta-data (which symbols carry run lengths, then the run lengths),
/// borrowed from the stream or decompressed.
struct RleMeta<'a> {
    meta: Cow<'a, [u8]>,
    /// Offset of the meta-data in the outermost stream, for errors.
    base: u64,
}

impl<'a> RleMeta<'a> {
    /// Reads the RLE meta-data header and returns the meta-data and the
    /// length of the run-free data that follows.
    fn read(reader: &mut ByteReader<'a>, ways: usize) -> Result<(RleMeta<'a>, usize)> {
        let meta_len_x2 = reader.uint7("RLE meta-data size")? as usize;
        let literal_len = reader.uint7_len("RLE literal length", MAX_DECODED_LEN)?;
        let meta_len = meta_len_x2 / 2;
        check_len("RLE meta-data size", meta_len, MAX_DECODED_LEN)?;
        let base = reader.offset();
        let meta: Cow<'a, [u8]> = if meta_len_x2 & 1 != 0 {
            Cow::Borrowed(reader.bytes(meta_len, "RLE meta-data")?)
        } else {
            let clen =
                reader.uint7_len("RLE compressed meta-data size", reader.remaining().len())?;
            let mut sub = reader.sub_reader(clen, "RLE compressed meta-data")?;
            let mut buf = vec![0; meta_len];
            decode_order0(&mut sub, &mut buf, ways)?;
            Cow::Owned(buf)
        };
        Ok((RleMeta { meta, base }, literal_len))
    }

    /// Expands `literals` into `out`, which must come to `rle_len` bytes;
    /// `at` positions errors.
    fn expand(
        &self,
        literals: &[u8],
        rle_len: usize,
        out: &mut Vec<u8>,
        at: &ByteReader,
    ) -> Result<()> {
        let mut runs = ByteReader::new(&self.meta, self.base);
        let count = match runs.u8("RLE symbol count")? {
            0 => 256,
            n => usize::from(n),
        };
        let mut has_run = [false; 256];
        for &s in runs.bytes(count, "RLE symbol list")? {
            has_run[usize::from(s)] = true;
        }
        out.clear();
        out.reserve(rle_len);
        for &sym in literals {
            let copies = if has_run[usize::from(sym)] {
                runs.uint7("RLE run length")? as usize + 1
            } else {
                1
            };
            if copies > rle_len - out.len() {
                return Err(at.invalid(format!("RLE runs expand past the decoded size {rle_len}")));
            }
            out.resize(out.len() + copies, sym);
        }
        if out.len() != rle_len {
            return Err(at.invalid(format!(
                "RLE expanded to {} bytes, expected {rle_len}",
                out.len()
            )));
        }
        Ok(())
    }
}

/// Reads the symbol list of a frequency table: ascending symbols, runs of
/// consecutive ones shortened to the first two and a count, ending at 0.
fn read_alphabet(reader: &mut ByteReader) -> Result<([u8; 256], usize)> {
    let mut alphabet = [0u8; 256];
    let mut count = 0;
    let mut sym = usize::from(reader.u8("rANS Nx16 alphabet")?);
    let mut last = sym;
    let mut run = 0u8;
    loop {
        if count > 0 && sym <= usize::from(alphabet[count - 1]) {
            return Err(reader.invalid("rANS Nx16 alphabet is not in ascending order"));
        }
        alphabet[count] = sym as u8;
        count += 1;
        if run > 0 {
            run -= 1;
            sym += 1;
            if sym > 255 {
                return Err(reader.invalid("rANS Nx16 alphabet: symbol run past 255"));
            }
        } else {
            sym = usize::from(reader.u8("rANS Nx16 alphabet")?);
            if sym == last + 1 {
                run = reader.u8("rANS Nx16 alphabet run")?;
            }
        }
        last = sym;
        if sym == 0 {
            return Ok((alphabet, count));
        }
    }
}

/// Scales frequencies summing to a power of two below `1 << bits` up to
/// `1 << bits` (CRAMcodecs `NormaliseFrequenciesNx16_0`).
fn normalise(freqs: &mut [u32; 256], bits: u32, reader: &ByteReader) -> Result<()> {
    let target = 1u64 << bits;
    let mut total: u64 = freqs.iter().map(|&f| u64::from(f)).sum();
    if total == 0 || total >= target {
        return Ok(()); // fill_slots rejects totals other than the limit
    }
    let mut shift = 0;
    while total < target {
        total *= 2;
        shift += 1;
    }
    if total != target {
        return Err(reader.invalid(format!(
            "rANS Nx16 frequencies sum to {}, not a power of two",
            total >> shift
        )));
    }
    for f in freqs.iter_mut() {
        *f <<= shift;
    }
    Ok(())
}

fn read_states<const W: usize>(reader: &mut ByteReader) -> Result<[u32; W]> {
    let mut states = [0u32; W];
    for state in &mut states {
        *state = reader.u32_le("rANS Nx16 initial state")?;
    }
    Ok(states)
}

/// Renormalises `x` (16 bits at a time), reading from `input` at `pos`;
/// `None` when the input has run out.
#[inline(always)]
fn renorm_checked(x: u32, input: &[u8], pos: &mut usize) -> Option<u32> {
    if x >= LOWER_BOUND {
        return Some(x);
    }
    let bytes = input.get(*pos..*pos + 2)?;
    *pos += 2;
    Some((x << 16) | u32::from(u16::from_le_bytes([bytes[0], bytes[1]])))
}

/// [`renorm_checked`] without the bounds check, and without a branch: the
/// two bytes are always loaded and only kept (and `pos` only advanced)
/// when the state needs them, which compiles to conditional moves instead
/// of a mispredicted jump per symbol.
///
/// # Safety
/// `*pos + 2 <= input.len()`.
#[inline(always)]
unsafe fn renorm_unchecked(x: u32, input: &[u8], pos: &mut usize) -> u32 {
    // SAFETY: the caller guarantees two bytes at `*pos`.
    let bytes = unsafe { input.get_unchecked(*pos..*pos + 2) };
    let next = u32::from(u16::from_le_bytes([bytes[0], bytes[1]]));
    let needs = x < LOWER_BOUND;
    *pos += usize::from(needs) * 2;
    if needs {
        (x << 16) | next
    } else {
        x
    }
}

/// The error for a state that needs input past the end of the stream.
#[cold]
fn truncated(reader: &ByteReader, pos: usize) -> Error {
    Error::unexpected_eof(
        Format::Cram,
        "rANS Nx16 data ended before all symbols were decoded",
    )
    .at_byte_offset(reader.offset() + pos as u64)
}

/// Order-0 decoding of `out.len()` symbols with `ways` interleaved states.
fn decode_order0(reader: &mut ByteReader, out: &mut [u8], ways: usize) -> Result<()> {
    let mut freqs = [0u32; 256];
    let (alphabet, count) = read_alphabet(reader)?;
    for &s in &alphabet[..count] {
        freqs[usize::from(s)] = reader.uint7("rANS Nx16 frequency")?;
    }
    normalise(&mut freqs, 12, reader)?;
    if freqs.iter().all(|&f| f == 0) {
        if out.is_empty() {
            // Nothing to decode: only the states follow.
            return if ways == 32 {
                read_states::<32>(reader).map(drop)
            } else {
                read_states::<4>(reader).map(drop)
            };
        }
        return Err(reader.invalid("rANS Nx16 order-0 frequency table has no symbols"));
    }
    if ways == 32 {
        let mut slots = [0; 1 << 12];
        fill_slots(&freqs, 12, &mut slots, reader)?;
        run_order0_x32(reader, &slots, out)
    } else {
        order0::decode_4way(reader, &order0::Table::new(&freqs, reader)?, out)
    }
}

/// Decodes `out.len()` symbols with 32 interleaved states: whole rounds
/// by the best vector kernel, the rest (and everything without one) here.
fn run_order0_x32(reader: &mut ByteReader, slots: &[Slot; 1 << 12], out: &mut [u8]) -> Result<()> {
    let mut states = read_states::<32>(reader)?;
    let input = reader.remaining();
    let mut pos = 0;
    let done = x32::order0_rounds(slots, &mut states, input, &mut pos, out);
    // `done` is a multiple of 32: the rest starts again at state 0.
    order0::decode_rounds(reader, &mut states, &mut pos, &mut out[done..], |x| {
        // `& 0xfff` keeps the index inside the 4096 slots, all filled.
        let entry = slots[(x & 0xfff) as usize];
        (slot_symbol(entry), slot_advance(entry, x, 12))
    })?;
    reader.bytes(pos, "rANS Nx16 data")?;
    Ok(())
}

/// Decodes one stream from `reader` (an inner stream of another codec),
/// reporting errors at offsets in the outer stream.
pub(crate) fn decode_reader(reader: &mut ByteReader, out: &mut Vec<u8>) -> Result<()> {
    decode_stream(reader, None, out, 0).inspect_err(|_| out.clear())
}
