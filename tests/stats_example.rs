//! `examples/stats` (the README's main job) against independent counts:
//! awk over the decompressed text, as `zcat`/`bgzip -dc` produce it.
mod common;

use std::process::Command;

use common::{oracle, TempDir};

fn run_stats(paths: &[&str]) -> String {
    let binary = common::example_binary("stats");
    let output = Command::new(binary)
        .args(paths)
        .output()
        .expect("run stats");
    assert!(
        output.status.success(),
        "stats failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

/// The value after `label` in the block of output for the file at `index`.
fn value(output: &str, index: usize, label: &str) -> String {
    let block = output.split("\n\n").nth(index).expect("a block per file");
    let line = block
        .lines()
        .find(|line| line.trim_start().starts_with(label))
        .unwrap_or_else(|| panic!("no '{label}' in:\n{block}"));
    line.trim_start()[label.len()..].trim().replace(',', "")
}

fn awk(program: &str, text: &[u8], dir: &TempDir) -> Vec<String> {
    let path = dir.join("text");
    std::fs::write(&path, text).unwrap();
    let stdout = oracle("awk", &[program, path.to_str().unwrap()]).stdout;
    String::from_utf8(stdout)
        .unwrap()
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

#[test]
fn bundled_samples_are_summarised_with_the_right_counts() {
    let output = run_stats(&[]);
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data/");
    let dir = TempDir::new("stats");
    let fastq = std::fs::read(format!("{data}sample.fastq")).unwrap();
    let expected = awk(
        "NR % 4 == 2 { n++; b += length($0) } END { print n, b }",
        &fastq,
        &dir,
    );
    for (index, decoded) in [
        (0, fastq.clone()),
        (
            1,
            oracle("zcat", &[&format!("{data}sample.fastq.gz")]).stdout,
        ),
        (
            2,
            oracle("bgzip", &["-dc", &format!("{data}sample.bgzf.fastq.gz")]).stdout,
        ),
    ] {
        assert_eq!(decoded, fastq, "sample {index} decodes to the same reads");
        assert_eq!(
            value(&output, index, "records"),
            expected[0],
            "records of sample {index}"
        );
        assert_eq!(
            value(&output, index, "bases"),
            expected[1],
            "bases of sample {index}"
        );
    }
    let fasta = std::fs::read(format!("{data}sample.fa")).unwrap();
    let expected = awk(
        "/^>/ { n++; next } { b += length($0) } END { print n, b }",
        &fasta,
        &dir,
    );
    assert_eq!(value(&output, 3, "sequences"), expected[0]);
    assert_eq!(value(&output, 3, "bases"), expected[1]);
    let bam = format!("{data}sample.bam");
    let count = |args: &[&str]| {
        let stdout = oracle(
            "samtools",
            &[&["view", "-c"], args, &[bam.as_str()]].concat(),
        )
        .stdout;
        String::from_utf8(stdout).unwrap().trim().to_string()
    };
    assert_eq!(value(&output, 4, "records"), count(&[]));
    assert_eq!(
        value(&output, 4, "mapped"),
        format!("{} (100.00%)", count(&["-F", "4"]))
    );
    for (index, name) in [(5, "sample.vcf.gz"), (6, "sample.bcf")] {
        let records = oracle("bcftools", &["view", "-H", &format!("{data}{name}")]).stdout;
        let sites = records.iter().filter(|&&b| b == b'\n').count();
        assert_eq!(value(&output, index, "sites"), sites.to_string(), "{name}");
        assert_eq!(value(&output, index, "samples"), "12", "{name}");
    }
}

#[test]
fn gc_content_matches_an_independent_count() {
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data/sample.fa");
    let output = run_stats(&[data]);
    let dir = TempDir::new("stats-gc");
    let fasta = std::fs::read(data).unwrap();
    let counts = awk(
        r#"!/^>/ { s = toupper($0); a += gsub(/A/, "", s); c += gsub(/C/, "", s); g += gsub(/G/, "", s); t += gsub(/T/, "", s) } END { printf "%.2f%%\n", 100 * (g + c) / (a + c + g + t) }"#,
        &fasta,
        &dir,
    );
    assert_eq!(value(&output, 0, "GC"), counts[0]);
}

#[test]
fn unreadable_input_is_a_one_line_error_and_exit_1() {
    let binary = common::example_binary("stats");
    let output = Command::new(binary)
        .arg("/nonexistent/reads.fq")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("/nonexistent/reads.fq"), "{stderr}");
}

/// Peak resident memory stays bounded however large the input: a 120 MB
/// plain FASTQ is memory-mapped (above the threshold), and consumed pages
/// are released as the reader moves on.
#[test]
fn memory_stays_bounded_on_a_large_mapped_file() {
    let dir = TempDir::new("stats-rss");
    let path = dir.join("big.fastq");
    let sample = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/data/sample.fastq"
    ))
    .unwrap();
    let mut big = Vec::with_capacity(sample.len() * 650);
    for _ in 0..650 {
        big.extend_from_slice(&sample);
    }
    std::fs::write(&path, &big).unwrap();
    drop(big);
    let binary = common::example_binary("stats");
    let output = oracle(
        "/usr/bin/time",
        &["-f", "%M", binary.to_str().unwrap(), path.to_str().unwrap()],
    );
    let stderr = String::from_utf8(output.stderr).unwrap();
    let peak_kb: u64 = stderr
        .trim()
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or_else(|| panic!("no RSS in {stderr:?}"));
    assert!(
        peak_kb < 16 * 1024,
        "peak RSS {peak_kb} KB on a 120 MB file"
    );
    assert!(String::from_utf8(output.stdout)
        .unwrap()
        .contains("uncompressed, memory-mapped"));
}
