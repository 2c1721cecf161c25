//! The BGZF writer against independent decoders: htslib's `bgzip -dc`,
//! `samtools view`, and Python's zlib for virtual positions.

mod common;

use std::io::{self, BufRead, Cursor, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use biometal::bgzf::{
    GziEntry, Reader, VirtualPosition, Writer, WriterBuilder, DEFAULT_BLOCK_DATA_SIZE, EOF_MARKER,
};
use common::{oracle, testdata, TempDir};

/// Deterministic pseudo-random bytes (xorshift64), incompressible.
fn random_bytes(len: usize, mut state: u64) -> Vec<u8> {
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

/// Text-like lines that compress well, spanning several blocks.
fn text_lines(count: usize) -> Vec<u8> {
    let mut text = Vec::new();
    for i in 0..count {
        let width = 1 + (i * 37) % 300;
        writeln!(
            text,
            "record{i}\t{}\t{}",
            i * 13,
            "ACGT".repeat(width / 4 + 1)
        )
        .unwrap();
    }
    text
}

fn inputs() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("empty", Vec::new()),
        ("tiny", b"ACGT\n".to_vec()),
        (
            "one-full-block",
            text_lines(2000)[..DEFAULT_BLOCK_DATA_SIZE].to_vec(),
        ),
        ("multi-block", text_lines(3000)),
        (
            "random",
            random_bytes(3 * DEFAULT_BLOCK_DATA_SIZE + 1234, 0x9e37_79b9_7f4a_7c15),
        ),
    ]
}

fn compress(data: &[u8], level: u32, threads: usize) -> Vec<u8> {
    let mut writer = WriterBuilder::new()
        .level(level)
        .threads(threads)
        .build(Vec::new())
        .unwrap();
    // Uneven write sizes so that writes straddle block boundaries.
    for chunk in data.chunks(7919) {
        writer.write_all(chunk).unwrap();
    }
    writer.finish().unwrap()
}

/// `bgzip -dc` of `bytes`, through a file.
fn bgzip_decompress(dir: &TempDir, name: &str, bytes: &[u8]) -> Vec<u8> {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    oracle("bgzip", &["-dc", path.to_str().unwrap()]).stdout
}

#[test]
fn bgzip_decompresses_every_level_thread_count_and_input() {
    let dir = TempDir::new("bgzf-write-levels");
    for (name, data) in inputs() {
        for level in [0, 1, 6, 9, 12] {
            let single = compress(&data, level, 1);
            assert!(
                single.ends_with(&EOF_MARKER),
                "{name} level {level}: no EOF marker"
            );
            let decoded = bgzip_decompress(&dir, "out.gz", &single);
            assert!(
                decoded == data,
                "{name} level {level}: bgzip -dc differs from the input"
            );

            let threaded = compress(&data, level, 4);
            assert!(
                single == threaded,
                "{name} level {level}: 4 threads wrote different bytes"
            );
        }
    }
}

#[test]
fn level_0_is_byte_identical_to_bgzip_l0() {
    let dir = TempDir::new("bgzf-write-level0");
    let data = text_lines(3000);
    let input = dir.join("input.txt");
    std::fs::write(&input, &data).unwrap();
    let expected = oracle("bgzip", &["-c", "-l", "0", input.to_str().unwrap()]).stdout;
    assert!(
        compress(&data, 0, 1) == expected,
        "level 0 differs from `bgzip -l 0`"
    );
}

/// VCF-like genotype lines (seeded), compressible the way cohort files are.
fn genotype_lines(sites: usize, samples: usize) -> Vec<u8> {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut text = Vec::new();
    for site in 0..sites {
        write!(text, "chr1\t{}\t.\tA\tC\t.\tPASS\t.\tGT", 100 + site * 37).unwrap();
        for _ in 0..samples {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let alleles = [b'0', b'0', b'0', b'1', b'0', b'1', b'0', b'.'];
            let (a, b) = (state as usize & 7, (state >> 3) as usize & 7);
            text.extend_from_slice(&[b'\t', alleles[a], b'|', alleles[b]]);
        }
        text.push(b'\n');
    }
    text
}

