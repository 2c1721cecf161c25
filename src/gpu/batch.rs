//! Splitting a batch into chunks and packing each chunk into the buffers
//! the two kernels read (pure CPU code, tested without a GPU).

use std::mem::MaybeUninit;
use std::ops::Range;

use std::sync::Mutex;

use super::pool::Pool;
use crate::align::{Alignment, Scoring};
use crate::{Error, ErrorKind, Result};

#[cfg(test)]
use {
    super::pack::{fill_long, fill_short, Codes},
    wgpu::WriteOnly,
};

/// Pairs per task of the survey ([`Plan::prepare`]).
const SURVEY_PAIRS: usize = 8192;
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

/// Which kernel a chunk runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kernel {
    Short,
    Long,
}

/// How the short-pair kernel's residues are packed: 8 codes of 4 bits per
/// word when the alphabet has at most 15 symbols (DNA), 4 codes of 8 bits
/// otherwise. Nibbles halve the bytes written, uploaded and loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) enum Width {
    Nibble,
    #[default]
    Byte,
}

impl Width {
    /// The width for a scoring scheme's alphabet.
    pub(super) fn for_scoring(scoring: &Scoring) -> Width {
        match scoring.alphabet_size() < 16 {
            true => Width::Nibble,
            false => Width::Byte,
        }
    }

    /// Residues per 32-bit word.
    pub(super) fn per_word(self) -> usize {
        match self {
            Width::Nibble => 8,
            Width::Byte => 4,
        }
    }

    /// The code of the padding past a sequence's end (its row and column of
    /// the substitution table score below every real cell).
    pub(super) fn padding(self) -> u8 {
        match self {
            Width::Nibble => 15,
            Width::Byte => 32,
        }
    }
}

/// One chunk, planned: the small input buffers and the layout of the
/// residue words, which are written straight into the upload buffer by
/// [`super::pack::fill_short`] or [`super::pack::fill_long`].
#[derive(Debug, Default)]
pub(super) struct Packed {
    /// The chunk's pairs: a range of [`Plan::order`].
    pub range: Range<usize>,
    /// Residue packing of the short-pair kernel.
    pub width: Width,
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
    /// Pairs of the batch's first chunk when it is a short-pair one (a
    /// multiple of [`SHORT_GROUP`]): small, so the GPU starts early while
    /// the host packs the next, full-size chunk.
    pub first_short_pairs: usize,
}

