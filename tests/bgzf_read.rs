//! The BGZF reader against files written by bgzip and samtools, decoded by
//! `bgzip -dc`; seeking; `.gzi` against `bgzip -i`/`-r`; and damaged input.

mod common;

use std::fs;
use std::io::{BufRead, Cursor, Read};
use std::path::Path;

use biometal::bgzf::{GziIndex, Reader, ReaderBuilder, VirtualPosition, EOF_MARKER};
use biometal::{Error, ErrorKind};
use common::{oracle, testdata, TempDir};
use proptest::prelude::*;

/// Deterministic text resembling a SAM body: compresses about 3-4x.
fn sample_text(lines: usize) -> Vec<u8> {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut text = Vec::new();
    for n in 0..lines {
        let position = 10_000 + n * 37 + (next() % 20) as usize;
        text.extend_from_slice(
            format!(
                "read{n}\t{}\tchr1\t{position}\t60\t50M\t*\t0\t0\t",
                next() % 4 * 16
            )
            .as_bytes(),
        );
        for _ in 0..50 {
            text.push(b"ACGT"[(next() % 4) as usize]);
        }
        text.push(b'\t');
        for _ in 0..50 {
            text.push(b'!' + (next() % 8) as u8 + 30);
        }
        text.extend_from_slice(b"\n");
    }
    text
}

/// Writes `text` to `dir` and compresses it with bgzip; returns the path.
fn bgzipped(dir: &TempDir, name: &str, text: &[u8]) -> std::path::PathBuf {
    let plain = dir.join(name);
    fs::write(&plain, text).unwrap();
    oracle("bgzip", &["-f", "-i", plain.to_str().unwrap()]);
    dir.join(&format!("{name}.gz"))
}

fn bgzip_dc(path: &Path) -> Vec<u8> {
    oracle("bgzip", &["-dc", path.to_str().unwrap()]).stdout
}

/// Reads everything in `chunk`-sized reads; returns the bytes and the error
/// that stopped it, if any.
fn read_all<R: Read>(reader: &mut Reader<R>, chunk: usize) -> (Vec<u8>, Option<Error>) {
    let mut out = Vec::new();
    let mut buf = vec![0; chunk];
    loop {
        match reader.read(&mut buf) {
            Ok(0) => return (out, None),
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(error) => return (out, Some(Error::from(error))),
        }
    }
}

fn reader(bytes: &[u8], threads: usize) -> Reader<Cursor<&[u8]>> {
    ReaderBuilder::new()
        .threads(threads)
        .build(Cursor::new(bytes))
}

/// Block start offsets, found by reading BSIZE at bytes 16..18 (bgzip and
/// samtools always write XLEN = 6 with the BC subfield first).
fn block_starts(bytes: &[u8]) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        starts.push(at);
        at += usize::from(u16::from_le_bytes([bytes[at + 16], bytes[at + 17]])) + 1;
    }
    assert_eq!(at, bytes.len());
    starts
}

/// Test files: (name, compressed bytes, bytes as decompressed by bgzip -dc).
fn oracle_files(dir: &TempDir) -> Vec<(String, Vec<u8>, Vec<u8>)> {
    let text = sample_text(12_000);
    let text_gz = bgzipped(dir, "text", &text);
    let small_gz = bgzipped(dir, "small", b"one line\n");
    let bam = dir.join("samtools.bam");
    let level1 = testdata("hts-specs/bam/passed/level-1.bam");
    oracle(
        "samtools",
        &[
            "view",
            "-b",
            "-o",
            bam.to_str().unwrap(),
            level1.to_str().unwrap(),
        ],
    );
    let mut concatenated = fs::read(&text_gz).unwrap();
    concatenated.extend_from_slice(&fs::read(&small_gz).unwrap());
    let concatenated_path = dir.join("concatenated.gz");
    fs::write(&concatenated_path, &concatenated).unwrap();
    let paths = [
        text_gz,
        small_gz,
        bam,
        level1,
        testdata("hts-specs/bam/passed/level-9.bam"),
        concatenated_path,
    ];
    let files: Vec<_> = paths
        .iter()
        .map(|path| {
            (
                path.file_name().unwrap().to_string_lossy().into_owned(),
                fs::read(path).unwrap(),
                bgzip_dc(path),
            )
        })
        .collect();
    assert_eq!(files[0].2, text, "bgzip round trip");
    files
}

