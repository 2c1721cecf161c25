//! Order-1 rANS Nx16 decoding: one frequency table per context (the
//! previous symbol of the same lane), with N lanes each decoding one
//! contiguous part of the output.
//!
//! Laid out for speed: context `c`'s table is the block of `1 << BITS`
//! [`Slot`]s at `c << BITS` in one table of 256 blocks, so a step is one
//! slot load indexed by the previous symbol and the state (always inside
//! the table, so the check folds away), a multiply-add and a branch-free
//! renormalisation. The rounds that the remaining input is sure to cover
//! (2 bytes per lane per round) run without bounds checks on the input,
//! the rest with.

use std::cell::Cell;

use super::super::reader::ByteReader;
use super::super::table::{fill_slots, slot_advance, slot_symbol, Slot};
use super::{
    decode_order0, normalise, read_alphabet, read_states, renorm_checked, renorm_unchecked,
    truncated,
};
use crate::{Error, Format, Result};

/// The largest decompressed order-1 frequency table: 256 × 256 frequencies
/// of at most 5 bytes each plus run bytes, rounded up.
const MAX_TABLE_LEN: usize = 1 << 19;

/// Slots in the order-1 table: 256 contexts of up to 4096 slots.
const TABLE_LEN: usize = 256 << 12;

/// All contexts' slots, context `c`'s block at `c << bits`.
type Table = [Slot; TABLE_LEN];

thread_local! {
    /// The order-1 table reused by the calls on this thread (4 MiB of
    /// address space; only the blocks of contexts in use are touched), so
    /// that each block does not map and fault in fresh pages. Blocks of
    /// contexts a stream has no table for keep earlier contents; decoding
    /// that uses them is refused (see [`check_contexts`]).
    static TABLE: Cell<Vec<Slot>> = const { Cell::new(Vec::new()) };
}

/// Which contexts of one stream have a table.
struct Contexts {
    has_table: [bool; 256],
    /// Whether some symbol that a table can produce has no table of its own
    /// (legal when it only ends a lane; checked after decoding).
    open: bool,
}

/// Reads the order-1 tables (one per context in the alphabet) from
/// `reader` into `table`.
fn read_tables(reader: &mut ByteReader, bits: u32, table: &mut Table) -> Result<Contexts> {
    let (alphabet, count) = read_alphabet(reader)?;
    let mut has_table = [false; 256];
    let mut produced = [false; 256];
    for &context in &alphabet[..count] {
        let mut freqs = [0u32; 256];
        let mut run = 0u8;
        for &s in &alphabet[..count] {
            if run > 0 {
                run -= 1;
                continue;
            }
            let f = reader.uint7("rANS Nx16 order-1 frequency")?;
            freqs[usize::from(s)] = f;
            if f == 0 {
                run = reader.u8("rANS Nx16 order-1 zero run")?;
            }
        }
        normalise(&mut freqs, bits, reader)?;
        let block = &mut table[usize::from(context) << bits..][..1 << bits];
        if fill_slots(&freqs, bits, block, reader)? {
            has_table[usize::from(context)] = true;
            for (p, &f) in produced.iter_mut().zip(&freqs) {
                *p |= f > 0;
            }
        }
    }
    let open = produced.iter().zip(&has_table).any(|(&p, &has)| p && !has);
    Ok(Contexts { has_table, open })
}

/// Order-1 decoding of `out.len()` symbols with `ways` (4 or 32) lanes.
pub(super) fn decode(reader: &mut ByteReader, out: &mut [u8], ways: usize) -> Result<()> {
    let mut storage = TABLE.take();
    if storage.len() != TABLE_LEN {
        storage = vec![0; TABLE_LEN];
    }
    let result = match <&mut Table>::try_from(&mut storage[..]) {
        Ok(table) => decode_with(reader, out, ways, table),
        Err(_) => Err(reader.invalid("rANS Nx16 order-1 table has the wrong size")),
    };
    TABLE.set(storage);
    result
}

