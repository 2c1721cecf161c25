//! FASTA records: the borrowed [`RecordRef`] and the owned [`Record`].

use std::fmt;

/// Splits a header (after `>`) at its first space or tab.
#[inline]
pub(crate) fn split_header(header: &[u8]) -> (&[u8], Option<&[u8]>) {
    match memchr::memchr2(b' ', b'\t', header) {
        Some(i) => (&header[..i], Some(&header[i + 1..])),
        None => (header, None),
    }
}

/// A FASTA record borrowed from a [`Reader`](super::Reader).
///
/// The sequence is borrowed from the reader's buffer when the record has
/// one sequence line, and from the reader's reusable join buffer when it is
/// wrapped over several: no allocation either way. Case is kept as written.
///
/// ```
/// use biometal::formats::fasta::Reader;
///
/// let mut reader = Reader::new(&b">chr1 human\nACGT\nacg\n"[..]);
/// let record = reader.next_record().unwrap()?;
/// assert_eq!(record.name(), b"chr1");
/// assert_eq!(record.description(), Some(&b"human"[..]));
/// assert_eq!(record.sequence(), b"ACGTacg");
/// # Ok::<(), biometal::Error>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct RecordRef<'a> {
    pub(crate) raw: &'a [u8],
    pub(crate) header: &'a [u8],
    pub(crate) sequence: &'a [u8],
}

impl<'a> RecordRef<'a> {
    /// The header line after `>`.
    pub fn header(&self) -> &'a [u8] {
        self.header
    }

    /// The name: the header up to its first space or tab.
    pub fn name(&self) -> &'a [u8] {
        split_header(self.header).0
    }

    /// The header after its first space or tab, if any.
    pub fn description(&self) -> Option<&'a [u8]> {
        split_header(self.header).1
    }

    /// The bases, with line breaks removed.
    pub fn sequence(&self) -> &'a [u8] {
        self.sequence
    }

    /// The number of bases.
    pub fn len(&self) -> usize {
        self.sequence.len()
    }

    /// Whether the record has no bases.
    pub fn is_empty(&self) -> bool {
        self.sequence.is_empty()
    }

    /// The record's bytes exactly as read, line breaks included.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.raw
    }

    /// Copies the record into a new owned [`Record`] (allocates).
    #[allow(clippy::wrong_self_convention)]
    pub fn to_owned(&self) -> Record {
        Record::new(self.header, self.sequence)
    }
}

impl fmt::Debug for RecordRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordRef")
            .field("header", &String::from_utf8_lossy(self.header))
            .field("len", &self.sequence.len())
            .finish()
    }
}

/// An owned FASTA record.
///
/// ```
/// use biometal::formats::fasta::Record;
///
/// let record = Record::new(b"chrM mito", b"GATC");
/// assert_eq!(record.name(), b"chrM");
/// assert_eq!(record.sequence(), b"GATC");
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Record {
    header: Vec<u8>,
    sequence: Vec<u8>,
}

impl Record {
    /// A record from its header (after `>`) and bases.
    pub fn new(header: &[u8], sequence: &[u8]) -> Self {
        Record {
            header: header.to_vec(),
            sequence: sequence.to_vec(),
        }
    }

    /// Overwrites this record with `record`, reusing the buffers.
    pub fn set_from(&mut self, record: &RecordRef<'_>) {
        self.header.clear();
        self.header.extend_from_slice(record.header);
        self.sequence.clear();
        self.sequence.extend_from_slice(record.sequence);
    }

    /// The header after `>`.
    pub fn header(&self) -> &[u8] {
        &self.header
    }

    /// The name: the header up to its first space or tab.
    pub fn name(&self) -> &[u8] {
        split_header(&self.header).0
    }

    /// The header after its first space or tab, if any.
    pub fn description(&self) -> Option<&[u8]> {
        split_header(&self.header).1
    }

    /// The bases.
    pub fn sequence(&self) -> &[u8] {
        &self.sequence
    }

    /// The bases, for editing.
    pub fn sequence_mut(&mut self) -> &mut Vec<u8> {
        &mut self.sequence
    }

    /// The number of bases.
    pub fn len(&self) -> usize {
        self.sequence.len()
    }

    /// Whether the record has no bases.
    pub fn is_empty(&self) -> bool {
        self.sequence.is_empty()
    }
}

impl fmt::Debug for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Record")
            .field("header", &String::from_utf8_lossy(&self.header))
            .field("len", &self.sequence.len())
            .finish()
    }
}
