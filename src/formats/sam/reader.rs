//! Reading SAM text into the BAM-layout [`Record`].

use std::io::BufRead;
use std::path::Path;

use super::header::{Header, ParseOptions, Strictness};
use super::record::cigar::{Kind, Op};
use super::record::data::{Array, Value};
use super::record::{Flags, Record, RecordFields, RecordRef};
use crate::region::Position;
use crate::{Error, Format, Result};

/// The longest SAM line accepted (a guard against unbounded growth).
pub const MAX_LINE_LENGTH: u64 = 1 << 30;

/// A SAM reader, with the three tiers of every reader in the crate:
/// [`Reader::next_record`] (borrowed, no allocation), [`Reader::read_record`]
/// (into a record you reuse) and [`Reader::records`] (owned). Records come
/// in BAM's layout, reference names resolved through the header.
///
/// ```
/// use biometal::formats::sam::{self, Record};
///
/// let text = "@SQ\tSN:chr1\tLN:100\nr1\t0\tchr1\t5\t60\t3M\t*\t0\t0\tACG\tIII\tNM:i:0\n";
/// let mut reader = sam::Reader::new(text.as_bytes());
/// let header = reader.read_header()?;
/// let mut record = Record::default();
/// assert!(reader.read_record(&header, &mut record)?);
/// assert_eq!(record.alignment_start().map(|p| p.get()), Some(5));
/// assert!(!reader.read_record(&header, &mut record)?);
/// # Ok::<(), biometal::Error>(())
/// ```
pub struct Reader<R> {
    inner: R,
    strictness: Strictness,
    line: Vec<u8>,
    line_number: u64,
    cigar: Vec<Op>,
    qualities: Vec<u8>,
    aux: Vec<u8>,
    /// The record [`Reader::next_record`] lends.
    scratch: Record,
}

impl Reader<crate::io::Source> {
    /// Opens a SAM file, plain, gzip or BGZF (detected from its first
    /// bytes), through [`io::open`](crate::io::open). For BGZF decoding on
    /// several threads, open the path with
    /// [`io::open_with`](crate::io::open_with) and
    /// [`IoOptions::with_bgzf_threads`](crate::io::IoOptions::with_bgzf_threads),
    /// then [`Reader::new`].
    ///
    /// # Errors
    ///
    /// When the file cannot be opened.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Self> {
        Ok(Reader::new(crate::io::open(path)?))
    }
}

impl<R: BufRead> Reader<R> {
    /// A strict reader of `inner`.
    pub fn new(inner: R) -> Self {
        Reader {
            inner,
            strictness: Strictness::Strict,
            line: Vec::new(),
            line_number: 0,
            cigar: Vec::new(),
            qualities: Vec::new(),
            aux: Vec::new(),
            scratch: Record::default(),
        }
    }

    /// Sets how strictly header and records are checked. Lenient accepts
    /// what samtools accepts (leading zeros, FLAG bits above 0xFFF, any
    /// printable QNAME, clips inside a CIGAR).
    pub fn with_strictness(mut self, strictness: Strictness) -> Self {
        self.strictness = strictness;
        self
    }

    /// The source.
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// The source.
    pub fn into_inner(self) -> R {
        self.inner
    }

    fn next_line(&mut self) -> Result<bool> {
        self.line.clear();
        let read = std::io::Read::take(&mut self.inner, MAX_LINE_LENGTH)
            .read_until(b'\n', &mut self.line)
            .map_err(Error::from)?;
        if read == 0 {
            return Ok(false);
        }
        self.line_number += 1;
        if self.line.last() == Some(&b'\n') {
            self.line.pop();
            if self.line.last() == Some(&b'\r') {
                self.line.pop();
            }
        } else if read as u64 == MAX_LINE_LENGTH {
            return Err(
                Error::limit_exceeded(Format::Sam, "line", read as u64, MAX_LINE_LENGTH)
                    .at_line(self.line_number + 1),
            );
        }
        Ok(true)
    }

