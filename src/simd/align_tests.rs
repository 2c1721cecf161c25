//! Every level's striped Smith-Waterman against the scalar reference.

use proptest::prelude::*;

use super::align::Width;
use super::align_batch::Encoding;
use super::{kernels, Level};
use crate::align::{align_scalar, Scoring};

/// Scoring schemes covering small and large scores, cheap and dear gaps, a
/// general matrix and one whose scores overflow 16-bit lanes on long pairs.
fn schemes() -> Vec<Scoring> {
    let transitions = [
        5, -4, -1, -4, -2, //
        -4, 5, -4, -1, -2, //
        -1, -4, 5, -4, -2, //
        -4, -1, -4, 5, -2, //
        -2, -2, -2, -2, -1,
    ];
    vec![
        Scoring::dna(1, -4, 0, 6, 1).unwrap(),
        Scoring::dna(2, -3, -1, 5, 2).unwrap(),
        Scoring::dna(3, -1, -1, 0, 1).unwrap(),
        Scoring::with_matrix(b"ACGTN", &transitions, 8, 2).unwrap(),
        Scoring::dna(100, -127, -50, 30, 20).unwrap(),
        Scoring::with_matrix(b"ACGTN", &DISTINCT, 6, 1).unwrap(),
    ]
}

/// 25 different scores: no 16-entry table holds them, so the grouped
/// kernel takes two shuffles per cell.
const DISTINCT: [i8; 25] = [
    9, -1, -2, -3, -4, //
    -5, 8, -6, -7, -8, //
    -9, -10, 7, -11, 1, //
    -12, 2, 3, 6, 4, //
    5, 10, 11, 12, -13,
];

/// The DNA schemes and the transition matrix fit one shuffle table; a
/// matrix of 25 different scores takes two.
#[test]
fn shuffle_tables() {
    let all = schemes();
    let two_tables: Vec<bool> = all.iter().map(|s| Encoding::new(s).two_tables).collect();
    assert_eq!(two_tables, [false, false, false, false, false, true]);
}

/// A query and a target: random, a mutated copy of the query inside random
/// flanks, all N, or empty.
fn pair(max_len: usize) -> impl Strategy<Value = (Vec<u8>, Vec<u8>)> {
    let residue = prop_oneof![
        8 => prop::sample::select(&b"ACGT"[..]),
        1 => prop::sample::select(&b"acgtNnRX*"[..]),
    ];
    let sequence = move |len: std::ops::Range<usize>| prop::collection::vec(residue.clone(), len);
    let short = max_len.min(300);
    prop_oneof![
        (sequence(0..short), sequence(0..max_len)),
        (
            sequence(1..max_len),
            sequence(0..200),
            sequence(0..200),
            prop::collection::vec((any::<prop::sample::Index>(), 0u8..4, any::<u8>()), 0..20),
        )
            .prop_map(|(query, left, right, edits)| {
                let mut copy = query.clone();
                for (at, kind, base) in edits {
                    let position = at.index(copy.len().max(1));
                    let base = b"ACGT"[usize::from(base % 4)];
                    match kind {
                        0 if position < copy.len() => copy[position] = base,
                        1 => copy.insert(position.min(copy.len()), base),
                        2 if position < copy.len() => {
                            copy.remove(position);
                        }
                        _ => {}
                    }
                }
                let target = [left, copy, right].concat();
                (query, target)
            }),
        (0..short, 0..short).prop_map(|(q, t)| (vec![b'N'; q], vec![b'N'; t])),
        sequence(0..short).prop_map(|q| (q, Vec::new())),
        sequence(0..short).prop_map(|t| (Vec::new(), t)),
    ]
}

