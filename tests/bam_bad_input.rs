//! Hostile and damaged BAM input: every case is an `Error` naming the
//! record and where it starts, never a panic or an allocation sized by an
//! unchecked field.
mod common;

use std::io::Cursor;

use biometal::formats::sam::record::cigar::{Kind, Op};
use biometal::formats::sam::record::data::Value;
use biometal::formats::sam::record::RecordFields;
use biometal::formats::{bam, sam};
use biometal::region::Position;
use biometal::ErrorKind;
use common::testdata;

/// An uncompressed BAM stream: header with one reference, then `records`.
fn stream(records: &[Vec<u8>]) -> (Vec<u8>, Vec<usize>) {
    let text = b"@SQ\tSN:chr1\tLN:1000\n";
    let mut bytes = b"BAM\x01".to_vec();
    bytes.extend_from_slice(&(text.len() as u32).to_le_bytes());
    bytes.extend_from_slice(text);
    bytes.extend_from_slice(&1u32.to_le_bytes());
    bytes.extend_from_slice(&5u32.to_le_bytes());
    bytes.extend_from_slice(b"chr1\0");
    bytes.extend_from_slice(&1000u32.to_le_bytes());
    let mut boundaries = vec![bytes.len()];
    for record in records {
        bytes.extend_from_slice(&(record.len() as u32).to_le_bytes());
        bytes.extend_from_slice(record);
        boundaries.push(bytes.len());
    }
    (bytes, boundaries)
}

fn record(name: &[u8], start: u64) -> Vec<u8> {
    let mut record = sam::Record::default();
    record
        .set_fields(&RecordFields {
            name,
            reference_id: Some(0),
            alignment_start: Position::new(start),
            mapping_quality: Some(60),
            cigar: &[Op {
                kind: Kind::Match,
                len: 4,
            }],
            sequence: b"ACGT",
            qualities: Some(&[30, 31, 32, 33]),
            ..RecordFields::default()
        })
        .unwrap();
    record
        .push_data(
            *b"XB",
            Value::Array(sam::record::data::Array::from_le_bytes(b'S', &[1, 0, 2, 0]).unwrap()),
        )
        .unwrap();
    record.push_data(*b"RG", Value::String(b"grp")).unwrap();
    record.as_bytes().to_vec()
}

/// Reads every record; the count, or the error.
fn read_all(bytes: &[u8], builder: bam::ReaderBuilder) -> biometal::Result<usize> {
    let mut reader = builder.build(bam::Uncompressed(Cursor::new(bytes)));
    reader.read_header()?;
    let mut count = 0;
    while reader.next_record()?.is_some() {
        count += 1;
    }
    Ok(count)
}

#[test]
fn truncation_anywhere_is_an_error_or_a_shorter_file_at_boundaries() {
    let records: Vec<Vec<u8>> = (0..4)
        .map(|i| record(format!("r{i}").as_bytes(), 10 + i))
        .collect();
    let (bytes, boundaries) = stream(&records);
    assert_eq!(read_all(&bytes, bam::ReaderBuilder::new()).unwrap(), 4);
    for cut in 0..bytes.len() {
        let result =
            std::panic::catch_unwind(|| read_all(&bytes[..cut], bam::ReaderBuilder::new()));
        let result = result.unwrap_or_else(|_| panic!("panic at cut {cut}"));
        match boundaries.iter().position(|&b| b == cut) {
            // An uncompressed stream cut between records is a shorter file;
            // in BGZF the missing EOF marker gives it away (below).
            Some(complete) => assert_eq!(result.unwrap(), complete, "cut {cut}"),
            None => {
                let error = result.expect_err(&format!("cut {cut} accepted"));
                if cut > boundaries[0] {
                    assert!(error.location().record().is_some(), "cut {cut}: {error}");
                }
            }
        }
    }
}

#[test]
fn truncated_bgzf_files_are_errors() {
    let bytes = std::fs::read(testdata("hts-specs/bam/passed/level-1.bam")).unwrap();
    for cut in (0..bytes.len()).step_by(bytes.len() / 40) {
        let result = std::panic::catch_unwind(|| {
            let mut reader = bam::Reader::with_threads(Cursor::new(&bytes[..cut]), 1);
            reader.read_header()?;
            while reader.next_record()?.is_some() {}
            Ok::<(), biometal::Error>(())
        });
        assert!(
            result.unwrap_or_else(|_| panic!("panic at {cut}")).is_err(),
            "cut {cut} accepted"
        );
    }
}

fn set_u32(bytes: &mut [u8], at: usize, value: u32) {
    bytes[at..at + 4].copy_from_slice(&value.to_le_bytes());
}

