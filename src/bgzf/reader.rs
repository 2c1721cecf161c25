//! The BGZF reader: `Read + BufRead` over the decompressed stream, virtual
//! positions, seeking, and optional multi-threaded decoding.

mod carry;
mod threaded;

use std::fs::File;
use std::io::{self, BufRead, Read, Seek, SeekFrom};
use std::sync::Arc;

use libdeflater::Decompressor;

use super::block::{self, FIXED_HEADER_SIZE};
use super::gzi::GziIndex;
use super::{VirtualPosition, MAX_BLOCK_SIZE};
use crate::error::Location;
use crate::{Error, ErrorKind, Format, Result};

pub use self::carry::FillBufAtLeast;
use self::threaded::Pipeline;

/// The inline decoder's buffer: room for the blocks a record crossing
/// block boundaries reads in one piece, each decoded right after the one
/// before, the last block's tail moved to the front only when the next
/// block does not fit behind it (one boundary in three).
const INLINE_BUFFER: usize = 4 * MAX_BLOCK_SIZE;

/// The most worker threads a reader starts when asked for automatically
/// (`threads(0)`); decoding scales little beyond this because the caller's
/// thread, which consumes the blocks (and reads them, unless the workers
/// read a file themselves), becomes the bottleneck.
pub const MAX_AUTO_THREADS: usize = 8;

/// Options for a [`Reader`]: the number of decoding threads and what a
/// missing EOF marker means.
///
/// ```
/// use biometal::bgzf::ReaderBuilder;
///
/// let bytes: &[u8] = &biometal::bgzf::EOF_MARKER;
/// let mut reader = ReaderBuilder::new().threads(2).require_eof_marker(false).build(bytes);
/// let mut out = Vec::new();
/// std::io::Read::read_to_end(&mut reader, &mut out).unwrap();
/// assert!(out.is_empty());
/// ```
#[derive(Debug, Clone)]
pub struct ReaderBuilder {
    threads: usize,
    require_eof_marker: bool,
    block_cache: usize,
    parallel_source: Option<Arc<File>>,
}

impl Default for ReaderBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl ReaderBuilder {
    /// The defaults: automatic threads, EOF marker required.
    pub fn new() -> Self {
        ReaderBuilder {
            threads: 0,
            require_eof_marker: true,
            block_cache: 0,
            parallel_source: None,
        }
    }

