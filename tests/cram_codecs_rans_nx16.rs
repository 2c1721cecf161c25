//! rANS Nx16 order-0 (4-way and X32) on random data: streams built by a
//! small encoder written here from CRAMcodecs section 3 (the decoder's
//! other oracle is the hts-specs conformance set in `cram_codecs.rs`), for
//! every length 0..100 and longer random ones (not multiples of 32, so the
//! vector rounds and the scalar tail both run), then cut short and
//! damaged: an error, never a panic.
//!
//! On x86_64 the X32 streams run through the best vector kernel the CPU
//! has (AVX-512 or AVX2; the unit tests in `rans_nx16/x32.rs` compare each
//! kernel with the scalar steps), the 4-way ones and the tails through the
//! scalar loop.

use biometal::formats::cram::codecs::rans_nx16;
use biometal::{ErrorKind, Format};
use proptest::prelude::*;

/// Renormalisation lower bound of the decoder's states.
const LOWER_BOUND: u32 = 1 << 15;
/// Total of the 12-bit frequency tables.
const TOTAL: u32 = 1 << 12;
/// Flag of 32-way interleaving.
const X32: u8 = 4;

/// Appends `value` as CRAM's uint7 (big-endian 7-bit groups, high bit set
/// on all but the last).
fn put_uint7(out: &mut Vec<u8>, value: u32) {
    let mut groups = vec![(value & 0x7f) as u8];
    let mut rest = value >> 7;
    while rest > 0 {
        groups.push((rest & 0x7f) as u8 | 0x80);
        rest >>= 7;
    }
    out.extend(groups.iter().rev());
}

/// Frequencies of `data`'s symbols scaled to sum to [`TOTAL`], each symbol
/// present keeping at least 1.
fn frequencies(data: &[u8]) -> [u32; 256] {
    let mut counts = [0u64; 256];
    for &b in data {
        counts[usize::from(b)] += 1;
    }
    let mut freqs = [0u32; 256];
    if data.is_empty() {
        return freqs;
    }
    for (f, &c) in freqs.iter_mut().zip(&counts) {
        if c > 0 {
            *f = ((c * u64::from(TOTAL) / data.len() as u64) as u32).max(1);
        }
    }
    // Give the difference to (or take it from) the most frequent symbol.
    let top = (0..256).max_by_key(|&s| freqs[s]).unwrap();
    let sum: u32 = freqs.iter().sum();
    freqs[top] = freqs[top] + TOTAL - sum;
    freqs
}

/// The order-0 frequency table: the alphabet (ascending, runs of
/// consecutive symbols given as the first two and a count, ending at 0),
/// then each symbol's frequency.
fn put_table(out: &mut Vec<u8>, freqs: &[u32; 256]) {
    let mut run = 0;
    for s in 0..256 {
        if freqs[s] == 0 {
            continue;
        }
        if run > 0 {
            run -= 1;
            continue;
        }
        out.push(s as u8);
        if s > 0 && freqs[s - 1] > 0 {
            run = (s + 1..256).take_while(|&t| freqs[t] > 0).count();
            out.push(run as u8);
        }
    }
    out.push(0);
    for &f in freqs.iter().filter(|&&f| f > 0) {
        put_uint7(out, f);
    }
}

/// Encodes `data` as a rANS Nx16 order-0 stream with `ways` (4 or 32)
/// interleaved states: symbol `i` belongs to state `i % ways`.
fn encode_order0(data: &[u8], ways: usize) -> Vec<u8> {
    let freqs = frequencies(data);
    let mut cum = [0u32; 256];
    let mut sum = 0;
    for (c, &f) in cum.iter_mut().zip(&freqs) {
        *c = sum;
        sum += f;
    }
    let mut states = vec![LOWER_BOUND; ways];
    // Words come out in reverse: the decoder reads them front to back.
    let mut words = Vec::new();
    for (i, &b) in data.iter().enumerate().rev() {
        let x = &mut states[i % ways];
        let (f, c) = (freqs[usize::from(b)], cum[usize::from(b)]);
        if *x >= ((LOWER_BOUND >> 12) << 16) * f {
            words.push(*x as u16);
            *x >>= 16;
        }
        *x = (*x / f) * TOTAL + *x % f + c;
    }
    let mut out = vec![if ways == 32 { X32 } else { 0 }];
    put_uint7(&mut out, data.len() as u32);
    if data.is_empty() {
        // No symbols: a table of symbol 0 with frequency 0.
        out.extend([0, 0, 0]);
    } else {
        put_table(&mut out, &freqs);
    }
    for x in &states {
        out.extend(x.to_le_bytes());
    }
    for w in words.iter().rev() {
        out.extend(w.to_le_bytes());
    }
    out
}

