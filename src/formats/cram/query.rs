//! Region queries through a CRAI: the reader seeks to each container the
//! index names for the region, decodes only the slices listed, and yields
//! the records `samtools view FILE.cram REGION` prints.

use std::io::{Read, Seek};

use super::crai::{Entry, Index};
use super::reader::{Container, Reader};
use super::slice::{Overlap, SliceDecoder};
use crate::formats::sam::record::{Record, RecordRef};
use crate::region::{Position, Region};
use crate::{Error, ErrorKind, Format, Result};

/// Which records a [`Query`] yields.
#[derive(Debug, Clone, Copy)]
enum Filter {
    /// Records on `reference_id` whose 1-based span meets `start..=end`.
    Overlapping {
        reference_id: usize,
        start: u64,
        end: u64,
    },
    /// Records without a reference (`*`).
    Unmapped,
}

impl Filter {
    /// What the slice decoder lays out: only overlapping records for a
    /// region (the others are decoded just enough to keep the data series
    /// in step), every record of the unmapped slices.
    fn overlap(&self) -> Option<Overlap> {
        match *self {
            Filter::Unmapped => None,
            Filter::Overlapping {
                reference_id,
                start,
                end,
            } => Some(Overlap {
                reference_id: i32::try_from(reference_id).unwrap_or(i32::MAX),
                start: i64::try_from(start).unwrap_or(i64::MAX),
                end: i64::try_from(end).unwrap_or(i64::MAX),
            }),
        }
    }

    fn accepts(&self, record: RecordRef<'_>) -> bool {
        match *self {
            Filter::Unmapped => record.reference_id().is_none(),
            Filter::Overlapping {
                reference_id,
                start,
                end,
            } => {
                // htslib compares the record's start and its alignment end
                // (the start for unmapped reads placed beside their mate).
                record.reference_id() == Some(reference_id)
                    && record.alignment_start().is_some_and(|p| p.get() <= end)
                    && record.alignment_end().is_some_and(|p| p.get() >= start)
            }
        }
    }
}

/// A slice to decode: where the index puts it, and the index line saying
/// so (1-based).
#[derive(Debug, Clone, Copy)]
struct Target {
    container_offset: u64,
    slice_offset: u64,
    line: u64,
}

/// Records of one region (or the unmapped records) of a CRAM file, read
/// through its CRAI; made by [`Reader::query`] and
/// [`Reader::query_unmapped`].
pub struct Query<'r, R> {
    reader: &'r mut Reader<R>,
    filter: Filter,
    targets: Vec<Target>,
    next_target: usize,
    container: Option<Container>,
    decoder: SliceDecoder,
    records: Vec<Record>,
    record_count: usize,
    next_record: usize,
}

fn targets(index: &Index, wanted: impl Fn(&Entry) -> bool) -> Vec<Target> {
    let mut targets: Vec<Target> = index
        .entries()
        .iter()
        .zip(1u64..)
        .filter(|(entry, _)| wanted(entry))
        .map(|(entry, line)| Target {
            container_offset: entry.container_offset,
            slice_offset: entry.slice_offset,
            line,
        })
        .collect();
    // File order; a multi-reference slice listed twice is read once.
    targets.sort_by_key(|t| (t.container_offset, t.slice_offset, t.line));
    targets.dedup_by_key(|t| (t.container_offset, t.slice_offset));
    targets
}

