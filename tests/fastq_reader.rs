//! FASTQ reader and writer against generated files and `samtools import`
//! (htslib's FASTQ parser, which reads multi-line records too).

mod common;

use common::rng::XorShift64Star as Rng;

use std::io::Read;

use biometal::formats::fastq::{Reader, ReaderBuilder, Record, Writer};
use biometal::ErrorKind;

/// (header, sequence, quality) triples; qualities use the whole Phred+33
/// range, so quality lines may begin with '@' or '+'.
fn generate(seed: u64, count: usize, max_len: u64) -> Vec<(Vec<u8>, Vec<u8>, Vec<u8>)> {
    let mut rng = Rng(seed);
    (0..count)
        .map(|i| {
            let mut header = format!("read{i}").into_bytes();
            if rng.below(2) == 0 {
                header.extend_from_slice(format!(" desc={}\tx", rng.below(1000)).as_bytes());
            }
            let len = 1 + rng.below(max_len) as usize;
            let sequence = (0..len)
                .map(|_| b"ACGTNacgtn"[rng.below(10) as usize])
                .collect();
            let quality = (0..len).map(|_| 33 + rng.below(94) as u8).collect();
            (header, sequence, quality)
        })
        .collect()
}

#[derive(Clone, Copy)]
struct Style {
    crlf: bool,
    repeat_name: bool,
    wrap: Option<usize>,
    final_newline: bool,
    trailing_blank_lines: bool,
}

const FOUR_LINE: Style = Style {
    crlf: false,
    repeat_name: false,
    wrap: None,
    final_newline: true,
    trailing_blank_lines: false,
};

/// Formats records as FASTQ text, returning the text and where each record
/// ends.
fn format(records: &[(Vec<u8>, Vec<u8>, Vec<u8>)], style: Style) -> (Vec<u8>, Vec<usize>) {
    let eol: &[u8] = if style.crlf { b"\r\n" } else { b"\n" };
    let mut out = Vec::new();
    let mut ends = Vec::new();
    for (header, sequence, quality) in records {
        out.push(b'@');
        out.extend_from_slice(header);
        out.extend_from_slice(eol);
        let width = style.wrap.unwrap_or(usize::MAX);
        for chunk in sequence.chunks(width) {
            out.extend_from_slice(chunk);
            out.extend_from_slice(eol);
        }
        out.push(b'+');
        if style.repeat_name {
            out.extend_from_slice(header);
        }
        out.extend_from_slice(eol);
        for chunk in quality.chunks(width) {
            out.extend_from_slice(chunk);
            out.extend_from_slice(eol);
        }
        ends.push(out.len());
    }
    if !style.final_newline {
        out.truncate(out.len() - eol.len());
        if let Some(last) = ends.last_mut() {
            *last = out.len();
        }
    }
    if style.trailing_blank_lines {
        out.extend_from_slice(eol);
        out.extend_from_slice(b"\n\r\n");
    }
    (out, ends)
}

type Triple = (Vec<u8>, Vec<u8>, Vec<u8>);

fn read_all(data: &[u8], capacity: usize) -> biometal::Result<Vec<Triple>> {
    let mut reader = ReaderBuilder::new()
        .buffer_capacity(capacity)
        .build_from_reader(data);
    let mut out = Vec::new();
    while let Some(record) = reader.next_record() {
        let record = record?;
        out.push((
            record.header().to_vec(),
            record.sequence().to_vec(),
            record.quality().to_vec(),
        ));
    }
    Ok(out)
}

/// (name, upper-case sequence, quality) as `samtools import` reads the file.
fn samtools_import(data: &[u8]) -> Vec<Triple> {
    let dir = common::TempDir::new("fastq-import");
    let path = dir.join("in.fq");
    std::fs::write(&path, data).unwrap();
    let output = common::oracle("samtools", &["import", "-0", path.to_str().unwrap()]);
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .filter(|line| !line.starts_with('@'))
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            (
                fields[0].as_bytes().to_vec(),
                fields[9].as_bytes().to_vec(),
                fields[10].as_bytes().to_vec(),
            )
        })
        .collect()
}

fn as_oracle_sees(records: &[Triple]) -> Vec<Triple> {
    records
        .iter()
        .map(|(header, sequence, quality)| {
            let name = header.split(|&b| b == b' ' || b == b'\t').next().unwrap();
            (
                name.to_vec(),
                sequence.to_ascii_uppercase(),
                quality.clone(),
            )
        })
        .collect()
}

