//! Decodes arbitrary bytes as a CRAM fqzcomp_qual stream: must return,
//! never panic.
#![no_main]

use biometal::formats::cram::codecs::fqzcomp;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut out = Vec::new();
    let _ = fqzcomp::decode(data, &mut out);
});
