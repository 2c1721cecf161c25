//! One BCF record, lazily decoded from its binary layout.
//!
//! A record is two sections: *shared* (CHROM, POS, rlen, QUAL, the counts,
//! ID, alleles, FILTER, INFO) and *individual* (the FORMAT fields, one typed
//! column per key holding every sample's values). [`RecordRef`] is a
//! validated view of those bytes (every typed value checked once, when the
//! view is made, so the getters never fail); [`Record`] owns and reuses
//! them.
//!
//! ```
//! use biometal::formats::bcf::Record;
//!
//! // CHROM 0, POS 99 (0-based), rlen 1, QUAL missing, 2 alleles, no INFO,
//! // no samples; ID ".", alleles A and C, FILTER PASS (index 0).
//! let mut shared = vec![0, 0, 0, 0, 99, 0, 0, 0, 1, 0, 0, 0];
//! shared.extend_from_slice(&0x7F80_0001u32.to_le_bytes());
//! shared.extend_from_slice(&[0, 0, 2, 0, 0, 0, 0, 0]);
//! shared.extend_from_slice(&[0x07, 0x17, b'A', 0x17, b'C', 0x11, 0x00]);
//! let record = Record::from_sections(&shared, &[])?;
//! let view = record.as_ref();
//! assert_eq!(view.position().map(|p| p.get()), Some(100));
//! assert_eq!(view.alleles().collect::<Vec<_>>(), [&b"A"[..], b"C"]);
//! assert_eq!(view.filters().collect::<Vec<_>>(), [0]);
//! assert_eq!(view.quality(), None);
//! # Ok::<(), biometal::Error>(())
//! ```

use super::typed::{Cursor, Type, TypedValues, FLOAT_MISSING_BITS};
use crate::region::Position;
use crate::{Error, Format, Result};

/// The fixed part of the shared section: 24 bytes.
pub const FIXED_SIZE: usize = 24;

/// Dictionary sizes a record's indices are checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dictionaries {
    /// Entries in the contig dictionary (CHROM indices).
    pub contigs: usize,
    /// Entries in the string dictionary (FILTER/INFO/FORMAT keys).
    pub strings: usize,
    /// Samples in the header.
    pub samples: usize,
}

/// Where each part of a validated record lies (offsets into the shared
/// section; the individual section follows it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Layout {
    shared_len: u32,
    alleles_start: u32,
    filter_start: u32,
    info_start: u32,
}

