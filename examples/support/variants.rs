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
use biometal::region::{parse_htslib_number, Interval, Region};
use biometal::Format;

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
    parse_bcftools_list(&regions.join(","))?; // fails before the header, as bcftools
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
/// 1.16 reads them: the arguments joined with `,` into one list (see
/// [`parse_bcftools_list`]); grouped by sequence in order of first mention,
/// each sequence's intervals sorted and overlapping ones merged; regions on
/// sequences the file does not know, or empty ones (`chr1:6000-5000`,
/// `chr1:0`), left out, the unknown sequences with a warning on stderr
/// (bcftools says nothing and still prints the rest, status 0). Every
/// record overlapping any region is printed once, in file order within
/// each sequence (see [`Printed`]).
pub fn bcftools_regions(
    texts: &[String],
    is_known: impl Fn(&str) -> bool,
) -> biometal::Result<Vec<(String, Vec<Interval>)>> {
    let list = texts.join(",");
    let mut plan: Vec<(String, Vec<Interval>)> = Vec::new();
    for (name, span) in parse_bcftools_list(&list)? {
        if !is_known(name) {
            eprintln!("warning: no sequence named '{name}' in the file: region skipped");
            continue;
        }
        let Some(interval) = span.interval(&list)? else {
            continue;
        };
        match plan.iter_mut().find(|(known, _)| known == name) {
            Some((_, intervals)) => intervals.push(interval),
            None => plan.push((name.to_owned(), vec![interval])),
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

/// The start of the message of a region list that does not parse.
const UNPARSED_LIST: &str = "could not parse the region(s)";

/// bcftools' exit status for `error`, when it is a region list that does
/// not parse (see [`parse_bcftools_list`]): 255, as bcftools ends then.
pub fn bcftools_region_exit(error: &biometal::Error) -> Option<std::process::ExitCode> {
    let unparsed = error.format() == Some(Format::Region)
        && error.kind() == biometal::ErrorKind::InvalidInput
        && error.message().starts_with(UNPARSED_LIST);
    unparsed.then(|| std::process::ExitCode::from(255))
}

/// The largest end bcftools queries (htslib's `MAX_CSI_COOR`, 2^44 - 1).
const MAX_CSI_COORDINATE: i64 = (1 << 44) - 1;

/// One item of a bcftools region list, as written (1-based, inclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Span {
    /// The whole sequence (`chr1`).
    Whole,
    /// `chr1:begin` (`end == Some(begin)`), `chr1:begin-end` or
    /// `chr1:begin-` (`end == None`: to the end).
    Range {
        /// The first position; may be 0 or negative, as written.
        begin: i64,
        /// The last position, `None` for the end of the sequence.
        end: Option<i64>,
    },
}

impl Span {
    /// The 0-based interval bcftools selects for this span of a sequence
    /// the file knows: `None` when empty (an end below 1 or before the
    /// beginning); an error (status 1) for a single negative position,
    /// where bcftools aborts (status 134).
    pub fn interval(self, text: &str) -> biometal::Result<Option<Interval>> {
        let fail = |why: String| {
            biometal::Error::invalid_input(Format::Region, format!("region(s) '{text}': {why}"))
        };
        let Span::Range { begin, end } = self else {
            return Ok(Some(Interval::full()));
        };
        let start = begin.saturating_sub(1).max(0) as u64;
        match end {
            None => Ok(Some(Interval::to_end(start))),
            Some(end) if end == begin && begin < 0 => {
                Err(fail(format!("cannot query the negative position {begin}")))
            }
            Some(end) if end < 1 || end < begin => Ok(None),
            Some(end) => Ok(Some(Interval::new(start, end as u64)?)),
        }
    }
}

/// Parses a bcftools region list (`bcftools view FILE chr1:5-6,chr2`) as
/// htslib 1.16's synced reader does: items separated by `,`; a name runs to
/// the first `,` or `:` (no braces, so names with `:` cannot be given);
/// `name:pos` is that one position, `name:beg-` reaches to the end, numbers
/// are read by [`parse_htslib_number`] (with a sign) without commas
/// (`chr1:1,000` is `chr1:1` and a sequence `000`). Anything else is an
/// error, as with bcftools (see [`bcftools_region_exit`]), and so is an end
/// beyond the CSI limit (2^44 - 1), on which bcftools fails (status 1).
pub fn parse_bcftools_list(list: &str) -> biometal::Result<Vec<(&str, Span)>> {
    let bad = |why: &str| {
        biometal::Error::invalid_input(Format::Region, format!("{UNPARSED_LIST} '{list}': {why}"))
    };
    let ends_item = |rest: &str| rest.is_empty() || rest.starts_with(',');
    let mut items = Vec::new();
    let mut rest = list;
    while !rest.is_empty() {
        let name_end = rest.find([',', ':']).unwrap_or(rest.len());
        let name = &rest[..name_end];
        rest = &rest[name_end..];
        let Some(range) = rest.strip_prefix(':') else {
            if !name.is_empty() {
                items.push((name, Span::Whole));
            }
            rest = rest.strip_prefix(',').unwrap_or(rest);
            continue;
        };
        let Some((begin, after)) = signed_position(range) else {
            return Err(bad("expected a position after ':'"));
        };
        let (end, after) = if ends_item(after) {
            (Some(begin), after)
        } else if let Some(after) = after.strip_prefix('-') {
            match signed_position(after) {
                Some((end, tail)) => (Some(end), tail),
                None => (None, after),
            }
        } else {
            return Err(bad("expected '-' or ',' after a position"));
        };
        if !ends_item(after) {
            return Err(bad("expected ',' after a range"));
        }
        rest = after;
        // bcftools fails on such an end (status 1) whether or not it knows
        // the sequence, after printing the regions before it; this fails
        // before any output.
        if let Some(end) = end.filter(|&end| end > MAX_CSI_COORDINATE) {
            return Err(biometal::Error::invalid_input(
                Format::Region,
                format!("region(s) '{list}': coordinate {end} is out of the CSI index limit {MAX_CSI_COORDINATE}"),
            ));
        }
        items.push((name, Span::Range { begin, end }));
    }
    Ok(items)
}

/// A position of a bcftools region list with its sign (see
/// [`parse_htslib_number`]), saturating; `None` without a digit.
fn signed_position(text: &str) -> Option<(i64, &str)> {
    let trimmed = text.trim_start();
    let (negative, digits) = match trimmed.strip_prefix('-') {
        Some(digits) => (true, digits),
        None => (false, trimmed.strip_prefix('+').unwrap_or(trimmed)),
    };
    let (value, rest) = parse_htslib_number(digits, false)?;
    let value = i64::try_from(value).unwrap_or(i64::MAX);
    Some((if negative { -value } else { value }, rest))
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
    parse_bcftools_list(&regions.join(","))?; // fails before the header, as bcftools
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
