//! BCF records that cross BGZF blocks: bcftools-written records, cut into
//! blocks of every size (so records span two blocks, or many, and an
//! empty block lies mid-stream), read by `next_record` — which borrows a
//! record crossing into the next block in one piece — as bcftools prints
//! them and as `read_record` (the copying path) reads them, errors
//! included, with one decoding thread or several.

mod common;
#[path = "../benches/support/vcf_cohort.rs"]
mod vcf_cohort;

use std::io::{Cursor, Write};
use std::path::Path;

use biometal::bgzf;
use biometal::formats::{bcf, vcf};
use common::rng::XorShift64;
use common::{oracle, TempDir};

/// A caller-model cohort (GT:DP:GQ:PL) as uncompressed BCF from bcftools.
fn bcftools_bcf(dir: &TempDir, samples: usize, sites: usize, seed: u64) -> Vec<u8> {
    let mut text = Vec::new();
    vcf_cohort::write_cohort_with(&mut text, samples, sites, seed, vcf_cohort::Model::Caller)
        .unwrap();
    let vcf = dir.join("cohort.vcf");
    let bcf = dir.join("cohort.u.bcf");
    std::fs::write(&vcf, &text).unwrap();
    oracle("bcftools", &["view", "-Ou", "-o", s(&bcf), s(&vcf)]);
    // bcftools' uncompressed BCF is BGZF at level 0.
    oracle("bgzip", &["-d", "-c", s(&bcf)]).stdout
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// `raw` as BGZF in blocks of 1 to `max_block` bytes, in two members (the
/// first one's EOF marker is an empty block mid-stream).
fn reblock(raw: &[u8], max_block: u64, rng: &mut XorShift64) -> Vec<u8> {
    let split = raw.len() / 3 + rng.below(raw.len() as u64 / 3) as usize;
    let mut file = Vec::new();
    for member in [&raw[..split], &raw[split..]] {
        let mut writer = bgzf::Writer::new(Vec::new());
        let mut rest = member;
        while !rest.is_empty() {
            let n = (1 + rng.below(max_block) as usize).min(rest.len());
            writer.write_all(&rest[..n]).unwrap();
            writer.flush().unwrap();
            rest = &rest[n..];
        }
        file.extend_from_slice(&writer.finish().unwrap());
    }
    file
}

/// The records of an uncompressed BCF stream, framed by their sizes.
fn framed(raw: &[u8]) -> Vec<&[u8]> {
    let word = |at: usize| u32::from_le_bytes(raw[at..at + 4].try_into().unwrap()) as usize;
    let mut at = 9 + word(5);
    let mut records = Vec::new();
    while at < raw.len() {
        let end = at + 8 + word(at) + word(at + 4);
        records.push(&raw[at + 8..end]);
        at = end;
    }
    records
}

/// What reading yields: each record's bytes, then the first error (its
/// kind, text and location), if any.
type Outcome = Vec<Result<Vec<u8>, String>>;

fn describe(error: &biometal::Error) -> String {
    format!("{:?} {error} {:?}", error.kind(), error.location())
}

fn bgzf_reader(file: &[u8], threads: usize, eof_marker: bool) -> bgzf::Reader<Cursor<&[u8]>> {
    bgzf::ReaderBuilder::new()
        .threads(threads)
        .require_eof_marker(eof_marker)
        .build(Cursor::new(file))
}

/// Every record through `next_record` (borrowed, carried across blocks).
fn by_next_record<R: bcf::VirtualPositioned + bgzf::FillBufAtLeast>(
    mut reader: bcf::Reader<R>,
) -> Outcome {
    let mut out = Vec::new();
    if let Err(error) = reader.read_header() {
        return vec![Err(describe(&error))];
    }
    loop {
        match reader.next_record() {
            Ok(Some(record)) => out.push(Ok(record.as_bytes().to_vec())),
            Ok(None) => return out,
            Err(error) => {
                out.push(Err(describe(&error)));
                return out;
            }
        }
    }
}

/// Every record through `read_record` (copied into a `Record`).
fn by_read_record<R: bcf::VirtualPositioned>(mut reader: bcf::Reader<R>) -> Outcome {
    let mut out = Vec::new();
    if let Err(error) = reader.read_header() {
        return vec![Err(describe(&error))];
    }
    let mut record = bcf::Record::default();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => out.push(Ok(record.as_ref().as_bytes().to_vec())),
            Ok(false) => return out,
            Err(error) => {
                out.push(Err(describe(&error)));
                return out;
            }
        }
    }
}

