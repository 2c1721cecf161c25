//! SAM text reading against the hts-specs conformance files: every
//! `sam/passed` file reads and prints exactly as `samtools view` prints it;
//! every `sam/failed` file is an `Error` (never a panic).
mod common;

use std::path::{Path, PathBuf};

use biometal::formats::sam;
use common::{oracle, testdata};

fn sam_files(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(testdata(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sam"))
        .collect();
    files.sort();
    files
}

fn read_and_print(path: &Path) -> biometal::Result<(Vec<u8>, Vec<u8>)> {
    let file = std::io::BufReader::new(std::fs::File::open(path)?);
    let mut reader = sam::Reader::new(file);
    let header = reader.read_header()?;
    let mut writer = sam::Writer::new(Vec::new());
    writer.write_header(&header)?;
    let header_text = writer.into_inner();
    let mut writer = sam::Writer::new(Vec::new());
    let mut record = sam::Record::default();
    while reader.read_record(&header, &mut record)? {
        writer.write_record(&header, record.as_ref())?;
    }
    Ok((header_text, writer.into_inner()))
}

#[test]
fn passed_files_read_and_print_as_samtools_view() {
    let files = sam_files("hts-specs/sam/passed");
    assert!(files.len() > 80);
    for path in files {
        let (header, records) =
            read_and_print(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let p = path.to_str().unwrap();
        let expected = oracle("samtools", &["view", "--no-PG", p]);
        assert!(expected.status.success(), "samtools rejects {p}");
        assert_eq!(
            String::from_utf8_lossy(&records),
            String::from_utf8_lossy(&expected.stdout),
            "{p}"
        );
        let expected = oracle("samtools", &["view", "--no-PG", "-H", p]);
        assert_eq!(
            String::from_utf8_lossy(&header),
            String::from_utf8_lossy(&expected.stdout),
            "{p} header"
        );
    }
}

/// Files samtools 1.16 itself accepts (prints without error) although the
/// specification says they are invalid; we reject them all.
const SAMTOOLS_ACCEPTS: &[&str] = &[
    "aux.fail-A.sam",
    "aux.fail-B2.sam",
    "aux.fail-H2.sam",
    "aux.fail-Z1.sam",
    "aux.fail-f1.sam",
    "aux.fail-f2.sam",
    "aux.fail-f3.sam",
    "aux.fail-f4.sam",
    "aux.fail-format4.sam",
    "aux.fail-i4.sam",
    "aux.fail-tag.sam",
    "cigar.fail2.sam",
    "flag.fail.sam",
    "hdr.HD1.sam",
    "hdr.HD2.sam",
    "hdr.HD4.sam",
    "hdr.HD5.sam",
    "hdr.HD6.sam",
    "hdr.HD7.sam",
    "hdr.PG1.sam",
    "hdr.PG2.sam",
    "hdr.PG3.sam",
    "hdr.RG0.sam",
    "hdr.RG1.sam",
    "hdr.RG2.sam",
    "hdr.RG3.sam",
    "hdr.RG4.sam",
    "hdr.RG5.sam",
    "hdr.SQ1.sam",
    "hdr.SQ10.sam",
    "hdr.SQ11.sam",
    "hdr.SQ12.sam",
    "hdr.SQ13.sam",
    "hdr.SQ14.sam",
    "hdr.SQ2.sam",
    "hdr.SQ3.sam",
    "hdr.SQ4.sam",
    "hdr.SQ5.sam",
    "hdr.SQ6.sam",
    "hdr.SQ7.sam",
    "hdr.SQ8.sam",
    "hdr.SQ9.sam",
    "mapq.fail2.sam",
    "qname.fail1.sam",
    "qname.fail2.sam",
    "qname.fail4.sam",
    "qual.fail2.sam",
    "rname.fail1.sam",
    "rname.fail10.sam",
    "rname.fail2.sam",
    "rname.fail3.sam",
    "rname.fail4.sam",
    "rname.fail5.sam",
    "rname.fail6.sam",
    "rname.fail7.sam",
    "rname.fail8.sam",
    "rname.fail9.sam",
    "rnext.fail1.sam",
    "rnext.fail10.sam",
    "rnext.fail2.sam",
    "rnext.fail4.sam",
    "rnext.fail6.sam",
    "rnext.fail7.sam",
    "rnext.fail8.sam",
    "rnext.fail9.sam",
    "seq.fail1.sam",
    "seq.fail2.sam",
];

#[test]
fn failed_files_are_errors() {
    let files = sam_files("hts-specs/sam/failed");
    assert!(files.len() > 80);
    let mut samtools_accepts = Vec::new();
    for path in files {
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        if name == "hdr.HD3.sam" {
            // The suite contradicts itself: this file is byte-identical to
            // passed/hdr.HD6.sam, which we (and samtools) accept.
            let twin = testdata("hts-specs/sam/passed/hdr.HD6.sam");
            assert_eq!(std::fs::read(&path).unwrap(), std::fs::read(twin).unwrap());
            continue;
        }
        let result = std::panic::catch_unwind(|| read_and_print(&path));
        match result {
            Ok(Err(error)) => assert!(
                error.location().line().is_some(),
                "{name}: {error} has no line"
            ),
            Ok(Ok(_)) => panic!("{name}: accepted"),
            Err(_) => panic!("{name}: panicked"),
        }
        // Not `oracle`: samtools failing is the expected outcome here.
        let output = std::process::Command::new("samtools")
            .args(["view", "--no-PG", path.to_str().unwrap()])
            .output()
            .expect("samtools is required");
        if output.status.success() {
            samtools_accepts.push(name);
        }
    }
    assert_eq!(samtools_accepts, SAMTOOLS_ACCEPTS);
}

/// The three tiers (borrowed, reused, owned) give the same records on every
/// file `read_record` reads as samtools does (the test above); the path
/// constructor reads the same file bgzipped.
#[test]
fn the_three_reading_tiers_agree_on_every_passed_file() {
    let dir = common::TempDir::new("sam-tiers");
    let mut compared = 0;
    for path in sam_files("hts-specs/sam/passed") {
        let text = std::fs::read(&path).unwrap();
        let mut reader = sam::Reader::new(text.as_slice());
        let header = reader.read_header().unwrap();
        let owned: Vec<sam::Record> = reader.records(&header).map(Result::unwrap).collect();
        compared += usize::from(!owned.is_empty());
        let mut borrowed = Vec::new();
        let mut reader = sam::Reader::new(text.as_slice());
        reader.read_header().unwrap();
        while let Some(record) = reader.next_record(&header).unwrap() {
            borrowed.push(sam::Record::from(record));
        }
        assert_eq!(borrowed, owned, "{}", path.display());
        let gz = dir.join("file.sam.gz");
        let bgzf = oracle("bgzip", &["-c", path.to_str().unwrap()]).stdout;
        std::fs::write(&gz, bgzf).unwrap();
        let mut reader = sam::Reader::from_path(&gz).unwrap();
        reader.read_header().unwrap();
        let from_path: Vec<sam::Record> = reader.records(&header).map(Result::unwrap).collect();
        assert_eq!(from_path, owned, "{} bgzipped", path.display());
    }
    assert!(compared > 30, "{compared} files with records");
}
