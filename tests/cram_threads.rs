//! Slice-parallel CRAM decoding (`ReaderBuilder::threads`): 1, 2, 4 and 8
//! threads yield the same records, through every reading tier, on every
//! conformance file and on CRAMs Debian samtools writes with many small
//! slices and containers (equal to `samtools view` too); an error in a
//! container surfaces after exactly the records before it, as with one
//! thread.

mod common;

use common::rng::XorShift64 as Rng;

use std::fmt::Write as _;
use std::io::Cursor;
use std::path::{Path, PathBuf};

use biometal::formats::cram::{Fields, ReaderBuilder, ReferenceSource};
use biometal::formats::fasta::{IndexedReader, Interval};
use biometal::formats::sam::{self, record::Record};
use biometal::ErrorKind;
use common::{oracle, testdata, TempDir};

const THREADS: [usize; 4] = [1, 2, 4, 8];

fn ce_path() -> PathBuf {
    testdata("hts-specs/cram/ce.fa")
}

fn ce() -> ReferenceSource {
    ReferenceSource::from_fasta_path(ce_path()).expect("ce.fa")
}

fn s(path: &Path) -> &str {
    path.to_str().expect("UTF-8 path")
}

/// Every record of `path` through one of the three reading tiers (chosen
/// by the thread count, so each tier meets several counts).
fn decode(path: &Path, threads: usize) -> Vec<Record> {
    let mut reader = ReaderBuilder::new()
        .reference(ce())
        .threads(threads)
        .build_from_path(path)
        .expect("open CRAM");
    reader.read_header().expect("header");
    let must =
        |e: biometal::Error| -> ! { panic!("{} with {threads} threads: {e}", path.display()) };
    match threads % 3 {
        0 => reader
            .records()
            .map(|r| r.unwrap_or_else(|e| must(e)))
            .collect(),
        1 => {
            let mut records = Vec::new();
            let mut record = Record::default();
            while reader.read_record(&mut record).unwrap_or_else(|e| must(e)) {
                records.push(record.clone());
            }
            records
        }
        _ => {
            let mut records = Vec::new();
            while let Some(record) = reader.next_record().unwrap_or_else(|e| must(e)) {
                records.push(Record::from(record));
            }
            records
        }
    }
}

fn assert_same_for_every_thread_count(path: &Path) -> Vec<Record> {
    let one = decode(path, 1);
    for threads in &THREADS[1..] {
        let many = decode(path, *threads);
        assert_eq!(
            one.len(),
            many.len(),
            "{}: {threads} threads",
            path.display()
        );
        if let Some(i) = (0..one.len()).find(|&i| one[i] != many[i]) {
            panic!(
                "{}: record {i} differs with {threads} threads",
                path.display()
            );
        }
    }
    one
}

#[test]
fn every_conformance_file_decodes_the_same_with_any_thread_count() {
    let mut files = Vec::new();
    for dir in ["hts-specs/cram/3.0/passed", "hts-specs/cram/3.1/passed"] {
        for entry in std::fs::read_dir(testdata(dir)).expect("list conformance files") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "cram") {
                files.push(path);
            }
        }
    }
    files.sort();
    assert!(files.len() > 20, "{} conformance files", files.len());
    let mut total = 0;
    for path in files {
        total += assert_same_for_every_thread_count(&path).len();
    }
    assert!(total > 1000, "{total} records");
}

