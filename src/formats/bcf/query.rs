//! Region queries of BGZF-compressed BCF through its CSI index.

use super::{Reader, Record, RecordRef};
use crate::bgzf::VirtualPosition;
use crate::formats::bam::VirtualPositioned;
use crate::formats::vcf::Header;
use crate::index::query::{chunks_for, ChunkCursor, ChunkWalk, Step};
use crate::index::Index;
use crate::region::Region;
use crate::{Error, ErrorKind, Format, Result};

/// The records of one region, read through the index's chunks: exactly
/// those `bcftools view FILE REGION` prints, the records whose reference
/// span (POS to POS + rlen − 1) overlaps the region.
pub struct Query<'r, R> {
    reader: &'r mut Reader<R>,
    walk: ChunkWalk,
    reference_id: usize,
    start: u64,
    end: u64,
    record: Record,
}

impl<R: VirtualPositioned> ChunkCursor for Reader<R> {
    fn position(&mut self) -> VirtualPosition {
        self.virtual_position().unwrap_or_default()
    }
    fn seek_to(&mut self, position: VirtualPosition) -> Result<()> {
        self.seek(position)
    }
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
            walk: ChunkWalk::new(chunks, Format::Csi, "BCF data"),
            reference_id,
            start,
            end,
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
        let (record, reference_id) = (&mut self.record, self.reference_id);
        let (start, end) = (self.start, self.end);
        let found = self.walk.next(self.reader, |reader, _| {
            if !reader.read_record(record)? {
                return Ok(Step::End);
            }
            let record = record.as_ref();
            if record.reference_id() != reference_id {
                return Ok(if record.reference_id() > reference_id {
                    Step::Past
                } else {
                    Step::Skip
                });
            }
            let record_start = record.position_zero_based().max(0) as u64;
            let record_end = record_start + record.reference_length().max(1);
            Ok(Step::for_span(record_start, record_end, start, end))
        })?;
        Ok(found.then(|| self.record.as_ref()))
    }
}
