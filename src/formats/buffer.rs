//! The line engine under the FASTQ, FASTA, VCF, GFF and BED readers.
//!
//! One growable buffer holds the unread part of the input, `buf[start..end]`.
//! Beside it lies a structural index: one bit per buffered byte, set where
//! the byte is `\n`, built by one SIMD pass
//! ([`mark_newlines`](crate::simd::newline_index::mark_newlines)) over each
//! freshly read region. Parsers find line ends by popping bits from it
//! ([`LineBuffer::newlines_from`]) instead of searching bytes. When the
//! buffer ends before the newline the search resumes where it stopped after
//! a refill. A refill reads behind the unread bytes while at least a quarter
//! of the buffer is free; otherwise it first moves the unread bytes to the
//! front (and rebuilds their index). The buffer grows (doubling) only when
//! it is full from its first byte, i.e. when a single record does not fit,
//! and never beyond a hard cap, which becomes
//! [`ErrorKind::LimitExceeded`](crate::ErrorKind::LimitExceeded).
//!
//! A reader may [`pin`](LineBuffer::pin) the first unread byte: bytes
//! consumed after that stay buffered ([`pinned`](LineBuffer::pinned)), so
//! that a batch of records can be handed out in place, until the next pin.
//! Pinned bytes move with the unread ones and do not count against the cap.

use std::io::{self, Read};

use crate::simd::newline_index::{mark_newlines, BYTES_PER_WORD};
use crate::{Error, Format, Result};

/// While bytes are pinned, reads ask for at most `PINNED_READ` bytes, so
/// that little is read ahead of a batch (and moved to make room for the
/// next), and for at least `MIN_PINNED_READ` unless the buffer is at its
/// cap: the size above which buffered decoders (such as the gzip input of
/// [`io::open`](crate::io::open)) write into the buffer directly.
const PINNED_READ: usize = 256 * 1024;
const MIN_PINNED_READ: usize = 128 * 1024;

/// One line found in the buffer, as offsets relative to the buffer's start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Line {
    /// Where the line begins.
    pub start: usize,
    /// One past the line's last content byte: the `\n`, or the `\r` of a
    /// `\r\n` ending, or the end of input for a last line without newline.
    pub content_end: usize,
    /// Where the next line begins (one past the `\n`).
    pub next: usize,
}

impl Line {
    /// The number of content bytes.
    #[inline]
    pub fn len(&self) -> usize {
        self.content_end - self.start
    }
}

/// A growable read buffer that finds lines. See the module documentation.
pub(crate) struct LineBuffer<R> {
    inner: R,
    buf: Vec<u8>,
    /// Bit `i % 64` of word `i / 64` is set iff `buf[i] == b'\n'`, for
    /// every `i < end`; bits at or past `end` are meaningless.
    newlines: Vec<u64>,
    start: usize,
    end: usize,
    /// The first pinned byte (`<= start`), or `usize::MAX` when unpinned.
    pinned: usize,
    eof: bool,
    /// The stream offset of `buf[0]`; `buf[start]` is at `base + start`.
    base: u64,
    max_size: usize,
    format: Format,
}

impl<R: Read> LineBuffer<R> {
    /// A buffer of `capacity` bytes (at least 1) that may grow to `max_size`.
    pub fn new(inner: R, capacity: usize, max_size: usize, format: Format) -> Self {
        let capacity = capacity.clamp(1, max_size.max(1));
        LineBuffer {
            inner,
            buf: vec![0; capacity],
            newlines: vec![0; capacity.div_ceil(BYTES_PER_WORD)],
            start: 0,
            end: 0,
            pinned: usize::MAX,
            eof: false,
            base: 0,
            max_size: max_size.max(capacity),
            format,
        }
    }

    /// The unread bytes currently buffered.
    #[inline]
    pub fn data(&self) -> &[u8] {
        // `start <= end <= buf.len()` is kept by every method.
        &self.buf[self.start..self.end]
    }

    /// The stream offset (0-based) of the first unread byte.
    #[inline]
    pub fn offset(&self) -> u64 {
        self.base + self.start as u64
    }

    /// Marks the first `n` unread bytes as read.
    #[inline]
    pub fn consume(&mut self, n: usize) {
        self.start += n.min(self.end - self.start);
    }

    /// Keeps the bytes from the first unread one on buffered, releasing
    /// those of an earlier pin, and makes room for `reserve` bytes from
    /// there (see [`reserve`](Self::reserve)).
    #[cfg(feature = "neural-engine")]
    pub fn pin(&mut self, reserve: usize) {
        self.pinned = self.start;
        self.reserve(reserve);
    }

