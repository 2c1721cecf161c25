//! Writing a chunk's residues into the mapped upload buffer in the layout
//! the kernels read (pure CPU code, tested without a GPU): lane-interleaved
//! words of codes for the short-pair kernel, one code per byte for the
//! wavefront kernel.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use wgpu::WriteOnly;

use super::batch::{Packed, Width, SHORT_GROUP};
use super::pool::Pool;
use crate::align::Scoring;

/// Residue bytes to kernel codes: the scheme's table, and for nibble
/// packing a table from two residue bytes to one byte of two codes (built
/// once per batch), so a word of 8 codes takes 4 look-ups; on x86-64 with
/// SSSE3, 16 residues at a time by two byte shuffles where the batch's
/// letters allow it ([`ssse3::NibbleShuffle`]).
pub(super) struct Codes<'a> {
    scoring: &'a Scoring,
    /// Entry `first | second << 8`: `code(first) | code(second) << 4`.
    nibble_pairs: Option<Box<[u8; 1 << 16]>>,
    #[cfg(target_arch = "x86_64")]
    nibble_shuffle: Option<ssse3::NibbleShuffle>,
}

impl<'a> Codes<'a> {
    pub(super) fn new(scoring: &'a Scoring, width: Width) -> Codes<'a> {
        let nibble_pairs = (width == Width::Nibble).then(|| {
            let mut table = Box::new([0u8; 1 << 16]);
            for (pair, entry) in table.iter_mut().enumerate() {
                *entry = scoring.code(pair as u8) | scoring.code((pair >> 8) as u8) << 4;
            }
            table
        });
        Codes {
            scoring,
            #[cfg(target_arch = "x86_64")]
            nibble_shuffle: nibble_pairs
                .as_ref()
                .and_then(|_| ssse3::NibbleShuffle::new(scoring)),
            nibble_pairs,
        }
    }
}

impl Codes<'_> {
    /// Whether every residue of `sequences` has a code below 4.
    fn all_below_four(&self, sequences: &[&[u8]]) -> bool {
        #[cfg(target_arch = "x86_64")]
        if let Some(shuffle) = &self.nibble_shuffle {
            // SAFETY: a `NibbleShuffle` exists only where SSSE3 was
            // detected (`NibbleShuffle::new`).
            return unsafe { shuffle.all_below_four(sequences, self.scoring) };
        }
        sequences.iter().all(|sequence| {
            sequence
                .iter()
                .all(|&residue| self.scoring.code(residue) < 4)
        })
    }
}

/// A write-only view of part of a mapped upload buffer that may move to
/// another thread.
struct Part<'a>(WriteOnly<'a, [u8]>);

// SAFETY: a `WriteOnly<[u8]>` is an exclusive, write-only `&mut [u8]`,
// which is `Send`; wgpu only leaves `Send` out for unsized element types
// (its impl has an implicit `T: Sized` bound), not for a reason that
// applies to bytes.
unsafe impl Send for Part<'_> {}

/// Groups of a chunk one packing task writes: small enough to balance
/// the threads, large enough to make taking a task cheap.
const TASK_GROUPS: usize = 8;

