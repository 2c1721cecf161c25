//! `stats [-@ N] [--reference FASTA] [FILE…]`: the README's main job.
//! Streams each file in constant memory and prints a summary of what it
//! holds. With no argument it reads the bundled samples in
//! `examples/data/`.
//!
//! ```text
//! cargo run --release --example stats
//! cargo run --release --example stats -- reads.fastq.gz genome.fa
//! cargo run --release --example stats -- -@ 4 --reference ref.fa reads.cram
//! ```
//!
//! SAM, BAM and CRAM get one alignment summary; VCF and BCF one variant
//! summary (sites by allele type as `bcftools view -v` classifies them,
//! Ts/Tv, filters, and every genotype decoded). CRAM sequences are rebuilt
//! against `--reference` (or `REF_PATH`/`REF_CACHE`); without one, only
//! the counts that need no sequence are printed. `-@ N` decodes CRAM
//! slices on `N` threads.
//!
//! Every input goes through `biometal::io::open`, so plain, gzip and BGZF
//! files (and `-` for stdin) all work; the format is recognised from the
//! content. A progress line is drawn on stderr for inputs over 8 MB when
//! stderr is a terminal, and nothing otherwise.
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use std::collections::BTreeMap;

use biometal::formats::{bed, detect, fasta, fastq, gff, DetectedFormat};
use biometal::io::{self, Compression, Source};
use biometal::simd::BaseCounts;

/// `println!` that ends the process quietly when stdout is a closed pipe
/// (`stats … | head`), as a C tool killed by SIGPIPE does (exit status
/// 141), and with a message on any other write error, never a panic.
macro_rules! say {
    ($($arg:tt)*) => {{
        let mut stdout = std::io::stdout().lock();
        if let Err(error) = writeln!(stdout, $($arg)*) {
            if error.kind() == std::io::ErrorKind::BrokenPipe {
                std::process::exit(141);
            }
            eprintln!("stats: writing to stdout: {error}");
            std::process::exit(1);
        }
    }};
}

#[path = "support/alignments.rs"]
mod alignments;
#[path = "support/variant_summary.rs"]
mod variant_summary;

/// Options for alignment files.
#[derive(Default)]
struct Options {
    threads: usize,
    reference: Option<PathBuf>,
}