    /// Reads the header lines (those starting `@`).
    ///
    /// # Errors
    ///
    /// A malformed header line, with its line number.
    pub fn read_header(&mut self) -> Result<Header> {
        let mut text = String::new();
        loop {
            let available = self.inner.fill_buf().map_err(Error::from)?;
            if available.first() != Some(&b'@') {
                break;
            }
            self.next_line()?;
            let line = std::str::from_utf8(&self.line).map_err(|_| {
                Error::invalid_data(Format::Sam, "header line is not UTF-8")
                    .at_line(self.line_number)
            })?;
            text.push_str(line);
            text.push('\n');
        }
        ParseOptions::default()
            .strictness(self.strictness)
            .parse(&text)
    }

    /// Reads the next record into `record`: `false` at the end of input.
    ///
    /// # Errors
    ///
    /// A malformed line, naming its line number and the field.
    pub fn read_record(&mut self, header: &Header, record: &mut Record) -> Result<bool> {
        loop {
            if !self.next_line()? {
                return Ok(false);
            }
            if !self.line.is_empty() {
                break;
            }
        }
        let mut parser = LineParser {
            strict: self.strictness == Strictness::Strict,
            cigar: &mut self.cigar,
            qualities: &mut self.qualities,
            aux: &mut self.aux,
        };
        parser
            .parse(&self.line, header, record)
            .map_err(|e| e.at_line(self.line_number))?;
        Ok(true)
    }
}

impl<R: BufRead> Reader<R> {
    /// The next record, borrowed from the reader (its buffers are reused
    /// from record to record): `None` at the end of input.
    ///
    /// ```
    /// use biometal::formats::sam;
    ///
    /// let text = "@SQ\tSN:chr1\tLN:100\nr1\t0\tchr1\t5\t60\t3M\t*\t0\t0\tACG\tIII\n";
    /// let mut reader = sam::Reader::new(text.as_bytes());
    /// let header = reader.read_header()?;
    /// let mut names = Vec::new();
    /// while let Some(record) = reader.next_record(&header)? {
    ///     names.push(record.name().to_vec());
    /// }
    /// assert_eq!(names, [b"r1".to_vec()]);
    /// # Ok::<(), biometal::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Reader::read_record`].
    pub fn next_record(&mut self, header: &Header) -> Result<Option<RecordRef<'_>>> {
        let mut scratch = std::mem::take(&mut self.scratch);
        let more = self.read_record(header, &mut scratch);
        self.scratch = scratch;
        Ok(if more? {
            Some(self.scratch.as_ref())
        } else {
            None
        })
    }

    /// Owned records; each is a fresh allocation (use
    /// [`Reader::read_record`] or [`Reader::next_record`] on hot paths).
    ///
    /// ```
    /// use biometal::formats::sam;
    ///
    /// let text = "@SQ\tSN:chr1\tLN:100\nr1\t0\tchr1\t5\t60\t3M\t*\t0\t0\tACG\tIII\n";
    /// let mut reader = sam::Reader::new(text.as_bytes());
    /// let header = reader.read_header()?;
    /// let records = reader.records(&header).collect::<biometal::Result<Vec<_>>>()?;
    /// assert_eq!(records.len(), 1);
    /// # Ok::<(), biometal::Error>(())
    /// ```
    pub fn records<'a>(
        &'a mut self,
        header: &'a Header,
    ) -> impl Iterator<Item = Result<Record>> + 'a {
        std::iter::from_fn(move || {
            let mut record = Record::default();
            match self.read_record(header, &mut record) {
                Ok(true) => Some(Ok(record)),
                Ok(false) => None,
                Err(e) => Some(Err(e)),
            }
        })
    }
}

/// Parses one SAM line into `record` (strict rules).
///
/// # Errors
///
/// The first field breaking the SAM specification.
pub fn parse_record(line: &[u8], header: &Header, record: &mut Record) -> Result<()> {
    let (mut cigar, mut qualities, mut aux) = (Vec::new(), Vec::new(), Vec::new());
    LineParser {
        strict: true,
        cigar: &mut cigar,
        qualities: &mut qualities,
        aux: &mut aux,
    }
    .parse(line, header, record)
}

struct LineParser<'s> {
    strict: bool,
    cigar: &'s mut Vec<Op>,
    qualities: &'s mut Vec<u8>,
    aux: &'s mut Vec<u8>,
}

