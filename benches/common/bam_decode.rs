//! Full BAM decoding shared by `benches/bam.rs` and the peers' `bam` bench,
//! so both measure the same work: every field of every record decoded from
//! the borrowed records of `next_record` (no copy of the record) — name,
//! CIGAR, sequence to ASCII, qualities and every aux value.
use std::path::Path;

use biometal::formats::bam;
use biometal::formats::sam::record::data::Value;

/// Decodes every field of every record of `path`; a checksum of lengths
/// (names, CIGAR spans, bases, qualities, non-character aux fields).
pub fn full_decode(path: &Path) -> usize {
    let mut reader = bam::Reader::from_path(path).expect("open");
    reader.read_header().expect("header");
    let mut bases = Vec::new();
    let mut total = 0;
    while let Some(view) = reader.next_record().expect("record") {
        total += view.name().len();
        total += view.cigar().iter().map(|op| op.len as usize).sum::<usize>();
        bases.clear();
        view.sequence().decode_into(&mut bases);
        total += bases.len();
        total += view.qualities().map_or(0, |q| q.len());
        for field in view.data().iter() {
            let (_, value) = field.expect("aux field");
            total += usize::from(!matches!(value, Value::Character(_)));
        }
    }
    total
}
