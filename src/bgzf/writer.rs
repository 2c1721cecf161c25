//! The BGZF writer: buffers bytes into blocks of at most
//! [`DEFAULT_BLOCK_DATA_SIZE`], compresses each block with libdeflate
//! (inline, or on a pool of worker threads) and writes them in order,
//! ending the stream with the [`EOF_MARKER`].

mod threaded;

use std::io::{self, Write};

use libdeflater::{CompressionLvl, Compressor};

use self::threaded::{Drain, Pool};
use super::{
    GziEntry, GziIndex, VirtualPosition, DEFAULT_BLOCK_DATA_SIZE, EOF_MARKER, FOOTER_SIZE,
    HEADER_SIZE, MAX_BLOCK_SIZE,
};
use crate::error::{Error, ErrorKind, Format, Result};

/// The compression level a writer uses unless told otherwise (bgzip's
/// default).
pub const DEFAULT_COMPRESSION_LEVEL: u32 = 6;

/// The highest level accepted. Levels are zlib-style, 0–9, and mean what they
/// mean to htslib (see [`WriterBuilder::level`]); 10–12 are accepted and mean
/// 9, as htslib's `bgzf_compress` treats any level above 9.
pub const MAX_COMPRESSION_LEVEL: u32 = 12;

/// The libdeflate level used for each zlib-style level 0–9: the table
/// htslib's `bgzf_compress` applies when built with libdeflate (as Debian's
/// htslib is), so that `-l N` here and in `bgzip`/`samtools`/`bcftools`
/// writes blocks of the same data size (0xff00) with the same libdeflate
/// level, and outputs of about the same size at about the same cost.
const LIBDEFLATE_LEVELS: [i32; 10] = [0, 1, 2, 3, 5, 6, 7, 8, 10, 12];

/// The most blocks in flight per worker thread in a threaded writer: enough
/// to keep every worker busy while the caller fills the next block, few
/// enough that memory stays at a few 128 KiB buffers per thread.
const BLOCKS_IN_FLIGHT_PER_THREAD: usize = 4;

/// Options for a [`Writer`]: compression level and threads.
///
/// ```
/// use std::io::Write;
/// use biometal::bgzf::WriterBuilder;
///
/// let mut writer = WriterBuilder::new().level(9).threads(2).build(Vec::new())?;
/// writer.write_all(b"ACGT\n")?;
/// let bytes = writer.finish()?;
/// assert!(bytes.ends_with(&biometal::bgzf::EOF_MARKER));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct WriterBuilder {
    level: u32,
    threads: usize,
    gzi: bool,
}

impl Default for WriterBuilder {
    fn default() -> Self {
        WriterBuilder {
            level: DEFAULT_COMPRESSION_LEVEL,
            threads: 1,
            gzi: false,
        }
    }
}

impl WriterBuilder {
    /// Default options: level [`DEFAULT_COMPRESSION_LEVEL`], one thread, no
    /// `.gzi` entries.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the compression level, as htslib reads it: 0 writes stored
    /// (uncompressed) deflate blocks as `bgzip -l 0` does; 1–9 trade speed
    /// for size and are handed to libdeflate as htslib hands them (1, 2, 3
    /// unchanged, 4→5, 5→6, 6→7, 7→8, 8→10, 9→12), so level 6 here and in
    /// `bgzip -l 6` or `bcftools view -l 6` is the same work; 10–12 mean 9.
    /// A level above [`MAX_COMPRESSION_LEVEL`] makes [`build`](Self::build)
    /// fail with [`ErrorKind::InvalidInput`].
    pub fn level(mut self, level: u32) -> Self {
        self.level = level;
        self
    }

