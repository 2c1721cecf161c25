//! Genomic coordinates with their base in the type, and regions as samtools
//! writes them.
//!
//! * [`Position`] is 1-based, as SAM's POS, VCF's POS and region strings
//!   count: the first base is 1, and 0 cannot be represented.
//! * [`Interval`] is 0-based and half-open, `[start, end)`, as BAM, BED and
//!   array slicing count: the first base is 0, and the length is
//!   `end - start`.
//! * [`Region`] is a reference name and an [`Interval`], parsed from the
//!   `chr`, `chr:beg`, `chr:beg-end` strings of samtools/bcftools/tabix
//!   (1-based inclusive, commas allowed), printed back the same way.
//!
//! ```
//! use biometal::region::{Interval, Position, Region};
//!
//! let region: Region = "chr1:1,001-2,000".parse()?;
//! assert_eq!(region.name(), "chr1");
//! assert_eq!(region.interval(), Interval::new(1_000, 2_000)?);
//! assert_eq!(region.interval().len(), 1_000);
//! assert_eq!(region.start_position(), Position::new(1_001));
//! assert_eq!(region.to_string(), "chr1:1001-2000");
//! # Ok::<(), biometal::Error>(())
//! ```

use std::fmt;
use std::num::NonZeroU64;
use std::str::FromStr;

use crate::error::{Error, Format, Result};

/// A 1-based position: the first base of a sequence is position 1.
///
/// ```
/// use biometal::region::Position;
///
/// let position = Position::new(100).unwrap();
/// assert_eq!(position.get(), 100);
/// assert_eq!(position.to_zero_based(), 99);
/// assert_eq!(Position::from_zero_based(99), position);
/// assert!(Position::new(0).is_none());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position(NonZeroU64);

impl Position {
    /// Position 1, the first base.
    pub const MIN: Position = Position(NonZeroU64::MIN);

    /// The 1-based position `value`; `None` for 0.
    pub const fn new(value: u64) -> Option<Self> {
        match NonZeroU64::new(value) {
            Some(value) => Some(Position(value)),
            None => None,
        }
    }

    /// The position of the base at 0-based offset `offset` (saturating at
    /// `u64::MAX`).
    pub const fn from_zero_based(offset: u64) -> Self {
        match NonZeroU64::new(offset.saturating_add(1)) {
            Some(value) => Position(value),
            None => Position::MIN,
        }
    }

    /// The 1-based value.
    pub const fn get(self) -> u64 {
        self.0.get()
    }

    /// The same base as a 0-based offset.
    pub const fn to_zero_based(self) -> u64 {
        self.0.get() - 1
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A 0-based half-open interval `[start, end)` of a sequence.
///
/// An interval reaching to the end of the sequence, whatever its length, has
/// `end == u64::MAX` ([`Interval::to_end`], [`Interval::full`]); readers
/// clamp it to the sequence's length.
///
/// ```
/// use biometal::region::Interval;
///
/// let interval = Interval::from_one_based_inclusive(1, 10)?; // "chr:1-10"
/// assert_eq!((interval.start(), interval.end()), (0, 10));
/// assert!(interval.overlaps(&Interval::new(9, 20)?));
/// assert!(!interval.overlaps(&Interval::new(10, 20)?));
/// assert!(Interval::new(5, 4).is_err());
/// # Ok::<(), biometal::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Interval {
    start: u64,
    end: u64,
}

impl Interval {
    /// The 0-based half-open interval `[start, end)`; an error unless
    /// `start <= end`.
    pub fn new(start: u64, end: u64) -> Result<Self> {
        if start > end {
            return Err(Error::invalid_input(
                Format::Region,
                format!("interval start {start} is after its end {end}"),
            ));
        }
        Ok(Interval { start, end })
    }

    /// The 1-based inclusive interval `[begin, end]`, as in `chr:begin-end`;
    /// an error unless `1 <= begin <= end + 1` (`begin == end + 1` is the
    /// empty interval before `begin`).
    pub fn from_one_based_inclusive(begin: u64, end: u64) -> Result<Self> {
        if begin == 0 {
            return Err(Error::invalid_input(
                Format::Region,
                "a 1-based position cannot be 0",
            ));
        }
        Self::new(begin - 1, end)
    }

    /// From 0-based `start` to the end of the sequence.
    pub const fn to_end(start: u64) -> Self {
        Interval {
            start,
            end: u64::MAX,
        }
    }

