//! The bytes of a file or of stdin, buffered, with a peek for sniffing and a
//! running count of the bytes consumed (for error offsets).

use std::fs::File;
use std::io::{self, BufRead, Read, Seek, SeekFrom};

/// The undecoded bytes of an input: a file or standard input, read through
/// one buffer.
///
/// This is what a compressed [`Source`](super::Source) decodes from. It
/// implements [`Seek`] for files; seeking stdin fails with
/// [`io::ErrorKind::Unsupported`].
#[derive(Debug)]
pub struct RawReader {
    inner: RawInner,
    buffer: Box<[u8]>,
    start: usize,
    end: usize,
    /// Offset in the underlying file of `buffer[end]`.
    inner_position: u64,
}

#[derive(Debug)]
enum RawInner {
    File(File),
    Stdin(io::Stdin),
}

impl RawReader {
    pub(crate) fn file(file: File, capacity: usize) -> Self {
        Self::new(RawInner::File(file), capacity)
    }

    pub(crate) fn stdin(capacity: usize) -> Self {
        Self::new(RawInner::Stdin(io::stdin()), capacity)
    }

    fn new(inner: RawInner, capacity: usize) -> Self {
        RawReader {
            inner,
            buffer: vec![0; capacity.max(64)].into_boxed_slice(),
            start: 0,
            end: 0,
            inner_position: 0,
        }
    }

    /// The file, if this reads one (not stdin).
    pub(crate) fn file_ref(&self) -> Option<&File> {
        match &self.inner {
            RawInner::File(file) => Some(file),
            RawInner::Stdin(_) => None,
        }
    }

    /// The offset of the next byte [`read`](Read::read) returns, counted from
    /// the start of the file (or of stdin).
    pub fn position(&self) -> u64 {
        self.inner_position - (self.end - self.start) as u64
    }

    /// Returns at least `n` buffered bytes without consuming them, or all
    /// that remain if the input is shorter. `n` must not exceed the buffer
    /// capacity (at least 64 bytes).
    pub(crate) fn peek(&mut self, n: usize) -> io::Result<&[u8]> {
        let n = n.min(self.buffer.len());
        if self.end - self.start < n {
            self.buffer.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
            while self.end < n {
                let read = self.read_inner_at_end()?;
                if read == 0 {
                    break;
                }
            }
        }
        Ok(&self.buffer[self.start..self.end])
    }

    fn read_inner_at_end(&mut self) -> io::Result<usize> {
        let target = &mut self.buffer[self.end..];
        let read = loop {
            let result = match &mut self.inner {
                RawInner::File(file) => file.read(target),
                RawInner::Stdin(stdin) => stdin.read(target),
            };
            match result {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => break other?,
            }
        };
        self.end += read;
        self.inner_position += read as u64;
        Ok(read)
    }
}

impl Read for RawReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        // Large reads bypass the buffer entirely.
        if self.start == self.end && out.len() >= self.buffer.len() {
            let read = match &mut self.inner {
                RawInner::File(file) => file.read(out)?,
                RawInner::Stdin(stdin) => stdin.read(out)?,
            };
            self.inner_position += read as u64;
            return Ok(read);
        }
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for RawReader {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
            self.read_inner_at_end()?;
        }
        Ok(&self.buffer[self.start..self.end])
    }

    fn consume(&mut self, amount: usize) {
        self.start = (self.start + amount).min(self.end);
    }
}

impl Seek for RawReader {
    fn seek(&mut self, position: SeekFrom) -> io::Result<u64> {
        let RawInner::File(file) = &mut self.inner else {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "standard input cannot seek",
            ));
        };
        let target = match position {
            SeekFrom::Current(delta) => {
                let current = self.inner_position - (self.end - self.start) as u64;
                SeekFrom::Start(current.checked_add_signed(delta).ok_or_else(|| {
                    io::Error::new(
                        io::ErrorKind::InvalidInput,
                        "seek before the start of the file",
                    )
                })?)
            }
            other => other,
        };
        // A seek inside the buffer keeps it.
        if let SeekFrom::Start(offset) = target {
            let buffer_start = self.inner_position - self.end as u64;
            if offset >= buffer_start && offset <= self.inner_position {
                self.start = (offset - buffer_start) as usize;
                return Ok(offset);
            }
        }
        let offset = file.seek(target)?;
        self.start = 0;
        self.end = 0;
        self.inner_position = offset;
        Ok(offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn temp_file(contents: &[u8]) -> File {
        let path = std::env::temp_dir().join(format!(
            "biometal-raw-{}-{}",
            std::process::id(),
            contents.len()
        ));
        File::create(&path)
            .and_then(|mut f| f.write_all(contents))
            .unwrap();
        let file = File::open(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        file
    }

    #[test]
    fn peek_read_and_seek_agree_on_positions() {
        let data: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
        let mut reader = RawReader::file(temp_file(&data), 64);
        assert_eq!(reader.peek(18).unwrap()[..18], data[..18]);
        assert_eq!(reader.position(), 0);
        let mut first = [0; 100];
        reader.read_exact(&mut first).unwrap();
        assert_eq!(first[..], data[..100]);
        assert_eq!(reader.position(), 100);
        reader.seek(SeekFrom::Start(990)).unwrap();
        let mut rest = Vec::new();
        reader.read_to_end(&mut rest).unwrap();
        assert_eq!(rest, data[990..]);
        reader.seek(SeekFrom::Current(-20)).unwrap();
        assert_eq!(reader.position(), 980);
        rest.clear();
        reader.read_to_end(&mut rest).unwrap();
        assert_eq!(rest, data[980..]);
    }

    #[test]
    fn peek_past_the_end_returns_what_there_is() {
        let mut reader = RawReader::file(temp_file(b"abc"), 64);
        assert_eq!(reader.peek(18).unwrap(), b"abc");
        let mut all = Vec::new();
        reader.read_to_end(&mut all).unwrap();
        assert_eq!(all, b"abc");
    }
}
