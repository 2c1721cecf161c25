//! Decoding the GT of every sample of a VCF line in one pass.
//!
//! The hot loop recognises the common 3-byte calls (`0|1`, `1/1`) followed
//! by a tab: runs of them 8 or 4 samples at a time with vector instructions
//! ([`gt_simd`](super::gt_simd)), single ones (also before a colon) with
//! one 4-byte look; anything else (multi-digit
//! alleles, `.`, haploid or polyploid calls, the VCF 4.4 phasing prefix)
//! goes through the general parser. When GT is not the first FORMAT key
//! every column is split on `:` instead.

use super::gt_simd::{self, Columns, Kernel};
use super::record::RecordRef;
use super::GenotypeMatrix;
use crate::Result;

pub(crate) fn decode(
    record: &RecordRef<'_>,
    sample_count: usize,
    matrix: &mut GenotypeMatrix,
) -> Result<()> {
    matrix.clear();
    let samples = record.samples_text();
    // Without ALT alleles (`.`) any index is accepted, as bcftools does.
    let limit = match record.alternate_allele_count() {
        0 => i32::MAX,
        count => i32::try_from(count).unwrap_or(i32::MAX),
    };
    let position = record
        .format_text()
        .split(|&b| b == b':')
        .position(|key| key == b"GT");
    let decoded = match position {
        _ if samples.is_empty() => Ok(0),
        Some(0) => decode_first(Kernel::detect(), samples, limit, sample_count, matrix),
        Some(k) => decode_nth(samples, k, limit, sample_count, matrix),
        None => decode_nth(samples, usize::MAX, limit, sample_count, matrix),
    };
    let count = decoded.map_err(|(sample, message)| {
        record.error(format!("GT of sample {}: {message}", sample + 1))
    })?;
    if count == 0 && samples.is_empty() {
        // A line without sample columns: every sample's genotype is missing.
        for _ in 0..sample_count {
            matrix.push_allele(GenotypeMatrix::MISSING, false);
            matrix.end_sample();
        }
        return Ok(());
    }
    if count != sample_count {
        return Err(record.error(format!(
            "expected {sample_count} sample columns as in the header, found {count}"
        )));
    }
    Ok(())
}

