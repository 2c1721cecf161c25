//! The line engine under the FASTQ and FASTA readers.
//!
//! One growable buffer holds the unread part of the input, `buf[start..end]`.
//! Parsers ask for the line beginning at an offset relative to `start`; the
//! newline is found with `memchr`. When the buffer ends before the newline
//! the search resumes where it stopped after a refill: the unread bytes are
//! moved to the front and more input is read behind them. The buffer grows
//! (doubling) only when it is full from its first byte, i.e. when a single
//! record does not fit, and never beyond a hard cap, which becomes
//! [`ErrorKind::LimitExceeded`](crate::ErrorKind::LimitExceeded).

use std::io::{self, Read};

use crate::{Error, Format, Result};

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
    start: usize,
    end: usize,
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
            start: 0,
            end: 0,
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

    /// The line beginning at `from` (relative to the first unread byte), or
    /// `None` when the input ends exactly at `from`. A last line without a
    /// newline ends at the end of input.
    #[inline]
    pub fn line_at(&mut self, from: usize) -> Result<Option<Line>> {
        let mut scan = from;
        loop {
            let window = &self.buf[self.start + scan.min(self.end - self.start)..self.end];
            if let Some(i) = memchr::memchr(b'\n', window) {
                let newline = scan + i;
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
            scan = self.end - self.start;
            if !self.fill()? {
                let len = self.end - self.start;
                if from >= len {
                    return Ok(None);
                }
                let content_end = if len > from && self.buf[self.start + len - 1] == b'\r' {
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

    /// Reads more input behind the unread bytes, moving them to the front
    /// and growing the buffer if it is full. Returns `false` at end of input.
    #[inline(never)]
    fn fill(&mut self) -> Result<bool> {
        if self.eof {
            return Ok(false);
        }
        if self.start > 0 {
            self.base += self.start as u64;
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.end == self.buf.len() {
            if self.buf.len() >= self.max_size {
                return Err(Error::limit_exceeded(
                    self.format,
                    "record size (bytes)",
                    self.buf.len() as u64 + 1,
                    self.max_size as u64,
                )
                .at_byte_offset(self.offset()));
            }
            let new_len = self.buf.len().saturating_mul(2).min(self.max_size);
            self.buf.resize(new_len, 0);
        }
        loop {
            match self.inner.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(false);
                }
                Ok(n) => {
                    self.end += n.min(self.buf.len() - self.end);
                    return Ok(true);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(Error::io(self.format, e)),
            }
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

    #[test]
    fn finds_lines_across_refills_at_every_capacity() {
        let text = b"first line\r\nsecond\n\nlast without newline";
        for capacity in 1..40 {
            let mut buffer = LineBuffer::new(&text[..], capacity, 1 << 20, Format::Fastq);
            let mut lines = Vec::new();
            let mut from = 0;
            while let Some(line) = buffer.line_at(from).unwrap() {
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

    #[test]
    fn a_line_longer_than_the_cap_is_limit_exceeded() {
        let text = vec![b'A'; 1000];
        let mut buffer = LineBuffer::new(&text[..], 16, 256, Format::Fasta);
        let err = buffer.line_at(0).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::LimitExceeded);
        assert_eq!(err.format(), Some(Format::Fasta));
    }
}
