//! Local alignment (Smith-Waterman-Gotoh, affine gaps) on the CPU.
//!
//! * [`align`]: best score and end positions of one pair, with the
//!   striped SIMD kernels of [`crate::simd`] (Farrar's method: 8-bit
//!   saturating lanes, rescored with 16-bit lanes when a score overflows,
//!   then with 32-bit scalar code if that overflows too).
//! * [`align_batch`]: many pairs on all cores.
//! * [`traceback`]: start positions and CIGAR of an alignment, on request,
//!   in memory proportional to band × length.
//! * [`align_scalar`]: the cell-by-cell reference every other path (SIMD
//!   levels, the `gpu` feature's kernels) is tested against.
//!
//! Positions are 0-based; ends are exclusive (`query[query_start..query_end]`
//! is the aligned part of the query).
//!
//! ```
//! use biometal::align::{align, traceback, Scoring};
//!
//! let scoring = Scoring::dna(2, -4, -1, 4, 2).unwrap();
//! let query = b"ACGTTGCA";
//! let target = b"GGGACGTAGCAGGG";
//! let hit = align(query, target, &scoring);
//! assert_eq!((hit.score, hit.query_end, hit.target_end), (10, 8, 11));
//! let path = traceback(query, target, &scoring, &hit);
//! assert_eq!(path.cigar_string(), "4=1X3=");
//! assert_eq!((path.query_start, path.target_start), (0, 3));
//! ```

mod scalar;
mod scoring;
mod traceback;

use std::fmt::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The smallest chunk of pairs a thread takes.
const MIN_CHUNK_PAIRS: usize = 64;

pub use scalar::align_scalar;
pub use scoring::{Scoring, MAX_ALPHABET_SIZE};

/// The best local alignment of a pair: its score and where it ends.
///
/// A pair with no positive-scoring alignment reports score 0 and ends 0.
/// Among equally scoring ends, the smallest `target_end`, then the smallest
/// `query_end`, is reported (by every path, CPU and GPU).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Alignment {
    /// The alignment score.
    pub score: i32,
    /// 0-based exclusive end of the aligned part of the query (equal to the
    /// 1-based position of its last aligned residue).
    pub query_end: usize,
    /// 0-based exclusive end of the aligned part of the target.
    pub target_end: usize,
}

/// One CIGAR operation of a [`Traceback`], SAM's extended letters: the
/// target is the reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CigarOp {
    /// `=`: residues of the same alphabet symbol.
    Match,
    /// `X`: residues of different symbols.
    Mismatch,
    /// `I`: query residues against a gap in the target.
    Insertion,
    /// `D`: target residues against a gap in the query.
    Deletion,
}

impl CigarOp {
    /// The SAM letter (`=`, `X`, `I`, `D`).
    ///
    /// ```
    /// assert_eq!(biometal::align::CigarOp::Deletion.letter(), 'D');
    /// ```
    pub fn letter(self) -> char {
        match self {
            CigarOp::Match => '=',
            CigarOp::Mismatch => 'X',
            CigarOp::Insertion => 'I',
            CigarOp::Deletion => 'D',
        }
    }
}

/// Where an alignment starts and how it runs (see [`traceback`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Traceback {
    /// 0-based start of the aligned part of the query.
    pub query_start: usize,
    /// 0-based start of the aligned part of the target.
    pub target_start: usize,
    /// Run-length operations from the start to the end.
    pub cigar: Vec<(CigarOp, u32)>,
}

impl Traceback {
    /// The CIGAR as SAM text (`"5=1X2I3="`; empty for an empty alignment).
    ///
    /// ```
    /// use biometal::align::{CigarOp, Traceback};
    /// let path = Traceback {
    ///     query_start: 0,
    ///     target_start: 2,
    ///     cigar: vec![(CigarOp::Match, 3), (CigarOp::Deletion, 1)],
    /// };
    /// assert_eq!(path.cigar_string(), "3=1D");
    /// ```
    pub fn cigar_string(&self) -> String {
        let mut text = String::new();
        for &(op, count) in &self.cigar {
            let _ = write!(text, "{count}{}", op.letter());
        }
        text
    }
}

/// The best local alignment of `query` against `target`: score and ends,
/// computed with the fastest SIMD kernels this CPU has.
///
/// Scores are 32-bit: sequences up to 16 million residues are safe with
/// any matrix.
///
/// ```
/// use biometal::align::{align, Scoring};
///
/// let scoring = Scoring::dna(1, -4, 0, 6, 1).unwrap();
/// let hit = align(b"GATTACA", b"CCGATTACAGG", &scoring);
/// assert_eq!((hit.score, hit.query_end, hit.target_end), (7, 7, 9));
/// ```
pub fn align(query: &[u8], target: &[u8], scoring: &Scoring) -> Alignment {
    crate::simd::align_local(query, target, scoring)
}