    /// Sets the number of compression threads. 0 and 1 compress inline on the
    /// calling thread; `n >= 2` starts `n` persistent worker threads, each
    /// with its own compressor, while the calling thread fills blocks and
    /// writes the compressed ones in order. The output bytes do not depend on
    /// the number of threads.
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = threads;
        self
    }

    /// Records a [`.gzi`](Writer::gzi_entries) entry for every block written,
    /// as `bgzip -i` does, so that the finished file can be indexed without
    /// reading it again. The entries take 16 bytes per 64 KiB block.
    pub fn gzi(mut self, gzi: bool) -> Self {
        self.gzi = gzi;
        self
    }

    /// Builds a writer that writes BGZF to `inner`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidInput`] if the level is above
    /// [`MAX_COMPRESSION_LEVEL`].
    pub fn build<W: Write>(self, inner: W) -> Result<Writer<W>> {
        if self.level > MAX_COMPRESSION_LEVEL {
            return Err(Error::invalid_input(
                Format::Bgzf,
                format!(
                    "compression level {} is out of range: expected 0 to {MAX_COMPRESSION_LEVEL}",
                    self.level
                ),
            ));
        }
        let engine = if self.threads <= 1 {
            Engine::Inline {
                encoder: BlockEncoder::new(self.level),
                block: vec![0; MAX_BLOCK_SIZE],
            }
        } else {
            Engine::Threaded(Pool::new(
                self.level,
                self.threads,
                self.threads * BLOCKS_IN_FLIGHT_PER_THREAD,
            )?)
        };
        Ok(Writer {
            output: Some(Output {
                inner,
                compressed_offset: 0,
                uncompressed_offset: 0,
                gzi_entries: self.gzi.then(Vec::new),
            }),
            data: Vec::with_capacity(DEFAULT_BLOCK_DATA_SIZE),
            engine,
            failed: false,
        })
    }
}

/// Writes BGZF: a [`Write`] that compresses what it is given into blocks of
/// at most [`DEFAULT_BLOCK_DATA_SIZE`] uncompressed bytes.
///
/// * [`flush`](Write::flush) ends the current block (even a short one) and
///   flushes the inner writer;
/// * [`finish`](Self::finish) writes the last block and the [`EOF_MARKER`]
///   and returns the inner writer;
/// * dropping an unfinished writer finishes it best-effort: errors are
///   ignored there, so call `finish` to see them. A writer that has already
///   failed is not finished on drop, so a failed write never ends in a file
///   that looks complete;
/// * [`virtual_position`](Self::virtual_position) tells where the next byte
///   will be, for indexes.
///
/// ```
/// use std::io::Write;
/// use biometal::bgzf::Writer;
///
/// let mut writer = Writer::new(Vec::new());
/// let start = writer.virtual_position()?;
/// writer.write_all(b"chr1\t100\n")?;
/// let bytes = writer.finish()?;
/// assert_eq!(start.uncompressed_offset(), 0);
/// assert_eq!(&bytes[..4], &[0x1f, 0x8b, 0x08, 0x04]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Writer<W: Write> {
    /// `None` once finished.
    output: Option<Output<W>>,
    /// The uncompressed bytes of the current block, at most
    /// `DEFAULT_BLOCK_DATA_SIZE`.
    data: Vec<u8>,
    engine: Engine,
    /// Set by any error: the output is incomplete and must not be finished.
    failed: bool,
}

enum Engine {
    Inline {
        encoder: BlockEncoder,
        /// `MAX_BLOCK_SIZE` bytes, reused for every block.
        block: Vec<u8>,
    },
    Threaded(Pool),
}

/// The inner writer with the running offsets of what has been written to it.
struct Output<W> {
    inner: W,
    compressed_offset: u64,
    uncompressed_offset: u64,
    gzi_entries: Option<Vec<GziEntry>>,
}

impl<W: Write> Output<W> {
    fn write_block(&mut self, block: &[u8], data_len: usize) -> io::Result<()> {
        if let Some(entries) = &mut self.gzi_entries {
            if self.compressed_offset > 0 {
                entries.push(GziEntry {
                    compressed_offset: self.compressed_offset,
                    uncompressed_offset: self.uncompressed_offset,
                });
            }
        }
        self.inner.write_all(block)?;
        self.compressed_offset += block.len() as u64;
        self.uncompressed_offset += data_len as u64;
        Ok(())
    }
}

impl<W: Write> Writer<W> {
    /// A writer at [`DEFAULT_COMPRESSION_LEVEL`] compressing on the calling
    /// thread; see [`WriterBuilder`] for other options.
    pub fn new(inner: W) -> Self {
        Writer {
            output: Some(Output {
                inner,
                compressed_offset: 0,
                uncompressed_offset: 0,
                gzi_entries: None,
            }),
            data: Vec::with_capacity(DEFAULT_BLOCK_DATA_SIZE),
            engine: Engine::Inline {
                encoder: BlockEncoder::new(DEFAULT_COMPRESSION_LEVEL),
                block: vec![0; MAX_BLOCK_SIZE],
            },
            failed: false,
        }
    }

