//! The scalar Smith-Waterman-Gotoh reference: one cell at a time, 32-bit
//! scores, no cleverness. Every faster path is tested against it.

use super::{Alignment, Scoring};

/// "Minus infinity" for gap states that cannot exist yet, far enough from
/// `i32::MIN` that subtracting a penalty cannot wrap.
pub(crate) const NEG_INF: i32 = i32::MIN / 2;

/// Local alignment of `query` against `target`, cell by cell: the
/// reference (oracle) for the vector and GPU paths.
///
/// Cells are visited target position outer, query position inner, and the
/// best cell is replaced only by a strictly higher score, so among equal
/// best scores the one with the smallest target end, then the smallest
/// query end, is reported — the rule every path follows.
///
/// ```
/// use biometal::align::{align_scalar, Scoring};
///
/// let scoring = Scoring::dna(2, -3, -1, 5, 2).unwrap();
/// let hit = align_scalar(b"ACGT", b"TTACGTTT", &scoring);
/// assert_eq!((hit.score, hit.query_end, hit.target_end), (8, 4, 6));
/// ```
pub fn align_scalar(query: &[u8], target: &[u8], scoring: &Scoring) -> Alignment {
    let open_extend = scoring.gap_open_extend();
    let extend = i32::from(scoring.gap_extend());
    let query_codes: Vec<u8> = query.iter().map(|&b| scoring.code(b)).collect();
    // h[i]: H(i, j-1) before row i of column j is computed, H(i, j) after.
    let mut h = vec![0i32; query.len() + 1];
    let mut e = vec![NEG_INF; query.len() + 1];
    let mut best = Alignment::default();
    for (j, &target_residue) in target.iter().enumerate() {
        let target_code = scoring.code(target_residue);
        let mut diagonal = 0; // H(i-1, j-1)
        let mut f = NEG_INF;
        for i in 1..=query.len() {
            let e_here = (e[i] - extend).max(h[i] - open_extend);
            e[i] = e_here;
            f = (f - extend).max(h[i - 1] - open_extend);
            let substitution = scoring.score_codes(query_codes[i - 1], target_code);
            let h_here = (diagonal + substitution).max(e_here).max(f).max(0);
            diagonal = h[i];
            h[i] = h_here;
            if h_here > best.score {
                best = Alignment {
                    score: h_here,
                    query_end: i,
                    target_end: j + 1,
                };
            }
        }
    }
    best
}
