//! Conformance of the CRAM block codecs against the hts-specs codec test
//! files: every file in each codec folder must decode to its uncompressed
//! original in `cram/codecs/gzip/` (see the test-data README for how each
//! original is compared).

mod common;

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use biometal::formats::cram::codecs::{arith, fqzcomp, rans4x8, rans_nx16, tok3};
use biometal::Result;

type Decoder = fn(&[u8], &mut Vec<u8>) -> Result<()>;

/// Every file in a codec folder, sorted; fails if the folder is missing or empty.
fn codec_files(codec: &str) -> Vec<PathBuf> {
    let dir = common::testdata(&format!("hts-specs/cram/codecs/{codec}"));
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    assert!(
        !files.is_empty(),
        "no codec test files in {}",
        dir.display()
    );
    files
}

/// The uncompressed original a codec file must decode to: the name up to the
/// last `.` (`q40+dir.193` → `q40+dir`), gunzipped and put in the form the
/// codec streams hold.
fn expected(path: &Path, codec: &str) -> Vec<u8> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .expect("file name");
    let stem = &name[..name.rfind('.').expect("variant suffix")];
    let gz = common::testdata(&format!("hts-specs/cram/codecs/gzip/{stem}.gz"));
    let mut raw = Vec::new();
    flate2::read::MultiGzDecoder::new(fs::File::open(&gz).expect("open original"))
        .read_to_end(&mut raw)
        .expect("gunzip original");
    if codec == "tok3" {
        raw.iter()
            .map(|&b| if b == b'\n' { 0 } else { b })
            .collect()
    } else if stem == "u32" {
        raw
    } else if codec == "fqzcomp" {
        // htscodecs' fqzcomp test harness codes Phred values, not ASCII.
        qualities(&raw).iter().map(|&q| q - 33).collect()
    } else {
        qualities(&raw)
    }
}

/// Quality lines concatenated without newlines (first column only).
fn qualities(raw: &[u8]) -> Vec<u8> {
    raw.split(|&b| b == b'\n')
        .flat_map(|line| {
            line.split(|b| b.is_ascii_whitespace())
                .next()
                .unwrap_or(&[])
        })
        .copied()
        .collect()
}

/// Decodes every file of `codec` and compares it with its original.
fn check_codec(codec: &str, decode: Decoder) {
    let mut out = Vec::new();
    let mut failures = Vec::new();
    let files = codec_files(codec);
    for path in &files {
        let src = fs::read(path).expect("read codec file");
        let want = expected(path, codec);
        match decode(&src, &mut out) {
            Ok(()) if out == want => {}
            Ok(()) => failures.push(format!(
                "{}: decoded {} bytes, expected {} (first difference at {:?})",
                path.display(),
                out.len(),
                want.len(),
                out.iter().zip(&want).position(|(a, b)| a != b)
            )),
            Err(e) => failures.push(format!("{}: {e}", path.display())),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} files failed:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

#[test]
fn rans4x8_conformance() {
    check_codec("rans4x8", rans4x8::decode);
}

#[test]
fn rans_nx16_conformance() {
    check_codec("ransNx16", rans_nx16::decode);
}

#[test]
fn arith_conformance() {
    check_codec("range", arith::decode);
}

#[test]
fn fqzcomp_conformance() {
    check_codec("fqzcomp", fqzcomp::decode);
}

#[test]
fn tok3_conformance() {
    check_codec("tok3", tok3::decode);
}