    /// The inner writer. Writing to it directly corrupts the BGZF stream.
    pub fn get_ref(&self) -> &W {
        &self.output().inner
    }

    /// The position the next byte written will have: the offset in the
    /// compressed output of the block it will go into, and its offset in that
    /// block's data. Record it before writing a record to index the record.
    ///
    /// With worker threads this waits until every block submitted so far
    /// has been compressed and written, because a block's offset depends on
    /// the sizes of all blocks before it. Calling it for every record
    /// therefore leaves one block compressing at a time: exact, but no faster
    /// than a single thread. Inline, it costs nothing.
    ///
    /// # Errors
    ///
    /// An I/O error while writing pending blocks, or
    /// [`ErrorKind::LimitExceeded`] once the output passes 2^48 bytes, the
    /// most a virtual position can address.
    pub fn virtual_position(&mut self) -> Result<VirtualPosition> {
        if self.data.len() == DEFAULT_BLOCK_DATA_SIZE {
            self.end_block().map_err(|e| Error::io(Format::Bgzf, e))?;
        }
        self.drain(Drain::All)
            .map_err(|e| Error::io(Format::Bgzf, e))?;
        let compressed_offset = self.output().compressed_offset;
        // The block data never reaches `DEFAULT_BLOCK_DATA_SIZE` here, so it
        // fits the 16-bit in-block offset.
        let uncompressed_offset = self.data.len() as u16;
        VirtualPosition::new(compressed_offset, uncompressed_offset).ok_or_else(|| {
            Error::limit_exceeded(
                Format::Bgzf,
                "compressed offset of a virtual position",
                compressed_offset,
                VirtualPosition::MAX_COMPRESSED_OFFSET,
            )
        })
    }

    /// The `.gzi` entries of the blocks written so far, if the writer was
    /// built with [`WriterBuilder::gzi`]; complete once the writer has been
    /// [flushed](Write::flush).
    pub fn gzi_entries(&self) -> Option<&[GziEntry]> {
        self.output().gzi_entries.as_deref()
    }

    /// Writes the last block and the EOF marker, flushes, and returns the
    /// inner writer.
    ///
    /// # Errors
    ///
    /// Any I/O error from the inner writer, including one deferred from an
    /// earlier call.
    pub fn finish(self) -> Result<W> {
        self.finish_with_gzi().map(|(inner, _)| inner)
    }

    /// Like [`finish`](Self::finish), also returning the `.gzi` index of the
    /// file (empty unless built with [`WriterBuilder::gzi`]), ready for
    /// [`GziIndex::write`].
    ///
    /// ```
    /// use std::io::Write;
    /// use biometal::bgzf::WriterBuilder;
    ///
    /// let mut writer = WriterBuilder::new().gzi(true).build(Vec::new())?;
    /// writer.write_all(&vec![b'A'; 100_000])?;
    /// let (_bytes, index) = writer.finish_with_gzi()?;
    /// assert_eq!(index.entries().len(), 1); // two blocks; the first has no entry
    /// assert_eq!(index.entries()[0].uncompressed_offset, 0xff00);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn finish_with_gzi(mut self) -> Result<(W, GziIndex)> {
        self.finish_in_place()
            .map_err(|e| Error::io(Format::Bgzf, e))?;
        match self.output.take() {
            Some(output) => {
                // Blocks are never empty, so both offsets strictly increase.
                let index = GziIndex::from_entries(output.gzi_entries.unwrap_or_default())?;
                Ok((output.inner, index))
            }
            None => Err(Error::io(Format::Bgzf, finished_error())),
        }
    }

    fn output(&self) -> &Output<W> {
        // `output` is only taken by `finish_with_gzi`, which consumes `self`.
        match &self.output {
            Some(output) => output,
            None => unreachable!("a finished BGZF writer is consumed"),
        }
    }

    fn finish_in_place(&mut self) -> io::Result<()> {
        if self.failed {
            return Err(failed_error());
        }
        if !self.data.is_empty() {
            self.end_block()?;
        }
        self.drain(Drain::All)?;
        let result = match &mut self.output {
            Some(output) => output
                .inner
                .write_all(&EOF_MARKER)
                .and_then(|()| output.inner.flush()),
            None => Ok(()),
        };
        self.failed = result.is_err();
        result
    }

    /// Compresses and writes (inline) or submits (threaded) the current
    /// block, which must not be empty.
    fn end_block(&mut self) -> io::Result<()> {
        let result = match (&mut self.engine, &mut self.output) {
            (Engine::Inline { encoder, block }, Some(output)) => {
                let len = encoder.encode(&self.data, block);
                let result = output.write_block(&block[..len], self.data.len());
                self.data.clear();
                result
            }
            (Engine::Threaded(pool), Some(output)) => pool
                .drain(Drain::BelowLimit, output)
                .and_then(|()| pool.submit(&mut self.data))
                .and_then(|()| pool.drain(Drain::Ready, output)),
            (_, None) => Err(finished_error()),
        };
        self.failed |= result.is_err();
        result
    }

    /// Writes the compressed blocks the workers have finished, in order.
    fn drain(&mut self, drain: Drain) -> io::Result<()> {
        let result = match (&mut self.engine, &mut self.output) {
            (Engine::Threaded(pool), Some(output)) => pool.drain(drain, output),
            _ => Ok(()),
        };
        self.failed |= result.is_err();
        result
    }
}

