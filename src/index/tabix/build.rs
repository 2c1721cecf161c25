//! Building a tabix index (`.tbi` or `.csi`) from a bgzipped, sorted text
//! file, as `tabix -p …` (and `tabix -C`) do.

use std::collections::HashMap;
use std::path::Path;

use super::{read_line, Preset, TabixConfig, TabixIndex};
use crate::bgzf::VirtualPosition;
use crate::formats::bam::VirtualPositioned;
use crate::index::build::Indexer;
use crate::index::Kind;
use crate::region::Interval;
use crate::{Error, Format, Result};

/// The depth `tabix -C -m min_shift` uses: enough levels for 2^31
/// positions, more when `max_length` (from VCF `##contig` or SAM `@SQ`
/// header lines) needs them.
///
/// ```
/// use biometal::index::tabix::csi_depth;
///
/// assert_eq!(csi_depth(14, 0), 6);
/// assert_eq!(csi_depth(14, 5_000_000_000), 7);
/// ```
pub fn csi_depth(min_shift: u32, max_length: u64) -> u32 {
    let mut depth = (33u32.saturating_sub(min_shift)) / 3;
    let target = max_length.saturating_add(256);
    while depth < 9 && target > 1u64 << (min_shift + 3 * depth).min(63) {
        depth += 1;
    }
    depth
}

/// Collects lines (or intervals) with their virtual positions into a
/// [`TabixIndex`], checking that the input is sorted: each sequence's
/// lines together, begins ascending within a sequence.
///
/// ```
/// use biometal::bgzf::VirtualPosition;
/// use biometal::index::tabix::{TabixConfig, TabixIndexer};
///
/// let mut indexer = TabixIndexer::tbi(TabixConfig::bed());
/// let at = |offset| VirtualPosition::new(0, offset).unwrap();
/// indexer.push_line(b"chr1\t10\t20", at(0), at(11))?;
/// indexer.push_line(b"chr1\t15\t30", at(11), at(22))?;
/// assert!(indexer.push_line(b"chr1\t5\t8", at(22), at(31)).is_err());
/// let index = indexer.finish()?;
/// assert_eq!(index.names(), ["chr1"]);
/// # Ok::<(), biometal::Error>(())
/// ```
#[derive(Debug)]
pub struct TabixIndexer {
    inner: Indexer,
    config: TabixConfig,
    names: Vec<String>,
    ids: HashMap<Vec<u8>, usize>,
    current: Option<usize>,
    last_begin: u64,
    format: Format,
}

impl TabixIndexer {
    /// A `.tbi` indexer (`min_shift` 14, depth 5: positions below 2^29).
    pub fn tbi(config: TabixConfig) -> Self {
        Self::with_scheme(config, Kind::Bai, 14, 5, Format::Tbi)
    }

    /// A `.csi` indexer with the given scheme (see [`csi_depth`]).
    ///
    /// # Errors
    ///
    /// A `min_shift` or depth CSI cannot store (depth above 9, or
    /// `min_shift + 3 × depth` above 62).
    pub fn csi(config: TabixConfig, min_shift: u32, depth: u32) -> Result<Self> {
        if min_shift == 0 || depth > 9 || min_shift + 3 * depth > 62 {
            return Err(Error::invalid_input(
                Format::Csi,
                format!("min_shift {min_shift} and depth {depth} are out of range"),
            ));
        }
        Ok(Self::with_scheme(
            config,
            Kind::Csi,
            min_shift,
            depth,
            Format::Csi,
        ))
    }

    fn with_scheme(
        config: TabixConfig,
        kind: Kind,
        min_shift: u32,
        depth: u32,
        format: Format,
    ) -> Self {
        TabixIndexer {
            inner: Indexer::with_scheme(kind, min_shift, depth, format),
            config,
            names: Vec::new(),
            ids: HashMap::new(),
            current: None,
            last_begin: 0,
            format,
        }
    }

    /// The indexer `tabix [-C] -p …` uses: `.tbi`, or `.csi` with
    /// `min_shift` 14 and a depth for `max_length` (the longest sequence
    /// the header declares, see [`csi_depth`]).
    pub(crate) fn for_format(
        config: TabixConfig,
        format: TabixFormat,
        max_length: u64,
    ) -> Result<Self> {
        match format {
            TabixFormat::Tbi => Ok(TabixIndexer::tbi(config)),
            TabixFormat::Csi => TabixIndexer::csi(config, 14, csi_depth(14, max_length)),
        }
    }

    /// Adds one data line (not a header line) occupying `[start, end)` in
    /// the file, its interval parsed under the configuration.
    ///
    /// # Errors
    ///
    /// Those of [`TabixConfig::parse_line`] and [`push`](Self::push).
    pub fn push_line(
        &mut self,
        line: &[u8],
        start: VirtualPosition,
        end: VirtualPosition,
    ) -> Result<()> {
        let (name, interval) = self.config.parse_line(line)?;
        self.push(name, interval, start, end)
    }

