//! GFF3/GTF feature records: the borrowed [`RecordRef`] and the owned
//! [`Record`].

use std::fmt;

use super::attributes::{Attributes, EntryBounds};
use super::line::{self, field, Parsed};
use super::Dialect;
use crate::region::{Interval, Position};
use crate::{Error, Format, Result};

/// The strand column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Strand {
    /// `+`.
    Forward,
    /// `-`.
    Reverse,
    /// `.`: the feature has no strand.
    #[default]
    None,
    /// `?`: stranded, but the strand is unknown.
    Unknown,
}

/// A feature line borrowed from a [`Reader`](super::Reader): its bytes and
/// column bounds. Every column was validated when the line was read
/// (positions, score, strand, phase, attribute syntax and percent-escapes),
/// so the getters cannot fail; attributes are split only when asked for.
///
/// Coordinates are 1-based and inclusive, as in the file.
///
/// ```
/// use biometal::formats::gff::{Reader, Strand};
///
/// let line = b"chr1\tHAVANA\texon\t11869\t12227\t.\t+\t.\tID=exon1;Parent=tx1\n";
/// let mut reader = Reader::new(&line[..]);
/// let record = reader.next_record().unwrap()?;
/// assert_eq!(record.seqid(), b"chr1");
/// assert_eq!(record.feature_type(), b"exon");
/// assert_eq!((record.start().get(), record.end().get()), (11_869, 12_227));
/// assert_eq!(record.interval().start(), 11_868); // 0-based half-open
/// assert_eq!(record.strand(), Strand::Forward);
/// assert_eq!(record.attributes().get(b"ID").unwrap().raw(), b"exon1");
/// # Ok::<(), biometal::Error>(())
/// ```
#[derive(Clone, Copy)]
pub struct RecordRef<'a> {
    pub(crate) raw: &'a [u8],
    pub(crate) text: &'a [u8],
    pub(crate) parsed: &'a Parsed,
    pub(crate) entries: &'a [EntryBounds],
}

impl<'a> RecordRef<'a> {
    /// The line exactly as read, its line ending included.
    #[inline]
    pub fn as_bytes(&self) -> &'a [u8] {
        self.raw
    }

    /// The line without its line ending.
    #[inline]
    pub fn text(&self) -> &'a [u8] {
        self.text
    }

    /// Column `index` (0 to 8) as written.
    #[inline]
    pub fn field(&self, index: usize) -> Option<&'a [u8]> {
        let bounds = *self.parsed.fields.get(index)?;
        Some(field(self.text, bounds))
    }

    #[inline]
    fn column(&self, index: usize) -> &'a [u8] {
        self.field(index).unwrap_or_default()
    }

    /// The dialect the line was read as.
    #[inline]
    pub fn dialect(&self) -> Dialect {
        self.parsed.dialect
    }

    /// seqid (column 1), as written (GFF3: percent-escaped).
    #[inline]
    pub fn seqid(&self) -> &'a [u8] {
        self.column(0)
    }

    /// source (column 2); `None` for `.`.
    #[inline]
    pub fn source(&self) -> Option<&'a [u8]> {
        Some(self.column(1)).filter(|s| *s != b".")
    }

    /// type (column 3): `gene`, `mRNA`, `exon`, a SO term or accession.
    #[inline]
    pub fn feature_type(&self) -> &'a [u8] {
        self.column(2)
    }

    /// start (column 4), 1-based.
    #[inline]
    pub fn start(&self) -> Position {
        Position::new(self.parsed.start).unwrap_or(Position::MIN)
    }

    /// end (column 5), 1-based inclusive.
    #[inline]
    pub fn end(&self) -> Position {
        Position::new(self.parsed.end).unwrap_or(Position::MIN)
    }

    /// `[start, end]` as a 0-based half-open [`Interval`].
    #[inline]
    pub fn interval(&self) -> Interval {
        Interval::from_one_based_inclusive(self.parsed.start, self.parsed.end)
            .unwrap_or_else(|_| Interval::to_end(0))
    }

    /// score (column 6); `None` for `.`.
    #[inline]
    pub fn score(&self) -> Option<f64> {
        self.parsed.score
    }

    /// strand (column 7).
    #[inline]
    pub fn strand(&self) -> Strand {
        self.parsed.strand
    }

    /// phase (GTF: frame; column 8), 0 to 2; `None` for `.`.
    #[inline]
    pub fn phase(&self) -> Option<u8> {
        self.parsed.phase
    }

    /// The attributes (column 9), split on demand.
    #[inline]
    pub fn attributes(&self) -> Attributes<'a> {
        Attributes::new(
            self.column(8),
            self.entries,
            self.parsed.dialect,
            self.parsed.seen,
        )
    }

    /// Copies the record into a new owned [`Record`] (allocates).
    #[allow(clippy::wrong_self_convention)]
    pub fn to_owned(&self) -> Record {
        let mut record = Record::default();
        record.set_from(self);
        record
    }
}

impl fmt::Debug for RecordRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordRef")
            .field("text", &String::from_utf8_lossy(self.text))
            .field("dialect", &self.parsed.dialect)
            .finish()
    }
}

/// An owned feature record, reusable through
/// [`Reader::read_record`](super::Reader::read_record).
///
/// ```
/// use biometal::formats::gff::{Dialect, Record};
///
/// let record = Record::parse(b"1\tens\tgene\t5\t9\t.\t-\t.\tgene_id \"G1\";", Dialect::Gtf)?;
/// assert_eq!(record.as_ref().attributes().get(b"gene_id").unwrap().raw(), b"G1");
/// assert!(Record::parse(b"1\tens\tgene\t9\t5\t.\t-\t.\t.", Dialect::Gtf).is_err());
/// # Ok::<(), biometal::Error>(())
/// ```
#[derive(Clone, Default, PartialEq)]
pub struct Record {
    raw: Vec<u8>,
    text_len: usize,
    parsed: Parsed,
    entries: Vec<EntryBounds>,
}

impl Record {
    /// Parses one feature line (without line ending) in `dialect`.
    pub fn parse(text: &[u8], dialect: Dialect) -> Result<Record> {
        let mut entries = Vec::new();
        let parsed = line::parse(text, dialect, &mut entries)
            .map_err(|message| Error::invalid_data(Format::Gff, message))?;
        Ok(Record {
            raw: text.to_vec(),
            text_len: text.len(),
            parsed,
            entries,
        })
    }

    /// The borrowed view with all getters.
    pub fn as_ref(&self) -> RecordRef<'_> {
        RecordRef {
            raw: &self.raw,
            text: self.raw.get(..self.text_len).unwrap_or_default(),
            parsed: &self.parsed,
            entries: &self.entries,
        }
    }

    /// Replaces the contents with a copy of `record`, reusing the buffer.
    pub fn set_from(&mut self, record: &RecordRef<'_>) {
        self.raw.clear();
        self.raw.extend_from_slice(record.raw);
        self.text_len = record.text.len();
        self.parsed = *record.parsed;
        self.entries.clear();
        self.entries.extend_from_slice(record.entries);
    }
}

impl fmt::Debug for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.as_ref().fmt(f)
    }
}
