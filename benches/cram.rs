//! CRAM reading speed, with samtools measured in the same run:
//!
//! * count: every record decoded, with field-selective decoding
//!   (`Fields::none()`: no sequence, qualities, names or tags), and with
//!   the flags only (`Fields::flags_only()` + `Reader::count_records`,
//!   no record laid out), against `samtools view -c`;
//! * CRAM → SAM text, against `samtools view -o /dev/null`;
//! * slice-parallel decoding to SAM text with `threads(N)`, against
//!   `samtools view -@ N -o /dev/null`, for each `N` in
//!   `BIOMETAL_BENCH_THREADS` (comma-separated, default `2,4`).
//!
//! The inputs are `BIOMETAL_CRAM_BENCH` (a CRAM file) with its reference
//! `BIOMETAL_CRAM_BENCH_REF` (indexed FASTA) if set. Otherwise a 2 Mb random
//! reference and `BIOMETAL_BENCH_RECORDS` simulated 2×150 bp records
//! (default 50 000, small so the bench runs quickly on a shared machine)
//! are generated and written by samtools as CRAM 3.0, 3.1 (default), 3.1
//! `small` and 3.1 `archive`; each is measured.
//!
//! ```text
//! BIOMETAL_BENCH_RECORDS=2000000 cargo bench --bench cram
//! BIOMETAL_CRAM_BENCH=x.cram BIOMETAL_CRAM_BENCH_REF=ref.fa cargo bench --bench cram
//! ```

use std::fmt::Write as _;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use biometal::formats::cram::{Fields, ReaderBuilder, ReferenceSource};
use biometal::formats::sam;
use criterion::{Criterion, Throughput};

struct Xorshift(u64);

impl Xorshift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

const REFERENCE_LEN: usize = 2_000_000;

fn samtools(args: &[&str]) {
    let status = Command::new("samtools")
        .args(args)
        .stdout(Stdio::null())
        .status();
    assert!(
        status.is_ok_and(|s| s.success()),
        "samtools {args:?} failed (is samtools installed?)"
    );
}

/// Writes `dir/ref.fa` and a sorted BAM of paired 150 bp reads drawn from
/// it with ~1% substitutions, binned qualities and typical tags.
fn generate(dir: &Path, records: u64) -> (PathBuf, PathBuf) {
    std::fs::create_dir_all(dir).expect("bench directory");
    let mut rng = Xorshift(0x2545_f491_4f6c_dd1d);
    let reference: Vec<u8> = (0..REFERENCE_LEN)
        .map(|_| b"ACGT"[(rng.next() % 4) as usize])
        .collect();
    let fasta = dir.join("ref.fa");
    let mut text = String::from(">chr1\n");
    for line in reference.chunks(60) {
        text.push_str(std::str::from_utf8(line).expect("ASCII"));
        text.push('\n');
    }
    std::fs::write(&fasta, text).expect("write reference");
    let mut sam_text =
        format!("@HD\tVN:1.6\tSO:unsorted\n@SQ\tSN:chr1\tLN:{REFERENCE_LEN}\n@RG\tID:rg1\tSM:s\n");
    let mut position = 1usize;
    for n in 0..records / 2 {
        position += (rng.next() % 120) as usize;
        if position + 600 > REFERENCE_LEN {
            position = 1;
        }
        let mate = position + 200 + (rng.next() % 100) as usize;
        let name = format!(
            "SIM:1:FCX:1:{}:{}:{}",
            n % 4,
            rng.next() % 20_000,
            rng.next() % 30_000
        );
        for (start, flag, other, tlen) in [
            (position, 99, mate, (mate + 150 - position) as i64),
            (mate, 147, position, -((mate + 150 - position) as i64)),
        ] {
            let mut seq = reference[start - 1..start - 1 + 150].to_vec();
            for base in seq.iter_mut() {
                if rng.next().is_multiple_of(100) {
                    *base = b"ACGT"[(rng.next() % 4) as usize];
                }
            }
            let qual: String = (0..150)
                .map(|_| (33 + [2u8, 12, 23, 37][(rng.next() % 4) as usize]) as char)
                .collect();
            writeln!(
                sam_text,
                "{name}\t{flag}\tchr1\t{start}\t60\t150M\t=\t{other}\t{tlen}\t{}\t{qual}\tAS:i:140\tRG:Z:rg1",
                std::str::from_utf8(&seq).expect("ASCII")
            )
            .expect("format");
        }
    }
    let sam_path = dir.join("reads.sam");
    std::fs::write(&sam_path, sam_text).expect("write SAM");
    let bam = dir.join("reads.bam");
    samtools(&[
        "sort",
        "-o",
        bam.to_str().expect("UTF-8"),
        sam_path.to_str().expect("UTF-8"),
    ]);
    (fasta, bam)
}

