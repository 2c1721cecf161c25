//! Fuzzes the streaming FASTA reader (tiny buffers), `.fai` building, and
//! indexed fetches, which must equal the streamed sequences.
#![no_main]

use biometal::formats::fasta::{fai::Index, IndexedReader, Interval, ReaderBuilder};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&control, input)) = data.split_first() else {
        return;
    };
    let mut reader = ReaderBuilder::new()
        .buffer_capacity(usize::from(control % 32) + 1)
        .max_record_size(1 << 16)
        .build_from_reader(input);
    let mut streamed = Vec::new();
    while let Some(record) = reader.next_record() {
        let Ok(record) = record else { break };
        streamed.push((record.name().to_vec(), record.sequence().to_vec()));
    }
    let Ok(index) = Index::build(input) else {
        return;
    };
    let indexed = IndexedReader::new(input.to_vec(), index.clone());
    for record in index.records() {
        let Ok(whole) = indexed.fetch(record.name(), Interval::full()) else {
            continue;
        };
        assert_eq!(whole.len() as u64, record.length());
        let start = u64::from(control) % (record.length() + 1);
        if let Ok(part) = indexed.fetch(
            record.name(),
            Interval::new(start, u64::MAX).expect("start <= MAX"),
        ) {
            assert_eq!(&part[..], &whole[start as usize..]);
        }
    }
});
