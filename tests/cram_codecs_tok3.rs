//! Name tokeniser (tok3) streams built by hand, one feature or one fault at
//! a time, beside the hts-specs conformance files in `cram_codecs.rs`.

use biometal::formats::cram::codecs::tok3;
use biometal::{ErrorKind, Format};

const TYPE: u8 = 0;
const ALPHA: u8 = 1;
const CHAR: u8 = 2;
const DIGITS0: u8 = 3;
const DZLEN: u8 = 4;
const DUP: u8 = 5;
const DIFF: u8 = 6;
const DIGITS: u8 = 7;
const DELTA: u8 = 8;
const DELTA0: u8 = 9;
const MATCH: u8 = 10;
const NOP: u8 = 11;
const END: u8 = 12;
const NEW: u8 = 128;
const DUPLICATE: u8 = 64;

/// A tok3 block: header, then (descriptor, stream) pairs, each stream
/// stored raw inside rANS Nx16 (flag CAT) and prefixed by its length.
fn block(total: u32, names: u32, streams: &[(u8, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&total.to_le_bytes());
    out.extend_from_slice(&names.to_le_bytes());
    out.push(0);
    for (descriptor, data) in streams {
        assert!(data.len() < 127);
        out.push(*descriptor);
        out.push(data.len() as u8 + 2); // compressed length (uint7)
        out.push(32); // rANS Nx16 CAT
        out.push(data.len() as u8);
        out.extend_from_slice(data);
    }
    out
}

fn u32s(values: &[u32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// Two DIFF names and a DUP, using ALPHA, MATCH, DIGITS, DELTA, DIGITS0,
/// DZLEN, DELTA0, CHAR, NOP and END.
fn example() -> Vec<(u8, Vec<u8>)> {
    vec![
        (NEW | TYPE, vec![DIFF, DIFF, DUP]),
        (DIFF, u32s(&[0, 1])),
        (DUP, u32s(&[1])),
        (NEW | TYPE, vec![ALPHA, MATCH]),
        (ALPHA, b"ab\0".to_vec()),
        (NEW | TYPE, vec![DIGITS, DELTA]),
        (DIGITS, u32s(&[7])),
        (DELTA, vec![2]),
        (NEW | TYPE, vec![DIGITS0, DELTA0]),
        (DIGITS0, u32s(&[5])),
        (DZLEN, vec![3]),
        (DELTA0, vec![5]),
        (NEW | TYPE, vec![NOP, CHAR]),
        (CHAR, vec![b'/']),
        (NEW | TYPE, vec![END, END]),
    ]
}

#[test]
fn every_token_type_decodes() {
    let mut out = Vec::new();
    tok3::decode(&block(23, 3, &example()), &mut out).unwrap();
    assert_eq!(out, b"ab7005\0ab9010/\0ab9010/\0");
}

/// Decodes and expects a CRAM invalid-data error mentioning `needle`.
fn rejects(src: &[u8], needle: &str) {
    let mut out = Vec::new();
    let err = tok3::decode(src, &mut out).expect_err("hostile stream decoded");
    assert_eq!(err.format(), Some(Format::Cram), "{err}");
    assert!(err.to_string().contains(needle), "{err} lacks {needle:?}");
}

/// `example()` with stream `index` replaced.
fn with(index: usize, stream: (u8, Vec<u8>)) -> Vec<(u8, Vec<u8>)> {
    let mut streams = example();
    streams[index] = stream;
    streams
}

#[test]
fn header_faults() {
    rejects(&block(22, 3, &example()), "pass the stored total size");
    rejects(&block(24, 3, &example()), "header says 24");
    rejects(&block(2, 3, &[]), "cannot fit");
    let mut huge = block(u32::MAX, 1, &[]);
    let mut out = Vec::new();
    let err = tok3::decode(&huge, &mut out).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::LimitExceeded);
    huge[..4].copy_from_slice(&1u32.to_le_bytes());
    huge[8] = 2;
    rejects(&huge, "codec flag");
}

#[test]
fn reference_faults() {
    // The first name may not refer back, nor DUP itself.
    rejects(
        &block(23, 3, &with(1, (DIFF, u32s(&[1, 1])))),
        "only 0 precede",
    );
    rejects(
        &block(23, 3, &with(2, (DUP, u32s(&[0])))),
        "duplicate of itself",
    );
    rejects(&block(23, 3, &with(2, (DUP, u32s(&[3])))), "only 2 precede");
    // DELTA/MATCH need a previous name and a numeric / valued token there.
    rejects(
        &block(23, 3, &with(5, (NEW | TYPE, vec![DELTA, DELTA]))),
        "distance 0",
    );
    rejects(
        &block(23, 3, &with(3, (NEW | TYPE, vec![ALPHA, DELTA]))),
        "not a number",
    );
    rejects(
        &block(23, 3, &with(12, (NEW | TYPE, vec![NOP, MATCH]))),
        "no value",
    );
    rejects(
        &block(23, 3, &with(4, (ALPHA, b"ab".to_vec()))),
        "exhausted",
    );
    rejects(
        &block(23, 3, &with(10, (DZLEN, vec![0]))),
        "does not fit its length",
    );
    rejects(
        &block(23, 3, &with(9, (DIGITS0, u32s(&[999])))),
        "does not fit its length",
    );
    rejects(
        &block(23, 3, &with(0, (NEW | TYPE, vec![DIFF, ALPHA, DUP]))),
        "DUP (5) or DIFF",
    );
}

#[test]
fn stream_layout_faults() {
    // A duplicate stream must copy an earlier, existing one.
    let mut src = block(23, 3, &example());
    src.extend_from_slice(&[DUPLICATE | CHAR, 9, TYPE]);
    rejects(&src, "does not precede");
    let mut src = block(23, 3, &example());
    src.extend_from_slice(&[DUPLICATE | CHAR, 1, DIGITS]);
    rejects(&src, "does not exist");
    // The first descriptor must open a position; types stop at END.
    rejects(
        &block(23, 3, &[(TYPE, vec![DIFF])]),
        "does not start a token position",
    );
    rejects(
        &block(23, 3, &[(NEW | 13, vec![DIFF])]),
        "is not a token type",
    );
    // Names need an END within 127 tokens; positions stop at 128.
    let mut nops = vec![(NEW | TYPE, vec![DIFF]), (DIFF, u32s(&[0]))];
    nops.extend((1..128).map(|_| (NEW | NOP, vec![0])));
    rejects(&block(1, 1, &nops), "no END token");
    nops.push((NEW | END, vec![0]));
    rejects(&block(1, 1, &nops), "more than 128 token positions");
}

#[test]
fn implied_and_duplicated_streams_decode() {
    // Position 1's type stream implied (ALPHA then MATCH), position 2's a
    // duplicate of position 1's CHAR stream... via the ALPHA stream bytes.
    let streams = vec![
        (NEW | TYPE, vec![DIFF, DIFF]),
        (DIFF, u32s(&[0, 1])),
        (NEW | ALPHA, b"xy\0".to_vec()),
        (NEW | TYPE, vec![CHAR, CHAR]),
        (CHAR, b"-+".to_vec()),
        (NEW | TYPE, vec![END, END]),
    ];
    let mut src = block(8, 2, &streams);
    let mut out = Vec::new();
    tok3::decode(&src, &mut out).unwrap();
    assert_eq!(out, b"xy-\0xy+\0");
    // Replace position 2's CHAR stream by a duplicate of position 1's
    // implied TYPE stream read as CHAR bytes: [ALPHA, MATCH] = [1, 10].
    let cut = src.len() - (1 + 1 + 2 + 2) - (1 + 1 + 2 + 2);
    src.truncate(cut);
    src.extend_from_slice(&[DUPLICATE | CHAR, 1, TYPE]);
    src.extend_from_slice(&[NEW | TYPE, 4, 32, 2, END, END]);
    tok3::decode(&src, &mut out).unwrap();
    assert_eq!(out, b"xy\x01\0xy\x0a\0");
}
