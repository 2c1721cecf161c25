//! Seeded generators of BED and GFF3/GTF files shaped like real ones, and
//! biometal's decode-every-field loops, shared by biometal's benches
//! (`benches/bed.rs`, `benches/gff.rs`) and the peer bench
//! (`benches/peers/benches/annotations.rs`), so that all measure the same
//! bytes and the same work. Included with `#[path]`; not every bench uses
//! every item.
#![allow(dead_code)]

use biometal::formats::{bed, gff};

/// Reads every BED record and decodes every column (blocks and extra
/// columns included); returns the number of records and a checksum.
pub fn biometal_bed(data: &[u8]) -> (usize, u64) {
    let mut reader = bed::Reader::new(data);
    let (mut records, mut sum) = (0, 0u64);
    while let Some(record) = reader.next_record() {
        let r = record.expect("valid BED");
        records += 1;
        sum += r.chrom().len() as u64 + r.chrom_start() + r.chrom_end();
        sum += r.name().map_or(0, |name| name.len() as u64);
        sum += r.score().map_or(0, u64::from);
        sum += u64::from(r.strand() == Some(bed::Strand::Forward));
        sum += r.thick_start().unwrap_or(0) + r.thick_end().unwrap_or(0);
        if let Some(bed::ItemRgb::Color([red, green, blue])) = r.item_rgb() {
            sum += u64::from(red) + u64::from(green) + u64::from(blue);
        }
        if let Some(blocks) = r.blocks() {
            sum += blocks.map(|block| block.start() + block.end()).sum::<u64>();
        }
        sum += r
            .extra_fields()
            .map(|field| field.len() as u64)
            .sum::<u64>();
    }
    (records, sum)
}

/// Reads every GFF3/GTF feature and decodes every column and every
/// attribute value (percent-decoded); returns the number of features and a
/// checksum.
pub fn biometal_gff(data: &[u8]) -> (usize, u64) {
    let mut reader = gff::Reader::new(data);
    let (mut records, mut sum) = (0, 0u64);
    while let Some(record) = reader.next_record() {
        let r = record.expect("valid GFF");
        records += 1;
        sum += gff::percent_decode(r.seqid()).len() as u64;
        sum += r.source().map_or(0, |s| s.len() as u64) + r.feature_type().len() as u64;
        sum += r.start().get() + r.end().get();
        sum += r.score().map_or(0, |s| s as u64);
        sum += u64::from(r.strand() == gff::Strand::Forward);
        sum += r.phase().map_or(0, u64::from);
        for (key, value) in r.attributes().entries() {
            sum += key.len() as u64;
            sum += value
                .items()
                .map(|item| item.decoded().len() as u64)
                .sum::<u64>();
        }
    }
    (records, sum)
}

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

const CHROMS: [&str; 4] = ["chr1", "chr2", "chr10", "chrX"];

/// BED6 (`peaks: false`) or ENCODE narrowPeak, BED6+4 (`peaks: true`):
/// sorted, `records` lines.
pub fn bed6(records: usize, peaks: bool) -> Vec<u8> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut out = String::with_capacity(records * 64);
    let mut position = 0;
    for i in 0..records {
        let chrom = CHROMS[i * CHROMS.len() / records.max(1)];
        if i > 0 && chrom != CHROMS[(i - 1) * CHROMS.len() / records.max(1)] {
            position = 0;
        }
        position += rng.below(2000);
        let end = position + 50 + rng.below(5000);
        let strand = ["+", "-", "."][i % 3];
        out += &format!(
            "{chrom}\t{position}\t{end}\tfeature_{i}\t{}\t{strand}",
            rng.below(1001)
        );
        if peaks {
            out += &format!(
                "\t{}.{:05}\t-1\t{}.{:03}\t{}",
                rng.below(200),
                rng.below(100_000),
                rng.below(300),
                rng.below(1000),
                rng.below(end - position)
            );
        }
        out.push('\n');
    }
    out.into_bytes()
}

