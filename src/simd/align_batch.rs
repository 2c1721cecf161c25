//! Inter-sequence Smith-Waterman-Gotoh: one pair per 8-bit lane (32 pairs
//! per AVX2 vector, 16 per SSSE3 or NEON vector), the "scan across sequences"
//! layout of SWIPE, parasail and the GPU kernels, used by
//! [`crate::align::align_batch`].
//!
//! Pairs of similar length are grouped (each chunk of a batch is sorted by
//! length first); a group runs the scalar recurrence on all of its lanes at
//! once, [`BLOCK`] target columns at a time: for each query row the H and E
//! values move through the block's columns in registers, and the F values
//! and the row above of the block's columns stay in registers from row to
//! row, so memory is touched once per row and block, not once per cell.
//!
//! The substitution score of a cell is one byte shuffle of a 16-entry table
//! (see [`Encoding`]; two shuffles for a 5-symbol matrix that does not fit
//! one table), which is why the kernel needs an alphabet of at most 5
//! symbols (DNA with N). Rows past a lane's query and columns past its
//! target hold a padding index that reads the minimum score: such cells
//! never exceed the best real cell before them, so they change no result.
//!
//! The best score is one running maximum per [`SPAN`] columns. The E and H
//! columns at the start of every span are kept as a checkpoint; when a
//! lane's maximum rises in a span, that span's checkpoint is copied into the
//! lane's slot of the best checkpoint. At the end, one more pass over a span
//! recomputes, from the best checkpoint of each lane, the columns of the
//! span where the lane's best score was first reached, and finds the first
//! cell (column, then row) holding it: the scalar reference's tie-breaking.
//!
//! A pair whose score reaches the top of the 8-bit range, and any pair of a
//! group with a sequence over [`GROUP_MAX_LEN`] residues, is aligned alone
//! by the striped kernels (which widen to 16 and 32 bits as needed).

use super::{Kernels, Level};
use crate::align::{Alignment, Scoring};

/// Longest sequence (query or target) the grouped kernel takes; longer
/// pairs run the striped kernel, which suits them.
pub(crate) const GROUP_MAX_LEN: usize = 2048;
/// Largest lane count of any level.
const MAX_LANES: usize = 32;
/// Target columns computed together, their state kept in registers.
const BLOCK: usize = 4;
/// Target columns per checkpoint (a multiple of [`BLOCK`]).
const SPAN: usize = 16;
/// The index byte of padding rows and columns: the saturating add keeps it
/// at 0xFF, which reads 0 (the lowest biased score) from both tables.
const PADDING: u8 = 0xFF;

/// The byte-vector operations the grouped kernel needs.
///
/// Implementations are `unsafe` to call: the caller guarantees the CPU has
/// the instruction set of the type (see [`Kernels`]).
pub(super) trait ByteLanes: Copy {
    /// Lanes (bytes) per vector.
    const LANES: usize;
    /// Every lane `value`.
    unsafe fn splat(value: u8) -> Self;
    /// The 16 bytes of `table` in every 16-byte half of the vector.
    unsafe fn table(table: &[u8; 16]) -> Self;
    /// Loads `LANES` bytes from `bytes` (no alignment needed).
    unsafe fn load(bytes: *const u8) -> Self;
    /// Stores `LANES` bytes to `bytes` (no alignment needed).
    unsafe fn store(self, bytes: *mut u8);
    /// Saturating unsigned addition.
    unsafe fn adds(a: Self, b: Self) -> Self;
    /// Saturating unsigned subtraction (floored at zero).
    unsafe fn subs(a: Self, b: Self) -> Self;
    /// Unsigned maximum.
    unsafe fn max(a: Self, b: Self) -> Self;
    /// Bitwise or.
    unsafe fn or(a: Self, b: Self) -> Self;
    /// Bitwise exclusive or.
    unsafe fn xor(a: Self, b: Self) -> Self;
    /// A byte shuffle: lane `l` gets `table[index[l] & 15]` (from its own
    /// 16-byte half), or 0 when bit 7 of `index[l]` is set.
    unsafe fn lookup(table: Self, index: Self) -> Self;
    /// All ones in the lanes where `a ≤ b` (unsigned), zero elsewhere.
    unsafe fn le_mask(a: Self, b: Self) -> Self;
    /// Bit `l` set where lane `l` of `mask` is all ones.
    unsafe fn mask_bits(mask: Self) -> u32;
    /// `if_set` in the lanes where `mask` is all ones, else `if_clear`.
    unsafe fn blend(if_clear: Self, if_set: Self, mask: Self) -> Self;
}

