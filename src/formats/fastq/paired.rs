//! Paired-end reads: two files in step, or one interleaved file.

use std::io::Read;

use super::reader::Reader;
use super::record::Record;
use crate::{Error, Format, Result};

/// The name a mate shares with its partner: `name` without a trailing
/// `/1` or `/2` (the description after the first space is already gone).
///
/// ```
/// use biometal::formats::fastq::mate_name;
/// assert_eq!(mate_name(b"frag7/1"), b"frag7");
/// assert_eq!(mate_name(b"frag7"), b"frag7");
/// ```
pub fn mate_name(name: &[u8]) -> &[u8] {
    match name {
        [rest @ .., b'/', b'1' | b'2'] => rest,
        _ => name,
    }
}

/// Reads pairs of mates, from two files in step or from one interleaved
/// file (mates one after the other), checking that each pair's names agree
/// (ignoring `/1`, `/2` and everything after the first space or tab).
///
/// ```
/// use biometal::formats::fastq::{PairedReader, Reader, Record};
///
/// let r1 = Reader::new(&b"@f1/1 x\nAC\n+\nII\n"[..]);
/// let r2 = Reader::new(&b"@f1/2 y\nGT\n+\nII\n"[..]);
/// let mut pairs = PairedReader::new(r1, r2);
/// let (mut first, mut second) = (Record::default(), Record::default());
/// assert!(pairs.read_pair(&mut first, &mut second)?);
/// assert_eq!(second.sequence(), b"GT");
/// assert!(!pairs.read_pair(&mut first, &mut second)?);
///
/// let interleaved = Reader::new(&b"@f1/1\nAC\n+\nII\n@f2/2\nGT\n+\nII\n"[..]);
/// let error = PairedReader::interleaved(interleaved).read_pair(&mut first, &mut second).unwrap_err();
/// assert!(error.to_string().contains("'f1/1' and 'f2/2'"));
/// # Ok::<(), biometal::Error>(())
/// ```
pub struct PairedReader<R1, R2 = R1> {
    first: Reader<R1>,
    second: Option<Reader<R2>>,
    pairs_read: u64,
}

impl<R1: Read, R2: Read> PairedReader<R1, R2> {
    /// Pairs the records of two readers (`_1` and `_2` files).
    pub fn new(first: Reader<R1>, second: Reader<R2>) -> Self {
        PairedReader {
            first,
            second: Some(second),
            pairs_read: 0,
        }
    }

    /// The number of pairs read so far.
    pub fn pairs_read(&self) -> u64 {
        self.pairs_read
    }

    /// Reads the next pair into `first` and `second`, reusing their
    /// buffers; `false` at the end of input. A file ending before its
    /// partner, an interleaved file with an odd number of records, or mates
    /// whose names differ are [`ErrorKind::InvalidData`](crate::ErrorKind::InvalidData).
    pub fn read_pair(&mut self, first: &mut Record, second: &mut Record) -> Result<bool> {
        let pair = self.pairs_read + 1;
        let got_first = self.first.read_record(first)?;
        let got_second = match &mut self.second {
            Some(reader) => reader.read_record(second)?,
            None => self.first.read_record(second)?,
        };
        let what = if self.second.is_some() {
            ("the first file", "the second file")
        } else {
            ("the interleaved file", "its last record's mate")
        };
        match (got_first, got_second) {
            (false, false) => return Ok(false),
            (true, true) => {}
            (true, false) => {
                return Err(Error::invalid_data(
                    Format::Fastq,
                    format!("{} has a record with no mate in {}", what.0, what.1),
                )
                .at_record(pair)
                .with_name(String::from_utf8_lossy(first.name())))
            }
            (false, true) => {
                return Err(Error::invalid_data(
                    Format::Fastq,
                    "the second file has more records than the first",
                )
                .at_record(pair)
                .with_name(String::from_utf8_lossy(second.name())))
            }
        }
        if mate_name(first.name()) != mate_name(second.name()) {
            return Err(Error::invalid_data(
                Format::Fastq,
                format!(
                    "mate names differ: '{}' and '{}'",
                    String::from_utf8_lossy(first.name()),
                    String::from_utf8_lossy(second.name())
                ),
            )
            .at_record(pair));
        }
        self.pairs_read = pair;
        Ok(true)
    }
}

impl<R: Read> PairedReader<R, R> {
    /// Pairs consecutive records of one interleaved reader.
    pub fn interleaved(reader: Reader<R>) -> Self {
        PairedReader {
            first: reader,
            second: None,
            pairs_read: 0,
        }
    }
}
