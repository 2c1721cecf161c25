//! BCF's typed values: a typing byte (type in the low nibble, count in the
//! high nibble, 15 meaning "the count follows as a typed integer"), then
//! the values, little-endian.
//!
//! [`TypedValues`] is a zero-copy, bounds-checked view of one such vector;
//! [`Cursor`] walks a record's bytes, turning every overrun into an
//! [`Error`] naming the byte offset. The `encode_*` functions write the
//! same layout, choosing the smallest integer width.
//!
//! ```
//! use biometal::formats::bcf::typed::{Cursor, Int, Type};
//!
//! // A vector of three int8 values: 1, missing, end-of-vector.
//! let bytes = [0x31, 0x01, 0x80, 0x81];
//! let mut cursor = Cursor::new(&bytes, 0);
//! let values = cursor.typed("an INFO value")?;
//! assert_eq!(values.value_type(), Type::Int8);
//! assert_eq!(values.len(), 3);
//! let ints: Vec<Int> = values.ints().collect();
//! assert_eq!(ints, [Int::Value(1), Int::Missing, Int::EndOfVector]);
//! # Ok::<(), biometal::Error>(())
//! ```

use crate::{Error, Format, Result};

/// The type of a typed value (the typing byte's low nibble).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Type {
    /// Type 0: no values (a flag, or a missing value of any type).
    Missing,
    /// Type 1: 8-bit signed integers.
    Int8,
    /// Type 2: 16-bit signed integers.
    Int16,
    /// Type 3: 32-bit signed integers.
    Int32,
    /// Type 5: IEEE 754 single-precision floats.
    Float,
    /// Type 7: characters (strings, NUL-padded in FORMAT fields).
    Char,
}

impl Type {
    /// The type for a typing byte's low nibble, `None` for the reserved
    /// codes (4: int64 is not used by BCF 2.2, 6 and above are unassigned).
    pub fn from_code(code: u8) -> Option<Type> {
        Some(match code {
            0 => Type::Missing,
            1 => Type::Int8,
            2 => Type::Int16,
            3 => Type::Int32,
            5 => Type::Float,
            7 => Type::Char,
            _ => return None,
        })
    }

    /// The code in the typing byte's low nibble.
    pub fn code(self) -> u8 {
        match self {
            Type::Missing => 0,
            Type::Int8 => 1,
            Type::Int16 => 2,
            Type::Int32 => 3,
            Type::Float => 5,
            Type::Char => 7,
        }
    }

    /// The size of one value in bytes (0 for [`Type::Missing`]).
    pub fn width(self) -> usize {
        match self {
            Type::Missing => 0,
            Type::Int8 | Type::Char => 1,
            Type::Int16 => 2,
            Type::Int32 | Type::Float => 4,
        }
    }

    /// Whether the type holds integers.
    pub fn is_int(self) -> bool {
        matches!(self, Type::Int8 | Type::Int16 | Type::Int32)
    }
}

/// One integer of a typed vector, with BCF's two sentinels decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Int {
    /// An ordinary value.
    Value(i32),
    /// The missing value (`.`): `0x80`, `0x8000`, `0x80000000` by width.
    Missing,
    /// End of vector: the padding after a shorter per-sample vector
    /// (`0x81`, `0x8001`, `0x80000001` by width).
    EndOfVector,
}

/// One float of a typed vector, with BCF's two NaN sentinels decoded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Float {
    /// An ordinary value (any other NaN is kept as a value).
    Value(f32),
    /// The missing value: the NaN with bits `0x7F800001`.
    Missing,
    /// End of vector: the NaN with bits `0x7F800002`.
    EndOfVector,
}

/// The bits of a missing float.
pub const FLOAT_MISSING_BITS: u32 = 0x7F80_0001;
/// The bits of an end-of-vector float.
pub const FLOAT_END_OF_VECTOR_BITS: u32 = 0x7F80_0002;

/// The missing and end-of-vector values of each integer width, and the
/// smallest ordinary value BCF 2.2 allows (the eight lowest values of each
/// width are reserved).
const INT8_MISSING: i32 = i8::MIN as i32;
const INT16_MISSING: i32 = i16::MIN as i32;
const INT32_MISSING: i32 = i32::MIN;
/// The smallest ordinary int8 value (BCF 2.2 reserves `-128..=-121`).
pub const INT8_MIN: i32 = -120;
/// The smallest ordinary int16 value.
pub const INT16_MIN: i32 = -32_760;
/// The smallest ordinary int32 value.
pub const INT32_MIN: i32 = i32::MIN + 8;

fn classify(raw: i32, missing: i32) -> Int {
    if raw == missing {
        Int::Missing
    } else if raw == missing + 1 {
        Int::EndOfVector
    } else {
        Int::Value(raw)
    }
}

