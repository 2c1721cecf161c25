//! Writing a chunk's residues into the mapped upload buffer in the layout
//! the kernels read (pure CPU code, tested without a GPU): lane-interleaved
//! words of codes for the short-pair kernel, one code per byte for the
//! wavefront kernel.

use wgpu::WriteOnly;

use super::batch::{Packed, Width, SHORT_GROUP};
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

/// A write-only view of part of a mapped upload buffer that may move to
/// another thread.
struct Part<'a>(WriteOnly<'a, [u8]>);

// SAFETY: a `WriteOnly<[u8]>` is an exclusive, write-only `&mut [u8]`,
// which is `Send`; wgpu only leaves `Send` out for unsized element types
// (its impl has an implicit `T: Sized` bound), not for a reason that
// applies to bytes.
unsafe impl Send for Part<'_> {}

/// Writes the residue words of a chunk planned by `plan_short` (pairs
/// `indices`) into `out` (`4 × residue_words` bytes, little-endian),
/// groups spread over all cores. Every thread writes its part front to
/// back, as write-combined upload memory wants.
pub(super) fn fill_short<Q, T>(
    pairs: &[(Q, T)],
    packed: &Packed,
    indices: &[usize],
    codes: &Codes<'_>,
    out: WriteOnly<'_, [u8]>,
) where
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
    let fill = |slices: &mut [(Part, Part)], first_group: usize| {
        let mut members: [&[u8]; SHORT_GROUP] = [&[]; SHORT_GROUP];
        for (offset, (query, target)) in slices.iter_mut().enumerate() {
            let start = (first_group + offset) * SHORT_GROUP;
            let group = &indices[start..(start + SHORT_GROUP).min(indices.len())];
            let lanes = group.len();
            for (member, &i) in members.iter_mut().zip(group) {
                *member = pairs[i].0.as_ref();
            }
            interleave(query.0.slice(..), &members[..lanes], codes, width);
            for (member, &i) in members.iter_mut().zip(group) {
                *member = pairs[i].1.as_ref();
            }
            interleave(target.0.slice(..), &members[..lanes], codes, width);
        }
    };
    let threads = match indices.len() {
        0..=4095 => 1,
        _ => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let per_thread = groups.div_ceil(threads).max(1);
    // The calling thread packs the first part itself: one thread fewer to
    // start per chunk.
    let mut parts = slices.chunks_mut(per_thread);
    let own = parts.next();
    std::thread::scope(|scope| {
        for (part, slices) in parts.enumerate() {
            let fill = &fill;
            scope.spawn(move || fill(slices, (part + 1) * per_thread));
        }
        if let Some(slices) = own {
            fill(slices, 0);
        }
    });
}

/// Bytes of one row of a group's residue words: word `w` of every lane.
const ROW_BYTES: usize = SHORT_GROUP * 4;

/// One group's sequences in `out`: word `w` of lane `l` at word
/// `w × SHORT_GROUP + l`, [`Width::per_word`] codes per word, the first in
/// the low bits; lanes past `members` and codes past a sequence's end hold
/// the padding code. Each row of words is built in a small buffer and
/// written out whole, front to back, as write-combined upload memory wants.
fn interleave(out: WriteOnly<'_, [u8]>, members: &[&[u8]], codes: &Codes, width: Width) {
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
                unsafe { ssse3::interleave_nibbles(out, members, codes, shuffle, pair_word) };
                return;
            }
            interleave_rows::<8>(out, members, codes, pair_word, |_| None)
        }
        (Width::Nibble, None) => interleave_rows::<8>(
            out,
            members,
            codes,
            |residues| word_of_codes(residues, codes.scoring, 4),
            |_| None,
        ),
        (Width::Byte, _) => interleave_rows::<4>(
            out,
            members,
            codes,
            |residues| word_of_codes(residues, codes.scoring, 8),
            |_| None,
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
/// Rows are written two at a time.
#[inline(always)]
fn interleave_rows<const PER_WORD: usize>(
    out: WriteOnly<'_, [u8]>,
    members: &[&[u8]],
    codes: &Codes,
    full_word: impl Fn(&[u8; PER_WORD]) -> u32,
    two_words: impl Fn(&[u8]) -> Option<[u32; 2]>,
) {
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
    let mut rows = rows.into_iter();
    let mut start = 0;
    while let Some(first) = rows.next() {
        let [first_row, second_row] = &mut row_pair;
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
        first.write(row_pair[0]);
        if let Some(second) = rows.next() {
            second.write(row_pair[1]);
        }
        start += 2 * PER_WORD;
    }
}

#[cfg(target_arch = "x86_64")]
mod ssse3 {
    use std::arch::x86_64::{
        __m128i, _mm_and_si128, _mm_cmpeq_epi8, _mm_cvtsi128_si64, _mm_loadu_si128,
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
    ) {
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
        interleave_rows::<8>(out, members, codes, pair_word, two_words);
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
            let letters: &[u8] = match round % 4 {
                0 => b"ACGT",
                1 => b"acgtACGTNn",
                2 => b"ACGTNRYUDQW^~.-",
                _ => &[],
            };
            let lanes = 1 + next() as usize % SHORT_GROUP;
            let sequences: Vec<Vec<u8>> = (0..lanes)
                .map(|_| {
                    let len = next() as usize % 70;
                    (0..len)
                        .map(|_| match letters.len() {
                            0 => next() as u8,
                            n if next() % 50 == 0 => letters[next() as usize % n] ^ 0x10,
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
                );
                let words: Vec<u32> = bytes
                    .chunks_exact(4)
                    .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                    .collect();
                assert_eq!(words, expected, "round {round}");
            }
        }
    }
}
