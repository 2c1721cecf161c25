//! The FASTA index (`.fai`), as `samtools faidx` builds it.
//!
//! Each line of a `.fai` describes one sequence: its name, length in bases,
//! the byte offset of its first base, and the bases and bytes per line.
//! [`Index::build`] reads the FASTA once in constant memory (whatever the
//! line lengths) and follows htslib's rules: every sequence line but the
//! last must have the same length, blank lines may only end a record,
//! sequences without bases are left out, and a repeated name keeps its
//! first record.

use std::collections::HashMap;
use std::io::{BufRead, Write};

use crate::{Error, Format, Result};

/// The longest header line [`Index::build`] accepts, in bytes.
pub const MAX_HEADER_SIZE: usize = 1 << 20;

/// One `.fai` line: where one sequence's bases lie in the FASTA file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexRecord {
    name: Vec<u8>,
    length: u64,
    offset: u64,
    line_bases: u64,
    line_width: u64,
}

impl IndexRecord {
    /// An index record. `line_width` counts the line terminator.
    pub fn new(name: &[u8], length: u64, offset: u64, line_bases: u64, line_width: u64) -> Self {
        IndexRecord {
            name: name.to_vec(),
            length,
            offset,
            line_bases,
            line_width,
        }
    }

    /// The sequence name.
    pub fn name(&self) -> &[u8] {
        &self.name
    }

    /// The number of bases.
    pub fn length(&self) -> u64 {
        self.length
    }

    /// The 0-based byte offset of the first base in the (uncompressed) file.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Bases per full line.
    pub fn line_bases(&self) -> u64 {
        self.line_bases
    }

    /// Bytes per full line, the line terminator included.
    pub fn line_width(&self) -> u64 {
        self.line_width
    }

    /// The byte offset of the base at the 0-based `position`.
    pub fn offset_of(&self, position: u64) -> u64 {
        if self.line_bases == 0 {
            return self.offset;
        }
        self.offset
            .saturating_add((position / self.line_bases).saturating_mul(self.line_width))
            .saturating_add(position % self.line_bases)
    }
}

/// A FASTA index: sequences in file order, looked up by name.
///
/// ```
/// use biometal::formats::fasta::fai::Index;
///
/// let fasta = b">chr1 first\nACGT\nAC\n>chr2\nGGG\n";
/// let index = Index::build(&fasta[..])?;
/// let mut fai = Vec::new();
/// index.write(&mut fai)?;
/// assert_eq!(fai, b"chr1\t6\t12\t4\t5\nchr2\t3\t26\t3\t4\n");
/// assert_eq!(index.get(b"chr2").map(|r| r.length()), Some(3));
/// # Ok::<(), biometal::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Index {
    records: Vec<IndexRecord>,
    by_name: HashMap<Vec<u8>, usize>,
}

impl Index {
    /// An index of `records` (a repeated name keeps its first record).
    pub fn new(records: Vec<IndexRecord>) -> Self {
        let mut index = Index::default();
        for record in records {
            index.push(record);
        }
        index
    }

    fn push(&mut self, record: IndexRecord) {
        if !self.by_name.contains_key(&record.name) {
            self.by_name.insert(record.name.clone(), self.records.len());
            self.records.push(record);
        }
    }

    /// The records, in file order.
    pub fn records(&self) -> &[IndexRecord] {
        &self.records
    }

    /// The record named `name`.
    pub fn get(&self, name: &[u8]) -> Option<&IndexRecord> {
        self.by_name.get(name).and_then(|&i| self.records.get(i))
    }

    /// Indexes a FASTA file read from `reader` (uncompressed bytes: the
    /// offsets are offsets in this byte stream).
    pub fn build<R: BufRead>(mut reader: R) -> Result<Index> {
        let mut builder = Builder::default();
        loop {
            let chunk = match reader.fill_buf() {
                Ok(chunk) => chunk,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(Error::io(Format::Fasta, e)),
            };
            if chunk.is_empty() {
                break;
            }
            let len = chunk.len();
            let mut rest = chunk;
            while let Some(i) = memchr::memchr(b'\n', rest) {
                builder.feed(&rest[..i])?;
                builder.end_line(true)?;
                rest = &rest[i + 1..];
            }
            builder.feed(rest)?;
            reader.consume(len);
        }
        if builder.line_bytes > 0 {
            builder.end_line(false)?;
        }
        builder.finish_record();
        Ok(builder.index)
    }

    /// Reads a `.fai` file.
    pub fn read<R: BufRead>(reader: R) -> Result<Index> {
        let mut index = Index::default();
        for (i, line) in reader.split(b'\n').enumerate() {
            let line = line.map_err(|e| Error::io(Format::Fai, e))?;
            let line_number = i as u64 + 1;
            let line = line.strip_suffix(b"\r").unwrap_or(&line);
            if line.is_empty() {
                continue;
            }
            let fields: Vec<&[u8]> = line.split(|&b| b == b'\t').collect();
            let [name, length, offset, line_bases, line_width] = fields[..] else {
                return Err(Error::invalid_data(
                    Format::Fai,
                    format!("expected 5 tab-separated fields, found {}", fields.len()),
                )
                .at_line(line_number));
            };
            let number = |field: &[u8], what: &str| -> Result<u64> {
                std::str::from_utf8(field)
                    .ok()
                    .and_then(|text| text.parse().ok())
                    .ok_or_else(|| {
                        Error::invalid_data(
                            Format::Fai,
                            format!(
                                "{what} '{}' is not a number",
                                String::from_utf8_lossy(field)
                            ),
                        )
                        .at_line(line_number)
                    })
            };
            let record = IndexRecord::new(
                name,
                number(length, "length")?,
                number(offset, "offset")?,
                number(line_bases, "bases per line")?,
                number(line_width, "bytes per line")?,
            );
            if record.length > 0
                && (record.line_bases == 0 || record.line_width < record.line_bases)
            {
                return Err(Error::invalid_data(
                    Format::Fai,
                    format!(
                        "{} bases per line in lines of {} bytes",
                        record.line_bases, record.line_width
                    ),
                )
                .at_line(line_number)
                .with_name(String::from_utf8_lossy(name)));
            }
            index.push(record);
        }
        Ok(index)
    }

