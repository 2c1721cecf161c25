//! Hostile and broken BCF: every failure is an `Error` naming BCF and the
//! record, never a panic, never an allocation sized by an unchecked field.

mod common;

use std::io::Cursor;

use biometal::formats::bcf;
use biometal::formats::vcf::{GenotypeMatrix, Variant};
use biometal::{ErrorKind, Format};
use common::cohort::Cohort;
use common::{oracle, TempDir};

const HEADER: &str = "##fileformat=VCFv4.2\n##contig=<ID=1,length=1000>\n\
##INFO=<ID=DP,Number=1,Type=Integer,Description=\"d\">\n\
##FORMAT=<ID=GT,Number=1,Type=String,Description=\"g\">\n\
#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tA\tB\n";

/// Dictionary: PASS 0, DP 1, GT 2; contig 1 at 0; two samples.
fn stream(records: &[Vec<u8>]) -> Vec<u8> {
    let mut out = bcf::MAGIC_2_2.to_vec();
    out.extend_from_slice(&(HEADER.len() as u32 + 1).to_le_bytes());
    out.extend_from_slice(HEADER.as_bytes());
    out.push(0);
    for record in records {
        out.extend_from_slice(record);
    }
    out
}

/// A record from its parts: fixed fields, the rest of the shared section,
/// the individual section.
fn record(chrom: i32, rlen: i32, counts: (u32, u32), shared_tail: &[u8], indiv: &[u8]) -> Vec<u8> {
    let mut shared = Vec::new();
    shared.extend_from_slice(&chrom.to_le_bytes());
    shared.extend_from_slice(&9i32.to_le_bytes());
    shared.extend_from_slice(&rlen.to_le_bytes());
    shared.extend_from_slice(&0x7F80_0001u32.to_le_bytes());
    shared.extend_from_slice(&counts.0.to_le_bytes());
    shared.extend_from_slice(&counts.1.to_le_bytes());
    shared.extend_from_slice(shared_tail);
    let mut out = Vec::new();
    out.extend_from_slice(&(shared.len() as u32).to_le_bytes());
    out.extend_from_slice(&(indiv.len() as u32).to_le_bytes());
    out.extend_from_slice(&shared);
    out.extend_from_slice(indiv);
    out
}

/// ID ".", alleles A and C, FILTER PASS, INFO DP=5.
const TAIL: &[u8] = &[
    0x07, 0x17, b'A', 0x17, b'C', 0x11, 0x00, 0x11, 0x01, 0x11, 0x05,
];
/// n_allele 2, n_info 1; n_fmt 1, n_sample 2.
const COUNTS: (u32, u32) = ((2 << 16) | 1, (1 << 24) | 2);
/// GT 0/1 and 1|1.
const INDIV: &[u8] = &[0x11, 0x02, 0x21, 0x02, 0x04, 0x04, 0x05];

fn good() -> Vec<u8> {
    record(0, 1, COUNTS, TAIL, INDIV)
}

/// Reads every record, returning the first error.
fn read_all(bytes: Vec<u8>) -> biometal::Result<usize> {
    let mut reader = bcf::Reader::new(bcf::Uncompressed(Cursor::new(bytes)));
    let header = reader.read_header()?;
    let mut n = 0;
    let mut matrix = GenotypeMatrix::new();
    while let Some(record) = reader.next_record()? {
        record.genotypes_into(&header, &mut matrix)?;
        record.chromosome(&header)?;
        n += 1;
    }
    Ok(n)
}

fn expect_error(bytes: Vec<u8>, kind: ErrorKind, needle: &str) {
    let error = read_all(bytes).expect_err(needle);
    assert_eq!(error.kind(), kind, "{error}");
    assert_eq!(error.format(), Some(Format::Bcf), "{error}");
    assert!(
        error.to_string().contains(needle),
        "{error} lacks {needle:?}"
    );
}

#[test]
fn the_good_record_reads() {
    assert_eq!(read_all(stream(&[good(), good()])).unwrap(), 2);
}