    /// Decoding threads. `1` decodes inline in the caller's thread; `n >= 2`
    /// starts `n` worker threads (spawned once, joined when the reader is
    /// dropped) while the caller's thread reads the compressed input (or
    /// the workers do, see [`parallel_source`](Self::parallel_source)); `0`
    /// (the default) decodes inline when fewer than 3 cores are available
    /// and otherwise starts one worker per core, at most
    /// [`MAX_AUTO_THREADS`]. Threads pay off for sequential reading; for
    /// many small seeks, `threads(1)` avoids decoding ahead.
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = threads;
        self
    }

    /// Whether a stream that does not end with an empty block (the EOF
    /// marker) is an error. With `true` (the default), reading past the last
    /// block returns [`ErrorKind::MissingEofMarker`], as the stream may have
    /// been cut at a block boundary; with `false` the stream ends cleanly and
    /// [`Reader::eof_marker_missing`] tells the caller, who can warn as
    /// htslib does ("EOF marker is absent").
    pub fn require_eof_marker(mut self, require: bool) -> Self {
        self.require_eof_marker = require;
        self
    }

    /// Keeps up to `bytes` of decoded blocks that [`Reader::seek`] landed
    /// in, so that seeking back to them (index queries over nearby
    /// regions) does not inflate them again, as htslib's block cache does
    /// (`tabix` uses 10 MiB). 0 (the default) keeps none; only inline
    /// decoding (`threads(1)`) uses the cache.
    pub fn block_cache(mut self, bytes: usize) -> Self {
        self.block_cache = bytes;
        self
    }

    /// The input again, as a file whose byte 0 is compressed offset 0 (the
    /// file `inner` reads from its start). With worker threads, each worker
    /// then reads the blocks it decodes straight from the file by
    /// positional reads (`pread`), instead of the caller's thread reading
    /// and handing them out, so decoding keeps scaling with more threads.
    /// [`io::open`](crate::io::open) sets this for BGZF files. Ignored when
    /// decoding inline, and on platforms without positional reads.
    ///
    /// ```no_run
    /// use std::sync::Arc;
    /// use biometal::bgzf::ReaderBuilder;
    ///
    /// let file = std::fs::File::open("reads.bam")?;
    /// let shared = Arc::new(file.try_clone()?);
    /// let reader = ReaderBuilder::new().threads(8).parallel_source(shared).build(file);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn parallel_source(mut self, file: Arc<File>) -> Self {
        self.parallel_source = Some(file);
        self
    }

    /// Builds a reader over `inner`, whose current position is taken as
    /// compressed offset 0. If no worker thread can be spawned the reader
    /// decodes inline.
    pub fn build<R: Read>(self, inner: R) -> Reader<R> {
        let workers = match self.threads {
            0 => {
                let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
                if cores < 3 {
                    0
                } else {
                    cores.min(MAX_AUTO_THREADS)
                }
            }
            1 => 0,
            n => n,
        };
        let engine = match (workers > 0)
            .then(|| Pipeline::new(workers, self.parallel_source))
            .flatten()
        {
            Some(pipeline) => Engine::Threaded(Box::new(pipeline)),
            None => Engine::Inline(Box::new(Inline {
                decompressor: Decompressor::new(),
                compressed: vec![0; MAX_BLOCK_SIZE].into_boxed_slice(),
                decoded: vec![0; INLINE_BUFFER].into_boxed_slice(),
                decoded_len: 0,
                cache: BlockCache::new(self.block_cache),
            })),
        };
        Reader {
            inner,
            engine,
            read_offset: 0,
            block_offset: 0,
            next_block_offset: 0,
            block_start: 0,
            pos: 0,
            end: 0,
            carried_start: 0,
            carried_from: VirtualPosition::START,
            require_eof_marker: self.require_eof_marker,
            last_block_empty: false,
            eof_marker_missing: false,
            just_seeked: false,
            state: State::Active,
            lend: None,
        }
    }

    /// [`build`](Self::build) for an input that lends its buffer (see
    /// [`Lend`]): blocks are inflated straight from it when decoding
    /// inline.
    pub(crate) fn build_lending<R: Read>(self, inner: R, lend: Lend<R>) -> Reader<R> {
        let mut reader = self.build(inner);
        reader.lend = Some(lend);
        reader
    }
}

/// A block handed out by an engine.
struct BlockInfo {
    /// Where the decoded data begins in the engine's buffer.
    start: usize,
    offset: u64,
    size: usize,
    decoded_len: usize,
}

struct Inline {
    decompressor: Decompressor,
    compressed: Box<[u8]>,
    /// [`INLINE_BUFFER`] bytes; the current block's data at
    /// `start..start + decoded_len`.
    decoded: Box<[u8]>,
    decoded_len: usize,
    cache: BlockCache,
}

/// Decoded blocks by compressed offset, evicted oldest first, holding at
/// most `capacity` decoded bytes.
struct BlockCache {
    capacity: usize,
    used: usize,
    blocks: std::collections::HashMap<u64, (usize, Box<[u8]>)>,
    order: std::collections::VecDeque<u64>,
}

impl BlockCache {
    fn new(capacity: usize) -> Self {
        BlockCache {
            capacity,
            used: 0,
            blocks: std::collections::HashMap::new(),
            order: std::collections::VecDeque::new(),
        }
    }

    /// Keeps a copy of the block at `offset` (`size` compressed bytes).
    fn insert(&mut self, offset: u64, size: usize, decoded: &[u8]) {
        if decoded.len() > self.capacity || self.blocks.contains_key(&offset) {
            return;
        }
        while self.used + decoded.len() > self.capacity {
            let Some(oldest) = self.order.pop_front() else {
                break;
            };
            if let Some((_, data)) = self.blocks.remove(&oldest) {
                self.used -= data.len();
            }
        }
        self.used += decoded.len();
        self.blocks.insert(offset, (size, decoded.into()));
        self.order.push_back(offset);
    }
}

enum Engine {
    Inline(Box<Inline>),
    Threaded(Box<Pipeline>),
}

enum State {
    Active,
    Done,
    /// An error was returned; it is returned again until a seek.
    Failed {
        kind: ErrorKind,
        location: Location,
        message: String,
    },
}

