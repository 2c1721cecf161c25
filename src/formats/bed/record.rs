//! BED records: the borrowed [`RecordRef`] and the owned [`Record`].

use std::fmt;

use super::layout::Layout;
use super::line::{self, Parsed, Separator};
use crate::region::Interval;
use crate::{Error, Format, Result};

/// The strand column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Strand {
    /// `+`.
    Forward,
    /// `-`.
    Reverse,
    /// `.`: no strand.
    #[default]
    Unknown,
}

/// The itemRgb column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ItemRgb {
    /// `0`: no colour.
    Off,
    /// `r,g,b`.
    Color([u8; 3]),
}

/// A BED data line borrowed from a [`Reader`](super::Reader): the line's
/// bytes and its column bounds. The standard columns were validated when
/// the line was read, so the getters cannot fail; strings are borrowed,
/// never copied.
///
/// Coordinates are 0-based and half-open, as in the file.
///
/// ```
/// use biometal::formats::bed::{Reader, Strand};
/// use biometal::region::Interval;
///
/// let mut reader = Reader::new(&b"chr1\t99\t200\tgene1\t0\t-\n"[..]);
/// let record = reader.next_record().unwrap()?;
/// assert_eq!(record.chrom(), b"chr1");
/// assert_eq!(record.interval(), Interval::new(99, 200)?);
/// assert_eq!(record.name(), Some(&b"gene1"[..]));
/// assert_eq!(record.score(), Some(0));
/// assert_eq!(record.strand(), Some(Strand::Reverse));
/// # Ok::<(), biometal::Error>(())
/// ```
#[derive(Clone, Copy)]
pub struct RecordRef<'a> {
    pub(crate) raw: &'a [u8],
    pub(crate) text: &'a [u8],
    pub(crate) fields: &'a [(usize, usize)],
    pub(crate) parsed: &'a Parsed,
}

impl<'a> RecordRef<'a> {
    /// The line exactly as read, its line ending included (none on a last
    /// line that lacked one).
    #[inline]
    pub fn as_bytes(&self) -> &'a [u8] {
        self.raw
    }

    /// The line without its line ending.
    #[inline]
    pub fn text(&self) -> &'a [u8] {
        self.text
    }

    /// The columns this line has.
    #[inline]
    pub fn layout(&self) -> Layout {
        self.parsed.layout
    }

    /// Column `index` (0-based), standard or extra.
    #[inline]
    pub fn field(&self, index: usize) -> Option<&'a [u8]> {
        let &(from, to) = self.fields.get(index)?;
        self.text.get(from..to)
    }

    /// The number of columns.
    #[inline]
    pub fn column_count(&self) -> usize {
        self.fields.len()
    }

    /// The extra columns after the standard ones (narrowPeak's signalValue,
    /// pValue, qValue and peak; bedGraph's value).
    #[inline]
    pub fn extra_fields(&self) -> impl Iterator<Item = &'a [u8]> + 'a {
        let text = self.text;
        let standard = usize::from(self.parsed.layout.standard_columns());
        self.fields
            .get(standard..)
            .unwrap_or_default()
            .iter()
            .map(move |&(from, to)| text.get(from..to).unwrap_or_default())
    }

    /// chrom: the sequence name.
    #[inline]
    pub fn chrom(&self) -> &'a [u8] {
        self.field(0).unwrap_or_default()
    }

    /// chromStart, 0-based.
    #[inline]
    pub fn chrom_start(&self) -> u64 {
        self.parsed.chrom_start
    }

    /// chromEnd, 0-based exclusive.
    #[inline]
    pub fn chrom_end(&self) -> u64 {
        self.parsed.chrom_end
    }

    /// `[chromStart, chromEnd)`, 0-based half-open.
    #[inline]
    pub fn interval(&self) -> Interval {
        interval(self.parsed.chrom_start, self.parsed.chrom_end)
    }

    #[inline]
    fn standard(&self, index: usize) -> Option<&'a [u8]> {
        if index < usize::from(self.parsed.layout.standard_columns()) {
            self.field(index)
        } else {
            None
        }
    }

    /// name (BED4 and up).
    #[inline]
    pub fn name(&self) -> Option<&'a [u8]> {
        self.standard(3)
    }

    /// score, 0 to 1000 (BED5 and up); `None` also for `.`.
    #[inline]
    pub fn score(&self) -> Option<u16> {
        self.parsed.score
    }

    /// strand (BED6 and up).
    #[inline]
    pub fn strand(&self) -> Option<Strand> {
        self.parsed.strand
    }

    /// thickStart, 0-based (BED7 and up).
    #[inline]
    pub fn thick_start(&self) -> Option<u64> {
        (self.parsed.layout.standard_columns() >= 7).then_some(self.parsed.thick_start)
    }

    /// thickEnd, 0-based exclusive (BED8 and up).
    #[inline]
    pub fn thick_end(&self) -> Option<u64> {
        (self.parsed.layout.standard_columns() >= 8).then_some(self.parsed.thick_end)
    }

    /// itemRgb (BED9 and up).
    #[inline]
    pub fn item_rgb(&self) -> Option<ItemRgb> {
        self.parsed.item_rgb
    }

    /// blockCount (BED12).
    #[inline]
    pub fn block_count(&self) -> Option<u32> {
        (self.parsed.layout.standard_columns() == 12).then_some(self.parsed.block_count)
    }

    /// The blocks (exons) as absolute 0-based half-open intervals (BED12),
    /// from blockSizes and blockStarts, which were checked against
    /// blockCount and the feature's extent when the line was read.
    #[inline]
    pub fn blocks(&self) -> Option<Blocks<'a>> {
        self.block_count()?;
        Some(Blocks {
            chrom_start: self.parsed.chrom_start,
            sizes: self.standard(10)?,
            starts: self.standard(11)?,
            remaining: self.parsed.block_count,
        })
    }

    /// Copies the record into a new owned [`Record`] (allocates).
    #[allow(clippy::wrong_self_convention)]
    pub fn to_owned(&self) -> Record {
        let mut record = Record::default();
        record.set_from(self);
        record
    }
}

