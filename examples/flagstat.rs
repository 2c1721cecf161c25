//! `flagstat [-@ N] [--reference FASTA] FILE`: counts alignments by FLAG
//! category, printing exactly what `samtools flagstat` prints.
//!
//! ```text
//! cargo run --release --example flagstat -- sample.bam
//! cargo run --release --example flagstat -- -@ 4 sample.cram
//! ```
//!
//! CRAM is read without sequences, qualities, names or tags (their blocks
//! are not decompressed), so it needs no reference; `--reference` (`-T`)
//! is accepted as for the other examples, and `-@ N` decodes slices on `N`
//! threads.
use std::io::{BufRead, Write};
use std::process::ExitCode;

use biometal::formats::sam::Flags;
use biometal::formats::{bam, cram, detect, sam, DetectedFormat};

#[path = "support/pipe.rs"]
mod pipe;

fn main() -> ExitCode {
    let mut threads = 1;
    let mut reference = None;
    let mut paths = Vec::new();
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
            _ => paths.push(arg),
        }
    }
    let [path] = &paths[..] else {
        return usage();
    };
    match run(path, threads, reference.as_deref()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if pipe::is_broken_pipe(&error) => pipe::broken_pipe_exit(),
        Err(error) => {
            eprintln!("flagstat: {path}: {error}");
            ExitCode::FAILURE
        }
    }
}

fn usage() -> ExitCode {
    eprintln!("usage: flagstat [-@ N] [--reference FASTA] FILE");
    ExitCode::FAILURE
}

/// Counts for QC-passed (`[0]`) and QC-failed (`[1]`) records.
#[derive(Default)]
struct FlagStats {
    total: [u64; 2],
    primary: [u64; 2],
    secondary: [u64; 2],
    supplementary: [u64; 2],
    duplicates: [u64; 2],
    primary_duplicates: [u64; 2],
    mapped: [u64; 2],
    primary_mapped: [u64; 2],
    paired: [u64; 2],
    read1: [u64; 2],
    read2: [u64; 2],
    properly_paired: [u64; 2],
    both_mapped: [u64; 2],
    singletons: [u64; 2],
    mate_other_reference: [u64; 2],
    mate_other_reference_mapq5: [u64; 2],
}

impl FlagStats {
    fn add(&mut self, record: sam::RecordRef<'_>) {
        let flags: Flags = record.flags();
        let w = usize::from(flags.is_qc_fail());
        self.total[w] += 1;
        if flags.is_secondary() {
            self.secondary[w] += 1;
        } else if flags.is_supplementary() {
            self.supplementary[w] += 1;
        } else {
            self.primary[w] += 1;
            if flags.is_paired() {
                self.paired[w] += 1;
                if flags.is_proper_pair() && !flags.is_unmapped() {
                    self.properly_paired[w] += 1;
                }
                if flags.is_first_segment() {
                    self.read1[w] += 1;
                }
                if flags.is_last_segment() {
                    self.read2[w] += 1;
                }
                if flags.is_mate_unmapped() && !flags.is_unmapped() {
                    self.singletons[w] += 1;
                }
                if !flags.is_unmapped() && !flags.is_mate_unmapped() {
                    self.both_mapped[w] += 1;
                    if record.mate_reference_id() != record.reference_id() {
                        self.mate_other_reference[w] += 1;
                        if record.mapping_quality().unwrap_or(255) >= 5 {
                            self.mate_other_reference_mapq5[w] += 1;
                        }
                    }
                }
            }
            if !flags.is_unmapped() {
                self.primary_mapped[w] += 1;
            }
            if flags.is_duplicate() {
                self.primary_duplicates[w] += 1;
            }
        }
        if !flags.is_unmapped() {
            self.mapped[w] += 1;
        }
        if flags.is_duplicate() {
            self.duplicates[w] += 1;
        }
    }

    fn write(&self, out: &mut impl Write) -> std::io::Result<()> {
        let percent = |part: u64, whole: u64| {
            if whole == 0 {
                "N/A".to_owned()
            } else {
                format!("{:.2}%", part as f64 * 100.0 / whole as f64)
            }
        };
        let line = |out: &mut dyn Write, v: [u64; 2], what: &str| {
            writeln!(out, "{} + {} {what}", v[0], v[1])
        };
        let ratio = |out: &mut dyn Write, v: [u64; 2], of: [u64; 2], what: &str| {
            let (p, f) = (percent(v[0], of[0]), percent(v[1], of[1]));
            writeln!(out, "{} + {} {what} ({p} : {f})", v[0], v[1])
        };
        line(
            out,
            self.total,
            "in total (QC-passed reads + QC-failed reads)",
        )?;
        line(out, self.primary, "primary")?;
        line(out, self.secondary, "secondary")?;
        line(out, self.supplementary, "supplementary")?;
        line(out, self.duplicates, "duplicates")?;
        line(out, self.primary_duplicates, "primary duplicates")?;
        ratio(out, self.mapped, self.total, "mapped")?;
        ratio(out, self.primary_mapped, self.primary, "primary mapped")?;
        line(out, self.paired, "paired in sequencing")?;
        line(out, self.read1, "read1")?;
        line(out, self.read2, "read2")?;
        ratio(out, self.properly_paired, self.paired, "properly paired")?;
        line(out, self.both_mapped, "with itself and mate mapped")?;
        ratio(out, self.singletons, self.paired, "singletons")?;
        line(
            out,
            self.mate_other_reference,
            "with mate mapped to a different chr",
        )?;
        line(
            out,
            self.mate_other_reference_mapq5,
            "with mate mapped to a different chr (mapQ>=5)",
        )
    }
}

fn run(path: &str, threads: usize, reference: Option<&str>) -> biometal::Result<()> {
    let io_options = biometal::io::IoOptions::default().with_bgzf_threads(threads);
    let mut source = biometal::io::open_with(path, &io_options)?;
    let stats = match detect(source.fill_buf()?) {
        DetectedFormat::Bam => flagstat_bam(source)?,
        DetectedFormat::Cram => flagstat_cram(source, threads, reference)?,
        _ => flagstat_sam(source)?,
    };
    let mut out = std::io::stdout().lock();
    stats.write(&mut out)?;
    Ok(())
}

fn flagstat_bam(source: biometal::io::Source) -> biometal::Result<FlagStats> {
    let mut reader = bam::ReaderBuilder::new().build(source);
    reader.read_header()?;
    let mut stats = FlagStats::default();
    while let Some(record) = reader.next_record()? {
        stats.add(record);
    }
    Ok(stats)
}

fn flagstat_cram(
    source: biometal::io::Source,
    threads: usize,
    reference: Option<&str>,
) -> biometal::Result<FlagStats> {
    let reference = cram::ReferenceSource::from_fasta_path_and_env(reference)?;
    // Flags, positions, MAPQ and mate fields are all flagstat reads.
    let mut reader = cram::ReaderBuilder::new()
        .reference(reference)
        .fields(cram::Fields::none())
        .threads(threads)
        .build(source);
    reader.read_header()?;
    let mut stats = FlagStats::default();
    while let Some(record) = reader.next_record()? {
        stats.add(record);
    }
    Ok(stats)
}

fn flagstat_sam(source: biometal::io::Source) -> biometal::Result<FlagStats> {
    let mut reader = sam::Reader::new(source).with_strictness(sam::header::Strictness::Lenient);
    let header = reader.read_header()?;
    let mut record = sam::Record::default();
    let mut stats = FlagStats::default();
    while reader.read_record(&header, &mut record)? {
        stats.add(record.as_ref());
    }
    Ok(stats)
}