/// Reads a BGZF stream: [`Read`] and [`BufRead`] over the decompressed
/// bytes (`fill_buf` lends the decoded block itself, no copy), with
/// [`virtual_position`](Self::virtual_position) and, for seekable sources,
/// [`seek`](Self::seek).
///
/// Every block's header, ISIZE and CRC32 are checked. A stream cut inside a
/// block is an [`ErrorKind::UnexpectedEof`] error with the block's byte
/// offset; a stream not ending in an empty block is an
/// [`ErrorKind::MissingEofMarker`] error unless
/// [`ReaderBuilder::require_eof_marker`] says otherwise. Empty blocks in the
/// middle (concatenated files) are skipped. After an error every read
/// returns the same error again, until a seek.
///
/// ```
/// use std::io::Read;
/// use biometal::bgzf;
///
/// # fn main() -> biometal::Result<()> {
/// // Two blocks: "hello" deflated with fixed Huffman codes, and the EOF marker.
/// let mut file = vec![0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 0xff, 6, 0, b'B', b'C', 2, 0, 32, 0,
///     0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x86, 0xa6, 0x10, 0x36, 5, 0, 0, 0];
/// file.extend_from_slice(&bgzf::EOF_MARKER);
/// let mut reader = bgzf::Reader::new(&file[..]);
/// let mut text = String::new();
/// reader.read_to_string(&mut text)?;
/// assert_eq!(text, "hello");
/// assert_eq!(reader.virtual_position(), bgzf::VirtualPosition::new(61, 0).unwrap());
/// # Ok(())
/// # }
/// ```
pub struct Reader<R> {
    inner: R,
    engine: Engine,
    /// Where the next block read from `inner` starts.
    read_offset: u64,
    /// The current block's offset, and the offset just past it.
    block_offset: u64,
    next_block_offset: u64,
    /// The engine's buffer holds the current block's data at
    /// `block_start..end`; `pos` indexes the next byte to read. Below
    /// `block_start`, from `carried_start` on, lie bytes of the block
    /// before (their first one at `carried_from`), read first.
    block_start: usize,
    pos: usize,
    end: usize,
    carried_start: usize,
    carried_from: VirtualPosition,
    require_eof_marker: bool,
    last_block_empty: bool,
    eof_marker_missing: bool,
    /// Set by a seek until the next block is loaded, so that the position
    /// reads back exactly as given even at the end of a block.
    just_seeked: bool,
    state: State,
    /// For inputs with their own buffer: lends at least the asked number of
    /// buffered bytes when the input has them, so that inline decoding
    /// inflates a block where it lies instead of copying it first.
    lend: Option<Lend<R>>,
}

/// Lends `n` bytes of the input's buffer (fewer only at its end or when
/// the buffer is smaller) without consuming them, and consumes them.
pub(crate) struct Lend<R> {
    /// Like [`BufRead::fill_buf`], but with at least `n` bytes if it can.
    pub(crate) peek: fn(&mut R, usize) -> io::Result<&[u8]>,
    /// [`BufRead::consume`].
    pub(crate) consume: fn(&mut R, usize),
}

impl<R: Read> Reader<R> {
    /// A reader with the default options of [`ReaderBuilder`].
    pub fn new(inner: R) -> Self {
        ReaderBuilder::new().build(inner)
    }

    /// The virtual position of the next byte to be read: the current block's
    /// offset and the offset within it, or the next block's offset and 0
    /// once the current block is used up (as htslib reports it).
    pub fn virtual_position(&self) -> VirtualPosition {
        if self.pos < self.block_start {
            let carried = self.pos.saturating_sub(self.carried_start);
            let within = usize::from(self.carried_from.uncompressed_offset()) + carried;
            return u16::try_from(within)
                .ok()
                .and_then(|within| {
                    VirtualPosition::new(self.carried_from.compressed_offset(), within)
                })
                .unwrap_or(VirtualPosition::from(u64::MAX));
        }
        let consumed = self.pos - self.block_start;
        let current_len = self.end - self.block_start;
        let within_block = u16::try_from(consumed)
            .ok()
            .filter(|_| consumed < current_len || self.just_seeked);
        let (compressed, uncompressed) = match within_block {
            Some(within) => (self.block_offset, within),
            None => (self.next_block_offset, 0),
        };
        VirtualPosition::new(compressed, uncompressed).unwrap_or(VirtualPosition::from(u64::MAX))
    }

    /// Whether the stream ended without an EOF marker (only ever `true`
    /// with [`ReaderBuilder::require_eof_marker`]`(false)`, once the end
    /// has been reached; otherwise that end is an error).
    pub fn eof_marker_missing(&self) -> bool {
        self.eof_marker_missing
    }

