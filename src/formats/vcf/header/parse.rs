//! Parsing header text into a [`Header`], strictly or leniently.

use std::collections::HashSet;

use super::reserved::{enforced, reserved_format, reserved_info};
use super::{Header, HeaderLine, Kind, Number, ValueType};
use crate::{Error, Format, Result};

/// How closely header (and record) text must follow the VCF specification.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Strictness {
    /// The rules the hts-specs conformance suite checks: `##fileformat`
    /// first, every line `key=value`, structured lines closed and their
    /// attributes in the specified order, valid `Number`/`Type`, quoted
    /// descriptions, reserved keys defined as the version specifies, valid
    /// IDs, no duplicate definitions or samples, the `#CHROM` line exact.
    #[default]
    Strict,
    /// Only what reading records needs; what is wrong but understandable is
    /// accepted and noted in [`Header::warnings`].
    Lenient,
}

/// Options for parsing header text.
///
/// ```
/// use biometal::formats::vcf::header::{ParseOptions, Strictness, ValueType};
///
/// let text = concat!(
///     "##fileformat=VCFv4.3\n",
///     "##INFO=<ID=DP,Number=1,Type=Int,Description=\"x\">\n",
///     "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n",
/// );
/// let error = ParseOptions::default().parse(text).unwrap_err();
/// assert_eq!(error.location().line(), Some(2));
/// let header = ParseOptions::default().strictness(Strictness::Lenient).parse(text)?;
/// assert_eq!(header.info("DP").map(|dp| dp.value_type()), Some(ValueType::String));
/// assert!(header.warnings()[0].contains("invalid Type"));
/// # Ok::<(), biometal::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct ParseOptions {
    strictness: Strictness,
}

/// The most slots `IDX=` may open in a dictionary: far above any real header,
/// low enough that a hostile `IDX=` cannot make a large allocation.
const MAX_IDX: usize = 1 << 20;

const COLUMNS: [&str; 8] = [
    "#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO",
];

impl ParseOptions {
    /// Sets the strictness.
    pub fn strictness(mut self, strictness: Strictness) -> Self {
        self.strictness = strictness;
        self
    }

    /// The strictness set.
    pub fn get_strictness(&self) -> Strictness {
        self.strictness
    }

    /// Parses `text`: the meta lines and the `#CHROM` line.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidData`](crate::ErrorKind::InvalidData) naming the
    /// 1-based line and the rule broken.
    pub fn parse(&self, text: &str) -> Result<Header> {
        let mut parser = Parser {
            strict: self.strictness == Strictness::Strict,
            header: Header::default(),
            seen_column_line: false,
        };
        parser
            .header
            .push_filter("PASS", "All filters passed".into(), None)
            .ok();
        let mut line_number = 0u64;
        for line in text.split_inclusive('\n') {
            line_number += 1;
            let line = line.strip_suffix('\n').unwrap_or(line);
            // CRLF, and any stray carriage returns before it: a header line
            // never ends in one, so writing it back and reading it again
            // gives the same header.
            let line = line.trim_end_matches('\r');
            if parser.seen_column_line {
                return Err(error("text after the #CHROM line".into()).at_line(line_number));
            }
            parser
                .line(line, line_number)
                .map_err(|e| e.at_line(line_number))?;
        }
        if !parser.seen_column_line {
            return Err(Error::unexpected_eof(
                Format::Vcf,
                "header: expected a #CHROM line, found the end of input",
            )
            .at_line(line_number + 1));
        }
        Ok(parser.header)
    }
}

fn error(message: String) -> Error {
    Error::invalid_data(Format::Vcf, format!("header: {message}"))
}

struct Parser {
    strict: bool,
    header: Header,
    seen_column_line: bool,
}

impl Parser {
    /// An error in strict mode; a warning in lenient mode.
    fn complain(&mut self, message: String) -> Result<()> {
        if self.strict {
            Err(error(message))
        } else {
            self.header.warnings.push(message);
            Ok(())
        }
    }

