//! The SAM header: typed `@HD`, `@SQ`, `@RG`, `@PG` and `@CO` lines, shared
//! by SAM, BAM and CRAM.
//!
//! Every line keeps its fields in file order, unknown tags included, so the
//! header prints back as it was read; the standard fields have typed
//! getters. The raw text is kept as well ([`Header::text`]).
//!
//! ```
//! use biometal::formats::sam::header::{Header, SortOrder};
//!
//! let header = Header::parse("@HD\tVN:1.6\tSO:coordinate\n@SQ\tSN:chr1\tLN:248956422\n")?;
//! assert_eq!(header.sort_order(), Some(SortOrder::Coordinate));
//! assert_eq!(header.reference_sequences()[0].name(), "chr1");
//! assert_eq!(header.reference_sequences()[0].length(), 248_956_422);
//! assert_eq!(header.reference_id("chr1"), Some(0));
//! # Ok::<(), biometal::Error>(())
//! ```

mod parse;

use std::collections::HashMap;
use std::fmt;

pub use self::parse::{ParseOptions, Strictness};

/// A two-character field tag such as `SN` or `LN`.
pub type Tag = [u8; 2];

/// One `TAG:VALUE` field of a header line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The tag.
    pub tag: Tag,
    /// The value, after the `:`.
    pub value: String,
}

/// Fields of one header line, in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fields(Vec<Field>);

impl Fields {
    /// The value of the first field with `tag`.
    ///
    /// ```
    /// use biometal::formats::sam::header::Header;
    ///
    /// let header = Header::parse("@RG\tID:rg1\tSM:NA12878\tXY:custom\n")?;
    /// assert_eq!(header.read_groups()[0].fields().get(b"XY"), Some("custom"));
    /// # Ok::<(), biometal::Error>(())
    /// ```
    pub fn get(&self, tag: &Tag) -> Option<&str> {
        self.0
            .iter()
            .find(|f| &f.tag == tag)
            .map(|f| f.value.as_str())
    }

    /// All fields in order.
    pub fn iter(&self) -> impl Iterator<Item = &Field> {
        self.0.iter()
    }

    /// Sets `tag` to `value`, replacing the first field with that tag or
    /// appending a new one.
    pub fn set(&mut self, tag: Tag, value: impl Into<String>) {
        let value = value.into();
        match self.0.iter_mut().find(|f| f.tag == tag) {
            Some(field) => field.value = value,
            None => self.0.push(Field { tag, value }),
        }
    }

    fn write(&self, kind: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(kind)?;
        for field in &self.0 {
            write!(
                f,
                "\t{}{}:{}",
                field.tag[0] as char, field.tag[1] as char, field.value
            )?;
        }
        f.write_str("\n")
    }
}

/// `@HD SO`: the sort order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SortOrder {
    /// `unknown`
    Unknown,
    /// `unsorted`
    Unsorted,
    /// `queryname`
    QueryName,
    /// `coordinate`
    Coordinate,
}

impl SortOrder {
    fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "unknown" => SortOrder::Unknown,
            "unsorted" => SortOrder::Unsorted,
            "queryname" => SortOrder::QueryName,
            "coordinate" => SortOrder::Coordinate,
            _ => return None,
        })
    }
}

/// `@HD GO`: the grouping of alignments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GroupOrder {
    /// `none`
    None,
    /// `query`
    Query,
    /// `reference`
    Reference,
}

impl GroupOrder {
    fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "none" => GroupOrder::None,
            "query" => GroupOrder::Query,
            "reference" => GroupOrder::Reference,
            _ => return None,
        })
    }
}

/// The `@HD` line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeaderLine {
    fields: Fields,
}

impl HeaderLine {
    /// `VN`: the format version.
    pub fn version(&self) -> Option<&str> {
        self.fields.get(b"VN")
    }
    /// `SO`: the sort order (`None` if absent or not a standard value).
    pub fn sort_order(&self) -> Option<SortOrder> {
        self.fields.get(b"SO").and_then(SortOrder::parse)
    }
    /// `GO`: the grouping.
    pub fn group_order(&self) -> Option<GroupOrder> {
        self.fields.get(b"GO").and_then(GroupOrder::parse)
    }
    /// `SS`: the sub-sorting, `<sort order>:<sub-sort>`.
    pub fn sub_sort_order(&self) -> Option<&str> {
        self.fields.get(b"SS")
    }
    /// All fields in order.
    pub fn fields(&self) -> &Fields {
        &self.fields
    }
}

