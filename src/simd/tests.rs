//! Every available level against the scalar kernels (proptest), and fixed
//! cases checked by hand or against samtools output.

use proptest::prelude::*;

use super::scalar::{COMPLEMENT_TABLE, ENCODE_TABLE};
use super::*;

/// The vector levels this CPU runs (the scalar level is the reference).
fn vector_levels() -> Vec<&'static Kernels> {
    Level::ALL
        .into_iter()
        .filter(|&level| level != Level::Scalar)
        .filter_map(kernels)
        .collect()
}

fn scalar() -> &'static Kernels {
    kernels(Level::Scalar).unwrap()
}

/// Bytes of any value, lengths 0..=96 (3× the AVX2 width) or up to 10 000.
fn any_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => prop::collection::vec(any::<u8>(), 0..=96),
        1 => prop::collection::vec(any::<u8>(), 0..=10_000),
    ]
}

/// Mostly DNA in both cases, with IUPAC codes and the odd arbitrary byte.
fn dna_bytes() -> impl Strategy<Value = Vec<u8>> {
    let base = prop_oneof![
        20 => prop::sample::select(b"ACGTacgt".to_vec()),
        3 => prop::sample::select(b"Nn=MRWSYKVHDBUmrwsykvhdbu0123".to_vec()),
        1 => any::<u8>(),
    ];
    prop_oneof![
        3 => prop::collection::vec(base.clone(), 0..=96),
        1 => prop::collection::vec(base, 0..=10_000),
    ]
}

/// Mostly valid Phred+33 bytes, now and then one outside 33..=126.
fn quality_bytes() -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![50 => 33u8..=126, 1 => any::<u8>()];
    prop_oneof![
        3 => prop::collection::vec(byte.clone(), 0..=96),
        1 => prop::collection::vec(byte, 0..=10_000),
    ]
}

/// Raw Phred scores, mostly 0..=93, now and then 0xFF or another large value.
fn phred_bytes() -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![50 => 0u8..=93, 1 => Just(0xFF), 1 => any::<u8>()];
    prop_oneof![
        3 => prop::collection::vec(byte.clone(), 0..=96),
        1 => prop::collection::vec(byte, 0..=10_000),
    ]
}

