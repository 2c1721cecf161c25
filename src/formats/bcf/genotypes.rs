//! Genotypes of every sample of a BCF record into a [`GenotypeMatrix`].
//!
//! BCF stores GT as one integer per allele, `(allele + 1) << 1 | phased`
//! (0 is a missing allele), samples of lower ploidy padded with
//! end-of-vector. The common case — int8 values, no padding, every allele
//! index in range — is decoded by a branch-free kernel over the whole
//! column (vectorised with AVX2 where the CPU has it); anything else takes
//! a per-sample path that checks every value.

use super::record::FormatField;
use super::typed::{Int, Type};
use crate::formats::vcf::GenotypeMatrix;
use crate::{Error, Format, Result};

fn error(message: String) -> Error {
    Error::invalid_data(Format::Bcf, format!("GT: {message}"))
}

/// Decodes `gt` (the record's GT column, `None` when the record has none)
/// for `sample_count` samples into `matrix` (cleared first), checking
/// allele indices against `allele_count`.
pub(crate) fn decode_into(
    gt: Option<FormatField<'_>>,
    sample_count: usize,
    allele_count: usize,
    matrix: &mut GenotypeMatrix,
) -> Result<()> {
    matrix.clear();
    let Some(gt) = gt else {
        for _ in 0..sample_count {
            matrix.push_allele(GenotypeMatrix::MISSING, false);
            matrix.end_sample();
        }
        return Ok(());
    };
    if !gt.value_type().is_int() && gt.values_per_sample() > 0 {
        return Err(error(format!(
            "values of type {:?}, expected integers",
            gt.value_type()
        )));
    }
    let ploidy = gt.values_per_sample();
    let bytes = gt.values().as_bytes();
    if gt.value_type() == Type::Int8 && ploidy > 0 {
        // Every byte below 0x80: no sentinel, no padding; the largest byte
        // bounds every allele index.
        let max = max_byte(bytes);
        if max < 0x80 && usize::from(max >> 1) <= allele_count {
            decode_int8_full(bytes, ploidy, matrix);
            return Ok(());
        }
        if ploidy == 2 && decode_int8_diploid_mixed(bytes, allele_count, matrix) {
            return Ok(());
        }
        return decode_int8_padded(bytes, ploidy, allele_count, matrix);
    }
    decode_checked(gt, allele_count, matrix)
}

/// Closes a sample whose alleles start at `first`: one missing allele when
/// it has none, the first allele phased when written so or when every
/// later one is (VCF 4.4's inference).
#[inline]
fn end_sample(matrix: &mut GenotypeMatrix, first: usize, all_later_phased: bool) {
    match matrix.all_alleles().len() - first {
        0 => matrix.push_allele(GenotypeMatrix::MISSING, false),
        1 => {}
        _ => {
            if let Some(flag) = matrix.phased.get_mut(first) {
                *flag |= all_later_phased;
            }
        }
    }
    matrix.end_sample();
}

/// int8 GT with padding or sentinels (haploid calls among diploid ones,
/// `.`): per sample, byte by byte, every value checked, written into
/// space reserved for the whole column (a sample adds at most `ploidy`
/// alleles) and trimmed at the end.
fn decode_int8_padded(
    bytes: &[u8],
    ploidy: usize,
    allele_count: usize,
    matrix: &mut GenotypeMatrix,
) -> Result<()> {
    let start = matrix.alleles.len();
    matrix.alleles.resize(start + bytes.len(), 0);
    matrix.phased.resize(start + bytes.len(), false);
    matrix.ends.reserve(bytes.len() / ploidy);
    let alleles = &mut matrix.alleles[start..];
    let phased = &mut matrix.phased[start..];
    let mut written = 0;
    let mut failure = None;
    for (sample, values) in bytes.chunks_exact(ploidy).enumerate() {
        let first = written;
        let mut all_later_phased = true;
        for (i, &byte) in values.iter().enumerate() {
            let (allele, is_phased) = match byte {
                0x81 => break,
                0x80 => (GenotypeMatrix::MISSING, false),
                0x82..=0xFF => {
                    failure = Some(format!("sample {sample} has negative value {}", byte as i8));
                    break;
                }
                _ => {
                    let allele = i32::from(byte >> 1) - 1;
                    if allele >= 0 && allele as usize >= allele_count {
                        failure = Some(format!(
                            "sample {sample} has allele {allele}, the record {allele_count} alleles"
                        ));
                        break;
                    }
                    (allele, byte & 1 == 1)
                }
            };
            if i > 0 {
                all_later_phased &= is_phased;
            }
            // `written` < bytes.len(): at most `ploidy` per sample.
            alleles[written] = allele;
            phased[written] = is_phased;
            written += 1;
        }
        if failure.is_some() {
            break;
        }
        match written - first {
            0 => {
                alleles[written] = GenotypeMatrix::MISSING;
                phased[written] = false;
                written += 1;
            }
            1 => {}
            _ => phased[first] |= all_later_phased,
        }
        // The column is bounded by the record size limit, far below u32::MAX.
        matrix.ends.push((start + written) as u32);
    }
    matrix.alleles.truncate(start + written);
    matrix.phased.truncate(start + written);
    match failure {
        Some(message) => Err(error(message)),
        None => Ok(()),
    }
}

