//! Tabix indexes and region queries against `tabix` (htslib): on seeded,
//! simulated BED (zero-length features, long features), GFF, VCF (REF
//! spans, symbolic alleles with INFO END) and BED with contigs longer than
//! 2^29 (CSI), every random region gives the same lines
//! * from our index through our query as from tabix's index through tabix,
//! * from tabix's index through our query, and
//! * from our index through tabix (tabix reads our `.tbi`/`.csi`).
mod common;

use common::rng::XorShift64 as Rng;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use biometal::index::tabix::{self, TabixConfig, TabixFormat, TabixIndex};
use common::{oracle, TempDir};

/// Sorted feature starts (0-based) and lengths on `length` bases, with a
/// share of empty and of long features.
fn features(rng: &mut Rng, count: usize, length: u64) -> Vec<(u64, u64)> {
    let mut starts: Vec<u64> = (0..count).map(|_| rng.below(length - 1)).collect();
    starts.sort_unstable();
    starts
        .into_iter()
        .map(|start| {
            let span = match rng.below(20) {
                0 => 0,
                1 => 1 + rng.below(200_000),
                _ => 1 + rng.below(3_000),
            };
            (start, span.min(length - start))
        })
        .collect()
}

const CONTIGS: &[(&str, u64)] = &[("chr1", 2_000_000), ("chr2", 700_000), ("chrM", 16_569)];

fn simulated_bed(seed: u64) -> String {
    let mut rng = Rng(seed);
    let mut text = String::from("#chrom\tstart\tend\tname\n");
    for (name, length) in CONTIGS {
        for (i, (start, span)) in features(&mut rng, 3_000, *length).into_iter().enumerate() {
            let end = start + span;
            writeln!(text, "{name}\t{start}\t{end}\tf{i}\t{}\t+", rng.below(1000)).unwrap();
        }
    }
    text
}

fn simulated_gff(seed: u64) -> String {
    let mut rng = Rng(seed);
    let mut text = String::from("##gff-version 3\n");
    for (name, length) in CONTIGS {
        for (i, (start, span)) in features(&mut rng, 3_000, *length).into_iter().enumerate() {
            let (begin, end) = (start + 1, start + span.max(1));
            writeln!(
                text,
                "{name}\tsim\texon\t{begin}\t{end}\t.\t-\t.\tID=e{i};Parent=t{i}"
            )
            .unwrap();
        }
    }
    text
}

