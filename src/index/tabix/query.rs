//! Region queries: the lines of a bgzipped file overlapping a region,
//! read through a tabix index's chunks, filtered as tabix filters them.

use super::{read_line, TabixConfig, TabixIndex};
use crate::bgzf::VirtualPosition;
use crate::formats::bam::VirtualPositioned;
use crate::index::Chunk;
use crate::region::{Interval, Region};
use crate::{Error, Format, Result};

/// The lines overlapping a region (see [`query()`]).
pub struct Query<'r, R> {
    reader: &'r mut R,
    config: TabixConfig,
    name: Vec<u8>,
    chunks: Vec<Chunk>,
    next_chunk: usize,
    current_end: Option<VirtualPosition>,
    start: u64,
    end: u64,
    done: bool,
    line: Vec<u8>,
    format: Format,
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
        chunks: index.chunks(region),
        next_chunk: 0,
        current_end: None,
        start: interval.start(),
        end: interval.end(),
        done: false,
        line: Vec::new(),
        format,
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
                    self.reader.seek_virtual(chunk.start)?;
                }
                self.current_end = Some(chunk.end);
                continue;
            }
            if !read_line(self.reader, &mut self.line)? {
                self.done = true;
                let end = self.current_end.unwrap_or_default();
                return Err(Error::invalid_data(
                    self.format,
                    format!("index chunk ending at {end} points past the end of the data"),
                )
                .at_virtual_position(position));
            }
            if self.config.is_header_line(&self.line) {
                continue;
            }
            let (name, interval) = self
                .config
                .parse_line(&self.line)
                .map_err(|e| e.at_virtual_position(position))?;
            if name != self.name.as_slice() || interval.start() >= self.end {
                // Sorted input: past the region (chunks never start on
                // another sequence's lines).
                self.done = true;
                break;
            }
            if interval.end() > self.start {
                return Ok(Some(Line {
                    bytes: &self.line,
                    virtual_position: position,
                    interval,
                }));
            }
        }
        Ok(None)
    }
}
