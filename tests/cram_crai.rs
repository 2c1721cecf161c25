//! CRAI indexes and CRAM region queries against Debian samtools: CRAM 2.1,
//! 3.0 and 3.1 files written by samtools from a seeded simulated alignment
//! set (several slice sizes, multi-reference slices from tiny contigs,
//! unmapped reads placed beside their mates and unplaced ones, embedded and
//! absent references), indexed by both; our `.crai` text must equal
//! samtools', samtools must answer the same through ours, and our queries
//! must print exactly what `samtools view FILE.cram REGION` prints, for
//! hundreds of random regions.

mod common;

use common::rng::XorShift64Star as Rng;

use std::fmt::Write as _;
use std::io::Read as _;
use std::path::Path;

use biometal::formats::cram::{crai, Fields, ReaderBuilder, ReferenceSource};
use biometal::formats::sam;
use biometal::region::Region;
use common::{cram_query_sam, oracle, samtools_view_cram, TempDir};

/// Contigs: three long ones around a run of tiny ones (a few reads each,
/// which samtools packs into multi-reference slices).
const CONTIGS: &[(&str, usize, usize)] = &[
    // (name, length, reads)
    ("chr1", 30_000, 1_500),
    ("t1", 400, 4),
    ("t2", 400, 3),
    ("t3", 400, 5),
    ("t4", 400, 2),
    ("t5", 400, 6),
    ("chr2", 20_000, 1_000),
    ("t6", 400, 3),
    ("t7", 400, 4),
    ("chr3", 8_000, 400),
];

fn s(path: &Path) -> &str {
    path.to_str().expect("UTF-8 path")
}

/// One read's SAM columns 6 and 10 (CIGAR, SEQ) against `bases` from
/// 0-based `start`: matches with a few substitutions, indels, skips and
/// soft clips.
fn simulate_alignment(rng: &mut Rng, bases: &[u8], start: usize) -> (String, String) {
    let length = 40 + rng.below(110) as usize;
    let mut cigar = String::new();
    let mut sequence = String::new();
    let mut ref_pos = start;
    let random_base = |rng: &mut Rng| char::from(b"ACGT"[rng.below(4) as usize]);
    if rng.chance(10) {
        let n = 1 + rng.below(6) as usize;
        write!(cigar, "{n}S").unwrap();
        (0..n).for_each(|_| sequence.push(random_base(rng)));
    }
    let mut run = 0;
    while sequence.len() < length && ref_pos < bases.len() {
        let roll = rng.below(1000);
        if run > 0 && roll < 6 {
            let n = 1 + rng.below(3) as usize;
            write!(cigar, "{run}M{n}I").unwrap();
            (0..n).for_each(|_| sequence.push(random_base(rng)));
            run = 0;
        } else if run > 0 && roll < 12 {
            let n = 1 + rng.below(4) as usize;
            write!(cigar, "{run}M{n}D").unwrap();
            ref_pos += n;
            run = 0;
        } else if run > 0 && roll < 14 {
            let n = 100 + rng.below(400) as usize;
            write!(cigar, "{run}M{n}N").unwrap();
            ref_pos += n;
            run = 0;
        } else {
            let base = if rng.chance(2) {
                random_base(rng)
            } else {
                char::from(bases[ref_pos])
            };
            sequence.push(base);
            ref_pos += 1;
            run += 1;
        }
    }
    if run == 0 {
        // Ended on an indel or skip: close with one match.
        sequence.push(random_base(rng));
        run = 1;
    }
    write!(cigar, "{run}M").unwrap();
    (cigar, sequence)
}

