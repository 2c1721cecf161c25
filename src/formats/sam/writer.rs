//! Writing SAM text, byte for byte as `samtools view` prints it.

use std::io::Write;

use super::header::Header;
use super::record::data::{Array, Value};
use super::RecordRef;
use crate::{Error, Format, Result};

/// A SAM writer.
///
/// ```
/// use biometal::formats::sam::{self, Header, Record, record::RecordFields};
///
/// let header = Header::parse("@SQ\tSN:chr1\tLN:100\n")?;
/// let mut record = Record::default();
/// record.set_fields(&RecordFields { name: b"r1", flags: 4, ..RecordFields::default() })?;
/// let mut writer = sam::Writer::new(Vec::new());
/// writer.write_header(&header)?;
/// writer.write_record(&header, record.as_ref())?;
/// assert_eq!(writer.into_inner(), b"@SQ\tSN:chr1\tLN:100\nr1\t4\t*\t0\t255\t*\t*\t0\t0\t*\t*\n");
/// # Ok::<(), biometal::Error>(())
/// ```
pub struct Writer<W> {
    inner: W,
    line: Vec<u8>,
}

impl<W: Write> Writer<W> {
    /// A writer into `inner` (wrap files in a `BufWriter`).
    pub fn new(inner: W) -> Self {
        Writer {
            inner,
            line: Vec::with_capacity(1024),
        }
    }

    /// Writes the header lines.
    ///
    /// # Errors
    ///
    /// I/O errors.
    pub fn write_header(&mut self, header: &Header) -> Result<()> {
        write!(self.inner, "{header}").map_err(|e| Error::io(Format::Sam, e))
    }

    /// Writes one record as a SAM line.
    ///
    /// # Errors
    ///
    /// A reference id the header does not name; I/O errors.
    pub fn write_record(&mut self, header: &Header, record: RecordRef<'_>) -> Result<()> {
        self.line.clear();
        format_record(header, record, &mut self.line)?;
        self.inner
            .write_all(&self.line)
            .map_err(|e| Error::io(Format::Sam, e))
    }

    /// The output.
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.inner
    }

    /// The output.
    pub fn into_inner(self) -> W {
        self.inner
    }
}

/// "00" to "99": integers are formatted two digits at a time.
const DIGIT_PAIRS: &[u8; 200] = b"\
0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

fn push_uint(out: &mut Vec<u8>, value: u64) {
    // SAM's integers nearly all fit 32 bits, whose division by 100 is a
    // cheap multiplication.
    let Ok(mut value) = u32::try_from(value) else {
        return push_wide_uint(out, value);
    };
    let mut digits = [0u8; 10];
    let mut i = digits.len();
    while value >= 100 {
        let pair = (value % 100) as usize * 2;
        value /= 100;
        i -= 2;
        digits[i..i + 2].copy_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
    }
    if value >= 10 {
        let pair = value as usize * 2;
        i -= 2;
        digits[i..i + 2].copy_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
    } else {
        i -= 1;
        digits[i] = b'0' + value as u8;
    }
    out.extend_from_slice(&digits[i..]);
}

fn push_wide_uint(out: &mut Vec<u8>, mut value: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

fn push_int(out: &mut Vec<u8>, value: i64) {
    if value < 0 {
        out.push(b'-');
    }
    push_uint(out, value.unsigned_abs());
}

/// Appends `value` formatted as C's `printf("%g")` (six significant
/// digits, trailing zeros removed), as samtools prints `f` values.
///
/// ```
/// let mut out = Vec::new();
/// biometal::formats::sam::writer::push_float_g(&mut out, 9.9e-19);
/// out.push(b' ');
/// biometal::formats::sam::writer::push_float_g(&mut out, 123456789.0);
/// out.push(b' ');
/// biometal::formats::sam::writer::push_float_g(&mut out, 0.0001);
/// assert_eq!(out, b"9.9e-19 1.23457e+08 0.0001");
/// ```
pub fn push_float_g(out: &mut Vec<u8>, value: f64) {
    use std::io::Write as _;
    if value.is_nan() {
        out.extend_from_slice(if value.is_sign_negative() {
            b"-nan"
        } else {
            b"nan"
        });
        return;
    }
    if value.is_infinite() {
        out.extend_from_slice(if value < 0.0 { b"-inf" } else { b"inf" });
        return;
    }
    if value == 0.0 {
        out.extend_from_slice(if value.is_sign_negative() {
            b"-0"
        } else {
            b"0"
        });
        return;
    }
    let scientific = format!("{value:.5e}");
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    if !(-4..6).contains(&exponent) {
        out.extend_from_slice(trim_fraction(mantissa).as_bytes());
        let _ = write!(
            out,
            "e{}{:02}",
            if exponent < 0 { '-' } else { '+' },
            exponent.unsigned_abs()
        );
    } else {
        let fixed = format!("{value:.*}", (5 - exponent) as usize);
        out.extend_from_slice(trim_fraction(&fixed).as_bytes());
    }
}

fn trim_fraction(text: &str) -> &str {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        text
    }
}