/// How residue codes become shuffle indices: the index of a cell is the
/// saturating byte sum of its query row's and its target column's index
/// bytes, and reads the biased score `matrix + bias` from the tables.
#[derive(Debug, Clone)]
pub(super) struct Encoding {
    /// Index byte of each query residue byte.
    query: [u8; 256],
    /// Index byte of each target residue byte.
    target: [u8; 256],
    /// `score + bias ≥ 0` for every score of the matrix.
    bias: u8,
    /// Table of entries 0–15, and of entries 16–31 when `two_tables`.
    tables: [[u8; 16]; 2],
    /// Whether a cell takes two shuffles (a 5-symbol matrix that does not
    /// fit one table).
    pub(super) two_tables: bool,
}

impl Encoding {
    /// The encoding of `scoring` (at most 5 symbols).
    ///
    /// One table when the matrix allows: with query bytes `a` and target
    /// bytes `b`, the cell `(q, t)` reads entry `(a[q] + b[t]) mod 16`, so
    /// the pairs that share an entry must share a score. `4q + t` fits any
    /// 4-symbol matrix; `q − t` (mod 16) leaves entries 4–12 free for a
    /// fifth symbol (N), which fits whenever its scores line up, as in
    /// [`Scoring::dna`]. Otherwise the index is `5q + t + 0x70` over two
    /// tables.
    pub(super) fn new(scoring: &Scoring) -> Encoding {
        let alphabet = scoring.alphabet_size().min(5);
        let (_, min_score) = scoring.score_range();
        let bias = (-min_score).clamp(0, 127);
        let biased = |q: usize, t: usize| {
            (i32::from(scoring.matrix()[q * scoring.alphabet_size() + t]) + bias) as u8
        };
        let layouts = [
            ([0, 4, 8, 12], [0, 1, 2, 3]),
            ([0, 1, 2, 3], [16, 15, 14, 13]),
        ];
        let fifth = if alphabet == 5 { 256 } else { 1 };
        for (query4, target4) in layouts {
            for extra in 0..fifth {
                let query = [
                    query4[0],
                    query4[1],
                    query4[2],
                    query4[3],
                    (extra / 16) as u8,
                ];
                let target = [
                    target4[0],
                    target4[1],
                    target4[2],
                    target4[3],
                    (extra % 16) as u8,
                ];
                let mut table = [None; 16];
                let fits = (0..alphabet).all(|q| {
                    (0..alphabet).all(|t| {
                        let entry = &mut table[usize::from(query[q] + target[t]) & 15];
                        *entry.get_or_insert(biased(q, t)) == biased(q, t)
                    })
                });
                if fits {
                    return Encoding {
                        query: Self::by_residue(scoring, query),
                        target: Self::by_residue(scoring, target),
                        bias: bias as u8,
                        tables: [table.map(|entry| entry.unwrap_or(0)), [0; 16]],
                        two_tables: false,
                    };
                }
            }
        }
        // Entries 0x70..=0x7F read the first table; 0x80..=0x8F have bit 7
        // set (0 from the first) and read the second after a flip of bit 7.
        let mut tables = [[0u8; 16]; 2];
        for q in 0..alphabet {
            for t in 0..alphabet {
                let entry = q * 5 + t;
                tables[entry / 16][entry % 16] = biased(q, t);
            }
        }
        Encoding {
            query: Self::by_residue(scoring, [0, 5, 10, 15, 20].map(|index| index + 0x70)),
            target: Self::by_residue(scoring, [0, 1, 2, 3, 4]),
            bias: bias as u8,
            tables,
            two_tables: true,
        }
    }

