//! Region queries of BGZF-compressed BCF through its CSI index.

use super::{Reader, Record, RecordRef};
use crate::bgzf::VirtualPosition;
use crate::formats::bam::VirtualPositioned;
use crate::formats::vcf::Header;
use crate::index::{query::chunks_for, Chunk, Index};
use crate::region::Region;
use crate::{Error, ErrorKind, Format, Result};

/// The records of one region, read through the index's chunks: exactly
/// those `bcftools view FILE REGION` prints, the records whose reference
/// span (POS to POS + rlen − 1) overlaps the region.
pub struct Query<'r, R> {
    reader: &'r mut Reader<R>,
    chunks: Vec<Chunk>,
    next_chunk: usize,
    current_end: Option<VirtualPosition>,
    reference_id: usize,
    start: u64,
    end: u64,
    done: bool,
    record: Record,
}

impl<R: VirtualPositioned> Reader<R> {
    /// The records overlapping `region` (names as in `header`, the header
    /// this reader read), through `index` (the file's CSI).
    ///
    /// ```no_run
    /// use biometal::formats::bcf;
    /// use biometal::region::Region;
    ///
    /// let mut reader = bcf::Reader::from_path("calls.bcf")?;
    /// let header = reader.read_header()?;
    /// let index = biometal::index::load_for("calls.bcf")?; // calls.bcf.csi
    /// let region: Region = "chr1:10,000-20,000".parse()?;
    /// let mut query = reader.query(&header, &index, &region)?;
    /// while let Some(record) = query.next_record()? {
    ///     println!("{:?}", record.position());
    /// }
    /// # Ok::<(), biometal::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// A contig the header does not know.
    pub fn query<'r>(
        &'r mut self,
        header: &Header,
        index: &Index,
        region: &Region,
    ) -> Result<Query<'r, R>> {
        let reference_id = header.contig_index(region.name()).ok_or_else(|| {
            Error::new(
                ErrorKind::NotFound,
                Format::Region,
                format!("contig {:?} is not in the header", region.name()),
            )
        })?;
        let interval = region.interval();
        let (start, end) = (interval.start(), interval.end());
        let chunks = if start < end {
            chunks_for(index, reference_id, start, end)
        } else {
            Vec::new()
        };
        Ok(Query {
            reader: self,
            chunks,
            next_chunk: 0,
            current_end: None,
            reference_id,
            start,
            end,
            done: false,
            record: Record::default(),
        })
    }
}

impl<R: VirtualPositioned> Query<'_, R> {
    /// The next record overlapping the region; `None` when the query is
    /// exhausted.
    ///
    /// # Errors
    ///
    /// Read errors; an index chunk pointing past the end of the data.
    pub fn next_record(&mut self) -> Result<Option<RecordRef<'_>>> {
        while !self.done {
            let position = self.reader.virtual_position().unwrap_or_default();
            let in_chunk = self.current_end.is_some_and(|end| position < end);
            if !in_chunk {
                let Some(chunk) = self.chunks.get(self.next_chunk).copied() else {
                    self.done = true;
                    break;
                };
                self.next_chunk += 1;
                if position != chunk.start {
                    self.reader.seek(chunk.start)?;
                }
                self.current_end = Some(chunk.end);
                continue;
            }
            if !self.reader.read_record(&mut self.record)? {
                self.done = true;
                let end = self.current_end.unwrap_or_default();
                return Err(Error::invalid_data(
                    Format::Csi,
                    format!("index chunk ending at {end} points past the end of the BCF data"),
                )
                .at_virtual_position(position));
            }
            let record = self.record.as_ref();
            if record.reference_id() != self.reference_id {
                if record.reference_id() > self.reference_id {
                    self.done = true;
                }
                continue;
            }
            let start = record.position_zero_based().max(0) as u64;
            if start >= self.end {
                self.done = true;
                break;
            }
            let end = start + record.reference_length().max(1);
            if end > self.start {
                return Ok(Some(self.record.as_ref()));
            }
        }
        Ok(None)
    }
}
