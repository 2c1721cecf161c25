//! GFF3/GTF text through the reader (each dialect, and detected): an error
//! or records whose getters and attribute views all answer and which copy
//! back byte for byte; the `##FASTA` section through the FASTA reader;
//! never a panic.
#![no_main]

use biometal::formats::gff::{Dialect, Genes, Line, Reader, ReaderBuilder, Writer};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for dialect in [None, Some(Dialect::Gff3), Some(Dialect::Gtf)] {
        let mut builder = ReaderBuilder::new().buffer_capacity(64);
        if let Some(dialect) = dialect {
            builder = builder.dialect(dialect);
        }
        let mut reader: Reader<&[u8]> = builder.build_from_reader(data);
        let mut writer = Writer::new(Vec::new());
        while let Some(Ok(line)) = reader.next_line() {
            if let Line::Record(record) = &line {
                assert!(record.start() <= record.end());
                let _ = (record.score(), record.strand(), record.phase(), record.interval());
                for (key, value) in record.attributes().entries() {
                    assert!(!key.is_empty());
                    for item in value.items() {
                        let _ = item.decoded();
                    }
                }
                let _ = record.attributes().values(b"Parent").count();
            }
            writer.write_line(&line).expect("writes to memory");
        }
        if reader.at_fasta() {
            if let Ok(mut fasta) = reader.into_fasta_reader() {
                while let Some(Ok(_)) = fasta.next_record() {}
            }
        }
    }
    for group in Genes::new(Reader::new(data)).max_features(1000) {
        let Ok(group) = group else { break };
        for feature in group.features() {
            assert!(feature.children().iter().all(|&i| i < group.features().len()));
        }
    }
});