    /// The index byte of every residue byte, from that of every code.
    fn by_residue(scoring: &Scoring, of_code: [u8; 5]) -> [u8; 256] {
        std::array::from_fn(|residue| of_code[usize::from(scoring.code(residue as u8))])
    }
}

/// Scratch memory of the grouped kernel, reused from group to group and
/// call to call: create one per thread.
#[derive(Debug, Default)]
pub(crate) struct Workspace {
    /// Query indices, then four columns of H and E (a checkpoint and the
    /// working pair), then the best checkpoint's H and E, one row of lanes
    /// each per query row; then the target indices, one row of lanes per
    /// column, and those of the final pass.
    bytes: Vec<u8>,
    /// `(query length << 48 | target length << 32 | pair)` of a chunk,
    /// sorted.
    order: Vec<u64>,
}

/// The vectors every cell uses.
struct Constants<V> {
    low_table: V,
    high_table: V,
    high_bit: V,
    bias: V,
    open_extend: V,
    extend: V,
}

/// One cell of every lane: `H` from the diagonal, `e` (E of this cell) and
/// `f` (F of this cell); `e` and `f` become those of the cells to the right
/// and below.
#[inline(always)]
unsafe fn cell<V: ByteLanes, const TWO_TABLES: bool>(
    c: &Constants<V>,
    query: V,
    target: V,
    diagonal: V,
    e: &mut V,
    f: &mut V,
) -> V {
    let index = V::adds(query, target);
    let mut score = V::lookup(c.low_table, index);
    if TWO_TABLES {
        score = V::or(score, V::lookup(c.high_table, V::xor(index, c.high_bit)));
    }
    let h = V::max(V::max(V::subs(V::adds(diagonal, score), c.bias), *e), *f);
    let h_open = V::subs(h, c.open_extend);
    *e = V::max(V::subs(*e, c.extend), h_open);
    *f = V::max(V::subs(*f, c.extend), h_open);
    h
}

/// [`BLOCK`] columns of every row: reads H of the column before the block
/// and E of its first column from `h_in`/`e_in`, writes those after it to
/// `h_out`/`e_out` (which may be the same rows), and returns `best` raised
/// to the block's highest H.
///
/// # Safety
///
/// `query` holds `rows` and `targets` [`BLOCK`] rows of `V::LANES` bytes;
/// the four H/E pointers `rows` rows each.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn block<V: ByteLanes, const TWO_TABLES: bool>(
    c: &Constants<V>,
    rows: usize,
    query: *const u8,
    targets: *const u8,
    (h_in, e_in): (*const u8, *const u8),
    (h_out, e_out): (*mut u8, *mut u8),
    mut best: V,
) -> V {
    let lanes = V::LANES;
    let zero = V::splat(0);
    let targets: [V; BLOCK] = std::array::from_fn(|k| V::load(targets.add(k * lanes)));
    let mut f = [zero; BLOCK];
    // H of the row above in the block's columns, and in the column before.
    let mut above = [zero; BLOCK];
    let mut above_left = zero;
    for row in 0..rows {
        let offset = row * lanes;
        let q = V::load(query.add(offset));
        let left = V::load(h_in.add(offset));
        let mut e = V::load(e_in.add(offset));
        let mut diagonal = above_left;
        above_left = left;
        for k in 0..BLOCK {
            let h = cell::<V, TWO_TABLES>(c, q, targets[k], diagonal, &mut e, &mut f[k]);
            best = V::max(best, h);
            diagonal = above[k];
            above[k] = h;
        }
        above[BLOCK - 1].store(h_out.add(offset));
        e.store(e_out.add(offset));
    }
    best
}

