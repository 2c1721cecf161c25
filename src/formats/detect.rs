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
    /// GFF3 or GTF: a `##gff-version` directive first.
    Gff,
    /// Nothing recognisable (including a header-less SAM, BED or GTF, which
    /// only their column contents could tell apart).
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
/// assert_eq!(detect(b"chr1\t0\t100\n"), DetectedFormat::Unknown);
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
}
