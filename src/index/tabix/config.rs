//! Which columns of a tab-delimited line hold the sequence name and the
//! interval, as `tabix -p`/`-s -b -e -0 -c -S` configure it, and the
//! interval of one line under that configuration.

use memchr::memchr;

use crate::region::Interval;
use crate::{Error, Format, Result};

/// How the end of a line's interval is found (the low 16 bits of tabix's
/// `format` field).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Preset {
    /// The end column when there is one (`TBX_GENERIC`, 0), else begin + 1.
    Generic,
    /// SAM: the end from the CIGAR's M/D/N lengths (`TBX_SAM`, 1).
    Sam,
    /// VCF: POS + len(REF) − 1, or INFO `END=` when it lies after POS
    /// (`TBX_VCF`, 2).
    Vcf,
}

impl Preset {
    fn code(self) -> i32 {
        match self {
            Preset::Generic => 0,
            Preset::Sam => 1,
            Preset::Vcf => 2,
        }
    }
}

/// tabix's `format` flag for 0-based (UCSC, BED-like) begin columns.
const ZERO_BASED_FLAG: i32 = 0x10000;

/// The tabix configuration stored in `.tbi` and tabix `.csi` files.
///
/// Columns are numbered from 1, as tabix's `-s`/`-b`/`-e` count them.
///
/// ```
/// use biometal::index::tabix::TabixConfig;
/// use biometal::region::Interval;
///
/// let bed = TabixConfig::bed();
/// let (name, interval) = bed.parse_line(b"chr1\t99\t200\tfeature")?;
/// assert_eq!((name, interval), (&b"chr1"[..], Interval::new(99, 200)?));
///
/// let gff = TabixConfig::gff();
/// let (_, interval) = gff.parse_line(b"chr1\tsrc\tgene\t100\t200\t.\t+\t.\tID=g1")?;
/// assert_eq!(interval, Interval::new(99, 200)?);
///
/// let vcf = TabixConfig::vcf();
/// let (_, interval) = vcf.parse_line(b"chr1\t100\t.\tACG\tA\t.\t.\t.")?;
/// assert_eq!(interval, Interval::new(99, 102)?);
///
/// // tabix -s 2 -b 3 -e 4 -0 -c '%' -S 1
/// let custom = TabixConfig::custom(2, 3, Some(4)).zero_based(true).comment(b'%').skip_lines(1);
/// assert_eq!(custom.parse_line(b"x\tchr2\t5\t5")?, (&b"chr2"[..], Interval::new(5, 5)?));
/// # Ok::<(), biometal::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TabixConfig {
    /// How the end is found.
    pub preset: Preset,
    /// The begin column counts from 0 and the interval is half-open (BED;
    /// tabix `-0`); otherwise it counts from 1 and the end is inclusive.
    pub zero_based: bool,
    /// The sequence name's column (1-based column number).
    pub sequence_column: u32,
    /// The begin column (1-based column number).
    pub begin_column: u32,
    /// The end column (1-based column number), if any; only
    /// [`Preset::Generic`] reads it.
    pub end_column: Option<u32>,
    /// Lines starting with this byte are header/comment lines.
    pub comment: u8,
    /// Lines skipped at the start of the file.
    pub skip_lines: u32,
}

impl TabixConfig {
    /// `tabix -p bed`: columns 1, 2, 3; 0-based half-open; `#` comments.
    pub const fn bed() -> Self {
        TabixConfig {
            preset: Preset::Generic,
            zero_based: true,
            sequence_column: 1,
            begin_column: 2,
            end_column: Some(3),
            comment: b'#',
            skip_lines: 0,
        }
    }

    /// `tabix -p gff`: columns 1, 4, 5; 1-based inclusive; `#` comments.
    pub const fn gff() -> Self {
        TabixConfig {
            preset: Preset::Generic,
            zero_based: false,
            sequence_column: 1,
            begin_column: 4,
            end_column: Some(5),
            comment: b'#',
            skip_lines: 0,
        }
    }

    /// `tabix -p vcf`: CHROM, POS; the end from REF or INFO `END=`.
    pub const fn vcf() -> Self {
        TabixConfig {
            preset: Preset::Vcf,
            zero_based: false,
            sequence_column: 1,
            begin_column: 2,
            end_column: None,
            comment: b'#',
            skip_lines: 0,
        }
    }

    /// `tabix -p sam`: RNAME, POS; the end from the CIGAR; `@` comments.
    pub const fn sam() -> Self {
        TabixConfig {
            preset: Preset::Sam,
            zero_based: false,
            sequence_column: 3,
            begin_column: 4,
            end_column: None,
            comment: b'@',
            skip_lines: 0,
        }
    }