const STYLES: [Style; 5] = [
    FOUR_LINE,
    Style {
        crlf: true,
        ..FOUR_LINE
    },
    Style {
        repeat_name: true,
        final_newline: false,
        ..FOUR_LINE
    },
    Style {
        wrap: Some(7),
        trailing_blank_lines: true,
        ..FOUR_LINE
    },
    Style {
        wrap: Some(13),
        crlf: true,
        repeat_name: true,
        ..FOUR_LINE
    },
];

#[test]
fn every_buffer_capacity_from_3_to_100_reads_the_same_records() {
    let records = generate(7, 40, 60);
    for (i, style) in STYLES.iter().enumerate() {
        let (text, _) = format(&records, *style);
        for capacity in 3..=100 {
            let read = read_all(&text, capacity)
                .unwrap_or_else(|e| panic!("style {i}, capacity {capacity}: {e}"));
            assert_eq!(read, records, "style {i}, capacity {capacity}");
        }
    }
}

/// A reader that returns at most `sizes[i % sizes.len()]` bytes on its
/// `i`-th call, like a pipe or a decoder delivering short reads.
struct ShortReads<'a> {
    data: &'a [u8],
    sizes: &'a [usize],
    calls: usize,
}

impl Read for ShortReads<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let size = self.sizes[self.calls % self.sizes.len()];
        self.calls += 1;
        let n = size.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// Short reads leave free space behind the unread bytes, so refills read
/// there without moving them and index only the new bytes, from the middle
/// of a 64-byte index word; capacities around the word size and read sizes
/// coprime to it put every boundary at every bit position.
#[test]
fn short_reads_at_every_size_read_the_same_records() {
    let records = generate(11, 60, 150);
    for (i, style) in STYLES.iter().enumerate() {
        let (text, _) = format(&records, *style);
        for capacity in [3, 63, 64, 65, 127, 200, 333, 1000, 4096] {
            for sizes in [&[1usize][..], &[7, 64, 1, 130], &[63, 65, 17], &[5000]] {
                let input = ShortReads {
                    data: &text,
                    sizes,
                    calls: 0,
                };
                let mut reader = ReaderBuilder::new()
                    .buffer_capacity(capacity)
                    .build_from_reader(input);
                let mut read = Vec::new();
                while let Some(record) = reader.next_record() {
                    let record = record.unwrap_or_else(|e| {
                        panic!("style {i}, capacity {capacity}, sizes {sizes:?}: {e}")
                    });
                    read.push((
                        record.header().to_vec(),
                        record.sequence().to_vec(),
                        record.quality().to_vec(),
                    ));
                }
                assert_eq!(
                    read, records,
                    "style {i}, capacity {capacity}, sizes {sizes:?}"
                );
            }
        }
    }
}

#[test]
fn records_equal_samtools_import_for_single_and_multi_line_files() {
    let records = generate(11, 300, 180);
    for wrap in [None, Some(1), Some(60), Some(61)] {
        let (text, _) = format(&records, Style { wrap, ..FOUR_LINE });
        let ours = as_oracle_sees(&read_all(&text, 4096).unwrap());
        assert_eq!(ours.len(), 300);
        assert_eq!(ours, samtools_import(&text), "wrap {wrap:?}");
    }
}

#[test]
fn names_and_lengths_equal_samtools_fqidx() {
    let records = generate(5, 200, 300);
    let (text, _) = format(&records, FOUR_LINE);
    let dir = common::TempDir::new("fastq-fqidx");
    let path = dir.join("reads.fq");
    std::fs::write(&path, &text).unwrap();
    common::oracle("samtools", &["fqidx", path.to_str().unwrap()]);
    let index = std::fs::read_to_string(dir.join("reads.fq.fai")).unwrap();
    let expected: Vec<String> = index
        .lines()
        .map(|line| line.split('\t').take(2).collect::<Vec<_>>().join("\t"))
        .collect();
    let mut reader = Reader::new(std::fs::File::open(&path).unwrap());
    let mut ours = Vec::new();
    while let Some(record) = reader.next_record() {
        let record = record.unwrap();
        ours.push(format!(
            "{}\t{}",
            String::from_utf8_lossy(record.name()),
            record.len()
        ));
    }
    assert_eq!(ours, expected);
}