    /// Makes room for `bytes` bytes from the pinned (or first unread) byte
    /// on, and for reads of [`PINNED_READ`] behind them (within the cap), so
    /// that a batch of up to that size is not moved while it is read. Moves
    /// the buffered bytes only if they would not fit; grows the buffer to
    /// twice that room only if they do not fit at its front, so that when
    /// batches follow one another only every other one moves the bytes
    /// read ahead of it.
    #[cfg(feature = "neural-engine")]
    pub fn reserve(&mut self, bytes: usize) {
        let keep = self.pinned.min(self.start);
        let room = bytes
            .saturating_add(PINNED_READ + MIN_PINNED_READ)
            .min(self.max_size);
        if self.buf.len() - keep < room {
            self.compact(keep);
            if self.buf.len() < room {
                self.resize(room.saturating_mul(2).min(self.max_size));
            }
        }
    }

    /// The bytes from the pinned one to the last buffered one, the unread
    /// ones included; empty before the first pin.
    #[cfg(feature = "neural-engine")]
    #[inline]
    pub fn pinned(&self) -> &[u8] {
        self.buf.get(self.pinned..self.end).unwrap_or_default()
    }

    /// Where the first unread byte lies in [`pinned`](Self::pinned).
    #[cfg(feature = "neural-engine")]
    #[inline]
    pub fn pinned_len(&self) -> usize {
        self.start.saturating_sub(self.pinned)
    }

    /// The positions (relative to the first unread byte) of the buffered
    /// `\n` bytes at or after `from`, in order, popped from the index. Reads
    /// no input: the iterator ends at the last buffered newline.
    #[inline(always)]
    pub fn newlines_from(&self, from: usize) -> Newlines<'_> {
        let position = self.start.saturating_add(from).min(self.end);
        let word_index = position / BYTES_PER_WORD;
        let word = self
            .newlines
            .get(word_index)
            .map_or(0, |word| word & (u64::MAX << (position % BYTES_PER_WORD)));
        Newlines {
            words: self
                .newlines
                .get(..self.end.div_ceil(BYTES_PER_WORD))
                .unwrap_or_default(),
            word_index,
            word,
            start: self.start,
            end: self.end,
        }
    }

    /// The line beginning at `from` (relative to the first unread byte), or
    /// `None` when the input ends exactly at `from`. A last line without a
    /// newline ends at the end of input.
    #[inline]
    pub fn line_at(&mut self, from: usize) -> Result<Option<Line>> {
        let mut scan = from;
        loop {
            if let Some(newline) = self.newlines_from(scan).next() {
                let content_end = if newline > from && self.buf[self.start + newline - 1] == b'\r' {
                    newline - 1
                } else {
                    newline
                };
                return Ok(Some(Line {
                    start: from,
                    content_end,
                    next: newline + 1,
                }));
            }
            scan = (self.end - self.start).max(from);
            if !self.fill()? {
                let len = self.end - self.start;
                if from >= len {
                    return Ok(None);
                }
                let content_end = if self.buf[self.start + len - 1] == b'\r' {
                    len - 1
                } else {
                    len
                };
                return Ok(Some(Line {
                    start: from,
                    content_end,
                    next: len,
                }));
            }
        }
    }

    /// Reads more input behind the unread (and pinned) bytes, first moving
    /// them to the front when less than a quarter of the buffer (while
    /// pinned: less than [`MIN_PINNED_READ`]) is free behind them, and
    /// growing the buffer if it is still full (short of that). Indexes what
    /// was read. Returns `false` at end of input.
    #[inline(never)]
    fn fill(&mut self) -> Result<bool> {
        if self.eof {
            return Ok(false);
        }
        let keep = self.pinned.min(self.start);
        let pinned = self.start - keep;
        let wanted_free = if self.pinned == usize::MAX {
            (self.buf.len() / 4).max(1)
        } else {
            MIN_PINNED_READ
        };
        if keep > 0 && self.buf.len() - self.end < wanted_free {
            self.compact(keep);
        }
        // Bytes before `indexed_to` keep their index bits.
        let indexed_to = self.end;
        if self.end == self.buf.len()
            || (self.pinned != usize::MAX && self.buf.len() - self.end < wanted_free)
        {
            // Pinned bytes do not count against the cap.
            let cap = self.max_size.saturating_add(pinned);
            if self.end == self.buf.len() && self.buf.len() >= cap {
                return Err(Error::limit_exceeded(
                    self.format,
                    "record size (bytes)",
                    (self.buf.len() - pinned) as u64 + 1,
                    self.max_size as u64,
                )
                .at_byte_offset(self.offset()));
            }
            let new_len = self.buf.len().saturating_mul(2).min(cap);
            if new_len > self.buf.len() {
                self.resize(new_len);
            }
        }
        loop {
            // While pinned, read in pieces, so that what is read ahead of a
            // batch (and moved to make room for the next) stays small.
            let read_end = if self.pinned == usize::MAX {
                self.buf.len()
            } else {
                self.end.saturating_add(PINNED_READ).min(self.buf.len())
            };
            match self.inner.read(&mut self.buf[self.end..read_end]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(false);
                }
                Ok(n) => {
                    self.end += n.min(self.buf.len() - self.end);
                    self.index(indexed_to);
                    return Ok(true);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(Error::io(self.format, e)),
            }
        }
    }

    /// Moves `buf[keep..end]` (`keep <= start`, `keep <= pinned`) to the
    /// front and re-indexes the unread bytes.
    fn compact(&mut self, keep: usize) {
        if keep == 0 {
            return;
        }
        self.base += keep as u64;
        self.buf.copy_within(keep..self.end, 0);
        self.end -= keep;
        self.start -= keep;
        if self.pinned != usize::MAX {
            self.pinned -= keep;
        }
        self.index(self.start);
    }

    /// Grows the buffer and its index to `len` bytes. New zeroed vectors
    /// (fresh pages from the allocator) take the buffered bytes and their
    /// index: nothing past them is copied or cleared twice.
    fn resize(&mut self, len: usize) {
        let mut buf = vec![0; len];
        let used = self.end.min(len);
        buf[..used].copy_from_slice(&self.buf[..used]);
        self.buf = buf;
        let mut newlines = vec![0; len.div_ceil(BYTES_PER_WORD)];
        let words = used.div_ceil(BYTES_PER_WORD);
        newlines[..words].copy_from_slice(&self.newlines[..words]);
        self.newlines = newlines;
    }

    /// Indexes `buf[from..end]`, from the start of the word holding `from`.
    fn index(&mut self, from: usize) {
        let first_word = from / BYTES_PER_WORD;
        let bytes = self
            .buf
            .get(first_word * BYTES_PER_WORD..self.end)
            .unwrap_or_default();
        if let Some(words) = self.newlines.get_mut(first_word..) {
            mark_newlines(bytes, words);
        }
    }

    /// The wrapped reader.
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// The wrapped reader, mutably. Reading from it directly desynchronises
    /// the buffer.
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// Returns the wrapped reader; buffered, unread bytes are lost.
    pub fn into_inner(self) -> R {
        self.inner
    }
}

