//! CRAM framing: the file definition, container headers and blocks (CRAM
//! specification §6–§8), as pure functions over bytes plus the stream
//! reads that fetch one container at a time.

use std::io::Read;

use super::codecs::block::{decompress, Method};
use super::cursor::{decode_itf8, Cursor};
use crate::{Error, ErrorKind, Format, Result};

/// The largest container body read into memory: 1 GiB. htslib writes
/// containers of a few MB; a larger `length` is reported as
/// [`ErrorKind::LimitExceeded`] before any allocation.
pub const MAX_CONTAINER_LEN: usize = 1 << 30;

/// The most landmarks (slices) or blocks one container may list.
pub(crate) const MAX_BLOCKS: usize = 1 << 16;

/// The start position the EOF container carries (`"EOF"` as a number).
const EOF_POSITION: i64 = 4_542_278;

/// The CRAM file definition: magic, format version and file id (26 bytes).
///
/// ```
/// use biometal::formats::cram::FileDefinition;
/// let mut bytes = b"CRAM\x03\x01".to_vec();
/// bytes.extend_from_slice(&[0u8; 20]);
/// let definition = FileDefinition::parse(&bytes)?;
/// assert_eq!((definition.major_version, definition.minor_version), (3, 1));
/// # Ok::<(), biometal::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileDefinition {
    /// The major format version (2 or 3 are read).
    pub major_version: u8,
    /// The minor format version.
    pub minor_version: u8,
    /// The 20-byte file id (often the file name, NUL-padded).
    pub file_id: [u8; 20],
}

impl FileDefinition {
    /// The definition's size in bytes.
    pub const LEN: usize = 26;

    /// Parses and checks the first 26 bytes of a CRAM file.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidData`] without the `CRAM` magic,
    /// [`ErrorKind::Unsupported`] for versions other than 2.x and 3.x.
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        let mut cursor = Cursor::new(bytes, 0);
        let magic = cursor.array::<4>("file definition magic")?;
        if &magic != b"CRAM" {
            return Err(Error::invalid_data(
                Format::Cram,
                format!("file does not start with the CRAM magic: found {magic:02x?}"),
            )
            .at_byte_offset(0));
        }
        let major_version = cursor.u8("major version")?;
        let minor_version = cursor.u8("minor version")?;
        let file_id = cursor.array::<20>("file id")?;
        if !(2..=3).contains(&major_version) {
            return Err(Error::unsupported(
                Format::Cram,
                format!(
                    "CRAM version {major_version}.{minor_version} (this reader reads 2.x and 3.x)"
                ),
            )
            .at_byte_offset(4));
        }
        Ok(FileDefinition {
            major_version,
            minor_version,
            file_id,
        })
    }

    /// Whether containers and blocks carry CRC32s (CRAM 3.0 and later).
    pub(crate) fn has_crc(&self) -> bool {
        self.major_version >= 3
    }
}

/// A container header (CRAM §7).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ContainerHeader {
    /// Byte length of the container's blocks.
    pub length: usize,
    /// Reference id; -1 unmapped, -2 multiple references.
    pub reference_id: i32,
    /// 1-based alignment start.
    pub alignment_start: i64,
    /// Alignment span.
    pub alignment_span: i64,
    /// Number of records.
    pub record_count: i32,
    /// 0-based index of the first record in the file.
    pub record_counter: i64,
    /// Number of blocks.
    pub block_count: usize,
    /// Offsets of the slices from the end of this header.
    pub landmarks: Vec<usize>,
    /// File offset of the header's first byte.
    pub offset: u64,
    /// The header's size in bytes.
    pub header_len: usize,
}

impl ContainerHeader {
    /// Whether this is the EOF container.
    pub fn is_eof(&self) -> bool {
        self.record_count == 0 && self.reference_id == -1 && self.alignment_start == EOF_POSITION
    }
}

/// Reads the next few bytes of a container header from a stream, keeping
/// them for the CRC.
struct HeaderBytes<'r, R> {
    inner: &'r mut R,
    raw: Vec<u8>,
    offset: u64,
}

impl<R: Read> HeaderBytes<'_, R> {
    fn fill(&mut self, n: usize, what: &str) -> Result<()> {
        let start = self.raw.len();
        self.raw.resize(start + n, 0);
        read_exact(
            self.inner,
            &mut self.raw[start..],
            what,
            self.offset + start as u64,
        )
    }

    fn itf8(&mut self, what: &str) -> Result<i32> {
        self.fill(1, what)?;
        let start = self.raw.len() - 1;
        let len = super::cursor::itf8_len(self.raw[start]);
        self.fill(len - 1, what)?;
        decode_itf8(&self.raw[start..])
            .map(|(value, _)| value)
            .ok_or_else(|| Error::invalid_data(Format::Cram, format!("{what}: bad ITF8")))
    }

    fn ltf8(&mut self, what: &str) -> Result<i64> {
        self.fill(1, what)?;
        let start = self.raw.len() - 1;
        let extra = self.raw[start].leading_ones() as usize;
        self.fill(extra, what)?;
        Cursor::new(&self.raw[start..], 0).ltf8(what)
    }
}