proptest! {
    #[test]
    fn decode_matches_scalar(packed in any_bytes(), drop_last_nibble in any::<bool>()) {
        let base_count = (2 * packed.len()).saturating_sub(usize::from(drop_last_nibble));
        let mut expected = vec![0; base_count];
        scalar().decode_bam_sequence(&packed, &mut expected);
        for k in vector_levels() {
            let mut out = vec![0; base_count];
            k.decode_bam_sequence(&packed, &mut out);
            prop_assert_eq!(&out, &expected, "level {}", k.level());
        }
    }

    #[test]
    fn encode_matches_scalar_and_round_trips(ascii in prop_oneof![any_bytes(), dna_bytes()]) {
        let mut expected = vec![0; ascii.len().div_ceil(2)];
        scalar().encode_bam_sequence(&ascii, &mut expected);
        for k in vector_levels() {
            let mut out = vec![0xAA; expected.len()];
            k.encode_bam_sequence(&ascii, &mut out);
            prop_assert_eq!(&out, &expected, "level {}", k.level());
        }
        // Decoding gives back each byte's canonical letter.
        let mut decoded = vec![0; ascii.len()];
        decode_bam_sequence(&expected, &mut decoded);
        for (&original, &letter) in ascii.iter().zip(&decoded) {
            prop_assert_eq!(letter, scalar::NT16_LETTERS[usize::from(ENCODE_TABLE[usize::from(original)])]);
        }
    }

    #[test]
    fn counts_match_scalar(seq in prop_oneof![any_bytes(), dna_bytes()]) {
        let expected = scalar().count_bases(&seq);
        prop_assert_eq!(expected.total(), seq.len() as u64);
        for k in vector_levels() {
            prop_assert_eq!(k.count_bases(&seq), expected, "level {}", k.level());
        }
    }

    #[test]
    fn quality_stats_match_scalar(qual in prop_oneof![quality_bytes(), any_bytes()]) {
        let expected = scalar().quality_stats(&qual);
        match &expected {
            Ok(stats) => {
                let phred: Vec<u64> = qual.iter().map(|&b| u64::from(b - 33)).collect();
                prop_assert_eq!(stats.sum(), phred.iter().sum::<u64>());
                prop_assert_eq!(stats.min().map(u64::from), phred.iter().copied().min());
                prop_assert_eq!(stats.max().map(u64::from), phred.iter().copied().max());
            }
            Err(err) => {
                let first = qual.iter().position(|b| !(33..=126).contains(b));
                prop_assert_eq!(Some(err.position()), first);
            }
        }
        for k in vector_levels() {
            prop_assert_eq!(k.quality_stats(&qual), expected, "level {}", k.level());
        }
    }

    #[test]
    fn reverse_complement_matches_scalar(seq in prop_oneof![any_bytes(), dna_bytes()]) {
        let mut expected = vec![0; seq.len()];
        scalar().reverse_complement(&seq, &mut expected);
        let mut in_place = seq.clone();
        scalar().reverse_complement_in_place(&mut in_place);
        prop_assert_eq!(&in_place, &expected);
        for k in vector_levels() {
            let mut out = vec![0; seq.len()];
            k.reverse_complement(&seq, &mut out);
            prop_assert_eq!(&out, &expected, "level {}", k.level());
            let mut in_place = seq.clone();
            k.reverse_complement_in_place(&mut in_place);
            prop_assert_eq!(&in_place, &expected, "level {} in place", k.level());
        }
    }

    #[test]
    fn phred_to_ascii_matches_scalar(phred in prop_oneof![phred_bytes(), any_bytes()], offset in prop_oneof![Just(33u8), Just(64), any::<u8>()]) {
        let mut expected = vec![0; phred.len()];
        let result = scalar().phred_to_ascii(&phred, &mut expected, offset);
        let first_bad = phred.iter().position(|&b| u16::from(b) + u16::from(offset) > 126);
        prop_assert_eq!(result.err().map(|e| e.position()), first_bad);
        for k in vector_levels() {
            let mut out = vec![0; phred.len()];
            let got = k.phred_to_ascii(&phred, &mut out, offset);
            prop_assert_eq!(got, result, "level {}", k.level());
            if result.is_ok() {
                prop_assert_eq!(&out, &expected, "level {}", k.level());
            }
        }
    }

    #[test]
    fn ascii_to_phred_matches_scalar(ascii in prop_oneof![quality_bytes(), any_bytes()], offset in prop_oneof![Just(33u8), Just(64), any::<u8>()]) {
        let mut expected = vec![0; ascii.len()];
        let result = scalar().ascii_to_phred(&ascii, &mut expected, offset);
        let first_bad = ascii.iter().position(|&b| b < offset || b > 126);
        prop_assert_eq!(result.err().map(|e| e.position()), first_bad);
        if result.is_ok() {
            let wrapped: Vec<u8> = ascii.iter().map(|b| b - offset).collect();
            prop_assert_eq!(&expected, &wrapped);
        }
        for k in vector_levels() {
            let mut out = vec![0; ascii.len()];
            let got = k.ascii_to_phred(&ascii, &mut out, offset);
            prop_assert_eq!(got, result, "level {}", k.level());
            if result.is_ok() {
                prop_assert_eq!(&out, &expected, "level {}", k.level());
            }
        }
    }
}

/// Every level, scalar included, for the fixed cases.
fn all_levels() -> Vec<&'static Kernels> {
    Level::ALL.into_iter().filter_map(kernels).collect()
}

#[test]
fn active_level_is_the_best_available() {
    let best = Level::ALL.into_iter().find(|l| l.is_available()).unwrap();
    assert_eq!(active_level(), best);
    #[cfg(target_arch = "aarch64")]
    assert_eq!(active_level(), Level::Neon);
}