    /// The underlying reader.
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// The underlying reader, mutably. Reading from it or moving it
    /// desynchronises this reader until the next [`seek`](Self::seek).
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// Stops any worker threads and returns the underlying reader, whose
    /// position is wherever reading ahead left it.
    pub fn into_inner(self) -> R {
        self.inner
    }

    /// The buffer holding the current block: its data lies at
    /// `block_start..end`.
    #[inline]
    fn current_buffer(&self) -> &[u8] {
        match &self.engine {
            Engine::Inline(inline) => &inline.decoded,
            Engine::Threaded(pipeline) => pipeline.buffer(),
        }
    }

    /// The bytes left to read: `pos..end` of the current buffer.
    #[inline]
    fn unread(&self) -> &[u8] {
        self.current_buffer().get(self.pos..self.end).unwrap_or(&[])
    }

    /// Moves to the next block, empty or not; `false` at the end. Inline
    /// decoding puts its data at `at` in the buffer (at most
    /// `INLINE_BUFFER - MAX_BLOCK_SIZE`).
    fn advance(&mut self, at: usize) -> Result<bool> {
        let next = match &mut self.engine {
            Engine::Inline(inline) => {
                let lend = self.lend.as_ref();
                inline.next_block(&mut self.inner, lend, &mut self.read_offset, at)
            }
            Engine::Threaded(pipeline) => {
                pipeline.next_block(&mut self.inner, &mut self.read_offset)
            }
        };
        self.pos = self.block_start;
        self.end = self.block_start;
        self.just_seeked = false;
        match next {
            Ok(Some(info)) => {
                self.block_offset = info.offset;
                self.next_block_offset = info.offset + info.size as u64;
                self.block_start = info.start;
                self.pos = info.start;
                self.end = info.start + info.decoded_len;
                self.last_block_empty = info.decoded_len == 0;
                Ok(true)
            }
            Ok(None) => {
                self.block_offset = self.next_block_offset;
                if self.last_block_empty {
                    self.state = State::Done;
                    return Ok(false);
                }
                self.eof_marker_missing = true;
                if !self.require_eof_marker {
                    self.state = State::Done;
                    return Ok(false);
                }
                Err(self.fail(
                    Error::new(
                        ErrorKind::MissingEofMarker,
                        Format::Bgzf,
                        "the stream does not end with an empty block (EOF marker): it may be truncated",
                    )
                    .at_byte_offset(self.next_block_offset),
                ))
            }
            Err(error) => Err(self.fail(error)),
        }
    }

    fn fail(&mut self, error: Error) -> Error {
        let message = if error.message().is_empty() {
            error.to_string()
        } else {
            error.message().to_owned()
        };
        self.state = State::Failed {
            kind: error.kind(),
            location: error.location().clone(),
            message,
        };
        error
    }
}

impl<R: Read + Seek> Reader<R> {
    /// Moves to a virtual position, such as one recorded with
    /// [`virtual_position`](Self::virtual_position) or read from an index.
    /// Clears an earlier error. Seeking to the very end of the stream does
    /// not check for an EOF marker.
    ///
    /// ```
    /// use std::io::{Cursor, Read};
    /// use biometal::bgzf::{Reader, VirtualPosition, EOF_MARKER};
    ///
    /// let mut reader = Reader::new(Cursor::new(EOF_MARKER));
    /// reader.seek(VirtualPosition::START).unwrap();
    /// assert_eq!(reader.read(&mut [0; 8]).unwrap(), 0);
    /// assert!(reader.seek(VirtualPosition::new(0, 1).unwrap()).is_err());
    /// ```
    pub fn seek(&mut self, position: VirtualPosition) -> Result<()> {
        let within = usize::from(position.uncompressed_offset());
        let loaded = matches!(self.engine, Engine::Inline(_))
            && matches!(self.state, State::Active)
            && self.end > self.block_start
            && self.block_offset == position.compressed_offset();
        if loaded && within <= self.end - self.block_start {
            // The block is already decoded (index queries often seek
            // within one block): no re-read, no re-inflate.
            self.pos = self.block_start + within;
            self.just_seeked = true;
            return Ok(());
        }
        if let Engine::Threaded(pipeline) = &mut self.engine {
            if let Err(error) = pipeline.reset() {
                return Err(self.fail(error));
            }
        }
        let offset = position.compressed_offset();
        if self.load_cached(offset, within)? {
            return Ok(());
        }
        if let Err(error) = self.inner.seek(SeekFrom::Start(offset)) {
            let error = Error::io(Format::Bgzf, error).at_virtual_position(position);
            return Err(self.fail(error));
        }
        self.read_offset = offset;
        self.block_offset = offset;
        self.next_block_offset = offset;
        self.pos = self.block_start;
        self.end = self.block_start;
        self.state = State::Active;
        self.eof_marker_missing = false;
        // Landing exactly at the end of the stream is not a missing marker.
        self.last_block_empty = true;
        let available = if self.advance(0)? {
            self.end - self.block_start
        } else {
            0
        };
        if let Engine::Inline(inline) = &mut self.engine {
            if inline.cache.capacity > 0 && available > 0 {
                let size = (self.next_block_offset - self.block_offset) as usize;
                inline
                    .cache
                    .insert(offset, size, &inline.decoded[self.block_start..self.end]);
            }
        }
        if within > available {
            let error = Error::invalid_input(
                Format::Bgzf,
                format!("offset {within} is past the end of a block of {available} bytes"),
            )
            .at_virtual_position(position);
            return Err(self.fail(error));
        }
        self.pos = self.block_start + within;
        self.just_seeked = true;
        Ok(())
    }