fn i32_at(bytes: &[u8], at: usize) -> i32 {
    i32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

fn invalid(message: String) -> Error {
    Error::invalid_data(Format::Bcf, message)
}

fn check_index(what: &str, index: i32, size: Option<usize>, cursor: &Cursor<'_>) -> Result<()> {
    let in_range = usize::try_from(index)
        .ok()
        .is_some_and(|i| size.is_none_or(|size| i < size));
    if in_range {
        Ok(())
    } else {
        let size = size.map_or_else(|| "unbounded".into(), |s| s.to_string());
        Err(cursor.error(format!(
            "{what} index {index} is outside the dictionary ({size} entries)"
        )))
    }
}

impl Layout {
    /// Validates a record (`shared` section followed by the individual
    /// section, `shared_len` bytes into `bytes`), checking indices against
    /// `dictionaries` when given.
    pub(crate) fn validate(
        bytes: &[u8],
        shared_len: usize,
        dictionaries: Option<&Dictionaries>,
    ) -> Result<Layout> {
        let shared = bytes.get(..shared_len).ok_or_else(|| {
            invalid(format!(
                "l_shared {shared_len} exceeds the record's {} bytes",
                bytes.len()
            ))
        })?;
        let indiv = &bytes[shared_len..];
        if shared.len() < FIXED_SIZE {
            return Err(invalid(format!(
                "shared section of {shared_len} bytes is shorter than its 24-byte fixed part"
            )));
        }
        let shared_len32 = u32::try_from(shared_len)
            .map_err(|_| invalid("shared section larger than 4 GiB".into()))?;
        let fixed = Cursor::new(shared, 0);
        let chrom = i32_at(shared, 0);
        check_index("CHROM", chrom, dictionaries.map(|d| d.contigs), &fixed)?;
        let pos = i32_at(shared, 4);
        if pos < -1 {
            return Err(invalid(format!("POS is {pos}, below -1")));
        }
        let rlen = i32_at(shared, 8);
        if rlen < 0 {
            return Err(invalid(format!("rlen is negative ({rlen})")));
        }
        let n_allele_info = u32_at(shared, 16);
        let (n_info, n_allele) = (n_allele_info & 0xFFFF, n_allele_info >> 16);
        let n_fmt_sample = u32_at(shared, 20);
        let (n_sample, n_fmt) = ((n_fmt_sample & 0xFF_FFFF) as usize, n_fmt_sample >> 24);
        if let Some(d) = dictionaries {
            if n_sample != d.samples && !(n_fmt == 0 && n_sample == 0) {
                return Err(invalid(format!(
                    "record has {n_sample} samples, the header {}",
                    d.samples
                )));
            }
        }
        let strings = dictionaries.map(|d| d.strings);

        let mut cursor = Cursor::new(&shared[FIXED_SIZE..], FIXED_SIZE as u64);
        cursor.typed("ID")?;
        let alleles_start = FIXED_SIZE + cursor.position();
        for _ in 0..n_allele {
            let allele = cursor.typed("an allele")?;
            if !matches!(allele.value_type(), Type::Char | Type::Missing) {
                return Err(cursor.error(format!(
                    "allele of type {:?}, expected characters",
                    allele.value_type()
                )));
            }
        }
        let filter_start = FIXED_SIZE + cursor.position();
        let filters = cursor.typed("FILTER")?;
        if !filters.is_empty() && !filters.value_type().is_int() {
            return Err(cursor.error("FILTER is not an integer vector".into()));
        }
        for filter in filters.ints() {
            if let super::typed::Int::Value(index) = filter {
                check_index("FILTER", index, strings, &cursor)?;
            }
        }
        let info_start = FIXED_SIZE + cursor.position();
        for _ in 0..n_info {
            let key = cursor.single_int("INFO key")?;
            check_index("INFO key", key, strings, &cursor)?;
            cursor.typed("INFO value")?;
        }
        if !cursor.is_at_end() {
            return Err(cursor.error(format!(
                "{} bytes after the last INFO field of the shared section",
                cursor.remaining().len()
            )));
        }

        let mut cursor = Cursor::new(indiv, shared_len as u64);
        for _ in 0..n_fmt {
            let key = cursor.single_int("FORMAT key")?;
            check_index("FORMAT key", key, strings, &cursor)?;
            let (value_type, per_sample) = cursor.descriptor("FORMAT values")?;
            let count = per_sample.checked_mul(n_sample).ok_or_else(|| {
                cursor.error(format!("{n_sample} samples × {per_sample} values overflow"))
            })?;
            cursor.values(value_type, count, "FORMAT values")?;
        }
        if !cursor.is_at_end() {
            return Err(cursor.error(format!(
                "{} bytes after the last FORMAT field",
                cursor.remaining().len()
            )));
        }
        // Offsets fit in u32: they are below shared_len.
        Ok(Layout {
            shared_len: shared_len32,
            alleles_start: alleles_start as u32,
            filter_start: filter_start as u32,
            info_start: info_start as u32,
        })
    }
}

/// A validated, borrowed BCF record.
#[derive(Debug, Clone, Copy)]
pub struct RecordRef<'a> {
    bytes: &'a [u8],
    layout: Layout,
}

/// One FORMAT field: a key and every sample's values (`values_per_sample`
/// values each, shorter vectors padded with end-of-vector).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormatField<'a> {
    key: usize,
    values_per_sample: usize,
    sample_count: usize,
    values: TypedValues<'a>,
}

impl<'a> FormatField<'a> {
    /// The key's index in the header's string dictionary.
    pub fn key(&self) -> usize {
        self.key
    }

    /// The values' type.
    pub fn value_type(&self) -> Type {
        self.values.value_type()
    }

    /// Values per sample (the longest sample's count).
    pub fn values_per_sample(&self) -> usize {
        self.values_per_sample
    }

    /// The number of samples.
    pub fn sample_count(&self) -> usize {
        self.sample_count
    }

