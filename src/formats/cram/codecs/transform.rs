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
        let mask = (1u8 << bits) - 1;
        for (chunk, &byte) in out.chunks_mut(per_byte).zip(packed) {
            let mut v = byte;
            for o in chunk {
                // `v & mask` < 16: always inside `symbols`.
                *o = self.symbols[usize::from(v & mask)];
                v >>= bits;
            }
        }
        Ok(())
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
