//! Parsing one BED data line: splitting it into columns and validating the
//! standard ones. Pure functions over `&[u8]`, shared by the reader, the
//! owned record and the fuzz target.

use std::borrow::Cow;

use super::layout::Layout;
use super::record::{ItemRgb, Strand};
use crate::formats::fields::{byte_mask, parse_decimal};

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
            for_each_tab(line, |tab| {
                fields.push((start, tab));
                start = tab + 1;
            });
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

/// The first `byte` in `haystack`, eight bytes at a time: for the short
/// columns and attribute values of annotation lines, where a vector
/// search's set-up costs more than it saves.
#[inline(always)]
pub(crate) fn find_byte(haystack: &[u8], byte: u8) -> Option<usize> {
    let mut chunks = haystack.chunks_exact(8);
    let mut base = 0;
    for chunk in &mut chunks {
        let mask = byte_mask(chunk.try_into().map_or(0, u64::from_le_bytes), byte);
        if mask != 0 {
            return Some(base + (mask.trailing_zeros() / 8) as usize);
        }
        base += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&b| b == byte)
        .map(|i| base + i)
}

/// Calls `found` with the offset of every tab in `line`, in order: eight
/// bytes at a time (a line's columns are a few bytes each, too short for
/// a vector search to pay its set-up).
#[inline(always)]
pub(crate) fn for_each_tab(line: &[u8], mut found: impl FnMut(usize)) {
    let mut chunks = line.chunks_exact(8);
    let mut base = 0;
    for chunk in &mut chunks {
        let word = chunk.try_into().map_or(0, u64::from_le_bytes);
        let mut mask = byte_mask(word, b'\t');
        while mask != 0 {
            found(base + (mask.trailing_zeros() / 8) as usize);
            mask &= mask - 1;
        }
        base += 8;
    }
    for (i, &byte) in chunks.remainder().iter().enumerate() {
        if byte == b'\t' {
            found(base + i);
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
    parse_decimal(field, 0, field.len())
}

/// The integer at `bounds` of `window`, or what was expected.
#[inline(always)]
fn integer(window: &[u8], (from, to): (usize, usize), column: &str) -> Result<u64, Message> {
    match parse_decimal(window, from, to) {
        Some(value) => Ok(value),
        None => Err(not_an_integer(
            window.get(from..to).unwrap_or_default(),
            column,
        )),
    }
}

#[cold]
fn not_an_integer(field: &[u8], column: &str) -> Message {
    format!(
        "{column}: expected a non-negative integer, found {}",
        show(field)
    )
    .into()
}

/// Parses a line's columns (at `fields`, bounds in `window`, which holds
/// the line and possibly bytes after it) as `layout` says.
pub(crate) fn parse(
    window: &[u8],
    fields: &[(usize, usize)],
    layout: Layout,
) -> Result<Parsed, Message> {
    let mut parsed = Parsed::default();
    parse_into(window, fields, layout, &mut parsed)?;
    Ok(parsed)
}

/// [`parse`] into `parsed` (left partly filled on an error).
#[inline]
pub(crate) fn parse_into(
    window: &[u8],
    fields: &[(usize, usize)],
    layout: Layout,
    parsed: &mut Parsed,
) -> Result<(), Message> {
    if fields.len() != layout.columns() {
        return Err(format!(
            "expected {} columns ({layout}), found {}",
            layout.columns(),
            fields.len()
        )
        .into());
    }
    let bounds = |i: usize| fields.get(i).copied().unwrap_or_default();
    let field = |i: usize| {
        let (from, to) = bounds(i);
        window.get(from..to).unwrap_or_default()
    };
    let standard = usize::from(layout.standard_columns());
    *parsed = Parsed {
        layout,
        ..Parsed::default()
    };
    let is_empty = |i: usize| {
        let (from, to) = bounds(i);
        from >= to
    };
    if is_empty(0) {
        return Err("chrom: expected a sequence name, found an empty column".into());
    }
    parsed.chrom_start = integer(window, bounds(1), "chromStart")?;
    parsed.chrom_end = integer(window, bounds(2), "chromEnd")?;
    if parsed.chrom_start > parsed.chrom_end {
        return Err(format!(
            "chromStart {} is after chromEnd {}",
            parsed.chrom_start, parsed.chrom_end
        )
        .into());
    }
    if standard >= 4 && is_empty(3) {
        return Err("name: expected a name, found an empty column".into());
    }
    if standard >= 5 {
        parsed.score = parse_score(window, bounds(4))?;
    }
    if standard >= 6 {
        let strand = field(5);
        parsed.strand = Some(match (strand.len(), strand.first()) {
            (1, Some(b'+')) => Strand::Forward,
            (1, Some(b'-')) => Strand::Reverse,
            (1, Some(b'.')) => Strand::Unknown,
            _ => return Err(format!("strand: expected +, - or ., found {}", show(strand)).into()),
        });
    }
    parsed.thick_start = parsed.chrom_start;
    parsed.thick_end = parsed.chrom_end;
    if standard >= 7 {
        parsed.thick_start = integer(window, bounds(6), "thickStart")?;
    }
    if standard >= 8 {
        parsed.thick_end = integer(window, bounds(7), "thickEnd")?;
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
    Ok(())
}

#[inline(always)]
fn parse_score(window: &[u8], (from, to): (usize, usize)) -> Result<Option<u16>, Message> {
    let field = window.get(from..to).unwrap_or_default();
    if field == b"." {
        return Ok(None);
    }
    // Mostly at most four digits: a plain loop is quicker than a word's
    // set-up (longer ones, zero-padded, take the general path).
    if (1..=4).contains(&field.len()) {
        let mut score: u16 = 0;
        for &byte in field {
            let digit = byte.wrapping_sub(b'0');
            if digit > 9 {
                return Err(bad_score(field));
            }
            score = score * 10 + u16::from(digit);
        }
        if score <= 1000 {
            return Ok(Some(score));
        }
    } else if let Some(score) = parse_decimal(window, from, to).filter(|&s| s <= 1000) {
        return Ok(Some(score as u16));
    }
    Err(bad_score(field))
}

#[cold]
fn bad_score(field: &[u8]) -> Message {
    format!(
        "score: expected an integer from 0 to 1000 or '.', found {}",
        show(field)
    )
    .into()
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
    fn tabs_are_found_at_every_offset() {
        for length in 0..40 {
            for tab in 0..length {
                let mut line = vec![b'x'; length];
                line[tab] = b'\t';
                line[length - 1 - tab] = b'\t';
                let mut found = Vec::new();
                for_each_tab(&line, |i| found.push(i));
                let expected: Vec<usize> = (0..length).filter(|&i| line[i] == b'\t').collect();
                assert_eq!(found, expected);
            }
        }
        for length in 0..20 {
            let mut text = vec![b'a'; length];
            assert_eq!(find_byte(&text, b'%'), None);
            for at in 0..length {
                text[at] = b'%';
                assert_eq!(find_byte(&text, b'%'), Some(at));
                text[at] = b'a';
            }
        }
        // Bytes next to a tab's value (0x08, 0x0a, 0x89) are not tabs.
        let mut found = Vec::new();
        for_each_tab(b"\x08\x0a\x89\x09\x19\x29\x0b\x01\t", |i| found.push(i));
        assert_eq!(found, [3, 8]);
    }

    #[test]
    fn numbers() {
        assert_eq!(parse_u64(b"0"), Some(0));
        assert_eq!(parse_u64(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_u64(b"18446744073709551616"), None);
        assert_eq!(parse_u64(b"-1"), None);
        assert_eq!(parse_u64(b"+1"), None);
        assert_eq!(parse_u64(b""), None);
        let score = |text: &[u8]| parse_score(text, (0, text.len())).ok();
        assert_eq!(score(b"1000"), Some(Some(1000)));
        assert_eq!(score(b"000500"), Some(Some(500)));
        assert_eq!(score(b"."), Some(None));
        for bad in [&b"1001"[..], b"", b"-1", b"5a", b"00001001", b".."] {
            assert_eq!(score(bad), None);
        }
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
