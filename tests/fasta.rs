//! FASTA reader, writer, `.fai` and indexed fetch against `samtools faidx`.

mod common;

use common::rng::XorShift64Star as Rng;

use std::io::BufReader;

use biometal::formats::fasta::{
    fai::Index, IndexedReader, Interval, Reader, ReaderBuilder, Writer,
};
use biometal::ErrorKind;

/// A FASTA file of `count` sequences with the given line width and line
/// ending, and the (name, sequence) pairs it holds.
fn generate(
    seed: u64,
    count: usize,
    width: usize,
    crlf: bool,
) -> (Vec<u8>, Vec<(String, Vec<u8>)>) {
    let mut rng = Rng(seed);
    let eol: &[u8] = if crlf { b"\r\n" } else { b"\n" };
    let mut text = Vec::new();
    let mut records = Vec::new();
    for i in 0..count {
        let name = format!("seq{i}");
        let len = 1 + rng.below(5 * width as u64) as usize;
        let sequence: Vec<u8> = (0..len)
            .map(|_| b"ACGTNacgtn"[rng.below(10) as usize])
            .collect();
        text.extend_from_slice(format!(">{name} description {i}").as_bytes());
        text.extend_from_slice(eol);
        for line in sequence.chunks(width) {
            text.extend_from_slice(line);
            text.extend_from_slice(eol);
        }
        records.push((name, sequence));
    }
    (text, records)
}

fn samtools_fai(text: &[u8]) -> Option<Vec<u8>> {
    let dir = common::TempDir::new("fasta-fai");
    let path = dir.join("ref.fa");
    std::fs::write(&path, text).unwrap();
    let status = std::process::Command::new("samtools")
        .args(["faidx", path.to_str().unwrap()])
        .stderr(std::process::Stdio::null())
        .status()
        .expect("samtools is required");
    status
        .success()
        .then(|| std::fs::read(dir.join("ref.fa.fai")).unwrap())
}

fn our_fai(text: &[u8]) -> biometal::Result<Vec<u8>> {
    let index = Index::build(BufReader::with_capacity(7, text))?;
    let mut fai = Vec::new();
    index.write(&mut fai)?;
    Ok(fai)
}

#[test]
fn fai_is_byte_identical_to_samtools_faidx() {
    for (seed, width, crlf) in [
        (1, 60, false),
        (2, 7, false),
        (3, 80, true),
        (4, 1, false),
        (5, 1000, false),
    ] {
        let (text, _) = generate(seed, 30, width, crlf);
        assert_eq!(
            our_fai(&text).unwrap(),
            samtools_fai(&text).unwrap(),
            "width {width}"
        );
    }
}

#[test]
fn fai_edge_cases_agree_with_samtools() {
    let cases: &[&[u8]] = &[
        b">a desc\nACGT\nAC\n\n>b\nAC\r\nG\r\n>c\n>d\nAAAA\nAAAA\n",
        b">a\nACGT",
        b"\n>a\nAC\n",
        b">a\r\nAC\r\nA\r\n",
        b">a\nAC\n \n",
        b">a\nACGT\nAC\n\n\n>b\nA\n",
        b">\nAC\n",
        b">a\nAC\n>a\nACG\n",
        b">a\tx y\nAC\n> b\nAC\n",
        b">a\nACGT\nAC\r\n",
    ];
    for case in cases {
        assert_eq!(
            our_fai(case).unwrap(),
            samtools_fai(case).unwrap(),
            "{:?}",
            String::from_utf8_lossy(case)
        );
    }
}

#[test]
fn an_empty_file_has_an_empty_index() {
    // samtools refuses to index an empty file; an empty index is the honest answer.
    assert!(our_fai(b"").unwrap().is_empty());
}

#[test]
fn fai_rejects_what_samtools_rejects() {
    let cases: &[&[u8]] = &[
        b">a\nACGT\n\nAC\n",
        b">a\nACGT\nACGTA\n",
        b">a\nAC\nACG\n",
        b"junk\n>a\nAC\n",
        b">a\nAC\r\nAC\nA\n",
    ];
    for case in cases {
        assert!(
            samtools_fai(case).is_none(),
            "{:?}",
            String::from_utf8_lossy(case)
        );
        let error = our_fai(case).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidData, "{error}");
        assert!(error.location().line().is_some(), "{error}");
    }
}

