//! The attributes column, read lazily: GFF3's `tag=value,value;…` with
//! percent-escapes, and GTF's `key "value"; key value;`.

use std::borrow::Cow;

use super::Dialect;
use crate::formats::bed::find_byte;
use crate::formats::fields::{block_masks, FieldBounds, BLOCK};

/// The attributes of a record (column 9), validated when the line was read
/// and split on demand, borrowing from the line.
///
/// In GFF3 a tag has one entry whose values are separated by commas
/// (`Parent=tx1,tx2`); in GTF a key may repeat (`tag "basic"; tag "CCDS";`),
/// each repetition one value. [`values`](Attributes::values) gives all
/// values of a key either way.
///
/// ```
/// use biometal::formats::gff::Reader;
///
/// let line = b"chr1\t.\texon\t1\t10\t.\t+\t.\tID=e1;Parent=tx1,tx2;Note=5%25 GC%3B high\n";
/// let mut reader = Reader::new(&line[..]);
/// let record = reader.next_record().unwrap()?;
/// let attributes = record.attributes();
/// let parents: Vec<_> = attributes.values(b"Parent").map(|v| v.raw()).collect();
/// assert_eq!(parents, [&b"tx1"[..], b"tx2"]);
/// assert_eq!(&*attributes.get(b"Note").unwrap().decoded(), b"5% GC; high");
/// # Ok::<(), biometal::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Attributes<'a> {
    raw: &'a [u8],
    bounds: &'a [EntryBounds],
    dialect: Dialect,
    seen: Seen,
}

/// Where one entry's key and value lie in the attributes column:
/// `[key_start, key_end, value_start, value_end]`, found once when the line
/// was read.
pub(crate) type EntryBounds = [usize; 4];

/// One attribute value, as written (without GTF's quotes).
#[derive(Debug, Clone, Copy)]
pub struct Value<'a> {
    raw: &'a [u8],
    dialect: Dialect,
    /// Which separators the column holds (known when the line was read),
    /// so that values of columns without them skip the search.
    seen: Seen,
}

impl PartialEq for Value<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.raw == other.raw && self.dialect == other.dialect
    }
}

impl Eq for Value<'_> {}

impl<'a> Value<'a> {
    /// The value's bytes as written (GFF3: still percent-escaped; GTF:
    /// without the quotes).
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }

    /// The items of a GFF3 comma-separated list (`Parent=a,b` gives `a`
    /// and `b`); a GTF value is one item.
    #[inline]
    pub fn items(&self) -> Items<'a> {
        Items {
            rest: Some(self.raw),
            dialect: self.dialect,
            seen: self.seen,
        }
    }

    /// The value with GFF3 percent-escapes decoded (`%3B` → `;`); borrowed
    /// when there is nothing to decode. GTF values are returned as written.
    #[inline]
    pub fn decoded(&self) -> Cow<'a, [u8]> {
        match self.dialect {
            Dialect::Gff3 if self.seen.percent => percent_decode(self.raw),
            _ => Cow::Borrowed(self.raw),
        }
    }
}

/// The iterator of [`Value::items`].
#[derive(Debug, Clone)]
pub struct Items<'a> {
    rest: Option<&'a [u8]>,
    dialect: Dialect,
    seen: Seen,
}

impl<'a> Iterator for Items<'a> {
    type Item = Value<'a>;

    #[inline]
    fn next(&mut self) -> Option<Value<'a>> {
        let list = self.rest?;
        let comma = match self.dialect {
            Dialect::Gff3 if self.seen.comma => find_byte(list, b','),
            _ => None,
        };
        let (raw, rest) = match comma {
            Some(i) => (&list[..i], Some(&list[i + 1..])),
            None => (list, None),
        };
        self.rest = rest;
        Some(Value {
            raw,
            dialect: self.dialect,
            seen: self.seen,
        })
    }
}

impl<'a> Attributes<'a> {
    /// The attributes column `raw`, its entries at `bounds`; `seen` says
    /// whether it holds a `%` or a `,`.
    pub(crate) fn new(
        raw: &'a [u8],
        bounds: &'a [EntryBounds],
        dialect: Dialect,
        seen: Seen,
    ) -> Self {
        let raw = if raw == b"." { &b""[..] } else { raw };
        Attributes {
            raw,
            bounds,
            dialect,
            seen,
        }
    }

