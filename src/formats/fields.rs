//! Cutting tab-separated text lines into fields and reading their decimal
//! numbers, for the annotation formats (BED, GFF3/GTF): the per-byte work
//! of their readers, done a block of bytes at a time.
//!
//! [`split_line`] finds a line's tabs and its newline in one pass over
//! 64-byte blocks (an SSE2 compare per 16 bytes and byte sought, SSE2 being part of the
//! x86_64 baseline so the kernel inlines into the reader's loop; eight
//! bytes at a time in a `u64` elsewhere), the fields cut from the bit masks
//! with trailing-zero counts. [`parse_decimal`] reads up to eight digits at
//! once in a `u64` (SWAR). Both have plain byte-at-a-time references in the
//! tests, which property tests compare them with.

use crate::formats::buffer::LineBuffer;
use crate::Result;

/// The bounds `(start, end)` of one field in its line.
pub(crate) type FieldBounds = (usize, usize);

/// The next line of `buffer` cut at its tabs into `fields` in the same
/// pass, refilling through the line engine when the line does not end in
/// the buffer: the line's content end (before a `\n` or `\r\n`, which is
/// no part of the last field) and the offset after its newline; `None` at
/// the end of input. Errors of the refill name line `line_number`.
#[inline]
pub(crate) fn next_tab_line<R: std::io::Read>(
    buffer: &mut LineBuffer<R>,
    fields: &mut Vec<FieldBounds>,
    line_number: u64,
) -> Result<Option<(usize, usize)>> {
    let data = buffer.data();
    let Some(newline) = split_line(data, fields) else {
        let Some(found) = buffer
            .line_at(0)
            .map_err(|error| error.at_line(line_number))?
        else {
            return Ok(None);
        };
        let text = buffer.data().get(..found.content_end);
        split_line(text.unwrap_or_default(), fields);
        return Ok(Some((found.content_end, found.next)));
    };
    let content_end = match newline.checked_sub(1) {
        Some(before) if data.get(before) == Some(&b'\r') => {
            if let Some(last) = fields.last_mut() {
                last.1 = last.1.min(before);
            }
            before
        }
        _ => newline,
    };
    Ok(Some((content_end, newline + 1)))
}

/// Cuts the line at the start of `data` at its tabs, clearing `fields`
/// and pushing each field's bounds; the line ends at the first `\n`, whose
/// offset is returned. When `data` holds no `\n`, the whole of `data` is
/// the line and `None` is returned (a reader then refills its buffer and
/// splits the completed line again). A `\r` before the newline stays in
/// the last field; callers strip it.
#[inline(always)]
pub(crate) fn split_line(data: &[u8], fields: &mut Vec<FieldBounds>) -> Option<usize> {
    fields.clear();
    let mut start = 0;
    let mut base = 0;
    while base < data.len() {
        let [tabs, newlines] = block_masks(data, base, [b'\t', b'\n']);
        // Only the tabs before the first newline belong to this line.
        let before_newline = (newlines & newlines.wrapping_neg()).wrapping_sub(1);
        let mut tabs = tabs & before_newline;
        // A block has at most BLOCK tabs, and the line's last field follows.
        fields.reserve(BLOCK + 1);
        let mut length = fields.len();
        let spare = fields.as_mut_ptr();
        while tabs != 0 {
            let tab = base + tabs.trailing_zeros() as usize;
            // SAFETY: `reserve` made room for BLOCK + 1 more entries and at
            // most BLOCK (one per bit of `tabs`) are written here; the length is
            // set to cover exactly the entries written.
            unsafe { spare.add(length).write((start, tab)) };
            length += 1;
            start = tab + 1;
            tabs &= tabs - 1;
        }
        // SAFETY: entries up to `length` were written just above (or were
        // already initialised), within the reserved capacity.
        unsafe { fields.set_len(length) };
        if newlines != 0 {
            let newline = base + newlines.trailing_zeros() as usize;
            fields.push((start, newline));
            return Some(newline);
        }
        base += BLOCK;
    }
    fields.push((start, data.len()));
    None
}

