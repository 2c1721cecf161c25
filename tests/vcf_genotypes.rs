//! Genotype decoding against bcftools on a simulated cohort (phased and
//! unphased, missing, tri-allelic sites, haploid chrX calls): every
//! sample's GT equals `bcftools query -f '[%GT\t]\n'`, and allele counts
//! equal `bcftools +fill-tags -- -t AC,AN`; for the simulator's three
//! models (haplotype mosaics, independent alleles, and haplotypes with a
//! caller's DP:GQ:PL).

mod common;

#[path = "../benches/support/vcf_cohort.rs"]
mod vcf_cohort;

use biometal::formats::vcf::{GenotypeMatrix, Reader};
use common::{oracle, TempDir};
use vcf_cohort::Model;

const SAMPLES: usize = 150;
const SITES: usize = 400;

fn cohort(model: Model) -> (TempDir, String, Vec<u8>) {
    let dir = TempDir::new("vcf-genotypes");
    let mut text = Vec::new();
    vcf_cohort::write_cohort_with(&mut text, SAMPLES, SITES, 7, model).expect("generate");
    let path = dir.join("cohort.vcf");
    std::fs::write(&path, &text).expect("write");
    let path = path.to_str().expect("UTF-8 path").to_owned();
    (dir, path, text)
}

/// A sample's genotype as bcftools prints it.
fn render(alleles: &[i32], phased: &[bool]) -> String {
    let mut text = String::new();
    for (i, (&allele, &is_phased)) in alleles.iter().zip(phased).enumerate() {
        if i > 0 {
            text.push(if is_phased { '|' } else { '/' });
        }
        if allele == GenotypeMatrix::MISSING {
            text.push('.');
        } else {
            text.push_str(&allele.to_string());
        }
    }
    text
}

#[test]
fn genotypes_equal_bcftools_query() {
    for model in [Model::Haplotypes, Model::Independent, Model::Caller] {
        genotypes_equal_bcftools_query_for(model);
    }
}

fn genotypes_equal_bcftools_query_for(model: Model) {
    let (_dir, path, text) = cohort(model);
    let expected = oracle("bcftools", &["query", "-f", "[%GT\\t]\\n", &path]).stdout;
    let mut reader = Reader::new(&text[..]);
    let header = reader.read_header().expect("header").clone();
    let mut matrix = GenotypeMatrix::new();
    let mut lines = String::from_utf8(expected)
        .expect("UTF-8")
        .lines()
        .map(str::to_owned)
        .collect::<Vec<_>>()
        .into_iter();
    let mut sites = 0;
    while let Some(record) = reader.next_record().expect("record") {
        record
            .genotypes_into(&header, &mut matrix)
            .expect("genotypes");
        let mut ours = String::new();
        for sample in 0..matrix.sample_count() {
            ours.push_str(&render(matrix.alleles(sample), matrix.phase_flags(sample)));
            ours.push('\t');
        }
        assert_eq!(Some(ours), lines.next(), "site {}", sites + 1);
        sites += 1;
    }
    assert_eq!(sites, SITES);
    assert!(lines.next().is_none());
}

#[test]
fn allele_counts_equal_bcftools_fill_tags() {
    for model in [Model::Haplotypes, Model::Independent, Model::Caller] {
        allele_counts_equal_bcftools_fill_tags_for(model);
    }
}

fn allele_counts_equal_bcftools_fill_tags_for(model: Model) {
    let (dir, path, text) = cohort(model);
    let tagged = dir.join("tagged.vcf");
    let tagged = tagged.to_str().expect("UTF-8 path");
    oracle(
        "bcftools",
        &["+fill-tags", &path, "-o", tagged, "--", "-t", "AC,AN"],
    );
    let expected = oracle("bcftools", &["query", "-f", "%AC\\t%AN\\n", tagged]).stdout;
    let expected = String::from_utf8(expected).expect("UTF-8");
    let mut reader = Reader::new(&text[..]);
    let header = reader.read_header().expect("header").clone();
    let mut matrix = GenotypeMatrix::new();
    let mut counts = Vec::new();
    let mut lines = expected.lines();
    while let Some(record) = reader.next_record().expect("record") {
        record
            .genotypes_into(&header, &mut matrix)
            .expect("genotypes");
        matrix.allele_counts(1 + record.alternate_allele_count(), &mut counts);
        let ac: Vec<String> = counts[1..].iter().map(u32::to_string).collect();
        let ours = format!("{}\t{}", ac.join(","), matrix.allele_number());
        assert_eq!(
            Some(ours.as_str()),
            lines.next(),
            "line {}",
            record.line_number()
        );
    }
    assert!(lines.next().is_none());
}
