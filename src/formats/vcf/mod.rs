//! VCF: the text format of variant calls, versions 4.1 to 4.5.
//!
//! * [`header`]: the header shared with BCF (meta lines, typed definitions,
//!   samples, the string and contig dictionaries);
//! * [`Variant`]: the one read interface of VCF and BCF records;
//! * [`GenotypeMatrix`]: every sample's genotype of one record, column-wise;
//! * [`Value`]: typed INFO/FORMAT values;
//! * [`Reader`] and [`Writer`]: VCF text, plain, gzip or BGZF.

mod fields;
pub(crate) mod format;
mod genotypes;
mod gt;
mod gt_simd;
pub mod header;
mod query;
mod reader;
mod record;
mod validate;
mod value;
mod variant;
mod writer;

pub use self::genotypes::GenotypeMatrix;
pub use self::header::Header;
pub use self::query::Query;
pub use self::reader::{Reader, ReaderBuilder, DEFAULT_MAX_LINE_SIZE};
pub use self::record::{Record, RecordRef};
pub use self::value::{format_float, Value};
pub use self::variant::Variant;
pub use self::writer::Writer;