/// Unsorted reads with substitutions, indels and clips on ce.fa's
/// sequences, and some unmapped ones (so samtools writes single- and
/// multi-reference slices).
fn simulate_sam(path: &Path, reads: usize) {
    let fasta = IndexedReader::from_path(ce_path()).expect("ce.fa");
    let sequences: Vec<(String, Vec<u8>)> = fasta
        .index()
        .records()
        .iter()
        .map(|r| {
            let bases = fasta
                .fetch(r.name(), Interval::new(0, r.length()).expect("interval"))
                .expect("fetch");
            (String::from_utf8_lossy(r.name()).into_owned(), bases)
        })
        .collect();
    let mut text = String::from("@HD\tVN:1.6\tSO:unsorted\n");
    for (name, bases) in &sequences {
        writeln!(text, "@SQ\tSN:{name}\tLN:{}", bases.len()).expect("format");
    }
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for n in 0..reads {
        let quals: String = (0..100)
            .map(|_| (b'#' + rng.below(40) as u8) as char)
            .collect();
        if rng.below(20) == 0 {
            let seq: String = (0..100)
                .map(|_| b"ACGT"[rng.below(4) as usize] as char)
                .collect();
            writeln!(text, "r{n}\t4\t*\t0\t0\t*\t*\t0\t0\t{seq}\t{quals}").expect("format");
            continue;
        }
        let reference = if rng.below(3) == 0 {
            rng.below(sequences.len() as u64) as usize
        } else {
            0
        };
        let (name, bases) = &sequences[reference];
        let start = 1 + rng.below(bases.len() as u64 - 200) as usize;
        let mut seq = bases[start - 1..start + 99].to_vec();
        for base in seq.iter_mut() {
            if rng.below(50) == 0 {
                *base = b"ACGT"[rng.below(4) as usize];
            }
        }
        let cigar = match rng.below(4) {
            0 => "5S90M5S",
            1 => "40M2I58M",
            2 => "50M3D50M",
            _ => "100M",
        };
        let seq = String::from_utf8(seq).expect("ASCII");
        writeln!(
            text,
            "r{n}\t{}\t{name}\t{start}\t{}\t{cigar}\t*\t0\t0\t{seq}\t{quals}\tXI:i:{n}",
            if rng.below(2) == 0 { 0 } else { 16 },
            rng.below(61)
        )
        .expect("format");
    }
    std::fs::write(path, text).expect("write SAM");
}

/// `sam` converted by samtools to CRAM with `options`.
fn to_cram(dir: &TempDir, sam: &Path, name: &str, options: &[&str]) -> PathBuf {
    let cram = dir.join(&format!("{name}.cram"));
    let ce = ce_path();
    let mut args = vec!["view", "-C", "-T", s(&ce), "-o", s(&cram)];
    for option in options {
        args.extend(["--output-fmt-option", option]);
    }
    args.push(s(sam));
    oracle("samtools", &args);
    cram
}

#[test]
fn samtools_written_crams_decode_the_same_with_any_thread_count() {
    let dir = TempDir::new("cram-threads");
    let sam = dir.join("reads.sam");
    simulate_sam(&sam, 3000);
    for (name, options) in [
        (
            "3.0-small-slices",
            &["seqs_per_slice=100", "slices_per_container=3"][..],
        ),
        ("3.1-one-slice", &["version=3.1", "seqs_per_slice=250"][..]),
        (
            "3.1-archive",
            &[
                "version=3.1",
                "archive",
                "seqs_per_slice=300",
                "slices_per_container=2",
            ][..],
        ),
    ] {
        let cram = to_cram(&dir, &sam, name, options);
        let records = assert_same_for_every_thread_count(&cram);
        assert_eq!(records.len(), 3000, "{name}");
        // And they are samtools' records.
        let fasta = ce_path();
        let theirs = oracle("samtools", &["view", "-T", s(&fasta), s(&cram)]);
        let header = ReaderBuilder::new()
            .build_from_path(&cram)
            .and_then(|mut r| r.read_header())
            .expect("header");
        let mut writer = sam::Writer::new(Vec::new());
        for record in &records {
            writer
                .write_record(&header, record.as_ref())
                .expect("format");
        }
        let ours = String::from_utf8(writer.into_inner()).expect("UTF-8");
        // With the flags only, workers or not: samtools' flags and count.
        let their_flags: Vec<String> = String::from_utf8_lossy(&theirs.stdout)
            .lines()
            .map(|line| line.split('\t').nth(1).expect("FLAG").to_string())
            .collect();
        for threads in [1, 3] {
            let flags_only = || {
                let mut reader = ReaderBuilder::new()
                    .fields(Fields::flags_only())
                    .threads(threads)
                    .build_from_path(&cram)
                    .expect("open");
                reader.read_header().expect("header");
                reader
            };
            let mut reader = flags_only();
            let mut flags = Vec::new();
            while let Some(record) = reader.next_record().expect("record") {
                flags.push(record.flags().bits().to_string());
            }
            assert_eq!(flags, their_flags, "{name}: flags, {threads} threads");
            let count = flags_only().count_records().expect("count");
            assert_eq!(count, 3000, "{name}: count_records, {threads} threads");
        }
        // A reader dropped part-way stops its workers (and does not hang).
        let mut reader = ReaderBuilder::new()
            .reference(ce())
            .threads(4)
            .build_from_path(&cram)
            .expect("open");
        reader.read_header().expect("header");
        for _ in 0..5 {
            assert!(reader.next_record().expect("record").is_some());
        }
        drop(reader);
        assert!(
            ours == String::from_utf8_lossy(&theirs.stdout),
            "{name}: differs from samtools view"
        );
    }
}

