//! One SAM line formatted straight into a buffer: the line's longest
//! possible length is computed first ([`Line::bound`]), the buffer checked
//! once against it, then every field is written at an unchecked cursor
//! ([`Out`]).
//!
//! The bound is a budget per field (the most bytes its text can take)
//! plus [`SLACK`]. Every write starts at most the budgets of the fields
//! before it past the line's start, and reaches at most its own field's
//! budget plus `SLACK` beyond (fixed-width digit stores, 16-byte copies,
//! SIMD steps): so no write leaves the bound.

use super::out::{Out, REACH};
use super::{float, kernels};
use crate::formats::sam::header::Header;
use crate::formats::sam::record::FIXED_SIZE;
use crate::formats::sam::RecordRef;
use crate::{Error, Format, Result};

/// Room past the fields' budgets for the stores that reach beyond a
/// field's text: at most 16 bytes past the cursor, or a read-name copy
/// rounded up to 16 bytes (at least 32).
const SLACK: usize = 64;

const _: () = assert!(REACH < SLACK && float::MAX_LEN < SLACK);

/// CIGAR operation letters by code (codes above 8 were rejected when the
/// record was validated).
const CIGAR_LETTERS: &[u8; 16] = b"MIDNSHP=X???????";

/// The type letter SAM prints for each aux type byte: `i` for the six
/// integer types, the byte itself otherwise.
const AUX_LETTERS: [u8; 256] = {
    let mut letters = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        letters[i] = match i as u8 {
            b'c' | b'C' | b's' | b'S' | b'i' | b'I' => b'i',
            other => other,
        };
        i += 1;
    }
    letters
};

/// A record ready to format: its parts located, reference names resolved
/// and the most bytes its line can take.
pub(super) struct Line<'a> {
    fixed: &'a [u8; FIXED_SIZE],
    /// The read name followed by the rest of the record (for 16-byte
    /// copies); the name is its first `name_len` bytes.
    name_and_after: &'a [u8],
    name_len: usize,
    reference_name: &'a [u8],
    mate_reference_name: &'a [u8],
    cigar: &'a [u8],
    packed_bases: &'a [u8],
    base_count: usize,
    qualities: Option<&'a [u8]>,
    aux: &'a [u8],
    /// Whether the CIGAR comes from a `CG` tag, which is then not printed.
    hidden_cg: bool,
    bound: usize,
}

impl<'a> Line<'a> {
    /// Locates the parts of `record`, resolves its names in `header` and
    /// bounds its line.
    ///
    /// # Errors
    ///
    /// A reference id the header does not name.
    #[inline]
    pub(super) fn new(header: &'a Header, record: RecordRef<'a>) -> Result<Self> {
        let bytes = record.as_bytes();
        let fixed = bytes.first_chunk::<FIXED_SIZE>().ok_or_else(too_short)?;
        let i32_at = |at: usize| {
            i32::from_le_bytes([fixed[at], fixed[at + 1], fixed[at + 2], fixed[at + 3]])
        };
        let (reference_id, mate_id) = (i32_at(0), i32_at(20));
        let reference_name = name_of(header, reference_id)?;
        let mate_reference_name = if mate_id == reference_id && mate_id >= 0 {
            b"="
        } else {
            name_of(header, mate_id)?
        };
        // The parts' offsets from the fixed fields (validated with the
        // record, checked again here by `get`), without the accessors'
        // calls; a CIGAR that may stand for one in a `CG` tag (a soft clip
        // of the whole read) is taken from the record's own accessor.
        let name_len = usize::from(fixed[8]).saturating_sub(1);
        let cigar_start = FIXED_SIZE + name_len + 1;
        let cigar_end = cigar_start + 4 * usize::from(u16::from_le_bytes([fixed[12], fixed[13]]));
        let base_count = u32::from_le_bytes([fixed[16], fixed[17], fixed[18], fixed[19]]) as usize;
        let qual_start = cigar_end + base_count.div_ceil(2);
        let aux_start = qual_start + base_count;
        let (Some(cigar), Some(packed_bases), Some(quals), Some(aux)) = (
            bytes.get(cigar_start..cigar_end),
            bytes.get(cigar_end..qual_start),
            bytes.get(qual_start..aux_start),
            bytes.get(aux_start..),
        ) else {
            return Err(too_short());
        };
        let (cigar, hidden_cg) = match cigar.first_chunk::<4>() {
            Some(&op) if u32::from_le_bytes(op) == (base_count as u32) << 4 | 4 => {
                let cigar = record.cigar().as_bytes();
                // The CIGAR lies inside the aux data only when read from `CG`.
                (cigar, aux.as_ptr_range().contains(&cigar.as_ptr()))
            }
            _ => (cigar, false),
        };
        let qualities = (quals.first().is_some_and(|&q| q != 0xff)).then_some(quals);
        // Budgets: 11 tabs, the newline, FLAG 5, POS 10, MAPQ 3, PNEXT 10,
        // TLEN 11 and three `*` for empty fields (54 in all, within 64);
        // CIGAR ops at most 9 digits (28-bit lengths) and a letter; bases
        // two per packed byte, qualities one each; aux fields at most 5
        // bytes per encoded byte (`B:c` elements: 1 byte → `,-128`).
        let bound = 64
            + name_len
            + reference_name.len()
            + mate_reference_name.len()
            + 10 * (cigar.len() / 4)
            + 2 * packed_bases.len()
            + base_count
            + 5 * aux.len()
            + SLACK;
        Ok(Line {
            fixed,
            name_and_after: bytes.get(FIXED_SIZE..).unwrap_or_default(),
            name_len,
            reference_name,
            mate_reference_name,
            cigar,
            packed_bases,
            base_count,
            qualities,
            aux,
            hidden_cg,
            bound,
        })
    }

