//! GFF3 and GTF reading and writing on generated files shaped like real
//! annotations (genes → transcripts → exons/CDS, exons shared by several
//! transcripts, percent-escaped attributes, directives and comments, a
//! `##FASTA` section; GENCODE-style GTF):
//!
//! * byte-identical copies through `next_line` + `Writer`, at every buffer
//!   capacity for a prefix;
//! * every column and every decoded attribute value against a second,
//!   independent parser written in Python (`urllib.parse.unquote` for the
//!   escapes, a regular expression for GTF);
//! * the gene hierarchy (children per transcript) against Python's count;
//! * the `##FASTA` section against Python's reading of it;
//! * a bgzipped copy read back through `bgzip -dc` and `tabix -p gff`.
mod common;

use common::rng::XorShift64 as Rng;

use std::io::Write;
use std::process::{Command, Stdio};

use biometal::formats::gff::{Dialect, Genes, Reader, ReaderBuilder, RecordRef, Strand, Writer};
use common::{oracle, TempDir};

const NAMES: [&str; 4] = ["plain", "semi%3Bcolon", "a%2Cb%3Dc%25d", "sp%20ace%26amp"];

/// A sorted GFF3 file: `genes` genes, each with 1–3 mRNAs sharing exons
/// (`Parent=t1,t2`), CDS with phases, `###` after each gene but the last
/// few, and a `##FASTA` section.
fn generate_gff3(genes: usize, seed: u64) -> Vec<u8> {
    let mut rng = Rng(seed);
    let mut out = String::from(
        "##gff-version 3.1.26\n##sequence-region ctg1 1 2000000\n#!genome-build test\n",
    );
    let mut position = 1;
    for g in 0..genes {
        position += rng.below(5000);
        let exons = 1 + rng.below(5) as usize;
        let mut bounds = Vec::new();
        let mut at = position;
        for _ in 0..exons {
            let length = 50 + rng.below(400);
            bounds.push((at, at + length - 1));
            at += length + 100 + rng.below(900);
        }
        let (gene_start, gene_end) = (position, bounds[exons - 1].1);
        let strand = ["+", "-"][g % 2];
        let name = NAMES[g % NAMES.len()];
        let score = if g % 3 == 0 {
            format!("{}.{}", rng.below(100), rng.below(10))
        } else {
            ".".into()
        };
        out += &format!(
            "ctg1\tgen\tgene\t{gene_start}\t{gene_end}\t{score}\t{strand}\t.\tID=gene{g};Name={name};Dbxref=GeneID:{g},HGNC:{}\n",
            g * 7
        );
        let transcripts = 1 + rng.below(3) as usize;
        let ids: Vec<String> = (0..transcripts).map(|t| format!("tx{g}.{t}")).collect();
        for id in &ids {
            out += &format!("ctg1\tgen\tmRNA\t{gene_start}\t{gene_end}\t.\t{strand}\t.\tID={id};Parent=gene{g}\n");
        }
        for (e, (start, end)) in bounds.iter().enumerate() {
            let parents = if e == 0 {
                ids.join(",")
            } else {
                ids[e % transcripts].clone()
            };
            out += &format!("ctg1\tgen\texon\t{start}\t{end}\t.\t{strand}\t.\tID=exon{g}.{e};Parent={parents}\n");
            let phase = rng.below(3);
            out += &format!(
                "ctg1\tgen\tCDS\t{start}\t{end}\t.\t{strand}\t{phase}\tParent={parents}\n"
            );
        }
        if g + 3 < genes {
            out += "###\n";
        }
        if g == genes / 2 {
            out += "# a comment between genes\n";
        }
        position = gene_end;
    }
    out += "##FASTA\n>ctg1 test contig\nACGTACGTAC\nGTNNacgt\n>ctg2\nTTTT\n";
    out.into_bytes()
}