/// A typed vector: its type, count and bytes (`len × width`), borrowed from
/// the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TypedValues<'a> {
    value_type: Type,
    len: usize,
    bytes: &'a [u8],
}

impl<'a> TypedValues<'a> {
    /// A view of `len` values of `value_type` in `bytes`; `None` unless
    /// `bytes` is exactly `len × width` long.
    pub fn new(value_type: Type, len: usize, bytes: &'a [u8]) -> Option<Self> {
        let expected = len.checked_mul(value_type.width())?;
        (bytes.len() == expected || (value_type == Type::Missing && bytes.is_empty())).then_some(
            TypedValues {
                value_type,
                len,
                bytes,
            },
        )
    }

    /// The values' type.
    pub fn value_type(&self) -> Type {
        self.value_type
    }

    /// The number of values (the typing byte's count).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no values (a flag or a missing value).
    pub fn is_empty(&self) -> bool {
        self.len == 0 || self.value_type == Type::Missing
    }

    /// The raw little-endian bytes.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The `index`th integer; `None` past the end or for a non-integer type.
    pub fn int(&self, index: usize) -> Option<Int> {
        let width = self.value_type.width();
        let at = index.checked_mul(width)?;
        let b = self.bytes.get(at..at.checked_add(width)?)?;
        Some(match (self.value_type, b) {
            (Type::Int8, &[a]) => classify(i32::from(a as i8), INT8_MISSING),
            (Type::Int16, &[a, b]) => {
                classify(i32::from(i16::from_le_bytes([a, b])), INT16_MISSING)
            }
            (Type::Int32, &[a, b, c, d]) => {
                classify(i32::from_le_bytes([a, b, c, d]), INT32_MISSING)
            }
            _ => return None,
        })
    }

    /// The integers in order (empty for a non-integer type).
    pub fn ints(&self) -> impl Iterator<Item = Int> + 'a {
        let values = *self;
        let n = if values.value_type.is_int() {
            values.len
        } else {
            0
        };
        (0..n).filter_map(move |i| values.int(i))
    }

    /// The `index`th float; `None` past the end or for a non-float type.
    pub fn float(&self, index: usize) -> Option<Float> {
        if self.value_type != Type::Float {
            return None;
        }
        let at = index.checked_mul(4)?;
        let b = self.bytes.get(at..at.checked_add(4)?)?;
        let bits = u32::from_le_bytes(b.try_into().ok()?);
        Some(match bits {
            FLOAT_MISSING_BITS => Float::Missing,
            FLOAT_END_OF_VECTOR_BITS => Float::EndOfVector,
            _ => Float::Value(f32::from_bits(bits)),
        })
    }

    /// The floats in order (empty for a non-float type).
    pub fn floats(&self) -> impl Iterator<Item = Float> + 'a {
        let values = *self;
        let n = if values.value_type == Type::Float {
            values.len
        } else {
            0
        };
        (0..n).filter_map(move |i| values.float(i))
    }

    /// The characters without trailing NUL padding (empty for a non-char
    /// type).
    pub fn chars(&self) -> &'a [u8] {
        if self.value_type != Type::Char {
            return &[];
        }
        let end = self
            .bytes
            .iter()
            .rposition(|&b| b != 0)
            .map_or(0, |last| last + 1);
        &self.bytes[..end]
    }
}

/// A bounds-checked reader of typed values over one record section.
#[derive(Debug, Clone)]
pub struct Cursor<'a> {
    bytes: &'a [u8],
    position: usize,
    base_offset: u64,
}

impl<'a> Cursor<'a> {
    /// A cursor at the start of `bytes`, which begin `base_offset` bytes
    /// into the record (for error messages).
    pub fn new(bytes: &'a [u8], base_offset: u64) -> Self {
        Cursor {
            bytes,
            position: 0,
            base_offset,
        }
    }

    /// The position in `bytes`.
    pub fn position(&self) -> usize {
        self.position
    }

