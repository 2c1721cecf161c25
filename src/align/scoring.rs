//! Scoring schemes: a substitution matrix over a small alphabet plus affine
//! gap penalties.

use crate::{Error, ErrorKind, Result};

/// The most symbols a [`Scoring`] alphabet may have (residue codes fit in
/// 5 bits, which the GPU kernels rely on).
pub const MAX_ALPHABET_SIZE: usize = 32;

/// How an alignment is scored: a substitution matrix over a small alphabet
/// and affine gap penalties.
///
/// A gap of `k ≥ 1` residues costs `gap_open + k × gap_extend` (the BWA and
/// minimap2 convention), so a one-residue gap costs `gap_open + gap_extend`.
/// Residues are bytes; each byte is mapped to a symbol of the alphabet
/// (letters case-insensitively), and bytes outside the alphabet score as its
/// last symbol (`N` for DNA, the wildcard of a protein matrix).
///
/// ```
/// use biometal::align::Scoring;
///
/// // +2 match, -3 mismatch, -1 against N, gaps cost 5 + 2k.
/// let dna = Scoring::dna(2, -3, -1, 5, 2).unwrap();
/// assert_eq!(dna.score(b'A', b'a'), 2);
/// assert_eq!(dna.score(b'A', b'C'), -3);
/// assert_eq!(dna.score(b'N', b'N'), -1);
/// assert_eq!(dna.score(b'A', b'X'), -1); // X is not ACGT: scored as N
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scoring {
    alphabet_size: usize,
    code_of: [u8; 256],
    /// Row-major `alphabet_size × alphabet_size`, row = query symbol.
    matrix: Vec<i8>,
    gap_open: u8,
    gap_extend: u8,
}

impl Scoring {
    /// A DNA scheme over `A C G T N`: `match_score` for equal bases,
    /// `mismatch` for different ones, `n_score` whenever either base is not
    /// one of `ACGT` (case-insensitive).
    ///
    /// Fails with [`ErrorKind::InvalidInput`] unless `match_score > 0`,
    /// every score is in `-127..=127`, `gap_extend ≥ 1` and
    /// `gap_open + gap_extend ≤ 255`.
    ///
    /// ```
    /// let scoring = biometal::align::Scoring::dna(1, -4, 0, 6, 1).unwrap();
    /// assert_eq!(scoring.gap_cost(3), 9);
    /// assert!(biometal::align::Scoring::dna(0, -1, 0, 1, 1).is_err());
    /// ```
    pub fn dna(
        match_score: i8,
        mismatch: i8,
        n_score: i8,
        gap_open: u8,
        gap_extend: u8,
    ) -> Result<Scoring> {
        let mut matrix = vec![n_score; 25];
        for query in 0..4 {
            for target in 0..4 {
                matrix[query * 5 + target] = match query == target {
                    true => match_score,
                    false => mismatch,
                };
            }
        }
        Scoring::with_matrix(b"ACGTN", &matrix, gap_open, gap_extend)
    }

