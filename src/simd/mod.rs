//! Hot byte kernels with scalar, SSSE3, AVX2 and NEON versions.
//!
//! Every function here is safe and gives the same result on every CPU; the
//! vector code is an implementation detail chosen once per process:
//!
//! * on x86_64, AVX2 if the CPU has it, else SSSE3, else scalar (detected at
//!   run time with `is_x86_feature_detected!`, SSE2 alone has no byte
//!   shuffle, so it runs the scalar kernels);
//! * on aarch64, NEON (always present, chosen at compile time);
//! * elsewhere, scalar.
//!
//! [`active_level`] says which one is in use.
//!
//! | function | input → output |
//! |---|---|
//! | [`decode_bam_sequence`] | BAM 4-bit packed bases → ASCII `=ACMGRSVTWYHKDBN` |
//! | [`encode_bam_sequence`] | ASCII bases → BAM 4-bit packed (htslib's mapping) |
//! | [`count_bases`], [`gc_fraction`] | ASCII bases → A/C/G/T/N/other counts |
//! | [`quality_stats`] | Phred+33 qualities → sum/min/max, or the first byte outside `!`..=`~` |
//! | [`reverse_complement`], [`reverse_complement_in_place`] | ASCII bases → reverse complement |
//! | [`phred_to_ascii`], [`ascii_to_phred`] | raw Phred scores ↔ Phred+offset ASCII, checked |
//! | [`crate::align::align`] | striped Smith-Waterman-Gotoh (8-bit lanes, 16-bit on overflow) |
//!
//! ```
//! use biometal::simd;
//!
//! let packed = [0x12, 0x48]; // A C G T
//! let mut bases = [0u8; 4];
//! simd::decode_bam_sequence(&packed, &mut bases);
//! assert_eq!(&bases, b"ACGT");
//!
//! let mut reverse = [0u8; 4];
//! simd::reverse_complement(b"AACG", &mut reverse);
//! assert_eq!(&reverse, b"CGTT");
//! ```

use std::fmt;
use std::sync::OnceLock;

use crate::{Error, Format};

pub(crate) use align::align_local;
pub(crate) use align_batch::{Workspace as AlignWorkspace, CHUNK_PAIRS as ALIGN_CHUNK_PAIRS};

mod align;
mod align_batch;
#[cfg(target_arch = "aarch64")]
mod align_neon;
#[cfg(test)]
mod align_tests;
#[cfg(target_arch = "x86_64")]
mod align_x86;
#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "aarch64")]
mod neon;
pub(crate) mod newline_index;
mod scalar;
#[cfg(target_arch = "x86_64")]
mod ssse3;
#[cfg(test)]
mod tests;

/// The offset of Sanger/Illumina 1.8+ FASTQ and of SAM qualities: Phred
/// score 0 is written as `!` (33).
pub const PHRED33_OFFSET: u8 = 33;

/// The highest byte a quality string may hold (`~`, 126), the top of the
/// printable ASCII range SAM's QUAL field allows.
pub const MAX_QUALITY_ASCII: u8 = b'~';

/// The byte BAM stores in every quality position when a record has no
/// qualities (SAM writes `*`).
pub const BAM_MISSING_QUALITY: u8 = 0xFF;

/// An instruction-set level the kernels can run at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Level {
    /// Portable Rust; runs everywhere and is the reference for the others.
    Scalar,
    /// x86_64 with SSSE3 (16-byte vectors with a byte shuffle).
    Ssse3,
    /// x86_64 with AVX2 (32-byte vectors).
    Avx2,
    /// aarch64 Advanced SIMD (16-byte vectors).
    Neon,
}

impl Level {
    /// Every level, best first.
    pub const ALL: [Level; 4] = [Level::Avx2, Level::Ssse3, Level::Neon, Level::Scalar];

