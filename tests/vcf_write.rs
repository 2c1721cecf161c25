//! VCF text written from BCF records (`vcf::Writer::write_variant`, the
//! path of `convert in.bcf out.vcf.gz`) against `bcftools view`: cohorts
//! wide enough for the GT-only column path, and hand-made records with
//! every kind of FORMAT value.

mod common;

use std::path::Path;

use biometal::formats::{bcf, vcf};
use common::cohort::Cohort;
use common::{oracle, TempDir};

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Our VCF records (no header) for a BCF file, through `vcf::Writer`.
fn ours(path: &Path) -> String {
    let mut reader = bcf::Reader::from_path(path).unwrap();
    let header = reader.read_header().unwrap();
    let mut writer = vcf::Writer::new(Vec::new());
    while let Some(record) = reader.next_record().unwrap() {
        writer.write_variant(&header, &record).unwrap();
    }
    String::from_utf8(writer.into_inner()).unwrap()
}

/// `bcftools view -Ob` of `vcf`, then our records and bcftools' records of
/// that BCF, line by line.
fn assert_same_records(dir: &TempDir, name: &str, vcf: &str) {
    let vcf_path = dir.join(&format!("{name}.vcf"));
    std::fs::write(&vcf_path, vcf).unwrap();
    let bcf_path = dir.join(&format!("{name}.bcf"));
    oracle(
        "bcftools",
        &["view", "-Ob", "-o", s(&bcf_path), s(&vcf_path)],
    );
    let expected =
        String::from_utf8(oracle("bcftools", &["view", "-H", s(&bcf_path)]).stdout).unwrap();
    let ours = ours(&bcf_path);
    for (i, (a, b)) in ours.lines().zip(expected.lines()).enumerate() {
        assert_eq!(a, b, "{name}: record {}", i + 1);
    }
    assert_eq!(ours.lines().count(), expected.lines().count(), "{name}");
}

#[test]
fn cohorts_from_bcf_equal_bcftools_view() {
    let dir = TempDir::new("vcf-write-cohorts");
    // GT only (diploid, haploid chrX, tri-allelic, missing, both phasings)
    // and GT:DP:GQ:PL with missing values.
    assert_same_records(&dir, "gt", &Cohort::gt_only(300, 120, 7).vcf());
    assert_same_records(&dir, "full", &Cohort::full(200, 60, 8).vcf());
}

#[test]
fn every_kind_of_format_value_equals_bcftools_view() {
    let dir = TempDir::new("vcf-write-values");
    let header = concat!(
        "##fileformat=VCFv4.2\n",
        "##contig=<ID=1,length=1000000>\n",
        "##INFO=<ID=AF,Number=A,Type=Float,Description=\"f\">\n",
        "##FORMAT=<ID=GT,Number=1,Type=String,Description=\"g\">\n",
        "##FORMAT=<ID=DS,Number=1,Type=Float,Description=\"d\">\n",
        "##FORMAT=<ID=AD,Number=R,Type=Integer,Description=\"a\">\n",
        "##FORMAT=<ID=FT,Number=1,Type=String,Description=\"t\">\n",
        "##FORMAT=<ID=CH,Number=1,Type=Character,Description=\"c\">\n",
        "##FORMAT=<ID=BIG,Number=.,Type=Integer,Description=\"b\">\n",
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tA\tB\tC\tD\n",
    );
    let records = [
        // Every field, haploid and triploid calls, trailing fields dropped.
        "1\t10\trs1\tA\tC,G\t12.5\t.\tAF=0.1,0.25\tGT:DS:AD:FT:CH:BIG\t0/1:0.333333:10,2,0:PASS:x:1,-5\t1:1e-05:.:.:.:.\t0|1|2:.:3,.,4:LowQual:y:.\t./.:2.5:0,0,0:.:.:70000",
        "1\t20\t.\tT\tTA\t.\tPASS\t.\tGT:DS\t0|0\t.\t./1:0\t1/.",
        // Alleles above 9, int16 and negative values.
        "1\t30\t.\tC\tA,B,D,E,F,G,H,I,J,K,L,M\t3\t.\t.\tGT:BIG\t11/12:-300\t0|10:32767,-32000\t12|12:.\t.|0:1",
        // GT not first, and a record with no GT at all.
        "1\t40\t.\tG\tT\t.\t.\t.\tDS:GT\t0.5:0/1\t1:1|1\t.:./.\t0.000123456:0/0",
        "1\t50\t.\tG\tT\t.\t.\t.\tAD:FT\t1,2:a\t.:.\t3,4:bb\t5:c",
    ];
    let mut vcf = String::from(header);
    for record in records {
        vcf.push_str(record);
        vcf.push('\n');
    }
    assert_same_records(&dir, "values", &vcf);
}
