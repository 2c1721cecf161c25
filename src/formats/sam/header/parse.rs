//! Parsing header text into a [`Header`], strictly or leniently.

use std::collections::HashSet;

use super::{
    Field, Fields, GroupOrder, Header, HeaderLine, Line, Program, ReadGroup, ReferenceSequence,
    SortOrder,
};
use crate::{Error, Format, Result};

/// How closely header text must follow the SAM specification.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Strictness {
    /// Every rule of the specification that `samtools` and the hts-specs
    /// conformance suite check: field syntax, no repeated tags, `@HD` first
    /// and once, a valid `VN`/`SO`/`GO`/`SS`, valid and unique `@SQ` names
    /// (`SN`, `AN`, `AH`), `LN` ≥ 1, `M5` as 32 lower-case hex digits, `TP`,
    /// unique `@RG` and `@PG` IDs, `DT` as ISO 8601, `PI` as an integer,
    /// `PL` from the standard list, and `PP` naming an existing `@PG`.
    #[default]
    Strict,
    /// Only what reading records needs: `@SQ` with `SN` and a numeric `LN`,
    /// `@RG`/`@PG` with an `ID`, fields as `TAG:VALUE`. Unknown line types
    /// are kept as text.
    Lenient,
}

/// Options for parsing header text.
///
/// ```
/// use biometal::formats::sam::header::{ParseOptions, Strictness};
///
/// let text = "@HD\tVN:1\n@SQ\tSN:chr1\tLN:5\n"; // VN must look like 1.6
/// assert!(ParseOptions::default().parse(text).is_err());
/// let header = ParseOptions::default().strictness(Strictness::Lenient).parse(text)?;
/// assert_eq!(header.reference_sequences().len(), 1);
/// # Ok::<(), biometal::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct ParseOptions {
    strictness: Strictness,
    format: Option<Format>,
}

const PLATFORMS: &[&str] = &[
    "CAPILLARY",
    "DNBSEQ",
    "ELEMENT",
    "HELICOS",
    "ILLUMINA",
    "IONTORRENT",
    "LS454",
    "ONT",
    "PACBIO",
    "SINGULAR",
    "SOLID",
    "ULTIMA",
];

impl ParseOptions {
    /// Sets the strictness.
    pub fn strictness(mut self, strictness: Strictness) -> Self {
        self.strictness = strictness;
        self
    }

    /// Sets the format named in errors (SAM by default; BAM and CRAM readers
    /// set their own).
    pub fn format(mut self, format: Format) -> Self {
        self.format = Some(format);
        self
    }

    /// Parses `text`, one header line per line.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidData`](crate::ErrorKind::InvalidData) naming the
    /// 1-based line and the rule broken.
    pub fn parse(&self, text: &str) -> Result<Header> {
        let mut parser = Parser {
            options: *self,
            header: Header {
                text: text.to_owned(),
                ..Header::default()
            },
            names: HashSet::new(),
            read_group_ids: HashSet::new(),
            program_ids: HashSet::new(),
            program_lines: Vec::new(),
            line_number: 0,
        };
        for (line_index, line) in text.split('\n').enumerate() {
            let line_number = line_index as u64 + 1;
            let line = line.strip_suffix('\r').unwrap_or(line);
            if line.is_empty() {
                continue;
            }
            parser.line_number = line_number;
            parser.line(line).map_err(|e| e.at_line(line_number))?;
        }
        parser.finish()?;
        Ok(parser.header)
    }

    fn error(&self, message: String) -> Error {
        Error::invalid_data(
            self.format.unwrap_or(Format::Sam),
            format!("header: {message}"),
        )
    }
}

struct Parser {
    options: ParseOptions,
    header: Header,
    names: HashSet<String>,
    read_group_ids: HashSet<String>,
    program_ids: HashSet<String>,
    program_lines: Vec<u64>,
    line_number: u64,
}

fn is_valid_reference_name(name: &str) -> bool {
    let allowed_later = |c: u8| c.is_ascii_graphic() && !b"\\,\"'`()[]{}<>".contains(&c);
    match name.as_bytes().split_first() {
        Some((&first, rest)) => {
            allowed_later(first)
                && first != b'*'
                && first != b'='
                && rest.iter().all(|&c| allowed_later(c))
        }
        None => false,
    }
}

fn is_iso8601_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.len() < 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return false;
    }
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        text.get(range)?.bytes().try_fold(0u32, |acc, b| {
            b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0'))
        })
    };
    let (Some(_), Some(month), Some(day)) = (digits(0..4), digits(5..7), digits(8..10)) else {
        return false;
    };
    (1..=12).contains(&month) && (1..=31).contains(&day) && (bytes.len() == 10 || bytes[10] == b'T')
}

impl Parser {
    fn strict(&self) -> bool {
        self.options.strictness == Strictness::Strict
    }

