//! The VCF header, shared by VCF and BCF: meta-information lines, typed
//! INFO/FORMAT/FILTER/contig definitions, sample names and the string and
//! contig dictionaries BCF encodes against.
//!
//! Every line is kept as written, so [`Header::write`] reproduces the parsed
//! text byte for byte; the typed views are built beside the text.
//!
//! ```
//! use biometal::formats::vcf::header::{Header, Number, ValueType};
//!
//! let text = concat!(
//!     "##fileformat=VCFv4.3\n",
//!     "##INFO=<ID=DP,Number=1,Type=Integer,Description=\"Depth\">\n",
//!     "##FILTER=<ID=q10,Description=\"Quality below 10\">\n",
//!     "##contig=<ID=chr1,length=248956422>\n",
//!     "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tNA1\n",
//! );
//! let header = Header::parse(text)?;
//! assert_eq!(header.version(), (4, 3));
//! let dp = header.info("DP").unwrap();
//! assert_eq!((dp.number(), dp.value_type()), (Number::Count(1), ValueType::Integer));
//! assert_eq!(header.string_dictionary().index_of("PASS"), Some(0));
//! assert_eq!(header.string_dictionary().index_of("DP"), Some(1));
//! assert_eq!(header.contig_index("chr1"), Some(0));
//! assert_eq!(header.samples(), ["NA1"]);
//! assert_eq!(header.to_string(), text);
//! # Ok::<(), biometal::Error>(())
//! ```

mod definition;
mod parse;
mod reserved;

use std::collections::HashMap;
use std::fmt;

pub use self::definition::{Contig, Definition, FilterDefinition, Number, ValueType};
pub use self::parse::{ParseOptions, Strictness};
pub use self::reserved::{reserved_format, reserved_info};

/// One meta-information line (`##key=value`), kept as written.
///
/// ```
/// use biometal::formats::vcf::header::Header;
///
/// let text = "##fileformat=VCFv4.2\n##source=me\n##ALT=<ID=DEL,Description=\"Deletion\">\n";
/// let header = Header::parse(&format!("{text}#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"))?;
/// let alt = &header.lines()[2];
/// assert_eq!(alt.key(), "ALT");
/// assert_eq!(alt.attribute("Description"), Some("Deletion"));
/// assert_eq!(header.lines()[1].value(), "me");
/// # Ok::<(), biometal::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderLine {
    /// The line without its leading `##` and without the newline.
    text: String,
    /// Where `=` is in `text`.
    equals: usize,
    /// `Some` for structured lines (`key=<…>`): attributes in order,
    /// values unquoted and unescaped.
    attributes: Option<Vec<(String, String)>>,
}

impl HeaderLine {
    /// The key (before `=`).
    pub fn key(&self) -> &str {
        self.text.get(..self.equals).unwrap_or("")
    }

    /// The raw value (after `=`), `<…>` included for structured lines.
    pub fn value(&self) -> &str {
        self.text.get(self.equals + 1..).unwrap_or("")
    }

    /// The whole line as written, without `##` and the newline.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The attributes of a structured line (`key=<A=1,B="x">`), in order;
    /// `None` for a plain `key=value` line.
    pub fn attributes(&self) -> Option<&[(String, String)]> {
        self.attributes.as_deref()
    }

    /// The value of attribute `name` of a structured line.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes()?
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// The string dictionary of BCF: `PASS` at 0, then FILTER, INFO and FORMAT
/// IDs in order of first appearance (an ID shared by INFO and FORMAT gets one
/// entry), or at the position an `IDX=` attribute gives.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StringDictionary {
    entries: Vec<Option<String>>,
    indices: HashMap<String, usize>,
}

impl StringDictionary {
    /// The string at `index`; `None` past the end or at a gap left by `IDX=`.
    pub fn get(&self, index: usize) -> Option<&str> {
        self.entries.get(index)?.as_deref()
    }

    /// The index of `key`.
    pub fn index_of(&self, key: &str) -> Option<usize> {
        self.indices.get(key).copied()
    }

