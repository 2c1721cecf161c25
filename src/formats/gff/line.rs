//! Parsing one GFF3/GTF feature line and directives: pure functions over
//! `&[u8]`, shared by the reader, the owned record and the fuzz target.

use std::borrow::Cow;

use super::attributes::{
    check_escapes, check_gff3_attributes, check_gtf_attributes, EntryBounds, Seen,
};
use super::record::Strand;
use super::Dialect;
use crate::formats::bed::{find_byte, parse_u64};
use crate::formats::fields::{parse_decimal, split_line, FieldBounds};
use crate::region::Position;

/// The columns' bounds and decoded values, validated once per line.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(crate) struct Parsed {
    pub fields: [(usize, usize); 9],
    pub start: u64,
    pub end: u64,
    pub score: Option<f64>,
    pub strand: Strand,
    pub phase: Option<u8>,
    pub dialect: Dialect,
    /// Whether the attributes hold percent-escapes (else no value needs
    /// decoding) and lists.
    pub seen: Seen,
}

type Message = Cow<'static, str>;

fn show(field: &[u8]) -> String {
    let shown = field.get(..field.len().min(40)).unwrap_or_default();
    let mut text = format!("{:?}", String::from_utf8_lossy(shown));
    if field.len() > 40 {
        text.push('…');
    }
    text
}

#[inline(always)]
fn position(window: &[u8], (from, to): (usize, usize), column: &str) -> Result<u64, Message> {
    match parse_decimal(window, from, to) {
        Some(value) if value >= 1 => Ok(value),
        _ => Err(not_a_position(
            window.get(from..to).unwrap_or_default(),
            column,
        )),
    }
}

#[cold]
fn not_a_position(field: &[u8], column: &str) -> Message {
    format!(
        "{column}: expected a 1-based position (a positive integer), found {}",
        show(field)
    )
    .into()
}

/// The one byte of a one-byte column, or `None`.
#[inline(always)]
fn single_byte(field: &[u8]) -> Option<u8> {
    match field {
        &[byte] => Some(byte),
        _ => None,
    }
}

/// Parses a feature line (without its line ending), recording where the
/// attribute entries lie in `entries`.
pub(crate) fn parse(
    text: &[u8],
    dialect: Dialect,
    entries: &mut Vec<EntryBounds>,
) -> Result<Parsed, Message> {
    let mut fields = Vec::new();
    if split_line(text, &mut fields).is_some() {
        return Err("expected one line, found a line break in it".into());
    }
    let mut parsed = Parsed::default();
    parse_fields(text, &fields, dialect, entries, &mut parsed)?;
    Ok(parsed)
}

/// Parses a feature line cut at its tabs (`fields`, bounds in `window`,
/// which holds the line and possibly bytes after it) into `parsed` (left
/// partly filled on an error), recording where the attribute entries lie
/// in `entries`.
#[inline]
pub(crate) fn parse_fields(
    window: &[u8],
    fields: &[FieldBounds],
    dialect: Dialect,
    entries: &mut Vec<EntryBounds>,
    parsed: &mut Parsed,
) -> Result<(), Message> {
    let Ok(columns) = <[FieldBounds; 9]>::try_from(fields) else {
        return Err(format!("expected 9 tab-separated columns, found {}", fields.len()).into());
    };
    parsed.fields = columns;
    parsed.dialect = dialect;
    parsed.score = None;
    let column = |i: usize| field(window, columns.get(i).copied().unwrap_or_default());
    for (i, name) in [(0, "seqid"), (1, "source"), (2, "type")] {
        if column(i).is_empty() {
            return Err(format!("{name}: expected a value or '.', found an empty column").into());
        }
    }
    // Columns 4 to 8 hold numbers and symbols, checked below; the
    // attributes' escapes are checked with their syntax.
    if dialect == Dialect::Gff3 && find_byte(field(window, (0, columns[2].1)), b'%').is_some() {
        for (i, name) in [(0, "seqid"), (1, "source"), (2, "type")] {
            check_escapes(column(i)).map_err(|m| format!("{name}: {m}"))?;
        }
    }
    parsed.start = position(window, columns[3], "start")?;
    parsed.end = position(window, columns[4], "end")?;
    if parsed.start > parsed.end {
        return Err(format!("start {} is after end {}", parsed.start, parsed.end).into());
    }
    let score = column(5);
    if single_byte(score) != Some(b'.') {
        let value = std::str::from_utf8(score)
            .ok()
            .and_then(|s| s.parse::<f64>().ok())
            .filter(|v| v.is_finite());
        match value {
            Some(value) => parsed.score = Some(value),
            None => {
                return Err(
                    format!("score: expected a number or '.', found {}", show(score)).into(),
                )
            }
        }
    }
    parsed.strand = match single_byte(column(6)) {
        Some(b'+') => Strand::Forward,
        Some(b'-') => Strand::Reverse,
        Some(b'.') => Strand::None,
        Some(b'?') => Strand::Unknown,
        _ => {
            return Err(format!("strand: expected +, -, . or ?, found {}", show(column(6))).into())
        }
    };
    parsed.phase = match single_byte(column(7)) {
        Some(b'.') => None,
        Some(b'0') => Some(0),
        Some(b'1') => Some(1),
        Some(b'2') => Some(2),
        _ => return Err(format!("phase: expected 0, 1, 2 or ., found {}", show(column(7))).into()),
    };
    parsed.seen = check_attributes(window, columns[8], dialect, entries)?;
    Ok(())
}

/// The bytes of `bounds` in `text`.
#[inline]
pub(crate) fn field(text: &[u8], (from, to): (usize, usize)) -> &[u8] {
    text.get(from..to).unwrap_or_default()
}

