//! The `stats` summary of SAM, BAM and CRAM files: one summary for the one
//! alignment record type every reader yields.

use biometal::formats::{bam, cram, sam};
use biometal::io::Source;
use biometal::simd::{count_bases, BaseCounts};

use super::{first_few, group_digits, print_composition, row, Options, Progress};

/// Totals over every record.
#[derive(Default)]
struct Summary {
    records: u64,
    secondary: u64,
    supplementary: u64,
    mapped: u64,
    paired: u64,
    properly_paired: u64,
    duplicates: u64,
    qc_failed: u64,
    mapq_sum: u64,
    mapq_known: u64,
    /// Primary reads with a stored sequence.
    reads: u64,
    bases: u64,
    shortest: Option<usize>,
    longest: usize,
    counts: BaseCounts,
    quality_sum: u64,
    quality_bases: u64,
    /// Mapped records per reference id.
    per_reference: Vec<u64>,
    sequence: Vec<u8>,
}

impl Summary {
    fn add(&mut self, record: sam::RecordRef<'_>) {
        let flags = record.flags();
        self.records += 1;
        self.secondary += u64::from(flags.is_secondary());
        self.supplementary += u64::from(flags.is_supplementary());
        self.duplicates += u64::from(flags.is_duplicate());
        self.qc_failed += u64::from(flags.is_qc_fail());
        if !flags.is_unmapped() {
            self.mapped += 1;
            if let Some(q) = record.mapping_quality() {
                self.mapq_sum += u64::from(q);
                self.mapq_known += 1;
            }
            if let Some(id) = record.reference_id() {
                if self.per_reference.len() <= id {
                    self.per_reference.resize(id + 1, 0);
                }
                self.per_reference[id] += 1;
            }
        }
        if flags.is_secondary() || flags.is_supplementary() {
            return;
        }
        if flags.is_paired() {
            self.paired += 1;
            self.properly_paired += u64::from(flags.is_proper_pair());
        }
        let sequence = record.sequence();
        if sequence.is_empty() {
            return;
        }
        self.reads += 1;
        self.bases += sequence.len() as u64;
        self.shortest = Some(
            self.shortest
                .map_or(sequence.len(), |s| s.min(sequence.len())),
        );
        self.longest = self.longest.max(sequence.len());
        self.sequence.clear();
        sequence.decode_into(&mut self.sequence);
        self.counts += count_bases(&self.sequence);
        if let Some(qualities) = record.qualities() {
            self.quality_sum += qualities.iter().map(|&q| u64::from(q)).sum::<u64>();
            self.quality_bases += qualities.len() as u64;
        }
    }

    fn print(&self, header: &sam::Header, sequences_decoded: bool) {
        let percent = |part: u64| {
            if self.records == 0 {
                String::new()
            } else {
                format!(" ({:.2}%)", 100.0 * part as f64 / self.records as f64)
            }
        };
        row("records", group_digits(self.records));
        row(
            "mapped",
            format!("{}{}", group_digits(self.mapped), percent(self.mapped)),
        );
        let unmapped = self.records - self.mapped;
        row(
            "unmapped",
            format!("{}{}", group_digits(unmapped), percent(unmapped)),
        );
        row("secondary", group_digits(self.secondary));
        row("supplementary", group_digits(self.supplementary));
        row("paired", group_digits(self.paired));
        row("properly paired", group_digits(self.properly_paired));
        row("duplicates", group_digits(self.duplicates));
        row("QC-failed", group_digits(self.qc_failed));
        if self.mapq_known > 0 {
            row(
                "mean MAPQ",
                format!("{:.1}", self.mapq_sum as f64 / self.mapq_known as f64),
            );
        }
        let mut busiest: Vec<(usize, u64)> = self
            .per_reference
            .iter()
            .copied()
            .enumerate()
            .filter(|&(_, n)| n > 0)
            .collect();
        busiest.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let names = header.reference_sequences();
        if !busiest.is_empty() {
            let items = busiest.iter().map(|&(id, n)| {
                let name = names.get(id).map_or("?", |r| r.name());
                format!("{name} {}", group_digits(n))
            });
            row("mapped per ref", first_few(items));
        }
        if !sequences_decoded {
            row("sequences", "not decoded (CRAM needs --reference)");
            return;
        }
        row("bases", group_digits(self.bases));
        if let Some(shortest) = self.shortest {
            let mean = self.bases as f64 / self.reads as f64;
            row(
                "read length",
                format!("{shortest}–{} (mean {mean:.1})", self.longest),
            );
        }
        print_composition(&self.counts);
        if self.quality_bases > 0 {
            let mean = self.quality_sum as f64 / self.quality_bases as f64;
            row("mean quality", format!("{mean:.1} (Phred)"));
        }
    }
}

/// SAM (no progress line: the text reader does not expose its position).
pub fn summarize_sam(source: Source) -> biometal::Result<()> {
    let mut reader = sam::Reader::new(source).with_strictness(sam::header::Strictness::Lenient);
    let header = reader.read_header()?;
    let mut record = sam::Record::default();
    let mut summary = Summary::default();
    while reader.read_record(&header, &mut record)? {
        summary.add(record.as_ref());
    }
    summary.print(&header, true);
    Ok(())
}

/// BAM.
pub fn summarize_bam(source: Source, mut progress: Progress) -> biometal::Result<()> {
    let mut reader = bam::ReaderBuilder::new().build(source);
    let header = reader.read_header()?;
    let mut summary = Summary::default();
    while let Some(record) = reader.next_record()? {
        summary.add(record);
        progress.update(summary.records, || reader.get_ref().input_position());
    }
    progress.finish();
    summary.print(&header, true);
    Ok(())
}

/// CRAM, with sequences when a reference is at hand.
pub fn summarize_cram(
    source: Source,
    mut progress: Progress,
    options: &Options,
) -> biometal::Result<()> {
    let reference = cram::ReferenceSource::from_fasta_path_and_env(options.reference.as_deref())?;
    // Without a reference only what needs no sequence is decoded (the
    // blocks of sequences, qualities, names and tags stay compressed).
    let decode_sequences = reference.is_available();
    let fields = if decode_sequences {
        cram::Fields {
            names: false,
            ..cram::Fields::all()
        }
    } else {
        cram::Fields::none()
    };
    let mut reader = cram::ReaderBuilder::new()
        .reference(reference)
        .fields(fields)
        .threads(options.threads)
        .build(source);
    let header = reader.read_header()?;
    let mut summary = Summary::default();
    while let Some(record) = reader.next_record()? {
        summary.add(record);
        progress.update(summary.records, || reader.get_ref().input_position());
    }
    progress.finish();
    summary.print(&header, decode_sequences);
    Ok(())
}
