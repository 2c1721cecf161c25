//! VCF records: one line of text plus the bounds of its fixed fields,
//! decoded on demand.

use super::fields::{self, parse_typed, split_info};
use super::header::{Header, Number, ValueType};
use super::{GenotypeMatrix, Value, Variant};
use crate::region::Position;
use crate::{Error, Format, Result};

/// The end offsets of the eight fixed fields and FORMAT, found once when the
/// record is read; fields are `line[start..end]` between tabs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Bounds {
    /// `ends[k]`: one past field k (CHROM = 0 … INFO = 7, FORMAT = 8).
    ends: [usize; 9],
    /// Whether there is a FORMAT column (and so sample columns).
    has_format: bool,
    /// The record's 1-based line number in its input (0 when unknown).
    line_number: u64,
}

impl Bounds {
    /// Finds the fixed fields of `line` (without its newline).
    pub(crate) fn locate(line: &[u8], line_number: u64) -> Result<Bounds> {
        let mut bounds = Bounds {
            line_number,
            ..Bounds::default()
        };
        let mut tabs = memchr::memchr_iter(b'\t', line);
        for k in 0..9 {
            match tabs.next() {
                Some(tab) => bounds.ends[k] = tab,
                None if k >= 7 => {
                    bounds.ends[k] = line.len();
                    bounds.has_format = k == 8;
                    if k == 8 {
                        return Err(record_error(
                            "a FORMAT column without sample columns".into(),
                            line_number,
                        ));
                    }
                    return Ok(bounds);
                }
                None => {
                    return Err(record_error(
                        format!("expected 8 tab-separated fields, found {}", k + 1),
                        line_number,
                    ))
                }
            }
        }
        bounds.has_format = true;
        Ok(bounds)
    }
}

pub(crate) fn record_error(message: String, line_number: u64) -> Error {
    let error = Error::invalid_data(Format::Vcf, message);
    if line_number > 0 {
        error.at_line(line_number)
    } else {
        error
    }
}

/// A VCF record borrowed from a reader's buffer (or any text), decoded
/// lazily. See [`Variant`] for the accessors common to VCF and BCF.
///
/// ```
/// use biometal::formats::vcf::{Header, RecordRef, Value};
///
/// let header = Header::parse(concat!(
///     "##fileformat=VCFv4.3\n",
///     "##INFO=<ID=DP,Number=1,Type=Integer,Description=\"Depth\">\n",
///     "##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">\n",
///     "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\ts1\ts2\n",
/// ))?;
/// let record = RecordRef::parse(b"chr1\t100\trs1\tA\tC,G\t30\tPASS\tDP=7\tGT\t0|1\t2/.")?;
/// assert_eq!(record.chromosome(&header)?, "chr1");
/// assert_eq!(record.position()?.get(), 100);
/// assert_eq!(record.alternate_allele_count(), 2);
/// assert_eq!(record.info(&header, "DP")?, Some(Value::Integer(7)));
/// let mut matrix = biometal::formats::vcf::GenotypeMatrix::new();
/// record.genotypes_into(&header, &mut matrix)?;
/// assert_eq!(matrix.alleles(1), [2, -1]);
/// # Ok::<(), biometal::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct RecordRef<'a> {
    pub(crate) line: &'a [u8],
    pub(crate) bounds: Bounds,
}

impl<'a> RecordRef<'a> {
    /// A record over one line of text (without its newline).
    ///
    /// # Errors
    ///
    /// When the line has fewer than 8 tab-separated fields, or a FORMAT
    /// column without samples.
    pub fn parse(line: &'a [u8]) -> Result<Self> {
        Ok(RecordRef {
            line,
            bounds: Bounds::locate(line, 0)?,
        })
    }

