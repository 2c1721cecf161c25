//! Decodes arbitrary bytes as a CRAM rans4x8 stream: must return, never panic.
#![no_main]

use biometal::formats::cram::codecs::rans4x8;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut out = Vec::new();
    let _ = rans4x8::decode(data, &mut out);
});
