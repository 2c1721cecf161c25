//! The streaming BED reader.

use std::io::Read;

use super::layout::Layout;
use super::line::{self, Parsed, Separator};
use super::record::{Record, RecordRef};
use crate::formats::buffer::{find_newline, LineBuffer};
use crate::formats::fields;
use crate::{Error, Format, Result};

/// The default cap on one line's length in bytes: 64 MiB.
pub const DEFAULT_MAX_LINE_LENGTH: usize = 64 << 20;

/// One line of a BED file: a header line or a record.
#[derive(Debug, Clone, Copy)]
pub enum Line<'a> {
    /// A `track` or `browser` line, a `#` comment or a blank line, exactly
    /// as read (line ending included). These may also stand between
    /// records: one file may hold several tracks.
    Header(&'a [u8]),
    /// A data line.
    Record(RecordRef<'a>),
}

/// Whether `text` (a line without its ending) is a header line rather than
/// data.
pub(crate) fn is_header_line(text: &[u8]) -> bool {
    let keyword = |word: &[u8]| {
        text.strip_prefix(word)
            .is_some_and(|rest| rest.is_empty() || rest[0] == b' ' || rest[0] == b'\t')
    };
    text.is_empty() || text.starts_with(b"#") || keyword(b"track") || keyword(b"browser")
}

/// Options for a BED [`Reader`].
///
/// ```
/// use biometal::formats::bed::{Layout, ReaderBuilder, Separator};
///
/// let mut reader = ReaderBuilder::new()
///     .layout(Layout::BED_GRAPH)
///     .separator(Separator::Whitespace)
///     .build_from_reader(&b"chr1 0 10 2.5\n"[..]);
/// let record = reader.next_record().unwrap()?;
/// assert_eq!(record.extra_fields().next(), Some(&b"2.5"[..]));
/// # Ok::<(), biometal::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ReaderBuilder {
    layout: Option<Layout>,
    separator: Separator,
    buffer_capacity: usize,
    max_line_length: usize,
}

impl Default for ReaderBuilder {
    fn default() -> Self {
        ReaderBuilder {
            layout: None,
            separator: Separator::Tab,
            buffer_capacity: 64 * 1024,
            max_line_length: DEFAULT_MAX_LINE_LENGTH,
        }
    }
}

impl ReaderBuilder {
    /// Default options: layout detected, tab-separated, 64 KiB buffer,
    /// 64 MiB line cap.
    pub fn new() -> Self {
        Self::default()
    }

    /// Declares the columns instead of detecting them from the data.
    pub fn layout(mut self, layout: Layout) -> Self {
        self.layout = Some(layout);
        self
    }

    /// How columns are separated (default: tabs, as the specification says).
    pub fn separator(mut self, separator: Separator) -> Self {
        self.separator = separator;
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
                Format::Bed,
            ),
            layout: self.layout,
            declared: self.layout.is_some(),
            separator: self.separator,
            pending: 0,
            lines_read: 0,
            records_read: 0,
            failed: false,
            fields: Vec::new(),
            parsed: Parsed::default(),
            raw: (0, 0),
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

/// A streaming BED reader over any [`Read`].
///
/// [`next_line`](Reader::next_line) yields every line (header lines and
/// records, for byte-identical copies); [`next_record`](Reader::next_record)
/// skips header lines; [`read_record`](Reader::read_record) fills an owned
/// record; [`records`](Reader::records) iterates owned records.
///
/// ```
/// use biometal::formats::bed::{Line, Reader};
///
/// let data = b"track name=peaks\nchr1\t10\t20\nchr1\t30\t40\n";
/// let mut reader = Reader::new(&data[..]);
/// let mut lines = Vec::new();
/// while let Some(line) = reader.next_line() {
///     lines.push(match line? {
///         Line::Header(text) => String::from_utf8_lossy(text).into_owned(),
///         Line::Record(record) => record.interval().len().to_string(),
///     });
/// }
/// assert_eq!(lines, ["track name=peaks\n", "10", "10"]);
/// # Ok::<(), biometal::Error>(())
/// ```
pub struct Reader<R> {
    buffer: LineBuffer<R>,
    layout: Option<Layout>,
    declared: bool,
    separator: Separator,
    pending: usize,
    lines_read: u64,
    records_read: u64,
    failed: bool,
    fields: Vec<(usize, usize)>,
    parsed: Parsed,
    raw: (usize, usize),
    text_end: usize,
}

impl Reader<crate::io::Source> {
    /// Opens a BED file, plain, gzip or BGZF, or `-` for standard input.
    pub fn from_path(path: impl AsRef<std::path::Path>) -> Result<Self> {
        ReaderBuilder::new().build_from_path(path)
    }
}

/// What [`Reader::advance`] found.
enum Found {
    Header,
    Record,
}

impl<R: Read> Reader<R> {
    /// A reader with the default options.
    pub fn new(inner: R) -> Self {
        ReaderBuilder::new().build_from_reader(inner)
    }

