//! Decodes arbitrary bytes as a CRAM rans_nx16 stream: must return, never panic.
#![no_main]

use biometal::formats::cram::codecs::rans_nx16;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut out = Vec::new();
    let _ = rans_nx16::decode(data, &mut out);
});
