//! Start positions and CIGAR of a local alignment whose score and end are
//! known, in memory proportional to band × length.
//!
//! 1. A reverse pass anchored at the end finds where the best path starts
//!    (linear memory).
//! 2. A global alignment of the two spans, restricted to a band of
//!    diagonals wide enough to hold any path of the known score, stores one
//!    byte of back-pointers per band cell and is traced back.

use super::scalar::NEG_INF;
use super::{Alignment, CigarOp, Scoring, Traceback};

/// H came from the diagonal (0), from E (1: a deletion) or from F (2: an
/// insertion); bit 2: E extends E of the previous column; bit 3: F extends
/// F of the previous row.
const FROM_DIAGONAL: u8 = 0;
const FROM_E: u8 = 1;
const FROM_F: u8 = 2;
const SOURCE_MASK: u8 = 3;
const E_EXTENDS: u8 = 4;
const F_EXTENDS: u8 = 8;

/// See [`super::traceback`].
pub(super) fn traceback(
    query: &[u8],
    target: &[u8],
    scoring: &Scoring,
    alignment: &Alignment,
) -> Traceback {
    let query_end = alignment.query_end.min(query.len());
    let target_end = alignment.target_end.min(target.len());
    if alignment.score <= 0 || query_end == 0 || target_end == 0 {
        return Traceback {
            query_start: query_end,
            target_start: target_end,
            cigar: Vec::new(),
        };
    }
    let (query_len, target_len) = anchored_start(
        &query[..query_end],
        &target[..target_end],
        scoring,
        alignment.score,
    );
    let query_span = &query[query_end - query_len..query_end];
    let target_span = &target[target_end - target_len..target_end];
    Traceback {
        query_start: query_end - query_len,
        target_start: target_end - target_len,
        cigar: banded_global(query_span, target_span, scoring, alignment.score),
    }
}

/// The lengths `(query, target)` of the shortest spans ending at the ends
/// of `query` and `target` whose global alignment scores `score`: the
/// first cell (target length outer, query length inner) of an alignment of
/// the reversed sequences anchored at their starts that reaches `score`.
/// Falls back to the whole spans if none does (only if `score` was not
/// the local alignment's score).
fn anchored_start(query: &[u8], target: &[u8], scoring: &Scoring, score: i32) -> (usize, usize) {
    let open_extend = scoring.gap_open_extend();
    let extend = i32::from(scoring.gap_extend());
    let query_codes: Vec<u8> = query.iter().rev().map(|&b| scoring.code(b)).collect();
    let gap = |length: usize| -(scoring.gap_cost(length).min(i64::from(-NEG_INF)) as i32);
    // h[i]: anchored H(i, j) of the reversed sequences, column j.
    let mut h: Vec<i32> = (0..=query.len()).map(gap).collect();
    let mut e = vec![NEG_INF; query.len() + 1];
    for (j, &target_residue) in target.iter().rev().enumerate() {
        let target_code = scoring.code(target_residue);
        let mut diagonal = h[0];
        h[0] = gap(j + 1);
        let mut f = NEG_INF;
        for i in 1..=query.len() {
            let e_here = (e[i] - extend).max(h[i] - open_extend);
            e[i] = e_here;
            f = (f - extend).max(h[i - 1] - open_extend);
            let substitution = scoring.score_codes(query_codes[i - 1], target_code);
            let h_here = (diagonal + substitution).max(e_here).max(f);
            diagonal = h[i];
            h[i] = h_here;
            if h_here >= score {
                return (i, j + 1);
            }
        }
    }
    (query.len(), target.len())
}