#[test]
fn records_across_blocks_read_as_bcftools_prints_them() {
    let dir = TempDir::new("bcf-blocks");
    let raw = bcftools_bcf(&dir, 40, 120, 5);
    let expected: Outcome = framed(&raw).into_iter().map(|r| Ok(r.to_vec())).collect();
    assert_eq!(expected.len(), 120);
    let mut rng = XorShift64(0x5eed_b10c);
    for max_block in [40, 700, 3000, 20_000] {
        let file = reblock(&raw, max_block, &mut rng);
        let path = dir.join(&format!("blocks-{max_block}.bcf"));
        std::fs::write(&path, &file).unwrap();
        let bcftools = oracle("bcftools", &["view", "-H", s(&path)]).stdout;
        for threads in [1, 3] {
            let builder = bcf::ReaderBuilder::new().threads(threads);
            let mut reader = builder.build_from_path(&path).unwrap();
            let header = reader.read_header().unwrap();
            let mut text = Vec::new();
            let mut writer = vcf::Writer::new(&mut text);
            while let Some(record) = reader.next_record().unwrap() {
                writer.write_variant(&header, &record).unwrap();
            }
            writer.flush().unwrap();
            drop(writer);
            let context = format!("blocks of up to {max_block} bytes, {threads} threads");
            assert!(text == bcftools, "{context}");
            let source = bgzf_reader(&file, threads, true);
            let ours = by_next_record(bcf::ReaderBuilder::new().build(source));
            assert!(ours == expected, "{context}");
        }
    }
}

/// Cut after every byte, with and without a required EOF marker, the
/// borrowing path fails exactly as the copying one (same records first,
/// same error, same location), with one thread or three.
#[test]
fn every_truncation_fails_as_the_copying_path() {
    let dir = TempDir::new("bcf-blocks-cut");
    let raw = bcftools_bcf(&dir, 12, 10, 6);
    let mut rng = XorShift64(0xc0ff_ee11);
    let file = reblock(&raw, 150, &mut rng);
    let mut truncated = 0;
    for cut in 0..=file.len() {
        let part = &file[..cut];
        for eof_marker in [true, false] {
            let copied = by_read_record(bcf::Reader::new(bgzf_reader(part, 1, eof_marker)));
            for threads in [1, 3] {
                let borrowed =
                    by_next_record(bcf::Reader::new(bgzf_reader(part, threads, eof_marker)));
                assert!(
                    borrowed == copied,
                    "cut at {cut}, {threads} threads: {borrowed:?} {copied:?}"
                );
            }
            if copied
                .iter()
                .any(|r| r.as_ref().is_err_and(|e| e.contains("inside a record")))
            {
                truncated += 1;
            }
        }
    }
    assert!(truncated > 0, "no cut fell inside a record");
}