/// The bytes one step of [`split_line`] and [`block_masks`] covers.
pub(crate) const BLOCK: usize = 64;

/// For each of `needles`, where it occurs among the (at most) 64 bytes of
/// `data` from `base`: bit `i` for byte `base + i`. Bytes past the end of
/// `data` match nothing.
#[inline(always)]
pub(crate) fn block_masks<const N: usize>(data: &[u8], base: usize, needles: [u8; N]) -> [u64; N] {
    match data.get(base..base + BLOCK) {
        Some(block) => full_block_masks(block, needles),
        None => {
            let rest = data.get(base..).unwrap_or_default();
            let mut block = [0u8; BLOCK];
            if let Some(head) = block.get_mut(..rest.len()) {
                head.copy_from_slice(rest);
            }
            // The zeros that pad the block must not count as a match.
            let valid = (1u64 << rest.len().min(BLOCK)) - 1;
            full_block_masks(&block, needles).map(|mask| mask & valid)
        }
    }
}

/// [`block_masks`] of exactly 64 bytes: SSE2.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn full_block_masks<const N: usize>(block: &[u8], needles: [u8; N]) -> [u64; N] {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8,
    };
    debug_assert!(block.len() >= BLOCK);
    let pointer = block.as_ptr().cast::<__m128i>();
    // SAFETY: SSE2 is part of the x86_64 baseline; `block` holds at least
    // BLOCK bytes (`block_masks` passes exactly that many), so the
    // unaligned 16-byte loads are in bounds.
    unsafe {
        let vectors: [__m128i; BLOCK / 16] =
            std::array::from_fn(|i| _mm_loadu_si128(pointer.add(i)));
        needles.map(|needle| {
            let needle = _mm_set1_epi8(needle as i8);
            let mut mask = 0;
            for (i, &vector) in vectors.iter().enumerate() {
                let equal = _mm_movemask_epi8(_mm_cmpeq_epi8(vector, needle));
                mask |= u64::from(equal as u16) << (16 * i);
            }
            mask
        })
    }
}

/// [`block_masks`] of exactly 64 bytes: eight `u64` words.
#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn full_block_masks<const N: usize>(block: &[u8], needles: [u8; N]) -> [u64; N] {
    words_block_masks(block, needles)
}

/// [`block_masks`] of exactly 64 bytes, eight at a time in a `u64`: the
/// kernel where SSE2 is missing (tested on every target).
#[cfg(any(not(target_arch = "x86_64"), test))]
#[inline(always)]
fn words_block_masks<const N: usize>(block: &[u8], needles: [u8; N]) -> [u64; N] {
    let mut masks = [0; N];
    for (i, chunk) in block.chunks_exact(8).take(BLOCK / 8).enumerate() {
        let word = chunk.try_into().map_or(0, u64::from_le_bytes);
        for (mask, &needle) in masks.iter_mut().zip(&needles) {
            *mask |= gather_high_bits(byte_mask(word, needle)) << (8 * i);
        }
    }
    masks
}

/// The high bit of each byte of `mask` (the only bits set), as bits 0-7.
#[cfg(any(not(target_arch = "x86_64"), test))]
#[inline(always)]
fn gather_high_bits(mask: u64) -> u64 {
    // Bit 8i+7 moves to bit 56+i under the multiplication; no carries, as
    // every partial product lands on a distinct bit.
    ((mask >> 7).wrapping_mul(0x0102_0408_1020_4080)) >> 56
}

/// A mask with the high bit of each byte of `word` that equals `byte`
/// (exact: no false positives from borrows).
#[inline(always)]
pub(crate) fn byte_mask(word: u64, byte: u8) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let x = word ^ (u64::from(byte) * 0x0101_0101_0101_0101);
    !(((x & LOW7) + LOW7) | x | LOW7)
}