/// Writes the residue words of a chunk planned by `plan_short` (pairs
/// `indices`) into `out` (`4 × residue_words` bytes, little-endian) on all
/// cores, threads taking tasks of [`TASK_GROUPS`] groups until none are
/// left; the calling thread first runs `alongside` (reading back an
/// earlier chunk), then joins them. Every thread writes its groups front
/// to back, as write-combined upload memory wants. A nibble group whose
/// residues all have codes below 4 (DNA without N) is written with 2-bit
/// codes instead, in the first half of its rows (half the bytes), and its
/// `bases[3]` set to 2 (else 0). Returns the bytes written.
pub(super) fn fill_short<Q, T>(
    pairs: &[(Q, T)],
    packed: &mut Packed,
    indices: &[usize],
    codes: &Codes<'_>,
    out: WriteOnly<'_, [u8]>,
    pool: &Pool,
    alongside: impl FnOnce(),
) -> usize
where
    Q: AsRef<[u8]> + Sync,
    T: AsRef<[u8]> + Sync,
{
    let groups = packed.bases.len();
    // Each group's words are one contiguous slice.
    let mut slices = Vec::with_capacity(groups);
    let mut rest = out;
    for (group, base) in packed.bases.iter().enumerate() {
        let end = packed
            .bases
            .get(group + 1)
            .map_or(packed.residue_words, |next| next[0] as usize);
        let (words, tail) = rest.split_at((end - base[0] as usize) * 4);
        let (query, target) = words.split_at((base[1] - base[0]) as usize * 4);
        slices.push((Part(query), Part(target)));
        rest = tail;
    }
    let width = packed.width;
    let fill = |slices: &mut [(Part, Part)], bases: &mut [[u32; 4]], first_group: usize| {
        let mut queries: [&[u8]; SHORT_GROUP] = [&[]; SHORT_GROUP];
        let mut targets: [&[u8]; SHORT_GROUP] = [&[]; SHORT_GROUP];
        let mut written = 0;
        for (offset, ((query, target), base)) in slices.iter_mut().zip(bases).enumerate() {
            let start = (first_group + offset) * SHORT_GROUP;
            let group = &indices[start..(start + SHORT_GROUP).min(indices.len())];
            let lanes = group.len();
            for ((query, target), &i) in queries.iter_mut().zip(&mut targets).zip(group) {
                *query = pairs[i].0.as_ref();
                *target = pairs[i].1.as_ref();
            }
            let (queries, targets) = (&queries[..lanes], &targets[..lanes]);
            // 2-bit codes where the whole group allows them.
            let two_bit = width == Width::Nibble
                && codes.all_below_four(queries)
                && codes.all_below_four(targets);
            base[3] = if two_bit { 2 } else { 0 };
            written += interleave(query.0.slice(..), queries, codes, width, two_bit);
            written += interleave(target.0.slice(..), targets, codes, width, two_bit);
        }
        written
    };
    let tasks = Mutex::new(
        slices
            .chunks_mut(TASK_GROUPS)
            .zip(packed.bases.chunks_mut(TASK_GROUPS))
            .enumerate(),
    );
    let written = AtomicUsize::new(0);
    // Takes tasks until none are left; a poisoned lock means another
    // thread panicked, which the pool passes on.
    let work = || {
        let mut bytes = 0;
        while let Some((task, (slices, bases))) = tasks.lock().ok().and_then(|mut t| t.next()) {
            bytes += fill(slices, bases, task * TASK_GROUPS);
        }
        written.fetch_add(bytes, Ordering::Relaxed);
    };
    match indices.len() {
        0..=4095 => {
            alongside();
            work();
        }
        _ => pool.run(&work, alongside),
    }
    written.into_inner()
}

/// Bytes of one row of a group's residue words: word `w` of every lane.
const ROW_BYTES: usize = SHORT_GROUP * 4;

/// One group's sequences in `out`: word `w` of lane `l` at word
/// `w × SHORT_GROUP + l`, [`Width::per_word`] codes per word, the first in
/// the low bits; lanes past `members` and codes past a sequence's end hold
/// the padding code. Each row of words is built in a small buffer and
/// written out whole, front to back, as write-combined upload memory wants.
/// Returns the bytes written.
fn interleave(
    out: WriteOnly<'_, [u8]>,
    members: &[&[u8]],
    codes: &Codes,
    width: Width,
    two_bit: bool,
) -> usize {
    match (width, &codes.nibble_pairs) {
        (Width::Nibble, Some(pairs)) => {
            let pair_word = |residues: &[u8; 8]| {
                // Two residue bytes, little-endian, index the pairs table.
                let bytes = u64::from_le_bytes(*residues);
                let pair = |shift: u32| u32::from(pairs[(bytes >> shift) as usize & 0xFFFF]);
                pair(0) | pair(16) << 8 | pair(32) << 16 | pair(48) << 24
            };
            #[cfg(target_arch = "x86_64")]
            if let Some(shuffle) = &codes.nibble_shuffle {
                // SAFETY: a `NibbleShuffle` exists only where SSSE3 was
                // detected (`NibbleShuffle::new`).
                return unsafe {
                    ssse3::interleave_nibbles(out, members, codes, shuffle, pair_word, two_bit)
                };
            }
            interleave_rows::<8>(out, members, codes, pair_word, |_| None, two_bit)
        }
        (Width::Nibble, None) => interleave_rows::<8>(
            out,
            members,
            codes,
            |residues| word_of_codes(residues, codes.scoring, 4),
            |_| None,
            two_bit,
        ),
        (Width::Byte, _) => interleave_rows::<4>(
            out,
            members,
            codes,
            |residues| word_of_codes(residues, codes.scoring, 8),
            |_| None,
            false,
        ),
    }
}

