//! The `stats` summary of VCF and BCF files: one summary over the one
//! [`Variant`] interface both readers yield, counted as `bcftools view -v`
//! and `bcftools stats` classify alleles, and every genotype decoded.

use biometal::formats::variants;
use biometal::formats::vcf::{GenotypeMatrix, Header, Variant};
use biometal::io::Source;

use super::{first_few, group_digits, row, Progress};

/// What one ALT allele is, against REF, after trimming the bases they
/// share at the start and then at the end (case-insensitive), as
/// `bcftools view -v` decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AlleleKind {
    /// Not a variant: `.`, `<*>`, `<NON_REF>`, `<X>`, or ALT equal to REF.
    NoVariant,
    /// `*`: the site overlaps a deletion upstream.
    Overlap,
    /// A breakend whose mate bracket comes first (`]2:100]T`, `[2:100[T`);
    /// htslib's BND type.
    Breakend,
    /// One base against one other; the pair, upper-cased.
    Snv(u8, u8),
    /// Bases inserted or deleted, nothing else.
    Indel,
    /// Several bases against as many others.
    Mnp,
    /// Symbolic alleles, other breakends (`T]2:100]`, `.T`) and complex
    /// substitutions.
    Other,
}

impl AlleleKind {
    fn classify(reference: &[u8], alternate: &[u8]) -> AlleleKind {
        match alternate {
            b"." | b"<*>" | b"<X>" | b"<NON_REF>" => return AlleleKind::NoVariant,
            b"*" => return AlleleKind::Overlap,
            [b'[' | b']', ..] => return AlleleKind::Breakend,
            _ => {}
        }
        let breakend = |bases: &[u8]| bases.iter().any(|&b| matches!(b, b'[' | b']' | b'<'));
        if breakend(alternate)
            || alternate.first() == Some(&b'.')
            || alternate.last() == Some(&b'.')
        {
            return AlleleKind::Other;
        }
        let same = |a: &u8, b: &u8| a.eq_ignore_ascii_case(b);
        let prefix = reference
            .iter()
            .zip(alternate)
            .take_while(|(r, a)| same(r, a))
            .count();
        let (reference, alternate) = (&reference[prefix..], &alternate[prefix..]);
        let suffix = reference
            .iter()
            .rev()
            .zip(alternate.iter().rev())
            .take_while(|(r, a)| same(r, a))
            .count();
        let reference = &reference[..reference.len() - suffix];
        let alternate = &alternate[..alternate.len() - suffix];
        match (reference, alternate) {
            ([], []) => AlleleKind::NoVariant,
            ([], _) | (_, []) => AlleleKind::Indel,
            ([r], [a]) => AlleleKind::Snv(r.to_ascii_uppercase(), a.to_ascii_uppercase()),
            (r, a) if r.len() == a.len() => AlleleKind::Mnp,
            _ => AlleleKind::Other,
        }
    }
}

/// A transition: purine to purine or pyrimidine to pyrimidine.
fn is_transition(reference: u8, alternate: u8) -> bool {
    matches!(
        (reference, alternate),
        (b'A', b'G') | (b'G', b'A') | (b'C', b'T') | (b'T', b'C')
    )
}

/// Totals over every record.
#[derive(Default)]
struct Summary {
    sites: u64,
    /// Sites per contig, in the order contigs first appear.
    per_contig: Vec<(String, u64)>,
    no_alt: u64,
    snv: u64,
    indel: u64,
    mnp: u64,
    other: u64,
    breakend: u64,
    multiallelic: u64,
    transitions: u64,
    transversions: u64,
    passed: u64,
    filtered: u64,
    /// Sites with a GT field.
    genotyped_sites: u64,
    hom_ref: u64,
    het: u64,
    hom_alt: u64,
    missing: u64,
    /// Called genotypes of two or more alleles, phased.
    phased: u64,
    matrix: GenotypeMatrix,
}

