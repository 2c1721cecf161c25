//! `count`, `view` and `stats` on BED and GFF3 files, plain and bgzipped:
//! `count` against `awk` counting data lines, `view -h` against the input
//! itself (byte-identical), `view` without `-h` against `grep -v` of the
//! header lines, `stats` against awk's per-type counts.
mod common;

use std::process::Command;

use common::{oracle, TempDir};

fn run(example: &str, args: &[&str]) -> Vec<u8> {
    let output = Command::new(common::example_binary(example))
        .args(args)
        .output()
        .expect("run example");
    assert!(
        output.status.success(),
        "{example} {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

fn bed_text() -> String {
    let mut text = String::from("track name=peaks\n# comment\n");
    for i in 0..500u64 {
        let chrom = if i < 300 { "chr1" } else { "chr2" };
        text += &format!(
            "{chrom}\t{}\t{}\tpeak{i}\t{}\t+\n",
            i * 100,
            i * 100 + 1 + i % 250,
            i % 1000
        );
    }
    text
}

fn gff_text() -> String {
    let mut text = String::from("##gff-version 3\n");
    for g in 0..100u64 {
        let start = 1 + g * 1000;
        text += &format!("ctg\t.\tgene\t{start}\t{}\t.\t+\t.\tID=g{g}\n", start + 500);
        text += &format!(
            "ctg\t.\tmRNA\t{start}\t{}\t.\t+\t.\tID=t{g};Parent=g{g}\n",
            start + 500
        );
        for e in 0..g % 4 + 1 {
            text += &format!(
                "ctg\t.\texon\t{}\t{}\t.\t+\t.\tParent=t{g}\n",
                start + e * 100,
                start + e * 100 + 50
            );
        }
        text += "###\n";
    }
    text + "##FASTA\n>ctg\nACGT\n"
}

#[test]
fn count_view_and_stats_agree_with_awk_and_the_input() {
    let dir = TempDir::new("bed-gff-examples");
    for (name, text, data_lines) in [
        ("peaks.bed", bed_text(), r#"!/^(#|track|browser)/ && NF"#),
        ("genes.gff", gff_text(), r#"/^##FASTA/ {exit} !/^#/ && NF"#),
    ] {
        let plain = dir.join(name);
        std::fs::write(&plain, &text).unwrap();
        let bgzipped = dir.join(&format!("{name}.gz"));
        let compressed = oracle("bgzip", &["-c", plain.to_str().unwrap()]).stdout;
        std::fs::write(&bgzipped, compressed).unwrap();
        let expected = oracle(
            "awk",
            &[
                &format!("{data_lines} {{n++}} END {{print n}}"),
                plain.to_str().unwrap(),
            ],
        )
        .stdout;
        let records: Vec<u8> = text
            .lines()
            .take_while(|line| !line.starts_with("##FASTA"))
            .filter(|line| !line.starts_with('#') && !line.starts_with("track"))
            .flat_map(|line| line.bytes().chain([b'\n']))
            .collect();
        for path in [&plain, &bgzipped] {
            let path = path.to_str().unwrap();
            assert_eq!(run("count", &[path]), expected, "{path}");
            assert_eq!(run("view", &["-h", path]), text.as_bytes(), "{path}");
            assert_eq!(run("view", &[path]), records, "{path}");
        }
    }
    let stats =
        String::from_utf8(run("stats", &[dir.join("genes.gff").to_str().unwrap()])).unwrap();
    let exons = oracle(
        "awk",
        &[
            "$3 == \"exon\" {n++} END {print n}",
            dir.join("genes.gff").to_str().unwrap(),
        ],
    )
    .stdout;
    let exons = String::from_utf8(exons).unwrap();
    let line = stats
        .lines()
        .find(|l| l.trim_start().starts_with("exon "))
        .expect("exon row");
    assert_eq!(
        line.split_whitespace().last(),
        Some(exons.trim()),
        "{stats}"
    );
    let features = stats
        .lines()
        .find(|l| l.trim_start().starts_with("features"))
        .expect("features row");
    assert_eq!(features.split_whitespace().last(), Some("450"), "{stats}");
}