/// Random bytes from a skewed alphabet of `alphabet` symbols, so tables
/// have frequent and rare symbols.
fn skewed(len: usize, alphabet: u8, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let r = (x >> 32) as u32;
            // Squaring a uniform value favours small symbols.
            let u = (r % 1024) * (r % 1024) / 1024;
            (u * u32::from(alphabet) / 1024) as u8 + b'!'
        })
        .collect()
}

fn decoded(stream: &[u8]) -> biometal::Result<Vec<u8>> {
    // Stale contents, longer than most outputs: all must be replaced, and
    // an error leaves `out` empty.
    let mut out = vec![7; 2500];
    match rans_nx16::decode(stream, &mut out) {
        Ok(()) => Ok(out),
        Err(e) => {
            assert!(out.is_empty(), "an error left {} bytes", out.len());
            Err(e)
        }
    }
}

#[test]
fn order0_every_length_below_100() {
    for ways in [4, 32] {
        for len in 0..100 {
            let data = skewed(len, 40, len as u64 + 1);
            let stream = encode_order0(&data, ways);
            let out = decoded(&stream).unwrap_or_else(|e| panic!("{ways}-way, {len} bytes: {e}"));
            assert_eq!(out, data, "{ways}-way, {len} bytes");
        }
    }
}

#[test]
fn order0_single_symbol_and_full_alphabet() {
    let all: Vec<u8> = (0..=255).cycle().take(5000).collect();
    for ways in [4, 32] {
        for data in [vec![0u8; 1000], vec![255u8; 77], all.clone()] {
            assert_eq!(decoded(&encode_order0(&data, ways)).unwrap(), data);
        }
    }
}

/// Every strict prefix of a stream is an error naming the format, and so
/// is a stream with one more byte than it uses.
#[test]
fn order0_truncated_is_an_error() {
    for ways in [4, 32] {
        let data = skewed(333, 60, 9);
        let stream = encode_order0(&data, ways);
        for cut in 0..stream.len() {
            let err = decoded(&stream[..cut]).expect_err("a truncated stream decodes");
            assert_eq!(
                err.format(),
                Some(Format::Cram),
                "{ways}-way, cut at {cut}: {err}"
            );
            assert!(
                matches!(
                    err.kind(),
                    ErrorKind::UnexpectedEof | ErrorKind::InvalidData
                ),
                "{ways}-way, cut at {cut}: {err}"
            );
        }
    }
}

proptest! {
    /// Random data of random length, both interleavings, through the
    /// vector rounds and the scalar tail.
    #[test]
    fn order0_round_trips(
        len in 0usize..3000,
        alphabet in 1u8..200,
        seed in any::<u64>(),
        ways in prop_oneof![Just(4usize), Just(32)],
    ) {
        let data = skewed(len, alphabet, seed);
        let stream = encode_order0(&data, ways);
        prop_assert_eq!(decoded(&stream).unwrap(), data);
    }

    /// A damaged stream (one byte changed, or cut) decodes to something or
    /// fails with an error: never a panic.
    #[test]
    fn order0_damaged_never_panics(
        len in 0usize..2000,
        seed in any::<u64>(),
        ways in prop_oneof![Just(4usize), Just(32)],
        at in any::<prop::sample::Index>(),
        byte in any::<u8>(),
        cut in any::<prop::sample::Index>(),
    ) {
        let stream = encode_order0(&skewed(len, 50, seed), ways);
        let mut damaged = stream.clone();
        let i = at.index(damaged.len());
        damaged[i] = byte;
        if let Err(e) = decoded(&damaged) {
            prop_assert_eq!(e.format(), Some(Format::Cram));
        }
        let cut = cut.index(stream.len());
        prop_assert!(decoded(&stream[..cut]).is_err());
    }
}
