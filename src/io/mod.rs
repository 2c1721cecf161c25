//! Opening inputs and outputs: one place decides how bytes are read.
//!
//! [`open`] turns a path (or `-` for standard input) into a [`Source`], a
//! [`BufRead`](std::io::BufRead) that every format reader accepts. It
//!
//! * sniffs the compression from the first bytes ([`sniff`]): plain, gzip
//!   (one or more members, decoded by a streaming inflater), or BGZF (decoded
//!   by [`bgzf::Reader`](crate::bgzf::Reader), multi-threaded on request);
//!   bzip2, xz and zstd are named in an [`ErrorKind::Unsupported`] error;
//! * memory-maps *uncompressed regular files* at or above a size threshold
//!   ([`DEFAULT_MMAP_THRESHOLD`]) and reads everything else through one
//!   buffer. Compressed files are never mapped (decoding is ~40× slower than
//!   reading, so mapping gains nothing and costs safety), stdin and pipes are
//!   never mapped, and any mapping failure falls back to buffered reads.
//!
//! ```no_run
//! use std::io::BufRead;
//!
//! let source = biometal::io::open("reads.fastq.gz")?;
//! let lines = source.lines().count();
//! # Ok::<(), biometal::Error>(())
//! ```
//!
//! [`open_writer`] is the other direction: a path (or `-` for stdout) and a
//! [`Compression`] give a [`Sink`].
//!
//! # Memory maps and `SIGBUS`
//!
//! A file that another process truncates while it is mapped kills the reading
//! process with `SIGBUS`. If your inputs may change under you, use
//! [`MapMode::Buffered`].

mod compression;
mod mapped;
mod raw;
mod sink;
mod source;

pub use self::compression::{sniff, Compression};
pub use self::mapped::MappedReader;
pub use self::raw::RawReader;
pub use self::sink::{open_writer, open_writer_with, Sink, WriterOptions};
pub use self::source::{open, open_with, Source};

#[cfg(doc)]
use crate::ErrorKind;

/// Files at least this large are memory-mapped (when uncompressed, regular
/// and [`MapMode::Auto`] is in force).
///
/// On Linux this is 16 MiB, from `benches/io.rs` (open a file, scan every
/// byte for newlines with `memchr`, warm page cache; `docs/performance.md`
/// has the tables). Below 4 MiB, buffered reads were 1.3–2.1× faster on both
/// machines measured, because a map's set-up and its page faults cost more
/// than copying a small file (both machines are virtual, where faults are
/// dear). From 16 MiB the two are within a few percent of each other, and
/// mapping was ahead at 16 MiB on the 16-core host, so larger files are
/// mapped. Elsewhere it is the design card's 50 MB, a figure measured on
/// macOS/APFS; this project has made no measurement there.
///
/// A mapped file's pages count towards the process's resident set while
/// mapped in; the mapped reader hands consumed pages back as it goes, so
/// memory stays bounded (about 8 MiB of mapped input) whatever the size.
#[cfg(target_os = "linux")]
pub const DEFAULT_MMAP_THRESHOLD: u64 = 16 << 20;
/// Files at least this large are memory-mapped (when uncompressed, regular
/// and [`MapMode::Auto`] is in force). 50 MB, the design card's figure for
/// macOS/APFS; see the Linux value's documentation for how it was measured.
#[cfg(not(target_os = "linux"))]
pub const DEFAULT_MMAP_THRESHOLD: u64 = 50_000_000;

/// The buffer used for unmapped reads: 128 KiB, within the 64–256 KiB range
/// where read() throughput levels off.
pub const DEFAULT_BUFFER_CAPACITY: usize = 128 << 10;

/// Whether [`open_with`] may memory-map an uncompressed file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MapMode {
    /// Map regular uncompressed files at or above the threshold.
    #[default]
    Auto,
    /// Never map.
    Buffered,
    /// Map every regular uncompressed file, whatever its size (still falling
    /// back to buffered reads if mapping fails, and never mapping stdin).
    Mmap,
}

/// How [`open_with`] reads a path.
///
/// ```
/// use biometal::io::{IoOptions, MapMode};
///
/// let options = IoOptions::default().with_map_mode(MapMode::Buffered).with_bgzf_threads(4);
/// assert_eq!(options.map_mode(), MapMode::Buffered);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IoOptions {
    map_mode: MapMode,
    mmap_threshold: u64,
    buffer_capacity: usize,
    bgzf_threads: usize,
}

impl Default for IoOptions {
    fn default() -> Self {
        IoOptions {
            map_mode: MapMode::Auto,
            mmap_threshold: DEFAULT_MMAP_THRESHOLD,
            buffer_capacity: DEFAULT_BUFFER_CAPACITY,
            bgzf_threads: 0,
        }
    }
}

impl IoOptions {
    /// Sets when files are memory-mapped.
    pub fn with_map_mode(mut self, map_mode: MapMode) -> Self {
        self.map_mode = map_mode;
        self
    }

    /// Sets the size (bytes) from which [`MapMode::Auto`] maps a file.
    pub fn with_mmap_threshold(mut self, bytes: u64) -> Self {
        self.mmap_threshold = bytes;
        self
    }

    /// Sets the read buffer's capacity in bytes (at least 64 are used).
    pub fn with_buffer_capacity(mut self, bytes: usize) -> Self {
        self.buffer_capacity = bytes;
        self
    }

    /// Sets the threads decoding BGZF input: 0 picks automatically (inline
    /// decoding on machines with fewer than 3 cores), 1 decodes inline.
    pub fn with_bgzf_threads(mut self, threads: usize) -> Self {
        self.bgzf_threads = threads;
        self
    }

    /// When files are memory-mapped.
    pub fn map_mode(&self) -> MapMode {
        self.map_mode
    }

    /// The size from which [`MapMode::Auto`] maps a file.
    pub fn mmap_threshold(&self) -> u64 {
        self.mmap_threshold
    }

    /// The read buffer's capacity in bytes.
    pub fn buffer_capacity(&self) -> usize {
        self.buffer_capacity
    }

    /// The threads decoding BGZF input (0: automatic).
    pub fn bgzf_threads(&self) -> usize {
        self.bgzf_threads
    }
}

/// Appends up to `size` bytes of `inner` to `bytes` straight from its
/// buffer (no zero-filling, no probing reads as `Read::read_to_end` does);
/// the count appended, short only at the end of input. The buffer grows
/// with the bytes present, not by `size` up front, so a truncated file
/// cannot make it allocate what its header claims.
pub(crate) fn append_from(
    inner: &mut impl std::io::BufRead,
    bytes: &mut Vec<u8>,
    size: usize,
) -> std::io::Result<usize> {
    let mut left = size;
    while left > 0 {
        let available = match inner.fill_buf() {
            Ok(available) => available,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            break;
        }
        let n = available.len().min(left);
        bytes.extend_from_slice(&available[..n]);
        inner.consume(n);
        left -= n;
    }
    Ok(size - left)
}
