//! `examples/stats` on VCF and BCF against bcftools: the site counts of
//! `bcftools stats` (its `SN` and `TSTV` lines) on every conformance VCF
//! bcftools reads, and the genotype classes counted from the GT text
//! `bcftools view` prints, for VCF, VCF.gz and BCF inputs.
mod common;

use std::collections::HashMap;
use std::path::Path;

use common::cohort::Cohort;
use common::{oracle, testdata, TempDir};

/// Our summary of `path`: label → value, digits without separators (the
/// Ts/Tv row gives `ts` and `tv`).
fn summary(path: &Path) -> HashMap<String, String> {
    let stats = common::example_binary("stats");
    let text = common::run_example(&stats, &[path.to_str().unwrap()]);
    let mut values = HashMap::new();
    for line in text.lines().skip(1) {
        let Some((label, value)) = line.trim_start().split_once("  ") else {
            continue;
        };
        let value = value.trim();
        if label == "Ts/Tv" {
            // "2.05 (1,234 / 602)"
            let counts = value[value.find('(').unwrap() + 1..value.len() - 1].replace(',', "");
            let (ts, tv) = counts.split_once(" / ").unwrap();
            values.insert("ts".into(), ts.to_string());
            values.insert("tv".into(), tv.to_string());
            continue;
        }
        let number = value.split(' ').next().unwrap().replace(',', "");
        values.insert(label.to_string(), number);
    }
    values
}

/// `bcftools stats`' SN and TSTV numbers under our labels.
fn bcftools_stats(path: &Path) -> HashMap<String, String> {
    let stdout = oracle("bcftools", &["stats", path.to_str().unwrap()]).stdout;
    let labels = [
        ("number of samples:", "samples"),
        ("number of records:", "sites"),
        ("number of no-ALTs:", "no-ALT sites"),
        ("number of SNPs:", "SNV sites"),
        ("number of MNPs:", "MNP sites"),
        ("number of indels:", "indel sites"),
        ("number of others:", "other sites"),
        ("number of multiallelic sites:", "multi-allelic"),
    ];
    let mut values = HashMap::new();
    for line in String::from_utf8(stdout).unwrap().lines() {
        let fields: Vec<&str> = line.split('\t').collect();
        match fields.as_slice() {
            ["SN", _, key, value] => {
                if let Some((_, ours)) = labels.iter().find(|(theirs, _)| theirs == key) {
                    values.insert(ours.to_string(), value.to_string());
                }
            }
            ["TSTV", _, ts, tv, ..] if *tv != "0" => {
                values.insert("ts".into(), ts.to_string());
                values.insert("tv".into(), tv.to_string());
            }
            _ => {}
        }
    }
    values
}

/// The genotype classes of every record with a GT field, from the VCF
/// text `bcftools view -H` prints: a genotype is missing when any allele
/// is `.`, else hom-ref, het or hom-alt (haploid calls by their one
/// allele); phased when called, of two or more alleles, all joined by `|`.
fn bcftools_genotype_classes(path: &Path) -> HashMap<String, String> {
    let stdout = oracle("bcftools", &["view", "-H", path.to_str().unwrap()]).stdout;
    let mut counts = [0u64; 6];
    for line in String::from_utf8(stdout).unwrap().lines() {
        let columns: Vec<&str> = line.split('\t').collect();
        if columns.len() < 10 || columns[8].split(':').next() != Some("GT") {
            continue;
        }
        counts[5] += 1;
        for sample in &columns[9..] {
            let gt = sample.split(':').next().unwrap();
            let gt = gt.strip_prefix(['|', '/']).unwrap_or(gt);
            let alleles: Vec<&str> = gt.split(['/', '|']).collect();
            let phased = alleles.len() > 1 && !gt.contains('/');
            let class = if alleles.contains(&".") {
                3
            } else if alleles.iter().any(|a| a != &alleles[0]) {
                1
            } else if alleles[0] == "0" {
                0
            } else {
                2
            };
            counts[class] += 1;
            counts[4] += u64::from(phased && class != 3);
        }
    }
    let mut values = HashMap::new();
    for (label, count) in ["hom-ref", "het", "hom-alt", "missing", "phased"]
        .iter()
        .zip(counts)
    {
        values.insert(label.to_string(), count.to_string());
    }
    if counts[5] > 0 {
        values.insert(
            "genotypes".into(),
            counts[..4].iter().sum::<u64>().to_string(),
        );
    }
    values
}

fn assert_subset(expected: &HashMap<String, String>, ours: &HashMap<String, String>, what: &str) {
    for (label, value) in expected {
        assert_eq!(
            ours.get(label),
            Some(value),
            "{what}: '{label}' (ours {ours:?})"
        );
    }
}

fn conformance_vcfs() -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for dir in ["4.1/passed", "4.2/passed", "4.3/passed", "4.5"] {
        let dir = testdata(&format!("hts-specs/vcf/{dir}"));
        for entry in std::fs::read_dir(&dir).expect("conformance directory") {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "vcf") {
                files.push(path);
            }
        }
    }
    files.sort();
    assert!(files.len() > 50, "conformance VCFs missing");
    files
}

#[test]
fn site_counts_equal_bcftools_stats_on_every_conformance_vcf() {
    let mut compared = 0;
    for path in conformance_vcfs() {
        // bcftools reads every file here; were one rejected, it would say
        // so and this test fail in `oracle`.
        let expected = bcftools_stats(&path);
        let ours = summary(&path);
        assert_subset(&expected, &ours, &path.display().to_string());
        if !expected.contains_key("tv") {
            assert!(!ours.contains_key("tv"), "{}: Ts/Tv", path.display());
        }
        compared += 1;
    }
    assert!(compared > 50);
}

#[test]
fn genotype_classes_equal_bcftools_on_conformance_vcfs_with_genotypes() {
    let mut with_genotypes = 0;
    for path in conformance_vcfs() {
        let expected = bcftools_genotype_classes(&path);
        let ours = summary(&path);
        if expected.contains_key("genotypes") {
            with_genotypes += 1;
            assert_subset(&expected, &ours, &path.display().to_string());
        } else {
            assert!(!ours.contains_key("genotypes"), "{}", path.display());
        }
    }
    assert!(with_genotypes > 10, "only {with_genotypes} files with GT");
}

#[test]
fn a_cohort_as_vcf_vcf_gz_and_bcf_gives_bcftools_counts() {
    let dir = TempDir::new("stats-variants");
    let vcf = dir.join("cohort.vcf");
    std::fs::write(&vcf, Cohort::full(400, 60, 11).vcf()).unwrap();
    let (gz, bcf) = (dir.join("cohort.vcf.gz"), dir.join("cohort.bcf"));
    for (out, format) in [(&gz, "-Oz"), (&bcf, "-Ob")] {
        let args = [
            "view",
            format,
            "-o",
            out.to_str().unwrap(),
            vcf.to_str().unwrap(),
        ];
        oracle("bcftools", &args);
    }
    let mut expected = bcftools_stats(&bcf);
    expected.extend(bcftools_genotype_classes(&bcf));
    assert!(expected["multi-allelic"] != "0" && expected["missing"] != "0");
    assert!(expected["phased"] != "0" && expected["het"] != "0");
    let reference = summary(&vcf);
    assert_subset(&expected, &reference, "VCF");
    for path in [&gz, &bcf] {
        assert_eq!(summary(path), reference, "{}", path.display());
    }
}