/// An interval known to be ordered (checked when parsing).
fn interval(start: u64, end: u64) -> Interval {
    Interval::new(start, end).unwrap_or_else(|_| Interval::to_end(start))
}

impl fmt::Debug for RecordRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordRef")
            .field("text", &String::from_utf8_lossy(self.text))
            .field("layout", &self.parsed.layout)
            .finish()
    }
}

/// The blocks of a BED12 record, as absolute 0-based half-open intervals.
#[derive(Debug, Clone)]
pub struct Blocks<'a> {
    chrom_start: u64,
    sizes: &'a [u8],
    starts: &'a [u8],
    remaining: u32,
}

/// The next value of a validated comma-separated list.
fn next_value(list: &mut &[u8]) -> u64 {
    let (value, rest) = match memchr::memchr(b',', list) {
        Some(i) => (&list[..i], &list[i + 1..]),
        None => (*list, &b""[..]),
    };
    *list = rest;
    line::parse_u64(value).unwrap_or(0)
}

impl Iterator for Blocks<'_> {
    type Item = Interval;

    fn next(&mut self) -> Option<Interval> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        let size = next_value(&mut self.sizes);
        let start = self
            .chrom_start
            .saturating_add(next_value(&mut self.starts));
        Some(interval(start, start.saturating_add(size)))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.remaining as usize;
        (n, Some(n))
    }
}

/// An owned BED record, reusable through
/// [`Reader::read_record`](super::Reader::read_record).
///
/// ```
/// use biometal::formats::bed::{Layout, Record};
///
/// let record = Record::parse(b"chr2\t5\t10\tx", None)?;
/// assert_eq!(record.as_ref().layout(), Layout::bed(4)?);
/// assert_eq!(record.as_ref().chrom_end(), 10);
/// assert!(Record::parse(b"chr2\t15\t10", None).is_err());
/// # Ok::<(), biometal::Error>(())
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Record {
    raw: Vec<u8>,
    text_len: usize,
    fields: Vec<(usize, usize)>,
    parsed: Parsed,
}

impl Record {
    /// Parses one tab-separated data line (without line ending) with
    /// `layout`, or the layout detected from the line when `None`.
    pub fn parse(text: &[u8], layout: Option<Layout>) -> Result<Record> {
        let mut fields = Vec::new();
        line::split(text, Separator::Tab, &mut fields);
        let parsed = match layout {
            Some(layout) => line::parse(text, &fields, layout),
            None => Layout::detect(text, &fields),
        }
        .map_err(|message| Error::invalid_data(Format::Bed, message))?;
        Ok(Record {
            raw: text.to_vec(),
            text_len: text.len(),
            fields,
            parsed,
        })
    }

    /// The borrowed view with all getters.
    pub fn as_ref(&self) -> RecordRef<'_> {
        RecordRef {
            raw: &self.raw,
            text: self.raw.get(..self.text_len).unwrap_or_default(),
            fields: &self.fields,
            parsed: &self.parsed,
        }
    }

    /// Replaces the contents with a copy of `record`, reusing buffers.
    pub fn set_from(&mut self, record: &RecordRef<'_>) {
        self.raw.clear();
        self.raw.extend_from_slice(record.raw);
        self.text_len = record.text.len();
        self.fields.clear();
        self.fields.extend_from_slice(record.fields);
        self.parsed = *record.parsed;
    }
}

impl fmt::Debug for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.as_ref().fmt(f)
    }
}
