//! VCF (and, through [`Variant`], BCF) for the `view` and `count` examples:
//! `bcftools view [-H] FILE [REGION…]` and `bcftools view -H … | wc -l`.
//!
//! The writing side is generic over [`Variant`], so any record type the
//! crate reads (VCF lines, BCF records) prints the same way.

#![allow(dead_code)] // each example uses a different subset

use std::io::Write;

use biometal::formats::vcf::{self, Header, Variant};
use biometal::index::tabix;
use biometal::io::Source;
use biometal::region::{Interval, Region};
use biometal::ErrorKind;

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
        writer.write_header(&header)?;
    }
    while let Some(record) = reader.next_record()? {
        write_variant(&mut writer, &header, &record)?;
    }
    writer.flush()
}

/// `bcftools view [-H] FILE REGION…`: the header (unless `no_header`) and
/// the records overlapping each region (`chr:pos` is that one position, as
/// in bcftools), through the tabix index (`.tbi` or
/// `.csi`) beside the file. Regions on contigs the index does not name have
/// no records.
pub fn view_vcf_regions(
    path: &str,
    source: Source,
    regions: &[String],
    no_header: bool,
    out: &mut impl Write,
) -> biometal::Result<()> {
    let index = tabix::load_for(path)?;
    let mut reader = vcf::Reader::new(source);
    let header = reader.read_header()?.clone();
    let mut writer = vcf::Writer::new(out);
    if !no_header {
        writer.write_header(&header)?;
    }
    for text in regions {
        let region = match index.parse_region(text) {
            Ok(region) => region,
            Err(error) if error.kind() == ErrorKind::NotFound => continue,
            Err(error) => return Err(error),
        };
        // bcftools reads `chr:pos` as that one position (samtools: to the end).
        let single = text.rsplit_once(':').is_some_and(|(_, tail)| {
            !tail.is_empty() && tail.bytes().all(|b| b.is_ascii_digit() || b == b',')
        });
        let region = if single {
            let start = region.interval().start();
            Region::new(region.name(), Interval::new(start, start + 1)?)
        } else {
            region
        };
        let mut query = reader.query(&index, &region)?;
        while let Some(record) = query.next_record()? {
            write_variant(&mut writer, &header, &record)?;
        }
    }
    writer.flush()
}

/// The number of records of a VCF input.
pub fn count_vcf(source: Source) -> biometal::Result<u64> {
    let mut reader = vcf::Reader::new(source);
    reader.read_header()?;
    let mut count = 0;
    while reader.next_record()?.is_some() {
        count += 1;
    }
    Ok(count)
}