/// A non-negative decimal integer of 1 to 20 digits without a sign, at
/// `from..to` of `window`: eight digits at a time. Bytes of `window` after
/// `to` may be read (not used) to load whole words; pass the widest slice
/// at hand.
#[inline(always)]
pub(crate) fn parse_decimal(window: &[u8], from: usize, to: usize) -> Option<u64> {
    let length = to.checked_sub(from)?;
    match length {
        1..=8 => {
            let word = match window.get(from..from + 8) {
                Some(bytes) => bytes.try_into().map_or(0, u64::from_le_bytes),
                None => {
                    let mut bytes = [0u8; 8];
                    bytes
                        .get_mut(..length)?
                        .copy_from_slice(window.get(from..to)?);
                    u64::from_le_bytes(bytes)
                }
            };
            eight_digits(word, length)
        }
        9..=16 => {
            let word = |at: usize| {
                window
                    .get(at..at + 8)
                    .and_then(|bytes| bytes.try_into().ok())
                    .map(u64::from_le_bytes)
            };
            let high = eight_digits(word(from)?, length - 8)?;
            let low = eight_digits(word(to - 8)?, 8)?;
            Some(high * 100_000_000 + low)
        }
        17..=20 => {
            let mut value: u64 = 0;
            for &byte in window.get(from..to)? {
                let digit = byte.wrapping_sub(b'0');
                if digit > 9 {
                    return None;
                }
                value = value.checked_mul(10)?.checked_add(u64::from(digit))?;
            }
            Some(value)
        }
        _ => None,
    }
}

