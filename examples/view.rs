//! `view [-h] [-H] [-@ N] FILE [REGION…]`: prints alignments as SAM, like
//! `samtools view [-h]`; prints variants (VCF, BCF) as `bcftools view [-H]
//! FILE [REGION…]` does (header unless `-H`; VCF regions through the tabix
//! index beside the file, BCF regions through its CSI; with `-h` and regions
//! on VCF, as `tabix -h` prints them); passes FASTQ and FASTA through
//! (decompressed, unchanged); with regions on a FASTA file prints them as
//! `samtools faidx FILE REGION…` does; passes BED, GFF3 and GTF records
//! through (with `-h` their header lines too), each line validated; and
//! with regions on other bgzipped text with a tabix index beside it (`.tbi`,
//! `.csi`: BED, GFF, …) prints the overlapping lines as
//! `tabix [-h] FILE REGION…` does.
//! CRAM input takes its reference with `--reference FASTA` (or `-T`), and
//! from `REF_CACHE`/`REF_PATH` by MD5 as samtools does (local files only).
//!
//! ```text
//! cargo run --release --example view -- -h sample.bam chr1:100-200
//! ```
//!
//! The input format is detected from its first bytes (BAM, SAM, FASTQ or
//! FASTA; plain, gzip or BGZF); regions need a `.bai` or `.csi` index beside
//! a BAM file or a `.crai` beside a CRAM file, and use (or build in memory) a `.fai` for FASTA.
use std::io::{BufRead, BufWriter, Write};
use std::process::ExitCode;

use biometal::formats::{bam, bed, detect, fasta, fastq, gff, sam, DetectedFormat};
use biometal::index;
use biometal::index::tabix::{self, TabixIndex};
use biometal::region::Region;
use biometal::{ErrorKind, Format};

#[path = "support/pipe.rs"]
mod pipe;
#[path = "support/variants.rs"]
mod variants;

struct Options {
    header: bool,
    no_header: bool,
    reference: Option<String>,
    threads: usize,
    path: String,
    regions: Vec<String>,
}

fn usage() -> ExitCode {
    eprintln!("usage: view [-h] [-H] [-@ N] [--reference FASTA] FILE [REGION...]");
    ExitCode::FAILURE
}

fn parse_args() -> Option<Options> {
    let mut options = Options {
        header: false,
        no_header: false,
        reference: None,
        threads: 1,
        path: String::new(),
        regions: Vec::new(),
    };
    let mut args = std::env::args().skip(1);
    let mut positional = Vec::new();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" => options.header = true,
            "-H" => options.no_header = true,
            "-@" => options.threads = args.next()?.parse().ok()?,
            "-T" | "--reference" => options.reference = Some(args.next()?),
            _ if arg.starts_with('-') && arg.len() > 1 => return None,
            _ => positional.push(arg),
        }
    }
    let mut positional = positional.into_iter();
    options.path = positional.next()?;
    options.regions = positional.collect();
    Some(options)
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
        Err(error) if pipe::is_broken_pipe(&error) => pipe::broken_pipe_exit(),
        Err(error) => {
            eprintln!("view: {}: {error}", options.path);
            ExitCode::FAILURE
        }
    }
}

fn run(options: &Options, out: &mut impl Write) -> biometal::Result<()> {
    let io_options = biometal::io::IoOptions::default().with_bgzf_threads(options.threads);
    let mut source = biometal::io::open_with(&options.path, &io_options)?;
    let format = detect(source.fill_buf()?);
    // VCF regions print as bcftools view does; with `-h` (a samtools/tabix
    // flag, not a bcftools one) as `tabix -h` does, through the branch below.
    if format == DetectedFormat::Vcf && !options.regions.is_empty() && !options.header {
        let (path, regions) = (&options.path, &options.regions);
        return variants::view_vcf_regions(path, source, regions, options.no_header, out);
    }
    if !options.regions.is_empty() {
        if let Some(index) = tabix_index_for(&options.path, format)? {
            return view_tabix(options, &index, source, out);
        }
    }
    match format {
        DetectedFormat::Bam => view_bam(options, source, out),
        DetectedFormat::Cram => view_cram(options, source, out),
        DetectedFormat::Fastq if options.regions.is_empty() => view_fastq(source, out),
        DetectedFormat::Fastq => Err(biometal::Error::unsupported(
            Format::Fastq,
            "regions apply to indexed files (BAM, FASTA)",
        )),
        DetectedFormat::Fasta if options.regions.is_empty() => copy_verbatim(source, out),
        DetectedFormat::Fasta => view_fasta_regions(options, out),
        DetectedFormat::Bed if options.regions.is_empty() => view_bed(options, source, out),
        DetectedFormat::Gff if options.regions.is_empty() => view_gff(options, source, out),
        DetectedFormat::Bcf => {
            let (path, regions) = (&options.path, &options.regions);
            variants::view_bcf(path, source, regions, options.no_header, out)
        }
        DetectedFormat::Vcf => variants::view_vcf(source, options.no_header, out),
        _ => view_sam(options, source, out),
    }
}