    /// The next line, header or record, borrowed; `None` at the end of
    /// input or after an error.
    pub fn next_line(&mut self) -> Option<Result<Line<'_>>> {
        if self.failed {
            return None;
        }
        match self.advance() {
            Ok(Some(Found::Header)) => {
                let data = self.buffer.data();
                Some(Ok(Line::Header(
                    data.get(self.raw.0..self.raw.1).unwrap_or_default(),
                )))
            }
            Ok(Some(Found::Record)) => Some(Ok(Line::Record(self.record_ref()))),
            Ok(None) => None,
            Err(error) => {
                self.failed = true;
                Some(Err(error))
            }
        }
    }

    /// The next record, borrowed, skipping header lines; `None` at the end
    /// of input or after an error.
    pub fn next_record(&mut self) -> Option<Result<RecordRef<'_>>> {
        if self.failed {
            return None;
        }
        loop {
            match self.advance() {
                Ok(Some(Found::Header)) => {}
                Ok(Some(Found::Record)) => return Some(Ok(self.record_ref())),
                Ok(None) => return None,
                Err(error) => {
                    self.failed = true;
                    return Some(Err(error));
                }
            }
        }
    }

    /// Reads the next record into `record`, reusing its buffers; `false` at
    /// the end of input.
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

    /// The columns of the file: declared, or detected from the data read so
    /// far (`None` before the first record when not declared).
    pub fn layout(&self) -> Option<Layout> {
        self.layout
    }

    /// The number of lines read so far.
    pub fn lines_read(&self) -> u64 {
        self.lines_read
    }

    /// The number of records read so far.
    pub fn records_read(&self) -> u64 {
        self.records_read
    }

    /// The wrapped reader.
    pub fn get_ref(&self) -> &R {
        self.buffer.get_ref()
    }

    /// Returns the wrapped reader; buffered input is lost.
    pub fn into_inner(self) -> R {
        self.buffer.into_inner()
    }

    fn record_ref(&self) -> RecordRef<'_> {
        let data = self.buffer.data();
        RecordRef {
            raw: data.get(self.raw.0..self.raw.1).unwrap_or_default(),
            text: data.get(self.raw.0..self.text_end).unwrap_or_default(),
            fields: &self.fields,
            parsed: &self.parsed,
        }
    }

    /// Finds the next line and, for tab-separated files, cuts it into
    /// `fields` in the same pass; refills the buffer through the line
    /// engine when the line does not end in it. Returns the line's content
    /// end and the offset after its newline.
    #[inline]
    fn next_line_fields(&mut self, line_number: u64) -> Result<Option<(usize, usize)>> {
        if self.separator == Separator::Tab {
            return fields::next_tab_line(&mut self.buffer, &mut self.fields, line_number);
        }
        let data = self.buffer.data();
        let Some(newline) = find_newline(data) else {
            let found = self
                .buffer
                .line_at(0)
                .map_err(|error| error.at_line(line_number))?;
            return Ok(found.map(|found| (found.content_end, found.next)));
        };
        let content_end = match newline.checked_sub(1) {
            Some(before) if data.get(before) == Some(&b'\r') => before,
            _ => newline,
        };
        Ok(Some((content_end, newline + 1)))
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
        self.raw = (0, next);
        self.text_end = content_end;
        let data = self.buffer.data();
        let text = data.get(..content_end).unwrap_or_default();
        // Data lines rarely start with the bytes header lines start with.
        let maybe_header = matches!(text.first(), None | Some(b'#' | b't' | b'b' | b' ' | b'\t'));
        if maybe_header {
            let blank = self.separator == Separator::Whitespace && text.trim_ascii().is_empty();
            if blank || is_header_line(text) {
                if !self.declared && text.starts_with(b"track") {
                    // A track line starts a new track, whose columns may differ.
                    self.layout = Layout::from_track_line(text);
                }
                return Ok(Some(Found::Header));
            }
        }
        if self.separator == Separator::Whitespace {
            line::split(text, self.separator, &mut self.fields);
        }
        // Numbers are read a word at a time, so the parser sees the whole
        // buffer; the fields end within the line.
        let parsed = match self.layout {
            Some(layout) => line::parse_into(data, &self.fields, layout, &mut self.parsed),
            None => Layout::detect(data, &self.fields).map(|parsed| {
                self.layout = Some(parsed.layout);
                self.parsed = parsed;
            }),
        };
        match parsed {
            Ok(()) => {
                self.records_read += 1;
                Ok(Some(Found::Record))
            }
            Err(message) => Err(Error::invalid_data(Format::Bed, message)
                .at_line(line_number)
                .at_record(self.records_read + 1)),
        }
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
