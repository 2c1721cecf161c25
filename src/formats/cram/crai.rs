//! CRAI, the CRAM index: a gzip-compressed text file with one line per
//! slice (one per reference for slices holding several), read, written and
//! built as `samtools index` builds it.
//!
//! Each line holds six tab-separated numbers: the reference id (`-1` for
//! unmapped reads), the 1-based alignment start and the span of the slice's
//! records on that reference, the container's byte offset in the file, the
//! slice's byte offset from the end of the container header (its landmark)
//! and the slice's size in bytes.
//!
//! ```no_run
//! use biometal::formats::cram::crai;
//!
//! let index = crai::build_from_path("reads.cram")?;
//! index.write_to_path("reads.cram.crai")?;
//! assert_eq!(crai::Index::read_from_path("reads.cram.crai")?, index);
//! # Ok::<(), biometal::Error>(())
//! ```

use std::fmt::Write as _;
use std::io::{BufRead, Read, Write};
use std::path::Path;

use super::container::{content_type, parse_block, FileDefinition};
use super::cursor::Cursor;
use super::reader::ReaderBuilder;
use super::slice::{SliceDecoder, SliceHeader};
use super::Fields;
use crate::formats::sam::record::Record;
use crate::region::Position;
use crate::{Error, Format, Result};

/// The longest CRAI line read: 1 KiB (six numbers need well under 128
/// bytes).
const MAX_LINE_LEN: usize = 1024;

/// One CRAI line: where a slice (or, for a multi-reference slice, its
/// records on one reference) lies in the file.
///
/// ```
/// use biometal::formats::cram::crai::Entry;
/// use biometal::region::Position;
///
/// let entry = Entry {
///     reference_id: Some(0),
///     alignment_start: Position::new(100),
///     alignment_span: 250,
///     container_offset: 1_234,
///     slice_offset: 155,
///     slice_len: 9_000,
/// };
/// assert_eq!(entry.to_string(), "0\t100\t250\t1234\t155\t9000");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Entry {
    /// The 0-based reference id (the `@SQ` line's index); `None` (`-1`)
    /// for unmapped reads.
    pub reference_id: Option<usize>,
    /// The 1-based leftmost position of the records; `None` (`0`) for
    /// unmapped reads.
    pub alignment_start: Option<Position>,
    /// The number of reference bases from the start to the last base any
    /// of the records covers.
    pub alignment_span: u64,
    /// The byte offset of the container header in the file.
    pub container_offset: u64,
    /// The byte offset of the slice from the end of the container header
    /// (the container's landmark for it).
    pub slice_offset: u64,
    /// The slice's size in bytes (its header block and data blocks).
    pub slice_len: u64,
}

impl Entry {
    /// Whether the entry's records may overlap the 1-based, inclusive
    /// range `start..=end` of reference `reference_id`.
    pub(crate) fn overlaps(&self, reference_id: usize, start: u64, end: u64) -> bool {
        let first = self.alignment_start.map_or(0, Position::get);
        let last = first.saturating_add(self.alignment_span).saturating_sub(1);
        self.reference_id == Some(reference_id) && first <= end && last >= start
    }
}

impl std::fmt::Display for Entry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.reference_id {
            Some(id) => write!(f, "{id}")?,
            None => f.write_str("-1")?,
        }
        write!(
            f,
            "\t{}\t{}\t{}\t{}\t{}",
            self.alignment_start.map_or(0, Position::get),
            self.alignment_span,
            self.container_offset,
            self.slice_offset,
            self.slice_len
        )
    }
}

/// A CRAM index: its entries in file order.
///
/// ```
/// use biometal::formats::cram::crai::Index;
///
/// let index = Index::read(&b"0\t1\t300\t712\t189\t4200\n-1\t0\t1\t5102\t171\t900\n"[..])?;
/// assert_eq!(index.entries().len(), 2);
/// assert_eq!(index.entries()[1].reference_id, None);
/// # Ok::<(), biometal::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Index {
    entries: Vec<Entry>,
}

fn line_error(line: u64, message: String) -> Error {
    Error::invalid_data(Format::Crai, message).at_line(line)
}

fn field<T: std::str::FromStr>(
    fields: &mut std::str::Split<'_, char>,
    name: &str,
    line: u64,
) -> Result<T> {
    let text = fields.next().ok_or_else(|| {
        line_error(
            line,
            format!("missing {name}: expected 6 tab-separated fields"),
        )
    })?;
    text.parse().map_err(|_| {
        line_error(
            line,
            format!("{name} is {text:?}, expected a non-negative integer"),
        )
    })
}

impl Index {
    /// An index of `entries` (in file order).
    pub fn new(entries: Vec<Entry>) -> Self {
        Index { entries }
    }

