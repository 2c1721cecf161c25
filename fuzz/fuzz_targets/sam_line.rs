//! SAM text (header and records) into BAM-layout records: an error or a
//! record that prints back; never a panic.
#![no_main]

use biometal::formats::sam;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for strictness in [sam::header::Strictness::Strict, sam::header::Strictness::Lenient] {
        let mut reader = sam::Reader::new(data).with_strictness(strictness);
        let Ok(header) = reader.read_header() else {
            continue;
        };
        let mut record = sam::Record::default();
        let mut writer = sam::Writer::new(Vec::new());
        while let Ok(true) = reader.read_record(&header, &mut record) {
            writer.write_record(&header, record.as_ref()).expect("a record read with this header prints");
        }
    }
});
