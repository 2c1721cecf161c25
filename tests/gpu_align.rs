//! The GPU kernels against the scalar reference (and so against every SIMD
//! level, which `src/simd/align_tests.rs` checks against the same
//! reference).
//!
//! Without an adapter these tests pass with a note on stderr, unless
//! `BIOMETAL_REQUIRE_GPU` is set (CI sets it, with Mesa's lavapipe), where
//! a missing adapter is a failure.
#![cfg(feature = "gpu")]

use std::sync::OnceLock;

use biometal::align::{align_scalar, Alignment, Scoring};
use biometal::gpu::GpuAligner;
use biometal::ErrorKind;
use proptest::prelude::*;

fn aligner() -> Option<&'static GpuAligner> {
    static ALIGNER: OnceLock<Option<GpuAligner>> = OnceLock::new();
    ALIGNER
        .get_or_init(|| match GpuAligner::new() {
            Ok(aligner) => {
                eprintln!("GPU: {}", aligner.adapter_info());
                Some(aligner)
            }
            Err(err) => {
                assert!(
                    std::env::var_os("BIOMETAL_REQUIRE_GPU").is_none(),
                    "BIOMETAL_REQUIRE_GPU is set but there is no GPU: {err}"
                );
                assert_eq!(err.kind(), ErrorKind::Unavailable);
                eprintln!("GPU tests skipped: {err}");
                None
            }
        })
        .as_ref()
}

fn schemes() -> Vec<Scoring> {
    let transitions = [
        5, -4, -1, -4, -2, //
        -4, 5, -4, -1, -2, //
        -1, -4, 5, -4, -2, //
        -4, -1, -4, 5, -2, //
        -2, -2, -2, -2, -1,
    ];
    // Identity +3, everything else a seeded -3..=1.
    let wide: Vec<i8> = (0..17 * 17)
        .map(|k: i32| match k % 18 {
            0 => 3,
            _ => ((k * 7919) % 5 - 3) as i8,
        })
        .collect();
    vec![
        Scoring::dna(1, -4, -1, 6, 1).unwrap(),
        Scoring::dna(2, -3, -1, 5, 2).unwrap(),
        Scoring::dna(3, -1, -1, 0, 1).unwrap(),
        Scoring::with_matrix(b"ACGTN", &transitions, 8, 2).unwrap(),
        // Scores past 16 bits: pairs over ~650 residues use the wavefront kernel.
        Scoring::dna(100, -127, -50, 30, 20).unwrap(),
        // 17 symbols: residues packed as bytes rather than nibbles.
        Scoring::with_matrix(b"ACGTNRYSWKMBDHVXU", &wide, 4, 1).unwrap(),
    ]
}

fn check(
    aligner: &GpuAligner,
    pairs: &[(Vec<u8>, Vec<u8>)],
    scoring: &Scoring,
) -> Result<(), TestCaseError> {
    let expected: Vec<Alignment> = pairs
        .iter()
        .map(|(q, t)| align_scalar(q, t, scoring))
        .collect();
    let got = aligner
        .align_batch(pairs, scoring)
        .map_err(|err| TestCaseError::fail(err.to_string()))?;
    for (index, (got, expected)) in got.iter().zip(&expected).enumerate() {
        let (query, target) = (&pairs[index].0, &pairs[index].1);
        prop_assert_eq!(
            got,
            expected,
            "pair {} ({} × {}), scoring {:?}",
            index,
            query.len(),
            target.len(),
            scoring
        );
    }
    prop_assert_eq!(got.len(), pairs.len());
    Ok(())
}

