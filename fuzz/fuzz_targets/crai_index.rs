//! CRAI text and CRAI building. Even first byte: the rest is read as CRAI
//! text; what parses must print back to text that parses to the same
//! index. Odd first byte: the rest is a CRAM 3.0 stream (after a valid
//! file definition) to index, walking container and slice headers and
//! decoding multi-reference slices. Must return, never panic.
#![no_main]

use biometal::formats::cram::crai::{self, Index};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode % 2 == 0 {
        if let Ok(index) = Index::read(rest) {
            let text = index.to_text();
            let again = Index::read(text.as_bytes()).expect("printed CRAI text parses");
            assert_eq!(again, index);
        }
    } else {
        let mut input = b"CRAM\x03\x00".to_vec();
        input.extend_from_slice(&[0; 20]);
        input.extend_from_slice(rest);
        let _ = crai::build(&input[..]);
    }
});