    /// The most bytes [`Line::write`] needs in its buffer.
    pub(super) fn bound(&self) -> usize {
        self.bound
    }

    /// Writes the line (with its newline) at the start of `buf`; returns
    /// its length.
    ///
    /// # Errors
    ///
    /// `buf` shorter than [`Line::bound`] (invalid input); aux data that
    /// is not as validation found it (never for a [`RecordRef`]).
    #[inline(always)]
    pub(super) fn write(&self, buf: &mut [u8]) -> Result<usize> {
        let buf = buf.get_mut(..self.bound).ok_or_else(too_small)?;
        let mut out = Out::new(buf);
        // SAFETY: `buf` holds the bound, so every write below stays inside
        // it (see the module docs): each field is written with the reach
        // its budget in `Line::new` and `SLACK` allow.
        unsafe { self.write_fields(&mut out)? };
        Ok(out.len())
    }

    /// # Safety
    ///
    /// `out` has [`Line::bound`] bytes at its cursor.
    #[inline(always)]
    unsafe fn write_fields(&self, out: &mut Out<'_>) -> Result<()> {
        let fixed = self.fixed;
        let u32_at = |at: usize| {
            u32::from_le_bytes([fixed[at], fixed[at + 1], fixed[at + 2], fixed[at + 3]])
        };
        // SAFETY (every write): within the field's budget plus `SLACK`,
        // by the caller's bound.
        unsafe {
            out.chunks16(self.name_and_after, self.name_len);
            out.byte(b'\t');
            out.uint(u32::from(u16::from_le_bytes([fixed[14], fixed[15]])));
            out.byte(b'\t');
            out.bytes(self.reference_name);
            out.byte(b'\t');
            // POS and PNEXT are stored 0-based; -1 (unplaced) prints as 0.
            out.int_plus_one(u32_at(4) as i32);
            out.byte(b'\t');
            out.uint(u32::from(fixed[9]));
            out.byte(b'\t');
            if self.cigar.is_empty() {
                out.byte(b'*');
            }
            for op in self.cigar.chunks_exact(4) {
                let op = u32::from_le_bytes([op[0], op[1], op[2], op[3]]);
                out.uint(op >> 4);
                out.byte(CIGAR_LETTERS[(op & 15) as usize]);
            }
            out.byte(b'\t');
            out.bytes(self.mate_reference_name);
            out.byte(b'\t');
            out.int_plus_one(u32_at(24) as i32);
            out.byte(b'\t');
            out.int(u32_at(28) as i32);
            out.byte(b'\t');
            self.write_sequence_and_qualities(out);
            self.write_aux(out)?;
            out.byte(b'\n');
        }
        Ok(())
    }

