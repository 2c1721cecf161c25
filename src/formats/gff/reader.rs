//! The streaming GFF3/GTF reader.

use std::io::{Chain, Cursor, Read};

use super::attributes::EntryBounds;
use super::line::{self, DirectiveKind, Parsed};
use super::record::{Record, RecordRef};
use super::Dialect;
use crate::formats::buffer::LineBuffer;
use crate::formats::fasta;
use crate::formats::fields::{self, FieldBounds};
use crate::{Error, Format, Result};

/// The default cap on one line's length in bytes: 64 MiB.
pub const DEFAULT_MAX_LINE_LENGTH: usize = 64 << 20;

/// One line of a GFF3 or GTF file.
#[derive(Debug, Clone, Copy)]
pub enum Line<'a> {
    /// A `##` directive.
    Directive(Directive<'a>),
    /// A `#` comment (`#!` lines included) or a blank line, exactly as read
    /// (line ending included).
    Comment(&'a [u8]),
    /// A feature line.
    Record(RecordRef<'a>),
}

/// A `##` directive line: its bytes and what it says.
#[derive(Debug, Clone, Copy)]
pub struct Directive<'a> {
    raw: &'a [u8],
    kind: DirectiveKind<'a>,
}

impl<'a> Directive<'a> {
    /// The line exactly as read, line ending included.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.raw
    }

    /// What the directive says.
    pub fn kind(&self) -> DirectiveKind<'a> {
        self.kind
    }
}

/// Options for a GFF [`Reader`].
///
/// ```
/// use biometal::formats::gff::{Dialect, ReaderBuilder};
///
/// let data = b"chr1\tHAVANA\tgene\t1\t9\t.\t+\t.\tgene_id \"G1\"; gene_name \"A\";\n";
/// let mut reader = ReaderBuilder::new().dialect(Dialect::Gtf).build_from_reader(&data[..]);
/// let record = reader.next_record().unwrap()?;
/// assert_eq!(record.attributes().get(b"gene_name").unwrap().raw(), b"A");
/// # Ok::<(), biometal::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ReaderBuilder {
    dialect: Option<Dialect>,
    buffer_capacity: usize,
    max_line_length: usize,
}

impl Default for ReaderBuilder {
    fn default() -> Self {
        ReaderBuilder {
            dialect: None,
            buffer_capacity: 64 * 1024,
            max_line_length: DEFAULT_MAX_LINE_LENGTH,
        }
    }
}

impl ReaderBuilder {
    /// Default options: dialect detected, 64 KiB buffer, 64 MiB line cap.
    pub fn new() -> Self {
        Self::default()
    }

    /// Declares the dialect instead of detecting it from the first
    /// attributes column (`tag=value` is GFF3, `key "value";` GTF).
    pub fn dialect(mut self, dialect: Dialect) -> Self {
        self.dialect = Some(dialect);
        self
    }

    /// The initial buffer size in bytes.
    pub fn buffer_capacity(mut self, bytes: usize) -> Self {
        self.buffer_capacity = bytes.max(1);
        self
    }

    /// The longest line, in bytes, the buffer may grow to hold.
    pub fn max_line_length(mut self, bytes: usize) -> Self {
        self.max_line_length = bytes.max(1);
        self
    }

    /// A reader over `inner` with these options.
    pub fn build_from_reader<R: Read>(self, inner: R) -> Reader<R> {
        Reader {
            buffer: LineBuffer::new(
                inner,
                self.buffer_capacity,
                self.max_line_length,
                Format::Gff,
            ),
            dialect: self.dialect,
            pending: 0,
            lines_read: 0,
            records_read: 0,
            failed: false,
            in_fasta: false,
            parsed: Parsed::default(),
            entries: Vec::new(),
            fields: Vec::new(),
            raw_end: 0,
            text_end: 0,
        }
    }

    /// Opens `path` (plain, gzip or BGZF, `-` for standard input) with
    /// these options.
    pub fn build_from_path(
        self,
        path: impl AsRef<std::path::Path>,
    ) -> Result<Reader<crate::io::Source>> {
        Ok(self.build_from_reader(crate::io::open(path)?))
    }
}

