//! Bad CRAI input: malformed lines, truncated gzip, and entries pointing
//! outside the CRAM file, at bytes that are no container, or at offsets
//! that are no slice: each a clear error naming the line, never a panic and
//! never records silently dropped.

mod common;

use std::path::PathBuf;

use biometal::formats::cram::crai::{self, Entry, Index};
use biometal::formats::cram::{Reader, ReferenceSource};
use biometal::region::Region;
use biometal::{ErrorKind, Format};
use common::{oracle, testdata, TempDir};

fn cram() -> PathBuf {
    testdata("hts-specs/cram/3.0/passed/1404_index_multislice.cram")
}

/// Runs a query for `region` (or `*`) through `index`, collecting records
/// or the first error.
fn query(index: &Index, region: &str) -> biometal::Result<usize> {
    let reference = ReferenceSource::from_fasta_path(testdata("hts-specs/cram/ce.fa"))?;
    let mut reader = Reader::from_path(cram(), reference)?;
    let header = reader.read_header()?;
    let mut query = if region == "*" {
        reader.query_unmapped(index)?
    } else {
        let region = Region::parse_with_names(region, |n| header.reference_id(n).is_some())?;
        reader.query(index, &region)?
    };
    let mut count = 0;
    while query.next_record()?.is_some() {
        count += 1;
    }
    Ok(count)
}

fn with_first(index: &Index, change: impl Fn(&mut Entry)) -> Index {
    let mut entries = index.entries().to_vec();
    change(&mut entries[0]);
    Index::new(entries)
}

#[test]
fn entries_pointing_at_the_wrong_place_are_reported_with_their_line() {
    let index = crai::build_from_path(cram()).unwrap();
    let first = index.entries()[0];
    let name = "CHROMOSOME_I";
    assert!(query(&index, name).unwrap() > 0);
    let file_len = std::fs::metadata(cram()).unwrap().len();
    let cases = [
        with_first(&index, |e| e.container_offset = file_len + 1_000),
        with_first(&index, |e| e.container_offset = file_len),
        with_first(&index, |e| e.container_offset = first.container_offset + 3),
        with_first(&index, |e| e.container_offset = first.container_offset + 40),
        with_first(&index, |e| e.container_offset = 0),
        with_first(&index, |e| e.slice_offset = first.slice_offset + 1),
        with_first(&index, |e| e.slice_offset = u64::MAX),
    ];
    for (case, bad) in cases.iter().enumerate() {
        let error = query(bad, name).expect_err(&format!("case {case}"));
        if case < 2 {
            assert!(error.message().contains("past the end"), "{error}");
        }
        eprintln!("DBG {error}");
        assert!(
            error.message().contains("CRAI line 1"),
            "case {case}: {error}"
        );
    }
}

#[test]
fn malformed_lines_name_the_line() {
    let good = "0\t1\t75\t405\t202\t403\n";
    let cases: &[(&str, u64)] = &[
        ("0\t1\t75\t405\t202\n", 2),
        ("0\t1\t75\t405\t202\t403\t9\n", 2),
        ("0\t1\tx75\t405\t202\t403\n", 2),
        ("chr1\t1\t75\t405\t202\t403\n", 2),
        ("-2\t1\t75\t405\t202\t403\n", 2),
        ("0\t-1\t75\t405\t202\t403\n", 2),
        ("0\t1\t75\t405\t202\t99999999999999999999999\n", 2),
        ("\n", 2),
        ("0 1 75 405 202 403\n", 2),
    ];
    for &(bad, line) in cases {
        let text = format!("{good}{bad}{good}");
        let error = Index::read(text.as_bytes()).expect_err(bad);
        assert_eq!(error.kind(), ErrorKind::InvalidData, "{bad:?}");
        assert_eq!(error.format(), Some(Format::Crai), "{bad:?}");
        assert_eq!(error.location().line(), Some(line), "{bad:?}: {error}");
    }
    let long = format!("{good}{}", "1".repeat(5_000));
    let error = Index::read(long.as_bytes()).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::LimitExceeded);
    assert_eq!(error.location().line(), Some(2));
    // No final newline is fine, as are the values samtools writes.
    let index = Index::read(&good.as_bytes()[..good.len() - 1]).unwrap();
    assert_eq!(index.to_text(), good);
}

#[test]
fn truncated_gzip_is_an_error_at_every_length() {
    let dir = TempDir::new("crai-truncated");
    let copy = dir.join("x.cram");
    std::fs::copy(cram(), &copy).unwrap();
    oracle("samtools", &["index", copy.to_str().unwrap()]);
    let bytes = std::fs::read(dir.join("x.cram.crai")).unwrap();
    let whole = Index::read_from_path(dir.join("x.cram.crai")).unwrap();
    assert_eq!(whole, crai::build_from_path(cram()).unwrap());
    let cut = dir.join("cut.crai");
    for len in 1..bytes.len() {
        std::fs::write(&cut, &bytes[..len]).unwrap();
        match Index::read_from_path(&cut) {
            Err(error) => {
                if len % 7 == 0 {
                    eprintln!("DBG {len} {error}");
                }
                assert_ne!(error.kind(), ErrorKind::InvalidInput, "{len}: {error}")
            }
            Ok(index) => panic!(
                "truncated to {len} of {} bytes, read {} of {} entries without an error",
                bytes.len(),
                index.entries().len(),
                whole.entries().len()
            ),
        }
    }
}
