//! The VCF header against the hts-specs conformance suite: every header of a
//! `passed/` file parses strictly and writes back byte for byte; every
//! `failed/` file whose fault is in the header is rejected with an error
//! naming the line.

mod common;

use std::path::PathBuf;

use biometal::formats::vcf::header::{Header, ParseOptions, Strictness};
use common::testdata;

/// The header part of a VCF file: every line up to and including `#CHROM`.
fn header_text(path: &PathBuf) -> String {
    let text = String::from_utf8_lossy(&std::fs::read(path).expect("read test file")).into_owned();
    let mut end = 0;
    for line in text.split_inclusive('\n') {
        end += line.len();
        if !line.starts_with("##") {
            break;
        }
    }
    text[..end].to_owned()
}

fn files(dir: &str, prefix: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(testdata(dir))
        .expect("list conformance folder")
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            name.ends_with(".vcf") && name.starts_with(prefix)
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no files in {dir}");
    files
}

#[test]
fn passed_headers_parse_strictly_and_round_trip() {
    let mut failures = Vec::new();
    for dir in [
        "hts-specs/vcf/4.1/passed",
        "hts-specs/vcf/4.2/passed",
        "hts-specs/vcf/4.3/passed",
        "hts-specs/vcf/4.5/passed",
    ] {
        for path in files(dir, "") {
            let text = header_text(&path);
            match Header::parse(&text) {
                Ok(header) => {
                    let mut written = Vec::new();
                    header.write(&mut written).expect("write to a Vec");
                    assert_eq!(
                        String::from_utf8(written).expect("UTF-8"),
                        text,
                        "{}",
                        path.display()
                    );
                }
                Err(e) => failures.push(format!("{}: {e}", path.display())),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn failed_headers_are_rejected_with_a_line_number() {
    let mut checked = 0;
    let mut accepted = Vec::new();
    for version in ["4.1", "4.2", "4.3"] {
        let dir = format!("hts-specs/vcf/{version}/failed");
        for prefix in ["failed_meta", "failed_header", "failed_fileformat"] {
            for path in files(&dir, prefix) {
                let text = header_text(&path);
                match Header::parse(&text) {
                    Ok(_) => accepted.push(path.display().to_string()),
                    Err(error) => assert!(
                        error.location().line().is_some(),
                        "{}: {error}",
                        path.display()
                    ),
                }
                checked += 1;
            }
        }
    }
    assert!(accepted.is_empty(), "accepted:\n{}", accepted.join("\n"));
    assert!(checked > 300, "{checked}");
}

#[test]
fn lenient_parsing_keeps_going_with_warnings() {
    let text = "##fileformat=VCFv4.3\n##INFO=<ID=AF,Number=1,Type=Integer,Description=\"x\">\n\
                #CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n";
    assert!(Header::parse(text).is_err());
    let header = ParseOptions::default()
        .strictness(Strictness::Lenient)
        .parse(text)
        .expect("lenient");
    assert_eq!(header.warnings().len(), 2);
    assert_eq!(header.to_string(), text);
}