    /// `tabix -s SEQ -b BEGIN [-e END]`: 1-based inclusive, `#` comments
    /// (change with [`zero_based`](Self::zero_based),
    /// [`comment`](Self::comment), [`skip_lines`](Self::skip_lines)).
    pub const fn custom(sequence_column: u32, begin_column: u32, end_column: Option<u32>) -> Self {
        TabixConfig {
            preset: Preset::Generic,
            zero_based: false,
            sequence_column,
            begin_column,
            end_column,
            comment: b'#',
            skip_lines: 0,
        }
    }

    /// A preset by tabix's name (`bed`, `gff`, `vcf`, `sam`); `gtf` is
    /// `gff`.
    pub fn preset(name: &str) -> Option<Self> {
        match name {
            "bed" => Some(Self::bed()),
            "gff" | "gtf" => Some(Self::gff()),
            "vcf" => Some(Self::vcf()),
            "sam" => Some(Self::sam()),
            _ => None,
        }
    }

    /// Sets 0-based half-open (`true`, tabix `-0`) or 1-based inclusive.
    pub const fn zero_based(mut self, zero_based: bool) -> Self {
        self.zero_based = zero_based;
        self
    }

    /// Sets the comment byte (tabix `-c`).
    pub const fn comment(mut self, comment: u8) -> Self {
        self.comment = comment;
        self
    }

    /// Sets the number of lines skipped at the start (tabix `-S`).
    pub const fn skip_lines(mut self, skip_lines: u32) -> Self {
        self.skip_lines = skip_lines;
        self
    }

    /// Checks that the columns are usable.
    ///
    /// # Errors
    ///
    /// A column number of 0, or an end column for a preset that ignores it.
    pub fn validate(&self) -> Result<()> {
        let columns = [
            self.sequence_column,
            self.begin_column,
            self.end_column.unwrap_or(1),
        ];
        if columns.contains(&0) || self.sequence_column == self.begin_column {
            return Err(Error::invalid_input(
                Format::Tbi,
                format!(
                    "columns must be distinct and count from 1: sequence {}, begin {}, end {:?}",
                    self.sequence_column, self.begin_column, self.end_column
                ),
            ));
        }
        Ok(())
    }

    /// The 24 bytes tabix stores: format, col_seq, col_beg, col_end, meta,
    /// skip (little-endian `i32`s).
    pub(crate) fn to_bytes(self) -> [u8; 24] {
        let format = self.preset.code() | if self.zero_based { ZERO_BASED_FLAG } else { 0 };
        let values = [
            format,
            self.sequence_column as i32,
            self.begin_column as i32,
            self.end_column.map_or(0, |c| c as i32),
            i32::from(self.comment),
            self.skip_lines as i32,
        ];
        let mut out = [0u8; 24];
        for (chunk, value) in out.chunks_exact_mut(4).zip(values) {
            chunk.copy_from_slice(&value.to_le_bytes());
        }
        out
    }

    /// Decodes the six `i32`s of [`to_bytes`](Self::to_bytes).
    pub(crate) fn from_values(values: [i32; 6]) -> Result<Self> {
        let [format, sequence, begin, end, comment, skip] = values;
        let bad = |what: String| Error::invalid_data(Format::Tbi, what);
        let preset = match format & 0xffff {
            0 => Preset::Generic,
            1 => Preset::Sam,
            2 => Preset::Vcf,
            other => {
                return Err(bad(format!(
                    "unknown tabix format {other} (expected 0, 1 or 2)"
                )))
            }
        };
        let column = |value: i32, what: &str| {
            u32::try_from(value)
                .ok()
                .filter(|&c| c > 0)
                .ok_or_else(|| bad(format!("{what} column {value} must be positive")))
        };
        let config = TabixConfig {
            preset,
            zero_based: format & ZERO_BASED_FLAG != 0,
            sequence_column: column(sequence, "sequence")?,
            begin_column: column(begin, "begin")?,
            end_column: if end == 0 {
                None
            } else {
                Some(column(end, "end")?)
            },
            comment: u8::try_from(comment)
                .map_err(|_| bad(format!("comment character {comment} is not a byte")))?,
            skip_lines: u32::try_from(skip)
                .map_err(|_| bad(format!("skip line count {skip} is negative")))?,
        };
        config.validate().map_err(|e| bad(e.message().to_owned()))?;
        Ok(config)
    }