/// The start positions and CIGAR of `alignment`, the result of [`align`]
/// (or [`align_scalar`], or the GPU) for the same pair and scoring.
///
/// A reverse pass anchored at the known end finds the start, then a global
/// alignment of the two spans inside a band of diagonals provably wide
/// enough for any path of that score gives the CIGAR: memory is
/// O(band × length), not O(query × target). The CIGAR re-scores to
/// `alignment.score`.
///
/// ```
/// use biometal::align::{align, traceback, Scoring};
///
/// let scoring = Scoring::dna(2, -4, -1, 4, 2).unwrap();
/// let (query, target) = (b"ACGTACGTTTGCA", b"ACGTACGTCTTGCA");
/// let hit = align(query, target, &scoring);
/// assert_eq!(hit.score, 20); // 13 matches, one 1-base gap (4 + 2)
/// let path = traceback(query, target, &scoring, &hit);
/// assert_eq!(path.cigar_string(), "8=1D5=");
/// assert_eq!((path.query_start, path.target_start), (0, 0));
/// ```
pub fn traceback(
    query: &[u8],
    target: &[u8],
    scoring: &Scoring,
    alignment: &Alignment,
) -> Traceback {
    traceback::traceback(query, target, scoring, alignment)
}

/// Aligns every `(query, target)` pair, using all cores (one scoped thread
/// per core, pairs handed out in chunks). Results are in input order and
/// equal to [`align`] on each pair.
///
/// Within a chunk, pairs are sorted by length and aligned in groups, one
/// pair per 8-bit vector lane (32 pairs per AVX2 vector), when the CPU has
/// SSSE3 or AVX2 and the alphabet has at most 5 symbols (DNA with N);
/// otherwise (and for pairs over 2,048 residues, or scoring past the 8-bit
/// range) one at a time with the striped kernels of [`align`].
///
pub fn align_batch<Q, T>(pairs: &[(Q, T)], scoring: &Scoring) -> Vec<Alignment>
where
    Q: AsRef<[u8]> + Sync,
    T: AsRef<[u8]> + Sync,
{
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    align_batch_with_threads(pairs, scoring, threads)
}

/// [`align_batch`] with an explicit number of threads (1 runs on the
/// calling thread).
///
/// ```
/// use biometal::align::{align_batch_with_threads, Scoring};
///
/// let scoring = Scoring::dna(2, -3, -1, 5, 2).unwrap();
/// let hits = align_batch_with_threads(&[("ACGT", "ACGT")], &scoring, 1);
/// assert_eq!(hits[0].score, 8);
/// ```
pub fn align_batch_with_threads<Q, T>(
    pairs: &[(Q, T)],
    scoring: &Scoring,
    threads: usize,
) -> Vec<Alignment>
where
    Q: AsRef<[u8]> + Sync,
    T: AsRef<[u8]> + Sync,
{
    let kernels = crate::simd::active_kernels();
    let threads = threads.clamp(1, pairs.len().div_ceil(MIN_CHUNK_PAIRS).max(1));
    let chunk = pairs
        .len()
        .div_ceil(threads * 8)
        .clamp(MIN_CHUNK_PAIRS, crate::simd::ALIGN_CHUNK_PAIRS);
    let mut results = vec![Alignment::default(); pairs.len()];
    if threads == 1 {
        let mut workspace = crate::simd::AlignWorkspace::default();
        for (pairs, out) in pairs.chunks(chunk).zip(results.chunks_mut(chunk)) {
            kernels.align_chunk(pairs, scoring, &mut workspace, out);
        }
        return results;
    }
    let next_chunk = AtomicUsize::new(0);
    let chunks: Vec<std::sync::Mutex<&mut [Alignment]>> = results
        .chunks_mut(chunk)
        .map(std::sync::Mutex::new)
        .collect();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                let mut workspace = crate::simd::AlignWorkspace::default();
                loop {
                    let index = next_chunk.fetch_add(1, Ordering::Relaxed);
                    let Some(out) = chunks.get(index) else {
                        break;
                    };
                    let mut out = out.lock().unwrap_or_else(|poison| poison.into_inner());
                    let start = index * chunk;
                    let pairs = &pairs[start..start + out.len()];
                    kernels.align_chunk(pairs, scoring, &mut workspace, &mut out);
                }
            });
        }
    });
    drop(chunks);
    results
}
