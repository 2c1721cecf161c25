//! One BAM record's bytes: validation either fails with an error or yields
//! a view whose every getter (and SAM formatting) works without panicking.
#![no_main]

use biometal::formats::sam::{self, RecordRef};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(record) = RecordRef::new(data) else {
        return;
    };
    let _ = (record.name(), record.flags(), record.mapping_quality(), record.template_length());
    let _ = (record.alignment_start(), record.alignment_end(), record.mate_alignment_start());
    let cigar = record.cigar();
    let _ = (cigar.reference_span(), cigar.query_length(), cigar.to_string());
    let sequence = record.sequence();
    let mut bases = Vec::new();
    sequence.decode_into(&mut bases);
    assert_eq!(bases.len(), sequence.len());
    let _ = record.qualities();
    // The aux data is checked lazily: every accessor must return values or
    // an error, and agree on whether the data is valid.
    let data = record.data();
    let mut malformed = false;
    for field in data.iter() {
        match field {
            Ok((tag, value)) => {
                let _ = value.as_int();
                assert!(data.get(&tag).is_ok());
            }
            Err(_) => malformed = true,
        }
    }
    assert_eq!(data.validate().is_err(), malformed);
    let _ = data.get(b"NM");
    let references: Vec<_> = (0..64)
        .map(|i| sam::header::ReferenceSequence::new(format!("r{i}"), 1000))
        .collect();
    let header = sam::Header::from_references(references);
    let mut line = Vec::new();
    let _ = sam::writer::format_record(&header, record, &mut line);
});