#[test]
fn decodes_bgzip_and_samtools_output_like_bgzip() {
    let dir = TempDir::new("bgzf-read-oracle");
    for (name, compressed, expected) in oracle_files(&dir) {
        for threads in [1, 2, 4] {
            for chunk in [1 << 20, 4096, 7] {
                let (out, error) = read_all(&mut reader(&compressed, threads), chunk);
                assert!(error.is_none(), "{name}, {threads} threads: {error:?}");
                assert!(
                    out == expected,
                    "{name}, {threads} threads, reads of {chunk}: output differs from bgzip -dc"
                );
            }
            // BufRead, consuming a few bytes at a time.
            let mut reader = reader(&compressed, threads);
            let mut out = Vec::new();
            let mut step = 1;
            loop {
                let available = reader.fill_buf().unwrap();
                if available.is_empty() {
                    break;
                }
                let n = available.len().min(step);
                out.extend_from_slice(&available[..n]);
                reader.consume(n);
                step = step % 1000 + 333;
            }
            assert!(
                out == expected,
                "{name}, {threads} threads: BufRead output differs"
            );
            assert!(!reader.eof_marker_missing());
        }
    }
}

#[test]
fn seeking_to_recorded_positions_returns_the_same_bytes() {
    let dir = TempDir::new("bgzf-read-seek");
    let files = oracle_files(&dir);
    for (name, compressed, expected) in &files[..3] {
        for threads in [1, 2] {
            let mut reader = reader(compressed, threads);
            let mut marks = Vec::new();
            let mut offset = 0;
            let mut buf = [0; 4001];
            loop {
                marks.push((reader.virtual_position(), offset));
                let n = reader.read(&mut buf).unwrap();
                if n == 0 {
                    break;
                }
                offset += n;
            }
            assert_eq!(offset, expected.len());
            // Visit the marks out of order.
            marks.sort_by_key(|&(_, offset)| (offset * 7919) % 10007);
            for (position, offset) in marks {
                reader.seek(position).unwrap();
                assert_eq!(reader.virtual_position(), position);
                let mut out = vec![0; 10_000];
                let n = read_all_into(&mut reader, &mut out);
                let end = (offset + 10_000).min(expected.len());
                assert!(
                    out[..n] == expected[offset..end],
                    "{name}, {threads} threads: seek to {position}"
                );
            }
            let past = VirtualPosition::new(0, 65_535).unwrap();
            assert_eq!(
                reader.seek(past).unwrap_err().kind(),
                ErrorKind::InvalidInput
            );
        }
    }
}

fn read_all_into<R: Read>(reader: &mut Reader<R>, out: &mut [u8]) -> usize {
    let mut filled = 0;
    while filled < out.len() {
        match reader.read(&mut out[filled..]).unwrap() {
            0 => break,
            n => filled += n,
        }
    }
    filled
}

