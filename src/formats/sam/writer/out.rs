//! A write cursor without per-write bounds checks, for a line buffer whose
//! length was checked once against the line's longest possible text, and
//! decimal integer formatting at that cursor.
//!
//! Every method documents its *reach*: how many bytes past the cursor it
//! may store (integer methods store fixed-width words and then advance by
//! the digit count). The caller keeps the cursor plus the reach inside the
//! buffer; debug builds assert it on every store.

use std::marker::PhantomData;

/// The most bytes any method of [`Out`] stores past the cursor, other
/// than [`Out::bytes`] and [`Out::chunks16`] (whose reach is their
/// length).
pub(super) const REACH: usize = 16;

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

/// 0 to 99 as they print, in two bytes: one digit (then a junk byte) below
/// 10, two from 10.
const SMALL: [[u8; 2]; 100] = {
    let mut small = DIGIT_PAIRS;
    let mut i = 0;
    while i < 10 {
        small[i] = [b'0' + i as u8, b'0'];
        i += 1;
    }
    small
};

/// A write position in a borrowed buffer.
pub(super) struct Out<'b> {
    at: *mut u8,
    start: *mut u8,
    /// One past the buffer's last byte: checked by debug builds only.
    #[cfg(debug_assertions)]
    end: *mut u8,
    _buf: PhantomData<&'b mut [u8]>,
}

impl<'b> Out<'b> {
    /// A cursor at the start of `buf`.
    pub(super) fn new(buf: &'b mut [u8]) -> Self {
        let range = buf.as_mut_ptr_range();
        Out {
            at: range.start,
            start: range.start,
            #[cfg(debug_assertions)]
            end: range.end,
            _buf: PhantomData,
        }
    }

    /// A cursor over no bytes, to stand in while a cursor is moved out.
    pub(super) fn empty() -> Self {
        Out::new(&mut [])
    }

    /// Bytes written (the cursor's distance from the start).
    #[inline(always)]
    pub(super) fn len(&self) -> usize {
        // SAFETY: `at` only moves forward from `start` inside one buffer.
        unsafe { self.at.offset_from(self.start) as usize }
    }

    /// Debug builds: the buffer has `reach` bytes at the cursor.
    #[inline(always)]
    fn check(&self, reach: usize) {
        #[cfg(debug_assertions)]
        assert!(
            reach <= self.end as usize - self.at as usize,
            "line bound too small"
        );
        let _ = reach;
    }

    /// Moves the cursor `count` bytes on.
    ///
    /// # Safety
    ///
    /// The buffer has `count` bytes at the cursor.
    #[inline(always)]
    pub(super) unsafe fn advance(&mut self, count: usize) {
        self.check(count);
        // SAFETY: by the caller, inside the buffer.
        self.at = unsafe { self.at.add(count) };
    }

    /// The next `len` bytes, for a kernel to fill (the cursor stays).
    ///
    /// # Safety
    ///
    /// The buffer has `len` bytes at the cursor.
    #[inline(always)]
    pub(super) unsafe fn window(&mut self, len: usize) -> &mut [u8] {
        self.check(len);
        // SAFETY: by the caller, `len` bytes of the buffer, which this
        // cursor borrows mutably.
        unsafe { std::slice::from_raw_parts_mut(self.at, len) }
    }

    /// Stores all `N` bytes, then advances by `advance` (at most `N`).
    ///
    /// # Safety
    ///
    /// Reach `N`.
    #[inline(always)]
    pub(super) unsafe fn store<const N: usize>(&mut self, bytes: [u8; N], advance: usize) {
        self.check(N);
        // SAFETY: by the caller, `N` bytes at the cursor are the buffer's;
        // the store is unaligned.
        unsafe {
            self.at.cast::<[u8; N]>().write_unaligned(bytes);
            self.at = self.at.add(advance.min(N));
        }
    }

    /// Writes one byte.
    ///
    /// # Safety
    ///
    /// Reach 1.
    #[inline(always)]
    pub(super) unsafe fn byte(&mut self, byte: u8) {
        // SAFETY: by the caller.
        unsafe { self.store([byte], 1) }
    }