/// A GENCODE-style GTF: gene, transcript, exon, CDS lines with quoted
/// values, unquoted numbers and repeated `tag` keys.
fn generate_gtf(genes: usize, seed: u64) -> Vec<u8> {
    let mut rng = Rng(seed);
    let mut out = String::from("##description: evidence-based annotation\n##provider: test\n");
    let mut position = 1000;
    for g in 0..genes {
        let chrom = if g < genes / 2 { "chr1" } else { "chr2" };
        if g == genes / 2 {
            position = 1000;
        }
        position += rng.below(10_000);
        let length = 200 + rng.below(2000);
        let (start, end) = (position, position + length);
        let gene =
            format!("gene_id \"ENSG{g:011}.1\"; gene_type \"protein_coding\"; gene_name \"G{g}\";");
        out += &format!("{chrom}\tHAVANA\tgene\t{start}\t{end}\t.\t+\t.\t{gene} level 2;\n");
        for t in 0..1 + rng.below(2) {
            let tx = format!(
                "{gene} transcript_id \"ENST{g:08}{t}.2\"; transcript_name \"G{g}-20{t}\";"
            );
            out += &format!("{chrom}\tHAVANA\ttranscript\t{start}\t{end}\t.\t+\t.\t{tx} tag \"basic\"; tag \"CCDS\";\n");
            out += &format!("{chrom}\tHAVANA\texon\t{start}\t{}\t.\t+\t.\t{tx} exon_number 1; exon_id \"ENSE{g}\";\n", start + 99);
            out += &format!(
                "{chrom}\tHAVANA\tCDS\t{start}\t{}\t.\t+\t0\t{tx} exon_number 1;\n",
                start + 89
            );
        }
        position = end;
    }
    out.into_bytes()
}

fn copy(input: &[u8], capacity: usize) -> Vec<u8> {
    let mut reader = ReaderBuilder::new()
        .buffer_capacity(capacity)
        .build_from_reader(input);
    let mut writer = Writer::new(Vec::new());
    while let Some(line) = reader.next_line() {
        writer.write_line(&line.unwrap()).unwrap();
    }
    let mut out = writer.into_inner();
    if reader.at_fasta() {
        std::io::copy(
            &mut reader.into_fasta_reader().unwrap().into_inner(),
            &mut out,
        )
        .unwrap();
    }
    out
}

#[test]
fn copies_are_byte_identical() {
    for input in [generate_gff3(60, 5), generate_gtf(60, 6)] {
        assert_eq!(copy(&input, 1 << 16), input);
        let cut = input[..2500].iter().rposition(|&b| b == b'\n').unwrap() + 1;
        let prefix = &input[..cut];
        for capacity in 1..48 {
            assert_eq!(copy(prefix, capacity), prefix, "capacity {capacity}");
        }
    }
}

fn canonical(record: &RecordRef<'_>) -> String {
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let score = record.score().map_or(".".into(), |s| format!("{s:.3}"));
    let strand = match record.strand() {
        Strand::Forward => "plus",
        Strand::Reverse => "minus",
        Strand::None => "none",
        Strand::Unknown => "unknown",
    };
    let phase = record.phase().map_or(".".into(), |p| p.to_string());
    let attributes: Vec<String> = record
        .attributes()
        .entries()
        .map(|(key, _)| key)
        .fold(Vec::<&[u8]>::new(), |mut keys, key| {
            if record.dialect() == Dialect::Gff3 || !keys.contains(&key) {
                keys.push(key);
            }
            keys
        })
        .into_iter()
        .map(|key| {
            let values: Vec<String> = record
                .attributes()
                .values(key)
                .map(|v| text(&v.decoded()))
                .collect();
            format!("{}={}", text(key), values.join("|"))
        })
        .collect();
    format!(
        "{}\t{}\t{}\t{}\t{}\t{score}\t{strand}\t{phase}\t{}",
        text(record.seqid()),
        text(record.source().unwrap_or(b".")),
        text(record.feature_type()),
        record.start(),
        record.end(),
        attributes.join(";")
    )
}