#[test]
fn gzi_matches_bgzip() {
    let dir = TempDir::new("bgzf-read-gzi");
    let text = sample_text(12_000);
    let gz = bgzipped(&dir, "text", &text);
    let bgzip_index = fs::read(dir.join("text.gz.gzi")).unwrap();
    let compressed = fs::read(&gz).unwrap();
    let index = GziIndex::build(&compressed[..]).unwrap();
    assert!(index.entries().len() > 5);
    let mut written = Vec::new();
    index.write(&mut written).unwrap();
    assert_eq!(written, bgzip_index, "our .gzi differs from bgzip -i");
    assert_eq!(GziIndex::from_bytes(&bgzip_index).unwrap(), index);

    // bgzip -r on a concatenation (an EOF marker mid-stream) and on a file
    // that starts with an empty block.
    let mut concatenated = compressed.clone();
    concatenated.extend_from_slice(&compressed);
    let mut leading_empty = EOF_MARKER.to_vec();
    leading_empty.extend_from_slice(&compressed);
    for (name, bytes) in [("cat.gz", &concatenated), ("lead.gz", &leading_empty)] {
        let path = dir.join(name);
        fs::write(&path, bytes).unwrap();
        oracle("bgzip", &["-r", path.to_str().unwrap()]);
        let expected = fs::read(dir.join(&format!("{name}.gzi"))).unwrap();
        let mut ours = Vec::new();
        GziIndex::build(&bytes[..])
            .unwrap()
            .write(&mut ours)
            .unwrap();
        assert_eq!(ours, expected, "{name}: our .gzi differs from bgzip -r");
    }

    for threads in [1, 2] {
        let mut reader = reader(&compressed, threads);
        for offset in
            (0..text.len())
                .step_by(9_973)
                .chain([65_280, 65_279, text.len() - 1, text.len()])
        {
            reader.seek_to_uncompressed(offset as u64, &index).unwrap();
            let mut out = vec![0; 100];
            let n = read_all_into(&mut reader, &mut out);
            assert!(
                out[..n] == text[offset..(offset + 100).min(text.len())],
                "offset {offset}"
            );
        }
    }
    let garbage = [&bgzip_index[..], &[0]].concat();
    assert_eq!(
        GziIndex::from_bytes(&garbage).unwrap_err().kind(),
        ErrorKind::InvalidData
    );
    let huge = u64::MAX / 2;
    assert!(GziIndex::from_bytes(&huge.to_le_bytes()).is_err());
}

/// Small file with several blocks, for the damage tests.
fn damage_sample(dir: &TempDir) -> (Vec<u8>, Vec<u8>) {
    let text = sample_text(2_500);
    let compressed = fs::read(bgzipped(dir, "damage", &text)).unwrap();
    (compressed, text)
}

/// Decoded size of the blocks before `block`.
fn decoded_before(bytes: &[u8], starts: &[usize], block: usize) -> usize {
    starts[..block]
        .iter()
        .map(|&at| {
            let end = starts
                .iter()
                .find(|&&s| s > at)
                .copied()
                .unwrap_or(bytes.len());
            u32::from_le_bytes(bytes[end - 4..end].try_into().unwrap()) as usize
        })
        .sum()
}

fn expect_error(
    bytes: &[u8],
    threads: usize,
    kind: ErrorKind,
    offset: u64,
    good_prefix: &[u8],
    what: &str,
) {
    for chunk in [65_536, 1000] {
        let mut reader = reader(bytes, threads);
        let (out, error) = read_all(&mut reader, chunk);
        let error = error
            .unwrap_or_else(|| panic!("{what}, {threads} threads: no error, {} bytes", out.len()));
        assert_eq!(
            (error.kind(), error.location().byte_offset()),
            (kind, Some(offset)),
            "{what}, {threads} threads: {error}"
        );
        assert_eq!(error.format(), Some(biometal::Format::Bgzf));
        assert!(
            out == good_prefix,
            "{what}, {threads} threads: {} bytes before the error, expected {}",
            out.len(),
            good_prefix.len()
        );
        // The error sticks.
        let again = Error::from(reader.read(&mut [0; 16]).unwrap_err());
        assert_eq!(
            (again.kind(), again.location().byte_offset()),
            (kind, Some(offset))
        );
    }
}

#[test]
fn a_file_cut_anywhere_is_an_error_at_the_cut_block() {
    let dir = TempDir::new("bgzf-read-cut");
    let (compressed, text) = damage_sample(&dir);
    let starts = block_starts(&compressed);
    assert!(starts.len() >= 4, "need several blocks");
    for threads in [1, 2] {
        for (block, &start) in starts.iter().enumerate() {
            let prefix = &text[..decoded_before(&compressed, &starts, block)];
            // Cut at the boundary: the EOF marker is missing.
            expect_error(
                &compressed[..start],
                threads,
                ErrorKind::MissingEofMarker,
                start as u64,
                prefix,
                "cut at boundary",
            );
            let end = starts.get(block + 1).copied().unwrap_or(compressed.len());
            let mut cut = start + 1;
            while cut < end {
                expect_error(
                    &compressed[..cut],
                    threads,
                    ErrorKind::UnexpectedEof,
                    start as u64,
                    prefix,
                    &format!("cut at {cut}"),
                );
                cut += if cut < start + 20 || cut > end - 10 {
                    1
                } else {
                    997
                };
            }
        }
        // Without a required marker, a cut at a boundary ends cleanly but is visible.
        let last = *starts.last().unwrap();
        let mut reader = ReaderBuilder::new()
            .threads(threads)
            .require_eof_marker(false)
            .build(&compressed[..last]);
        let mut out = Vec::new();
        reader.read_to_end(&mut out).unwrap();
        assert!(out == text && reader.eof_marker_missing());
    }
}