    /// Adds one record of sequence `name` covering `interval` (0-based
    /// half-open) that occupies `[start, end)` in the file (for writers
    /// indexing on the fly).
    ///
    /// # Errors
    ///
    /// A sequence whose lines are not together, a begin before the
    /// previous one, an interval beyond the scheme's range, or a name that
    /// is not UTF-8 or holds a NUL byte.
    pub fn push(
        &mut self,
        name: &[u8],
        interval: Interval,
        start: VirtualPosition,
        end: VirtualPosition,
    ) -> Result<()> {
        let id = match self.current {
            Some(id) if self.names[id].as_bytes() == name => id,
            _ => self.start_sequence(name)?,
        };
        let begin = interval.start();
        if begin < self.last_begin {
            return Err(Error::invalid_input(
                self.format,
                format!(
                    "the input is not sorted: {}:{} comes after {}:{}",
                    self.names[id],
                    begin + 1,
                    self.names[id],
                    self.last_begin + 1
                ),
            ));
        }
        self.last_begin = begin;
        self.inner
            .push_interval(id, begin, interval.end(), start, end, false)
    }

    #[inline(never)]
    fn start_sequence(&mut self, name: &[u8]) -> Result<usize> {
        let text = std::str::from_utf8(name)
            .ok()
            .filter(|text| !text.contains('\0'))
            .ok_or_else(|| {
                Error::invalid_data(
                    self.format,
                    format!(
                        "sequence name {:?} is not UTF-8 or holds a NUL byte",
                        String::from_utf8_lossy(name)
                    ),
                )
            })?;
        if self.ids.contains_key(name) {
            let previous = self.current.map_or("", |id| self.names[id].as_str());
            return Err(Error::invalid_input(
                self.format,
                format!(
                    "the input is not sorted: sequence {text} starts again after {previous} (each sequence's lines must be together)"
                ),
            ));
        }
        let id = self.names.len();
        self.names.push(text.to_owned());
        self.ids.insert(name.to_vec(), id);
        self.current = Some(id);
        self.last_begin = 0;
        Ok(id)
    }

    /// Moves the last line's end from `old` to `new` (a writer's end of
    /// the last block: htslib records it as the next block's offset).
    pub(crate) fn settle_last_end(&mut self, old: VirtualPosition, new: VirtualPosition) {
        self.inner.settle_last_end(old, new);
    }

    /// The finished index.
    ///
    /// # Errors
    ///
    /// None in practice (the names are distinct by construction).
    pub fn finish(self) -> Result<TabixIndex> {
        TabixIndex::new(self.inner.finish(), self.config, self.names)
    }
}

/// Which index [`build`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TabixFormat {
    /// `.tbi` (`tabix -p …`): positions below 2^29.
    Tbi,
    /// `.csi` (`tabix -C`): `min_shift` 14, depth from [`csi_depth`].
    Csi,
}

/// Indexes the bgzipped, sorted text read by `reader` (from its start),
/// like `tabix -p …` (`TabixFormat::Tbi`) or `tabix -C -p …`: header lines
/// (the first `skip_lines`, those starting with the comment byte, empty
/// lines, UCSC `track`/`browser` lines) are skipped.
///
/// # Errors
///
/// Input that is not BGZF; unsorted input or a line that does not parse
/// (naming the line number); read errors.
pub fn build<R: VirtualPositioned>(
    reader: &mut R,
    config: TabixConfig,
    format: TabixFormat,
) -> Result<TabixIndex> {
    build_lines(reader, config, |max_length| {
        TabixIndexer::for_format(config, format, max_length)
    })
}

/// Indexes the bgzipped, sorted text read by `reader` (from its start)
/// into `indexer`, for schemes [`build`] does not choose (such as a CSI
/// deep enough for a BED contig longer than 2^32, which no header
/// declares).
///
/// ```no_run
/// use biometal::index::tabix::{self, TabixConfig, TabixIndexer};
///
/// let indexer = TabixIndexer::csi(TabixConfig::bed(), 14, 7)?;
/// let mut reader = biometal::io::open("long.bed.gz")?;
/// let index = tabix::build_with(&mut reader, indexer)?;
/// std::fs::write("long.bed.gz.csi", index.to_bgzf_bytes()?)?;
/// # Ok::<(), biometal::Error>(())
/// ```
///
/// # Errors
///
/// Those of [`build`].
pub fn build_with<R: VirtualPositioned>(
    reader: &mut R,
    indexer: TabixIndexer,
) -> Result<TabixIndex> {
    let config = indexer.config;
    build_lines(reader, config, |_| Ok(indexer))
}

