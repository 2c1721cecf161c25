//! The io layer against independent tools: gzip/zcat and bgzip write and read
//! the files, biometal must agree with them byte for byte.
mod common;

use std::io::{BufRead, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::process::Command;

use biometal::io::{
    open, open_with, open_writer, open_writer_with, Compression, IoOptions, MapMode, WriterOptions,
};
use biometal::{ErrorKind, Format};
use common::{oracle, TempDir};

/// Deterministic FASTQ-like text of about `bytes` bytes.
fn sample_text(bytes: usize) -> Vec<u8> {
    let mut text = Vec::with_capacity(bytes + 200);
    let mut state = 0x2545_f491_u32;
    let mut record = 0;
    while text.len() < bytes {
        record += 1;
        text.extend_from_slice(format!("@read{record}\n").as_bytes());
        for _ in 0..100 {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            text.push(b"ACGT"[(state >> 30) as usize]);
        }
        text.extend_from_slice(b"\n+\n");
        text.extend_from_slice(&[b'I'; 100]);
        text.push(b'\n');
    }
    text
}

fn read_all(path: &Path, options: &IoOptions) -> (Compression, bool, Vec<u8>) {
    let mut source =
        open_with(path, options).unwrap_or_else(|e| panic!("open {}: {e}", path.display()));
    let (compression, mapped) = (source.compression(), source.is_mapped());
    let mut bytes = Vec::new();
    source.read_to_end(&mut bytes).expect("read");
    (compression, mapped, bytes)
}

fn shell(command: &str) {
    let status = Command::new("sh")
        .arg("-c")
        .arg(command)
        .status()
        .expect("sh");
    assert!(status.success(), "`{command}` failed");
}

#[test]
fn plain_files_are_mapped_only_at_or_above_the_threshold() {
    let dir = TempDir::new("io-plain");
    let path = dir.join("reads.fq");
    let text = sample_text(300_000);
    std::fs::write(&path, &text).unwrap();

    let below = IoOptions::default().with_mmap_threshold(text.len() as u64 + 1);
    let at = IoOptions::default().with_mmap_threshold(text.len() as u64);
    for (options, expect_mapped) in [
        (below.clone(), false),
        (at.clone(), true),
        (at.with_map_mode(MapMode::Buffered), false),
        (below.with_map_mode(MapMode::Mmap), true),
    ] {
        let (compression, mapped, bytes) = read_all(&path, &options);
        assert_eq!(compression, Compression::None);
        assert_eq!(mapped, expect_mapped, "{options:?}");
        assert!(bytes == text, "content differs with {options:?}");
    }
}

#[test]
fn default_threshold_is_the_documented_constant() {
    assert_eq!(
        IoOptions::default().mmap_threshold(),
        biometal::io::DEFAULT_MMAP_THRESHOLD
    );
    if cfg!(target_os = "linux") {
        assert_eq!(biometal::io::DEFAULT_MMAP_THRESHOLD, 16 << 20);
    }
}

#[test]
fn empty_files_read_as_empty() {
    let dir = TempDir::new("io-empty");
    let path = dir.join("empty");
    std::fs::write(&path, b"").unwrap();
    for mode in [MapMode::Auto, MapMode::Mmap, MapMode::Buffered] {
        let (compression, _, bytes) = read_all(&path, &IoOptions::default().with_map_mode(mode));
        assert_eq!(compression, Compression::None);
        assert!(bytes.is_empty());
    }
}

#[test]
fn multi_member_gzip_equals_zcat() {
    let dir = TempDir::new("io-gzip");
    let (a, b) = (sample_text(100_000), sample_text(50_000));
    std::fs::write(dir.join("a"), &a).unwrap();
    std::fs::write(dir.join("b"), &b).unwrap();
    let joined = dir.join("joined.fq.gz");
    shell(&format!(
        "gzip -c {} > {j} && gzip -1 -c {} >> {j}",
        dir.join("a").display(),
        dir.join("b").display(),
        j = joined.display()
    ));
    let expected = oracle("zcat", &[joined.to_str().unwrap()]).stdout;
    assert_eq!(expected.len(), a.len() + b.len());
    for options in [
        IoOptions::default(),
        IoOptions::default().with_buffer_capacity(64),
    ] {
        let (compression, mapped, bytes) = read_all(&joined, &options);
        assert_eq!(compression, Compression::Gzip);
        assert!(!mapped, "compressed input must never be mapped");
        assert!(bytes == expected);
    }
}

#[test]
fn bgzip_output_is_detected_and_equals_bgzip_dc() {
    let dir = TempDir::new("io-bgzf");
    let path = dir.join("reads.fq");
    std::fs::write(&path, sample_text(400_000)).unwrap();
    oracle("bgzip", &["-f", path.to_str().unwrap()]);
    let compressed = dir.join("reads.fq.gz");
    let expected = oracle("bgzip", &["-dc", compressed.to_str().unwrap()]).stdout;
    for threads in [1, 2, 4] {
        let options = IoOptions::default()
            .with_bgzf_threads(threads)
            .with_map_mode(MapMode::Mmap);
        let (compression, mapped, bytes) = read_all(&compressed, &options);
        assert_eq!(compression, Compression::Bgzf);
        assert!(!mapped);
        assert!(
            bytes == expected,
            "BGZF content differs with {threads} threads"
        );
    }
}

#[test]
fn truncated_gzip_is_an_error_not_a_short_read() {
    let dir = TempDir::new("io-gzip-cut");
    let path = dir.join("reads.fq");
    std::fs::write(&path, sample_text(200_000)).unwrap();
    shell(&format!("gzip {}", path.display()));
    let compressed = std::fs::read(dir.join("reads.fq.gz")).unwrap();
    for cut in [
        20,
        compressed.len() / 3,
        compressed.len() / 2,
        compressed.len() - 9,
        compressed.len() - 1,
    ] {
        let cut_path = dir.join("cut.gz");
        std::fs::write(&cut_path, &compressed[..cut]).unwrap();
        let mut source = open(&cut_path).unwrap();
        let mut sink = Vec::new();
        let error = biometal::Error::from(
            source
                .read_to_end(&mut sink)
                .expect_err("a cut gzip stream must fail"),
        );
        assert_eq!(error.format(), Some(Format::Gzip), "cut at {cut}: {error}");
        assert_eq!(
            error.kind(),
            ErrorKind::UnexpectedEof,
            "cut at {cut}: {error}"
        );
        assert!(
            error.location().byte_offset().is_some(),
            "cut at {cut}: {error}"
        );
    }
}

#[test]
fn corrupt_gzip_crc_is_an_error() {
    let dir = TempDir::new("io-gzip-crc");
    let path = dir.join("reads.fq");
    std::fs::write(&path, sample_text(10_000)).unwrap();
    shell(&format!("gzip {}", path.display()));
    let mut compressed = std::fs::read(dir.join("reads.fq.gz")).unwrap();
    let crc_at = compressed.len() - 8;
    compressed[crc_at] ^= 0xff;
    std::fs::write(dir.join("bad.gz"), &compressed).unwrap();
    let mut sink = Vec::new();
    let error = open(dir.join("bad.gz"))
        .unwrap()
        .read_to_end(&mut sink)
        .expect_err("bad CRC must fail");
    let error = biometal::Error::from(error);
    assert_eq!(error.format(), Some(Format::Gzip), "{error}");
    assert_eq!(error.kind(), ErrorKind::InvalidData, "{error}");
}

#[test]
fn plain_sources_seek_compressed_ones_refuse() {
    let dir = TempDir::new("io-seek");
    let path = dir.join("text");
    let text = sample_text(50_000);
    std::fs::write(&path, &text).unwrap();
    for mode in [MapMode::Buffered, MapMode::Mmap] {
        let mut source = open_with(&path, &IoOptions::default().with_map_mode(mode)).unwrap();
        source.seek(SeekFrom::Start(12_345)).unwrap();
        let mut window = [0; 100];
        source.read_exact(&mut window).unwrap();
        assert_eq!(window[..], text[12_345..12_445]);
    }
    shell(&format!("gzip -k {}", path.display()));
    let mut gz = open(dir.join("text.gz")).unwrap();
    assert_eq!(
        gz.seek(SeekFrom::Start(10)).unwrap_err().kind(),
        std::io::ErrorKind::Unsupported
    );
}

#[test]
fn lines_through_bufread_match_across_modes() {
    let dir = TempDir::new("io-lines");
    let path = dir.join("text");
    std::fs::write(&path, sample_text(80_000)).unwrap();
    let count = |options: IoOptions| open_with(&path, &options).unwrap().lines().count();
    let buffered = count(
        IoOptions::default()
            .with_map_mode(MapMode::Buffered)
            .with_buffer_capacity(100),
    );
    assert_eq!(
        buffered,
        count(IoOptions::default().with_map_mode(MapMode::Mmap))
    );
    let wc = String::from_utf8(oracle("wc", &["-l", path.to_str().unwrap()]).stdout).unwrap();
    assert_eq!(
        wc.split_whitespace()
            .next()
            .unwrap()
            .parse::<usize>()
            .unwrap(),
        buffered
    );
}

#[test]
fn writers_produce_what_gzip_and_bgzip_read() {
    let dir = TempDir::new("io-writer");
    let text = sample_text(300_000);
    for (name, compression, reader) in [
        ("plain.txt", Compression::None, None),
        ("text.gz", Compression::Gzip, Some("zcat")),
        ("text.bgz", Compression::Bgzf, Some("bgzip")),
    ] {
        let path = dir.join(name);
        let mut sink = open_writer(&path, compression).unwrap();
        for chunk in text.chunks(7_777) {
            sink.write_all(chunk).unwrap();
        }
        sink.finish().unwrap();
        let decoded = match reader {
            None => std::fs::read(&path).unwrap(),
            Some("zcat") => oracle("zcat", &[path.to_str().unwrap()]).stdout,
            Some(_) => oracle("bgzip", &["-dc", path.to_str().unwrap()]).stdout,
        };
        assert!(decoded == text, "{name} does not decode to the input");
        assert_eq!(open(&path).unwrap().compression(), compression);
    }
    let threaded = dir.join("threaded.bgz");
    let mut sink = open_writer_with(
        &threaded,
        &WriterOptions::new(Compression::Bgzf)
            .with_threads(3)
            .with_level(1),
    )
    .unwrap();
    sink.write_all(&text).unwrap();
    sink.finish().unwrap();
    assert!(oracle("bgzip", &["-dc", threaded.to_str().unwrap()]).stdout == text);
}

#[test]
fn gzip_level_out_of_range_is_invalid_input() {
    let dir = TempDir::new("io-level");
    let error = open_writer_with(
        dir.join("x.gz"),
        &WriterOptions::new(Compression::Gzip).with_level(12),
    )
    .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidInput);
}

#[test]
fn mapped_reads_stay_correct_after_consumed_pages_are_released() {
    let dir = TempDir::new("io-release");
    let path = dir.join("big");
    let text = sample_text(24 << 20);
    std::fs::write(&path, &text).unwrap();
    let mut source = open_with(&path, &IoOptions::default().with_map_mode(MapMode::Mmap)).unwrap();
    assert!(source.is_mapped());
    let mut first = Vec::new();
    source.read_to_end(&mut first).unwrap();
    assert!(first == text);
    // Back over the released pages: they fault back in from the file.
    source.seek(SeekFrom::Start(1_000)).unwrap();
    let mut again = Vec::new();
    source.read_to_end(&mut again).unwrap();
    assert!(again[..] == text[1_000..]);
    // And through BufRead, in small steps.
    source.seek(SeekFrom::Start(0)).unwrap();
    let mut total = 0;
    loop {
        let chunk = source.fill_buf().unwrap();
        if chunk.is_empty() {
            break;
        }
        let n = chunk.len().min(4_099);
        assert!(chunk[..n] == text[total..total + n]);
        source.consume(n);
        total += n;
    }
    assert_eq!(total, text.len());
}
