//! One SAM line formatted straight into a buffer: the line's longest
//! possible length is computed first ([`Line::bound`]), then every field
//! is written at a cursor into a slice at least that long, without
//! per-byte capacity checks.

use super::kernels;
use crate::formats::sam::header::Header;
use crate::formats::sam::record::data::Array;
use crate::formats::sam::record::FIXED_SIZE;
use crate::formats::sam::RecordRef;
use crate::{Error, Format, Result};

/// Room past the line's last byte for the fixed-width stores of the
/// integer writer (16 bytes) and the 16-byte SIMD steps.
const SLACK: usize = 64;

/// "00" to "99": integers are written two digits at a time.
const DIGIT_PAIRS: [[u8; 2]; 100] = {
    let mut pairs = [[0u8; 2]; 100];
    let mut i = 0;
    while i < 100 {
        pairs[i] = [b'0' + (i / 10) as u8, b'0' + (i % 10) as u8];
        i += 1;
    }
    pairs
};

/// Writes `value` (at least 10 000) at the start of `window`; returns its
/// digit count. The low eight digits are made at once in a `u64`, one
/// digit a byte (SWAR: 4-digit halves, then 2-digit quarters, then
/// digits, by multiplying with reciprocals).
fn write_long(window: &mut [u8; 16], value: u32) -> usize {
    let (top, low8) = (value / 100_000_000, value % 100_000_000);
    let halves = u64::from(low8 / 10_000) | u64::from(low8 % 10_000) << 32;
    // x / 100 for x < 10 000 in each 32-bit lane: (x * 5243) >> 19.
    let hundreds = ((halves * 5243) >> 19) & 0x0000_007f_0000_007f;
    let quarters = hundreds | (halves - hundreds * 100) << 16;
    // x / 10 for x < 100 in each 16-bit lane: (x * 103) >> 10.
    let tens = ((quarters * 103) >> 10) & 0x000f_000f_000f_000f;
    let digits = tens | (quarters - tens * 10) << 8;
    let ascii = (digits + 0x3030_3030_3030_3030).to_le_bytes();
    if top == 0 {
        // Leading zero digits are the low bytes (the first in memory).
        let len = 8 - (digits.trailing_zeros() / 8) as usize;
        window[..8].copy_from_slice(&(u64::from_le_bytes(ascii) >> (64 - 8 * len)).to_le_bytes());
        return len;
    }
    let lead = if top >= 10 {
        window[..2].copy_from_slice(&DIGIT_PAIRS[top as usize]);
        2
    } else {
        window[0] = b'0' + top as u8;
        1
    };
    window[lead..lead + 8].copy_from_slice(&ascii);
    lead + 8
}

/// CIGAR operation letters by code (codes above 8 were rejected when the
/// record was validated).
const CIGAR_LETTERS: &[u8; 16] = b"MIDNSHP=X???????";

/// A record ready to format: its reference names resolved and the most
/// bytes its line can take (with [`SLACK`]).
pub(super) struct Line<'a> {
    record: RecordRef<'a>,
    reference_name: &'a [u8],
    mate_reference_name: &'a [u8],
    /// Whether the CIGAR comes from a `CG` tag, which is then not printed.
    hidden_cg: bool,
    bound: usize,
}

impl<'a> Line<'a> {
    /// Resolves the names of `record` in `header` and bounds its line.
    ///
    /// # Errors
    ///
    /// A reference id the header does not name.
    #[inline]
    pub(super) fn new(header: &'a Header, record: RecordRef<'a>) -> Result<Self> {
        let reference_id = record.reference_id();
        let mate_id = record.mate_reference_id();
        let name = reference_name(header, reference_id)?;
        let mate_name = match mate_id {
            Some(id) if Some(id) == reference_id => b"=",
            mate => reference_name(header, mate)?,
        };
        let cigar = record.cigar();
        let aux = record.data().as_bytes();
        // The CIGAR lies inside the aux data only when read from `CG`.
        let hidden_cg = aux.as_ptr_range().contains(&cigar.as_bytes().as_ptr());
        let base_count = record.sequence().len();
        // Fixed fields: FLAG 5, POS 10, MAPQ 3, PNEXT 10, TLEN 11 digits,
        // 11 tabs and the newline, a `*` for each empty field. CIGAR ops
        // take at most 9 digits and a letter (lengths are 28 bits); bases
        // and qualities one byte each; aux fields at most 5 bytes per
        // encoded byte (`c` arrays: 1 byte → `,-128`).
        let bound = 64
            + name.len()
            + mate_name.len()
            + record.name().len()
            + 10 * cigar.len()
            + 2 * base_count
            + 5 * aux.len()
            + SLACK;
        Ok(Line {
            record,
            reference_name: name,
            mate_reference_name: mate_name,
            hidden_cg,
            bound,
        })
    }