    /// Writes `bytes`: short ones (names, tags' strings) as two
    /// overlapping word stores instead of a `memcpy` call.
    ///
    /// # Safety
    ///
    /// Reach `bytes.len()`.
    #[inline(always)]
    pub(super) unsafe fn bytes(&mut self, bytes: &[u8]) {
        let len = bytes.len();
        self.check(len);
        let src = bytes.as_ptr();
        // SAFETY: every load is inside `bytes` and every store inside the
        // `len` bytes at the cursor (the second store of a pair overlaps
        // the first when `len` is below twice the word).
        unsafe {
            if len >= 8 {
                if len > 16 {
                    std::ptr::copy_nonoverlapping(src, self.at, len);
                } else {
                    let (head, tail) = (src.cast::<u64>(), src.add(len - 8).cast::<u64>());
                    let (head, tail) = (head.read_unaligned(), tail.read_unaligned());
                    self.at.cast::<u64>().write_unaligned(head);
                    self.at.add(len - 8).cast::<u64>().write_unaligned(tail);
                }
            } else if len >= 4 {
                let (head, tail) = (src.cast::<u32>(), src.add(len - 4).cast::<u32>());
                let (head, tail) = (head.read_unaligned(), tail.read_unaligned());
                self.at.cast::<u32>().write_unaligned(head);
                self.at.add(len - 4).cast::<u32>().write_unaligned(tail);
            } else if len > 0 {
                // 1 to 3 bytes: first, middle, last.
                *self.at = *src;
                *self.at.add(len / 2) = *src.add(len / 2);
                *self.at.add(len - 1) = *src.add(len - 1);
            }
            self.at = self.at.add(len);
        }
    }

    /// Writes `src[..len]` in 16-byte steps when `src` has the room,
    /// storing junk bytes past `len` (for the fields after it to
    /// overwrite): 32 or 48 bytes at once for the common short lengths
    /// (read names), else a loop; without the room, as [`Out::bytes`].
    ///
    /// # Safety
    ///
    /// Reach `len` rounded up to a multiple of 16, and at least 32.
    #[inline(always)]
    pub(super) unsafe fn chunks16(&mut self, src: &[u8], len: usize) {
        let steps = len.div_ceil(16).max(2);
        self.check(16 * steps);
        // SAFETY (every store): `16 * steps` bytes, the reach.
        unsafe {
            if let (true, Some(from)) = (steps == 2, src.first_chunk::<32>()) {
                self.at.cast::<[u8; 32]>().write_unaligned(*from);
            } else if let (true, Some(from)) = (steps == 3, src.first_chunk::<48>()) {
                self.at.cast::<[u8; 48]>().write_unaligned(*from);
            } else if let Some(from) = src.get(..16 * steps) {
                for (i, chunk) in from.chunks_exact(16).enumerate() {
                    let mut word = [0u8; 16];
                    word.copy_from_slice(chunk);
                    self.at.add(16 * i).cast::<[u8; 16]>().write_unaligned(word);
                }
            } else {
                return self.bytes(&src[..len.min(src.len())]);
            }
            // `len <= 16 * steps`.
            self.at = self.at.add(len);
        }
    }

    /// Writes `value` in decimal.
    ///
    /// # Safety
    ///
    /// Reach [`REACH`].
    #[inline(always)]
    pub(super) unsafe fn uint(&mut self, value: u32) {
        // SAFETY (every store below): reach 2, 2, then 16, all within
        // `REACH`, which the caller guarantees.
        unsafe {
            if value < 100 {
                self.store(SMALL[value as usize], 1 + usize::from(value >= 10));
            } else if value < 10_000 {
                let (high, low) = ((value / 100) as usize, (value % 100) as usize);
                self.store(SMALL[high], 1 + usize::from(high >= 10));
                self.store(DIGIT_PAIRS[low], 2);
            } else {
                self.check(REACH);
                let len = long(self.at, value);
                self.advance(len);
            }
        }
    }

    /// Writes `value` in decimal, `-` first when negative.
    ///
    /// # Safety
    ///
    /// Reach [`REACH`] + 1.
    #[inline(always)]
    pub(super) unsafe fn int(&mut self, value: i32) {
        // SAFETY: reach 1 for the sign, then `REACH`.
        unsafe {
            self.store([b'-'], usize::from(value < 0));
            self.uint(value.unsigned_abs());
        }
    }

    /// Writes `value + 1` (BAM's 0-based POS and PNEXT as SAM's 1-based),
    /// without overflow.
    ///
    /// # Safety
    ///
    /// Reach [`REACH`] + 1.
    #[inline(always)]
    pub(super) unsafe fn int_plus_one(&mut self, value: i32) {
        let value = i64::from(value) + 1;
        // SAFETY: reach 1 for the sign, then `REACH`; |value| <= 2^31.
        unsafe {
            self.store([b'-'], usize::from(value < 0));
            self.uint(value.unsigned_abs() as u32);
        }
    }
}