/// Checks the attributes column at `bounds` of `window`; says whether it
/// holds percent-escapes or lists (GFF3).
#[inline]
fn check_attributes(
    window: &[u8],
    bounds: FieldBounds,
    dialect: Dialect,
    entries: &mut Vec<EntryBounds>,
) -> Result<Seen, Message> {
    entries.clear();
    let column = field(window, bounds);
    if single_byte(column) == Some(b'.') {
        return Ok(Seen::default());
    }
    if column.is_empty() {
        return Err("attributes: expected attributes or '.', found an empty column".into());
    }
    match dialect {
        Dialect::Gff3 => {
            let seen = check_gff3_attributes(window, bounds, entries)
                .map_err(|m| format!("attributes: {m}, found {}", show(column)))?;
            if seen.percent {
                check_escapes(column).map_err(|m| format!("attributes: {m}"))?;
            }
            Ok(seen)
        }
        Dialect::Gtf => {
            check_gtf_attributes(column, entries)
                .map_err(|m| format!("attributes: {m}, found {}", show(column)))?;
            Ok(Seen::default())
        }
    }
}

/// A directive (`##` line), parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirectiveKind<'a> {
    /// `##gff-version 3.1.26`: the version as written.
    GffVersion(&'a [u8]),
    /// `##sequence-region seqid start end`, 1-based inclusive.
    SequenceRegion {
        /// The sequence's name.
        seqid: &'a [u8],
        /// The first position.
        start: Position,
        /// The last position.
        end: Position,
    },
    /// `###`: every feature so far is complete (no later line refers to
    /// it).
    ForwardReferencesResolved,
    /// `##FASTA`: the rest of the file is FASTA.
    Fasta,
    /// Any other `##name value` directive (`##species`, GENCODE's
    /// `##description:` …): the text after `##`.
    Other(&'a [u8]),
}

/// Parses a `##` line (without its line ending).
pub(crate) fn parse_directive(text: &[u8]) -> Result<DirectiveKind<'_>, Message> {
    let body = text.get(2..).unwrap_or_default();
    if body == b"#" {
        return Ok(DirectiveKind::ForwardReferencesResolved);
    }
    let mut words = body
        .split(|&b| b == b' ' || b == b'\t')
        .filter(|w| !w.is_empty());
    let name = words.next().unwrap_or_default();
    Ok(match name {
        b"FASTA" => DirectiveKind::Fasta,
        b"gff-version" => DirectiveKind::GffVersion(words.next().unwrap_or_default()),
        b"sequence-region" => {
            let seqid = words.next().unwrap_or_default();
            let start = words.next().and_then(parse_u64).and_then(Position::new);
            let end = words.next().and_then(parse_u64).and_then(Position::new);
            match (start, end) {
                (Some(start), Some(end)) if !seqid.is_empty() && start <= end => {
                    DirectiveKind::SequenceRegion { seqid, start, end }
                }
                _ => {
                    return Err(format!(
                        "expected ##sequence-region seqid start end (1 <= start <= end), found {}",
                        show(text)
                    )
                    .into())
                }
            }
        }
        _ => DirectiveKind::Other(body),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feature_lines() {
        let line = b"ctg1\tsrc\tCDS\t10\t20\t0.5\t-\t2\tID=cds1;Parent=tx1";
        let mut entries = Vec::new();
        let parsed = parse(line, Dialect::Gff3, &mut entries).unwrap();
        assert_eq!(entries, [[0, 2, 3, 7], [8, 14, 15, 18]]);
        assert_eq!((parsed.start, parsed.end), (10, 20));
        assert_eq!(parsed.score, Some(0.5));
        assert_eq!(parsed.strand, Strand::Reverse);
        assert_eq!(parsed.phase, Some(2));
        for (bad, message) in [
            (&b"ctg1\tsrc\tCDS\t10\t20\t.\t-\t2"[..], "found 8"),
            (b"ctg1\tsrc\tCDS\t10\t20\t.\t-\t2\tID=a\tx", "found 10"),
            (b"ctg1\tsrc\tCDS\t30\t20\t.\t-\t2\tID=a", "after end"),
            (b"ctg1\tsrc\tCDS\t0\t20\t.\t-\t2\tID=a", "start"),
            (b"ctg1\tsrc\tCDS\tx\t20\t.\t-\t2\tID=a", "start"),
            (b"ctg1\tsrc\tCDS\t1\t20\tnan\t-\t2\tID=a", "score"),
            (b"ctg1\tsrc\tCDS\t1\t20\t.\tx\t2\tID=a", "strand"),
            (b"ctg1\tsrc\tCDS\t1\t20\t.\t+\t3\tID=a", "phase"),
            (b"ctg1\tsrc\tCDS\t1\t20\t.\t+\t0\tID=a%2", "percent"),
            (b"ctg1\tsrc\tCDS\t1\t20\t.\t+\t0\tID", "tag=value"),
        ] {
            let error = parse(bad, Dialect::Gff3, &mut entries).unwrap_err();
            assert!(error.contains(message), "{error} lacks {message}");
        }
    }

    #[test]
    fn directives() {
        assert_eq!(
            parse_directive(b"##sequence-region ctg1 1 500").unwrap(),
            DirectiveKind::SequenceRegion {
                seqid: b"ctg1",
                start: Position::MIN,
                end: Position::new(500).unwrap()
            }
        );
        assert!(parse_directive(b"##sequence-region ctg1 10 5").is_err());
        assert_eq!(
            parse_directive(b"###").unwrap(),
            DirectiveKind::ForwardReferencesResolved
        );
        assert_eq!(parse_directive(b"##FASTA").unwrap(), DirectiveKind::Fasta);
        assert_eq!(
            parse_directive(b"##gff-version 3.1.26").unwrap(),
            DirectiveKind::GffVersion(b"3.1.26")
        );
    }
}
