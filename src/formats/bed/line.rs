//! Parsing one BED data line: splitting it into columns and validating the
//! standard ones. Pure functions over `&[u8]`, shared by the reader, the
//! owned record and the fuzz target.

use std::borrow::Cow;

use super::layout::Layout;
use super::record::{ItemRgb, Strand};

/// How columns are separated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Separator {
    /// One tab between columns, as the specification says; empty columns
    /// are kept (and rejected where a value is required).
    #[default]
    Tab,
    /// Any run of spaces and tabs, with leading and trailing blanks
    /// ignored: the lenient reading of files seen in the wild.
    Whitespace,
}

/// The standard columns' values, decoded and validated once per line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Parsed {
    pub layout: Layout,
    pub chrom_start: u64,
    pub chrom_end: u64,
    pub score: Option<u16>,
    pub strand: Option<Strand>,
    pub thick_start: u64,
    pub thick_end: u64,
    pub item_rgb: Option<ItemRgb>,
    pub block_count: u32,
}

/// Byte ranges `(start, end)` of the columns of `line`.
pub(crate) fn split(line: &[u8], separator: Separator, fields: &mut Vec<(usize, usize)>) {
    fields.clear();
    match separator {
        Separator::Tab => {
            let mut start = 0;
            for tab in memchr::memchr_iter(b'\t', line) {
                fields.push((start, tab));
                start = tab + 1;
            }
            fields.push((start, line.len()));
        }
        Separator::Whitespace => {
            let mut start = None;
            for (i, &byte) in line.iter().enumerate() {
                let blank = byte == b' ' || byte == b'\t';
                match (start, blank) {
                    (None, false) => start = Some(i),
                    (Some(from), true) => {
                        fields.push((from, i));
                        start = None;
                    }
                    _ => {}
                }
            }
            if let Some(from) = start {
                fields.push((from, line.len()));
            }
        }
    }
}

/// A message for the line's error.
type Message = Cow<'static, str>;

/// At most 40 bytes of `field`, for messages.
fn show(field: &[u8]) -> String {
    let shown = &field[..field.len().min(40)];
    let mut text = format!("{:?}", String::from_utf8_lossy(shown));
    if field.len() > 40 {
        text.push('…');
    }
    text
}

/// A non-negative decimal integer of at most 20 digits, no sign.
#[inline]
pub(crate) fn parse_u64(field: &[u8]) -> Option<u64> {
    if field.is_empty() || field.len() > 20 {
        return None;
    }
    let mut value: u64 = 0;
    for &byte in field {
        let digit = byte.wrapping_sub(b'0');
        if digit > 9 {
            return None;
        }
        value = value.checked_mul(10)?.checked_add(u64::from(digit))?;
    }
    Some(value)
}

fn integer(field: &[u8], column: &str) -> Result<u64, Message> {
    parse_u64(field).ok_or_else(|| {
        format!(
            "{column}: expected a non-negative integer, found {}",
            show(field)
        )
        .into()
    })
}

