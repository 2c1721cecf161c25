//! Splitting a batch into chunks and packing each chunk into the buffers
//! the two kernels read (pure CPU code, tested without a GPU).

use wgpu::WriteOnly;

use crate::align::{Alignment, Scoring};

/// Invocations per workgroup of the short-pair kernel (`short.wgsl`).
pub(super) const SHORT_GROUP: usize = 64;
/// Query rows per strip of the short-pair kernel.
const SHORT_STRIP: usize = 16;
/// Pairs longer than this (either sequence) go to the wavefront kernel.
pub(super) const SHORT_MAX_LEN: usize = 4096;
/// The wavefront kernel keeps `score × 16` in an `i32`.
const LONG_MAX_SCORE: i64 = (1 << 27) - 1;
/// Target columns per loop iteration of the short-pair kernel.
const SHORT_COLUMNS: usize = 8;
/// Entries of the substitution table: 32 codes and the padding code, for
/// query rows and target columns.
pub(super) const MATRIX_ENTRIES: usize = 33 * 33;
/// The code of the padding past a sequence's end.
const PADDING_CODE: u8 = 32;

/// Which kernel a chunk runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kernel {
    Short,
    Long,
}

/// One chunk, planned: the small input buffers and the layout of the
/// residue words, which are written straight into the upload buffer by
/// [`fill_short`] or [`fill_long`].
#[derive(Debug, Default)]
pub(super) struct Packed {
    /// Pair indices of the caller's batch, in chunk order.
    pub indices: Vec<usize>,
    /// `Params` of the kernel (16 bytes).
    pub params: [u32; 4],
    pub lengths: Vec<u32>,
    /// Per group (short) or pair (long): first query word, first target
    /// word, first boundary entry.
    pub bases: Vec<[u32; 4]>,
    /// Residue words of the chunk.
    pub residue_words: usize,
    /// Size of the boundary buffer in bytes.
    pub boundary_bytes: u64,
    /// Workgroups to dispatch.
    pub workgroups: u32,
}

/// How large a chunk may be.
#[derive(Debug, Clone, Copy)]
pub(super) struct ChunkLimits {
    /// Largest size of one buffer binding, in bytes.
    pub max_binding_bytes: u64,
    /// Pairs per short-pair chunk (a multiple of [`SHORT_GROUP`]).
    pub short_pairs: usize,
}

/// The substitution table the kernels copy into workgroup memory.
/// (`i32` scores as the kernels' words).
pub(super) fn matrix_table(scoring: &Scoring) -> Vec<u32> {
    // Padding: any score ≤ 0 keeps padding cells below every real cell.
    let mut table = vec![(-(1i32 << 20)) as u32; MATRIX_ENTRIES];
    let size = scoring.alphabet_size();
    for (index, &score) in scoring.matrix().iter().enumerate() {
        table[(index / size) * 33 + index % size] = i32::from(score) as u32;
    }
    table
}

/// The kernel for a non-empty pair, or `None` when its scores could exceed
/// what the wavefront kernel holds.
pub(super) fn kernel_for(query_len: usize, target_len: usize, max_score: i32) -> Option<Kernel> {
    let bound = query_len.min(target_len) as i64 * i64::from(max_score.max(1));
    if query_len <= SHORT_MAX_LEN && target_len <= SHORT_MAX_LEN && bound <= i64::from(u16::MAX) {
        Some(Kernel::Short)
    } else if bound <= LONG_MAX_SCORE && query_len <= u32::MAX as usize / 2 {
        Some(Kernel::Long)
    } else {
        None
    }
}

