//! Bad CRAM input: truncation at every byte, a flipped byte anywhere,
//! a missing reference, a reference whose MD5 does not match and a record
//! past its slice's reference span. Each is an error naming where, never a
//! panic and never a silent success.

mod common;

use std::io::Cursor;

use biometal::formats::cram::{Fields, ReaderBuilder, ReferenceSource};
use biometal::{Error, ErrorKind};
use common::{testdata, TempDir};

fn ce() -> ReferenceSource {
    ReferenceSource::from_fasta_path(testdata("hts-specs/cram/ce.fa")).expect("ce.fa")
}

/// Decodes everything; the number of records or the first error.
fn decode(bytes: &[u8], builder: ReaderBuilder) -> Result<u64, Error> {
    let mut reader = builder.build(Cursor::new(bytes));
    reader.read_header()?;
    let mut count = 0;
    while reader.next_record()?.is_some() {
        count += 1;
    }
    Ok(count)
}

fn multislice() -> Vec<u8> {
    std::fs::read(testdata(
        "hts-specs/cram/3.0/passed/1404_index_multislice.cram",
    ))
    .expect("read CRAM")
}

#[test]
fn truncation_anywhere_is_an_error() {
    let bytes = multislice();
    let full = decode(&bytes, ReaderBuilder::new().reference(ce())).expect("whole file decodes");
    assert!(full > 100);
    let reference = ce();
    for len in 0..bytes.len() {
        let result = decode(
            &bytes[..len],
            ReaderBuilder::new().reference(reference.clone()),
        );
        let error = result.expect_err(&format!("{len}-byte prefix must not decode"));
        assert!(
            matches!(
                error.kind(),
                ErrorKind::UnexpectedEof | ErrorKind::MissingEofMarker
            ),
            "{len}-byte prefix: {error}"
        );
    }
}

#[test]
fn a_flipped_byte_is_caught_by_the_crc32s() {
    let bytes = multislice();
    let reference = ce();
    // The file definition (26 bytes) has no checksum; everything after does.
    for at in 26..bytes.len() {
        let mut corrupt = bytes.clone();
        corrupt[at] ^= 0x10;
        let error = decode(&corrupt, ReaderBuilder::new().reference(reference.clone()))
            .expect_err(&format!("byte {at} flipped must not decode"));
        assert_ne!(error.kind(), ErrorKind::Io, "byte {at}: {error}");
    }
}

#[test]
fn corruption_past_the_crc32s_never_panics() {
    let bytes = multislice();
    let reference = ce();
    for at in (26..bytes.len()).step_by(2) {
        {
            let flip = [0x01, 0x80, 0xff][at % 3];
            let mut corrupt = bytes.clone();
            corrupt[at] ^= flip;
            // Either outcome is fine; a panic or a hang is not.
            let _ = decode(
                &corrupt,
                ReaderBuilder::new()
                    .reference(reference.clone())
                    .verify_checksums(false),
            );
        }
    }
}

#[test]
fn bad_input_counted_with_the_flags_only_is_an_error_never_a_panic() {
    let bytes = multislice();
    let count = |bytes: &[u8], verify: bool| -> Result<u64, Error> {
        let mut reader = ReaderBuilder::new()
            .fields(Fields::flags_only())
            .verify_checksums(verify)
            .build(Cursor::new(bytes));
        reader.read_header()?;
        reader.count_records()
    };
    let full = decode(&bytes, ReaderBuilder::new().reference(ce())).expect("whole file decodes");
    assert_eq!(count(&bytes, true).expect("whole file counts"), full);
    for len in (0..bytes.len()).step_by(3) {
        let error =
            count(&bytes[..len], true).expect_err(&format!("{len}-byte prefix must not count"));
        assert!(
            matches!(
                error.kind(),
                ErrorKind::UnexpectedEof | ErrorKind::MissingEofMarker
            ),
            "{len}-byte prefix: {error}"
        );
    }
    for at in (26..bytes.len()).step_by(3) {
        let mut corrupt = bytes.clone();
        corrupt[at] ^= [0x01, 0x80, 0xff][at % 3];
        // Either outcome is fine past the CRC32s; a panic or a hang is not.
        let _ = count(&corrupt, false);
    }
}