/// Sequences as `samtools faidx ref.fa region…` prints them, joined.
fn samtools_fetch(path: &std::path::Path, regions: &[String]) -> Vec<Vec<u8>> {
    let mut args = vec!["faidx", path.to_str().unwrap()];
    args.extend(regions.iter().map(String::as_str));
    let output = common::oracle("samtools", &args);
    let mut sequences: Vec<Vec<u8>> = Vec::new();
    for line in output.stdout.split(|&b| b == b'\n') {
        if line.starts_with(b">") {
            sequences.push(Vec::new());
        } else if let Some(last) = sequences.last_mut() {
            last.extend_from_slice(line);
        }
    }
    sequences
}

#[test]
fn fetch_equals_samtools_faidx_on_random_ranges() {
    for (seed, width, crlf) in [(21, 60, false), (22, 13, true)] {
        let (text, records) = generate(seed, 20, width, crlf);
        let dir = common::TempDir::new("fasta-fetch");
        let path = dir.join("ref.fa");
        std::fs::write(&path, &text).unwrap();
        let reader = IndexedReader::from_path(&path).unwrap(); // index built in memory
        let mut rng = Rng(seed);
        let mut regions = Vec::new();
        let mut ours = Vec::new();
        for _ in 0..300 {
            let (name, sequence) = &records[rng.below(records.len() as u64) as usize];
            let len = sequence.len() as u64;
            let begin = 1 + rng.below(len);
            let end = (begin + rng.below(3 * width as u64)).min(len + 10);
            regions.push(format!("{name}:{begin}-{end}"));
            let interval = Interval::from_one_based_inclusive(begin, end).unwrap();
            ours.push(reader.fetch(name.as_bytes(), interval).unwrap());
        }
        assert_eq!(ours, samtools_fetch(&path, &regions));
        // With the .fai samtools wrote, and whole sequences.
        let reader = IndexedReader::from_path(&path).unwrap();
        for (name, sequence) in &records {
            assert_eq!(
                &reader.fetch(name.as_bytes(), Interval::full()).unwrap(),
                sequence
            );
        }
    }
}

#[test]
fn fetch_errors_are_clear() {
    let text = b">a\nACGT\nAC\n".to_vec();
    let index = Index::build(&text[..]).unwrap();
    let reader = IndexedReader::new(text, index.clone());
    let error = reader.fetch(b"nope", Interval::full()).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::NotFound);
    assert!(reader
        .fetch(b"a", Interval::new(10, 20).unwrap())
        .unwrap()
        .is_empty());
    assert!(Interval::new(5, 4).is_err());
    assert!(Interval::from_one_based_inclusive(0, 4).is_err());
    // A stale index over a different file.
    let stale = IndexedReader::new(b">a\nAC\n".to_vec(), index);
    assert!(stale.fetch(b"a", Interval::full()).is_err());
}

#[test]
fn streaming_reader_and_writer_match_samtools_output() {
    let (text, records) = generate(31, 25, 50, false);
    let dir = common::TempDir::new("fasta-stream");
    let path = dir.join("ref.fa");
    std::fs::write(&path, &text).unwrap();
    let names: Vec<String> = records.iter().map(|(name, _)| name.clone()).collect();
    let expected = samtools_fetch(&path, &names);
    for capacity in 3..=100 {
        let mut reader = ReaderBuilder::new()
            .buffer_capacity(capacity)
            .build_from_reader(&text[..]);
        let mut sequences = Vec::new();
        while let Some(record) = reader.next_record() {
            sequences.push(record.unwrap().sequence().to_vec());
        }
        assert_eq!(sequences, expected, "capacity {capacity}");
    }
    // samtools faidx prints names only and wraps at 60: so does our writer.
    let mut args = vec!["faidx", path.to_str().unwrap()];
    args.extend(names.iter().map(String::as_str));
    let samtools_output = common::oracle("samtools", &args).stdout;
    let mut reader = Reader::new(std::fs::File::open(&path).unwrap());
    let mut writer = Writer::new(Vec::new());
    while let Some(record) = reader.next_record() {
        let record = record.unwrap();
        writer
            .write_fields(record.name(), record.sequence())
            .unwrap();
    }
    assert_eq!(writer.into_inner(), samtools_output);
}