/// The substitution table the kernels copy into workgroup memory.
/// (`i32` scores as the kernels' words).
pub(super) fn matrix_table(scoring: &Scoring) -> Vec<u32> {
    // Padding (codes past the alphabet, 15 or 32): any score ≤ 0 keeps
    // padding cells below every real cell.
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

/// A batch ordered for the kernels and split into chunks. Kept with the
/// device and reused, so a batch allocates (and faults in) nothing here
/// once one of its size has run.
#[derive(Debug, Default)]
pub(super) struct Plan {
    /// Per pair of the batch (short pairs only): [`shape`].
    shapes: Vec<u32>,
    /// Pair indices in kernel order: short pairs by work per invocation,
    /// then long pairs, largest first.
    pub order: Vec<usize>,
    sorted: Vec<usize>,
    /// The chunks, as ranges of `order`, long ones first.
    pub chunks: Vec<(Kernel, Range<usize>)>,
}

impl Plan {
    /// Orders `pairs` and splits them into chunks within `limits`; writes
    /// the default [`Alignment`] of every empty pair into `results` (one
    /// entry per pair). Every other pair is in [`Plan::order`], and its
    /// result is written when its chunk is read back
    /// ([`unpack_results`]), so the result vector is first touched there,
    /// while the GPU works, not up front.
    ///
    /// Short pairs are ordered by their work per invocation — query strips,
    /// then 8-column steps of the target — so a workgroup's 64 invocations
    /// run equally long. When every pair is short and needs the same work
    /// (a batch of reads of one length against windows of one length) they
    /// keep their input order: one pass over the batch, on all cores, and
    /// no sort.
    pub(super) fn prepare<Q, T>(
        &mut self,
        pairs: &[(Q, T)],
        max_score: i32,
        limits: ChunkLimits,
        results: &mut [MaybeUninit<Alignment>],
        pool: &Pool,
    ) -> Result<()>
    where
        Q: AsRef<[u8]> + Sync,
        T: AsRef<[u8]> + Sync,
    {
        let count = pairs.len();
        self.shapes.clear();
        self.shapes.resize(count, 0);
        self.order.clear();
        self.chunks.clear();
        // Parts of `SURVEY_PAIRS` taken by the pool's threads in any
        // order, their surveys merged (order-independently).
        let parts = Mutex::new(
            pairs
                .chunks(SURVEY_PAIRS)
                .zip(self.shapes.chunks_mut(SURVEY_PAIRS))
                .zip(results.chunks_mut(SURVEY_PAIRS))
                .enumerate(),
        );
        let merged = Mutex::new(Survey::default());
        // A poisoned lock means another thread panicked, which the pool
        // passes on.
        let work = || {
            let mut own = Survey::default();
            while let Some((part, ((pairs, shapes), results))) =
                parts.lock().ok().and_then(|mut parts| parts.next())
            {
                let first = part * SURVEY_PAIRS;
                own = own.merge(&survey(pairs, first, shapes, results, max_score));
            }
            if let Ok(mut merged) = merged.lock() {
                *merged = merged.merge(&own);
            }
        };
        match count {
            0..SURVEY_PAIRS => work(),
            _ => pool.run(&work, || ()),
        }
        let survey = merged
            .into_inner()
            .map_err(|_| Error::without_format(ErrorKind::Unavailable, "GPU survey failed"))?;
        if let Some(index) = survey.too_large {
            let (query_len, target_len) =
                (pairs[index].0.as_ref().len(), pairs[index].1.as_ref().len());
            return Err(Error::without_format(
                ErrorKind::LimitExceeded,
                format!(
                    "GPU alignment: pair {index} ({query_len} × {target_len} residues) \
                     could score beyond the kernels' 32-bit range"
                ),
            ));
        }
        let mut long = Vec::new();
        if survey.all_short {
            self.order.extend(0..count);
        } else {
            for (index, &shape) in self.shapes.iter().enumerate() {
                match shape {
                    0 => {}
                    LONG_SHAPE => long.push(index),
                    _ => self.order.push(index),
                }
            }
        }
        if survey.least_work < survey.most_work {
            // Two stable counting sorts (target steps, then query strips):
            // order by work in linear time.
            let shapes = &self.shapes;
            let lens = |i: usize| shape_lens(shapes[i]);
            self.sorted.clear();
            self.sorted.resize(self.order.len(), 0);
            let steps = SHORT_MAX_LEN / SHORT_COLUMNS + 1;
            counting_sort(&self.order, &mut self.sorted, steps, |i| {
                lens(i).1.div_ceil(SHORT_COLUMNS)
            });
            let strips = SHORT_MAX_LEN / SHORT_STRIP + 1;
            counting_sort(&self.sorted, &mut self.order, strips, |i| {
                lens(i).0.div_ceil(SHORT_STRIP)
            });
        }
        let short_count = self.order.len();
        self.long_chunks(pairs, long, limits.max_binding_bytes);
        self.short_chunks(short_count, limits);
        Ok(())
    }

    /// Splits the first `short_count` entries of `order` into chunks.
    fn short_chunks(&mut self, short_count: usize, limits: ChunkLimits) {
        let lens = |i: usize| shape_lens(self.shapes[i]);
        let mut start = 0;
        let (mut residue_bytes, mut boundary_bytes) = (0u64, 0u64);
        // A batch that starts with short pairs starts small and doubles
        // from its second chunk on (first, first, 2 × first, …), so each
        // chunk is packed while the GPU runs the one before.
        let ramp = self.chunks.is_empty();
        let mut short_chunks = 0u32;
        for (group_index, group) in self.order[..short_count].chunks(SHORT_GROUP).enumerate() {
            let most_pairs = match ramp {
                true => limits
                    .first_short_pairs
                    .saturating_mul(1 << short_chunks.saturating_sub(1).min(20))
                    .min(limits.short_pairs),
                false => limits.short_pairs,
            };
            let at = group_index * SHORT_GROUP;
            // Byte packing needs the most space: plan for it.
            let (query_words, target_words, columns) =
                short_group_shape(group.iter().map(|&i| lens(i)), Width::Byte);
            let group_residues = ((query_words + target_words) * SHORT_GROUP * 4) as u64;
            let group_boundary = (columns * SHORT_GROUP * 4) as u64;
            let full = at + group.len() - start > most_pairs
                || residue_bytes + group_residues > limits.max_binding_bytes
                || boundary_bytes + group_boundary > limits.max_binding_bytes;
            if full && at > start {
                self.chunks.push((Kernel::Short, start..at));
                short_chunks += 1;
                start = at;
                residue_bytes = 0;
                boundary_bytes = 0;
            }
            residue_bytes += group_residues;
            boundary_bytes += group_boundary;
        }
        if short_count > start {
            // The last chunk small as well, where it is large: its kernel
            // and its readback are what no packing overlaps.
            if !self.chunks.is_empty() && short_count - start > 2 * limits.first_short_pairs {
                let last_small =
                    (short_count - limits.first_short_pairs).next_multiple_of(SHORT_GROUP);
                if last_small < short_count {
                    self.chunks.push((Kernel::Short, start..last_small));
                    start = last_small;
                }
            }
            self.chunks.push((Kernel::Short, start..short_count));
        }
    }

    /// Appends the long pairs to `order`, largest first, and splits them
    /// into chunks within `max_binding_bytes`.
    fn long_chunks<Q: AsRef<[u8]>, T: AsRef<[u8]>>(
        &mut self,
        pairs: &[(Q, T)],
        mut long: Vec<usize>,
        max_binding_bytes: u64,
    ) {
        let lens = |i: usize| (pairs[i].0.as_ref().len(), pairs[i].1.as_ref().len());
        long.sort_by_key(|&i| {
            let (q, t) = lens(i);
            std::cmp::Reverse(q as u64 * t as u64)
        });
        let mut start = self.order.len();
        let (mut residue_bytes, mut boundary_bytes) = (0u64, 0u64);
        for i in long {
            let (q, t) = lens(i);
            let residues = (q.div_ceil(4) + t.div_ceil(4)) as u64 * 4;
            let boundary = t as u64 * 8;
            let at = self.order.len();
            if at > start
                && (residue_bytes + residues > max_binding_bytes
                    || boundary_bytes + boundary > max_binding_bytes)
            {
                self.chunks.push((Kernel::Long, start..at));
                start = at;
                residue_bytes = 0;
                boundary_bytes = 0;
            }
            self.order.push(i);
            residue_bytes += residues;
            boundary_bytes += boundary;
        }
        if self.order.len() > start {
            self.chunks.push((Kernel::Long, start..self.order.len()));
        }
    }

    /// Plans chunk `chunk` into `packed`.
    pub(super) fn plan_chunk<Q: AsRef<[u8]>, T: AsRef<[u8]>>(
        &self,
        pairs: &[(Q, T)],
        chunk: usize,
        width: Width,
        packed: &mut Packed,
    ) -> Kernel {
        let (kernel, range) = self.chunks[chunk].clone();
        match kernel {
            Kernel::Short => plan_short(&self.shapes, &self.order[range.clone()], width, packed),
            Kernel::Long => plan_long(pairs, &self.order[range.clone()], packed),
        }
        packed.range = range;
        kernel
    }
}

/// `Plan::shapes` of a pair for the wavefront kernel (never a short
/// pair's shape: both its lengths are at most [`SHORT_MAX_LEN`]).
const LONG_SHAPE: u32 = u32::MAX;

/// What a part of a batch holds.
#[derive(Debug, Clone, Copy)]
struct Survey {
    /// Every pair is non-empty and short.
    all_short: bool,
    /// Least and most work ([`work_key`]) of the short pairs.
    least_work: u32,
    most_work: u32,
    /// The first pair no kernel can align.
    too_large: Option<usize>,
}

impl Default for Survey {
    fn default() -> Survey {
        Survey {
            all_short: true,
            least_work: u32::MAX,
            most_work: 0,
            too_large: None,
        }
    }
}

impl Survey {
    fn merge(self, other: &Survey) -> Survey {
        Survey {
            all_short: self.all_short && other.all_short,
            least_work: self.least_work.min(other.least_work),
            most_work: self.most_work.max(other.most_work),
            too_large: match (self.too_large, other.too_large) {
                (Some(one), Some(other)) => Some(one.min(other)),
                (one, other) => one.or(other),
            },
        }
    }
}

/// One thread's part of [`Plan::prepare`]: the shapes of `pairs` (the
/// batch's pairs from `first` on) into `shapes` (0 for an empty pair,
/// [`LONG_SHAPE`] for a long one), and the default result of each empty
/// pair.
fn survey<Q: AsRef<[u8]>, T: AsRef<[u8]>>(
    pairs: &[(Q, T)],
    first: usize,
    shapes: &mut [u32],
    results: &mut [MaybeUninit<Alignment>],
    max_score: i32,
) -> Survey {
    let mut survey = Survey::default();
    for (offset, (((query, target), shape), result)) in
        pairs.iter().zip(shapes).zip(results).enumerate()
    {
        let (query_len, target_len) = (query.as_ref().len(), target.as_ref().len());
        if query_len == 0 || target_len == 0 {
            result.write(Alignment::default());
            survey.all_short = false;
            continue;
        }
        match kernel_for(query_len, target_len, max_score) {
            Some(Kernel::Short) => {
                *shape = self::shape(query_len, target_len);
                let work = work_key(*shape);
                survey.least_work = survey.least_work.min(work);
                survey.most_work = survey.most_work.max(work);
            }
            Some(Kernel::Long) => {
                *shape = LONG_SHAPE;
                survey.all_short = false;
            }
            None => {
                survey.too_large.get_or_insert(first + offset);
                survey.all_short = false;
            }
        }
    }
    survey
}

/// The shape of a short pair: query length | target length << 16 (both
/// at most [`SHORT_MAX_LEN`]), the layout of the kernel's `lengths`.
fn shape(query_len: usize, target_len: usize) -> u32 {
    query_len as u32 | (target_len as u32) << 16
}

fn shape_lens(shape: u32) -> (usize, usize) {
    ((shape & 0xFFFF) as usize, (shape >> 16) as usize)
}

/// What an invocation's running time depends on: query strips and target
/// steps.
fn work_key(shape: u32) -> u32 {
    let (query_len, target_len) = shape_lens(shape);
    (query_len.div_ceil(SHORT_STRIP) << 16 | target_len.div_ceil(SHORT_COLUMNS)) as u32
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
fn short_group_shape(
    lens: impl Iterator<Item = (usize, usize)>,
    width: Width,
) -> (usize, usize, usize) {
    let (max_query, max_target) = lens.fold((0, 0), |(q, t), (ql, tl)| (q.max(ql), t.max(tl)));
    let query_words = max_query.div_ceil(SHORT_STRIP) * SHORT_STRIP / width.per_word();
    let columns = max_target.div_ceil(SHORT_COLUMNS) * SHORT_COLUMNS;
    (query_words, columns / width.per_word(), columns)
}

/// Plans a chunk for `short.wgsl`: per group, the query words, then the
/// target words, lane-interleaved (see [`super::pack::fill_short`]).
fn plan_short(shapes: &[u32], indices: &[usize], width: Width, packed: &mut Packed) {
    let lens = |i: usize| shape_lens(shapes[i]);
    packed.bases.clear();
    let (mut words, mut boundary_words) = (0usize, 0usize);
    for group in indices.chunks(SHORT_GROUP) {
        let (query_words, target_words, columns) =
            short_group_shape(group.iter().map(|&i| lens(i)), width);
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
    packed.width = width;
    packed.params = [groups as u32, indices.len() as u32, 0, 0];
    packed.residue_words = words;
    packed.boundary_bytes = (boundary_words.max(1) * 4) as u64;
    packed.workgroups = groups as u32;
}
/// Plans a chunk for `long.wgsl` (pairs `indices`): sequences one after
/// the other, each starting on a word (see [`super::pack::fill_long`]).
pub(super) fn plan_long<Q: AsRef<[u8]>, T: AsRef<[u8]>>(
    pairs: &[(Q, T)],
    indices: &[usize],
    packed: &mut Packed,
) {
    packed.lengths.clear();
    packed.bases.clear();
    let (mut words, mut boundary_entries) = (0usize, 0usize);
    for &i in indices {
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
}

/// Decodes a chunk's results from the readback bytes (`Short`: score, ends
/// packed 16 + 16 bits; `Long`: score, query end, target end, 0; 32-bit
/// little-endian words) into `out`, one entry per pair of the batch: those
/// of `indices` are written.
pub(super) fn unpack_results(
    kernel: Kernel,
    bytes: &[u8],
    indices: &[usize],
    out: &mut [MaybeUninit<Alignment>],
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
        out[index].write(Alignment {
            score: word(result, 0) as i32,
            query_end,
            target_end,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let (plan, packed, residues) =
            packed_chunk(&[("ACGTA", "TT"), ("C", "GGGGGG")], Width::Byte);
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
}