/// Fills `buf` from `inner`; a short read is an [`ErrorKind::UnexpectedEof`]
/// error naming `what` and the file offset.
pub(crate) fn read_exact<R: Read>(
    inner: &mut R,
    buf: &mut [u8],
    what: &str,
    offset: u64,
) -> Result<()> {
    let mut filled = 0;
    while filled < buf.len() {
        match inner.read(&mut buf[filled..]) {
            Ok(0) => {
                return Err(Error::unexpected_eof(
                    Format::Cram,
                    format!(
                        "input ends inside {what}: {filled} of {} bytes present",
                        buf.len()
                    ),
                )
                .at_byte_offset(offset + filled as u64))
            }
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::from(e).at_byte_offset(offset + filled as u64)),
        }
    }
    Ok(())
}

/// Reads one container header at file offset `offset`: `Ok(None)` when
/// the input ends cleanly before it.
pub(crate) fn read_container_header<R: Read>(
    inner: &mut R,
    offset: u64,
    definition: &FileDefinition,
    verify_crc: bool,
) -> Result<Option<ContainerHeader>> {
    let mut first = [0u8; 1];
    loop {
        match inner.read(&mut first) {
            Ok(0) => return Ok(None),
            Ok(_) => break,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::from(e).at_byte_offset(offset)),
        }
    }
    let mut bytes = HeaderBytes {
        inner,
        raw: first.to_vec(),
        offset,
    };
    bytes.fill(3, "container length")?;
    let length = i32::from_le_bytes([bytes.raw[0], bytes.raw[1], bytes.raw[2], bytes.raw[3]]);
    let length = usize::try_from(length).map_err(|_| {
        Error::invalid_data(
            Format::Cram,
            format!("container length is negative ({length})"),
        )
        .at_byte_offset(offset)
    })?;
    if length > MAX_CONTAINER_LEN {
        return Err(Error::limit_exceeded(
            Format::Cram,
            "container length",
            length as u64,
            MAX_CONTAINER_LEN as u64,
        )
        .at_byte_offset(offset));
    }
    let reference_id = bytes.itf8("container reference id")?;
    let alignment_start = i64::from(bytes.itf8("container alignment start")?);
    let alignment_span = i64::from(bytes.itf8("container alignment span")?);
    let record_count = bytes.itf8("container record count")?;
    let record_counter = if definition.major_version >= 3 {
        bytes.ltf8("container record counter")?
    } else {
        i64::from(bytes.itf8("container record counter")?)
    };
    let _bases = bytes.ltf8("container base count")?;
    let block_count = bytes.itf8("container block count")?;
    let landmark_count = bytes.itf8("container landmark count")?;
    let check = |value: i32, what: &str| {
        usize::try_from(value)
            .ok()
            .filter(|&v| v <= MAX_BLOCKS)
            .ok_or_else(|| {
                Error::invalid_data(
                    Format::Cram,
                    format!("{what} {value} is outside 0..={MAX_BLOCKS}"),
                )
                .at_byte_offset(offset)
            })
    };
    let block_count = check(block_count, "container block count")?;
    let landmark_count = check(landmark_count, "container landmark count")?;
    let mut landmarks = Vec::with_capacity(landmark_count);
    for _ in 0..landmark_count {
        let landmark = bytes.itf8("container landmark")?;
        landmarks.push(usize::try_from(landmark).map_err(|_| {
            Error::invalid_data(Format::Cram, format!("negative landmark {landmark}"))
                .at_byte_offset(offset)
        })?);
    }
    if definition.has_crc() {
        let covered = bytes.raw.len();
        bytes.fill(4, "container CRC32")?;
        let stored = u32::from_le_bytes([
            bytes.raw[covered],
            bytes.raw[covered + 1],
            bytes.raw[covered + 2],
            bytes.raw[covered + 3],
        ]);
        if verify_crc && !cfg!(fuzzing) {
            let computed = crc32fast::hash(&bytes.raw[..covered]);
            if computed != stored {
                return Err(Error::new(
                    ErrorKind::ChecksumMismatch,
                    Format::Cram,
                    format!(
                        "container header CRC32 is {computed:08x}, the header stores {stored:08x}"
                    ),
                )
                .at_byte_offset(offset));
            }
        }
    }
    Ok(Some(ContainerHeader {
        length,
        reference_id,
        alignment_start,
        alignment_span,
        record_count,
        record_counter,
        block_count,
        landmarks,
        offset,
        header_len: bytes.raw.len(),
    }))
}

