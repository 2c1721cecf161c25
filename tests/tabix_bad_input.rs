//! Bad input for tabix indexing and queries: unsorted or unparsable text
//! (an error naming the line), uncompressed input, truncated and corrupt
//! indexes and data (errors, never a panic).
mod common;

use std::fmt::Write as _;
use std::io::{Read, Write};

use biometal::bgzf::{self, VirtualPosition};
use biometal::index::tabix::{self, TabixConfig, TabixFormat};
use biometal::ErrorKind;
use common::{oracle, TempDir};

fn bgzipped(text: &str) -> Vec<u8> {
    let mut writer = bgzf::Writer::new(Vec::new());
    writer.write_all(text.as_bytes()).unwrap();
    writer.finish().unwrap()
}

fn build(text: &str, config: TabixConfig) -> biometal::Result<tabix::TabixIndex> {
    let mut reader = bgzf::Reader::new(std::io::Cursor::new(bgzipped(text)));
    tabix::build(&mut reader, config, TabixFormat::Tbi)
}

#[test]
fn unsorted_input_names_the_line() {
    let text = "#h\nchr1\t10\t20\nchr1\t30\t40\nchr1\t25\t26\n";
    let error = build(text, TabixConfig::bed()).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidInput);
    assert_eq!(error.location().line(), Some(4), "{error}");
    assert!(
        error.message().contains("chr1:26 comes after chr1:31"),
        "{error}"
    );

    let text = "chr1\t10\t20\nchr2\t5\t6\nchr1\t30\t40\n";
    let error = build(text, TabixConfig::bed()).unwrap_err();
    assert_eq!(error.location().line(), Some(3), "{error}");
    assert!(
        error.message().contains("chr1 starts again after chr2"),
        "{error}"
    );
}

#[test]
fn unparsable_lines_name_the_line() {
    let cases = [
        ("chr1\t10\t20\nchr1\tten\t20\n", TabixConfig::bed(), 2),
        (
            "chr1\t10\t20\nchr1\t30\t40\nchr1\t30\t20\n",
            TabixConfig::bed(),
            3,
        ),
        ("chr1\t10\t20\nchr1\n", TabixConfig::bed(), 2),
        (
            "##gff-version 3\nchr1\ts\tgene\t1\t\t.\t+\t.\t.\n",
            TabixConfig::gff(),
            2,
        ),
        ("#CHROM\nchr1\t.\t.\tA\n", TabixConfig::vcf(), 2),
    ];
    for (text, config, line) in cases {
        let error = build(text, config).unwrap_err();
        assert_eq!(error.location().line(), Some(line), "{text:?}: {error}");
    }
    // tabix skips what it cannot parse; UCSC track lines are header lines.
    let index = build(
        "track name=x\nbrowser position chr1\nchr1\t1\t2\n",
        TabixConfig::bed(),
    )
    .unwrap();
    assert_eq!(index.names(), ["chr1"]);
}

#[test]
fn uncompressed_input_is_refused() {
    let dir = TempDir::new("tabix-plain");
    let path = dir.join("plain.bed");
    std::fs::write(&path, "chr1\t1\t2\n").unwrap();
    let error = tabix::build_from_path(&path, TabixConfig::bed(), TabixFormat::Tbi).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Unsupported, "{error}");
}

fn sample_text() -> String {
    let mut text = String::new();
    for contig in ["chr1", "chr2"] {
        for i in 0..5_000u64 {
            writeln!(
                text,
                "{contig}\t{}\t{}\tfeature{i}",
                i * 37,
                i * 37 + (i % 500)
            )
            .unwrap();
        }
    }
    text
}

/// A tabix-built index (decompressed bytes) of `text` for `args`.
fn tabix_index(dir: &TempDir, text: &str, args: &[&str], extension: &str) -> Vec<u8> {
    let data = dir.join("data.bed.gz");
    std::fs::write(&data, bgzipped(text)).unwrap();
    let mut full = args.to_vec();
    full.push(data.to_str().unwrap());
    oracle("tabix", &full);
    let mut bytes = Vec::new();
    let file = std::fs::File::open(dir.join(&format!("data.bed.gz.{extension}"))).unwrap();
    bgzf::Reader::new(file).read_to_end(&mut bytes).unwrap();
    bytes
}

#[test]
fn truncated_and_corrupt_indexes_are_errors() {
    let dir = TempDir::new("tabix-corrupt");
    let text = sample_text();
    let data = bgzipped(&text);
    for (args, extension) in [
        (&["-p", "bed"][..], "tbi"),
        (&["-C", "-p", "bed"][..], "csi"),
    ] {
        let bytes = tabix_index(&dir, &text, args, extension);
        tabix::read(&bytes).unwrap();
        // Every cut except the optional trailing n_no_coor fails.
        for cut in 0..bytes.len() - 8 {
            assert!(
                tabix::read(&bytes[..cut]).is_err(),
                "{extension} cut at {cut}"
            );
        }
        // Corrupt bytes: an error or an index whose queries fail cleanly.
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..200 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let mut corrupt = bytes.clone();
            let at = (state % corrupt.len() as u64) as usize;
            corrupt[at] ^= 1 << (state >> 60 & 7);
            let Ok(index) = tabix::read(&corrupt) else {
                continue;
            };
            let mut reader = bgzf::Reader::new(std::io::Cursor::new(&data));
            for region in ["chr1:1-20000", "chr2:150000-170000"] {
                let Ok(region) = index.parse_region(region) else {
                    continue;
                };
                let Ok(mut query) = tabix::query(&mut reader, &index, &region) else {
                    continue;
                };
                while let Ok(Some(_)) = query.next_line() {}
            }
        }
    }
}

#[test]
fn truncated_data_is_an_error() {
    let text = sample_text();
    let data = bgzipped(&text);
    let mut reader = bgzf::Reader::new(std::io::Cursor::new(&data));
    let index = tabix::build(&mut reader, TabixConfig::bed(), TabixFormat::Tbi).unwrap();
    let region = index.parse_region("chr2").unwrap();
    for cut in [data.len() / 2, data.len() - 40] {
        let mut reader = bgzf::Reader::new(std::io::Cursor::new(&data[..cut]));
        let mut query = tabix::query(&mut reader, &index, &region).unwrap();
        let result = loop {
            match query.next_line() {
                Ok(Some(_)) => {}
                other => break other,
            }
        };
        assert!(result.is_err(), "cut at {cut} of {}", data.len());
    }
}

#[test]
fn reading_to_a_block_end_after_a_seek_reports_the_next_block() {
    // Chunk ends in indexes are the next block's start; a reader that
    // seeked into a block must report that once the block is used up.
    let mut writer = bgzf::Writer::new(Vec::new());
    writer.write_all(b"first\n").unwrap();
    writer.flush().unwrap();
    let next_block = writer.virtual_position().unwrap();
    writer.write_all(b"second\n").unwrap();
    let data = writer.finish().unwrap();
    let mut reader = bgzf::Reader::new(std::io::Cursor::new(&data));
    reader.seek(VirtualPosition::new(0, 2).unwrap()).unwrap();
    let mut line = Vec::new();
    std::io::BufRead::read_until(&mut reader, b'\n', &mut line).unwrap();
    assert_eq!(line, b"rst\n");
    assert_eq!(reader.virtual_position(), next_block);
}
