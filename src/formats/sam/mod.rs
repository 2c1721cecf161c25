//! SAM: the header shared by SAM, BAM and CRAM, the one alignment record
//! type (stored in BAM's binary layout), and SAM text reading and writing.

pub mod header;

pub use self::header::Header;
pub mod record;

pub use self::record::{Flags, Record, RecordRef};
pub mod writer;

pub use self::writer::Writer;
pub mod reader;

pub use self::reader::Reader;