/// The CIGAR of an optimal global alignment of `query` with `target`
/// searched within the diagonals that a path scoring `score` can reach.
fn banded_global(
    query: &[u8],
    target: &[u8],
    scoring: &Scoring,
    score: i32,
) -> Vec<(CigarOp, u32)> {
    let (rows, columns) = (query.len(), target.len());
    // Matches earn at most `max_score × min(rows, columns)`, every gap
    // residue costs at least `gap_extend`: a path scoring `score` has at
    // most `slack` gap residues, so its diagonal `j - i` stays in ±slack.
    let (max_score, _) = scoring.score_range();
    let upper = i64::from(max_score.max(0)) * rows.min(columns) as i64;
    let slack = ((upper - i64::from(score)).max(0) / i64::from(scoring.gap_extend())) as usize;
    let band = slack.max(rows.abs_diff(columns)).min(rows.max(columns));
    let width = 2 * band + 1;

    let open_extend = scoring.gap_open_extend();
    let extend = i32::from(scoring.gap_extend());
    let mut pointers = vec![0u8; (rows + 1) * width];
    // Scores of the previous and current row, indexed by band column
    // `j + band - i`.
    let mut h_previous = vec![NEG_INF; width + 1];
    let mut f_previous = vec![NEG_INF; width + 1];
    let mut h_current = vec![NEG_INF; width + 1];
    let mut f_current = vec![NEG_INF; width + 1];
    let query_codes: Vec<u8> = query.iter().map(|&b| scoring.code(b)).collect();
    let target_codes: Vec<u8> = target.iter().map(|&b| scoring.code(b)).collect();
    for i in 0..=rows {
        let first = i.saturating_sub(band);
        let last = (i + band).min(columns);
        h_current.fill(NEG_INF);
        f_current.fill(NEG_INF);
        let mut e = NEG_INF;
        let mut h_left = NEG_INF;
        for j in first..=last {
            let k = j + band - i;
            // In row i-1 the same column j sits at band column k + 1.
            let (h_up, f_up) = match i {
                0 => (NEG_INF, NEG_INF),
                _ => (h_previous[k + 1], f_previous[k + 1]),
            };
            let e_open = h_left - open_extend;
            let e_extend = e - extend;
            e = e_open.max(e_extend);
            let f_open = h_up - open_extend;
            let f_extend = f_up - extend;
            let f = f_open.max(f_extend);
            let mut pointer = 0;
            if e_extend > e_open {
                pointer |= E_EXTENDS;
            }
            if f_extend > f_open {
                pointer |= F_EXTENDS;
            }
            let h = if i == 0 && j == 0 {
                0
            } else {
                let diagonal = match (i, j) {
                    (0, _) | (_, 0) => NEG_INF,
                    // Row i-1, column j-1 is band column k of the previous row.
                    _ => {
                        h_previous[k] + scoring.score_codes(query_codes[i - 1], target_codes[j - 1])
                    }
                };
                if diagonal >= e && diagonal >= f {
                    pointer |= FROM_DIAGONAL;
                    diagonal
                } else if e >= f {
                    pointer |= FROM_E;
                    e
                } else {
                    pointer |= FROM_F;
                    f
                }
            };
            pointers[i * width + k] = pointer;
            h_current[k] = h;
            f_current[k] = f;
            h_left = h;
        }
        std::mem::swap(&mut h_previous, &mut h_current);
        std::mem::swap(&mut f_previous, &mut f_current);
    }
    trace(&pointers, width, band, &query_codes, &target_codes)
}

#[derive(Clone, Copy, PartialEq)]
enum State {
    H,
    E,
    F,
}

/// Follows the back-pointers from the last cell to the first.
fn trace(
    pointers: &[u8],
    width: usize,
    band: usize,
    query_codes: &[u8],
    target_codes: &[u8],
) -> Vec<(CigarOp, u32)> {
    let (mut i, mut j) = (query_codes.len(), target_codes.len());
    let mut state = State::H;
    let mut reversed: Vec<(CigarOp, u32)> = Vec::new();
    let mut push = |op: CigarOp| match reversed.last_mut() {
        Some((last, count)) if *last == op => *count += 1,
        _ => reversed.push((op, 1)),
    };
    while i > 0 || j > 0 {
        let pointer = pointers[i * width + j + band - i];
        match state {
            State::H => match pointer & SOURCE_MASK {
                FROM_DIAGONAL => {
                    let op = match query_codes[i - 1] == target_codes[j - 1] {
                        true => CigarOp::Match,
                        false => CigarOp::Mismatch,
                    };
                    push(op);
                    i -= 1;
                    j -= 1;
                }
                FROM_E => state = State::E,
                _ => state = State::F,
            },
            State::E => {
                push(CigarOp::Deletion);
                if pointer & E_EXTENDS == 0 {
                    state = State::H;
                }
                j -= 1;
            }
            State::F => {
                push(CigarOp::Insertion);
                if pointer & F_EXTENDS == 0 {
                    state = State::H;
                }
                i -= 1;
            }
        }
    }
    reversed.reverse();
    reversed
}