    /// The name used in benchmarks and logs (`"avx2"`, `"scalar"`, …).
    ///
    /// ```
    /// assert_eq!(biometal::simd::Level::Scalar.name(), "scalar");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Level::Scalar => "scalar",
            Level::Ssse3 => "ssse3",
            Level::Avx2 => "avx2",
            Level::Neon => "neon",
        }
    }

    /// Whether this CPU can run the level.
    ///
    /// ```
    /// assert!(biometal::simd::Level::Scalar.is_available());
    /// ```
    pub fn is_available(self) -> bool {
        kernels(self).is_some()
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The kernels of one [`Level`], with the same safe methods as this
/// module's functions (see [`kernels`]).
///
/// Only [`kernels`] hands one out, and only for a level the CPU supports;
/// that is what makes calling the `#[target_feature]` code behind these
/// pointers sound.
#[doc(hidden)]
pub struct Kernels {
    level: Level,
    decode_bam_sequence: fn(&[u8], &mut [u8]),
    encode_bam_sequence: fn(&[u8], &mut [u8]),
    count_bases: fn(&[u8]) -> BaseCounts,
    byte_sum_min_max: fn(&[u8]) -> (u64, u8, u8),
    reverse_complement: fn(&[u8], &mut [u8]),
    reverse_complement_in_place: fn(&mut [u8]),
    add_offset: OffsetKernel,
    subtract_offset: OffsetKernel,
}

/// `(src, out, offset, limit) -> Ok, or Err(first invalid position)`; see
/// `scalar::add_offset` and `scalar::subtract_offset` for what `limit` bounds.
type OffsetKernel = fn(&[u8], &mut [u8], u8, u8) -> Result<(), usize>;

static SCALAR: Kernels = Kernels {
    level: Level::Scalar,
    decode_bam_sequence: scalar::decode_bam_sequence,
    encode_bam_sequence: scalar::encode_bam_sequence,
    count_bases: scalar::count_bases,
    byte_sum_min_max: scalar::byte_sum_min_max,
    reverse_complement: scalar::reverse_complement,
    reverse_complement_in_place: scalar::reverse_complement_in_place,
    add_offset: scalar::add_offset,
    subtract_offset: scalar::subtract_offset,
};

/// The kernels of `level`, or `None` when this CPU cannot run it.
///
/// A test and benchmark hook: every public function of this module uses the
/// best level; this lets one machine run each level and compare it with
/// [`Level::Scalar`].
///
/// ```
/// use biometal::simd::{kernels, Level};
///
/// let scalar = kernels(Level::Scalar).unwrap();
/// let mut out = [0u8; 3];
/// scalar.decode_bam_sequence(&[0x12, 0x40], &mut out);
/// assert_eq!(&out, b"ACG");
/// ```
#[doc(hidden)]
pub fn kernels(level: Level) -> Option<&'static Kernels> {
    Some(match level {
        Level::Scalar => &SCALAR,
        #[cfg(target_arch = "x86_64")]
        Level::Ssse3 if std::arch::is_x86_feature_detected!("ssse3") => &ssse3::KERNELS,
        #[cfg(target_arch = "x86_64")]
        Level::Avx2 if std::arch::is_x86_feature_detected!("avx2") => &avx2::KERNELS,
        #[cfg(target_arch = "aarch64")]
        Level::Neon => &neon::KERNELS,
        _ => return None,
    })
}

impl Kernels {
    /// The level these kernels belong to.
    pub fn level(&self) -> Level {
        self.level
    }

    /// See [`decode_bam_sequence`].
    pub fn decode_bam_sequence(&self, packed: &[u8], out: &mut [u8]) {
        check_packed_len(packed.len(), out.len());
        (self.decode_bam_sequence)(packed, out);
    }

    /// See [`encode_bam_sequence`].
    pub fn encode_bam_sequence(&self, ascii: &[u8], out: &mut [u8]) {
        check_packed_len(out.len(), ascii.len());
        (self.encode_bam_sequence)(ascii, out);
    }

    /// See [`count_bases`].
    pub fn count_bases(&self, seq: &[u8]) -> BaseCounts {
        (self.count_bases)(seq)
    }

    /// See [`quality_stats`].
    pub fn quality_stats(&self, phred33: &[u8]) -> Result<QualityStats, InvalidQuality> {
        let (sum, min, max) = (self.byte_sum_min_max)(phred33);
        if phred33.is_empty() {
            return Ok(QualityStats::default());
        }
        if min < PHRED33_OFFSET || max > MAX_QUALITY_ASCII {
            // Error path only: find the first offending byte.
            let valid = PHRED33_OFFSET..=MAX_QUALITY_ASCII;
            if let Some(position) = phred33.iter().position(|b| !valid.contains(b)) {
                return Err(InvalidQuality::new(
                    phred33,
                    position,
                    PHRED33_OFFSET,
                    MAX_QUALITY_ASCII,
                ));
            }
        }
        let offset_total = u64::from(PHRED33_OFFSET) * phred33.len() as u64;
        Ok(QualityStats {
            len: phred33.len(),
            sum: sum - offset_total,
            min_max: Some((min - PHRED33_OFFSET, max - PHRED33_OFFSET)),
        })
    }

