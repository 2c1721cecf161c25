//! BCF 2.1 and 2.2: the binary form of VCF.
//!
//! A BCF stream (BGZF-compressed or not) opens with the magic `BCF\2\1` or
//! `BCF\2\2`, the header text (shared with VCF), then records of two
//! sections each, decoded lazily by [`RecordRef`]. Values are [`typed`]
//! vectors; names (CHROM, FILTER, INFO and FORMAT keys) are indices into
//! the header's dictionaries.

mod encode;
mod genotypes;
mod query;
mod reader;
mod record;
pub mod typed;
mod variant;
mod writer;

pub use self::query::Query;
pub use self::reader::{Reader, ReaderBuilder, DEFAULT_MAX_RECORD_SIZE, MAX_HEADER_SIZE};
pub use self::record::{Dictionaries, FormatField, Record, RecordRef, FIXED_SIZE};
pub use self::writer::{Writer, WriterBuilder};
pub use crate::formats::bam::{Uncompressed, VirtualPositioned};

/// The magic of BCF 2.1 (five bytes, before the header length).
pub const MAGIC_2_1: &[u8; 5] = b"BCF\x02\x01";
/// The magic of BCF 2.2.
pub const MAGIC_2_2: &[u8; 5] = b"BCF\x02\x02";