/// Splits the short pairs (`indices`, sorted so that a workgroup's pairs
/// have similar lengths) into chunks within `limits`.
pub(super) fn short_chunks(
    shapes: &[u32],
    mut indices: Vec<usize>,
    limits: ChunkLimits,
) -> Vec<Vec<usize>> {
    let lens = |i: usize| shape_lens(shapes[i]);
    // Two stable counting sorts (target length, then query strips): order
    // by (strips, target length) in linear time.
    let mut sorted = vec![0; indices.len()];
    counting_sort(&indices, &mut sorted, SHORT_MAX_LEN + 1, |i| lens(i).1);
    let strips = SHORT_MAX_LEN / SHORT_STRIP + 1;
    counting_sort(&sorted, &mut indices, strips, |i| {
        lens(i).0.div_ceil(SHORT_STRIP)
    });
    let mut chunks = Vec::new();
    let mut current: Vec<usize> = Vec::new();
    let (mut residue_bytes, mut boundary_bytes) = (0u64, 0u64);
    for group in indices.chunks(SHORT_GROUP) {
        let (query_words, target_words, columns) =
            short_group_shape(group.iter().map(|&i| lens(i)));
        let group_residues = ((query_words + target_words) * SHORT_GROUP * 4) as u64;
        let group_boundary = (columns * SHORT_GROUP * 4) as u64;
        let full = current.len() + group.len() > limits.short_pairs
            || residue_bytes + group_residues > limits.max_binding_bytes
            || boundary_bytes + group_boundary > limits.max_binding_bytes;
        if full && !current.is_empty() {
            chunks.push(std::mem::take(&mut current));
            residue_bytes = 0;
            boundary_bytes = 0;
        }
        current.extend_from_slice(group);
        residue_bytes += group_residues;
        boundary_bytes += group_boundary;
    }
    if !current.is_empty() {
        chunks.push(current);
    }
    chunks
}

/// The shape of a short pair: query length | target length << 16 (both
/// at most [`SHORT_MAX_LEN`]), the layout of the kernel's `lengths`.
pub(super) fn shape(query_len: usize, target_len: usize) -> u32 {
    query_len as u32 | (target_len as u32) << 16
}

fn shape_lens(shape: u32) -> (usize, usize) {
    ((shape & 0xFFFF) as usize, (shape >> 16) as usize)
}

/// Stable counting sort of `input` into `output` by `key(i) < buckets`.
fn counting_sort(
    input: &[usize],
    output: &mut [usize],
    buckets: usize,
    key: impl Fn(usize) -> usize,
) {
    let mut starts = vec![0usize; buckets + 1];
    for &i in input {
        starts[key(i) + 1] += 1;
    }
    for bucket in 1..=buckets {
        starts[bucket] += starts[bucket - 1];
    }
    for &i in input {
        let slot = &mut starts[key(i)];
        output[*slot] = i;
        *slot += 1;
    }
}

/// Query words, target words and boundary columns one lane of a group needs.
fn short_group_shape(lens: impl Iterator<Item = (usize, usize)>) -> (usize, usize, usize) {
    let (max_query, max_target) = lens.fold((0, 0), |(q, t), (ql, tl)| (q.max(ql), t.max(tl)));
    let query_words = max_query.div_ceil(SHORT_STRIP) * SHORT_STRIP / 4;
    let columns = max_target.div_ceil(SHORT_COLUMNS) * SHORT_COLUMNS;
    (query_words, columns / 4, columns)
}

/// Plans a chunk for `short.wgsl`: per group, the query words, then the
/// target words, lane-interleaved (see [`fill_short`]).
pub(super) fn plan_short(shapes: &[u32], indices: Vec<usize>, packed: &mut Packed) {
    let lens = |i: usize| shape_lens(shapes[i]);
    packed.bases.clear();
    let (mut words, mut boundary_words) = (0usize, 0usize);
    for group in indices.chunks(SHORT_GROUP) {
        let (query_words, target_words, columns) =
            short_group_shape(group.iter().map(|&i| lens(i)));
        let target_base = words + query_words * SHORT_GROUP;
        packed
            .bases
            .push([words as u32, target_base as u32, boundary_words as u32, 0]);
        words = target_base + target_words * SHORT_GROUP;
        boundary_words += columns * SHORT_GROUP;
    }
    packed.lengths.clear();
    packed.lengths.extend(indices.iter().map(|&i| shapes[i]));
    let groups = packed.bases.len();
    packed.params = [groups as u32, indices.len() as u32, 0, 0];
    packed.residue_words = words;
    packed.boundary_bytes = (boundary_words.max(1) * 4) as u64;
    packed.workgroups = groups as u32;
    packed.indices = indices;
}

/// A write-only view of part of a mapped upload buffer that may move to
/// another thread.
struct Part<'a>(WriteOnly<'a, [u8]>);

