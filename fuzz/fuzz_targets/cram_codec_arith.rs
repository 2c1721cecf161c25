//! Decodes arbitrary bytes as a CRAM arithmetic-coder stream: must return,
//! never panic.
#![no_main]

use biometal::formats::cram::codecs::arith;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut out = Vec::new();
    let _ = arith::decode(data, &mut out);
});
