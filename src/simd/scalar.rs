//! Portable kernels: the fallback on every CPU and the oracle the vector
//! kernels are tested against.
//!
//! Each kernel is a plain loop over bytes or a 256-entry table lookup; they
//! are written to be fast on their own (the compiler may auto-vectorize the
//! simple ones for the baseline target), never slowed down to flatter the
//! vector versions.

use super::BaseCounts;

/// BAM's 4-bit code → IUPAC letter, in code order (`=` is 0, `N` is 15).
pub(super) const NT16_LETTERS: &[u8; 16] = b"=ACMGRSVTWYHKDBN";

/// The BAM code meaning "any base" (`N`), given to every unknown byte.
pub(super) const NT16_UNKNOWN: u8 = 15;

/// One packed byte → its two letters (high nibble first), for the scalar
/// decoder: one table load and one 2-byte store per input byte.
static DECODE_PAIRS: [[u8; 2]; 256] = {
    let mut table = [[0u8; 2]; 256];
    let mut byte = 0;
    while byte < 256 {
        table[byte] = [NT16_LETTERS[byte >> 4], NT16_LETTERS[byte & 15]];
        byte += 1;
    }
    table
};

/// ASCII → BAM 4-bit code, as htslib's `seq_nt16_table`: the 16 IUPAC
/// letters in either case, `=` → 0, the digits `0123` → A, C, G, T (a
/// colour-space legacy htslib keeps), everything else (including `U`) → 15.
pub(super) static ENCODE_TABLE: [u8; 256] = encode_table();

const fn encode_table() -> [u8; 256] {
    let mut table = [NT16_UNKNOWN; 256];
    let mut code = 0;
    while code < 16 {
        let letter = NT16_LETTERS[code];
        table[letter as usize] = code as u8;
        table[letter.to_ascii_lowercase() as usize] = code as u8;
        code += 1;
    }
    table[b'0' as usize] = 1;
    table[b'1' as usize] = 2;
    table[b'2' as usize] = 4;
    table[b'3' as usize] = 8;
    table
}

/// ASCII → complement: A↔T, C↔G, U→A, R↔Y, K↔M, B↔V, D↔H; S, W, N
/// unchanged; lower case stays lower case; every other byte unchanged.
pub(super) static COMPLEMENT_TABLE: [u8; 256] = complement_table();

const fn complement_table() -> [u8; 256] {
    let mut table = [0u8; 256];
    let mut byte = 0;
    while byte < 256 {
        table[byte] = byte as u8;
        byte += 1;
    }
    let pairs: [(u8, u8); 10] = [
        (b'A', b'T'),
        (b'T', b'A'),
        (b'U', b'A'),
        (b'C', b'G'),
        (b'G', b'C'),
        (b'R', b'Y'),
        (b'Y', b'R'),
        (b'K', b'M'),
        (b'M', b'K'),
        (b'B', b'V'),
    ];
    let mut i = 0;
    while i < pairs.len() {
        let (from, to) = pairs[i];
        table[from as usize] = to;
        table[from.to_ascii_lowercase() as usize] = to.to_ascii_lowercase();
        i += 1;
    }
    let more: [(u8, u8); 3] = [(b'V', b'B'), (b'D', b'H'), (b'H', b'D')];
    let mut i = 0;
    while i < more.len() {
        let (from, to) = more[i];
        table[from as usize] = to;
        table[from.to_ascii_lowercase() as usize] = to.to_ascii_lowercase();
        i += 1;
    }
    table
}

/// Rows 0x3_, 0x4_ and 0x5_ of [`ENCODE_TABLE`] (0x6_ and 0x7_ repeat 0x4_
/// and 0x5_), for 16-entry shuffle lookups.
#[cfg(target_arch = "x86_64")]
pub(super) static ENCODE_ROWS: [[u8; 16]; 3] = table_rows(&encode_table(), 0x3);

/// Rows 0x4_ and 0x5_ of [`COMPLEMENT_TABLE`], for 16-entry shuffle
/// lookups; a byte `b` in 0x60..=0x7F complements to the entry of
/// `b - 0x20`, plus 0x20.
#[cfg(target_arch = "x86_64")]
pub(super) static COMPLEMENT_ROWS: [[u8; 16]; 2] = table_rows(&complement_table(), 0x4);

#[cfg(target_arch = "x86_64")]
const fn table_rows<const N: usize>(table: &[u8; 256], first_row: usize) -> [[u8; 16]; N] {
    let mut rows = [[0u8; 16]; N];
    let mut row = 0;
    while row < N {
        let mut column = 0;
        while column < 16 {
            rows[row][column] = table[(first_row + row) * 16 + column];
            column += 1;
        }
        row += 1;
    }
    rows
}

/// Decodes `out.len()` bases from `packed` (`packed.len() == out.len().div_ceil(2)`).
pub(super) fn decode_bam_sequence(packed: &[u8], out: &mut [u8]) {
    let full_bytes = out.len() / 2;
    let mut pairs = out.chunks_exact_mut(2);
    for (pair, &byte) in (&mut pairs).zip(packed) {
        pair.copy_from_slice(&DECODE_PAIRS[usize::from(byte)]);
    }
    if let ([last], Some(&byte)) = (pairs.into_remainder(), packed.get(full_bytes)) {
        *last = NT16_LETTERS[usize::from(byte >> 4)];
    }
}

