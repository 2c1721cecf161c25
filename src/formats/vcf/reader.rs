//! Reading VCF: the header, then records in three tiers (borrowed,
//! reused, owned).

use std::io::Read;
use std::path::Path;

use super::fields::split_info;
use super::header::{reserved_format, reserved_info, Header, ParseOptions, Strictness};
use super::record::{record_error, Bounds, Record, RecordRef};
use super::validate::{validate, Order};
use crate::formats::buffer::LineBuffer;
use crate::io::{IoOptions, Source};
use crate::{Error, Format, Result};

/// The default cap on one line (header or record): 1 GiB.
pub const DEFAULT_MAX_LINE_SIZE: usize = 1 << 30;

/// Options for a [`Reader`].
///
/// ```no_run
/// use biometal::formats::vcf::ReaderBuilder;
///
/// let mut reader = ReaderBuilder::new().threads(4).build_from_path("cohort.vcf.gz")?;
/// let header = reader.read_header()?.clone();
/// while let Some(record) = reader.next_record()? {
///     let _ = record.position()?;
/// }
/// # Ok::<(), biometal::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct ReaderBuilder {
    threads: usize,
    buffer_capacity: usize,
    max_line_size: usize,
    strictness: Strictness,
    allow_undeclared_keys: Option<bool>,
}

impl Default for ReaderBuilder {
    fn default() -> Self {
        ReaderBuilder {
            threads: 1,
            buffer_capacity: 256 * 1024,
            max_line_size: DEFAULT_MAX_LINE_SIZE,
            strictness: Strictness::Lenient,
            allow_undeclared_keys: None,
        }
    }
}

impl ReaderBuilder {
    /// Default options: one thread, lenient, lines up to 1 GiB.
    pub fn new() -> Self {
        Self::default()
    }

    /// Threads decompressing BGZF input (1: inline).
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = threads.max(1);
        self
    }

    /// The initial buffer size in bytes.
    pub fn buffer_capacity(mut self, bytes: usize) -> Self {
        self.buffer_capacity = bytes.max(1);
        self
    }

    /// The longest line accepted; longer ones are an
    /// [`ErrorKind::LimitExceeded`](crate::ErrorKind::LimitExceeded) error.
    pub fn max_line_size(mut self, bytes: usize) -> Self {
        self.max_line_size = bytes.max(1);
        self
    }

    /// [`Strictness::Strict`] checks the header and every record against
    /// the specification and rejects INFO/FORMAT keys the header does not
    /// define; [`Strictness::Lenient`] (the default, like bcftools) defines
    /// them as strings with a warning in [`Header::warnings`].
    pub fn strictness(mut self, strictness: Strictness) -> Self {
        self.strictness = strictness;
        self
    }

    /// Whether INFO/FORMAT keys the header does not define are accepted
    /// (as strings, or as the specification defines reserved keys, with a
    /// warning in [`Header::warnings`]). By default they are accepted in
    /// lenient mode and rejected in strict mode; the hts-specs conformance
    /// suite accepts them.
    pub fn allow_undeclared_keys(mut self, yes: bool) -> Self {
        self.allow_undeclared_keys = Some(yes);
        self
    }

    /// Opens `path` (plain, gzip or BGZF; `-` for standard input).
    ///
    /// # Errors
    ///
    /// When the file cannot be opened.
    pub fn build_from_path(self, path: impl AsRef<Path>) -> Result<Reader<Source>> {
        let options =
            IoOptions::default().with_bgzf_threads(if self.threads > 1 { self.threads } else { 0 });
        Ok(self.build_from_reader(crate::io::open_with(path, &options)?))
    }

    /// A reader over any byte stream of VCF text (decompressed).
    pub fn build_from_reader<R: Read>(self, inner: R) -> Reader<R> {
        Reader {
            lines: LineBuffer::new(inner, self.buffer_capacity, self.max_line_size, Format::Vcf),
            header: None,
            strictness: self.strictness,
            allow_undeclared_keys: self
                .allow_undeclared_keys
                .unwrap_or(self.strictness == Strictness::Lenient),
            line_number: 0,
            records_read: 0,
            failed: false,
            pending: 0,
            order: Order::default(),
        }
    }
}

