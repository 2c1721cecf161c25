//! [`Variant`] for BCF records: names resolved through the header's
//! dictionaries, typed values converted to [`Value`] by their definitions.

use std::borrow::Cow;

use super::typed::{Float, Int, Type, TypedValues};
use super::RecordRef;
use crate::formats::vcf::header::{Number, ValueType};
use crate::formats::vcf::{GenotypeMatrix, Header, Value, Variant};
use crate::region::Position;
use crate::{Error, Format, Result};

fn invalid(message: String) -> Error {
    Error::invalid_data(Format::Bcf, message)
}

fn dictionary_name<'h>(header: &'h Header, what: &str, index: usize) -> Result<&'h str> {
    header.string_dictionary().get(index).ok_or_else(|| {
        invalid(format!(
            "{what} index {index} is not in the string dictionary"
        ))
    })
}

fn text(bytes: &[u8]) -> Result<&str> {
    std::str::from_utf8(bytes)
        .map_err(|e| invalid(format!("text is not UTF-8 at byte {}", e.valid_up_to())))
}

/// Converts one typed vector to a [`Value`] by its declared Number and
/// Type (`None`: undeclared, typed by the vector itself as an array).
pub(crate) fn to_value<'a>(
    values: TypedValues<'a>,
    declared: Option<(Number, ValueType)>,
) -> Result<Value<'a>> {
    let scalar = matches!(declared, Some((Number::Count(1), _)));
    let value_type = match declared {
        Some((_, value_type)) => value_type,
        None => match values.value_type() {
            Type::Missing => ValueType::Flag,
            Type::Int8 | Type::Int16 | Type::Int32 => ValueType::Integer,
            Type::Float => ValueType::Float,
            Type::Char => ValueType::String,
        },
    };
    if values.is_empty() {
        return Ok(if value_type == ValueType::Flag {
            Value::Flag
        } else {
            Value::Missing
        });
    }
    Ok(match value_type {
        ValueType::Flag => Value::Flag,
        ValueType::Integer | ValueType::Float if values.value_type() == Type::Char => {
            return Err(invalid(format!(
                "a {value_type:?} value stored as characters"
            )))
        }
        ValueType::Integer if values.value_type() != Type::Float => {
            let ints: Vec<Option<i32>> = values
                .ints()
                .take_while(|v| *v != Int::EndOfVector)
                .map(|v| match v {
                    Int::Value(v) => Some(v),
                    _ => None,
                })
                .collect();
            match ints.as_slice() {
                [] | [None] => Value::Missing,
                [Some(v)] if scalar => Value::Integer(*v),
                _ => Value::IntegerArray(ints),
            }
        }
        ValueType::Integer | ValueType::Float => {
            let floats: Vec<Option<f32>> = if values.value_type() == Type::Float {
                values
                    .floats()
                    .take_while(|v| *v != Float::EndOfVector)
                    .map(|v| match v {
                        Float::Value(v) => Some(v),
                        _ => None,
                    })
                    .collect()
            } else {
                values
                    .ints()
                    .take_while(|v| *v != Int::EndOfVector)
                    .map(|v| match v {
                        Int::Value(v) => Some(v as f32),
                        _ => None,
                    })
                    .collect()
            };
            match floats.as_slice() {
                [] | [None] => Value::Missing,
                [Some(v)] if scalar => Value::Float(*v),
                _ => Value::FloatArray(floats),
            }
        }
        ValueType::Character | ValueType::String => {
            if values.value_type() != Type::Char {
                return Err(invalid(format!(
                    "a {value_type:?} value stored as {:?}",
                    values.value_type()
                )));
            }
            let s = text(values.chars())?;
            if s.is_empty() || s == "." {
                return Ok(Value::Missing);
            }
            let item = |part: &'a str| (part != ".").then_some(part);
            match (value_type, scalar) {
                (ValueType::Character, true) => match s.chars().next() {
                    Some(c) => Value::Character(c),
                    None => Value::Missing,
                },
                (ValueType::Character, false) => Value::CharacterArray(
                    s.split(',')
                        .map(|part| item(part).and_then(|p| p.chars().next()))
                        .collect(),
                ),
                (_, true) => Value::String(Cow::Borrowed(s)),
                (_, false) => {
                    Value::StringArray(s.split(',').map(|p| item(p).map(Cow::Borrowed)).collect())
                }
            }
        }
    })
}

/// One sample's GT as VCF text (`0|1`, `./.`, `1`), as bcftools prints it.
fn gt_text(values: TypedValues<'_>) -> Result<String> {
    let mut text = String::new();
    for (i, value) in values.ints().enumerate() {
        match value {
            Int::EndOfVector => break,
            Int::Missing if i == 0 => text.push('.'),
            Int::Missing => {}
            Int::Value(raw) if raw < 0 => {
                return Err(invalid(format!("GT value {raw} is negative")))
            }
            Int::Value(raw) => {
                if i > 0 {
                    text.push(if raw & 1 == 1 { '|' } else { '/' });
                }
                match (raw >> 1) - 1 {
                    -1 => text.push('.'),
                    allele => text.push_str(&allele.to_string()),
                }
            }
        }
    }
    if text.is_empty() {
        text.push('.');
    }
    Ok(text)
}