type Failure = (usize, &'static str);

/// `x|x\t` and `x/x\t` with the digits masked out, as little-endian words.
const PHASED_SHAPE: u32 = u32::from_le_bytes([0, b'|', 0, b'\t']);
const UNPHASED_SHAPE: u32 = u32::from_le_bytes([0, b'/', 0, b'\t']);

/// GT is the first key of every column.
///
/// The three columns are moved out of `matrix` into locals for the loop, so
/// their lengths stay in registers (through `&mut matrix` every push would
/// store and reload them).
fn decode_first(
    kernel: Kernel,
    bytes: &[u8],
    limit: i32,
    sample_count: usize,
    matrix: &mut GenotypeMatrix,
) -> std::result::Result<usize, Failure> {
    // Each sample takes at least two bytes (a value and a tab): a bound on
    // the work from the line's size, never from a header count.
    let hint = (bytes.len() / 2 + 1).min(sample_count.saturating_mul(2));
    let mut alleles = std::mem::take(&mut matrix.alleles);
    let mut phased = std::mem::take(&mut matrix.phased);
    let mut ends = std::mem::take(&mut matrix.ends);
    alleles.reserve(hint);
    phased.reserve(hint);
    ends.reserve(hint / 2 + 1);
    let mut i = 0;
    let mut count = 0;
    // The largest allele a single digit may be (`limit` ≥ 1 here).
    let max_digit = limit.clamp(0, 9) as u8;
    let result = loop {
        // The common case: runs of `d|d\t` or `d/d\t`, a vector block at a
        // time, then four bytes at a time.
        while count < sample_count {
            let mut columns = Columns {
                alleles: &mut alleles,
                phased: &mut phased,
                ends: &mut ends,
            };
            let run = gt_simd::decode_run(
                kernel,
                bytes,
                i,
                sample_count - count,
                max_digit,
                &mut columns,
            );
            count += run;
            i += 4 * run;
            if count == sample_count {
                break;
            }
            let Some(&[a, separator, b, tab]) = bytes.get(i..i + 4) else {
                break;
            };
            let word = u32::from_le_bytes([a, separator, b, tab]);
            let shape = word & 0xFF00_FF00;
            let is_phased = shape == PHASED_SHAPE;
            if !is_phased && shape != UNPHASED_SHAPE {
                break;
            }
            // Bytes 0 and 2 minus '0': digits when both are below 10 (a
            // borrow out of byte 0 only reaches the masked-off byte 1).
            let digits = word.wrapping_sub(0x0030_0030) & 0x00FF_00FF;
            let (first, second) = ((digits & 0xFF) as i32, (digits >> 16) as i32);
            if first.max(second) > limit.min(9) {
                break;
            }
            alleles.extend_from_slice(&[first, second]);
            phased.extend_from_slice(&[is_phased, is_phased]);
            // The allele count is bounded by the line size (< 4 GiB).
            ends.push(alleles.len() as u32);
            count += 1;
            i += 4;
        }
        if count == sample_count {
            // The previous column ended with a tab: another one follows.
            break Err((count, "more sample columns than samples in the header"));
        }
        if let Some(&[a, separator, b, terminator]) = bytes.get(i..i + 4) {
            let first = i32::from(a.wrapping_sub(b'0'));
            let second = i32::from(b.wrapping_sub(b'0'));
            if first < 10
                && second < 10
                && first <= limit
                && second <= limit
                && (separator == b'|' || separator == b'/')
                && (terminator == b'\t' || terminator == b':')
            {
                let is_phased = separator == b'|';
                alleles.extend_from_slice(&[first, second]);
                phased.extend_from_slice(&[is_phased, is_phased]);
                // The allele count is bounded by the line size (< 4 GiB).
                ends.push(alleles.len() as u32);
                count += 1;
                if terminator == b'\t' {
                    i += 4;
                    continue;
                }
                i += 3;
            } else {
                (i, count) =
                    match slow(bytes, i, limit, count, &mut alleles, &mut phased, &mut ends) {
                        Ok(next) => (next, count + 1),
                        Err(failure) => break Err(failure),
                    };
            }
        } else {
            (i, count) = match slow(bytes, i, limit, count, &mut alleles, &mut phased, &mut ends) {
                Ok(next) => (next, count + 1),
                Err(failure) => break Err(failure),
            };
        }
        match bytes.get(i) {
            None => break Ok(count),
            Some(b'\t') => i += 1,
            Some(b':') => match memchr::memchr(b'\t', &bytes[i..]) {
                Some(offset) => i += offset + 1,
                None => break Ok(count),
            },
            Some(_) => break Err((count - 1, "unexpected character after the genotype")),
        }
    };
    matrix.alleles = alleles;
    matrix.phased = phased;
    matrix.ends = ends;
    result
}

/// The general parser for one sample, out of the hot loop.
#[inline(never)]
fn slow(
    bytes: &[u8],
    i: usize,
    limit: i32,
    count: usize,
    alleles: &mut Vec<i32>,
    phased: &mut Vec<bool>,
    ends: &mut Vec<u32>,
) -> std::result::Result<usize, Failure> {
    let mut columns = Columns {
        alleles,
        phased,
        ends,
    };
    parse_genotype(bytes, i, limit, &mut columns).map_err(|message| (count, message))
}

/// GT is key `k` of each column (`usize::MAX`: absent, all missing).
fn decode_nth(
    bytes: &[u8],
    k: usize,
    limit: i32,
    sample_count: usize,
    matrix: &mut GenotypeMatrix,
) -> std::result::Result<usize, Failure> {
    let mut count = 0;
    let mut columns = Columns {
        alleles: &mut matrix.alleles,
        phased: &mut matrix.phased,
        ends: &mut matrix.ends,
    };
    for column in bytes.split(|&b| b == b'\t') {
        if count == sample_count {
            return Err((count, "more sample columns than samples in the header"));
        }
        match column.split(|&b| b == b':').nth(k) {
            Some(value) => {
                let end = parse_genotype(value, 0, limit, &mut columns)
                    .map_err(|message| (count, message))?;
                if end != value.len() {
                    return Err((count, "unexpected character after the genotype"));
                }
            }
            None => {
                columns.push_allele(GenotypeMatrix::MISSING, false);
                columns.end_sample();
            }
        }
        count += 1;
    }
    Ok(count)
}

/// Parses one genotype starting at `bytes[i]`; returns where it ends (at a
/// `:`, a tab or the end).
fn parse_genotype(
    bytes: &[u8],
    mut i: usize,
    limit: i32,
    columns: &mut Columns<'_>,
) -> std::result::Result<usize, &'static str> {
    let prefix = match bytes.get(i) {
        Some(b'|') => {
            i += 1;
            Some(true)
        }
        Some(b'/') => {
            i += 1;
            Some(false)
        }
        _ => None,
    };
    let first = columns.alleles.len();
    let mut all_phased = true;
    let mut separator_phased = false;
    loop {
        let allele = match bytes.get(i) {
            Some(b'.') => {
                i += 1;
                GenotypeMatrix::MISSING
            }
            Some(b) if b.is_ascii_digit() => {
                let mut value: i32 = 0;
                while let Some(&d) = bytes.get(i).filter(|d| d.is_ascii_digit()) {
                    value = value
                        .checked_mul(10)
                        .and_then(|v| v.checked_add(i32::from(d - b'0')))
                        .ok_or("allele index too large")?;
                    i += 1;
                }
                if value > limit {
                    return Err("allele index beyond the ALT alleles");
                }
                value
            }
            _ => return Err("expected an allele index or '.'"),
        };
        columns.push_allele(allele, separator_phased);
        match bytes.get(i) {
            Some(b'|') => separator_phased = true,
            Some(b'/') => {
                separator_phased = false;
                all_phased = false;
            }
            _ => break,
        }
        i += 1;
    }
    let ploidy = columns.alleles.len() - first;
    if let Some(flag) = columns.phased.get_mut(first) {
        *flag = prefix.unwrap_or(all_phased && ploidy > 1);
    }
    columns.end_sample();
    Ok(i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::vcf::Header;

    fn header(samples: usize) -> Header {
        let names: Vec<String> = (0..samples).map(|i| format!("s{i}")).collect();
        Header::parse(&format!(
            "##fileformat=VCFv4.4\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t{}\n",
            names.join("\t")
        ))
        .unwrap()
    }

    fn decode_line(samples: usize, line: &str) -> Result<GenotypeMatrix> {
        let mut matrix = GenotypeMatrix::new();
        RecordRef::parse(line.as_bytes())?.genotypes_into(&header(samples), &mut matrix)?;
        Ok(matrix)
    }

    #[test]
    fn every_kind_of_genotype() {
        let m = decode_line(
            8,
            "1\t5\t.\tA\tC,G,T\t.\t.\t.\tGT:DP\t0|1:3\t1/2\t.\t3\t./.:7\t|0/1\t/1|2|3\t10|0:1",
        )
        .unwrap_err();
        assert!(m.to_string().contains("sample 8"), "{m}");
        let m = decode_line(
            7,
            "1\t5\t.\tA\tC,G,T\t.\t.\t.\tGT:DP\t0|1:3\t1/2\t.\t3\t./.:7\t|0/1\t/1|2|3",
        )
        .unwrap();
        assert_eq!(m.sample_count(), 7);
        assert_eq!(
            (m.alleles(0), m.phase_flags(0)),
            (&[0, 1][..], &[true, true][..])
        );
        assert_eq!(
            (m.alleles(1), m.phase_flags(1)),
            (&[1, 2][..], &[false, false][..])
        );
        assert_eq!(m.alleles(2), [-1]);
        assert_eq!((m.alleles(3), m.phase_flags(3)), (&[3][..], &[false][..]));
        assert_eq!(m.alleles(4), [-1, -1]);
        assert_eq!(
            (m.alleles(5), m.phase_flags(5)),
            (&[0, 1][..], &[true, false][..])
        );
        assert_eq!(
            (m.alleles(6), m.phase_flags(6)),
            (&[1, 2, 3][..], &[false, true, true][..])
        );
    }

    #[test]
    fn gt_not_first_and_absent() {
        let m = decode_line(2, "1\t5\t.\tA\tC\t.\t.\t.\tDP:GT\t3:0/1\t4").unwrap();
        assert_eq!((m.alleles(0), m.alleles(1)), (&[0, 1][..], &[-1][..]));
        let m = decode_line(2, "1\t5\t.\tA\tC\t.\t.\t.\tDP\t3\t4").unwrap();
        assert_eq!(m.all_alleles(), [-1, -1]);
        let m = decode_line(2, "1\t5\t.\tA\tC\t.\t.\t.").unwrap();
        assert_eq!(m.all_alleles(), [-1, -1]);
    }

    /// A small seeded generator for the property tests.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, bound: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % bound as u64) as usize
        }
    }

    /// Calls the fast paths must hand to the general parser (some valid,
    /// some not), at every position of a block.
    const DEVIATIONS: [&str; 24] = [
        "10/1", "1|10", "00|1", ".", "./.", ".|1", "0/.", "1", "0/1/2", "|0/1", "/1|0", "0|1:35",
        "0:5", "3/0", "0|9", "x/1", "0|x", "", "0||1", "0|1|", "0 1", "0\\1", "1/\t", ":",
    ];

    fn common_call(rng: &mut Rng, max_digit: usize) -> String {
        let separator = if rng.below(2) == 0 { '|' } else { '/' };
        format!(
            "{}{separator}{}",
            rng.below(max_digit + 1),
            rng.below(max_digit + 1)
        )
    }

    /// The columns of `calls` decoded by every kernel's fast path and by
    /// the general parser (`decode_nth`, no fast path) agree exactly,
    /// errors included, for the header's sample count and one off it.
    fn check_line(calls: &[String], limit: i32) {
        let bytes = calls.join("\t").into_bytes();
        for sample_count in [calls.len() - 1, calls.len(), calls.len() + 1] {
            let mut oracle = GenotypeMatrix::new();
            let expected = decode_nth(&bytes, 0, limit, sample_count, &mut oracle)
                .map(|count| (count, oracle));
            for kernel in Kernel::available() {
                let mut matrix = GenotypeMatrix::new();
                let found = decode_first(kernel, &bytes, limit, sample_count, &mut matrix)
                    .map(|count| (count, matrix));
                assert_eq!(
                    found,
                    expected,
                    "{kernel:?}, {sample_count} samples, limit {limit}: {:?}",
                    String::from_utf8_lossy(&bytes)
                );
            }
        }
    }

    #[test]
    fn fast_paths_equal_the_general_parser_with_every_deviation_everywhere() {
        let mut rng = Rng(0x9E37_79B9);
        for samples in [1, 4, 9, 17, 33] {
            for position in 0..samples {
                for deviation in DEVIATIONS {
                    for limit in [2, i32::MAX] {
                        let max_digit = limit.min(9) as usize;
                        let mut calls: Vec<String> = (0..samples)
                            .map(|_| common_call(&mut rng, max_digit))
                            .collect();
                        calls[position] = deviation.to_string();
                        check_line(&calls, limit);
                    }
                }
            }
        }
    }

    #[test]
    fn fast_paths_equal_the_general_parser_on_random_lines() {
        let mut rng = Rng(0x0123_4567_89AB_CDEF);
        for _ in 0..3_000 {
            let limit = [1, 2, 3, 9, i32::MAX][rng.below(5)];
            let max_digit = limit.min(9) as usize;
            let samples = 1 + rng.below(70);
            let deviation_rate = [0, 2, 20, 200][rng.below(4)];
            let calls: Vec<String> = (0..samples)
                .map(|_| {
                    if rng.below(1000) < deviation_rate {
                        DEVIATIONS[rng.below(DEVIATIONS.len())].to_string()
                    } else {
                        common_call(&mut rng, max_digit)
                    }
                })
                .collect();
            check_line(&calls, limit);
        }
    }

    #[test]
    fn malformed_genotypes_are_errors() {
        for line in [
            "1\t5\t.\tA\tC\t.\t.\t.\tGT\t0|2\t0",
            "1\t5\t.\tA\tC\t.\t.\t.\tGT\t0|1",
            "1\t5\t.\tA\tC\t.\t.\t.\tGT\t0|1\t0\t1",
            "1\t5\t.\tA\tC\t.\t.\t.\tGT\t0|x\t0",
            "1\t5\t.\tA\tC\t.\t.\t.\tGT\t0|1\t",
            "1\t5\t.\tA\tC\t.\t.\t.\tGT\t99999999999\t0",
        ] {
            assert!(decode_line(2, line).is_err(), "{line}");
        }
    }
}