/// The tabix index beside a text file (`None` for binary formats, FASTA,
/// FASTQ, or when there is none).
fn tabix_index_for(path: &str, format: DetectedFormat) -> biometal::Result<Option<TabixIndex>> {
    use DetectedFormat::*;
    if matches!(format, Bam | Cram | Bcf | Fasta | Fastq) {
        return Ok(None);
    }
    match tabix::load_for(path) {
        Ok(index) => Ok(Some(index)),
        Err(error) if error.kind() == ErrorKind::NotFound => Ok(None),
        Err(error) => Err(error),
    }
}

/// `tabix [-h] FILE REGION…`: the header lines with `-h`, then each
/// region's overlapping lines (nothing for sequences the index lacks).
fn view_tabix(
    options: &Options,
    index: &TabixIndex,
    mut source: biometal::io::Source,
    out: &mut impl Write,
) -> biometal::Result<()> {
    if options.header {
        let config = index.config();
        let mut line = Vec::new();
        for number in 1.. {
            line.clear();
            if source.read_until(b'\n', &mut line)? == 0 {
                break;
            }
            if number > config.skip_lines && line.first() != Some(&config.comment) {
                break;
            }
            out.write_all(&line)?;
        }
    }
    if let Some(bgzf) = source.bgzf_mut() {
        bgzf.set_block_cache(tabix::DEFAULT_BLOCK_CACHE);
    }
    for text in &options.regions {
        let region = match index.parse_region(text) {
            Ok(region) => region,
            Err(error) if error.kind() == ErrorKind::NotFound => continue,
            Err(error) => return Err(error),
        };
        let mut query = tabix::query(&mut source, index, &region)?;
        while let Some(line) = query.next_line()? {
            out.write_all(line.bytes())?;
            out.write_all(b"\n")?;
        }
    }
    Ok(())
}

/// FASTQ pass-through: every record checked, written back byte for byte.
fn view_fastq(source: biometal::io::Source, out: &mut impl Write) -> biometal::Result<()> {
    let mut reader = fastq::Reader::new(source);
    let mut writer = fastq::Writer::new(out);
    while let Some(record) = reader.next_record() {
        writer.write_record_ref(&record?)?;
    }
    writer.flush()
}

/// BED pass-through: every record validated and written as read; with
/// `-h` the `track`/`browser`/`#` lines too (then the output is the input).
fn view_bed(
    options: &Options,
    source: biometal::io::Source,
    out: &mut impl Write,
) -> biometal::Result<()> {
    let mut reader = bed::Reader::new(source);
    let mut writer = bed::Writer::new(out);
    while let Some(line) = reader.next_line() {
        match line? {
            bed::Line::Header(_) if !options.header => {}
            line => writer.write_line(&line)?,
        }
    }
    writer.flush()
}

/// GFF3/GTF pass-through: every feature validated and written as read;
/// with `-h` the directives, comments and `##FASTA` section too (then the
/// output is the input).
fn view_gff(
    options: &Options,
    source: biometal::io::Source,
    out: &mut impl Write,
) -> biometal::Result<()> {
    let mut reader = gff::Reader::new(source);
    let mut writer = gff::Writer::new(&mut *out);
    while let Some(line) = reader.next_line() {
        match line? {
            gff::Line::Record(record) => writer.write_record(&record)?,
            line if options.header => writer.write_line(&line)?,
            _ => {}
        }
    }
    writer.flush()?;
    if options.header && reader.at_fasta() {
        std::io::copy(&mut reader.into_fasta_reader()?.into_inner(), out)?;
    }
    Ok(())
}