/// Writes `ref.fa` (+ `.fai`) and a coordinate-sorted `sorted.bam`.
fn simulate(dir: &TempDir, seed: u64) {
    let mut rng = Rng(seed);
    let mut fasta = String::new();
    let mut sam = String::from("@HD\tVN:1.6\tSO:unsorted\n");
    let contigs: Vec<Vec<u8>> = CONTIGS
        .iter()
        .map(|&(_, length, _)| {
            (0..length)
                .map(|_| b"ACGT"[rng.below(4) as usize])
                .collect()
        })
        .collect();
    for (&(name, length, _), bases) in CONTIGS.iter().zip(&contigs) {
        writeln!(sam, "@SQ\tSN:{name}\tLN:{length}").unwrap();
        writeln!(fasta, ">{name}").unwrap();
        for line in bases.chunks(60) {
            writeln!(fasta, "{}", std::str::from_utf8(line).unwrap()).unwrap();
        }
    }
    let quality = |rng: &mut Rng, n: usize| -> String {
        (0..n)
            .map(|_| char::from(b'#' + rng.below(38) as u8))
            .collect()
    };
    let mut serial = 0;
    for (&(name, length, reads), bases) in CONTIGS.iter().zip(&contigs) {
        for _ in 0..reads {
            serial += 1;
            // Near both ends too, so regions at the edges find reads.
            let start = match rng.below(20) {
                0 => rng.below(50) as usize,
                1 => length - 1 - rng.below(60) as usize,
                _ => rng.below(length as u64 - 1) as usize,
            };
            let (cigar, sequence) = simulate_alignment(&mut rng, bases, start);
            let qual = quality(&mut rng, sequence.len());
            let mapq = rng.below(61);
            let pos = start + 1;
            if rng.chance(15) {
                // A pair whose mate is unmapped and placed at its position.
                let (mate_sequence, mate_qual) = {
                    let n = 50 + rng.below(50) as usize;
                    let seq: String = (0..n)
                        .map(|_| char::from(b"ACGT"[rng.below(4) as usize]))
                        .collect();
                    let q = quality(&mut rng, n);
                    (seq, q)
                };
                writeln!(sam, "p{serial}\t73\t{name}\t{pos}\t{mapq}\t{cigar}\t=\t{pos}\t0\t{sequence}\t{qual}").unwrap();
                writeln!(sam, "p{serial}\t133\t{name}\t{pos}\t0\t*\t=\t{pos}\t0\t{mate_sequence}\t{mate_qual}").unwrap();
            } else {
                let flag = if rng.chance(50) { 16 } else { 0 };
                writeln!(sam, "r{serial}\t{flag}\t{name}\t{pos}\t{mapq}\t{cigar}\t*\t0\t0\t{sequence}\t{qual}").unwrap();
            }
        }
    }
    for i in 0..300 {
        let n = 30 + rng.below(100) as usize;
        let seq: String = (0..n)
            .map(|_| char::from(b"ACGT"[rng.below(4) as usize]))
            .collect();
        let q = quality(&mut rng, n);
        writeln!(sam, "u{i}\t4\t*\t0\t0\t*\t*\t0\t0\t{seq}\t{q}").unwrap();
    }
    std::fs::write(dir.join("ref.fa"), fasta).unwrap();
    std::fs::write(dir.join("reads.sam"), sam).unwrap();
    oracle("samtools", &["faidx", s(&dir.join("ref.fa"))]);
    oracle(
        "samtools",
        &[
            "sort",
            "-o",
            s(&dir.join("sorted.bam")),
            s(&dir.join("reads.sam")),
        ],
    );
}

/// `samtools view -C` of the sorted BAM with `options`.
fn write_cram(dir: &TempDir, name: &str, options: &[&str]) -> std::path::PathBuf {
    write_cram_from(dir, "sorted.bam", name, options)
}

/// `samtools view -C` of `input` in `dir` with `options`.
fn write_cram_from(dir: &TempDir, input: &str, name: &str, options: &[&str]) -> std::path::PathBuf {
    let cram = dir.join(name);
    let mut args = vec!["view", "-C", "-T"];
    let reference = dir.join("ref.fa");
    args.push(s(&reference));
    for option in options {
        args.extend(["--output-fmt-option", option]);
    }
    let input = dir.join(input);
    args.extend(["-o", s(&cram), s(&input)]);
    oracle("samtools", &args);
    cram
}