/// The grouped kernel for up to `V::LANES` pairs of at most
/// [`GROUP_MAX_LEN`] residues; `out[l]` gets lane `l`'s result. Returns
/// the lanes whose score reached the top of the 8-bit range (their `out`
/// is meaningless; the caller rescores them).
///
/// # Safety
///
/// The CPU must support `V`'s instruction set; `encoding` is that of
/// `scoring` (at most 5 symbols) and `TWO_TABLES` is its `two_tables`.
#[inline(always)]
pub(super) unsafe fn grouped<V: ByteLanes, const TWO_TABLES: bool>(
    group: &[(&[u8], &[u8])],
    scoring: &Scoring,
    encoding: &Encoding,
    workspace: &mut Workspace,
    out: &mut [Alignment],
) -> u32 {
    let lanes = V::LANES;
    let rows = group.iter().map(|pair| pair.0.len()).max().unwrap_or(0);
    let target_len = group.iter().map(|pair| pair.1.len()).max().unwrap_or(0);
    let columns = target_len.next_multiple_of(SPAN);
    let row_bytes = rows * lanes;

    // Every byte is written below before it is read, except the best
    // checkpoint's lanes that never improve, which no result reads.
    let bytes = &mut workspace.bytes;
    let need = 7 * row_bytes + (columns + SPAN) * lanes;
    if bytes.len() < need {
        bytes.resize(need, 0);
    }
    let (query_index, rest) = bytes.split_at_mut(row_bytes);
    let (states, rest) = rest.split_at_mut(6 * row_bytes);
    let (target_index, rest) = rest.split_at_mut(columns * lanes);
    let final_index = &mut rest[..SPAN * lanes];
    query_index.fill(PADDING);
    target_index.fill(PADDING);
    states[..2 * row_bytes].fill(0);
    for (lane, (query, target)) in group.iter().enumerate() {
        for (row, &residue) in query_index.chunks_exact_mut(lanes).zip(*query) {
            row[lane] = encoding.query[usize::from(residue)];
        }
        for (column, &residue) in target_index.chunks_exact_mut(lanes).zip(*target) {
            column[lane] = encoding.target[usize::from(residue)];
        }
    }

    let c = Constants {
        low_table: V::table(&encoding.tables[0]),
        high_table: V::table(&encoding.tables[1]),
        high_bit: V::splat(0x80),
        bias: V::splat(encoding.bias),
        open_extend: V::splat(scoring.gap_open_extend() as u8),
        extend: V::splat(scoring.gap_extend()),
    };
    let zero = V::splat(0);
    let query = query_index.as_ptr();
    // H and E rows: the checkpoint at the start of the span, the working
    // pair, and the best checkpoint of each lane (all zero: no gap, no
    // score before the first column).
    let state = states.as_mut_ptr();
    let mut checkpoint = (state, state.add(row_bytes));
    let mut working = (state.add(2 * row_bytes), state.add(3 * row_bytes));
    let best_checkpoint = (state.add(4 * row_bytes), state.add(5 * row_bytes));
    let mut v_best = zero;
    let mut best_span = [0usize; MAX_LANES];
    let lane_bits = u32::MAX >> (32 - lanes);
    for span in (0..columns).step_by(SPAN) {
        let mut span_best = zero;
        for first in (span..span + SPAN).step_by(BLOCK) {
            let input = match first == span {
                true => checkpoint,
                false => working,
            };
            span_best = block::<V, TWO_TABLES>(
                &c,
                rows,
                query,
                target_index.as_ptr().add(first * lanes),
                (input.0, input.1),
                working,
                span_best,
            );
        }
        let unchanged = V::le_mask(span_best, v_best);
        let mut improved = !V::mask_bits(unchanged) & lane_bits;
        if improved != 0 {
            for offset in (0..row_bytes).step_by(lanes) {
                for (from, to) in [
                    (checkpoint.0, best_checkpoint.0),
                    (checkpoint.1, best_checkpoint.1),
                ] {
                    let kept = V::load(to.add(offset));
                    V::blend(V::load(from.add(offset)), kept, unchanged).store(to.add(offset));
                }
            }
            v_best = V::max(v_best, span_best);
            while improved != 0 {
                best_span[improved.trailing_zeros() as usize] = span;
                improved &= improved - 1;
            }
        }
        std::mem::swap(&mut checkpoint, &mut working);
    }

    let mut best = [0u8; MAX_LANES];
    v_best.store(best.as_mut_ptr());
    let limit = 255 - i32::from(encoding.bias);
    let mut overflowed = 0;
    let mut pending = 0;
    for (lane, &score) in best.iter().enumerate().take(group.len()) {
        match i32::from(score) {
            0 => {}
            score if score >= limit => overflowed |= 1 << lane,
            _ => pending |= 1 << lane,
        }
    }
    // The final pass: each pending lane's best span again, from its best
    // checkpoint, column by column, until the first cell holding its best.
    final_index.fill(PADDING);
    for lane in (0..group.len()).filter(|&lane| pending >> lane & 1 == 1) {
        for k in 0..SPAN {
            final_index[k * lanes + lane] = target_index[(best_span[lane] + k) * lanes + lane];
        }
    }
    let mut end = [(0usize, 0usize); MAX_LANES];
    let (h_rows, e_rows) = best_checkpoint;
    'columns: for k in 0..SPAN {
        if pending == 0 {
            break;
        }
        let target = V::load(final_index.as_ptr().add(k * lanes));
        let mut diagonal = zero;
        let mut f = zero;
        for row in 0..rows {
            let offset = row * lanes;
            let left = V::load(h_rows.add(offset));
            let mut e = V::load(e_rows.add(offset));
            let q = V::load(query.add(offset));
            let h = cell::<V, TWO_TABLES>(&c, q, target, diagonal, &mut e, &mut f);
            h.store(h_rows.add(offset));
            e.store(e_rows.add(offset));
            diagonal = left;
            let mut found = V::mask_bits(V::le_mask(v_best, h)) & pending;
            pending &= !found;
            while found != 0 {
                let lane = found.trailing_zeros() as usize;
                end[lane] = (row + 1, best_span[lane] + k + 1);
                found &= found - 1;
            }
            if pending == 0 {
                break 'columns;
            }
        }
    }

    for (lane, result) in out.iter_mut().enumerate().take(group.len()) {
        let (query_end, target_end) = end[lane];
        *result = match best[lane] {
            0 => Alignment::default(),
            score => Alignment {
                score: i32::from(score),
                query_end,
                target_end,
            },
        };
    }
    overflowed
}