    /// See [`reverse_complement`].
    pub fn reverse_complement(&self, seq: &[u8], out: &mut [u8]) {
        assert_eq!(
            seq.len(),
            out.len(),
            "reverse_complement: output length must equal input length"
        );
        (self.reverse_complement)(seq, out);
    }

    /// See [`reverse_complement_in_place`].
    pub fn reverse_complement_in_place(&self, seq: &mut [u8]) {
        (self.reverse_complement_in_place)(seq);
    }

    /// See [`phred_to_ascii`].
    pub fn phred_to_ascii(
        &self,
        phred: &[u8],
        ascii: &mut [u8],
        offset: u8,
    ) -> Result<(), InvalidQuality> {
        assert_eq!(
            phred.len(),
            ascii.len(),
            "phred_to_ascii: output length must equal input length"
        );
        let Some(max_phred) = MAX_QUALITY_ASCII.checked_sub(offset) else {
            return match phred.is_empty() {
                true => Ok(()),
                false => Err(InvalidQuality::new(phred, 0, 0, 0)),
            };
        };
        (self.add_offset)(phred, ascii, offset, max_phred)
            .map_err(|position| InvalidQuality::new(phred, position, 0, max_phred))
    }

    /// See [`ascii_to_phred`].
    pub fn ascii_to_phred(
        &self,
        ascii: &[u8],
        phred: &mut [u8],
        offset: u8,
    ) -> Result<(), InvalidQuality> {
        assert_eq!(
            ascii.len(),
            phred.len(),
            "ascii_to_phred: output length must equal input length"
        );
        let Some(max_phred) = MAX_QUALITY_ASCII.checked_sub(offset) else {
            return match ascii.is_empty() {
                true => Ok(()),
                false => Err(InvalidQuality::new(ascii, 0, offset, MAX_QUALITY_ASCII)),
            };
        };
        // `offset + max_phred == 126 < 256`, as the kernels require.
        (self.subtract_offset)(ascii, phred, offset, max_phred)
            .map_err(|position| InvalidQuality::new(ascii, position, offset, MAX_QUALITY_ASCII))
    }
}

fn check_packed_len(packed_len: usize, base_count: usize) {
    assert_eq!(
        packed_len,
        base_count.div_ceil(2),
        "BAM sequence: {base_count} bases need {} packed bytes, got {packed_len}",
        base_count.div_ceil(2)
    );
}

fn detect() -> &'static Kernels {
    Level::ALL.into_iter().find_map(kernels).unwrap_or(&SCALAR)
}

pub(crate) fn active_kernels() -> &'static Kernels {
    active()
}

fn active() -> &'static Kernels {
    static ACTIVE: OnceLock<&'static Kernels> = OnceLock::new();
    ACTIVE.get_or_init(detect)
}

/// The level this process uses (detected once, on first use).
///
/// ```
/// let level = biometal::simd::active_level();
/// assert!(level.is_available());
/// ```
pub fn active_level() -> Level {
    active().level()
}

/// Decodes a BAM 4-bit packed sequence into ASCII letters.
///
/// `packed` holds two bases per byte, the first in the high nibble, coded
/// as in the SAM specification (§4.2.3): `=ACMGRSVTWYHKDBN` for 0..=15.
/// `out.len()` is the number of bases to decode; when it is odd, the low
/// nibble of the last packed byte is ignored.
///
/// The scalar version reads a 256-entry table of letter pairs (one load and
/// one 2-byte store per packed byte); the vector versions look up 16
/// nibbles per shuffle and interleave.
///
/// # Panics
///
/// If `packed.len() != out.len().div_ceil(2)` (a caller bug: BAM readers
/// check `l_seq` against the record length once, when reading the record).
///
/// ```
/// // "CGAGCT…" example record of the SAM spec, first 5 bases: C G A G C
/// let mut bases = [0u8; 5];
/// biometal::simd::decode_bam_sequence(&[0x24, 0x14, 0x20], &mut bases);
/// assert_eq!(&bases, b"CGAGC");
/// ```
pub fn decode_bam_sequence(packed: &[u8], out: &mut [u8]) {
    active().decode_bam_sequence(packed, out);
}

