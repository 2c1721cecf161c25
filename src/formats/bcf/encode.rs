//! Encoding any [`Variant`] as a BCF record against a header, as htslib
//! encodes VCF text: names become dictionary indices, integers take the
//! smallest width, per-sample vectors are padded with end-of-vector, absent
//! and missing values become the missing sentinel (`.` for strings).

use super::typed::{
    encode_chars, encode_descriptor, encode_floats, encode_ints, int_type_for, push_int, Int, Type,
    FLOAT_END_OF_VECTOR_BITS, FLOAT_MISSING_BITS,
};
use crate::formats::vcf::header::ValueType;
use crate::formats::vcf::{GenotypeMatrix, Header, Value, Variant};
use crate::{Error, ErrorKind, Format, Result};

/// Reused buffers for encoding records.
#[derive(Debug, Default)]
pub(crate) struct Encoder {
    bytes: Vec<u8>,
    matrix: GenotypeMatrix,
    ints: Vec<Option<i32>>,
    floats: Vec<Option<f32>>,
    text: Vec<u8>,
    samples: Vec<Option<Value<'static>>>,
    lengths: Vec<usize>,
}

fn not_in_header(what: &str, name: &str) -> Error {
    Error::new(
        ErrorKind::NotFound,
        Format::Bcf,
        format!("{what} {name:?} is not defined in the header"),
    )
}

fn key_index(header: &Header, what: &str, key: &str) -> Result<i32> {
    header
        .string_dictionary()
        .index_of(key)
        .map(|i| i as i32)
        .ok_or_else(|| not_in_header(what, key))
}

/// Appends a value as VCF text (arrays comma-separated, missing as `.`).
fn value_text(out: &mut Vec<u8>, value: &Value<'_>) {
    use std::io::Write;
    // Writing into a Vec cannot fail.
    let _ = write!(out, "{value}");
}

/// The integers of `value` (`None`: not an integer value).
fn ints_of(value: &Value<'_>, out: &mut Vec<Option<i32>>) -> bool {
    match value {
        Value::Missing => out.push(None),
        Value::Integer(v) => out.push(Some(*v)),
        Value::IntegerArray(v) => out.extend_from_slice(v),
        _ => return false,
    }
    true
}

/// The floats of `value` (integers converted; `None`: not numeric).
fn floats_of(value: &Value<'_>, out: &mut Vec<Option<f32>>) -> bool {
    match value {
        Value::Missing => out.push(None),
        Value::Float(v) => out.push(Some(*v)),
        Value::FloatArray(v) => out.extend_from_slice(v),
        Value::Integer(v) => out.push(Some(*v as f32)),
        Value::IntegerArray(v) => out.extend(v.iter().map(|v| v.map(|v| v as f32))),
        _ => return false,
    }
    true
}