/// A streaming GFF3/GTF reader over any [`Read`].
///
/// [`next_line`](Reader::next_line) yields every line (directives, comments
/// and records, for byte-identical copies); [`next_record`](Reader::next_record)
/// skips all but records; [`read_record`](Reader::read_record) fills an
/// owned record; [`records`](Reader::records) iterates owned records. Both
/// end at a `##FASTA` directive, after which
/// [`into_fasta_reader`](Reader::into_fasta_reader) reads the sequences.
///
/// ```
/// use biometal::formats::gff::Reader;
///
/// let data = b"##gff-version 3\nctg1\t.\tgene\t1\t8\t.\t+\t.\tID=g1\n##FASTA\n>ctg1\nACGTACGT\n";
/// let mut reader = Reader::new(&data[..]);
/// let mut features = 0;
/// while let Some(record) = reader.next_record() {
///     record?;
///     features += 1;
/// }
/// assert_eq!(features, 1);
/// let mut fasta = reader.into_fasta_reader()?;
/// let sequence = fasta.next_record().unwrap()?;
/// assert_eq!((sequence.name(), sequence.sequence()), (&b"ctg1"[..], &b"ACGTACGT"[..]));
/// # Ok::<(), biometal::Error>(())
/// ```
pub struct Reader<R> {
    buffer: LineBuffer<R>,
    dialect: Option<Dialect>,
    pending: usize,
    lines_read: u64,
    records_read: u64,
    failed: bool,
    in_fasta: bool,
    parsed: Parsed,
    entries: Vec<EntryBounds>,
    fields: Vec<FieldBounds>,
    raw_end: usize,
    text_end: usize,
}

impl Reader<crate::io::Source> {
    /// Opens a GFF3 or GTF file, plain, gzip or BGZF, or `-` for standard
    /// input.
    pub fn from_path(path: impl AsRef<std::path::Path>) -> Result<Self> {
        ReaderBuilder::new().build_from_path(path)
    }
}

/// What [`Reader::advance`] found.
enum Found {
    Directive,
    Comment,
    Record,
}

impl<R: Read> Reader<R> {
    /// A reader with the default options.
    pub fn new(inner: R) -> Self {
        ReaderBuilder::new().build_from_reader(inner)
    }

