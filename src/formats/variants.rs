//! VCF or BCF, whichever a file holds: one reader, one record type behind
//! the [`Variant`] interface, so code reading variants never asks which
//! encoding it was given.
//!
//! ```
//! use biometal::formats::variants;
//! use biometal::formats::vcf::Variant;
//!
//! let text = "##fileformat=VCFv4.3\n##contig=<ID=1>\n\
//!             #CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n\
//!             1\t100\t.\tA\tG\t50\tPASS\t.\n";
//! let input = biometal::formats::bcf::Uncompressed(text.as_bytes());
//! let mut reader = variants::Reader::new(input)?;
//! assert_eq!(reader.format(), variants::Encoding::Vcf);
//! let header = reader.read_header()?.clone();
//! while let Some(record) = reader.next_record()? {
//!     assert_eq!(record.chromosome(&header)?, "1");
//!     assert_eq!(record.position()?.get(), 100);
//! }
//! # Ok::<(), biometal::Error>(())
//! ```

use std::path::Path;

use super::bcf::{self, VirtualPositioned};
use super::vcf::{self, GenotypeMatrix, Header, Value, Variant};
use super::{detect, DetectedFormat};
use crate::bgzf::FillBufAtLeast;
use crate::io::{IoOptions, Source};
use crate::region::Position;
use crate::{Error, Result};

/// Which encoding a [`Reader`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// VCF text (plain, gzip or BGZF).
    Vcf,
    /// BCF (BGZF-compressed or not).
    Bcf,
}

/// A reader of VCF or BCF, chosen from the input's first bytes.
pub enum Reader<R> {
    /// VCF text.
    Vcf(vcf::Reader<R>),
    /// BCF, with its header once read.
    Bcf(bcf::Reader<R>, Option<Header>),
}

impl Reader<Source> {
    /// Opens a VCF (plain, gzip, BGZF) or BCF file.
    ///
    /// # Errors
    ///
    /// When the file cannot be opened or holds neither VCF nor BCF.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Self> {
        Self::from_path_with(path, &IoOptions::default())
    }

    /// Opens a VCF or BCF file with `options` (e.g. BGZF decoding on
    /// several threads: [`IoOptions::with_bgzf_threads`]).
    ///
    /// # Errors
    ///
    /// When the file cannot be opened or holds neither VCF nor BCF.
    pub fn from_path_with(path: impl AsRef<Path>, options: &IoOptions) -> Result<Self> {
        let path = path.as_ref();
        Self::new(crate::io::open_with(path, options)?)
            .map_err(|e| e.with_name(path.display().to_string()))
    }
}

impl<R: VirtualPositioned + FillBufAtLeast> Reader<R> {
    /// A reader of `inner`, decompressed (an [`io::Source`](crate::io::Source)
    /// decompresses gzip and BGZF itself; wrap bytes already decompressed
    /// in [`bcf::Uncompressed`]), VCF or BCF by its first bytes.
    ///
    /// # Errors
    ///
    /// When the input is neither VCF nor BCF, or cannot be read.
    pub fn new(mut inner: R) -> Result<Self> {
        match detect(inner.fill_buf()?) {
            DetectedFormat::Vcf => Ok(Reader::Vcf(vcf::Reader::new(inner))),
            DetectedFormat::Bcf => Ok(Reader::Bcf(bcf::ReaderBuilder::new().build(inner), None)),
            other => Err(Error::without_format(
                crate::ErrorKind::InvalidData,
                format!("expected VCF or BCF, found {other:?}"),
            )),
        }
    }

    /// The source.
    pub fn get_ref(&self) -> &R {
        match self {
            Reader::Vcf(reader) => reader.get_ref(),
            Reader::Bcf(reader, _) => reader.get_ref(),
        }
    }

    /// The encoding found.
    pub fn format(&self) -> Encoding {
        match self {
            Reader::Vcf(_) => Encoding::Vcf,
            Reader::Bcf(..) => Encoding::Bcf,
        }
    }

    /// Reads the header (first call) and returns it.
    ///
    /// # Errors
    ///
    /// As the format's reader's `read_header`.
    pub fn read_header(&mut self) -> Result<&Header> {
        match self {
            Reader::Vcf(reader) => reader.read_header(),
            Reader::Bcf(reader, header) => match header {
                Some(header) => Ok(header),
                None => Ok(header.insert(reader.read_header()?)),
            },
        }
    }

