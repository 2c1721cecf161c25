//! Strict checks of one record against the specification and its header:
//! what the hts-specs conformance suite rejects in record lines.

use std::collections::HashSet;

use super::fields::{parse_typed, split_info};
use super::header::{reserved_format, reserved_info, Header, Number, ValueType};
use super::record::RecordRef;
use super::{GenotypeMatrix, Value};
use crate::Result;

/// What strict reading remembers between records: the current contig and
/// position, the contigs already finished, the alleles seen at the current
/// position.
#[derive(Debug, Default)]
pub(crate) struct Order {
    contig: String,
    position: u64,
    finished: HashSet<String>,
    /// Normalised (position, REF, ALT) of recent records that a later
    /// record could repeat.
    recent: Vec<(u64, Vec<u8>, Vec<u8>)>,
}

/// Trims the bases REF and ALT share at their ends (suffix first, as
/// variant normalisation does), moving the position with the prefix.
fn normalise(position: u64, reference: &[u8], allele: &[u8]) -> (u64, Vec<u8>, Vec<u8>) {
    let (mut r, mut a) = (reference.to_ascii_uppercase(), allele.to_ascii_uppercase());
    while r.len() > 1 && a.len() > 1 && r.last() == a.last() {
        r.pop();
        a.pop();
    }
    let prefix = r
        .iter()
        .zip(&a)
        .take_while(|(x, y)| x == y)
        .count()
        .min(r.len().min(a.len()).saturating_sub(1));
    (
        position + prefix as u64,
        r[prefix..].to_vec(),
        a[prefix..].to_vec(),
    )
}

/// Checks `record` strictly; `order` carries the sorting state.
pub(crate) fn validate(record: &RecordRef<'_>, header: &Header, order: &mut Order) -> Result<()> {
    let fail = |message: String| Err(record.error(message));
    let chromosome = record.chromosome(header)?;
    // `*` is allowed in contig names before VCF 4.3.
    let star_ok = header.version() < (4, 3);
    let bad_chromosome =
        |c: char| c.is_whitespace() || ",<>:".contains(c) || (c == '*' && !star_ok);
    // `<ID>`: a contig named by a symbolic assembly reference.
    let bare = chromosome
        .strip_prefix('<')
        .and_then(|c| c.strip_suffix('>'))
        .unwrap_or(chromosome);
    if bare.is_empty() || bare.contains(bad_chromosome) {
        return fail(format!(
            "CHROM {chromosome:?} contains an illegal character"
        ));
    }
    // POS 0 stands for a telomere.
    let position = record.position_value()?;
    if bare.len() == chromosome.len() {
        // Records on symbolic contigs (`<ID>`) are outside the sort order.
        check_order(record, chromosome, position, order)?;
    }

    let ids = record.field(2);
    if ids != b"." {
        let mut seen = HashSet::new();
        for id in ids.split(|&b| b == b';') {
            if id.is_empty() || id.iter().any(u8::is_ascii_whitespace) || !seen.insert(id) {
                return fail(format!(
                    "invalid ID column {:?}",
                    String::from_utf8_lossy(ids)
                ));
            }
        }
    }
    let reference = record.reference_bases();
    if reference.is_empty() || !reference.iter().all(|b| b"ACGTNacgtn".contains(b)) {
        return fail(format!(
            "REF {:?} is not a sequence of A, C, G, T, N",
            String::from_utf8_lossy(reference)
        ));
    }
    let alt = record.field(4);
    if alt != b"." {
        for allele in alt.split(|&b| b == b',') {
            if !is_valid_allele(allele) {
                return fail(format!(
                    "invalid ALT allele {:?}",
                    String::from_utf8_lossy(allele)
                ));
            }
        }
    }
    if record.quality()?.is_some_and(|q| q < 0.0) {
        return fail("QUAL is negative".into());
    }
    let filters = record.field(6);
    if filters != b"." {
        let mut seen = HashSet::new();
        for filter in filters.split(|&b| b == b';') {
            if filter.is_empty()
                || filter == b"0"
                || filter == b"."
                || filter.iter().any(u8::is_ascii_whitespace)
                || !seen.insert(filter)
            {
                return fail(format!(
                    "invalid FILTER column {:?}",
                    String::from_utf8_lossy(filters)
                ));
            }
        }
    }
    let alt_count = record.alternate_allele_count();
    check_info(record, header, alt_count)?;
    check_samples(record, header, alt_count)
}

