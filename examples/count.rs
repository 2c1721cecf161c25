//! `count [-@ N] FILE [REGION…]`: prints the number of records alone, like
//! `samtools view -c FILE [REGION…]` for SAM/BAM (regions need a BAI/CSI
//! index), the number of reads or sequences of a FASTQ or FASTA file
//! (plain, gzip or BGZF), the features of a BED, GFF3 or GTF file, the
//! number of VCF/BCF records (`bcftools view -H FILE [REGION…] | wc -l`:
//! with regions, as bcftools selects records, through the CSI index of a
//! BCF or the `.tbi`/`.csi` of a VCF.gz), and with regions on other
//! bgzipped text with a tabix index (`.tbi`, `.csi`: BED, GFF) the number
//! of lines `tabix FILE REGION…` prints.
//! CRAM is counted without decoding sequences, so it needs no reference;
//! CRAM regions need a `.crai` index beside the file. Regions that fail are
//! handled as `view` handles them (samtools: warned and skipped; bcftools:
//! a comma-separated list, unknown sequences warned and skipped).
//!
//! ```text
//! cargo run --release --example count -- sample.bam chr1:100-200
//! ```
use std::io::BufRead;
use std::process::ExitCode;

use biometal::formats::{bam, bed, detect, fasta, fastq, gff, sam, DetectedFormat};
use biometal::index;
use biometal::index::tabix;
use biometal::{ErrorKind, Format};

#[path = "support/samtools_regions.rs"]
mod samtools_regions;
#[path = "support/variants.rs"]
mod variants;

fn main() -> ExitCode {
    let mut threads = 1;
    let mut reference = None;
    let mut positional = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-@" => match args.next().and_then(|n| n.parse().ok()) {
                Some(n) => threads = n,
                None => return usage(),
            },
            "-T" | "--reference" => match args.next() {
                Some(path) => reference = Some(path),
                None => return usage(),
            },
            _ if arg.starts_with('-') && arg.len() > 1 => return usage(),
            _ => positional.push(arg),
        }
    }
    let Some((path, regions)) = positional.split_first() else {
        return usage();
    };
    match run(path, regions, threads, reference.as_deref()) {
        Ok(count) => {
            println!("{count}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("count: {path}: {error}");
            variants::bcftools_region_exit(&error).unwrap_or(ExitCode::FAILURE)
        }
    }
}

fn usage() -> ExitCode {
    eprintln!("usage: count [-@ N] [--reference FASTA] FILE [REGION...]");
    ExitCode::FAILURE
}

fn run(
    path: &str,
    regions: &[String],
    threads: usize,
    reference: Option<&str>,
) -> biometal::Result<u64> {
    let io_options = biometal::io::IoOptions::default().with_bgzf_threads(threads);
    let mut source = biometal::io::open_with(path, &io_options)?;
    let format = detect(source.fill_buf()?);
    if !regions.is_empty() {
        if let Some(count) = count_tabix(path, format, &mut source, regions)? {
            return Ok(count);
        }
    }
    let no_regions = |format: Format| {
        if regions.is_empty() {
            Ok(())
        } else {
            Err(biometal::Error::unsupported(
                format,
                "region queries need an indexed BAM (for FASTA use view FILE REGION)",
            ))
        }
    };
    match format {
        DetectedFormat::Bam => count_bam(path, source, regions),
        DetectedFormat::Cram => count_cram(path, source, reference, threads, regions),
        DetectedFormat::Fastq => no_regions(Format::Fastq).and_then(|()| count_fastq(source)),
        DetectedFormat::Fasta => no_regions(Format::Fasta).and_then(|()| count_fasta(source)),
        DetectedFormat::Bed => no_regions(Format::Bed).and_then(|()| count_bed(source)),
        DetectedFormat::Gff => no_regions(Format::Gff).and_then(|()| count_gff(source)),
        DetectedFormat::Vcf => variants::count_vcf(path, source, regions),
        DetectedFormat::Bcf => variants::count_bcf(path, source, regions),
        _ => no_regions(Format::Sam).and_then(|()| count_sam(source)),
    }
}

