//! BED: intervals of a genome, one per line, in 0-based half-open
//! coordinates.
//!
//! A BED file is `BEDn+m` ([`Layout`]): `n` standard columns (chrom,
//! chromStart, chromEnd, name, score, strand, thickStart, thickEnd, itemRgb,
//! blockCount, blockSizes, blockStarts; 3 to 9, or all 12) then `m` columns
//! of the file's own, as in ENCODE narrowPeak (BED6+4), broadPeak (BED6+3)
//! and bedGraph (BED3+1). The layout is detected from the first data line,
//! from a `track type=…` line, or declared.
//!
//! * [`Reader`] streams lines from any [`std::io::Read`] (or a path, plain,
//!   gzip or BGZF), validating every standard column once per line and
//!   lending a [`RecordRef`] of the line and its column bounds;
//! * [`Writer`] writes lines back byte for byte, plain or (through
//!   [`io::open_writer`](crate::io::open_writer)) BGZF.
//!
//! ```
//! use biometal::formats::bed::{ItemRgb, Layout, Reader};
//!
//! let data = b"track name=genes\n\
//!     chr1\t1000\t5000\ttx1\t960\t+\t1200\t4900\t255,0,0\t2\t567,488,\t0,3512,\n";
//! let mut reader = Reader::new(&data[..]);
//! let record = reader.next_record().unwrap()?;
//! assert_eq!(record.layout(), Layout::bed(12)?);
//! assert_eq!(record.item_rgb(), Some(ItemRgb::Color([255, 0, 0])));
//! let exons: Vec<_> = record.blocks().unwrap().map(|b| (b.start(), b.end())).collect();
//! assert_eq!(exons, [(1000, 1567), (4512, 5000)]);
//! # Ok::<(), biometal::Error>(())
//! ```

mod layout;
mod line;
mod reader;
mod record;
mod writer;

pub use self::layout::Layout;
pub use self::line::Separator;
pub(crate) use self::line::{find_byte, parse_u64};
pub use self::reader::{Line, Reader, ReaderBuilder, Records, DEFAULT_MAX_LINE_LENGTH};
pub use self::record::{Blocks, ItemRgb, Record, RecordRef, Strand};
pub use self::writer::Writer;
