//! The reader over arbitrary bytes, with one and with two threads: no
//! panic, and both produce the same bytes and the same error.
#![no_main]

use std::io::Read;

use biometal::bgzf::ReaderBuilder;
use libfuzzer_sys::fuzz_target;

fn read_all(data: &[u8], threads: usize) -> (Vec<u8>, Option<(biometal::ErrorKind, Option<u64>)>) {
    let mut reader = ReaderBuilder::new().threads(threads).build(data);
    let mut out = Vec::new();
    let mut buf = [0; 4096];
    loop {
        match reader.read(&mut buf) {
            Ok(0) => return (out, None),
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(error) => {
                let error = biometal::Error::from(error);
                return (out, Some((error.kind(), error.location().byte_offset())));
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let single = read_all(data, 1);
    let multi = read_all(data, 2);
    assert!(single == multi, "one and two threads disagree");
});
