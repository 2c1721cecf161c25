//! BGZF, the blocked gzip format under BAM, BCF, bgzipped VCF/BED/GFF/FASTA
//! and every index query into them (SAM/BAM specification, section 4.1).
//!
//! A BGZF file is a series of gzip members ("blocks") of at most 64 KiB each,
//! both compressed and uncompressed, each carrying its own compressed size in
//! a `BC` extra subfield, and ending with a fixed empty block, the EOF marker.
//! Because every block is independent, a [`VirtualPosition`] (block offset +
//! offset within the block) addresses any byte, and blocks can be inflated in
//! parallel.

pub mod block;
mod gzi;
mod reader;
mod virtual_position;
mod writer;

pub use self::gzi::{GziEntry, GziIndex};
pub(crate) use self::reader::Lend;
pub use self::reader::{FillBufAtLeast, Reader, ReaderBuilder, MAX_AUTO_THREADS};
pub use self::virtual_position::VirtualPosition;
pub use self::writer::{Writer, WriterBuilder, DEFAULT_COMPRESSION_LEVEL, MAX_COMPRESSION_LEVEL};

/// The largest block, compressed or uncompressed, that BGZF allows: 64 KiB.
pub const MAX_BLOCK_SIZE: usize = 65_536;

/// The uncompressed bytes a writer puts in one block. htslib and bgzip use
/// 0xff00 (65,280) so that an incompressible block still fits in 64 KiB.
pub const DEFAULT_BLOCK_DATA_SIZE: usize = 0xff00;

/// The bytes of a BGZF header up to and including `BSIZE`: gzip magic,
/// deflate method, `FEXTRA` flag, `XLEN = 6`, and the `BC` subfield.
pub const HEADER_SIZE: usize = 18;

/// The gzip footer: CRC32 and ISIZE, little-endian.
pub const FOOTER_SIZE: usize = 8;

/// The 28-byte empty block that ends every BGZF file.
pub const EOF_MARKER: [u8; 28] = [
    0x1f, 0x8b, 0x08, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0x06, 0x00, 0x42, 0x43, 0x02, 0x00,
    0x1b, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
];
