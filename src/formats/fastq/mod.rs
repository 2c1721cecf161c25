//! FASTQ: sequencing reads with per-base qualities.
//!
//! [`Reader`] reads plain text from any [`std::io::Read`]; wrapped in the io
//! layer it reads gzip and BGZF too. Its hot path,
//! [`Reader::next_record`], borrows each [`RecordRef`] from the reader's
//! buffer without copying. [`Writer`] writes records back, byte for byte
//! for pass-through copies.
//!
//! ```
//! use biometal::formats::fastq::{Reader, Writer};
//!
//! let input = b"@r1 a\nACGT\n+\nIIII\n@r2\nGGC\n+\n##!\n";
//! let mut reader = Reader::new(&input[..]);
//! let mut writer = Writer::new(Vec::new());
//! while let Some(record) = reader.next_record() {
//!     writer.write_record_ref(&record?)?;
//! }
//! assert_eq!(writer.into_inner(), input);
//! # Ok::<(), biometal::Error>(())
//! ```

mod batch;
mod paired;
mod reader;
mod record;
mod stats;
mod writer;

pub use self::batch::RecordBatch;
pub use self::paired::{mate_name, PairedReader};
#[cfg(feature = "neural-engine")]
pub(crate) use self::reader::Spans;
pub use self::reader::{
    Reader, ReaderBuilder, Records, DEFAULT_BUFFER_CAPACITY, DEFAULT_MAX_RECORD_SIZE,
};
pub use self::record::{Record, RecordRef};
pub use self::stats::{RecordStats, Summary, EXACT_LENGTH_LIMIT, MAX_TRACKED_POSITIONS};
pub use self::writer::Writer;