    /// Sets the block cache's size (see [`ReaderBuilder::block_cache`]);
    /// 0 empties and disables it.
    pub fn set_block_cache(&mut self, bytes: usize) {
        if let Engine::Inline(inline) = &mut self.engine {
            inline.cache = BlockCache::new(bytes);
        }
    }

    /// Loads the block at `offset` from the cache, positioned `within` it;
    /// `false` when it is not cached.
    fn load_cached(&mut self, offset: u64, within: usize) -> Result<bool> {
        let Engine::Inline(inline) = &mut self.engine else {
            return Ok(false);
        };
        let Some((size, data)) = inline.cache.blocks.get(&offset) else {
            return Ok(false);
        };
        if within > data.len() {
            return Ok(false);
        }
        let next = offset + *size as u64;
        if let Err(error) = self.inner.seek(SeekFrom::Start(next)) {
            let error = Error::io(Format::Bgzf, error).at_byte_offset(next);
            return Err(self.fail(error));
        }
        inline.decoded[..data.len()].copy_from_slice(data);
        inline.decoded_len = data.len();
        self.block_start = 0;
        self.end = data.len();
        self.read_offset = next;
        self.block_offset = offset;
        self.next_block_offset = next;
        self.pos = within;
        self.just_seeked = true;
        self.state = State::Active;
        self.eof_marker_missing = false;
        self.last_block_empty = false;
        Ok(true)
    }

    /// Moves to a 0-based offset in the decompressed stream, found through a
    /// `.gzi` index of this file (see [`GziIndex`]).
    pub fn seek_to_uncompressed(&mut self, offset: u64, index: &GziIndex) -> Result<()> {
        self.seek(index.virtual_position(offset)?)
    }
}

impl Inline {
    fn next_block<R: Read>(
        &mut self,
        inner: &mut R,
        lend: Option<&Lend<R>>,
        read_offset: &mut u64,
        at: usize,
    ) -> Result<Option<BlockInfo>> {
        let offset = *read_offset;
        if let Some(lend) = lend {
            if let Some(info) = self.next_lent_block(inner, lend, read_offset, at)? {
                return Ok(Some(info));
            }
        }
        let Some(size) = read_raw_block(inner, &mut self.compressed, offset)? else {
            return Ok(None);
        };
        *read_offset += size as u64;
        self.decoded_len = 0;
        let raw = self.compressed.get(..size).unwrap_or(&self.compressed);
        self.decoded_len =
            block::decode_block(&mut self.decompressor, raw, &mut self.decoded[at..], offset)?;
        Ok(Some(BlockInfo {
            start: at,
            offset,
            size,
            decoded_len: self.decoded_len,
        }))
    }
}