fn reference_name(header: &Header, id: Option<usize>) -> Result<&[u8]> {
    match id {
        None => Ok(b"*"),
        Some(id) => header
            .reference_sequences()
            .get(id)
            .map(|r| r.name().as_bytes())
            .ok_or_else(|| {
                Error::invalid_data(
                    Format::Sam,
                    format!(
                        "reference id {id} but the header names {}",
                        header.reference_sequences().len()
                    ),
                )
            }),
    }
}

/// Appends the SAM line (with its newline) of `record` to `out`.
///
/// # Errors
///
/// A reference id the header does not name.
pub fn format_record(header: &Header, record: RecordRef<'_>, out: &mut Vec<u8>) -> Result<()> {
    // A SAM line is rarely more than twice its BAM record (bases and
    // qualities take one byte each instead of 1.5 together).
    out.reserve(record.as_bytes().len() * 2 + 64);
    out.extend_from_slice(record.name());
    out.push(b'\t');
    push_uint(out, u64::from(record.flags().bits()));
    out.push(b'\t');
    out.extend_from_slice(reference_name(header, record.reference_id())?);
    out.push(b'\t');
    push_uint(out, record.alignment_start().map_or(0, |p| p.get()));
    out.push(b'\t');
    push_uint(out, u64::from(record.mapping_quality().unwrap_or(255)));
    out.push(b'\t');
    let cigar = record.cigar();
    if cigar.is_empty() {
        out.push(b'*');
    } else {
        for op in cigar.iter() {
            push_uint(out, u64::from(op.len));
            out.push(op.kind.as_char());
        }
    }
    out.push(b'\t');
    match record.mate_reference_id() {
        Some(id) if Some(id) == record.reference_id() => out.push(b'='),
        mate => out.extend_from_slice(reference_name(header, mate)?),
    }
    out.push(b'\t');
    push_uint(out, record.mate_alignment_start().map_or(0, |p| p.get()));
    out.push(b'\t');
    push_int(out, i64::from(record.template_length()));
    out.push(b'\t');
    let sequence = record.sequence();
    if sequence.is_empty() {
        out.push(b'*');
    } else {
        sequence.decode_into(out);
    }
    out.push(b'\t');
    match record.qualities() {
        None => out.push(b'*'),
        Some(quals) => {
            let start = out.len();
            out.resize(start + quals.len(), 0);
            let ascii = &mut out[start..];
            if crate::simd::phred_to_ascii(quals, ascii, crate::simd::PHRED33_OFFSET).is_err() {
                for (o, q) in ascii.iter_mut().zip(quals) {
                    *o = q.wrapping_add(33);
                }
            }
        }
    }
    for (tag, value) in record.data().iter() {
        out.push(b'\t');
        out.extend_from_slice(&tag);
        out.push(b':');
        format_value(value, out);
    }
    out.push(b'\n');
    Ok(())
}

fn format_array<T: super::record::data::Element>(
    values: super::record::data::Values<'_, T>,
    out: &mut Vec<u8>,
    push: impl Fn(&mut Vec<u8>, T),
) {
    for value in values.iter() {
        out.push(b',');
        push(out, value);
    }
}

/// Appends `TYPE:VALUE` as samtools prints it.
fn format_value(value: Value<'_>, out: &mut Vec<u8>) {
    match value {
        Value::Character(c) => {
            out.extend_from_slice(b"A:");
            out.push(c);
        }
        Value::Float(f) => {
            out.extend_from_slice(b"f:");
            push_float_g(out, f64::from(f));
        }
        Value::Double(d) => {
            out.extend_from_slice(b"d:");
            push_float_g(out, d);
        }
        Value::String(text) => {
            out.extend_from_slice(b"Z:");
            out.extend_from_slice(text);
        }
        Value::Hex(text) => {
            out.extend_from_slice(b"H:");
            out.extend_from_slice(text);
        }
        Value::Array(array) => {
            out.extend_from_slice(b"B:");
            out.push(array.subtype());
            match array {
                Array::Int8(v) => format_array(v, out, |o, x| push_int(o, x.into())),
                Array::UInt8(v) => format_array(v, out, |o, x| push_uint(o, x.into())),
                Array::Int16(v) => format_array(v, out, |o, x| push_int(o, x.into())),
                Array::UInt16(v) => format_array(v, out, |o, x| push_uint(o, x.into())),
                Array::Int32(v) => format_array(v, out, |o, x| push_int(o, x.into())),
                Array::UInt32(v) => format_array(v, out, |o, x| push_uint(o, x.into())),
                Array::Float(v) => format_array(v, out, |o, x| push_float_g(o, x.into())),
            }
        }
        integer => {
            out.extend_from_slice(b"i:");
            push_int(out, integer.as_int().unwrap_or_default());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_print_as_rust_formats_them() {
        let mut values = vec![0, 9, 10, 99, 100, 101, 999, 1000, 65_535, 1 << 31];
        values.extend([u64::from(u32::MAX), u64::from(u32::MAX) + 1, u64::MAX]);
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..2000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            values.push(state >> (state % 64));
        }
        for value in values {
            let mut out = Vec::new();
            push_uint(&mut out, value);
            assert_eq!(out, value.to_string().as_bytes());
            for signed in [value as i64, (value as i64).wrapping_neg(), i64::MIN] {
                out.clear();
                push_int(&mut out, signed);
                assert_eq!(out, signed.to_string().as_bytes());
            }
        }
    }
}