/// Random, mutated-copy, all-N and empty pairs with lengths in 0..max_len.
fn pair(max_len: usize) -> impl Strategy<Value = (Vec<u8>, Vec<u8>)> {
    let residue = prop_oneof![
        8 => prop::sample::select(&b"ACGT"[..]),
        1 => prop::sample::select(&b"acgtNnRX"[..]),
    ];
    let sequence = move |len: std::ops::Range<usize>| prop::collection::vec(residue.clone(), len);
    prop_oneof![
        3 => (sequence(0..max_len), sequence(0..max_len)),
        4 => (sequence(1..max_len), sequence(0..100), sequence(0..100), any::<u64>()).prop_map(
            |(query, left, right, seed)| {
                let mut copy = query.clone();
                let mut state = seed | 1;
                for _ in 0..copy.len() / 20 + 1 {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    let at = (state as usize >> 8) % (copy.len() + 1);
                    match state % 3 {
                        0 if at < copy.len() => copy[at] = b"ACGT"[(state >> 40) as usize % 4],
                        1 => copy.insert(at, b'G'),
                        _ if at < copy.len() => {
                            copy.remove(at);
                        }
                        _ => {}
                    }
                }
                (query, [left, copy, right].concat())
            }
        ),
        1 => (0..max_len, 0..max_len).prop_map(|(q, t)| (vec![b'N'; q], vec![b'N'; t])),
        1 => sequence(0..max_len).prop_map(|q| (q, Vec::new())),
        1 => sequence(0..max_len).prop_map(|t| (Vec::new(), t)),
    ]
}