    /// The column as written (`.` for none).
    pub fn as_bytes(&self) -> &'a [u8] {
        self.raw
    }

    /// Whether there are no attributes (`.`).
    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }

    /// The entries in order: a key and its value (GFF3: the whole
    /// comma-separated list, see [`Value::items`]; GTF: one value without
    /// quotes).
    #[inline]
    pub fn entries(&self) -> Entries<'a> {
        Entries {
            raw: self.raw,
            bounds: self.bounds.iter(),
            dialect: self.dialect,
            seen: self.seen,
        }
    }

    /// The first value of `key`.
    pub fn get(&self, key: &[u8]) -> Option<Value<'a>> {
        self.values(key).next()
    }

    /// Every value of `key`: GFF3's comma-separated list, or each GTF
    /// repetition of the key.
    pub fn values<'k>(&self, key: &'k [u8]) -> Values<'a, 'k> {
        Values {
            entries: self.entries(),
            key,
            items: None,
        }
    }
}

/// The iterator of [`Attributes::values`].
#[derive(Debug, Clone)]
pub struct Values<'a, 'k> {
    entries: Entries<'a>,
    key: &'k [u8],
    items: Option<Items<'a>>,
}

impl<'a> Iterator for Values<'a, '_> {
    type Item = Value<'a>;

    fn next(&mut self) -> Option<Value<'a>> {
        loop {
            if let Some(item) = self.items.as_mut().and_then(Iterator::next) {
                return Some(item);
            }
            let (key, value) = self.entries.next()?;
            if key == self.key {
                self.items = Some(value.items());
            }
        }
    }
}

/// The iterator of [`Attributes::entries`].
#[derive(Debug, Clone)]
pub struct Entries<'a> {
    raw: &'a [u8],
    bounds: std::slice::Iter<'a, EntryBounds>,
    dialect: Dialect,
    seen: Seen,
}

impl<'a> Iterator for Entries<'a> {
    type Item = (&'a [u8], Value<'a>);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let &[key_start, key_end, value_start, value_end] = self.bounds.next()?;
        Some((
            self.raw.get(key_start..key_end).unwrap_or_default(),
            Value {
                raw: self.raw.get(value_start..value_end).unwrap_or_default(),
                dialect: self.dialect,
                seen: self.seen,
            },
        ))
    }
}

/// Which of the bytes that values are searched for an attributes column
/// holds: found once, when the line is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Seen {
    /// A `%` (GFF3 percent-escapes).
    pub percent: bool,
    /// A `,` (GFF3 lists of values).
    pub comma: bool,
}

/// A key and its raw value, or what is wrong with the entry.
type EntryResult<'a> = Result<(&'a [u8], &'a [u8]), &'static str>;

/// Splits the next `key "value";` or `key value;` entry off `rest`.
pub(crate) fn next_gtf_entry<'a>(rest: &mut &'a [u8]) -> Option<EntryResult<'a>> {
    let text = rest.trim_ascii_start();
    if text.is_empty() {
        *rest = text;
        return None;
    }
    let key_end = text
        .iter()
        .position(|&b| b == b' ' || b == b'\t')
        .unwrap_or(text.len());
    let (key, after_key) = text.split_at(key_end);
    let after_key = after_key.trim_ascii_start();
    let (value, after_value) = if let Some(quoted) = after_key.strip_prefix(b"\"") {
        match memchr::memchr(b'"', quoted) {
            Some(i) => (&quoted[..i], &quoted[i + 1..]),
            None => {
                *rest = b"";
                return Some(Err("unbalanced quote in an attribute value"));
            }
        }
    } else {
        let end = after_key
            .iter()
            .position(|&b| b == b';' || b == b' ' || b == b'\t')
            .unwrap_or(after_key.len());
        after_key.split_at(end)
    };
    let after_value = after_value.trim_ascii_start();
    *rest = match after_value.strip_prefix(b";") {
        Some(rest) => rest,
        None if after_value.is_empty() => after_value,
        None => {
            *rest = b"";
            return Some(Err("expected ';' after an attribute value"));
        }
    };
    if key.is_empty() || key.contains(&b';') || (value.is_empty() && !after_key.starts_with(b"\""))
    {
        return Some(Err("expected key \"value\";"));
    }
    Some(Ok((key, value)))
}

