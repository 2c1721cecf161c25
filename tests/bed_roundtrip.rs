//! BED reading and writing on generated files of every shape (BED3, BED6,
//! BED12, narrowPeak, bedGraph with track/browser/comment lines):
//!
//! * byte-identical copies through `next_line` + `Writer`, plain and BGZF
//!   (the BGZF output decompressed by `bgzip -dc`, an independent reader);
//! * every decoded field against a second, independent parser of the
//!   specification written in Python (run by the test): the two agree;
//! * 0-based half-open coordinates against `tabix` region queries on our
//!   BGZF output (`tabix -p bed`, then overlap computed from our getters);
//! * refills at every buffer edge (capacities 1..64).
mod common;

use common::rng::XorShift64 as Rng;

use std::io::Write;
use std::process::{Command, Stdio};

use biometal::formats::bed::{
    ItemRgb, Layout, Line, Reader, ReaderBuilder, RecordRef, Strand, Writer,
};
use biometal::io::{open_writer, Compression};
use common::{oracle, TempDir};

/// A sorted BED file of `records` lines with `layout`'s columns, headed by
/// track/browser/comment lines (and a comment in the middle).
fn generate(layout: Layout, records: usize, seed: u64) -> Vec<u8> {
    let mut rng = Rng(seed);
    let mut out = Vec::new();
    out.extend_from_slice(b"browser position chr1:1-10000\n");
    let kind = match layout {
        Layout::NARROW_PEAK => " type=narrowPeak",
        Layout::BED_GRAPH => " type=bedGraph",
        _ => "",
    };
    out.extend_from_slice(
        format!("track name=\"generated {layout}\"{kind}\n# a comment\n").as_bytes(),
    );
    let standard = layout.standard_columns();
    let mut position = 0;
    for i in 0..records {
        let chrom = ["chr1", "chr2", "chrUn_gl000220"][i * 3 / records];
        if i > 0 && i * 3 % records < 3 {
            position = 0;
        }
        if i == records / 2 {
            out.extend_from_slice(b"#middle comment\n\n");
        }
        position += rng.below(500);
        let length = if i % 17 == 0 { 0 } else { 1 + rng.below(3000) };
        let (start, end) = (position, position + length);
        let mut fields = vec![chrom.to_string(), start.to_string(), end.to_string()];
        if standard >= 4 {
            fields.push(format!("feature_{i}"));
        }
        if standard >= 5 {
            fields.push(if i % 7 == 0 {
                ".".into()
            } else {
                rng.below(1001).to_string()
            });
        }
        if standard >= 6 {
            fields.push(["+", "-", "."][i % 3].into());
        }
        if standard == 12 && length > 0 {
            let thick_start = start + rng.below(length / 4 + 1);
            let thick_end = end - rng.below(length / 4 + 1);
            fields.push(thick_start.to_string());
            fields.push(thick_end.max(thick_start).to_string());
            fields.push(if i % 2 == 0 {
                "0".into()
            } else {
                format!("{},{},0", i % 256, rng.below(256))
            });
            // Up to 4 blocks: cut the feature into pieces, keep every other gap.
            let count = 1 + rng.below(length.min(4));
            let size = length / count;
            let (mut sizes, mut starts) = (String::new(), String::new());
            for b in 0..count {
                let block_start = b * size;
                let block_end = if b + 1 == count {
                    length
                } else {
                    block_start + (size / 2).max(1)
                };
                sizes.push_str(&format!("{},", block_end - block_start));
                starts.push_str(&format!("{block_start},"));
            }
            fields.extend([count.to_string(), sizes, starts]);
        } else if standard == 12 {
            // BED12 cannot describe a zero-length feature: blocks must cover it.
            fields[2] = (start + 1).to_string();
            fields.extend([
                start.to_string(),
                start.to_string(),
                "0".into(),
                "1".into(),
                "1".into(),
                "0".into(),
            ]);
        }
        match layout {
            Layout::NARROW_PEAK => fields.extend([
                format!("{:.5}", rng.below(100_000) as f64 / 1000.0),
                "-1".into(),
                format!("{}.{}", rng.below(50), rng.below(1000)),
                rng.below(length.max(1)).to_string(),
            ]),
            Layout::BED_GRAPH => fields.push(format!("{}", rng.below(10_000) as f64 / 8.0)),
            _ => {}
        }
        out.extend_from_slice(fields.join("\t").as_bytes());
        out.push(b'\n');
    }
    out
}

