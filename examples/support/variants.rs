//! VCF (and, through [`Variant`], BCF) for the `view` and `count` examples:
//! `bcftools view [-H] FILE [REGION…]` and `bcftools view -H … | wc -l`.
//!
//! The writing side is generic over [`Variant`], so any record type the
//! crate reads (VCF lines, BCF records) prints the same way.

#![allow(dead_code)] // each example uses a different subset

use std::collections::HashSet;
use std::io::Write;

use biometal::formats::vcf::{self, Header, Variant};
use biometal::formats::{bcf, DetectedFormat};
use biometal::index::tabix;
use biometal::io::{Compression, Sink, Source, WriterOptions};
use biometal::region::{Interval, Region};
use biometal::{ErrorKind, Format};

/// Writes one variant as `bcftools view` prints it.
pub fn write_variant<W: Write>(
    writer: &mut vcf::Writer<W>,
    header: &Header,
    variant: &impl Variant,
) -> biometal::Result<()> {
    writer.write_variant(header, variant)
}

/// `bcftools view [-H] FILE`: the header (unless `no_header`) and every
/// record of a VCF input.
pub fn view_vcf(source: Source, no_header: bool, out: &mut impl Write) -> biometal::Result<()> {
    let mut reader = vcf::Reader::new(source);
    let header = reader.read_header()?.clone();
    let mut writer = vcf::Writer::new(out);
    if !no_header {
        write_bcftools_header(&mut writer, &header)?;
    }
    while let Some(record) = reader.next_record()? {
        write_variant(&mut writer, &header, &record)?;
    }
    writer.flush()
}

/// `bcftools view [-H] FILE REGION…`: the header (unless `no_header`) and
/// the records overlapping the regions (see [`bcftools_regions`]), through
/// the tabix index (`.tbi` or `.csi`) beside the file.
pub fn view_vcf_regions(
    path: &str,
    source: Source,
    regions: &[String],
    no_header: bool,
    out: &mut impl Write,
) -> biometal::Result<()> {
    let mut reader = vcf::Reader::new(source);
    let header = reader.read_header()?.clone();
    let mut writer = vcf::Writer::new(out);
    if !no_header {
        write_bcftools_header(&mut writer, &header)?;
    }
    for_each_vcf(path, &mut reader, regions, |record| {
        writer.write_variant(&header, &record)
    })?;
    writer.flush()
}