    fn error(&self, message: String) -> Error {
        self.options.error(message)
    }

    fn fields(&self, kind: &str, text: &str) -> Result<Fields> {
        let mut fields = Vec::new();
        for item in text.split('\t') {
            let bytes = item.as_bytes();
            if bytes.len() < 3 || bytes[2] != b':' {
                return Err(self.error(format!(
                    "{kind}: expected a TAG:VALUE field, found {item:?}"
                )));
            }
            let tag = [bytes[0], bytes[1]];
            if self.strict() {
                if !(tag[0].is_ascii_alphabetic() && tag[1].is_ascii_alphanumeric()) {
                    return Err(self.error(format!("{kind}: invalid tag in {item:?}")));
                }
                if fields.iter().any(|f: &Field| f.tag == tag) {
                    return Err(self.error(format!("{kind}: tag {} appears twice", &item[..2])));
                }
            }
            fields.push(Field {
                tag,
                value: item[3..].to_owned(),
            });
        }
        Ok(Fields(fields))
    }

    fn line(&mut self, line: &str) -> Result<()> {
        let (kind, rest) = match line.split_once('\t') {
            Some((kind, rest)) => (kind, rest),
            None => (line, ""),
        };
        match kind {
            "@CO" => {
                self.header
                    .lines
                    .push(Line::Comment(self.header.comments.len()));
                self.header.comments.push(rest.to_owned());
                return Ok(());
            }
            "@HD" | "@SQ" | "@RG" | "@PG" => {}
            _ if !self.strict() && kind.len() == 3 && kind.starts_with('@') => {
                self.header.lines.push(Line::Other(line.to_owned()));
                return Ok(());
            }
            _ => {
                return Err(self.error(format!(
                    "expected a line starting @HD, @SQ, @RG, @PG or @CO, found {kind:?}"
                )))
            }
        }
        if rest.is_empty() {
            return Err(self.error(format!("{kind} line without fields")));
        }
        let fields = self.fields(kind, rest)?;
        match kind {
            "@HD" => self.header_line(fields),
            "@SQ" => self.reference(fields),
            "@RG" => self.read_group(fields),
            _ => self.program(fields),
        }
    }

    fn header_line(&mut self, fields: Fields) -> Result<()> {
        if self.header.header_line.is_some() {
            return Err(self.error("@HD appears twice".into()));
        }
        if self.strict() {
            if !self.header.lines.is_empty() {
                return Err(self.error("@HD must be the first line".into()));
            }
            let version = fields.get(b"VN").unwrap_or_default();
            let valid_version = version.split_once('.').is_some_and(|(major, minor)| {
                !major.is_empty()
                    && !minor.is_empty()
                    && major
                        .bytes()
                        .chain(minor.bytes())
                        .all(|b| b.is_ascii_digit())
            });
            if !valid_version {
                return Err(
                    self.error(format!("@HD VN must be <major>.<minor>, found {version:?}"))
                );
            }
            if let Some(so) = fields.get(b"SO").filter(|v| SortOrder::parse(v).is_none()) {
                return Err(self.error(format!("@HD SO {so:?} is not a standard sort order")));
            }
            if let Some(go) = fields.get(b"GO").filter(|v| GroupOrder::parse(v).is_none()) {
                return Err(self.error(format!("@HD GO {go:?} is not a standard grouping")));
            }
            if let Some(ss) = fields.get(b"SS") {
                let mut parts = ss.split(':');
                let order_ok =
                    matches!(parts.next(), Some("coordinate" | "queryname" | "unsorted"));
                let mut count = 0;
                let subs_ok = parts.all(|p| {
                    count += 1;
                    !p.is_empty()
                        && p.bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
                });
                if !(order_ok && subs_ok && count > 0) {
                    return Err(self.error(format!("@HD SS {ss:?} is not <sort order>:<sub-sort>")));
                }
            }
        }
        self.header.lines.push(Line::Header);
        self.header.header_line = Some(HeaderLine { fields });
        Ok(())
    }