/// [`decode`] with `table` as the tables' storage.
fn decode_with(
    reader: &mut ByteReader,
    out: &mut [u8],
    ways: usize,
    table: &mut Table,
) -> Result<()> {
    let comp = reader.u8("rANS Nx16 order-1 table header")?;
    let bits = u32::from(comp >> 4);
    if bits != 10 && bits != 12 {
        return Err(reader.invalid(format!(
            "rANS Nx16 order-1 frequency bits must be 10 or 12, found {bits}"
        )));
    }
    let contexts = if comp & 1 != 0 {
        let table_len = reader.uint7_len("rANS Nx16 order-1 table size", MAX_TABLE_LEN)?;
        let clen = reader.uint7_len(
            "rANS Nx16 order-1 compressed table size",
            reader.remaining().len(),
        )?;
        let mut sub = reader.sub_reader(clen, "rANS Nx16 order-1 compressed table")?;
        let mut table_bytes = vec![0; table_len];
        decode_order0(&mut sub, &mut table_bytes, 4)?;
        read_tables(
            &mut ByteReader::new(&table_bytes, sub.offset()),
            bits,
            table,
        )?
    } else {
        read_tables(reader, bits, table)?
    };
    if !out.is_empty() && !contexts.has_table[0] {
        // Every lane starts in context 0.
        return Err(no_table(reader.offset(), 0));
    }
    let data_at = reader.offset();
    match (ways, bits) {
        (32, 12) => run::<32, 12>(reader, table, out)?,
        (32, _) => run::<32, 10>(reader, table, out)?,
        (_, 12) => run::<4, 12>(reader, table, out)?,
        _ => run::<4, 10>(reader, table, out)?,
    }
    if contexts.open {
        check_contexts(&contexts, out, ways, data_at)?;
    }
    Ok(())
}

/// The error for a context with no frequency table.
#[cold]
fn no_table(at: u64, context: u8) -> Error {
    Error::invalid_data(
        Format::Cram,
        format!("rANS Nx16 order-1 context {context} has no frequency table"),
    )
    .at_byte_offset(at)
}

/// Checks, after decoding, that every symbol used as a context has a table:
/// all but the last symbol of each lane (the last lane runs to the end).
/// `data_at` positions the error.
fn check_contexts(contexts: &Contexts, out: &[u8], ways: usize, data_at: u64) -> Result<()> {
    let stride = out.len() / ways;
    for j in 0..ways {
        let end = if j + 1 == ways {
            out.len()
        } else {
            (j + 1) * stride
        };
        let used = &out[j * stride..end.saturating_sub(1).max(j * stride)];
        if let Some(&c) = used.iter().find(|&&c| !contexts.has_table[usize::from(c)]) {
            return Err(no_table(data_at, c));
        }
    }
    Ok(())
}

/// The slot of `state` in `context`'s block.
#[inline(always)]
fn lookup<const BITS: u32>(table: &Table, context: u8, state: u32) -> Slot {
    let index = (usize::from(context) << BITS) | (state & ((1 << BITS) - 1)) as usize;
    // BITS ≤ 12: the index is below 256 << 12 (the mask only tells the
    // compiler so).
    table[index & (TABLE_LEN - 1)]
}