    /// The bytes not yet read.
    pub fn remaining(&self) -> &'a [u8] {
        self.bytes.get(self.position..).unwrap_or_default()
    }

    /// Whether every byte has been read.
    pub fn is_at_end(&self) -> bool {
        self.position >= self.bytes.len()
    }

    /// An error at the cursor's position.
    pub fn error(&self, message: String) -> Error {
        Error::invalid_data(
            Format::Bcf,
            format!(
                "{message} (at byte {} of the record)",
                self.base_offset + self.position as u64
            ),
        )
    }

    /// Takes `len` bytes.
    ///
    /// # Errors
    ///
    /// When fewer remain.
    pub fn take(&mut self, len: usize, what: &str) -> Result<&'a [u8]> {
        let end = self.position.checked_add(len);
        match end.and_then(|end| self.bytes.get(self.position..end)) {
            Some(bytes) => {
                self.position += len;
                Ok(bytes)
            }
            None => Err(self.error(format!(
                "{what} needs {len} bytes but the record has {} left",
                self.bytes.len().saturating_sub(self.position)
            ))),
        }
    }

    /// Reads a typing byte and, when its count is 15, the typed integer
    /// holding the real count.
    ///
    /// # Errors
    ///
    /// Truncation, a reserved type code, a negative or malformed count.
    pub fn descriptor(&mut self, what: &str) -> Result<(Type, usize)> {
        let byte = self.take(1, what)?[0];
        let value_type = Type::from_code(byte & 0x0F)
            .ok_or_else(|| self.error(format!("{what} has reserved type code {}", byte & 0x0F)))?;
        let mut len = usize::from(byte >> 4);
        if len == 15 {
            let count_byte = self.take(1, what)?[0];
            let count_type = Type::from_code(count_byte & 0x0F).filter(|t| t.is_int());
            let count = match count_type {
                Some(count_type) if count_byte >> 4 == 1 => {
                    let raw = self.take(count_type.width(), what)?;
                    TypedValues::new(count_type, 1, raw).and_then(|v| v.int(0))
                }
                _ => None,
            };
            len = match count {
                Some(Int::Value(count)) if count >= 0 => count as usize,
                Some(Int::Value(count)) => {
                    return Err(self.error(format!("{what} has a negative length {count}")))
                }
                _ => {
                    return Err(self.error(format!(
                        "{what}: the overflow length is not a single integer (typing byte {count_byte:#04x})"
                    )))
                }
            };
        }
        Ok((value_type, len))
    }

    /// Reads a typed vector.
    ///
    /// # Errors
    ///
    /// As [`Cursor::descriptor`], or values overrunning the section.
    pub fn typed(&mut self, what: &str) -> Result<TypedValues<'a>> {
        let (value_type, len) = self.descriptor(what)?;
        self.values(value_type, len, what)
    }

    /// Reads `len` values of `value_type` whose descriptor was read apart.
    ///
    /// # Errors
    ///
    /// When the values overrun the section.
    pub fn values(&mut self, value_type: Type, len: usize, what: &str) -> Result<TypedValues<'a>> {
        let size = len
            .checked_mul(value_type.width())
            .ok_or_else(|| self.error(format!("{what}: {len} values overflow")))?;
        let bytes = self.take(size, what)?;
        Ok(TypedValues {
            value_type,
            len,
            bytes,
        })
    }

    /// Reads a typed vector holding exactly one ordinary integer (a
    /// dictionary key).
    ///
    /// # Errors
    ///
    /// Anything else.
    pub fn single_int(&mut self, what: &str) -> Result<i32> {
        let values = self.typed(what)?;
        match (values.len(), values.int(0)) {
            (1, Some(Int::Value(value))) => Ok(value),
            _ => Err(self.error(format!(
                "{what} must be one integer, found {} value(s) of type {:?}",
                values.len(),
                values.value_type()
            ))),
        }
    }
}

/// Appends a typing byte for `len` values of `value_type` (with the
/// overflow count when `len >= 15`).
pub fn encode_descriptor(out: &mut Vec<u8>, value_type: Type, len: usize) {
    if len < 15 {
        out.push(((len as u8) << 4) | value_type.code());
    } else {
        out.push(0xF0 | value_type.code());
        let len = i32::try_from(len).unwrap_or(i32::MAX);
        encode_ints(out, &[Some(len)]);
    }
}

/// The smallest integer type holding every value of `values` (missing
/// values fit any width); int8 when there are none.
pub fn int_type_for(values: impl IntoIterator<Item = i32>) -> Type {
    let (mut min, mut max) = (0i32, 0i32);
    for value in values {
        min = min.min(value);
        max = max.max(value);
    }
    if min >= INT8_MIN && max <= i32::from(i8::MAX) {
        Type::Int8
    } else if min >= INT16_MIN && max <= i32::from(i16::MAX) {
        Type::Int16
    } else {
        Type::Int32
    }
}

/// Appends one integer of `value_type` (`None` is the missing value,
/// [`Int::EndOfVector`] the padding).
pub fn push_int(out: &mut Vec<u8>, value_type: Type, value: Int) {
    let raw = match value {
        Int::Value(v) => v,
        Int::Missing => i32::MIN,
        Int::EndOfVector => i32::MIN + 1,
    };
    match value_type {
        Type::Int8 => {
            let byte = match value {
                Int::Value(v) => v as i8,
                Int::Missing => i8::MIN,
                Int::EndOfVector => i8::MIN + 1,
            };
            out.push(byte as u8);
        }
        Type::Int16 => {
            let half = match value {
                Int::Value(v) => v as i16,
                Int::Missing => i16::MIN,
                Int::EndOfVector => i16::MIN + 1,
            };
            out.extend_from_slice(&half.to_le_bytes());
        }
        _ => out.extend_from_slice(&raw.to_le_bytes()),
    }
}