    /// The most bytes [`Line::write`] needs in its buffer.
    pub(super) fn bound(&self) -> usize {
        self.bound
    }

    /// Writes the line (with its newline) at the start of `buf`, which is
    /// at least [`Line::bound`] bytes; returns its length.
    ///
    /// # Errors
    ///
    /// Only for aux data that is not as its validation found it (never
    /// for a [`RecordRef`]): the record, as invalid data.
    pub(super) fn write(&self, buf: &mut [u8]) -> Result<usize> {
        let record = self.record;
        let bytes = record.as_bytes();
        let Some((buf, _)) = buf.split_at_mut_checked(self.bound) else {
            return Err(too_small());
        };
        let Some(fixed) = bytes.first_chunk::<FIXED_SIZE>() else {
            return Err(too_small());
        };
        let u32_at = |at: usize| {
            u32::from_le_bytes([fixed[at], fixed[at + 1], fixed[at + 2], fixed[at + 3]])
        };
        let mut cursor = Cursor { buf, pos: 0 };
        let name_len = record.name().len();
        cursor.bytes_from(bytes, FIXED_SIZE, name_len);
        cursor.byte(b'\t');
        cursor.uint(u32::from(u16::from_le_bytes([fixed[14], fixed[15]])));
        cursor.byte(b'\t');
        cursor.bytes(self.reference_name);
        cursor.byte(b'\t');
        // POS and PNEXT are stored 0-based; -1 (unplaced) prints as 0.
        cursor.int_plus_one(u32_at(4) as i32);
        cursor.byte(b'\t');
        cursor.uint(u32::from(fixed[9]));
        cursor.byte(b'\t');
        let cigar = record.cigar().as_bytes();
        if cigar.is_empty() {
            cursor.byte(b'*');
        }
        for op in cigar.chunks_exact(4) {
            let op = u32::from_le_bytes([op[0], op[1], op[2], op[3]]);
            cursor.uint(op >> 4);
            cursor.byte(CIGAR_LETTERS[(op & 15) as usize]);
        }
        cursor.byte(b'\t');
        cursor.bytes(self.mate_reference_name);
        cursor.byte(b'\t');
        cursor.int_plus_one(u32_at(24) as i32);
        cursor.byte(b'\t');
        cursor.int(u32_at(28) as i32);
        cursor.byte(b'\t');
        let sequence = record.sequence();
        if sequence.is_empty() {
            cursor.byte(b'*');
        } else {
            let (start, count) = (cursor.pos, sequence.len());
            kernels::decode_sequence(sequence.as_packed(), &mut cursor.buf[start..]);
            cursor.pos = start + count;
        }
        cursor.byte(b'\t');
        match record.qualities() {
            None => cursor.byte(b'*'),
            Some(quals) => {
                let start = cursor.pos;
                kernels::add_phred33(quals, &mut cursor.buf[start..]);
                cursor.pos = start + quals.len();
            }
        }
        self.write_aux(&mut cursor, record.data().as_bytes())?;
        cursor.byte(b'\n');
        Ok(cursor.pos)
    }