#[test]
fn damaged_fields_are_errors_with_locations() {
    let good = record(b"read", 10);
    let (bytes, boundaries) = stream(&[good.clone(), good.clone()]);
    let second = boundaries[1]; // block_size of record 2
    let expect = |bytes: &[u8], builder: bam::ReaderBuilder, kind: ErrorKind, text: &str| {
        let error = read_all(bytes, builder).expect_err(text);
        assert_eq!(error.kind(), kind, "{text}: {error}");
        assert!(error.to_string().contains(text), "{error}");
        assert_eq!(error.location().record(), Some(2), "{error}");
        assert!(error.location().virtual_position().is_none()); // uncompressed input has none
    };

    let mut damaged = bytes.clone();
    set_u32(&mut damaged, second, 31);
    expect(
        &damaged,
        bam::ReaderBuilder::new(),
        ErrorKind::InvalidData,
        "smaller than the 32-byte",
    );

    let mut damaged = bytes.clone();
    set_u32(&mut damaged, second, 0xffff_fff0);
    expect(
        &damaged,
        bam::ReaderBuilder::new(),
        ErrorKind::LimitExceeded,
        "block_size",
    );
    let cap = bam::ReaderBuilder::new().max_record_size(good.len() as u32 - 1);
    let error = read_all(&bytes, cap).unwrap_err();
    assert_eq!(
        (error.kind(), error.location().record()),
        (ErrorKind::LimitExceeded, Some(1))
    );

    let mut damaged = bytes.clone();
    set_u32(&mut damaged, second, good.len() as u32 + 100);
    expect(
        &damaged,
        bam::ReaderBuilder::new(),
        ErrorKind::UnexpectedEof,
        "inside a record",
    );

    let mut damaged = bytes.clone();
    damaged[second + 4 + 8] = 0; // l_read_name
    expect(
        &damaged,
        bam::ReaderBuilder::new(),
        ErrorKind::InvalidData,
        "l_read_name is 0",
    );

    let mut damaged = bytes.clone();
    damaged[second + 4 + 12] = 200; // n_cigar_op beyond the record
    expect(
        &damaged,
        bam::ReaderBuilder::new(),
        ErrorKind::InvalidData,
        "CIGAR operations",
    );

    let mut damaged = bytes.clone();
    let cigar_at = second + 4 + 32 + 5;
    set_u32(&mut damaged, cigar_at, 3 << 4); // 3M (op code 0) for 4 bases
    expect(
        &damaged,
        bam::ReaderBuilder::new(),
        ErrorKind::InvalidData,
        "CIGAR 3M implies 3 bases",
    );

    let mut damaged = bytes.clone();
    set_u32(&mut damaged, second + 4 + 16, 1000); // l_seq beyond the record
    expect(
        &damaged,
        bam::ReaderBuilder::new(),
        ErrorKind::InvalidData,
        "1000 bases",
    );

    // Aux data is checked as it is read: the record reads, its aux
    // accessors fail, naming the record and the record byte.
    let expect_aux = |bytes: &[u8], text: &str, readable_fields: usize| {
        for record_number in [1, 2] {
            // The borrowed and the owned record both know their number.
            let mut reader = bam::Reader::new(bam::Uncompressed(Cursor::new(bytes)));
            reader.read_header().unwrap();
            let mut owned = sam::Record::default();
            for _ in 0..record_number - 1 {
                assert!(reader.read_record(&mut owned).unwrap());
            }
            let data = if record_number == 1 {
                reader.next_record().unwrap().unwrap().data()
            } else {
                assert!(reader.read_record(&mut owned).unwrap());
                owned.data()
            };
            let expected_error = record_number == 2;
            let errors = [
                data.validate().err(),
                data.get(b"RG").err(),
                data.iter().find_map(|field| field.err()),
            ];
            for error in errors {
                assert_eq!(error.is_some(), expected_error, "record {record_number}");
                let Some(error) = error else { continue };
                assert_eq!(error.kind(), ErrorKind::InvalidData, "{text}: {error}");
                assert!(error.to_string().contains(text), "{error}");
                assert!(error.to_string().contains("record byte"), "{error}");
                assert_eq!(error.location().record(), Some(2), "{error}");
            }
            // Fields before the damage still read.
            let readable = if expected_error { readable_fields } else { 2 };
            assert_eq!(data.iter().filter(|field| field.is_ok()).count(), readable);
            assert_eq!(data.get(b"XB").is_ok(), readable > 0);
        }
    };

    // The last aux value (RG:Z:grp) loses its NUL: the text runs past the end.
    let mut short = good.clone();
    short.pop();
    let (damaged, _) = stream(&[good.clone(), short]);
    expect_aux(&damaged, "no NUL", 1);

    // A B array claiming a billion elements.
    let mut damaged = bytes.clone();
    let array_count_at = second + 4 + good.len() - 7 - 4 - 4; // before RG:Z:grp and 2 elements
    set_u32(&mut damaged, array_count_at, 1 << 30);
    expect_aux(&damaged, "runs past the record", 0);

    // A reference id the header does not have.
    let mut damaged = bytes.clone();
    set_u32(&mut damaged, second + 4, 7);
    expect(
        &damaged,
        bam::ReaderBuilder::new(),
        ErrorKind::InvalidData,
        "refID 7",
    );
}

#[test]
fn bgzf_errors_carry_the_virtual_position() {
    let path = testdata("hts-specs/bam/passed/level-1.bam");
    let mut reader = bam::ReaderBuilder::new()
        .max_record_size(40)
        .build_from_path(&path)
        .unwrap();
    reader.read_header().unwrap();
    let error = reader.next_record().unwrap_err();
    assert_eq!(error.location().record(), Some(1));
    assert!(error.location().virtual_position().is_some(), "{error}");
}

#[test]
fn bad_headers_are_errors() {
    let (bytes, boundaries) = stream(&[]);
    for cut in 0..boundaries[0] {
        assert!(
            read_all(&bytes[..cut], bam::ReaderBuilder::new()).is_err(),
            "cut {cut}"
        );
    }
    let mut damaged = bytes.clone();
    set_u32(&mut damaged, 4, u32::MAX); // l_text
    assert_eq!(
        read_all(&damaged, bam::ReaderBuilder::new())
            .unwrap_err()
            .kind(),
        ErrorKind::LimitExceeded
    );
    let mut damaged = bytes.clone();
    damaged[0] = b'C';
    assert!(read_all(&damaged, bam::ReaderBuilder::new())
        .unwrap_err()
        .to_string()
        .contains("magic"));
}
