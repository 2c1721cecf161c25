//! Fuzzes the FASTQ reader with tiny buffers (so records straddle every
//! buffer edge), a small record cap, each record through the statistics and
//! the batch path; a pass-through copy must re-read to the same records.
#![no_main]

use biometal::formats::fastq::{ReaderBuilder, RecordBatch, RecordStats, Writer};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&control, input)) = data.split_first() else {
        return;
    };
    let capacity = usize::from(control % 32) + 1;
    let mut reader = ReaderBuilder::new()
        .buffer_capacity(capacity)
        .max_record_size(1 << 16)
        .four_line_only(control & 0x80 != 0)
        .validate_quality(control & 0x40 != 0)
        .build_from_reader(input);
    let mut writer = Writer::new(Vec::new());
    let mut records = Vec::new();
    while let Some(record) = reader.next_record() {
        let Ok(record) = record else { break };
        let _ = RecordStats::of(&record);
        assert_eq!(record.sequence().len(), record.quality().len());
        writer.write_record_ref(&record).expect("writing to a Vec");
        records.push(record.to_owned());
    }
    let copy = writer.into_inner();
    let mut again = ReaderBuilder::new()
        .buffer_capacity(capacity)
        .build_from_reader(&copy[..]);
    let mut batch = RecordBatch::new();
    let mut reread = Vec::new();
    while again
        .read_batch(&mut batch, 3)
        .expect("a copy of valid records re-reads")
        > 0
    {
        reread.extend(batch.iter().map(|record| record.to_owned()));
    }
    assert_eq!(reread, records);
});
