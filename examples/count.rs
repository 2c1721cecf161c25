//! `count [-@ N] FILE [REGION…]`: prints the number of alignments, like
//! `samtools view -c FILE [REGION…]`.
//!
//! ```text
//! cargo run --release --example count -- sample.bam chr1:100-200
//! ```
use std::io::BufRead;
use std::process::ExitCode;

use biometal::formats::{bam, sam};
use biometal::index;
use biometal::region::Region;

fn main() -> ExitCode {
    let mut threads = 1;
    let mut positional = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-@" => match args.next().and_then(|n| n.parse().ok()) {
                Some(n) => threads = n,
                None => return usage(),
            },
            _ if arg.starts_with('-') && arg.len() > 1 => return usage(),
            _ => positional.push(arg),
        }
    }
    let Some((path, regions)) = positional.split_first() else {
        return usage();
    };
    match run(path, regions, threads) {
        Ok(count) => {
            println!("{count}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("count: {path}: {error}");
            ExitCode::FAILURE
        }
    }
}

fn usage() -> ExitCode {
    eprintln!("usage: count [-@ N] FILE [REGION...]");
    ExitCode::FAILURE
}

/// The formats `count` understands.
enum Detected {
    Sam,
    Bam,
}

fn detect(source: &mut biometal::io::Source) -> biometal::Result<Detected> {
    let prefix = source.fill_buf()?;
    if prefix.starts_with(bam::MAGIC) {
        Ok(Detected::Bam)
    } else if prefix.starts_with(b"CRAM") {
        Err(biometal::Error::unsupported(
            biometal::Format::Cram,
            "CRAM input is not supported by count yet",
        ))
    } else {
        Ok(Detected::Sam)
    }
}

fn run(path: &str, regions: &[String], threads: usize) -> biometal::Result<u64> {
    let io_options = biometal::io::IoOptions::default().with_bgzf_threads(threads);
    let mut source = biometal::io::open_with(path, &io_options)?;
    match detect(&mut source)? {
        Detected::Bam => count_bam(path, source, regions),
        Detected::Sam if regions.is_empty() => count_sam(source),
        Detected::Sam => Err(biometal::Error::unsupported(
            biometal::Format::Sam,
            "region queries need an indexed BAM",
        )),
    }
}

fn count_sam(source: biometal::io::Source) -> biometal::Result<u64> {
    let mut reader = sam::Reader::new(source).with_strictness(sam::header::Strictness::Lenient);
    let header = reader.read_header()?;
    let mut record = sam::Record::default();
    let mut count = 0;
    while reader.read_record(&header, &mut record)? {
        count += 1;
    }
    Ok(count)
}

fn count_bam(
    path: &str,
    source: biometal::io::Source,
    regions: &[String],
) -> biometal::Result<u64> {
    let mut reader = bam::ReaderBuilder::new().build(source);
    let header = reader.read_header()?;
    let mut count = 0;
    if regions.is_empty() {
        while reader.next_record()?.is_some() {
            count += 1;
        }
        return Ok(count);
    }
    let index = index::load_for(path)?;
    for text in regions {
        let mut query = if text == "*" {
            index::query_unmapped(&mut reader, &index)?
        } else {
            let region =
                Region::parse_with_names(text, |name| header.reference_id(name).is_some())?;
            index::query(&mut reader, &header, &index, &region)?
        };
        while query.next_record()?.is_some() {
            count += 1;
        }
    }
    Ok(count)
}
