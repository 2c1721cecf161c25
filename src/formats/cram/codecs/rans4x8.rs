//! rANS 4x8, CRAM 3.0's static entropy coder (CRAMcodecs section 2): four
//! interleaved rANS states with byte-wise renormalisation and an order-0 or
//! order-1 frequency table stored in front of the data.
//!
//! Stream layout: `order: u8`, `compressed_len: u32`, `decoded_len: u32`
//! (little-endian), then `compressed_len` bytes of frequency table and rANS
//! data.

use super::reader::{check_len, ByteReader};
use super::table::FreqTable;
use super::MAX_DECODED_LEN;
use crate::{Error, Format, Result};

/// Frequencies of a 4x8 table must sum to at most 4096 (writers use 4095).
const TOTAL_LIMIT: u32 = 4096;
const TOTAL_BITS: u32 = 12;
/// Renormalisation lower bound: states are kept at or above 2^23.
const LOWER_BOUND: u32 = 1 << 23;

/// Decodes a rANS 4x8 stream into `out` (cleared first).
///
/// # Errors
/// A [`Format::Cram`] error, with the byte offset, when the stream is
/// truncated or corrupt, its order byte is neither 0 nor 1, or its decoded
/// length exceeds [`MAX_DECODED_LEN`].
///
/// ```
/// use biometal::formats::cram::codecs::rans4x8;
/// // Order 0, 19 compressed bytes, 0 decoded: a table holding only symbol 0
/// // (with frequency 0) and four initial states.
/// let mut stream = vec![0, 19, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
/// stream.extend_from_slice(&[0; 16]);
/// let mut out = vec![1, 2, 3];
/// rans4x8::decode(&stream, &mut out)?;
/// assert!(out.is_empty());
/// assert!(rans4x8::decode(&stream[..20], &mut out).is_err()); // truncated
/// # Ok::<(), biometal::Error>(())
/// ```
pub fn decode(src: &[u8], out: &mut Vec<u8>) -> Result<()> {
    out.clear();
    let mut reader = ByteReader::new(src, 0);
    let order = reader.u8("rANS 4x8 order")?;
    let compressed_len = reader.u32_le("rANS 4x8 compressed size")? as usize;
    let len_offset = reader.offset();
    let decoded_len = reader.u32_le("rANS 4x8 decoded size")? as usize;
    check_len("rANS 4x8 decoded size", decoded_len, MAX_DECODED_LEN)
        .map_err(|e| e.at_byte_offset(len_offset))?;
    let mut body = reader.sub_reader(compressed_len, "rANS 4x8 compressed data")?;
    out.resize(decoded_len, 0);
    match order {
        0 => decode_order0(&mut body, out),
        1 => decode_order1(&mut body, out),
        _ => Err(Error::invalid_data(
            Format::Cram,
            format!("rANS 4x8 order must be 0 or 1, found {order}"),
        )
        .at_byte_offset(0)),
    }
}

/// Reads an order-0 table (symbols run-length encoded, ITF8 frequencies).
fn read_frequencies0(reader: &mut ByteReader, table: &mut FreqTable) -> Result<()> {
    let mut freqs = [0u32; 256];
    let mut sym = usize::from(reader.u8("rANS 4x8 frequency table")?);
    let mut last = sym;
    let mut run = 0u8;
    loop {
        freqs[sym] = reader.itf8("rANS 4x8 frequency")?;
        if run > 0 {
            run -= 1;
            sym += 1;
            if sym > 255 {
                return Err(reader.invalid("rANS 4x8 frequency table: symbol run past 255"));
            }
        } else {
            sym = usize::from(reader.u8("rANS 4x8 frequency table")?);
            if sym == last + 1 {
                run = reader.u8("rANS 4x8 frequency table run")?;
            }
        }
        last = sym;
        if sym == 0 {
            break;
        }
    }
    table.fill(&freqs, TOTAL_LIMIT, reader)
}

/// Reads the four initial states.
fn read_states(reader: &mut ByteReader) -> Result<[u32; 4]> {
    let mut states = [0u32; 4];
    for state in &mut states {
        *state = reader.u32_le("rANS 4x8 initial state")?;
    }
    Ok(states)
}

/// One decode step of `state` against `table`, then byte renormalisation.
#[inline(always)]
fn step(table: &FreqTable, state: &mut u32, input: &[u8], pos: &mut usize) -> Option<u8> {
    let (sym, mut x) = table.decode(*state, TOTAL_BITS)?;
    while x < LOWER_BOUND {
        x = (x << 8) | u32::from(*input.get(*pos)?);
        *pos += 1;
    }
    *state = x;
    Some(sym)
}

fn corrupt(reader: &ByteReader, pos: usize) -> Error {
    let at = reader.offset() + pos as u64;
    if pos >= reader.remaining().len() {
        Error::unexpected_eof(
            Format::Cram,
            "rANS 4x8 data ended before all symbols were decoded",
        )
        .at_byte_offset(at)
    } else {
        Error::invalid_data(
            Format::Cram,
            "rANS 4x8 state points outside the frequency table",
        )
        .at_byte_offset(at)
    }
}

fn decode_order0(reader: &mut ByteReader, out: &mut [u8]) -> Result<()> {
    let mut table = Box::new(FreqTable::EMPTY);
    read_frequencies0(reader, &mut table)?;
    let mut states = read_states(reader)?;
    let input = reader.remaining();
    let mut pos = 0;
    let mut chunks = out.chunks_exact_mut(4);
    for chunk in &mut chunks {
        for (byte, state) in chunk.iter_mut().zip(states.iter_mut()) {
            *byte = step(&table, state, input, &mut pos).ok_or_else(|| corrupt(reader, pos))?;
        }
    }
    for (byte, state) in chunks.into_remainder().iter_mut().zip(states.iter_mut()) {
        *byte = step(&table, state, input, &mut pos).ok_or_else(|| corrupt(reader, pos))?;
    }
    Ok(())
}

fn decode_order1(reader: &mut ByteReader, out: &mut [u8]) -> Result<()> {
    let mut tables = vec![FreqTable::EMPTY; 256];
    let mut context = usize::from(reader.u8("rANS 4x8 order-1 table")?);
    let mut last = context;
    let mut run = 0u8;
    loop {
        read_frequencies0(reader, &mut tables[context])?;
        if run > 0 {
            run -= 1;
            context += 1;
            if context > 255 {
                return Err(reader.invalid("rANS 4x8 order-1 table: context run past 255"));
            }
        } else {
            context = usize::from(reader.u8("rANS 4x8 order-1 table")?);
            if context == last + 1 {
                run = reader.u8("rANS 4x8 order-1 table run")?;
            }
        }
        last = context;
        if context == 0 {
            break;
        }
    }
    let mut states = read_states(reader)?;
    let input = reader.remaining();
    let mut pos = 0;
    let quarter = out.len() / 4;
    let mut contexts = [0u8; 4];
    for i in 0..quarter {
        for j in 0..4 {
            let table = &tables[usize::from(contexts[j])];
            let sym =
                step(table, &mut states[j], input, &mut pos).ok_or_else(|| corrupt(reader, pos))?;
            out[i + j * quarter] = sym;
            contexts[j] = sym;
        }
    }
    for byte in &mut out[4 * quarter..] {
        let table = &tables[usize::from(contexts[3])];
        *byte = step(table, &mut states[3], input, &mut pos).ok_or_else(|| corrupt(reader, pos))?;
        contexts[3] = *byte;
    }
    Ok(())
}
