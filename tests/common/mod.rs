//! Shared support for integration tests: locating the conformance data and
//! the oracle tools. Both are required: a missing one fails the test loudly
//! instead of skipping it, so CI can never pass without its oracles.
#![allow(dead_code)] // each test binary uses a different subset

pub mod cohort;
pub mod rng;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The shared conformance data: `$BIOMETAL_TESTDATA`, or `../shared/testdata`
/// beside the crate.
pub fn testdata_dir() -> PathBuf {
    let dir = std::env::var_os("BIOMETAL_TESTDATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/testdata"));
    assert!(
        dir.join("hts-specs").is_dir(),
        "conformance data not found at {} (set BIOMETAL_TESTDATA)",
        dir.display()
    );
    dir
}

/// A path inside the shared conformance data, which must exist.
pub fn testdata(relative: &str) -> PathBuf {
    let path = testdata_dir().join(relative);
    assert!(path.exists(), "missing conformance file {}", path.display());
    path
}

/// Runs an oracle tool (samtools, bcftools, bgzip, tabix) and returns its
/// output, panicking with a clear message if the tool is not installed or
/// fails.
pub fn oracle(program: &str, args: &[&str]) -> Output {
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("oracle `{program}` is required (apt-get install samtools bcftools tabix): {e}")
        });
    assert!(
        output.status.success(),
        "`{program} {}` failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// A fresh temporary directory for one test, removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    /// Creates `$TMPDIR/biometal-<name>-<pid>-<n>`.
    pub fn new(name: &str) -> Self {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("biometal-{name}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create temporary directory");
        TempDir(path)
    }

    /// A path inside the directory.
    pub fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Builds example `name` and returns its executable's path.
///
/// Cargo gives integration tests no path to an example binary, so this runs
/// `cargo build --example NAME` (the same cargo, manifest and target
/// directory; `--release` when the test itself is optimised) and takes the
/// path from cargo's JSON messages: the binary is never stale and no path is
/// guessed. Call it once per test binary (cache the result).
pub fn example_binary(name: &str) -> PathBuf {
    example_binary_with_features(name, &[])
}

/// [`example_binary`] for an example that needs crate features
/// (`--features a,b`).
pub fn example_binary_with_features(name: &str, features: &[&str]) -> PathBuf {
    let mut cargo = Command::new(env!("CARGO"));
    cargo.args([
        "build",
        "--example",
        name,
        "--message-format=json-render-diagnostics",
        "--manifest-path",
        concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"),
    ]);
    if !features.is_empty() {
        cargo.args(["--features", &features.join(",")]);
    }
    if !cfg!(debug_assertions) {
        cargo.arg("--release");
    }
    let output = cargo.stderr(Stdio::inherit()).output().expect("run cargo");
    assert!(
        output.status.success(),
        "cargo build --example {name} failed"
    );
    let messages = String::from_utf8(output.stdout).expect("cargo's JSON is UTF-8");
    let name_field = format!(r#""name":"{name}""#);
    messages
        .lines()
        .filter(|line| line.contains(r#""kind":["example"]"#) && line.contains(&name_field))
        .find_map(|line| {
            let start = line.find(r#""executable":""#)? + r#""executable":""#.len();
            let len = line[start..].find('"')?;
            Some(PathBuf::from(&line[start..start + len]))
        })
        .unwrap_or_else(|| panic!("cargo reported no executable for the {name} example"))
}

/// Runs an example binary with `args`; its standard output, after checking
/// that it exited successfully (its standard error in the message if not).
pub fn run_example(binary: &std::path::Path, args: &[&str]) -> String {
    let output = Command::new(binary)
        .args(args)
        .output()
        .expect("run example");
    assert!(
        output.status.success(),
        "{} {args:?}: {}",
        binary.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8")
}

/// `samtools view -T REFERENCE CRAM REGION…`: the SAM records it prints.
pub fn samtools_view_cram(cram: &Path, reference: &Path, regions: &[String]) -> String {
    let utf8 = |path: &Path| path.to_str().expect("UTF-8 path").to_owned();
    let (reference, cram) = (utf8(reference), utf8(cram));
    let mut args = vec!["view", "-T", &reference, &cram];
    args.extend(regions.iter().map(String::as_str));
    String::from_utf8(oracle("samtools", &args).stdout).expect("UTF-8")
}

/// Our records of `cram` for `regions` (htslib region strings, `*` for the
/// unplaced unmapped reads) through its CRAI, as SAM text, region after
/// region: what [`samtools_view_cram`] prints for the same arguments.
pub fn cram_query_sam(
    cram: &Path,
    reference: &Path,
    index: &biometal::formats::cram::crai::Index,
    regions: &[String],
) -> String {
    use biometal::formats::cram::{Reader, ReferenceSource};
    use biometal::formats::sam;
    use biometal::region::Region;
    let source = ReferenceSource::from_fasta_path(reference).expect("reference");
    let mut reader = Reader::from_path(cram, source).expect("open CRAM");
    let header = reader.read_header().expect("header");
    let mut out = Vec::new();
    let mut writer = sam::Writer::new(&mut out);
    for text in regions {
        let mut query = if text == "*" {
            reader.query_unmapped(index).expect("query *")
        } else {
            let region = Region::parse_with_names(text, |n| header.reference_id(n).is_some())
                .expect("region");
            reader.query(index, &region).expect("query")
        };
        while let Some(record) = query.next_record().expect("record") {
            writer.write_record(&header, record).expect("write");
        }
    }
    drop(writer);
    String::from_utf8(out).expect("UTF-8")
}