/// Appends `base_count` bases decoded from `packed` to `out` (see
/// [`decode_bam_sequence`]).
///
/// # Panics
///
/// If `packed.len() != base_count.div_ceil(2)`.
///
/// ```
/// let mut bases = b"seq=".to_vec();
/// biometal::simd::decode_bam_sequence_to_vec(&[0x12, 0x8f], 3, &mut bases);
/// assert_eq!(bases, b"seq=ACT");
/// ```
pub fn decode_bam_sequence_to_vec(packed: &[u8], base_count: usize, out: &mut Vec<u8>) {
    let start = out.len();
    out.resize(start + base_count, 0);
    decode_bam_sequence(packed, &mut out[start..]);
}

/// Encodes ASCII bases into BAM's 4-bit packed form.
///
/// The mapping is htslib's `seq_nt16_table`: the IUPAC letters
/// `=ACMGRSVTWYHKDBN` → 0..=15 in either case, the digits `0123` → A, C,
/// G, T (as htslib does), and every other byte — including `U`, `.` and
/// non-ASCII — → 15 (`N`). Two bases per byte, the first in the high
/// nibble; when `ascii.len()` is odd the last byte's low nibble is 0.
///
/// # Panics
///
/// If `out.len() != ascii.len().div_ceil(2)`.
///
/// ```
/// let mut packed = [0u8; 3];
/// biometal::simd::encode_bam_sequence(b"acgtN", &mut packed);
/// assert_eq!(packed, [0x12, 0x48, 0xf0]);
/// ```
pub fn encode_bam_sequence(ascii: &[u8], out: &mut [u8]) {
    active().encode_bam_sequence(ascii, out);
}

/// Appends the BAM 4-bit packed form of `ascii` (`ascii.len().div_ceil(2)`
/// bytes) to `out` (see [`encode_bam_sequence`]).
///
/// ```
/// let mut packed = Vec::new();
/// biometal::simd::encode_bam_sequence_to_vec(b"=ACMGRSVTWYHKDBN", &mut packed);
/// assert_eq!(packed, [0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef]);
/// ```
pub fn encode_bam_sequence_to_vec(ascii: &[u8], out: &mut Vec<u8>) {
    let start = out.len();
    out.resize(start + ascii.len().div_ceil(2), 0);
    encode_bam_sequence(ascii, &mut out[start..]);
}

/// Counts of each base in a sequence, from [`count_bases`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct BaseCounts {
    /// `A` or `a`.
    pub a: u64,
    /// `C` or `c`.
    pub c: u64,
    /// `G` or `g`.
    pub g: u64,
    /// `T` or `t`.
    pub t: u64,
    /// `N` or `n`.
    pub n: u64,
    /// Every other byte (other IUPAC codes such as `R` or `S`, `U`, `=`,
    /// gaps, anything).
    pub other: u64,
}

impl BaseCounts {
    /// The number of bytes counted (all six fields).
    ///
    /// ```
    /// assert_eq!(biometal::simd::count_bases(b"ACGTNX").total(), 6);
    /// ```
    pub fn total(&self) -> u64 {
        self.a + self.c + self.g + self.t + self.n + self.other
    }

    /// The GC fraction `(G + C) / (A + C + G + T)`, or `None` when there is
    /// no A, C, G or T.
    ///
    /// `N` and every other byte are left out of both numerator and
    /// denominator, so unknown bases do not dilute the fraction; ambiguity
    /// codes that imply G or C (`S`) are not counted as G or C.
    ///
    /// ```
    /// let counts = biometal::simd::count_bases(b"GGCANNNN");
    /// assert_eq!(counts.gc_fraction(), Some(0.75));
    /// assert_eq!(biometal::simd::count_bases(b"NNN").gc_fraction(), None);
    /// ```
    pub fn gc_fraction(&self) -> Option<f64> {
        let acgt = self.a + self.c + self.g + self.t;
        (acgt > 0).then(|| (self.g + self.c) as f64 / acgt as f64)
    }
}

impl std::ops::AddAssign for BaseCounts {
    /// Adds another count, field by field, to total several sequences.
    ///
    /// ```
    /// let mut total = biometal::simd::count_bases(b"ACGT");
    /// total += biometal::simd::count_bases(b"GGN");
    /// assert_eq!((total.g, total.n, total.total()), (3, 1, 7));
    /// ```
    fn add_assign(&mut self, other: BaseCounts) {
        self.a += other.a;
        self.c += other.c;
        self.g += other.g;
        self.t += other.t;
        self.n += other.n;
        self.other += other.other;
    }
}