impl Kernels {
    /// Lanes of the grouped kernel for `scoring` at this level (`None`: no
    /// grouped kernel, pairs run one at a time).
    fn group_lanes(&self, scoring: &Scoring) -> Option<usize> {
        if scoring.alphabet_size() > 5 {
            return None;
        }
        match self.level {
            #[cfg(target_arch = "x86_64")]
            Level::Avx2 => Some(32),
            #[cfg(target_arch = "x86_64")]
            Level::Ssse3 => Some(16),
            #[cfg(target_arch = "aarch64")]
            Level::Neon => Some(16),
            _ => None,
        }
    }

    /// [`crate::align::align_batch`] on the calling thread with this
    /// level's kernels (a test and benchmark hook).
    pub fn smith_waterman_batch<Q, T>(&self, pairs: &[(Q, T)], scoring: &Scoring) -> Vec<Alignment>
    where
        Q: AsRef<[u8]>,
        T: AsRef<[u8]>,
    {
        let mut out = vec![Alignment::default(); pairs.len()];
        let mut workspace = Workspace::default();
        for (pairs, out) in pairs.chunks(CHUNK_PAIRS).zip(out.chunks_mut(CHUNK_PAIRS)) {
            self.align_chunk(pairs, scoring, &mut workspace, out);
        }
        out
    }

