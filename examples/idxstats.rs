//! `idxstats FILE`: per-reference mapped and unmapped counts from a BAM's
//! index, like `samtools idxstats`.
//!
//! ```text
//! cargo run --release --example idxstats -- sample.bam
//! ```
use std::io::{BufRead, Write};
use std::process::ExitCode;

use biometal::formats::{bam, detect, DetectedFormat};

#[path = "support/pipe.rs"]
mod pipe;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [path] = &args[..] else {
        eprintln!("usage: idxstats FILE");
        return ExitCode::FAILURE;
    };
    match run(path) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if pipe::is_broken_pipe(&error) => pipe::broken_pipe_exit(),
        Err(error) => {
            eprintln!("idxstats: {path}: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(path: &str) -> biometal::Result<()> {
    let mut source = biometal::io::open(path)?;
    match detect(source.fill_buf()?) {
        DetectedFormat::Bam => idxstats_bam(path, source),
        _ => Err(biometal::Error::unsupported(
            biometal::Format::Bam,
            "idxstats supports indexed BAM only",
        )),
    }
}

fn idxstats_bam(path: &str, source: biometal::io::Source) -> biometal::Result<()> {
    let header = bam::Reader::new(source).read_header()?;
    let index = biometal::index::load_for(path)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let references = header.reference_sequences();
    for (i, reference) in references.iter().enumerate() {
        let metadata = index
            .references
            .get(i)
            .and_then(|r| r.metadata)
            .unwrap_or_default();
        writeln!(
            out,
            "{}\t{}\t{}\t{}",
            reference.name(),
            reference.length(),
            metadata.mapped,
            metadata.unmapped
        )?;
    }
    writeln!(out, "*\t0\t0\t{}", index.unplaced_unmapped.unwrap_or(0))?;
    out.flush()?;
    Ok(())
}