/// A VCF reader. The header is read first (by [`Reader::read_header`] or
/// implicitly by the first record).
///
/// ```
/// use biometal::formats::vcf::{Reader, Record};
///
/// let text = "##fileformat=VCFv4.3\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n\
///             1\t10\t.\tA\tC\t.\tPASS\t.\n1\t20\t.\tG\tT\t.\tPASS\t.\n";
/// let mut reader = Reader::new(text.as_bytes());
/// assert_eq!(reader.read_header()?.version(), (4, 3));
/// let first = reader.next_record()?.unwrap();
/// assert_eq!(first.position()?.get(), 10);
/// let mut record = Record::default();
/// assert!(reader.read_record(&mut record)?);
/// assert_eq!(record.as_ref().position()?.get(), 20);
/// assert!(!reader.read_record(&mut record)?);
/// # Ok::<(), biometal::Error>(())
/// ```
pub struct Reader<R> {
    lines: LineBuffer<R>,
    header: Option<Header>,
    strictness: Strictness,
    allow_undeclared_keys: bool,
    line_number: u64,
    records_read: u64,
    failed: bool,
    /// Bytes of the last line returned, consumed at the next read (the
    /// borrowed record points into them until then).
    pending: usize,
    /// Sorting state for strict checks.
    order: Order,
}

impl Reader<Source> {
    /// Opens a VCF file (plain, gzip or BGZF) with default options.
    ///
    /// # Errors
    ///
    /// When the file cannot be opened.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Self> {
        ReaderBuilder::new().build_from_path(path)
    }
}

impl<R: Read> Reader<R> {
    /// A reader with default options over decompressed VCF text.
    pub fn new(inner: R) -> Self {
        ReaderBuilder::new().build_from_reader(inner)
    }

    /// Reads the header (once; later calls return it again).
    ///
    /// # Errors
    ///
    /// When the header is malformed or the input ends inside it.
    pub fn read_header(&mut self) -> Result<&Header> {
        if self.header.is_none() {
            let mut text = String::new();
            self.lines.consume(std::mem::take(&mut self.pending));
            while let Some(line) = self.lines.line_at(0)? {
                let bytes = &self.lines.data()[line.start..line.content_end];
                let content = std::str::from_utf8(bytes).map_err(|_| {
                    Error::invalid_data(Format::Vcf, "header line is not UTF-8")
                        .at_line(self.line_number + 1)
                })?;
                text.push_str(content);
                text.push('\n');
                let is_last = !content.starts_with("##");
                if is_last && line.next == line.content_end && self.strictness == Strictness::Strict
                {
                    return Err(Error::invalid_data(
                        Format::Vcf,
                        "the #CHROM line does not end with a newline",
                    )
                    .at_line(self.line_number + 1));
                }
                self.lines.consume(line.next);
                self.line_number += 1;
                if is_last {
                    break;
                }
            }
            let header = ParseOptions::default()
                .strictness(self.strictness)
                .parse(&text)?;
            self.header = Some(header);
        }
        self.header
            .as_ref()
            .ok_or_else(|| Error::invalid_data(Format::Vcf, "no header"))
    }

    /// The header, once read.
    pub fn header(&self) -> Option<&Header> {
        self.header.as_ref()
    }

