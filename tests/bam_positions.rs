//! Virtual positions reported between borrowed records (`next_record`,
//! which consumes a decoded block only when it runs out) equal those
//! between owned records (`read_record`, which consumes each record), the
//! positions index building stores and `index_oracle` checks against
//! samtools; and seeking back to them reads the same record.
mod common;

use std::path::Path;

use biometal::bgzf::VirtualPosition;
use biometal::formats::sam::record::cigar::{Kind, Op};
use biometal::formats::sam::record::RecordFields;
use biometal::formats::{bam, sam};
use biometal::region::Position;
use common::{rng::XorShift64, testdata, TempDir};

/// (position before the record, the record's bytes) for every record,
/// through owned records.
fn owned_positions(path: &Path) -> Vec<(VirtualPosition, Vec<u8>)> {
    let mut reader = bam::Reader::from_path(path).unwrap();
    reader.read_header().unwrap();
    let mut record = sam::Record::default();
    let mut out = Vec::new();
    loop {
        let at = reader.virtual_position().unwrap();
        if !reader.read_record(&mut record).unwrap() {
            break;
        }
        out.push((at, record.as_bytes().to_vec()));
    }
    out
}

fn check(path: &Path) {
    let expected = owned_positions(path);
    for threads in [1, 2] {
        let mut reader = bam::ReaderBuilder::new()
            .threads(threads)
            .build_from_path(path)
            .unwrap();
        reader.read_header().unwrap();
        let mut found = Vec::new();
        loop {
            let at = reader.virtual_position().unwrap();
            let Some(record) = reader.next_record().unwrap() else {
                break;
            };
            found.push((at, record.as_bytes().to_vec()));
        }
        assert_eq!(found.len(), expected.len(), "{}", path.display());
        for (n, (found, expected)) in found.iter().zip(&expected).enumerate() {
            assert_eq!(found, expected, "record {} of {}", n + 1, path.display());
        }
    }
    // Seeking to a reported position reads that record.
    let mut reader = bam::Reader::from_path(path).unwrap();
    reader.read_header().unwrap();
    for (at, bytes) in expected.iter().step_by(97) {
        reader.seek(*at).unwrap();
        let record = reader.next_record().unwrap().unwrap();
        assert_eq!(record.as_bytes(), &bytes[..]);
    }
}

#[test]
fn borrowed_and_owned_records_report_the_same_positions() {
    check(&testdata("hts-specs/bam/passed/level-1.bam"));
    check(&testdata("hts-specs/bam/passed/level-9.bam"));
    // Many blocks, records straddling their ends.
    let dir = TempDir::new("bam-positions");
    let path = dir.join("many-blocks.bam");
    let header = sam::Header::parse("@SQ\tSN:chr1\tLN:1000000\n").unwrap();
    let mut writer = bam::WriterBuilder::new().build_to_path(&path).unwrap();
    writer.write_header(&header).unwrap();
    let mut rng = XorShift64(7);
    let mut record = sam::Record::default();
    let mut start = 1;
    for n in 0..3000 {
        let len = 20 + rng.below(200) as usize;
        let bases = rng.bases(len);
        start += rng.below(50);
        record
            .set_fields(&RecordFields {
                name: format!("read{n}").as_bytes(),
                reference_id: Some(0),
                alignment_start: Position::new(start),
                mapping_quality: Some(60),
                cigar: &[Op {
                    kind: Kind::Match,
                    len: len as u32,
                }],
                sequence: &bases,
                ..RecordFields::default()
            })
            .unwrap();
        writer.write_record(record.as_ref()).unwrap();
    }
    writer.finish().unwrap();
    check(&path);
}