fn check_levels(query: &[u8], target: &[u8]) -> Result<(), TestCaseError> {
    for scoring in schemes() {
        let expected = align_scalar(query, target, &scoring);
        for level in Level::ALL {
            let Some(k) = kernels(level) else { continue };
            let got = k.smith_waterman(query, target, &scoring);
            prop_assert_eq!(got, expected, "level {} scoring {:?}", level, scoring);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn short_pairs_every_level_equals_scalar((query, target) in pair(300)) {
        check_levels(&query, &target)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn long_pairs_every_level_equals_scalar((query, target) in pair(2000)) {
        check_levels(&query, &target)?;
    }
}

/// Lengths around every vector width, so each lane of the last segment and
/// the padding rows are exercised.
#[test]
fn lengths_around_lane_counts() {
    let scoring = Scoring::dna(2, -3, -1, 5, 2).unwrap();
    let bases = b"ACGTTGCAAGCTTAGCCGATAGGCTAACGTACGATCGATCGGATCCATGCATGCAAGCTTGC";
    for query_len in 0..=bases.len() {
        let query = &bases[..query_len];
        for target in [&bases[..], &bases[7..40], b"TTTTACGT"] {
            let expected = align_scalar(query, target, &scoring);
            for k in Level::ALL.into_iter().filter_map(kernels) {
                assert_eq!(k.smith_waterman(query, target, &scoring), expected);
            }
        }
    }
}

/// Queries of 1 to 9 segments of 32 lanes (the AVX2 kernel keeps columns
/// of up to 8 segments in registers, one copy per segment count), each
/// length at both ends of its segment count, against a mutated copy with a
/// deletion and an insertion inside random flanks, and against itself.
#[test]
fn every_register_segment_count() {
    let bases = |seed: usize, len: usize| -> Vec<u8> {
        (0..len)
            .map(|i| b"ACGT"[(i * 7 + i / 3 + seed * 13 + (i * seed) % 5) % 4])
            .collect()
    };
    let scoring = Scoring::dna(1, -4, -1, 6, 1).unwrap();
    for segments in 1..=9usize {
        for query_len in [32 * segments - 31, 32 * segments - 16, 32 * segments] {
            let query = bases(segments, query_len);
            let mut copy = query.clone();
            copy.remove(query_len / 3);
            copy.insert(query_len * 2 / 3, b'A');
            if let Some(base) = copy.get_mut(query_len / 2) {
                *base = b'N';
            }
            let target = [bases(segments + 1, 40), copy, bases(segments + 2, 25)].concat();
            for target in [&target, &query] {
                let expected = align_scalar(&query, target, &scoring);
                for k in Level::ALL.into_iter().filter_map(kernels) {
                    let got = k.smith_waterman(&query, target, &scoring);
                    assert_eq!(got, expected, "{} query {query_len}", k.level());
                }
            }
        }
    }
}

/// A target missing a stretch of the query at every position: the best
/// path holds a vertical gap (down the query) that starts in every lane and
/// segment in turn, so the gap carried across lanes (and across the AVX2
/// halves) decides the score.
#[test]
fn vertical_gaps_at_every_row() {
    let query: Vec<u8> = (0..150usize)
        .map(|i| b"ACGT"[(i * 7 + i / 3 + i / 11) % 4])
        .collect();
    for scoring in [
        Scoring::dna(1, -4, -1, 6, 1).unwrap(),
        Scoring::dna(2, -3, -1, 0, 3).unwrap(),
    ] {
        for gap in [1, 3, 9] {
            for at in 0..query.len() - gap {
                let target = [&query[..at], &query[at + gap..]].concat();
                let expected = align_scalar(&query, &target, &scoring);
                for k in Level::ALL.into_iter().filter_map(kernels) {
                    let got = k.smith_waterman(&query, &target, &scoring);
                    assert_eq!(got, expected, "{} gap {gap} at {at}", k.level());
                }
            }
        }
    }
}

/// A score past 255 must be rescored with 16-bit lanes, one past 32767
/// with scalar code, with the same result.
#[test]
fn overflow_widens() {
    let query: Vec<u8> = (0..1500).map(|i| b"ACGT"[(i * 7 + i / 3) % 4]).collect();
    let small = Scoring::dna(1, -4, 0, 6, 1).unwrap();
    let large = Scoring::dna(100, -127, -50, 30, 20).unwrap();
    for k in Level::ALL.into_iter().filter_map(kernels) {
        let short = &query[..100];
        let (hit, width) = k.smith_waterman_width(short, short, &small);
        assert_eq!(hit.score, 100);
        if k.level() != Level::Scalar {
            assert_eq!(width, Width::Bits8, "{}", k.level());
        }
        let (hit, width) = k.smith_waterman_width(&query[..300], &query[..300], &small);
        assert_eq!(hit.score, 300);
        if k.level() != Level::Scalar {
            assert_eq!(width, Width::Bits16, "{}", k.level());
        }
        let hit = k.smith_waterman(&query, &query, &large);
        assert_eq!(hit.score, 150_000, "{}", k.level());
    }
}

/// Scores on both sides of the 8-bit lanes' limits (251 for unsigned lanes
/// with this scheme's bias, 255 for signed-offset lanes), in every level.
#[test]
fn scores_around_the_byte_limit() {
    let scoring = Scoring::dna(1, -4, 0, 6, 1).unwrap();
    let query: Vec<u8> = (0..260).map(|i| b"ACGT"[(i * 7 + i / 3) % 4]).collect();
    for len in 248..=257 {
        let pair = &query[..len];
        let expected = align_scalar(pair, pair, &scoring);
        assert_eq!(expected.score, len as i32);
        for k in Level::ALL.into_iter().filter_map(kernels) {
            assert_eq!(
                k.smith_waterman(pair, pair, &scoring),
                expected,
                "{len} {}",
                k.level()
            );
        }
    }
}

/// Vertical gaps (a stretch of the query missing from the target) in the
/// last rows of 256-base queries (8 segments of 32 lanes), with alignments
/// starting where their scores end near the 8-bit limit: the AVX2 register
/// kernel's gap from above runs ahead of the scores by up to
/// `segments × extend` and must widen the lanes before it saturates.
#[test]
fn vertical_gaps_near_the_byte_limit() {
    let query: Vec<u8> = (0..256usize)
        .map(|i| b"ACGT"[(i * 7 + i / 3 + i / 11) % 4])
        .collect();
    for (scoring, starts) in [
        (Scoring::dna(2, -4, 0, 0, 1).unwrap(), 120..140),
        (Scoring::dna(1, -4, 0, 0, 1).unwrap(), 0..8),
    ] {
        for start in starts {
            for at in 240..255 {
                for gap in 1..=(255 - at).min(3) {
                    let target = [&query[start..at], &query[at + gap..]].concat();
                    let expected = align_scalar(&query, &target, &scoring);
                    for k in Level::ALL.into_iter().filter_map(kernels) {
                        let got = k.smith_waterman(&query, &target, &scoring);
                        assert_eq!(got, expected, "{} {start} gap {gap} at {at}", k.level());
                    }
                }
            }
        }
    }
}

/// A mismatch near the bottom of a signed byte (−124) inside alignments
/// that go through it, at every row of a 256-base query's last segments:
/// the AVX2 register kernel lowers a segment's scores by up to
/// `(segments − 1) × extend` and must not let them saturate.
#[test]
fn mismatch_scores_near_the_byte_floor() {
    let query: Vec<u8> = (0..256usize)
        .map(|i| b"ACGT"[(i * 7 + i / 3 + i / 11) % 4])
        .collect();
    let scoring = Scoring::dna(2, -124, -1, 118, 1).unwrap();
    for start in 0..=95 {
        let mut target = query[start..start + 161].to_vec();
        target[80] = if target[80] == b'A' { b'C' } else { b'A' };
        let expected = align_scalar(&query, &target, &scoring);
        assert_eq!(expected.score, 2 * 160 - 124);
        for k in Level::ALL.into_iter().filter_map(kernels) {
            let got = k.smith_waterman(&query, &target, &scoring);
            assert_eq!(got, expected, "{} start {start}", k.level());
        }
    }
}

/// The grouped (inter-sequence) kernel of every level: each pair of a batch
/// equal to the scalar reference.
fn check_batch(pairs: &[(Vec<u8>, Vec<u8>)]) -> Result<(), TestCaseError> {
    for scoring in schemes() {
        let expected: Vec<_> = pairs
            .iter()
            .map(|(query, target)| align_scalar(query, target, &scoring))
            .collect();
        for k in Level::ALL.into_iter().filter_map(kernels) {
            let got = k.smith_waterman_batch(pairs, &scoring);
            prop_assert_eq!(&got, &expected, "level {} scoring {:?}", k.level(), scoring);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn batches_every_level_equal_scalar(pairs in prop::collection::vec(pair(300), 0..80)) {
        check_batch(&pairs)?;
    }

    #[test]
    fn long_batches_every_level_equal_scalar(pairs in prop::collection::vec(pair(2200), 0..6)) {
        check_batch(&pairs)?;
    }
}

/// Groups of equal lengths (every lane busy to the end), ragged groups,
/// lanes past the 8-bit range rescored, and a 4-symbol alphabet (one
/// shuffle table).
#[test]
fn grouped_kernel_edges() {
    let bases = |seed: usize, len: usize| -> Vec<u8> {
        (0..len)
            .map(|i| b"ACGT"[(i * 7 + i / 3 + seed * 13 + (i * seed) % 5) % 4])
            .collect()
    };
    let mut pairs: Vec<(Vec<u8>, Vec<u8>)> = (0..70)
        .map(|k| {
            (
                bases(k, 150),
                [bases(k + 1, 40), bases(k, 150), bases(k + 2, 70)].concat(),
            )
        })
        .collect();
    pairs.extend((0..40).map(|k| (bases(k, k * 7), bases(k + 3, 300 - k * 5))));
    // Scores of 300 overflow 8-bit lanes with +1 matches.
    pairs.extend((0..5).map(|k| (bases(k, 300), bases(k, 300))));
    pairs.push((Vec::new(), bases(1, 10)));
    let four = Scoring::with_matrix(
        b"ACGT",
        &[2, -3, -3, -3, -3, 2, -3, -3, -3, -3, 2, -3, -3, -3, -3, 2],
        4,
        1,
    )
    .unwrap();
    for scoring in [Scoring::dna(1, -4, -1, 6, 1).unwrap(), four] {
        let expected: Vec<_> = pairs
            .iter()
            .map(|(query, target)| align_scalar(query, target, &scoring))
            .collect();
        for k in Level::ALL.into_iter().filter_map(kernels) {
            assert_eq!(
                k.smith_waterman_batch(&pairs, &scoring),
                expected,
                "{}",
                k.level()
            );
        }
    }
}
