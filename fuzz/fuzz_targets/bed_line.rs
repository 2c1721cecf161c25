//! BED text through the reader (tab- and whitespace-separated, layout
//! detected): an error or records whose getters all answer and which copy
//! back byte for byte; never a panic.
#![no_main]

use biometal::formats::bed::{Reader, ReaderBuilder, Separator, Writer};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for separator in [Separator::Tab, Separator::Whitespace] {
        let mut reader: Reader<&[u8]> = ReaderBuilder::new()
            .separator(separator)
            .buffer_capacity(64)
            .build_from_reader(data);
        let mut writer = Writer::new(Vec::new());
        let mut consumed = 0;
        while let Some(Ok(line)) = reader.next_line() {
            if let biometal::formats::bed::Line::Record(record) = &line {
                let interval = record.interval();
                assert!(interval.start() <= interval.end());
                let _ = (record.name(), record.score(), record.strand(), record.item_rgb());
                if let Some(blocks) = record.blocks() {
                    for block in blocks {
                        assert!(block.start() >= interval.start() && block.end() <= interval.end());
                    }
                }
                let _ = record.extra_fields().count();
            }
            writer.write_line(&line).expect("writes to memory");
            consumed = reader.lines_read();
        }
        let written = writer.into_inner();
        let lines_in = data.split_inclusive(|&b| b == b'\n').take(consumed as usize);
        let expected: usize = lines_in.map(|line| line.len() + usize::from(!line.ends_with(b"\n"))).sum();
        assert_eq!(written.len(), expected);
    }
});
