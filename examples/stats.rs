//! `stats [FILE…]`: the README's main job. Streams each file in constant
//! memory and prints a summary of what it holds. With no argument it reads
//! the bundled samples in `examples/data/`.
//!
//! ```text
//! cargo run --release --example stats
//! cargo run --release --example stats -- reads.fastq.gz genome.fa
//! ```
//!
//! Every input goes through `biometal::io::open`, so plain, gzip and BGZF
//! files (and `-` for stdin) all work; the format is recognised from the
//! content. A progress line is drawn on stderr for inputs over 8 MB when
//! stderr is a terminal, and nothing otherwise.
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use biometal::formats::{fasta, fastq};
use biometal::io::{self, Compression, Source};
use biometal::simd::BaseCounts;

fn main() -> ExitCode {
    let mut paths: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if paths.is_empty() {
        paths = bundled_samples();
    }
    for (i, path) in paths.iter().enumerate() {
        if i > 0 {
            println!();
        }
        if let Err(error) = summarize(path) {
            eprintln!("stats: {}: {error}", path.display());
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

fn bundled_samples() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data");
    [
        "sample.fastq",
        "sample.fastq.gz",
        "sample.bgzf.fastq.gz",
        "sample.fa",
    ]
    .iter()
    .map(|name| dir.join(name))
    .collect()
}

fn summarize(path: &Path) -> biometal::Result<()> {
    let mut source = io::open(path)?;
    let compression = match source.compression() {
        Compression::None if source.is_mapped() => "uncompressed, memory-mapped",
        Compression::None => "uncompressed",
        Compression::Gzip => "gzip",
        Compression::Bgzf => "BGZF",
    };
    let progress = Progress::for_path(path);
    match source.fill_buf()?.first() {
        Some(b'@') => {
            println!("{}  (FASTQ, {compression})", path.display());
            summarize_fastq(source, progress)
        }
        Some(b'>') => {
            println!("{}  (FASTA, {compression})", path.display());
            summarize_fasta(source, progress)
        }
        Some(_) => {
            println!("{}  (unrecognised content, {compression})", path.display());
            summarize_lines(source, progress)
        }
        None => {
            println!("{}  (empty, {compression})", path.display());
            Ok(())
        }
    }
}

fn summarize_fastq(source: Source, mut progress: Progress) -> biometal::Result<()> {
    let mut reader = fastq::Reader::new(source);
    let mut summary = fastq::Summary::new();
    while let Some(record) = reader.next_record() {
        summary.add(&record?)?;
        progress.update(summary.records(), || reader.get_ref().input_position());
    }
    progress.finish();
    row("records", group_digits(summary.records()));
    row("bases", group_digits(summary.bases()));
    if let Some((shortest, longest)) = summary.length_range() {
        let mean = summary.bases() as f64 / summary.records() as f64;
        row(
            "read length",
            format!("{shortest}–{longest} (mean {mean:.1})"),
        );
    }
    print_composition(&summary.base_counts());
    if let Some(mean_quality) = summary.mean_quality() {
        row("mean quality", format!("{mean_quality:.1} (Phred)"));
    }
    if summary.records() > 0 {
        let per_read = summary.expected_errors() / summary.records() as f64;
        row("expected errors", format!("{per_read:.2} per read"));
        print_quality_profile(&summary.mean_quality_by_position());
    }
    Ok(())
}

fn summarize_fasta(source: Source, mut progress: Progress) -> biometal::Result<()> {
    let mut reader = fasta::Reader::new(source);
    let (mut sequences, mut bases) = (0u64, 0u64);
    let mut counts = BaseCounts::default();
    let mut longest: Option<(u64, String)> = None;
    while let Some(record) = reader.next_record() {
        let record = record?;
        let sequence = record.sequence();
        sequences += 1;
        bases += sequence.len() as u64;
        counts += biometal::simd::count_bases(sequence);
        if longest
            .as_ref()
            .is_none_or(|(length, _)| sequence.len() as u64 > *length)
        {
            longest = Some((
                sequence.len() as u64,
                String::from_utf8_lossy(record.name()).into_owned(),
            ));
        }
        progress.update(sequences, || reader.get_ref().input_position());
    }
    progress.finish();
    row("sequences", group_digits(sequences));
    row("bases", group_digits(bases));
    if let Some((length, name)) = longest {
        row("longest", format!("{name} ({} bp)", group_digits(length)));
    }
    print_composition(&counts);
    Ok(())
}

fn summarize_lines(mut source: Source, mut progress: Progress) -> biometal::Result<()> {
    let (mut bytes, mut lines) = (0u64, 0u64);
    loop {
        let chunk = source.fill_buf()?;
        if chunk.is_empty() {
            break;
        }
        bytes += chunk.len() as u64;
        lines += chunk.iter().filter(|&&b| b == b'\n').count() as u64;
        let n = chunk.len();
        source.consume(n);
        progress.update(lines, || source.input_position());
    }
    progress.finish();
    row("bytes", group_digits(bytes));
    row("lines", group_digits(lines));
    Ok(())
}

fn print_composition(counts: &BaseCounts) {
    if let Some(gc) = counts.gc_fraction() {
        row("GC", format!("{:.2}%", 100.0 * gc));
    }
    row("N bases", group_digits(counts.n));
    if counts.other > 0 {
        row("other IUPAC codes", group_digits(counts.other));
    }
}

/// Mean quality in ten windows along the read, as a one-line profile.
fn print_quality_profile(by_position: &[Option<f64>]) {
    let known: Vec<f64> = by_position.iter().map_while(|q| *q).collect();
    if known.len() < 10 {
        return;
    }
    let windows: Vec<String> = known
        .chunks(known.len().div_ceil(10))
        .map(|window| format!("{:.0}", window.iter().sum::<f64>() / window.len() as f64))
        .collect();
    row("quality 5'→3'", windows.join(" "));
}

fn row(label: &str, value: impl std::fmt::Display) {
    println!("  {label:<18} {value}");
}

/// 1234567 → "1,234,567".
fn group_digits(value: u64) -> String {
    let digits = value.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

/// A progress line on stderr for large inputs, only when stderr is a
/// terminal.
struct Progress {
    total_bytes: Option<u64>,
    started: Instant,
    last_drawn: Instant,
    drawn: bool,
}

impl Progress {
    const MIN_SIZE: u64 = 8_000_000;
    const INTERVAL: Duration = Duration::from_millis(200);

    fn for_path(path: &Path) -> Self {
        let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        let show = std::io::stderr().is_terminal() && size >= Self::MIN_SIZE;
        let now = Instant::now();
        Progress {
            total_bytes: show.then_some(size),
            started: now,
            last_drawn: now,
            drawn: false,
        }
    }

    /// Called per record: cheap unless a redraw is due (checked every
    /// 4096 records).
    fn update(&mut self, records: u64, position: impl FnOnce() -> u64) {
        let Some(total) = self.total_bytes else {
            return;
        };
        if !records.is_multiple_of(4096) || self.last_drawn.elapsed() < Self::INTERVAL {
            return;
        }
        let done = position().min(total);
        let seconds = self.started.elapsed().as_secs_f64().max(1e-9);
        eprint!(
            "\r  {:>5.1}%  {} records  {:.0} MB/s ",
            100.0 * done as f64 / total as f64,
            group_digits(records),
            done as f64 / 1e6 / seconds
        );
        let _ = std::io::stderr().flush();
        self.last_drawn = Instant::now();
        self.drawn = true;
    }

    fn finish(&mut self) {
        if self.drawn {
            eprint!("\r{:60}\r", "");
            self.drawn = false;
        }
    }
}