#[test]
fn truncation_at_every_byte_is_an_error_or_a_clean_prefix() {
    let records = generate(3, 6, 12);
    for style in [
        FOUR_LINE,
        Style {
            crlf: true,
            ..FOUR_LINE
        },
        Style {
            wrap: Some(5),
            ..FOUR_LINE
        },
    ] {
        let (text, ends) = format(&records, style);
        let eol = if style.crlf { 2 } else { 1 };
        for cut in 0..text.len() {
            for capacity in [5, 64 * 1024] {
                match read_all(&text[..cut], capacity) {
                    Err(error) => assert!(
                        matches!(
                            error.kind(),
                            ErrorKind::UnexpectedEof | ErrorKind::InvalidData
                        ),
                        "cut {cut}: {error}"
                    ),
                    Ok(read) => {
                        let whole = ends.iter().filter(|&&end| end <= cut + eol).count();
                        let at_boundary =
                            cut == 0 || ends.iter().any(|&end| end >= cut && end <= cut + eol);
                        assert!(at_boundary, "cut {cut} inside a record was accepted");
                        assert_eq!(read, records[..whole], "cut {cut}");
                    }
                }
            }
        }
    }
}

#[test]
fn pass_through_copy_is_byte_identical() {
    let records = generate(9, 100, 80);
    for style in STYLES {
        let (text, _) = format(&records, style);
        if style.trailing_blank_lines || !style.final_newline {
            continue; // blank lines are not records; a missing newline is added
        }
        let mut reader = ReaderBuilder::new()
            .buffer_capacity(50)
            .build_from_reader(&text[..]);
        let mut writer = Writer::new(Vec::new());
        while let Some(record) = reader.next_record() {
            writer.write_record_ref(&record.unwrap()).unwrap();
        }
        assert_eq!(writer.into_inner(), text);
    }
}

#[test]
fn written_records_read_back_and_equal_samtools_import() {
    let records = generate(13, 50, 100);
    let mut writer = Writer::new(Vec::new());
    for (header, sequence, quality) in &records {
        writer.write_fields(header, sequence, quality).unwrap();
    }
    let text = writer.into_inner();
    assert_eq!(text, format(&records, FOUR_LINE).0);
    assert_eq!(as_oracle_sees(&records), samtools_import(&text));

    let mut reader = Reader::new(&text[..]);
    let mut record = Record::default();
    let mut writer = Writer::new(Vec::new());
    while reader.read_record(&mut record).unwrap() {
        writer.write_record(&record).unwrap();
    }
    assert_eq!(writer.into_inner(), text);
}

#[test]
fn writer_rejects_mismatched_lengths_and_line_breaks() {
    let mut writer = Writer::new(Vec::new());
    let error = writer.write_fields(b"r", b"ACG", b"II").unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidInput);
    let error = writer.write_fields(b"r\nx", b"A", b"I").unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidInput);
    assert!(writer.into_inner().is_empty());
}

#[test]
fn edge_cases_are_accepted() {
    assert!(read_all(b"", 16).unwrap().is_empty());
    assert!(read_all(b"\n\n\r\n", 16).unwrap().is_empty());
    let empty_read = read_all(b"@e\n\n+\n\n@f\nA\n+\nI", 3).unwrap();
    assert_eq!(empty_read[0], (b"e".to_vec(), vec![], vec![]));
    assert_eq!(empty_read[1], (b"f".to_vec(), b"A".to_vec(), b"I".to_vec()));
    let repeated = read_all(b"@r1 x\nA\n+r1\nI\n@r2 y\nA\n+r2 y\nI\n", 8).unwrap();
    assert_eq!(repeated.len(), 2);
}

#[test]
fn a_read_of_2_mbp_is_read_at_small_and_default_capacities() {
    let sequence: Vec<u8> = (0..2_000_000).map(|i| b"ACGT"[i % 4]).collect();
    let quality = vec![b'F'; sequence.len()];
    let records = vec![
        (b"long".to_vec(), sequence, quality),
        (b"short".to_vec(), b"A".to_vec(), b"I".to_vec()),
    ];
    let (text, _) = format(&records, FOUR_LINE);
    for capacity in [3, 1000, 64 * 1024] {
        assert_eq!(read_all(&text, capacity).unwrap(), records);
    }
    assert_eq!(as_oracle_sees(&records), samtools_import(&text));
}

fn first_error(data: &[u8]) -> biometal::Error {
    read_all(data, 1024).unwrap_err()
}

