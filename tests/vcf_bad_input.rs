//! Bad VCF input: truncations, undeclared keys, sample-count mismatches,
//! oversized lines, malformed fields. Always an error naming the line (or a
//! lenient reading with a warning), never a panic, never an allocation
//! sized by an unchecked claim.

mod common;

use biometal::formats::vcf::header::Strictness;
use biometal::formats::vcf::{GenotypeMatrix, Reader, ReaderBuilder, Value, Variant};
use biometal::ErrorKind;
use common::testdata;

/// Reads everything, decoding every field; the first error, if any.
fn read_all(data: &[u8], strictness: Strictness) -> biometal::Result<u64> {
    let mut reader = ReaderBuilder::new()
        .strictness(strictness)
        .build_from_reader(data);
    let header = reader.read_header()?.clone();
    let mut matrix = GenotypeMatrix::new();
    let mut count = 0;
    while let Some(record) = reader.next_record()? {
        record.chromosome(&header)?;
        record.position_value()?;
        record.quality()?;
        for field in record.info_fields(&header) {
            field?;
        }
        record.genotypes_into(&header, &mut matrix)?;
        count += 1;
    }
    Ok(count)
}

#[test]
fn every_truncation_is_an_error_or_a_shorter_file_never_a_panic() {
    let data =
        std::fs::read(testdata("hts-specs/vcf/4.3/passed/passed_body_samples.vcf")).expect("read");
    let header_end = data.windows(2).position(|w| w == b"\n1").expect("a record") + 1;
    for cut in 0..data.len() {
        let truncated = &data[..cut];
        let lenient = read_all(truncated, Strictness::Lenient);
        let strict = read_all(truncated, Strictness::Strict);
        let at_line_end = cut == 0 || data[cut - 1] == b'\n';
        if cut < header_end {
            // (Lenient reading may accept a #CHROM line cut at a column
            // boundary, or inside a sample name, as a shorter header.)
            assert!(
                strict.is_err(),
                "cut {cut}: a truncated header must be an error"
            );
            let _ = lenient;
        } else if !at_line_end {
            // A record cut mid-line has no newline: strict reading says so.
            let error = strict.expect_err("strict reading rejects a cut line");
            assert!(error.location().line().is_some(), "cut {cut}: {error}");
        } else {
            assert!(
                strict.is_ok(),
                "cut {cut} at a line end: {:?}",
                strict.err()
            );
        }
    }
}

const HEADER: &str =
    "##fileformat=VCFv4.3\n##INFO=<ID=DP,Number=1,Type=Integer,Description=\"Depth\">\n";

#[test]
fn undeclared_info_keys_strict_error_lenient_string_with_warning() {
    let text = format!(
        "{HEADER}#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n1\t5\t.\tA\tC\t.\t.\tDP=3;XY=a,b\n"
    );
    let error = read_all(text.as_bytes(), Strictness::Strict).unwrap_err();
    assert_eq!(error.location().line(), Some(4));
    assert!(error.to_string().contains("XY"), "{error}");

    let mut reader = Reader::new(text.as_bytes());
    let header = reader.read_header().expect("header").clone();
    let record = reader.next_record().expect("read").expect("a record");
    assert_eq!(
        record.info(&header, "XY").expect("typed"),
        Some(Value::String("a,b".into()))
    );
    assert_eq!(
        Variant::info(&record, &header, "DP").expect("typed"),
        Some(Value::Integer(3))
    );
    let warnings = reader.header().expect("header").warnings();
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("INFO XY is not defined")),
        "{warnings:?}"
    );
}

#[test]
fn many_declared_samples_and_a_short_record_is_an_error_without_a_large_allocation() {
    let samples: Vec<String> = (0..200_000).map(|i| format!("s{i}")).collect();
    let text = format!(
        "##fileformat=VCFv4.3\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t{}\n1\t5\t.\tA\tC\t.\t.\t.\tGT\t0|1\t1|1\n",
        samples.join("\t")
    );
    let mut reader = Reader::new(text.as_bytes());
    let header = reader.read_header().expect("header").clone();
    assert_eq!(header.samples().len(), 200_000);
    let record = reader.next_record().expect("read").expect("a record");
    let mut matrix = GenotypeMatrix::new();
    let error = record.genotypes_into(&header, &mut matrix).unwrap_err();
    assert!(
        error.to_string().contains("expected 200000 sample columns"),
        "{error}"
    );
    assert_eq!(error.location().line(), Some(3));
    // The matrix was sized from the line (two samples), not the header.
    assert!(matrix.all_alleles().len() <= 4);
}

#[test]
fn oversized_lines_are_a_limit_error() {
    let long_info = "X".repeat(5000);
    let text = format!(
        "{HEADER}#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n1\t5\t.\tA\tC\t.\t.\t{long_info}\n"
    );
    let mut reader = ReaderBuilder::new()
        .max_line_size(1024)
        .build_from_reader(text.as_bytes());
    reader.read_header().expect("header");
    let error = reader.next_record().unwrap_err();
    assert_eq!(error.kind(), ErrorKind::LimitExceeded);
}

#[test]
fn malformed_fields_name_the_line() {
    let cases = [
        "1\t5\t.\tA\tC\t.\t.",                 // 7 columns
        "1\tx\t.\tA\tC\t.\t.\t.",              // POS
        "1\t5\t.\tA\tC\tq\t.\t.",              // QUAL
        "1\t5\t.\tA\tC\t.\t.\tDP=x",           // INFO type
        "1\t5\t.\tA\tC\t.\t.\tDP=99999999999", // INFO overflow
        "\t5\t.\tA\tC\t.\t.\t.",               // empty CHROM
    ];
    for case in cases {
        let text = format!("{HEADER}#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n1\t1\t.\tA\tC\t.\t.\t.\n{case}\n");
        let error = read_all(text.as_bytes(), Strictness::Lenient).expect_err(case);
        assert_eq!(error.location().line(), Some(5), "{case}: {error}");
    }
}