#[test]
fn corrupt_blocks_are_errors_at_their_offset() {
    let dir = TempDir::new("bgzf-read-corrupt");
    let (compressed, text) = damage_sample(&dir);
    let starts = block_starts(&compressed);
    let (block, start, end) = (2, starts[2], starts[3]);
    let prefix = &text[..decoded_before(&compressed, &starts, block)];
    for threads in [1, 2, 3] {
        let mut crc = compressed.clone();
        crc[end - 8] ^= 1;
        expect_error(
            &crc,
            threads,
            ErrorKind::ChecksumMismatch,
            start as u64,
            prefix,
            "wrong CRC",
        );

        // (The last payload byte may end in padding bits that no inflater reads.)
        for flip in [start + 18, start + 100, start + 1000, end - 20] {
            let mut payload = compressed.clone();
            payload[flip] ^= 0x10;
            let (out, error) = read_all(&mut reader(&payload, threads), 65_536);
            let error = error.expect("flipped payload byte");
            assert!(
                matches!(
                    error.kind(),
                    ErrorKind::InvalidData | ErrorKind::ChecksumMismatch
                ),
                "{error}"
            );
            assert_eq!(error.location().byte_offset(), Some(start as u64));
            assert!(out == prefix);
        }

        let mut big_isize = compressed.clone();
        big_isize[end - 4..end].copy_from_slice(&65_537u32.to_le_bytes());
        expect_error(
            &big_isize,
            threads,
            ErrorKind::LimitExceeded,
            start as u64,
            prefix,
            "ISIZE > 65536",
        );

        let mut wrong_isize = compressed.clone();
        wrong_isize[end - 4] ^= 1;
        expect_error(
            &wrong_isize,
            threads,
            ErrorKind::InvalidData,
            start as u64,
            prefix,
            "wrong ISIZE",
        );

        for xlen in [0u16, 2, 4, 5] {
            let mut bad_xlen = compressed.clone();
            bad_xlen[start + 10..start + 12].copy_from_slice(&xlen.to_le_bytes());
            expect_error(
                &bad_xlen,
                threads,
                ErrorKind::InvalidData,
                start as u64,
                prefix,
                &format!("XLEN {xlen}"),
            );
        }

        let mut bad_magic = compressed.clone();
        bad_magic[start] = 0;
        expect_error(
            &bad_magic,
            threads,
            ErrorKind::InvalidData,
            start as u64,
            prefix,
            "bad magic",
        );

        // BSIZE reaching past the end of the (truncated) file.
        let last = starts[starts.len() - 2];
        let mut bsize = compressed[..starts[starts.len() - 1]].to_vec();
        bsize[last + 16..last + 18].copy_from_slice(&u16::MAX.to_le_bytes());
        let prefix = &text[..decoded_before(&compressed, &starts, starts.len() - 2)];
        expect_error(
            &bsize,
            threads,
            ErrorKind::UnexpectedEof,
            last as u64,
            prefix,
            "BSIZE past the end",
        );
    }
}

