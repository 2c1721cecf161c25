//! CRAM, the reference-based compressed alignment format (CRAM
//! specification, versions 2.1, 3.0 and 3.1).
//!
//! [`Reader`] decodes CRAM into the crate's one alignment record type
//! ([`Record`](crate::formats::sam::record::Record), BAM layout), so every
//! accessor and the SAM writer work unchanged. Reference bases come from a
//! [`ReferenceSource`] (an indexed FASTA file), from references embedded in
//! the file, or are not needed (reference-less and unmapped-only files).
//!
//! The code follows the specification's order: [`FileDefinition`] and
//! container framing (`container`), the compression header and data-series
//! encodings (`compression_header`, `encoding`), slices and records
//! (`slice`, `decode`), and the block [`codecs`]; `threads` decodes slices
//! in parallel ([`ReaderBuilder::threads`]). [`crai`] reads, writes and
//! builds CRAM indexes, through which [`Reader::query`] and
//! [`Reader::query_unmapped`] answer region queries as `samtools view
//! FILE.cram REGION` does.
//!
//! ```no_run
//! use biometal::formats::cram::{Reader, ReferenceSource};
//! use biometal::formats::sam::Writer;
//!
//! let mut reader = Reader::from_path("reads.cram", ReferenceSource::from_fasta_path("ref.fa")?)?;
//! let header = reader.read_header()?;
//! let mut writer = Writer::new(std::io::stdout().lock());
//! while let Some(record) = reader.next_record()? {
//!     writer.write_record(&header, record)?;
//! }
//! # Ok::<(), biometal::Error>(())
//! ```

pub mod codecs;
mod compression_header;
mod container;
pub mod crai;
mod cursor;
mod decode;
mod encoding;
mod features;
mod layout;
mod query;
mod reader;
mod reference;
mod slice;
mod threads;

pub use self::compression_header::Fields;
pub use self::container::{FileDefinition, MAX_CONTAINER_LEN};
pub use self::query::Query;
pub use self::reader::{Reader, ReaderBuilder};
pub use self::reference::ReferenceSource;
pub use self::slice::MAX_SLICE_RECORDS;
