//! The `view` and `count` examples on VCF against bcftools: for every
//! conformance file bcftools reads, `view -H` prints exactly the records
//! `bcftools view -H` prints, and `count` the same number.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use common::{example_binary, oracle, testdata, TempDir};

fn binary(name: &'static str) -> &'static Path {
    static VIEW: OnceLock<PathBuf> = OnceLock::new();
    static COUNT: OnceLock<PathBuf> = OnceLock::new();
    let cell = if name == "view" { &VIEW } else { &COUNT };
    cell.get_or_init(|| example_binary(name))
}

fn run(name: &'static str, args: &[&str]) -> std::process::Output {
    Command::new(binary(name))
        .args(args)
        .output()
        .expect("run example")
}

fn conformance_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in ["4.1/passed", "4.2/passed", "4.3/passed", "4.5/passed"] {
        for entry in std::fs::read_dir(testdata(&format!("hts-specs/vcf/{dir}"))).expect("list") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "vcf") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// `bcftools view -H`, or `None` when bcftools rejects the file.
fn bcftools_records(path: &Path) -> Option<Vec<u8>> {
    let output = Command::new("bcftools")
        .args(["view", "-H"])
        .arg(path)
        .output()
        .expect("bcftools is required (apt-get install bcftools)");
    output.status.success().then_some(output.stdout)
}

#[test]
fn view_prints_the_records_bcftools_prints() {
    oracle("bcftools", &["--version"]);
    let mut compared = 0;
    for path in conformance_files() {
        let Some(expected) = bcftools_records(&path) else {
            continue;
        };
        let text = path.to_str().expect("UTF-8 path");
        let ours = run("view", &["-H", text]);
        assert!(
            ours.status.success(),
            "{text}: {}",
            String::from_utf8_lossy(&ours.stderr)
        );
        assert_same_lines(&ours.stdout, &expected, text);
        let count = run("count", &[text]);
        let expected_count = expected.iter().filter(|&&b| b == b'\n').count();
        assert_eq!(
            String::from_utf8_lossy(&count.stdout).trim(),
            expected_count.to_string(),
            "{text}"
        );
        compared += 1;
    }
    assert!(compared >= 60, "only {compared} files compared");
}

#[test]
fn view_prints_the_header_as_read_and_reads_bgzf() {
    let dir = TempDir::new("vcf-view");
    let source = testdata("hts-specs/vcf/4.3/passed/passed_body_samples.vcf");
    let compressed = dir.join("samples.vcf.gz");
    let bgzip = oracle("bgzip", &["-c", source.to_str().expect("UTF-8 path")]);
    std::fs::write(&compressed, bgzip.stdout).expect("write");
    let ours = run("view", &[compressed.to_str().expect("UTF-8 path")]);
    assert!(
        ours.status.success(),
        "{}",
        String::from_utf8_lossy(&ours.stderr)
    );
    let original = std::fs::read_to_string(&source).expect("read");
    let header_end = original.find("\n1\t").expect("first record") + 1;
    let text = String::from_utf8(ours.stdout).expect("UTF-8");
    assert_eq!(&text[..header_end], &original[..header_end]);
    let expected = bcftools_records(&compressed).expect("bcftools reads it");
    assert_same_lines(&text.as_bytes()[header_end..], &expected, "samples.vcf.gz");
}

/// Equal outputs, or a panic showing the first line that differs.
fn assert_same_lines(ours: &[u8], expected: &[u8], what: &str) {
    let ours = String::from_utf8_lossy(ours);
    let expected = String::from_utf8_lossy(expected);
    for (number, (a, b)) in ours.lines().zip(expected.lines()).enumerate() {
        assert_eq!(
            a,
            b,
            "{what}: record {} differs (ours, then bcftools')",
            number + 1
        );
    }
    assert_eq!(
        ours.lines().count(),
        expected.lines().count(),
        "{what}: record counts differ"
    );
}
