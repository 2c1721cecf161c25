//! Which columns a BED file has: `BEDn+m`.

use std::fmt;

use super::line::{self, Parsed};
use crate::{Error, Format, Result};

/// The columns of a BED file, `BEDn+m`: `n` standard columns (3 to 9, or
/// 12) followed by `m` extra columns of the file's own.
///
/// A [`Reader`](super::Reader) detects the layout from the first data line
/// (or a `track type=…` line before it) unless one is declared with
/// [`ReaderBuilder::layout`](super::ReaderBuilder::layout); every data line
/// must then have the same columns.
///
/// ```
/// use biometal::formats::bed::Layout;
///
/// assert_eq!(Layout::NARROW_PEAK.to_string(), "BED6+4");
/// assert_eq!(Layout::bed(12)?.columns(), 12);
/// assert_eq!(Layout::with_extra(3, 1)?, Layout::BED_GRAPH);
/// assert!(Layout::bed(10).is_err());
/// # Ok::<(), biometal::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Layout {
    standard: u8,
    extra: usize,
}

impl Default for Layout {
    fn default() -> Self {
        Layout::BED3
    }
}

impl Layout {
    /// BED3: chrom, chromStart, chromEnd.
    pub const BED3: Layout = Layout {
        standard: 3,
        extra: 0,
    };
    /// bedGraph, BED3+1: a value per interval in the fourth column.
    pub const BED_GRAPH: Layout = Layout {
        standard: 3,
        extra: 1,
    };
    /// ENCODE narrowPeak, BED6+4: signalValue, pValue, qValue, peak.
    pub const NARROW_PEAK: Layout = Layout {
        standard: 6,
        extra: 4,
    };
    /// ENCODE broadPeak, BED6+3: signalValue, pValue, qValue.
    pub const BROAD_PEAK: Layout = Layout {
        standard: 6,
        extra: 3,
    };

    /// `BEDn` with no extra columns; `n` is 3 to 9 or 12.
    pub fn bed(standard_columns: u8) -> Result<Layout> {
        Self::with_extra(standard_columns, 0)
    }

    /// `BEDn+m`; `n` is 3 to 9 or 12 (blockCount, blockSizes and
    /// blockStarts come together).
    pub fn with_extra(standard_columns: u8, extra_columns: usize) -> Result<Layout> {
        if !matches!(standard_columns, 3..=9 | 12) {
            return Err(Error::invalid_input(
                Format::Bed,
                format!("BED{standard_columns}: standard columns are 3 to 9, or 12"),
            ));
        }
        Ok(Layout {
            standard: standard_columns,
            extra: extra_columns,
        })
    }

    /// The number of standard BED columns, `n`.
    pub fn standard_columns(&self) -> u8 {
        self.standard
    }

    /// The number of extra columns, `m`.
    pub fn extra_columns(&self) -> usize {
        self.extra
    }

    /// All columns, `n + m`.
    pub fn columns(&self) -> usize {
        usize::from(self.standard) + self.extra
    }

    /// The layout a `track` line's `type=` names (`bedGraph`,
    /// `narrowPeak`, `broadPeak`), if any.
    pub(crate) fn from_track_line(track: &[u8]) -> Option<Layout> {
        let value = track
            .split(|&b| b == b' ' || b == b'\t')
            .find_map(|word| word.strip_prefix(b"type="))?;
        match value {
            b"bedGraph" => Some(Layout::BED_GRAPH),
            b"narrowPeak" => Some(Layout::NARROW_PEAK),
            b"broadPeak" => Some(Layout::BROAD_PEAK),
            _ => None,
        }
    }

    /// Detects the layout of a first data line (its columns at `fields`):
    /// the most standard columns that parse as BED, the rest extra. When
    /// not even BED3 fits, BED3's error.
    pub(crate) fn detect(
        text: &[u8],
        fields: &[(usize, usize)],
    ) -> std::result::Result<Parsed, std::borrow::Cow<'static, str>> {
        let columns = fields.len();
        if columns < 3 {
            return Err(format!("expected at least 3 columns, found {columns}").into());
        }
        for standard in [12u8, 9, 8, 7, 6, 5, 4] {
            if usize::from(standard) <= columns {
                let layout = Layout {
                    standard,
                    extra: columns - usize::from(standard),
                };
                if let Ok(parsed) = line::parse(text, fields, layout) {
                    return Ok(parsed);
                }
            }
        }
        line::parse(
            text,
            fields,
            Layout {
                standard: 3,
                extra: columns - 3,
            },
        )
    }
}

impl fmt::Display for Layout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BED{}", self.standard)?;
        if self.extra > 0 {
            write!(f, "+{}", self.extra)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::bed::line::{split, Separator};

    fn detect(text: &[u8]) -> Layout {
        let mut fields = Vec::new();
        split(text, Separator::Tab, &mut fields);
        Layout::detect(text, &fields).unwrap().layout
    }

    #[test]
    fn detects_standard_and_extra_columns() {
        assert_eq!(detect(b"chr1\t0\t10"), Layout::BED3);
        assert_eq!(detect(b"chr1\t0\t10\t2.5"), Layout::bed(4).unwrap());
        assert_eq!(
            detect(b"chr1\t0\t10\tpeak\t0\t.\t5.2\t3.1\t-1\t4"),
            Layout::NARROW_PEAK
        );
        assert_eq!(
            detect(b"chr1\t0\t10\tn\t5\t-\t0\t10\t0\t1\t10\t0"),
            Layout::bed(12).unwrap()
        );
        assert_eq!(
            detect(b"chr1\t0\t10\tn\t5000"),
            Layout::with_extra(4, 1).unwrap()
        );
        assert_eq!(
            Layout::from_track_line(b"track type=narrowPeak name=\"x y\""),
            Some(Layout::NARROW_PEAK)
        );
    }
}