#[test]
fn streaming_reader_handles_crlf_blank_lines_and_errors() {
    let mut reader = ReaderBuilder::new()
        .buffer_capacity(4)
        .build_from_reader(&b"\n>a x\r\nAC\r\n\r\nGT\r\n>b\n>c\nT"[..]);
    let records: Vec<_> = reader.records().collect::<Result<_, _>>().unwrap();
    assert_eq!(records[0].name(), b"a");
    assert_eq!(records[0].sequence(), b"ACGT");
    assert!(records[1].is_empty());
    assert_eq!(records[2].sequence(), b"T");

    let mut reader = Reader::new(&b"@r1\nACGT\n+\nIIII\n"[..]);
    let error = reader.next_record().unwrap().unwrap_err();
    assert!(error.to_string().contains("FASTQ"), "{error}");
    assert_eq!(error.location().line(), Some(1));
    assert!(reader.next_record().is_none());

    let huge = [b">a\n".to_vec(), vec![b'A'; 1000]].concat();
    let mut reader = ReaderBuilder::new()
        .max_record_size(100)
        .build_from_reader(&huge[..]);
    let error = reader.next_record().unwrap().unwrap_err();
    assert_eq!(error.kind(), ErrorKind::LimitExceeded);
}

#[test]
fn bgzipped_fasta_fetch_equals_samtools_faidx() {
    let (text, records) = generate(41, 40, 60, false);
    // Make the file span several BGZF blocks (names repeat: the first wins,
    // in samtools and here).
    let text = [text, generate(42, 200, 600, false).0].concat();
    assert!(text.len() > 3 * 65536);
    let dir = common::TempDir::new("fasta-bgzf");
    let plain = dir.join("ref.fa");
    std::fs::write(&plain, &text).unwrap();
    common::oracle("bgzip", &["-k", "-@1", plain.to_str().unwrap()]);
    let gz = dir.join("ref.fa.gz");
    let gz_str = gz.to_str().unwrap();

    // Without .fai/.gzi: both built in memory; the .fai must equal samtools'.
    let ours = IndexedReader::from_path(&gz).unwrap();
    let mut our_fai = Vec::new();
    ours.index().write(&mut our_fai).unwrap();
    common::oracle("samtools", &["faidx", gz_str]);
    assert_eq!(our_fai, std::fs::read(dir.join("ref.fa.gz.fai")).unwrap());
    let with_files = IndexedReader::from_path(&gz).unwrap();

    let mut rng = Rng(41);
    let mut regions = Vec::new();
    let mut fetched = Vec::new();
    let mut fetched_with_files = Vec::new();
    for _ in 0..200 {
        let (name, sequence) = &records[rng.below(records.len() as u64) as usize];
        let begin = 1 + rng.below(sequence.len() as u64);
        let end = begin + rng.below(200);
        regions.push(format!("{name}:{begin}-{end}"));
        let interval = Interval::from_one_based_inclusive(begin, end).unwrap();
        fetched.push(ours.fetch(name.as_bytes(), interval).unwrap());
        fetched_with_files.push(with_files.fetch(name.as_bytes(), interval).unwrap());
    }
    let expected = samtools_fetch(&gz, &regions);
    assert_eq!(fetched, expected);
    assert_eq!(fetched_with_files, expected);
    // The last sequence, deep into the file.
    let last = IndexedReader::from_path(&plain).unwrap();
    let name = b"seq199";
    assert_eq!(
        ours.fetch(name, Interval::full()).unwrap(),
        last.fetch(name, Interval::full()).unwrap()
    );
}

#[test]
fn plain_gzip_fasta_is_unsupported_for_indexing() {
    let dir = common::TempDir::new("fasta-gzip");
    let path = dir.join("ref.fa.gz");
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut encoder, b">a\nACGT\n").unwrap();
    std::fs::write(&path, encoder.finish().unwrap()).unwrap();
    let error = IndexedReader::from_path(&path).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Unsupported);
}