    /// The line, without its newline.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.line
    }

    /// The 1-based line number of the record in its input (0 if unknown).
    pub fn line_number(&self) -> u64 {
        self.bounds.line_number
    }

    /// Field `k` (0 = CHROM … 7 = INFO, 8 = FORMAT) as raw bytes.
    #[inline]
    pub(crate) fn field(&self, k: usize) -> &'a [u8] {
        let start = if k == 0 {
            0
        } else {
            self.bounds.ends[k - 1] + 1
        };
        self.line.get(start..self.bounds.ends[k]).unwrap_or(b"")
    }

    /// The sample columns (tab-separated), empty without FORMAT.
    pub(crate) fn samples_text(&self) -> &'a [u8] {
        if self.bounds.has_format {
            self.line.get(self.bounds.ends[8] + 1..).unwrap_or(b"")
        } else {
            b""
        }
    }

    pub(crate) fn error(&self, message: String) -> Error {
        record_error(message, self.bounds.line_number)
    }

    fn text(&self, k: usize, name: &str) -> Result<&'a str> {
        std::str::from_utf8(self.field(k)).map_err(|_| self.error(format!("{name} is not UTF-8")))
    }

    /// POS as written: 0 is allowed (telomeres) and returned as 0.
    ///
    /// # Errors
    ///
    /// When POS is not an unsigned integer.
    pub fn position_value(&self) -> Result<u64> {
        let text = self.field(1);
        fields::parse_u64(text).ok_or_else(|| {
            self.error(format!(
                "POS: expected an integer, found {:?}",
                String::from_utf8_lossy(text)
            ))
        })
    }

    /// The raw INFO column (`.` when missing).
    pub fn info_text(&self) -> &'a [u8] {
        self.field(7)
    }

    /// The raw FORMAT column (empty when absent).
    pub fn format_text(&self) -> &'a [u8] {
        if self.bounds.has_format {
            self.field(8)
        } else {
            b""
        }
    }
}