/// Checks the `tag=value;…` syntax of the GFF3 attributes column at
/// `column` of `window` (which may hold bytes after it): every entry that
/// is not blank has a non-empty tag before its first `=`. One pass over
/// 64-byte blocks, the `;`, `=`, `%` and `,` of each found at once;
/// records the entries' bounds (relative to the column) and says whether a
/// `%` (whose escapes the caller then checks) or a `,` was seen.
pub(crate) fn check_gff3_attributes(
    window: &[u8],
    (column_start, column_end): FieldBounds,
    bounds: &mut Vec<EntryBounds>,
) -> Result<Seen, &'static str> {
    bounds.clear();
    let column = window.get(column_start..column_end).unwrap_or_default();
    let mut seen = Seen::default();
    let mut entries = EntryScan {
        column,
        entry_start: 0,
        key: None,
    };
    let mut offset = 0;
    while offset < column.len() {
        let [semicolons, equals, percents, commas] =
            block_masks(window, column_start + offset, [b';', b'=', b'%', b',']);
        // Bits past the column's end belong to the next columns or lines.
        let inside = match column.len() - offset {
            rest if rest >= 64 => u64::MAX,
            rest => (1u64 << rest) - 1,
        };
        seen.percent |= percents & inside != 0;
        seen.comma |= commas & inside != 0;
        let mut mask = (semicolons | equals) & inside;
        while mask != 0 {
            let bit = mask & mask.wrapping_neg();
            let at = offset + bit.trailing_zeros() as usize;
            if semicolons & bit != 0 {
                entries.semicolon(at, bounds)?;
            } else {
                entries.equals(at)?;
            }
            mask ^= bit;
        }
        offset += BLOCK;
    }
    entries.semicolon(column.len(), bounds)?;
    Ok(seen)
}

/// Where [`check_gff3_attributes`] is in the column.
struct EntryScan<'a> {
    column: &'a [u8],
    /// Where the current entry starts.
    entry_start: usize,
    /// The current entry's tag, once its `=` was seen.
    key: Option<(usize, usize)>,
}

impl EntryScan<'_> {
    /// An `=` at `at`: the first of an entry ends its tag (blanks before
    /// the tag, rarely present, are no part of it).
    #[inline(always)]
    fn equals(&mut self, at: usize) -> Result<(), &'static str> {
        if self.key.is_none() {
            let blanks = match self.column.get(self.entry_start) {
                Some(byte) if !byte.is_ascii_whitespace() => 0,
                _ => {
                    let entry = self.column.get(self.entry_start..at).unwrap_or_default();
                    entry.len() - entry.trim_ascii_start().len()
                }
            };
            if self.entry_start + blanks >= at {
                return Err("expected tag=value, found an empty tag");
            }
            self.key = Some((self.entry_start + blanks, at));
        }
        Ok(())
    }

    /// A `;` (or the column's end) at `at`: the entry ends, its value
    /// without trailing blanks.
    #[inline(always)]
    fn semicolon(&mut self, at: usize, bounds: &mut Vec<EntryBounds>) -> Result<(), &'static str> {
        match self.key.take() {
            Some((key_start, key_end)) => {
                let value_end = match at.checked_sub(1).and_then(|last| self.column.get(last)) {
                    Some(byte) if !byte.is_ascii_whitespace() => at,
                    _ => {
                        let value = self.column.get(key_end + 1..at).unwrap_or_default();
                        key_end + 1 + value.trim_ascii_end().len()
                    }
                };
                bounds.push([key_start, key_end, key_end + 1, value_end.max(key_end + 1)]);
            }
            None => {
                let entry = self.column.get(self.entry_start..at).unwrap_or_default();
                if !entry.trim_ascii().is_empty() {
                    return Err("expected tag=value");
                }
            }
        }
        self.entry_start = at + 1;
        Ok(())
    }
}

/// Checks the `key "value";` syntax of a GTF attributes column and records
/// where each entry lies.
pub(crate) fn check_gtf_attributes(
    column: &[u8],
    bounds: &mut Vec<EntryBounds>,
) -> Result<(), &'static str> {
    bounds.clear();
    let offset = |part: &[u8]| (part.as_ptr() as usize).saturating_sub(column.as_ptr() as usize);
    let mut rest = column;
    while let Some(entry) = next_gtf_entry(&mut rest) {
        let (key, value) = entry?;
        let (key_start, value_start) = (offset(key), offset(value));
        bounds.push([
            key_start,
            key_start + key.len(),
            value_start,
            value_start + value.len(),
        ]);
    }
    Ok(())
}