/// An `@SQ` line: one reference sequence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferenceSequence {
    name: String,
    length: u64,
    fields: Fields,
}

impl ReferenceSequence {
    /// A reference sequence `name` of `length` bases (fields `SN` and `LN`).
    ///
    /// ```
    /// let sq = biometal::formats::sam::header::ReferenceSequence::new("chr1", 1000);
    /// assert_eq!((sq.name(), sq.length()), ("chr1", 1000));
    /// ```
    pub fn new(name: impl Into<String>, length: u64) -> Self {
        let name = name.into();
        let mut fields = Fields::default();
        fields.set(*b"SN", name.clone());
        fields.set(*b"LN", length.to_string());
        ReferenceSequence {
            name,
            length,
            fields,
        }
    }
    /// `SN`: the name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// `LN`: the length in bases.
    pub fn length(&self) -> u64 {
        self.length
    }
    /// `AH`: the alternate locus.
    pub fn alternate_locus(&self) -> Option<&str> {
        self.fields.get(b"AH")
    }
    /// `AN`: alternative names, comma-separated.
    pub fn alternative_names(&self) -> Option<&str> {
        self.fields.get(b"AN")
    }
    /// `AS`: the genome assembly identifier.
    pub fn assembly_id(&self) -> Option<&str> {
        self.fields.get(b"AS")
    }
    /// `DS`: a description.
    pub fn description(&self) -> Option<&str> {
        self.fields.get(b"DS")
    }
    /// `M5`: the MD5 checksum of the sequence (32 lower-case hex digits).
    pub fn md5(&self) -> Option<&str> {
        self.fields.get(b"M5")
    }
    /// `SP`: the species.
    pub fn species(&self) -> Option<&str> {
        self.fields.get(b"SP")
    }
    /// `TP`: the topology (`linear` or `circular`).
    pub fn topology(&self) -> Option<&str> {
        self.fields.get(b"TP")
    }
    /// `UR`: the URI of the sequence.
    pub fn uri(&self) -> Option<&str> {
        self.fields.get(b"UR")
    }
    /// All fields in order, `SN` and `LN` included.
    pub fn fields(&self) -> &Fields {
        &self.fields
    }
}

/// An `@RG` line: a read group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadGroup {
    fields: Fields,
}

