//! BCF records as VCF text, the way `bcftools view` prints them, without
//! going through [`Value`](crate::formats::vcf::Value) per sample.
//!
//! The site columns go through the [`Variant`] accessors (once per record);
//! the sample columns, which are nearly all of a cohort line, are written
//! straight from the typed per-sample vectors: GT from its integers (a
//! two-byte fast path for diploid single-digit calls), integers without
//! `fmt`, floats through [`format_float`]. A FORMAT field this path does
//! not cover (characters, a declared type other than the stored one) is
//! written through [`Variant::sample_value`], so the text is the same as the
//! generic path's for every record.

use std::fmt;

use crate::formats::bcf::typed::Type;
use crate::formats::bcf::{FormatField, RecordRef};
use crate::formats::vcf::format::{push_value, write_site_columns};
use crate::formats::vcf::header::ValueType;
use crate::formats::vcf::{format_float, Header, Variant};
use crate::{Error, Format, Result};

/// The most FORMAT fields written by the fast path; records with more go
/// through the generic path.
const MAX_FAST_FIELDS: usize = 32;

/// How one FORMAT field's per-sample vectors become text.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// GT stored as integers: alleles joined by `/` or `|`.
    Genotype,
    /// Integers, declared Integer (or undeclared).
    Integer,
    /// Floats, declared Float or Integer (or undeclared).
    Float,
    /// Anything else: through [`Variant::sample_value`].
    Generic,
}

#[derive(Clone, Copy)]
struct Column<'a> {
    kind: Kind,
    key: &'a str,
    width: usize,
    /// Bytes per sample (`values_per_sample × width`).
    stride: usize,
    bytes: &'a [u8],
}

impl<'a> Column<'a> {
    fn new(field: FormatField<'a>, header: &'a Header) -> Result<Self> {
        let key = header.string_dictionary().get(field.key()).ok_or_else(|| {
            Error::invalid_data(
                Format::Bcf,
                format!(
                    "FORMAT key index {} is not in the string dictionary",
                    field.key()
                ),
            )
        })?;
        let stored = field.value_type();
        let declared = header.format(key).map(|d| d.value_type());
        let kind = match (stored, declared) {
            (t, _) if key == "GT" && t.is_int() => Kind::Genotype,
            _ if key == "GT" => Kind::Generic,
            (t, None | Some(ValueType::Integer)) if t.is_int() => Kind::Integer,
            (Type::Float, None | Some(ValueType::Integer | ValueType::Float)) => Kind::Float,
            _ => Kind::Generic,
        };
        let width = stored.width();
        Ok(Column {
            kind,
            key,
            width,
            stride: field.values_per_sample() * width,
            bytes: field.values().as_bytes(),
        })
    }
}