    /// A scheme over any alphabet of up to [`MAX_ALPHABET_SIZE`] symbols:
    /// `matrix[q × alphabet.len() + t]` scores query symbol `alphabet[q]`
    /// against target symbol `alphabet[t]`. Bytes outside `alphabet` score as
    /// its last symbol; letters match case-insensitively.
    ///
    /// Fails with [`ErrorKind::InvalidInput`] when the alphabet is empty, too
    /// large or repeats a symbol, the matrix has the wrong size or a score
    /// of -128, no score is positive, `gap_extend` is 0 or
    /// `gap_open + gap_extend > 255`.
    ///
    /// ```
    /// use biometal::align::Scoring;
    /// // A purine/pyrimidine-aware DNA matrix (transitions cost less).
    /// let m = [
    ///      5, -4, -1, -4, 0, //
    ///     -4,  5, -4, -1, 0, //
    ///     -1, -4,  5, -4, 0, //
    ///     -4, -1, -4,  5, 0, //
    ///      0,  0,  0,  0, 0,
    /// ];
    /// let scoring = Scoring::with_matrix(b"ACGTN", &m, 8, 2).unwrap();
    /// assert_eq!(scoring.score(b'A', b'G'), -1);
    /// ```
    pub fn with_matrix(
        alphabet: &[u8],
        matrix: &[i8],
        gap_open: u8,
        gap_extend: u8,
    ) -> Result<Scoring> {
        let invalid =
            |message: String| Err(Error::without_format(ErrorKind::InvalidInput, message));
        let size = alphabet.len();
        if size == 0 || size > MAX_ALPHABET_SIZE {
            return invalid(format!(
                "scoring alphabet: expected 1 to {MAX_ALPHABET_SIZE} symbols, found {size}"
            ));
        }
        if matrix.len() != size * size {
            return invalid(format!(
                "substitution matrix: expected {} scores for {size} symbols, found {}",
                size * size,
                matrix.len()
            ));
        }
        if matrix.contains(&i8::MIN) {
            return invalid("substitution matrix: scores must be in -127..=127, found -128".into());
        }
        if matrix.iter().all(|&score| score <= 0) {
            return invalid("substitution matrix: at least one score must be positive".into());
        }
        if gap_extend == 0 || u16::from(gap_open) + u16::from(gap_extend) > 255 {
            return invalid(format!(
                "gap penalties: expected gap_extend ≥ 1 and gap_open + gap_extend ≤ 255, \
                 found open {gap_open}, extend {gap_extend}"
            ));
        }
        let last = (size - 1) as u8;
        let mut code_of = [last; 256];
        let mut seen = [false; 256];
        for (code, &symbol) in alphabet.iter().enumerate() {
            let upper = symbol.to_ascii_uppercase();
            if seen[usize::from(upper)] {
                return invalid(format!(
                    "scoring alphabet: symbol {:?} appears twice",
                    char::from(symbol)
                ));
            }
            seen[usize::from(upper)] = true;
            code_of[usize::from(upper)] = code as u8;
            code_of[usize::from(symbol.to_ascii_lowercase())] = code as u8;
        }
        Ok(Scoring {
            alphabet_size: size,
            code_of,
            matrix: matrix.to_vec(),
            gap_open,
            gap_extend,
        })
    }

    /// The score of aligning query residue `query` with target residue
    /// `target`.
    ///
    /// ```
    /// let scoring = biometal::align::Scoring::dna(2, -3, -1, 5, 2).unwrap();
    /// assert_eq!(scoring.score(b'G', b'G'), 2);
    /// ```
    pub fn score(&self, query: u8, target: u8) -> i32 {
        self.score_codes(self.code(query), self.code(target))
    }

    /// The cost (a positive number) of a gap of `length` residues:
    /// `gap_open + length × gap_extend`, or 0 for length 0.
    ///
    /// ```
    /// let scoring = biometal::align::Scoring::dna(2, -3, -1, 5, 2).unwrap();
    /// assert_eq!(scoring.gap_cost(1), 7);
    /// assert_eq!(scoring.gap_cost(0), 0);
    /// ```
    pub fn gap_cost(&self, length: usize) -> i64 {
        match length {
            0 => 0,
            _ => i64::from(self.gap_open) + length as i64 * i64::from(self.gap_extend),
        }
    }

    /// The gap-open penalty (charged once per gap, on top of the extensions).
    pub fn gap_open(&self) -> u8 {
        self.gap_open
    }

    /// The gap-extension penalty (charged for every residue of a gap).
    pub fn gap_extend(&self) -> u8 {
        self.gap_extend
    }

    /// The number of symbols in the alphabet.
    pub fn alphabet_size(&self) -> usize {
        self.alphabet_size
    }

    /// The symbol code (`0..alphabet_size`) of a residue byte.
    pub fn code(&self, residue: u8) -> u8 {
        self.code_of[usize::from(residue)]
    }

    /// The score of query symbol code `query` against target code `target`.
    pub(crate) fn score_codes(&self, query: u8, target: u8) -> i32 {
        i32::from(self.matrix[usize::from(query) * self.alphabet_size + usize::from(target)])
    }

    /// The substitution matrix, row-major, `alphabet_size²` scores; row =
    /// query symbol code, column = target symbol code.
    ///
    /// ```
    /// let scoring = biometal::align::Scoring::dna(2, -3, -1, 5, 2).unwrap();
    /// assert_eq!(scoring.matrix()[0..5], [2, -3, -3, -3, -1]);
    /// ```
    pub fn matrix(&self) -> &[i8] {
        &self.matrix
    }

    /// The highest and lowest entries of the matrix.
    pub(crate) fn score_range(&self) -> (i32, i32) {
        let max = self.matrix.iter().copied().max().unwrap_or(0);
        let min = self.matrix.iter().copied().min().unwrap_or(0);
        (i32::from(max), i32::from(min))
    }

    /// `gap_open + gap_extend`: the cost of the first residue of a gap.
    pub(crate) fn gap_open_extend(&self) -> i32 {
        i32::from(self.gap_open) + i32::from(self.gap_extend)
    }
}