/// A diploid int8 GT column in which some samples are haploid (their
/// second value end-of-vector, as for chrX calls of males beside
/// females): one branch-free step per sample. Returns `false`, leaving
/// `matrix` as it was, when a value lies outside that shape (a missing
/// sentinel, a negative value, an allele out of range, a sample with no
/// allele); the caller then takes the checked path, which names the fault.
fn decode_int8_diploid_mixed(
    bytes: &[u8],
    allele_count: usize,
    matrix: &mut GenotypeMatrix,
) -> bool {
    let GenotypeMatrix {
        alleles,
        phased,
        ends,
    } = matrix;
    let start = alleles.len();
    let ends_before = ends.len();
    let samples = bytes.len() / 2;
    alleles.resize(start + bytes.len(), 0);
    phased.resize(start + bytes.len(), false);
    ends.resize(ends_before + samples, 0);
    // Allele codes `(allele + 1)` above this are out of range; so are the
    // sentinels (0x80 >> 1 = 64 > 63), except a haploid call's padding.
    let largest = allele_count.min(63) as u8;
    let (out_alleles, out_phased) = (&mut alleles[start..], &mut phased[start..]);
    let mut bad = false;
    let mut written = 0;
    for (pair, end) in bytes.chunks_exact(2).zip(&mut ends[ends_before..]) {
        let (a, b) = (pair[0], pair[1]);
        let haploid = b == 0x81;
        bad |= (a >> 1 > largest) | ((b >> 1 > largest) & !haploid);
        // `written` <= 2 × the samples before this one, so both slots
        // exist; a haploid sample's second slot is the next one's first.
        out_alleles[written] = i32::from(a >> 1) - 1;
        out_alleles[written + 1] = i32::from(b >> 1) - 1;
        out_phased[written] = (a | (b & !(u8::from(haploid)))) & 1 == 1;
        out_phased[written + 1] = b & 1 == 1;
        written += 2 - usize::from(haploid);
        // The column is bounded by the record size limit, far below u32::MAX.
        *end = (start + written) as u32;
    }
    if bad {
        alleles.truncate(start);
        phased.truncate(start);
        ends.truncate(ends_before);
        return false;
    }
    alleles.truncate(start + written);
    phased.truncate(start + written);
    true
}

/// The per-sample path for int16/int32 GT: padding, sentinels, every index
/// checked.
fn decode_checked(
    gt: FormatField<'_>,
    allele_count: usize,
    matrix: &mut GenotypeMatrix,
) -> Result<()> {
    for sample in 0..gt.sample_count() {
        let values = gt
            .sample(sample)
            .ok_or_else(|| error(format!("sample {sample} lies outside the GT column")))?;
        let first = matrix.all_alleles().len();
        let mut all_later_phased = true;
        for (i, value) in values.ints().enumerate() {
            let (allele, phased) = match value {
                Int::EndOfVector => break,
                Int::Missing => (GenotypeMatrix::MISSING, false),
                Int::Value(raw) if raw < 0 => {
                    return Err(error(format!("sample {sample} has negative value {raw}")))
                }
                Int::Value(raw) => {
                    let allele = (raw >> 1) - 1;
                    if allele >= 0 && allele as usize >= allele_count {
                        return Err(error(format!(
                            "sample {sample} has allele {allele}, the record {allele_count} alleles"
                        )));
                    }
                    (allele, raw & 1 == 1)
                }
            };
            if i > 0 {
                all_later_phased &= phased;
            }
            matrix.push_allele(allele, phased);
        }
        end_sample(matrix, first, all_later_phased);
    }
    Ok(())
}

/// Appends the samples of a GT column of int8 values, all below 0x80 and
/// in range, `ploidy` per sample.
fn decode_int8_full(bytes: &[u8], ploidy: usize, matrix: &mut GenotypeMatrix) {
    let start = matrix.alleles.len();
    matrix.alleles.resize(start + bytes.len(), 0);
    matrix.phased.resize(start + bytes.len(), false);
    kernel(
        bytes,
        &mut matrix.alleles[start..],
        &mut matrix.phased[start..],
        ploidy,
    );
    let samples = bytes.len() / ploidy;
    let base = matrix.ends.last().copied().unwrap_or(0);
    // The column is bounded by the record size limit, far below u32::MAX.
    matrix
        .ends
        .extend((1..=samples as u32).map(|s| base + s * ploidy as u32));
}