/// An independent GFF3/GTF parser in Python; prints the canonical form of
/// each feature, then `FASTA name sequence` for the `##FASTA` section, then
/// `TREE gene transcripts children-per-transcript` for GFF3.
const PYTHON_GFF: &str = r####"
import re, sys
from urllib.parse import unquote
gtf = sys.argv[1] == "gtf"
lines = sys.stdin.read().split("\n")
fasta = None
parents = {}
types = {}
order = []
for line in lines:
    if fasta is not None:
        if line.startswith(">"):
            fasta.append([line[1:].split()[0], ""])
        elif line:
            fasta[-1][1] += line
        continue
    if line == "##FASTA":
        fasta = []
        continue
    if not line or line.startswith("#"):
        continue
    f = line.split("\t")
    assert len(f) == 9
    score = "." if f[5] == "." else "%.3f" % float(f[5])
    strand = {"+": "plus", "-": "minus", ".": "none", "?": "unknown"}[f[6]]
    attrs = []
    if gtf:
        keys = []
        values = {}
        for key, quoted, bare in re.findall(r'\s*(\S+)\s+(?:"([^"]*)"|([^;\s]*))\s*;', f[8]):
            if key not in values:
                keys.append(key)
                values[key] = []
            values[key].append(quoted or bare)
        attrs = ["%s=%s" % (k, "|".join(values[k])) for k in keys]
    else:
        pairs = [p.split("=", 1) for p in f[8].split(";") if p]
        attrs = ["%s=%s" % (k, "|".join(unquote(v) for v in v.split(","))) for k, v in pairs]
        d = dict(pairs)
        if "ID" in d:
            types[d["ID"]] = f[2]
            order.append(d["ID"])
        for p in d.get("Parent", "").split(","):
            if p:
                parents.setdefault(p, []).append(f[2])
    print("\t".join(f[:3] + [str(int(f[3])), str(int(f[4])), score, strand, f[7], ";".join(attrs)]))
for name, seq in fasta or []:
    print("FASTA", name, seq)
for id in order:
    if types[id] == "gene":
        txs = [t for t in order if types[t] == "mRNA" and t.startswith("tx" + id[4:] + ".")]
        print("TREE", id, len(txs), " ".join(str(len(parents.get(t, []))) for t in txs))
"####;

fn python(input: &[u8], dialect: &str) -> String {
    let mut child = Command::new("python3")
        .args(["-c", PYTHON_GFF, dialect])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 is required");
    child.stdin.take().unwrap().write_all(input).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "python failed");
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn gff3_fields_fasta_and_hierarchy_agree_with_python() {
    let input = generate_gff3(80, 21);
    let expected = python(&input, "gff3");
    let mut ours = String::new();
    let mut reader = Reader::new(&input[..]);
    while let Some(record) = reader.next_record() {
        ours += &canonical(&record.unwrap());
        ours.push('\n');
    }
    assert_eq!(reader.dialect(), Some(Dialect::Gff3));
    let mut fasta = reader.into_fasta_reader().unwrap();
    while let Some(record) = fasta.next_record() {
        let record = record.unwrap();
        ours += &format!(
            "FASTA {} {}\n",
            String::from_utf8_lossy(record.name()),
            String::from_utf8_lossy(record.sequence())
        );
    }
    // Groups end at `###`; the last genes, written without it, form one.
    let mut groups = 0;
    for group in Genes::new(Reader::new(&input[..])) {
        let group = group.unwrap();
        groups += 1;
        for gene in group.roots() {
            let transcripts: Vec<_> = group.children(gene).collect();
            let children: Vec<String> = transcripts
                .iter()
                .map(|t| t.children().len().to_string())
                .collect();
            ours += &format!(
                "TREE {} {} {}\n",
                String::from_utf8_lossy(gene.record().attributes().get(b"ID").unwrap().raw()),
                transcripts.len(),
                children.join(" ")
            );
        }
    }
    assert_eq!(groups, 80 - 2);
    assert_eq!(ours, expected);
    assert!(expected.contains("semi;colon") && expected.contains("a,b=c%d"));
}