/// Parses `line` (its columns at `fields`) as `layout` says.
pub(crate) fn parse(
    line: &[u8],
    fields: &[(usize, usize)],
    layout: Layout,
) -> Result<Parsed, Message> {
    if fields.len() != layout.columns() {
        return Err(format!(
            "expected {} columns ({layout}), found {}",
            layout.columns(),
            fields.len()
        )
        .into());
    }
    let field = |i: usize| {
        fields
            .get(i)
            .and_then(|&(from, to)| line.get(from..to))
            .unwrap_or_default()
    };
    let standard = usize::from(layout.standard_columns());
    let mut parsed = Parsed {
        layout,
        ..Parsed::default()
    };
    if field(0).is_empty() {
        return Err("chrom: expected a sequence name, found an empty column".into());
    }
    parsed.chrom_start = integer(field(1), "chromStart")?;
    parsed.chrom_end = integer(field(2), "chromEnd")?;
    if parsed.chrom_start > parsed.chrom_end {
        return Err(format!(
            "chromStart {} is after chromEnd {}",
            parsed.chrom_start, parsed.chrom_end
        )
        .into());
    }
    if standard >= 4 && field(3).is_empty() {
        return Err("name: expected a name, found an empty column".into());
    }
    if standard >= 5 {
        parsed.score = parse_score(field(4))?;
    }
    if standard >= 6 {
        parsed.strand = Some(match field(5) {
            b"+" => Strand::Forward,
            b"-" => Strand::Reverse,
            b"." => Strand::Unknown,
            other => {
                return Err(format!("strand: expected +, - or ., found {}", show(other)).into())
            }
        });
    }
    parsed.thick_start = parsed.chrom_start;
    parsed.thick_end = parsed.chrom_end;
    if standard >= 7 {
        parsed.thick_start = integer(field(6), "thickStart")?;
    }
    if standard >= 8 {
        parsed.thick_end = integer(field(7), "thickEnd")?;
    }
    if standard >= 7
        && !(parsed.chrom_start <= parsed.thick_start
            && parsed.thick_start <= parsed.thick_end
            && parsed.thick_end <= parsed.chrom_end)
    {
        return Err(format!(
            "expected chromStart <= thickStart <= thickEnd <= chromEnd, found {} {} {} {}",
            parsed.chrom_start, parsed.thick_start, parsed.thick_end, parsed.chrom_end
        )
        .into());
    }
    if standard >= 9 {
        parsed.item_rgb = Some(parse_item_rgb(field(8))?);
    }
    if standard == 12 {
        parsed.block_count = check_blocks(
            field(9),
            field(10),
            field(11),
            parsed.chrom_end - parsed.chrom_start,
        )?;
    }
    Ok(parsed)
}

fn parse_score(field: &[u8]) -> Result<Option<u16>, Message> {
    if field == b"." {
        return Ok(None);
    }
    match parse_u64(field) {
        Some(score) if score <= 1000 => Ok(Some(score as u16)),
        _ => Err(format!(
            "score: expected an integer from 0 to 1000 or '.', found {}",
            show(field)
        )
        .into()),
    }
}

fn parse_item_rgb(field: &[u8]) -> Result<ItemRgb, Message> {
    if field == b"0" {
        return Ok(ItemRgb::Off);
    }
    let mut rgb = [0u8; 3];
    let mut parts = field.split(|&b| b == b',');
    for value in &mut rgb {
        match parts.next().and_then(parse_u64) {
            Some(v) if v <= 255 => *value = v as u8,
            _ => {
                return Err(format!(
                    "itemRgb: expected 0 or r,g,b with values 0 to 255, found {}",
                    show(field)
                )
                .into())
            }
        }
    }
    if parts.next().is_some() {
        return Err(format!(
            "itemRgb: expected 0 or r,g,b with values 0 to 255, found {}",
            show(field)
        )
        .into());
    }
    Ok(ItemRgb::Color(rgb))
}

/// The values of a comma-separated list, a trailing comma allowed; `None`
/// for a value that is not an integer.
pub(crate) fn list(field: &[u8]) -> impl Iterator<Item = Option<u64>> + '_ {
    let field = field.strip_suffix(b",").unwrap_or(field);
    field.split(|&b| b == b',').map(parse_u64)
}

