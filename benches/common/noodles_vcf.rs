//! The noodles-vcf side of the VCF genotype comparisons (peers benches
//! `vcf_file` and `bcf_genotypes`): every record's GT series decoded
//! through noodles' lazy record.

use std::io::BufRead;

use noodles_vcf::variant::record::samples::series::Value;
use noodles_vcf::variant::record::samples::Series as _;

/// Reads every record of `reader` and decodes its GT values: (sites, ALT
/// alleles called).
pub fn genotypes<R: BufRead>(mut reader: noodles_vcf::io::Reader<R>) -> (u64, u64) {
    let header = reader.read_header().expect("header");
    let mut record = noodles_vcf::Record::default();
    let (mut sites, mut alternates) = (0, 0);
    while reader.read_record(&mut record).expect("record") != 0 {
        let samples = record.samples();
        let series = samples.select("GT").expect("GT series");
        for value in series.iter(&header) {
            if let Some(Value::Genotype(genotype)) = value.expect("GT value") {
                for allele in genotype.iter() {
                    let (position, _phasing) = allele.expect("allele");
                    alternates += u64::from(position.is_some_and(|p| p > 0));
                }
            }
        }
        sites += 1;
    }
    (sites, alternates)
}