impl<'a> RecordRef<'a> {
    /// CHROM.
    ///
    /// # Errors
    ///
    /// When CHROM is empty or not UTF-8.
    pub fn chromosome(&self, _header: &Header) -> Result<&'a str> {
        let chromosome = self.text(0, "CHROM")?;
        if chromosome.is_empty() {
            return Err(self.error("CHROM is empty".into()));
        }
        Ok(chromosome)
    }

    /// POS as a 1-based position.
    ///
    /// # Errors
    ///
    /// When POS is not a positive integer.
    pub fn position(&self) -> Result<Position> {
        Position::new(self.position_value()?)
            .ok_or_else(|| self.error("POS is 0, which has no 1-based position".into()))
    }

    /// The IDs; none when missing.
    ///
    /// # Errors
    ///
    /// When ID is not UTF-8.
    pub fn ids(&self) -> Result<impl Iterator<Item = &'a str> + 'a> {
        let text = self.text(2, "ID")?;
        let text = if text == "." { "" } else { text };
        Ok(text.split(';').filter(|id| !id.is_empty()))
    }

    /// REF.
    pub fn reference_bases(&self) -> &'a [u8] {
        self.field(3)
    }

    /// The ALT alleles; none when missing.
    pub fn alternate_bases(&self) -> impl Iterator<Item = &'a [u8]> + 'a {
        let text = self.field(4);
        let text: &[u8] = if text == b"." { b"" } else { text };
        text.split(|&b| b == b',')
            .filter(|allele| !allele.is_empty())
    }

    /// The number of ALT alleles.
    pub fn alternate_allele_count(&self) -> usize {
        match self.field(4) {
            b"." | b"" => 0,
            text => memchr::memchr_iter(b',', text).count() + 1,
        }
    }

    /// QUAL; `None` when missing.
    ///
    /// # Errors
    ///
    /// When QUAL is not a number.
    pub fn quality(&self) -> Result<Option<f32>> {
        match self.field(5) {
            b"." => Ok(None),
            text => fields::parse_f32(text).map(Some).ok_or_else(|| {
                self.error(format!(
                    "QUAL: expected a number, found {:?}",
                    String::from_utf8_lossy(text)
                ))
            }),
        }
    }

    /// FILTER names; `None` when missing.
    ///
    /// # Errors
    ///
    /// When FILTER is not UTF-8.
    pub fn filters(&self) -> Result<Option<std::str::Split<'a, char>>> {
        let text = self.text(6, "FILTER")?;
        Ok((text != ".").then(|| text.split(';')))
    }

    /// INFO `key` typed by `header`; `None` when absent.
    ///
    /// # Errors
    ///
    /// When the value does not parse as its type.
    pub fn info(&self, header: &Header, key: &str) -> Result<Option<Value<'a>>> {
        for (k, value) in split_info(self.info_text()) {
            if k == key.as_bytes() {
                return self.typed_info(header, key, value).map(Some);
            }
        }
        Ok(None)
    }

    /// Every INFO field, typed.
    pub fn info_fields<'h>(
        &self,
        header: &'h Header,
    ) -> impl Iterator<Item = Result<(&'a str, Value<'a>)>> + 'h
    where
        'a: 'h,
    {
        let record = *self;
        split_info(self.info_text()).map(move |(key, value)| {
            let key = std::str::from_utf8(key)
                .map_err(|_| record.error("INFO key is not UTF-8".into()))?;
            Ok((key, record.typed_info(header, key, value)?))
        })
    }

    /// The FORMAT keys.
    pub fn format_keys(&self) -> impl Iterator<Item = Result<&'a str>> + 'a {
        let record = *self;
        let text = self.format_text();
        let keys = if text.is_empty() {
            None
        } else {
            Some(text.split(|&b| b == b':'))
        };
        keys.into_iter().flatten().map(move |key| {
            std::str::from_utf8(key).map_err(|_| record.error("FORMAT key is not UTF-8".into()))
        })
    }

    /// FORMAT `key` of sample column `sample` (0-based), typed by `header`;
    /// GT is returned as its text. Finding the column scans the line.
    ///
    /// # Errors
    ///
    /// When the value does not parse as its type or the column is absent.
    pub fn sample_value(
        &self,
        header: &Header,
        sample: usize,
        key: &str,
    ) -> Result<Option<Value<'a>>> {
        let Some(position) = self
            .format_text()
            .split(|&b| b == b':')
            .position(|k| k == key.as_bytes())
        else {
            return Ok(None);
        };
        let Some(column) = self.samples_text().split(|&b| b == b'\t').nth(sample) else {
            return Err(self.error(format!("no sample column {}", sample + 1)));
        };
        let Some(value) = column.split(|&b| b == b':').nth(position) else {
            return Ok(None);
        };
        if key == "GT" {
            let text =
                std::str::from_utf8(value).map_err(|_| self.error("GT is not UTF-8".into()))?;
            return Ok(Some(Value::String(text.into())));
        }
        let (number, value_type) = match header.format(key) {
            Some(definition) => (definition.number(), definition.value_type()),
            None => (Number::Count(1), ValueType::String),
        };
        parse_typed(value, number, value_type, percent_decoding(header))
            .map(Some)
            .map_err(|message| {
                self.error(format!("FORMAT {key} of sample {}: {message}", sample + 1))
            })
    }

    /// Decodes every sample's GT into `matrix` (see [`Variant::genotypes_into`]).
    ///
    /// # Errors
    ///
    /// When a genotype is malformed, an allele index exceeds the alleles,
    /// or the number of sample columns differs from the header's.
    pub fn genotypes_into(&self, header: &Header, matrix: &mut GenotypeMatrix) -> Result<()> {
        super::gt::decode(self, header.samples().len(), matrix)
    }

    fn typed_info(&self, header: &Header, key: &str, value: Option<&'a [u8]>) -> Result<Value<'a>> {
        // Keys the header does not define are read as bcftools reads them:
        // a flag when without value, a string otherwise.
        let (number, value_type) = match (header.info(key), value) {
            (Some(definition), _) => (definition.number(), definition.value_type()),
            (None, None) => (Number::Count(0), ValueType::Flag),
            (None, Some(_)) => (Number::Count(1), ValueType::String),
        };
        match value {
            None if value_type == ValueType::Flag => Ok(Value::Flag),
            None => Err(self.error(format!("INFO {key} has no value but is not a Flag"))),
            // `FLAG=value`: bcftools ignores the value, so does this.
            Some(_) if value_type == ValueType::Flag => Ok(Value::Flag),
            Some(text) => parse_typed(text, number, value_type, percent_decoding(header))
                .map_err(|message| self.error(format!("INFO {key}: {message}"))),
        }
    }
}