/// The codes of `residues` in one word, `bits` each, the first lowest.
fn word_of_codes(residues: &[u8], scoring: &Scoring, bits: usize) -> u32 {
    residues.iter().enumerate().fold(0, |word, (k, &residue)| {
        word | u32::from(scoring.code(residue)) << (bits * k)
    })
}

/// [`interleave`] with `full_word` for a word of `PER_WORD` residues, and
/// `two_words` for the first two words of a sequence's rest where it can
/// (`None` where it cannot: too short, or a residue it does not cover).
/// Rows are built two at a time; with `two_bit` (nibbles whose codes are
/// all below 4) each pair of rows is written as one row of 2-bit codes, 16
/// per word, in the first half of `out` (past a sequence's end the codes
/// are arbitrary: the kernel bounds its loops by the lengths).
#[inline(always)]
fn interleave_rows<const PER_WORD: usize>(
    out: WriteOnly<'_, [u8]>,
    members: &[&[u8]],
    codes: &Codes,
    full_word: impl Fn(&[u8; PER_WORD]) -> u32,
    two_words: impl Fn(&[u8]) -> Option<[u32; 2]>,
    two_bit: bool,
) -> usize {
    let scoring = codes.scoring;
    let (bits, width) = match PER_WORD {
        8 => (4, Width::Nibble),
        _ => (8, Width::Byte),
    };
    let padding = u32::from(width.padding());
    let padding_word = (0..PER_WORD).fold(0u32, |word, k| word | padding << (bits * k));
    // The first word of `rest`: full, partial (its last codes padding) or
    // padding alone.
    let word = |rest: &[u8]| match rest.first_chunk::<PER_WORD>() {
        Some(residues) => full_word(residues),
        None => rest
            .iter()
            .enumerate()
            .fold(padding_word, |word, (k, &residue)| {
                let shift = bits * k;
                word & !(0xFF >> (8 - bits) << shift) | u32::from(scoring.code(residue)) << shift
            }),
    };
    // Lanes past `members` keep the padding written here.
    let mut row_pair = [[0u8; ROW_BYTES]; 2];
    for word in row_pair.as_flattened_mut().chunks_exact_mut(4) {
        word.copy_from_slice(&padding_word.to_le_bytes());
    }
    let (rows, _) = out.into_chunks::<ROW_BYTES>();
    let row_count = rows.len();
    let mut rows = rows.into_iter();
    let mut start = 0;
    let fill_pair = |row_pair: &mut [[u8; ROW_BYTES]; 2], start: usize| {
        let [first_row, second_row] = row_pair;
        let slots = first_row
            .chunks_exact_mut(4)
            .zip(second_row.chunks_exact_mut(4));
        for ((first_slot, second_slot), sequence) in slots.zip(members) {
            let rest = sequence.get(start..).unwrap_or_default();
            let [low, high] = two_words(rest)
                .unwrap_or_else(|| [word(rest), word(rest.get(PER_WORD..).unwrap_or_default())]);
            first_slot.copy_from_slice(&low.to_le_bytes());
            second_slot.copy_from_slice(&high.to_le_bytes());
        }
    };
    if two_bit {
        let mut packed_row = [0u8; ROW_BYTES];
        for destination in rows.take(row_count.div_ceil(2)) {
            fill_pair(&mut row_pair, start);
            let words = row_pair[0].chunks_exact(4).zip(row_pair[1].chunks_exact(4));
            for (slot, (low, high)) in packed_row
                .chunks_exact_mut(4)
                .zip(words)
                .take(members.len())
            {
                let [low, high] =
                    [low, high].map(|word| u32::from_le_bytes(word.try_into().unwrap_or_default()));
                slot.copy_from_slice(&two_bit_word(low, high).to_le_bytes());
            }
            destination.write(packed_row);
            start += 2 * PER_WORD;
        }
        return row_count.div_ceil(2) * ROW_BYTES;
    }
    while let Some(first) = rows.next() {
        fill_pair(&mut row_pair, start);
        first.write(row_pair[0]);
        if let Some(second) = rows.next() {
            second.write(row_pair[1]);
        }
        start += 2 * PER_WORD;
    }
    row_count * ROW_BYTES
}