/// The vector decoders' skeleton: whole `width`-byte blocks through
/// `block` (16 or 32 packed bytes → twice as many letters), the last whole
/// bytes as one more block overlapping those before it (they decode to the
/// same letters) instead of a byte-by-byte tail, the odd last base here;
/// fewer than `width` whole bytes go to `short`.
#[inline(always)]
pub(super) fn decode_in_blocks(
    packed: &[u8],
    out: &mut [u8],
    width: usize,
    mut block: impl FnMut(&[u8], &mut [u8]),
    short: impl FnOnce(&[u8], &mut [u8]),
) {
    let full_bytes = out.len() / 2;
    if full_bytes < width {
        short(packed, out);
        return;
    }
    for (src, dst) in packed[..full_bytes]
        .chunks_exact(width)
        .zip(out.chunks_exact_mut(2 * width))
    {
        block(src, dst);
    }
    if !full_bytes.is_multiple_of(width) {
        let from = full_bytes - width;
        block(
            &packed[from..full_bytes],
            &mut out[2 * from..2 * full_bytes],
        );
    }
    decode_bam_sequence(&packed[full_bytes..], &mut out[2 * full_bytes..]);
}

/// Encodes `ascii` into `out` (`out.len() == ascii.len().div_ceil(2)`); the
/// low nibble of the last byte is 0 when the length is odd.
pub(super) fn encode_bam_sequence(ascii: &[u8], out: &mut [u8]) {
    let mut pairs = ascii.chunks_exact(2);
    for (byte, pair) in out.iter_mut().zip(&mut pairs) {
        *byte = (ENCODE_TABLE[usize::from(pair[0])] << 4) | ENCODE_TABLE[usize::from(pair[1])];
    }
    if let ([last], Some(byte)) = (pairs.remainder(), out.get_mut(ascii.len() / 2)) {
        *byte = ENCODE_TABLE[usize::from(*last)] << 4;
    }
}

/// Counts A, C, G, T, N (either case) and everything else.
pub(super) fn count_bases(seq: &[u8]) -> BaseCounts {
    // `| 0x20` maps exactly 'A' and 'a' to 'a' (likewise for the others), so
    // five comparisons per byte count both cases.
    let mut counts = BaseCounts::default();
    for &byte in seq {
        let folded = byte | 0x20;
        counts.a += u64::from(folded == b'a');
        counts.c += u64::from(folded == b'c');
        counts.g += u64::from(folded == b'g');
        counts.t += u64::from(folded == b't');
        counts.n += u64::from(folded == b'n');
    }
    counts.other = seq.len() as u64 - (counts.a + counts.c + counts.g + counts.t + counts.n);
    counts
}

/// Sum, minimum and maximum of the bytes (minimum 255, maximum 0 when empty).
pub(super) fn byte_sum_min_max(bytes: &[u8]) -> (u64, u8, u8) {
    let mut sum = 0u64;
    let mut min = u8::MAX;
    let mut max = 0u8;
    for &byte in bytes {
        sum += u64::from(byte);
        min = min.min(byte);
        max = max.max(byte);
    }
    (sum, min, max)
}

/// Writes the reverse complement of `seq` into `out` (same length).
pub(super) fn reverse_complement(seq: &[u8], out: &mut [u8]) {
    for (dst, &src) in out.iter_mut().zip(seq.iter().rev()) {
        *dst = COMPLEMENT_TABLE[usize::from(src)];
    }
}

/// Reverse-complements `seq` in place.
pub(super) fn reverse_complement_in_place(seq: &mut [u8]) {
    let len = seq.len();
    let (left, right) = seq.split_at_mut(len / 2);
    // `right` is one longer than `left` when the length is odd; its first
    // byte is the middle one, complemented alone.
    let (middle, right) = right.split_at_mut(len % 2);
    for (l, r) in left.iter_mut().zip(right.iter_mut().rev()) {
        let l_byte = *l;
        *l = COMPLEMENT_TABLE[usize::from(*r)];
        *r = COMPLEMENT_TABLE[usize::from(l_byte)];
    }
    for byte in middle {
        *byte = COMPLEMENT_TABLE[usize::from(*byte)];
    }
}

/// `out[i] = src[i] + offset`, requiring `src[i] <= max_src`; returns the
/// first position where that fails.
pub(super) fn add_offset(src: &[u8], out: &mut [u8], offset: u8, max_src: u8) -> Result<(), usize> {
    for (i, (dst, &byte)) in out.iter_mut().zip(src).enumerate() {
        if byte > max_src {
            return Err(i);
        }
        *dst = byte.wrapping_add(offset);
    }
    Ok(())
}

/// `out[i] = src[i] - offset`, requiring `offset <= src[i]` and
/// `src[i] - offset <= max_result`; returns the first position where that fails.
pub(super) fn subtract_offset(
    src: &[u8],
    out: &mut [u8],
    offset: u8,
    max_result: u8,
) -> Result<(), usize> {
    for (i, (dst, &byte)) in out.iter_mut().zip(src).enumerate() {
        let value = byte.wrapping_sub(offset);
        if value > max_result {
            return Err(i);
        }
        *dst = value;
    }
    Ok(())
}
