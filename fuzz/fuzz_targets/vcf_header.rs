//! VCF header text, strict and lenient: an error naming a line, or a header
//! that writes back byte for byte and whose dictionaries are consistent;
//! never a panic.
#![no_main]

use biometal::formats::vcf::header::{ParseOptions, Strictness};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for strictness in [Strictness::Strict, Strictness::Lenient] {
        match ParseOptions::default().strictness(strictness).parse(text) {
            Ok(header) => {
                let mut written = Vec::new();
                header.write(&mut written).expect("writing to a Vec");
                let reparsed = ParseOptions::default()
                    .strictness(strictness)
                    .parse(std::str::from_utf8(&written).expect("UTF-8"))
                    .expect("a written header parses again");
                assert_eq!(reparsed.to_string(), header.to_string());
                for definition in header.infos() {
                    let index = definition.string_index();
                    assert_eq!(header.string_dictionary().get(index), Some(definition.id()));
                }
            }
            Err(error) => assert!(error.location().line().is_some(), "{error}"),
        }
    }
});