/// Random or mutated-copy pairs of A, C, G and T in either case, lengths in
/// 1..max_len.
fn dna_pair(max_len: usize) -> impl Strategy<Value = (Vec<u8>, Vec<u8>)> {
    let sequence = move |len: std::ops::Range<usize>| {
        prop::collection::vec(prop::sample::select(&b"ACGTACGTacgt"[..]), len)
    };
    prop_oneof![
        (sequence(1..max_len), sequence(1..max_len)),
        (sequence(1..max_len), sequence(0..50), any::<u64>()).prop_map(|(query, flank, seed)| {
            let mut copy = [flank.as_slice(), &query].concat();
            let at = seed as usize % copy.len();
            copy[at] = b"ACGT"[(seed >> 32) as usize % 4];
            (query, copy)
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    #[test]
    fn short_batches_equal_scalar(pairs in prop::collection::vec(pair(400), 1..200)) {
        let Some(aligner) = aligner() else { return Ok(()) };
        for scoring in schemes() {
            check(aligner, &pairs, &scoring)?;
        }
    }

    #[test]
    fn batches_up_to_2000_equal_scalar(pairs in prop::collection::vec(pair(2000), 1..12)) {
        let Some(aligner) = aligner() else { return Ok(()) };
        for scoring in schemes() {
            check(aligner, &pairs, &scoring)?;
        }
    }

    /// DNA without N in either case: workgroups whose residues all have
    /// codes below 4 travel as 2-bit codes; the lengths cut words anywhere.
    #[test]
    fn two_bit_batches_equal_scalar(pairs in prop::collection::vec(dna_pair(300), 1..200)) {
        let Some(aligner) = aligner() else { return Ok(()) };
        for scoring in schemes() {
            check(aligner, &pairs, &scoring)?;
        }
    }
}

/// Pairs past the short kernel's 4096-residue limit take the wavefront
/// kernel, several passes of 2048 query rows.
#[test]
fn long_pairs_use_the_wavefront_kernel() {
    let Some(aligner) = aligner() else { return };
    let mut state = 99u64;
    let mut base = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        b"ACGT"[(state % 4) as usize]
    };
    let query: Vec<u8> = (0..5000).map(|_| base()).collect();
    let mut target: Vec<u8> = (0..300).map(|_| base()).collect();
    target.extend(
        query
            .iter()
            .enumerate()
            .filter(|(i, _)| i % 97 != 0)
            .map(|(_, &b)| b),
    );
    target.extend((0..700).map(|_| base()));
    let random: Vec<u8> = (0..4500).map(|_| base()).collect();
    let pairs = vec![
        (query.clone(), target.clone()),
        (random.clone(), target),
        (query[..100].to_vec(), random),
    ];
    let scoring = Scoring::dna(1, -4, -1, 6, 1).unwrap();
    let expected: Vec<Alignment> = pairs
        .iter()
        .map(|(q, t)| align_scalar(q, t, &scoring))
        .collect();
    assert_eq!(aligner.align_batch(&pairs, &scoring).unwrap(), expected);
}

/// A batch of five chunks runs through the ring of buffer sets (twice) and is put
/// back in input order.
#[test]
fn several_chunks_keep_input_order() {
    let Some(aligner) = aligner() else { return };
    let scoring = Scoring::dna(2, -3, -1, 5, 2).unwrap();
    let pairs: Vec<(Vec<u8>, Vec<u8>)> = (0..300_000usize)
        .map(|i| {
            let query: Vec<u8> = (0..(i % 13))
                .map(|k| b"ACGT"[(i * 7 + k * k) % 4])
                .collect();
            let target: Vec<u8> = (0..(i % 17 + 3))
                .map(|k| b"ACGT"[(i + k * 3) % 4])
                .collect();
            (query, target)
        })
        .collect();
    let expected: Vec<Alignment> = pairs
        .iter()
        .map(|(q, t)| align_scalar(q, t, &scoring))
        .collect();
    let (results, timing) = aligner.align_batch_timed(&pairs, &scoring).unwrap();
    assert_eq!(results, expected);
    // The timeline has every chunk, every non-empty pair in one of them,
    // each chunk submitted after it started and read back after that.
    assert_eq!(timing.chunk_timeline.len(), timing.chunks);
    let non_empty = pairs
        .iter()
        .filter(|(q, t)| !q.is_empty() && !t.is_empty())
        .count();
    let timeline = &timing.chunk_timeline;
    assert_eq!(timeline.iter().map(|c| c.pairs).sum::<usize>(), non_empty);
    assert!(timeline.iter().all(|c| c.started <= c.submitted
        && c.submitted <= c.readback_started
        && c.readback_started <= timing.end_to_end));
    assert!(timeline.windows(2).all(|w| w[0].submitted <= w[1].started));
    // Again, reusing the buffers.
    assert_eq!(
        aligner.align_batch(&pairs[..1000], &scoring).unwrap(),
        expected[..1000]
    );
    let (_, timing) = aligner.align_batch_timed(&pairs[..10], &scoring).unwrap();
    assert!(timing.end_to_end >= timing.kernel.unwrap_or_default());
}

#[test]
fn empty_batch() {
    let Some(aligner) = aligner() else { return };
    let scoring = Scoring::dna(2, -3, -1, 5, 2).unwrap();
    let none: [(&[u8], &[u8]); 0] = [];
    assert!(aligner.align_batch(&none, &scoring).unwrap().is_empty());
    let empty = [(&b""[..], &b"ACGT"[..])];
    assert_eq!(
        aligner.align_batch(&empty, &scoring).unwrap(),
        vec![Alignment::default()]
    );
}

/// One short-kernel pair with many strips (a read of 1,500 against a
/// mutated copy of itself).
#[test]
fn many_strips_in_the_short_kernel() {
    let Some(aligner) = aligner() else { return };
    let mut state = 7u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let query: Vec<u8> = (0..1443).map(|_| b"ACGT"[(next() % 4) as usize]).collect();
    let mut target: Vec<u8> = (0..40).map(|_| b"ACGT"[(next() % 4) as usize]).collect();
    target.extend(
        query
            .iter()
            .map(|&b| if next() % 25 == 0 { b'A' } else { b }),
    );
    target.extend((0..43).map(|_| b"ACGT"[(next() % 4) as usize]));
    let scoring = Scoring::dna(1, -4, -1, 6, 1).unwrap();
    for pairs in [
        vec![(query.clone(), target.clone())],
        vec![(query[..700].to_vec(), target.clone())],
    ] {
        let expected: Vec<Alignment> = pairs
            .iter()
            .map(|(q, t)| align_scalar(q, t, &scoring))
            .collect();
        assert_eq!(aligner.align_batch(&pairs, &scoring).unwrap(), expected);
    }
}