#[test]
fn errors_name_the_record_line_offset_and_read() {
    // r2's sequence is longer than its quality: the multi-line path reads
    // on and finds the end of input inside the quality.
    let error = first_error(b"@r1\nAC\n+\nII\n@r2\nACG\n+\nII\n");
    assert_eq!(error.kind(), ErrorKind::UnexpectedEof);
    assert_eq!(error.location().record(), Some(2));
    assert_eq!(error.location().name(), Some("r2"));
    let error = first_error(b"@r1\nAC\n+\nII\n@r2\nACG\n+\nIIII\n");
    assert_eq!(error.to_string(),
        "FASTQ: invalid data: sequence has 3 bases but quality has 4 characters (at record 2, name 'r2', line 8, byte offset 22)");

    let error = first_error(b"@r1\nAC\n+\nII\nr2\nAC\n+\nII\n");
    assert_eq!(error.location().line(), Some(5));
    assert_eq!(error.location().byte_offset(), Some(12));
    assert!(error.message().contains("expected '@'"), "{error}");

    let error = first_error(b">chr1\nACGT\n");
    assert!(error.message().contains("FASTA"), "{error}");

    let error = first_error(b"@r1\nAC\n-\nII\n");
    assert!(error.message().contains("'+'"), "{error}");

    let error = first_error(b"@r1 x\nAC\n+r2\nII\n");
    assert!(
        error.message().contains("differs from the header"),
        "{error}"
    );

    let error = first_error(b"@r1\nAC\n+\nII\n\n@r2\nAC\n+\nII\n");
    assert!(error.message().contains("blank line"), "{error}");
    assert_eq!(error.location().line(), Some(5));

    let error = first_error(b"@r1\nACGT\n+\nII\n");
    assert_eq!(error.kind(), ErrorKind::UnexpectedEof);
    assert_eq!(error.location().name(), Some("r1"));
}

#[test]
fn four_line_only_rejects_wrapped_records() {
    let text = b"@r1\nAC\nGT\n+\nIIII\n";
    assert_eq!(read_all(text, 64).unwrap()[0].1, b"ACGT");
    let mut reader = ReaderBuilder::new()
        .four_line_only(true)
        .build_from_reader(&text[..]);
    let error = reader.next_record().unwrap().unwrap_err();
    assert_eq!(error.location().line(), Some(3));
    assert!(reader.next_record().is_none(), "nothing after an error");
}

#[test]
fn binary_garbage_is_an_error_not_a_panic() {
    let mut rng = Rng(99);
    for _ in 0..200 {
        let garbage: Vec<u8> = (0..rng.below(300)).map(|_| rng.next() as u8).collect();
        let _ = read_all(&garbage, 7);
    }
    assert!(read_all(b"\x00\x01\xff", 7).is_err());
}

/// An endless line of 'A's, as from a 2 GB "line" with no newline.
struct EndlessLine;

impl Read for EndlessLine {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        buf.fill(b'A');
        Ok(buf.len())
    }
}

#[test]
fn a_runaway_line_hits_the_record_size_cap() {
    let header = &b"@huge\n"[..];
    let mut reader = Reader::new(header.chain(EndlessLine));
    let error = reader.next_record().unwrap().unwrap_err();
    assert_eq!(error.kind(), ErrorKind::LimitExceeded);
    assert_eq!(error.location().record(), Some(1));

    let mut reader = ReaderBuilder::new()
        .max_record_size(1000)
        .build_from_reader(header.chain(EndlessLine));
    let error = reader.next_record().unwrap().unwrap_err();
    assert!(error.to_string().contains("limit of 1000"), "{error}");
}

#[test]
fn records_iterator_and_counters() {
    let (text, _) = format(&generate(1, 10, 20), FOUR_LINE);
    let mut reader = Reader::new(&text[..]);
    let records: Vec<Record> = reader.records().collect::<Result<_, _>>().unwrap();
    assert_eq!(records.len(), 10);
    assert_eq!(reader.records_read(), 10);
}

#[test]
fn from_path_reads_plain_gzip_and_bgzf_alike() {
    let records = generate(17, 3000, 150);
    let (text, _) = format(
        &records,
        Style {
            wrap: Some(70),
            ..FOUR_LINE
        },
    );
    let dir = common::TempDir::new("fastq-from-path");
    let plain = dir.join("reads.fq");
    std::fs::write(&plain, &text).unwrap();
    let expected = samtools_import(&text);
    common::oracle("bgzip", &["-k", plain.to_str().unwrap()]);
    let gzip = dir.join("reads.gzip.fq.gz");
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut encoder, &text[..text.len() / 2]).unwrap();
    let mut two_members = encoder.finish().unwrap();
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut encoder, &text[text.len() / 2..]).unwrap();
    two_members.extend(encoder.finish().unwrap());
    std::fs::write(&gzip, two_members).unwrap();
    for path in [plain.clone(), dir.join("reads.fq.gz"), gzip] {
        let mut reader = Reader::from_path(&path).unwrap();
        let mut read = Vec::new();
        while let Some(record) = reader.next_record() {
            let record = record.unwrap();
            read.push((
                record.header().to_vec(),
                record.sequence().to_vec(),
                record.quality().to_vec(),
            ));
        }
        assert_eq!(as_oracle_sees(&read), expected, "{}", path.display());
    }
}