fn bad(field: &str, value: &[u8], expected: &str) -> Error {
    Error::invalid_data(
        Format::Sam,
        format!(
            "{field} {:?}: expected {expected}",
            String::from_utf8_lossy(value)
        ),
    )
}

impl LineParser<'_> {
    fn int(&self, field: &str, text: &[u8], min: i64, max: i64) -> Result<i64> {
        self.int_with(field, text, min, max, self.strict)
    }

    /// An integer; `strict` forbids leading zeros (the SAM
    /// specification's rule for the mandatory fields).
    fn int_with(&self, field: &str, text: &[u8], min: i64, max: i64, strict: bool) -> Result<i64> {
        let digits = text.strip_prefix(b"-").unwrap_or(text);
        let leading_zero = digits.len() > 1 && digits[0] == b'0';
        let value = std::str::from_utf8(text)
            .ok()
            .and_then(|t| t.parse::<i64>().ok());
        match value {
            Some(v) if (min..=max).contains(&v) && !(strict && leading_zero) => Ok(v),
            _ => Err(bad(field, text, &format!("an integer in {min}..={max}"))),
        }
    }

    fn reference(&self, field: &str, text: &[u8], header: &Header) -> Result<Option<usize>> {
        if text == b"*" {
            return Ok(None);
        }
        std::str::from_utf8(text)
            .ok()
            .and_then(|name| header.reference_id(name))
            .map(Some)
            .ok_or_else(|| bad(field, text, "* or a reference named in the header"))
    }

    fn parse(&mut self, line: &[u8], header: &Header, record: &mut Record) -> Result<()> {
        let mut fields = line.split(|&b| b == b'\t');
        let mut next = |name: &str| {
            fields
                .next()
                .ok_or_else(|| Error::invalid_data(Format::Sam, format!("line ends before {name}")))
        };
        let name = next("QNAME")?;
        let flag = next("FLAG")?;
        let rname = next("RNAME")?;
        let pos = next("POS")?;
        let mapq = next("MAPQ")?;
        let cigar = next("CIGAR")?;
        let rnext = next("RNEXT")?;
        let pnext = next("PNEXT")?;
        let tlen = next("TLEN")?;
        let seq = next("SEQ")?;
        let qual = next("QUAL")?;

        let name_ok = !name.is_empty()
            && name.len() <= 254
            && name
                .iter()
                .all(|&c| c.is_ascii_graphic() && !(self.strict && c == b'@'));
        if !name_ok {
            return Err(bad("QNAME", name, "1 to 254 printable characters (not @)"));
        }
        let mut flags = self.int("FLAG", flag, 0, if self.strict { 0xfff } else { 0xffff })? as u16;
        let reference_id = self.reference("RNAME", rname, header)?;
        let start = self.int("POS", pos, 0, i64::from(i32::MAX))? as u64;
        let mapping_quality = self.int("MAPQ", mapq, 0, 255)? as u8;
        self.parse_cigar(cigar)?;
        if self.cigar.is_empty() {
            // As samtools: a mapped read must have a CIGAR.
            flags |= Flags::UNMAPPED;
        }
        let mate_reference_id = if rnext == b"=" {
            if reference_id.is_none() {
                return Err(bad("RNEXT", rnext, "* when RNAME is *"));
            }
            reference_id
        } else {
            self.reference("RNEXT", rnext, header)?
        };
        let mate_start = self.int("PNEXT", pnext, 0, i64::from(i32::MAX))? as u64;
        // As samtools: a mate without a position has no reference either.
        let mate_reference_id = mate_reference_id.filter(|_| mate_start > 0);
        let template_length =
            self.int("TLEN", tlen, -i64::from(i32::MAX), i64::from(i32::MAX))? as i32;
        let sequence: &[u8] = if seq == b"*" { b"" } else { seq };
        if seq.is_empty()
            || !sequence
                .iter()
                .all(|&c| c.is_ascii_alphabetic() || c == b'=' || c == b'.')
        {
            return Err(bad("SEQ", seq, "* or letters, = and ."));
        }
        let qualities = if qual == b"*" {
            None
        } else {
            if qual.len() != sequence.len() {
                return Err(bad(
                    "QUAL",
                    qual,
                    &format!("* or one character per base ({} bases)", sequence.len()),
                ));
            }
            self.qualities.resize(qual.len(), 0);
            crate::simd::ascii_to_phred(qual, self.qualities, crate::simd::PHRED33_OFFSET)
                .map_err(|_| bad("QUAL", qual, "characters ! to ~"))?;
            Some(&self.qualities[..])
        };
        record.set_fields(&RecordFields {
            name,
            flags,
            reference_id,
            alignment_start: Position::new(start),
            mapping_quality: Some(mapping_quality).filter(|&q| q != 255),
            cigar: self.cigar,
            sequence,
            qualities,
            mate_reference_id,
            mate_alignment_start: Position::new(mate_start),
            template_length,
        })?;
        self.aux.clear();
        for field in fields {
            self.parse_aux(field, record)?;
        }
        Ok(())
    }

    fn parse_cigar(&mut self, text: &[u8]) -> Result<()> {
        self.cigar.clear();
        if text == b"*" {
            return Ok(());
        }
        let mut len: u64 = 0;
        let mut digits = 0;
        for &c in text {
            if c.is_ascii_digit() {
                len = len * 10 + u64::from(c - b'0');
                digits += 1;
                if len >= 1 << 28 {
                    return Err(bad("CIGAR", text, "operation lengths below 2^28"));
                }
                continue;
            }
            let kind = Kind::from_char(c).filter(|_| digits > 0);
            let Some(kind) = kind else {
                return Err(bad("CIGAR", text, "* or <length><op> with op in MIDNSHP=X"));
            };
            self.cigar.push(Op {
                kind,
                len: len as u32,
            });
            len = 0;
            digits = 0;
        }
        if digits > 0 || self.cigar.is_empty() {
            return Err(bad("CIGAR", text, "* or <length><op> with op in MIDNSHP=X"));
        }
        if self.strict {
            let n = self.cigar.len();
            for (i, op) in self.cigar.iter().enumerate() {
                let misplaced = match op.kind {
                    Kind::HardClip => i != 0 && i != n - 1,
                    Kind::SoftClip => {
                        let before_ok = self.cigar[..i].iter().all(|o| o.kind == Kind::HardClip);
                        let after_ok = self.cigar[i + 1..].iter().all(|o| o.kind == Kind::HardClip);
                        !before_ok && !after_ok
                    }
                    _ => false,
                };
                if misplaced {
                    return Err(bad(
                        "CIGAR",
                        text,
                        "H only at the ends and S only next to them",
                    ));
                }
            }
        }
        Ok(())
    }

    fn parse_aux(&mut self, field: &[u8], record: &mut Record) -> Result<()> {
        let malformed = || bad("optional field", field, "TAG:TYPE:VALUE");
        if field.len() < 5 || field[2] != b':' || field[4] != b':' {
            return Err(malformed());
        }
        let tag = [field[0], field[1]];
        if !(tag[0].is_ascii_alphabetic() && tag[1].is_ascii_alphanumeric()) {
            return Err(bad(
                "optional field",
                field,
                "a tag matching [A-Za-z][A-Za-z0-9]",
            ));
        }
        if matches!(record.data().get(&tag), Ok(Some(_))) {
            return Err(bad("optional field", field, "each tag at most once"));
        }
        let value = &field[5..];
        let text = std::str::from_utf8(value).ok();
        let value = match field[3] {
            b'A' => match value {
                [c] if c.is_ascii_graphic() => Value::Character(*c),
                _ => return Err(bad("optional field", field, "one printable character")),
            },
            b'i' => {
                let v = self
                    .int_with("optional field", value, -(1 << 31), (1 << 32) - 1, false)
                    .map_err(|_| bad("optional field", field, "an integer in -2^31..2^32"))?;
                smallest_integer(v)
            }
            b'f' => Value::Float(
                parse_float(text).ok_or_else(|| bad("optional field", field, "a float"))?,
            ),
            b'Z' => {
                if !value.iter().all(|&c| c == b' ' || c.is_ascii_graphic()) {
                    return Err(bad("optional field", field, "printable text"));
                }
                Value::String(value)
            }
            b'H' => {
                if !value.len().is_multiple_of(2)
                    || !value
                        .iter()
                        .all(|&c| c.is_ascii_digit() || (b'A'..=b'F').contains(&c))
                {
                    return Err(bad(
                        "optional field",
                        field,
                        "an even number of upper-case hex digits",
                    ));
                }
                Value::Hex(value)
            }
            b'B' => {
                let array = self
                    .parse_array(value)
                    .and_then(|()| Array::from_le_bytes(self.aux[0], &self.aux[5..]))
                    .ok_or_else(|| bad("optional field", field, "B:<cCsSiIf>[,values]"))?;
                return record.push_data(tag, Value::Array(array));
            }
            _ => return Err(bad("optional field", field, "a type in AifZHB")),
        };
        record.push_data(tag, value)
    }

    /// Encodes a `B` value into `self.aux` as subtype, count and elements.
    fn parse_array(&mut self, value: &[u8]) -> Option<()> {
        let (&subtype, rest) = value.split_first()?;
        self.aux.clear();
        self.aux.push(subtype);
        self.aux.extend_from_slice(&[0; 4]);
        let mut count = 0u32;
        if !rest.is_empty() {
            let rest = rest.strip_prefix(b",")?;
            for item in rest.split(|&b| b == b',') {
                let text = std::str::from_utf8(item).ok();
                let int = |min: i64, max: i64| {
                    text?
                        .parse::<i64>()
                        .ok()
                        .filter(|v| (min..=max).contains(v))
                };
                match subtype {
                    b'c' => self.aux.push(int(-128, 127)? as i8 as u8),
                    b'C' => self.aux.push(int(0, 255)? as u8),
                    b's' => self
                        .aux
                        .extend_from_slice(&(int(-32768, 32767)? as i16).to_le_bytes()),
                    b'S' => self
                        .aux
                        .extend_from_slice(&(int(0, 65535)? as u16).to_le_bytes()),
                    b'i' => self
                        .aux
                        .extend_from_slice(&(int(-(1 << 31), (1 << 31) - 1)? as i32).to_le_bytes()),
                    b'I' => self
                        .aux
                        .extend_from_slice(&(int(0, (1 << 32) - 1)? as u32).to_le_bytes()),
                    b'f' => self
                        .aux
                        .extend_from_slice(&parse_float(text)?.to_le_bytes()),
                    _ => return None,
                }
                count += 1;
            }
        } else if !b"cCsSiIf".contains(&subtype) {
            return None;
        }
        self.aux[1..5].copy_from_slice(&count.to_le_bytes());
        Some(())
    }
}

