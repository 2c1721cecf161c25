//! The data transforms shared by rANS Nx16 and the adaptive arithmetic
//! coder: bit packing (PACK) and N-way byte striping (STRIPE).

use super::reader::{check_len, ByteReader};
use super::MAX_DECODED_LEN;
use crate::Result;

/// Stripe and nested streams may recurse this deep; deeper is refused, so
/// hostile input cannot exhaust the stack.
pub(crate) const MAX_NESTING: u32 = 4;

/// PACK meta-data: up to 16 distinct symbols mapped to 0, 1, 2 or 4 bits.
pub(crate) struct PackMap {
    symbols: [u8; 16],
    count: usize,
}

impl PackMap {
    /// Reads `nsym`, the symbol map and the packed length.
    pub(crate) fn read(reader: &mut ByteReader) -> Result<(PackMap, usize)> {
        let count = usize::from(reader.u8("PACK symbol count")?);
        if count == 0 || count > 16 {
            return Err(reader.invalid(format!("PACK symbol count must be 1 to 16, found {count}")));
        }
        let mut symbols = [0u8; 16];
        symbols[..count].copy_from_slice(reader.bytes(count, "PACK symbol map")?);
        let packed_len = reader.uint7_len("PACK packed length", MAX_DECODED_LEN)?;
        Ok((PackMap { symbols, count }, packed_len))
    }

    /// Bits per symbol in the packed data (0 when all symbols are equal).
    fn bits(&self) -> usize {
        match self.count {
            1 => 0,
            2 => 1,
            3..=4 => 2,
            _ => 4,
        }
    }

    /// Unpacks `packed` into `out`, whose length is the unpacked length;
    /// `reader` positions errors.
    pub(crate) fn unpack(&self, packed: &[u8], out: &mut [u8], reader: &ByteReader) -> Result<()> {
        let bits = self.bits();
        if bits == 0 {
            out.fill(self.symbols[0]);
            return Ok(());
        }
        let per_byte = 8 / bits;
        let needed = out.len().div_ceil(per_byte);
        if packed.len() < needed {
            return Err(reader.invalid(format!(
                "PACK: {} unpacked bytes need {needed} packed bytes, found {}",
                out.len(),
                packed.len()
            )));
        }
        match bits {
            1 => unpack_bytes::<8>(&self.symbols, packed, out),
            2 => unpack_bytes::<4>(&self.symbols, packed, out),
            _ => unpack_bytes::<2>(&self.symbols, packed, out),
        }
        Ok(())
    }
}

/// Unpacks `out.len()` symbols of `8 / PER_BYTE` bits each, low bits
/// first, from `packed` (at least `out.len().div_ceil(PER_BYTE)` bytes)
/// through a 256-entry table of each packed byte's `PER_BYTE` symbols: one
/// load and one store a byte instead of a shift, mask and lookup a symbol.
fn unpack_bytes<const PER_BYTE: usize>(symbols: &[u8; 16], packed: &[u8], out: &mut [u8]) {
    let bits = 8 / PER_BYTE;
    let mask = (1usize << bits) - 1;
    let mut table = [[0u8; PER_BYTE]; 256];
    for (byte, entry) in table.iter_mut().enumerate() {
        for (k, symbol) in entry.iter_mut().enumerate() {
            // `mask` < 16: always inside `symbols`.
            *symbol = symbols[(byte >> (k * bits)) & mask];
        }
    }
    let (whole, tail) = out.as_chunks_mut::<PER_BYTE>();
    for (chunk, &byte) in whole.iter_mut().zip(packed) {
        *chunk = table[usize::from(byte)];
    }
    if let Some(&byte) = packed.get(whole.len()) {
        let entry = &table[usize::from(byte)];
        tail.copy_from_slice(&entry[..tail.len()]);
    }
}

/// A decoder of one (sub-)stream: reads from the reader, the expected length
/// (for streams without a stored size), the output and the nesting depth.
pub(crate) type StreamDecoder = fn(&mut ByteReader, Option<usize>, &mut Vec<u8>, u32) -> Result<()>;

/// Decodes a STRIPE body of `len` bytes: `N: u8`, `N` uint7 compressed
/// lengths, then `N` sub-streams, interleaved back into `out`.
pub(crate) fn decode_stripe(
    reader: &mut ByteReader,
    len: usize,
    out: &mut Vec<u8>,
    depth: u32,
    decode_stream: StreamDecoder,
) -> Result<()> {
    if depth >= MAX_NESTING {
        return Err(reader.invalid(format!("STRIPE nested more than {MAX_NESTING} deep")));
    }
    let ways = usize::from(reader.u8("STRIPE stream count")?);
    if ways == 0 {
        return Err(reader.invalid("STRIPE stream count is 0"));
    }
    let mut compressed_lens = [0usize; 255];
    for clen in &mut compressed_lens[..ways] {
        *clen = reader.uint7_len("STRIPE compressed length", reader.remaining().len())?;
    }
    // All sub-streams must be present before any is decoded: a truncated
    // block fails here, at once.
    let total = compressed_lens[..ways]
        .iter()
        .fold(0usize, |sum, &clen| sum.saturating_add(clen));
    reader.clone().bytes(total, "STRIPE sub-streams")?;
    check_len("STRIPE decoded size", len, MAX_DECODED_LEN)?;
    out.clear();
    out.resize(len, 0);
    let mut sub_out = Vec::new();
    for (j, &clen) in compressed_lens[..ways].iter().enumerate() {
        let sub_len = len / ways + usize::from(len % ways > j);
        let mut sub = reader.sub_reader(clen, "STRIPE sub-stream")?;
        decode_stream(&mut sub, Some(sub_len), &mut sub_out, depth + 1)?;
        if sub_out.len() != sub_len {
            return Err(sub.invalid(format!(
                "STRIPE sub-stream {j} decoded to {} bytes, expected {sub_len}",
                sub_out.len()
            )));
        }
        for (o, &b) in out.iter_mut().skip(j).step_by(ways).zip(&sub_out) {
            *o = b;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every width and every length up to a few table rows unpacks to
    /// what shifting out one symbol at a time gives, and too few packed
    /// bytes are an error.
    #[test]
    fn table_unpack_matches_symbol_by_symbol() {
        let mut seed = 0x9e37_79b9_u32;
        let packed: Vec<u8> = (0..64)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                seed as u8
            })
            .collect();
        let symbols: [u8; 16] = std::array::from_fn(|i| b'!' + 3 * i as u8);
        for (count, bits) in [(1, 0), (2, 1), (3, 2), (4, 2), (5, 4), (16, 4)] {
            let map = PackMap { symbols, count };
            for len in 0..=100 {
                let mut out = vec![0u8; len];
                let reader = ByteReader::new(&[], 0);
                let per_byte = 8 / bits.max(1);
                let needed = if bits == 0 { 0 } else { len.div_ceil(per_byte) };
                if needed > packed.len() {
                    continue;
                }
                map.unpack(&packed[..needed], &mut out, &reader).unwrap();
                let expected: Vec<u8> = (0..len)
                    .map(|i| {
                        if bits == 0 {
                            return symbols[0];
                        }
                        let byte = packed[i / per_byte];
                        let value = (byte >> ((i % per_byte) * bits)) & ((1 << bits) - 1);
                        symbols[usize::from(value)]
                    })
                    .collect();
                assert_eq!(out, expected, "{count} symbols, {len} bytes");
                if needed > 0 {
                    assert!(map
                        .unpack(&packed[..needed - 1], &mut out, &reader)
                        .is_err());
                }
            }
        }
    }
}
