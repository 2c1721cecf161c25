//! Recognising a format from the first bytes of its (decompressed) content.

/// What an input holds, as far as its first bytes tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DetectedFormat {
    /// BAM: `BAM\1` magic.
    Bam,
    /// CRAM: `CRAM` magic.
    Cram,
    /// BCF: `BCF\2` magic.
    Bcf,
    /// VCF: a `##fileformat=VCF` first line.
    Vcf,
    /// SAM with a header (`@HD`, `@SQ`, `@RG`, `@PG` or `@CO` line first).
    Sam,
    /// FASTQ: a record header `@name` (not a SAM header tag).
    Fastq,
    /// FASTA: a `>` header line.
    Fasta,
    /// GFF3 or GTF: a `##gff-version` directive first, or a first data
    /// line of nine tab-separated columns with 1-based positions in the
    /// fourth and fifth and a strand in the seventh.
    Gff,
    /// BED: a `track` or `browser` line first, or a first data line (after
    /// `#` comments) with integers in its second and third tab-separated
    /// columns that is not a SAM alignment line.
    Bed,
    /// Nothing recognisable (including a header-less SAM, which only its
    /// column contents could tell apart).
    Unknown,
    /// No bytes at all.
    Empty,
}

/// Recognises the format of `prefix`, the first bytes of an input after
/// decompression (a few dozen are enough; give whatever
/// [`BufRead::fill_buf`](std::io::BufRead::fill_buf) returns).
///
/// ```
/// use biometal::formats::{detect, DetectedFormat};
///
/// assert_eq!(detect(b"BAM\x01\x00\x00"), DetectedFormat::Bam);
/// assert_eq!(detect(b"@HD\tVN:1.6\n"), DetectedFormat::Sam);
/// assert_eq!(detect(b"@read1\nACGT\n+\nIIII\n"), DetectedFormat::Fastq);
/// assert_eq!(detect(b">chr1\nACGT\n"), DetectedFormat::Fasta);
/// assert_eq!(detect(b"##fileformat=VCFv4.3\n"), DetectedFormat::Vcf);
/// assert_eq!(detect(b"chr1\t0\t100\n"), DetectedFormat::Bed);
/// assert_eq!(detect(b"r1\t0\tchr1\t100\t60\t4M\t*\t0\t0\tACGT\tIIII\n"), DetectedFormat::Unknown);
/// ```
pub fn detect(prefix: &[u8]) -> DetectedFormat {
    const SAM_HEADER_TAGS: [&[u8]; 5] = [b"@HD\t", b"@SQ\t", b"@RG\t", b"@PG\t", b"@CO\t"];
    if prefix.is_empty() {
        DetectedFormat::Empty
    } else if prefix.starts_with(b"BAM\x01") {
        DetectedFormat::Bam
    } else if prefix.starts_with(b"CRAM") {
        DetectedFormat::Cram
    } else if prefix.starts_with(b"BCF\x02") {
        DetectedFormat::Bcf
    } else if prefix.starts_with(b"##fileformat=VCF") {
        DetectedFormat::Vcf
    } else if prefix.starts_with(b"##gff-version") {
        DetectedFormat::Gff
    } else if SAM_HEADER_TAGS.iter().any(|tag| prefix.starts_with(tag)) {
        DetectedFormat::Sam
    } else if prefix.starts_with(b"@") {
        DetectedFormat::Fastq
    } else if prefix.starts_with(b">") {
        DetectedFormat::Fasta
    } else {
        detect_annotation(prefix)
    }
}

/// BED or header-less GFF/GTF from the columns of the first data line;
/// [`DetectedFormat::Unknown`] otherwise.
fn detect_annotation(prefix: &[u8]) -> DetectedFormat {
    if prefix.starts_with(b"track") || prefix.starts_with(b"browser") {
        return DetectedFormat::Bed;
    }
    let Some(line) = prefix
        .split(|&b| b == b'\n')
        .find(|line| !line.starts_with(b"#") && !line.is_empty())
    else {
        return DetectedFormat::Unknown;
    };
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let columns: Vec<&[u8]> = line.split(|&b| b == b'\t').collect();
    let integer = |i: usize| {
        columns
            .get(i)
            .is_some_and(|c| !c.is_empty() && c.iter().all(u8::is_ascii_digit))
    };
    let cigar_like = |c: &[u8]| c == b"*" || c.first().is_some_and(u8::is_ascii_digit);
    if columns.len() == 9
        && integer(3)
        && integer(4)
        && matches!(columns.get(6), Some(&(b"+" | b"-" | b"." | b"?")))
    {
        DetectedFormat::Gff
    } else if columns.len() >= 11
        && integer(1)
        && integer(3)
        && columns.get(5).is_some_and(|c| cigar_like(c))
    {
        DetectedFormat::Unknown
    } else if columns.len() >= 3 && integer(1) && integer(2) {
        DetectedFormat::Bed
    } else {
        DetectedFormat::Unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_numbers_and_first_lines() {
        assert_eq!(detect(b""), DetectedFormat::Empty);
        assert_eq!(detect(b"CRAM\x03\x00"), DetectedFormat::Cram);
        assert_eq!(detect(b"BCF\x02\x02"), DetectedFormat::Bcf);
        assert_eq!(detect(b"##gff-version 3\n"), DetectedFormat::Gff);
        assert_eq!(detect(b"@CO\tfree text\n"), DetectedFormat::Sam);
        // A FASTQ read may be named like a SAM tag, but without the tab.
        assert_eq!(detect(b"@HD1\nACGT\n+\nIIII\n"), DetectedFormat::Fastq);
        assert_eq!(detect(b"BAM"), DetectedFormat::Unknown);
    }

    #[test]
    fn annotations_by_their_columns() {
        assert_eq!(detect(b"track name=x\n"), DetectedFormat::Bed);
        assert_eq!(detect(b"# c\nchr1\t5\t9\tn\t0\t+\n"), DetectedFormat::Bed);
        let gtf = b"chr1\tHAVANA\tgene\t11869\t14409\t.\t+\t.\tgene_id \"G\";\n";
        assert_eq!(detect(gtf), DetectedFormat::Gff);
        // A SAM line whose reference is named "1" is not BED.
        assert_eq!(
            detect(b"r\t0\t1\t5\t60\t4M\t*\t0\t0\tACGT\tIIII\n"),
            DetectedFormat::Unknown
        );
        assert_eq!(
            detect(b"r\t4\t*\t0\t0\t*\t*\t0\t0\tACGT\tIIII\n"),
            DetectedFormat::Unknown
        );
        assert_eq!(detect(b"just text\n"), DetectedFormat::Unknown);
    }
}