// SAFETY: a `WriteOnly<[u8]>` is an exclusive, write-only `&mut [u8]`,
// which is `Send`; wgpu only leaves `Send` out for unsized element types
// (its impl has an implicit `T: Sized` bound), not for a reason that
// applies to bytes.
unsafe impl Send for Part<'_> {}

/// Writes the residue words of a chunk planned by [`plan_short`] into
/// `out` (`4 × residue_words` bytes, little-endian), groups spread over
/// all cores. Every thread writes its part front to back, as
/// write-combined upload memory wants.
pub(super) fn fill_short<Q, T>(
    pairs: &[(Q, T)],
    packed: &Packed,
    scoring: &Scoring,
    out: WriteOnly<'_, [u8]>,
) where
    Q: AsRef<[u8]> + Sync,
    T: AsRef<[u8]> + Sync,
{
    let groups = packed.bases.len();
    // Each group's words are one contiguous slice.
    let mut slices = Vec::with_capacity(groups);
    let mut rest = out;
    for (group, base) in packed.bases.iter().enumerate() {
        let end = packed
            .bases
            .get(group + 1)
            .map_or(packed.residue_words, |next| next[0] as usize);
        let (words, tail) = rest.split_at((end - base[0] as usize) * 4);
        let (query, target) = words.split_at((base[1] - base[0]) as usize * 4);
        slices.push((Part(query), Part(target)));
        rest = tail;
    }
    let indices = &packed.indices;
    let fill = |slices: &mut [(Part, Part)], first_group: usize| {
        let mut members: [&[u8]; SHORT_GROUP] = [&[]; SHORT_GROUP];
        let mut scratch = Vec::new();
        for (offset, (query, target)) in slices.iter_mut().enumerate() {
            let start = (first_group + offset) * SHORT_GROUP;
            let group = &indices[start..(start + SHORT_GROUP).min(indices.len())];
            for (member, &i) in members.iter_mut().zip(group) {
                *member = pairs[i].0.as_ref();
            }
            interleave(
                &mut scratch,
                query.0.len(),
                &members[..group.len()],
                scoring,
            );
            query.0.copy_from_slice(&scratch);
            for (member, &i) in members.iter_mut().zip(group) {
                *member = pairs[i].1.as_ref();
            }
            interleave(
                &mut scratch,
                target.0.len(),
                &members[..group.len()],
                scoring,
            );
            target.0.copy_from_slice(&scratch);
        }
    };
    let threads = match indices.len() {
        0..=4095 => 1,
        _ => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let per_thread = groups.div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        for (part, slices) in slices.chunks_mut(per_thread).enumerate() {
            let fill = &fill;
            scope.spawn(move || fill(slices, part * per_thread));
        }
    });
}

/// One group's sequences in `out` (`bytes` long): word `w` of lane `l` at
/// word `w × SHORT_GROUP + l`, four codes per word; lanes past `members`
/// and words past a sequence's end hold the padding code. Built in cache,
/// then copied to the upload buffer in one sequential write.
fn interleave(out: &mut Vec<u8>, bytes: usize, members: &[&[u8]], scoring: &Scoring) {
    out.clear();
    out.resize(bytes, PADDING_CODE);
    for (lane, sequence) in members.iter().enumerate() {
        let mut at = lane * 4;
        let mut residues = sequence.chunks_exact(4);
        for four in &mut residues {
            let Some(word) = out.get_mut(at..at + 4) else {
                break;
            };
            for (byte, &residue) in word.iter_mut().zip(four) {
                *byte = scoring.code(residue);
            }
            at += SHORT_GROUP * 4;
        }
        if let Some(word) = out.get_mut(at..at + 4) {
            for (byte, &residue) in word.iter_mut().zip(residues.remainder()) {
                *byte = scoring.code(residue);
            }
        }
    }
}