fn simulated_vcf(seed: u64) -> String {
    let mut rng = Rng(seed);
    let mut text = String::from("##fileformat=VCFv4.2\n");
    for (name, length) in CONTIGS {
        writeln!(text, "##contig=<ID={name},length={length}>").unwrap();
    }
    text.push_str("##INFO=<ID=END,Number=1,Type=Integer,Description=\"End\">\n");
    text.push_str("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n");
    for (name, length) in CONTIGS {
        for (start, _) in features(&mut rng, 3_000, *length - 10) {
            let pos = start + 1;
            let reference: String = (0..1 + rng.below(8))
                .map(|i| b"ACGT"[i as usize % 4] as char)
                .collect();
            let (alt, info) = match rng.below(12) {
                0 => (
                    "<DEL>",
                    format!("SVTYPE=DEL;END={}", pos + 1 + rng.below(60_000)),
                ),
                1 => (
                    "<DUP>",
                    format!("END={};SVTYPE=DUP", pos + rng.below(5_000)),
                ),
                2 => ("<INV>", format!("END={}", pos.saturating_sub(rng.below(3)))),
                3 => ("T", format!("SVEND={};DP=3", pos + 90_000)),
                _ => ("T", "DP=7".to_string()),
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

/// BED on a contig longer than 2^32 (needs CSI with depth 7).
fn simulated_long_bed(seed: u64) -> String {
    let mut rng = Rng(seed);
    let mut text = String::new();
    for (name, length) in [("chrBig", 5_000_000_000u64), ("chrSmall", 1_000_000)] {
        for (start, span) in features(&mut rng, 4_000, length) {
            writeln!(text, "{name}\t{start}\t{}", start + span).unwrap();
        }
    }
    text
}

/// Writes `text` bgzipped (by `bgzip`) to `dir/name`.
fn bgzip(dir: &TempDir, name: &str, text: &str) -> PathBuf {
    let plain = dir.join(name.trim_end_matches(".gz"));
    std::fs::write(&plain, text).unwrap();
    oracle("bgzip", &["-f", plain.to_str().unwrap()]);
    dir.join(name)
}

/// Random regions: bounded, single-base, open-ended and whole sequences.
fn regions(rng: &mut Rng, contigs: &[(&str, u64)], count: usize) -> Vec<String> {
    (0..count)
        .map(|_| {
            let (name, length) = contigs[rng.below(contigs.len() as u64) as usize];
            let begin = 1 + rng.below(length);
            match rng.below(20) {
                0 => name.to_string(),
                1 => format!("{name}:{begin}"),
                2 => format!("{name}:{begin}-{begin}"),
                _ => format!("{name}:{begin}-{}", begin + rng.below(150_000)),
            }
        })
        .collect()
}

/// Our query's lines for each region, concatenated as tabix prints them;
/// `cache` bytes of decoded blocks kept by the BGZF reader.
fn our_lines(data: &Path, index: &TabixIndex, regions: &[String], cache: usize) -> String {
    let options = biometal::io::IoOptions::default().with_bgzf_threads(1);
    let mut reader = biometal::io::open_with(data, &options).unwrap();
    reader.bgzf_mut().unwrap().set_block_cache(cache);
    let mut out = Vec::new();
    for text in regions {
        let Ok(region) = index.parse_region(text) else {
            continue; // tabix prints nothing for unknown sequences
        };
        let mut query = tabix::query(&mut reader, index, &region).unwrap();
        while let Some(line) = query.next_line().unwrap() {
            out.extend_from_slice(line.bytes());
            out.push(b'\n');
        }
    }
    String::from_utf8(out).unwrap()
}

fn tabix_lines(data: &Path, regions: &[String]) -> String {
    let mut args = vec![data.to_str().unwrap()];
    args.extend(regions.iter().map(String::as_str));
    String::from_utf8(oracle("tabix", &args).stdout).unwrap()
}

/// Indexes `text` with tabix (`tabix_args`) and with us, then compares all
/// three pairings on `count` random regions.
fn compare(
    name: &str,
    text: &str,
    config: TabixConfig,
    format: TabixFormat,
    tabix_args: &[&str],
    contigs: &[(&str, u64)],
    seed: u64,
) {
    let dir = TempDir::new(&format!("tabix-{name}"));
    let data = bgzip(&dir, name, text);
    let mut args = tabix_args.to_vec();
    args.push(data.to_str().unwrap());
    oracle("tabix", &args);
    let theirs = tabix::load_for(&data).unwrap();
    assert_eq!(theirs.is_csi(), format == TabixFormat::Csi);

    let ours = tabix::build_from_path(&data, config, format).unwrap();
    assert_eq!(ours.config(), theirs.config());
    assert_eq!(ours.names(), theirs.names());
    let copy = dir.join(&format!("ours-{name}"));
    std::fs::copy(&data, &copy).unwrap();
    let index_path = format!("{}.{}", copy.display(), ours.extension());
    std::fs::write(&index_path, ours.to_bgzf_bytes().unwrap()).unwrap();
    // Without empty features (which htslib bins as [x-1, x+1)), the linear
    // index is tabix's, window for window.
    if !ours.is_csi() && !name.contains("bed") {
        for (a, b) in ours
            .index()
            .references
            .iter()
            .zip(&theirs.index().references)
        {
            assert_eq!(a.linear, b.linear, "{name}: linear index");
            assert_eq!(a.bins, b.bins, "{name}: bins");
        }
    }
    // Our encoder's output reads back to the same index.
    assert_eq!(tabix::read_path(&index_path).unwrap(), ours);

    let mut rng = Rng(seed);
    let regions = regions(&mut rng, contigs, 300);
    for batch in regions.chunks(60) {
        let expected = tabix_lines(&data, batch);
        assert_eq!(
            our_lines(&data, &ours, batch, 0),
            expected,
            "our index, {batch:?}"
        );
        // A small block cache, so that blocks are evicted too.
        assert_eq!(
            our_lines(&data, &theirs, batch, 200_000),
            expected,
            "tabix's index, {batch:?}"
        );
        assert_eq!(
            tabix_lines(&copy, batch),
            expected,
            "tabix on our index, {batch:?}"
        );
    }
    // The regions are not all empty.
    assert!(tabix_lines(&data, &regions).lines().count() > 1_000);
}

#[test]
fn bed_queries_equal_tabix() {
    compare(
        "a.bed.gz",
        &simulated_bed(1),
        TabixConfig::bed(),
        TabixFormat::Tbi,
        &["-p", "bed"],
        CONTIGS,
        11,
    );
}

#[test]
fn gff_queries_equal_tabix() {
    compare(
        "a.gff.gz",
        &simulated_gff(2),
        TabixConfig::gff(),
        TabixFormat::Tbi,
        &["-p", "gff"],
        CONTIGS,
        12,
    );
}

#[test]
fn vcf_queries_equal_tabix() {
    compare(
        "a.vcf.gz",
        &simulated_vcf(3),
        TabixConfig::vcf(),
        TabixFormat::Tbi,
        &["-p", "vcf"],
        CONTIGS,
        13,
    );
}

#[test]
fn vcf_csi_queries_equal_tabix() {
    compare(
        "c.vcf.gz",
        &simulated_vcf(4),
        TabixConfig::vcf(),
        TabixFormat::Csi,
        &["-C", "-p", "vcf"],
        CONTIGS,
        14,
    );
}

#[test]
fn long_contigs_need_csi_and_equal_tabix() {
    let contigs = [("chrBig", 5_000_000_000u64), ("chrSmall", 1_000_000)];
    let text = simulated_long_bed(5);
    let dir = TempDir::new("tabix-long");
    let data = bgzip(&dir, "long.bed.gz", &text);
    let error = tabix::build_from_path(&data, TabixConfig::bed(), TabixFormat::Tbi).unwrap_err();
    assert!(error.message().contains("CSI"), "{error}");
    // tabix -C's default depth 6 covers 2^32; this contig needs 7, which
    // tabix cannot know from a BED file (it fails too): build_with takes
    // the scheme, tabix reads the result.
    let ours = tabix::build_from_path(&data, TabixConfig::bed(), TabixFormat::Csi);
    assert!(ours.is_err(), "depth 6 cannot hold 5 Gbp");
    let indexer = tabix::TabixIndexer::csi(TabixConfig::bed(), 14, 7).unwrap();
    let mut reader = biometal::io::open(&data).unwrap();
    let ours = tabix::build_with(&mut reader, indexer).unwrap();
    let copy = dir.join("ours.bed.gz");
    std::fs::copy(&data, &copy).unwrap();
    std::fs::write(dir.join("ours.bed.gz.csi"), ours.to_bgzf_bytes().unwrap()).unwrap();
    let mut rng = Rng(15);
    let regions = regions(&mut rng, &contigs, 200);
    for batch in regions.chunks(50) {
        let expected = plain_overlaps(&text, batch);
        assert_eq!(
            our_lines(&data, &ours, batch, 1 << 20),
            expected,
            "{batch:?}"
        );
        assert_eq!(
            tabix_lines(&copy, batch),
            expected,
            "tabix on our index, {batch:?}"
        );
    }
}

/// The BED lines overlapping each region, by a linear scan (the reference
/// for positions tabix's own `-C` scheme cannot hold).
fn plain_overlaps(text: &str, regions: &[String]) -> String {
    let mut out = String::new();
    for region in regions {
        let region: biometal::region::Region = region.parse().unwrap();
        let (start, end) = (region.interval().start(), region.interval().end());
        for line in text.lines() {
            let fields: Vec<&str> = line.split('\t').collect();
            let (b, e): (u64, u64) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
            if fields[0] == region.name() && b < end && e > start && (b < e || b > start) {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

#[test]
fn csi_for_contigs_beyond_tbi_equal_tabix() {
    // 2^29 < positions < 2^32: tabix -C's default depth 6.
    let contigs = [("chrL", 3_000_000_000u64)];
    let mut rng = Rng(6);
    let mut text = String::new();
    for (start, span) in features(&mut rng, 5_000, contigs[0].1) {
        writeln!(text, "chrL\t{start}\t{}", start + span).unwrap();
    }
    compare(
        "l.bed.gz",
        &text,
        TabixConfig::bed(),
        TabixFormat::Csi,
        &["-C", "-p", "bed"],
        &contigs,
        16,
    );
}

/// `index -p …`/`index` (by content), `view [-h] FILE REGION…` and `count`
/// against `tabix [-h] FILE REGION…`.
#[test]
fn examples_equal_tabix() {
    let dir = TempDir::new("tabix-examples");
    let index = common::example_binary("index");
    let view = common::example_binary("view");
    let count = common::example_binary("count");
    let run = |program: &Path, args: &[&str]| {
        let output = std::process::Command::new(program)
            .args(args)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    };
    let mut rng = Rng(21);
    let regions = regions(&mut rng, CONTIGS, 40);
    let regions: Vec<&str> = regions.iter().map(String::as_str).collect();
    for (name, text, index_args, expected_index) in [
        ("e.gff.gz", simulated_gff(7), &["-p", "gff"][..], "tbi"),
        ("e.bed.gz", simulated_bed(8), &[][..], "tbi"),
        ("e.vcf.gz", simulated_vcf(9), &["-t"][..], "tbi"),
        ("f.vcf.gz", simulated_vcf(10), &[][..], "csi"),
    ] {
        let data = bgzip(&dir, name, &text);
        let path = data.to_str().unwrap();
        let mut args = index_args.to_vec();
        args.push(path);
        run(&index, &args);
        assert!(
            dir.join(&format!("{name}.{expected_index}")).is_file(),
            "{name}"
        );
        let mut args = vec!["-h", path];
        args.extend(&regions);
        let ours = run(&view, &args);
        assert_eq!(
            ours,
            String::from_utf8(oracle("tabix", &args).stdout).unwrap(),
            "{name}"
        );
        let mut lines = ours.lines().filter(|l| !l.starts_with('#')).count();
        if name.ends_with(".vcf.gz") {
            // `count` selects VCF records as `bcftools view -H` does.
            let mut view = vec!["view", "-H"];
            view.extend(&args[1..]);
            lines = oracle("bcftools", &view)
                .stdout
                .split(|&b| b == b'\n')
                .filter(|l| !l.is_empty())
                .count();
        }
        assert_eq!(run(&count, &args[1..]).trim(), lines.to_string(), "{name}");
    }
}