/// Two words of 8 nibble codes each below 4 (`low` first) as one word of
/// 16 codes of 2 bits, the first lowest. A nibble of 4 or more (padding)
/// garbles only its own code and the one after it in the same byte.
fn two_bit_word(low: u32, high: u32) -> u32 {
    let mut codes = u64::from(low) | u64::from(high) << 32;
    codes = (codes | codes >> 2) & 0x0F0F_0F0F_0F0F_0F0F;
    codes = (codes | codes >> 4) & 0x00FF_00FF_00FF_00FF;
    codes = (codes | codes >> 8) & 0x0000_FFFF_0000_FFFF;
    (codes | codes >> 16) as u32
}

#[cfg(target_arch = "x86_64")]
mod ssse3 {
    use std::arch::x86_64::{
        __m128i, _mm_and_si128, _mm_cmpeq_epi8, _mm_cmplt_epi8, _mm_cvtsi128_si64, _mm_loadu_si128,
        _mm_maddubs_epi16, _mm_movemask_epi8, _mm_or_si128, _mm_packus_epi16, _mm_set1_epi16,
        _mm_set1_epi8, _mm_shuffle_epi8,
    };

    use super::{interleave_rows, Codes, WriteOnly};
    use crate::align::Scoring;

    /// Nibble codes of 16 residues by two byte shuffles on their low four
    /// bits: for each low nibble, the one letter it stands for (compared
    /// as `byte | 0x20`, so either case) and that letter's code. A block
    /// holding any other byte (another letter of the same low nibble, a
    /// symbol, bytes ≥ 0x80) takes the table path, so results never
    /// depend on the shortcut.
    #[derive(Debug, Clone, Copy)]
    pub(super) struct NibbleShuffle {
        /// Per low nibble: the letter's code.
        codes: [u8; 16],
        /// Per low nibble: the letter `| 0x20`, or 0 (matches no byte).
        letters: [u8; 16],
    }

    impl NibbleShuffle {
        /// The tables for `scoring`'s nibble codes, or `None` without SSSE3.
        pub(super) fn new(scoring: &Scoring) -> Option<NibbleShuffle> {
            if !std::arch::is_x86_feature_detected!("ssse3") {
                return None;
            }
            let unknown = scoring.code(0);
            let mut shuffle = NibbleShuffle {
                codes: [0; 16],
                letters: [0; 16],
            };
            for low in 0..16u8 {
                // Of the two candidates, a letter whose two cases share a
                // code; preferably one of the alphabet, then any letter.
                let best = [0x40 | low, 0x50 | low]
                    .into_iter()
                    .filter(|&byte| scoring.code(byte) == scoring.code(byte | 0x20))
                    .max_by_key(|&byte| {
                        (scoring.code(byte) != unknown, byte.is_ascii_alphabetic())
                    });
                if let Some(byte) = best {
                    shuffle.codes[usize::from(low)] = scoring.code(byte);
                    shuffle.letters[usize::from(low)] = byte | 0x20;
                }
            }
            Some(shuffle)
        }

        /// Whether every residue of `sequences` has a code below 4.
        ///
        /// # Safety
        ///
        /// The CPU must support SSSE3.
        #[target_feature(enable = "ssse3")]
        pub(super) unsafe fn all_below_four(&self, sequences: &[&[u8]], scoring: &Scoring) -> bool {
            // SAFETY: 16-byte unaligned loads of two arrays of 16 bytes.
            let (code_table, letter_table) = unsafe {
                (
                    _mm_loadu_si128(self.codes.as_ptr().cast::<__m128i>()),
                    _mm_loadu_si128(self.letters.as_ptr().cast::<__m128i>()),
                )
            };
            sequences.iter().all(|sequence| {
                let (blocks, tail) = sequence.as_chunks::<16>();
                blocks.iter().all(|block| {
                    // SAFETY: a 16-byte unaligned load of an array of 16 bytes.
                    let bytes = unsafe { _mm_loadu_si128(block.as_ptr().cast::<__m128i>()) };
                    let low = _mm_and_si128(bytes, _mm_set1_epi8(0x0F));
                    let letters = _mm_shuffle_epi8(letter_table, low);
                    let known = _mm_cmpeq_epi8(_mm_or_si128(bytes, _mm_set1_epi8(0x20)), letters);
                    let small = _mm_cmplt_epi8(_mm_shuffle_epi8(code_table, low), _mm_set1_epi8(4));
                    _mm_movemask_epi8(_mm_and_si128(known, small)) == 0xFFFF
                }) && tail.iter().all(|&residue| scoring.code(residue) < 4)
            })
        }
    }

