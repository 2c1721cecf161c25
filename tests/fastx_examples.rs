//! The FASTQ/FASTA side of the `count`, `view` and `index` examples against
//! samtools, zcat, bgzip and awk.
mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use common::{oracle, TempDir};

fn example(name: &'static str) -> PathBuf {
    static BUILT: OnceLock<std::sync::Mutex<Vec<(&'static str, PathBuf)>>> = OnceLock::new();
    let built = BUILT.get_or_init(Default::default);
    let mut built = built.lock().unwrap();
    if let Some((_, path)) = built.iter().find(|(n, _)| *n == name) {
        return path.clone();
    }
    let path = common::example_binary(name);
    built.push((name, path.clone()));
    path
}

fn run(name: &'static str, args: &[&str]) -> Output {
    Command::new(example(name))
        .args(args)
        .output()
        .expect("run example")
}

fn run_ok(name: &'static str, args: &[&str]) -> Vec<u8> {
    let output = run(name, args);
    assert!(
        output.status.success(),
        "{name} {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

fn sample(name: &str) -> String {
    format!("{}/examples/data/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn path_str(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn count_equals_awk_on_fastq_and_fasta_in_every_compression() {
    let reads =
        String::from_utf8(oracle("awk", &["END { print NR / 4 }", &sample("sample.fastq")]).stdout)
            .unwrap();
    for file in ["sample.fastq", "sample.fastq.gz", "sample.bgzf.fastq.gz"] {
        assert_eq!(
            String::from_utf8(run_ok("count", &[&sample(file)])).unwrap(),
            reads,
            "{file}"
        );
    }
    let sequences =
        String::from_utf8(oracle("grep", &["-c", "^>", &sample("sample.fa")]).stdout).unwrap();
    assert_eq!(
        String::from_utf8(run_ok("count", &[&sample("sample.fa")])).unwrap(),
        sequences
    );
}

#[test]
fn view_passes_fastq_and_fasta_through_unchanged() {
    let plain = std::fs::read(sample("sample.fastq")).unwrap();
    assert!(
        run_ok("view", &[&sample("sample.fastq.gz")])
            == oracle("zcat", &[&sample("sample.fastq.gz")]).stdout
    );
    assert!(
        run_ok("view", &[&sample("sample.bgzf.fastq.gz")])
            == oracle("bgzip", &["-dc", &sample("sample.bgzf.fastq.gz")]).stdout
    );
    assert!(run_ok("view", &[&sample("sample.fastq")]) == plain);
    assert!(run_ok("view", &[&sample("sample.fa")]) == std::fs::read(sample("sample.fa")).unwrap());
}

#[test]
fn view_rejects_malformed_fastq_with_a_located_error() {
    let dir = TempDir::new("view-bad-fastq");
    let path = dir.join("bad.fq");
    std::fs::write(&path, b"@r1\nACGT\n+\nIIII\n@r2\nACGT\n+\nIII\n").unwrap();
    let output = run("view", &[path_str(&path)]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("FASTQ") && stderr.contains("record 2"),
        "{stderr}"
    );
}

/// A plain and a bgzipped copy of the sample reference, indexed by
/// `samtools faidx` (the oracle's `.fai` and `.gzi`) in one directory and
/// by our `index` in another.
fn indexed_copies(dir: &TempDir) -> [(PathBuf, PathBuf); 2] {
    let reference = std::fs::read(sample("sample.fa")).unwrap();
    let make = |sub: &str| {
        let plain = dir.join(&format!("{sub}.fa"));
        std::fs::write(&plain, &reference).unwrap();
        let compressed = dir.join(&format!("{sub}.fa.gz"));
        let bgzf = oracle("bgzip", &["-c", path_str(&plain)]).stdout;
        std::fs::write(&compressed, bgzf).unwrap();
        (plain, compressed)
    };
    let (theirs_plain, theirs_bgzf) = make("theirs");
    let (ours_plain, ours_bgzf) = make("ours");
    oracle("samtools", &["faidx", path_str(&theirs_plain)]);
    oracle("samtools", &["faidx", path_str(&theirs_bgzf)]);
    run_ok("index", &[path_str(&ours_plain)]);
    run_ok("index", &[path_str(&ours_bgzf)]);
    [(theirs_plain, ours_plain), (theirs_bgzf, ours_bgzf)]
}

#[test]
fn index_writes_the_same_fai_and_gzi_as_samtools_faidx() {
    let dir = TempDir::new("index-fasta");
    for (theirs, ours) in indexed_copies(&dir) {
        let read =
            |path: &Path, ext: &str| std::fs::read(format!("{}{ext}", path.display())).unwrap();
        assert_eq!(
            read(&ours, ".fai"),
            read(&theirs, ".fai"),
            "{}",
            ours.display()
        );
        if ours.extension().is_some_and(|e| e == "gz") {
            assert_eq!(
                read(&ours, ".gzi"),
                read(&theirs, ".gzi"),
                "{}",
                ours.display()
            );
        }
    }
}

#[test]
fn view_regions_of_fasta_equal_samtools_faidx() {
    let dir = TempDir::new("view-faidx");
    let regions = [
        "chr1",
        "chr1:1-1",
        "chr1:1,001-1,070",
        "chr1:23941-24000",
        "chr2:2990-3010", // crosses into the soft-masked run
        "chr2:3001-3600",
        "chrM:1600-1700", // past the end: cut short with a warning
        "chrM:1650",
        "chrM:-10",
    ];
    for (theirs, ours) in indexed_copies(&dir) {
        for region in regions {
            let expected = oracle("samtools", &["faidx", path_str(&theirs), region]).stdout;
            let ours_out = run_ok("view", &[path_str(&ours), region]);
            assert!(ours_out == expected, "{region} on {}", ours.display());
        }
        let all = oracle(
            "samtools",
            &["faidx", path_str(&theirs), "chrM:1-5", "chr2:3001-3005"],
        )
        .stdout;
        assert!(run_ok("view", &[path_str(&ours), "chrM:1-5", "chr2:3001-3005"]) == all);
        // An unknown sequence: samtools prints the header, then fails.
        let output = run("view", &[path_str(&ours), "chrX:1-5"]);
        assert_eq!(output.status.code(), Some(1));
        assert_eq!(output.stdout, b">chrX:1-5\n");
    }
}
