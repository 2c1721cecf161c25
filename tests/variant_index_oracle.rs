//! Indexes of variant files against htslib's:
//! * VCF.gz written by our [`vcf::Writer`] with an index built on the fly
//!   (`.tbi`, `.csi`): `tabix` and `bcftools view -H` give the same lines
//!   on random regions through our index as through `tabix -p vcf`'s /
//!   `bcftools index`'s, and the index bytes (decompressed) equal theirs;
//! * `index FILE.bcf` (our example, [`bcf::index::build_from_path`]):
//!   `bcftools view -H` through our `.csi` equals through `bcftools
//!   index`'s, and the bytes (decompressed) equal theirs.
mod common;

use common::rng::XorShift64 as Rng;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use biometal::formats::bcf;
use biometal::formats::vcf::{self, Header, RecordRef};
use biometal::index::tabix::{self, TabixFormat};
use biometal::io::{Compression, WriterOptions};
use common::{example_binary, oracle, TempDir};

const CONTIGS: &[(&str, u64)] = &[("chr1", 1_500_000), ("chr2", 600_000), ("chrM", 16_569)];

/// A sorted VCF: SNVs, REF spans up to 40 bases, `<DEL>`/`<DUP>` with
/// INFO END reaching far past POS (records spanning region edges).
fn simulated_vcf(seed: u64, per_contig: usize) -> String {
    let mut rng = Rng(seed);
    let mut text = String::from("##fileformat=VCFv4.2\n");
    for (name, length) in CONTIGS {
        writeln!(text, "##contig=<ID={name},length={length}>").unwrap();
    }
    text.push_str("##INFO=<ID=END,Number=1,Type=Integer,Description=\"End\">\n");
    text.push_str("##INFO=<ID=SVTYPE,Number=1,Type=String,Description=\"Type\">\n");
    text.push_str("##INFO=<ID=DP,Number=1,Type=Integer,Description=\"Depth\">\n");
    text.push_str("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n");
    for (name, length) in CONTIGS {
        let mut starts: Vec<u64> = (0..per_contig)
            .map(|_| 1 + rng.below(length - 100))
            .collect();
        starts.sort_unstable();
        for pos in starts {
            let longest = if rng.below(8) == 0 { 40 } else { 3 };
            let reference: String = (0..1 + rng.below(longest))
                .map(|i| b"ACGT"[(i % 4) as usize] as char)
                .collect();
            let (alt, info) = match rng.below(10) {
                0 => (
                    "<DEL>",
                    format!(
                        "SVTYPE=DEL;END={}",
                        (pos + 1 + rng.below(60_000)).min(*length)
                    ),
                ),
                1 => (
                    "<DUP>",
                    format!("END={};SVTYPE=DUP", (pos + rng.below(5_000)).min(*length)),
                ),
                _ => ("T", format!("DP={}", rng.below(90))),
            };
            writeln!(
                text,
                "{name}\t{pos}\t.\t{reference}\t{alt}\t50\tPASS\t{info}"
            )
            .unwrap();
        }
    }
    text
}

/// Random regions: bounded, single-base and whole sequences.
fn regions(rng: &mut Rng, count: usize) -> Vec<String> {
    (0..count)
        .map(|_| {
            let (name, length) = CONTIGS[rng.below(CONTIGS.len() as u64) as usize];
            let begin = 1 + rng.below(length);
            match rng.below(20) {
                0 => name.to_string(),
                1 => format!("{name}:{begin}-{begin}"),
                _ => format!("{name}:{begin}-{}", begin + rng.below(100_000)),
            }
        })
        .collect()
}

fn stdout(program: &str, args: &[&str]) -> String {
    String::from_utf8(oracle(program, args).stdout).unwrap()
}

/// `bgzip -dc`: an index's bytes, decompressed.
fn decompressed(path: &Path) -> Vec<u8> {
    oracle("bgzip", &["-dc", path.to_str().unwrap()]).stdout
}

