//! Parsing VCF field text: numbers, INFO lists and typed values.

use std::borrow::Cow;

use super::header::{Number, ValueType};
use super::Value;

/// An unsigned decimal integer (no sign, at least one digit).
pub(crate) fn parse_u64(text: &[u8]) -> Option<u64> {
    if text.is_empty() || text.len() > 20 {
        return None;
    }
    text.iter().try_fold(0u64, |acc, &b| {
        let digit = b.wrapping_sub(b'0');
        (digit < 10).then_some(())?;
        acc.checked_mul(10)?.checked_add(u64::from(digit))
    })
}

/// A VCF Integer: 32-bit signed, excluding the 8 lowest values BCF reserves
/// for its sentinels.
pub(crate) fn parse_i32(text: &[u8]) -> Option<i32> {
    let (negative, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, text),
    };
    let magnitude = parse_u64(digits)?;
    let value = if negative {
        -i64::try_from(magnitude).ok()?
    } else {
        i64::try_from(magnitude).ok()?
    };
    let value = i32::try_from(value).ok()?;
    (value > i32::MIN + 7).then_some(value)
}

/// A VCF Float (decimal, scientific, `Inf`, `NaN`).
pub(crate) fn parse_f32(text: &[u8]) -> Option<f32> {
    let text = std::str::from_utf8(text).ok()?;
    let first = text.bytes().next()?;
    if first.is_ascii_digit() || b"+-.iInN".contains(&first) {
        text.parse().ok()
    } else {
        None
    }
}

/// The INFO column's `key[=value]` items; none for `.`.
pub(crate) fn split_info(text: &[u8]) -> impl Iterator<Item = (&[u8], Option<&[u8]>)> {
    let text: &[u8] = if text == b"." { b"" } else { text };
    text.split(|&b| b == b';')
        .filter(|item| !item.is_empty())
        .map(|item| match memchr::memchr(b'=', item) {
            Some(equals) => (&item[..equals], Some(&item[equals + 1..])),
            None => (item, None),
        })
}

/// Decodes `%XX` escapes (VCF 4.3+); borrows when there are none.
pub(crate) fn percent_decode(text: &str) -> Result<Cow<'_, str>, String> {
    if !text.contains('%') {
        return Ok(Cow::Borrowed(text));
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            match hex {
                Some(byte) => {
                    out.push(byte);
                    i += 3;
                    continue;
                }
                None => return Err(format!("invalid percent escape in {text:?}")),
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out)
        .map(Cow::Owned)
        .map_err(|_| format!("percent escapes in {text:?} are not UTF-8"))
}

fn element<'a, T>(
    text: &'a [u8],
    parse: impl Fn(&'a [u8]) -> Option<T>,
    what: &str,
) -> Result<Option<T>, String> {
    if text == b"." {
        return Ok(None);
    }
    parse(text)
        .map(Some)
        .ok_or_else(|| format!("expected {what}, found {:?}", String::from_utf8_lossy(text)))
}

fn string(text: &[u8], percent: bool) -> Result<Cow<'_, str>, String> {
    let text = std::str::from_utf8(text).map_err(|_| "text is not UTF-8".to_owned())?;
    if percent {
        percent_decode(text)
    } else {
        Ok(Cow::Borrowed(text))
    }
}

fn character(text: &[u8]) -> Option<char> {
    let text = std::str::from_utf8(text).ok()?;
    let mut chars = text.chars();
    let c = chars.next()?;
    chars.next().is_none().then_some(c)
}

/// Parses one INFO/FORMAT value (not a flag): scalar for `Number=1`,
/// array otherwise. Returns the reason on failure.
pub(crate) fn parse_typed(
    text: &[u8],
    number: Number,
    value_type: ValueType,
    percent: bool,
) -> Result<Value<'_>, String> {
    let scalar = number == Number::Count(1) || value_type == ValueType::Flag;
    if text.is_empty() {
        // A zero-length vector (VCF 4.5); a scalar cannot be empty.
        return match value_type {
            _ if scalar => Err("empty value".into()),
            ValueType::Integer => Ok(Value::IntegerArray(Vec::new())),
            ValueType::Float => Ok(Value::FloatArray(Vec::new())),
            ValueType::Character => Ok(Value::CharacterArray(Vec::new())),
            ValueType::String | ValueType::Flag => Ok(Value::StringArray(Vec::new())),
        };
    }
    if scalar {
        if text == b"." {
            return Ok(Value::Missing);
        }
        return Ok(match value_type {
            ValueType::Integer => {
                Value::Integer(element(text, parse_i32, "an integer")?.unwrap_or(0))
            }
            ValueType::Float => Value::Float(element(text, parse_f32, "a float")?.unwrap_or(0.0)),
            ValueType::Character => {
                Value::Character(element(text, character, "one character")?.unwrap_or('.'))
            }
            ValueType::String | ValueType::Flag => Value::String(string(text, percent)?),
        });
    }
    let items = text.split(|&b| b == b',');
    Ok(match value_type {
        ValueType::Integer => Value::IntegerArray(
            items
                .map(|t| element(t, parse_i32, "an integer"))
                .collect::<Result<_, _>>()?,
        ),
        ValueType::Float => Value::FloatArray(
            items
                .map(|t| element(t, parse_f32, "a float"))
                .collect::<Result<_, _>>()?,
        ),
        ValueType::Character => Value::CharacterArray(
            items
                .map(|t| element(t, character, "one character"))
                .collect::<Result<_, _>>()?,
        ),
        ValueType::String | ValueType::Flag => Value::StringArray(
            items
                .map(|t| {
                    if t == b"." {
                        Ok(None)
                    } else {
                        string(t, percent).map(Some)
                    }
                })
                .collect::<Result<_, _>>()?,
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_respect_the_range_and_reserved_values() {
        assert_eq!(parse_i32(b"-12"), Some(-12));
        assert_eq!(parse_i32(b"2147483647"), Some(i32::MAX));
        assert_eq!(parse_i32(b"2147483648"), None);
        assert_eq!(parse_i32(b"-2147483641"), None);
        assert_eq!(parse_i32(b"-2147483640"), Some(-2147483640));
        assert_eq!(parse_i32(b"1x"), None);
        assert_eq!(parse_i32(b""), None);
        assert_eq!(parse_u64(b"99999999999999999999999"), None);
    }

    #[test]
    fn typed_values() {
        assert_eq!(
            parse_typed(
                b"1,.,3",
                Number::PerAlternateAllele,
                ValueType::Integer,
                false
            ),
            Ok(Value::IntegerArray(vec![Some(1), None, Some(3)]))
        );
        assert_eq!(
            parse_typed(b".", Number::Count(1), ValueType::Float, false),
            Ok(Value::Missing)
        );
        assert_eq!(
            parse_typed(b"a%3Bb", Number::Count(1), ValueType::String, true),
            Ok(Value::String("a;b".into()))
        );
        assert_eq!(
            parse_typed(b"a%3Bb", Number::Count(1), ValueType::String, false),
            Ok(Value::String("a%3Bb".into()))
        );
        assert!(parse_typed(b"a%3", Number::Count(1), ValueType::String, true).is_err());
        assert!(parse_typed(b"x", Number::Count(1), ValueType::Float, false).is_err());
        assert!(parse_typed(b"ab", Number::Count(1), ValueType::Character, false).is_err());
    }
}
