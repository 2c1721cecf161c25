//! The one read interface of VCF and BCF records (DESIGN decision 2).

use super::header::Header;
use super::{GenotypeMatrix, Value};
use crate::region::Position;
use crate::Result;

/// A variant record of either encoding, read lazily: each method decodes
/// only the field it returns. Methods that need names the record stores as
/// dictionary indices (BCF's CHROM, FILTER, INFO and FORMAT keys) take the
/// header the record was read with.
///
/// Code generic over `Variant` reads VCF and BCF alike:
///
/// ```
/// use biometal::formats::vcf::{header::Header, GenotypeMatrix, Variant};
///
/// fn alt_allele_frequency(header: &Header, variant: &impl Variant, matrix: &mut GenotypeMatrix)
///     -> biometal::Result<f64> {
///     variant.genotypes_into(header, matrix)?;
///     let mut counts = Vec::new();
///     let an = matrix.count_alleles(1 + variant.alternate_allele_count()?, &mut counts);
///     Ok(if an == 0 { 0.0 } else { f64::from(an - counts[0]) / f64::from(an) })
/// }
/// ```
pub trait Variant {
    /// The chromosome (CHROM).
    ///
    /// # Errors
    ///
    /// When the record is malformed (or, for BCF, names a contig missing
    /// from `header`).
    fn chromosome<'a>(&'a self, header: &'a Header) -> Result<&'a str>;

    /// The 1-based position (POS). Position 0 (telomeres in VCF) is an
    /// error here; see the format's own record for raw access.
    ///
    /// # Errors
    ///
    /// When POS is not a positive integer.
    fn position(&self) -> Result<Position>;

    /// The IDs (ID column, `;`-separated); none when missing (`.`).
    ///
    /// # Errors
    ///
    /// When the record is malformed.
    fn ids(&self) -> Result<impl Iterator<Item = &str>>;

    /// The reference allele (REF).
    ///
    /// # Errors
    ///
    /// When the record is malformed.
    fn reference_bases(&self) -> Result<&[u8]>;

    /// The alternate alleles (ALT); none when missing (`.`).
    ///
    /// # Errors
    ///
    /// When the record is malformed.
    fn alternate_bases(&self) -> Result<impl Iterator<Item = &[u8]>>;

    /// The number of alternate alleles.
    ///
    /// # Errors
    ///
    /// When the record is malformed.
    fn alternate_allele_count(&self) -> Result<usize>;

    /// The quality (QUAL); `None` when missing.
    ///
    /// # Errors
    ///
    /// When QUAL is not a number.
    fn quality(&self) -> Result<Option<f32>>;

    /// The filters (FILTER); `None` when missing (`.`), `Some(["PASS"])`
    /// when passed.
    ///
    /// # Errors
    ///
    /// When the record is malformed or names an unknown filter index.
    fn filters<'a>(&'a self, header: &'a Header) -> Result<Option<impl Iterator<Item = &'a str>>>;

    /// The value of INFO key `key` typed by its definition in `header`
    /// (keys without one are read as strings); `None` when absent.
    ///
    /// # Errors
    ///
    /// When the value does not parse as its type.
    fn info<'a>(&'a self, header: &'a Header, key: &str) -> Result<Option<Value<'a>>>;

    /// Every INFO field in record order, typed.
    fn info_fields<'a>(
        &'a self,
        header: &'a Header,
    ) -> impl Iterator<Item = Result<(&'a str, Value<'a>)>>;

    /// The FORMAT keys in record order; none for a record without samples.
    fn format_keys<'a>(&'a self, header: &'a Header) -> impl Iterator<Item = Result<&'a str>>;

    /// The value of FORMAT key `key` for the sample at column `sample`
    /// (0-based), typed by its definition; `None` when the key is absent
    /// from the record or the sample's column stops before it.
    ///
    /// # Errors
    ///
    /// When the value does not parse as its type or the record is
    /// malformed.
    fn sample_value<'a>(
        &'a self,
        header: &'a Header,
        sample: usize,
        key: &str,
    ) -> Result<Option<Value<'a>>>;

    /// Decodes the GT of every sample into `matrix` in one pass (cleared
    /// first; one entry per sample of `header`; samples without a GT get one
    /// missing allele).
    ///
    /// # Errors
    ///
    /// When a genotype is malformed or an allele index exceeds the number
    /// of alleles.
    fn genotypes_into(&self, header: &Header, matrix: &mut GenotypeMatrix) -> Result<()>;

    /// Appends the record as one VCF line (without newline) to `out`,
    /// formatted as `bcftools view` prints it. The default goes through the
    /// accessors above; formats override it with a faster path.
    ///
    /// # Errors
    ///
    /// When a field cannot be decoded.
    fn write_vcf(&self, header: &Header, out: &mut Vec<u8>) -> Result<()>
    where
        Self: Sized,
    {
        super::format::write_variant(self, header, out)
    }
}
