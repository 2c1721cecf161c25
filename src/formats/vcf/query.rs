//! Region queries on bgzipped VCF through a tabix index (TBI or CSI).

use super::record::{Bounds, RecordRef};
use super::Reader;
use crate::formats::bam::VirtualPositioned;
use crate::index::tabix::{self, TabixIndex};
use crate::region::Region;
use crate::Result;

/// The records overlapping a region (see [`Reader::query`]).
pub struct Query<'r, R> {
    lines: tabix::Query<'r, R>,
}

impl<R: VirtualPositioned> Query<'_, R> {
    /// The next record overlapping the region (by its REF span, or INFO
    /// `END`, as tabix and bcftools compute it); `None` when done.
    ///
    /// # Errors
    ///
    /// Read errors, a line that is not a VCF record (with its virtual
    /// position), an index chunk pointing past the data.
    pub fn next_record(&mut self) -> Result<Option<RecordRef<'_>>> {
        let Some(line) = self.lines.next_line()? else {
            return Ok(None);
        };
        let bytes = line.bytes();
        let bounds =
            Bounds::locate(bytes, 0).map_err(|e| e.at_virtual_position(line.virtual_position()))?;
        Ok(Some(RecordRef {
            line: bytes,
            bounds,
        }))
    }
}

impl<R: std::io::Read + VirtualPositioned> Reader<R> {
    /// The records of bgzipped VCF overlapping `region`, through `index`
    /// (found beside the file by [`tabix::load_for`], in htslib's order:
    /// `FILE.csi`, then `FILE.tbi`; see [`tabix::candidate_paths`]). Reads the header first if needed. A query moves the
    /// underlying reader: sequential reading ends (later
    /// [`Reader::next_record`] calls return `None`); queries may follow
    /// each other.
    ///
    /// ```no_run
    /// use biometal::formats::vcf::Reader;
    /// use biometal::index::tabix;
    ///
    /// let mut reader = Reader::from_path("calls.vcf.gz")?;
    /// let index = tabix::load_for("calls.vcf.gz")?;
    /// let region = index.parse_region("chr1:10,000-20,000")?;
    /// let mut query = reader.query(&index, &region)?;
    /// while let Some(record) = query.next_record()? {
    ///     println!("{}", record.position()?);
    /// }
    /// # Ok::<(), biometal::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// When the input is not BGZF, or the header cannot be read.
    pub fn query<'r>(&'r mut self, index: &TabixIndex, region: &Region) -> Result<Query<'r, R>> {
        self.read_header()?;
        self.end_sequential_reading();
        Ok(Query {
            lines: tabix::query(self.get_mut(), index, region)?,
        })
    }
}