/// The value of the first `count` (1 to 8) bytes of `word` (loaded
/// little-endian, the first digit in the lowest byte) if they are all
/// decimal digits; the other bytes are ignored.
#[inline(always)]
fn eight_digits(word: u64, count: usize) -> Option<u64> {
    const ZEROS: u64 = 0x3030_3030_3030_3030;
    const HIGH_NIBBLES: u64 = 0xf0f0_f0f0_f0f0_f0f0;
    let unused_bits = 64 - 8 * (count as u32).clamp(1, 8);
    // The digits move to the high bytes, `'0'`s fill the low ones: the
    // same number with leading zeros, eight digits long.
    let padded = (word << unused_bits) | (ZEROS >> 1 >> (63 - unused_bits));
    // Every byte is 0x30-0x3f, and stays below 0x40 when 6 is added (no
    // carries cross bytes for such bytes; for others the first test fails).
    let not_digits = (padded & HIGH_NIBBLES ^ ZEROS)
        | (padded.wrapping_add(0x0606_0606_0606_0606) & HIGH_NIBBLES ^ ZEROS);
    if not_digits != 0 {
        return None;
    }
    let mut value = padded - ZEROS;
    // Neighbouring digits, then pairs, then quads combine: each product
    // adds ten (100, 10 000) times the lower lane to the upper one; what
    // overflows the top is never used.
    value = value.wrapping_mul(10 << 8 | 1) >> 8 & 0x00ff_00ff_00ff_00ff;
    value = value.wrapping_mul(100 << 16 | 1) >> 16 & 0x0000_ffff_0000_ffff;
    value = value.wrapping_mul(10_000 << 32 | 1) >> 32;
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The plain reference for [`split_line`].
    fn split_reference(data: &[u8]) -> (Vec<FieldBounds>, Option<usize>) {
        let newline = data.iter().position(|&b| b == b'\n');
        let line = &data[..newline.unwrap_or(data.len())];
        let mut fields = Vec::new();
        let mut start = 0;
        for (i, &byte) in line.iter().enumerate() {
            if byte == b'\t' {
                fields.push((start, i));
                start = i + 1;
            }
        }
        fields.push((start, line.len()));
        (fields, newline)
    }

    /// The plain reference for [`parse_decimal`].
    fn decimal_reference(text: &[u8]) -> Option<u64> {
        if text.is_empty() || text.len() > 20 || !text.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(text).ok()?.parse().ok()
    }

    fn split(data: &[u8]) -> (Vec<FieldBounds>, Option<usize>) {
        let mut fields = vec![(7, 7)];
        let newline = split_line(data, &mut fields);
        (fields, newline)
    }

    #[test]
    fn fields_at_block_edges() {
        assert_eq!(split(b""), (vec![(0, 0)], None));
        assert_eq!(split(b"\n"), (vec![(0, 0)], Some(0)));
        assert_eq!(
            split(b"a\t\tb\r\nc\td"),
            (vec![(0, 1), (2, 2), (3, 5)], Some(5))
        );
        for length in 0..100 {
            for special in 0..length {
                for byte in [b'\t', b'\n'] {
                    let mut data = vec![b'x'; length];
                    data[special] = byte;
                    data[length - 1 - special] = b'\t';
                    assert_eq!(split(&data), split_reference(&data), "{data:?}");
                    if let Some(block) = data.get(..BLOCK) {
                        let needles = [b'\t', b'\n', b'x'];
                        assert_eq!(
                            words_block_masks(block, needles),
                            full_block_masks(block, needles)
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn numbers() {
        for text in [
            &b"0"[..],
            b"7",
            b"12345678",
            b"123456789",
            b"9999999999999999",
            b"10000000000000000",
            b"18446744073709551615",
            b"18446744073709551616",
            b"99999999999999999999",
            b"",
            b"-1",
            b"+1",
            b"1a",
            b"1 ",
            b"123456789012345678901",
            b"/",
            b":",
        ] {
            assert_eq!(
                parse_decimal(text, 0, text.len()),
                decimal_reference(text),
                "{:?}",
                String::from_utf8_lossy(text)
            );
        }
        assert_eq!(parse_decimal(b"12\t34", 0, 2), Some(12));
        assert_eq!(parse_decimal(b"12\t34", 3, 5), Some(34));
        assert_eq!(parse_decimal(b"12", 2, 1), None);
    }

    fn line_bytes() -> impl Strategy<Value = Vec<u8>> {
        // Tabs, newlines, CRs and bytes near them (0x08, 0x0b, 0x89) in
        // runs long enough to straddle 32- and 64-byte blocks.
        let byte = prop_oneof![
            4 => Just(b'x'),
            2 => Just(b'\t'),
            1 => Just(b'\n'),
            1 => Just(b'\r'),
            1 => prop::sample::select(vec![0x08u8, 0x0b, 0x89, 0x00, 0xff, b'9']),
        ];
        let run = (byte, 1usize..80).prop_map(|(b, n)| vec![b; n]);
        prop::collection::vec(
            prop_oneof![run, prop::collection::vec(any::<u8>(), 0..5)],
            0..12,
        )
        .prop_map(|parts| parts.concat())
    }

    proptest! {
        #[test]
        fn split_line_matches_the_reference(data in line_bytes(), skip in 0usize..70) {
            let data = data.get(skip.min(data.len())..).unwrap_or_default();
            prop_assert_eq!(split(data), split_reference(data));
        }

        #[test]
        fn parse_decimal_matches_the_reference(
            digits in "[0-9]{1,22}",
            prefix in "[0-9\t]{0,9}",
            suffix in "[\t0-9a-z]{0,9}",
            noise in prop::option::of((0usize..22, any::<u8>())),
        ) {
            let mut field = digits.into_bytes();
            if let Some((at, byte)) = noise {
                let at = at % field.len();
                field[at] = byte;
            }
            let window = [prefix.as_bytes(), &field, suffix.as_bytes()].concat();
            let from = prefix.len();
            let to = from + field.len();
            prop_assert_eq!(parse_decimal(&window, from, to), decimal_reference(&field));
            // Also with nothing after the field to load beyond it.
            prop_assert_eq!(parse_decimal(&window[..to], from, to), decimal_reference(&field));
        }
    }
}
