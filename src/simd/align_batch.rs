//! Inter-sequence Smith-Waterman-Gotoh: one pair per 8-bit lane (32 pairs
//! per AVX2 vector, 16 per SSSE3 or NEON vector), the "scan across sequences"
//! layout of SWIPE, parasail and the GPU kernels, used by
//! [`crate::align::align_batch`].
//!
//! Pairs of similar length are grouped (each chunk of a batch is sorted by
//! length first); a group runs the scalar recurrence cell by cell, in the
//! scalar reference's order (target column outer, query row inner), on all
//! of its lanes at once. The substitution score of a cell is one or two
//! byte shuffles: the lane's query code times the alphabet size plus its
//! target code indexes the (biased) matrix, which is why the kernel needs
//! an alphabet of at most 5 symbols (DNA with N). Rows past a lane's query
//! and columns past its target hold a padding code that scores the
//! minimum: such cells never exceed the best real cell before them, so
//! they change no result.
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
/// Index bytes: `code × alphabet + 0x70` for a query row, the code for a
/// target column; a shuffle reads entry `index & 15` of its table, or 0
/// when bit 7 is set.
const INDEX_BIAS: u8 = 0x70;
/// The index byte of padding rows and columns: the saturating add keeps
/// it at 0xFF, which reads 0 (the lowest biased score) from both tables.
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

/// Scratch memory of the grouped kernel, reused from group to group and
/// call to call: create one per thread.
#[derive(Debug, Default)]
pub(crate) struct Workspace {
    /// Query indices, H, E and the best column, one row of lanes each per
    /// query row, then the target codes, one row of lanes per column.
    bytes: Vec<u8>,
    /// `(query length << 48 | target length << 32 | pair)` of a chunk,
    /// sorted.
    order: Vec<u64>,
}

