//! VCF text (header and records) through the reader, strict and lenient,
//! decoding every field of every record and writing it back: errors, never
//! a panic or an allocation sized by the input's claims.
#![no_main]

use biometal::formats::vcf::header::Strictness;
use biometal::formats::vcf::{GenotypeMatrix, ReaderBuilder, Writer};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for strictness in [Strictness::Strict, Strictness::Lenient] {
        let mut reader = ReaderBuilder::new()
            .strictness(strictness)
            .max_line_size(1 << 20)
            .build_from_reader(data);
        let Ok(header) = reader.read_header().cloned() else {
            continue;
        };
        let mut matrix = GenotypeMatrix::new();
        let mut counts = Vec::new();
        let mut writer = Writer::new(Vec::new());
        while let Ok(Some(record)) = reader.next_record() {
            let _ = record.chromosome(&header);
            let _ = record.position();
            let _ = record.quality();
            let _ = record.ids().map(|ids| ids.count());
            let _ = record.filters().map(|filters| filters.map(|f| f.count()));
            for field in record.info_fields(&header) {
                let _ = field.map(|(_, value)| value.to_string());
            }
            if record.genotypes_into(&header, &mut matrix).is_ok() {
                matrix.allele_counts(1 + record.alternate_allele_count(), &mut counts);
            }
            for key in record.format_keys().flatten() {
                let _ = record.sample_value(&header, 0, key);
            }
            let _ = writer.write_variant(&header, &record);
        }
    }
});