/// Block content types (CRAM §8.1).
pub(crate) mod content_type {
    /// The SAM header text.
    pub const FILE_HEADER: u8 = 0;
    /// A compression header.
    pub const COMPRESSION_HEADER: u8 = 1;
    /// A slice header.
    pub const SLICE_HEADER: u8 = 2;
    /// External data.
    pub const EXTERNAL_DATA: u8 = 4;
    /// The core bit stream.
    pub const CORE_DATA: u8 = 5;
}

/// One block, its data still compressed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Block<'a> {
    pub method: Method,
    pub content_type: u8,
    pub content_id: i32,
    pub raw_size: usize,
    pub data: &'a [u8],
    /// File offset of the block's first byte.
    pub offset: u64,
}

impl Block<'_> {
    /// Decompresses the block into `out` (cleared first).
    pub fn decompress_into(&self, out: &mut Vec<u8>) -> Result<()> {
        if self.raw_size == 0 {
            out.clear();
            return Ok(());
        }
        decompress(self.method, self.data, self.raw_size, out).map_err(|e| {
            let what = format!(
                "block (content type {}, id {}) at byte {}: {}",
                self.content_type,
                self.content_id,
                self.offset,
                e.message()
            );
            Error::new(e.kind(), Format::Cram, what).at_byte_offset(self.offset)
        })
    }
}

/// Parses the block at the cursor, checking its CRC32 (3.x).
pub(crate) fn parse_block<'a>(
    cursor: &mut Cursor<'a>,
    definition: &FileDefinition,
    verify_crc: bool,
) -> Result<Block<'a>> {
    let offset = cursor.offset();
    let start = cursor.position();
    let all = cursor.remaining();
    let method_id = cursor.u8("block method")?;
    let method = Method::from_id(method_id).map_err(|e| e.at_byte_offset(offset))?;
    let content_type = cursor.u8("block content type")?;
    let content_id = cursor.itf8("block content id")?;
    let size = cursor.itf8_len("block size", MAX_CONTAINER_LEN)?;
    let raw_size = cursor.itf8_len("block raw size", super::codecs::MAX_DECODED_LEN)?;
    let data = cursor.bytes(size, "block data")?;
    if definition.has_crc() {
        let covered = cursor.position() - start;
        let stored = cursor.u32_le("block CRC32")?;
        if verify_crc && !cfg!(fuzzing) {
            let computed = crc32fast::hash(&all[..covered]);
            if computed != stored {
                return Err(Error::new(
                    ErrorKind::ChecksumMismatch,
                    Format::Cram,
                    format!("block CRC32 is {computed:08x}, the block stores {stored:08x}"),
                )
                .at_byte_offset(offset));
            }
        }
    }
    Ok(Block {
        method,
        content_type,
        content_id,
        raw_size,
        data,
        offset,
    })
}

/// Extracts the SAM header text from the header container's body; the
/// expansion blocks after it are parsed (and CRC-checked) too.
pub(crate) fn parse_header_container(
    body: &[u8],
    offset: u64,
    block_count: usize,
    definition: &FileDefinition,
    verify_crc: bool,
) -> Result<String> {
    let mut cursor = Cursor::new(body, offset);
    let block = parse_block(&mut cursor, definition, verify_crc)?;
    for _ in 1..block_count {
        parse_block(&mut cursor, definition, verify_crc)?;
    }
    if block.content_type != content_type::FILE_HEADER {
        return Err(Error::invalid_data(
            Format::Cram,
            format!(
                "the first container's first block has content type {}, expected 0 (SAM header)",
                block.content_type
            ),
        )
        .at_byte_offset(block.offset));
    }
    let mut raw = Vec::new();
    block.decompress_into(&mut raw)?;
    let mut header = Cursor::new(&raw, 0);
    let len = header.i32_le("SAM header length")?;
    let len = usize::try_from(len).map_err(|_| {
        Error::invalid_data(
            Format::Cram,
            format!("SAM header length is negative ({len})"),
        )
        .at_byte_offset(block.offset)
    })?;
    let text = header
        .bytes(len, "SAM header text")
        .map_err(|e| e.at_byte_offset(block.offset))?;
    let text = text.split(|&b| b == 0).next().unwrap_or(&[]);
    String::from_utf8(text.to_vec()).map_err(|_| {
        Error::invalid_data(Format::Cram, "SAM header text is not UTF-8")
            .at_byte_offset(block.offset)
    })
}