fn check_order(
    record: &RecordRef<'_>,
    chromosome: &str,
    position: u64,
    order: &mut Order,
) -> Result<()> {
    if chromosome != order.contig {
        if order.finished.contains(chromosome) {
            return Err(record.error(format!("records of {chromosome} are not contiguous")));
        }
        if !order.contig.is_empty() {
            order.finished.insert(std::mem::take(&mut order.contig));
        }
        order.contig = chromosome.to_owned();
        order.position = 0;
        order.recent.clear();
    }
    if position < order.position {
        return Err(record.error(format!(
            "position {position} comes after {}: not sorted",
            order.position
        )));
    }
    order.position = position;
    order.recent.retain(|(p, _, _)| *p >= position);
    let reference = record.reference_bases();
    for allele in record.alternate_bases() {
        if allele.starts_with(b"<")
            || allele == b"*"
            || allele.contains(&b'[')
            || allele.contains(&b']')
        {
            continue;
        }
        let key = normalise(position, reference, allele);
        if order.recent.contains(&key) {
            return Err(record.error(format!(
                "duplicate variant {chromosome}:{position} {}>{}",
                String::from_utf8_lossy(reference),
                String::from_utf8_lossy(allele)
            )));
        }
        order.recent.push(key);
    }
    Ok(())
}

/// A base sequence, `*`, a symbolic `<ID>`, or a breakend.
fn is_valid_allele(allele: &[u8]) -> bool {
    let is_bases = |s: &[u8]| !s.is_empty() && s.iter().all(|b| b"ACGTNacgtn".contains(b));
    if allele == b"*" || is_bases(allele) {
        return true;
    }
    if let Some(inner) = allele.strip_prefix(b"<").and_then(|a| a.strip_suffix(b">")) {
        return !inner.is_empty() && !inner.iter().any(|b| b"<>, \t".contains(b));
    }
    // Breakends: t[p[, t]p], ]p]t, [p[t, or single breakends .t / t.
    if let Some(open) = allele.iter().position(|&b| b == b'[' || b == b']') {
        let bracket = allele[open];
        let Some(close) = allele[open + 1..].iter().position(|&b| b == bracket) else {
            return false;
        };
        let close = open + 1 + close;
        let (before, after) = (&allele[..open], &allele[close + 1..]);
        let mate = &allele[open + 1..close];
        return !mate.is_empty()
            && (is_bases(before) ^ is_bases(after))
            && (before.is_empty() || after.is_empty());
    }
    allele.len() > 1
        && (allele.strip_prefix(b".").is_some_and(is_bases)
            || allele.strip_suffix(b".").is_some_and(is_bases))
}

/// The number of values `number` asks for, if fixed for this record.
fn expected_count(number: Number, alt_count: usize, ploidy: Option<usize>) -> Option<usize> {
    match number {
        Number::Count(n) => Some(n as usize),
        Number::PerAlternateAllele => Some(alt_count),
        Number::PerAllele => Some(alt_count + 1),
        Number::PerGenotype => ploidy.map(|p| genotype_count(alt_count + 1, p)),
        Number::PerPloidy => ploidy,
        _ => None,
    }
}

/// The number of unordered genotypes of `ploidy` alleles out of `alleles`.
fn genotype_count(alleles: usize, ploidy: usize) -> usize {
    // C(alleles + ploidy - 1, ploidy), small in practice; saturate otherwise.
    let mut result: usize = 1;
    for i in 0..ploidy {
        result = result.saturating_mul(alleles + i) / (i + 1);
    }
    result
}