fn build_lines<R: VirtualPositioned>(
    reader: &mut R,
    config: TabixConfig,
    new_indexer: impl FnOnce(u64) -> Result<TabixIndexer>,
) -> Result<TabixIndex> {
    config.validate()?;
    if reader.virtual_position().is_none() {
        return Err(Error::unsupported(
            Format::Tbi,
            "tabix indexes need BGZF-compressed input (compress with bgzip)",
        ));
    }
    let mut line = Vec::new();
    let mut line_number = 0u64;
    let mut max_length = 0u64;
    let mut next = next_data_line(
        reader,
        &config,
        &mut line,
        &mut line_number,
        &mut max_length,
    )?;
    let mut indexer = new_indexer(max_length)?;
    while let Some((start, end)) = next {
        indexer
            .push_line(&line, start, end)
            .map_err(|e| e.at_line(line_number))?;
        next = next_data_line(
            reader,
            &config,
            &mut line,
            &mut line_number,
            &mut max_length,
        )?;
    }
    indexer.finish()
}

/// Reads up to the next data line (into `line`), skipping header lines
/// and noting the sequence lengths they declare; its start and end.
fn next_data_line<R: VirtualPositioned>(
    reader: &mut R,
    config: &TabixConfig,
    line: &mut Vec<u8>,
    line_number: &mut u64,
    max_length: &mut u64,
) -> Result<Option<(VirtualPosition, VirtualPosition)>> {
    loop {
        let start = reader.virtual_position().unwrap_or_default();
        if !read_line(reader, line).map_err(|e| e.at_line(*line_number + 1))? {
            return Ok(None);
        }
        *line_number += 1;
        if *line_number <= u64::from(config.skip_lines) || config.is_header_line(line) {
            *max_length = (*max_length).max(declared_length(config, line));
            continue;
        }
        let end = reader.virtual_position().unwrap_or_default();
        return Ok(Some((start, end)));
    }
}

/// A sequence length declared by a VCF `##contig=<…length=N…>` or SAM
/// `@SQ … LN:N` header line (0 otherwise), which `tabix -C` uses to deepen
/// its scheme.
pub(crate) fn declared_length(config: &TabixConfig, line: &[u8]) -> u64 {
    let digits = match config.preset {
        Preset::Vcf if line.starts_with(b"##contig") => memchr::memmem::find(line, b"length")
            .and_then(|at| {
                let rest = line.get(at + 6..)?;
                let skip = rest.iter().take_while(|&&b| b == b' ' || b == b'=').count();
                rest.get(skip..)
            }),
        Preset::Sam if line.starts_with(b"@SQ") => {
            memchr::memmem::find(line, b"\tLN:").and_then(|at| line.get(at + 4..))
        }
        _ => None,
    };
    digits.map_or(0, |digits| {
        digits
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .fold(0u64, |n, &d| {
                n.saturating_mul(10).saturating_add(u64::from(d - b'0'))
            })
    })
}

/// Indexes the bgzipped file at `path` (see [`build`]).
///
/// # Errors
///
/// Those of [`build`], with the file name.
pub fn build_from_path(
    path: impl AsRef<Path>,
    config: TabixConfig,
    format: TabixFormat,
) -> Result<TabixIndex> {
    let name = path.as_ref().display().to_string();
    let mut source = crate::io::open(path.as_ref())?;
    build(&mut source, config, format).map_err(|e| e.with_name(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_lengths() {
        let vcf = TabixConfig::vcf();
        assert_eq!(
            declared_length(&vcf, b"##contig=<ID=1,length=5000000000>"),
            5_000_000_000
        );
        assert_eq!(declared_length(&vcf, b"##contig=<ID=1>"), 0);
        let sam = TabixConfig::sam();
        assert_eq!(declared_length(&sam, b"@SQ\tSN:1\tLN:300"), 300);
        assert_eq!(
            declared_length(&TabixConfig::bed(), b"##contig=<length=9>"),
            0
        );
    }

    #[test]
    fn sequences_must_be_together() {
        let mut indexer = TabixIndexer::tbi(TabixConfig::bed());
        let at = VirtualPosition::default();
        indexer.push_line(b"a\t1\t2", at, at).unwrap();
        indexer.push_line(b"b\t1\t2", at, at).unwrap();
        let error = indexer.push_line(b"a\t5\t6", at, at).unwrap_err();
        assert!(error.message().contains("starts again"), "{error}");
    }

    #[test]
    fn tbi_range_is_checked() {
        let mut indexer = TabixIndexer::tbi(TabixConfig::bed());
        let at = VirtualPosition::default();
        assert!(indexer.push_line(b"a\t1\t536870913", at, at).is_err());
        let mut indexer = TabixIndexer::csi(TabixConfig::bed(), 14, 6).unwrap();
        indexer.push_line(b"a\t1\t536870913", at, at).unwrap();
        assert!(TabixIndexer::csi(TabixConfig::bed(), 14, 17).is_err());
    }

    #[test]
    fn a_record_spanning_2_pow_40_costs_no_memory_per_window() {
        // 2^26 linear-index windows: kept as one run, not materialised.
        let mut indexer = TabixIndexer::csi(TabixConfig::bed(), 14, 9).unwrap();
        let at = VirtualPosition::default();
        indexer.push_line(b"a	0	1099511627776", at, at).unwrap();
        let index = indexer.finish().unwrap();
        assert_eq!(index.index().references[0].bins.len(), 1);
    }
}
