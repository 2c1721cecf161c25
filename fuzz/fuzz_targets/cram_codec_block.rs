//! Decodes arbitrary bytes as a CRAM block: byte 0 picks the compression
//! method, bytes 1..3 the expected size (little-endian, so at most 64 KiB),
//! the rest is the compressed data. Must return, never panic.
#![no_main]

use biometal::formats::cram::codecs::block::{decompress, Method};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let [id, lo, hi, src @ ..] = data else {
        return;
    };
    let Ok(method) = Method::from_id(id % 9) else {
        return;
    };
    let expected_len = usize::from(u16::from_le_bytes([*lo, *hi]));
    let mut out = Vec::new();
    let _ = decompress(method, src, expected_len, &mut out);
});