fn main() -> ExitCode {
    let mut options = Options::default();
    let mut paths: Vec<PathBuf> = Vec::new();
    let mut args = std::env::args_os().skip(1);
    while let Some(arg) = args.next() {
        match arg.to_str() {
            Some("-@") => match args.next().and_then(|n| n.to_str()?.parse().ok()) {
                Some(n) => options.threads = n,
                None => return usage(),
            },
            Some("-T" | "--reference") => match args.next() {
                Some(path) => options.reference = Some(PathBuf::from(path)),
                None => return usage(),
            },
            Some(flag) if flag.starts_with('-') && flag.len() > 1 => return usage(),
            _ => paths.push(PathBuf::from(arg)),
        }
    }
    if paths.is_empty() {
        paths = bundled_samples();
    }
    for (i, path) in paths.iter().enumerate() {
        if i > 0 {
            say!();
        }
        if let Err(error) = summarize(path, &options) {
            eprintln!("stats: {}: {error}", path.display());
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

fn usage() -> ExitCode {
    eprintln!("usage: stats [-@ N] [--reference FASTA] [FILE...]");
    ExitCode::FAILURE
}

fn bundled_samples() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data");
    [
        "sample.fastq",
        "sample.fastq.gz",
        "sample.bgzf.fastq.gz",
        "sample.fa",
        "sample.bam",
        "sample.vcf.gz",
        "sample.bcf",
    ]
    .iter()
    .map(|name| dir.join(name))
    .collect()
}

fn summarize(path: &Path, options: &Options) -> biometal::Result<()> {
    let mut source = io::open(path)?;
    let compression = match source.compression() {
        Compression::None if source.is_mapped() => "uncompressed, memory-mapped",
        Compression::None => "uncompressed",
        Compression::Gzip => "gzip",
        Compression::Bgzf => "BGZF",
    };
    let progress = Progress::for_path(path);
    match detect(source.fill_buf()?) {
        DetectedFormat::Bed => {
            say!("{}  (BED, {compression})", path.display());
            return summarize_bed(source, progress);
        }
        DetectedFormat::Gff => {
            say!("{}  (GFF3/GTF, {compression})", path.display());
            return summarize_gff(source, progress);
        }
        DetectedFormat::Sam => {
            say!("{}  (SAM, {compression})", path.display());
            return alignments::summarize_sam(source);
        }
        DetectedFormat::Bam => {
            say!("{}  (BAM, {compression})", path.display());
            return alignments::summarize_bam(source, progress);
        }
        DetectedFormat::Cram => {
            say!("{}  (CRAM)", path.display());
            return alignments::summarize_cram(source, progress, options);
        }
        format @ (DetectedFormat::Vcf | DetectedFormat::Bcf) => {
            let name = if format == DetectedFormat::Vcf {
                "VCF"
            } else {
                "BCF"
            };
            say!("{}  ({name}, {compression})", path.display());
            return variant_summary::summarize_variants(source, progress);
        }
        _ => {}
    }
    match source.fill_buf()?.first() {
        Some(b'@') => {
            say!("{}  (FASTQ, {compression})", path.display());
            summarize_fastq(source, progress)
        }
        Some(b'>') => {
            say!("{}  (FASTA, {compression})", path.display());
            summarize_fasta(source, progress)
        }
        Some(_) => {
            say!("{}  (unrecognised content, {compression})", path.display());
            summarize_lines(source, progress)
        }
        None => {
            say!("{}  (empty, {compression})", path.display());
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

/// Feature counts by type and sequence, and the distribution of feature
/// lengths: memory grows with the number of types and sequences only.
struct FeatureSummary {
    by_type: BTreeMap<String, u64>,
    by_sequence: BTreeMap<String, u64>,
    lengths: [u64; 65],
    total_length: u64,
    shortest: Option<u64>,
    longest: u64,
}

impl Default for FeatureSummary {
    fn default() -> Self {
        FeatureSummary {
            by_type: BTreeMap::new(),
            by_sequence: BTreeMap::new(),
            lengths: [0; 65],
            total_length: 0,
            shortest: None,
            longest: 0,
        }
    }
}

impl FeatureSummary {
    fn add(&mut self, feature_type: Option<&[u8]>, sequence: &[u8], length: u64) {
        if let Some(feature_type) = feature_type {
            count(&mut self.by_type, feature_type);
        }
        count(&mut self.by_sequence, sequence);
        // Bucket k holds lengths in [2^(k-1), 2^k); bucket 0 holds 0.
        self.lengths[(u64::BITS - length.leading_zeros()) as usize] += 1;
        self.total_length += length;
        self.shortest = Some(self.shortest.map_or(length, |s| s.min(length)));
        self.longest = self.longest.max(length);
    }

    fn print(&self, features: u64) {
        row("features", group_digits(features));
        if let Some(shortest) = self.shortest {
            let mean = self.total_length as f64 / features as f64;
            row(
                "length",
                format!("{shortest}–{} (mean {mean:.1})", self.longest),
            );
        }
        for (label, counts) in [
            ("per type", &self.by_type),
            ("per sequence", &self.by_sequence),
        ] {
            if !counts.is_empty() {
                say!("  {label}:");
                for (name, n) in counts {
                    say!("    {name:<24} {:>12}", group_digits(*n));
                }
            }
        }
        if features > 0 {
            say!("  length distribution:");
            for (k, n) in self.lengths.iter().enumerate().filter(|(_, n)| **n > 0) {
                let range = match k {
                    0 => "0".to_string(),
                    1 => "1".to_string(),
                    _ => format!("{}–{}", 1u64 << (k - 1), (1u128 << k) - 1),
                };
                say!("    {range:<24} {:>12}", group_digits(*n));
            }
        }
    }
}

fn count(counts: &mut BTreeMap<String, u64>, key: &[u8]) {
    match counts.get_mut(String::from_utf8_lossy(key).as_ref()) {
        Some(n) => *n += 1,
        None => {
            counts.insert(String::from_utf8_lossy(key).into_owned(), 1);
        }
    }
}

fn summarize_bed(source: Source, mut progress: Progress) -> biometal::Result<()> {
    let mut reader = bed::Reader::new(source);
    let mut summary = FeatureSummary::default();
    while let Some(record) = reader.next_record() {
        let record = record?;
        summary.add(None, record.chrom(), record.interval().len());
        progress.update(reader.records_read(), || reader.get_ref().input_position());
    }
    progress.finish();
    if let Some(layout) = reader.layout() {
        row("columns", layout);
    }
    summary.print(reader.records_read());
    Ok(())
}

fn summarize_gff(source: Source, mut progress: Progress) -> biometal::Result<()> {
    let mut reader = gff::Reader::new(source);
    let mut summary = FeatureSummary::default();
    while let Some(record) = reader.next_record() {
        let record = record?;
        summary.add(
            Some(record.feature_type()),
            record.seqid(),
            record.interval().len(),
        );
        progress.update(reader.records_read(), || reader.get_ref().input_position());
    }
    progress.finish();
    if let Some(dialect) = reader.dialect() {
        row("dialect", format!("{dialect:?}"));
    }
    summary.print(reader.records_read());
    if reader.at_fasta() {
        let mut fasta = reader.into_fasta_reader()?;
        let (mut sequences, mut bases) = (0u64, 0u64);
        while let Some(record) = fasta.next_record() {
            sequences += 1;
            bases += record?.len() as u64;
        }
        row(
            "##FASTA",
            format!("{sequences} sequences, {} bp", group_digits(bases)),
        );
    }
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
    say!("  {label:<18} {value}");
}

/// The first five items, comma-separated, then how many more there are:
/// "chr1 10, chr2 8, … (+3 more)".
fn first_few(items: impl Iterator<Item = String>) -> String {
    let mut shown = Vec::new();
    let mut more = 0;
    for item in items {
        if shown.len() < 5 {
            shown.push(item);
        } else {
            more += 1;
        }
    }
    let shown = shown.join(", ");
    if more > 0 {
        format!("{shown} (+{more} more)")
    } else {
        shown
    }
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
