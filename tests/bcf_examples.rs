//! The `view`, `count` and `convert` examples on BCF against bcftools.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use common::cohort::Cohort;
use common::{example_binary, oracle, TempDir};

fn binary(name: &'static str) -> PathBuf {
    static BINARIES: OnceLock<std::sync::Mutex<Vec<(&'static str, PathBuf)>>> = OnceLock::new();
    let binaries = BINARIES.get_or_init(Default::default);
    let mut binaries = binaries.lock().unwrap();
    if let Some((_, path)) = binaries.iter().find(|(n, _)| *n == name) {
        return path.clone();
    }
    let path = example_binary(name);
    binaries.push((name, path.clone()));
    path
}

fn run(name: &'static str, args: &[&str]) -> Output {
    let output = Command::new(binary(name)).args(args).output().unwrap();
    assert!(
        output.status.success(),
        "{name} {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn text(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

/// A full cohort as VCF and as indexed bcftools BCF.
fn cohort(dir: &TempDir) -> (PathBuf, PathBuf) {
    let vcf = dir.join("cohort.vcf");
    std::fs::write(&vcf, Cohort::full(400, 8, 31).vcf()).unwrap();
    let bcf = dir.join("cohort.bcf");
    oracle("bcftools", &["view", "-Ob", "-o", s(&bcf), s(&vcf)]);
    oracle("bcftools", &["index", s(&bcf)]);
    (vcf, bcf)
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn view_and_count_equal_bcftools() {
    let dir = TempDir::new("bcf-view");
    let (_, bcf) = cohort(&dir);
    let expected = text(&oracle("bcftools", &["view", "-H", s(&bcf)]));
    assert_eq!(text(&run("view", &["-H", s(&bcf)])), expected);
    let lines = expected.lines().count();
    assert_eq!(text(&run("count", &[s(&bcf)])), format!("{lines}\n"));
    // bcftools reads `chr:pos` as one position: one a record starts at.
    let position = expected
        .lines()
        .nth(20)
        .unwrap()
        .split('\t')
        .nth(1)
        .unwrap();
    let single = format!("chr1:{position}");
    for region in ["chr1:5000-9000", "chrX", single.as_str()] {
        let expected = text(&oracle("bcftools", &["view", "-H", s(&bcf), region]));
        assert!(!expected.is_empty(), "{region}");
        assert_eq!(
            text(&run("view", &["-H", s(&bcf), region])),
            expected,
            "{region}"
        );
        let lines = expected.lines().count();
        assert_eq!(
            text(&run("count", &[s(&bcf), region])),
            format!("{lines}\n")
        );
    }
    // Several regions per command line: bcftools prints each record once,
    // in file order within a contig, contigs in order of first mention.
    let mut lists: Vec<Vec<String>> = vec![
        vec![
            "chr1:5000-9000".into(),
            "chr1:8000-12000".into(),
            "chr1:100-6000".into(),
        ],
        vec![
            "chrX".into(),
            "chr1:20000-21000".into(),
            "chr1:20500".into(),
        ],
        vec![
            "chr1:3000-3500".into(),
            "chr1:3600-3700".into(),
            "chr1:3400-3650".into(),
        ],
    ];
    for i in 0..20u64 {
        let start = |k: u64| 1 + (i * 7919 + k * 104_729) % 36_000;
        let list = (0..3)
            .map(|k| {
                format!(
                    "chr1:{}-{}",
                    start(k),
                    start(k) + (i * 37 + k * 911) % 4_000
                )
            })
            .collect();
        lists.push(list);
    }
    for regions in lists {
        let mut args = vec!["-H", s(&bcf)];
        args.extend(regions.iter().map(String::as_str));
        let expected = text(&oracle("bcftools", &[&["view"][..], &args].concat()));
        assert_eq!(text(&run("view", &args)), expected, "{regions:?}");
        let lines = expected.lines().count();
        assert_eq!(
            text(&run("count", &args[1..])),
            format!("{lines}\n"),
            "{regions:?}"
        );
    }
    // With the header: bcftools adds its own ##bcftools_view lines.
    let ours = text(&run("view", &[s(&bcf)]));
    let theirs = text(&oracle("bcftools", &["view", s(&bcf)]));
    let strip = |t: &str| -> Vec<String> {
        t.lines()
            .filter(|l| !l.starts_with("##bcftools_view"))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(strip(&ours), strip(&theirs));
}

#[test]
fn convert_between_vcf_and_bcf_equals_bcftools() {
    let dir = TempDir::new("bcf-convert");
    let (vcf, bcf) = cohort(&dir);
    let expected = text(&oracle("bcftools", &["view", "-H", s(&vcf)]));
    for (input, output) in [
        (&vcf, "a.bcf"),
        (&bcf, "b.bcf"),
        (&bcf, "c.vcf"),
        (&bcf, "d.vcf.gz"),
        (&vcf, "e.vcf.gz"),
    ] {
        let out = dir.join(output);
        run("convert", &[s(input), s(&out)]);
        let ours = text(&oracle("bcftools", &["view", "-H", s(&out)]));
        assert_eq!(ours, expected, "{} -> {output}", input.display());
        // The output's own records, as our reader sees them.
        let ours = text(&run("view", &["-H", s(&out)]));
        assert_eq!(
            ours,
            expected,
            "{} -> {output} (read back by view)",
            input.display()
        );
    }
    // VCF on standard output.
    assert_eq!(
        text(&run("convert", &[s(&bcf), "-"]))
            .lines()
            .filter(|l| !l.starts_with('#'))
            .map(|l| format!("{l}\n"))
            .collect::<String>(),
        expected
    );
}
