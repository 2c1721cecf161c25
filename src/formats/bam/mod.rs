//! BAM: the binary, BGZF-compressed form of SAM.
//!
//! [`Reader`] yields the crate's one alignment record type
//! ([`Record`](crate::formats::sam::Record), borrowed as
//! [`RecordRef`](crate::formats::sam::RecordRef)); [`Writer`] writes it.
//!
//! ```no_run
//! use biometal::formats::bam;
//!
//! let mut reader = bam::Reader::from_path("sample.bam")?;
//! let header = reader.read_header()?;
//! let mut mapped = 0u64;
//! while let Some(record) = reader.next_record()? {
//!     mapped += u64::from(!record.flags().is_unmapped());
//! }
//! println!("{mapped} of {} references", header.reference_sequences().len());
//! # Ok::<(), biometal::Error>(())
//! ```

mod header;
mod reader;
mod writer;

pub use self::reader::{
    Reader, ReaderBuilder, Uncompressed, VirtualPositioned, DEFAULT_MAX_RECORD_SIZE,
};
pub use self::writer::{Writer, WriterBuilder};

/// The four magic bytes opening a BAM stream (after decompression).
pub const MAGIC: &[u8; 4] = b"BAM\x01";