impl Encoder {
    /// Encodes `variant`; returns the record bytes and the shared section's
    /// length.
    pub(crate) fn encode(
        &mut self,
        header: &Header,
        variant: &impl Variant,
    ) -> Result<(&[u8], usize)> {
        self.bytes.clear();
        let chromosome = variant.chromosome(header)?;
        let chrom = header
            .contig_index(chromosome)
            .ok_or_else(|| not_in_header("contig", chromosome))?;
        let position = variant.position()?.get();
        let too_far = || {
            Error::invalid_input(
                Format::Bcf,
                format!("POS {position} does not fit BCF's 32-bit positions"),
            )
        };
        let pos = i32::try_from(position - 1).map_err(|_| too_far())?;
        let reference = variant.reference_bases()?;
        let rlen = match variant.info(header, "END")? {
            Some(Value::Integer(end)) if i64::from(end) > i64::from(pos) => {
                i64::from(end) - i64::from(pos)
            }
            _ => reference.len() as i64,
        };
        let rlen = i32::try_from(rlen).map_err(|_| too_far())?;
        let alt_count = variant.alternate_allele_count()?;
        let allele_count = 1 + alt_count;
        let qual_bits = variant.quality()?.map_or(FLOAT_MISSING_BITS, f32::to_bits);

        let out = &mut self.bytes;
        out.extend_from_slice(&(chrom as i32).to_le_bytes());
        out.extend_from_slice(&pos.to_le_bytes());
        out.extend_from_slice(&rlen.to_le_bytes());
        out.extend_from_slice(&qual_bits.to_le_bytes());
        let counts_at = out.len();
        out.extend_from_slice(&[0; 8]);

        self.text.clear();
        for (i, id) in variant.ids()?.enumerate() {
            if i > 0 {
                self.text.push(b';');
            }
            self.text.extend_from_slice(id.as_bytes());
        }
        encode_chars(out, &self.text);
        encode_chars(out, reference);
        for alt in variant.alternate_bases()? {
            encode_chars(out, alt);
        }
        self.ints.clear();
        if let Some(filters) = variant.filters(header)? {
            for name in filters {
                self.ints.push(Some(key_index(header, "FILTER", name)?));
            }
            encode_ints(out, &self.ints);
        } else {
            encode_descriptor(out, Type::Missing, 0);
        }
        let mut info_count = 0u32;
        for field in variant.info_fields(header) {
            let (key, value) = field?;
            encode_ints(out, &[Some(key_index(header, "INFO key", key)?)]);
            let value_type = header.info(key).map(|d| d.value_type());
            encode_value(
                out,
                value_type,
                &value,
                &mut self.ints,
                &mut self.floats,
                &mut self.text,
            );
            info_count += 1;
        }
        let shared_len = out.len();

        let sample_count = header.samples().len();
        let mut format_count = 0u32;
        if sample_count > 0 {
            for key in variant.format_keys(header) {
                let key = key?;
                encode_ints(out, &[Some(key_index(header, "FORMAT key", key)?)]);
                if key == "GT" {
                    variant.genotypes_into(header, &mut self.matrix)?;
                    encode_genotypes(out, &self.matrix);
                } else {
                    self.samples.clear();
                    for sample in 0..sample_count {
                        let value = variant.sample_value(header, sample, key)?;
                        self.samples.push(value.map(Value::into_owned));
                    }
                    let value_type = header.format(key).map(|d| d.value_type());
                    encode_column(
                        out,
                        value_type,
                        &self.samples,
                        &mut self.ints,
                        &mut self.floats,
                        &mut self.lengths,
                        &mut self.text,
                    );
                }
                format_count += 1;
            }
        }
        let too_many = |what: &str| {
            Error::invalid_input(Format::Bcf, format!("too many {what} for BCF's counts"))
        };
        if allele_count > 0xFFFF || info_count > 0xFFFF {
            return Err(too_many("alleles or INFO fields"));
        }
        if format_count > 0xFF || sample_count > 0xFF_FFFF {
            return Err(too_many("FORMAT fields or samples"));
        }
        let n_allele_info = ((allele_count as u32) << 16) | info_count;
        let n_fmt_sample = (format_count << 24) | sample_count as u32;
        out[counts_at..counts_at + 4].copy_from_slice(&n_allele_info.to_le_bytes());
        out[counts_at + 4..counts_at + 8].copy_from_slice(&n_fmt_sample.to_le_bytes());
        Ok((&self.bytes, shared_len))
    }
}

/// Encodes one INFO value by its declared type (`None`: undeclared, typed
/// by the value itself).
fn encode_value(
    out: &mut Vec<u8>,
    declared: Option<ValueType>,
    value: &Value<'_>,
    ints: &mut Vec<Option<i32>>,
    floats: &mut Vec<Option<f32>>,
    text: &mut Vec<u8>,
) {
    ints.clear();
    floats.clear();
    match (declared, value) {
        (_, Value::Flag) => encode_descriptor(out, Type::Missing, 0),
        (Some(ValueType::Integer) | None, v) if ints_of(v, ints) => encode_ints(out, ints),
        (Some(ValueType::Float) | None, v) if floats_of(v, floats) => encode_floats(out, floats),
        (_, v) => {
            text.clear();
            value_text(text, v);
            encode_chars(out, text);
        }
    }
}

fn is_int(value: Option<&Value<'_>>) -> bool {
    matches!(
        value,
        None | Some(Value::Missing | Value::Integer(_) | Value::IntegerArray(_))
    )
}

fn is_numeric(value: Option<&Value<'_>>) -> bool {
    is_int(value) || matches!(value, Some(Value::Float(_) | Value::FloatArray(_)))
}

