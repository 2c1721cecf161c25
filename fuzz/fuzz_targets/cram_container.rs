//! Reads arbitrary bytes as a CRAM 3.0 stream (after a valid file
//! definition): container headers, blocks, the SAM header container,
//! compression headers and slices. Must return, never panic. CRC32 checks
//! are skipped under `cfg(fuzzing)` so that mutations reach the parsers.
#![no_main]

use biometal::formats::cram::ReaderBuilder;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut input = b"CRAM\x03\x00".to_vec();
    input.extend_from_slice(&[0; 20]);
    input.extend_from_slice(data);
    let mut reader = ReaderBuilder::new().build(&input[..]);
    if reader.read_header().is_err() {
        return;
    }
    while let Ok(Some(_)) = reader.next_record() {}
});
