//! `idxstats FILE`: per-reference mapped and unmapped counts from a BAM's
//! index, like `samtools idxstats`; without a usable index, as samtools
//! 1.16 does, it warns and counts by reading every record (which must then
//! be grouped by reference, as in a sorted file).
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
    let mut reader = bam::Reader::new(source);
    let header = reader.read_header()?;
    let references = header.reference_sequences();
    // Per reference (mapped, unmapped), then the records without one.
    let (counts, unplaced) = match biometal::index::load_for(path) {
        Ok(index) => {
            let counts = (0..references.len())
                .map(|i| {
                    let metadata = index
                        .references
                        .get(i)
                        .and_then(|r| r.metadata)
                        .unwrap_or_default();
                    [metadata.mapped, metadata.unmapped]
                })
                .collect();
            (counts, [0, index.unplaced_unmapped.unwrap_or(0)])
        }
        Err(error) => {
            eprintln!("idxstats: {path}: {error}; counting by reading the file (slow)");
            count_by_reading(&mut reader, references.len())?
        }
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for (reference, [mapped, unmapped]) in references.iter().zip(counts) {
        let (name, length) = (reference.name(), reference.length());
        writeln!(out, "{name}\t{length}\t{mapped}\t{unmapped}")?;
    }
    writeln!(out, "*\t0\t{}\t{}", unplaced[0], unplaced[1])?;
    out.flush()?;
    Ok(())
}

/// samtools' slow idxstats: (mapped, unmapped) by the unmapped flag for
/// each reference and for the records without one; an error, before any
/// output, when a reference's records are not all together.
fn count_by_reading(
    reader: &mut bam::Reader<biometal::io::Source>,
    reference_count: usize,
) -> biometal::Result<(Vec<[u64; 2]>, [u64; 2])> {
    let mut counts = vec![[0u64; 2]; reference_count];
    let mut unplaced = [0u64; 2];
    let mut last: Option<Option<usize>> = None;
    let mut number = 0u64;
    while let Some(record) = reader.next_record()? {
        number += 1;
        let id = record.reference_id();
        let slot = match id {
            Some(id) => counts.get_mut(id).ok_or_else(|| {
                biometal::Error::invalid_data(
                    biometal::Format::Bam,
                    format!("reference id {id} but the header has {reference_count} references"),
                )
                .at_record(number)
            })?,
            None => &mut unplaced,
        };
        if last != Some(id) {
            if slot != &[0, 0] {
                return Err(biometal::Error::invalid_data(
                    biometal::Format::Bam,
                    "file is not position sorted: a reference's records are not all together",
                )
                .at_record(number));
            }
            last = Some(id);
        }
        slot[usize::from(record.flags().is_unmapped())] += 1;
    }
    Ok((counts, unplaced))
}