    /// The next line, borrowed; `None` at the end of input, after
    /// `##FASTA`, or after an error.
    pub fn next_line(&mut self) -> Option<Result<Line<'_>>> {
        if self.failed || self.in_fasta {
            return None;
        }
        let found = match self.advance() {
            Ok(Some(found)) => found,
            Ok(None) => return None,
            Err(error) => {
                self.failed = true;
                return Some(Err(error));
            }
        };
        let data = self.buffer.data();
        let raw = data.get(..self.raw_end).unwrap_or_default();
        Some(Ok(match found {
            Found::Directive => {
                // Parsed (and validated) once in `advance`; parsing again
                // here keeps the borrow of the buffer out of `advance`.
                let text = data.get(..self.text_end).unwrap_or_default();
                let kind = line::parse_directive(text).unwrap_or(DirectiveKind::Other(text));
                Line::Directive(Directive { raw, kind })
            }
            Found::Comment => Line::Comment(raw),
            Found::Record => Line::Record(self.record_ref()),
        }))
    }

    /// The next feature, borrowed, skipping directives and comments; `None`
    /// at the end of input, at `##FASTA`, or after an error.
    pub fn next_record(&mut self) -> Option<Result<RecordRef<'_>>> {
        loop {
            if self.failed || self.in_fasta {
                return None;
            }
            match self.advance() {
                Ok(Some(Found::Record)) => return Some(Ok(self.record_ref())),
                Ok(Some(_)) => {}
                Ok(None) => return None,
                Err(error) => {
                    self.failed = true;
                    return Some(Err(error));
                }
            }
        }
    }

    /// Reads the next feature into `record`, reusing its buffer; `false` at
    /// the end of input or at `##FASTA`.
    pub fn read_record(&mut self, record: &mut Record) -> Result<bool> {
        match self.next_record() {
            Some(Ok(found)) => {
                record.set_from(&found);
                Ok(true)
            }
            Some(Err(error)) => Err(error),
            None => Ok(false),
        }
    }

    /// An iterator of owned records (allocates per record).
    pub fn records(&mut self) -> Records<'_, R> {
        Records { reader: self }
    }

    /// The dialect: declared, or detected from the first attributes read
    /// (`None` before that).
    pub fn dialect(&self) -> Option<Dialect> {
        self.dialect
    }

    /// Whether the `##FASTA` directive was reached.
    pub fn at_fasta(&self) -> bool {
        self.in_fasta
    }

    /// The number of lines read so far.
    pub fn lines_read(&self) -> u64 {
        self.lines_read
    }

    /// The number of feature records read so far.
    pub fn records_read(&self) -> u64 {
        self.records_read
    }

    /// The wrapped reader.
    pub fn get_ref(&self) -> &R {
        self.buffer.get_ref()
    }

    /// The FASTA section after `##FASTA`, read by the FASTA reader (the
    /// buffered bytes first, then the rest of the input). An
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) error
    /// unless `##FASTA` was reached.
    pub fn into_fasta_reader(mut self) -> Result<fasta::Reader<Chain<Cursor<Vec<u8>>, R>>> {
        if !self.in_fasta {
            return Err(Error::invalid_input(
                Format::Gff,
                "no ##FASTA directive has been read",
            ));
        }
        self.buffer.consume(self.pending);
        let buffered = self.buffer.data().to_vec();
        Ok(fasta::Reader::new(
            Cursor::new(buffered).chain(self.buffer.into_inner()),
        ))
    }

    fn record_ref(&self) -> RecordRef<'_> {
        let data = self.buffer.data();
        RecordRef {
            raw: data.get(..self.raw_end).unwrap_or_default(),
            text: data.get(..self.text_end).unwrap_or_default(),
            parsed: &self.parsed,
            entries: &self.entries,
        }
    }

    /// Finds the next line and cuts it at its tabs in the same pass;
    /// refills the buffer through the line engine when the line does not
    /// end in it. Returns the line's content end and the offset after its
    /// newline.
    #[inline]
    fn next_line_fields(&mut self, line_number: u64) -> Result<Option<(usize, usize)>> {
        fields::next_tab_line(&mut self.buffer, &mut self.fields, line_number)
    }

    fn advance(&mut self) -> Result<Option<Found>> {
        self.buffer.consume(self.pending);
        self.pending = 0;
        let line_number = self.lines_read + 1;
        let Some((content_end, next)) = self.next_line_fields(line_number)? else {
            return Ok(None);
        };
        self.lines_read = line_number;
        self.pending = next;
        self.raw_end = next;
        self.text_end = content_end;
        let data = self.buffer.data();
        let text = data.get(..content_end).unwrap_or_default();
        let invalid = |message: std::borrow::Cow<'static, str>| {
            Error::invalid_data(Format::Gff, message).at_line(line_number)
        };
        if text.starts_with(b"##") {
            let kind = line::parse_directive(text).map_err(invalid)?;
            if kind == DirectiveKind::Fasta {
                self.in_fasta = true;
            }
            return Ok(Some(Found::Directive));
        }
        if text.is_empty() || text.starts_with(b"#") {
            return Ok(Some(Found::Comment));
        }
        let dialect = match self.dialect {
            Some(dialect) => dialect,
            None => {
                let detected = Dialect::detect(text);
                if detected.is_some() {
                    self.dialect = detected;
                }
                detected.unwrap_or(Dialect::Gff3)
            }
        };
        // Numbers are read a word at a time, so the parser sees the whole
        // buffer; the fields end within the line.
        line::parse_fields(
            data,
            &self.fields,
            dialect,
            &mut self.entries,
            &mut self.parsed,
        )
        .map_err(|message| invalid(message).at_record(self.records_read + 1))?;
        self.records_read += 1;
        Ok(Some(Found::Record))
    }
}

/// The owned-record iterator of [`Reader::records`]; allocates per record.
pub struct Records<'r, R> {
    reader: &'r mut Reader<R>,
}

impl<R: Read> Iterator for Records<'_, R> {
    type Item = Result<Record>;

    fn next(&mut self) -> Option<Self::Item> {
        self.reader
            .next_record()
            .map(|result| result.map(|record| record.to_owned()))
    }
}