    /// All samples' values, sample after sample.
    pub fn values(&self) -> TypedValues<'a> {
        self.values
    }

    /// Sample `index`'s values (with their end-of-vector padding).
    pub fn sample(&self, index: usize) -> Option<TypedValues<'a>> {
        if index >= self.sample_count {
            return None;
        }
        let width = self.values.value_type().width();
        let size = self.values_per_sample * width;
        let bytes = self
            .values
            .as_bytes()
            .get(index * size..(index + 1) * size)?;
        TypedValues::new(self.values.value_type(), self.values_per_sample, bytes)
    }
}

impl<'a> RecordRef<'a> {
    /// Validates `bytes` (the shared section, `shared_len` bytes, followed by
    /// the individual section) without dictionary checks.
    ///
    /// # Errors
    ///
    /// Truncated or overrunning typed values, negative lengths, bad counts.
    pub fn new(bytes: &'a [u8], shared_len: usize) -> Result<Self> {
        let layout = Layout::validate(bytes, shared_len, None)?;
        Ok(RecordRef { bytes, layout })
    }

    pub(crate) fn from_layout(bytes: &'a [u8], layout: Layout) -> Self {
        RecordRef { bytes, layout }
    }

    /// The record's bytes: the shared section, then the individual one.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The shared section (`l_shared` bytes).
    pub fn shared(&self) -> &'a [u8] {
        &self.bytes[..self.layout.shared_len as usize]
    }

    /// The individual section (`l_indiv` bytes).
    pub fn individual(&self) -> &'a [u8] {
        &self.bytes[self.layout.shared_len as usize..]
    }

    /// CHROM: the index in the header's contig dictionary.
    pub fn reference_id(&self) -> usize {
        i32_at(self.bytes, 0) as usize
    }

    /// POS as stored: 0-based (-1 for VCF's POS 0, a telomere).
    pub fn position_zero_based(&self) -> i64 {
        i64::from(i32_at(self.bytes, 4))
    }

    /// POS, 1-based; `None` for VCF's POS 0 (a telomere).
    pub fn position(&self) -> Option<Position> {
        Position::new((self.position_zero_based() + 1) as u64)
    }

    /// `rlen`: the reference length the record covers (REF's length, or
    /// END − POS + 1).
    pub fn reference_length(&self) -> u64 {
        i32_at(self.bytes, 8) as u64
    }

    /// The last reference position the record covers, 1-based inclusive
    /// (POS + rlen − 1; POS for zero-length records).
    pub fn end(&self) -> Option<Position> {
        let start = self.position_zero_based() + 1;
        let len = self.reference_length() as i64;
        Position::new((start + len.max(1) - 1).max(0) as u64)
    }

    /// QUAL; `None` when missing.
    pub fn quality(&self) -> Option<f32> {
        let bits = u32_at(self.bytes, 12);
        (bits != FLOAT_MISSING_BITS).then(|| f32::from_bits(bits))
    }

    /// The number of INFO fields.
    pub fn info_count(&self) -> usize {
        (u32_at(self.bytes, 16) & 0xFFFF) as usize
    }

    /// The number of alleles (REF and ALTs).
    pub fn allele_count(&self) -> usize {
        (u32_at(self.bytes, 16) >> 16) as usize
    }

    /// The number of samples.
    pub fn sample_count(&self) -> usize {
        (u32_at(self.bytes, 20) & 0xFF_FFFF) as usize
    }

    /// The number of FORMAT fields.
    pub fn format_count(&self) -> usize {
        (u32_at(self.bytes, 20) >> 24) as usize
    }

    fn cursor(&self, start: u32, end: u32) -> Cursor<'a> {
        let section = &self.bytes[start as usize..end as usize];
        Cursor::new(section, u64::from(start))
    }

    /// ID (`;`-separated identifiers); empty when missing (`.`).
    pub fn id(&self) -> &'a [u8] {
        let mut cursor = self.cursor(FIXED_SIZE as u32, self.layout.alleles_start);
        let id = cursor.typed("ID").map(|v| v.chars()).unwrap_or_default();
        if id == b"." {
            &[]
        } else {
            id
        }
    }

    /// The alleles: REF first, then the ALTs.
    pub fn alleles(&self) -> impl Iterator<Item = &'a [u8]> + 'a {
        let mut cursor = self.cursor(self.layout.alleles_start, self.layout.filter_start);
        std::iter::from_fn(move || cursor.typed("an allele").ok().map(|v| v.chars()))
    }

    /// FILTER: indices in the string dictionary (0 is PASS); none when
    /// missing (`.`).
    pub fn filters(&self) -> impl Iterator<Item = usize> + 'a {
        let mut cursor = self.cursor(self.layout.filter_start, self.layout.info_start);
        let values = cursor.typed("FILTER").ok();
        values.into_iter().flat_map(|v| {
            v.ints().filter_map(|i| match i {
                super::typed::Int::Value(i) => Some(i as usize),
                _ => None,
            })
        })
    }

    /// The INFO fields: (key index in the string dictionary, values).
    pub fn info(&self) -> impl Iterator<Item = (usize, TypedValues<'a>)> + 'a {
        let mut cursor = self.cursor(self.layout.info_start, self.layout.shared_len);
        std::iter::from_fn(move || {
            let key = cursor.single_int("INFO key").ok()?;
            let values = cursor.typed("INFO value").ok()?;
            Some((key as usize, values))
        })
    }

    /// The INFO field with key index `key`.
    pub fn info_field(&self, key: usize) -> Option<TypedValues<'a>> {
        self.info().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    /// The FORMAT fields in order.
    pub fn formats(&self) -> impl Iterator<Item = FormatField<'a>> + 'a {
        let mut cursor = Cursor::new(self.individual(), u64::from(self.layout.shared_len));
        let sample_count = self.sample_count();
        std::iter::from_fn(move || {
            let key = cursor.single_int("FORMAT key").ok()?;
            let (value_type, per_sample) = cursor.descriptor("FORMAT values").ok()?;
            let values = cursor
                .values(value_type, per_sample * sample_count, "FORMAT values")
                .ok()?;
            Some(FormatField {
                key: key as usize,
                values_per_sample: per_sample,
                sample_count,
                values,
            })
        })
    }

    /// The FORMAT field with key index `key`.
    pub fn format_field(&self, key: usize) -> Option<FormatField<'a>> {
        self.formats().find(|f| f.key == key)
    }
}

