//! `formats::variants::Reader`, one reader for VCF and BCF: the same
//! cohort as VCF, bgzipped VCF, BCF and uncompressed BCF (all but the
//! first written by bcftools) reads back as `bcftools view -H` prints it,
//! on 1 and 3 BGZF threads.
mod common;

use biometal::formats::variants::{self, Encoding};
use biometal::formats::vcf::{GenotypeMatrix, Variant};
use biometal::io::IoOptions;
use common::cohort::Cohort;
use common::{oracle, TempDir};

#[test]
fn vcf_and_bcf_read_alike_and_as_bcftools_prints_them() {
    let dir = TempDir::new("variants-reader");
    let vcf = dir.join("cohort.vcf");
    std::fs::write(&vcf, Cohort::full(250, 20, 8).vcf()).unwrap();
    let mut inputs = vec![(vcf.clone(), Encoding::Vcf)];
    for (name, mode, encoding) in [
        ("cohort.vcf.gz", "-Oz", Encoding::Vcf),
        ("cohort.bcf", "-Ob", Encoding::Bcf),
        ("cohort.u.bcf", "-Ou", Encoding::Bcf),
    ] {
        let path = dir.join(name);
        let args = [
            "view",
            mode,
            "-o",
            path.to_str().unwrap(),
            vcf.to_str().unwrap(),
        ];
        oracle("bcftools", &args);
        inputs.push((path, encoding));
    }
    let expected = oracle("bcftools", &["view", "-H", inputs[2].0.to_str().unwrap()]).stdout;
    let mut matrix = GenotypeMatrix::new();
    for (path, encoding) in &inputs {
        for threads in [1, 3] {
            let options = IoOptions::default().with_bgzf_threads(threads);
            let mut reader = variants::Reader::from_path_with(path, &options).unwrap();
            assert_eq!(reader.format(), *encoding, "{}", path.display());
            let header = reader.read_header().unwrap().clone();
            let (mut text, mut calls) = (Vec::new(), 0);
            while let Some(record) = reader.next_record().unwrap() {
                record.write_vcf(&header, &mut text).unwrap();
                text.push(b'\n');
                record.genotypes_into(&header, &mut matrix).unwrap();
                calls += matrix.sample_count();
            }
            assert_eq!(
                String::from_utf8_lossy(&text),
                String::from_utf8_lossy(&expected),
                "{} on {threads} threads",
                path.display()
            );
            assert_eq!(calls, 250 * 20);
        }
    }
    let not_variants = dir.join("reads.fastq");
    std::fs::write(&not_variants, "@r\nACGT\n+\nIIII\n").unwrap();
    let error = variants::Reader::from_path(&not_variants)
        .err()
        .expect("not VCF or BCF");
    assert!(error.to_string().contains("expected VCF or BCF"), "{error}");
}