#[test]
fn empty_and_marker_only_streams() {
    for threads in [1, 2] {
        let (out, error) = read_all(&mut reader(&EOF_MARKER, threads), 100);
        assert!(out.is_empty() && error.is_none());
        let (_, error) = read_all(&mut reader(&[], threads), 100);
        assert_eq!(error.map(|e| e.kind()), Some(ErrorKind::MissingEofMarker));
        let (_, error) = read_all(&mut reader(b"plain text, not BGZF", threads), 100);
        assert_eq!(
            error.map(|e| (e.kind(), e.location().byte_offset())),
            Some((ErrorKind::InvalidData, Some(0)))
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// Random damage: one and several threads agree on every byte and on
    /// the error (kind and offset), and never panic.
    #[test]
    fn threads_agree_on_damaged_input(flips in proptest::collection::vec((any::<prop::sample::Index>(), 1u8..=255), 1..4), cut in any::<prop::sample::Index>()) {
        let compressed = damaged_sample_bytes();
        let mut bytes = compressed.to_vec();
        for (at, mask) in flips {
            let at = at.index(bytes.len());
            bytes[at] ^= mask;
        }
        bytes.truncate(cut.index(bytes.len() + 1).max(bytes.len() * 3 / 4));
        let (single, single_error) = read_all(&mut reader(&bytes, 1), 4096);
        let (multi, multi_error) = read_all(&mut reader(&bytes, 3), 4096);
        prop_assert!(single == multi);
        let describe = |e: &Option<Error>| e.as_ref().map(|e| (e.kind(), e.location().byte_offset()));
        prop_assert_eq!(describe(&single_error), describe(&multi_error));
    }
}

fn damaged_sample_bytes() -> &'static [u8] {
    use std::sync::OnceLock;
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| {
        let dir = TempDir::new("bgzf-read-prop");
        damage_sample(&dir).0
    })
}

/// A reader whose workers read `bytes` themselves from a file in `dir`.
fn file_reader(dir: &TempDir, bytes: &[u8], threads: usize) -> Reader<fs::File> {
    let path = dir.join("parallel-source.gz");
    fs::write(&path, bytes).unwrap();
    let shared = std::sync::Arc::new(fs::File::open(&path).unwrap());
    ReaderBuilder::new()
        .threads(threads)
        .parallel_source(shared)
        .build(fs::File::open(&path).unwrap())
}

/// What reading `reader` to the end gives: the bytes, and the error's
/// kind and offset.
fn outcome<R: Read>(reader: &mut Reader<R>) -> (Vec<u8>, Option<(ErrorKind, Option<u64>)>) {
    let (out, error) = read_all(reader, 5000);
    let error = error.map(|e| (e.kind(), e.location().byte_offset()));
    (out, error)
}

#[test]
fn workers_reading_the_file_themselves_agree_with_bgzip_and_inline_decoding() {
    let dir = TempDir::new("bgzf-read-parallel-source");
    for (name, compressed, expected) in oracle_files(&dir) {
        for threads in [2, 3] {
            let mut reader = file_reader(&dir, &compressed, threads);
            let (out, error) = outcome(&mut reader);
            assert!(error.is_none(), "{name}, {threads} threads: {error:?}");
            assert!(
                out == expected,
                "{name}, {threads} threads: differs from bgzip -dc"
            );
            // Seeking back restarts the workers' reading at the new block.
            let middle = expected.len() / 2;
            reader
                .seek(reader_at(&compressed, middle).virtual_position())
                .unwrap();
            let mut rest = Vec::new();
            reader.read_to_end(&mut rest).unwrap();
            assert!(rest == expected[middle..], "{name}: after a seek");
        }
    }
    // Damaged files: the same bytes, then the same error at the same block.
    let (compressed, _) = damage_sample(&dir);
    let starts = block_starts(&compressed);
    let mut damaged = Vec::new();
    for &start in &starts[1..4] {
        for cut in [start, start + 1, start + 17, start + 100] {
            damaged.push(compressed[..cut].to_vec());
        }
    }
    let mut crc = compressed.clone();
    crc[starts[3] - 8] ^= 1;
    damaged.push(crc);
    let mut magic = compressed.clone();
    magic[starts[2]] = 0;
    damaged.push(magic);
    for (n, bytes) in damaged.iter().enumerate() {
        let expected = outcome(&mut reader(bytes, 1));
        assert!(expected.1.is_some(), "damaged file {n} must fail");
        for threads in [2, 3] {
            let found = outcome(&mut file_reader(&dir, bytes, threads));
            assert!(
                found == expected,
                "damaged file {n}, {threads} threads: {:?} after {} bytes, expected {:?} after {}",
                found.1,
                found.0.len(),
                expected.1,
                expected.0.len()
            );
        }
    }
}

/// An inline reader positioned `offset` bytes into the decompressed data.
fn reader_at(compressed: &[u8], offset: usize) -> Reader<Cursor<&[u8]>> {
    let mut reader = reader(compressed, 1);
    let mut skip = vec![0; offset];
    reader.read_exact(&mut skip).unwrap();
    reader
}