    /// The whole sequence.
    pub const fn full() -> Self {
        Self::to_end(0)
    }

    /// The 0-based first position.
    pub const fn start(&self) -> u64 {
        self.start
    }

    /// The 0-based position one past the last (`u64::MAX`: to the end).
    pub const fn end(&self) -> u64 {
        self.end
    }

    /// Whether the interval reaches to the end of the sequence.
    pub const fn is_open_ended(&self) -> bool {
        self.end == u64::MAX
    }

    /// The number of positions covered.
    pub const fn len(&self) -> u64 {
        self.end - self.start
    }

    /// Whether no position is covered.
    pub const fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// Whether the two intervals share at least one position.
    pub const fn overlaps(&self, other: &Interval) -> bool {
        self.start < other.end && other.start < self.end && !self.is_empty() && !other.is_empty()
    }

    /// The interval with its end clamped to a sequence of `length` bases.
    pub fn clamp_to(&self, length: u64) -> Interval {
        let end = self.end.min(length);
        Interval {
            start: self.start.min(end),
            end,
        }
    }
}

/// A reference sequence name and an [`Interval`] on it: the regions of
/// `samtools view FILE chr1:100-200`, `bcftools view -r` and `tabix`.
///
/// Parsing follows htslib's region syntax:
///
/// | text | interval (1-based inclusive) |
/// |---|---|
/// | `chr1` | the whole sequence |
/// | `chr1:100` | from 100 to the end |
/// | `chr1:100-` | from 100 to the end |
/// | `chr1:-200` | from 1 to 200 |
/// | `chr1:100-200` | 100 to 200 |
/// | `chr1:1,000-2,000` | commas in numbers are ignored |
/// | `chr1:1k-2.5k` | 1000 to 2500 (`k`, `m`, `g`, `e3` as htslib reads them) |
/// | `chr1:0-100`, `chr1:0`, `chr1:`, `chr1:100-0` | as samtools: a beginning of 0 is 1, an end of 0 or none is the end |
/// | `{HLA-A*01:01}:1-100` | braces protect a name containing `:` |
///
/// Without braces, the text after the last `:` is a range if it consists of
/// digits, commas and `-` (and an error if such a range is malformed, such
/// as `chr1:5-1`); otherwise the whole text is the name. When the reference names
/// are known, [`Region::parse_with_names`] resolves the ambiguity exactly as
/// htslib does.
///
/// ```
/// use biometal::region::Region;
///
/// let region: Region = "{HLA-A*01:01}:1-100".parse()?;
/// assert_eq!(region.name(), "HLA-A*01:01");
/// assert_eq!(region.to_string(), "{HLA-A*01:01}:1-100");
///
/// let whole: Region = "chrUn_KI270742v1".parse()?;
/// assert!(whole.interval().is_open_ended());
/// assert_eq!(whole.to_string(), "chrUn_KI270742v1");
/// # Ok::<(), biometal::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Region {
    name: String,
    interval: Interval,
}

impl Region {
    /// A region of `name` covering `interval`.
    pub fn new(name: impl Into<String>, interval: Interval) -> Self {
        Region {
            name: name.into(),
            interval,
        }
    }

    /// The whole of sequence `name`.
    pub fn whole(name: impl Into<String>) -> Self {
        Self::new(name, Interval::full())
    }

    /// The reference sequence name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The 0-based half-open interval.
    pub fn interval(&self) -> Interval {
        self.interval
    }

    /// The first position, 1-based.
    pub fn start_position(&self) -> Option<Position> {
        Some(Position::from_zero_based(self.interval.start))
    }