    /// Writes SEQ, a tab and QUAL: in one kernel call when it takes them.
    ///
    /// # Safety
    ///
    /// `out` has `2 * packed_bases.len() + base_count + 2` bytes (their
    /// budgets) plus `SLACK` at its cursor.
    #[inline(always)]
    unsafe fn write_sequence_and_qualities(&self, out: &mut Out<'_>) {
        let (packed, base_count) = (self.packed_bases, self.base_count);
        // SAFETY (every write): within the fields' budgets.
        unsafe {
            if let Some(quals) = self.qualities {
                let both = out.window(2 * packed.len() + 1 + quals.len());
                if kernels::sequence_tab_qualities(packed, quals, both) {
                    return out.advance(2 * base_count + 1);
                }
            }
            if base_count == 0 {
                out.byte(b'*');
            } else {
                kernels::decode_sequence(packed, out.window(2 * packed.len()));
                out.advance(base_count);
            }
            out.byte(b'\t');
            match self.qualities {
                None => out.byte(b'*'),
                Some(quals) => {
                    kernels::add_phred33(quals, out.window(quals.len()));
                    out.advance(quals.len());
                }
            }
        }
    }

    /// Writes every aux field as `\tTG:T:VALUE`, straight from the encoded
    /// bytes.
    ///
    /// # Safety
    ///
    /// `out` has 5 bytes per byte of `self.aux` plus `SLACK` at its cursor.
    #[inline(always)]
    unsafe fn write_aux(&self, out: &mut Out<'_>) -> Result<()> {
        let mut aux = self.aux;
        let mut cg_to_skip = self.hidden_cg;
        while let Some((&[t0, t1, ty], rest)) = aux.split_first_chunk::<3>() {
            if cg_to_skip && [t0, t1, ty] == *b"CGB" && rest.first() == Some(&b'I') {
                cg_to_skip = false;
                aux = rest
                    .get(array_len(rest).ok_or_else(malformed_aux)?..)
                    .ok_or_else(malformed_aux)?;
                continue;
            }
            // `\tTG:T:` in one word.
            let head = u64::from(b'\t')
                | u64::from(u16::from_le_bytes([t0, t1])) << 8
                | u64::from(b':') << 24
                | u64::from(AUX_LETTERS[usize::from(ty)]) << 32
                | u64::from(b':') << 40;
            // SAFETY (every write): each field of `n` encoded bytes (at
            // least 4) writes at most `5 n` bytes and reaches at most
            // `SLACK` beyond, by the caller's guarantee.
            let used = unsafe {
                out.store(head.to_le_bytes(), 6);
                match ty {
                    b'A' => {
                        out.byte(*rest.first().ok_or_else(malformed_aux)?);
                        1
                    }
                    b'c' => value::<1>(rest, |v| out.int(i32::from(v[0] as i8)))?,
                    b'C' => value::<1>(rest, |v| out.uint(u32::from(v[0])))?,
                    b's' => value::<2>(rest, |v| out.int(i32::from(i16::from_le_bytes(v))))?,
                    b'S' => value::<2>(rest, |v| out.uint(u32::from(u16::from_le_bytes(v))))?,
                    b'i' => value::<4>(rest, |v| out.int(i32::from_le_bytes(v)))?,
                    b'I' => value::<4>(rest, |v| out.uint(u32::from_le_bytes(v)))?,
                    b'f' => value::<4>(rest, |v| write_float(out, f32::from_le_bytes(v).into()))?,
                    b'd' => value::<8>(rest, |v| write_float(out, f64::from_le_bytes(v)))?,
                    b'Z' | b'H' => string(out, rest)?,
                    b'B' => {
                        let (after, used) = array(std::mem::replace(out, Out::empty()), rest)?;
                        *out = after;
                        used
                    }
                    _ => return Err(malformed_aux()),
                }
            };
            aux = rest.get(used..).ok_or_else(malformed_aux)?;
        }
        Ok(())
    }
}

/// Passes the first `N` bytes of `rest` to `write`; returns `N`.
#[inline(always)]
fn value<const N: usize>(rest: &[u8], write: impl FnOnce([u8; N])) -> Result<usize> {
    let value = rest.first_chunk::<N>().ok_or_else(malformed_aux)?;
    write(*value);
    Ok(N)
}

/// Writes `value` as `%g`.
///
/// # Safety
///
/// Reach 16.
#[inline(always)]
unsafe fn write_float(out: &mut Out<'_>, value: f64) {
    let mut text = [0u8; 16];
    let len = float::format_g(value, &mut text);
    // SAFETY: by the caller; `len <= MAX_LEN < 16`.
    unsafe { out.store(text, len) };
}