#[test]
fn every_level_compresses_to_the_size_bgzip_does() {
    // Levels mean what they mean to htslib (which hands 6 to libdeflate as
    // 7, 9 as 12, …), so `-l N` costs and saves the same on both sides; the
    // libdeflate versions may differ, hence a tolerance rather than bytes.
    let dir = TempDir::new("bgzf-write-sizes");
    let data = genotype_lines(300, 500);
    let input = dir.join("input.vcf");
    std::fs::write(&input, &data).unwrap();
    for level in 1..=9u32 {
        let level_arg = level.to_string();
        let theirs = oracle("bgzip", &["-c", "-l", &level_arg, input.to_str().unwrap()]).stdout;
        let ours = compress(&data, level, 1);
        let ratio = ours.len() as f64 / theirs.len() as f64;
        assert!(
            (0.99..=1.01).contains(&ratio),
            "level {level}: {} bytes, bgzip -l {level}: {}",
            ours.len(),
            theirs.len()
        );
    }
}

#[test]
fn samtools_reads_a_bam_rewritten_by_the_writer() {
    let dir = TempDir::new("bgzf-write-bam");
    let original = testdata("hts-specs/bam/passed/level-1.bam");
    let original = original.to_str().unwrap();
    let raw_bam = oracle("bgzip", &["-dc", original]).stdout;
    let expected = oracle("samtools", &["view", "--no-PG", "-h", original]).stdout;
    assert!(!expected.is_empty());
    for threads in [1, 4] {
        let path = dir.join(&format!("rewritten-{threads}.bam"));
        std::fs::write(&path, compress(&raw_bam, 6, threads)).unwrap();
        let ours = oracle(
            "samtools",
            &["view", "--no-PG", "-h", path.to_str().unwrap()],
        );
        assert!(
            ours.stdout == expected,
            "samtools view differs on our {threads}-thread BAM"
        );
        assert!(
            !String::from_utf8_lossy(&ours.stderr).contains("EOF marker"),
            "samtools warned: {}",
            String::from_utf8_lossy(&ours.stderr)
        );
    }
}

