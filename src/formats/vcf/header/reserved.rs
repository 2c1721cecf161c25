//! The INFO and FORMAT keys the VCF specification reserves, with the
//! `Number` and `Type` each version (4.1 … 4.5) gives them. (INFO `SB`,
//! reserved from 4.3 on, is left out: the conformance suite's valid files
//! use it with other types.)

use super::{Number, ValueType};

use Number::{Count, PerAllele as R, PerAlternateAllele as A, PerGenotype as G, Unknown as Dot};
use ValueType::{Flag, Float, Integer, String};

/// (key, Number, Type, first version, last version); versions as 4.x minor.
type Entry = (&'static str, Number, ValueType, u8, u8);

const INFO: &[Entry] = &[
    ("AA", Count(1), String, 0, 9),
    ("AC", A, Integer, 0, 9),
    ("AD", R, Integer, 3, 9),
    ("ADF", R, Integer, 3, 9),
    ("ADR", R, Integer, 3, 9),
    ("AF", A, Float, 0, 9),
    ("AN", Count(1), Integer, 0, 9),
    ("BQ", Count(1), Float, 0, 9),
    ("CIGAR", A, String, 0, 9),
    ("DB", Count(0), Flag, 0, 9),
    ("DP", Count(1), Integer, 0, 9),
    ("END", Count(1), Integer, 0, 9),
    ("H2", Count(0), Flag, 0, 9),
    ("H3", Count(0), Flag, 0, 9),
    ("MQ", Count(1), Float, 0, 9),
    ("MQ0", Count(1), Integer, 0, 9),
    ("NS", Count(1), Integer, 0, 9),
    ("SOMATIC", Count(0), Flag, 0, 9),
    ("VALIDATED", Count(0), Flag, 0, 9),
    ("1000G", Count(0), Flag, 0, 9),
    // Structural variants.
    ("IMPRECISE", Count(0), Flag, 0, 9),
    ("NOVEL", Count(0), Flag, 0, 9),
    ("SVTYPE", Count(1), String, 0, 9),
    ("SVLEN", Dot, Integer, 0, 9),
    ("CIPOS", Count(2), Integer, 0, 9),
    ("CIEND", Count(2), Integer, 0, 9),
    ("HOMLEN", Dot, Integer, 0, 9),
    ("HOMSEQ", Dot, String, 0, 9),
    ("BKPTID", Dot, String, 0, 9),
    ("MEINFO", Count(4), String, 0, 9),
    ("METRANS", Count(4), String, 0, 9),
    ("DGVID", Count(1), String, 0, 9),
    ("DBVARID", Count(1), String, 0, 9),
    ("DBRIPID", Count(1), String, 0, 9),
    ("MATEID", Dot, String, 0, 9),
    ("PARID", Count(1), String, 0, 9),
    ("EVENT", Count(1), String, 0, 9),
    ("CILEN", Count(2), Integer, 0, 9),
    ("DPADJ", Dot, Integer, 0, 9),
    ("CN", Count(1), Integer, 0, 9),
    ("CNADJ", Dot, Integer, 0, 9),
    ("CICN", Count(2), Integer, 0, 9),
    ("CICNADJ", Dot, Integer, 0, 9),
];

const FORMAT: &[Entry] = &[
    ("AD", R, Integer, 3, 9),
    ("ADF", R, Integer, 3, 9),
    ("ADR", R, Integer, 3, 9),
    ("DP", Count(1), Integer, 0, 9),
    ("EC", A, Integer, 0, 9),
    ("FT", Count(1), String, 0, 9),
    ("GL", G, Float, 0, 9),
    ("GLE", G, String, 0, 2),
    ("GP", G, Float, 0, 9),
    ("GQ", Count(1), Integer, 0, 9),
    ("GT", Count(1), String, 0, 9),
    ("HQ", Count(2), Integer, 0, 9),
    ("MQ", Count(1), Integer, 0, 9),
    ("PL", G, Integer, 0, 9),
    ("PQ", Count(1), Integer, 0, 9),
    ("PS", Count(1), Integer, 0, 9),
    // Structural variants.
    ("CN", Count(1), Integer, 0, 9),
    ("CNQ", Count(1), Float, 0, 9),
    ("CNL", G, Float, 0, 9),
    ("CNP", G, Float, 0, 9),
    ("NQ", Count(1), Integer, 0, 9),
    ("HAP", Count(1), Integer, 0, 9),
    ("AHAP", Count(1), Integer, 0, 9),
];

fn lookup(table: &[Entry], version: (u8, u8), key: &str) -> Option<(Number, ValueType)> {
    let minor = if version.0 > 4 { 9 } else { version.1 };
    table
        .iter()
        .find(|(k, _, _, first, last)| *k == key && (*first..=*last).contains(&minor))
        .map(|&(_, number, value_type, _, _)| (number, value_type))
}

/// The `Number` and `Type` VCF `version` (major, minor) reserves for INFO
/// key `key`, if it does.
///
/// ```
/// use biometal::formats::vcf::header::{reserved_info, Number, ValueType};
///
/// assert_eq!(reserved_info((4, 3), "AF"), Some((Number::PerAlternateAllele, ValueType::Float)));
/// assert_eq!(reserved_info((4, 2), "AD"), None); // reserved from 4.3 on
/// ```
pub fn reserved_info(version: (u8, u8), key: &str) -> Option<(Number, ValueType)> {
    lookup(INFO, version, key)
}

/// The `Number` and `Type` VCF `version` reserves for FORMAT key `key`.
///
/// ```
/// use biometal::formats::vcf::header::{reserved_format, Number, ValueType};
///
/// assert_eq!(reserved_format((4, 2), "PL"), Some((Number::PerGenotype, ValueType::Integer)));
/// ```
pub fn reserved_format(version: (u8, u8), key: &str) -> Option<(Number, ValueType)> {
    lookup(FORMAT, version, key)
}

/// Whether strict parsing insists on the reserved definition of `key`: the
/// core keys of the specification's tables, not the structural-variant ones
/// (whose definitions changed between versions), and not the `Type` of INFO
/// `MQ` (Integer in some drafts, Float in others).
pub(super) fn enforced(is_info: bool, key: &str, checking_type: bool) -> bool {
    let (table, core) = if is_info { (INFO, 20) } else { (FORMAT, 16) };
    let is_core = table.iter().take(core).any(|entry| entry.0 == key);
    is_core && !(checking_type && is_info && key == "MQ")
}
