//! Bad GFF3/GTF input: each defect is an `InvalidData` error naming GFF,
//! the line and what was expected, never a panic; a truncated BGZF file is
//! an error, not a silent end; the hierarchy helper names a missing parent.
mod common;

use biometal::formats::gff::{Dialect, Genes, Reader, ReaderBuilder};
use biometal::io::{open_writer, Compression};
use biometal::{ErrorKind, Format};
use common::TempDir;

fn first_error(input: &[u8], dialect: Dialect) -> biometal::Error {
    let mut reader = ReaderBuilder::new()
        .dialect(dialect)
        .build_from_reader(input);
    loop {
        match reader.next_line() {
            Some(Ok(_)) => {}
            Some(Err(error)) => return error,
            None => panic!("no error for {:?}", String::from_utf8_lossy(input)),
        }
    }
}

#[test]
fn gff3_defects_are_errors_with_line_numbers() {
    let head = "##gff-version 3\nctg\t.\tgene\t1\t10\t.\t+\t.\tID=g\n";
    let cases: &[(&str, &str)] = &[
        (
            "ctg\t.\tgene\t1\t10\t.\t+\t.\n",
            "expected 9 tab-separated columns, found 8",
        ),
        ("ctg\t.\tgene\t1\t10\t.\t+\t.\tID=a\tmore\n", "found 10"),
        (
            "ctg\t.\tgene\t20\t10\t.\t+\t.\tID=a\n",
            "start 20 is after end 10",
        ),
        (
            "ctg\t.\tgene\tone\t10\t.\t+\t.\tID=a\n",
            "start: expected a 1-based position",
        ),
        (
            "ctg\t.\tgene\t0\t10\t.\t+\t.\tID=a\n",
            "start: expected a 1-based position",
        ),
        ("ctg\t.\tgene\t1\t10\thigh\t+\t.\tID=a\n", "score"),
        ("ctg\t.\tgene\t1\t10\t.\t*\t.\tID=a\n", "strand"),
        ("ctg\t.\tCDS\t1\t10\t.\t+\t4\tID=a\n", "phase"),
        ("ctg\t.\tgene\t1\t10\t.\t+\t.\tName=50%\n", "percent-escape"),
        ("ctg\t.\tgene\t1\t10\t.\t+\t.\tName=%G1\n", "percent-escape"),
        ("ctg%2\t.\tgene\t1\t10\t.\t+\t.\tID=a\n", "seqid"),
        ("ctg\t.\tgene\t1\t10\t.\t+\t.\tID=a;Name\n", "tag=value"),
        ("##sequence-region ctg 100 1\n", "sequence-region"),
    ];
    for (bad, message) in cases {
        let input = format!("{head}{bad}");
        let error = first_error(input.as_bytes(), Dialect::Gff3);
        assert_eq!(error.kind(), ErrorKind::InvalidData, "{bad:?}: {error}");
        assert_eq!(error.format(), Some(Format::Gff));
        assert_eq!(error.location().line(), Some(3), "{bad:?}: {error}");
        assert!(
            error.to_string().contains(message),
            "{bad:?}: {error} lacks {message}"
        );
    }
}

#[test]
fn gtf_defects_are_errors() {
    let cases: &[(&str, &str)] = &[
        (
            "chr1\tx\texon\t1\t10\t.\t+\t.\tgene_id \"g1; transcript_id \"t\";\n",
            "attributes",
        ),
        (
            "chr1\tx\texon\t1\t10\t.\t+\t.\tgene_id \"g1\" transcript_id \"t\";\n",
            "';'",
        ),
        ("chr1\tx\texon\t1\t10\t.\t+\t.\tgene_id\n", "attributes"),
    ];
    for (bad, message) in cases {
        let input = format!("#!comment\n{bad}");
        let error = first_error(input.as_bytes(), Dialect::Gtf);
        assert_eq!(error.kind(), ErrorKind::InvalidData, "{bad:?}: {error}");
        assert_eq!(error.location().line(), Some(2), "{bad:?}: {error}");
        assert!(
            error.to_string().contains(message),
            "{bad:?}: {error} lacks {message}"
        );
    }
}

#[test]
fn a_parent_outside_the_group_is_named() {
    let data =
        b"c\t.\tgene\t1\t90\t.\t+\t.\tID=g1\n###\nc\t.\tmRNA\t1\t90\t.\t+\t.\tID=t1;Parent=g1\n";
    let mut genes = Genes::new(Reader::new(&data[..]));
    assert_eq!(genes.next().unwrap().unwrap().features().len(), 1);
    let error = genes.next().unwrap().unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidData);
    assert_eq!(error.location().line(), Some(3));
    assert!(error.to_string().contains("\"g1\""), "{error}");
    assert!(genes.next().is_none());
    let many = b"c\t.\tgene\t1\t90\t.\t+\t.\tID=g1\nc\t.\tmRNA\t1\t90\t.\t+\t.\tParent=g1\n";
    let error = Genes::new(Reader::new(&many[..]))
        .max_features(1)
        .next()
        .unwrap()
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::LimitExceeded);
}

#[test]
fn truncated_bgzf_is_an_error_not_an_end() {
    let dir = TempDir::new("gff-truncated");
    let path = dir.join("cut.gff.gz");
    let mut text = String::from("##gff-version 3\n");
    for i in 1..20_000 {
        text.push_str(&format!(
            "chr1\t.\texon\t{i}\t{}\t.\t+\t.\tID=e{i};Parent=t1\n",
            i + 10
        ));
    }
    let mut sink = open_writer(&path, Compression::Bgzf).unwrap();
    std::io::Write::write_all(&mut sink, text.as_bytes()).unwrap();
    sink.finish().unwrap();
    let bytes = std::fs::read(&path).unwrap();
    for cut in [bytes.len() - 28, bytes.len() / 2, 40] {
        std::fs::write(&path, &bytes[..cut]).unwrap();
        let mut reader = Reader::from_path(&path).unwrap();
        let error = loop {
            match reader.next_record() {
                Some(Ok(_)) => {}
                Some(Err(error)) => break error,
                None => panic!("cut at {cut}: no error"),
            }
        };
        assert!(error.location().line().is_some(), "cut at {cut}: {error}");
    }
}
