//! Static frequency tables shared by the rANS decoders: built once per block
//! (per context), then used through a direct cumulative-frequency → symbol
//! lookup.

use super::reader::ByteReader;
use crate::Result;

/// The largest total frequency of any rANS table (12 bits).
pub(crate) const MAX_TOTAL: u32 = 1 << 12;

/// One context's symbol frequencies, their running sums and the reverse
/// lookup from a cumulative frequency to its symbol.
#[derive(Clone)]
pub(crate) struct FreqTable {
    sym: [u8; MAX_TOTAL as usize],
    freq: [u32; 256],
    cum: [u32; 256],
    /// Sum of all frequencies; slots at or above it map to no symbol.
    total: u32,
}

impl FreqTable {
    /// A table with no symbols: every lookup fails.
    pub(crate) const EMPTY: FreqTable = FreqTable {
        sym: [0; MAX_TOTAL as usize],
        freq: [0; 256],
        cum: [0; 256],
        total: 0,
    };

    /// Fills the table from per-symbol frequencies whose sum must not exceed
    /// `limit` (at most [`MAX_TOTAL`]); `reader` positions the error.
    pub(crate) fn fill(
        &mut self,
        freqs: &[u32; 256],
        limit: u32,
        reader: &ByteReader,
    ) -> Result<()> {
        let mut total: u32 = 0;
        for (s, &f) in freqs.iter().enumerate() {
            if f > limit || total + f > limit {
                return Err(reader.invalid(format!(
                    "rANS frequencies sum to more than {limit} (symbol {s} has frequency {f})"
                )));
            }
            self.cum[s] = total;
            self.freq[s] = f;
            self.sym[total as usize..(total + f) as usize].fill(s as u8);
            total += f;
        }
        self.total = total;
        Ok(())
    }

    /// The sum of all frequencies.
    pub(crate) fn total(&self) -> u32 {
        self.total
    }

    /// The frequency of `symbol`.
    pub(crate) fn freq(&self, symbol: u8) -> u32 {
        self.freq[usize::from(symbol)]
    }

    /// Decodes one symbol from `state` whose low `bits` bits are the
    /// cumulative frequency: the symbol and the state before renormalising,
    /// or `None` when that frequency belongs to no symbol (corrupt data).
    #[inline(always)]
    pub(crate) fn decode(&self, state: u32, bits: u32) -> Option<(u8, u32)> {
        let f = state & ((1 << bits) - 1);
        if f >= self.total {
            return None;
        }
        let s = self.sym[f as usize];
        let i = usize::from(s);
        // freq <= 2^bits (checked in `fill`) and state >> bits < 2^(32 - bits),
        // so the product and the sum stay below 2^32.
        Some((s, self.freq[i] * (state >> bits) + f - self.cum[i]))
    }
}

/// The decoding table entry of one cumulative-frequency slot, in the form
/// the hot loops want: the symbol, its frequency and the slot's offset
/// within the symbol's range packed in one `u32` (symbol in bits 0..8,
/// frequency − 1 in 8..20, offset in 20..32), so a decode step is a single
/// load. A context's table is `1 << bits` consecutive entries.
///
/// Tables are built only from frequencies summing to exactly `1 << bits`,
/// so every slot below `1 << bits` holds a symbol: a state's low `bits`
/// bits always find one, and the loops need no per-symbol validity check.
pub(crate) type Slot = u32;

/// Fills `block` (`1 << bits` slots, `bits` ≤ 12) from `freqs`, which
/// must sum to exactly `1 << bits` or to 0 (a context with no symbols:
/// `Ok(false)`, `block` untouched); `reader` positions the error, after
/// which `block` may be partly overwritten.
pub(crate) fn fill_slots(
    freqs: &[u32; 256],
    bits: u32,
    block: &mut [Slot],
    reader: &ByteReader,
) -> Result<bool> {
    let limit = 1u32 << bits;
    debug_assert_eq!(block.len(), limit as usize);
    let mut total: u32 = 0;
    for (s, &f) in freqs.iter().enumerate() {
        if f > limit - total {
            return Err(reader.invalid(format!(
                "rANS frequencies sum to more than {limit} (symbol {s} has frequency {f})"
            )));
        }
        if f > 0 {
            let packed = s as u32 | ((f - 1) << 8);
            let start = total as usize;
            for (k, slot) in (0..f).zip(&mut block[start..start + f as usize]) {
                *slot = packed | (k << 20);
            }
        }
        total += f;
    }
    if total != 0 && total != limit {
        return Err(reader.invalid(format!("rANS frequencies sum to {total}, expected {limit}")));
    }
    Ok(total != 0)
}

/// The symbol of a [`Slot`].
#[inline(always)]
pub(crate) fn slot_symbol(entry: Slot) -> u8 {
    entry as u8
}

/// The state after decoding `entry` from `state` with `bits`-bit
/// frequencies (before renormalising). With `f ≤ 2^bits` the frequency and
/// `k < f` the offset, `f * (state >> bits) + k < f * 2^(32 - bits) ≤ 2^32`:
/// no overflow for an entry of a `bits`-bit table. The arithmetic wraps so
/// that a stale entry (see the order-1 decoder) gives garbage, not a panic.
#[inline(always)]
pub(crate) fn slot_advance(entry: Slot, state: u32, bits: u32) -> u32 {
    (((entry >> 8) & 0xfff) + 1)
        .wrapping_mul(state >> bits)
        .wrapping_add(entry >> 20)
}
