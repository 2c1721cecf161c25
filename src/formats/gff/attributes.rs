//! The attributes column, read lazily: GFF3's `tag=value,value;…` with
//! percent-escapes, and GTF's `key "value"; key value;`.

use std::borrow::Cow;

use super::Dialect;

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
    dialect: Dialect,
}

/// One attribute value, as written (without GTF's quotes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Value<'a> {
    raw: &'a [u8],
    dialect: Dialect,
}

impl<'a> Value<'a> {
    /// The value's bytes as written (GFF3: still percent-escaped; GTF:
    /// without the quotes).
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }

    /// The items of a GFF3 comma-separated list (`Parent=a,b` gives `a`
    /// and `b`); a GTF value is one item.
    pub fn items(&self) -> Items<'a> {
        Items {
            rest: Some(self.raw),
            dialect: self.dialect,
        }
    }

    /// The value with GFF3 percent-escapes decoded (`%3B` → `;`); borrowed
    /// when there is nothing to decode. GTF values are returned as written.
    pub fn decoded(&self) -> Cow<'a, [u8]> {
        match self.dialect {
            Dialect::Gff3 => percent_decode(self.raw),
            Dialect::Gtf => Cow::Borrowed(self.raw),
        }
    }
}

/// The iterator of [`Value::items`].
#[derive(Debug, Clone)]
pub struct Items<'a> {
    rest: Option<&'a [u8]>,
    dialect: Dialect,
}

impl<'a> Iterator for Items<'a> {
    type Item = Value<'a>;

    fn next(&mut self) -> Option<Value<'a>> {
        let list = self.rest?;
        let (raw, rest) = match (self.dialect, memchr::memchr(b',', list)) {
            (Dialect::Gff3, Some(i)) => (&list[..i], Some(&list[i + 1..])),
            _ => (list, None),
        };
        self.rest = rest;
        Some(Value {
            raw,
            dialect: self.dialect,
        })
    }
}

impl<'a> Attributes<'a> {
    pub(crate) fn new(raw: &'a [u8], dialect: Dialect) -> Self {
        let raw = if raw == b"." { &b""[..] } else { raw };
        Attributes { raw, dialect }
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
    pub fn entries(&self) -> Entries<'a> {
        Entries {
            rest: self.raw,
            dialect: self.dialect,
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
    rest: &'a [u8],
    dialect: Dialect,
}

impl<'a> Iterator for Entries<'a> {
    type Item = (&'a [u8], Value<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        let (key, raw) = match self.dialect {
            Dialect::Gff3 => next_gff3_entry(&mut self.rest)?.ok()?,
            Dialect::Gtf => next_gtf_entry(&mut self.rest)?.ok()?,
        };
        Some((
            key,
            Value {
                raw,
                dialect: self.dialect,
            },
        ))
    }
}

/// A key and its raw value, or what is wrong with the entry.
type EntryResult<'a> = Result<(&'a [u8], &'a [u8]), &'static str>;

/// Splits the next `tag=value` entry off `rest`.
pub(crate) fn next_gff3_entry<'a>(rest: &mut &'a [u8]) -> Option<EntryResult<'a>> {
    loop {
        if rest.is_empty() {
            return None;
        }
        let (entry, after) = match memchr::memchr(b';', rest) {
            Some(i) => rest.split_at(i),
            None => (*rest, &b""[..]),
        };
        *rest = after.get(1..).unwrap_or_default();
        // Blanks around entries (`ID=a; Name=b`) are tolerated, as in the wild.
        let entry = entry.trim_ascii();
        if entry.is_empty() {
            continue;
        }
        return Some(match memchr::memchr(b'=', entry) {
            Some(i) if i > 0 => Ok((&entry[..i], &entry[i + 1..])),
            _ => Err("expected tag=value"),
        });
    }
}

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
    if memchr::memchr(b'%', text).is_none() {
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
}