    /// Writes every aux field as `\tTG:T:VALUE`, straight from the encoded
    /// bytes (which validation walked already).
    #[inline(always)]
    fn write_aux(&self, cursor: &mut Cursor<'_>, mut aux: &[u8]) -> Result<()> {
        let mut cg_to_skip = self.hidden_cg;
        while let Some((&[t0, t1, ty], rest)) = aux.split_first_chunk::<3>() {
            if cg_to_skip && [t0, t1, ty] == *b"CGB" && rest.first() == Some(&b'I') {
                cg_to_skip = false;
                aux = rest
                    .get(array_len(rest).ok_or_else(malformed_aux)?..)
                    .ok_or_else(malformed_aux)?;
                continue;
            }
            let head = [
                b'\t',
                t0,
                t1,
                b':',
                if is_integer(ty) { b'i' } else { ty },
                b':',
            ];
            cursor.bytes(&head);
            let used = match ty {
                b'A' => {
                    cursor.byte(*rest.first().ok_or_else(malformed_aux)?);
                    1
                }
                b'c' => fixed::<1>(rest, |v| cursor.int(i32::from(v[0] as i8)))?,
                b'C' => fixed::<1>(rest, |v| cursor.uint(u32::from(v[0])))?,
                b's' => fixed::<2>(rest, |v| cursor.int(i32::from(i16::from_le_bytes(v))))?,
                b'S' => fixed::<2>(rest, |v| cursor.uint(u32::from(u16::from_le_bytes(v))))?,
                b'i' => fixed::<4>(rest, |v| cursor.int(i32::from_le_bytes(v)))?,
                b'I' => fixed::<4>(rest, |v| cursor.uint(u32::from_le_bytes(v)))?,
                b'f' => fixed::<4>(rest, |v| cursor.float(f64::from(f32::from_le_bytes(v))))?,
                b'd' => fixed::<8>(rest, |v| cursor.float(f64::from_le_bytes(v)))?,
                b'Z' | b'H' => {
                    // Most are short (read groups, MD): a plain scan first.
                    let end = match rest.iter().take(16).position(|&b| b == 0) {
                        Some(end) => end,
                        None => memchr::memchr(0, rest).ok_or_else(malformed_aux)?,
                    };
                    cursor.bytes_from(rest, 0, end);
                    end + 1
                }
                b'B' => {
                    let len = array_len(rest).ok_or_else(malformed_aux)?;
                    let subtype = rest[0];
                    let array =
                        Array::from_le_bytes(subtype, &rest[5..len]).ok_or_else(malformed_aux)?;
                    cursor.byte(subtype);
                    write_array(cursor, array);
                    len
                }
                _ => return Err(malformed_aux()),
            };
            aux = rest.get(used..).ok_or_else(malformed_aux)?;
        }
        if aux.is_empty() {
            Ok(())
        } else {
            Err(malformed_aux())
        }
    }
}

fn is_integer(ty: u8) -> bool {
    matches!(ty, b'c' | b'C' | b's' | b'S' | b'i' | b'I')
}

/// Passes the first `N` bytes of `rest` to `write`; returns `N`.
fn fixed<const N: usize>(rest: &[u8], write: impl FnOnce([u8; N])) -> Result<usize> {
    let value = rest.first_chunk::<N>().ok_or_else(malformed_aux)?;
    write(*value);
    Ok(N)
}

/// The encoded length of a `B` value (subtype, count, elements) starting
/// at `rest`, if it fits.
fn array_len(rest: &[u8]) -> Option<usize> {
    let (&[subtype, c0, c1, c2, c3], _) = rest.split_first_chunk::<5>()?;
    let size = match subtype {
        b'c' | b'C' => 1,
        b's' | b'S' => 2,
        b'i' | b'I' | b'f' => 4,
        _ => return None,
    };
    let count = usize::try_from(u32::from_le_bytes([c0, c1, c2, c3])).ok()?;
    let len = count.checked_mul(size)?.checked_add(5)?;
    (len <= rest.len()).then_some(len)
}

fn write_array(cursor: &mut Cursor<'_>, array: Array<'_>) {
    fn each<T: crate::formats::sam::record::data::Element>(
        cursor: &mut Cursor<'_>,
        values: crate::formats::sam::record::data::Values<'_, T>,
        write: impl Fn(&mut Cursor<'_>, T),
    ) {
        for value in values.iter() {
            cursor.byte(b',');
            write(cursor, value);
        }
    }
    match array {
        Array::Int8(v) => each(cursor, v, |c, x| c.int(x.into())),
        Array::UInt8(v) => each(cursor, v, |c, x| c.uint(x.into())),
        Array::Int16(v) => each(cursor, v, |c, x| c.int(x.into())),
        Array::UInt16(v) => each(cursor, v, |c, x| c.uint(x.into())),
        Array::Int32(v) => each(cursor, v, |c, x| c.int(x)),
        Array::UInt32(v) => each(cursor, v, |c, x| c.uint(x)),
        Array::Float(v) => each(cursor, v, |c, x| c.float(x.into())),
    }
}

fn malformed_aux() -> Error {
    Error::invalid_data(Format::Sam, "auxiliary data changed after validation")
}

fn too_small() -> Error {
    Error::invalid_input(Format::Sam, "line buffer shorter than the line's bound")
}

fn reference_name(header: &Header, id: Option<usize>) -> Result<&[u8]> {
    match id {
        None => Ok(b"*"),
        Some(id) => header
            .reference_sequences()
            .get(id)
            .map(|r| r.name().as_bytes())
            .ok_or_else(|| {
                Error::invalid_data(
                    Format::Sam,
                    format!(
                        "reference id {id} but the header names {}",
                        header.reference_sequences().len()
                    ),
                )
            }),
    }
}

/// A write position in a buffer that [`Line::bound`] sized: the fields
/// written never pass its end (slice indexing would stop them if they did).
struct Cursor<'b> {
    buf: &'b mut [u8],
    pos: usize,
}

