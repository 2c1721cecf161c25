//! The 4-way order-0 rANS Nx16 decoder: scalar, four independent states,
//! a table of plain arrays (one load per field, no unpacking), and rounds
//! without bounds checks or branches while the remaining input surely
//! covers them.

use super::{read_states, renorm_checked, renorm_unchecked, truncated};
use crate::formats::cram::codecs::reader::ByteReader;
use crate::Result;

/// Slots of a 12-bit frequency table.
const SLOTS: usize = 1 << 12;

/// An order-0 decoding table: for each of the 4096 cumulative-frequency
/// slots its symbol, the symbol's frequency and the slot's offset within
/// the symbol's range, one array each, so a decode step is three plain
/// loads indexed by the state's low 12 bits.
pub(super) struct Table {
    symbol: [u8; SLOTS],
    freq: [u16; SLOTS],
    offset: [u16; SLOTS],
}

impl Table {
    /// Builds the table from frequencies, which must sum to exactly 4096;
    /// `reader` positions the error otherwise.
    pub(super) fn new(freqs: &[u32; 256], reader: &ByteReader) -> Result<Table> {
        let total: u64 = freqs.iter().map(|&f| u64::from(f)).sum();
        if total != SLOTS as u64 {
            return Err(
                reader.invalid(format!("rANS frequencies sum to {total}, expected {SLOTS}"))
            );
        }
        let mut table = Table {
            symbol: [0; SLOTS],
            freq: [0; SLOTS],
            offset: [0; SLOTS],
        };
        let mut start = 0;
        for (s, &f) in freqs.iter().enumerate() {
            // The frequencies sum to 4096, so each range is inside the table
            // and each frequency fits 16 bits.
            let range = start..start + f as usize;
            table.symbol[range.clone()].fill(s as u8);
            table.freq[range.clone()].fill(f as u16);
            for (k, offset) in table.offset[range].iter_mut().enumerate() {
                *offset = k as u16;
            }
            start += f as usize;
        }
        Ok(table)
    }

    /// Decodes one symbol from state `x`, returning it and the state before
    /// renormalising: `f * (x >> 12) + offset`, at most
    /// `f * 2^20 - 1 < 2^32` since `offset < f ≤ 4096`.
    #[inline(always)]
    fn step(&self, x: u32) -> (u8, u32) {
        // The mask keeps the index below 4096, the arrays' length.
        let i = (x & 0xfff) as usize;
        let next = u32::from(self.freq[i]) * (x >> 12) + u32::from(self.offset[i]);
        (self.symbol[i], next)
    }
}

/// Decodes `out.len()` symbols, symbol `i` from state `i % 4`, reading the
/// four states and then the renormalisation words from `reader`.
pub(super) fn decode_4way(reader: &mut ByteReader, table: &Table, out: &mut [u8]) -> Result<()> {
    let mut states = read_states::<4>(reader)?;
    let mut pos = 0;
    decode_rounds(reader, &mut states, &mut pos, out, |x| table.step(x))?;
    reader.bytes(pos, "rANS Nx16 data")?;
    Ok(())
}

/// Decodes `out.len()` symbols, symbol `i` from state `i % W`, with `step`
/// (a state to its symbol and next state before renormalising),
/// renormalising from `reader`'s remaining input at `pos`.
#[inline(always)]
pub(super) fn decode_rounds<const W: usize>(
    reader: &ByteReader,
    states: &mut [u32; W],
    pos: &mut usize,
    out: &mut [u8],
    step: impl Fn(u32) -> (u8, u32),
) -> Result<()> {
    let input = reader.remaining();
    let (mut rounds, tail) = out.as_chunks_mut::<W>();
    // A local copy, indexed by constants only, so the states stay in
    // registers instead of going through memory every step.
    let mut x_local = *states;
    // Batches of rounds that the input left surely covers (2 bytes a
    // state): each batch takes at most half of what is left, then the rest
    // is checked symbol by symbol.
    loop {
        let sure = ((input.len() - *pos) / (2 * W)).min(rounds.len());
        if sure == 0 {
            break;
        }
        let (batch, rest) = std::mem::take(&mut rounds).split_at_mut(sure);
        for round in batch {
            for (byte, x) in round.iter_mut().zip(x_local.iter_mut()) {
                let (symbol, next) = step(*x);
                *byte = symbol;
                // SAFETY: this batch's rounds read at most 2 * W bytes each,
                // and that much per round was left when it started.
                *x = unsafe { renorm_unchecked(next, input, pos) };
            }
        }
        rounds = rest;
    }
    *states = x_local;
    // The rounds left are whole, so the tail starts again at state 0.
    for (i, byte) in rounds.as_flattened_mut().iter_mut().chain(tail).enumerate() {
        let x = &mut states[i % W];
        let (symbol, next) = step(*x);
        *byte = symbol;
        *x = renorm_checked(next, input, pos).ok_or_else(|| truncated(reader, *pos))?;
    }
    Ok(())
}