    /// Writes the index as a `.fai` file.
    pub fn write<W: Write>(&self, mut writer: W) -> Result<()> {
        for record in &self.records {
            writer
                .write_all(&record.name)
                .and_then(|()| {
                    writeln!(
                        writer,
                        "\t{}\t{}\t{}\t{}",
                        record.length, record.offset, record.line_bases, record.line_width
                    )
                })
                .map_err(|e| Error::io(Format::Fai, e))?;
        }
        Ok(())
    }
}

/// The state of [`Index::build`] between lines.
#[derive(Default)]
struct Builder {
    index: Index,
    /// Offset of the current line's first byte.
    line_start: u64,
    line_number: u64,
    line_bytes: u64,
    line_bases: u64,
    first_byte: Option<u8>,
    header: Vec<u8>,
    current: Option<Current>,
}

struct Current {
    record: IndexRecord,
    sequence_lines: u64,
    /// A line shorter (or differently terminated) than the first was seen,
    /// so it must have been the last.
    irregular_line: Option<u64>,
    blank_line_seen: bool,
}

impl Builder {
    fn feed(&mut self, bytes: &[u8]) -> Result<()> {
        if bytes.is_empty() {
            return Ok(());
        }
        if self.first_byte.is_none() {
            self.first_byte = bytes.first().copied();
        }
        self.line_bytes += bytes.len() as u64;
        if self.first_byte == Some(b'>') {
            if self.header.len() + bytes.len() > MAX_HEADER_SIZE {
                return Err(Error::limit_exceeded(
                    Format::Fasta,
                    "header line size (bytes)",
                    (self.header.len() + bytes.len()) as u64,
                    MAX_HEADER_SIZE as u64,
                )
                .at_line(self.line_number + 1));
            }
            self.header.extend_from_slice(bytes);
        } else {
            // htslib counts printable, non-space bytes as bases.
            self.line_bases += bytes.iter().filter(|&&b| b > b' ' && b < 0x7f).count() as u64;
        }
        Ok(())
    }

    fn end_line(&mut self, has_newline: bool) -> Result<()> {
        self.line_number += 1;
        // A last line without newline counts as if it had one, as in htslib.
        let width = self.line_bytes + 1;
        let next_line_start = self.line_start + self.line_bytes + u64::from(has_newline);
        if self.first_byte == Some(b'>') {
            self.finish_record();
            let text = self.header.get(1..).unwrap_or_default();
            let name: &[u8] = text
                .split(|b| b.is_ascii_whitespace())
                .find(|part| !part.is_empty())
                .unwrap_or_default();
            self.current = Some(Current {
                record: IndexRecord::new(name, 0, next_line_start, 0, 0),
                sequence_lines: 0,
                irregular_line: None,
                blank_line_seen: false,
            });
            self.header.clear();
        } else if let Some(current) = &mut self.current {
            let bases = self.line_bases;
            let record = &mut current.record;
            if bases == 0 {
                current.blank_line_seen = true;
            } else if current.blank_line_seen || current.irregular_line.is_some() {
                let message = if current.blank_line_seen {
                    "sequence line after a blank line".to_owned()
                } else {
                    format!(
                        "different line length in sequence (line {} is not the last)",
                        current.irregular_line.unwrap_or_default()
                    )
                };
                return Err(Error::invalid_data(Format::Fai, message)
                    .at_line(self.line_number)
                    .at_byte_offset(self.line_start)
                    .with_name(String::from_utf8_lossy(&record.name)));
            } else {
                if current.sequence_lines == 0 {
                    record.line_bases = bases;
                    record.line_width = width;
                } else if bases > record.line_bases {
                    return Err(Error::invalid_data(
                        Format::Fai,
                        format!(
                            "different line length in sequence: {bases} bases after lines of {}",
                            record.line_bases
                        ),
                    )
                    .at_line(self.line_number)
                    .at_byte_offset(self.line_start)
                    .with_name(String::from_utf8_lossy(&record.name)));
                }
                if bases != record.line_bases || width != record.line_width {
                    current.irregular_line = Some(self.line_number);
                }
                current.sequence_lines += 1;
                record.length += bases;
            }
        } else if self.line_bases > 0 {
            return Err(Error::invalid_data(
                Format::Fai,
                "expected a '>' header line before the first sequence line",
            )
            .at_line(self.line_number)
            .at_byte_offset(self.line_start));
        }
        self.line_start = next_line_start;
        self.line_bytes = 0;
        self.line_bases = 0;
        self.first_byte = None;
        Ok(())
    }

    fn finish_record(&mut self) {
        if let Some(current) = self.current.take() {
            if current.record.length > 0 {
                self.index.push(current.record);
            }
        }
    }
}
