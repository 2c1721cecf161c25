//! BCF 2.1 and 2.2: the binary form of VCF.
//!
//! A BCF stream (BGZF-compressed or not) opens with the magic `BCF\2\1` or
//! `BCF\2\2`, the header text (shared with VCF), then records of two
//! sections each, decoded lazily by [`RecordRef`]. Values are [`typed`]
//! vectors; names (CHROM, FILTER, INFO and FORMAT keys) are indices into
//! the header's dictionaries. [`RecordRef`] implements the one variant
//! interface, [`Variant`](crate::formats::vcf::Variant), so code reading
//! variants does not care whether they came from VCF or BCF; [`Writer`]
//! writes BCF records verbatim or encodes any `Variant` (VCF → BCF).
//!
//! Readers come from a path ([`Reader::from_path`]: BGZF or uncompressed,
//! detected), from any [`Read`](std::io::Read) of BGZF
//! ([`Reader::with_threads`]), or from a [`BufRead`](std::io::BufRead) of
//! uncompressed BCF ([`Reader::new`] of [`Uncompressed`]). Three tiers:
//! [`Reader::next_record`] (borrowed, zero-copy when the record lies in the
//! decompressed block), [`Reader::read_record`] (reusing a [`Record`]) and
//! [`Reader::records`] (owned). Regions: [`Reader::query`] with the file's
//! CSI index.
//!
//! ```
//! use biometal::formats::{bcf, vcf::{GenotypeMatrix, Header, Variant}};
//!
//! let header = Header::parse(concat!(
//!     "##fileformat=VCFv4.2\n##contig=<ID=chr1>\n",
//!     "##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">\n",
//!     "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\ta\tb\n",
//! ))?;
//! let line = biometal::formats::vcf::RecordRef::parse(b"chr1\t7\t.\tA\tG\t.\t.\t.\tGT\t0|1\t1/1")?;
//! let mut writer = bcf::WriterBuilder::new().compressed(false).build(Vec::new())?;
//! writer.write_header(&header)?;
//! writer.write_variant(&header, &line)?;
//! let bytes = writer.finish()?;
//!
//! let mut reader = bcf::Reader::new(bcf::Uncompressed(&bytes[..]));
//! let header = reader.read_header()?;
//! let record = reader.next_record()?.unwrap();
//! assert_eq!(record.position().map(|p| p.get()), Some(7)); // 0-based 6 in the file
//! let mut genotypes = GenotypeMatrix::new();
//! record.genotypes_into(&header, &mut genotypes)?;
//! assert_eq!(genotypes.alleles(1), [1, 1]);
//! assert!(genotypes.is_phased(0));
//! # Ok::<(), biometal::Error>(())
//! ```

mod encode;
mod genotypes;
pub mod index;
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