/// Strings are percent-encoded from VCF 4.3 on.
fn percent_decoding(header: &Header) -> bool {
    header.version() >= (4, 3)
}

/// Implements [`Variant`] for a type with a `view()` giving its [`RecordRef`].
macro_rules! impl_variant {
    ($ty:ty) => {
        impl Variant for $ty {
            fn chromosome<'h>(&'h self, header: &'h Header) -> Result<&'h str> {
                self.view().chromosome(header)
            }
            fn position(&self) -> Result<Position> {
                self.view().position()
            }
            fn ids(&self) -> Result<impl Iterator<Item = &str>> {
                self.view().ids()
            }
            fn reference_bases(&self) -> Result<&[u8]> {
                Ok(self.view().reference_bases())
            }
            fn alternate_bases(&self) -> Result<impl Iterator<Item = &[u8]>> {
                Ok(self.view().alternate_bases())
            }
            fn alternate_allele_count(&self) -> Result<usize> {
                Ok(self.view().alternate_allele_count())
            }
            fn quality(&self) -> Result<Option<f32>> {
                self.view().quality()
            }
            fn filters<'h>(
                &'h self,
                _header: &'h Header,
            ) -> Result<Option<impl Iterator<Item = &'h str>>> {
                self.view().filters()
            }
            fn info<'h>(&'h self, header: &'h Header, key: &str) -> Result<Option<Value<'h>>> {
                self.view().info(header, key)
            }
            fn info_fields<'h>(
                &'h self,
                header: &'h Header,
            ) -> impl Iterator<Item = Result<(&'h str, Value<'h>)>> {
                self.view().info_fields(header)
            }
            fn format_keys<'h>(
                &'h self,
                _header: &'h Header,
            ) -> impl Iterator<Item = Result<&'h str>> {
                self.view().format_keys()
            }
            fn sample_value<'h>(
                &'h self,
                header: &'h Header,
                sample: usize,
                key: &str,
            ) -> Result<Option<Value<'h>>> {
                self.view().sample_value(header, sample, key)
            }
            fn genotypes_into(&self, header: &Header, matrix: &mut GenotypeMatrix) -> Result<()> {
                self.view().genotypes_into(header, matrix)
            }
            fn write_vcf(&self, header: &Header, out: &mut Vec<u8>) -> Result<()> {
                super::format::write_vcf_record(&self.view(), header, out)
            }
        }
    };
}

impl_variant!(RecordRef<'_>);
impl_variant!(Record);

impl RecordRef<'_> {
    fn view(&self) -> RecordRef<'_> {
        *self
    }
}

/// An owned VCF record, reused by [`Reader::read_record`](super::Reader::read_record).
/// [`Record::as_ref`] gives the accessors; it also implements [`Variant`].
#[derive(Debug, Clone, Default)]
pub struct Record {
    line: Vec<u8>,
    bounds: Bounds,
}

impl Record {
    /// A record holding a copy of `line` (without newline).
    ///
    /// # Errors
    ///
    /// As [`RecordRef::parse`].
    pub fn parse(line: &[u8]) -> Result<Self> {
        let mut record = Record::default();
        record.set(line, Bounds::locate(line, 0)?);
        Ok(record)
    }

    pub(crate) fn set(&mut self, line: &[u8], bounds: Bounds) {
        self.line.clear();
        self.line.extend_from_slice(line);
        self.bounds = bounds;
    }

    /// The borrowed view with every accessor.
    pub fn as_ref(&self) -> RecordRef<'_> {
        self.view()
    }

    fn view(&self) -> RecordRef<'_> {
        RecordRef {
            line: &self.line,
            bounds: self.bounds,
        }
    }
}

impl From<RecordRef<'_>> for Record {
    fn from(record: RecordRef<'_>) -> Self {
        Record {
            line: record.line.to_vec(),
            bounds: record.bounds,
        }
    }
}