    fn line(&mut self, line: &str, line_number: u64) -> Result<()> {
        if line_number == 1 {
            return self.file_format(line);
        }
        if line.starts_with("#CHROM") || !line.starts_with("##") {
            return self.column_line(line);
        }
        let text = &line[2..];
        let Some(equals) = text.find('=') else {
            return Err(error(format!("expected ##key=value, found {line:?}")));
        };
        let (key, value) = (&text[..equals], &text[equals + 1..]);
        if key.is_empty()
            || !key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
        {
            return Err(error(format!("invalid meta-information key {key:?}")));
        }
        if self.strict && !key.as_bytes()[0].is_ascii_alphabetic() {
            return Err(error(format!(
                "meta-information key {key:?} must start with a letter"
            )));
        }
        if value.is_empty() {
            return Err(error(format!("##{key}= has an empty value")));
        }
        let attributes = if let Some(inner) = value.strip_prefix('<') {
            let Some(inner) = inner.strip_suffix('>') else {
                return Err(error(format!("##{key}=<… is not closed with '>'")));
            };
            if inner.is_empty() {
                return Err(error(format!("##{key}=<> has no attributes")));
            }
            match key {
                "INFO" | "FORMAT" | "FILTER" | "ALT" | "contig" | "SAMPLE" | "PEDIGREE"
                | "META" => Some(parse_attributes(inner)?),
                // Other keys may hold any text in angle brackets.
                _ => parse_attributes(inner).ok(),
            }
        } else {
            None
        };
        let line_index = self.header.lines.len();
        self.header.lines.push(HeaderLine {
            text: text.to_owned(),
            equals,
            attributes,
        });
        self.interpret(key, line_index)
    }

    fn file_format(&mut self, line: &str) -> Result<()> {
        let version = line
            .strip_prefix("##fileformat=VCFv")
            .and_then(|v| v.split_once('.'))
            .and_then(|(major, minor)| Some((major.parse().ok()?, minor.parse().ok()?)));
        match version {
            Some(version) => {
                self.header.version = version;
                if self.strict && !(version.0 == 4 && (1..=5).contains(&version.1)) {
                    return Err(error(format!(
                        "unsupported version {}.{} (expected 4.1 to 4.5)",
                        version.0, version.1
                    )));
                }
                self.header.lines.push(HeaderLine {
                    text: line[2..].to_owned(),
                    equals: "fileformat".len(),
                    attributes: None,
                });
                Ok(())
            }
            None => {
                self.complain(format!(
                    "expected ##fileformat=VCFv4.x as the first line, found {line:?}"
                ))?;
                self.header.version = (4, 2);
                self.line(line, 2)
            }
        }
    }

    fn column_line(&mut self, line: &str) -> Result<()> {
        let mut columns = line.split('\t');
        for expected in COLUMNS {
            match columns.next() {
                Some(found) if found == expected => {}
                found => {
                    return Err(error(format!(
                        "expected the #CHROM line with column {expected}, found {:?}",
                        found.unwrap_or(line)
                    )))
                }
            }
        }
        match columns.next() {
            None => {}
            Some("FORMAT") => {
                let mut seen = HashSet::new();
                for name in columns {
                    if name.is_empty() {
                        self.complain("empty sample name".into())?;
                    }
                    if !seen.insert(name) {
                        self.complain(format!("sample {name:?} appears twice"))?;
                    }
                    let index = self.header.samples.len();
                    self.header.samples.push(name.to_owned());
                    self.header
                        .sample_indices
                        .entry(name.to_owned())
                        .or_insert(index);
                }
                if self.header.samples.is_empty() {
                    self.complain("a FORMAT column without samples".into())?;
                }
            }
            Some(other) => {
                return Err(error(format!(
                    "expected FORMAT after INFO, found {other:?}"
                )));
            }
        }
        self.header.column_line = line.to_owned();
        self.seen_column_line = true;
        Ok(())
    }

