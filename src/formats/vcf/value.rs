//! Typed INFO and FORMAT values, shared by VCF and BCF.
//!
//! BCF's int8/int16/int32 all become `i32`; a missing value (`.` in VCF, the
//! missing sentinel in BCF) is `None`; BCF's end-of-vector padding shortens
//! the array instead of appearing in it.

use std::borrow::Cow;
use std::fmt;

/// One INFO or per-sample FORMAT value, typed by its header definition.
///
/// Fields whose definition says `Number=1` (and flags) give the scalar
/// variants; all others give arrays, even of one element.
///
/// ```
/// use biometal::formats::vcf::Value;
///
/// let value = Value::IntegerArray(vec![Some(3), None]);
/// assert_eq!(value.to_string(), "3,.");
/// assert_eq!(Value::Float(0.5).to_string(), "0.5");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    /// The whole value is missing (`.`).
    Missing,
    /// An INFO flag that is present.
    Flag,
    /// One integer.
    Integer(i32),
    /// One float.
    Float(f32),
    /// One character.
    Character(char),
    /// Text (percent-decoded for VCF 4.3+).
    String(Cow<'a, str>),
    /// Integers; `None` is a missing element.
    IntegerArray(Vec<Option<i32>>),
    /// Floats; `None` is a missing element.
    FloatArray(Vec<Option<f32>>),
    /// Characters; `None` is a missing element.
    CharacterArray(Vec<Option<char>>),
    /// Strings; `None` is a missing element.
    StringArray(Vec<Option<Cow<'a, str>>>),
}

impl Value<'_> {
    /// The value with owned text, independent of the record it came from.
    pub fn into_owned(self) -> Value<'static> {
        match self {
            Value::Missing => Value::Missing,
            Value::Flag => Value::Flag,
            Value::Integer(v) => Value::Integer(v),
            Value::Float(v) => Value::Float(v),
            Value::Character(v) => Value::Character(v),
            Value::String(v) => Value::String(Cow::Owned(v.into_owned())),
            Value::IntegerArray(v) => Value::IntegerArray(v),
            Value::FloatArray(v) => Value::FloatArray(v),
            Value::CharacterArray(v) => Value::CharacterArray(v),
            Value::StringArray(v) => Value::StringArray(
                v.into_iter()
                    .map(|s| s.map(|s| Cow::Owned(s.into_owned())))
                    .collect(),
            ),
        }
    }
}

/// Formats a float as bcftools does: `%g` with 6 significant digits, so
/// `0.1` stays `0.1`, `1e-07` stays `1e-07` and `100000000` is `1e+08`.
///
/// ```
/// use biometal::formats::vcf::format_float;
///
/// let mut s = String::new();
/// format_float(&mut s, 0.333333333).unwrap();
/// format_float(&mut s, 1e8).unwrap();
/// assert_eq!(s, "0.3333331e+08");
/// ```
///
/// # Errors
///
/// Whatever `out` returns.
pub fn format_float(out: &mut impl fmt::Write, value: f32) -> fmt::Result {
    let v = f64::from(value);
    if v.is_nan() {
        return out.write_str("nan");
    }
    if v.is_infinite() {
        return out.write_str(if v < 0.0 { "-inf" } else { "inf" });
    }
    if v == 0.0 {
        return out.write_str(if v.is_sign_negative() { "-0" } else { "0" });
    }
    // %g: the exponent X of the value rounded to 6 significant digits
    // chooses between fixed (−4 ≤ X < 6) and scientific notation.
    let scientific = format!("{v:.5e}");
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    if (-4..6).contains(&exponent) {
        let decimals = usize::try_from(5 - exponent).unwrap_or(0);
        let fixed = format!("{v:.decimals$}");
        out.write_str(trim_zeros(&fixed))
    } else {
        let mantissa = trim_zeros(mantissa);
        let sign = if exponent < 0 { '-' } else { '+' };
        write!(out, "{mantissa}e{sign}{:02}", exponent.unsigned_abs())
    }
}

fn trim_zeros(text: &str) -> &str {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        text
    }
}

fn write_missing<T>(
    f: &mut fmt::Formatter<'_>,
    items: &[Option<T>],
    mut each: impl FnMut(&mut fmt::Formatter<'_>, &T) -> fmt::Result,
) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(",")?;
        }
        match item {
            Some(item) => each(f, item)?,
            None => f.write_str(".")?,
        }
    }
    Ok(())
}

impl fmt::Display for Value<'_> {
    /// The VCF text of the value (a flag writes nothing).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Missing => f.write_str("."),
            Value::Flag => Ok(()),
            Value::Integer(v) => write!(f, "{v}"),
            Value::Float(v) => format_float(f, *v),
            Value::Character(v) => write!(f, "{v}"),
            Value::String(v) => f.write_str(v),
            Value::IntegerArray(v) => write_missing(f, v, |f, x| write!(f, "{x}")),
            Value::FloatArray(v) => write_missing(f, v, |f, x| format_float(f, *x)),
            Value::CharacterArray(v) => write_missing(f, v, |f, x| write!(f, "{x}")),
            Value::StringArray(v) => write_missing(f, v, |f, x| f.write_str(x)),
        }
    }
}