    /// `interleave` for nibble codes, 16 residues at a time where the
    /// shuffle covers them, else by `pair_word`.
    ///
    /// # Safety
    ///
    /// The CPU must support SSSE3.
    #[target_feature(enable = "ssse3")]
    pub(super) unsafe fn interleave_nibbles(
        out: WriteOnly<'_, [u8]>,
        members: &[&[u8]],
        codes: &Codes,
        shuffle: &NibbleShuffle,
        pair_word: impl Fn(&[u8; 8]) -> u32,
        two_bit: bool,
    ) -> usize {
        // SAFETY: 16-byte unaligned loads of two arrays of 16 bytes.
        let (code_table, letter_table) = unsafe {
            (
                _mm_loadu_si128(shuffle.codes.as_ptr().cast::<__m128i>()),
                _mm_loadu_si128(shuffle.letters.as_ptr().cast::<__m128i>()),
            )
        };
        let two_words = |rest: &[u8]| {
            let residues = rest.first_chunk::<16>()?;
            // SAFETY: a 16-byte unaligned load of an array of 16 bytes.
            let bytes = unsafe { _mm_loadu_si128(residues.as_ptr().cast::<__m128i>()) };
            let low = _mm_and_si128(bytes, _mm_set1_epi8(0x0F));
            let letters = _mm_shuffle_epi8(letter_table, low);
            let known = _mm_cmpeq_epi8(_mm_or_si128(bytes, _mm_set1_epi8(0x20)), letters);
            if _mm_movemask_epi8(known) != 0xFFFF {
                return None;
            }
            // Byte k of `pairs`: code(2k) + 16 × code(2k + 1).
            let pairs =
                _mm_maddubs_epi16(_mm_shuffle_epi8(code_table, low), _mm_set1_epi16(0x1001));
            let both = _mm_cvtsi128_si64(_mm_packus_epi16(pairs, pairs)) as u64;
            Some([both as u32, (both >> 32) as u32])
        };
        interleave_rows::<8>(out, members, codes, pair_word, two_words, two_bit)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn tables_cover_dna_in_both_cases() {
            let scoring = Scoring::dna(1, -4, -1, 6, 1).unwrap();
            let Some(shuffle) = NibbleShuffle::new(&scoring) else {
                return;
            };
            for letter in *b"ACGTN" {
                let low = usize::from(letter & 0xF);
                assert_eq!(shuffle.letters[low], letter | 0x20);
                assert_eq!(shuffle.codes[low], scoring.code(letter));
            }
            // 'Q' shares 'A''s low nibble and is not in the alphabet.
            assert_ne!(shuffle.letters[usize::from(b'Q' & 0xF)], b'q');
        }
    }
}

