//! `stats [FILE…]`: the README's main job — stream each file and summarise
//! what it holds. With no argument it reads the bundled samples in
//! `examples/data/`.
//!
//! ```text
//! cargo run --release --example stats
//! cargo run --release --example stats -- reads.fastq.gz other.bam
//! ```
//!
//! Every input goes through `biometal::io::open`, so plain, gzip and BGZF
//! files (and `-` for stdin) all work.
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use biometal::io::{self, Compression, Source};

fn main() -> ExitCode {
    let mut paths: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if paths.is_empty() {
        paths = bundled_samples();
    }
    for path in &paths {
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
    let first_byte = source.fill_buf()?.first().copied();
    let content = match first_byte {
        Some(b'@') => "FASTQ",
        Some(b'>') => "FASTA",
        Some(_) => "text",
        None => "empty",
    };
    let counts = count_bytes_and_lines(&mut source)?;
    println!("{}", path.display());
    println!("  input        {compression}, {content}");
    println!(
        "  decoded      {} bytes, {} lines",
        counts.bytes, counts.lines
    );
    Ok(())
}

struct Counts {
    bytes: u64,
    lines: u64,
}

fn count_bytes_and_lines(source: &mut Source) -> biometal::Result<Counts> {
    let mut counts = Counts { bytes: 0, lines: 0 };
    loop {
        let chunk = source.fill_buf()?;
        if chunk.is_empty() {
            return Ok(counts);
        }
        counts.bytes += chunk.len() as u64;
        counts.lines += chunk.iter().filter(|&&b| b == b'\n').count() as u64;
        let n = chunk.len();
        source.consume(n);
    }
}
