//! Tests of chunk planning, packing and unpacking (pure CPU).

use super::*;
use crate::gpu::pack::{fill_long, fill_short, Codes};
use wgpu::WriteOnly;

const LIMITS: ChunkLimits = ChunkLimits {
    max_binding_bytes: 1 << 20,
    short_pairs: 128,
    first_short_pairs: 128,
};

/// Result slots holding a marker, so the test can tell which were written.
fn result_slots(count: usize) -> Vec<MaybeUninit<Alignment>> {
    let marker = Alignment {
        score: -1,
        query_end: 7,
        target_end: 7,
    };
    vec![MaybeUninit::new(marker); count]
}

fn scores(slots: &[MaybeUninit<Alignment>]) -> Vec<i32> {
    // SAFETY: every slot was initialised by `result_slots`, and writes
    // only replace one value with another.
    slots
        .iter()
        .map(|slot| unsafe { slot.assume_init() }.score)
        .collect()
}

fn words(bytes: &[u8]) -> Vec<u32> {
    bytes
        .chunks_exact(4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

/// Plans and fills the first chunk of `pairs`.
fn packed_chunk(pairs: &[(&str, &str)], width: Width) -> (Plan, Packed, Vec<u32>) {
    let scoring = Scoring::dna(1, -1, 0, 1, 1).unwrap();
    let mut plan = Plan::default();
    plan.prepare(
        pairs,
        1,
        LIMITS,
        &mut result_slots(pairs.len()),
        &Pool::new(2),
    )
    .unwrap();
    let mut packed = Packed::default();
    plan.plan_chunk(pairs, 0, width, &mut packed);
    let mut bytes = vec![0xEE; packed.residue_words * 4];
    let indices = &plan.order[packed.range.clone()];
    let out = WriteOnly::from_mut(&mut bytes[..]);
    match plan.chunks[0].0 {
        Kernel::Short => {
            let codes = Codes::new(&scoring, width);
            let written = fill_short(
                pairs,
                &mut packed,
                indices,
                &codes,
                out,
                &Pool::new(3),
                || (),
            );
            assert_eq!(written, bytes.len());
        }
        Kernel::Long => fill_long(pairs, &packed, indices, &scoring, out),
    }
    assert!(!bytes.contains(&0xEE));
    (plan, packed, words(&bytes))
}

#[test]
fn short_packing_interleaves_lanes_and_pads_queries() {
    // Same work (one strip, one step): input order is kept.
    let (plan, packed, residues) = packed_chunk(&[("ACGTA", "TT"), ("C", "GGGGGG")], Width::Byte);
    assert_eq!(plan.order, vec![0, 1]);
    assert_eq!(packed.bases, vec![[0, 4 * 64, 0, 0]]);
    assert_eq!(packed.lengths, vec![5 | 2 << 16, 1 | 6 << 16]);
    // Lane 0: ACGT, then A + 3 padding; lane 1: C + 3 padding.
    assert_eq!(residues[0], u32::from_le_bytes([0, 1, 2, 3]));
    assert_eq!(residues[64], u32::from_le_bytes([0, 32, 32, 32]));
    assert_eq!(residues[1], u32::from_le_bytes([1, 32, 32, 32]));
    assert_eq!(residues[2], u32::from_le_bytes([32; 4]));
    // Targets: lane 1's second word is GG.
    assert_eq!(
        residues[4 * 64 + 64 + 1],
        u32::from_le_bytes([2, 2, 32, 32])
    );
    assert_eq!(packed.boundary_bytes, 8 * 64 * 4);
}

#[test]
fn nibble_packing_holds_eight_codes_per_word() {
    let pairs = [("ACGTACGTAC", "TT"), ("C", "GGGGGGGGN")];
    let (_, packed, residues) = packed_chunk(&pairs, Width::Nibble);
    // 16 query rows = 2 words per lane; 16 target columns = 2 words.
    assert_eq!(packed.bases, vec![[0, 2 * 64, 0, 0]]);
    assert_eq!(residues[0], 0x3210_3210);
    assert_eq!(residues[64], 0xFFFF_FF10);
    assert_eq!(residues[1], 0xFFFF_FFF1);
    assert_eq!(residues[2], 0xFFFF_FFFF);
    assert_eq!(residues[128], 0xFFFF_FF33);
    assert_eq!(residues[128 + 1], 0x2222_2222);
    assert_eq!(residues[128 + 64 + 1], 0xFFFF_FFF4);
    assert_eq!(residues.len(), 4 * 64);
}

#[test]
fn long_packing_starts_each_sequence_on_a_word() {
    let scoring = Scoring::dna(1, -1, 0, 1, 1).unwrap();
    let pairs = [("ACGTA", "TT"), ("C", "GGGGGG")];
    let mut packed = Packed::default();
    plan_long(&pairs, &[1, 0], &mut packed);
    assert_eq!(packed.bases, vec![[0, 1, 0, 0], [3, 5, 6, 0]]);
    let mut bytes = vec![0xEE; packed.residue_words * 4];
    let out = WriteOnly::from_mut(&mut bytes[..]);
    fill_long(&pairs, &packed, &[1, 0], &scoring, out);
    assert_eq!(
        bytes,
        [1, 0, 0, 0, 2, 2, 2, 2, 2, 2, 0, 0, 0, 1, 2, 3, 0, 0, 0, 0, 3, 3, 0, 0]
    );
}

#[test]
fn chunks_are_sorted_by_work() {
    let pairs: Vec<(Vec<u8>, Vec<u8>)> = [(40, 9), (3, 17), (17, 2), (3, 2), (40, 1), (2, 3)]
        .iter()
        .map(|&(q, t)| (vec![b'A'; q], vec![b'C'; t]))
        .collect();
    let mut plan = Plan::default();
    plan.prepare(
        &pairs,
        1,
        LIMITS,
        &mut result_slots(pairs.len()),
        &Pool::new(2),
    )
    .unwrap();
    // Strips of 16 rows: 3 → 1, 17 → 2, 40 → 3; then steps of 8
    // target columns, stable within equal work.
    assert_eq!(plan.order, vec![3, 5, 1, 2, 4, 0]);
    assert_eq!(plan.chunks, vec![(Kernel::Short, 0..6)]);
}

#[test]
fn chunks_respect_limits() {
    let mut pairs: Vec<(Vec<u8>, Vec<u8>)> = (0..300)
        .map(|i| (vec![b'A'; i % 50 + 1], vec![b'C'; 100]))
        .collect();
    pairs.push((vec![b'A'; 5000], vec![b'C'; 5000]));
    pairs.push((vec![], vec![b'C'; 5]));
    let mut plan = Plan::default();
    let mut results = result_slots(302);
    plan.prepare(&pairs, 1, LIMITS, &mut results, &Pool::new(2))
        .unwrap();
    // Only the empty pair's default is written up front.
    let mut expected = vec![-1; 302];
    expected[301] = 0;
    assert_eq!(scores(&results), expected);
    let sizes: Vec<(Kernel, usize)> = plan
        .chunks
        .iter()
        .map(|(kernel, range)| (*kernel, range.len()))
        .collect();
    assert_eq!(
        sizes,
        vec![
            (Kernel::Long, 1),
            (Kernel::Short, 128),
            (Kernel::Short, 128),
            (Kernel::Short, 44)
        ]
    );
    let mut all = plan.order.clone();
    all.sort();
    assert_eq!(all, (0..301).collect::<Vec<_>>());
    assert_eq!(plan.order[300], 300);
    // Again, smaller: the plan is reused.
    plan.prepare(&pairs[..3], 1, LIMITS, &mut results[..3], &Pool::new(2))
        .unwrap();
    assert_eq!(plan.order, vec![0, 1, 2]);
    assert_eq!(plan.chunks, vec![(Kernel::Short, 0..3)]);
    let huge = [(vec![b'A'; 2_000_000], vec![b'A'; 2_000_000])];
    assert!(plan
        .prepare(&huge, 127, LIMITS, &mut results[..1], &Pool::new(2))
        .is_err());
    // A small first chunk when the batch starts with short pairs.
    let limits = ChunkLimits {
        first_short_pairs: 64,
        ..LIMITS
    };
    plan.prepare(&pairs[..300], 1, limits, &mut results[..300], &Pool::new(2))
        .unwrap();
    let sizes: Vec<usize> = plan.chunks.iter().map(|(_, range)| range.len()).collect();
    assert_eq!(sizes, vec![64, 64, 128, 44]);
    // And a small last one, where it would be large.
    let many: Vec<(Vec<u8>, Vec<u8>)> = (0..420)
        .map(|i| (vec![b'A'; i % 50 + 1], vec![b'C'; 100]))
        .collect();
    let tail_limits = ChunkLimits {
        short_pairs: 192,
        ..limits
    };
    let mut many_results = result_slots(many.len());
    plan.prepare(&many, 1, tail_limits, &mut many_results, &Pool::new(2))
        .unwrap();
    let sizes: Vec<usize> = plan.chunks.iter().map(|(_, range)| range.len()).collect();
    assert_eq!(sizes, vec![64, 64, 128, 128, 36]);
    plan.prepare(&pairs, 1, limits, &mut results, &Pool::new(2))
        .unwrap();
    let sizes: Vec<usize> = plan.chunks.iter().map(|(_, range)| range.len()).collect();
    assert_eq!(sizes, vec![1, 128, 128, 44]);
}

#[test]
fn the_first_too_large_pair_is_named_whichever_thread_finds_it() {
    let huge = vec![b'A'; 2_000_000];
    let mut pairs: Vec<(&[u8], &[u8])> = vec![(b"ACGT", b"ACGT"); 3 * SURVEY_PAIRS];
    pairs[SURVEY_PAIRS + 5] = (&huge, &huge);
    pairs[2 * SURVEY_PAIRS + 1] = (&huge, &huge);
    let mut results = result_slots(pairs.len());
    let pool = Pool::new(3);
    for _ in 0..4 {
        let err = Plan::default()
            .prepare(&pairs, 127, LIMITS, &mut results, &pool)
            .unwrap_err();
        assert!(err
            .to_string()
            .contains(&format!("pair {}", SURVEY_PAIRS + 5)));
    }
}

#[test]
fn unpacking_writes_the_chunk_pairs_only() {
    let mut results = result_slots(4);
    let mut bytes = Vec::new();
    for (score, ends) in [(5u32, 3 | 9 << 16), (2, 1 | 2 << 16)] {
        bytes.extend(score.to_le_bytes());
        bytes.extend((ends as u32).to_le_bytes());
    }
    unpack_results(Kernel::Short, &bytes, &[2, 0], &mut results);
    assert_eq!(scores(&results), vec![2, -1, 5, -1]);
    // SAFETY: initialised by `result_slots`.
    let third = unsafe { results[2].assume_init() };
    assert_eq!((third.query_end, third.target_end), (3, 9));
}

#[test]
fn kernel_choice() {
    assert_eq!(kernel_for(150, 300, 2), Some(Kernel::Short));
    assert_eq!(kernel_for(10_000, 10_000, 2), Some(Kernel::Long));
    assert_eq!(kernel_for(1000, 1000, 127), Some(Kernel::Long));
    assert_eq!(kernel_for(2_000_000, 2_000_000, 127), None);
}