/// Encodes a FORMAT column (one value per sample, `None` when absent): by
/// the declared type where every sample's value fits it, else as text;
/// vectors padded to the longest sample's with end-of-vector, an absent or
/// missing sample as one missing value.
fn encode_column(
    out: &mut Vec<u8>,
    declared: Option<ValueType>,
    samples: &[Option<Value<'static>>],
    ints: &mut Vec<Option<i32>>,
    floats: &mut Vec<Option<f32>>,
    lengths: &mut Vec<usize>,
    text: &mut Vec<u8>,
) {
    let all_ints = samples.iter().all(|s| is_int(s.as_ref()));
    let all_numeric = samples.iter().all(|s| is_numeric(s.as_ref()));
    let numeric = match declared {
        Some(ValueType::Integer) | None if all_ints => Some(Type::Int32),
        Some(ValueType::Float) | None if all_numeric => Some(Type::Float),
        _ => None,
    };
    lengths.clear();
    match numeric {
        Some(Type::Int32) => {
            ints.clear();
            for sample in samples {
                let before = ints.len();
                ints_of(sample.as_ref().unwrap_or(&Value::Missing), ints);
                lengths.push(ints.len() - before);
            }
            let width = lengths.iter().copied().max().unwrap_or(0).max(1);
            let value_type = int_type_for(ints.iter().flatten().copied());
            encode_descriptor(out, value_type, width);
            let mut values = ints.iter();
            for &len in lengths.iter() {
                for _ in 0..len {
                    let value = values.next().copied().flatten();
                    push_int(out, value_type, value.map_or(Int::Missing, Int::Value));
                }
                for _ in len..width {
                    push_int(out, value_type, Int::EndOfVector);
                }
            }
        }
        Some(_) => {
            floats.clear();
            for sample in samples {
                let before = floats.len();
                floats_of(sample.as_ref().unwrap_or(&Value::Missing), floats);
                lengths.push(floats.len() - before);
            }
            let width = lengths.iter().copied().max().unwrap_or(0).max(1);
            encode_descriptor(out, Type::Float, width);
            let mut values = floats.iter();
            for &len in lengths.iter() {
                for _ in 0..len {
                    let value = values.next().copied().flatten();
                    let bits = value.map_or(FLOAT_MISSING_BITS, f32::to_bits);
                    out.extend_from_slice(&bits.to_le_bytes());
                }
                for _ in len..width {
                    out.extend_from_slice(&FLOAT_END_OF_VECTOR_BITS.to_le_bytes());
                }
            }
        }
        None => {
            // All samples' text back to back, then each padded with NULs.
            text.clear();
            for sample in samples {
                let before = text.len();
                value_text(text, sample.as_ref().unwrap_or(&Value::Missing));
                lengths.push(text.len() - before);
            }
            let width = lengths.iter().copied().max().unwrap_or(0).max(1);
            encode_descriptor(out, Type::Char, width);
            let mut at = 0;
            for &len in lengths.iter() {
                out.extend_from_slice(&text[at..at + len]);
                out.resize(out.len() + width - len, 0);
                at += len;
            }
        }
    }
}

/// Encodes GT: `(allele + 1) << 1 | phased`, padded with end-of-vector.
/// The first allele's phase bit is written only where it says more than
/// the later alleles do (VCF 4.4's explicit `|0/1`, `|1`), so `0|1` is
/// `0x02 0x05` as htslib writes it.
fn encode_genotypes(out: &mut Vec<u8>, matrix: &GenotypeMatrix) {
    let samples = matrix.sample_count();
    let width = (0..samples)
        .map(|s| matrix.ploidy(s))
        .max()
        .unwrap_or(0)
        .max(1);
    let largest = matrix.all_alleles().iter().copied().max().unwrap_or(0);
    let value_type = int_type_for([(largest.max(0) + 1) * 2 + 1]);
    encode_descriptor(out, value_type, width);
    for s in 0..samples {
        let alleles = matrix.alleles(s);
        let flags = matrix.phase_flags(s);
        let later_phased = alleles.len() > 1 && flags.iter().skip(1).all(|&p| p);
        for i in 0..width {
            let value = match (alleles.get(i), flags.get(i)) {
                (Some(&allele), Some(&phased)) => {
                    let phased = phased && !(i == 0 && later_phased);
                    Int::Value(((allele.max(-1) + 1) << 1) | i32::from(phased))
                }
                _ => Int::EndOfVector,
            };
            push_int(out, value_type, value);
        }
    }
}