impl<W: Write> Write for Writer<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.failed {
            return Err(failed_error());
        }
        if buf.is_empty() {
            return Ok(0);
        }
        // End a full block before taking more, so that an error never comes
        // with bytes already taken.
        if self.data.len() == DEFAULT_BLOCK_DATA_SIZE {
            self.end_block()?;
        }
        let taken = buf.len().min(DEFAULT_BLOCK_DATA_SIZE - self.data.len());
        self.data.extend_from_slice(&buf[..taken]);
        Ok(taken)
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.failed {
            return Err(failed_error());
        }
        if !self.data.is_empty() {
            self.end_block()?;
        }
        self.drain(Drain::All)?;
        let result = match &mut self.output {
            Some(output) => output.inner.flush(),
            None => Err(finished_error()),
        };
        self.failed |= result.is_err();
        result
    }
}

impl<W: Write> std::fmt::Debug for Writer<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let output = self.output.as_ref();
        f.debug_struct("Writer")
            .field("compressed_offset", &output.map(|o| o.compressed_offset))
            .field("buffered_bytes", &self.data.len())
            .field("threaded", &matches!(self.engine, Engine::Threaded(_)))
            .field("failed", &self.failed)
            .finish_non_exhaustive()
    }
}

impl<W: Write> Drop for Writer<W> {
    /// Finishes the stream best-effort (see [`Writer`]); errors are ignored.
    fn drop(&mut self) {
        if self.output.is_some() && !self.failed {
            let _ = self.finish_in_place();
        }
    }
}

fn failed_error() -> io::Error {
    Error::new(
        ErrorKind::Io,
        Format::Bgzf,
        "an earlier write to this BGZF writer failed; its output is incomplete",
    )
    .into()
}

fn finished_error() -> io::Error {
    Error::new(
        ErrorKind::InvalidInput,
        Format::Bgzf,
        "the BGZF writer is already finished",
    )
    .into()
}

/// Compresses one block's data into a complete BGZF block. Deterministic:
/// the same data and level always give the same bytes, on any thread.
struct BlockEncoder {
    /// `None` at level 0, which writes stored blocks.
    compressor: Option<Compressor>,
}

impl BlockEncoder {
    fn new(level: u32) -> Self {
        let compressor = match level {
            0 => None,
            level => {
                let index = (level as usize).min(LIBDEFLATE_LEVELS.len() - 1);
                let level = CompressionLvl::new(LIBDEFLATE_LEVELS[index]).unwrap_or_default();
                Some(Compressor::new(level))
            }
        };
        BlockEncoder { compressor }
    }