/// The largest byte of `bytes`.
fn max_byte(bytes: &[u8]) -> u8 {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2 (checked just above).
        return unsafe { max_byte_avx2(bytes) };
    }
    max_byte_portable(bytes)
}

#[inline(always)]
fn max_byte_portable(bytes: &[u8]) -> u8 {
    // Lanes of 32 let the compiler keep 32 running maxima in one register.
    let mut lanes = [0u8; 32];
    let mut chunks = bytes.chunks_exact(32);
    for chunk in &mut chunks {
        for (lane, &b) in lanes.iter_mut().zip(chunk) {
            *lane = (*lane).max(b);
        }
    }
    let tail = chunks.remainder().iter().copied().max().unwrap_or(0);
    lanes.into_iter().max().unwrap_or(0).max(tail)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn max_byte_avx2(bytes: &[u8]) -> u8 {
    max_byte_portable(bytes)
}

/// `alleles[i] = (bytes[i] >> 1) - 1`, `phased[i] = bytes[i] & 1`, then the
/// first allele of each sample phased when every later one is.
fn kernel(bytes: &[u8], alleles: &mut [i32], phased: &mut [bool], ploidy: usize) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2 (checked just above).
        unsafe { kernel_avx2(bytes, alleles, phased, ploidy) };
        return;
    }
    kernel_portable(bytes, alleles, phased, ploidy);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn kernel_avx2(bytes: &[u8], alleles: &mut [i32], phased: &mut [bool], ploidy: usize) {
    kernel_portable(bytes, alleles, phased, ploidy);
}