impl<'r> RecordRef<'r> {
    /// Decodes every sample's GT into `matrix` (cleared first), the GT key
    /// looked up in `header`; samples get one missing allele when the
    /// record has no GT.
    ///
    /// # Errors
    ///
    /// GT values that are not integers, negative, or name alleles the
    /// record does not have.
    pub fn genotypes_into(&self, header: &Header, matrix: &mut GenotypeMatrix) -> Result<()> {
        let gt = header
            .string_dictionary()
            .index_of("GT")
            .and_then(|key| self.format_field(key));
        let samples = if gt.is_some() {
            self.sample_count()
        } else {
            header.samples().len()
        };
        super::genotypes::decode_into(gt, samples, self.allele_count(), matrix)
    }
}

impl Variant for RecordRef<'_> {
    fn chromosome<'a>(&'a self, header: &'a Header) -> Result<&'a str> {
        let id = self.reference_id();
        header
            .contig_at(id)
            .map(|c| c.id())
            .ok_or_else(|| invalid(format!("CHROM index {id} is not in the contig dictionary")))
    }

    fn position(&self) -> Result<Position> {
        RecordRef::position(self)
            .ok_or_else(|| invalid("POS 0 (a telomere) has no 1-based position".into()))
    }

    fn ids(&self) -> Result<impl Iterator<Item = &str>> {
        let ids = text(self.id())?;
        Ok(ids.split(';').filter(|id| !id.is_empty()))
    }

    fn reference_bases(&self) -> Result<&[u8]> {
        self.alleles()
            .next()
            .ok_or_else(|| invalid("the record has no alleles (no REF)".into()))
    }

    fn alternate_bases(&self) -> Result<impl Iterator<Item = &[u8]>> {
        Ok(self.alleles().skip(1))
    }

    fn alternate_allele_count(&self) -> Result<usize> {
        Ok(self.allele_count().saturating_sub(1))
    }

    fn quality(&self) -> Result<Option<f32>> {
        Ok(RecordRef::quality(self))
    }

    fn filters<'a>(&'a self, header: &'a Header) -> Result<Option<impl Iterator<Item = &'a str>>> {
        let mut any = false;
        for index in RecordRef::filters(self) {
            dictionary_name(header, "FILTER", index)?;
            any = true;
        }
        let dictionary = header.string_dictionary();
        Ok(any.then(|| RecordRef::filters(self).filter_map(|i| dictionary.get(i))))
    }

    fn info<'a>(&'a self, header: &'a Header, key: &str) -> Result<Option<Value<'a>>> {
        let Some(index) = header.string_dictionary().index_of(key) else {
            return Ok(None);
        };
        let Some(values) = self.info_field(index) else {
            return Ok(None);
        };
        let declared = header.info(key).map(|d| (d.number(), d.value_type()));
        to_value(values, declared).map(Some)
    }

    fn info_fields<'a>(
        &'a self,
        header: &'a Header,
    ) -> impl Iterator<Item = Result<(&'a str, Value<'a>)>> {
        RecordRef::info(self).map(move |(index, values)| {
            let key = dictionary_name(header, "INFO key", index)?;
            let declared = header.info(key).map(|d| (d.number(), d.value_type()));
            Ok((key, to_value(values, declared)?))
        })
    }

    fn format_keys<'a>(&'a self, header: &'a Header) -> impl Iterator<Item = Result<&'a str>> {
        self.formats()
            .map(move |field| dictionary_name(header, "FORMAT key", field.key()))
    }

    fn sample_value<'a>(
        &'a self,
        header: &'a Header,
        sample: usize,
        key: &str,
    ) -> Result<Option<Value<'a>>> {
        let Some(index) = header.string_dictionary().index_of(key) else {
            return Ok(None);
        };
        let Some(values) = self.format_field(index).and_then(|f| f.sample(sample)) else {
            return Ok(None);
        };
        let stops_before = match values.value_type() {
            Type::Float => values.float(0) == Some(Float::EndOfVector),
            t if t.is_int() => values.int(0) == Some(Int::EndOfVector),
            _ => false,
        };
        if stops_before {
            return Ok(None);
        }
        if key == "GT" {
            return gt_text(values).map(|text| Some(Value::String(Cow::Owned(text))));
        }
        let declared = header.format(key).map(|d| (d.number(), d.value_type()));
        to_value(values, declared).map(Some)
    }

    fn genotypes_into(&self, header: &Header, matrix: &mut GenotypeMatrix) -> Result<()> {
        RecordRef::genotypes_into(self, header, matrix)
    }

    fn write_vcf(&self, header: &Header, out: &mut Vec<u8>) -> Result<()> {
        super::writer::write_vcf(self, header, out)
    }
}
