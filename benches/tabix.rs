//! Tabix speed, with `tabix` measured in the same run on the same file,
//! index and regions:
//!
//! * query: load `FILE.tbi` and print the lines of many random regions (to
//!   a sink), against `tabix FILE REGION… > /dev/null`;
//! * build: index the whole file, against `tabix -f -p bed FILE`.
//!
//! The input is `BIOMETAL_BENCH_BED` (a bgzipped, sorted BED) if set, else
//! a generated one of `BIOMETAL_BENCH_LINES` lines (default 200 000, small
//! so the bench runs quickly on a shared machine); its `.tbi` is made by
//! `tabix -p bed` when missing. `BIOMETAL_BENCH_REGIONS` regions (default
//! 1 000, seeded) are queried; they are written to `FILE.regions` so the
//! same command can be timed by hand.
//!
//! ```text
//! BIOMETAL_BENCH_LINES=5000000 cargo bench --bench tabix
//! tabix FILE $(cat FILE.regions) > /dev/null
//! ```

use std::fmt::Write as _;
use std::hint::black_box;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use biometal::index::tabix::{self, TabixConfig, TabixFormat};
use criterion::Criterion;

struct Xorshift(u64);

impl Xorshift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

const CONTIGS: &[(&str, u64)] = &[
    ("chr1", 248_956_422),
    ("chr2", 242_193_529),
    ("chr3", 198_295_559),
    ("chrX", 156_040_895),
];

/// A sorted BED6 of `lines` features spread over the contigs by length,
/// mostly short with a few long ones.
fn generate(path: &Path, lines: u64) {
    let total: u64 = CONTIGS.iter().map(|(_, length)| length).sum();
    let mut rng = Xorshift(0x2545_f491_4f6c_dd1d);
    let mut writer = biometal::bgzf::Writer::new(std::fs::File::create(path).expect("create"));
    let mut line = String::new();
    for (name, length) in CONTIGS {
        let count = lines * length / total;
        let step = (length / count.max(1)).max(1);
        let mut start = 0u64;
        for i in 0..count {
            start += rng.next() % (2 * step);
            let span = if rng.next().is_multiple_of(50) {
                rng.next() % 200_000
            } else {
                1 + rng.next() % 2_000
            };
            line.clear();
            let strand = if i % 2 == 0 { '+' } else { '-' };
            let score = rng.next() % 1000;
            writeln!(
                line,
                "{name}\t{start}\t{}\tpeak{i}\t{score}\t{strand}",
                start + span
            )
            .unwrap();
            writer.write_all(line.as_bytes()).expect("write");
        }
    }
    writer.finish().expect("finish");
}

fn input() -> PathBuf {
    let path = match std::env::var("BIOMETAL_BENCH_BED") {
        Ok(path) => PathBuf::from(path),
        Err(_) => {
            let lines: u64 = std::env::var("BIOMETAL_BENCH_LINES")
                .ok()
                .and_then(|n| n.parse().ok())
                .unwrap_or(200_000);
            let path = std::env::temp_dir().join(format!("biometal-bench-{lines}.bed.gz"));
            if !path.exists() {
                generate(&path, lines);
            }
            path
        }
    };
    let index = PathBuf::from(format!("{}.tbi", path.display()));
    if !index.exists() {
        tabix(&["-p", "bed", path.to_str().expect("UTF-8 path")]);
    }
    path
}

/// Seeded regions of 1 bp to 100 kbp, 1-based inclusive.
fn regions(count: usize) -> Vec<String> {
    let mut rng = Xorshift(0x9e37_79b9_7f4a_7c15);
    (0..count)
        .map(|_| {
            let (name, length) = CONTIGS[(rng.next() % CONTIGS.len() as u64) as usize];
            let begin = 1 + rng.next() % length;
            let end = begin + rng.next() % 100_000;
            format!("{name}:{begin}-{end}")
        })
        .collect()
}

/// What `tabix FILE REGION…` does: load the index, print each region's
/// lines.
fn query(path: &Path, regions: &[String]) -> usize {
    let mut reader = tabix::IndexedReader::from_path(path).expect("open");
    let mut out = std::io::BufWriter::new(std::io::sink());
    let mut lines = 0;
    for text in regions {
        let Ok(region) = reader.index().parse_region(text) else {
            continue;
        };
        let mut query = reader.query(&region).expect("query");
        while let Some(line) = query.next_line().expect("line") {
            out.write_all(line.bytes()).expect("sink");
            out.write_all(b"\n").expect("sink");
            lines += 1;
        }
    }
    lines
}

fn build(path: &Path) -> usize {
    let index = tabix::build_from_path(path, TabixConfig::bed(), TabixFormat::Tbi).expect("build");
    index.to_bgzf_bytes().expect("encode").len()
}

fn tabix(args: &[&str]) {
    let status = Command::new("tabix")
        .args(args)
        .stdout(Stdio::null())
        .status();
    assert!(
        status.is_ok_and(|s| s.success()),
        "tabix failed (is tabix installed?)"
    );
}

fn main() {
    let path = input();
    let p = path.to_str().expect("UTF-8 path");
    let count: usize = std::env::var("BIOMETAL_BENCH_REGIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000);
    let regions = regions(count);
    let mut listed = String::new();
    for region in &regions {
        writeln!(listed, "{region}").unwrap();
    }
    std::fs::write(format!("{p}.regions"), listed).expect("write regions");
    eprintln!(
        "tabix bench: {p}, {count} regions, {} lines",
        query(&path, &regions)
    );

    let mut criterion = Criterion::default()
        .configure_from_args()
        .sample_size(10)
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_millis(500));
    let mut group = criterion.benchmark_group("tabix");
    group.bench_function("query/biometal", |b| {
        b.iter(|| black_box(query(&path, &regions)))
    });
    let mut args = vec![p];
    args.extend(regions.iter().map(String::as_str));
    group.bench_function("query/tabix", |b| b.iter(|| tabix(&args)));
    group.bench_function("build/biometal", |b| b.iter(|| black_box(build(&path))));
    let copy = std::env::temp_dir().join("biometal-bench-tabix-build.bed.gz");
    std::fs::copy(&path, &copy).expect("copy input");
    let c = copy.to_str().expect("UTF-8 path");
    group.bench_function("build/tabix -p bed", |b| {
        b.iter(|| tabix(&["-f", "-p", "bed", c]))
    });
    group.finish();
    criterion.final_summary();
}
