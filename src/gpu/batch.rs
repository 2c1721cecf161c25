//! Splitting a batch into chunks and packing each chunk into the buffers
//! the two kernels read (pure CPU code, tested without a GPU).

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

/// One chunk, packed: the contents of every input buffer.
#[derive(Debug, Default)]
pub(super) struct Packed {
    /// Pair indices of the caller's batch, in chunk order.
    pub indices: Vec<usize>,
    /// `Params` of the kernel (16 bytes).
    pub params: [u32; 4],
    pub lengths: Vec<u32>,
    pub bases: Vec<[u32; 4]>,
    pub residues: Vec<u32>,
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
pub(super) fn short_chunks<Q: AsRef<[u8]>, T: AsRef<[u8]>>(
    pairs: &[(Q, T)],
    mut indices: Vec<usize>,
    limits: ChunkLimits,
) -> Vec<Vec<usize>> {
    let lens = |i: usize| (pairs[i].0.as_ref().len(), pairs[i].1.as_ref().len());
    let mut keyed: Vec<(u32, u32)> = indices
        .iter()
        .map(|&i| {
            let (q, t) = lens(i);
            ((q.div_ceil(SHORT_STRIP) as u32) << 16 | t as u32, i as u32)
        })
        .collect();
    keyed.sort_unstable();
    indices.clear();
    indices.extend(keyed.iter().map(|&(_, i)| i as usize));
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

/// Query words, target words and boundary columns one lane of a group needs.
fn short_group_shape(lens: impl Iterator<Item = (usize, usize)>) -> (usize, usize, usize) {
    let (max_query, max_target) = lens.fold((0, 0), |(q, t), (ql, tl)| (q.max(ql), t.max(tl)));
    let query_words = max_query.div_ceil(SHORT_STRIP) * SHORT_STRIP / 4;
    let columns = max_target.div_ceil(SHORT_COLUMNS) * SHORT_COLUMNS;
    (query_words, columns / 4, columns)
}

/// Packs a chunk for `short.wgsl`: per group, the query words, then the
/// target words, lane-interleaved. Groups are filled on all cores.
pub(super) fn pack_short<Q, T>(
    pairs: &[(Q, T)],
    indices: Vec<usize>,
    scoring: &Scoring,
    packed: &mut Packed,
) where
    Q: AsRef<[u8]> + Sync,
    T: AsRef<[u8]> + Sync,
{
    let lens = |i: usize| (pairs[i].0.as_ref().len(), pairs[i].1.as_ref().len());
    packed.bases.clear();
    let mut group_words = Vec::with_capacity(indices.len().div_ceil(SHORT_GROUP));
    let (mut words, mut boundary_words) = (0usize, 0usize);
    for group in indices.chunks(SHORT_GROUP) {
        let (query_words, target_words, columns) =
            short_group_shape(group.iter().map(|&i| lens(i)));
        let target_base = words + query_words * SHORT_GROUP;
        packed
            .bases
            .push([words as u32, target_base as u32, boundary_words as u32, 0]);
        group_words.push((query_words * SHORT_GROUP, target_words * SHORT_GROUP));
        words = target_base + target_words * SHORT_GROUP;
        boundary_words += columns * SHORT_GROUP;
    }
    packed.lengths.clear();
    packed.lengths.extend(indices.iter().map(|&i| {
        let (query_len, target_len) = lens(i);
        query_len as u32 | (target_len as u32) << 16
    }));
    packed.residues.clear();
    packed
        .residues
        .resize(words, u32::from_le_bytes([PADDING_CODE; 4]));

    // Each group's words are one contiguous slice: hand them out to threads.
    let mut slices = Vec::with_capacity(group_words.len());
    let mut rest = packed.residues.as_mut_slice();
    for &(query_words, target_words) in &group_words {
        let (group, tail) = rest.split_at_mut(query_words + target_words);
        slices.push(group.split_at_mut(query_words));
        rest = tail;
    }
    let fill = |groups: &mut [(&mut [u32], &mut [u32])], first_group: usize| {
        for (offset, (query_words, target_words)) in groups.iter_mut().enumerate() {
            let start = (first_group + offset) * SHORT_GROUP;
            let members = &indices[start..(start + SHORT_GROUP).min(indices.len())];
            for (lane, &i) in members.iter().enumerate() {
                write_interleaved(
                    query_words,
                    pairs[i].0.as_ref(),
                    lane,
                    scoring,
                    PADDING_CODE,
                );
                write_interleaved(
                    target_words,
                    pairs[i].1.as_ref(),
                    lane,
                    scoring,
                    PADDING_CODE,
                );
            }
        }
    };
    let threads = match indices.len() {
        0..=4095 => 1,
        _ => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let per_thread = slices.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        for (part, groups) in slices.chunks_mut(per_thread).enumerate() {
            let fill = &fill;
            scope.spawn(move || fill(groups, part * per_thread));
        }
    });

    let groups = packed.bases.len();
    packed.params = [groups as u32, indices.len() as u32, 0, 0];
    packed.boundary_bytes = (boundary_words.max(1) * 4) as u64;
    packed.workgroups = groups as u32;
    packed.indices = indices;
}

/// Writes the codes of `sequence` into word `w × SHORT_GROUP + lane`, four
/// per word, the last word filled with `fill`.
fn write_interleaved(words: &mut [u32], sequence: &[u8], lane: usize, scoring: &Scoring, fill: u8) {
    for (w, residues) in sequence.chunks(4).enumerate() {
        let mut bytes = [fill; 4];
        for (byte, &residue) in bytes.iter_mut().zip(residues) {
            *byte = scoring.code(residue);
        }
        words[w * SHORT_GROUP + lane] = u32::from_le_bytes(bytes);
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

/// Packs a chunk for `long.wgsl`: sequences one after the other.
pub(super) fn pack_long<Q: AsRef<[u8]>, T: AsRef<[u8]>>(
    pairs: &[(Q, T)],
    indices: Vec<usize>,
    scoring: &Scoring,
    packed: &mut Packed,
) {
    packed.lengths.clear();
    packed.bases.clear();
    packed.residues.clear();
    let mut boundary_entries = 0usize;
    for &i in &indices {
        let (query, target) = (pairs[i].0.as_ref(), pairs[i].1.as_ref());
        let query_base = packed.residues.len();
        push_contiguous(&mut packed.residues, query, scoring);
        let target_base = packed.residues.len();
        push_contiguous(&mut packed.residues, target, scoring);
        packed
            .lengths
            .extend([query.len() as u32, target.len() as u32]);
        packed.bases.push([
            query_base as u32,
            target_base as u32,
            boundary_entries as u32,
            0,
        ]);
        boundary_entries += target.len();
    }
    packed.params = [indices.len() as u32, 0, 0, 0];
    packed.boundary_bytes = (boundary_entries.max(1) * 8) as u64;
    packed.workgroups = indices.len() as u32;
    packed.indices = indices;
}

fn push_contiguous(words: &mut Vec<u32>, sequence: &[u8], scoring: &Scoring) {
    words.extend(sequence.chunks(4).map(|residues| {
        let mut bytes = [0u8; 4];
        for (byte, &residue) in bytes.iter_mut().zip(residues) {
            *byte = scoring.code(residue);
        }
        u32::from_le_bytes(bytes)
    }));
}

/// Decodes a chunk's results (`Short`: score, ends packed 16 + 16 bits;
/// `Long`: score, query end, target end, 0) into `out`.
pub(super) fn unpack_results(
    kernel: Kernel,
    words: &[u32],
    indices: &[usize],
    out: &mut [Alignment],
) {
    let stride = match kernel {
        Kernel::Short => 2,
        Kernel::Long => 4,
    };
    for (&index, result) in indices.iter().zip(words.chunks_exact(stride)) {
        let (query_end, target_end) = match kernel {
            Kernel::Short => ((result[1] & 0xFFFF) as usize, (result[1] >> 16) as usize),
            Kernel::Long => (result[1] as usize, result[2] as usize),
        };
        out[index] = Alignment {
            score: result[0] as i32,
            query_end,
            target_end,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_packing_interleaves_lanes_and_pads_queries() {
        let scoring = Scoring::dna(1, -1, 0, 1, 1).unwrap();
        let pairs = [("ACGTA", "TT"), ("C", "GGGGGG")];
        let mut packed = Packed::default();
        pack_short(&pairs, vec![0, 1], &scoring, &mut packed);
        assert_eq!(packed.bases, vec![[0, 4 * 64, 0, 0]]);
        assert_eq!(packed.lengths, vec![5 | 2 << 16, 1 | 6 << 16]);
        // Lane 0: ACGT, then A + 3 padding; lane 1: C + 3 padding.
        assert_eq!(packed.residues[0], u32::from_le_bytes([0, 1, 2, 3]));
        assert_eq!(packed.residues[64], u32::from_le_bytes([0, 32, 32, 32]));
        assert_eq!(packed.residues[1], u32::from_le_bytes([1, 32, 32, 32]));
        assert_eq!(packed.residues[2], u32::from_le_bytes([32; 4]));
        // Targets: lane 1's second word is GG.
        assert_eq!(
            packed.residues[4 * 64 + 64 + 1],
            u32::from_le_bytes([2, 2, 32, 32])
        );
        assert_eq!(packed.boundary_bytes, 8 * 64 * 4);
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
        let chunks = short_chunks(&pairs, (0..300).collect(), limits);
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
