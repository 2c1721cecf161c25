//! Parsing one GFF3/GTF feature line and directives: pure functions over
//! `&[u8]`, shared by the reader, the owned record and the fuzz target.

use std::borrow::Cow;

use super::attributes::{check_escapes, next_gff3_entry, next_gtf_entry};
use super::record::Strand;
use super::Dialect;
use crate::formats::bed::parse_u64;
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

fn position(field: &[u8], column: &str) -> Result<u64, Message> {
    match parse_u64(field) {
        Some(value) if value >= 1 => Ok(value),
        _ => Err(format!(
            "{column}: expected a 1-based position (a positive integer), found {}",
            show(field)
        )
        .into()),
    }
}

/// Parses a feature line (without its line ending).
pub(crate) fn parse(text: &[u8], dialect: Dialect) -> Result<Parsed, Message> {
    let mut parsed = Parsed {
        dialect,
        ..Parsed::default()
    };
    let mut start = 0;
    let mut tabs = memchr::memchr_iter(b'\t', text);
    for (column, bounds) in parsed.fields.iter_mut().enumerate() {
        let end = if column == 8 {
            text.len()
        } else {
            match tabs.next() {
                Some(tab) => tab,
                None => {
                    return Err(
                        format!("expected 9 tab-separated columns, found {}", column + 1).into(),
                    )
                }
            }
        };
        *bounds = (start, end);
        start = end + 1;
    }
    if tabs.next().is_some() || memchr::memchr(b'\t', field(text, parsed.fields[8])).is_some() {
        return Err(format!(
            "expected 9 tab-separated columns, found {}",
            memchr::memchr_iter(b'\t', text).count() + 1
        )
        .into());
    }
    let column = |i: usize| field(text, parsed.fields[i]);
    for (i, name) in [(0, "seqid"), (1, "source"), (2, "type")] {
        if column(i).is_empty() {
            return Err(format!("{name}: expected a value or '.', found an empty column").into());
        }
        if dialect == Dialect::Gff3 {
            check_escapes(column(i)).map_err(|m| format!("{name}: {m}"))?;
        }
    }
    parsed.start = position(column(3), "start")?;
    parsed.end = position(column(4), "end")?;
    if parsed.start > parsed.end {
        return Err(format!("start {} is after end {}", parsed.start, parsed.end).into());
    }
    let score = column(5);
    if score != b"." {
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
    parsed.strand = match column(6) {
        b"+" => Strand::Forward,
        b"-" => Strand::Reverse,
        b"." => Strand::None,
        b"?" => Strand::Unknown,
        other => {
            return Err(format!("strand: expected +, -, . or ?, found {}", show(other)).into())
        }
    };
    parsed.phase = match column(7) {
        b"." => None,
        b"0" => Some(0),
        b"1" => Some(1),
        b"2" => Some(2),
        other => return Err(format!("phase: expected 0, 1, 2 or ., found {}", show(other)).into()),
    };
    check_attributes(column(8), dialect)?;
    Ok(parsed)
}

/// The bytes of `bounds` in `text`.
#[inline]
pub(crate) fn field(text: &[u8], (from, to): (usize, usize)) -> &[u8] {
    text.get(from..to).unwrap_or_default()
}

fn check_attributes(column: &[u8], dialect: Dialect) -> Result<(), Message> {
    if column == b"." {
        return Ok(());
    }
    if column.is_empty() {
        return Err("attributes: expected attributes or '.', found an empty column".into());
    }
    let mut rest = column;
    match dialect {
        Dialect::Gff3 => {
            check_escapes(column).map_err(|m| format!("attributes: {m}"))?;
            while let Some(entry) = next_gff3_entry(&mut rest) {
                entry.map_err(|m| format!("attributes: {m}, found {}", show(column)))?;
            }
        }
        Dialect::Gtf => {
            while let Some(entry) = next_gtf_entry(&mut rest) {
                entry.map_err(|m| format!("attributes: {m}, found {}", show(column)))?;
            }
        }
    }
    Ok(())
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
        let parsed = parse(line, Dialect::Gff3).unwrap();
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
            let error = parse(bad, Dialect::Gff3).unwrap_err();
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
