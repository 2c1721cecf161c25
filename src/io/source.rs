//! [`Source`]: an opened input, decoded as its first bytes say.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use flate2::bufread::MultiGzDecoder;

use super::compression::{sniff, Compression, SNIFF_LENGTH};
use super::{IoOptions, MapMode, MappedReader, RawReader};
use crate::bgzf;
use crate::error::{Error, ErrorKind, Format, Result};

/// An opened input: plain bytes (buffered or memory-mapped), a gzip stream or
/// a BGZF stream, read as decompressed bytes through [`Read`] and
/// [`BufRead`]. Made by [`open`] or [`open_with`].
///
/// Uncompressed files also implement [`Seek`]; compressed sources answer a
/// seek with [`io::ErrorKind::Unsupported`] (BGZF input seeks by virtual
/// position through [`Source::bgzf_mut`]).
pub struct Source {
    inner: Inner,
}

enum Inner {
    Mapped(MappedReader),
    Plain(RawReader),
    Gzip(BufReader<GzipReader>),
    Bgzf(bgzf::Reader<RawReader>),
}

/// Opens `path` (`-` for standard input) with default [`IoOptions`].
///
/// ```
/// use std::io::Read;
///
/// let path = std::env::temp_dir().join("biometal-doc-open.txt");
/// std::fs::write(&path, b"ACGT\n")?;
/// let mut text = String::new();
/// biometal::io::open(&path)?.read_to_string(&mut text)?;
/// assert_eq!(text, "ACGT\n");
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), biometal::Error>(())
/// ```
pub fn open(path: impl AsRef<Path>) -> Result<Source> {
    open_with(path, &IoOptions::default())
}

/// Opens `path` (`-` for standard input) as `options` say.
///
/// ```
/// use biometal::io::{open_with, Compression, IoOptions, MapMode};
///
/// let path = std::env::temp_dir().join("biometal-doc-open-with.txt");
/// std::fs::write(&path, b">chr1\nACGT\n")?;
/// let source = open_with(&path, &IoOptions::default().with_map_mode(MapMode::Mmap))?;
/// assert_eq!(source.compression(), Compression::None);
/// assert!(source.is_mapped());
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), biometal::Error>(())
/// ```
pub fn open_with(path: impl AsRef<Path>, options: &IoOptions) -> Result<Source> {
    let path = path.as_ref();
    if path == Path::new("-") {
        return Source::from_raw(RawReader::stdin(options.buffer_capacity), options);
    }
    let file = File::open(path).map_err(|e| open_error(path, e))?;
    let metadata = file.metadata().map_err(|e| open_error(path, e))?;
    let mut raw = RawReader::file(file, options.buffer_capacity);
    let compression = sniff(raw.peek(SNIFF_LENGTH)?)?;
    let wants_map = match options.map_mode {
        MapMode::Auto => metadata.len() >= options.mmap_threshold,
        MapMode::Mmap => true,
        MapMode::Buffered => false,
    };
    if compression == Compression::None && wants_map && metadata.is_file() && metadata.len() > 0 {
        if let Some(mapped) = raw.file_ref().and_then(|file| MappedReader::map(file).ok()) {
            return Ok(Source {
                inner: Inner::Mapped(mapped),
            });
        }
    }
    Source::with_compression(raw, compression, options)
}

fn open_error(path: &Path, error: io::Error) -> Error {
    let kind = if error.kind() == io::ErrorKind::NotFound {
        ErrorKind::NotFound
    } else {
        ErrorKind::Io
    };
    Error::without_format(kind, format!("cannot open {}", path.display())).with_source(error)
}

impl Source {
    /// Sniffs and wraps an already opened raw input.
    fn from_raw(mut raw: RawReader, options: &IoOptions) -> Result<Self> {
        let compression = sniff(raw.peek(SNIFF_LENGTH)?)?;
        Self::with_compression(raw, compression, options)
    }