    /// The next record, borrowed from the reader's buffer; `None` at the
    /// end of input.
    ///
    /// # Errors
    ///
    /// When the line is malformed (in strict mode: anything the
    /// specification forbids), or on I/O errors. The error names the line.
    pub fn next_record(&mut self) -> Result<Option<RecordRef<'_>>> {
        if self.failed {
            return Ok(None);
        }
        match self.advance() {
            Ok(Some((start, end, bounds))) => Ok(Some(RecordRef {
                line: &self.lines.data()[start..end],
                bounds,
            })),
            Ok(None) => Ok(None),
            Err(error) => {
                self.failed = true;
                Err(error)
            }
        }
    }

    /// Reads the next record into `record`, reusing its buffer; `false` at
    /// the end of input.
    ///
    /// # Errors
    ///
    /// As [`Reader::next_record`].
    pub fn read_record(&mut self, record: &mut Record) -> Result<bool> {
        match self.next_record()? {
            Some(found) => {
                record.set(found.line, found.bounds);
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// The records as owned values (one allocation each; the convenience
    /// tier on top of [`Reader::read_record`]).
    pub fn records(&mut self) -> impl Iterator<Item = Result<Record>> + '_ {
        std::iter::from_fn(move || {
            let mut record = Record::default();
            match self.read_record(&mut record) {
                Ok(true) => Some(Ok(record)),
                Ok(false) => None,
                Err(error) => Some(Err(error)),
            }
        })
    }

    /// The number of records read so far.
    pub fn records_read(&self) -> u64 {
        self.records_read
    }

    /// The wrapped reader.
    pub fn get_ref(&self) -> &R {
        self.lines.get_ref()
    }

    /// The wrapped reader, mutably (reading from it desynchronises this one).
    pub fn get_mut(&mut self) -> &mut R {
        self.lines.get_mut()
    }

    /// Stops sequential reading (after a query moved the input).
    pub(crate) fn end_sequential_reading(&mut self) {
        self.failed = true;
    }

    /// Finds the next record line; returns its span in the buffer's unread
    /// data and its bounds.
    fn advance(&mut self) -> Result<Option<(usize, usize, Bounds)>> {
        if self.header.is_none() {
            self.read_header()?;
        }
        let strict = self.strictness == Strictness::Strict;
        loop {
            self.lines.consume(std::mem::take(&mut self.pending));
            let Some(line) = self.lines.line_at(0)? else {
                return Ok(None);
            };
            self.line_number += 1;
            let line_number = self.line_number;
            self.pending = line.next;
            if line.len() == 0 {
                if strict {
                    return Err(record_error("empty line".into(), line_number));
                }
                continue;
            }
            if strict && line.next == line.content_end {
                return Err(record_error(
                    "the last line does not end with a newline".into(),
                    line_number,
                ));
            }
            let text = &self.lines.data()[line.start..line.content_end];
            let bounds = Bounds::locate(text, line_number)?;
            let record = RecordRef { line: text, bounds };
            let Some(header) = self.header.as_mut() else {
                return Err(Error::invalid_data(Format::Vcf, "no header"));
            };
            check_keys(&record, header, !self.allow_undeclared_keys)?;
            if strict {
                validate(&record, header, &mut self.order)?;
            }
            self.records_read += 1;
            return Ok(Some((line.start, line.content_end, bounds)));
        }
    }
}

/// INFO and FORMAT keys missing from the header: an error if `strict`
/// (unless reserved); otherwise they are defined, with a warning.
fn check_keys(record: &RecordRef<'_>, header: &mut Header, strict: bool) -> Result<()> {
    for (key, value) in split_info(record.info_text()) {
        let key =
            std::str::from_utf8(key).map_err(|_| record.error("INFO key is not UTF-8".into()))?;
        if header.info(key).is_none() {
            if strict && reserved_info(header.version(), key).is_none() {
                return Err(record.error(format!("INFO {key} is not defined in the header")));
            }
            header.define_missing_info(key, value.is_none());
        }
    }
    let format = record.format_text();
    if !format.is_empty() {
        for key in format.split(|&b| b == b':') {
            let key = std::str::from_utf8(key)
                .map_err(|_| record.error("FORMAT key is not UTF-8".into()))?;
            if header.format(key).is_none() {
                if strict && reserved_format(header.version(), key).is_none() {
                    return Err(record.error(format!("FORMAT {key} is not defined in the header")));
                }
                header.define_missing_format(key);
            }
        }
    }
    Ok(())
}
