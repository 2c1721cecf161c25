//! FASTQ records: the borrowed [`RecordRef`] (the hot path) and the owned,
//! reusable [`Record`].

use std::fmt;

/// Splits a header line (without `@`) at its first space or tab.
#[inline]
fn split_header(header: &[u8]) -> (&[u8], Option<&[u8]>) {
    match memchr::memchr2(b' ', b'\t', header) {
        Some(i) => (&header[..i], Some(&header[i + 1..])),
        None => (header, None),
    }
}

/// A FASTQ record borrowed from a reader's buffer (or a
/// [`RecordBatch`](super::RecordBatch)): no bytes are copied.
///
/// The sequence and quality have been checked to have equal lengths. For a
/// multi-line record they are the joined lines; [`as_bytes`](Self::as_bytes)
/// is always the record exactly as it appeared in the input.
///
/// ```
/// use biometal::formats::fastq::Reader;
///
/// let mut reader = Reader::new(&b"@r1 sample=A\nACGT\n+\nIIII\n"[..]);
/// let record = reader.next_record().unwrap()?;
/// assert_eq!(record.name(), b"r1");
/// assert_eq!(record.description(), Some(&b"sample=A"[..]));
/// assert_eq!(record.sequence(), b"ACGT");
/// assert_eq!(record.quality(), b"IIII");
/// assert_eq!(record.as_bytes(), b"@r1 sample=A\nACGT\n+\nIIII\n");
/// # Ok::<(), biometal::Error>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct RecordRef<'a> {
    pub(crate) raw: &'a [u8],
    pub(crate) header: &'a [u8],
    pub(crate) sequence: &'a [u8],
    pub(crate) separator: &'a [u8],
    pub(crate) quality: &'a [u8],
}

impl<'a> RecordRef<'a> {
    /// The whole header line after `@`: name and description.
    #[inline]
    pub fn header(&self) -> &'a [u8] {
        self.header
    }

    /// The read name: the header up to its first space or tab.
    #[inline]
    pub fn name(&self) -> &'a [u8] {
        split_header(self.header).0
    }

    /// The header after the first space or tab, if there is one.
    #[inline]
    pub fn description(&self) -> Option<&'a [u8]> {
        split_header(self.header).1
    }

    /// The bases, as written (case kept).
    #[inline]
    pub fn sequence(&self) -> &'a [u8] {
        self.sequence
    }

    /// What followed `+` on the separator line (usually empty, sometimes the
    /// header repeated).
    #[inline]
    pub fn separator(&self) -> &'a [u8] {
        self.separator
    }

    /// The quality string, one byte per base, as written (Phred+33 in
    /// modern files).
    #[inline]
    pub fn quality(&self) -> &'a [u8] {
        self.quality
    }

    /// The number of bases.
    #[inline]
    pub fn len(&self) -> usize {
        self.sequence.len()
    }

    /// Whether the record has no bases.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.sequence.is_empty()
    }

    /// The record's bytes exactly as read, line endings included (the last
    /// record of a file may lack its final newline).
    #[inline]
    pub fn as_bytes(&self) -> &'a [u8] {
        self.raw
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
            .field("header", &String::from_utf8_lossy(self.header))
            .field("sequence", &String::from_utf8_lossy(self.sequence))
            .field("quality", &String::from_utf8_lossy(self.quality))
            .finish()
    }
}

/// An owned FASTQ record whose buffers are reused by
/// [`Reader::read_record`](super::Reader::read_record).
///
/// ```
/// use biometal::formats::fastq::Record;
///
/// let record = Record::new(b"r1 lane=2", b"ACGT", b"IIII");
/// assert_eq!(record.name(), b"r1");
/// assert_eq!(record.description(), Some(&b"lane=2"[..]));
/// assert_eq!(record.len(), 4);
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Record {
    header: Vec<u8>,
    sequence: Vec<u8>,
    separator: Vec<u8>,
    quality: Vec<u8>,
}

impl Record {
    /// A record from a header (name, optionally a space and a
    /// description), bases and qualities; the separator line is a bare `+`.
    pub fn new(header: &[u8], sequence: &[u8], quality: &[u8]) -> Self {
        Record {
            header: header.to_vec(),
            sequence: sequence.to_vec(),
            separator: Vec::new(),
            quality: quality.to_vec(),
        }
    }

    /// Overwrites this record with a copy of `record`, reusing the buffers.
    pub fn set_from(&mut self, record: &RecordRef<'_>) {
        for (to, from) in [
            (&mut self.header, record.header),
            (&mut self.sequence, record.sequence),
            (&mut self.separator, record.separator),
            (&mut self.quality, record.quality),
        ] {
            to.clear();
            to.extend_from_slice(from);
        }
    }

    /// A borrowed view of this record, e.g. to pass to code written for
    /// [`RecordRef`]. Its [`as_bytes`](RecordRef::as_bytes) is empty, since
    /// an owned record keeps no raw copy; write it with
    /// [`Writer::write_record`](super::Writer::write_record).
    pub fn as_record_ref(&self) -> RecordRef<'_> {
        RecordRef {
            raw: &[],
            header: &self.header,
            sequence: &self.sequence,
            separator: &self.separator,
            quality: &self.quality,
        }
    }

    /// The whole header line after `@`.
    pub fn header(&self) -> &[u8] {
        &self.header
    }

    /// The header, for editing (e.g. renaming reads).
    pub fn header_mut(&mut self) -> &mut Vec<u8> {
        &mut self.header
    }

    /// The read name: the header up to its first space or tab.
    pub fn name(&self) -> &[u8] {
        split_header(&self.header).0
    }

    /// The header after the first space or tab, if there is one.
    pub fn description(&self) -> Option<&[u8]> {
        split_header(&self.header).1
    }

    /// The bases.
    pub fn sequence(&self) -> &[u8] {
        &self.sequence
    }

    /// The bases, for editing; keep the quality the same length.
    pub fn sequence_mut(&mut self) -> &mut Vec<u8> {
        &mut self.sequence
    }

    /// What followed `+` on the separator line.
    pub fn separator(&self) -> &[u8] {
        &self.separator
    }

    /// The quality string.
    pub fn quality(&self) -> &[u8] {
        &self.quality
    }

    /// The quality string, for editing; keep the sequence the same length.
    pub fn quality_mut(&mut self) -> &mut Vec<u8> {
        &mut self.quality
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
        fmt::Debug::fmt(&self.as_record_ref(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_splits_at_first_space_or_tab() {
        assert_eq!(split_header(b"r1"), (&b"r1"[..], None));
        assert_eq!(split_header(b"r1\tx y"), (&b"r1"[..], Some(&b"x y"[..])));
        assert_eq!(split_header(b"r1 "), (&b"r1"[..], Some(&b""[..])));
    }
}