    fn with_compression(
        raw: RawReader,
        compression: Compression,
        options: &IoOptions,
    ) -> Result<Self> {
        let inner = match compression {
            Compression::None => Inner::Plain(raw),
            Compression::Gzip => Inner::Gzip(BufReader::with_capacity(
                options.buffer_capacity.max(64),
                GzipReader::new(raw),
            )),
            Compression::Bgzf => {
                let mut builder = bgzf::ReaderBuilder::new().threads(options.bgzf_threads);
                // Decoding threads read a regular file themselves.
                let regular = raw.file_ref().filter(|file| {
                    raw.position() == 0 && file.metadata().is_ok_and(|m| m.is_file())
                });
                if let Some(file) = regular.and_then(|file| file.try_clone().ok()) {
                    builder = builder.parallel_source(std::sync::Arc::new(file));
                }
                // Inline decoding inflates blocks inside the raw buffer.
                let lend = bgzf::Lend {
                    peek: RawReader::peek,
                    consume: BufRead::consume,
                };
                Inner::Bgzf(builder.build_lending(raw, lend))
            }
        };
        Ok(Source { inner })
    }

    /// How the input is compressed.
    pub fn compression(&self) -> Compression {
        match self.inner {
            Inner::Mapped(_) | Inner::Plain(_) => Compression::None,
            Inner::Gzip(_) => Compression::Gzip,
            Inner::Bgzf(_) => Compression::Bgzf,
        }
    }

    /// Whether the input is read through a memory map.
    pub fn is_mapped(&self) -> bool {
        matches!(self.inner, Inner::Mapped(_))
    }

    /// How far into the underlying file reading has got, in bytes: of the
    /// compressed file for compressed input. Compare it with the file's size
    /// to show progress.
    pub fn input_position(&self) -> u64 {
        match &self.inner {
            Inner::Mapped(reader) => reader.position(),
            Inner::Plain(reader) => reader.position(),
            Inner::Gzip(reader) => reader.get_ref().decoder.get_ref().position(),
            Inner::Bgzf(reader) => reader
                .virtual_position()
                .compressed_offset()
                .max(reader.get_ref().position()),
        }
    }

    /// The BGZF reader, for virtual-position seeks, if the input is BGZF.
    pub fn bgzf_mut(&mut self) -> Option<&mut bgzf::Reader<RawReader>> {
        match &mut self.inner {
            Inner::Bgzf(reader) => Some(reader),
            _ => None,
        }
    }
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Source")
            .field("compression", &self.compression())
            .field("mapped", &self.is_mapped())
            .finish_non_exhaustive()
    }
}

impl Read for Source {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        match &mut self.inner {
            Inner::Mapped(reader) => reader.read(out),
            Inner::Plain(reader) => reader.read(out),
            Inner::Gzip(reader) => reader.read(out),
            Inner::Bgzf(reader) => reader.read(out),
        }
    }
}

impl BufRead for Source {
    // Inlined into record readers, which call these once or twice a record.
    #[inline(always)]
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        match &mut self.inner {
            Inner::Mapped(reader) => reader.fill_buf(),
            Inner::Plain(reader) => reader.fill_buf(),
            Inner::Gzip(reader) => reader.fill_buf(),
            Inner::Bgzf(reader) => reader.fill_buf(),
        }
    }

    #[inline]
    fn consume(&mut self, amount: usize) {
        match &mut self.inner {
            Inner::Mapped(reader) => reader.consume(amount),
            Inner::Plain(reader) => reader.consume(amount),
            Inner::Gzip(reader) => reader.consume(amount),
            Inner::Bgzf(reader) => reader.consume(amount),
        }
    }
}

/// BGZF input carries a record's head into the next block's buffer;
/// plain input moves it to the front of its buffer and reads on (up to the
/// buffer's capacity); gzip and mapped input lend what they hold.
impl bgzf::FillBufAtLeast for Source {
    fn fill_buf_at_least(&mut self, n: usize) -> io::Result<&[u8]> {
        match &mut self.inner {
            Inner::Mapped(reader) => reader.fill_buf(),
            Inner::Plain(reader) => reader.peek(n),
            Inner::Gzip(reader) => reader.fill_buf(),
            Inner::Bgzf(reader) => reader.fill_buf_at_least(n),
        }
    }
}

