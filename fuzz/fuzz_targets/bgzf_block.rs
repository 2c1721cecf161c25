//! Block framing over arbitrary bytes: header parsing, splitting and
//! inflating must return an error or a consistent result, never panic.
#![no_main]

use biometal::bgzf::{block, MAX_BLOCK_SIZE};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(extra_len) = block::extra_field_len(data, 0) {
        assert!(extra_len <= usize::from(u16::MAX));
    }
    let Ok(size) = block::block_size(data, 0) else {
        return;
    };
    assert!(size <= MAX_BLOCK_SIZE);
    let Some(whole) = data.get(..size) else {
        return;
    };
    let Ok(parts) = block::split_block(whole, 0) else {
        return;
    };
    assert!(parts.uncompressed_size <= MAX_BLOCK_SIZE);
    let mut decompressor = libdeflater::Decompressor::new();
    let mut out = vec![0; MAX_BLOCK_SIZE];
    if let Ok(len) = block::inflate_into(&mut decompressor, &parts, &mut out, 0) {
        assert_eq!(len, parts.uncompressed_size);
        assert_eq!(crc32fast::hash(&out[..len]), parts.crc32);
    }
});