/// An owned BCF record whose buffer is reused from record to record.
#[derive(Debug, Clone)]
pub struct Record {
    bytes: Vec<u8>,
    layout: Layout,
}

impl Record {
    /// A record from its two sections, validated without dictionary checks.
    ///
    /// # Errors
    ///
    /// As [`RecordRef::new`].
    pub fn from_sections(shared: &[u8], individual: &[u8]) -> Result<Self> {
        let mut record = Record::default();
        record.bytes.clear();
        record.bytes.extend_from_slice(shared);
        record.bytes.extend_from_slice(individual);
        record.layout = Layout::validate(&record.bytes, shared.len(), None)?;
        Ok(record)
    }

    /// The validated view.
    pub fn as_ref(&self) -> RecordRef<'_> {
        RecordRef::from_layout(&self.bytes, self.layout)
    }

    /// Refills the buffer through `fill` (which appends the record's bytes
    /// to the cleared buffer), then validates it. On error the record is
    /// left empty and valid.
    pub(crate) fn refill(
        &mut self,
        shared_len: usize,
        dictionaries: Option<&Dictionaries>,
        fill: impl FnOnce(&mut Vec<u8>) -> Result<()>,
    ) -> Result<()> {
        self.bytes.clear();
        let result = fill(&mut self.bytes)
            .and_then(|()| Layout::validate(&self.bytes, shared_len, dictionaries));
        match result {
            Ok(layout) => {
                self.layout = layout;
                Ok(())
            }
            Err(e) => {
                *self = Record::default();
                Err(e)
            }
        }
    }
}

/// The smallest valid record: CHROM 0, POS 1, no alleles, ID and FILTER
/// missing, no INFO, no samples.
const EMPTY_RECORD: [u8; 26] = [
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00, 0x80, 0x7F, 0, 0, 0, 0, 0, 0, 0, 0, 0x07, 0x00,
];

impl Default for Record {
    fn default() -> Self {
        Record {
            bytes: EMPTY_RECORD.to_vec(),
            layout: Layout {
                shared_len: 26,
                alleles_start: 25,
                filter_start: 25,
                info_start: 26,
            },
        }
    }
}
