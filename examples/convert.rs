//! `convert [-@ N] [-l LEVEL] IN OUT`: converts alignments between SAM and
//! BAM, chosen by OUT's extension (`.bam`, `.sam`, `-` for SAM on stdout),
//! like `samtools view -b/-h -o OUT IN`, and variants between VCF and BCF
//! (`.bcf`, `.vcf.gz`, `.vcf`, `-` for VCF on stdout), like
//! `bcftools view -Ob/-Oz/-Ov -o OUT IN`.
//!
//! ```text
//! cargo run --release --example convert -- sample.sam sample.bam
//! ```
use std::io::{BufRead, BufWriter, Write};
use std::process::ExitCode;

use biometal::formats::{bam, detect, sam, DetectedFormat};

#[path = "support/pipe.rs"]
mod pipe;
#[path = "support/variants.rs"]
mod variants;

struct Options {
    threads: usize,
    level: u32,
    input: String,
    output: String,
}

fn parse_args() -> Option<Options> {
    let mut options = Options {
        threads: 1,
        level: 6,
        input: String::new(),
        output: String::new(),
    };
    let mut paths = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-@" => options.threads = args.next()?.parse().ok()?,
            "-l" => options.level = args.next()?.parse().ok()?,
            _ if arg.starts_with('-') && arg.len() > 1 => return None,
            _ => paths.push(arg),
        }
    }
    let [input, output] = <[String; 2]>::try_from(paths).ok()?;
    options.input = input;
    options.output = output;
    Some(options)
}

fn main() -> ExitCode {
    let Some(options) = parse_args() else {
        eprintln!("usage: convert [-@ N] [-l LEVEL] IN OUT");
        return ExitCode::FAILURE;
    };
    match run(&options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if pipe::is_broken_pipe(&error) => pipe::broken_pipe_exit(),
        Err(error) => {
            eprintln!("convert: {} -> {}: {error}", options.input, options.output);
            ExitCode::FAILURE
        }
    }
}

/// The formats `convert` writes, chosen by the output's extension.
#[derive(Clone, Copy)]
enum Detected {
    Sam,
    Bam,
}

fn detect_output(path: &str) -> biometal::Result<Detected> {
    if path == "-" || path.ends_with(".sam") {
        Ok(Detected::Sam)
    } else if path.ends_with(".bam") {
        Ok(Detected::Bam)
    } else {
        Err(biometal::Error::unsupported(
            biometal::Format::Sam,
            "output must end in .sam or .bam (or be -)",
        ))
    }
}

/// Alignment records from either input format.
enum Input {
    Sam(sam::Reader<biometal::io::Source>),
    Bam(bam::Reader<biometal::io::Source>),
}

impl Input {
    fn read_record(
        &mut self,
        header: &sam::Header,
        record: &mut sam::Record,
    ) -> biometal::Result<bool> {
        match self {
            Input::Sam(reader) => reader.read_record(header, record),
            Input::Bam(reader) => reader.read_record(record),
        }
    }
}

fn run(options: &Options) -> biometal::Result<()> {
    let io_options = biometal::io::IoOptions::default().with_bgzf_threads(options.threads);
    let mut source = biometal::io::open_with(&options.input, &io_options)?;
    let (mut input, header) = match detect(source.fill_buf()?) {
        format @ (DetectedFormat::Bcf | DetectedFormat::Vcf) => {
            let (output, level) = (&options.output, options.level);
            return variants::convert_variants(format, source, output, level, options.threads);
        }
        DetectedFormat::Cram => {
            return Err(biometal::Error::unsupported(
                biometal::Format::Cram,
                "CRAM input is not supported by convert yet",
            ))
        }
        DetectedFormat::Bam => {
            let mut reader = bam::ReaderBuilder::new().build(source);
            let header = reader.read_header()?;
            (Input::Bam(reader), header)
        }
        _ => {
            let mut reader =
                sam::Reader::new(source).with_strictness(sam::header::Strictness::Lenient);
            let header = reader.read_header()?;
            (Input::Sam(reader), header)
        }
    };
    match detect_output(&options.output)? {
        Detected::Sam => write_sam(options, &mut input, &header),
        Detected::Bam => write_bam(options, &mut input, &header),
    }
}

fn write_sam(options: &Options, input: &mut Input, header: &sam::Header) -> biometal::Result<()> {
    let out: Box<dyn Write> = if options.output == "-" {
        Box::new(std::io::stdout().lock())
    } else {
        Box::new(std::fs::File::create(&options.output)?)
    };
    let mut writer = sam::Writer::new(BufWriter::with_capacity(1 << 16, out));
    writer.write_header(header)?;
    let mut record = sam::Record::default();
    while input.read_record(header, &mut record)? {
        writer.write_record(header, record.as_ref())?;
    }
    writer.get_mut().flush()?;
    Ok(())
}

fn write_bam(options: &Options, input: &mut Input, header: &sam::Header) -> biometal::Result<()> {
    let mut writer = bam::WriterBuilder::new()
        .level(options.level)
        .threads(options.threads)
        .build_to_path(&options.output)?;
    writer.write_header(header)?;
    let mut record = sam::Record::default();
    while input.read_record(header, &mut record)? {
        writer.write_record(record.as_ref())?;
    }
    writer.finish()?.flush()?;
    Ok(())
}
