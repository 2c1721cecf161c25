//! FASTA: named sequences, streamed or fetched by region through an index.
//!
//! * [`Reader`] streams records from any [`std::io::Read`], borrowing each
//!   [`RecordRef`] from its buffer;
//! * [`Writer`] writes records wrapped at a configurable width;
//! * [`fai`] builds, reads and writes `.fai` indexes identical to
//!   `samtools faidx`'s;
//! * [`IndexedReader`] fetches a sub-sequence by name and [`Interval`]
//!   reading only the bytes it covers, from `&self`, so one reader serves
//!   many threads.
//!
//! ```
//! use biometal::formats::fasta::{Reader, Writer};
//!
//! let mut reader = Reader::new(&b">chr1\nACGTAC\nGT\n"[..]);
//! let mut writer = Writer::with_line_width(Vec::new(), 4);
//! while let Some(record) = reader.next_record() {
//!     writer.write_record_ref(&record?)?;
//! }
//! assert_eq!(writer.into_inner(), b">chr1\nACGT\nACGT\n");
//! # Ok::<(), biometal::Error>(())
//! ```

pub mod fai;
mod indexed_reader;
mod reader;
mod record;
mod source;
mod writer;

pub use self::indexed_reader::{IndexedReader, Interval, ReadAt};
pub use self::reader::{Reader, ReaderBuilder, Records, DEFAULT_MAX_RECORD_SIZE};
pub use self::record::{Record, RecordRef};
pub use self::source::{BgzfFile, FastaFile};
pub use self::writer::{Writer, DEFAULT_LINE_WIDTH};