/// Splits the long pairs into chunks within `max_binding_bytes`, largest
/// first.
pub(super) fn long_chunks<Q: AsRef<[u8]>, T: AsRef<[u8]>>(
    pairs: &[(Q, T)],
    mut indices: Vec<usize>,
    max_binding_bytes: u64,
) -> Vec<Vec<usize>> {
    let lens = |i: usize| (pairs[i].0.as_ref().len(), pairs[i].1.as_ref().len());
    indices.sort_by_key(|&i| {
        let (q, t) = lens(i);
        std::cmp::Reverse(q as u64 * t as u64)
    });
    let mut chunks = Vec::new();
    let mut current = Vec::new();
    let (mut residue_bytes, mut boundary_bytes) = (0u64, 0u64);
    for i in indices {
        let (q, t) = lens(i);
        let residues = (q.div_ceil(4) + t.div_ceil(4)) as u64 * 4;
        let boundary = t as u64 * 8;
        if !current.is_empty()
            && (residue_bytes + residues > max_binding_bytes
                || boundary_bytes + boundary > max_binding_bytes)
        {
            chunks.push(std::mem::take(&mut current));
            residue_bytes = 0;
            boundary_bytes = 0;
        }
        current.push(i);
        residue_bytes += residues;
        boundary_bytes += boundary;
    }
    if !current.is_empty() {
        chunks.push(current);
    }
    chunks
}

/// Plans a chunk for `long.wgsl`: sequences one after the other, each
/// starting on a word (see [`fill_long`]).
pub(super) fn plan_long<Q: AsRef<[u8]>, T: AsRef<[u8]>>(
    pairs: &[(Q, T)],
    indices: Vec<usize>,
    packed: &mut Packed,
) {
    packed.lengths.clear();
    packed.bases.clear();
    let (mut words, mut boundary_entries) = (0usize, 0usize);
    for &i in &indices {
        let (query, target) = (pairs[i].0.as_ref(), pairs[i].1.as_ref());
        let target_base = words + query.len().div_ceil(4);
        packed
            .lengths
            .extend([query.len() as u32, target.len() as u32]);
        packed
            .bases
            .push([words as u32, target_base as u32, boundary_entries as u32, 0]);
        words = target_base + target.len().div_ceil(4);
        boundary_entries += target.len();
    }
    packed.params = [indices.len() as u32, 0, 0, 0];
    packed.residue_words = words;
    packed.boundary_bytes = (boundary_entries.max(1) * 8) as u64;
    packed.workgroups = indices.len() as u32;
    packed.indices = indices;
}

/// Writes the residue codes of a chunk planned by [`plan_long`] into `out`.
pub(super) fn fill_long<Q, T>(
    pairs: &[(Q, T)],
    packed: &Packed,
    scoring: &Scoring,
    mut out: WriteOnly<'_, [u8]>,
) where
    Q: AsRef<[u8]>,
    T: AsRef<[u8]>,
{
    for (&i, base) in packed.indices.iter().zip(&packed.bases) {
        for (sequence, word) in [
            (pairs[i].0.as_ref(), base[0]),
            (pairs[i].1.as_ref(), base[1]),
        ] {
            let start = word as usize * 4;
            let padded = sequence.len().next_multiple_of(4);
            let bytes = out.slice(start..start + padded);
            let padding = std::iter::repeat_n(0, padded - sequence.len());
            bytes.write_iter(
                sequence
                    .iter()
                    .map(|&residue| scoring.code(residue))
                    .chain(padding),
            );
        }
    }
}