/// [`Out::uint`] for values of at least 10 000, written at `at`; returns
/// the digit count. The low eight digits are made at once in a `u64`, one
/// digit a byte (SWAR: 4-digit halves, then 2-digit quarters, then digits,
/// by multiplying with reciprocals).
///
/// A function of the pointer, not of the cursor, so that the cursor's
/// address never escapes and it stays in a register.
///
/// # Safety
///
/// `at` is valid for [`REACH`] bytes of writes.
#[inline(always)]
unsafe fn long(at: *mut u8, value: u32) -> usize {
    let (top, low8) = (value / 100_000_000, value % 100_000_000);
    let halves = u64::from(low8 / 10_000) | u64::from(low8 % 10_000) << 32;
    // x / 100 for x < 10 000 in each 32-bit lane: (x * 5243) >> 19.
    let hundreds = ((halves * 5243) >> 19) & 0x0000_007f_0000_007f;
    let quarters = hundreds | (halves - hundreds * 100) << 16;
    // x / 10 for x < 100 in each 16-bit lane: (x * 103) >> 10.
    let tens = ((quarters * 103) >> 10) & 0x000f_000f_000f_000f;
    let digits = tens | (quarters - tens * 10) << 8;
    let ascii = digits + 0x3030_3030_3030_3030;
    // SAFETY (the stores): at most 2 + 8 bytes, within `REACH`.
    unsafe {
        if top == 0 {
            // Leading zero digits are the low bytes (the first in memory);
            // `value >= 10_000` leaves at least five digits.
            let len = 8 - (digits.trailing_zeros() / 8) as usize;
            at.cast::<u64>()
                .write_unaligned((ascii >> (64 - 8 * len)).to_le());
            len
        } else {
            let lead = 1 + usize::from(top >= 10);
            at.cast::<[u8; 2]>().write_unaligned(SMALL[top as usize]);
            at.add(lead).cast::<u64>().write_unaligned(ascii.to_le());
            lead + 8
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn formatted(write: impl FnOnce(&mut Out<'_>)) -> String {
        let mut buf = [0xAAu8; 3 + REACH + 1 + 8];
        let mut out = Out::new(&mut buf[3..]);
        write(&mut out);
        let len = out.len();
        String::from_utf8(buf[3..3 + len].to_vec()).expect("ASCII")
    }

    /// Every power of ten and its neighbours, the type extremes, and
    /// pseudo-random values of every magnitude, against `to_string`.
    #[test]
    fn integers_print_as_rust_formats_them() {
        let mut values = vec![0u32, 1, u32::MAX, u32::MAX - 1, 1 << 31, (1 << 31) - 1];
        let mut power = 1u32;
        while let Some(next) = power.checked_mul(10) {
            values.extend([power - 1, power, power + 1, next - 1]);
            power = next;
        }
        values.extend([power - 1, power, power + 1]);
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..20_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            values.push((state >> (state % 64)) as u32);
        }
        for value in values {
            // SAFETY: the buffer has `REACH + 1` bytes past the cursor.
            let text = formatted(|out| unsafe { out.uint(value) });
            assert_eq!(text, value.to_string());
            for signed in [
                value as i32,
                (value as i32).wrapping_neg(),
                i32::MIN,
                i32::MAX,
                -1,
            ] {
                // SAFETY: as above.
                let text = formatted(|out| unsafe { out.int(signed) });
                assert_eq!(text, signed.to_string());
                // SAFETY: as above.
                let text = formatted(|out| unsafe { out.int_plus_one(signed) });
                assert_eq!(text, (i64::from(signed) + 1).to_string());
            }
        }
    }

    /// Short and long copies of every length up to 40, each written
    /// exactly (nothing past its end).
    #[test]
    fn byte_copies_are_exact() {
        let source: Vec<u8> = (0..64u8).map(|i| b'A' + i % 26).collect();
        for len in 0..=40 {
            for offset in 0..8 {
                let from = &source[offset..offset + len];
                let mut buf = [0u8; 80];
                let mut out = Out::new(&mut buf);
                // SAFETY: 80 bytes hold 1 + 40 + 1.
                unsafe {
                    out.byte(b'<');
                    out.bytes(from);
                    out.byte(b'>');
                }
                let written = out.len();
                assert_eq!(written, len + 2);
                assert_eq!(&buf[1..=len], from);
                assert_eq!(buf[len + 1], b'>');
                assert!(buf[len + 2..].iter().all(|&b| b == 0));
                let mut out = Out::new(&mut buf);
                // SAFETY: 80 bytes hold 48 (40 rounded up to 16s) + 1.
                unsafe {
                    out.chunks16(&source[offset..], len);
                    out.byte(b'|');
                }
                assert_eq!(&buf[..len], from);
                assert_eq!(buf[len], b'|');
            }
        }
    }
}