/// Counts A, C, G, T and N (upper or lower case) and all other bytes.
///
/// ```
/// let counts = biometal::simd::count_bases(b"AaCgTtNn-R");
/// assert_eq!((counts.a, counts.c, counts.g, counts.t, counts.n, counts.other), (2, 1, 1, 2, 2, 2));
/// ```
pub fn count_bases(seq: &[u8]) -> BaseCounts {
    active().count_bases(seq)
}

/// The GC fraction of `seq`: `(G + C) / (A + C + G + T)`, case-insensitive,
/// `N` and other bytes excluded (see [`BaseCounts::gc_fraction`]); `None`
/// when `seq` has no A, C, G or T.
///
/// ```
/// assert_eq!(biometal::simd::gc_fraction(b"acgtNN"), Some(0.5));
/// ```
pub fn gc_fraction(seq: &[u8]) -> Option<f64> {
    count_bases(seq).gc_fraction()
}

/// Summary of a quality string, in Phred scores (the ASCII offset removed),
/// from [`quality_stats`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct QualityStats {
    len: usize,
    sum: u64,
    min_max: Option<(u8, u8)>,
}

impl QualityStats {
    /// How many scores were summarised.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the quality string was empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The sum of the Phred scores.
    pub fn sum(&self) -> u64 {
        self.sum
    }

    /// The lowest Phred score, `None` when empty.
    pub fn min(&self) -> Option<u8> {
        self.min_max.map(|(min, _)| min)
    }

    /// The highest Phred score, `None` when empty.
    pub fn max(&self) -> Option<u8> {
        self.min_max.map(|(_, max)| max)
    }

    /// The arithmetic mean of the Phred scores, `None` when empty.
    pub fn mean(&self) -> Option<f64> {
        (self.len > 0).then(|| self.sum as f64 / self.len as f64)
    }
}

/// Sums a Phred+33 quality string and finds its minimum and maximum score,
/// checking that every byte is within `!`..=`~` (33..=126).
///
/// # Errors
///
/// [`InvalidQuality`] naming the first byte outside 33..=126 (this includes
/// BAM's 0xFF "missing" marker, which belongs to raw BAM qualities, not to
/// Phred+33 text).
///
/// ```
/// use biometal::simd::quality_stats;
///
/// let stats = quality_stats(b"II#5").unwrap();
/// assert_eq!((stats.sum(), stats.min(), stats.max()), (40 + 40 + 2 + 20, Some(2), Some(40)));
/// let err = quality_stats(b"II I").unwrap_err();
/// assert_eq!((err.position(), err.byte()), (2, b' '));
/// ```
pub fn quality_stats(phred33: &[u8]) -> Result<QualityStats, InvalidQuality> {
    active().quality_stats(phred33)
}

/// Whether BAM raw qualities are marked missing (the first byte is 0xFF; SAM
/// writes such a record's QUAL as `*`).
///
/// ```
/// assert!(biometal::simd::is_missing_bam_quality(&[0xff, 0xff]));
/// assert!(!biometal::simd::is_missing_bam_quality(&[30, 0xff]));
/// ```
pub fn is_missing_bam_quality(raw_phred: &[u8]) -> bool {
    raw_phred.first() == Some(&BAM_MISSING_QUALITY)
}

/// Writes the reverse complement of `seq` into `out`.
///
/// Complements: A↔T, C↔G, U→A, R↔Y, K↔M, B↔V, D↔H, and S, W, N unchanged
/// (the table samtools and minimap2 use); lower case stays lower case;
/// every other byte (`=`, `*`, `-`, `.`, …) is kept as is. Because `U`
/// becomes `A`, applying it twice turns `U` into `T`.
///
/// # Panics
///
/// If `out.len() != seq.len()`.
///
/// ```
/// let mut out = [0u8; 6];
/// biometal::simd::reverse_complement(b"ACGtnR", &mut out);
/// assert_eq!(&out, b"YnaCGT");
/// ```
pub fn reverse_complement(seq: &[u8], out: &mut [u8]) {
    active().reverse_complement(seq, out);
}