fn layouts() -> Vec<Layout> {
    vec![
        Layout::BED3,
        Layout::bed(6).unwrap(),
        Layout::bed(12).unwrap(),
        Layout::NARROW_PEAK,
        Layout::BED_GRAPH,
    ]
}

fn copy(input: &[u8], capacity: usize) -> Vec<u8> {
    let mut reader = ReaderBuilder::new()
        .buffer_capacity(capacity)
        .build_from_reader(input);
    let mut writer = Writer::new(Vec::new());
    while let Some(line) = reader.next_line() {
        writer.write_line(&line.unwrap()).unwrap();
    }
    writer.into_inner()
}

#[test]
fn copies_are_byte_identical_at_every_buffer_capacity() {
    for (n, layout) in layouts().into_iter().enumerate() {
        let input = generate(layout, 200, 11 + n as u64);
        assert_eq!(copy(&input, 1 << 16), input, "{layout}");
        let cut = input[..3000].iter().rposition(|&b| b == b'\n').unwrap() + 1;
        let small = &input[..cut];
        for capacity in 1..64 {
            assert_eq!(
                copy(small, capacity),
                small,
                "{layout}, capacity {capacity}"
            );
        }
        let mut reader = Reader::new(&input[..]);
        while reader.next_record().transpose().unwrap().is_some() {}
        assert_eq!(reader.layout(), Some(layout));
    }
    // CRLF line endings and a last line without newline are kept (the last
    // line gets its newline).
    let crlf = b"track name=x\r\nchr1\t1\t2\r\nchr1\t5\t9";
    assert_eq!(copy(crlf, 7), b"track name=x\r\nchr1\t1\t2\r\nchr1\t5\t9\n");
    // Whitespace-separated input, read leniently, is copied as it was.
    let spaced = b"chr1  1 2   name\n  \t\nchr1 5\t9 other\n";
    let mut reader = ReaderBuilder::new()
        .separator(biometal::formats::bed::Separator::Whitespace)
        .build_from_reader(&spaced[..]);
    let mut writer = Writer::new(Vec::new());
    let mut names = Vec::new();
    while let Some(line) = reader.next_line() {
        let line = line.unwrap();
        if let Line::Record(record) = &line {
            names.push(record.name().unwrap().to_vec());
        }
        writer.write_line(&line).unwrap();
    }
    assert_eq!(writer.into_inner(), spaced);
    assert_eq!(names, [b"name".to_vec(), b"other".to_vec()]);
}

/// Our decoding of a record in the canonical form the Python parser prints.
fn canonical(record: &RecordRef<'_>) -> String {
    let text =
        |b: Option<&[u8]>| b.map_or("-".to_string(), |b| String::from_utf8_lossy(b).into_owned());
    let number = |n: Option<u64>| n.map_or("-".to_string(), |n| n.to_string());
    let score = match (record.layout().standard_columns() >= 5, record.score()) {
        (false, _) => "-".to_string(),
        (true, None) => ".".to_string(),
        (true, Some(score)) => score.to_string(),
    };
    let strand = match record.strand() {
        None => "-",
        Some(Strand::Forward) => "plus",
        Some(Strand::Reverse) => "minus",
        Some(Strand::Unknown) => "none",
    };
    let rgb = match record.item_rgb() {
        None => "-".to_string(),
        Some(ItemRgb::Off) => "off".to_string(),
        Some(ItemRgb::Color([r, g, b])) => format!("{r}/{g}/{b}"),
    };
    let blocks = record.blocks().map_or("-".to_string(), |blocks| {
        blocks
            .map(|b| format!("{}-{}", b.start(), b.end()))
            .collect::<Vec<_>>()
            .join(",")
    });
    let extra: Vec<String> = record
        .extra_fields()
        .map(|f| String::from_utf8_lossy(f).into_owned())
        .collect();
    format!(
        "{}\t{}\t{}\t{}\t{score}\t{strand}\t{}\t{}\t{rgb}\t{blocks}\t{}",
        text(Some(record.chrom())),
        record.interval().start(),
        record.interval().end(),
        text(record.name()),
        number(record.thick_start()),
        number(record.thick_end()),
        extra.join("|")
    )
}