    fn interpret(&mut self, key: &str, line_index: usize) -> Result<()> {
        let line = &self.header.lines[line_index];
        let minor = self.header.version.1;
        let Some(attributes) = line.attributes.clone() else {
            return match key {
                "INFO" | "FORMAT" | "FILTER" | "ALT" | "contig" | "SAMPLE" | "META" => Err(error(
                    format!("##{key} must be a structured line ##{key}=<…>"),
                )),
                "assembly" | "pedigreeDB" if self.strict => check_url(line.value()),
                _ => Ok(()),
            };
        };
        let get = |name: &str| {
            attributes
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let idx = match get("IDX") {
            Some(text) => match text.parse::<usize>() {
                Ok(idx) if idx < MAX_IDX => Some(idx),
                _ => return Err(error(format!("invalid IDX={text:?}"))),
            },
            None => None,
        };
        match key {
            "INFO" | "FORMAT" => {
                let kind = if key == "INFO" {
                    Kind::Info
                } else {
                    Kind::Format
                };
                self.expect_order(key, &attributes, &["ID", "Number", "Type", "Description"])?;
                let id = get("ID").ok_or_else(|| error(format!("##{key} without ID")))?;
                let number_text = get("Number").unwrap_or(".");
                let number = match number_text.parse::<Number>() {
                    Ok(number) => number,
                    Err(()) => {
                        self.complain(format!(
                            "##{key} {id}: invalid Number={number_text:?}, read as ."
                        ))?;
                        Number::Unknown
                    }
                };
                let type_text = get("Type").unwrap_or("String");
                let value_type = match type_text.parse::<ValueType>() {
                    Ok(value_type) => value_type,
                    Err(()) => {
                        self.complain(format!(
                            "##{key} {id}: invalid Type={type_text:?}, read as String"
                        ))?;
                        ValueType::String
                    }
                };
                self.check_definition(kind, id, number, value_type, &attributes)?;
                let description = get("Description").unwrap_or("").to_owned();
                let ids = match kind {
                    Kind::Info => &self.header.info_ids,
                    Kind::Format => &self.header.format_ids,
                };
                if ids.contains_key(id) {
                    return self.complain(format!("##{key} {id} is defined twice"));
                }
                let id = id.to_owned();
                self.header
                    .push_definition(
                        kind,
                        &id,
                        number,
                        value_type,
                        description,
                        idx,
                        Some(line_index),
                    )
                    .map_err(error)?;
            }
            "FILTER" => {
                self.expect_order(key, &attributes, &["ID", "Description"])?;
                let id = get("ID")
                    .ok_or_else(|| error("##FILTER without ID".into()))?
                    .to_owned();
                if self.strict && id != "PASS" && self.header.filter_ids.contains_key(&id) {
                    return Err(error(format!("##FILTER {id} is defined twice")));
                }
                let description = get("Description").unwrap_or("").to_owned();
                self.header
                    .push_filter(&id, description, idx)
                    .map_err(error)?;
            }
            "contig" => {
                let id = get("ID").ok_or_else(|| error("##contig without ID".into()))?;
                if self.strict && !is_valid_contig_name(id, minor) {
                    return Err(error(format!("invalid contig ID {id:?}")));
                }
                let length = match get("length") {
                    Some(text) => Some(
                        text.parse::<u64>()
                            .map_err(|_| error(format!("contig {id}: invalid length={text:?}")))?,
                    ),
                    None => None,
                };
                if self.header.contig_ids.contains_key(id) {
                    // The conformance suite accepts repeated contig lines;
                    // the first one defines the contig.
                    self.header
                        .warnings
                        .push(format!("contig {id} is defined twice"));
                    return Ok(());
                }
                let id = id.to_owned();
                self.header.push_contig(&id, length, idx).map_err(error)?;
            }
            "ALT" if self.strict => {
                let has_number = get("Number").is_some();
                let order: &[&str] = if has_number {
                    &["ID", "Number", "Type", "Description"]
                } else {
                    &["ID", "Description"]
                };
                self.expect_order(key, &attributes, order)?;
                if has_number
                    && get("Number")
                        .and_then(|n| n.parse::<Number>().ok())
                        .is_none()
                {
                    return Err(error("##ALT: invalid Number".into()));
                }
                if let Some(t) = get("Type") {
                    if t.parse::<ValueType>().is_err() {
                        return Err(error(format!("##ALT: invalid Type={t:?}")));
                    }
                }
                let id = get("ID").ok_or_else(|| error("##ALT without ID".into()))?;
                check_alt_id(id, minor)?;
            }
            "SAMPLE" if self.strict => {
                let id = get("ID").ok_or_else(|| error("##SAMPLE without ID".into()))?;
                if !is_plain_value(id) {
                    return Err(error(format!("invalid SAMPLE ID {id:?}")));
                }
                if get("Mixture").is_some() && get("Genomes").is_none() {
                    return Err(error("##SAMPLE has Mixture but no Genomes".into()));
                }
                if minor < 3 && is_quoted(line, "Mixture") {
                    return Err(error("##SAMPLE Mixture must not be quoted".into()));
                }
            }
            "PEDIGREE" if self.strict => {
                if minor >= 3 && get("ID").is_none() {
                    return Err(error("##PEDIGREE without ID".into()));
                }
                if let Some((name, value)) = attributes.iter().find(|(_, v)| !is_plain_value(v)) {
                    return Err(error(format!(
                        "##PEDIGREE {name}={value:?} is not a valid ID"
                    )));
                }
            }
            "META" if self.strict => {
                self.expect_order(key, &attributes, &["ID", "Number", "Type", "Values"])?;
                let number_ok = get("Number").is_some_and(|n| n.parse::<Number>().is_ok());
                let type_ok = get("Type").is_some_and(|t| t.parse::<ValueType>().is_ok());
                let values_ok =
                    get("Values").is_some_and(|v| v.starts_with('[') && v.ends_with(']'));
                if !(number_ok && type_ok && values_ok) {
                    return Err(error(
                        "##META needs a valid Number, Type and Values=[…]".into(),
                    ));
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Strict: the first attributes are `order`, in that order, and the
    /// `Description` is quoted.
    fn expect_order(
        &mut self,
        key: &str,
        attributes: &[(String, String)],
        order: &[&str],
    ) -> Result<()> {
        let present: Vec<&str> = order
            .iter()
            .copied()
            .filter(|name| attributes.iter().any(|(k, _)| k == name))
            .collect();
        let found: Vec<&str> = attributes
            .iter()
            .take(present.len())
            .map(|(k, _)| k.as_str())
            .collect();
        if present != found || present.first() != Some(&"ID") {
            return self.complain(format!(
                "##{key}: attributes must begin with {} in that order",
                order.join(",")
            ));
        }
        let line = self
            .header
            .lines
            .last()
            .map(HeaderLine::as_str)
            .unwrap_or("");
        let description_quoted =
            !attributes.iter().any(|(k, _)| k == "Description") || line.contains("Description=\"");
        if !description_quoted {
            return self.complain(format!("##{key}: Description must be quoted"));
        }
        Ok(())
    }

    fn check_definition(
        &mut self,
        kind: Kind,
        id: &str,
        number: Number,
        value_type: ValueType,
        attributes: &[(String, String)],
    ) -> Result<()> {
        let key = if kind == Kind::Info { "INFO" } else { "FORMAT" };
        let version = self.header.version;
        if self.strict && version.1 >= 3 && !is_valid_key(id) {
            return Err(error(format!("##{key}: invalid ID {id:?}")));
        }
        if !attributes.iter().any(|(k, _)| k == "Number")
            || !attributes.iter().any(|(k, _)| k == "Type")
        {
            self.complain(format!("##{key} {id}: Number and Type are required"))?;
        }
        if value_type == ValueType::Flag && kind == Kind::Format {
            self.complain(format!("##FORMAT {id}: Type=Flag is for INFO only"))?;
        }
        let reserved = match kind {
            Kind::Info => reserved_info(version, id),
            Kind::Format => reserved_format(version, id),
        };
        if let Some((reserved_number, reserved_type)) = reserved {
            let is_info = kind == Kind::Info;
            if number != reserved_number && enforced(is_info, id, false) {
                self.complain(format!(
                    "##{key} {id}: the specification reserves Number={reserved_number}, found {number}"
                ))?;
            }
            if value_type != reserved_type && enforced(is_info, id, true) {
                self.complain(format!(
                    "##{key} {id}: the specification reserves Type={reserved_type}, found {value_type}"
                ))?;
            }
        }
        Ok(())
    }
}

/// Splits `A=1,B="x, \"y\"",C=[p, q]` into attributes, unquoting and
/// unescaping quoted values.
fn parse_attributes(text: &str) -> Result<Vec<(String, String)>> {
    let mut attributes = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i <= bytes.len() {
        let key_end = text[i..]
            .find(['=', ','])
            .map_or(bytes.len(), |offset| i + offset);
        if bytes.get(key_end) != Some(&b'=') {
            return Err(error(format!(
                "expected key=value in <…>, found {:?}",
                &text[i..key_end]
            )));
        }
        let key = &text[i..key_end];
        if key.is_empty() || key.contains(char::is_whitespace) {
            return Err(error(format!("invalid attribute name {key:?}")));
        }
        let mut j = key_end + 1;
        let value = match bytes.get(j) {
            Some(b'"') => {
                let mut value = String::new();
                j += 1;
                loop {
                    match bytes.get(j) {
                        None => {
                            return Err(error(format!("{key}: quoted value is not closed")));
                        }
                        Some(b'\\') => {
                            let next = text[j + 1..].chars().next().ok_or_else(|| {
                                error(format!("{key}: quoted value is not closed"))
                            })?;
                            value.push(next);
                            j += 1 + next.len_utf8();
                        }
                        Some(b'"') => {
                            j += 1;
                            break;
                        }
                        Some(_) => {
                            let c = text[j..].chars().next().unwrap_or('\u{fffd}');
                            value.push(c);
                            j += c.len_utf8();
                        }
                    }
                }
                if j < bytes.len() && bytes[j] != b',' {
                    return Err(error(format!("{key}: text after the closing quote")));
                }
                value
            }
            Some(b'[') => {
                let close = text[j..]
                    .find(']')
                    .ok_or_else(|| error(format!("{key}: '[' without ']'")))?;
                j += close + 1;
                text[key_end + 1..j].to_owned()
            }
            _ => {
                let end = text[j..].find(',').map_or(bytes.len(), |offset| j + offset);
                let value = &text[j..end];
                j = end;
                value.to_owned()
            }
        };
        if attributes.iter().any(|(k, _): &(String, String)| k == key) {
            return Err(error(format!("attribute {key} appears twice")));
        }
        attributes.push((key.to_owned(), value));
        if j >= bytes.len() {
            break;
        }
        i = j + 1;
    }
    Ok(attributes)
}

fn is_quoted(line: &HeaderLine, name: &str) -> bool {
    line.as_str().contains(&format!("{name}=\""))
}

/// INFO/FORMAT keys from 4.3 on: `^([A-Za-z_][0-9A-Za-z_.]*|1000G)$`.
fn is_valid_key(id: &str) -> bool {
    let bytes = id.as_bytes();
    id == "1000G"
        || bytes
            .first()
            .is_some_and(|&b| b.is_ascii_alphabetic() || b == b'_')
            && bytes
                .iter()
                .all(|&b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
}

/// Contig names: `[0-9A-Za-z!#$%&+./:;?@^_|~-][0-9A-Za-z!#$%&*+./:;=?@^_|~-]*`,
/// without `*` from VCF 4.3 on (as the conformance suite has it).
pub(crate) fn is_valid_contig_name(name: &str, minor: u8) -> bool {
    let allowed = |b: u8| {
        b.is_ascii_alphanumeric() || b"!#$%&+./:;=?@^_|~-".contains(&b) || (b == b'*' && minor < 3)
    };
    match name.as_bytes().split_first() {
        Some((&first, rest)) => {
            allowed(first) && first != b'*' && first != b'=' && rest.iter().all(|&b| allowed(b))
        }
        None => false,
    }
}

/// IDs and names in SAMPLE and PEDIGREE lines: letters, digits, `_`, `-`, `.`.
fn is_plain_value(value: &str) -> bool {
    !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
}

fn check_alt_id(id: &str, minor: u8) -> Result<()> {
    if id.is_empty()
        || id
            .bytes()
            .any(|b| b.is_ascii_whitespace() || b"<>,".contains(&b))
    {
        return Err(error(format!("invalid ALT ID {id:?}")));
    }
    const TYPES: [&str; 6] = ["DEL", "INS", "DUP", "INV", "CNV", "BND"];
    let prefix = id.split(':').next().unwrap_or(id);
    if (minor < 3 || id.contains(':')) && !TYPES.contains(&prefix) {
        return Err(error(format!(
            "ALT ID {id:?} must begin with one of {}",
            TYPES.join(", ")
        )));
    }
    Ok(())
}

/// `scheme://host[:port]/…` with a host that is a name or a dotted address.
fn check_url(value: &str) -> Result<()> {
    let bad = || error(format!("invalid URL {value:?}"));
    let Some((_, rest)) = value.split_once("://") else {
        return Ok(());
    };
    let authority = rest.split('/').next().unwrap_or("");
    let host = authority.split(':').next().unwrap_or("");
    if host.is_empty() || (!host.contains('.') && host.bytes().all(|b| b.is_ascii_digit())) {
        return Err(bad());
    }
    Ok(())
}