    /// Whether `line` (without its newline) is a header line: it starts
    /// with the comment byte, or is a UCSC `track`/`browser` line (which
    /// tabix cannot parse and skips), or is empty.
    pub fn is_header_line(&self, line: &[u8]) -> bool {
        match line.first() {
            None => true,
            Some(&first) if first == self.comment => true,
            Some(_) => {
                let word = |w: &[u8]| {
                    line.starts_with(w)
                        && line.get(w.len()).is_none_or(|&b| b == b' ' || b == b'\t')
                };
                word(b"track") || word(b"browser")
            }
        }
    }

    /// The sequence name and the 0-based half-open interval of a data line,
    /// as tabix computes them (a begin of 0 or less in 1-based columns is
    /// taken as the first base, as tabix does).
    ///
    /// # Errors
    ///
    /// A missing column, a begin or end that is not an integer, or an end
    /// before the begin (the caller adds the line number).
    pub fn parse_line<'l>(&self, line: &'l [u8]) -> Result<(&'l [u8], Interval)> {
        let mut name: Option<&[u8]> = None;
        let mut begin: Option<u64> = None;
        let mut end: Option<u64> = None;
        let last_column = match self.preset {
            Preset::Generic => self
                .sequence_column
                .max(self.begin_column)
                .max(self.end_column.unwrap_or(0)),
            Preset::Sam => self.sequence_column.max(self.begin_column).max(6),
            Preset::Vcf => self.sequence_column.max(self.begin_column).max(8),
        };
        let mut column = 1u32;
        let mut rest = line;
        loop {
            let (field, next) = match memchr(b'\t', rest) {
                Some(tab) => (&rest[..tab], Some(&rest[tab + 1..])),
                None => (rest, None),
            };
            if column == self.sequence_column {
                name = Some(field);
            } else if column == self.begin_column {
                let value =
                    parse_integer(field).ok_or_else(|| bad_field(line, "begin", column, field))?;
                let value = if self.zero_based {
                    value
                } else {
                    value.saturating_sub(1)
                };
                let first = u64::try_from(value).unwrap_or(0);
                begin = Some(first);
            } else {
                self.parse_end_field(column, field, begin, &mut end)
                    .map_err(|()| bad_field(line, "end", column, field))?;
            }
            match next {
                Some(next) if column < last_column => rest = next,
                _ => break,
            }
            column += 1;
        }
        let (Some(name), Some(begin)) = (name, begin) else {
            return Err(Error::invalid_data(
                Format::Tbi,
                format!(
                    "expected at least {} tab-separated columns, found {column}",
                    self.sequence_column.max(self.begin_column)
                ),
            ));
        };
        let end = end.unwrap_or(begin + 1);
        let interval = Interval::new(begin, end).map_err(|_| {
            Error::invalid_data(
                Format::Tbi,
                format!(
                    "the end {end} lies before the begin {} on line {:?}",
                    begin + u64::from(!self.zero_based),
                    String::from_utf8_lossy(line.get(..80).unwrap_or(line))
                ),
            )
        })?;
        Ok((name, interval))
    }

    /// Updates `end` from column `column` under the preset's rules;
    /// `Err(())` for a malformed end column.
    fn parse_end_field(
        &self,
        column: u32,
        field: &[u8],
        begin: Option<u64>,
        end: &mut Option<u64>,
    ) -> std::result::Result<(), ()> {
        match self.preset {
            Preset::Generic if Some(column) == self.end_column => {
                let value = parse_integer(field).ok_or(())?;
                *end = Some(u64::try_from(value).map_err(|_| ())?);
            }
            Preset::Sam if column == 6 => {
                let begin = begin.unwrap_or(0);
                *end = Some(begin + cigar_reference_length(field).max(1));
            }
            Preset::Vcf if column == 4 && !field.is_empty() => {
                *end = Some(begin.unwrap_or(0) + field.len() as u64);
            }
            Preset::Vcf if column == 8 => {
                let info_end = if field.starts_with(b"END=") {
                    field.get(4..)
                } else {
                    memchr::memmem::find(field, b";END=").and_then(|at| field.get(at + 5..))
                };
                if let Some(value) = info_end.filter(|v| v.first() != Some(&b'.')) {
                    let value = parse_integer(value).unwrap_or(0);
                    // tabix ignores an END at or before POS.
                    if let Ok(value) = u64::try_from(value) {
                        if begin.is_some_and(|b| value > b) {
                            *end = Some(value);
                        }
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }
}

fn bad_field(line: &[u8], what: &str, column: u32, field: &[u8]) -> Error {
    let shown = line.get(..80).unwrap_or(line);
    Error::invalid_data(
        Format::Tbi,
        format!(
            "expected an integer {what} in column {column}, found {:?} (line {:?})",
            String::from_utf8_lossy(field),
            String::from_utf8_lossy(shown)
        ),
    )
}

/// A leading decimal integer with an optional sign (the rest of the field
/// is ignored, as `strtoll` does); `None` without digits.
fn parse_integer(field: &[u8]) -> Option<i64> {
    let (negative, digits) = match field.first() {
        Some(b'-') => (true, &field[1..]),
        Some(b'+') => (false, &field[1..]),
        _ => (false, field),
    };
    let count = digits.iter().take_while(|b| b.is_ascii_digit()).count();
    if count == 0 {
        return None;
    }
    let mut value: i64 = 0;
    for &digit in &digits[..count] {
        value = value
            .saturating_mul(10)
            .saturating_add(i64::from(digit - b'0'));
    }
    Some(if negative { -value } else { value })
}

/// The reference bases a CIGAR string covers, counting M, D and N (as
/// tabix's SAM preset does).
fn cigar_reference_length(cigar: &[u8]) -> u64 {
    let mut total = 0u64;
    let mut number = 0u64;
    for &byte in cigar {
        if byte.is_ascii_digit() {
            number = number
                .saturating_mul(10)
                .saturating_add(u64::from(byte - b'0'));
        } else {
            if matches!(byte.to_ascii_uppercase(), b'M' | b'D' | b'N') {
                total = total.saturating_add(number);
            }
            number = 0;
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    fn interval(config: &TabixConfig, line: &[u8]) -> (u64, u64) {
        let (_, interval) = config.parse_line(line).unwrap();
        (interval.start(), interval.end())
    }

    #[test]
    fn vcf_end_follows_tabix() {
        let vcf = TabixConfig::vcf();
        assert_eq!(
            interval(&vcf, b"1\t10\t.\tA\t<DEL>\t.\t.\tSVTYPE=DEL;END=100"),
            (9, 100)
        );
        assert_eq!(
            interval(&vcf, b"1\t10\t.\tA\t<DEL>\t.\t.\tEND=100;X=1"),
            (9, 100)
        );
        // An END at or before POS is ignored; SVEND is not END.
        assert_eq!(interval(&vcf, b"1\t10\t.\tAC\t<DEL>\t.\t.\tEND=5"), (9, 11));
        assert_eq!(interval(&vcf, b"1\t10\t.\tAC\tA\t.\t.\tSVEND=50"), (9, 11));
        assert_eq!(interval(&vcf, b"1\t10\t.\tAC\tA\t.\t.\tEND=."), (9, 11));
        assert_eq!(interval(&vcf, b"1\t10\t.\tACGT\tA"), (9, 13));
        assert_eq!(interval(&vcf, b"1\t0\t.\tA\tT\t.\t.\t."), (0, 1));
    }

    #[test]
    fn sam_end_from_cigar() {
        let sam = TabixConfig::sam();
        assert_eq!(
            interval(&sam, b"r\t0\tchr1\t100\t60\t10M5I3D2N4S\t*"),
            (99, 114)
        );
        assert_eq!(interval(&sam, b"r\t4\tchr1\t100\t0\t*\t*"), (99, 100));
    }

    #[test]
    fn bed_zero_length_and_errors() {
        let bed = TabixConfig::bed();
        assert_eq!(interval(&bed, b"chr1\t5\t5"), (5, 5));
        assert_eq!(interval(&bed, b"chr1\t5"), (5, 6));
        assert!(bed.parse_line(b"chr1\tx\t5").is_err());
        assert!(bed.parse_line(b"chr1\t5\tx").is_err());
        assert!(bed.parse_line(b"chr1\t6\t5").is_err());
        assert!(bed.parse_line(b"chr1\t6\t-5").is_err());
        assert!(bed.parse_line(b"chr1").is_err());
        assert!(bed.is_header_line(b"track name=x"));
        assert!(bed.is_header_line(b"browser position chr1"));
        assert!(!bed.is_header_line(b"tracking\t1\t2"));
    }

    #[test]
    fn config_bytes_round_trip() {
        for config in [
            TabixConfig::bed(),
            TabixConfig::gff(),
            TabixConfig::vcf(),
            TabixConfig::sam(),
            TabixConfig::custom(2, 4, Some(6))
                .comment(b'%')
                .skip_lines(3),
        ] {
            let bytes = config.to_bytes();
            let mut values = [0i32; 6];
            for (value, chunk) in values.iter_mut().zip(bytes.chunks_exact(4)) {
                *value = i32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
            }
            assert_eq!(TabixConfig::from_values(values).unwrap(), config);
        }
        assert!(TabixConfig::from_values([7, 1, 2, 3, 35, 0]).is_err());
        assert!(TabixConfig::from_values([0, 0, 2, 3, 35, 0]).is_err());
    }
}