    /// Parses `text`, deciding between `name` and `name:range` with the set
    /// of known reference names, as htslib does: if both readings name a
    /// known sequence the region is ambiguous (an error asking for braces);
    /// if neither does, an error names the sequence.
    ///
    /// ```
    /// use biometal::region::Region;
    ///
    /// let names = ["chr1", "HLA-A*01:01"];
    /// let known = |name: &str| names.contains(&name);
    /// assert_eq!(Region::parse_with_names("HLA-A*01:01", known)?.name(), "HLA-A*01:01");
    /// assert_eq!(Region::parse_with_names("chr1:5-6", known)?.interval().start(), 4);
    /// assert!(Region::parse_with_names("chr9:1-2", known).is_err());
    /// # Ok::<(), biometal::Error>(())
    /// ```
    pub fn parse_with_names(text: &str, is_known: impl Fn(&str) -> bool) -> Result<Self> {
        if text.starts_with('{') {
            let region = parse_braced(text)?;
            return if is_known(&region.name) {
                Ok(region)
            } else {
                Err(unknown_name(&region.name))
            };
        }
        let whole = is_known(text).then(|| Region::whole(text));
        let split = text.rsplit_once(':').and_then(|(name, range)| {
            let interval = parse_range(range).ok()?;
            is_known(name).then(|| Region::new(name, interval))
        });
        match (whole, split) {
            (Some(_), Some(_)) => Err(Error::invalid_input(
                Format::Region,
                format!("region '{text}' is ambiguous: write {{{text}}} for the whole sequence, or braces around the name"),
            )),
            (Some(region), None) | (None, Some(region)) => Ok(region),
            (None, None) => match text.rsplit_once(':') {
                Some((name, range)) => match parse_range(range) {
                    Ok(_) => Err(unknown_name(name)),
                    Err(why) if is_known(name) => Err(invalid(text, why)),
                    Err(_) => Err(unknown_name(text)),
                },
                None => Err(unknown_name(text)),
            },
        }
    }
}

fn unknown_name(name: &str) -> Error {
    Error::new(
        crate::ErrorKind::NotFound,
        Format::Region,
        format!("no sequence named '{name}'"),
    )
}

fn invalid(text: &str, why: &str) -> Error {
    Error::invalid_input(Format::Region, format!("region '{text}': {why}"))
}

fn parse_braced(text: &str) -> Result<Region> {
    let close = text
        .find('}')
        .ok_or_else(|| invalid(text, "'{' without a closing '}'"))?;
    let name = &text[1..close];
    if name.is_empty() {
        return Err(invalid(text, "empty sequence name"));
    }
    let interval = match &text[close + 1..] {
        "" => Interval::full(),
        rest => match rest.strip_prefix(':') {
            Some(range) => parse_range(range).map_err(|why| invalid(text, why))?,
            None => return Err(invalid(text, "expected ':' after '}'")),
        },
    };
    Ok(Region::new(name, interval))
}

/// Whether `text` is made of the characters of a range (digits, `,`, `-`,
/// and a number's `.`, exponent or `k`/`m`/`g` suffix), starting as one,
/// so that a malformed one is reported rather than read as part of a name.
fn looks_like_range(text: &str) -> bool {
    text.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == ',')
        && text.bytes().all(|b| {
            b.is_ascii_digit() || matches!(b, b',' | b'-' | b'+' | b'.') || b"eEkKmMgG".contains(&b)
        })
}

/// Reads the number at the start of `text` as htslib reads a position
/// (`hts_parse_decimal`): leading whitespace skipped, digits, an optional
/// fraction and an optional exponent (`e3`) or suffix (`k`, `m`, `g`), the
/// fraction then dropped (`1.5k` is 1500); with `commas`, commas between
/// digits are skipped (samtools' `1,000`), else a comma ends the number
/// (bcftools' region lists). Returns the value, saturating at `u64::MAX`,
/// and the text after the number; `None` without a digit. Signs are left
/// to the caller.
///
/// ```
/// use biometal::region::parse_htslib_number;
///
/// assert_eq!(parse_htslib_number("1,000-2k", true), Some((1_000, "-2k")));
/// assert_eq!(parse_htslib_number("1,000-2k", false), Some((1, ",000-2k")));
/// assert_eq!(parse_htslib_number(" 2.5k,", false), Some((2_500, ",")));
/// assert_eq!(parse_htslib_number("-5", false), None);
/// ```
pub fn parse_htslib_number(text: &str, commas: bool) -> Option<(u64, &str)> {
    let bytes = text.as_bytes();
    let mut value: u64 = 0;
    let mut seen_digit = false;
    let mut push = |value: &mut u64, digit: u8| {
        seen_digit = true;
        *value = value
            .saturating_mul(10)
            .saturating_add(u64::from(digit - b'0'));
    };
    let mut at = bytes.iter().take_while(|b| b.is_ascii_whitespace()).count();
    while let Some(&byte) = bytes.get(at) {
        match byte {
            b'0'..=b'9' => push(&mut value, byte),
            b',' if commas => {}
            _ => break,
        }
        at += 1;
    }
    let mut exponent: i64 = 0;
    if bytes.get(at) == Some(&b'.') {
        at += 1;
        while let Some(&byte) = bytes.get(at).filter(|b| b.is_ascii_digit()) {
            push(&mut value, byte);
            exponent -= 1;
            at += 1;
        }
    }
    match bytes.get(at).map(u8::to_ascii_lowercase) {
        Some(b'k') => (exponent, at) = (exponent + 3, at + 1),
        Some(b'm') => (exponent, at) = (exponent + 6, at + 1),
        Some(b'g') => (exponent, at) = (exponent + 9, at + 1),
        Some(b'e') => {
            at += 1;
            let negative = bytes.get(at) == Some(&b'-');
            at += usize::from(matches!(bytes.get(at), Some(b'-' | b'+')));
            let mut power: i64 = 0;
            while let Some(&byte) = bytes.get(at).filter(|b| b.is_ascii_digit()) {
                power = (power * 10 + i64::from(byte - b'0')).min(64);
                at += 1;
            }
            exponent += if negative { -power } else { power };
        }
        _ => {}
    }
    if !seen_digit {
        return None;
    }
    for _ in exponent..0 {
        value /= 10;
    }
    for _ in 0..exponent.clamp(0, 64) {
        value = value.saturating_mul(10);
    }
    Some((value, text.get(at..)?))
}