macro_rules! getters {
    ($($(#[$doc:meta])* $name:ident => $tag:literal;)*) => {
        $( $(#[$doc])* pub fn $name(&self) -> Option<&str> { self.fields.get($tag) } )*
    };
}

impl ReadGroup {
    /// `ID`: the read-group identifier.
    pub fn id(&self) -> &str {
        self.fields.get(b"ID").unwrap_or_default()
    }
    getters! {
        /// `BC`: barcode sequence.
        barcode => b"BC";
        /// `CN`: sequencing centre.
        sequencing_center => b"CN";
        /// `DS`: description.
        description => b"DS";
        /// `DT`: date of the run (ISO 8601).
        date => b"DT";
        /// `FO`: flow order.
        flow_order => b"FO";
        /// `KS`: key sequence.
        key_sequence => b"KS";
        /// `LB`: library.
        library => b"LB";
        /// `PG`: programs used.
        program => b"PG";
        /// `PL`: platform (`ILLUMINA`, `ONT`, `PACBIO`, …).
        platform => b"PL";
        /// `PM`: platform model.
        platform_model => b"PM";
        /// `PU`: platform unit.
        platform_unit => b"PU";
        /// `SM`: sample.
        sample => b"SM";
    }
    /// `PI`: predicted median insert size.
    pub fn predicted_insert_size(&self) -> Option<i64> {
        self.fields.get(b"PI").and_then(|v| v.parse().ok())
    }
    /// All fields in order.
    pub fn fields(&self) -> &Fields {
        &self.fields
    }
}

/// A `@PG` line: a program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Program {
    fields: Fields,
}

impl Program {
    /// `ID`: the program record identifier.
    pub fn id(&self) -> &str {
        self.fields.get(b"ID").unwrap_or_default()
    }
    getters! {
        /// `PN`: program name.
        name => b"PN";
        /// `CL`: command line.
        command_line => b"CL";
        /// `PP`: previous program's `ID`.
        previous_id => b"PP";
        /// `DS`: description.
        description => b"DS";
        /// `VN`: program version.
        version => b"VN";
    }
    /// All fields in order.
    pub fn fields(&self) -> &Fields {
        &self.fields
    }
}

/// One header line, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Line {
    Header,
    Reference(usize),
    ReadGroup(usize),
    Program(usize),
    Comment(usize),
    /// A line of an unknown record type (lenient parsing only): raw text.
    Other(String),
}

/// A SAM header.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Header {
    text: String,
    header_line: Option<HeaderLine>,
    references: Vec<ReferenceSequence>,
    read_groups: Vec<ReadGroup>,
    programs: Vec<Program>,
    comments: Vec<String>,
    lines: Vec<Line>,
    reference_ids: HashMap<String, usize>,
}

impl Header {
    /// Parses header text strictly (see [`Strictness`]).
    ///
    /// # Errors
    ///
    /// The first line breaking the SAM specification, with its 1-based line
    /// number.
    pub fn parse(text: &str) -> crate::Result<Self> {
        ParseOptions::default().parse(text)
    }

    /// The header text as it was read (or built by [`Header::from_references`]).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// A header with only `@SQ` lines, as BAM's binary reference list gives
    /// when the header text lacks them.
    ///
    /// ```
    /// use biometal::formats::sam::header::{Header, ReferenceSequence};
    ///
    /// let header = Header::from_references(vec![ReferenceSequence::new("chr1", 10)]);
    /// assert_eq!(header.to_string(), "@SQ\tSN:chr1\tLN:10\n");
    /// ```
    pub fn from_references(references: Vec<ReferenceSequence>) -> Self {
        let mut header = Header::default();
        for reference in references {
            header.push_reference(reference);
        }
        header.text = header.to_string();
        header
    }

    /// Appends an `@SQ` line (the BAM reader adds the binary reference
    /// list this way when the text has none). A name already present keeps
    /// its first id; check [`Header::reference_id`] first.
    pub fn add_reference(&mut self, reference: ReferenceSequence) {
        self.push_reference(reference);
    }

    fn push_reference(&mut self, reference: ReferenceSequence) {
        self.reference_ids
            .insert(reference.name.clone(), self.references.len());
        self.lines.push(Line::Reference(self.references.len()));
        self.references.push(reference);
    }

    /// The `@HD` line.
    pub fn header_line(&self) -> Option<&HeaderLine> {
        self.header_line.as_ref()
    }

    /// `@HD SO`.
    pub fn sort_order(&self) -> Option<SortOrder> {
        self.header_line.as_ref().and_then(HeaderLine::sort_order)
    }

    /// The `@SQ` lines; a record's reference id indexes this slice.
    pub fn reference_sequences(&self) -> &[ReferenceSequence] {
        &self.references
    }

    /// The index of the reference sequence named `name`.
    pub fn reference_id(&self, name: &str) -> Option<usize> {
        self.reference_ids.get(name).copied()
    }

    /// The `@RG` lines.
    pub fn read_groups(&self) -> &[ReadGroup] {
        &self.read_groups
    }

    /// The `@PG` lines.
    pub fn programs(&self) -> &[Program] {
        &self.programs
    }

    /// The `@CO` lines' text.
    pub fn comments(&self) -> &[String] {
        &self.comments
    }

    /// Whether the header has no lines at all.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }
}

/// Prints the header from its typed lines, in file order.
impl fmt::Display for Header {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for line in &self.lines {
            match line {
                Line::Header => {
                    if let Some(hd) = &self.header_line {
                        hd.fields.write("@HD", f)?;
                    }
                }
                Line::Reference(i) => self.references[*i].fields.write("@SQ", f)?,
                Line::ReadGroup(i) => self.read_groups[*i].fields.write("@RG", f)?,
                Line::Program(i) => self.programs[*i].fields.write("@PG", f)?,
                Line::Comment(i) => writeln!(f, "@CO\t{}", self.comments[*i])?,
                Line::Other(text) => writeln!(f, "{text}")?,
            }
        }
        Ok(())
    }
}