/// An independent BED parser: the specification's columns decoded in
/// Python, printed in the same canonical form.
const PYTHON_BED: &str = r####"
import sys
STANDARD = int(sys.argv[1])
for line in sys.stdin.read().splitlines():
    if not line or line.startswith(("#", "track", "browser")):
        continue
    f = line.split("\t")
    s = STANDARD
    get = lambda i: f[i] if i < s else "-"
    score = "-" if s < 5 else f[4]
    strand = "-" if s < 6 else {"+": "plus", "-": "minus", ".": "none"}[f[5]]
    rgb = "-" if s < 9 else ("off" if f[8] == "0" else "/".join(f[8].split(",")))
    blocks = "-"
    if s == 12:
        start = int(f[1])
        sizes = [int(x) for x in f[10].rstrip(",").split(",")]
        starts = [int(x) for x in f[11].rstrip(",").split(",")]
        assert len(sizes) == len(starts) == int(f[9])
        blocks = ",".join("%d-%d" % (start + b, start + b + z) for b, z in zip(starts, sizes))
    print("\t".join([f[0], str(int(f[1])), str(int(f[2])), get(3), score, strand, get(6), get(7), rgb, blocks, "|".join(f[s:])]))
"####;

#[test]
fn every_field_agrees_with_an_independent_python_parser() {
    for (n, layout) in layouts().into_iter().enumerate() {
        let input = generate(layout, 300, 101 + n as u64);
        let mut python = Command::new("python3")
            .args(["-c", PYTHON_BED, &layout.standard_columns().to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 is required");
        python.stdin.take().unwrap().write_all(&input).unwrap();
        let output = python.wait_with_output().unwrap();
        assert!(output.status.success(), "python failed on {layout}");
        let expected = String::from_utf8(output.stdout).unwrap();
        let mut reader = Reader::new(&input[..]);
        let mut ours = String::new();
        while let Some(record) = reader.next_record() {
            ours.push_str(&canonical(&record.unwrap()));
            ours.push('\n');
        }
        assert_eq!(expected.lines().count(), 300);
        assert_eq!(ours, expected, "{layout}");
    }
}

#[test]
fn bgzf_output_is_read_by_bgzip_and_queried_by_tabix() {
    let dir = TempDir::new("bed-tabix");
    // tabix (1.16) takes `#` comments only at the head of a file, and
    // fails on `track` and `browser` lines when querying.
    let input: Vec<u8> = generate(Layout::bed(12).unwrap(), 600, 7)
        .split_inclusive(|&b| b == b'\n')
        .filter(|line| !line.starts_with(b"track") && !line.starts_with(b"browser"))
        .filter(|line| *line != b"#middle comment\n" && *line != b"\n")
        .flatten()
        .copied()
        .collect();
    let path = dir.join("features.bed.gz");
    {
        let mut reader = Reader::new(&input[..]);
        let mut writer = Writer::new(open_writer(&path, Compression::Bgzf).unwrap());
        while let Some(line) = reader.next_line() {
            writer.write_line(&line.unwrap()).unwrap();
        }
        writer.into_inner().finish().unwrap();
    }
    let path_text = path.to_str().unwrap();
    assert_eq!(oracle("bgzip", &["-dc", path_text]).stdout, input);
    // Reading back from the path (BGZF detected) gives the same lines.
    let mut reader = Reader::from_path(&path).unwrap();
    let mut records = Vec::new();
    while let Some(line) = reader.next_line() {
        if let Line::Record(record) = line.unwrap() {
            records.push((
                String::from_utf8(record.chrom().to_vec()).unwrap(),
                record.interval(),
                String::from_utf8(record.text().to_vec()).unwrap(),
            ));
        }
    }
    oracle("tabix", &["-p", "bed", path_text]);
    let mut rng = Rng(99);
    for _ in 0..40 {
        let chrom = ["chr1", "chr2", "chrUn_gl000220"][rng.below(3) as usize];
        let begin = 1 + rng.below(40_000);
        let end = begin + rng.below(5_000);
        let region = format!("{chrom}:{begin}-{end}");
        let query = biometal::region::Interval::from_one_based_inclusive(begin, end).unwrap();
        let expected = String::from_utf8(oracle("tabix", &[path_text, &region]).stdout).unwrap();
        // tabix reports zero-length features at their start as overlapping
        // a region containing that start; a half-open overlap test cannot
        // see them, so compare with tabix's rule: start < end' and
        // max(end, start + 1) > start'.
        let ours: Vec<&str> = records
            .iter()
            .filter(|(name, interval, _)| {
                name == chrom
                    && interval.start() < query.end()
                    && interval.end().max(interval.start() + 1) > query.start()
            })
            .map(|(_, _, text)| text.as_str())
            .collect();
        assert_eq!(expected.lines().collect::<Vec<_>>(), ours, "{region}");
    }
}

/// The columns of every record, as the reader cut them, against a plain
/// split of the line: CRLF and LF endings, empty trailing columns of extra
/// fields, lines straddling 64-byte blocks and every buffer edge.
#[test]
fn columns_match_a_plain_split_at_every_buffer_capacity() {
    let mut rng = Rng(0x5eed_0bed);
    let mut input = Vec::new();
    for i in 0..150u64 {
        let name = "n".repeat((rng.next() % 90) as usize + 1);
        let extra = "x".repeat((rng.next() % 70) as usize);
        let start = rng.next() % 1_000_000_000_000;
        let end = start + rng.next() % 100_000;
        input
            .extend_from_slice(format!("chr{i}\t{start}\t{end}\t{name}\t0\t+\t{extra}").as_bytes());
        input.extend_from_slice(if i % 3 == 0 { b"\r\n" } else { b"\n" });
    }
    for capacity in [1, 7, 31, 63, 64, 65, 100, 1 << 16] {
        let mut reader = ReaderBuilder::new()
            .layout(Layout::with_extra(6, 1).unwrap())
            .buffer_capacity(capacity)
            .build_from_reader(&input[..]);
        let mut lines = input.split(|&b| b == b'\n').filter(|line| !line.is_empty());
        while let Some(record) = reader.next_record() {
            let record = record.unwrap();
            let line = lines.next().unwrap();
            let text = line.strip_suffix(b"\r").unwrap_or(line);
            assert_eq!(record.text(), text);
            let columns: Vec<&[u8]> = text.split(|&b| b == b'\t').collect();
            let read: Vec<&[u8]> = (0..record.column_count())
                .map(|i| record.field(i).unwrap())
                .collect();
            assert_eq!(read, columns, "capacity {capacity}");
            let number = |i: usize| {
                std::str::from_utf8(columns[i])
                    .unwrap()
                    .parse::<u64>()
                    .unwrap()
            };
            assert_eq!(
                (record.chrom_start(), record.chrom_end()),
                (number(1), number(2))
            );
        }
        assert!(lines.next().is_none());
    }
}