impl Cursor<'_> {
    #[inline(always)]
    fn byte(&mut self, byte: u8) {
        self.buf[self.pos] = byte;
        self.pos += 1;
    }

    #[inline(always)]
    fn bytes(&mut self, bytes: &[u8]) {
        self.buf[self.pos..self.pos + bytes.len()].copy_from_slice(bytes);
        self.pos += bytes.len();
    }

    /// Copies `src[start..start + len]`, 16 bytes a step when `src` has
    /// 16-byte steps' room past the end (what is written past `len` is
    /// overwritten by the fields that follow).
    #[inline(always)]
    fn bytes_from(&mut self, src: &[u8], start: usize, len: usize) {
        let steps = len.div_ceil(16);
        match (
            src.get(start..start + 16 * steps),
            self.buf.get_mut(self.pos..self.pos + 16 * steps),
        ) {
            (Some(from), Some(to)) => {
                for (to, from) in to.chunks_exact_mut(16).zip(from.chunks_exact(16)) {
                    to.copy_from_slice(from);
                }
                self.pos += len;
            }
            _ => self.bytes(&src[start..start + len]),
        }
    }

    /// Writes `value` in decimal, two digits at a time into a 16-byte
    /// window at the cursor; the common short values (FLAG, MAPQ, CIGAR
    /// lengths, aux integers) without a loop.
    #[inline(always)]
    fn uint(&mut self, value: u32) {
        let Some(window) = self
            .buf
            .get_mut(self.pos..)
            .and_then(|w| w.first_chunk_mut::<16>())
        else {
            return self.uint_near_end(value);
        };
        let len = if value < 100 {
            if value < 10 {
                window[0] = b'0' + value as u8;
                1
            } else {
                window[..2].copy_from_slice(&DIGIT_PAIRS[value as usize]);
                2
            }
        } else if value < 10_000 {
            let (high, low) = ((value / 100) as usize, (value % 100) as usize);
            if high < 10 {
                window[0] = b'0' + high as u8;
                window[1..3].copy_from_slice(&DIGIT_PAIRS[low]);
                3
            } else {
                window[..2].copy_from_slice(&DIGIT_PAIRS[high]);
                window[2..4].copy_from_slice(&DIGIT_PAIRS[low]);
                4
            }
        } else {
            write_long(window, value)
        };
        self.pos += len;
    }

    /// [`Cursor::uint`] with less than 16 bytes left (not for a buffer
    /// that [`Line::bound`] sized).
    #[cold]
    #[inline(never)]
    fn uint_near_end(&mut self, value: u32) {
        self.bytes(value.to_string().as_bytes());
    }

    /// `value + 1`, without overflow.
    #[inline(always)]
    fn int_plus_one(&mut self, value: i32) {
        match u32::try_from(value) {
            Ok(value) => self.uint(value + 1),
            Err(_) => self.int(value + 1),
        }
    }

    #[inline(always)]
    fn int(&mut self, value: i32) {
        if value < 0 {
            self.byte(b'-');
        }
        self.uint(value.unsigned_abs());
    }

    /// `%g`, as samtools prints `f` values (at most 13 bytes).
    fn float(&mut self, value: f64) {
        let mut text = [0u8; 32];
        let mut out = &mut text[..];
        super::push_float_g_into(&mut out, value);
        let len = 32 - out.len();
        self.bytes(&text[..len]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_print_as_rust_formats_them() {
        let mut values = vec![0, 9, 10, 99, 100, 101, 999, 1000, 65_535, 1 << 31, u32::MAX];
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..5000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            values.push((state >> (state % 64)) as u32);
        }
        let mut buf = [0u8; 64];
        for value in values {
            let mut cursor = Cursor {
                buf: &mut buf,
                pos: 3,
            };
            cursor.uint(value);
            let end = cursor.pos;
            assert_eq!(&buf[3..end], value.to_string().as_bytes());
            for signed in [
                value as i32,
                (value as i32).wrapping_neg(),
                i32::MIN,
                i32::MAX,
            ] {
                let mut cursor = Cursor {
                    buf: &mut buf,
                    pos: 0,
                };
                cursor.int(signed);
                let end = cursor.pos;
                assert_eq!(&buf[..end], signed.to_string().as_bytes());
                let mut cursor = Cursor {
                    buf: &mut buf,
                    pos: 0,
                };
                cursor.int_plus_one(signed);
                let end = cursor.pos;
                assert_eq!(&buf[..end], (i64::from(signed) + 1).to_string().as_bytes());
            }
        }
    }
}