/// `samtools view -b` of the read `r1 … ACGTUMRWSYKVHDBN=acgtumrwsykvhdbn`
/// stores these bytes (U → N, as htslib maps it); `samtools view` prints
/// `ACGTNMRWSYKVHDBN=ACGTNMRWSYKVHDBN`.
const SAMTOOLS_PACKED: [u8; 17] = [
    0x12, 0x48, 0xf3, 0x59, 0x6a, 0xc7, 0xbd, 0xef, 0x01, 0x24, 0x8f, 0x35, 0x96, 0xac, 0x7b, 0xde,
    0xf0,
];

#[test]
fn decode_and_encode_match_samtools() {
    let ascii = b"ACGTUMRWSYKVHDBN=acgtumrwsykvhdbn";
    for k in all_levels() {
        let mut packed = [0u8; 17];
        k.encode_bam_sequence(ascii, &mut packed);
        assert_eq!(packed, SAMTOOLS_PACKED, "level {}", k.level());
        let mut decoded = [0u8; 33];
        k.decode_bam_sequence(&packed, &mut decoded);
        assert_eq!(
            &decoded,
            b"ACGTNMRWSYKVHDBN=ACGTNMRWSYKVHDBN",
            "level {}",
            k.level()
        );
        // samtools also maps the digits 0123 to ACGT and the rest to N.
        let mut packed = [0u8; 6];
        k.encode_bam_sequence(b"0123XZ.-*?@n", &mut packed);
        let mut decoded = [0u8; 12];
        k.decode_bam_sequence(&packed, &mut decoded);
        assert_eq!(&decoded, b"ACGTNNNNNNNN", "level {}", k.level());
    }
}

#[test]
fn decode_long_sequence_with_odd_length() {
    // 71 bases: crosses two AVX2 blocks and ends on a half byte.
    let ascii: Vec<u8> = b"=ACMGRSVTWYHKDBN"
        .iter()
        .copied()
        .cycle()
        .take(71)
        .collect();
    let packed: Vec<u8> = (0..36u8)
        .map(|i| (((2 * i) % 16) << 4) | ((2 * i + 1) % 16))
        .collect();
    for k in all_levels() {
        let mut decoded = vec![0; 71];
        k.decode_bam_sequence(&packed, &mut decoded);
        assert_eq!(decoded, ascii, "level {}", k.level());
        let mut encoded = vec![0; 36];
        k.encode_bam_sequence(&ascii, &mut encoded);
        let mut expected = packed.clone();
        expected[35] &= 0xF0;
        assert_eq!(encoded, expected, "level {}", k.level());
    }
}

#[test]
fn counts_and_gc_by_hand() {
    let seq = b"GATTACAgattacaNNnnCCGGRY-".repeat(5);
    for k in all_levels() {
        let counts = k.count_bases(&seq);
        let expected = BaseCounts {
            a: 30,
            c: 20,
            g: 20,
            t: 20,
            n: 20,
            other: 15,
        };
        assert_eq!(counts, expected, "level {}", k.level());
        assert_eq!(counts.gc_fraction(), Some(40.0 / 90.0));
    }
    assert_eq!(gc_fraction(b""), None);
}

#[test]
fn counts_survive_counter_overflow() {
    // 300 000 bytes: more than 255 vectors of each letter in a row.
    let seq = b"A"
        .repeat(100_000)
        .into_iter()
        .chain(b"c".repeat(200_000))
        .collect::<Vec<_>>();
    for k in all_levels() {
        let counts = k.count_bases(&seq);
        assert_eq!(
            (counts.a, counts.c, counts.other),
            (100_000, 200_000, 0),
            "level {}",
            k.level()
        );
    }
}