#[test]
fn a_missing_reference_is_reported_with_its_name_and_location() {
    let bytes = multislice();
    let error = decode(&bytes, ReaderBuilder::new()).expect_err("needs a reference");
    assert_eq!(error.kind(), ErrorKind::NotFound, "{error}");
    let message = error.to_string();
    assert!(message.contains("CHROMOSOME_I"), "{message}");
    assert!(message.contains("container at byte"), "{message}");
    assert!(error.location().record().is_some(), "{message}");
}

#[test]
fn a_reference_with_other_bases_fails_the_md5_check() {
    let dir = TempDir::new("cram-md5");
    let fasta = dir.join("wrong.fa");
    // Same names and lengths as ce.fa, other bases.
    let index = std::fs::read_to_string(testdata("hts-specs/cram/ce.fa.fai")).expect("fai");
    let mut text = String::new();
    for line in index.lines() {
        let mut fields = line.split('\t');
        let name = fields.next().expect("name");
        let len: usize = fields.next().expect("length").parse().expect("number");
        text.push_str(&format!(">{name}\n"));
        let bases: String = (0..len).map(|i| b"ACGT"[(i * 7 + 3) % 4] as char).collect();
        for chunk in bases.as_bytes().chunks(60) {
            text.push_str(std::str::from_utf8(chunk).expect("ASCII"));
            text.push('\n');
        }
    }
    std::fs::write(&fasta, text).expect("write FASTA");
    let wrong = ReferenceSource::from_fasta_path(&fasta).expect("open FASTA");
    let bytes = multislice();
    let error = decode(&bytes, ReaderBuilder::new().reference(wrong.clone()))
        .expect_err("MD5 must not match");
    assert_eq!(error.kind(), ErrorKind::ChecksumMismatch, "{error}");
    assert!(error.to_string().contains("MD5"), "{error}");
    assert!(error.location().record().is_some(), "{error}");
    // With the check off, the records decode (against the wrong bases).
    let count = decode(
        &bytes,
        ReaderBuilder::new()
            .reference(wrong)
            .verify_reference_md5(false),
    )
    .expect("decodes without the MD5 check");
    assert!(count > 100);
}

#[test]
fn not_cram_and_unsupported_versions_are_rejected() {
    let error =
        decode(b"BAM\x01 and the rest of a BAM file", ReaderBuilder::new()).expect_err("not CRAM");
    assert_eq!(error.kind(), ErrorKind::InvalidData);
    let mut v4 = multislice();
    v4[4] = 4;
    let error = decode(&v4, ReaderBuilder::new()).expect_err("CRAM 4");
    assert_eq!(error.kind(), ErrorKind::Unsupported);
}

/// An ITF8 integer at `bytes[at..]`: its value and its length in bytes.
fn itf8(bytes: &[u8], at: usize) -> (i64, usize) {
    let first = i64::from(bytes[at]);
    let len = (bytes[at].leading_ones() as usize + 1).min(5);
    let mut value = first & (0xFF >> len);
    for i in 1..len.min(4) {
        value = (value << 8) | i64::from(bytes[at + i]);
    }
    if len == 5 {
        value = (value << 4) | i64::from(bytes[at + 4] & 0x0F);
    }
    (value, len)
}

/// The length in bytes of the LTF8 integer at `bytes[at..]`.
fn ltf8_len(bytes: &[u8], at: usize) -> usize {
    bytes[at].leading_ones() as usize + 1
}

