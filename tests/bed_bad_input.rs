//! Bad BED input: each defect is an `InvalidData` error naming BED, the
//! line and what was expected, never a panic; a truncated BGZF file is an
//! error too, not a silent end.
mod common;

use biometal::formats::bed::{Layout, Reader, ReaderBuilder};
use biometal::io::{open_writer, Compression};
use biometal::{ErrorKind, Format};
use common::TempDir;

/// Reads `input` to the end; returns the first error.
fn first_error(input: &[u8], layout: Option<Layout>) -> biometal::Error {
    let mut builder = ReaderBuilder::new();
    if let Some(layout) = layout {
        builder = builder.layout(layout);
    }
    let mut reader = builder.build_from_reader(input);
    loop {
        match reader.next_record() {
            Some(Ok(_)) => {}
            Some(Err(error)) => return error,
            None => panic!("no error for {:?}", String::from_utf8_lossy(input)),
        }
    }
}

#[test]
fn defects_are_errors_with_line_numbers() {
    let head = "track name=t\nchr1\t0\t10\tok\t0\t+\n";
    let cases: &[(&str, &str)] = &[
        ("chr1\t5\n", "expected 6 columns"),
        ("chr1\t0\t10\tx\t0\t+\textra\n", "expected 6 columns"),
        (
            "chr1\t50\t10\tx\t0\t+\n",
            "chromStart 50 is after chromEnd 10",
        ),
        (
            "chr1\tfive\t10\tx\t0\t+\n",
            "chromStart: expected a non-negative integer",
        ),
        ("chr1\t-5\t10\tx\t0\t+\n", "chromStart"),
        ("chr1\t0\t1e3\tx\t0\t+\n", "chromEnd"),
        ("chr1\t0\t10\tx\t2000\t+\n", "score"),
        ("chr1\t0\t10\tx\t0\tplus\n", "strand"),
        ("\t0\t10\tx\t0\t+\n", "chrom"),
        ("chr1\t0\t10\t\t0\t+\n", "name"),
    ];
    for (bad, message) in cases {
        let input = format!("{head}{bad}");
        let error = first_error(input.as_bytes(), None);
        assert_eq!(error.kind(), ErrorKind::InvalidData, "{bad:?}: {error}");
        assert_eq!(error.format(), Some(Format::Bed));
        assert_eq!(error.location().line(), Some(3), "{bad:?}: {error}");
        assert_eq!(error.location().record(), Some(2), "{bad:?}: {error}");
        assert!(
            error.to_string().contains(message),
            "{bad:?}: {error} lacks {message}"
        );
    }
}

#[test]
fn inconsistent_blocks_are_errors() {
    let bed12 = Layout::bed(12).unwrap();
    let cases: &[(&str, &str)] = &[
        (
            "chr1\t0\t100\tx\t0\t+\t0\t100\t0\t3\t10,10,\t0,90,\n",
            "blockCount is 3",
        ),
        (
            "chr1\t0\t100\tx\t0\t+\t0\t100\t0\t2\t10,10,10\t0,90,\n",
            "blockSizes lists 3",
        ),
        (
            "chr1\t0\t100\tx\t0\t+\t0\t100\t0\t2\t10,10\t0,80\n",
            "last block",
        ),
        (
            "chr1\t0\t100\tx\t0\t+\t0\t100\t0\t2\t10,x\t0,90\n",
            "blockSizes",
        ),
        ("chr1\t0\t100\tx\t0\t+\t0\t100\t0\t0\t\t\n", "blockCount"),
        ("chr1\t0\t100\tx\t0\t+\t0\t100\t1,2\t1\t100\t0\n", "itemRgb"),
        (
            "chr1\t0\t100\tx\t0\t+\t50\t40\t0\t1\t100\t0\n",
            "thickStart",
        ),
    ];
    for (bad, message) in cases {
        let input = format!("# header\n{bad}");
        let error = first_error(input.as_bytes(), Some(bed12));
        assert_eq!(error.kind(), ErrorKind::InvalidData, "{bad:?}: {error}");
        assert_eq!(error.location().line(), Some(2), "{bad:?}: {error}");
        assert!(
            error.to_string().contains(message),
            "{bad:?}: {error} lacks {message}"
        );
    }
}

#[test]
fn a_line_over_the_cap_is_limit_exceeded() {
    let mut input = b"chr1\t0\t10\t".to_vec();
    input.extend(std::iter::repeat_n(b'n', 5000));
    let mut reader = ReaderBuilder::new()
        .max_line_length(1024)
        .build_from_reader(&input[..]);
    let error = reader.next_record().unwrap().unwrap_err();
    assert_eq!(error.kind(), ErrorKind::LimitExceeded);
    assert_eq!(error.location().line(), Some(1));
}

#[test]
fn truncated_bgzf_is_an_error_not_an_end() {
    let dir = TempDir::new("bed-truncated");
    let path = dir.join("cut.bed.gz");
    let mut text = String::new();
    for i in 0..20_000 {
        text.push_str(&format!("chr1\t{i}\t{}\tname{i}\n", i + 10));
    }
    let mut sink = open_writer(&path, Compression::Bgzf).unwrap();
    std::io::Write::write_all(&mut sink, text.as_bytes()).unwrap();
    sink.finish().unwrap();
    let bytes = std::fs::read(&path).unwrap();
    for cut in [bytes.len() - 28, bytes.len() / 2, 40] {
        std::fs::write(&path, &bytes[..cut]).unwrap();
        let mut reader = Reader::from_path(&path).unwrap();
        let mut records = 0;
        let error = loop {
            match reader.next_record() {
                Some(Ok(_)) => records += 1,
                Some(Err(error)) => break error,
                None => panic!("cut at {cut}: {records} records and no error"),
            }
        };
        assert!(records < 20_000 || cut == bytes.len() - 28, "cut at {cut}");
        assert!(error.location().line().is_some(), "cut at {cut}: {error}");
    }
}