    /// The number of slots (gaps included).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the dictionary is empty (never, once `PASS` is in).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Enters `key` at `index` (or at the end); returns its index, or the
    /// key already occupying `index`.
    pub(crate) fn insert(&mut self, key: &str, index: Option<usize>) -> Result<usize, String> {
        if let Some(&existing) = self.indices.get(key) {
            return match index {
                Some(index) if index != existing => Err(format!(
                    "{key} has IDX={index} but was already given index {existing}"
                )),
                _ => Ok(existing),
            };
        }
        let index = index.unwrap_or(self.entries.len());
        if index >= self.entries.len() {
            self.entries.resize(index + 1, None);
        }
        match &self.entries[index] {
            Some(other) => Err(format!("IDX={index} of {key} is already taken by {other}")),
            None => {
                self.entries[index] = Some(key.to_owned());
                self.indices.insert(key.to_owned(), index);
                Ok(index)
            }
        }
    }
}

/// A VCF header. See the [module documentation](self).
#[derive(Debug, Clone, Default)]
pub struct Header {
    version: (u8, u8),
    lines: Vec<HeaderLine>,
    column_line: String,
    samples: Vec<String>,
    sample_indices: HashMap<String, usize>,
    infos: Vec<Definition>,
    info_ids: HashMap<String, usize>,
    formats: Vec<Definition>,
    format_ids: HashMap<String, usize>,
    filters: Vec<FilterDefinition>,
    filter_ids: HashMap<String, usize>,
    contigs: Vec<Option<Contig>>,
    contig_ids: HashMap<String, usize>,
    strings: StringDictionary,
    /// For each string-dictionary index: (INFO, FORMAT, FILTER) definition
    /// indices, so BCF decoding resolves a key in O(1).
    by_string: Vec<[Option<u32>; 3]>,
    warnings: Vec<String>,
}

impl Header {
    /// Parses header text strictly (see [`Strictness`]); the text runs up to
    /// and including the `#CHROM` line.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidData`](crate::ErrorKind::InvalidData) naming the
    /// 1-based line and what was wrong.
    pub fn parse(text: &str) -> crate::Result<Header> {
        ParseOptions::default().parse(text)
    }

    /// The file format version from `##fileformat=VCFvM.N`, as (M, N).
    pub fn version(&self) -> (u8, u8) {
        self.version
    }

    /// Every meta-information line in order, `##fileformat` first.
    pub fn lines(&self) -> &[HeaderLine] {
        &self.lines
    }

    /// The lines with key `key` (e.g. `ALT`, `SAMPLE`, `PEDIGREE`, `META`).
    pub fn lines_with_key<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a HeaderLine> {
        self.lines.iter().filter(move |line| line.key() == key)
    }

    /// The sample names from the `#CHROM` line.
    pub fn samples(&self) -> &[String] {
        &self.samples
    }

    /// The column index of sample `name`.
    pub fn sample_index(&self, name: &str) -> Option<usize> {
        self.sample_indices.get(name).copied()
    }

    /// The INFO definition of `id`.
    pub fn info(&self, id: &str) -> Option<&Definition> {
        self.infos.get(*self.info_ids.get(id)?)
    }

    /// Every INFO definition, in header order.
    pub fn infos(&self) -> &[Definition] {
        &self.infos
    }

    /// The FORMAT definition of `id`.
    pub fn format(&self, id: &str) -> Option<&Definition> {
        self.formats.get(*self.format_ids.get(id)?)
    }

    /// Every FORMAT definition, in header order.
    pub fn formats(&self) -> &[Definition] {
        &self.formats
    }

    /// The FILTER definition of `id` (`PASS` always exists).
    pub fn filter(&self, id: &str) -> Option<&FilterDefinition> {
        self.filters.get(*self.filter_ids.get(id)?)
    }

    /// Every FILTER definition, `PASS` first.
    pub fn filters(&self) -> &[FilterDefinition] {
        &self.filters
    }

    /// The INFO definition whose key has string-dictionary index `index`.
    #[inline]
    pub fn info_at(&self, index: usize) -> Option<&Definition> {
        let slot = self.by_string.get(index)?[0]?;
        self.infos.get(slot as usize)
    }

    /// The FORMAT definition whose key has string-dictionary index `index`.
    #[inline]
    pub fn format_at(&self, index: usize) -> Option<&Definition> {
        let slot = self.by_string.get(index)?[1]?;
        self.formats.get(slot as usize)
    }

    /// The FILTER definition whose name has string-dictionary index `index`.
    #[inline]
    pub fn filter_at(&self, index: usize) -> Option<&FilterDefinition> {
        let slot = self.by_string.get(index)?[2]?;
        self.filters.get(slot as usize)
    }