#[inline(always)]
fn kernel_portable(bytes: &[u8], alleles: &mut [i32], phased: &mut [bool], ploidy: usize) {
    for ((allele, flag), &b) in alleles.iter_mut().zip(phased.iter_mut()).zip(bytes) {
        *allele = i32::from(b >> 1) - 1;
        *flag = b & 1 == 1;
    }
    match ploidy {
        1 => {}
        2 => {
            for pair in phased.chunks_exact_mut(2) {
                pair[0] |= pair[1];
            }
        }
        _ => {
            for sample in phased.chunks_exact_mut(ploidy) {
                let later = sample.get(1..).is_some_and(|rest| rest.iter().all(|&p| p));
                if let Some(first) = sample.first_mut() {
                    *first |= later;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::bcf::typed::{encode_descriptor, push_int};
    use crate::formats::bcf::Record;

    /// A record with 3 alleles and a GT column of `ploidy` values per
    /// sample in `value_type`.
    fn record_with_gt(value_type: Type, ploidy: usize, values: &[Int]) -> Record {
        let samples = values.len() / ploidy;
        let mut shared = vec![0u8; 12];
        shared.extend_from_slice(&0x7F80_0001u32.to_le_bytes());
        shared.extend_from_slice(&(3u32 << 16).to_le_bytes());
        shared.extend_from_slice(&((1u32 << 24) | samples as u32).to_le_bytes());
        shared.extend_from_slice(&[0x07, 0x17, b'A', 0x17, b'C', 0x17, b'G', 0x00]);
        let mut indiv = vec![0x11, 0x01];
        encode_descriptor(&mut indiv, value_type, ploidy);
        for &v in values {
            push_int(&mut indiv, value_type, v);
        }
        Record::from_sections(&shared, &indiv).unwrap()
    }

    fn decode(record: &Record) -> Result<GenotypeMatrix> {
        let view = record.as_ref();
        let mut matrix = GenotypeMatrix::new();
        decode_into(view.format_field(1), view.sample_count(), 3, &mut matrix)?;
        Ok(matrix)
    }

    #[test]
    fn fast_and_checked_paths_agree() {
        use Int::Value as V;
        // 0|1, 2/2, ./1, ./. in int8 (fast path) and int16 (checked path).
        let values = [V(2), V(5), V(6), V(6), V(0), V(4), V(0), V(0)];
        let fast = decode(&record_with_gt(Type::Int8, 2, &values)).unwrap();
        let checked = decode(&record_with_gt(Type::Int16, 2, &values)).unwrap();
        assert_eq!(fast, checked);
        assert_eq!(fast.alleles(0), [0, 1]);
        assert!(fast.is_phased(0) && fast.phase_flags(0)[0]);
        assert_eq!(fast.alleles(1), [2, 2]);
        assert_eq!(fast.alleles(2), [-1, 1]);
        assert_eq!(fast.alleles(3), [-1, -1]);
        assert!(!fast.is_phased(1));
    }

    #[test]
    fn mixed_ploidy_and_missing() {
        use Int::{EndOfVector as Eov, Missing, Value as V};
        let values = [V(4), Eov, V(2), V(3), Eov, Eov, Missing, Eov];
        let matrix = decode(&record_with_gt(Type::Int8, 2, &values)).unwrap();
        assert_eq!(
            matrix,
            decode(&record_with_gt(Type::Int16, 2, &values)).unwrap()
        );
        assert_eq!(matrix.sample_count(), 4);
        assert_eq!(matrix.alleles(0), [1]);
        assert_eq!(matrix.alleles(1), [0, 0]);
        assert_eq!(matrix.alleles(2), [-1]);
        assert_eq!(matrix.alleles(3), [-1]);
    }

    #[test]
    fn haploid_samples_among_diploid_ones_take_the_mixed_path() {
        use Int::{EndOfVector as Eov, Value as V};
        // A seeded mix of diploid calls (phased or not, missing alleles) and
        // haploid calls padded with end-of-vector; int8 takes the mixed
        // path, int16 the checked one.
        let mut state = 0x9E37_79B9u32;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state
        };
        for samples in [1, 2, 7, 33, 200] {
            let mut values = Vec::new();
            for _ in 0..samples {
                let r = next();
                values.push(V((r % 8) as i32));
                values.push(if r % 5 == 0 {
                    Eov
                } else {
                    V(((r >> 8) % 8) as i32)
                });
            }
            let mixed = decode(&record_with_gt(Type::Int8, 2, &values)).unwrap();
            let checked = decode(&record_with_gt(Type::Int16, 2, &values)).unwrap();
            assert_eq!(mixed, checked, "{samples} samples");
        }
        // Outside the mixed path's shape: the checked path decides.
        let missing_sentinel = [V(4), Eov, Int::Missing, V(2)];
        assert_eq!(
            decode(&record_with_gt(Type::Int8, 2, &missing_sentinel)).unwrap(),
            decode(&record_with_gt(Type::Int16, 2, &missing_sentinel)).unwrap()
        );
        let no_allele = [V(4), Eov, Eov, Eov];
        assert_eq!(
            decode(&record_with_gt(Type::Int8, 2, &no_allele)).unwrap(),
            decode(&record_with_gt(Type::Int16, 2, &no_allele)).unwrap()
        );
        let out_of_range = [V(4), Eov, V(2), V(8)];
        let message = decode(&record_with_gt(Type::Int8, 2, &out_of_range))
            .unwrap_err()
            .to_string();
        assert!(message.contains("sample 1 has allele 3"), "{message}");
    }

    #[test]
    fn out_of_range_alleles_are_errors() {
        use Int::Value as V;
        for value_type in [Type::Int8, Type::Int32] {
            let record = record_with_gt(value_type, 2, &[V(2), V(8)]);
            assert!(decode(&record).is_err());
        }
        assert!(decode(&record_with_gt(Type::Int16, 1, &[V(-5)])).is_err());
        assert!(decode(&record_with_gt(Type::Int8, 1, &[V(-5)])).is_err());
        // Out of range in the padded int8 path.
        let padded = [V(2), Int::EndOfVector, V(8), V(2)];
        assert!(decode(&record_with_gt(Type::Int8, 2, &padded)).is_err());
    }

    #[test]
    fn kernels_agree_with_the_checked_path() {
        // Every in-range int8 byte at ploidies 1 to 4, odd lengths included.
        for ploidy in 1..=4 {
            let values: Vec<Int> = (0..(8 * ploidy * 9))
                .map(|i| Int::Value((i % 8) as i32))
                .collect();
            let fast = decode(&record_with_gt(Type::Int8, ploidy, &values)).unwrap();
            let checked = decode(&record_with_gt(Type::Int32, ploidy, &values)).unwrap();
            assert_eq!(fast, checked, "ploidy {ploidy}");
            let mut portable = GenotypeMatrix::new();
            let bytes: Vec<u8> = values
                .iter()
                .map(|v| match v {
                    Int::Value(v) => *v as u8,
                    _ => 0,
                })
                .collect();
            portable.alleles.resize(bytes.len(), 0);
            portable.phased.resize(bytes.len(), false);
            kernel_portable(&bytes, &mut portable.alleles, &mut portable.phased, ploidy);
            assert_eq!(portable.alleles, fast.alleles);
            assert_eq!(portable.phased, fast.phased);
            assert_eq!(max_byte(&bytes), max_byte_portable(&bytes));
        }
    }
}