/// Writes a `Z` or `H` value (up to its NUL); returns the bytes used.
///
/// # Safety
///
/// Reach the value's length plus 8.
#[inline(always)]
unsafe fn string(out: &mut Out<'_>, rest: &[u8]) -> Result<usize> {
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);
    // Eight bytes a step, copied as they are scanned for the NUL.
    let mut words = rest.chunks_exact(8);
    let mut offset = 0;
    for word in words.by_ref() {
        let mut eight = [0u8; 8];
        eight.copy_from_slice(word);
        let value = u64::from_le_bytes(eight);
        let zeros = value.wrapping_sub(ONES) & !value & HIGHS;
        // The lowest flagged byte is the first NUL (flags above it may be
        // false, those below it never are).
        let len = if zeros == 0 {
            8
        } else {
            (zeros.trailing_zeros() / 8) as usize
        };
        // SAFETY: reach 8, within the string's length plus 8.
        unsafe { out.store(eight, len) };
        if zeros != 0 {
            return Ok(offset + len + 1);
        }
        offset += 8;
    }
    let tail = words.remainder();
    let end = tail
        .iter()
        .position(|&b| b == 0)
        .ok_or_else(malformed_aux)?;
    // SAFETY: reach `end`, within the string.
    unsafe { out.bytes(&tail[..end]) };
    Ok(offset + end + 1)
}

/// Writes a `B` value (subtype, then `,` and each element); returns the
/// cursor after it and the bytes used. (It takes the cursor by value so
/// that the caller's never has its address taken.)
///
/// # Safety
///
/// Reach 5 bytes per encoded byte plus 16.
#[inline(never)]
unsafe fn array<'b>(mut out: Out<'b>, rest: &[u8]) -> Result<(Out<'b>, usize)> {
    let out_ref = &mut out;
    let len = array_len(rest).ok_or_else(malformed_aux)?;
    let (subtype, elements) = (rest[0], &rest[5..len]);
    // SAFETY (every write): an element of `n` bytes writes at most `5 n`
    // (`,-128` for `c`, `,-2147483648` for `i`, `,` and 13 for `f`) and
    // reaches 16 beyond.
    unsafe {
        let out = out_ref;
        out.byte(subtype);
        match subtype {
            b'c' => elements.iter().for_each(|&v| {
                out.byte(b',');
                out.int(i32::from(v as i8));
            }),
            b'C' => elements.iter().for_each(|&v| {
                out.byte(b',');
                out.uint(u32::from(v));
            }),
            b's' => each::<2>(elements, |v| {
                out.byte(b',');
                out.int(i32::from(i16::from_le_bytes(v)));
            }),
            b'S' => each::<2>(elements, |v| {
                out.byte(b',');
                out.uint(u32::from(u16::from_le_bytes(v)));
            }),
            b'i' => each::<4>(elements, |v| {
                out.byte(b',');
                out.int(i32::from_le_bytes(v));
            }),
            b'I' => each::<4>(elements, |v| {
                out.byte(b',');
                out.uint(u32::from_le_bytes(v));
            }),
            _ => each::<4>(elements, |v| {
                out.byte(b',');
                write_float(out, f32::from_le_bytes(v).into());
            }),
        }
    }
    Ok((out, len))
}

fn each<const N: usize>(elements: &[u8], mut write: impl FnMut([u8; N])) {
    for element in elements.chunks_exact(N) {
        let mut value = [0u8; N];
        value.copy_from_slice(element);
        write(value);
    }
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

fn malformed_aux() -> Error {
    Error::invalid_data(Format::Sam, "auxiliary data changed after validation")
}

fn too_small() -> Error {
    Error::invalid_input(Format::Sam, "line buffer shorter than the line's bound")
}

fn too_short() -> Error {
    Error::invalid_data(Format::Sam, "record shorter than its 32-byte fixed part")
}

/// The name of reference `id` (-1: `*`).
#[inline(always)]
fn name_of(header: &Header, id: i32) -> Result<&[u8]> {
    match usize::try_from(id) {
        Err(_) => Ok(b"*"),
        Ok(index) => match header.reference_sequences().get(index) {
            Some(reference) => Ok(reference.name().as_bytes()),
            None => Err(unknown_reference(header, id)),
        },
    }
}

#[cold]
fn unknown_reference(header: &Header, id: i32) -> Error {
    Error::invalid_data(
        Format::Sam,
        format!(
            "reference id {id} but the header names {}",
            header.reference_sequences().len()
        ),
    )
}
