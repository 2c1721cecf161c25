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
    decode_stream(src, out).inspect_err(|_| out.clear())
}

fn decode_stream(src: &[u8], out: &mut Vec<u8>) -> Result<()> {
    let mut reader = ByteReader::new(src, 0);
    let order = reader.u8("rANS 4x8 order")?;
    let compressed_len = reader.u32_le("rANS 4x8 compressed size")? as usize;
    let len_offset = reader.offset();
    let decoded_len = reader.u32_le("rANS 4x8 decoded size")? as usize;
    check_len("rANS 4x8 decoded size", decoded_len, MAX_DECODED_LEN)
        .map_err(|e| e.at_byte_offset(len_offset))?;
    let mut body = reader.sub_reader(compressed_len, "rANS 4x8 compressed data")?;
    // Every byte is overwritten by the decoder: only growth is zeroed (a
    // reused buffer is not cleared first).
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

/// Slots of a 12-bit frequency table.
const SLOTS: usize = 1 << 12;

/// An order-0 decoding table: for each of the 4096 cumulative-frequency
/// slots its symbol, the symbol's frequency and the slot's offset within
/// the symbol's range, one array each, so a decode step is three plain
/// loads indexed by the state's low 12 bits.
///
/// Slots at or above the frequencies' total belong to no symbol: decoding
/// one means corrupt data. Rather than test every step, they decode (with
/// frequency 1, so the state stays in range) to `marker`, a symbol of
/// frequency 0 that valid data never produces, which is looked for in the
/// output afterwards.
struct Order0Table {
    symbol: [u8; SLOTS],
    freq: [u16; SLOTS],
    offset: [u16; SLOTS],
    /// The symbol the slots of no symbol decode to, if there are any.
    marker: Option<u8>,
}

impl Order0Table {
    /// Builds the table from `table`'s frequencies (summing to at most
    /// 4096); `None` when they leave slots free but use all 256 symbols
    /// (no marker is left).
    fn new(table: &FreqTable) -> Option<Box<Order0Table>> {
        let total = table.total() as usize;
        let marker = if total < SLOTS {
            Some((0..=255u8).find(|&s| table.freq(s) == 0)?)
        } else {
            None
        };
        let mut slots = Box::new(Order0Table {
            symbol: [marker.unwrap_or(0); SLOTS],
            freq: [1; SLOTS],
            offset: [0; SLOTS],
            marker,
        });
        let mut start = 0;
        for s in 0..=255u8 {
            // The frequencies sum to at most 4096 (checked when read), so
            // each range is inside the table and each frequency fits 16 bits.
            let f = table.freq(s) as usize;
            let range = start..start + f;
            slots.symbol[range.clone()].fill(s);
            slots.freq[range.clone()].fill(f as u16);
            for (k, offset) in slots.offset[range].iter_mut().enumerate() {
                *offset = k as u16;
            }
            start += f;
        }
        Some(slots)
    }

    /// Decodes one symbol from state `x`: the symbol and the state before
    /// renormalising, `f * (x >> 12) + offset < 2^32` since `offset < f ≤
    /// 4096`, and at least 2^11 for a state of at least 2^23.
    #[inline(always)]
    fn step(&self, x: u32) -> (u8, u32) {
        // The mask keeps the index below 4096, the arrays' length.
        let i = (x & 0xfff) as usize;
        let next = u32::from(self.freq[i]) * (x >> 12) + u32::from(self.offset[i]);
        (self.symbol[i], next)
    }
}

/// Byte-wise renormalisation without bounds checks: a state of at least
/// 2^11 (see [`Order0Table::step`]) needs at most two bytes.
///
/// # Safety
/// `*pos + 2 <= input.len()`.
#[inline(always)]
unsafe fn renorm_unchecked(mut x: u32, input: &[u8], pos: &mut usize) -> u32 {
    // A branch rather than conditional moves: most steps need no byte, so
    // the branch is predicted well, and the step costs two instructions.
    if x < LOWER_BOUND {
        // SAFETY: the caller guarantees two bytes at `*pos`.
        x = (x << 8) | u32::from(unsafe { *input.get_unchecked(*pos) });
        *pos += 1;
        if x < LOWER_BOUND {
            // SAFETY: as above, the second of the two bytes.
            x = (x << 8) | u32::from(unsafe { *input.get_unchecked(*pos) });
            *pos += 1;
        }
    }
    x
}

fn decode_order0(reader: &mut ByteReader, out: &mut [u8]) -> Result<()> {
    let mut freqs = Box::new(FreqTable::EMPTY);
    read_frequencies0(reader, &mut freqs)?;
    let mut states = read_states(reader)?;
    let input = reader.remaining();
    let mut pos = 0;
    let mut done = 0;
    if let Some(table) = Order0Table::new(&freqs) {
        let (mut rounds, _) = out.as_chunks_mut::<4>();
        // A local copy, indexed by constants only, so the states stay in
        // registers.
        let [mut x0, mut x1, mut x2, mut x3] = states;
        // Batches of rounds that the input left surely covers (2 bytes a
        // state): each batch takes at most half of what is left, then the
        // rest is checked symbol by symbol.
        loop {
            let sure = ((input.len() - pos) / 8).min(rounds.len());
            if sure == 0 {
                break;
            }
            let (batch, rest) = std::mem::take(&mut rounds).split_at_mut(sure);
            for round in batch {
                for (byte, x) in round.iter_mut().zip([&mut x0, &mut x1, &mut x2, &mut x3]) {
                    let (symbol, next) = table.step(*x);
                    *byte = symbol;
                    // SAFETY: this batch's rounds read at most 8 bytes each,
                    // and that much per round was left when it started.
                    *x = unsafe { renorm_unchecked(next, input, &mut pos) };
                }
            }
            done += 4 * sure;
            rounds = rest;
        }
        states = [x0, x1, x2, x3];
        if let Some(marker) = table.marker {
            if let Some(at) = memchr::memchr(marker, &out[..done]) {
                return Err(Error::invalid_data(
                    Format::Cram,
                    format!("rANS 4x8 state of symbol {at} points outside the frequency table"),
                )
                .at_byte_offset(reader.offset()));
            }
        }
    }
    // The rest starts again at state 0 (whole rounds were done).
    for (i, byte) in out[done..].iter_mut().enumerate() {
        *byte = step(&freqs, &mut states[i % 4], input, &mut pos)
            .ok_or_else(|| corrupt(reader, pos))?;
    }
    Ok(())
}

fn decode_order1(reader: &mut ByteReader, out: &mut [u8]) -> Result<()> {
    // Tables only for the contexts present (each is 6 KiB): `slot[c]` is
    // context `c`'s index in `tables`, or 0 for the empty table, on which
    // every lookup fails.
    let mut tables = vec![FreqTable::EMPTY];
    let mut slot = [0u8; 256];
    let mut context = usize::from(reader.u8("rANS 4x8 order-1 table")?);
    let mut last = context;
    let mut run = 0u8;
    loop {
        if slot[context] == 0 {
            // A u8 index holds 255 contexts besides the empty table: with
            // all 256 present, the last takes slot 0 (no context is left
            // to need the empty table).
            slot[context] = u8::try_from(tables.len()).unwrap_or(0);
            if slot[context] != 0 {
                tables.push(FreqTable::EMPTY);
            }
        }
        read_frequencies0(reader, &mut tables[usize::from(slot[context])])?;
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
            let table = &tables[usize::from(slot[usize::from(contexts[j])])];
            let sym =
                step(table, &mut states[j], input, &mut pos).ok_or_else(|| corrupt(reader, pos))?;
            out[i + j * quarter] = sym;
            contexts[j] = sym;
        }
    }
    for byte in &mut out[4 * quarter..] {
        let table = &tables[usize::from(slot[usize::from(contexts[3])])];
        *byte = step(table, &mut states[3], input, &mut pos).ok_or_else(|| corrupt(reader, pos))?;
        contexts[3] = *byte;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(symbol, frequency)`: 4095 of the 4096 slots used, as htslib's
    /// writer leaves them, so slot 4095 belongs to no symbol.
    const FREQS: [(u8, u32); 4] = [(b'A', 2000), (b'C', 1000), (b'G', 500), (b'T', 595)];

    /// An order-0 rANS 4x8 stream of `data` (symbols from [`FREQS`]),
    /// encoded as the specification's encoder does; `states` replaces the
    /// final encoder states when given.
    fn encode(data: &[u8], states: Option<[u32; 4]>) -> Vec<u8> {
        let lookup = |s: u8| {
            let at = FREQS.iter().position(|&(sym, _)| sym == s).unwrap();
            let cum: u32 = FREQS[..at].iter().map(|&(_, f)| f).sum();
            (FREQS[at].1, cum)
        };
        let mut x = [LOWER_BOUND; 4];
        let mut reversed = Vec::new();
        for (i, &s) in data.iter().enumerate().rev() {
            let (f, c) = lookup(s);
            let state = &mut x[i % 4];
            while *state >= ((LOWER_BOUND >> TOTAL_BITS) << 8) * f {
                reversed.push(*state as u8);
                *state >>= 8;
            }
            *state = ((*state / f) << TOTAL_BITS) + *state % f + c;
        }
        let mut body = Vec::new();
        for (k, &(s, f)) in FREQS.iter().enumerate() {
            // Symbols A, C, G, T are not consecutive: no runs.
            body.push(s);
            body.extend_from_slice(&[0x80 | (f >> 8) as u8, f as u8]);
            if k == FREQS.len() - 1 {
                body.push(0);
            }
        }
        for state in states.unwrap_or(x) {
            body.extend_from_slice(&state.to_le_bytes());
        }
        body.extend(reversed.iter().rev());
        let mut src = vec![0];
        src.extend_from_slice(&(body.len() as u32).to_le_bytes());
        src.extend_from_slice(&(data.len() as u32).to_le_bytes());
        src.extend_from_slice(&body);
        src
    }

    #[test]
    fn order0_decodes_in_batches_and_tails_and_reports_free_slots() {
        let mut seed = 12345u32;
        let data: Vec<u8> = (0..300)
            .map(|_| {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                b"AAAACCGT"[(seed >> 16) as usize % 8]
            })
            .collect();
        let mut out = Vec::new();
        for len in (0..40).chain([299, 300]) {
            decode(&encode(&data[..len], None), &mut out).unwrap();
            assert_eq!(out, &data[..len], "{len} symbols");
            if len == 0 {
                continue;
            }
            for bad in 0..4.min(len) {
                let mut states = [LOWER_BOUND; 4];
                // Low 12 bits 4095: the slot of no symbol.
                states[bad] |= 0xfff;
                let src = encode(&data[..len], Some(states));
                let error = decode(&src, &mut out).unwrap_err().to_string();
                // Short streams end in the checked loop, which may find
                // the input exhausted first; long ones meet the bad state
                // in an unchecked batch.
                assert!(
                    error.contains("outside the frequency table")
                        || (len < 100 && error.contains("ended before")),
                    "{len} symbols: {error}"
                );
            }
        }
    }
}