/// Appends `record` as one VCF line (without newline), as
/// [`Variant::write_vcf`]'s generic path would, only faster.
pub(crate) fn write_vcf(record: &RecordRef<'_>, header: &Header, out: &mut Vec<u8>) -> Result<()> {
    let mut columns: [Option<Column<'_>>; MAX_FAST_FIELDS] = [None; MAX_FAST_FIELDS];
    let mut count = 0;
    for field in record.formats() {
        let Some(slot) = columns.get_mut(count) else {
            return crate::formats::vcf::format::write_variant(record, header, out);
        };
        *slot = Some(Column::new(field, header)?);
        count += 1;
    }
    write_site_columns(record, header, out)?;
    let columns = &columns[..count];
    if columns.is_empty() {
        return Ok(());
    }
    for (i, column) in columns.iter().flatten().enumerate() {
        out.push(if i == 0 { b'\t' } else { b':' });
        out.extend_from_slice(column.key.as_bytes());
    }
    // The header's samples decide the columns, as in the generic path.
    let stored_samples = record.sample_count().min(header.samples().len());
    if let [Some(column)] = columns {
        if column.kind == Kind::Genotype && column.width == 1 && column.stride == 2 {
            let bytes = column
                .bytes
                .get(..stored_samples * 2)
                .ok_or_else(|| overrun(stored_samples))?;
            diploid_gt_column(bytes, out)?;
            return missing_samples(header, stored_samples, 1, out);
        }
    }
    for sample in 0..stored_samples {
        out.push(b'\t');
        for (i, column) in columns.iter().flatten().enumerate() {
            if i > 0 {
                out.push(b':');
            }
            let at = sample * column.stride;
            let values = column
                .bytes
                .get(at..at + column.stride)
                .ok_or_else(|| overrun(sample))?;
            match column.kind {
                Kind::Genotype => push_genotype(values, column.width, out)?,
                Kind::Integer => push_integers(values, column.width, out),
                Kind::Float => push_floats(values, out),
                Kind::Generic => match record.sample_value(header, sample, column.key)? {
                    Some(value) => push_value(out, &value),
                    None => out.push(b'.'),
                },
            }
        }
    }
    missing_samples(header, stored_samples, columns.len(), out)
}

fn overrun(sample: usize) -> Error {
    Error::invalid_data(
        Format::Bcf,
        format!("FORMAT values of sample {sample} run past the record"),
    )
}

/// The samples of the header beyond those the record stores: `.` for each
/// FORMAT field.
fn missing_samples(header: &Header, stored: usize, fields: usize, out: &mut Vec<u8>) -> Result<()> {
    for _ in stored..header.samples().len() {
        out.push(b'\t');
        for i in 0..fields {
            if i > 0 {
                out.push(b':');
            }
            out.push(b'.');
        }
    }
    Ok(())
}

/// A GT-only column of int8 diploid calls: one tab and three bytes per
/// sample when both alleles are 0–9 (or `.`) and present, else the general
/// path.
fn diploid_gt_column(bytes: &[u8], out: &mut Vec<u8>) -> Result<()> {
    // Raw values 0..=21 are `.` or alleles 0..=9 with a phase bit.
    if bytes.iter().all(|&raw| raw <= 21) {
        // Every sample takes exactly four bytes: fill them in place.
        let start = out.len();
        out.resize(start + bytes.len() * 2, 0);
        for (text, pair) in out[start..].chunks_exact_mut(4).zip(bytes.chunks_exact(2)) {
            text.copy_from_slice(&[
                b'\t',
                allele_digit(pair[0]),
                if pair[1] & 1 == 1 { b'|' } else { b'/' },
                allele_digit(pair[1]),
            ]);
        }
        return Ok(());
    }
    out.reserve(bytes.len() * 2);
    for pair in bytes.chunks_exact(2) {
        let (first, second) = (pair[0], pair[1]);
        if first <= 21 && second <= 21 {
            out.extend_from_slice(&[
                b'\t',
                allele_digit(first),
                if second & 1 == 1 { b'|' } else { b'/' },
                allele_digit(second),
            ]);
        } else {
            out.push(b'\t');
            push_genotype(pair, 1, out)?;
        }
    }
    Ok(())
}

/// The text of a raw int8 GT value in 0..=21: `.` or one digit.
fn allele_digit(raw: u8) -> u8 {
    match raw >> 1 {
        0 => b'.',
        allele => b'0' + allele - 1,
    }
}

/// Integer `index` of little-endian `values` of `width` bytes, sign-extended
/// and with BCF's sentinels mapped to `i32::MIN` (missing) and
/// `i32::MIN + 1` (end of vector) whatever the width.
fn int_at(values: &[u8], width: usize, index: usize) -> i32 {
    match width {
        1 => match values[index] as i8 {
            i8::MIN => i32::MIN,
            v if v == i8::MIN + 1 => i32::MIN + 1,
            v => i32::from(v),
        },
        2 => match i16::from_le_bytes([values[2 * index], values[2 * index + 1]]) {
            i16::MIN => i32::MIN,
            v if v == i16::MIN + 1 => i32::MIN + 1,
            v => i32::from(v),
        },
        _ => {
            let at = 4 * index;
            i32::from_le_bytes([values[at], values[at + 1], values[at + 2], values[at + 3]])
        }
    }
}

const MISSING: i32 = i32::MIN;
const END_OF_VECTOR: i32 = i32::MIN + 1;

/// One sample's GT as bcftools prints it (`0|1`, `./.`, `1`; `.` when
/// empty); a missing value after the first allele is left out.
fn push_genotype(values: &[u8], width: usize, out: &mut Vec<u8>) -> Result<()> {
    let start = out.len();
    for i in 0..values.len() / width {
        match int_at(values, width, i) {
            END_OF_VECTOR => break,
            MISSING if i == 0 => out.push(b'.'),
            MISSING => {}
            raw if raw < 0 => {
                return Err(Error::invalid_data(
                    Format::Bcf,
                    format!("GT value {raw} is negative"),
                ))
            }
            raw => {
                if i > 0 {
                    out.push(if raw & 1 == 1 { b'|' } else { b'/' });
                }
                match (raw >> 1) - 1 {
                    -1 => out.push(b'.'),
                    allele => push_int(out, allele),
                }
            }
        }
    }
    if out.len() == start {
        out.push(b'.');
    }
    Ok(())
}

/// One sample's integers: comma-separated, missing as `.`, up to the end of
/// the vector; `.` when empty.
fn push_integers(values: &[u8], width: usize, out: &mut Vec<u8>) {
    let mut written = 0;
    for i in 0..values.len() / width {
        let value = int_at(values, width, i);
        if value == END_OF_VECTOR {
            break;
        }
        if written > 0 {
            out.push(b',');
        }
        written += 1;
        if value == MISSING {
            out.push(b'.');
        } else {
            push_int(out, value);
        }
    }
    if written == 0 {
        out.push(b'.');
    }
}

/// One sample's floats, as [`push_integers`] with `%g` text.
fn push_floats(values: &[u8], out: &mut Vec<u8>) {
    let mut written = 0;
    for bytes in values.chunks_exact(4) {
        let bits = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        if bits == crate::formats::bcf::typed::FLOAT_END_OF_VECTOR_BITS {
            break;
        }
        if written > 0 {
            out.push(b',');
        }
        written += 1;
        if bits == crate::formats::bcf::typed::FLOAT_MISSING_BITS {
            out.push(b'.');
        } else {
            // Writing to a Vec cannot fail.
            let _ = format_float(&mut VecText(out), f32::from_bits(bits));
        }
    }
    if written == 0 {
        out.push(b'.');
    }
}

/// Appends `value` in decimal without going through `fmt`.
fn push_int(out: &mut Vec<u8>, value: i32) {
    if (0..10).contains(&value) {
        out.push(b'0' + value as u8);
        return;
    }
    let mut digits = [0u8; 11];
    let mut at = digits.len();
    let mut rest = value.unsigned_abs();
    while rest > 0 {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    if value < 0 {
        at -= 1;
        digits[at] = b'-';
    }
    out.extend_from_slice(&digits[at..]);
}

/// `fmt::Write` over a byte vector.
struct VecText<'a>(&'a mut Vec<u8>);

impl fmt::Write for VecText<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_written_as_decimal() {
        for value in [0, 7, 10, 99, -1, -120, 123_456, i32::MAX, i32::MIN + 8] {
            let mut out = Vec::new();
            push_int(&mut out, value);
            assert_eq!(out, value.to_string().as_bytes(), "{value}");
        }
    }

    #[test]
    fn genotypes_follow_bcftools() {
        let cases: [(&[u8], &[u8]); 7] = [
            (&[2, 5], b"0|1"),
            (&[4, 4], b"1/1"),
            (&[0, 0], b"./."),
            (&[2, 0x81], b"0"),
            (&[0x81, 0x81], b"."),
            (&[0x80, 0x81], b"."),
            (&[24, 27], b"11|12"),
        ];
        for (raw, text) in cases {
            let mut fast = Vec::new();
            diploid_gt_column(raw, &mut fast).unwrap();
            let mut general = Vec::new();
            push_genotype(raw, 1, &mut general).unwrap();
            assert_eq!(&fast[1..], text, "{raw:?}");
            assert_eq!(general, text, "{raw:?}");
        }
        assert!(push_genotype(&[0xfe, 2], 1, &mut Vec::new()).is_err());
    }
}