fn value_count(value: &Value<'_>) -> Option<usize> {
    Some(match value {
        Value::Missing => return None,
        Value::IntegerArray(v) => v.len(),
        Value::FloatArray(v) => v.len(),
        Value::CharacterArray(v) => v.len(),
        Value::StringArray(v) => v.len(),
        _ => 1,
    })
}

fn is_negative(value: &Value<'_>) -> bool {
    match value {
        Value::Integer(v) => *v < 0,
        Value::Float(v) => *v < 0.0,
        Value::IntegerArray(v) => v.iter().flatten().any(|x| *x < 0),
        Value::FloatArray(v) => v.iter().flatten().any(|x| *x < 0.0),
        _ => false,
    }
}

/// Reserved INFO keys whose values are counts or frequencies.
const NON_NEGATIVE: [&str; 7] = ["AC", "AF", "AN", "DP", "END", "MQ0", "NS"];

fn check_info(record: &RecordRef<'_>, header: &Header, alt_count: usize) -> Result<()> {
    let text = record.info_text();
    if text.iter().any(u8::is_ascii_whitespace) {
        return Err(record.error("INFO contains whitespace".into()));
    }
    let mut seen = HashSet::new();
    let percent = header.version() >= (4, 3);
    for (key, value) in split_info(text) {
        let key =
            std::str::from_utf8(key).map_err(|_| record.error("INFO key is not UTF-8".into()))?;
        if !seen.insert(key) {
            return Err(record.error(format!("INFO {key} appears twice")));
        }
        let Some(definition) = header.info(key) else {
            return Err(record.error(format!("INFO {key} is not defined in the header")));
        };
        // Reserved keys used without a header line follow the specification.
        // Keys without a header line: reserved ones follow the
        // specification, others have no count to check.
        let (number, value_type) = match reserved_info(header.version(), key) {
            Some(reserved) if definition.line_index().is_none() => reserved,
            None if definition.line_index().is_none() => (Number::Unknown, definition.value_type()),
            _ => (definition.number(), definition.value_type()),
        };
        let Some(value) = value else {
            if value_type != ValueType::Flag {
                return Err(record.error(format!("INFO {key} has no value but is not a Flag")));
            }
            continue;
        };
        if value_type == ValueType::Flag {
            // The suite accepts `FLAG=0` and `FLAG=1`.
            if value != b"0" && value != b"1" {
                return Err(record.error(format!("INFO {key} is a Flag but has a value")));
            }
            continue;
        }
        let typed = parse_typed(value, number, value_type, percent)
            .map_err(|message| record.error(format!("INFO {key}: {message}")))?;
        if let (Some(found), Some(expected)) =
            (value_count(&typed), expected_count(number, alt_count, None))
        {
            // (The suite accepts commas inside a quoted string.)
            let scalar_with_commas =
                number == Number::Count(1) && value.contains(&b',') && !value.starts_with(b"\"");
            if (found != expected && expected > 0) || scalar_with_commas {
                return Err(record.error(format!(
                    "INFO {key} has {found} values, its Number={} asks for {expected}",
                    number
                )));
            }
        }
        if NON_NEGATIVE.contains(&key) && is_negative(&typed) {
            return Err(record.error(format!("INFO {key} is negative")));
        }
        if key == "CIGAR" && !value.split(|&b| b == b',').all(is_cigar) {
            return Err(record.error("INFO CIGAR is not a CIGAR string".into()));
        }
    }
    Ok(())
}

fn is_cigar(text: &[u8]) -> bool {
    let mut digits = 0;
    for &b in text {
        if b.is_ascii_digit() {
            digits += 1;
        } else if b"MIDNSHP=X".contains(&b) && digits > 0 {
            digits = 0;
        } else {
            return false;
        }
    }
    !text.is_empty() && digits == 0
}