impl Summary {
    fn add(&mut self, header: &Header, variant: &impl Variant) -> biometal::Result<()> {
        self.sites += 1;
        let contig = variant.chromosome(header)?;
        match self.per_contig.last_mut() {
            Some((name, sites)) if name == contig => *sites += 1,
            _ => self.per_contig.push((contig.to_string(), 1)),
        }
        let reference = variant.reference_bases()?;
        let (mut snv, mut indel, mut mnp, mut other) = (false, false, false, false);
        let (mut breakend, mut overlap, mut alternates) = (false, false, 0);
        for alternate in variant.alternate_bases()? {
            alternates += 1;
            match AlleleKind::classify(reference, alternate) {
                AlleleKind::NoVariant => {}
                AlleleKind::Overlap => overlap = true,
                AlleleKind::Breakend => breakend = true,
                AlleleKind::Snv(r, a) => {
                    snv = true;
                    if is_transition(r, a) {
                        self.transitions += 1;
                    } else {
                        self.transversions += 1;
                    }
                }
                AlleleKind::Indel => indel = true,
                AlleleKind::Mnp => mnp = true,
                AlleleKind::Other => other = true,
            }
        }
        self.snv += u64::from(snv);
        self.indel += u64::from(indel);
        self.mnp += u64::from(mnp);
        self.other += u64::from(other);
        self.breakend += u64::from(breakend);
        self.no_alt += u64::from(!(snv || indel || mnp || other || breakend || overlap));
        self.multiallelic += u64::from(alternates > 1);
        if let Some(mut filters) = variant.filters(header)? {
            if filters.next() == Some("PASS") {
                self.passed += 1;
            } else {
                self.filtered += 1;
            }
        }
        let mut has_gt = false;
        for key in variant.format_keys(header) {
            has_gt |= key? == "GT";
        }
        if has_gt {
            self.genotyped_sites += 1;
            variant.genotypes_into(header, &mut self.matrix)?;
            self.add_genotypes();
        }
        Ok(())
    }

    /// Classifies every sample of the current matrix: missing when any
    /// allele is, else hom-ref, het or hom-alt (haploid calls by their one
    /// allele).
    fn add_genotypes(&mut self) {
        let matrix = &self.matrix;
        for sample in 0..matrix.sample_count() {
            let alleles = matrix.alleles(sample);
            let Some((&first, rest)) = alleles.split_first() else {
                continue;
            };
            if alleles.contains(&GenotypeMatrix::MISSING) {
                self.missing += 1;
            } else if rest.iter().any(|&allele| allele != first) {
                self.het += 1;
            } else if first == 0 {
                self.hom_ref += 1;
            } else {
                self.hom_alt += 1;
            }
            let called = !alleles.contains(&GenotypeMatrix::MISSING);
            self.phased += u64::from(called && !rest.is_empty() && matrix.is_phased(sample));
        }
    }

    fn print(&self, header: &Header) {
        row("samples", group_digits(header.samples().len() as u64));
        row("sites", group_digits(self.sites));
        if !self.per_contig.is_empty() {
            let items = self
                .per_contig
                .iter()
                .map(|(name, sites)| format!("{name} {}", group_digits(*sites)));
            row("sites per contig", first_few(items));
        }
        row("SNV sites", group_digits(self.snv));
        row("indel sites", group_digits(self.indel));
        row("MNP sites", group_digits(self.mnp));
        row("other sites", group_digits(self.other));
        row("breakend sites", group_digits(self.breakend));
        row("no-ALT sites", group_digits(self.no_alt));
        row("multi-allelic", group_digits(self.multiallelic));
        if self.transversions > 0 {
            row(
                "Ts/Tv",
                format!(
                    "{:.2} ({} / {})",
                    self.transitions as f64 / self.transversions as f64,
                    group_digits(self.transitions),
                    group_digits(self.transversions)
                ),
            );
        }
        row("PASS", group_digits(self.passed));
        row("filtered", group_digits(self.filtered));
        if self.genotyped_sites == 0 {
            return;
        }
        let genotypes = self.hom_ref + self.het + self.hom_alt + self.missing;
        row("genotypes", group_digits(genotypes));
        let percent = |part: u64| {
            format!(
                "{} ({:.2}%)",
                group_digits(part),
                100.0 * part as f64 / genotypes.max(1) as f64
            )
        };
        row("  hom-ref", percent(self.hom_ref));
        row("  het", percent(self.het));
        row("  hom-alt", percent(self.hom_alt));
        row("  missing", percent(self.missing));
        row("  phased", percent(self.phased));
    }
}

/// VCF (plain, gzip or BGZF) or BCF, through the one reader of both.
pub fn summarize_variants(source: Source, mut progress: Progress) -> biometal::Result<()> {
    let mut reader = variants::Reader::new(source)?;
    let header = reader.read_header()?.clone();
    let mut summary = Summary::default();
    while let Some(record) = reader.next_record()? {
        summary.add(&header, &record)?;
        progress.update(summary.sites, || reader.get_ref().input_position());
    }
    progress.finish();
    summary.print(&header);
    Ok(())
}