    /// The entries, in file order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Parses the decompressed CRAI text from `reader`.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidData`](crate::ErrorKind::InvalidData) naming the
    /// line for anything but six tab-separated integers (a reference id of
    /// `-1` or more, the others non-negative); read errors (for a gzip
    /// source: truncation or corruption) with the line they hit.
    pub fn read<R: BufRead>(mut reader: R) -> Result<Self> {
        let mut entries = Vec::new();
        let mut line = Vec::new();
        for number in 1u64.. {
            line.clear();
            let read = (&mut reader)
                .take(MAX_LINE_LEN as u64 + 1)
                .read_until(b'\n', &mut line)
                .map_err(|e| Error::io(Format::Crai, e).at_line(number))?;
            if read == 0 {
                break;
            }
            if line.last() == Some(&b'\n') {
                line.pop();
            } else if line.len() > MAX_LINE_LEN {
                return Err(Error::limit_exceeded(
                    Format::Crai,
                    "line length",
                    line.len() as u64,
                    MAX_LINE_LEN as u64,
                )
                .at_line(number));
            }
            entries.push(parse_line(&line, number)?);
        }
        Ok(Index { entries })
    }

    /// Reads a CRAI file (gzip-compressed as samtools writes it, or plain
    /// text).
    ///
    /// # Errors
    /// As [`Index::read`]; the file cannot be opened.
    pub fn read_from_path(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let source = crate::io::open(path)?;
        Self::read(source).map_err(|e| e.with_name(path.display().to_string()))
    }

    /// The index as text, one line per entry.
    pub fn to_text(&self) -> String {
        let mut text = String::with_capacity(self.entries.len() * 40);
        for entry in &self.entries {
            // Writing to a String cannot fail.
            let _ = writeln!(text, "{entry}");
        }
        text
    }

    /// Writes the index gzip-compressed, as `samtools index` does.
    ///
    /// # Errors
    /// Write errors.
    pub fn write<W: Write>(&self, out: W) -> Result<()> {
        let mut encoder = flate2::write::GzEncoder::new(out, flate2::Compression::default());
        encoder
            .write_all(self.to_text().as_bytes())
            .and_then(|()| encoder.try_finish())
            .map_err(|e| Error::io(Format::Crai, e))
    }

    /// Writes the index, gzip-compressed, to `path`.
    ///
    /// # Errors
    /// The file cannot be created or written.
    pub fn write_to_path(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let file = std::fs::File::create(path)
            .map_err(|e| Error::io(Format::Crai, e).with_name(path.display().to_string()))?;
        let mut out = std::io::BufWriter::new(file);
        self.write(&mut out)?;
        out.flush()
            .map_err(|e| Error::io(Format::Crai, e).with_name(path.display().to_string()))
    }
}

fn parse_line(line: &[u8], number: u64) -> Result<Entry> {
    let text = std::str::from_utf8(line)
        .map_err(|_| line_error(number, "line is not UTF-8 text".into()))?;
    let mut fields = text.split('\t');
    let reference: i64 = fields
        .next()
        .and_then(|t| t.parse().ok())
        .filter(|&id| id >= -1 && id <= i64::from(i32::MAX))
        .ok_or_else(|| {
            line_error(
                number,
                format!(
                    "reference id is {:?}, expected -1 or a non-negative integer",
                    text.split('\t').next().unwrap_or("")
                ),
            )
        })?;
    let alignment_start: u64 = field(&mut fields, "alignment start", number)?;
    let entry = Entry {
        reference_id: usize::try_from(reference).ok(),
        alignment_start: Position::new(alignment_start),
        alignment_span: field(&mut fields, "alignment span", number)?,
        container_offset: field(&mut fields, "container offset", number)?,
        slice_offset: field(&mut fields, "slice offset", number)?,
        slice_len: field(&mut fields, "slice size", number)?,
    };
    if fields.next().is_some() {
        return Err(line_error(
            number,
            "more than 6 tab-separated fields".into(),
        ));
    }
    Ok(entry)
}

/// Reads the index of the CRAM file at `cram_path`: `FILE.cram.crai`, or
/// else `FILE.crai`, as samtools looks for it.
///
/// # Errors
/// [`ErrorKind::NotFound`](crate::ErrorKind::NotFound) when neither
/// exists; as [`Index::read`].
pub fn load_for(cram_path: impl AsRef<Path>) -> Result<Index> {
    let cram_path = cram_path.as_ref();
    let mut appended = cram_path.as_os_str().to_owned();
    appended.push(".crai");
    let candidates = [
        std::path::PathBuf::from(appended),
        cram_path.with_extension("crai"),
    ];
    match candidates.iter().find(|path| path.is_file()) {
        Some(path) => Index::read_from_path(path),
        None => Err(Error::new(
            crate::ErrorKind::NotFound,
            Format::Crai,
            format!(
                "no CRAI index for {}: tried {} and {}",
                cram_path.display(),
                candidates[0].display(),
                candidates[1].display()
            ),
        )),
    }
}