impl Inline {
    /// Inflates the next block where the input's buffer holds it; `None`
    /// when the buffer does not hold a whole, well-framed block (the input's
    /// end, a damaged header, a small buffer), for the copying path to read
    /// it or to report what is wrong, from the same bytes.
    fn next_lent_block<R: Read>(
        &mut self,
        inner: &mut R,
        lend: &Lend<R>,
        read_offset: &mut u64,
        at: usize,
    ) -> Result<Option<BlockInfo>> {
        let offset = *read_offset;
        let io_error = |error| Error::io(Format::Bgzf, error).at_byte_offset(offset);
        let header = (lend.peek)(inner, FIXED_HEADER_SIZE).map_err(io_error)?;
        let Ok(extra_len) = block::extra_field_len(header, offset) else {
            return Ok(None);
        };
        let header_len = FIXED_HEADER_SIZE + extra_len;
        let header = (lend.peek)(inner, header_len).map_err(io_error)?;
        let Some(size) = header
            .get(..header_len)
            .and_then(|header| block::block_size(header, offset).ok())
        else {
            return Ok(None);
        };
        let lent = (lend.peek)(inner, size).map_err(io_error)?;
        let Some(raw) = lent.get(..size) else {
            return Ok(None);
        };
        self.decoded_len = 0;
        let out = &mut self.decoded[at..];
        let decoded = block::decode_block(&mut self.decompressor, raw, out, offset);
        (lend.consume)(inner, size);
        *read_offset += size as u64;
        self.decoded_len = decoded?;
        Ok(Some(BlockInfo {
            start: at,
            offset,
            size,
            decoded_len: self.decoded_len,
        }))
    }
}

/// Reads one whole block from `inner` into the start of `buf` (at least
/// [`MAX_BLOCK_SIZE`] bytes) and returns its size, or `None` if `inner` is
/// at its end. Only the framing is checked.
pub(super) fn read_raw_block<R: Read>(
    inner: &mut R,
    buf: &mut [u8],
    block_offset: u64,
) -> Result<Option<usize>> {
    let fixed = read_full(inner, &mut buf[..FIXED_HEADER_SIZE], block_offset)?;
    if fixed == 0 {
        return Ok(None);
    }
    let cut = |needed: usize, found: usize| {
        Error::unexpected_eof(
            Format::Bgzf,
            format!("the stream ends inside a block: expected {needed} bytes, found {found}"),
        )
        .at_byte_offset(block_offset)
    };
    if fixed < FIXED_HEADER_SIZE {
        return Err(cut(FIXED_HEADER_SIZE, fixed));
    }
    let header_len = FIXED_HEADER_SIZE + block::extra_field_len(buf, block_offset)?;
    let Some(extra) = buf.get_mut(FIXED_HEADER_SIZE..header_len) else {
        return Err(
            Error::invalid_data(Format::Bgzf, "extra field longer than a block")
                .at_byte_offset(block_offset),
        );
    };
    let found = read_full(inner, extra, block_offset)?;
    if found < extra.len() {
        return Err(cut(header_len, FIXED_HEADER_SIZE + found));
    }
    let size = block::block_size(&buf[..header_len], block_offset)?;
    let Some(rest) = buf.get_mut(header_len..size) else {
        return Err(
            Error::invalid_data(Format::Bgzf, "block larger than 64 KiB")
                .at_byte_offset(block_offset),
        );
    };
    let found = read_full(inner, rest, block_offset)?;
    if found < rest.len() {
        return Err(cut(size, header_len + found));
    }
    Ok(Some(size))
}

/// Fills `buf` unless the input ends first; returns the bytes read.
fn read_full<R: Read>(inner: &mut R, buf: &mut [u8], block_offset: u64) -> Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match inner.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(Error::io(Format::Bgzf, error).at_byte_offset(block_offset)),
        }
    }
    Ok(filled)
}

impl<R: Read> Reader<R> {
    /// [`BufRead::fill_buf`] once the current block is used up.
    #[inline(never)]
    fn fill_next_block(&mut self) -> io::Result<&[u8]> {
        while self.pos >= self.end {
            match &self.state {
                State::Active => {}
                State::Done => return Ok(&[]),
                State::Failed {
                    kind,
                    location,
                    message,
                } => {
                    let error = Error::new(*kind, Format::Bgzf, message.clone())
                        .with_location(location.clone());
                    return Err(error.into());
                }
            }
            self.advance(0)?;
        }
        Ok(self.unread())
    }
}

impl<R: Read> BufRead for Reader<R> {
    // The common case, bytes left in the current block, is inlined into
    // callers that read record by record.
    #[inline]
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos >= self.end {
            return self.fill_next_block();
        }
        Ok(self.unread())
    }

    #[inline]
    fn consume(&mut self, amount: usize) {
        self.pos = self.end.min(self.pos + amount);
        // Once data is read after a seek, a used-up block reports the next
        // block's start, as htslib does (index chunk ends are given so).
        if amount > 0 {
            self.just_seeked = false;
        }
    }
}

impl<R: Read> Read for Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}
