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

#[test]
fn indexes_built_while_writing_answer_samtools_queries() {
    let dir = TempDir::new("bam-write-index");
    let mut sam_text =
        String::from("@HD\tVN:1.6\tSO:coordinate\n@SQ\tSN:a\tLN:2000000\n@SQ\tSN:b\tLN:50000\n");
    for i in 0..20_000u64 {
        let (name, pos) = if i < 15_000 {
            ("a", 1 + i * 120)
        } else {
            ("b", 1 + (i - 15_000) * 9)
        };
        let flag = if i % 50 == 0 { 4 + 1 + 128 } else { 0 };
        let cigar = if flag & 4 != 0 { "*" } else { "30M500N20M" };
        sam_text.push_str(&format!(
            "r{i}\t{flag}\t{name}\t{pos}\t60\t{cigar}\t*\t0\t0\t*\t*\n"
        ));
    }
    for i in 0..30 {
        sam_text.push_str(&format!("u{i}\t4\t*\t0\t0\t*\t*\t0\t0\t*\t*\n"));
    }
    let header = sam::Header::parse(
        sam_text
            .split_inclusive('\n')
            .take(3)
            .collect::<String>()
            .as_str(),
    )
    .unwrap();
    for (kind, extension) in [
        (biometal::index::Kind::Bai, "bai"),
        (biometal::index::Kind::Csi, "csi"),
    ] {
        for threads in [1, 3] {
            let out = dir.join(&format!("w{threads}.bam"));
            let mut writer = bam::WriterBuilder::new()
                .threads(threads)
                .index(kind)
                .build_to_path(&out)
                .unwrap();
            writer.write_header(&header).unwrap();
            let mut reader = sam::Reader::new(sam_text.as_bytes());
            let read_header = reader.read_header().unwrap();
            let mut record = sam::Record::default();
            while reader.read_record(&read_header, &mut record).unwrap() {
                writer.write_record(record.as_ref()).unwrap();
            }
            let (_, index) = writer.finish_with_index().unwrap();
            let index = index.unwrap();
            let bytes = match kind {
                biometal::index::Kind::Bai => biometal::index::bai::write(&index).unwrap(),
                biometal::index::Kind::Csi => biometal::index::csi::write_bgzf(&index).unwrap(),
            };
            let out_path = out.to_str().unwrap();
            std::fs::write(format!("{out_path}.{extension}"), bytes).unwrap();
            let reference = dir.join("ref.bam");
            std::fs::copy(&out, &reference).unwrap();
            oracle("samtools", &["index", reference.to_str().unwrap()]);
            let reference = reference.to_str().unwrap();
            assert_eq!(
                samtools_text(&["idxstats", out_path]),
                samtools_text(&["idxstats", reference])
            );
            for region in [
                "a:1-1000",
                "a:1000000-1100000",
                "a:1799980-1800100",
                "b",
                "b:100-200",
                "*",
            ] {
                assert_eq!(
                    samtools_text(&["view", "-c", out_path, region]),
                    samtools_text(&["view", "-c", reference, region]),
                    "{region} {kind:?} threads {threads}"
                );
            }
        }
    }
}