/// The smallest BAM integer type holding `value`, as samtools chooses.
fn smallest_integer(value: i64) -> Value<'static> {
    if value < 0 {
        if value >= i64::from(i8::MIN) {
            Value::Int8(value as i8)
        } else if value >= i64::from(i16::MIN) {
            Value::Int16(value as i16)
        } else {
            Value::Int32(value as i32)
        }
    } else if value <= i64::from(u8::MAX) {
        Value::UInt8(value as u8)
    } else if value <= i64::from(u16::MAX) {
        Value::UInt16(value as u16)
    } else {
        Value::UInt32(value as u32)
    }
}

/// A SAM float: `[-+]?[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?`, finite and
/// normal (or zero) as an `f32`.
fn parse_float(text: Option<&str>) -> Option<f32> {
    let text = text?;
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(at) => (&body[..at], Some(&body[at + 1..])),
        None => (body, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or(("", mantissa));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if frac.is_empty() || !digits(int) || !digits(frac) {
        return None;
    }
    if let Some(exponent) = exponent {
        let e = exponent.strip_prefix(['-', '+']).unwrap_or(exponent);
        if e.is_empty() || !digits(e) {
            return None;
        }
    }
    let value: f32 = text.parse().ok()?;
    (value.is_finite() && (value == 0.0 || value.abs() >= f32::MIN_POSITIVE)).then_some(value)
}