impl<R: Read + Seek> Reader<R> {
    /// The records overlapping `region`, exactly those `samtools view
    /// FILE.cram REGION` prints: on the region's reference, starting at or
    /// before its end, and ending (by the CIGAR; unmapped reads placed
    /// beside their mate cover their one position) at or after its start,
    /// in file order. Only the slices `index` lists for the region are
    /// decoded. Call [`Reader::read_header`] first; afterwards sequential
    /// reading resumes after the last container the query read.
    ///
    /// ```no_run
    /// use biometal::formats::cram::{crai, Reader, ReferenceSource};
    ///
    /// let mut reader = Reader::from_path("reads.cram", ReferenceSource::from_fasta_path("ref.fa")?)?;
    /// reader.read_header()?;
    /// let index = crai::Index::read_from_path("reads.cram.crai")?;
    /// let mut query = reader.query(&index, &"chr1:10,000-20,000".parse()?)?;
    /// while let Some(record) = query.next_record()? {
    ///     println!("{}", String::from_utf8_lossy(record.name()));
    /// }
    /// # Ok::<(), biometal::Error>(())
    /// ```
    ///
    /// # Errors
    /// A reference the header does not name
    /// ([`ErrorKind::NotFound`]); [`Reader::read_header`] not called.
    pub fn query(&mut self, index: &Index, region: &Region) -> Result<Query<'_, R>> {
        let reference_id = self
            .context()?
            .header
            .reference_id(region.name())
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::NotFound,
                    Format::Region,
                    format!("reference {:?} is not in the header", region.name()),
                )
            })?;
        let interval = region.interval();
        let (start, end) = (
            Position::from_zero_based(interval.start()).get(),
            interval.end(),
        );
        let targets = if start <= end {
            targets(index, |entry| entry.overlaps(reference_id, start, end))
        } else {
            Vec::new()
        };
        let filter = Filter::Overlapping {
            reference_id,
            start,
            end,
        };
        Ok(self.query_targets(filter, targets))
    }

    /// The records without a reference, as `samtools view FILE.cram '*'`
    /// prints them: those of the slices `index` lists as unmapped (`-1`).
    ///
    /// # Errors
    /// [`Reader::read_header`] not called.
    pub fn query_unmapped(&mut self, index: &Index) -> Result<Query<'_, R>> {
        self.context()?;
        let targets = targets(index, |entry| entry.reference_id.is_none());
        Ok(self.query_targets(Filter::Unmapped, targets))
    }

    fn query_targets(&mut self, filter: Filter, targets: Vec<Target>) -> Query<'_, R> {
        let (decoder, records) = self.lend_buffers();
        Query {
            reader: self,
            filter,
            targets,
            next_target: 0,
            container: None,
            decoder,
            records,
            record_count: 0,
            next_record: 0,
        }
    }
}

impl<R> Drop for Query<'_, R> {
    fn drop(&mut self) {
        let decoder = std::mem::take(&mut self.decoder);
        let records = std::mem::take(&mut self.records);
        self.reader.return_buffers(decoder, records);
    }
}

/// An error met while following index line `line`.
fn at_index_line(line: u64, error: Error) -> Error {
    let message = format!("following CRAI line {line}: {}", error.message());
    Error::new(error.kind(), Format::Cram, message).with_location(error.location().clone())
}

/// A read that found the file's end right at `offset` says so plainly.
fn past_the_end(error: Error, offset: u64) -> Error {
    if error.kind() == ErrorKind::MissingEofMarker && error.location().byte_offset() == Some(offset)
    {
        return Error::invalid_data(
            Format::Crai,
            format!("container offset {offset} is at or past the end of the CRAM file"),
        )
        .at_byte_offset(offset);
    }
    error
}

impl<R: Read + Seek> Query<'_, R> {
    /// The next matching record; `None` when the query is exhausted.
    ///
    /// # Errors
    /// An index line pointing outside the file, at something that is not a
    /// container, or at an offset that is not one of the container's
    /// slices (naming the line); decoding errors.
    pub fn next_record(&mut self) -> Result<Option<RecordRef<'_>>> {
        loop {
            while self.next_record < self.record_count {
                let index = self.next_record;
                self.next_record += 1;
                if self.filter.accepts(self.records[index].as_ref()) {
                    return Ok(Some(self.records[index].as_ref()));
                }
            }
            let Some(target) = self.targets.get(self.next_target).copied() else {
                return Ok(None);
            };
            self.next_target += 1;
            self.record_count = 0;
            self.next_record = 0;
            self.record_count = self
                .decode(target)
                .map_err(|e| at_index_line(target.line, e))?;
        }
    }

    /// Reads the container `target` names (unless it is the one at hand)
    /// and decodes the slice.
    fn decode(&mut self, target: Target) -> Result<usize> {
        let container = match self.container.take() {
            Some(container) if container.offset() == target.container_offset => container,
            other => {
                let body = other.map(Container::into_body).unwrap_or_default();
                self.reader
                    .read_container_at(target.container_offset, body)
                    .map_err(|e| past_the_end(e, target.container_offset))?
                    .filter(|c| c.offset() == target.container_offset)
                    .ok_or_else(|| {
                        Error::invalid_data(
                            Format::Crai,
                            format!(
                                "no container with slices at byte {}",
                                target.container_offset
                            ),
                        )
                        .at_byte_offset(target.container_offset)
                    })?
            }
        };
        let slice = container
            .landmarks()
            .iter()
            .position(|&landmark| landmark as u64 == target.slice_offset);
        let result = match slice {
            Some(slice) => container.decode_slice(
                slice,
                self.reader.context()?,
                &mut self.decoder,
                &mut self.records,
                self.filter.overlap(),
                true,
            ),
            None => Err(Error::invalid_data(
                Format::Crai,
                format!(
                    "slice offset {} is not one of the landmarks {:?} of the container at byte {}",
                    target.slice_offset,
                    container.landmarks(),
                    target.container_offset
                ),
            )),
        };
        self.container = Some(container);
        result
    }
}
