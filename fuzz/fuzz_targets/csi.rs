//! CSI parsing: an error, or an index that writes back and reads back
//! equal and answers queries without panicking.
#![no_main]

use biometal::index;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut bytes = b"CSI\x01".to_vec();
    bytes.extend_from_slice(data);
    let Ok(parsed) = index::csi::read(&bytes) else {
        return;
    };
    assert_eq!(index::csi::read(&index::csi::write(&parsed)).expect("our CSI reads back"), parsed);
    for reference in 0..parsed.references.len().min(4) {
        let _ = index::query::chunks_for(&parsed, reference, 0, 1 << 20);
        let _ = index::query::chunks_for(&parsed, reference, 1 << 40, u64::MAX);
    }
});
