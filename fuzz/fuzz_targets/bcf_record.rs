//! BCF records after a fixed header: every record either fails with an
//! error or yields a view whose every getter, the `Variant` interface,
//! genotype decoding and re-encoding work without panicking.
#![no_main]

use std::io::Cursor;

use biometal::formats::bcf;
use biometal::formats::vcf::{GenotypeMatrix, Variant};
use libfuzzer_sys::fuzz_target;

const HEADER: &str = "##fileformat=VCFv4.2\n##contig=<ID=1,length=1000>\n##contig=<ID=2>\n\
##FILTER=<ID=q10,Description=\"q\">\n\
##INFO=<ID=DP,Number=1,Type=Integer,Description=\"d\">\n\
##INFO=<ID=AF,Number=A,Type=Float,Description=\"a\">\n\
##INFO=<ID=DB,Number=0,Type=Flag,Description=\"b\">\n\
##INFO=<ID=S,Number=.,Type=String,Description=\"s\">\n\
##FORMAT=<ID=GT,Number=1,Type=String,Description=\"g\">\n\
##FORMAT=<ID=PL,Number=G,Type=Integer,Description=\"p\">\n\
##FORMAT=<ID=GL,Number=G,Type=Float,Description=\"l\">\n\
#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tA\tB\n";

fuzz_target!(|data: &[u8]| {
    let mut bytes = bcf::MAGIC_2_2.to_vec();
    bytes.extend_from_slice(&(HEADER.len() as u32 + 1).to_le_bytes());
    bytes.extend_from_slice(HEADER.as_bytes());
    bytes.push(0);
    bytes.extend_from_slice(data);
    let mut reader = bcf::Reader::new(bcf::Uncompressed(Cursor::new(bytes)));
    let Ok(header) = reader.read_header() else {
        return;
    };
    let mut matrix = GenotypeMatrix::new();
    let mut writer = bcf::WriterBuilder::new()
        .compressed(false)
        .build(Vec::new())
        .expect("uncompressed writer");
    writer.write_header(&header).expect("header into a Vec");
    while let Ok(Some(record)) = reader.next_record() {
        let _ = (record.reference_id(), record.position(), record.end(), record.quality());
        let _ = (record.id(), record.alleles().count(), record.filters().count());
        for (_, values) in record.info() {
            let _ = (values.ints().count(), values.floats().count(), values.chars());
        }
        for field in record.formats() {
            for sample in 0..field.sample_count() {
                let _ = field.sample(sample).map(|v| v.ints().count());
            }
        }
        let _ = record.chromosome(&header);
        let _ = record.ids().map(|ids| ids.count());
        let _ = Variant::filters(&record, &header).map(|f| f.map(|f| f.count()));
        for field in Variant::info_fields(&record, &header) {
            let _ = field.map(|(_, value)| value.to_string());
        }
        for key in ["GT", "PL", "GL"] {
            for sample in 0..2 {
                let _ = record.sample_value(&header, sample, key);
            }
        }
        if record.genotypes_into(&header, &mut matrix).is_ok() {
            assert_eq!(matrix.sample_count(), 2);
        }
        let _ = writer.write_record(record);
        let _ = writer.write_variant(&header, &record);
    }
});
