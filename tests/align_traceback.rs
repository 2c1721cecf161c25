//! Traceback CIGARs re-score (with an independent scorer) to the reported
//! score; the batch API equals the one-pair API; scalar reference checked
//! on hand-computed cases.

use biometal::align::{
    align, align_batch, align_batch_with_threads, align_scalar, traceback, CigarOp, Scoring,
};
use proptest::prelude::*;

/// Scores a path from its CIGAR alone: the independent check.
fn rescore(
    query: &[u8],
    target: &[u8],
    scoring: &Scoring,
    path: &biometal::align::Traceback,
) -> i64 {
    let (mut i, mut j) = (path.query_start, path.target_start);
    let mut total = 0i64;
    for &(op, count) in &path.cigar {
        let count = count as usize;
        match op {
            CigarOp::Match | CigarOp::Mismatch => {
                for _ in 0..count {
                    let same = scoring.code(query[i]) == scoring.code(target[j]);
                    assert_eq!(same, op == CigarOp::Match, "=/X at query {i}, target {j}");
                    total += i64::from(scoring.score(query[i], target[j]));
                    i += 1;
                    j += 1;
                }
            }
            CigarOp::Insertion => {
                total -= scoring.gap_cost(count);
                i += count;
            }
            CigarOp::Deletion => {
                total -= scoring.gap_cost(count);
                j += count;
            }
        }
    }
    total
}

fn schemes() -> Vec<Scoring> {
    vec![
        Scoring::dna(1, -4, 0, 6, 1).unwrap(),
        Scoring::dna(2, -3, -1, 5, 2).unwrap(),
        Scoring::dna(3, -1, -1, 0, 1).unwrap(),
        Scoring::dna(5, -4, -2, 10, 1).unwrap(),
    ]
}

fn mutated_pair() -> impl Strategy<Value = (Vec<u8>, Vec<u8>)> {
    let base = prop::sample::select(&b"ACGTN"[..]);
    (
        prop::collection::vec(base.clone(), 0..400),
        prop::collection::vec(base.clone(), 0..100),
        prop::collection::vec(base, 0..100),
        prop::collection::vec((any::<prop::sample::Index>(), 0u8..3, 0u8..4), 0..30),
    )
        .prop_map(|(query, left, right, edits)| {
            let mut copy = query.clone();
            for (at, kind, base) in edits {
                let position = at.index(copy.len() + 1);
                let base = b"ACGT"[usize::from(base)];
                match kind {
                    0 if position < copy.len() => copy[position] = base,
                    1 => copy.insert(position, base),
                    _ if position < copy.len() => {
                        copy.remove(position);
                    }
                    _ => {}
                }
            }
            (query, [left, copy, right].concat())
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn cigar_rescores_to_the_score((query, target) in mutated_pair()) {
        for scoring in schemes() {
            let hit = align(&query, &target, &scoring);
            let path = traceback(&query, &target, &scoring, &hit);
            prop_assert_eq!(rescore(&query, &target, &scoring, &path), i64::from(hit.score));
            let query_used: usize = path.cigar.iter()
                .filter(|(op, _)| *op != CigarOp::Deletion).map(|&(_, n)| n as usize).sum();
            let target_used: usize = path.cigar.iter()
                .filter(|(op, _)| *op != CigarOp::Insertion).map(|&(_, n)| n as usize).sum();
            prop_assert_eq!(path.query_start + query_used, hit.query_end);
            prop_assert_eq!(path.target_start + target_used, hit.target_end);
            if hit.score > 0 {
                // A local alignment starts and ends with aligned residues.
                let first = path.cigar.first().map(|&(op, _)| op);
                let last = path.cigar.last().map(|&(op, _)| op);
                prop_assert!(matches!(first, Some(CigarOp::Match | CigarOp::Mismatch)));
                prop_assert!(matches!(last, Some(CigarOp::Match | CigarOp::Mismatch)));
            }
        }
    }

}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn batch_equals_single_pairs(pairs in prop::collection::vec(mutated_pair(), 0..150)) {
        let scoring = Scoring::dna(2, -3, -1, 5, 2).unwrap();
        let expected: Vec<_> = pairs.iter().map(|(q, t)| align_scalar(q, t, &scoring)).collect();
        prop_assert_eq!(&align_batch(&pairs, &scoring), &expected);
        prop_assert_eq!(&align_batch_with_threads(&pairs, &scoring, 3), &expected);
    }
}

/// Hand-computed: BWA scoring, one mismatch and one 2-base deletion.
#[test]
fn hand_computed_affine_gap() {
    let scoring = Scoring::dna(1, -4, 0, 6, 1).unwrap();
    // 20 matching bases, then the target has 2 extra bases, then 20 more.
    let query = b"ACGTACGTTGCAACGTTGCAGGCATTCAGGCTTACCAGTA";
    let target = b"ACGTACGTTGCAACGTTGCATTGGCATTCAGGCTTACCAGTA";
    let hit = align(query, target, &scoring);
    // 40 matches − (6 + 2×1) = 32 beats either half alone (20).
    assert_eq!((hit.score, hit.query_end, hit.target_end), (32, 40, 42));
    let path = traceback(query, target, &scoring, &hit);
    assert_eq!((path.query_start, path.target_start), (0, 0));
    assert_eq!(path.cigar_string(), "20=2D20=");
}

#[test]
fn ties_report_the_first_target_end_then_the_first_query_end() {
    let scoring = Scoring::dna(1, -4, 0, 6, 1).unwrap();
    let hit = align_scalar(b"ACGTTTACGT", b"GGACGTGG", &scoring);
    assert_eq!((hit.score, hit.query_end, hit.target_end), (4, 4, 6));
    assert_eq!(align(b"ACGTTTACGT", b"GGACGTGG", &scoring), hit);
}

#[test]
fn invalid_schemes_are_errors() {
    assert!(Scoring::dna(1, -1, 0, 200, 100).is_err());
    assert!(Scoring::dna(1, -1, 0, 1, 0).is_err());
    assert!(Scoring::with_matrix(b"AA", &[1, 0, 0, 1], 1, 1).is_err());
    assert!(Scoring::with_matrix(b"AC", &[1, 0, 0], 1, 1).is_err());
    assert!(Scoring::with_matrix(b"", &[], 1, 1).is_err());
    assert!(Scoring::with_matrix(b"AC", &[1, -128, 0, 1], 1, 1).is_err());
}
