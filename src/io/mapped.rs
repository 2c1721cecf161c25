//! A memory-mapped file read as a stream.

use std::fs::File;
use std::io::{self, BufRead, Read, Seek, SeekFrom};

use memmap2::Mmap;

/// A read-only memory map of a whole regular file, read sequentially.
///
/// # The risk of mapping
///
/// If another process truncates the file while it is mapped, touching the
/// vanished pages raises `SIGBUS` and kills the process; no Rust error can
/// report it. [`io::open`](super::open) therefore maps only regular files at
/// or above a size threshold, never stdin, pipes or compressed input; pass
/// [`MapMode::Buffered`](super::MapMode::Buffered) for files that may change
/// while you read them.
#[derive(Debug)]
pub struct MappedReader {
    map: Mmap,
    position: usize,
    /// Everything before this offset has been handed back to the kernel.
    released: usize,
}

/// The largest slice [`BufRead::fill_buf`] hands out at once, so callers that
/// copy whole buffers stay cache-friendly.
const CHUNK: usize = 1 << 20;

/// How much consumed input stays mapped in before it is released: reading
/// sequentially, the process's resident set stays near this size instead of
/// growing to the size of the file (mapped pages count towards RSS).
const RELEASE_EVERY: usize = 4 << 20;

impl MappedReader {
    /// Maps `file`; fails (and the caller falls back to buffered reads) if
    /// the operating system refuses.
    pub(crate) fn map(file: &File) -> io::Result<Self> {
        // SAFETY: the map is read-only and private to this reader. The one
        // remaining hazard, another process truncating the file, is
        // documented on this type and avoided by `io::open`'s policy.
        let map = unsafe { Mmap::map(file)? };
        #[cfg(unix)]
        {
            // Advice is a hint; failing to give it changes nothing.
            let _ = map.advise(memmap2::Advice::Sequential);
        }
        Ok(MappedReader {
            map,
            position: 0,
            released: 0,
        })
    }

    /// The offset of the next byte to be read.
    pub fn position(&self) -> u64 {
        self.position as u64
    }

    /// The whole file's bytes.
    pub fn as_slice(&self) -> &[u8] {
        &self.map
    }
}

impl MappedReader {
    /// Drops the pages of consumed input (all but the last
    /// [`RELEASE_EVERY`] bytes) from the process, keeping its memory bounded
    /// however large the file. Seeking back re-reads them from the page
    /// cache.
    fn release_consumed(&mut self) {
        let end = self.position - RELEASE_EVERY;
        #[cfg(unix)]
        {
            // SAFETY: the map is a shared, read-only file mapping, so
            // MADV_DONTNEED only drops page-table entries: a later access
            // faults the same file contents back in. No borrow of the
            // released range can be alive: slices from `fill_buf`/`as_slice`
            // borrow `self`, and this runs inside `consume(&mut self)`.
            // Failure is harmless (the pages just stay resident).
            let _ = unsafe {
                self.map.unchecked_advise_range(
                    memmap2::UncheckedAdvice::DontNeed,
                    self.released,
                    end - self.released,
                )
            };
        }
        self.released = end;
    }
}

impl Read for MappedReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let remaining = &self.map[self.position..];
        let n = remaining.len().min(out.len());
        out[..n].copy_from_slice(&remaining[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for MappedReader {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        let end = self.map.len().min(self.position + CHUNK);
        Ok(&self.map[self.position..end])
    }

    fn consume(&mut self, amount: usize) {
        self.position = (self.position + amount).min(self.map.len());
        if self.position >= self.released + 2 * RELEASE_EVERY {
            self.release_consumed();
        }
    }
}

impl Seek for MappedReader {
    fn seek(&mut self, position: SeekFrom) -> io::Result<u64> {
        let length = self.map.len() as u64;
        let target = match position {
            SeekFrom::Start(offset) => Some(offset),
            SeekFrom::End(delta) => length.checked_add_signed(delta),
            SeekFrom::Current(delta) => (self.position as u64).checked_add_signed(delta),
        }
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "seek before the start of the file",
            )
        })?;
        self.position = target.min(length) as usize;
        self.released = self.released.min(self.position);
        Ok(target)
    }
}