/// The lines of `regions` in bgzipped text with a tabix index beside it, as
/// `tabix FILE REGION… | wc -l` counts them; `None` when the file has no
/// tabix index (or is binary, FASTA or FASTQ, or VCF, whose regions are
/// counted as bcftools selects records).
fn count_tabix(
    path: &str,
    format: DetectedFormat,
    source: &mut biometal::io::Source,
    regions: &[String],
) -> biometal::Result<Option<u64>> {
    use DetectedFormat::*;
    if matches!(format, Bam | Cram | Bcf | Vcf | Fasta | Fastq) {
        return Ok(None);
    }
    let index = match tabix::load_for(path) {
        Ok(index) => index,
        Err(error) if error.kind() == ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(error),
    };
    if let Some(bgzf) = source.bgzf_mut() {
        bgzf.set_block_cache(tabix::DEFAULT_BLOCK_CACHE);
    }
    let mut count = 0;
    for text in regions {
        let region = match index.parse_region(text) {
            Ok(region) => region,
            Err(error) if error.kind() == ErrorKind::NotFound => continue,
            Err(error) => return Err(error),
        };
        let mut query = tabix::query(source, &index, &region)?;
        while query.next_line()?.is_some() {
            count += 1;
        }
    }
    Ok(Some(count))
}

/// FASTQ records, through the zero-copy tier.
fn count_fastq(source: biometal::io::Source) -> biometal::Result<u64> {
    let mut reader = fastq::Reader::new(source);
    let mut count = 0;
    while let Some(record) = reader.next_record() {
        record?;
        count += 1;
    }
    Ok(count)
}

/// FASTA records.
fn count_fasta(source: biometal::io::Source) -> biometal::Result<u64> {
    let mut reader = fasta::Reader::new(source);
    let mut count = 0;
    while let Some(record) = reader.next_record() {
        record?;
        count += 1;
    }
    Ok(count)
}

/// BED records (header lines not counted), every line validated.
fn count_bed(source: biometal::io::Source) -> biometal::Result<u64> {
    let mut reader = bed::Reader::new(source);
    while let Some(record) = reader.next_record() {
        record?;
    }
    Ok(reader.records_read())
}

/// GFF3/GTF features (directives, comments and a `##FASTA` section not
/// counted), every line validated.
fn count_gff(source: biometal::io::Source) -> biometal::Result<u64> {
    let mut reader = gff::Reader::new(source);
    while let Some(record) = reader.next_record() {
        record?;
    }
    Ok(reader.records_read())
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

fn count_cram(
    path: &str,
    source: biometal::io::Source,
    reference: Option<&str>,
    threads: usize,
    regions: &[String],
) -> biometal::Result<u64> {
    use biometal::formats::cram;
    let reference = cram::ReferenceSource::from_fasta_path_and_env(reference)?;
    // Counting needs the flags only: the other data series' blocks are not
    // decompressed, no reference is read and no record is laid out (region
    // queries still decode the alignment they select by).
    let mut reader = cram::ReaderBuilder::new()
        .reference(reference)
        .fields(cram::Fields::flags_only())
        .threads(threads)
        .build(source);
    let header = reader.read_header()?;
    if regions.is_empty() {
        return reader.count_records();
    }
    let mut count = 0;
    let index = cram::crai::load_for(path)?;
    for text in regions {
        let mut query = if text == "*" {
            reader.query_unmapped(&index)?
        } else {
            let known = |name: &str| header.reference_id(name).is_some();
            let Some(region) = samtools_regions::region_or_warn("count", text, known) else {
                continue;
            };
            reader.query(&index, &region)?
        };
        while query.next_record()?.is_some() {
            count += 1;
        }
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
            let known = |name: &str| header.reference_id(name).is_some();
            let Some(region) = samtools_regions::region_or_warn("count", text, known) else {
                continue;
            };
            index::query(&mut reader, &header, &index, &region)?
        };
        while query.next_record()?.is_some() {
            count += 1;
        }
    }
    Ok(count)
}