#[test]
fn a_record_past_its_slices_reference_span_is_an_error_naming_it() {
    // Shrink the first data slice's alignment span (same ITF8 length, the
    // block's CRC32 recomputed): its later records then need reference
    // bases the slice does not cover. The MD5 check is off, so the span
    // check is what must catch it.
    // Reads matching ce.fa's CHROMOSOME_I exactly, so their bases come
    // from the reference, written as CRAM 3.0 by samtools.
    let dir = TempDir::new("cram-span");
    let fasta = std::fs::read_to_string(testdata("hts-specs/cram/ce.fa")).expect("ce.fa");
    let chromosome: String = fasta
        .split('>')
        .find(|entry| entry.starts_with("CHROMOSOME_I\n"))
        .expect("CHROMOSOME_I")
        .lines()
        .skip(1)
        .collect();
    let mut sam = format!("@SQ\tSN:CHROMOSOME_I\tLN:{}\n", chromosome.len());
    for i in 0..40 {
        let start = 1 + 50 * i;
        let bases = &chromosome[start - 1..start + 49];
        sam.push_str(&format!(
            "r{i}\t0\tCHROMOSOME_I\t{start}\t60\t50M\t*\t0\t0\t{bases}\t*\n"
        ));
    }
    let (sam_path, cram_path) = (dir.join("reads.sam"), dir.join("reads.cram"));
    std::fs::write(&sam_path, sam).expect("write SAM");
    let reference = testdata("hts-specs/cram/ce.fa");
    common::oracle(
        "samtools",
        &[
            "view",
            "-C",
            "--output-fmt-option",
            "version=3.0",
            "-T",
            reference.to_str().expect("UTF-8"),
            "-o",
            cram_path.to_str().expect("UTF-8"),
            sam_path.to_str().expect("UTF-8"),
        ],
    );
    let mut bytes = std::fs::read(&cram_path).expect("read CRAM");
    assert_eq!(
        decode(&bytes, ReaderBuilder::new().reference(ce())).expect("intact file decodes"),
        40
    );
    let container_at = |bytes: &[u8], at: usize| {
        // length, ref id, start, span, records, counter (LTF8), bases
        // (LTF8), blocks, landmarks; then the CRC32.
        let length = u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        let mut p = at + 4;
        for _ in 0..4 {
            p += itf8(bytes, p).1;
        }
        p += ltf8_len(bytes, p);
        p += ltf8_len(bytes, p);
        p += itf8(bytes, p).1;
        let (landmark_count, n) = itf8(bytes, p);
        p += n;
        let mut landmarks = Vec::new();
        for _ in 0..landmark_count {
            let (landmark, n) = itf8(bytes, p);
            landmarks.push(landmark as usize);
            p += n;
        }
        let body = p + 4;
        (body, body + length, landmarks)
    };
    // After the 26-byte file definition: the SAM header container, then
    // the first container of records.
    let (_, header_end, _) = container_at(&bytes, 26);
    let (body, _, landmarks) = container_at(&bytes, header_end);
    let block = body + landmarks[0];
    assert_eq!(bytes[block], 0, "a raw slice header block");
    assert_eq!(bytes[block + 1], 2, "a mapped slice header");
    let mut p = block + 2;
    p += itf8(&bytes, p).1; // content id
    let (size, n) = itf8(&bytes, p);
    p += n;
    p += itf8(&bytes, p).1; // raw size
    let (data, crc_at) = (p, p + size as usize);
    let (reference_id, n) = itf8(&bytes, data);
    assert!(reference_id >= 0);
    let span_at = data + n + itf8(&bytes, data + n).1;
    let (span, span_len) = itf8(&bytes, span_at);
    match span_len {
        1 => bytes[span_at] = (span / 4) as u8,
        2 => {
            assert!(span / 4 >= 128, "span {span}");
            bytes[span_at] = 0x80 | ((span / 4) >> 8) as u8;
            bytes[span_at + 1] = (span / 4) as u8;
        }
        _ => panic!("span {span} in {span_len} bytes"),
    }
    let crc = crc32fast::hash(&bytes[block..crc_at]);
    bytes[crc_at..crc_at + 4].copy_from_slice(&crc.to_le_bytes());

    let error = decode(
        &bytes,
        ReaderBuilder::new()
            .reference(ce())
            .verify_reference_md5(false),
    )
    .expect_err("records past the slice's span must not decode");
    assert_eq!(error.kind(), ErrorKind::InvalidData, "{error}");
    let message = error.to_string();
    assert!(
        message.contains("beyond the slice's reference span"),
        "{message}"
    );
    assert!(message.contains("container at byte"), "{message}");
    assert!(error.location().record().is_some(), "{message}");
}