fn gunzip(path: &Path) -> String {
    let mut text = String::new();
    flate2::read::MultiGzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    text
}

/// Random regions: inside, across and past the contigs' ends, single
/// bases, whole contigs and `*`.
fn random_regions(rng: &mut Rng, count: usize) -> Vec<String> {
    let mut regions = vec![
        "*".to_string(),
        "chr1".into(),
        "t3".into(),
        "chr3:7900".into(),
    ];
    for &(name, length, _) in CONTIGS {
        regions.push(format!("{name}:1-1"));
        regions.push(format!("{name}:{length}-{length}"));
        regions.push(format!("{name}:{}-{}", length - 100, length + 500));
    }
    while regions.len() < count {
        let &(name, length, _) = &CONTIGS[rng.below(CONTIGS.len() as u64) as usize];
        let start = 1 + rng.below(length as u64 + 20);
        let span = match rng.below(4) {
            0 => 1,
            1 => rng.below(50),
            2 => rng.below(1_000),
            _ => rng.below(6_000),
        };
        regions.push(format!("{name}:{start}-{}", start + span));
    }
    regions
}

/// Our queries' SAM lines with `Fields::flags_only()` and no reference.
fn flags_only_query_sam(cram: &Path, index: &crai::Index, regions: &[String]) -> String {
    let mut reader = ReaderBuilder::new()
        .fields(Fields::flags_only())
        .build_from_path(cram)
        .unwrap();
    let header = reader.read_header().unwrap();
    let mut writer = sam::Writer::new(Vec::new());
    for text in regions {
        let mut query = if text == "*" {
            reader.query_unmapped(index).unwrap()
        } else {
            let region =
                Region::parse_with_names(text, |n| header.reference_id(n).is_some()).unwrap();
            reader.query(index, &region).unwrap()
        };
        while let Some(record) = query.next_record().unwrap() {
            writer.write_record(&header, record).unwrap();
        }
    }
    String::from_utf8(writer.into_inner()).unwrap()
}

/// Checks one CRAM: index text, samtools through our index, our queries.
/// Returns whether the index lists a multi-reference slice.
fn check(dir: &TempDir, cram: &Path, regions: &[String]) -> bool {
    let reference = dir.join("ref.fa");
    oracle("samtools", &["index", s(cram)]);
    let theirs_path = format!("{}.crai", s(cram));
    let theirs = gunzip(Path::new(&theirs_path));
    let ours = crai::build_from_path(cram).unwrap();
    assert_eq!(ours.to_text(), theirs, "{}: .crai text", cram.display());
    assert_eq!(crai::Index::read_from_path(&theirs_path).unwrap(), ours);

    // samtools through our index (written gzip-compressed) answers alike.
    let copy = dir.join("ours.cram");
    std::fs::copy(cram, &copy).unwrap();
    ours.write_to_path(dir.join("ours.cram.crai")).unwrap();
    assert_eq!(gunzip(&dir.join("ours.cram.crai")), theirs);
    let expected = samtools_view_cram(cram, &reference, regions);
    // The regions find thousands of records, unmapped mates placed beside
    // their reads among them.
    assert!(expected.lines().count() > 2_000, "{}", cram.display());
    assert!(expected.contains("\t133\t"));
    assert_eq!(samtools_view_cram(&copy, &reference, regions), expected);

    // Ours, region by region, through samtools' index.
    let got = cram_query_sam(cram, &reference, &ours, regions);
    if got != expected {
        for region in regions {
            let one = std::slice::from_ref(region);
            assert_eq!(
                cram_query_sam(cram, &reference, &ours, one),
                samtools_view_cram(cram, &reference, one),
                "{}: region {region}",
                cram.display()
            );
        }
    }
    assert_eq!(got, expected);
    // With the flags only, queries still decode and report the alignment
    // they select by (no reference needed): samtools' lines without
    // names, bases, qualities and tags.
    let blanked: String = expected
        .lines()
        .map(|line| {
            let mut columns: Vec<&str> = line.split('\t').take(11).collect();
            columns[0] = "*";
            columns[9] = "*";
            columns[10] = "*";
            columns.join("\t") + "\n"
        })
        .collect();
    assert_eq!(
        flags_only_query_sam(cram, &ours, regions),
        blanked,
        "{}: flags only",
        cram.display()
    );
    let mut slices: Vec<(u64, u64)> = ours
        .entries()
        .iter()
        .map(|e| (e.container_offset, e.slice_offset))
        .collect();
    let all = slices.len();
    slices.dedup();
    slices.len() < all
}