/// The CRAM files to measure, with their reference.
fn inputs() -> (PathBuf, Vec<(String, PathBuf)>) {
    if let Ok(path) = std::env::var("BIOMETAL_CRAM_BENCH") {
        let reference = std::env::var("BIOMETAL_CRAM_BENCH_REF")
            .expect("BIOMETAL_CRAM_BENCH_REF names the reference of BIOMETAL_CRAM_BENCH");
        return (
            PathBuf::from(reference),
            vec![("input".into(), PathBuf::from(path))],
        );
    }
    let records: u64 = std::env::var("BIOMETAL_BENCH_RECORDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(50_000);
    let dir = std::env::temp_dir().join(format!("biometal-bench-cram-{records}"));
    let fasta = dir.join("ref.fa");
    let bam = dir.join("reads.bam");
    if !bam.exists() {
        generate(&dir, records);
    }
    let mut crams = Vec::new();
    for (name, options) in [
        ("3.0", &["version=3.0"][..]),
        ("3.1", &["version=3.1"][..]),
        ("3.1-small", &["version=3.1", "small"][..]),
        ("3.1-archive", &["version=3.1", "archive"][..]),
    ] {
        let cram = dir.join(format!("reads-{name}.cram"));
        if !cram.exists() {
            let mut args = vec!["view", "-C", "-T", fasta.to_str().expect("UTF-8")];
            for option in options {
                args.extend(["--output-fmt-option", option]);
            }
            args.extend([
                "-o",
                cram.to_str().expect("UTF-8"),
                bam.to_str().expect("UTF-8"),
            ]);
            samtools(&args);
        }
        crams.push((name.to_string(), cram));
    }
    (fasta, crams)
}

fn count(path: &Path, reference: &ReferenceSource, fields: Fields) -> u64 {
    let mut reader = ReaderBuilder::new()
        .reference(reference.clone())
        .fields(fields)
        .build_from_path(path)
        .expect("open");
    reader.read_header().expect("header");
    let mut paired = 0;
    while let Some(record) = reader.next_record().expect("record") {
        paired += u64::from(record.flags().is_paired());
    }
    paired
}

/// `samtools view -c`'s job: the flags only, no record laid out.
fn count_records(path: &Path) -> u64 {
    let mut reader = ReaderBuilder::new()
        .fields(Fields::flags_only())
        .build_from_path(path)
        .expect("open");
    reader.read_header().expect("header");
    reader.count_records().expect("count")
}

fn to_sam(path: &Path, reference: &ReferenceSource, threads: usize) -> usize {
    let mut reader = ReaderBuilder::new()
        .reference(reference.clone())
        .threads(threads)
        .build_from_path(path)
        .expect("open");
    let header = reader.read_header().expect("header");
    let mut writer = sam::Writer::new(std::io::sink());
    let mut records = 0;
    while let Some(record) = reader.next_record().expect("record") {
        writer.write_record(&header, record).expect("format");
        records += 1;
    }
    records
}

fn main() {
    let (fasta, crams) = inputs();
    let threads: Vec<usize> = std::env::var("BIOMETAL_BENCH_THREADS")
        .unwrap_or_else(|_| "2,4".into())
        .split(',')
        .filter_map(|n| n.trim().parse().ok())
        .collect();
    let reference = ReferenceSource::from_fasta_path(&fasta).expect("reference");
    let f = fasta.to_str().expect("UTF-8 path");
    let mut criterion = Criterion::default()
        .configure_from_args()
        .sample_size(10)
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_millis(500));
    for (name, path) in &crams {
        let bytes = std::fs::metadata(path).expect("bench input").len();
        let p = path.to_str().expect("UTF-8 path");
        let mut group = criterion.benchmark_group(format!("cram-{name}"));
        group.throughput(Throughput::Bytes(bytes));
        group.bench_function("count/biometal", |b| {
            b.iter(|| black_box(count(path, &reference, Fields::all())))
        });
        group.bench_function("count/biometal fields none", |b| {
            b.iter(|| black_box(count(path, &reference, Fields::none())))
        });
        group.bench_function("count/biometal flags only, count_records", |b| {
            b.iter(|| black_box(count_records(path)))
        });
        group.bench_function("count/samtools view -c", |b| {
            b.iter(|| samtools(&["view", "-c", "-T", f, p]))
        });
        group.bench_function("to_sam/biometal", |b| {
            b.iter(|| black_box(to_sam(path, &reference, 1)))
        });
        group.bench_function("to_sam/samtools view -o /dev/null", |b| {
            b.iter(|| samtools(&["view", "-T", f, "-o", "/dev/null", p]))
        });
        for &n in &threads {
            let t = n.to_string();
            group.bench_function(format!("to_sam threads {n}/biometal"), |b| {
                b.iter(|| black_box(to_sam(path, &reference, n)))
            });
            group.bench_function(format!("to_sam threads {n}/samtools view -@ {n}"), |b| {
                b.iter(|| samtools(&["view", "-@", &t, "-T", f, "-o", "/dev/null", p]))
            });
        }
        group.finish();
    }
    criterion.final_summary();
}
