//! BCF against bcftools: our reader on bcftools-written BCF prints what
//! `bcftools view` prints; BCF we write (verbatim or re-encoded through the
//! `Variant` trait) reads back in bcftools as the original records.

mod common;
#[path = "../benches/support/vcf_cohort.rs"]
mod vcf_cohort;

use std::fmt::Write as _;
use std::path::Path;

use biometal::formats::bcf;
use biometal::formats::vcf::{GenotypeMatrix, Header, Variant};
use common::cohort::Cohort;
use common::{oracle, TempDir};

/// One record as a VCF line, from the `Variant` trait alone.
fn vcf_line(header: &Header, variant: &impl Variant) -> String {
    let mut line = String::new();
    let chrom = variant.chromosome(header).unwrap();
    write!(line, "{chrom}\t{}\t", variant.position().unwrap().get()).unwrap();
    let ids: Vec<&str> = variant.ids().unwrap().collect();
    line.push_str(&if ids.is_empty() {
        ".".into()
    } else {
        ids.join(";")
    });
    line.push('\t');
    line.push_str(std::str::from_utf8(variant.reference_bases().unwrap()).unwrap());
    line.push('\t');
    let alts: Vec<&str> = variant
        .alternate_bases()
        .unwrap()
        .map(|a| std::str::from_utf8(a).unwrap())
        .collect();
    line.push_str(&if alts.is_empty() {
        ".".into()
    } else {
        alts.join(",")
    });
    line.push('\t');
    match variant.quality().unwrap() {
        Some(q) => biometal::formats::vcf::format_float(&mut line, q).unwrap(),
        None => line.push('.'),
    }
    line.push('\t');
    match variant.filters(header).unwrap() {
        Some(filters) => line.push_str(&filters.collect::<Vec<_>>().join(";")),
        None => line.push('.'),
    }
    line.push('\t');
    let info: Vec<String> = variant
        .info_fields(header)
        .map(|field| {
            let (key, value) = field.unwrap();
            match value {
                biometal::formats::vcf::Value::Flag => key.to_string(),
                value => format!("{key}={value}"),
            }
        })
        .collect();
    line.push_str(&if info.is_empty() {
        ".".into()
    } else {
        info.join(";")
    });
    let keys: Vec<&str> = variant.format_keys(header).map(Result::unwrap).collect();
    if !keys.is_empty() {
        line.push('\t');
        line.push_str(&keys.join(":"));
        for sample in 0..header.samples().len() {
            line.push('\t');
            for (i, key) in keys.iter().enumerate() {
                if i > 0 {
                    line.push(':');
                }
                match variant.sample_value(header, sample, key).unwrap() {
                    Some(value) => write!(line, "{value}").unwrap(),
                    None => line.push('.'),
                }
            }
        }
    }
    line
}