#[test]
fn crai_and_queries_match_samtools() {
    let dir = TempDir::new("cram-crai");
    simulate(&dir, 0x5eed_c4a1);
    let mut rng = Rng(0x0dd_ba11);
    let regions = random_regions(&mut rng, 200);
    let variants: &[(&str, &[&str])] = &[
        ("v30.cram", &["version=3.0"]),
        ("v31.cram", &["version=3.1"]),
        ("v21.cram", &["version=2.1"]),
        ("small100.cram", &["version=3.0", "seqs_per_slice=100"]),
        (
            "multi.cram",
            &[
                "version=3.1",
                "seqs_per_slice=300",
                "slices_per_container=3",
            ],
        ),
        (
            "archive.cram",
            &["version=3.1", "archive", "seqs_per_slice=1000"],
        ),
        (
            "noref.cram",
            &["version=3.0", "no_ref=1", "seqs_per_slice=700"],
        ),
        (
            "embed.cram",
            &["version=3.1", "embed_ref=1", "seqs_per_slice=500"],
        ),
    ];
    let mut multi_reference = 0;
    for (name, options) in variants {
        let cram = write_cram(&dir, name, options);
        multi_reference += usize::from(check(&dir, &cram, &regions));
    }
    assert!(
        multi_reference > 0,
        "no variant produced a multi-reference slice"
    );
}

#[test]
fn count_and_view_examples_take_cram_regions() {
    let dir = TempDir::new("cram-crai-examples");
    simulate(&dir, 7);
    let cram = write_cram(&dir, "x.cram", &["version=3.0", "seqs_per_slice=200"]);
    let reference = dir.join("ref.fa");
    let index = common::example_binary("index");
    let status = std::process::Command::new(&index)
        .arg(&cram)
        .status()
        .unwrap();
    assert!(status.success());
    let crai_path = dir.join("x.cram.crai");
    let ours = gunzip(&crai_path);
    std::fs::remove_file(&crai_path).unwrap();
    oracle("samtools", &["index", s(&cram)]);
    assert_eq!(ours, gunzip(&crai_path));

    let regions = ["chr1:1000-5000", "t2", "*", "chr2:19990-20000", "chr3"];
    let run = |example: &str| {
        let mut command = std::process::Command::new(common::example_binary(example));
        command
            .args(["--reference", s(&reference), s(&cram)])
            .args(regions);
        let output = command.output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    };
    let mut args = vec!["view", "-T", s(&reference), s(&cram)];
    args.extend(regions);
    let expected = String::from_utf8(oracle("samtools", &args).stdout).unwrap();
    assert!(!expected.is_empty());
    assert_eq!(run("view"), expected);
    args.insert(1, "-c");
    let expected = String::from_utf8(oracle("samtools", &args).stdout).unwrap();
    assert_eq!(run("count"), expected);
}

#[test]
fn reader_queries_after_builder_options() {
    // Field-selective decoding keeps positions and CIGARs: a count-only
    // query returns the same records as a full one.
    let dir = TempDir::new("cram-crai-fields");
    simulate(&dir, 11);
    let cram = write_cram(&dir, "x.cram", &["version=3.1", "seqs_per_slice=250"]);
    let index = crai::build_from_path(&cram).unwrap();
    let region: Region = "chr1:5000-9000".parse().unwrap();
    let count = |fields| {
        let reference = ReferenceSource::from_fasta_path(dir.join("ref.fa")).unwrap();
        let mut reader = ReaderBuilder::new()
            .fields(fields)
            .reference(reference)
            .build_from_path(&cram)
            .unwrap();
        reader.read_header().unwrap();
        let mut query = reader.query(&index, &region).unwrap();
        let mut names = Vec::new();
        while let Some(record) = query.next_record().unwrap() {
            names.push((record.alignment_start(), record.flags()));
        }
        names
    };
    let all = count(biometal::formats::cram::Fields::all());
    assert!(!all.is_empty());
    assert_eq!(count(biometal::formats::cram::Fields::none()), all);
}

