//! `examples/{view,count,flagstat,idxstats,index,convert}` against samtools
//! on the conformance files and a larger simulated BAM.
//!
//! As in `bgzip_example.rs`, the examples are built through cargo and their
//! paths taken from cargo's JSON messages.
mod common;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use common::{oracle, testdata, TempDir};

const EXAMPLES: &[&str] = &["view", "count", "flagstat", "idxstats", "index", "convert"];

fn example(name: &str) -> PathBuf {
    static PATHS: OnceLock<Vec<(String, PathBuf)>> = OnceLock::new();
    let paths = PATHS.get_or_init(|| {
        let mut cargo = Command::new(env!("CARGO"));
        cargo.args([
            "build",
            "--message-format=json-render-diagnostics",
            "--manifest-path",
        ]);
        cargo.arg(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"));
        for name in EXAMPLES {
            cargo.args(["--example", name]);
        }
        if !cfg!(debug_assertions) {
            cargo.arg("--release");
        }
        let output = cargo.stderr(Stdio::inherit()).output().expect("run cargo");
        assert!(output.status.success(), "cargo build --example failed");
        let messages = String::from_utf8(output.stdout).unwrap();
        messages
            .lines()
            .filter(|line| line.contains(r#""kind":["example"]"#))
            .filter_map(|line| {
                let name_at = line.find(r#""name":""#)? + 8;
                let name = &line[name_at..name_at + line[name_at..].find('"')?];
                let start = line.find(r#""executable":""#)? + r#""executable":""#.len();
                let len = line[start..].find('"')?;
                Some((name.to_owned(), PathBuf::from(&line[start..start + len])))
            })
            .collect()
    });
    paths
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, p)| p.clone())
        .expect("example built")
}

fn ours(name: &str, args: &[&str]) -> String {
    let output = Command::new(example(name)).args(args).output().unwrap();
    assert!(
        output.status.success(),
        "{name} {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn samtools(args: &[&str]) -> String {
    String::from_utf8(oracle("samtools", args).stdout).unwrap()
}

fn simulated_bam(dir: &TempDir) -> PathBuf {
    let mut sam = String::from(
        "@HD\tVN:1.6\n@SQ\tSN:chr1\tLN:900000\n@SQ\tSN:chr2\tLN:300000\n@RG\tID:g\tSM:s\n",
    );
    let mut state = 12345u64;
    let mut next = |n: u64| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) % n
    };
    for i in 0..30_000u64 {
        let (name, length) = if next(3) == 0 {
            ("chr2", 300_000)
        } else {
            ("chr1", 900_000)
        };
        let pos = 1 + next(length - 500);
        let flag = [
            0,
            16,
            99,
            147,
            83,
            163,
            137,
            69,
            256,
            2048,
            1024,
            512,
            1 + 8 + 64,
        ][next(13) as usize];
        let mate = if next(10) == 0 { "chr2" } else { "=" };
        let seq: String = (0..100)
            .map(|_| b"ACGTN"[next(5) as usize] as char)
            .collect();
        let cigar = if flag & 4 != 0 {
            "*".to_owned()
        } else {
            format!("{}M2D{}M", 40, 60)
        };
        let mapq = next(61);
        let tag = next(1000) as f64 / 7.0;
        writeln!(sam, "q{i}\t{flag}\t{name}\t{pos}\t{mapq}\t{cigar}\t{mate}\t{pos}\t0\t{seq}\t*\tRG:Z:g\tXf:f:{tag}").unwrap();
    }
    let sam_path = dir.join("sim.sam");
    std::fs::write(&sam_path, sam).unwrap();
    let bam = dir.join("sim.bam");
    samtools(&[
        "sort",
        "--no-PG",
        "-o",
        bam.to_str().unwrap(),
        sam_path.to_str().unwrap(),
    ]);
    samtools(&["index", bam.to_str().unwrap()]);
    bam
}

fn inputs(dir: &TempDir) -> Vec<PathBuf> {
    let mut files = vec![
        testdata("hts-specs/bam/passed/level-1.bam"),
        testdata("hts-specs/sam/passed/aux.pass.sam"),
        testdata("hts-specs/sam/passed/flag.pass.sam"),
        testdata("hts-specs/sam/passed/pnext.pass.sam"),
    ];
    files.push(simulated_bam(dir));
    files
}

#[test]
fn view_count_and_flagstat_print_what_samtools_prints() {
    let dir = TempDir::new("sam-examples");
    for input in inputs(&dir) {
        let path = input.to_str().unwrap();
        assert_eq!(
            ours("view", &[path]),
            samtools(&["view", path]),
            "view {path}"
        );
        assert_eq!(
            ours("view", &["-h", path]),
            samtools(&["view", "--no-PG", "-h", path]),
            "view -h {path}"
        );
        assert_eq!(
            ours("count", &[path]),
            samtools(&["view", "-c", path]),
            "count {path}"
        );
        assert_eq!(
            ours("flagstat", &[path]),
            samtools(&["flagstat", path]),
            "flagstat {path}"
        );
    }
}

#[test]
fn regions_idxstats_index_and_convert_match_samtools() {
    let dir = TempDir::new("sam-examples-index");
    let bam = simulated_bam(&dir);
    let path = bam.to_str().unwrap();
    let regions = ["chr1:1000-50000", "chr2", "chr1:899,000", "*", "chr2:1-1"];
    for region in regions {
        assert_eq!(
            ours("count", &[path, region]),
            samtools(&["view", "-c", path, region]),
            "{region}"
        );
        assert_eq!(
            ours("view", &[path, region]),
            samtools(&["view", path, region]),
            "{region}"
        );
    }
    assert_eq!(ours("idxstats", &[path]), samtools(&["idxstats", path]));

    // index: samtools answers the same through our .bai and .csi
    for flag in ["-b", "-c"] {
        let copy = dir.join(&format!("copy{flag}.bam"));
        std::fs::copy(&bam, &copy).unwrap();
        let copy_path = copy.to_str().unwrap();
        ours("index", &[flag, copy_path]);
        assert_eq!(
            samtools(&["idxstats", copy_path]),
            samtools(&["idxstats", path])
        );
        for region in regions {
            assert_eq!(
                samtools(&["view", "-c", copy_path, region]),
                samtools(&["view", "-c", path, region])
            );
        }
    }

    // convert: BAM -> SAM -> BAM, each checked by samtools
    let sam_out = dir.join("out.sam");
    let bam_out = dir.join("out.bam");
    ours("convert", &[path, sam_out.to_str().unwrap()]);
    assert_eq!(
        std::fs::read_to_string(&sam_out).unwrap(),
        samtools(&["view", "--no-PG", "-h", path])
    );
    ours(
        "convert",
        &[
            "-l",
            "1",
            "-@",
            "2",
            sam_out.to_str().unwrap(),
            bam_out.to_str().unwrap(),
        ],
    );
    oracle("samtools", &["quickcheck", bam_out.to_str().unwrap()]);
    assert_eq!(
        samtools(&["view", "--no-PG", "-h", bam_out.to_str().unwrap()]),
        samtools(&["view", "--no-PG", "-h", path])
    );
}

#[test]
fn bad_input_is_one_line_on_stderr_and_exit_1() {
    let dir = TempDir::new("sam-examples-bad");
    let bad = dir.join("bad.bam");
    let good = std::fs::read(testdata("hts-specs/bam/passed/level-1.bam")).unwrap();
    std::fs::write(&bad, &good[..good.len() / 2]).unwrap();
    let output = Command::new(example("count")).arg(&bad).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(Path::new(&bad).exists());
}
