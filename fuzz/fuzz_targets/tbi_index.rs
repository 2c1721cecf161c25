//! Tabix: TBI parsing (an error, or an index that writes back and reads
//! back equal and plans queries without panicking), and index building plus
//! queries over arbitrary bgzipped text (an error, or lines that overlap
//! the region).
#![no_main]

use std::io::Write;

use biometal::bgzf;
use biometal::index::tabix::{self, TabixConfig, TabixFormat};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode & 1 == 0 {
        let mut bytes = b"TBI\x01".to_vec();
        bytes.extend_from_slice(rest);
        let Ok(parsed) = tabix::read(&bytes) else {
            return;
        };
        let written = biometal::index::tbi::write(&parsed).expect("a parsed TBI writes back");
        assert_eq!(tabix::read(&written).expect("our TBI reads back"), parsed);
        for name in parsed.names().iter().take(4) {
            let region = parsed.parse_region(name);
            if let Ok(region) = region {
                let _ = parsed.chunks(&region);
            }
        }
        return;
    }
    let config = match mode >> 1 & 3 {
        0 => TabixConfig::bed(),
        1 => TabixConfig::gff(),
        2 => TabixConfig::vcf(),
        _ => TabixConfig::sam(),
    };
    let format = if mode & 8 == 0 { TabixFormat::Tbi } else { TabixFormat::Csi };
    let mut writer = bgzf::Writer::new(Vec::new());
    writer.write_all(rest).expect("in-memory write");
    let compressed = writer.finish().expect("in-memory BGZF");
    let mut reader = bgzf::Reader::new(std::io::Cursor::new(&compressed));
    let Ok(index) = tabix::build(&mut reader, config, format) else {
        return;
    };
    let bytes = index.to_bgzf_bytes().expect("a built index encodes");
    let mut decoded = Vec::new();
    std::io::Read::read_to_end(&mut bgzf::Reader::new(&bytes[..]), &mut decoded).expect("BGZF");
    assert_eq!(tabix::read(&decoded).expect("a built index reads back"), index);
    for name in index.names().iter().take(3) {
        for text in [name.clone(), format!("{name}:1-1000"), format!("{name}:5000")] {
            let Ok(region) = index.parse_region(&text) else {
                continue;
            };
            let mut query = tabix::query(&mut reader, &index, &region).expect("BGZF input");
            while let Some(line) = query.next_line().expect("indexed lines parse") {
                let interval = line.interval();
                let wanted = region.interval();
                assert!(interval.start() < wanted.end() && interval.end() > wanted.start());
            }
        }
    }
});