#[test]
fn unsorted_files_are_refused_as_samtools_refuses_them() {
    // The simulated SAM lists each contig's reads at random positions.
    let dir = TempDir::new("cram-crai-unsorted");
    simulate(&dir, 3);
    let variants: &[(&str, &[&str])] = &[
        ("u30.cram", &["version=3.0", "seqs_per_slice=200"]),
        ("u31.cram", &["version=3.1", "seqs_per_slice=50"]),
        ("u30-one.cram", &["version=3.0", "seqs_per_slice=100000"]),
        (
            "u31-slices.cram",
            &[
                "version=3.1",
                "seqs_per_slice=100",
                "slices_per_container=4",
            ],
        ),
    ];
    let mut refused = 0;
    for (name, options) in variants {
        let cram = write_cram_from(&dir, "reads.sam", name, options);
        let samtools = std::process::Command::new("samtools")
            .args(["index", s(&cram)])
            .output()
            .unwrap();
        let ours = crai::build_from_path(&cram);
        match ours {
            Ok(index) => {
                assert!(
                    samtools.status.success(),
                    "{name}: samtools refused, we did not"
                );
                assert_eq!(
                    index.to_text(),
                    gunzip(Path::new(&format!("{}.crai", s(&cram))))
                );
            }
            Err(error) => {
                assert!(!samtools.status.success(), "{name}: we refused: {error}");
                assert!(error.message().contains("not sorted"), "{error}");
                refused += 1;
            }
        }
    }
    assert!(refused > 0);
}

#[test]
fn conformance_files_index_and_query_as_samtools() {
    let dir = TempDir::new("cram-crai-conformance");
    let reference = common::testdata("hts-specs/cram/ce.fa");
    let mut indexed = 0;
    for version in ["3.0", "3.1"] {
        let folder = common::testdata(&format!("hts-specs/cram/{version}/passed"));
        let mut paths: Vec<_> = std::fs::read_dir(folder)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|e| e == "cram"))
            .collect();
        paths.sort();
        for path in paths {
            let copy = dir.join("x.cram");
            std::fs::copy(&path, &copy).unwrap();
            let crai_path = dir.join("x.cram.crai");
            let _ = std::fs::remove_file(&crai_path);
            let samtools = std::process::Command::new("samtools")
                .args(["index", s(&copy)])
                .output()
                .unwrap();
            let ours = crai::build_from_path(&copy);
            if !samtools.status.success() {
                assert!(ours.is_err(), "{}: samtools refused it", path.display());
                continue;
            }
            let ours = ours.unwrap();
            assert_eq!(ours.to_text(), gunzip(&crai_path), "{}", path.display());
            indexed += 1;
            if !path.to_string_lossy().contains("/14") {
                continue;
            }
            let header = oracle("samtools", &["view", "-H", s(&copy)]).stdout;
            let mut regions = vec!["*".to_string()];
            for line in String::from_utf8(header).unwrap().lines() {
                if let Some(name) = line.strip_prefix("@SQ\tSN:") {
                    let name = name.split('\t').next().unwrap();
                    regions.push(name.to_string());
                    regions.push(format!("{name}:100-300"));
                    regions.push(format!("{name}:250"));
                }
            }
            let expected = samtools_view_cram(&copy, &reference, &regions);
            assert!(!expected.is_empty());
            let got = cram_query_sam(&copy, &reference, &ours, &regions);
            assert_eq!(got, expected, "{}", path.display());
        }
    }
    assert!(indexed > 50);
}