/// Decodes a chunk's results from the readback bytes (`Short`: score, ends
/// packed 16 + 16 bits; `Long`: score, query end, target end, 0; 32-bit
/// little-endian words) into `out`.
pub(super) fn unpack_results(
    kernel: Kernel,
    bytes: &[u8],
    indices: &[usize],
    out: &mut [Alignment],
) {
    let stride = match kernel {
        Kernel::Short => 8,
        Kernel::Long => 16,
    };
    let word = |bytes: &[u8], k: usize| {
        u32::from_le_bytes([
            bytes[4 * k],
            bytes[4 * k + 1],
            bytes[4 * k + 2],
            bytes[4 * k + 3],
        ])
    };
    for (&index, result) in indices.iter().zip(bytes.chunks_exact(stride)) {
        let (query_end, target_end) = match kernel {
            Kernel::Short => {
                let ends = word(result, 1);
                ((ends & 0xFFFF) as usize, (ends >> 16) as usize)
            }
            Kernel::Long => (word(result, 1) as usize, word(result, 2) as usize),
        };
        out[index] = Alignment {
            score: word(result, 0) as i32,
            query_end,
            target_end,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shapes<Q: AsRef<[u8]>, T: AsRef<[u8]>>(pairs: &[(Q, T)]) -> Vec<u32> {
        pairs
            .iter()
            .map(|(q, t)| shape(q.as_ref().len(), t.as_ref().len()))
            .collect()
    }

    #[test]
    fn short_packing_interleaves_lanes_and_pads_queries() {
        let scoring = Scoring::dna(1, -1, 0, 1, 1).unwrap();
        let pairs = [("ACGTA", "TT"), ("C", "GGGGGG")];
        let mut packed = Packed::default();
        plan_short(&shapes(&pairs), vec![0, 1], &mut packed);
        assert_eq!(packed.bases, vec![[0, 4 * 64, 0, 0]]);
        assert_eq!(packed.lengths, vec![5 | 2 << 16, 1 | 6 << 16]);
        let mut bytes = vec![0xEE; packed.residue_words * 4];
        fill_short(
            &pairs,
            &packed,
            &scoring,
            WriteOnly::from_mut(&mut bytes[..]),
        );
        let residues: Vec<u32> = bytes
            .chunks_exact(4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
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
        assert!(!bytes.contains(&0xEE));
        assert_eq!(packed.boundary_bytes, 8 * 64 * 4);
    }

    #[test]
    fn long_packing_starts_each_sequence_on_a_word() {
        let scoring = Scoring::dna(1, -1, 0, 1, 1).unwrap();
        let pairs = [("ACGTA", "TT"), ("C", "GGGGGG")];
        let mut packed = Packed::default();
        plan_long(&pairs, vec![1, 0], &mut packed);
        assert_eq!(packed.bases, vec![[0, 1, 0, 0], [3, 5, 6, 0]]);
        let mut bytes = vec![0xEE; packed.residue_words * 4];
        fill_long(
            &pairs,
            &packed,
            &scoring,
            WriteOnly::from_mut(&mut bytes[..]),
        );
        assert_eq!(
            bytes,
            [1, 0, 0, 0, 2, 2, 2, 2, 2, 2, 0, 0, 0, 1, 2, 3, 0, 0, 0, 0, 3, 3, 0, 0]
        );
    }

    #[test]
    fn chunks_are_sorted_by_shape() {
        let pairs: Vec<(Vec<u8>, Vec<u8>)> = [(40, 9), (3, 7), (17, 2), (3, 2), (40, 1)]
            .iter()
            .map(|&(q, t)| (vec![b'A'; q], vec![b'C'; t]))
            .collect();
        let limits = ChunkLimits {
            max_binding_bytes: 1 << 20,
            short_pairs: 128,
        };
        // Strips of 16 rows: 3 → 1, 17 → 2, 40 → 3; then target length.
        assert_eq!(
            short_chunks(&shapes(&pairs), (0..5).collect(), limits),
            vec![vec![3, 1, 2, 4, 0]]
        );
    }

    #[test]
    fn chunks_respect_limits() {
        let pairs: Vec<(Vec<u8>, Vec<u8>)> = (0..300)
            .map(|i| (vec![b'A'; i % 50 + 1], vec![b'C'; 100]))
            .collect();
        let limits = ChunkLimits {
            max_binding_bytes: 1 << 20,
            short_pairs: 128,
        };
        let chunks = short_chunks(&shapes(&pairs), (0..300).collect(), limits);
        assert_eq!(
            chunks.iter().map(Vec::len).collect::<Vec<_>>(),
            vec![128, 128, 44]
        );
        let mut all: Vec<usize> = chunks.concat();
        all.sort();
        assert_eq!(all, (0..300).collect::<Vec<_>>());
        let long = long_chunks(&pairs, (0..300).collect(), 1000);
        assert!(long.iter().all(|chunk| chunk.len() <= 1000 / 800 + 1));
        assert_eq!(long.iter().map(Vec::len).sum::<usize>(), 300);
    }

    #[test]
    fn kernel_choice() {
        assert_eq!(kernel_for(150, 300, 2), Some(Kernel::Short));
        assert_eq!(kernel_for(10_000, 10_000, 2), Some(Kernel::Long));
        assert_eq!(kernel_for(1000, 1000, 127), Some(Kernel::Long));
        assert_eq!(kernel_for(2_000_000, 2_000_000, 127), None);
    }
}
