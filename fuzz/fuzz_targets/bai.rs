//! BAI parsing: an error, or an index that writes back to the same bytes'
//! meaning (read → write → read is stable) and answers queries.
#![no_main]

use biometal::index;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut bytes = b"BAI\x01".to_vec();
    bytes.extend_from_slice(data);
    let Ok(parsed) = index::bai::read(&bytes) else {
        return;
    };
    let written = index::bai::write(&parsed).expect("a BAI index writes as BAI");
    assert_eq!(index::bai::read(&written).expect("our BAI reads back"), parsed);
    for reference in 0..parsed.references.len().min(4) {
        let _ = index::query::chunks_for(&parsed, reference, 0, 1 << 20);
    }
});