/// The buffered newlines from some position on; see
/// [`LineBuffer::newlines_from`].
pub(crate) struct Newlines<'a> {
    /// The index words covering the buffered bytes, no more.
    words: &'a [u64],
    /// The index word being popped, and its bits not yet returned.
    word_index: usize,
    word: u64,
    start: usize,
    end: usize,
}

impl Iterator for Newlines<'_> {
    type Item = usize;

    #[inline(always)]
    fn next(&mut self) -> Option<usize> {
        while self.word == 0 {
            self.word_index += 1;
            self.word = *self.words.get(self.word_index)?;
        }
        let newline = self.word_index * BYTES_PER_WORD + self.word.trailing_zeros() as usize;
        self.word &= self.word - 1;
        (newline < self.end).then(|| newline - self.start)
    }
}

/// The first `\n` in `haystack`, for short lines on hot paths. On x86_64
/// this is memchr's SSE2 kernel, which (SSE2 being part of the baseline)
/// inlines into the caller: for lines of a few hundred bytes the call and
/// dispatch of the AVX2 kernel cost more than its wider loads save. Long
/// lines are better served by `memchr::memchr`, as in [`LineBuffer::line_at`].
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub(crate) fn find_newline(haystack: &[u8]) -> Option<usize> {
    match memchr::arch::x86_64::sse2::memchr::One::new(b'\n') {
        Some(finder) => finder.find(haystack),
        None => memchr::memchr(b'\n', haystack),
    }
}