/// Decodes `out` with `W` lanes and `BITS`-bit tables: lane `j` fills
/// `out[j * stride..][..stride]`, the last lane also the `out.len() % W`
/// bytes after the lanes.
fn run<const W: usize, const BITS: u32>(
    reader: &mut ByteReader,
    table: &Table,
    out: &mut [u8],
) -> Result<()> {
    let mut states = read_states::<W>(reader)?;
    let input = reader.remaining();
    let mut pos = 0;
    let stride = out.len() / W;
    let (lanes, tail) = out.split_at_mut(W * stride);
    let mut contexts = [0u8; W];
    let mut i = 0;
    loop {
        // Each round reads at most 2 bytes per lane.
        let rounds = ((input.len() - pos) / (2 * W)).min(stride - i);
        if rounds == 0 {
            break;
        }
        for _ in 0..rounds {
            for j in 0..W {
                let entry = lookup::<BITS>(table, contexts[j], states[j]);
                let sym = slot_symbol(entry);
                // SAFETY: i < stride and j < W, so the index is below
                // W * stride = lanes.len().
                unsafe { *lanes.get_unchecked_mut(j * stride + i) = sym };
                contexts[j] = sym;
                let x = slot_advance(entry, states[j], BITS);
                // SAFETY: this is one of `rounds` rounds of W steps, each
                // reading at most 2 bytes, and 2 * W * rounds bytes were left.
                states[j] = unsafe { renorm_unchecked(x, input, &mut pos) };
            }
            i += 1;
        }
    }
    // The last rounds, and the tail of the last lane, with checks.
    let mut step = |j: usize, pos: &mut usize| -> Result<u8> {
        let entry = lookup::<BITS>(table, contexts[j], states[j]);
        let sym = slot_symbol(entry);
        contexts[j] = sym;
        let x = slot_advance(entry, states[j], BITS);
        states[j] = renorm_checked(x, input, pos).ok_or_else(|| truncated(reader, *pos))?;
        Ok(sym)
    };
    for i in i..stride {
        for j in 0..W {
            lanes[j * stride + i] = step(j, &mut pos)?;
        }
    }
    for byte in tail {
        *byte = step(W - 1, &mut pos)?;
    }
    reader.bytes(pos, "rANS Nx16 data")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Frequencies over `alphabet` (which holds 0) for each of its contexts,
    /// each summing to `1 << bits`, built from per-symbol weights.
    fn tables(alphabet: &[u8], weights: &[u32], bits: u32) -> Vec<[u32; 256]> {
        let total = 1u32 << bits;
        alphabet
            .iter()
            .enumerate()
            .map(|(c, _)| {
                let w: Vec<u32> = (0..alphabet.len())
                    .map(|s| 1 + weights[(c * alphabet.len() + s) % weights.len()] % 64)
                    .collect();
                let sum: u32 = w.iter().sum();
                let mut freqs = [0u32; 256];
                let mut used = 0;
                for (s, &ws) in alphabet.iter().zip(&w) {
                    let f = (ws * total / sum).max(1);
                    freqs[usize::from(*s)] = f;
                    used += f;
                }
                // Give the rounding remainder (or excess) to the largest.
                let top = alphabet
                    .iter()
                    .copied()
                    .max_by_key(|&s| freqs[usize::from(s)])
                    .unwrap_or(0);
                freqs[usize::from(top)] = freqs[usize::from(top)] + total - used;
                freqs
            })
            .collect()
    }

    /// The simple decoder: per step, a search of the cumulative
    /// frequencies, the rANS update and a checked renormalisation.
    fn reference(
        ways: usize,
        bits: u32,
        freqs: &[[u32; 256]; 256],
        src: &[u8],
        out_len: usize,
    ) -> Option<Vec<u8>> {
        let mut states: Vec<u32> = (0..ways)
            .map(|j| {
                Some(u32::from_le_bytes(
                    src.get(4 * j..4 * j + 4)?.try_into().ok()?,
                ))
            })
            .collect::<Option<_>>()?;
        let mut pos = 4 * ways;
        let mut out = vec![0; out_len];
        let stride = out_len / ways;
        let mut contexts = vec![0usize; ways];
        let order = (0..stride)
            .flat_map(|i| (0..ways).map(move |j| (j, j * stride + i)))
            .chain((ways * stride..out_len).map(|k| (ways - 1, k)));
        for (j, k) in order {
            let x = states[j];
            let f = x & ((1 << bits) - 1);
            let table = &freqs[contexts[j]];
            let mut cum = 0;
            let mut sym = 0;
            while cum + table[sym] <= f {
                cum += table[sym];
                sym += 1;
            }
            let mut x = table[sym] * (x >> bits) + f - cum;
            if x < 1 << 15 {
                let bytes = src.get(pos..pos + 2)?;
                x = (x << 16) | u32::from(u16::from_le_bytes([bytes[0], bytes[1]]));
                pos += 2;
            }
            states[j] = x;
            out[k] = sym as u8;
            contexts[j] = sym;
        }
        Some(out)
    }

    proptest! {
        /// The table-driven loops (unchecked and checked rounds, 4 and 32
        /// lanes, 10 and 12 bits) against the reference on random tables
        /// and random data, which ends anywhere.
        #[test]
        fn run_matches_reference(
            symbols in proptest::collection::btree_set(1u8.., 0..6),
            weights in proptest::collection::vec(any::<u32>(), 1..64),
            src in proptest::collection::vec(any::<u8>(), 0..600),
            out_len in 0usize..700,
            x32 in any::<bool>(),
            bits12 in any::<bool>(),
        ) {
            let alphabet: Vec<u8> = std::iter::once(0).chain(symbols).collect();
            let (ways, bits) = (if x32 { 32 } else { 4 }, if bits12 { 12 } else { 10 });
            let mut freqs = Box::new([[0u32; 256]; 256]);
            let mut table = vec![0; TABLE_LEN];
            let table: &mut Table = (&mut table[..]).try_into().unwrap();
            for (&c, f) in alphabet.iter().zip(tables(&alphabet, &weights, bits)) {
                freqs[usize::from(c)] = f;
                let block = &mut table[usize::from(c) << bits..][..1 << bits];
                prop_assert!(fill_slots(&f, bits, block, &ByteReader::new(&[], 0)).unwrap());
            }
            let mut out = vec![0; out_len];
            let mut reader = ByteReader::new(&src, 0);
            let fast = match (ways, bits) {
                (32, 12) => run::<32, 12>(&mut reader, table, &mut out),
                (32, _) => run::<32, 10>(&mut reader, table, &mut out),
                (_, 12) => run::<4, 12>(&mut reader, table, &mut out),
                _ => run::<4, 10>(&mut reader, table, &mut out),
            };
            let want = reference(ways, bits, &freqs, &src, out_len);
            prop_assert_eq!(fast.is_ok(), want.is_some());
            if let Some(want) = want {
                prop_assert_eq!(out, want);
            }
        }
    }
}