/// Appends a typed integer vector in the smallest width (`None`: missing).
pub fn encode_ints(out: &mut Vec<u8>, values: &[Option<i32>]) {
    let value_type = int_type_for(values.iter().flatten().copied());
    encode_descriptor(out, value_type, values.len());
    for value in values {
        push_int(out, value_type, value.map_or(Int::Missing, Int::Value));
    }
}

/// Appends a typed float vector (`None`: missing).
pub fn encode_floats(out: &mut Vec<u8>, values: &[Option<f32>]) {
    encode_descriptor(out, Type::Float, values.len());
    for value in values {
        let bits = value.map_or(FLOAT_MISSING_BITS, f32::to_bits);
        out.extend_from_slice(&bits.to_le_bytes());
    }
}

/// Appends a typed character vector.
pub fn encode_chars(out: &mut Vec<u8>, chars: &[u8]) {
    encode_descriptor(out, Type::Char, chars.len());
    out.extend_from_slice(chars);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentinels_by_width() {
        let bytes = [0x80, 0x81, 0x7F];
        let v = TypedValues::new(Type::Int8, 3, &bytes).unwrap();
        assert_eq!(
            v.ints().collect::<Vec<_>>(),
            [Int::Missing, Int::EndOfVector, Int::Value(127)]
        );
        let bytes = [0x00, 0x80, 0x01, 0x80, 0xF8, 0xFF];
        let v = TypedValues::new(Type::Int16, 3, &bytes).unwrap();
        assert_eq!(
            v.ints().collect::<Vec<_>>(),
            [Int::Missing, Int::EndOfVector, Int::Value(-8)]
        );
        let mut bytes = Vec::new();
        for bits in [
            FLOAT_MISSING_BITS,
            FLOAT_END_OF_VECTOR_BITS,
            1.5f32.to_bits(),
        ] {
            bytes.extend_from_slice(&bits.to_le_bytes());
        }
        let v = TypedValues::new(Type::Float, 3, &bytes).unwrap();
        assert_eq!(
            v.floats().collect::<Vec<_>>(),
            [Float::Missing, Float::EndOfVector, Float::Value(1.5)]
        );
    }

    #[test]
    fn overflow_length_round_trips() {
        for len in [0usize, 14, 15, 16, 127, 128, 40_000, 100_000] {
            let mut out = Vec::new();
            encode_chars(&mut out, &vec![b'x'; len]);
            let mut cursor = Cursor::new(&out, 0);
            let values = cursor.typed("test").unwrap();
            assert_eq!(values.len(), len);
            assert_eq!(values.chars().len(), len);
            assert!(cursor.is_at_end());
        }
    }

    #[test]
    fn smallest_widths() {
        assert_eq!(int_type_for([-120, 127]), Type::Int8);
        assert_eq!(int_type_for([-121]), Type::Int16);
        assert_eq!(int_type_for([128]), Type::Int16);
        assert_eq!(int_type_for([-32_761]), Type::Int32);
        assert_eq!(int_type_for([32_768]), Type::Int32);
        let mut out = Vec::new();
        encode_ints(&mut out, &[Some(300), None, Some(-5)]);
        let values = Cursor::new(&out, 0).typed("t").unwrap();
        assert_eq!(values.value_type(), Type::Int16);
        assert_eq!(
            values.ints().collect::<Vec<_>>(),
            [Int::Value(300), Int::Missing, Int::Value(-5)]
        );
    }

    #[test]
    fn bad_descriptors_are_errors() {
        // Reserved type code 4.
        assert!(Cursor::new(&[0x14, 0, 0, 0, 0, 0, 0, 0, 0], 0)
            .typed("t")
            .is_err());
        // Overflow length negative.
        assert!(Cursor::new(&[0xF7, 0x11, 0xFF], 0).typed("t").is_err());
        // Overflow length given as a vector of two.
        assert!(Cursor::new(&[0xF7, 0x21, 1, 1], 0).typed("t").is_err());
        // Values overrunning the section.
        let err = Cursor::new(&[0x33, 1, 0, 0, 0], 7).typed("t").unwrap_err();
        assert!(err.to_string().contains("at byte 8"), "{err}");
        // Overflow length beyond memory: an error, not an allocation.
        assert!(Cursor::new(&[0xF3, 0x13, 0xFF, 0xFF, 0xFF, 0x7F], 0)
            .typed("t")
            .is_err());
    }
}