/// Checks that every `%` in `text` starts a `%XX` escape (two hex digits).
pub(crate) fn check_escapes(text: &[u8]) -> Result<(), String> {
    for i in memchr::memchr_iter(b'%', text) {
        let hex = text.get(i + 1..i + 3);
        if !hex.is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) {
            let shown =
                String::from_utf8_lossy(text.get(i..(i + 3).min(text.len())).unwrap_or_default());
            return Err(format!(
                "expected a percent-escape %XX (two hex digits), found {shown:?}"
            ));
        }
    }
    Ok(())
}

/// Decodes `%XX` escapes; borrowed when there are none. Malformed escapes
/// (rejected when reading) are kept as written.
pub fn percent_decode(text: &[u8]) -> Cow<'_, [u8]> {
    if find_byte(text, b'%').is_none() {
        return Cow::Borrowed(text);
    }
    let hex = |b: u8| (b as char).to_digit(16);
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while let Some(&byte) = text.get(i) {
        if byte == b'%' {
            if let (Some(h), Some(l)) = (
                text.get(i + 1).and_then(|&b| hex(b)),
                text.get(i + 2).and_then(|&b| hex(b)),
            ) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(byte);
        i += 1;
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gtf_entries() {
        let mut rest = &b"gene_id \"g1\"; exon_number 2; tag \"a;b\"; tag \"\";"[..];
        let mut entries = Vec::new();
        while let Some(entry) = next_gtf_entry(&mut rest) {
            entries.push(entry.unwrap());
        }
        assert_eq!(
            entries,
            [
                (&b"gene_id"[..], &b"g1"[..]),
                (b"exon_number", b"2"),
                (b"tag", b"a;b"),
                (b"tag", b""),
            ]
        );
        assert!(next_gtf_entry(&mut &b"gene_id \"g1"[..]).unwrap().is_err());
        assert!(next_gtf_entry(&mut &b"gene_id \"g1\" x"[..])
            .unwrap()
            .is_err());
    }

    #[test]
    fn escapes() {
        assert_eq!(&*percent_decode(b"a%3Bb%2c%25"), b"a;b,%");
        assert!(check_escapes(b"a%3Bb").is_ok());
        assert!(check_escapes(b"a%3").is_err());
        assert!(check_escapes(b"a%zz").is_err());
        assert!(check_escapes(b"100%").is_err());
    }

    /// The plain reference for [`check_gff3_attributes`]: split at every
    /// `;`, then at the entry's first `=`.
    fn gff3_reference(column: &[u8]) -> Option<(Vec<EntryBounds>, Seen)> {
        let mut bounds = Vec::new();
        let mut entry_start = 0;
        let ends = column.iter().enumerate().filter(|(_, &b)| b == b';');
        for at in ends.map(|(i, _)| i).chain([column.len()]) {
            let entry = &column[entry_start..at];
            match entry.iter().position(|&b| b == b'=') {
                Some(equals) => {
                    let key_end = entry_start + equals;
                    let key = &column[entry_start..key_end];
                    let key_start = key_end - key.trim_ascii_start().len();
                    if key_start == key_end {
                        return None;
                    }
                    let value = &column[key_end + 1..at];
                    let value_end = key_end + 1 + value.trim_ascii_end().len();
                    bounds.push([key_start, key_end, key_end + 1, value_end]);
                }
                None if !entry.trim_ascii().is_empty() => return None,
                None => {}
            }
            entry_start = at + 1;
        }
        let seen = Seen {
            percent: column.contains(&b'%'),
            comma: column.contains(&b','),
        };
        Some((bounds, seen))
    }

    proptest::proptest! {
        #[test]
        fn gff3_scan_matches_the_reference(
            before in proptest::collection::vec(proptest::sample::select(b";=%, a\t".to_vec()), 0..70),
            column in proptest::collection::vec(proptest::sample::select(b";=%, aZ\t".to_vec()), 0..200),
            after in proptest::collection::vec(proptest::sample::select(b";=%,\n".to_vec()), 0..70),
        ) {
            let window = [&before[..], &column, &after].concat();
            let bounds = (before.len(), before.len() + column.len());
            let mut found = Vec::new();
            let scanned = check_gff3_attributes(&window, bounds, &mut found).ok();
            let expected = gff3_reference(&column);
            proptest::prop_assert_eq!(scanned.map(|seen| (found, seen)), expected);
        }
    }
}