    /// The string dictionary (BCF's keys for FILTER, INFO and FORMAT).
    pub fn string_dictionary(&self) -> &StringDictionary {
        &self.strings
    }

    /// The contigs in dictionary order (`None` at a gap left by `IDX=`).
    pub fn contigs(&self) -> &[Option<Contig>] {
        &self.contigs
    }

    /// The contig at dictionary index `index` (BCF's CHROM).
    #[inline]
    pub fn contig_at(&self, index: usize) -> Option<&Contig> {
        self.contigs.get(index)?.as_ref()
    }

    /// The dictionary index of contig `name`.
    pub fn contig_index(&self, name: &str) -> Option<usize> {
        self.contig_ids.get(name).copied()
    }

    /// What lenient parsing accepted though the specification forbids it,
    /// and definitions added for keys used without one.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Defines INFO key `id` with no header line, as bcftools does for keys
    /// a record uses without definition: `Number=0,Type=Flag` when the
    /// record gives it no value (`is_flag`), else `Number=1,Type=String`;
    /// records a warning.
    pub fn define_missing_info(&mut self, id: &str, is_flag: bool) -> &Definition {
        let index = match self.info_ids.get(id) {
            Some(&index) => index,
            None => {
                let (number, value_type) = if is_flag {
                    (Number::Count(0), ValueType::Flag)
                } else {
                    (Number::Count(1), ValueType::String)
                };
                self.warnings.push(format!(
                    "INFO {id} is not defined in the header, assuming Number={number},Type={value_type}"
                ));
                self.push_definition(
                    Kind::Info,
                    id,
                    number,
                    value_type,
                    String::new(),
                    None,
                    None,
                )
                .unwrap_or(0)
            }
        };
        &self.infos[index]
    }

    /// Defines FORMAT key `id` as `Number=1,Type=String` with no header
    /// line, with a warning (see [`Header::define_missing_info`]).
    pub fn define_missing_format(&mut self, id: &str) -> &Definition {
        let index = match self.format_ids.get(id) {
            Some(&index) => index,
            None => {
                self.warnings.push(format!(
                    "FORMAT {id} is not defined in the header, assuming Number=1,Type=String"
                ));
                self.push_definition(
                    Kind::Format,
                    id,
                    Number::Count(1),
                    ValueType::String,
                    String::new(),
                    None,
                    None,
                )
                .unwrap_or(0)
            }
        };
        &self.formats[index]
    }

    /// Writes the header (meta lines and `#CHROM` line, each with `\n`).
    ///
    /// # Errors
    ///
    /// Whatever `out` returns.
    pub fn write(&self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        for line in &self.lines {
            out.write_all(b"##")?;
            out.write_all(line.text.as_bytes())?;
            out.write_all(b"\n")?;
        }
        out.write_all(self.column_line.as_bytes())?;
        out.write_all(b"\n")
    }

    /// Enters a definition in its table and the string dictionary.
    #[allow(clippy::too_many_arguments)]
    fn push_definition(
        &mut self,
        kind: Kind,
        id: &str,
        number: Number,
        value_type: ValueType,
        description: String,
        idx: Option<usize>,
        line_index: Option<usize>,
    ) -> Result<usize, String> {
        let string_index = self.strings.insert(id, idx)?;
        if self.by_string.len() <= string_index {
            self.by_string.resize(string_index + 1, [None; 3]);
        }
        let (table, ids, slot) = match kind {
            Kind::Info => (&mut self.infos, &mut self.info_ids, 0),
            Kind::Format => (&mut self.formats, &mut self.format_ids, 1),
        };
        let index = table.len();
        table.push(Definition {
            id: id.to_owned(),
            number,
            value_type,
            description,
            string_index,
            line_index,
        });
        ids.insert(id.to_owned(), index);
        self.by_string[string_index][slot] = u32::try_from(index).ok();
        Ok(index)
    }

    fn push_filter(
        &mut self,
        id: &str,
        description: String,
        idx: Option<usize>,
    ) -> Result<(), String> {
        let string_index = self.strings.insert(id, idx)?;
        if self.by_string.len() <= string_index {
            self.by_string.resize(string_index + 1, [None; 3]);
        }
        match self.filter_ids.get(id) {
            Some(&index) => self.filters[index].description = description,
            None => {
                let index = self.filters.len();
                self.filters.push(FilterDefinition {
                    id: id.to_owned(),
                    description,
                    string_index,
                });
                self.filter_ids.insert(id.to_owned(), index);
                self.by_string[string_index][2] = u32::try_from(index).ok();
            }
        }
        Ok(())
    }