/// The two index files hold the same index (as read: bins compared as
/// sets), and, with `bytes`, the same bytes once decompressed. htslib
/// writes bins in its hash table's order and we write them ascending: the
/// orders agree when few bins are left after htslib's merging of small
/// bins (the simulated inputs here), not with thousands of bins.
fn assert_same_index(ours: &Path, theirs: &Path, bytes: bool, what: &str) {
    let same = if ours.to_string_lossy().ends_with(".bcf.csi") {
        biometal::index::read_path(ours).unwrap() == biometal::index::read_path(theirs).unwrap()
    } else {
        tabix::read_path(ours).unwrap() == tabix::read_path(theirs).unwrap()
    };
    assert!(same, "{what}: the indexes differ");
    if !bytes {
        return;
    }
    let (ours, theirs) = (decompressed(ours), decompressed(theirs));
    if let Some(at) = (0..ours.len().min(theirs.len())).find(|&i| ours[i] != theirs[i]) {
        let window =
            |bytes: &[u8]| bytes[at.saturating_sub(16)..(at + 32).min(bytes.len())].to_vec();
        panic!(
            "{what}: index bytes differ at {at} (of {} and {}): ours {:?}, theirs {:?}",
            ours.len(),
            theirs.len(),
            window(&ours),
            window(&theirs)
        );
    }
    assert_eq!(ours.len(), theirs.len(), "{what}: index lengths");
}

/// `tabix FILE REGION…` and `bcftools view -H FILE REGION…`, one region at
/// a time (bcftools merges overlapping regions).
fn query_both(data: &Path, regions: &[String]) -> (String, String) {
    let data = data.to_str().unwrap();
    let mut tabix_args = vec![data];
    tabix_args.extend(regions.iter().map(String::as_str));
    let tabix_lines = stdout("tabix", &tabix_args);
    let mut bcftools_lines = String::new();
    for region in regions {
        bcftools_lines.push_str(&stdout("bcftools", &["view", "-H", data, region]));
    }
    (tabix_lines, bcftools_lines)
}

/// Writes `text` with our writer, indexed on the fly as `format`, to
/// `dir/ours.vcf.gz`; a copy `dir/theirs.vcf.gz` is indexed by
/// `oracle_args` (tabix or bcftools). Returns both data paths and their
/// index paths.
fn write_indexed(
    dir: &TempDir,
    text: &str,
    format: TabixFormat,
    oracle_args: &[&str],
) -> [PathBuf; 4] {
    let ours = dir.join("ours.vcf.gz");
    // Several compression threads: positions wait for the blocks in flight.
    let threads = if format == TabixFormat::Csi { 3 } else { 1 };
    let options = WriterOptions::new(Compression::Bgzf).with_threads(threads);
    let mut writer = vcf::Writer::from_path_indexed(&ours, &options, format).unwrap();
    let (header_text, body) = text.split_at(text.find("#CHROM").unwrap());
    let header_end = body.find('\n').unwrap() + 1;
    let header = Header::parse(&format!("{header_text}{}", &body[..header_end])).unwrap();
    writer.write_header(&header).unwrap();
    for (i, line) in body[header_end..].lines().enumerate() {
        let record = RecordRef::parse(line.as_bytes()).unwrap();
        if i % 2 == 0 {
            writer.write_variant(&header, &record).unwrap();
        } else {
            writer.write_record_verbatim(&record).unwrap();
        }
    }
    writer.finish().unwrap();
    let extension = match format {
        TabixFormat::Tbi => "tbi",
        TabixFormat::Csi => "csi",
    };
    let our_index = dir.join(&format!("ours.vcf.gz.{extension}"));
    assert!(our_index.exists(), "finish() wrote no {extension}");
    let theirs = dir.join("theirs.vcf.gz");
    std::fs::copy(&ours, &theirs).unwrap();
    let mut args = oracle_args.to_vec();
    args.push(theirs.to_str().unwrap());
    oracle(oracle_args[0], &args[1..]);
    let their_index = dir.join(&format!("theirs.vcf.gz.{extension}"));
    assert!(their_index.exists());
    [ours, our_index, theirs, their_index]
}

fn compare_on_the_fly(name: &str, format: TabixFormat, oracle_args: &[&str], seed: u64) {
    let dir = TempDir::new(name);
    let text = simulated_vcf(seed, 2_500);
    let [ours, our_index, theirs, their_index] = write_indexed(&dir, &text, format, oracle_args);
    assert_same_index(
        &our_index,
        &their_index,
        true,
        &format!("{name}: {oracle_args:?}"),
    );
    let mut rng = Rng(seed + 100);
    let regions = regions(&mut rng, 150);
    let mut total = 0;
    for batch in regions.chunks(50) {
        let expected = query_both(&theirs, batch);
        total += expected.0.lines().count();
        assert_eq!(query_both(&ours, batch), expected, "{name}: {batch:?}");
    }
    assert!(total > 500, "{name}: only {total} lines in the regions");
}