/// FASTA pass-through: the decompressed bytes, unchanged.
fn copy_verbatim(mut source: biometal::io::Source, out: &mut impl Write) -> biometal::Result<()> {
    std::io::copy(&mut source, out)?;
    Ok(())
}

/// `samtools faidx FILE REGION…`: each region's bases under a `>REGION`
/// header, 60 to a line; a region past the end is cut short with a warning.
fn view_fasta_regions(options: &Options, out: &mut impl Write) -> biometal::Result<()> {
    const LINE_WIDTH: usize = 60;
    let reader = fasta::IndexedReader::from_path(&options.path)?;
    let mut bases = Vec::new();
    for text in &options.regions {
        writeln!(out, ">{text}")?;
        let index = reader.index();
        let region = Region::parse_with_names(text, |name| index.get(name.as_bytes()).is_some())?;
        let interval = region.interval();
        let length = index
            .get(region.name().as_bytes())
            .map_or(0, |record| record.length());
        if interval.is_empty() || interval.start() >= length {
            return Err(biometal::Error::invalid_input(
                Format::Fasta,
                format!(
                    "region {text} is empty or starts past the end of {} ({length} bp)",
                    region.name()
                ),
            ));
        }
        if !interval.is_open_ended() && interval.end() > length {
            out.flush()?;
            eprintln!("view: warning: truncated sequence: {text}");
        }
        reader.fetch_into(region.name().as_bytes(), interval, &mut bases)?;
        for line in bases.chunks(LINE_WIDTH) {
            out.write_all(line)?;
            out.write_all(b"\n")?;
        }
    }
    Ok(())
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
    let mut writer = sam::Writer::buffered(out);
    if options.header {
        writer.write_header(&header)?;
    }
    let mut record = sam::Record::default();
    while reader.read_record(&header, &mut record)? {
        writer.write_record(&header, record.as_ref())?;
    }
    writer.flush()
}

fn view_bam(
    options: &Options,
    source: biometal::io::Source,
    out: &mut impl Write,
) -> biometal::Result<()> {
    let mut reader = bam::ReaderBuilder::new().build(source);
    let header = reader.read_header()?;
    let mut writer = sam::Writer::buffered(out);
    if options.header {
        writer.write_header(&header)?;
    }
    if options.regions.is_empty() {
        while let Some(record) = reader.next_record()? {
            writer.write_record(&header, record)?;
        }
        return writer.flush();
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
    writer.flush()
}

fn view_cram(
    options: &Options,
    source: biometal::io::Source,
    out: &mut impl Write,
) -> biometal::Result<()> {
    use biometal::formats::cram;
    let reference = cram::ReferenceSource::from_fasta_path_and_env(options.reference.as_deref())?;
    let prefix = std::path::Path::new(&options.path)
        .file_name()
        .map_or_else(|| "cram".into(), |name| name.to_string_lossy().into_owned());
    let mut reader = cram::ReaderBuilder::new()
        .reference(reference)
        .name_prefix(prefix)
        .threads(options.threads)
        .build(source);
    let header = reader.read_header()?;
    let mut writer = sam::Writer::buffered(out);
    if options.header {
        writer.write_header(&header)?;
    }
    if options.regions.is_empty() {
        while let Some(record) = reader.next_record()? {
            writer.write_record(&header, record)?;
        }
        return writer.flush();
    }
    let index = cram::crai::load_for(&options.path)?;
    for text in &options.regions {
        let mut query = if text == "*" {
            reader.query_unmapped(&index)?
        } else {
            let region =
                Region::parse_with_names(text, |name| header.reference_id(name).is_some())?;
            reader.query(&index, &region)?
        };
        while let Some(record) = query.next_record()? {
            writer.write_record(&header, record)?;
        }
    }
    writer.flush()
}