fn bcftools_records(path: &Path) -> Vec<String> {
    let output = oracle("bcftools", &["view", "-H", path.to_str().unwrap()]);
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

fn our_records(path: &Path) -> Vec<String> {
    let mut reader = bcf::Reader::from_path(path).unwrap();
    let header = reader.read_header().unwrap();
    let mut lines = Vec::new();
    while let Some(record) = reader.next_record().unwrap() {
        lines.push(vcf_line(&header, &record));
    }
    lines
}

fn write_cohort(dir: &TempDir, name: &str, cohort: &Cohort) -> std::path::PathBuf {
    let vcf = dir.join(&format!("{name}.vcf"));
    std::fs::write(&vcf, cohort.vcf()).unwrap();
    vcf
}

fn bcftools_convert(input: &Path, output: &Path, mode: &str) {
    oracle(
        "bcftools",
        &[
            "view",
            mode,
            "-o",
            output.to_str().unwrap(),
            input.to_str().unwrap(),
        ],
    );
}

#[test]
fn reads_bcftools_bcf_as_bcftools_prints_it() {
    let dir = TempDir::new("bcf-read");
    for (name, cohort) in [
        ("gt", Cohort::gt_only(400, 30, 1)),
        ("full", Cohort::full(300, 25, 2)),
        ("full_realistic", Cohort::full_realistic(300, 25, 3)),
    ] {
        let vcf = write_cohort(&dir, name, &cohort);
        for mode in ["-Ob", "-Ou"] {
            let bcf = dir.join(&format!("{name}{mode}.bcf"));
            bcftools_convert(&vcf, &bcf, mode);
            let expected = bcftools_records(&bcf);
            assert_eq!(expected.len(), cohort.sites);
            let ours = our_records(&bcf);
            for (i, (a, b)) in ours.iter().zip(&expected).enumerate() {
                assert_eq!(a, b, "{name} {mode}: record {}", i + 1);
            }
            assert_eq!(ours.len(), expected.len());
        }
    }
}

#[test]
fn bcf_we_write_reads_back_in_bcftools() {
    let dir = TempDir::new("bcf-write");
    for (name, cohort) in [
        ("gt", Cohort::gt_only(300, 20, 3)),
        ("full", Cohort::full(200, 15, 4)),
    ] {
        let vcf = write_cohort(&dir, name, &cohort);
        let source = dir.join(&format!("{name}.bcf"));
        bcftools_convert(&vcf, &source, "-Ob");
        let expected = bcftools_records(&source);
        for (compressed, verbatim) in [(true, true), (true, false), (false, false)] {
            let mut reader = bcf::Reader::from_path(&source).unwrap();
            let header = reader.read_header().unwrap();
            let mut writer = bcf::WriterBuilder::new()
                .compressed(compressed)
                .build(Vec::new())
                .unwrap();
            writer.write_header(&header).unwrap();
            while let Some(record) = reader.next_record().unwrap() {
                if verbatim {
                    writer.write_record(record).unwrap();
                } else {
                    writer.write_variant(&header, &record).unwrap();
                }
            }
            let out = dir.join(&format!("{name}-{compressed}-{verbatim}.bcf"));
            std::fs::write(&out, writer.finish().unwrap()).unwrap();
            let ours = bcftools_records(&out);
            for (i, (a, b)) in ours.iter().zip(&expected).enumerate() {
                assert_eq!(
                    a,
                    b,
                    "{name} compressed {compressed} verbatim {verbatim}: record {}",
                    i + 1
                );
            }
            assert_eq!(ours.len(), expected.len());
        }
    }
}

#[test]
fn genotype_matrix_matches_bcftools_query() {
    let dir = TempDir::new("bcf-gt");
    let cohort = Cohort::gt_only(200, 40, 5);
    let vcf = write_cohort(&dir, "gt", &cohort);
    let bcf = dir.join("gt.bcf");
    bcftools_convert(&vcf, &bcf, "-Ob");
    let output = oracle(
        "bcftools",
        &["query", "-f", "[%GT\\t]\\n", bcf.to_str().unwrap()],
    );
    let expected = String::from_utf8(output.stdout).unwrap();
    let mut reader = bcf::Reader::from_path(&bcf).unwrap();
    let header = reader.read_header().unwrap();
    let mut matrix = GenotypeMatrix::new();
    let mut record = bcf::Record::default();
    for line in expected.lines() {
        assert!(reader.read_record(&mut record).unwrap());
        record
            .as_ref()
            .genotypes_into(&header, &mut matrix)
            .unwrap();
        let calls: Vec<&str> = line.split('\t').filter(|s| !s.is_empty()).collect();
        assert_eq!(calls.len(), matrix.sample_count());
        for (sample, call) in calls.iter().enumerate() {
            let mut text = String::new();
            for (i, (&allele, &phased)) in matrix
                .alleles(sample)
                .iter()
                .zip(matrix.phase_flags(sample))
                .enumerate()
            {
                if i > 0 {
                    text.push(if phased { '|' } else { '/' });
                }
                if allele < 0 {
                    text.push('.');
                } else {
                    write!(text, "{allele}").unwrap();
                }
            }
            assert_eq!(&text, call, "sample {sample}");
        }
    }
    assert!(!reader.read_record(&mut record).unwrap());
}

#[test]
fn vcf_to_bcf_by_us_reads_back_in_bcftools() {
    let dir = TempDir::new("vcf-to-bcf");
    for (name, cohort) in [
        ("gt", Cohort::gt_only(300, 20, 6)),
        ("full", Cohort::full(250, 12, 7)),
    ] {
        let vcf = write_cohort(&dir, name, &cohort);
        let expected = bcftools_records(&vcf);
        let mut reader = biometal::formats::vcf::Reader::from_path(&vcf).unwrap();
        let header = reader.read_header().unwrap().clone();
        let mut writer = bcf::WriterBuilder::new().build(Vec::new()).unwrap();
        writer.write_header(&header).unwrap();
        while let Some(record) = reader.next_record().unwrap() {
            writer.write_variant(&header, &record).unwrap();
        }
        let out = dir.join(&format!("{name}.bcf"));
        std::fs::write(&out, writer.finish().unwrap()).unwrap();
        let ours = bcftools_records(&out);
        for (i, (a, b)) in ours.iter().zip(&expected).enumerate() {
            assert_eq!(a, b, "{name}: record {}", i + 1);
        }
        assert_eq!(ours.len(), cohort.sites);
        // And the binary records equal bcftools' own encoding, byte for byte.
        let theirs = dir.join(&format!("{name}-bcftools.bcf"));
        bcftools_convert(&vcf, &theirs, "-Ob");
        let mut ours = bcf::Reader::from_path(&out).unwrap();
        let mut theirs = bcf::Reader::from_path(&theirs).unwrap();
        ours.read_header().unwrap();
        theirs.read_header().unwrap();
        let (mut a, mut b) = (bcf::Record::default(), bcf::Record::default());
        let mut n = 0;
        while theirs.read_record(&mut b).unwrap() {
            assert!(ours.read_record(&mut a).unwrap());
            n += 1;
            assert_eq!(
                a.as_ref().as_bytes(),
                b.as_ref().as_bytes(),
                "{name}: record {n}"
            );
        }
        assert!(!ours.read_record(&mut a).unwrap());
    }
}

/// The benches' caller-like GT:DP:GQ:PL cohort (multi-allelic PL lengths,
/// haploid chrX calls, missing calls with DP 0), as bcftools writes it to
/// BCF, reads as bcftools prints it.
#[test]
fn reads_the_caller_cohort_as_bcftools_prints_it() {
    let dir = TempDir::new("bcf-caller");
    let mut text = Vec::new();
    let model = vcf_cohort::Model::Caller;
    vcf_cohort::write_cohort_with(&mut text, 60, 300, 3, model).unwrap();
    let vcf = dir.join("caller.vcf");
    std::fs::write(&vcf, &text).unwrap();
    let bcf = dir.join("caller.bcf");
    bcftools_convert(&vcf, &bcf, "-Ob");
    let expected = bcftools_records(&bcf);
    assert_eq!(expected.len(), 300);
    assert!(expected.iter().any(|line| line.contains("\t./.:0:0:0,0,0")));
    assert_eq!(our_records(&bcf), expected);
}

/// The three tiers (borrowed, reused, owned), on 1 and 4 BGZF threads, print
/// what bcftools prints; and the same records declared BCF 2.1 (the magic's
/// minor version patched; the record encoding is the same) read the same.
/// bcftools 1.16 refuses 2.1 ("only BCFv2.2 is supported"), so the oracle
/// there is its output for the 2.2 original.
#[test]
fn every_tier_and_thread_count_and_bcf_2_1_read_as_bcftools() {
    let dir = TempDir::new("bcf-tiers");
    let vcf = write_cohort(&dir, "tiers", &Cohort::full(300, 25, 4));
    let bcf = dir.join("tiers.bcf");
    bcftools_convert(&vcf, &bcf, "-Ob");
    let expected = bcftools_records(&bcf);
    assert_eq!(expected.len(), 300);
    for threads in [1, 4] {
        let open = || {
            let mut reader = bcf::ReaderBuilder::new()
                .threads(threads)
                .build_from_path(&bcf)
                .unwrap();
            let header = reader.read_header().unwrap();
            (reader, header)
        };
        let (mut reader, header) = open();
        let mut borrowed = Vec::new();
        while let Some(record) = reader.next_record().unwrap() {
            borrowed.push(vcf_line(&header, &record));
        }
        assert_eq!(borrowed, expected, "next_record, {threads} threads");
        let (mut reader, header) = open();
        let (mut record, mut reused) = (bcf::Record::default(), Vec::new());
        while reader.read_record(&mut record).unwrap() {
            reused.push(vcf_line(&header, &record.as_ref()));
        }
        assert_eq!(reused, expected, "read_record, {threads} threads");
        let (mut reader, header) = open();
        let owned: Vec<String> = reader
            .records()
            .map(|record| vcf_line(&header, &record.unwrap().as_ref()))
            .collect();
        assert_eq!(owned, expected, "records, {threads} threads");
    }
    let mut raw = oracle("bgzip", &["-dc", bcf.to_str().unwrap()]).stdout;
    assert_eq!(&raw[..5], b"BCF\x02\x02");
    raw[4] = 1;
    let old = dir.join("tiers-2.1.bcf");
    std::fs::write(&old, &raw).unwrap();
    assert_eq!(our_records(&old), expected, "BCF 2.1, uncompressed");
}