    fn push_contig(
        &mut self,
        id: &str,
        length: Option<u64>,
        idx: Option<usize>,
    ) -> Result<(), String> {
        if self.contig_ids.contains_key(id) {
            return Err(format!("contig {id} is defined twice"));
        }
        let index = idx.unwrap_or(self.contigs.len());
        if index >= self.contigs.len() {
            self.contigs.resize(index + 1, None);
        }
        if let Some(other) = &self.contigs[index] {
            return Err(format!(
                "contig IDX={index} of {id} is already taken by {}",
                other.id
            ));
        }
        self.contigs[index] = Some(Contig {
            id: id.to_owned(),
            length,
            index,
        });
        self.contig_ids.insert(id.to_owned(), index);
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Info,
    Format,
}

impl fmt::Display for Header {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for line in &self.lines {
            writeln!(f, "##{}", line.text)?;
        }
        writeln!(f, "{}", self.column_line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLUMNS: &str = "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n";

    #[test]
    fn dictionaries_follow_first_appearance_and_idx() {
        let text = format!(
            "##fileformat=VCFv4.2\n\
             ##FILTER=<ID=PASS,Description=\"All filters passed\",IDX=0>\n\
             ##INFO=<ID=DP,Number=1,Type=Integer,Description=\"d\",IDX=3>\n\
             ##FORMAT=<ID=DP,Number=1,Type=Integer,Description=\"d\",IDX=3>\n\
             ##FILTER=<ID=q10,Description=\"q\",IDX=1>\n\
             ##contig=<ID=chr2,IDX=1>\n##contig=<ID=chr1,IDX=0>\n{COLUMNS}"
        );
        let header = Header::parse(&text).unwrap();
        let strings = header.string_dictionary();
        assert_eq!(
            (
                strings.get(0),
                strings.get(1),
                strings.get(2),
                strings.get(3)
            ),
            (Some("PASS"), Some("q10"), None, Some("DP"))
        );
        assert_eq!(header.info_at(3).map(Definition::id), Some("DP"));
        assert_eq!(header.format_at(3).map(Definition::id), Some("DP"));
        assert_eq!(header.filter_at(1).map(FilterDefinition::id), Some("q10"));
        assert_eq!(header.contig_at(0).map(Contig::id), Some("chr1"));
        assert_eq!(header.contig_index("chr2"), Some(1));
        assert_eq!(header.to_string(), text);
    }

    #[test]
    fn idx_conflicts_and_huge_idx_are_errors() {
        let clash = format!(
            "##fileformat=VCFv4.2\n##INFO=<ID=A1,Number=1,Type=Integer,Description=\"\",IDX=1>\n\
             ##INFO=<ID=A2,Number=1,Type=Integer,Description=\"\",IDX=1>\n{COLUMNS}"
        );
        assert_eq!(
            Header::parse(&clash).unwrap_err().location().line(),
            Some(3)
        );
        let huge = format!("##fileformat=VCFv4.2\n##contig=<ID=c,IDX=999999999999>\n{COLUMNS}");
        assert!(Header::parse(&huge).is_err());
    }

    #[test]
    fn undeclared_keys_are_defined_with_a_warning() {
        let mut header = Header::parse(&format!("##fileformat=VCFv4.3\n{COLUMNS}")).unwrap();
        let xx = header.define_missing_info("XX", false);
        assert_eq!(
            (xx.number(), xx.value_type()),
            (Number::Count(1), ValueType::String)
        );
        assert_eq!(
            header.define_missing_info("FL", true).value_type(),
            ValueType::Flag
        );
        assert_eq!(header.warnings().len(), 2);
        assert_eq!(header.string_dictionary().index_of("XX"), Some(1));
    }

    #[test]
    fn truncated_headers_are_errors() {
        for text in [
            "",
            "##fileformat=VCFv4.3\n",
            "##fileformat=VCFv4.3\n##INFO=<ID=X",
            "##fileformat=VCFv4.3\n#CHROM\tPOS\n",
        ] {
            assert!(Header::parse(text).is_err(), "{text:?}");
        }
    }
}