#[test]
fn typed_values_overrunning_the_record() {
    // INFO DP claims three int32 values, the section holds one byte.
    let tail = [
        0x07, 0x17, b'A', 0x17, b'C', 0x11, 0x00, 0x11, 0x01, 0x33, 0x05,
    ];
    let bad = record(0, 1, COUNTS, &tail, INDIV);
    expect_error(stream(&[good(), bad]), ErrorKind::InvalidData, "record 2");
    // GT claims 15+ values per sample.
    let indiv = [0x11, 0x02, 0xF1, 0x11, 0x7F, 0x02, 0x04];
    let bad = record(0, 1, COUNTS, TAIL, &indiv);
    expect_error(stream(&[bad]), ErrorKind::InvalidData, "FORMAT values");
    // An allele longer than the shared section.
    let tail = [0x07, 0x17, b'A', 0x57, b'C', 0x11, 0x00];
    let bad = record(0, 1, ((2 << 16), 0), &tail, &[]);
    expect_error(stream(&[bad]), ErrorKind::InvalidData, "allele");
}

#[test]
fn dictionary_indices_out_of_range() {
    expect_error(
        stream(&[record(5, 1, COUNTS, TAIL, INDIV)]),
        ErrorKind::InvalidData,
        "CHROM index 5",
    );
    let tail = [
        0x07, 0x17, b'A', 0x17, b'C', 0x11, 0x00, 0x11, 0x09, 0x11, 0x05,
    ];
    expect_error(
        stream(&[record(0, 1, COUNTS, &tail, INDIV)]),
        ErrorKind::InvalidData,
        "INFO key index 9",
    );
    let tail = [
        0x07, 0x17, b'A', 0x17, b'C', 0x11, 0x07, 0x11, 0x01, 0x11, 0x05,
    ];
    expect_error(
        stream(&[record(0, 1, COUNTS, &tail, INDIV)]),
        ErrorKind::InvalidData,
        "FILTER index 7",
    );
    let indiv = [0x11, 0x40, 0x21, 0x02, 0x04, 0x04, 0x05];
    expect_error(
        stream(&[record(0, 1, COUNTS, TAIL, &indiv)]),
        ErrorKind::InvalidData,
        "FORMAT key index 64",
    );
    // GT naming allele 5 of a two-allele record.
    let indiv = [0x11, 0x02, 0x21, 0x02, 0x0C, 0x04, 0x05];
    expect_error(
        stream(&[record(0, 1, COUNTS, TAIL, &indiv)]),
        ErrorKind::InvalidData,
        "allele 5",
    );
}

#[test]
fn negative_lengths() {
    expect_error(
        stream(&[record(0, -4, COUNTS, TAIL, INDIV)]),
        ErrorKind::InvalidData,
        "rlen",
    );
    // An overflow length of -1.
    let tail = [
        0x07, 0xF7, 0x11, 0xFF, b'A', 0x17, b'C', 0x11, 0x00, 0x11, 0x01, 0x11, 0x05,
    ];
    expect_error(
        stream(&[record(0, 1, COUNTS, &tail, INDIV)]),
        ErrorKind::InvalidData,
        "negative length",
    );
    expect_error(
        stream(&[record(-2, 1, COUNTS, TAIL, INDIV)]),
        ErrorKind::InvalidData,
        "CHROM",
    );
}

#[test]
fn huge_counts_with_short_records() {
    // 2^24 - 1 samples declared by a record of a two-sample header.
    let counts = ((2 << 16) | 1, (1 << 24) | 0xFF_FFFF);
    expect_error(
        stream(&[record(0, 1, counts, TAIL, INDIV)]),
        ErrorKind::InvalidData,
        "samples",
    );
    // Without a header to compare with, the sizes alone are caught.
    let bytes = record(0, 1, counts, TAIL, INDIV);
    let error = bcf::RecordRef::new(&bytes[8..], bytes.len() - 8 - INDIV.len()).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidData, "{error}");
    // 65 535 alleles and INFO fields in a 40-byte record.
    let counts = (u32::MAX, (1 << 24) | 2);
    expect_error(
        stream(&[record(0, 1, counts, TAIL, INDIV)]),
        ErrorKind::InvalidData,
        "allele",
    );
    // l_shared + l_indiv of 8 GiB: refused before anything is allocated.
    let mut huge = u32::MAX.to_le_bytes().to_vec();
    huge.extend_from_slice(&u32::MAX.to_le_bytes());
    huge.extend_from_slice(&[0; 16]);
    expect_error(
        stream(&[huge]),
        ErrorKind::LimitExceeded,
        "l_shared + l_indiv",
    );
    // l_shared below the fixed part.
    let mut tiny = 4u32.to_le_bytes().to_vec();
    tiny.extend_from_slice(&0u32.to_le_bytes());
    tiny.extend_from_slice(&[0; 4]);
    expect_error(stream(&[tiny]), ErrorKind::InvalidData, "24-byte");
}