/// One whole position of a samtools region (see [`parse_htslib_number`]).
fn parse_position(text: &str) -> std::result::Result<u64, &'static str> {
    match parse_htslib_number(text, true) {
        Some((value, "")) => Ok(value),
        None if text.trim().is_empty() => Err("missing position"),
        _ => Err("positions must be numbers"),
    }
}

/// Parses `beg`, `beg-`, `-end` or `beg-end` (1-based inclusive) into an
/// interval, accepting what samtools accepts: an empty range, `-` or an
/// end of 0 reach to the end of the sequence; a beginning of 0 is read as
/// 1 (`chr1:0-100` is `chr1:1-100`).
fn parse_range(range: &str) -> std::result::Result<Interval, &'static str> {
    let open = |text: &str| -> std::result::Result<Option<u64>, &'static str> {
        match parse_position(text)? {
            0 | u64::MAX => Ok(None),
            end => Ok(Some(end)),
        }
    };
    let (begin, end) = match range.split_once('-') {
        None if range.is_empty() => (1, None),
        None => (parse_position(range)?, None),
        Some(("", "")) => (1, None),
        Some(("", end)) => (1, open(end)?),
        Some((begin, "")) => (parse_position(begin)?, None),
        Some((begin, end)) => (parse_position(begin)?, open(end)?),
    };
    let begin = begin.max(1);
    match end {
        None => Ok(Interval::to_end(begin - 1)),
        Some(end) if end.saturating_add(1) < begin => Err("the end is before the beginning"),
        Some(end) => Interval::from_one_based_inclusive(begin, end).map_err(|_| "invalid range"),
    }
}

impl FromStr for Region {
    type Err = Error;

    /// Parses without knowing the reference names; see the type's
    /// documentation.
    fn from_str(text: &str) -> Result<Self> {
        if text.is_empty() {
            return Err(invalid(text, "empty region"));
        }
        if text.starts_with('{') {
            return parse_braced(text);
        }
        match text.rsplit_once(':') {
            Some((name, range)) if !name.is_empty() && looks_like_range(range) => {
                let interval = parse_range(range).map_err(|why| invalid(text, why))?;
                Ok(Region::new(name, interval))
            }
            _ => Ok(Region::whole(text)),
        }
    }
}