    /// Encodes `data` (at most `DEFAULT_BLOCK_DATA_SIZE` bytes) into
    /// `block` (`MAX_BLOCK_SIZE` bytes long) and returns the block's length.
    /// Data that does not compress into 64 KiB is stored instead.
    fn encode(&mut self, data: &[u8], block: &mut [u8]) -> usize {
        debug_assert!(data.len() <= DEFAULT_BLOCK_DATA_SIZE);
        debug_assert_eq!(block.len(), MAX_BLOCK_SIZE);
        let payload = &mut block[HEADER_SIZE..MAX_BLOCK_SIZE - FOOTER_SIZE];
        let compressed = self
            .compressor
            .as_mut()
            .and_then(|compressor| compressor.deflate_compress(data, payload).ok());
        let payload_len = compressed.unwrap_or_else(|| store(data, payload));
        let block_len = HEADER_SIZE + payload_len + FOOTER_SIZE;

        let header = &mut block[..HEADER_SIZE];
        header[..16].copy_from_slice(&[
            0x1f, 0x8b, // gzip magic
            0x08, // deflate
            0x04, // FLG.FEXTRA
            0, 0, 0, 0,    // MTIME
            0,    // XFL
            0xff, // OS unknown
            6, 0, // XLEN
            b'B', b'C', 2, 0, // BC subfield, SLEN = 2
        ]);
        // BSIZE is the block size minus one; a block is at most 64 KiB.
        header[16..18].copy_from_slice(&((block_len - 1) as u16).to_le_bytes());

        let footer = &mut block[HEADER_SIZE + payload_len..block_len];
        footer[..4].copy_from_slice(&crc32fast::hash(data).to_le_bytes());
        footer[4..].copy_from_slice(&(data.len() as u32).to_le_bytes());
        block_len
    }
}

/// Writes `data` as one final stored deflate block (RFC 1951, 3.2.4) into
/// `payload` and returns its length: what `bgzip -l 0` writes, and the
/// fallback for data that does not compress.
fn store(data: &[u8], payload: &mut [u8]) -> usize {
    // `data` is at most DEFAULT_BLOCK_DATA_SIZE, so its length fits 16 bits.
    let len = data.len() as u16;
    payload[0] = 0x01; // BFINAL = 1, BTYPE = 00 (stored)
    payload[1..3].copy_from_slice(&len.to_le_bytes());
    payload[3..5].copy_from_slice(&(!len).to_le_bytes());
    payload[5..5 + data.len()].copy_from_slice(data);
    5 + data.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inflate_block(block: &[u8]) -> Vec<u8> {
        let mut decompressor = libdeflater::Decompressor::new();
        let mut out = vec![0; MAX_BLOCK_SIZE];
        let n = decompressor.gzip_decompress(block, &mut out).unwrap();
        out.truncate(n);
        out
    }

    #[test]
    fn every_level_encodes_a_valid_block() {
        let data: Vec<u8> = (0..DEFAULT_BLOCK_DATA_SIZE)
            .map(|i| (i * 7 % 251) as u8)
            .collect();
        for level in 0..=MAX_COMPRESSION_LEVEL {
            let mut block = vec![0; MAX_BLOCK_SIZE];
            let len = BlockEncoder::new(level).encode(&data, &mut block);
            let bsize = u16::from_le_bytes([block[16], block[17]]) as usize;
            assert_eq!(bsize + 1, len, "level {level}");
            assert_eq!(inflate_block(&block[..len]), data, "level {level}");
        }
    }

    #[test]
    fn incompressible_data_is_stored_and_fits() {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let data: Vec<u8> = (0..DEFAULT_BLOCK_DATA_SIZE)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect();
        let mut block = vec![0; MAX_BLOCK_SIZE];
        let len = BlockEncoder::new(12).encode(&data, &mut block);
        assert!(len <= MAX_BLOCK_SIZE);
        assert_eq!(inflate_block(&block[..len]), data);
    }

    #[test]
    fn level_out_of_range_is_invalid_input() {
        let error = WriterBuilder::new()
            .level(13)
            .build(Vec::new())
            .err()
            .unwrap();
        assert_eq!(error.kind(), ErrorKind::InvalidInput);
    }

    #[test]
    fn empty_stream_is_only_the_eof_marker() {
        let bytes = Writer::new(Vec::new()).finish().unwrap();
        assert_eq!(bytes, EOF_MARKER);
    }
}