    /// Aligns `pairs` into `out` (same order): sorted by length, in groups
    /// of lanes where the level and scoring allow, else one at a time.
    pub(crate) fn align_chunk<Q, T>(
        &self,
        pairs: &[(Q, T)],
        scoring: &Scoring,
        workspace: &mut Workspace,
        out: &mut [Alignment],
    ) where
        Q: AsRef<[u8]>,
        T: AsRef<[u8]>,
    {
        let one = |i: usize| {
            let (query, target) = (&pairs[i].0, &pairs[i].1);
            self.smith_waterman(query.as_ref(), target.as_ref(), scoring)
        };
        let Some(lanes) = self.group_lanes(scoring) else {
            for (i, result) in out.iter_mut().enumerate() {
                *result = one(i);
            }
            return;
        };
        let mut order = std::mem::take(&mut workspace.order);
        order.clear();
        order.extend(pairs.iter().enumerate().map(|(i, (query, target))| {
            let clamp = |len: usize| len.min(0xFFFF) as u64;
            clamp(query.as_ref().len()) << 48 | clamp(target.as_ref().len()) << 32 | i as u64
        }));
        order.sort_unstable();
        let encoding = Encoding::new(scoring);
        let mut results = [Alignment::default(); MAX_LANES];
        for members in order.chunks(lanes) {
            let index = |key: u64| (key & 0xFFFF_FFFF) as usize;
            let fits = members.iter().all(|&key| {
                let (query_len, target_len) = ((key >> 48) as usize, (key >> 32) as usize & 0xFFFF);
                query_len <= GROUP_MAX_LEN && target_len <= GROUP_MAX_LEN
            });
            if !fits {
                for &key in members {
                    out[index(key)] = one(index(key));
                }
                continue;
            }
            let mut group: [(&[u8], &[u8]); MAX_LANES] = [(&[], &[]); MAX_LANES];
            for (slot, &key) in group.iter_mut().zip(members) {
                let (query, target) = &pairs[index(key)];
                *slot = (query.as_ref(), target.as_ref());
            }
            let group = &group[..members.len()];
            let overflowed = self.grouped(group, scoring, &encoding, workspace, &mut results);
            for (lane, &key) in members.iter().enumerate() {
                out[index(key)] = match overflowed >> lane & 1 {
                    0 => results[lane],
                    _ => one(index(key)),
                };
            }
        }
        workspace.order = order;
    }

    /// Dispatches [`grouped`] to this level's lanes.
    fn grouped(
        &self,
        group: &[(&[u8], &[u8])],
        scoring: &Scoring,
        encoding: &Encoding,
        workspace: &mut Workspace,
        out: &mut [Alignment],
    ) -> u32 {
        match self.level {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `kernels` hands out AVX2 kernels only on CPUs with
            // AVX2; `group_lanes` admitted the scoring (≤ 5 symbols).
            Level::Avx2 => unsafe {
                super::align_x86::avx2_grouped(group, scoring, encoding, workspace, out)
            },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: as above, for SSSE3.
            Level::Ssse3 => unsafe {
                super::align_x86::ssse3_grouped(group, scoring, encoding, workspace, out)
            },
            #[cfg(target_arch = "aarch64")]
            // SAFETY: NEON is part of every aarch64 CPU; `group_lanes`
            // admitted the scoring.
            Level::Neon => unsafe {
                super::align_neon::neon_grouped(group, scoring, encoding, workspace, out)
            },
            _ => {
                for (result, (query, target)) in out.iter_mut().zip(group) {
                    *result = self.smith_waterman(query, target, scoring);
                }
                0
            }
        }
    }
}

/// Pairs per chunk of [`Kernels::smith_waterman_batch`] (and the largest
/// chunk [`crate::align::align_batch`] hands to a thread): enough to find
/// pairs of similar length to group.
pub(crate) const CHUNK_PAIRS: usize = 4096;