/// The first `\n` in `haystack`.
#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
pub(crate) fn find_newline(haystack: &[u8]) -> Option<usize> {
    memchr::memchr(b'\n', haystack)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The newline index equals a byte scan of the buffered data.
    fn assert_index_is_exact<R: Read>(buffer: &LineBuffer<R>, capacity: usize) {
        let index: Vec<usize> = buffer.newlines_from(0).collect();
        let bytes: Vec<usize> = (0..buffer.data().len())
            .filter(|&i| buffer.data()[i] == b'\n')
            .collect();
        assert_eq!(index, bytes, "capacity {capacity}");
    }

    #[test]
    fn finds_lines_across_refills_at_every_capacity() {
        let text = b"first line\r\nsecond\n\nlast without newline";
        for capacity in 1..40 {
            let mut buffer = LineBuffer::new(&text[..], capacity, 1 << 20, Format::Fastq);
            let mut lines = Vec::new();
            let mut from = 0;
            while let Some(line) = buffer.line_at(from).unwrap() {
                assert_index_is_exact(&buffer, capacity);
                lines.push(buffer.data()[line.start..line.content_end].to_vec());
                from = line.next;
                if from > 5 {
                    buffer.consume(from);
                    from = 0;
                }
            }
            assert_eq!(
                lines,
                vec![
                    b"first line".to_vec(),
                    b"second".to_vec(),
                    b"".to_vec(),
                    b"last without newline".to_vec()
                ],
                "capacity {capacity}"
            );
            assert_eq!(buffer.offset(), text.len() as u64);
        }
    }

    /// Returns at most `size` bytes per call, `size` cycling through 1..=70.
    struct Trickle<'a> {
        data: &'a [u8],
        size: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.size = self.size % 70 + 1;
            let n = self.size.min(buf.len()).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    #[test]
    fn indexed_lines_equal_a_byte_split_under_short_reads() {
        let mut state = 0x1234_5678_9abc_def1u64;
        let text: Vec<u8> = (0..5000)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                match state % 100 {
                    0..=2 => b'\n',
                    3 => b'\r',
                    _ => b'A' + (state % 26) as u8,
                }
            })
            .collect();
        // Each line without its `\r\n` or `\n` (or a final `\r`).
        let mut expected: Vec<&[u8]> = text
            .split(|&b| b == b'\n')
            .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
            .collect();
        if text.ends_with(b"\n") {
            expected.pop();
        }
        for capacity in [1, 2, 63, 64, 65, 130, 700, 8192] {
            let input = Trickle {
                data: &text,
                size: capacity % 7,
            };
            let mut buffer = LineBuffer::new(input, capacity, 1 << 20, Format::Fastq);
            let (mut from, mut lines) = (0, Vec::new());
            while let Some(line) = buffer.line_at(from).unwrap() {
                assert_index_is_exact(&buffer, capacity);
                lines.push(buffer.data()[line.start..line.content_end].to_vec());
                from = line.next;
                if lines.len() % 3 == 0 {
                    buffer.consume(from);
                    from = 0;
                }
            }
            assert_eq!(lines, expected, "capacity {capacity}");
            assert_eq!(buffer.offset() + from as u64, text.len() as u64);
        }
    }

    #[cfg(feature = "neural-engine")]
    #[test]
    fn pinned_bytes_stay_buffered_across_refills_moves_and_growth() {
        let text: Vec<u8> = (0..4000u32)
            .flat_map(|i| format!("line {i} {}\n", "x".repeat((i % 23) as usize)).into_bytes())
            .collect();
        for (capacity, reserve) in [(1, 0), (16, 0), (100, 50), (700, 5000), (8192, 1 << 20)] {
            let input = Trickle {
                data: &text,
                size: capacity % 7,
            };
            // A cap below the batches' size: pinned bytes do not count.
            let mut buffer = LineBuffer::new(input, capacity, 256, Format::Fastq);
            let mut from = 0;
            let mut batch_start = 0;
            for batch in 0.. {
                buffer.pin(reserve);
                assert_eq!(buffer.pinned_len(), 0);
                let mut lines = 0;
                while lines < batch % 90 + 1 {
                    let Some(line) = buffer.line_at(from).unwrap() else {
                        break;
                    };
                    buffer.consume(line.next);
                    from = 0;
                    lines += 1;
                    assert_index_is_exact(&buffer, capacity);
                }
                // Every byte since the pin, then the unread ones, in order.
                let pinned = buffer.pinned();
                let batch_end = batch_start + buffer.pinned_len();
                assert_eq!(pinned, &text[batch_start..batch_start + pinned.len()]);
                assert_eq!(buffer.offset(), batch_end as u64);
                batch_start = batch_end;
                if lines == 0 {
                    break;
                }
            }
            assert_eq!(batch_start, text.len(), "capacity {capacity}");
        }
    }

    #[cfg(feature = "neural-engine")]
    #[test]
    fn pinned_bytes_do_not_lift_the_cap_on_the_line_being_read() {
        let mut text = b"short\n".repeat(100);
        text.extend_from_slice(&[b'A'; 1000]);
        let mut buffer = LineBuffer::new(&text[..], 16, 256, Format::Fasta);
        buffer.pin(0);
        for _ in 0..100 {
            let line = buffer.line_at(0).unwrap().expect("a short line");
            buffer.consume(line.next);
        }
        assert_eq!(buffer.pinned_len(), 600);
        assert_eq!(buffer.pinned().get(..600), Some(&text[..600]));
        let err = buffer.line_at(0).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::LimitExceeded);
    }

    #[test]
    fn a_line_longer_than_the_cap_is_limit_exceeded() {
        let text = vec![b'A'; 1000];
        let mut buffer = LineBuffer::new(&text[..], 16, 256, Format::Fasta);
        let err = buffer.line_at(0).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::LimitExceeded);
        assert_eq!(err.format(), Some(Format::Fasta));
    }
}