/// Damaged records (a byte changed anywhere in the records, or a record
/// over the size limit) fail in the borrowing path as in the copying one.
#[test]
fn damaged_records_fail_as_the_copying_path() {
    let dir = TempDir::new("bcf-blocks-damage");
    let raw = bcftools_bcf(&dir, 12, 8, 7);
    let first_record = 9 + u32::from_le_bytes(raw[5..9].try_into().unwrap()) as usize;
    let mut rng = XorShift64(0xdead_beef);
    let mut failures = 0;
    for at in first_record..raw.len() {
        let mut damaged = raw.clone();
        damaged[at] ^= [0xff, 0x80, 0x01][at % 3];
        let file = reblock(&damaged, 120, &mut rng);
        let copied = by_read_record(bcf::Reader::new(bgzf_reader(&file, 1, true)));
        for threads in [1, 3] {
            let borrowed = by_next_record(bcf::Reader::new(bgzf_reader(&file, threads, true)));
            assert!(borrowed == copied, "byte {at}: {borrowed:?} {copied:?}");
        }
        failures += usize::from(copied.last().is_some_and(Result::is_err));
    }
    assert!(failures > 0);
    let file = reblock(&raw, 120, &mut rng);
    let small = bcf::ReaderBuilder::new().max_record_size(100);
    let copied = by_read_record(small.build(bgzf_reader(&file, 1, true)));
    let borrowed = by_next_record(small.build(bgzf_reader(&file, 1, true)));
    assert!(copied
        .last()
        .is_some_and(|r| r.as_ref().is_err_and(|e| e.contains("100"))));
    assert_eq!(borrowed, copied);
}

/// Uncompressed BCF opened through `io::open_with` with small read buffers:
/// records crossing the buffer's end are lent after moving their head to
/// its front (or, larger than the buffer, copied), as `read_record` reads
/// them, cut short or whole.
#[test]
fn uncompressed_bcf_through_small_buffers() {
    use biometal::io::{open_with, IoOptions, MapMode};
    let dir = TempDir::new("bcf-blocks-plain");
    let raw = bcftools_bcf(&dir, 12, 10, 8);
    let expected: Outcome = framed(&raw).into_iter().map(|r| Ok(r.to_vec())).collect();
    let path = dir.join("plain.bcf");
    for capacity in [64, 300, 1000, 5000] {
        let options = IoOptions::default()
            .with_map_mode(MapMode::Buffered)
            .with_buffer_capacity(capacity);
        let open = || bcf::Reader::new(open_with(&path, &options).unwrap());
        for cut in (0..=raw.len()).rev().step_by(7) {
            std::fs::write(&path, &raw[..cut]).unwrap();
            let borrowed = by_next_record(open());
            assert!(
                borrowed == by_read_record(open()),
                "capacity {capacity}, cut {cut}"
            );
            if cut == raw.len() {
                assert!(borrowed == expected, "capacity {capacity}");
            }
        }
    }
}

/// A record whose `l_shared` (0) cannot hold the fixed fields, crossing into
/// a block the stream then ends in: the borrowing path reports the bad
/// size, as the copying one does, not the cut block (found by the
/// `bcf_blocks` fuzz target).
#[test]
fn a_too_small_shared_part_fails_as_the_copying_path_before_a_cut() {
    let dir = TempDir::new("bcf-blocks-lshared");
    let raw = bcftools_bcf(&dir, 12, 6, 9);
    let first_record = 9 + u32::from_le_bytes(raw[5..9].try_into().unwrap()) as usize;
    let mut damaged = raw.clone();
    // framed() gives the records without their two size words.
    let second = first_record + 8 + framed(&raw)[0].len();
    damaged[second..second + 4].copy_from_slice(&0u32.to_le_bytes());
    let mut rng = XorShift64(0x1a5_4a2e);
    let file = reblock(&damaged, 100, &mut rng);
    let mut size_errors = 0;
    for cut in 0..=file.len() {
        let part = &file[..cut];
        let copied = by_read_record(bcf::Reader::new(bgzf_reader(part, 1, false)));
        for threads in [1, 3] {
            let borrowed = by_next_record(bcf::Reader::new(bgzf_reader(part, threads, false)));
            assert!(
                borrowed == copied,
                "cut at {cut}, {threads} threads: {borrowed:?} {copied:?}"
            );
        }
        size_errors += usize::from(
            copied
                .last()
                .is_some_and(|r| r.as_ref().is_err_and(|e| e.contains("l_shared 0"))),
        );
    }
    assert!(size_errors > 0, "the bad l_shared was never reached");
}