#[test]
fn reverse_complement_matches_samtools_fastq() {
    // `samtools fastq` of the read above (flag 16) prints the reverse
    // complement; it writes `=` as `!`, which we keep as `=` instead.
    let seq = b"ACGTNMRWSYKVHDBN=ACGTNMRWSYKVHDBN";
    for k in all_levels() {
        let mut out = [0u8; 33];
        k.reverse_complement(seq, &mut out);
        assert_eq!(
            &out,
            b"NVHDBMRSWYKNACGT=NVHDBMRSWYKNACGT",
            "level {}",
            k.level()
        );
        let mut lower = seq.to_ascii_lowercase();
        k.reverse_complement_in_place(&mut lower);
        assert_eq!(
            lower,
            b"nvhdbmrswyknacgt=nvhdbmrswyknacgt",
            "level {}",
            k.level()
        );
    }
}

#[test]
fn complement_table_rows_fold_case() {
    // The shuffle kernels rely on: complement(b) == complement(b & !0x20) | (b & 0x20) in 0x40..0x80.
    for byte in 0x40u8..0x80 {
        assert_eq!(
            COMPLEMENT_TABLE[usize::from(byte)],
            COMPLEMENT_TABLE[usize::from(byte & !0x20)] | (byte & 0x20)
        );
    }
    assert_eq!(COMPLEMENT_TABLE[usize::from(b'U')], b'A');
    assert_eq!(COMPLEMENT_TABLE[usize::from(b'u')], b'a');
}

#[test]
fn quality_stats_by_hand() {
    for k in all_levels() {
        let qual = b"IIIII#####".repeat(10); // 50 × Q40, 50 × Q2
        let stats = k.quality_stats(&qual).unwrap();
        assert_eq!(
            (stats.len(), stats.sum(), stats.min(), stats.max()),
            (100, 2100, Some(2), Some(40))
        );
        assert_eq!(stats.mean(), Some(21.0));
        let empty = k.quality_stats(b"").unwrap();
        assert_eq!(
            (empty.is_empty(), empty.min(), empty.mean()),
            (true, None, None)
        );
        let mut bad = qual.clone();
        bad[77] = b'\n';
        bad[90] = 0xFF;
        let err = k.quality_stats(&bad).unwrap_err();
        assert_eq!(
            (err.position(), err.byte()),
            (77, b'\n'),
            "level {}",
            k.level()
        );
    }
}

#[test]
fn quality_offsets_by_hand() {
    for k in all_levels() {
        let phred: Vec<u8> = (0..=93).collect();
        let mut ascii = vec![0; phred.len()];
        k.phred_to_ascii(&phred, &mut ascii, PHRED33_OFFSET)
            .unwrap();
        assert_eq!(ascii, (b'!'..=b'~').collect::<Vec<_>>());
        let mut back = vec![0; ascii.len()];
        k.ascii_to_phred(&ascii, &mut back, PHRED33_OFFSET).unwrap();
        assert_eq!(back, phred);

        // BAM's "missing" 0xFF is rejected, not wrapped to 0x20.
        let missing = [BAM_MISSING_QUALITY; 40];
        assert!(is_missing_bam_quality(&missing));
        let err = k
            .phred_to_ascii(&missing, &mut [0; 40], PHRED33_OFFSET)
            .unwrap_err();
        assert_eq!((err.position(), err.byte()), (0, 0xFF));
        // A byte below the offset is reported, at its position.
        let mut text = b"I".repeat(40);
        text[35] = b' ';
        let err = k
            .ascii_to_phred(&text, &mut [0; 40], PHRED33_OFFSET)
            .unwrap_err();
        assert_eq!(
            (err.position(), err.byte()),
            (35, b' '),
            "level {}",
            k.level()
        );
        // Phred+64: '@' is Q0, and '5' is invalid.
        let mut out = [0u8; 3];
        k.ascii_to_phred(b"@Jh", &mut out, 64).unwrap();
        assert_eq!(out, [0, 10, 40]);
        assert_eq!(
            k.ascii_to_phred(b"@5h", &mut out, 64)
                .unwrap_err()
                .position(),
            1
        );
    }
}
