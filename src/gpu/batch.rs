//! Splitting a batch into chunks and packing each chunk into the buffers
//! the two kernels read (pure CPU code, tested without a GPU).

use std::mem::MaybeUninit;
use std::ops::Range;

use std::sync::Mutex;

use super::pool::Pool;
use crate::align::{Alignment, Scoring};
use crate::{Error, ErrorKind, Result};

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
mod tests;