/// Calls `each` with every record of a VCF `reader`, or, given regions,
/// with the records overlapping them (see [`bcftools_regions`]) through
/// the tabix index (`.tbi` or `.csi`) beside `path`.
pub fn for_each_vcf(
    path: &str,
    reader: &mut vcf::Reader<Source>,
    regions: &[String],
    mut each: impl FnMut(vcf::RecordRef<'_>) -> biometal::Result<()>,
) -> biometal::Result<()> {
    if regions.is_empty() {
        reader.read_header()?;
        while let Some(record) = reader.next_record()? {
            each(record)?;
        }
        return Ok(());
    }
    let index = tabix::load_for(path)?;
    for (name, intervals) in bcftools_regions(regions, |name| index.reference_id(name).is_some())? {
        let mut printed = Printed::default();
        for interval in intervals {
            printed.next_interval();
            let mut query = reader.query(&index, &Region::new(name.as_str(), interval))?;
            while let Some(record) = query.next_record()? {
                if printed.first_time(record.position()?.get()) {
                    each(record)?;
                }
            }
        }
    }
    Ok(())
}

/// The regions of a `bcftools view FILE REGION…` command line, as bcftools
/// reads them: `chr:pos` is that one position (samtools: to the end);
/// grouped by sequence in order of first mention, each sequence's intervals
/// sorted and overlapping ones merged; regions on sequences the file does
/// not know left out. Every record overlapping any region is printed once,
/// in file order within each sequence (see [`Printed`]).
pub fn bcftools_regions(
    texts: &[String],
    is_known: impl Fn(&str) -> bool,
) -> biometal::Result<Vec<(String, Vec<Interval>)>> {
    let mut plan: Vec<(String, Vec<Interval>)> = Vec::new();
    for text in texts {
        let region = match bcftools_region(text, &is_known) {
            Ok(region) => region,
            Err(error) if error.kind() == ErrorKind::NotFound => continue,
            Err(error) => return Err(error),
        };
        match plan.iter_mut().find(|(name, _)| name == region.name()) {
            Some((_, intervals)) => intervals.push(region.interval()),
            None => plan.push((region.name().to_owned(), vec![region.interval()])),
        }
    }
    for (_, intervals) in &mut plan {
        intervals.sort_by_key(|interval| (interval.start(), interval.end()));
        let mut merged: Vec<Interval> = Vec::with_capacity(intervals.len());
        for interval in intervals.drain(..) {
            match merged.last_mut() {
                Some(last) if interval.start() <= last.end() => {
                    *last = Interval::new(last.start(), last.end().max(interval.end()))?;
                }
                _ => merged.push(interval),
            }
        }
        *intervals = merged;
    }
    Ok(plan)
}

/// Which records of one sequence's sorted, merged intervals are new: a
/// record overlapping an earlier interval (a long deletion reaching into a
/// later one) was printed there. Such a record starts at or before the last
/// one printed, and a record not printed yet starts after it, so the
/// position of the last record printed before an interval decides.
#[derive(Default)]
pub struct Printed {
    /// The last position printed before the current interval (1-based).
    floor: Option<u64>,
    /// The last position printed (1-based).
    last: Option<u64>,
}

impl Printed {
    /// Starts the next interval's query.
    pub fn next_interval(&mut self) {
        self.floor = self.last;
    }

    /// Whether the record at 1-based `position`, found by the current
    /// interval's query, is printed now (not already).
    pub fn first_time(&mut self, position: u64) -> bool {
        if self.floor.is_some_and(|floor| position <= floor) {
            return false;
        }
        self.last = Some(position);
        true
    }
}

/// The number of records of a VCF input (in `regions`, when given).
pub fn count_vcf(path: &str, source: Source, regions: &[String]) -> biometal::Result<u64> {
    let mut reader = vcf::Reader::new(source);
    let mut count = 0;
    for_each_vcf(path, &mut reader, regions, |_| {
        count += 1;
        Ok(())
    })?;
    Ok(count)
}

/// bcftools reads `chr:pos` as that one position (samtools: to the end of
/// the sequence); `chr:pos-pos` says so to [`Region`] parsing.
pub fn bcftools_region(text: &str, is_known: impl Fn(&str) -> bool) -> biometal::Result<Region> {
    let single = text.rsplit_once(':').and_then(|(_, position)| {
        let digits = position.replace(',', "");
        (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
            .then(|| format!("{text}-{digits}"))
    });
    match single {
        Some(single) if !is_known(text) => Region::parse_with_names(&single, is_known),
        _ => Region::parse_with_names(text, is_known),
    }
}

/// Writes `header` as `bcftools view` prints it, less the
/// `##bcftools_viewVersion`/`##bcftools_viewCommand` lines it appends: as
/// htslib parses and re-writes a header. `##FILTER=<ID=PASS,…>` comes right
/// after the first line (the file's own PASS line is dropped); a later
/// INFO, FORMAT, FILTER or contig line of an ID already defined is dropped,
/// as are repeated `key=value` lines, repeated `fileformat` lines and
/// `key=<…>` lines whose attributes do not parse; the `IDX=` attributes
/// that pin BCF dictionary indices are left out.
pub fn write_bcftools_header<W: Write>(
    writer: &mut vcf::Writer<W>,
    header: &Header,
) -> biometal::Result<()> {
    const PASS: &[u8] = b"##FILTER=<ID=PASS,Description=\"All filters passed\">\n";
    let mut text = Vec::new();
    header.write(&mut text).map_err(biometal::Error::from)?;
    let mut defined = HashSet::new();
    let mut generic = HashSet::new();
    let mut out = Vec::with_capacity(text.len() + PASS.len());
    let mut lines = header.lines().iter();
    for (number, text) in text.split_inclusive(|&b| b == b'\n').enumerate() {
        let Some(line) = lines.next() else {
            out.extend_from_slice(text); // the #CHROM line
            continue;
        };
        let key = line.key();
        let keep = match line.attributes() {
            _ if number == 0 => true,
            None if line.value().starts_with('<') => false,
            None => key != "fileformat" && generic.insert((key, line.value())),
            Some(_) if matches!(key, "INFO" | "FORMAT" | "FILTER" | "contig") => {
                let id = line.attribute("ID").unwrap_or("");
                !(key == "FILTER" && id == "PASS") && defined.insert((key, id))
            }
            Some(_) => true,
        };
        if number == 0 {
            generic.insert((key, line.value()));
        }
        if keep {
            push_without_idx(&mut out, text);
        }
        if number == 0 {
            out.extend_from_slice(PASS);
        }
    }
    writer
        .get_mut()
        .write_all(&out)
        .map_err(biometal::Error::from)
}

/// Appends a header line to `out` without its `,IDX=n` attribute.
fn push_without_idx(out: &mut Vec<u8>, line: &[u8]) {
    match find(line, b",IDX=").filter(|_| line.starts_with(b"##")) {
        Some(at) => {
            let digits = line[at + 5..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            out.extend_from_slice(&line[..at]);
            out.extend_from_slice(&line[at + 5 + digits..]);
        }
        None => out.extend_from_slice(line),
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Calls `each` with every record of a BCF `reader` (header read), or,
/// given regions, with the records overlapping them (see
/// [`bcftools_regions`]) through the CSI index beside `path`.
pub fn for_each_bcf(
    path: &str,
    reader: &mut bcf::Reader<Source>,
    header: &Header,
    regions: &[String],
    mut each: impl FnMut(bcf::RecordRef<'_>) -> biometal::Result<()>,
) -> biometal::Result<()> {
    if regions.is_empty() {
        while let Some(record) = reader.next_record()? {
            each(record)?;
        }
        return Ok(());
    }
    let index = biometal::index::load_for(path)?;
    let plan = bcftools_regions(regions, |name| header.contig_index(name).is_some())?;
    for (name, intervals) in plan {
        let mut printed = Printed::default();
        for interval in intervals {
            printed.next_interval();
            let region = Region::new(name.as_str(), interval);
            let mut query = reader.query(header, &index, &region)?;
            while let Some(record) = query.next_record()? {
                if printed.first_time(Variant::position(&record)?.get()) {
                    each(record)?;
                }
            }
        }
    }
    Ok(())
}

/// `bcftools view [-H] FILE [REGION…]` of a BCF input.
pub fn view_bcf(
    path: &str,
    source: Source,
    regions: &[String],
    no_header: bool,
    out: &mut impl Write,
) -> biometal::Result<()> {
    let mut reader = bcf::ReaderBuilder::new().build(source);
    let header = reader.read_header()?;
    let mut writer = vcf::Writer::new(out);
    if !no_header {
        write_bcftools_header(&mut writer, &header)?;
    }
    for_each_bcf(path, &mut reader, &header, regions, |record| {
        writer.write_variant(&header, &record)
    })?;
    writer.flush()
}

/// The number of records of a BCF input (in `regions`, when given).
pub fn count_bcf(path: &str, source: Source, regions: &[String]) -> biometal::Result<u64> {
    let mut reader = bcf::ReaderBuilder::new().build(source);
    let header = reader.read_header()?;
    let mut count = 0;
    for_each_bcf(path, &mut reader, &header, regions, |_| {
        count += 1;
        Ok(())
    })?;
    Ok(count)
}

/// `bcftools view -Ob/-Oz/-Ov -o OUT IN`: VCF or BCF in, by the output's
/// extension `.bcf` (BGZF BCF), `.vcf.gz` (BGZF VCF), `.vcf` or `-` (VCF
/// text).
pub fn convert_variants(
    input_format: DetectedFormat,
    source: Source,
    output: &str,
    level: u32,
    threads: usize,
) -> biometal::Result<()> {
    enum Out {
        Bcf(Box<bcf::Writer<Sink>>),
        Vcf(Box<vcf::Writer<Sink>>),
    }
    let (compression, is_bcf) = if output.ends_with(".bcf") {
        (Compression::None, true)
    } else if output.ends_with(".vcf.gz") {
        (Compression::Bgzf, false)
    } else if output.ends_with(".vcf") || output == "-" {
        (Compression::None, false)
    } else {
        return Err(biometal::Error::unsupported(
            Format::Vcf,
            "variant output must end in .bcf, .vcf.gz or .vcf (or be -)",
        ));
    };
    let sink_options = WriterOptions::new(compression)
        .with_level(level)
        .with_threads(threads);
    let sink = biometal::io::open_writer_with(output, &sink_options)?;
    let mut out = if is_bcf {
        let writer = bcf::WriterBuilder::new()
            .level(level)
            .threads(threads)
            .build(sink)?;
        Out::Bcf(Box::new(writer))
    } else {
        Out::Vcf(Box::new(vcf::Writer::new(sink)))
    };
    match input_format {
        DetectedFormat::Bcf => {
            let mut reader = bcf::ReaderBuilder::new().build(source);
            let header = reader.read_header()?;
            match &mut out {
                Out::Bcf(w) => w.write_header(&header)?,
                Out::Vcf(w) => write_bcftools_header(w, &header)?,
            }
            while let Some(record) = reader.next_record()? {
                match &mut out {
                    Out::Bcf(w) => w.write_record(record)?,
                    Out::Vcf(w) => w.write_variant(&header, &record)?,
                }
            }
        }
        _ => {
            let mut reader = vcf::Reader::new(source);
            let header = reader.read_header()?.clone();
            match &mut out {
                Out::Bcf(w) => w.write_header(&header)?,
                Out::Vcf(w) => write_bcftools_header(w, &header)?,
            }
            while let Some(record) = reader.next_record()? {
                match &mut out {
                    Out::Bcf(w) => w.write_variant(&header, &record)?,
                    Out::Vcf(w) => w.write_variant(&header, &record)?,
                }
            }
        }
    }
    match out {
        Out::Bcf(w) => w.finish()?.finish(),
        Out::Vcf(w) => w.finish(),
    }
}
