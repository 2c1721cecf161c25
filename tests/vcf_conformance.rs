//! VCF records against the hts-specs conformance suite: every `passed/`
//! file reads strictly, every `failed/` file is rejected in strict mode with
//! an error naming the line, never a panic.

mod common;

use std::path::{Path, PathBuf};

use biometal::formats::vcf::header::Strictness;
use biometal::formats::vcf::{GenotypeMatrix, ReaderBuilder};
use common::testdata;

fn files(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(testdata(dir))
        .expect("list conformance folder")
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "vcf"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no files in {dir}");
    files
}

/// Reads every record strictly, decoding every field through [`Variant`].
fn read_strictly(path: &Path) -> biometal::Result<u64> {
    read(path, Strictness::Strict)
}

fn read(path: &Path, strictness: Strictness) -> biometal::Result<u64> {
    // The suite's valid files use keys their headers do not define (DS).
    let mut reader = ReaderBuilder::new()
        .strictness(strictness)
        .allow_undeclared_keys(true)
        .build_from_path(path)?;
    let header = reader.read_header()?.clone();
    let mut matrix = GenotypeMatrix::new();
    let mut count = 0;
    while let Some(record) = reader.next_record()? {
        record.chromosome(&header)?;
        record.position_value()?; // POS 0 (telomeres) is valid
        record.quality()?;
        for field in record.info_fields(&header) {
            field?;
        }
        record.genotypes_into(&header, &mut matrix)?;
        for sample in 0..header.samples().len() {
            for key in record.format_keys() {
                record.sample_value(&header, sample, key?)?;
            }
        }
        count += 1;
    }
    Ok(count)
}

#[test]
fn passed_files_read_strictly() {
    let mut failures = Vec::new();
    for dir in ["4.1/passed", "4.2/passed", "4.3/passed"] {
        for path in files(&format!("hts-specs/vcf/{dir}")) {
            if let Err(error) = read_strictly(&path) {
                failures.push(format!("{}: {error}", path.display()));
            }
        }
    }
    // VCF 4.5's sample file is deliberately unsorted (it exercises
    // zero-length vectors), which strict reading rejects; every field of it
    // must still decode.
    for path in files("hts-specs/vcf/4.5/passed") {
        if let Err(error) = read(&path, Strictness::Lenient) {
            failures.push(format!("{}: {error}", path.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn failed_files_are_rejected_with_the_line() {
    let mut accepted = Vec::new();
    let mut checked = 0;
    for dir in ["4.1/failed", "4.2/failed", "4.3/failed"] {
        for path in files(&format!("hts-specs/vcf/{dir}")) {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("")
                .to_owned();
            match read_strictly(&path) {
                Ok(_) => accepted.push(format!("{dir}/{name}")),
                Err(error) => {
                    assert!(
                        error.location().line().is_some(),
                        "{}: {error}",
                        path.display()
                    );
                }
            }
            checked += 1;
        }
    }
    assert!(
        accepted.is_empty(),
        "{} of {checked} accepted:\n{}",
        accepted.len(),
        accepted.join("\n")
    );
}
