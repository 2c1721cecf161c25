//! Decodes arbitrary bytes as a CRAM name-tokeniser (tok3) stream: must
//! return, never panic.
#![no_main]

use biometal::formats::cram::codecs::tok3;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut out = Vec::new();
    let _ = tok3::decode(data, &mut out);
});