fn check_samples(record: &RecordRef<'_>, header: &Header, alt_count: usize) -> Result<()> {
    let format = record.format_text();
    if format.is_empty() {
        return Ok(());
    }
    let keys: Vec<&[u8]> = format.split(|&b| b == b':').collect();
    let mut seen = HashSet::new();
    // Before VCF 4.3 keys are alphanumeric; from 4.3 `[A-Za-z_][0-9A-Za-z_.]*`.
    let punctuation: &[u8] = if header.version() >= (4, 3) {
        b"_."
    } else {
        b""
    };
    for (i, key) in keys.iter().enumerate() {
        let valid = key
            .first()
            .is_some_and(|&b| b.is_ascii_alphabetic() || b == b'_')
            && key
                .iter()
                .all(|&b| b.is_ascii_alphanumeric() || punctuation.contains(&b));
        if !valid || !seen.insert(*key) {
            return Err(record.error(format!(
                "invalid FORMAT column {:?}",
                String::from_utf8_lossy(format)
            )));
        }
        if *key == b"GT" && i != 0 {
            return Err(record.error("GT must be the first FORMAT key".into()));
        }
    }
    let mut matrix = GenotypeMatrix::new();
    record.genotypes_into(header, &mut matrix)?;
    let has_gt = keys.first() == Some(&&b"GT"[..]);
    let percent = header.version() >= (4, 3);
    for (sample, column) in record.samples_text().split(|&b| b == b'\t').enumerate() {
        let values: Vec<&[u8]> = column.split(|&b| b == b':').collect();
        if values.len() > keys.len() {
            return Err(record.error(format!("sample {} has more fields than FORMAT", sample + 1)));
        }
        if has_gt {
            let gt = values.first().copied().unwrap_or(b".");
            if gt.len() > 1
                && gt.contains(&b'.')
                && gt.iter().any(u8::is_ascii_digit)
                && gt.ends_with(b"/")
            {
                return Err(record.error(format!("GT of sample {} is incomplete", sample + 1)));
            }
        }
        let ploidy = has_gt.then(|| matrix.ploidy(sample));
        for (key, value) in keys.iter().zip(&values).skip(usize::from(has_gt)) {
            let key = std::str::from_utf8(key)
                .map_err(|_| record.error("FORMAT key is not UTF-8".into()))?;
            let Some(definition) = header.format(key) else {
                return Err(record.error(format!("FORMAT {key} is not defined in the header")));
            };
            let (number, value_type) = match reserved_format(header.version(), key) {
                Some(reserved) if definition.line_index().is_none() => reserved,
                None if definition.line_index().is_none() => {
                    (Number::Unknown, definition.value_type())
                }
                _ => (definition.number(), definition.value_type()),
            };
            let typed = parse_typed(value, number, value_type, percent).map_err(|message| {
                record.error(format!("FORMAT {key} of sample {}: {message}", sample + 1))
            })?;
            // Without ALT alleles the suite does not check counts.
            let expected = expected_count(number, alt_count, ploidy).filter(|_| alt_count > 0);
            if let (Some(found), Some(expected)) = (value_count(&typed), expected) {
                if found != expected && !(found == 1 && value == b".") {
                    return Err(record.error(format!(
                        "FORMAT {key} of sample {} has {found} values, its Number={number} asks for {expected}",
                        sample + 1,
                    )));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::normalise;

    #[test]
    fn normalise_trims_shared_ends_and_moves_the_position() {
        assert_eq!(
            normalise(10, b"CAT", b"CGT"),
            (11, b"A".to_vec(), b"G".to_vec())
        );
        assert_eq!(
            normalise(10, b"AC", b"A"),
            (10, b"AC".to_vec(), b"A".to_vec())
        );
    }

    #[test]
    fn normalise_accepts_an_empty_allele() {
        // Found by fuzzing: an empty REF underflowed the prefix bound.
        assert_eq!(normalise(5, b"", b"TTG"), (5, Vec::new(), b"TTG".to_vec()));
    }
}