/// Builds the index of a coordinate-sorted CRAM file, as `samtools index`
/// does: from container and slice headers, decoding records (positions and
/// CIGARs only, no reference needed) only for multi-reference slices.
///
/// # Errors
/// Read and decoding errors; [`ErrorKind::InvalidData`](crate::ErrorKind::InvalidData)
/// for a file that is not sorted by position.
pub fn build<R: Read>(inner: R) -> Result<Index> {
    let mut reader = ReaderBuilder::new()
        .fields(Fields::none())
        .verify_reference_md5(false)
        .build(inner);
    reader.read_header()?;
    let mut entries = Vec::new();
    let mut decoder = SliceDecoder::default();
    let mut records = Vec::new();
    let mut body = Vec::new();
    let mut last_container: Option<(i32, i64)> = None;
    while let Some(container) = reader.read_container(body)? {
        // Sorted as samtools checks it: container by container, and record
        // by record within multi-reference slices.
        let (reference, start) = container.placement();
        if last_container.is_some_and(|(r, s)| r == reference && start < s) {
            return Err(not_sorted(container.offset()));
        }
        last_container = Some((reference, start));
        let context = reader.context()?;
        for (index, &landmark) in container.landmarks().iter().enumerate() {
            let (data, offset) = container.slice_bytes(index)?;
            let (slice, slice_len) = read_slice_header(data, offset, &context.definition)?;
            let mut entry = Entry {
                reference_id: None,
                alignment_start: None,
                alignment_span: 0,
                container_offset: container.offset(),
                slice_offset: landmark as u64,
                slice_len,
            };
            if slice.reference_id == -2 {
                let count = container.decode_slice(
                    index,
                    context,
                    &mut decoder,
                    &mut records,
                    None,
                    false,
                )?;
                let decoded = records.get(..count).unwrap_or(&[]);
                push_multi_reference(&mut entries, entry, decoded, offset)?;
                continue;
            }
            entry.reference_id = usize::try_from(slice.reference_id).ok();
            if entry.reference_id.is_none() && slice.reference_id != -1 {
                return Err(Error::invalid_data(
                    Format::Cram,
                    format!("slice reference id is {}", slice.reference_id),
                )
                .at_byte_offset(offset));
            }
            entry.alignment_start = u64::try_from(slice.alignment_start)
                .ok()
                .and_then(Position::new);
            entry.alignment_span = u64::try_from(slice.alignment_span).unwrap_or(0);
            entries.push(entry);
        }
        body = container.into_body();
    }
    Ok(Index { entries })
}

/// Builds the index of the CRAM file at `path` (see [`build`]).
///
/// # Errors
/// As [`build`]; the file cannot be opened.
pub fn build_from_path(path: impl AsRef<Path>) -> Result<Index> {
    let path = path.as_ref();
    build(crate::io::open(path)?).map_err(|e| e.with_name(path.display().to_string()))
}

fn not_sorted(offset: u64) -> Error {
    Error::invalid_data(
        Format::Cram,
        "the file is not sorted by reference and position: it cannot be indexed",
    )
    .at_byte_offset(offset)
}

/// Parses the slice header block at the start of `data` and the blocks it
/// lists: the header and the slice's size in bytes.
fn read_slice_header(
    data: &[u8],
    offset: u64,
    definition: &FileDefinition,
) -> Result<(SliceHeader, u64)> {
    let mut cursor = Cursor::new(data, offset);
    let block = parse_block(&mut cursor, definition, true)?;
    if block.content_type != content_type::SLICE_HEADER {
        return Err(Error::invalid_data(
            Format::Cram,
            format!(
                "a landmark points at a block of content type {}, expected 2 (slice header)",
                block.content_type
            ),
        )
        .at_byte_offset(block.offset));
    }
    let mut raw = Vec::new();
    block.decompress_into(&mut raw)?;
    let slice = SliceHeader::parse(&raw, block.offset, definition)?;
    for _ in 0..slice.block_count {
        parse_block(&mut cursor, definition, true)?;
    }
    Ok((slice, cursor.position() as u64))
}

/// One entry per run of records on the same reference, as htslib indexes
/// multi-reference slices: the run's first start and its furthest end.
fn push_multi_reference(
    entries: &mut Vec<Entry>,
    template: Entry,
    records: &[Record],
    offset: u64,
) -> Result<()> {
    // (reference id, first start, furthest end), positions 1-based, 0 when
    // unplaced.
    let mut run: Option<(Option<usize>, u64, u64)> = None;
    let mut last: Option<(Option<usize>, u64)> = None;
    let flush = |entries: &mut Vec<Entry>,
                 (reference_id, start, end): (Option<usize>, u64, u64)| {
        entries.push(Entry {
            reference_id,
            alignment_start: Position::new(start),
            alignment_span: end.saturating_add(1).saturating_sub(start),
            ..template
        });
    };
    for record in records {
        let record = record.as_ref();
        let reference_id = record.reference_id();
        let start = record.alignment_start().map_or(0, Position::get);
        let end = record.alignment_end().map_or(0, Position::get);
        if let Some((previous, previous_start)) = last {
            if previous == reference_id && start < previous_start {
                return Err(not_sorted(offset));
            }
        }
        last = Some((reference_id, start));
        match &mut run {
            Some((id, _, furthest)) if *id == reference_id => *furthest = (*furthest).max(end),
            _ => {
                if let Some(done) = run.take() {
                    flush(entries, done);
                }
                run = Some((reference_id, start, end));
            }
        }
    }
    if let Some(done) = run {
        flush(entries, done);
    }
    Ok(())
}
