//! Formatting records as VCF lines the way `bcftools view` prints them:
//! floats as `%g` (6 significant digits: `0.200` → `0.2`, `Inf` → `inf`),
//! every FORMAT field of every sample (absent ones as `.`), zero-length
//! vectors as `.`, flags without value.

use std::io::Write as _;

use super::header::{Header, ValueType};
use super::record::RecordRef;
use super::{format_float, Value, Variant};
use crate::Result;

/// Appends `value` formatted as bcftools formats a float.
pub(crate) fn push_float(out: &mut Vec<u8>, value: f32) {
    let mut text = String::new();
    // Writing to a String cannot fail.
    let _ = format_float(&mut text, value);
    out.extend_from_slice(text.as_bytes());
}

/// Appends a float field's text, each comma-separated element reformatted
/// (elements that do not parse, and `.`, are kept as written).
fn push_float_text(out: &mut Vec<u8>, text: &[u8]) {
    for (i, element) in text.split(|&b| b == b',').enumerate() {
        if i > 0 {
            out.push(b',');
        }
        match super::fields::parse_f32(element) {
            Some(value) if element != b"." => push_float(out, value),
            _ => out.extend_from_slice(element),
        }
    }
}

fn push_value_text(out: &mut Vec<u8>, text: &[u8], value_type: Option<ValueType>) {
    match (text, value_type) {
        (b"", _) => out.push(b'.'),
        (_, Some(ValueType::Float)) => push_float_text(out, text),
        _ => out.extend_from_slice(text),
    }
}

/// A VCF record as bcftools prints it, in one pass over its line.
pub(crate) fn write_vcf_record(
    record: &RecordRef<'_>,
    header: &Header,
    out: &mut Vec<u8>,
) -> Result<()> {
    for k in 0..5 {
        out.extend_from_slice(record.field(k));
        out.push(b'\t');
    }
    match record.field(5) {
        b"." => out.push(b'.'),
        text => push_float_text(out, text),
    }
    out.push(b'\t');
    out.extend_from_slice(record.field(6));
    out.push(b'\t');
    let info = record.info_text();
    if info == b"." || info.is_empty() {
        out.push(b'.');
    } else {
        let mut first = true;
        for (key, value) in super::fields::split_info(info) {
            if !first {
                out.push(b';');
            }
            first = false;
            out.extend_from_slice(key);
            let definition = std::str::from_utf8(key)
                .ok()
                .and_then(|key| header.info(key));
            let value_type = definition.map(|d| d.value_type());
            // bcftools keeps a value given to a flag (`DB=0`) as written.
            if let Some(text) = value {
                out.push(b'=');
                push_value_text(out, text, value_type);
            }
        }
    }
    let format = record.format_text();
    if format.is_empty() {
        return Ok(());
    }
    out.push(b'\t');
    out.extend_from_slice(format);
    let key_count = format.split(|&b| b == b':').count();
    let float_keys: u64 = format
        .split(|&b| b == b':')
        .take(64)
        .enumerate()
        .filter(|(_, key)| {
            std::str::from_utf8(key)
                .ok()
                .and_then(|key| header.format(key))
                .is_some_and(|d| d.value_type() == ValueType::Float)
        })
        .fold(0, |mask, (i, _)| mask | 1 << i);
    for column in record.samples_text().split(|&b| b == b'\t') {
        out.push(b'\t');
        if float_keys == 0
            && !column.is_empty()
            && memchr::memchr(b':', column).is_none()
            && key_count == 1
        {
            out.extend_from_slice(column);
            continue;
        }
        let mut written = 0;
        for (i, value) in column.split(|&b| b == b':').enumerate().take(key_count) {
            if i > 0 {
                out.push(b':');
            }
            let value_type = (i < 64 && float_keys & (1 << i) != 0).then_some(ValueType::Float);
            push_value_text(out, value, value_type);
            written += 1;
        }
        for _ in written..key_count {
            out.extend_from_slice(b":.");
        }
    }
    Ok(())
}

/// Any [`Variant`] as a VCF line, through its accessors.
pub(crate) fn write_variant(
    variant: &impl Variant,
    header: &Header,
    out: &mut Vec<u8>,
) -> Result<()> {
    write_site_columns(variant, header, out)?;
    let keys: Vec<&str> = variant.format_keys(header).collect::<Result<_>>()?;
    if keys.is_empty() {
        return Ok(());
    }
    out.push(b'\t');
    out.extend_from_slice(keys.join(":").as_bytes());
    for sample in 0..header.samples().len() {
        out.push(b'\t');
        for (i, key) in keys.iter().enumerate() {
            if i > 0 {
                out.push(b':');
            }
            match variant.sample_value(header, sample, key)? {
                Some(value) => push_value(out, &value),
                None => out.push(b'.'),
            }
        }
    }
    Ok(())
}

/// The eight site columns of any [`Variant`], CHROM to INFO, through its
/// accessors (no tab after INFO).
pub(crate) fn write_site_columns(
    variant: &impl Variant,
    header: &Header,
    out: &mut Vec<u8>,
) -> Result<()> {
    out.extend_from_slice(variant.chromosome(header)?.as_bytes());
    write!(out, "\t{}\t", variant.position()?).ok();
    let mut any = false;
    for (i, id) in variant.ids()?.enumerate() {
        if i > 0 {
            out.push(b';');
        }
        out.extend_from_slice(id.as_bytes());
        any = true;
    }
    if !any {
        out.push(b'.');
    }
    out.push(b'\t');
    out.extend_from_slice(variant.reference_bases()?);
    out.push(b'\t');
    let mut any = false;
    for (i, allele) in variant.alternate_bases()?.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(allele);
        any = true;
    }
    if !any {
        out.push(b'.');
    }
    out.push(b'\t');
    match variant.quality()? {
        Some(quality) => push_float(out, quality),
        None => out.push(b'.'),
    }
    out.push(b'\t');
    match variant.filters(header)? {
        Some(filters) => {
            for (i, filter) in filters.enumerate() {
                if i > 0 {
                    out.push(b';');
                }
                out.extend_from_slice(filter.as_bytes());
            }
        }
        None => out.push(b'.'),
    }
    out.push(b'\t');
    let mut any = false;
    for field in variant.info_fields(header) {
        let (key, value) = field?;
        if any {
            out.push(b';');
        }
        any = true;
        out.extend_from_slice(key.as_bytes());
        if value != Value::Flag {
            out.push(b'=');
            push_value(out, &value);
        }
    }
    if !any {
        out.push(b'.');
    }
    Ok(())
}

/// Appends a [`Value`] as VCF text (an empty array as `.`).
pub(crate) fn push_value(out: &mut Vec<u8>, value: &Value<'_>) {
    let empty = match value {
        Value::IntegerArray(v) => v.is_empty(),
        Value::FloatArray(v) => v.is_empty(),
        Value::CharacterArray(v) => v.is_empty(),
        Value::StringArray(v) => v.is_empty(),
        _ => false,
    };
    if empty {
        out.push(b'.');
    } else {
        write!(out, "{value}").ok();
    }
}