/// BED12 transcripts with 1–10 blocks.
pub fn bed12(records: usize) -> Vec<u8> {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let mut out = String::with_capacity(records * 128);
    let mut position = 0;
    for i in 0..records {
        let chrom = CHROMS[i * CHROMS.len() / records.max(1)];
        position += rng.below(5000);
        let blocks = 1 + rng.below(10);
        let (mut sizes, mut starts, mut at) = (String::new(), String::new(), 0);
        for _ in 0..blocks {
            let size = 50 + rng.below(300);
            sizes += &format!("{size},");
            starts += &format!("{at},");
            at += size + 100 + rng.below(2000);
        }
        let length = at - 100;
        // The last block must end at chromEnd: stretch it.
        let last_start: u64 = starts
            .trim_end_matches(',')
            .rsplit(',')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let mut size_list: Vec<&str> = sizes.trim_end_matches(',').split(',').collect();
        let stretched = (length - last_start).to_string();
        *size_list.last_mut().unwrap() = &stretched;
        let end = position + length;
        out += &format!(
            "{chrom}\t{position}\t{end}\ttx_{i}\t{}\t{}\t{}\t{}\t{}\t{blocks}\t{},\t{starts}\n",
            rng.below(1001),
            ["+", "-"][i % 2],
            position + 10,
            end - 10,
            if i % 2 == 0 {
                "0".to_string()
            } else {
                format!("{},{},{}", i % 256, 20, 200)
            },
            size_list.join(","),
        );
        position = end;
    }
    out.into_bytes()
}

/// A GFF3 file of `genes` genes (gene, 1–3 mRNAs, exons shared by them,
/// CDS with phases; escaped names, Dbxref lists), `###` after each gene.
pub fn gff3(genes: usize) -> Vec<u8> {
    let mut rng = Rng(0x1234_5678_9abc_def1);
    let mut out = String::from("##gff-version 3\n##sequence-region chr1 1 250000000\n");
    let mut position = 1;
    for g in 0..genes {
        position += rng.below(20_000);
        let exons = 1 + rng.below(8) as usize;
        let mut bounds = Vec::with_capacity(exons);
        let mut at = position;
        for _ in 0..exons {
            let length = 50 + rng.below(400);
            bounds.push((at, at + length - 1));
            at += length + 100 + rng.below(3000);
        }
        let (start, end) = (position, bounds[exons - 1].1);
        let strand = ["+", "-"][g % 2];
        out += &format!(
            "chr1\tensembl\tgene\t{start}\t{end}\t.\t{strand}\t.\tID=gene:G{g};Name=GENE{g}%3Balt;biotype=protein_coding;Dbxref=GeneID:{g},HGNC:{}\n",
            g * 3
        );
        let transcripts = 1 + rng.below(3) as usize;
        for t in 0..transcripts {
            out += &format!(
                "chr1\tensembl\tmRNA\t{start}\t{end}\t.\t{strand}\t.\tID=transcript:T{g}.{t};Parent=gene:G{g};Name=GENE{g}-20{t}\n"
            );
        }
        for (e, (s, x)) in bounds.iter().enumerate() {
            let parents: Vec<String> = (0..transcripts)
                .map(|t| format!("transcript:T{g}.{t}"))
                .collect();
            let parents = parents.join(",");
            out += &format!("chr1\tensembl\texon\t{s}\t{x}\t.\t{strand}\t.\tParent={parents};Name=E{g}.{e};rank={e}\n");
            out += &format!(
                "chr1\tensembl\tCDS\t{s}\t{x}\t.\t{strand}\t{}\tID=CDS:P{g};Parent={parents}\n",
                rng.below(3)
            );
        }
        out += "###\n";
        position = end;
    }
    out.into_bytes()
}

/// A GENCODE-style GTF of `genes` genes.
pub fn gtf(genes: usize) -> Vec<u8> {
    let mut rng = Rng(0x0bad_5eed_dead_beef);
    let mut out = String::from("##description: generated\n");
    let mut position = 1;
    for g in 0..genes {
        position += rng.below(20_000);
        let (start, end) = (position, position + 500 + rng.below(20_000));
        let gene =
            format!("gene_id \"ENSG{g:011}.5\"; gene_type \"protein_coding\"; gene_name \"G{g}\";");
        out += &format!("chr1\tHAVANA\tgene\t{start}\t{end}\t.\t+\t.\t{gene} level 2;\n");
        let tx =
            format!("{gene} transcript_id \"ENST{g:011}.1\"; transcript_type \"protein_coding\";");
        out += &format!("chr1\tHAVANA\ttranscript\t{start}\t{end}\t.\t+\t.\t{tx} level 2; tag \"basic\"; tag \"CCDS\";\n");
        for e in 0..1 + rng.below(8) {
            out += &format!(
                "chr1\tHAVANA\texon\t{start}\t{}\t.\t+\t.\t{tx} exon_number {}; exon_id \"ENSE{g:08}{e}\"; level 2;\n",
                start + 100,
                e + 1
            );
        }
        position = end;
    }
    out.into_bytes()
}