/// What reading `bytes` yields: each record's name, then each error's
/// kind and message, until the end.
fn events(bytes: &[u8], threads: usize) -> Vec<String> {
    events_with(bytes, ReaderBuilder::new().threads(threads))
}

fn events_with(bytes: &[u8], builder: ReaderBuilder) -> Vec<String> {
    let mut reader = builder.reference(ce()).build(Cursor::new(bytes));
    reader.read_header().expect("header");
    let mut events = Vec::new();
    loop {
        match reader.next_record() {
            Ok(Some(record)) => events.push(String::from_utf8_lossy(record.name()).into_owned()),
            Ok(None) => break,
            Err(e) => events.push(format!("error {:?}: {e}", e.kind())),
        }
        assert!(events.len() < 10_000, "no end");
    }
    events
}

#[test]
fn an_error_in_a_container_surfaces_after_the_records_before_it() {
    let dir = TempDir::new("cram-threads-errors");
    let sam = dir.join("reads.sam");
    simulate_sam(&sam, 2000);
    let cram = to_cram(
        &dir,
        &sam,
        "small",
        &["seqs_per_slice=100", "slices_per_container=1"],
    );
    let bytes = std::fs::read(&cram).expect("read CRAM");
    let clean = events(&bytes, 1);
    assert_eq!(clean.len(), 2000);
    // Bytes flipped in blocks (a worker's CRC32 error, decoding goes on
    // with the next slice) or in container headers (the reader's framing
    // error, the end), and truncations inside containers.
    let mut cases = Vec::new();
    for percent in [20, 45, 70, 95] {
        let at = bytes.len() * percent / 100;
        let mut flipped = bytes.clone();
        flipped[at] ^= 0x40;
        cases.push((format!("byte {at} flipped"), flipped));
        cases.push((format!("cut at {at}"), bytes[..at].to_vec()));
    }
    for (what, damaged) in cases {
        let expected = events(&damaged, 1);
        let first_error = expected
            .iter()
            .position(|e| e.starts_with("error"))
            .unwrap_or_else(|| panic!("{what}: no error"));
        assert!(
            expected[first_error].contains("container at byte")
                || expected[first_error].contains("ChecksumMismatch")
                || expected[first_error].contains("UnexpectedEof")
                || expected[first_error].contains("MissingEofMarker"),
            "{what}: {}",
            expected[first_error]
        );
        assert!(first_error > 0, "{what}: no record before the error");
        assert_eq!(expected[..first_error], clean[..first_error], "{what}");
        for threads in &THREADS[1..] {
            assert_eq!(
                events(&damaged, *threads),
                expected,
                "{what}, {threads} threads"
            );
        }
    }
    let error = events(&bytes[..bytes.len() - 10], 4);
    assert!(error
        .last()
        .is_some_and(|e| e.contains(&format!("{:?}", ErrorKind::UnexpectedEof))));
}

#[test]
fn corruption_past_the_checksums_gives_the_same_records_and_errors_with_threads() {
    let dir = TempDir::new("cram-threads-corrupt");
    let sam = dir.join("reads.sam");
    simulate_sam(&sam, 1500);
    let cram = to_cram(
        &dir,
        &sam,
        "small",
        &["seqs_per_slice=100", "slices_per_container=2"],
    );
    let bytes = std::fs::read(&cram).expect("read CRAM");
    let unchecked = || ReaderBuilder::new().verify_checksums(false);
    let mut errors = 0;
    for n in 1..40 {
        // Past the header container, so every damaged byte is in the data.
        let at = 2000 + (bytes.len() - 2000) * n / 40;
        let mut damaged = bytes.clone();
        damaged[at] = damaged[at].wrapping_add(0x3b);
        let expected = events_with(&damaged, unchecked());
        errors += expected.iter().filter(|e| e.starts_with("error")).count();
        for threads in [2, 8] {
            let got = events_with(&damaged, unchecked().threads(threads));
            assert_eq!(got, expected, "byte {at}, {threads} threads");
        }
    }
    assert!(errors > 10, "only {errors} errors from 39 damaged files");
}