#[test]
fn gtf_fields_and_hierarchy_agree_with_python() {
    let input = generate_gtf(50, 8);
    let expected = python(&input, "gtf");
    let mut ours = String::new();
    let mut reader = Reader::new(&input[..]);
    while let Some(record) = reader.next_record() {
        ours += &canonical(&record.unwrap());
        ours.push('\n');
    }
    assert_eq!(reader.dialect(), Some(Dialect::Gtf));
    assert_eq!(ours, expected);
    assert!(expected.contains("tag=basic|CCDS"));
    // One group per gene_id: a gene, its transcripts, their exon and CDS.
    let mut groups = 0;
    for group in Genes::new(Reader::new(&input[..])) {
        let group = group.unwrap();
        let gene = group.roots().next().unwrap();
        assert_eq!(group.roots().count(), 1);
        assert_eq!(gene.record().feature_type(), b"gene");
        for transcript in group.children(gene) {
            assert_eq!(transcript.record().feature_type(), b"transcript");
            assert_eq!(transcript.children().len(), 2);
        }
        groups += 1;
    }
    assert_eq!(groups, 50);
}

#[test]
fn bgzipped_gff_is_indexed_and_queried_by_tabix() {
    let dir = TempDir::new("gff-tabix");
    let path = dir.join("genes.gff.gz");
    let input = generate_gtf(40, 9);
    {
        let mut reader = Reader::new(&input[..]);
        let sink = biometal::io::open_writer(&path, biometal::io::Compression::Bgzf).unwrap();
        let mut writer = Writer::new(sink);
        while let Some(line) = reader.next_line() {
            writer.write_line(&line.unwrap()).unwrap();
        }
        writer.into_inner().finish().unwrap();
    }
    let path_text = path.to_str().unwrap();
    assert_eq!(oracle("bgzip", &["-dc", path_text]).stdout, input);
    oracle("tabix", &["-p", "gff", path_text]);
    let mut reader = Reader::from_path(&path).unwrap();
    let mut features = Vec::new();
    while let Some(record) = reader.next_record() {
        let record = record.unwrap();
        features.push((
            record.seqid().to_vec(),
            record.interval(),
            record.text().to_vec(),
        ));
    }
    for (chrom, begin, end) in [
        ("chr1", 1, 30_000),
        ("chr2", 5_000, 60_000),
        ("chr1", 20_000, 20_100),
    ] {
        let region = format!("{chrom}:{begin}-{end}");
        let query = biometal::region::Interval::from_one_based_inclusive(begin, end).unwrap();
        let expected = oracle("tabix", &[path_text, &region]).stdout;
        let ours: Vec<u8> = features
            .iter()
            .filter(|(name, interval, _)| name == chrom.as_bytes() && interval.overlaps(&query))
            .flat_map(|(_, _, text)| text.iter().copied().chain([b'\n']))
            .collect();
        assert_eq!(
            String::from_utf8_lossy(&ours),
            String::from_utf8_lossy(&expected),
            "{region}"
        );
    }
}

/// Every decoded field (`canonical`, checked against Python above) is the
/// same whatever the buffer capacity and with CRLF line endings: the
/// fields cut in the line search and the attribute scan see whole lines.
#[test]
fn fields_are_the_same_at_every_buffer_capacity_and_with_crlf() {
    let decoded = |input: &[u8], capacity: usize| {
        let mut reader = ReaderBuilder::new()
            .buffer_capacity(capacity)
            .build_from_reader(input);
        let mut records = Vec::new();
        while let Some(record) = reader.next_record() {
            records.push(canonical(&record.unwrap()));
        }
        records
    };
    for input in [generate_gff3(40, 15), generate_gtf(40, 16)] {
        // Only the features: the `##FASTA` section is read elsewhere.
        let features = match input.windows(8).position(|w| w == b"##FASTA\n") {
            Some(at) => &input[..at],
            None => &input[..],
        };
        let expected = decoded(features, 1 << 16);
        assert!(expected.len() > 100);
        let crlf: Vec<u8> = features
            .split_inclusive(|&b| b == b'\n')
            .flat_map(|line| {
                let text = line.strip_suffix(b"\n").unwrap_or(line);
                [text, b"\r\n"].concat()
            })
            .collect();
        for capacity in [1, 5, 63, 64, 65, 200, 1 << 16] {
            assert_eq!(decoded(features, capacity), expected, "capacity {capacity}");
            assert_eq!(
                decoded(&crlf, capacity),
                expected,
                "CRLF, capacity {capacity}"
            );
        }
    }
}
