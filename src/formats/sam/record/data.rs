//! Auxiliary data (optional fields): typed, zero-copy values.

use super::Tag;

/// A `B` array: typed little-endian elements borrowed from the record.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Array<'a> {
    /// `c`
    Int8(Values<'a, i8>),
    /// `C`
    UInt8(Values<'a, u8>),
    /// `s`
    Int16(Values<'a, i16>),
    /// `S`
    UInt16(Values<'a, u16>),
    /// `i`
    Int32(Values<'a, i32>),
    /// `I`
    UInt32(Values<'a, u32>),
    /// `f`
    Float(Values<'a, f32>),
}

impl<'a> Array<'a> {
    /// A typed view of little-endian `elements` of `subtype` (`cCsSiIf`);
    /// `None` for another subtype or a length not a multiple of the size.
    ///
    /// ```
    /// use biometal::formats::sam::record::data::Array;
    ///
    /// let array = Array::from_le_bytes(b's', &[1, 0, 0xff, 0xff]).unwrap();
    /// assert!(matches!(array, Array::Int16(v) if v.iter().collect::<Vec<_>>() == [1, -1]));
    /// ```
    pub fn from_le_bytes(subtype: u8, elements: &'a [u8]) -> Option<Self> {
        if !elements.len().is_multiple_of(array_element_size(subtype)?) {
            return None;
        }
        Some(match subtype {
            b'c' => Array::Int8(Values::new(elements)),
            b'C' => Array::UInt8(Values::new(elements)),
            b's' => Array::Int16(Values::new(elements)),
            b'S' => Array::UInt16(Values::new(elements)),
            b'i' => Array::Int32(Values::new(elements)),
            b'I' => Array::UInt32(Values::new(elements)),
            _ => Array::Float(Values::new(elements)),
        })
    }

    /// The subtype letter (`cCsSiIf`).
    pub fn subtype(&self) -> u8 {
        match self {
            Array::Int8(_) => b'c',
            Array::UInt8(_) => b'C',
            Array::Int16(_) => b's',
            Array::UInt16(_) => b'S',
            Array::Int32(_) => b'i',
            Array::UInt32(_) => b'I',
            Array::Float(_) => b'f',
        }
    }

    /// The number of elements.
    pub fn len(&self) -> usize {
        match self {
            Array::Int8(v) => v.len(),
            Array::UInt8(v) => v.len(),
            Array::Int16(v) => v.len(),
            Array::UInt16(v) => v.len(),
            Array::Int32(v) => v.len(),
            Array::UInt32(v) => v.len(),
            Array::Float(v) => v.len(),
        }
    }

    /// Whether the array has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// An element type of a `B` array.
pub trait Element: Copy + 'static {
    /// Bytes per element.
    const SIZE: usize;
    /// Decodes one element from `SIZE` little-endian bytes.
    fn from_le(bytes: &[u8]) -> Self;
}

macro_rules! element {
    ($($t:ty),*) => {$(
        impl Element for $t {
            const SIZE: usize = std::mem::size_of::<$t>();
            fn from_le(bytes: &[u8]) -> Self {
                let mut raw = [0u8; std::mem::size_of::<$t>()];
                raw.copy_from_slice(&bytes[..Self::SIZE]);
                <$t>::from_le_bytes(raw)
            }
        }
    )*};
}
element!(i8, u8, i16, u16, i32, u32, f32);

/// The elements of a `B` array, decoded on access.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Values<'a, T> {
    bytes: &'a [u8],
    marker: std::marker::PhantomData<T>,
}

impl<'a, T: Element> Values<'a, T> {
    fn new(bytes: &'a [u8]) -> Self {
        Values {
            bytes,
            marker: std::marker::PhantomData,
        }
    }

    /// The number of elements.
    pub fn len(&self) -> usize {
        self.bytes.len() / T::SIZE
    }

    /// Whether there are no elements.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The element at `i`.
    pub fn get(&self, i: usize) -> Option<T> {
        let start = i.checked_mul(T::SIZE)?;
        self.bytes.get(start..start + T::SIZE).map(T::from_le)
    }

    /// The elements in order.
    pub fn iter(&self) -> impl Iterator<Item = T> + 'a {
        self.bytes.chunks_exact(T::SIZE).map(T::from_le)
    }

    /// The raw little-endian bytes.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }
}

/// One auxiliary field's value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    /// `A`: a printable character.
    Character(u8),
    /// `c`
    Int8(i8),
    /// `C`
    UInt8(u8),
    /// `s`
    Int16(i16),
    /// `S`
    UInt16(u16),
    /// `i`
    Int32(i32),
    /// `I`
    UInt32(u32),
    /// `f`
    Float(f32),
    /// `d` (htslib extension; SAM prints it as `d:`).
    Double(f64),
    /// `Z`: text without the NUL.
    String(&'a [u8]),
    /// `H`: hex digits without the NUL.
    Hex(&'a [u8]),
    /// `B`: an array.
    Array(Array<'a>),
}

impl Value<'_> {
    /// The value as an integer, for any integer type.
    pub fn as_int(&self) -> Option<i64> {
        Some(match *self {
            Value::Int8(v) => v.into(),
            Value::UInt8(v) => v.into(),
            Value::Int16(v) => v.into(),
            Value::UInt16(v) => v.into(),
            Value::Int32(v) => v.into(),
            Value::UInt32(v) => v.into(),
            _ => return None,
        })
    }

    /// The BAM type letter.
    pub fn type_code(&self) -> u8 {
        match self {
            Value::Character(_) => b'A',
            Value::Int8(_) => b'c',
            Value::UInt8(_) => b'C',
            Value::Int16(_) => b's',
            Value::UInt16(_) => b'S',
            Value::Int32(_) => b'i',
            Value::UInt32(_) => b'I',
            Value::Float(_) => b'f',
            Value::Double(_) => b'd',
            Value::String(_) => b'Z',
            Value::Hex(_) => b'H',
            Value::Array(_) => b'B',
        }
    }

    /// Appends the BAM encoding (type letter and value) to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.push(self.type_code());
        match *self {
            Value::Character(v) | Value::UInt8(v) => out.push(v),
            Value::Int8(v) => out.extend_from_slice(&v.to_le_bytes()),
            Value::Int16(v) => out.extend_from_slice(&v.to_le_bytes()),
            Value::UInt16(v) => out.extend_from_slice(&v.to_le_bytes()),
            Value::Int32(v) => out.extend_from_slice(&v.to_le_bytes()),
            Value::UInt32(v) => out.extend_from_slice(&v.to_le_bytes()),
            Value::Float(v) => out.extend_from_slice(&v.to_le_bytes()),
            Value::Double(v) => out.extend_from_slice(&v.to_le_bytes()),
            Value::String(text) | Value::Hex(text) => {
                out.extend_from_slice(text);
                out.push(0);
            }
            Value::Array(array) => {
                out.push(array.subtype());
                out.extend_from_slice(&(array.len() as u32).to_le_bytes());
                let bytes = match array {
                    Array::Int8(v) => v.as_bytes(),
                    Array::UInt8(v) => v.as_bytes(),
                    Array::Int16(v) => v.as_bytes(),
                    Array::UInt16(v) => v.as_bytes(),
                    Array::Int32(v) => v.as_bytes(),
                    Array::UInt32(v) => v.as_bytes(),
                    Array::Float(v) => v.as_bytes(),
                };
                out.extend_from_slice(bytes);
            }
        }
    }
}

/// A record's auxiliary fields, checked as they are read: the accessors
/// return an [`ErrorKind::InvalidData`](crate::ErrorKind::InvalidData)
/// error naming the record byte (and the record number, for a record from
/// a reader) where a field is malformed.
///
/// ```
/// use biometal::formats::sam::record::data::{Data, Value};
///
/// let bytes = b"NMC\x02RGZgrp1\x00";
/// let data = Data::new(bytes).unwrap();
/// assert_eq!(data.get(b"NM")?, Some(Value::UInt8(2)));
/// assert_eq!(data.get(b"RG")?, Some(Value::String(b"grp1")));
/// assert_eq!(data.iter().count(), 2);
/// # Ok::<(), biometal::Error>(())
/// ```
///
/// Two are equal when their bytes (and hidden field) are, whichever record
/// they come from.
#[derive(Debug, Clone, Copy)]
pub struct Data<'a> {
    bytes: &'a [u8],
    /// The offset of a field to skip (a `CG` tag holding the CIGAR).
    hidden: Option<usize>,
    /// Where the data starts in its record, for error offsets.
    record_offset: usize,
    /// The 1-based record number (0: unknown), for errors.
    record_number: u64,
}

/// Where and why auxiliary data is malformed: an offset into the data and
/// a description.
pub(crate) type DataError = (usize, String);

fn array_element_size(subtype: u8) -> Option<usize> {
    Some(match subtype {
        b'c' | b'C' => 1,
        b's' | b'S' => 2,
        b'i' | b'I' | b'f' => 4,
        _ => return None,
    })
}

/// Splits one field off `bytes`: its tag, value and total encoded length.
#[inline]
fn parse_field(bytes: &[u8]) -> Result<(Tag, Value<'_>, usize), String> {
    let (&[t0, t1, ty], rest) = bytes.split_first_chunk::<3>().ok_or_else(|| {
        format!(
            "a field needs 3 bytes of tag and type, {} left",
            bytes.len()
        )
    })?;
    let fixed = |n: usize| -> Result<&[u8], String> {
        rest.get(..n).ok_or_else(|| {
            format!(
                "{}{}:{} value needs {n} bytes, {} left",
                t0 as char,
                t1 as char,
                ty as char,
                rest.len()
            )
        })
    };
    let (value, len) = match ty {
        b'A' | b'c' | b'C' => {
            let v = fixed(1)?[0];
            let value = match ty {
                b'A' => Value::Character(v),
                b'c' => Value::Int8(v as i8),
                _ => Value::UInt8(v),
            };
            (value, 1)
        }
        b's' => (
            Value::Int16(i16::from_le_bytes([fixed(2)?[0], fixed(2)?[1]])),
            2,
        ),
        b'S' => (
            Value::UInt16(u16::from_le_bytes([fixed(2)?[0], fixed(2)?[1]])),
            2,
        ),
        b'i' | b'I' | b'f' => {
            let b = fixed(4)?;
            let raw = [b[0], b[1], b[2], b[3]];
            let value = match ty {
                b'i' => Value::Int32(i32::from_le_bytes(raw)),
                b'I' => Value::UInt32(u32::from_le_bytes(raw)),
                _ => Value::Float(f32::from_le_bytes(raw)),
            };
            (value, 4)
        }
        b'd' => {
            let b = fixed(8)?;
            let mut raw = [0u8; 8];
            raw.copy_from_slice(b);
            (Value::Double(f64::from_le_bytes(raw)), 8)
        }
        b'Z' | b'H' => {
            let end = rest.iter().position(|&b| b == 0).ok_or_else(|| {
                format!(
                    "{}{}:{} text has no NUL before the record ends",
                    t0 as char, t1 as char, ty as char
                )
            })?;
            let text = &rest[..end];
            let value = if ty == b'Z' {
                Value::String(text)
            } else {
                Value::Hex(text)
            };
            (value, end + 1)
        }
        b'B' => {
            let head = fixed(5)?;
            let subtype = head[0];
            let count = u32::from_le_bytes([head[1], head[2], head[3], head[4]]) as usize;
            let size = array_element_size(subtype).ok_or_else(|| {
                format!(
                    "{}{}:B has invalid subtype {:?}",
                    t0 as char, t1 as char, subtype as char
                )
            })?;
            let byte_len = count
                .checked_mul(size)
                .filter(|&n| n <= rest.len() - 5)
                .ok_or_else(|| {
                    format!(
                        "{}{}:B array of {count} elements runs past the record ({} bytes left)",
                        t0 as char,
                        t1 as char,
                        rest.len() - 5
                    )
                })?;
            let array = Array::from_le_bytes(subtype, &rest[5..5 + byte_len])
                .ok_or_else(|| format!("{}{}:B is malformed", t0 as char, t1 as char))?;
            (Value::Array(array), 5 + byte_len)
        }
        other => {
            return Err(format!(
                "{}{} has invalid type {:?}",
                t0 as char, t1 as char, other as char
            ))
        }
    };
    Ok(([t0, t1], value, 3 + len))
}

impl PartialEq for Data<'_> {
    fn eq(&self, other: &Self) -> bool {
        (self.bytes, self.hidden) == (other.bytes, other.hidden)
    }
}

impl Eq for Data<'_> {}

impl<'a> Data<'a> {
    /// Validates `bytes` as BAM auxiliary data.
    pub fn new(bytes: &'a [u8]) -> Option<Self> {
        validate(bytes).ok()?;
        Some(Data::in_record(bytes, None, 0, 0))
    }

    /// The unchecked auxiliary data of a record, starting at its byte
    /// `record_offset`, skipping the field at `hidden`.
    pub(crate) fn in_record(
        bytes: &'a [u8],
        hidden: Option<usize>,
        record_offset: usize,
        record_number: u64,
    ) -> Self {
        Data {
            bytes,
            hidden,
            record_offset,
            record_number,
        }
    }

    /// The error for a malformed field at `offset`.
    #[cold]
    fn error(&self, offset: usize, message: String) -> crate::Error {
        let error = crate::Error::invalid_data(
            crate::Format::Bam,
            format!(
                "auxiliary data at record byte {}: {message}",
                self.record_offset + offset
            ),
        );
        match self.record_number {
            0 => error,
            number => error.at_record(number),
        }
    }

    /// The value of the field tagged `tag`, `None` when there is none.
    ///
    /// # Errors
    ///
    /// A malformed field before or at the one tagged `tag`.
    pub fn get(&self, tag: &Tag) -> crate::Result<Option<Value<'a>>> {
        let mut offset = 0;
        while let Some(rest) = self.bytes.get(offset..).filter(|rest| !rest.is_empty()) {
            let wanted = rest.starts_with(tag) && Some(offset) != self.hidden;
            let len = match field_len(rest) {
                Some(len) if !wanted => len,
                _ => {
                    let (_, value, len) =
                        parse_field(rest).map_err(|message| self.error(offset, message))?;
                    if wanted {
                        return Ok(Some(value));
                    }
                    len
                }
            };
            offset += len;
        }
        Ok(None)
    }

    /// The fields in order; a malformed field is an error, after which the
    /// iteration ends.
    pub fn iter(&self) -> impl Iterator<Item = crate::Result<(Tag, Value<'a>)>> + 'a {
        let data = *self;
        let mut offset = 0;
        std::iter::from_fn(move || loop {
            let rest = data.bytes.get(offset..).filter(|rest| !rest.is_empty())?;
            let start = offset;
            match parse_field(rest) {
                Ok((tag, value, len)) => {
                    offset += len;
                    if Some(start) != data.hidden {
                        return Some(Ok((tag, value)));
                    }
                }
                Err(message) => {
                    offset = data.bytes.len();
                    return Some(Err(data.error(start, message)));
                }
            }
        })
    }

    /// Checks every field.
    ///
    /// # Errors
    ///
    /// The first malformed field, with its record byte.
    pub fn validate(&self) -> crate::Result<()> {
        validate(self.bytes).map_err(|(offset, message)| self.error(offset, message))
    }

    /// Whether there are no fields.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }
}

/// The fields of validated data with their offsets and encoded lengths.
pub(crate) fn raw_fields(bytes: &[u8]) -> impl Iterator<Item = (usize, usize, Tag, Value<'_>)> {
    let mut offset = 0;
    std::iter::from_fn(move || {
        let rest = bytes.get(offset..).filter(|rest| !rest.is_empty())?;
        // Validated on construction, so an error only ends the iteration.
        let (tag, value, len) = parse_field(rest).ok()?;
        let start = offset;
        offset += len;
        Some((start, len, tag, value))
    })
}

/// Checks every field, returning the offset and description of the first
/// malformed one.
///
/// Every record is validated once when read, so this walks the fields by
/// their encoded lengths alone ([`field_len`]); only a field that fails
/// that walk goes through [`parse_field`], which says what is wrong.
pub(crate) fn validate(bytes: &[u8]) -> Result<(), DataError> {
    let mut offset = 0;
    while let Some(rest) = bytes.get(offset..).filter(|rest| !rest.is_empty()) {
        offset += match field_len(rest) {
            Some(len) => len,
            None => parse_field(rest).map_err(|message| (offset, message))?.2,
        };
    }
    Ok(())
}

/// The first NUL in `bytes`. Most text fields (RG, MD, MC…) are short, so a
/// plain scan of the first bytes comes before memchr's set-up.
#[inline]
fn nul_position(bytes: &[u8]) -> Option<usize> {
    let head = bytes.len().min(16);
    match bytes[..head].iter().position(|&b| b == 0) {
        Some(at) => Some(at),
        None => memchr::memchr(0, &bytes[head..]).map(|at| head + at),
    }
}

/// The encoded length of the first field of `bytes` (tag, type and value),
/// or `None` when [`parse_field`] would reject it.
#[inline]
fn field_len(bytes: &[u8]) -> Option<usize> {
    let (&[_, _, ty], rest) = bytes.split_first_chunk::<3>()?;
    let len = match ty {
        b'A' | b'c' | b'C' => 1,
        b's' | b'S' => 2,
        b'i' | b'I' | b'f' => 4,
        b'd' => 8,
        b'Z' | b'H' => nul_position(rest)? + 1,
        b'B' => {
            let head: [u8; 5] = rest.get(..5)?.try_into().ok()?;
            let size = array_element_size(head[0])?;
            let count = u32::from_le_bytes([head[1], head[2], head[3], head[4]]) as usize;
            count.checked_mul(size)?.checked_add(5)?
        }
        _ => return None,
    };
    (len <= rest.len()).then_some(3 + len)
}
