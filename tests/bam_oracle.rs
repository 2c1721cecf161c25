//! BAM reading and SAM writing against `samtools view`, on the hts-specs
//! conformance files and on BAMs samtools makes from the SAM ones.
mod common;

use std::path::{Path, PathBuf};

use biometal::formats::{bam, sam};
use common::{oracle, testdata, TempDir};

/// Our SAM text for a BAM file: header (optional) and records.
fn our_view(path: &Path, with_header: bool) -> biometal::Result<Vec<u8>> {
    let mut reader = bam::Reader::from_path(path)?;
    let header = reader.read_header()?;
    let mut writer = sam::Writer::new(Vec::new());
    if with_header {
        writer.write_header(&header)?;
    }
    while let Some(record) = reader.next_record()? {
        writer.write_record(&header, record)?;
    }
    Ok(writer.into_inner())
}

fn samtools_view(path: &Path, with_header: bool) -> Vec<u8> {
    let path = path.to_str().unwrap();
    let mut args = vec!["view", "--no-PG"];
    if with_header {
        args.push("-h");
    }
    args.push(path);
    let output = oracle("samtools", &args);
    assert!(output.status.success(), "samtools view {path} failed");
    output.stdout
}

/// The `samtools view -b` conversion of each SAM file samtools accepts.
fn bams_from_passed_sams(dir: &TempDir) -> Vec<PathBuf> {
    let mut bams = Vec::new();
    let mut sams: Vec<_> = std::fs::read_dir(testdata("hts-specs/sam/passed"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sam"))
        .collect();
    sams.sort();
    for sam in sams {
        let bam = dir.join(&format!(
            "{}.bam",
            sam.file_stem().unwrap().to_str().unwrap()
        ));
        let output = oracle(
            "samtools",
            &[
                "view",
                "--no-PG",
                "-b",
                "-o",
                bam.to_str().unwrap(),
                sam.to_str().unwrap(),
            ],
        );
        if output.status.success() {
            bams.push(bam);
        }
    }
    bams
}

fn assert_same_as_samtools(path: &Path) {
    for with_header in [false, true] {
        let ours =
            our_view(path, with_header).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let theirs = samtools_view(path, with_header);
        assert_eq!(
            String::from_utf8_lossy(&ours),
            String::from_utf8_lossy(&theirs),
            "{} (header: {with_header})",
            path.display()
        );
    }
}

#[test]
fn conformance_bams_print_as_samtools_view() {
    for name in ["level-1.bam", "level-9.bam"] {
        assert_same_as_samtools(&testdata(&format!("hts-specs/bam/passed/{name}")));
    }
}

#[test]
fn bams_made_from_conformance_sams_print_as_samtools_view() {
    let dir = TempDir::new("bam-oracle");
    let bams = bams_from_passed_sams(&dir);
    assert!(bams.len() > 80, "only {} SAM files converted", bams.len());
    for bam in &bams {
        assert_same_as_samtools(bam);
    }
}

#[test]
fn the_three_reading_tiers_and_batches_agree() {
    let path = testdata("hts-specs/bam/passed/level-9.bam");
    let mut borrowed = Vec::new();
    let mut reader = bam::Reader::from_path(&path).unwrap();
    reader.read_header().unwrap();
    while let Some(record) = reader.next_record().unwrap() {
        borrowed.push(record.as_bytes().to_vec());
    }
    let mut reader = bam::Reader::from_path(&path).unwrap();
    reader.read_header().unwrap();
    let owned: Vec<Vec<u8>> = reader
        .records()
        .map(|r| r.unwrap().as_bytes().to_vec())
        .collect();
    assert_eq!(owned, borrowed);
    for threads in [1, 2, 4] {
        let file = std::fs::File::open(&path).unwrap();
        let mut reader = bam::Reader::with_threads(file, threads);
        reader.read_header().unwrap();
        let mut batch = Vec::new();
        let mut batched = Vec::new();
        loop {
            let n = reader.read_batch(&mut batch, 1000).unwrap();
            if n == 0 {
                break;
            }
            batched.extend(batch[..n].iter().map(|r| r.as_bytes().to_vec()));
        }
        assert_eq!(batched, borrowed, "threads {threads}");
    }
    assert_eq!(borrowed.len(), 20_000);
}