impl fmt::Display for Region {
    /// As samtools prints a region: `name`, `name:beg` or `name:beg-end`
    /// (1-based inclusive), with braces around names containing `:`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.name.contains(':') {
            write!(f, "{{{}}}", self.name)?;
        } else {
            f.write_str(&self.name)?;
        }
        match (self.interval.start, self.interval.is_open_ended()) {
            (0, true) => Ok(()),
            (start, true) => write!(f, ":{}", start + 1),
            (start, false) => write!(f, ":{}-{}", start + 1, self.interval.end),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> (String, u64, u64) {
        let region: Region = text.parse().unwrap_or_else(|e| panic!("{text}: {e}"));
        (
            region.name.clone(),
            region.interval.start,
            region.interval.end,
        )
    }

    #[test]
    fn parses_the_samtools_forms() {
        assert_eq!(parsed("chr1"), ("chr1".into(), 0, u64::MAX));
        assert_eq!(parsed("chr1:100"), ("chr1".into(), 99, u64::MAX));
        assert_eq!(parsed("chr1:100-"), ("chr1".into(), 99, u64::MAX));
        assert_eq!(parsed("chr1:-200"), ("chr1".into(), 0, 200));
        assert_eq!(parsed("chr1:100-200"), ("chr1".into(), 99, 200));
        assert_eq!(
            parsed("chr1:1,000,000-2,000,000"),
            ("chr1".into(), 999_999, 2_000_000)
        );
        assert_eq!(parsed("{chr1:2}:5-6"), ("chr1:2".into(), 4, 6));
        assert_eq!(parsed("HLA-A*01:01"), ("HLA-A*01".into(), 0, u64::MAX));
        assert_eq!(parsed("weird:name"), ("weird:name".into(), 0, u64::MAX));
    }

    #[test]
    fn rejects_bad_ranges() {
        for text in [
            "",
            "chr1:10-5",
            "chr1:5-6-7",
            "chr1:5k1",
            "{chr1",
            "{chr1}x",
            "{}",
        ] {
            if let Ok(region) = text.parse::<Region>() {
                panic!("{text:?} accepted as {region:?}");
            }
        }
    }

    #[test]
    fn accepts_what_samtools_accepts() {
        assert_eq!(parsed("chr1:0-100"), ("chr1".into(), 0, 100));
        assert_eq!(parsed("chr1:0"), ("chr1".into(), 0, u64::MAX));
        assert_eq!(parsed("chr1:0-0"), ("chr1".into(), 0, u64::MAX));
        assert_eq!(parsed("chr1:100-0"), ("chr1".into(), 99, u64::MAX));
        assert_eq!(parsed("chr1:-"), ("chr1".into(), 0, u64::MAX));
        assert_eq!(parsed("chr1:1k-2.5k"), ("chr1".into(), 999, 2_500));
        assert_eq!(parsed("chr1:1e3-2E3"), ("chr1".into(), 999, 2_000));
        assert_eq!(parsed("chr1:1.5m"), ("chr1".into(), 1_499_999, u64::MAX));
        assert_eq!(
            parsed("chr1:5-99999999999999999999999"),
            ("chr1".into(), 4, u64::MAX)
        );
        let known = |name: &str| name == "chr1";
        let whole = Region::parse_with_names("chr1:", known).unwrap();
        assert_eq!(whole.interval(), Interval::full());
    }

    #[test]
    fn a_bad_range_on_a_known_name_says_what_is_wrong() {
        let known = |name: &str| name == "chr1";
        for (text, why) in [
            ("chr1:abc", "positions must be numbers"),
            ("chr1:300-200", "the end is before the beginning"),
            ("chr1:5-6-7", "positions must be numbers"),
        ] {
            let error = Region::parse_with_names(text, known).unwrap_err();
            assert!(error.to_string().contains(why), "{text}: {error}");
            assert!(error.to_string().contains(text), "{text}: {error}");
        }
        let error = Region::parse_with_names("chr9:1-5", known).unwrap_err();
        assert!(
            error.to_string().contains("no sequence named 'chr9'"),
            "{error}"
        );
    }

    #[test]
    fn display_round_trips() {
        for text in [
            "chr1",
            "chr1:100",
            "chr1:100-200",
            "{HLA-A*01:01}:1-100",
            "{a:b}",
        ] {
            assert_eq!(text.parse::<Region>().unwrap().to_string(), text);
        }
    }

    #[test]
    fn names_resolve_ambiguity() {
        let names = ["chr1", "chr1:1-2"];
        let known = |name: &str| names.contains(&name);
        assert!(Region::parse_with_names("chr1:1-2", known).is_err());
        assert_eq!(
            Region::parse_with_names("{chr1:1-2}", known)
                .unwrap()
                .name(),
            "chr1:1-2"
        );
        let error = Region::parse_with_names("chrX:1-2", known).unwrap_err();
        assert!(error.to_string().contains("chrX"), "{error}");
    }

    #[test]
    fn interval_overlap_and_clamp() {
        let a = Interval::new(10, 20).unwrap();
        assert!(a.overlaps(&Interval::new(19, 30).unwrap()));
        assert!(!a.overlaps(&Interval::new(20, 30).unwrap()));
        assert!(!a.overlaps(&Interval::new(15, 15).unwrap()));
        assert_eq!(Interval::full().clamp_to(50), Interval::new(0, 50).unwrap());
        assert_eq!(
            Interval::to_end(70).clamp_to(50),
            Interval::new(50, 50).unwrap()
        );
    }
}