    /// The next record, borrowed from the reader: `None` at the end of
    /// input. Reads the header first if it has not been read.
    ///
    /// # Errors
    ///
    /// As the format's reader's `next_record`.
    pub fn next_record(&mut self) -> Result<Option<RecordRef<'_>>> {
        self.read_header()?;
        match self {
            Reader::Vcf(reader) => Ok(reader.next_record()?.map(RecordRef::Vcf)),
            Reader::Bcf(reader, _) => Ok(reader.next_record()?.map(RecordRef::Bcf)),
        }
    }
}

/// One record of a [`Reader`], VCF or BCF; read it through [`Variant`].
#[derive(Debug, Clone, Copy)]
pub enum RecordRef<'a> {
    /// A VCF line.
    Vcf(vcf::RecordRef<'a>),
    /// A BCF record.
    Bcf(bcf::RecordRef<'a>),
}

/// One of two iterators of the same items (the two encodings' accessors).
enum Either<A, B> {
    Vcf(A),
    Bcf(B),
}

impl<T, A: Iterator<Item = T>, B: Iterator<Item = T>> Iterator for Either<A, B> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        match self {
            Either::Vcf(a) => a.next(),
            Either::Bcf(b) => b.next(),
        }
    }
}

/// Calls `$method` on whichever record `$self` holds.
macro_rules! each {
    ($self:ident, $record:ident => $body:expr) => {
        match $self {
            RecordRef::Vcf($record) => $body,
            RecordRef::Bcf($record) => $body,
        }
    };
}

/// Calls an iterator-returning `$method` on whichever record `$self` holds.
macro_rules! either {
    ($self:ident, $record:ident => $body:expr) => {
        match $self {
            RecordRef::Vcf($record) => Either::Vcf($body),
            RecordRef::Bcf($record) => Either::Bcf($body),
        }
    };
}

impl Variant for RecordRef<'_> {
    fn chromosome<'a>(&'a self, header: &'a Header) -> Result<&'a str> {
        each!(self, record => Variant::chromosome(record, header))
    }

    fn position(&self) -> Result<Position> {
        each!(self, record => Variant::position(record))
    }

    fn ids(&self) -> Result<impl Iterator<Item = &str>> {
        Ok(match self {
            RecordRef::Vcf(record) => Either::Vcf(Variant::ids(record)?),
            RecordRef::Bcf(record) => Either::Bcf(Variant::ids(record)?),
        })
    }

    fn reference_bases(&self) -> Result<&[u8]> {
        each!(self, record => Variant::reference_bases(record))
    }

    fn alternate_bases(&self) -> Result<impl Iterator<Item = &[u8]>> {
        Ok(match self {
            RecordRef::Vcf(record) => Either::Vcf(Variant::alternate_bases(record)?),
            RecordRef::Bcf(record) => Either::Bcf(Variant::alternate_bases(record)?),
        })
    }

    fn alternate_allele_count(&self) -> Result<usize> {
        each!(self, record => Variant::alternate_allele_count(record))
    }

    fn quality(&self) -> Result<Option<f32>> {
        each!(self, record => Variant::quality(record))
    }

    fn filters<'a>(&'a self, header: &'a Header) -> Result<Option<impl Iterator<Item = &'a str>>> {
        Ok(match self {
            RecordRef::Vcf(record) => Variant::filters(record, header)?.map(Either::Vcf),
            RecordRef::Bcf(record) => Variant::filters(record, header)?.map(Either::Bcf),
        })
    }

    fn info<'a>(&'a self, header: &'a Header, key: &str) -> Result<Option<Value<'a>>> {
        each!(self, record => Variant::info(record, header, key))
    }

    fn info_fields<'a>(
        &'a self,
        header: &'a Header,
    ) -> impl Iterator<Item = Result<(&'a str, Value<'a>)>> {
        either!(self, record => Variant::info_fields(record, header))
    }

    fn format_keys<'a>(&'a self, header: &'a Header) -> impl Iterator<Item = Result<&'a str>> {
        either!(self, record => Variant::format_keys(record, header))
    }

    fn sample_value<'a>(
        &'a self,
        header: &'a Header,
        sample: usize,
        key: &str,
    ) -> Result<Option<Value<'a>>> {
        each!(self, record => Variant::sample_value(record, header, sample, key))
    }

    fn genotypes_into(&self, header: &Header, matrix: &mut GenotypeMatrix) -> Result<()> {
        each!(self, record => Variant::genotypes_into(record, header, matrix))
    }

    fn write_vcf(&self, header: &Header, out: &mut Vec<u8>) -> Result<()> {
        each!(self, record => Variant::write_vcf(record, header, out))
    }
}