#[test]
fn vcf_writer_tbi_equals_tabix() {
    compare_on_the_fly("vcfidx-tbi", TabixFormat::Tbi, &["tabix", "-p", "vcf"], 1);
}

#[test]
fn vcf_writer_tbi_equals_bcftools_index_t() {
    compare_on_the_fly(
        "vcfidx-tbi-b",
        TabixFormat::Tbi,
        &["bcftools", "index", "-t"],
        2,
    );
}

#[test]
fn vcf_writer_csi_equals_bcftools_index() {
    compare_on_the_fly("vcfidx-csi", TabixFormat::Csi, &["bcftools", "index"], 3);
}

#[test]
fn vcf_writer_csi_equals_tabix_c() {
    compare_on_the_fly(
        "vcfidx-csi-t",
        TabixFormat::Csi,
        &["tabix", "-C", "-p", "vcf"],
        4,
    );
}

#[test]
fn indexing_plain_or_gzip_vcf_is_refused() {
    let dir = TempDir::new("vcfidx-plain");
    for compression in [Compression::None, Compression::Gzip] {
        let path = dir.join("plain.vcf");
        let error = vcf::Writer::from_path_indexed(
            &path,
            &WriterOptions::new(compression),
            TabixFormat::Tbi,
        )
        .err()
        .expect("indexing non-BGZF output must fail");
        assert!(error.message().contains("BGZF"), "{error}");
        assert!(!path.exists());
    }
    let error = vcf::Writer::from_path_indexed(
        "-",
        &WriterOptions::new(Compression::Bgzf),
        TabixFormat::Csi,
    )
    .err()
    .expect("indexing standard output must fail");
    assert!(error.message().contains("standard output"), "{error}");
}

#[test]
fn bcf_index_refuses_uncompressed_and_unsorted_bcf() {
    let dir = TempDir::new("bcfidx-bad");
    let header = Header::parse(
        "##fileformat=VCFv4.2\n##contig=<ID=1,length=1000>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n",
    )
    .unwrap();
    let write = |name: &str, compressed: bool, positions: &[u32]| {
        let path = dir.join(name);
        let mut writer = bcf::WriterBuilder::new()
            .compressed(compressed)
            .build_to_path(&path)
            .unwrap();
        writer.write_header(&header).unwrap();
        for pos in positions {
            let line = format!("1\t{pos}\t.\tA\tC\t.\t.\t.");
            let record = RecordRef::parse(line.as_bytes()).unwrap();
            writer.write_variant(&header, &record).unwrap();
        }
        writer.finish().unwrap();
        path
    };
    let plain = write("plain.bcf", false, &[5, 9]);
    let error = bcf::index::build_from_path(&plain).unwrap_err();
    assert!(error.message().contains("BGZF"), "{error}");
    let unsorted = write("unsorted.bcf", true, &[5, 90, 40]);
    let error = bcf::index::build_from_path(&unsorted).unwrap_err();
    assert!(error.message().contains("not sorted"), "{error}");
    assert!(error.to_string().contains("unsorted.bcf"), "{error}");
    // The example says so too, and writes no index.
    let output = std::process::Command::new(example_binary("index"))
        .arg(&unsorted)
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("not sorted"));
    assert!(!dir.join("unsorted.bcf.csi").exists());
}

#[test]
fn unsorted_records_are_refused_while_indexing() {
    let dir = TempDir::new("vcfidx-unsorted");
    let path = dir.join("a.vcf.gz");
    let options = WriterOptions::new(Compression::Bgzf);
    let mut writer = vcf::Writer::from_path_indexed(&path, &options, TabixFormat::Csi).unwrap();
    let header =
        Header::parse("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n")
            .unwrap();
    writer.write_header(&header).unwrap();
    let first = RecordRef::parse(b"1\t50\t.\tA\tC\t.\t.\t.").unwrap();
    let second = RecordRef::parse(b"1\t20\t.\tA\tC\t.\t.\t.").unwrap();
    writer.write_variant(&header, &first).unwrap();
    let error = writer.write_variant(&header, &second).unwrap_err();
    assert!(error.message().contains("not sorted"), "{error}");
}