/// The grouped kernel for up to `V::LANES` pairs of at most
/// [`GROUP_MAX_LEN`] residues; `out[l]` gets lane `l`'s result. Returns
/// the lanes whose score reached the top of the 8-bit range (their `out`
/// is meaningless; the caller rescores them).
///
/// # Safety
///
/// The CPU must support `V`'s instruction set; `scoring`'s alphabet has at
/// most 5 symbols (`TWO_TABLES` when it has more than 4).
#[inline(always)]
pub(super) unsafe fn grouped<V: ByteLanes, const TWO_TABLES: bool>(
    group: &[(&[u8], &[u8])],
    scoring: &Scoring,
    workspace: &mut Workspace,
    out: &mut [Alignment],
) -> u32 {
    let lanes = V::LANES;
    let alphabet = scoring.alphabet_size();
    let (_, min_score) = scoring.score_range();
    let bias = (-min_score).clamp(0, 127);
    let rows = group.iter().map(|pair| pair.0.len()).max().unwrap_or(0);
    let columns = group.iter().map(|pair| pair.1.len()).max().unwrap_or(0);

    // The biased matrix, 16 entries per table; entry 31 (never indexed by
    // a real pair, since 5 × 5 ≤ 31) stays 0 for padding.
    let mut tables = [[0u8; 16]; 2];
    for (entry, &score) in scoring.matrix().iter().enumerate() {
        tables[entry / 16][entry % 16] = (i32::from(score) + bias) as u8;
    }

    let bytes = &mut workspace.bytes;
    bytes.clear();
    bytes.resize((4 * rows + columns) * lanes, 0);
    let (query_index, rest) = bytes.split_at_mut(rows * lanes);
    let (h_row, rest) = rest.split_at_mut(rows * lanes);
    let (e_row, rest) = rest.split_at_mut(rows * lanes);
    let (best_h, target_codes) = rest.split_at_mut(rows * lanes);
    query_index.fill(PADDING);
    target_codes.fill(PADDING);
    for (lane, (query, target)) in group.iter().enumerate() {
        for (row, &residue) in query.iter().enumerate() {
            query_index[row * lanes + lane] = scoring.code(residue) * alphabet as u8 + INDEX_BIAS;
        }
        for (column, &residue) in target.iter().enumerate() {
            target_codes[column * lanes + lane] = scoring.code(residue);
        }
    }

    let zero = V::splat(0);
    let v_bias = V::splat(bias as u8);
    let v_open_extend = V::splat(scoring.gap_open_extend() as u8);
    let v_extend = V::splat(scoring.gap_extend());
    let v_high = V::splat(0x80);
    let low_table = V::table(&tables[0]);
    let high_table = V::table(&tables[1]);
    let mut v_best = zero;
    let mut best_end = [0u32; MAX_LANES];
    for (column, target) in target_codes.chunks_exact(lanes).enumerate() {
        let v_target = V::load(target.as_ptr());
        let mut diagonal = zero;
        let mut f = zero;
        let mut column_max = zero;
        let cells = query_index
            .chunks_exact(lanes)
            .zip(h_row.chunks_exact_mut(lanes))
            .zip(e_row.chunks_exact_mut(lanes));
        for ((query, h), e) in cells {
            // Every chunk holds `lanes` bytes, as `load`/`store` need.
            let index = V::adds(V::load(query.as_ptr()), v_target);
            let mut score = V::lookup(low_table, index);
            if TWO_TABLES {
                score = V::or(score, V::lookup(high_table, V::xor(index, v_high)));
            }
            // E holds E(i, j), computed at the previous column; F(i, j)
            // comes from the row above.
            let h_left = V::load(h.as_ptr());
            let e_here = V::load(e.as_ptr());
            let h_here = V::max(V::max(V::subs(V::adds(diagonal, score), v_bias), e_here), f);
            let h_open = V::subs(h_here, v_open_extend);
            V::max(V::subs(e_here, v_extend), h_open).store(e.as_mut_ptr());
            f = V::max(V::subs(f, v_extend), h_open);
            h_here.store(h.as_mut_ptr());
            diagonal = h_left;
            column_max = V::max(column_max, h_here);
        }
        let unchanged = V::le_mask(column_max, v_best);
        let mut improved = !V::mask_bits(unchanged) & (u32::MAX >> (32 - lanes));
        if improved != 0 {
            for (kept, h) in best_h
                .chunks_exact_mut(lanes)
                .zip(h_row.chunks_exact(lanes))
            {
                V::blend(V::load(h.as_ptr()), V::load(kept.as_ptr()), unchanged)
                    .store(kept.as_mut_ptr());
            }
            v_best = V::max(v_best, column_max);
            while improved != 0 {
                best_end[improved.trailing_zeros() as usize] = column as u32 + 1;
                improved &= improved - 1;
            }
        }
    }

    let mut best = [0u8; MAX_LANES];
    v_best.store(best.as_mut_ptr());
    let limit = 255 - bias;
    let mut overflowed = 0;
    for (lane, ((query, _), result)) in group.iter().zip(out.iter_mut()).enumerate() {
        let score = i32::from(best[lane]);
        if score >= limit {
            overflowed |= 1 << lane;
            continue;
        }
        let query_end = (0..query.len())
            .find(|&row| best_h[row * lanes + lane] == best[lane])
            .map_or(0, |row| row + 1);
        *result = match score {
            0 => Alignment::default(),
            _ => Alignment {
                score,
                query_end,
                target_end: best_end[lane] as usize,
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
            let overflowed = self.grouped(group, scoring, workspace, &mut results);
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
        workspace: &mut Workspace,
        out: &mut [Alignment],
    ) -> u32 {
        let two_tables = scoring.alphabet_size() > 4;
        match self.level {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `kernels` hands out AVX2 kernels only on CPUs with
            // AVX2; `group_lanes` admitted the scoring (≤ 5 symbols).
            Level::Avx2 => unsafe {
                super::align_x86::avx2_grouped(group, scoring, workspace, out, two_tables)
            },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: as above, for SSSE3.
            Level::Ssse3 => unsafe {
                super::align_x86::ssse3_grouped(group, scoring, workspace, out, two_tables)
            },
            #[cfg(target_arch = "aarch64")]
            // SAFETY: NEON is part of every aarch64 CPU; `group_lanes`
            // admitted the scoring.
            Level::Neon => unsafe {
                super::align_neon::neon_grouped(group, scoring, workspace, out, two_tables)
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