/// Writes the residue codes of a chunk planned by [`super::batch::plan_long`] (pairs
/// `indices`) into `out`.
pub(super) fn fill_long<Q, T>(
    pairs: &[(Q, T)],
    packed: &Packed,
    indices: &[usize],
    scoring: &Scoring,
    mut out: WriteOnly<'_, [u8]>,
) where
    Q: AsRef<[u8]>,
    T: AsRef<[u8]>,
{
    for (&i, base) in indices.iter().zip(&packed.bases) {
        for (sequence, word) in [
            (pairs[i].0.as_ref(), base[0]),
            (pairs[i].1.as_ref(), base[1]),
        ] {
            let start = word as usize * 4;
            let padded = sequence.len().next_multiple_of(4);
            let bytes = out.slice(start..start + padded);
            let padding = std::iter::repeat_n(0, padded - sequence.len());
            bytes.write_iter(
                sequence
                    .iter()
                    .map(|&residue| scoring.code(residue))
                    .chain(padding),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Word `w` of lane `l`, computed code by code.
    fn expected_words(members: &[&[u8]], rows: usize, scoring: &Scoring) -> Vec<u32> {
        let mut words = vec![u32::MAX; rows * SHORT_GROUP];
        for (lane, sequence) in members.iter().enumerate() {
            for (at, &residue) in sequence.iter().enumerate().take(rows * 8) {
                let word = &mut words[at / 8 * SHORT_GROUP + lane];
                let shift = 4 * (at % 8);
                *word = *word & !(0xF << shift) | u32::from(scoring.code(residue)) << shift;
            }
        }
        words
    }

    #[test]
    fn nibble_words_equal_code_by_code_on_any_bytes() {
        let scoring = Scoring::dna(1, -4, -1, 6, 1).unwrap();
        let fast = Codes::new(&scoring, Width::Nibble);
        #[cfg(target_arch = "x86_64")]
        let slow = Codes {
            nibble_shuffle: None,
            ..Codes::new(&scoring, Width::Nibble)
        };
        #[cfg(not(target_arch = "x86_64"))]
        let slow = Codes::new(&scoring, Width::Nibble);
        let mut state = 0x1234_5678_9ABC_DEF1u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for round in 0..200 {
            // Alphabets: DNA in both cases, with N, and with any byte.
            // DNA in both cases (2-bit codes), with N and now and then
            // another letter of the same low nibble, odd symbols, any byte.
            let (letters, flips): (&[u8], u64) = match round % 5 {
                0 => (b"ACGT", 0),
                1 => (b"acgtACGT", 0),
                2 => (b"acgtACGTNn", 50),
                3 => (b"ACGTNRYUDQW^~.-", 50),
                _ => (&[], 0),
            };
            let lanes = 1 + next() as usize % SHORT_GROUP;
            let sequences: Vec<Vec<u8>> = (0..lanes)
                .map(|_| {
                    let len = next() as usize % 70;
                    (0..len)
                        .map(|_| match letters.len() {
                            0 => next() as u8,
                            n if flips > 0 && next() % flips == 0 => {
                                letters[next() as usize % n] ^ 0x10
                            }
                            n => letters[next() as usize % n],
                        })
                        .collect()
                })
                .collect();
            let members: Vec<&[u8]> = sequences.iter().map(Vec::as_slice).collect();
            let rows = 1 + next() as usize % 10;
            let expected = expected_words(&members, rows, &scoring);
            for codes in [&fast, &slow] {
                let mut bytes = vec![0xEE; rows * ROW_BYTES];
                interleave(
                    WriteOnly::from_mut(&mut bytes[..]),
                    &members,
                    codes,
                    Width::Nibble,
                    false,
                );
                assert_eq!(words(&bytes), expected, "round {round}");
                let pure = members
                    .iter()
                    .all(|member| member.iter().all(|&b| scoring.code(b) < 4));
                assert_eq!(codes.all_below_four(&members), pure);
                assert!(pure || round % 5 > 1);
                if !pure {
                    continue;
                }
                // 2-bit: 16 codes per word in the first half of the rows;
                // codes past a sequence's end are arbitrary.
                let mut bytes = vec![0xEE; rows * ROW_BYTES];
                interleave(
                    WriteOnly::from_mut(&mut bytes[..]),
                    &members,
                    codes,
                    Width::Nibble,
                    true,
                );
                let packed = words(&bytes);
                for (lane, sequence) in members.iter().enumerate() {
                    for (at, &residue) in sequence.iter().enumerate().take(rows * 8) {
                        let word = packed[at / 16 * SHORT_GROUP + lane];
                        let code = (word >> (2 * (at % 16))) & 3;
                        assert_eq!(code, u32::from(scoring.code(residue)), "round {round}");
                    }
                }
                assert!(packed[rows.div_ceil(2) * SHORT_GROUP..]
                    .iter()
                    .all(|&w| w == 0xEEEE_EEEE));
            }
        }
    }

    fn words(bytes: &[u8]) -> Vec<u32> {
        bytes
            .chunks_exact(4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect()
    }

    #[test]
    fn two_bit_words_keep_codes_before_padding() {
        // Codes 0..3 then padding nibbles (15) from position 5 on.
        let low = 0xFFF2_1303;
        let high = 0xFFFF_FFFF;
        let word = two_bit_word(low, high);
        for (at, code) in [3, 0, 3, 1, 2].into_iter().enumerate() {
            assert_eq!((word >> (2 * at)) & 3, code);
        }
        assert_eq!(two_bit_word(0x3210_3210, 0x0123_0123), 0x1B1B_E4E4);
    }
}