impl Seek for Source {
    fn seek(&mut self, position: SeekFrom) -> io::Result<u64> {
        match &mut self.inner {
            Inner::Mapped(reader) => reader.seek(position),
            Inner::Plain(reader) => reader.seek(position),
            Inner::Gzip(_) | Inner::Bgzf(_) => Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "a compressed source cannot seek by byte offset (use Source::bgzf_mut for BGZF)",
            )),
        }
    }
}

/// A (multi-member) gzip stream whose errors name the format and the
/// compressed byte offset, and which treats a stream cut short as an error.
#[derive(Debug)]
struct GzipReader {
    decoder: MultiGzDecoder<RawReader>,
}

impl GzipReader {
    fn new(raw: RawReader) -> Self {
        GzipReader {
            decoder: MultiGzDecoder::new(raw),
        }
    }

    fn error(&self, error: io::Error) -> io::Error {
        let kind = match error.kind() {
            io::ErrorKind::UnexpectedEof => ErrorKind::UnexpectedEof,
            io::ErrorKind::InvalidInput | io::ErrorKind::InvalidData => ErrorKind::InvalidData,
            _ => return error,
        };
        Error::new(kind, Format::Gzip, error.to_string())
            .at_byte_offset(self.decoder.get_ref().position())
            .into()
    }
}

impl Read for GzipReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        self.decoder.read(out).map_err(|e| self.error(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads `path` whole through a BGZF source decoding inline, with
    /// `capacity` bytes of raw buffer: the decoded bytes, and the error
    /// that ended reading if any.
    fn read_bgzf(path: &Path, capacity: usize) -> (Vec<u8>, Option<String>) {
        let options = IoOptions::default()
            .with_bgzf_threads(1)
            .with_buffer_capacity(capacity);
        let mut source = open_with(path, &options).unwrap();
        let mut out = Vec::new();
        let error = source.read_to_end(&mut out).err();
        (out, error.map(|e| e.to_string()))
    }

    #[test]
    fn blocks_inflated_in_the_buffer_read_and_fail_as_copied_ones() {
        let text: Vec<u8> = (0..300_000u32)
            .map(|i| b"ACGT\n"[(i.wrapping_mul(2_654_435_761) >> 29) as usize % 5])
            .collect();
        let mut writer = bgzf::Writer::new(Vec::new());
        io::Write::write_all(&mut writer, &text).unwrap();
        let file = writer.finish().unwrap();
        let block_size =
            |at: usize| usize::from(u16::from_le_bytes([file[at + 16], file[at + 17]])) + 1;
        let second = block_size(0);
        let third = second + block_size(second);
        let mut bad_crc = file.clone();
        bad_crc[third - 8] ^= 1;
        let cases = [
            file.clone(),
            bad_crc,
            file[..second + 100].to_vec(),
            file[..third - 3].to_vec(),
        ];
        let path = std::env::temp_dir().join(format!("biometal-lend-{}.gz", std::process::id()));
        for (case, bytes) in cases.iter().enumerate() {
            std::fs::write(&path, bytes).unwrap();
            // 128 KiB lends whole blocks; 1000 bytes never holds one.
            let (lent, copied) = (read_bgzf(&path, 128 << 10), read_bgzf(&path, 1000));
            assert_eq!(lent, copied, "case {case}");
            assert_eq!(lent.1.is_none(), case == 0, "case {case}: {:?}", lent.1);
            assert_eq!(lent.0[..], text[..lent.0.len()], "case {case}");
        }
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn unsupported_compression_is_named() {
        let path = std::env::temp_dir().join(format!("biometal-xz-{}", std::process::id()));
        std::fs::write(&path, [0xfd, b'7', b'z', b'X', b'Z', 0x00, 0, 0]).unwrap();
        let error = open(&path).unwrap_err();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(error.kind(), ErrorKind::Unsupported);
        assert!(error.to_string().contains("xz"));
    }

    #[test]
    fn missing_file_is_not_found_with_its_path() {
        let error = open("/nonexistent/biometal/file.fq").unwrap_err();
        assert_eq!(error.kind(), ErrorKind::NotFound);
        assert!(error.to_string().contains("/nonexistent/biometal/file.fq"));
    }
}