    fn reference(&mut self, fields: Fields) -> Result<()> {
        let name = fields
            .get(b"SN")
            .ok_or_else(|| self.error("@SQ without SN".into()))?
            .to_owned();
        let length_text = fields
            .get(b"LN")
            .ok_or_else(|| self.error(format!("@SQ {name} without LN")))?;
        let length: u64 = length_text.parse().map_err(|_| {
            self.error(format!(
                "@SQ {name}: LN {length_text:?} is not a non-negative integer"
            ))
        })?;
        if self.strict() {
            if length == 0 {
                return Err(self.error(format!("@SQ {name}: LN must be at least 1")));
            }
            if !is_valid_reference_name(&name) {
                return Err(self.error(format!("@SQ SN {name:?} is not a valid reference name")));
            }
            if let Some(md5) = fields.get(b"M5") {
                if md5.len() != 32
                    || !md5
                        .bytes()
                        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
                {
                    return Err(self.error(format!(
                        "@SQ {name}: M5 {md5:?} is not 32 lower-case hex digits"
                    )));
                }
            }
            if let Some(tp) = fields
                .get(b"TP")
                .filter(|v| !matches!(*v, "linear" | "circular"))
            {
                return Err(self.error(format!("@SQ {name}: TP {tp:?} is not linear or circular")));
            }
            if let Some(ah) = fields.get(b"AH").filter(|v| *v != "*") {
                let locus = ah.split(':').next().unwrap_or_default();
                if !is_valid_reference_name(locus) {
                    return Err(self.error(format!(
                        "@SQ {name}: AH {ah:?} is not * or a reference locus"
                    )));
                }
            }
        }
        if !self.names.insert(name.clone()) {
            return Err(self.error(format!("@SQ SN {name:?} appears twice")));
        }
        if self.strict() {
            for alternative in fields.get(b"AN").into_iter().flat_map(|v| v.split(',')) {
                if !is_valid_reference_name(alternative) {
                    return Err(
                        self.error(format!("@SQ {name}: AN name {alternative:?} is not valid"))
                    );
                }
                if !self.names.insert(alternative.to_owned()) {
                    return Err(self.error(format!(
                        "@SQ {name}: AN name {alternative:?} is already used"
                    )));
                }
            }
        }
        self.header.push_reference(ReferenceSequence {
            name,
            length,
            fields,
        });
        Ok(())
    }

    fn read_group(&mut self, fields: Fields) -> Result<()> {
        let id = fields
            .get(b"ID")
            .ok_or_else(|| self.error("@RG without ID".into()))?;
        if self.strict() {
            if !self.read_group_ids.insert(id.to_owned()) {
                return Err(self.error(format!("@RG ID {id:?} appears twice")));
            }
            if let Some(dt) = fields.get(b"DT").filter(|v| !is_iso8601_date(v.trim_end())) {
                return Err(self.error(format!("@RG {id}: DT {dt:?} is not an ISO 8601 date")));
            }
            if let Some(pi) = fields.get(b"PI").filter(|v| v.parse::<i64>().is_err()) {
                return Err(self.error(format!("@RG {id}: PI {pi:?} is not an integer")));
            }
            if let Some(pl) = fields
                .get(b"PL")
                .filter(|v| !PLATFORMS.contains(&v.to_ascii_uppercase().as_str()))
            {
                return Err(self.error(format!("@RG {id}: PL {pl:?} is not a standard platform")));
            }
        }
        self.header
            .lines
            .push(Line::ReadGroup(self.header.read_groups.len()));
        self.header.read_groups.push(ReadGroup { fields });
        Ok(())
    }

    fn program(&mut self, fields: Fields) -> Result<()> {
        let id = fields
            .get(b"ID")
            .ok_or_else(|| self.error("@PG without ID".into()))?;
        if self.strict() && !self.program_ids.insert(id.to_owned()) {
            return Err(self.error(format!("@PG ID {id:?} appears twice")));
        }
        self.program_lines.push(self.line_number);
        self.header
            .lines
            .push(Line::Program(self.header.programs.len()));
        self.header.programs.push(Program { fields });
        Ok(())
    }

    fn finish(&self) -> Result<()> {
        if self.strict() {
            for (program, &line) in self.header.programs.iter().zip(&self.program_lines) {
                if let Some(pp) = program
                    .previous_id()
                    .filter(|pp| !self.program_ids.contains(*pp))
                {
                    return Err(self
                        .error(format!("@PG {}: PP {pp:?} names no @PG ID", program.id()))
                        .at_line(line));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_line() {
        let err = Header::parse("@HD\tVN:1.6\n@SQ\tSN:a\tLN:0\n").unwrap_err();
        assert_eq!(err.location().line(), Some(2));
        assert!(err.to_string().contains("LN must be at least 1"), "{err}");
    }

    #[test]
    fn keeps_unknown_tags_in_order() {
        let text = "@HD\tVN:1.6\tZZ:x\n@SQ\tSN:a\tXX:1\tLN:3000000000\n@CO\tfree text\n";
        let header = Header::parse(text).unwrap();
        assert_eq!(header.to_string(), text);
        assert_eq!(header.reference_sequences()[0].length(), 3_000_000_000);
    }

    #[test]
    fn lenient_keeps_unknown_lines() {
        let text = "@XY\tfoo\n@SQ\tSN:a\tLN:0\n";
        assert!(Header::parse(text).is_err());
        let header = ParseOptions::default()
            .strictness(Strictness::Lenient)
            .parse(text)
            .unwrap();
        assert_eq!(header.to_string(), text);
    }
}