/// Reads, with Python's zlib, the line starting at each virtual position
/// (one per line of `positions`) of the BGZF file at `path`.
fn python_lines_at(path: &Path, positions: &[u64]) -> Vec<u8> {
    const SCRIPT: &str = r#"
import sys, zlib
data = open(sys.argv[1], 'rb').read()
starts, blocks, offset = {}, [], 0
while offset < len(data):
    inflater = zlib.decompressobj(31)
    blocks.append(inflater.decompress(data[offset:]))
    starts[offset] = len(blocks) - 1
    offset = len(data) - len(inflater.unused_data)
for line in sys.stdin:
    position = int(line)
    index = starts[position >> 16]
    text = blocks[index][position & 0xffff:]
    while b'\n' not in text:
        index += 1
        text += blocks[index]
    sys.stdout.buffer.write(text[:text.index(b'\n') + 1])
"#;
    let mut child = Command::new("python3")
        .args(["-c", SCRIPT, path.to_str().unwrap()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 is required");
    let input: String = positions.iter().map(|p| format!("{p}\n")).collect();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "python3 decoder failed");
    output.stdout
}

#[test]
fn virtual_positions_point_at_the_records_written() {
    let dir = TempDir::new("bgzf-write-vpos");
    let text = text_lines(2500);
    for threads in [1, 4] {
        let mut writer = WriterBuilder::new()
            .threads(threads)
            .build(Vec::new())
            .unwrap();
        let mut positions = Vec::new();
        for (i, line) in text.split_inclusive(|&b| b == b'\n').enumerate() {
            positions.push(u64::from(writer.virtual_position().unwrap()));
            writer.write_all(line).unwrap();
            if i == 700 {
                writer.flush().unwrap(); // a short block in the middle
            }
        }
        let bytes = writer.finish().unwrap();
        let path = dir.join("records.gz");
        std::fs::write(&path, &bytes).unwrap();
        assert!(
            python_lines_at(&path, &positions) == text,
            "{threads} threads: the lines at the recorded virtual positions differ"
        );
        // The same positions through our reader's seek.
        let mut reader = Reader::new(Cursor::new(&bytes));
        let mut line = Vec::new();
        for (position, expected) in positions
            .iter()
            .zip(text.split_inclusive(|&b| b == b'\n'))
            .step_by(97)
        {
            reader.seek(VirtualPosition::from(*position)).unwrap();
            line.clear();
            reader.read_until(b'\n', &mut line).unwrap();
            assert_eq!(line, expected, "{threads} threads: reader at {position}");
        }
    }
}

#[test]
fn gzi_entries_equal_bgzip_reindex() {
    let dir = TempDir::new("bgzf-write-gzi");
    let data = text_lines(6000);
    for threads in [1, 4] {
        let mut writer = WriterBuilder::new()
            .threads(threads)
            .gzi(true)
            .build(Vec::new())
            .unwrap();
        writer.write_all(&data).unwrap();
        let (bytes, index) = writer.finish_with_gzi().unwrap();
        let entries = index.entries();
        assert!(entries.len() > 2);
        let path = dir.join("indexed.gz");
        std::fs::write(&path, &bytes).unwrap();
        oracle("bgzip", &["-r", path.to_str().unwrap()]);
        let gzi = std::fs::read(dir.join("indexed.gz.gzi")).unwrap();
        assert_eq!(parse_gzi(&gzi), entries, "{threads} threads");
    }
}

/// The `.gzi` layout: a little-endian u64 count, then (compressed,
/// uncompressed) offset pairs.
fn parse_gzi(bytes: &[u8]) -> Vec<GziEntry> {
    let words: Vec<u64> = bytes
        .chunks_exact(8)
        .map(|w| u64::from_le_bytes(w.try_into().unwrap()))
        .collect();
    assert_eq!(words.len() as u64, 1 + 2 * words[0]);
    words[1..]
        .chunks_exact(2)
        .map(|pair| GziEntry {
            compressed_offset: pair[0],
            uncompressed_offset: pair[1],
        })
        .collect()
}

#[test]
fn dropping_an_unfinished_writer_finishes_it() {
    let dir = TempDir::new("bgzf-write-drop");
    let data = text_lines(1000);
    for threads in [1, 3] {
        let mut bytes = Vec::new();
        {
            let mut writer = WriterBuilder::new()
                .threads(threads)
                .build(&mut bytes)
                .unwrap();
            writer.write_all(&data).unwrap();
        }
        assert!(bytes.ends_with(&EOF_MARKER));
        assert!(bgzip_decompress(&dir, "dropped.gz", &bytes) == data);
    }
}

/// Accepts `limit` bytes, then fails every write.
#[derive(Debug)]
struct FailingSink {
    written: Vec<u8>,
    limit: usize,
}

impl Write for FailingSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.written.len() + buf.len() > self.limit {
            return Err(io::Error::other("disk full"));
        }
        self.written.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_failed_write_is_reported_and_never_followed_by_an_eof_marker() {
    let data = random_bytes(10 * DEFAULT_BLOCK_DATA_SIZE, 7);
    for threads in [1, 2] {
        let mut sink = FailingSink {
            written: Vec::new(),
            limit: 150_000,
        };
        {
            let mut writer = WriterBuilder::new()
                .threads(threads)
                .build(&mut sink)
                .unwrap();
            let error = writer
                .write_all(&data)
                .and_then(|()| writer.flush())
                .unwrap_err();
            assert!(
                error.to_string().contains("disk full")
                    || error.to_string().contains("earlier write")
            );
            assert!(
                writer.write_all(b"more").is_err(),
                "a failed writer accepted more data"
            );
        }
        assert!(
            !sink.written.ends_with(&EOF_MARKER),
            "{threads} threads: EOF marker after a failure"
        );
    }
}

#[test]
fn finish_reports_a_failure_of_the_eof_marker() {
    let mut sink = FailingSink {
        written: Vec::new(),
        limit: 10,
    };
    let writer = Writer::new(&mut sink);
    let error = writer.finish().unwrap_err();
    assert_eq!(error.kind(), biometal::ErrorKind::Io);
}