#[test]
fn index_example_on_bcf_equals_bcftools_index() {
    let dir = TempDir::new("bcfidx");
    let vcf_path = dir.join("a.vcf");
    std::fs::write(&vcf_path, simulated_vcf(7, 3_000)).unwrap();
    let theirs = dir.join("theirs.bcf");
    let theirs_text = theirs.to_str().unwrap();
    oracle(
        "bcftools",
        &["view", "-Ob", "-o", theirs_text, vcf_path.to_str().unwrap()],
    );
    let ours = dir.join("ours.bcf");
    std::fs::copy(&theirs, &ours).unwrap();
    oracle("bcftools", &["index", theirs_text]);
    common::run_example(&example_binary("index"), &[ours.to_str().unwrap()]);
    let our_index = dir.join("ours.bcf.csi");
    assert_same_index(
        &our_index,
        &dir.join("theirs.bcf.csi"),
        true,
        "bcftools index",
    );
    let mut rng = Rng(70);
    let mut total = 0;
    for region in regions(&mut rng, 120) {
        let expected = stdout("bcftools", &["view", "-H", theirs_text, &region]);
        total += expected.lines().count();
        let got = stdout("bcftools", &["view", "-H", ours.to_str().unwrap(), &region]);
        assert_eq!(got, expected, "{region}");
    }
    assert!(total > 300, "only {total} lines in the regions");
    // `-t` asks for TBI, which BCF does not have.
    let output = std::process::Command::new(example_binary("index"))
        .args(["-t", ours.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!output.status.success());
}

#[test]
fn bcf_writer_from_path_writes_its_csi_at_finish() {
    let dir = TempDir::new("bcfidx-writer");
    let text = simulated_vcf(9, 2_500);
    let ours = dir.join("ours.bcf");
    let mut writer = bcf::WriterBuilder::new()
        .index(true)
        .build_to_path(&ours)
        .unwrap();
    let (header_text, body) = text.split_at(text.find("#CHROM").unwrap());
    let header_end = body.find('\n').unwrap() + 1;
    let header = Header::parse(&format!("{header_text}{}", &body[..header_end])).unwrap();
    writer.write_header(&header).unwrap();
    for line in body[header_end..].lines() {
        let record = RecordRef::parse(line.as_bytes()).unwrap();
        writer.write_variant(&header, &record).unwrap();
    }
    writer.finish().unwrap();
    let our_index = dir.join("ours.bcf.csi");
    assert!(our_index.exists(), "finish() wrote no .csi");
    let theirs = dir.join("theirs.bcf");
    std::fs::copy(&ours, &theirs).unwrap();
    let theirs_text = theirs.to_str().unwrap();
    oracle("bcftools", &["index", theirs_text]);
    assert_same_index(
        &our_index,
        &dir.join("theirs.bcf.csi"),
        true,
        "bcftools index of our BCF",
    );
    let mut rng = Rng(90);
    let mut total = 0;
    for region in regions(&mut rng, 100) {
        let expected = stdout("bcftools", &["view", "-H", theirs_text, &region]);
        total += expected.lines().count();
        let got = stdout("bcftools", &["view", "-H", ours.to_str().unwrap(), &region]);
        assert_eq!(got, expected, "{region}");
    }
    assert!(total > 300, "only {total} lines in the regions");
}

/// A contig longer than 2^32: the CSI written on the fly is as deep as
/// `tabix -C`'s (from the `##contig` length) and answers the same.
#[test]
fn vcf_writer_csi_on_a_long_contig_equals_tabix_c() {
    let dir = TempDir::new("vcfidx-long");
    let mut rng = Rng(21);
    let mut text = String::from(
        "##fileformat=VCFv4.2\n##contig=<ID=big,length=6000000000>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n",
    );
    let mut starts: Vec<u64> = (0..3_000).map(|_| 1 + rng.below(5_999_000_000)).collect();
    starts.sort_unstable();
    for pos in starts {
        writeln!(text, "big\t{pos}\t.\tACGT\tA\t.\t.\t.").unwrap();
    }
    let [ours, our_index, theirs, their_index] =
        write_indexed(&dir, &text, TabixFormat::Csi, &["tabix", "-C", "-p", "vcf"]);
    // Thousands of bins: htslib's hash order is not ascending.
    assert_same_index(&our_index, &their_index, false, "long contig");
    for (begin, end) in [
        (1u64, 10_000_000u64),
        (4_294_967_000, 4_400_000_000),
        (5_000_000_000, 6_000_000_000),
    ] {
        let region = format!("big:{begin}-{end}");
        let expected = stdout("tabix", &[theirs.to_str().unwrap(), &region]);
        assert!(!expected.is_empty(), "{region}");
        assert_eq!(
            stdout("tabix", &[ours.to_str().unwrap(), &region]),
            expected,
            "{region}"
        );
    }
}
