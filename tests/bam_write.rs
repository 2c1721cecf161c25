//! The BAM writer: what we write passes `samtools quickcheck` and reads
//! back in samtools as the input; CIGARs over 65535 operations go through
//! the `CG` tag as samtools expects.
mod common;

use std::path::PathBuf;

use biometal::formats::sam::record::cigar::{Kind, Op};
use biometal::formats::sam::record::RecordFields;
use biometal::formats::{bam, sam};
use biometal::region::Position;
use common::{oracle, testdata, TempDir};

fn samtools_text(args: &[&str]) -> String {
    String::from_utf8(oracle("samtools", args).stdout).unwrap()
}

#[test]
fn conformance_sams_written_as_bam_read_back_in_samtools() {
    let dir = TempDir::new("bam-write");
    let mut files: Vec<PathBuf> = std::fs::read_dir(testdata("hts-specs/sam/passed"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for (level, threads) in [(0, 1), (6, 1), (9, 3)] {
        for sam_path in &files {
            let mut reader = sam::Reader::new(std::io::BufReader::new(
                std::fs::File::open(sam_path).unwrap(),
            ));
            let header = reader.read_header().unwrap();
            let out = dir.join("out.bam");
            let mut writer = bam::WriterBuilder::new()
                .level(level)
                .threads(threads)
                .build_to_path(&out)
                .unwrap();
            writer.write_header(&header).unwrap();
            let mut record = sam::Record::default();
            while reader.read_record(&header, &mut record).unwrap() {
                writer.write_record(record.as_ref()).unwrap();
            }
            drop(writer.finish().unwrap());
            let out = out.to_str().unwrap();
            oracle("samtools", &["quickcheck", "-v", "-u", out]);
            let input = sam_path.to_str().unwrap();
            assert_eq!(
                samtools_text(&["view", "--no-PG", "-h", out]),
                samtools_text(&["view", "--no-PG", "-h", input]),
                "{input} level {level}"
            );
        }
    }
}

#[test]
fn cigars_beyond_65535_operations_use_the_cg_tag() {
    let dir = TempDir::new("bam-write-cg");
    let header = sam::Header::parse("@SQ\tSN:chr1\tLN:1000000\n").unwrap();
    let ops: Vec<Op> = (0..70_000)
        .map(|i| Op {
            kind: if i % 2 == 0 {
                Kind::Match
            } else {
                Kind::Insertion
            },
            len: 1,
        })
        .collect();
    let bases = vec![b'A'; 70_000];
    let mut record = sam::Record::default();
    record
        .set_fields(&RecordFields {
            name: b"long",
            reference_id: Some(0),
            alignment_start: Position::new(1000),
            mapping_quality: Some(30),
            cigar: &ops,
            sequence: &bases,
            ..RecordFields::default()
        })
        .unwrap();
    record
        .push_data(*b"NM", sam::record::data::Value::UInt8(0))
        .unwrap();
    assert_eq!(record.cigar().len(), 70_000);
    assert_eq!(record.alignment_end(), Position::new(1000 + 35_000 - 1));
    assert_eq!(record.data().iter().count(), 1, "the CG tag is hidden");

    let out = dir.join("cg.bam");
    let mut writer = bam::WriterBuilder::new().build_to_path(&out).unwrap();
    writer.write_header(&header).unwrap();
    writer.write_record(record.as_ref()).unwrap();
    drop(writer.finish().unwrap());
    let theirs = samtools_text(&["view", out.to_str().unwrap()]);
    let mut ours = sam::Writer::new(Vec::new());
    let mut reader = bam::Reader::from_path(&out).unwrap();
    let header = reader.read_header().unwrap();
    let read_back = reader.next_record().unwrap().unwrap();
    assert_eq!(read_back.cigar().len(), 70_000);
    ours.write_record(&header, read_back).unwrap();
    assert_eq!(String::from_utf8(ours.into_inner()).unwrap(), theirs);
    assert!(
        theirs.contains("\t1M1I1M1I"),
        "samtools shows the real CIGAR"
    );
    assert!(!theirs.contains("CG:B"), "and hides the CG tag");
}
