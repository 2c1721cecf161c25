//! `view [-h] [-@ N] FILE [REGION…]`: prints alignments as SAM, like
//! `samtools view [-h]`.
//!
//! ```text
//! cargo run --release --example view -- -h sample.bam chr1:100-200
//! ```
//!
//! The input format is detected from its first bytes (BAM or SAM; plain,
//! gzip or BGZF); regions need a `.bai` or `.csi` index beside a BAM file.
use std::io::{BufRead, BufWriter, Write};
use std::process::ExitCode;

use biometal::formats::{bam, sam};
use biometal::index;
use biometal::region::Region;

struct Options {
    header: bool,
    threads: usize,
    path: String,
    regions: Vec<String>,
}

fn usage() -> ExitCode {
    eprintln!("usage: view [-h] [-@ N] FILE [REGION...]");
    ExitCode::FAILURE
}

fn parse_args() -> Option<Options> {
    let mut options = Options {
        header: false,
        threads: 1,
        path: String::new(),
        regions: Vec::new(),
    };
    let mut args = std::env::args().skip(1);
    let mut positional = Vec::new();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" => options.header = true,
            "-@" => options.threads = args.next()?.parse().ok()?,
            _ if arg.starts_with('-') && arg.len() > 1 => return None,
            _ => positional.push(arg),
        }
    }
    let mut positional = positional.into_iter();
    options.path = positional.next()?;
    options.regions = positional.collect();
    Some(options)
}

/// The alignment formats `view` understands.
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
            "CRAM input is not supported by view yet",
        ))
    } else {
        Ok(Detected::Sam)
    }
}

fn main() -> ExitCode {
    let Some(options) = parse_args() else {
        return usage();
    };
    let stdout = std::io::stdout().lock();
    let mut out = BufWriter::with_capacity(1 << 16, stdout);
    let result = run(&options, &mut out).and_then(|()| out.flush().map_err(biometal::Error::from));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("view: {}: {error}", options.path);
            ExitCode::FAILURE
        }
    }
}

fn run(options: &Options, out: &mut impl Write) -> biometal::Result<()> {
    let io_options = biometal::io::IoOptions::default().with_bgzf_threads(options.threads);
    let mut source = biometal::io::open_with(&options.path, &io_options)?;
    match detect(&mut source)? {
        Detected::Bam => view_bam(options, source, out),
        Detected::Sam => view_sam(options, source, out),
    }
}

fn view_sam(
    options: &Options,
    source: biometal::io::Source,
    out: &mut impl Write,
) -> biometal::Result<()> {
    if !options.regions.is_empty() {
        return Err(biometal::Error::unsupported(
            biometal::Format::Sam,
            "region queries need an indexed BAM",
        ));
    }
    let mut reader = sam::Reader::new(source).with_strictness(sam::header::Strictness::Lenient);
    let header = reader.read_header()?;
    let mut writer = sam::Writer::new(out);
    if options.header {
        writer.write_header(&header)?;
    }
    let mut record = sam::Record::default();
    while reader.read_record(&header, &mut record)? {
        writer.write_record(&header, record.as_ref())?;
    }
    Ok(())
}

fn view_bam(
    options: &Options,
    source: biometal::io::Source,
    out: &mut impl Write,
) -> biometal::Result<()> {
    let mut reader = bam::ReaderBuilder::new().build(source);
    let header = reader.read_header()?;
    let mut writer = sam::Writer::new(out);
    if options.header {
        writer.write_header(&header)?;
    }
    if options.regions.is_empty() {
        while let Some(record) = reader.next_record()? {
            writer.write_record(&header, record)?;
        }
        return Ok(());
    }
    let index = index::load_for(&options.path)?;
    for text in &options.regions {
        let mut query = if text == "*" {
            index::query_unmapped(&mut reader, &index)?
        } else {
            let region =
                Region::parse_with_names(text, |name| header.reference_id(name).is_some())?;
            index::query(&mut reader, &header, &index, &region)?
        };
        while let Some(record) = query.next_record()? {
            writer.write_record(&header, record)?;
        }
    }
    Ok(())
}
