//! The typed meaning of INFO, FORMAT, FILTER and contig header lines.

use std::fmt;

/// How many values an INFO or FORMAT field holds (`Number=`).
///
/// ```
/// use biometal::formats::vcf::header::Number;
///
/// assert_eq!("A".parse::<Number>().ok(), Some(Number::PerAlternateAllele));
/// assert_eq!("2".parse::<Number>().ok(), Some(Number::Count(2)));
/// assert_eq!(Number::PerGenotype.to_string(), "G");
/// assert!("N".parse::<Number>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Number {
    /// A fixed number of values (`0` for flags).
    Count(u32),
    /// One value per alternate allele (`A`).
    PerAlternateAllele,
    /// One value per allele, the reference included (`R`).
    PerAllele,
    /// One value per possible genotype (`G`).
    PerGenotype,
    /// One value per allele copy of the sample's ploidy (`P`, VCF 4.4+).
    PerPloidy,
    /// One value per local alternate allele (`LA`, VCF 4.5).
    PerLocalAlternateAllele,
    /// One value per local allele, the reference included (`LR`, VCF 4.5).
    PerLocalAllele,
    /// One value per local genotype (`LG`, VCF 4.5).
    PerLocalGenotype,
    /// Unknown or varying (`.`).
    Unknown,
}

impl std::str::FromStr for Number {
    type Err = ();

    fn from_str(text: &str) -> Result<Self, ()> {
        Ok(match text {
            "A" => Number::PerAlternateAllele,
            "R" => Number::PerAllele,
            "G" => Number::PerGenotype,
            "P" => Number::PerPloidy,
            "LA" => Number::PerLocalAlternateAllele,
            "LR" => Number::PerLocalAllele,
            "LG" => Number::PerLocalGenotype,
            "." => Number::Unknown,
            _ if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) => {
                Number::Count(text.parse().map_err(|_| ())?)
            }
            _ => return Err(()),
        })
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Number::Count(n) => write!(f, "{n}"),
            Number::PerAlternateAllele => f.write_str("A"),
            Number::PerAllele => f.write_str("R"),
            Number::PerGenotype => f.write_str("G"),
            Number::PerPloidy => f.write_str("P"),
            Number::PerLocalAlternateAllele => f.write_str("LA"),
            Number::PerLocalAllele => f.write_str("LR"),
            Number::PerLocalGenotype => f.write_str("LG"),
            Number::Unknown => f.write_str("."),
        }
    }
}

/// The type of an INFO or FORMAT field's values (`Type=`).
///
/// ```
/// use biometal::formats::vcf::header::ValueType;
///
/// assert_eq!("Float".parse::<ValueType>().ok(), Some(ValueType::Float));
/// assert!("Int".parse::<ValueType>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueType {
    /// 32-bit signed integers.
    Integer,
    /// 32-bit floats.
    Float,
    /// Presence alone (INFO only).
    Flag,
    /// One character.
    Character,
    /// Text.
    String,
}

impl std::str::FromStr for ValueType {
    type Err = ();

    fn from_str(text: &str) -> Result<Self, ()> {
        Ok(match text {
            "Integer" => ValueType::Integer,
            "Float" => ValueType::Float,
            "Flag" => ValueType::Flag,
            "Character" => ValueType::Character,
            "String" => ValueType::String,
            _ => return Err(()),
        })
    }
}

impl fmt::Display for ValueType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ValueType::Integer => "Integer",
            ValueType::Float => "Float",
            ValueType::Flag => "Flag",
            ValueType::Character => "Character",
            ValueType::String => "String",
        })
    }
}

/// An INFO or FORMAT definition (`##INFO=<ID=…,Number=…,Type=…,…>`).
#[derive(Debug, Clone, PartialEq)]
pub struct Definition {
    pub(crate) id: String,
    pub(crate) number: Number,
    pub(crate) value_type: ValueType,
    pub(crate) description: String,
    pub(crate) string_index: usize,
    pub(crate) line_index: Option<usize>,
}

impl Definition {
    /// The field's key (`ID=`).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// How many values it holds.
    pub fn number(&self) -> Number {
        self.number
    }

    /// The type of its values.
    pub fn value_type(&self) -> ValueType {
        self.value_type
    }

    /// Its `Description=` (unquoted, unescaped); empty when absent.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// Its index in the header's string dictionary (what BCF stores).
    pub fn string_index(&self) -> usize {
        self.string_index
    }

    /// The index (in [`Header::lines`](super::Header::lines)) of the line
    /// defining it; `None` for definitions implied by the specification
    /// (reserved keys used without a header line) or added leniently.
    pub fn line_index(&self) -> Option<usize> {
        self.line_index
    }
}

/// A FILTER definition (`##FILTER=<ID=…,Description=…>`); `PASS` is always
/// defined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterDefinition {
    pub(crate) id: String,
    pub(crate) description: String,
    pub(crate) string_index: usize,
}

impl FilterDefinition {
    /// The filter's name (`ID=`).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Its `Description=`.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// Its index in the string dictionary (`PASS` is 0).
    pub fn string_index(&self) -> usize {
        self.string_index
    }
}

/// A contig (`##contig=<ID=…,length=…>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contig {
    pub(crate) id: String,
    pub(crate) length: Option<u64>,
    pub(crate) index: usize,
}

impl Contig {
    /// The contig's name.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Its length in bases, when declared.
    pub fn length(&self) -> Option<u64> {
        self.length
    }

    /// Its index in the contig dictionary (what BCF stores as CHROM).
    pub fn index(&self) -> usize {
        self.index
    }
}