/// Reverse-complements `seq` in place (see [`reverse_complement`]).
///
/// ```
/// let mut seq = *b"AACGTTG";
/// biometal::simd::reverse_complement_in_place(&mut seq);
/// assert_eq!(&seq, b"CAACGTT");
/// ```
pub fn reverse_complement_in_place(seq: &mut [u8]) {
    active().reverse_complement_in_place(seq);
}

/// Adds `offset` to raw Phred scores (as BAM stores them), writing ASCII
/// qualities (offset 33 for SAM/FASTQ, see [`PHRED33_OFFSET`]).
///
/// Every score must be at most `126 - offset` (so the output is printable,
/// at most `~`).
///
/// # Errors
///
/// [`InvalidQuality`] naming the first score above `126 - offset`; `out`
/// is then partly written. BAM's 0xFF "missing" marker is such a score:
/// check [`is_missing_bam_quality`] first and write `*` instead.
///
/// # Panics
///
/// If `out.len() != phred.len()`.
///
/// ```
/// use biometal::simd::{phred_to_ascii, PHRED33_OFFSET};
///
/// let mut ascii = [0u8; 3];
/// phred_to_ascii(&[0, 40, 93], &mut ascii, PHRED33_OFFSET).unwrap();
/// assert_eq!(&ascii, b"!I~");
/// assert_eq!(phred_to_ascii(&[30, 0xff, 30], &mut ascii, PHRED33_OFFSET).unwrap_err().position(), 1);
/// ```
pub fn phred_to_ascii(phred: &[u8], out: &mut [u8], offset: u8) -> Result<(), InvalidQuality> {
    active().phred_to_ascii(phred, out, offset)
}

/// Subtracts `offset` from ASCII qualities, writing raw Phred scores (as
/// BAM stores them).
///
/// Every byte must be within `offset..=126`; nothing wraps around.
///
/// # Errors
///
/// [`InvalidQuality`] naming the first byte below `offset` or above `~`
/// (126); `out` is then partly written.
///
/// # Panics
///
/// If `out.len() != ascii.len()`.
///
/// ```
/// use biometal::simd::{ascii_to_phred, PHRED33_OFFSET};
///
/// let mut phred = [0u8; 3];
/// ascii_to_phred(b"!I~", &mut phred, PHRED33_OFFSET).unwrap();
/// assert_eq!(phred, [0, 40, 93]);
/// let err = ascii_to_phred(b"I I", &mut phred, PHRED33_OFFSET).unwrap_err();
/// assert_eq!((err.position(), err.byte()), (1, b' '));
/// ```
pub fn ascii_to_phred(ascii: &[u8], out: &mut [u8], offset: u8) -> Result<(), InvalidQuality> {
    active().ascii_to_phred(ascii, out, offset)
}

/// A quality byte outside its allowed range, from [`quality_stats`],
/// [`phred_to_ascii`] or [`ascii_to_phred`].
///
/// The caller knows the format and record; [`InvalidQuality::into_error`]
/// turns this into the crate's [`Error`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct InvalidQuality {
    position: usize,
    byte: u8,
    min_allowed: u8,
    max_allowed: u8,
}

impl InvalidQuality {
    fn new(bytes: &[u8], position: usize, min_allowed: u8, max_allowed: u8) -> Self {
        let byte = bytes.get(position).copied().unwrap_or_default();
        InvalidQuality {
            position,
            byte,
            min_allowed,
            max_allowed,
        }
    }

    /// The 0-based index of the first offending byte.
    pub fn position(&self) -> usize {
        self.position
    }

    /// The offending byte.
    pub fn byte(&self) -> u8 {
        self.byte
    }

    /// An [`ErrorKind::InvalidData`](crate::ErrorKind::InvalidData) error
    /// of `format` with this message; add the record or offset with
    /// [`Error::at_record`] and friends.
    ///
    /// ```
    /// use biometal::{simd, Format};
    ///
    /// let err = simd::quality_stats(b"I\x7f").unwrap_err().into_error(Format::Fastq).at_record(3);
    /// assert_eq!(
    ///     err.to_string(),
    ///     "FASTQ: invalid data: quality byte 0x7f at position 1 is outside 33..=126 (at record 3)"
    /// );
    /// ```
    pub fn into_error(self, format: Format) -> Error {
        Error::invalid_data(format, self.to_string())
    }
}

impl fmt::Display for InvalidQuality {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "quality byte {:#04x} at position {} is outside {}..={}",
            self.byte, self.position, self.min_allowed, self.max_allowed
        )
    }
}

impl std::error::Error for InvalidQuality {}
