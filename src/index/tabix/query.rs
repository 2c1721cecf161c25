//! Region queries: the lines of a bgzipped file overlapping a region,
//! read through a tabix index's chunks, filtered as tabix filters them.

use super::{read_line, TabixConfig, TabixIndex};
use crate::bgzf::VirtualPosition;
use crate::formats::bam::VirtualPositioned;
use crate::index::query::{ChunkCursor, ChunkWalk, Step};
use crate::region::{Interval, Region};
use crate::{Error, Format, Result};

/// The lines overlapping a region (see [`query()`]).
pub struct Query<'r, R> {
    reader: &'r mut R,
    config: TabixConfig,
    name: Vec<u8>,
    walk: ChunkWalk,
    start: u64,
    end: u64,
    line: Vec<u8>,
    /// The virtual position and interval of the line in `line`.
    found: (VirtualPosition, Interval),
}

/// Bgzipped text read line by line: the reader a tabix walk positions.
struct Lines<'a, R>(&'a mut R);

impl<R: VirtualPositioned> ChunkCursor for Lines<'_, R> {
    fn position(&mut self) -> VirtualPosition {
        self.0.virtual_position().unwrap_or_default()
    }
    fn seek_to(&mut self, position: VirtualPosition) -> Result<()> {
        self.0.seek_virtual(position)
    }
}

/// One line of a query: its bytes (without the line end), where it starts
/// in the file, and its interval under the index's configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line<'a> {
    bytes: &'a [u8],
    virtual_position: VirtualPosition,
    interval: Interval,
}

impl<'a> Line<'a> {
    /// The line, without `\n` (or `\r\n`).
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The virtual position of the line's first byte.
    pub fn virtual_position(&self) -> VirtualPosition {
        self.virtual_position
    }

    /// The line's 0-based half-open interval (VCF: POS − 1 to the end
    /// tabix computes from REF or INFO `END`).
    pub fn interval(&self) -> Interval {
        self.interval
    }
}

/// The lines of the bgzipped `reader` (positioned anywhere) that overlap
/// `region`, in file order, exactly those `tabix FILE REGION` prints: on
/// the region's sequence, beginning before the region's end and ending
/// after its start (an empty feature `[x, x)` matches when
/// `start < x < end`, as in tabix). A sequence the index does not name has
/// no lines.
///
/// ```no_run
/// use biometal::index::tabix;
///
/// let index = tabix::load_for("calls.vcf.gz")?;
/// let region = index.parse_region("chr2:1,000,000-1,100,000")?;
/// let mut reader = biometal::io::open("calls.vcf.gz")?;
/// let mut query = tabix::query(&mut reader, &index, &region)?;
/// while let Some(line) = query.next_line()? {
///     // parse line.bytes() as a VCF record
///     let _ = (line.bytes(), line.virtual_position(), line.interval());
/// }
/// # Ok::<(), biometal::Error>(())
/// ```
///
/// # Errors
///
/// [`ErrorKind::Unsupported`](crate::ErrorKind::Unsupported) when the
/// reader is not BGZF-compressed.
pub fn query<'r, R: VirtualPositioned>(
    reader: &'r mut R,
    index: &TabixIndex,
    region: &Region,
) -> Result<Query<'r, R>> {
    let format = if index.is_csi() {
        Format::Csi
    } else {
        Format::Tbi
    };
    if reader.virtual_position().is_none() {
        return Err(Error::unsupported(
            format,
            "tabix queries need BGZF-compressed input (compress with bgzip)",
        ));
    }
    let interval = region.interval();
    Ok(Query {
        reader,
        config: *index.config(),
        name: region.name().as_bytes().to_vec(),
        walk: ChunkWalk::new(index.chunks(region), format, "data"),
        start: interval.start(),
        end: interval.end(),
        line: Vec::new(),
        found: (VirtualPosition::default(), interval),
    })
}

impl<R: VirtualPositioned> Query<'_, R> {
    /// The next overlapping line; `None` when the query is exhausted.
    ///
    /// # Errors
    ///
    /// Read errors; a data line that does not parse under the index's
    /// configuration (with its virtual position); an index chunk pointing
    /// past the end of the data.
    pub fn next_line(&mut self) -> Result<Option<Line<'_>>> {
        let (line, found, config) = (&mut self.line, &mut self.found, &self.config);
        let (name, start, end) = (self.name.as_slice(), self.start, self.end);
        let matched = self
            .walk
            .next(&mut Lines(&mut *self.reader), |lines, position| {
                if !read_line(lines.0, line)? {
                    return Ok(Step::End);
                }
                if config.is_header_line(line) {
                    return Ok(Step::Skip);
                }
                let (line_name, interval) = config
                    .parse_line(line)
                    .map_err(|e| e.at_virtual_position(position))?;
                if line_name != name {
                    // Sorted input: past the region (chunks never start on
                    // another sequence's lines).
                    return Ok(Step::Past);
                }
                let step = Step::for_span(interval.start(), interval.end(), start, end);
                if let Step::Match = step {
                    *found = (position, interval);
                }
                Ok(step)
            })?;
        Ok(matched.then_some(Line {
            bytes: &self.line,
            virtual_position: self.found.0,
            interval: self.found.1,
        }))
    }
}