/// Checks blockCount, blockSizes and blockStarts against each other and the
/// feature's length; returns blockCount.
fn check_blocks(count: &[u8], sizes: &[u8], starts: &[u8], length: u64) -> Result<u32, Message> {
    let block_count = match parse_u64(count) {
        Some(n) if n >= 1 && n <= u64::from(u32::MAX) => n as u32,
        _ => {
            return Err(format!(
                "blockCount: expected a positive integer, found {}",
                show(count)
            )
            .into())
        }
    };
    let mut listed = 0u64;
    let mut previous_end = 0u64;
    let mut sizes_iter = list(sizes);
    for start in list(starts) {
        listed += 1;
        if listed > u64::from(block_count) {
            break;
        }
        let start = start.ok_or_else(|| {
            Message::from(format!(
                "blockStarts: expected comma-separated integers, found {}",
                show(starts)
            ))
        })?;
        let size = match sizes_iter.next() {
            Some(Some(size)) if size > 0 => size,
            Some(_) => {
                return Err(format!(
                    "blockSizes: expected comma-separated positive integers, found {}",
                    show(sizes)
                )
                .into())
            }
            None => {
                return Err(format!(
                    "blockCount is {block_count} but blockSizes lists {}",
                    listed - 1
                )
                .into())
            }
        };
        if listed == 1 && start != 0 {
            return Err(format!("the first blockStart must be 0, found {start}").into());
        }
        if start < previous_end {
            return Err(format!(
                "block {listed} starts at {start}, before the end {previous_end} of the previous one"
            )
            .into());
        }
        previous_end = start
            .checked_add(size)
            .ok_or_else(|| Message::from("block end overflows"))?;
    }
    if listed != u64::from(block_count) {
        return Err(format!(
            "blockCount is {block_count} but blockStarts lists {}",
            list(starts).count()
        )
        .into());
    }
    if sizes_iter.next().is_some() {
        return Err(format!(
            "blockCount is {block_count} but blockSizes lists {}",
            list(sizes).count()
        )
        .into());
    }
    if previous_end != length {
        return Err(format!(
            "the last block must end at chromEnd (relative {length}), found {previous_end}"
        )
        .into());
    }
    Ok(block_count)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_line(line: &[u8], layout: Layout) -> Result<Parsed, Message> {
        let mut fields = Vec::new();
        split(line, Separator::Tab, &mut fields);
        parse(line, &fields, layout)
    }

    #[test]
    fn splits_tabs_and_whitespace() {
        let mut fields = Vec::new();
        split(b"a\t\tb", Separator::Tab, &mut fields);
        assert_eq!(fields, [(0, 1), (2, 2), (3, 4)]);
        split(b"  a \t b  c ", Separator::Whitespace, &mut fields);
        assert_eq!(fields, [(2, 3), (6, 7), (9, 10)]);
    }

    #[test]
    fn numbers() {
        assert_eq!(parse_u64(b"0"), Some(0));
        assert_eq!(parse_u64(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_u64(b"18446744073709551616"), None);
        assert_eq!(parse_u64(b"-1"), None);
        assert_eq!(parse_u64(b"+1"), None);
        assert_eq!(parse_u64(b""), None);
    }

    #[test]
    fn bed12_blocks_are_checked() {
        let bed12 = Layout::bed(12).unwrap();
        let good = b"chr1\t100\t200\tx\t0\t+\t110\t190\t255,0,0\t2\t10,20,\t0,80,";
        let parsed = parse_line(good, bed12).unwrap();
        assert_eq!(parsed.block_count, 2);
        assert_eq!(parsed.item_rgb, Some(ItemRgb::Color([255, 0, 0])));
        for (bad, message) in [
            (
                &b"chr1\t100\t200\tx\t0\t+\t110\t190\t0\t3\t10,20\t0,80"[..],
                "blockCount is 3",
            ),
            (
                b"chr1\t100\t200\tx\t0\t+\t110\t190\t0\t2\t10,20\t5,80",
                "first blockStart",
            ),
            (
                b"chr1\t100\t200\tx\t0\t+\t110\t190\t0\t2\t10,20\t0,70",
                "last block",
            ),
            (
                b"chr1\t100\t200\tx\t0\t+\t110\t190\t0\t2\t50,50\t0,40",
                "before the end",
            ),
            (
                b"chr1\t100\t200\tx\t0\t+\t110\t190\t0\t2\t10,0\t0,80",
                "blockSizes",
            ),
            (
                b"chr1\t100\t200\tx\t0\t+\t210\t190\t0\t1\t100\t0",
                "thickStart",
            ),
            (
                b"chr1\t100\t200\tx\t1001\t+\t110\t190\t0\t1\t100\t0",
                "score",
            ),
            (b"chr1\t100\t200\tx\t0\t*\t110\t190\t0\t1\t100\t0", "strand"),
            (
                b"chr1\t100\t200\tx\t0\t+\t110\t190\t256,0,0\t1\t100\t0",
                "itemRgb",
            ),
            (
                b"chr1\t200\t100\tx\t0\t+\t110\t190\t0\t1\t100\t0",
                "after chromEnd",
            ),
        ] {
            let error = parse_line(bad, bed12).unwrap_err();
            assert!(error.contains(message), "{error} lacks {message}");
        }
    }
}