#[test]
fn bad_magic_and_header() {
    let mut bytes = stream(&[]);
    bytes[3] = 1;
    expect_error(bytes, ErrorKind::InvalidData, "magic");
    let mut bytes = stream(&[]);
    bytes[5..9].copy_from_slice(&u32::MAX.to_le_bytes());
    expect_error(bytes, ErrorKind::LimitExceeded, "l_text");
    let bytes = stream(&[]);
    expect_error(
        bytes[..40].to_vec(),
        ErrorKind::UnexpectedEof,
        "header text",
    );
}

#[test]
fn truncation_at_every_record_and_inside_each() {
    let dir = TempDir::new("bcf-truncate");
    let vcf = dir.join("c.vcf");
    std::fs::write(&vcf, Cohort::full(40, 3, 21).vcf()).unwrap();
    let output = oracle("bcftools", &["view", "-Ou", vcf.to_str().unwrap()]);
    let bytes = output.stdout;
    // Record boundaries, from the lengths.
    let l_text = u32::from_le_bytes(bytes[5..9].try_into().unwrap()) as usize;
    let mut boundaries = vec![9 + l_text];
    while let Some(&at) = boundaries.last().filter(|&&at| at < bytes.len()) {
        let l_shared = u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        let l_indiv = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().unwrap()) as usize;
        boundaries.push(at + 8 + l_shared + l_indiv);
    }
    assert_eq!(boundaries.last(), Some(&bytes.len()));
    assert_eq!(boundaries.len(), 41);
    for (n, window) in boundaries.windows(2).enumerate() {
        // A cut at a record boundary is a clean end with n records.
        assert_eq!(read_all(bytes[..window[0]].to_vec()).unwrap(), n);
        // Cuts inside the record: lengths, fixed part, typed values, samples.
        let (start, end) = (window[0], window[1]);
        for cut in [
            start + 1,
            start + 7,
            start + 8,
            start + 20,
            start + 33,
            (start + end) / 2,
            end - 1,
        ] {
            if cut <= start || cut >= end {
                continue;
            }
            let error = read_all(bytes[..cut].to_vec()).unwrap_err();
            assert_eq!(
                error.kind(),
                ErrorKind::UnexpectedEof,
                "cut at {cut}: {error}"
            );
            assert_eq!(error.location().record(), Some(n as u64 + 1), "{error}");
        }
    }
    // Every byte of the first record.
    for cut in boundaries[0] + 1..boundaries[1] {
        assert!(read_all(bytes[..cut].to_vec()).is_err(), "cut at {cut}");
    }
}

#[test]
fn truncated_bgzf_is_an_error() {
    let dir = TempDir::new("bcf-truncate-bgzf");
    let vcf = dir.join("c.vcf");
    std::fs::write(&vcf, Cohort::gt_only(300, 50, 22).vcf()).unwrap();
    let bcf = dir.join("c.bcf");
    oracle(
        "bcftools",
        &[
            "view",
            "-Ob",
            "-o",
            bcf.to_str().unwrap(),
            vcf.to_str().unwrap(),
        ],
    );
    let bytes = std::fs::read(&bcf).unwrap();
    for cut in [bytes.len() - 28, bytes.len() / 2, bytes.len() - 100] {
        let path = dir.join("cut.bcf");
        std::fs::write(&path, &bytes[..cut]).unwrap();
        let result = (|| {
            let mut reader = bcf::Reader::from_path(&path)?;
            reader.read_header()?;
            while reader.next_record()?.is_some() {}
            Ok::<(), biometal::Error>(())
        })();
        assert!(result.is_err(), "cut at {cut} read cleanly");
    }
}
