//! The CRAM side of the `view`, `count`, `flagstat` and `stats` examples,
//! with `-@ N` slice threads, against Debian samtools: records with more
//! than 65535 CIGAR operations print as `samtools view` prints them,
//! `flagstat` prints what `samtools flagstat` prints, and `stats` gives a
//! CRAM the summary of the BAM it was made from.

mod common;

use common::rng::XorShift64 as Rng;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use biometal::formats::cram::{ReaderBuilder, ReferenceSource};
use biometal::formats::sam;
use common::{example_binary, oracle, run_example, TempDir};

fn s(path: &Path) -> &str {
    path.to_str().expect("UTF-8 path")
}

fn stdout(program: &str, args: &[&str]) -> String {
    String::from_utf8(oracle(program, args).stdout).expect("UTF-8")
}

/// Two random references (`chrA`, `chrB`, 200 kb each) in `dir/ref.fa`,
/// indexed by samtools.
fn reference(dir: &TempDir, rng: &mut Rng) -> (PathBuf, Vec<Vec<u8>>) {
    let sequences = vec![rng.bases(200_000), rng.bases(200_000)];
    let mut text = String::new();
    for (name, bases) in ["chrA", "chrB"].iter().zip(&sequences) {
        writeln!(text, ">{name}").expect("format");
        for line in bases.chunks(60) {
            writeln!(text, "{}", String::from_utf8_lossy(line)).expect("format");
        }
    }
    let path = dir.join("ref.fa");
    std::fs::write(&path, text).expect("write reference");
    oracle("samtools", &["faidx", s(&path)]);
    (path, sequences)
}

fn header() -> String {
    "@HD\tVN:1.6\tSO:unsorted\n@SQ\tSN:chrA\tLN:200000\n@SQ\tSN:chrB\tLN:200000\n".into()
}

/// `sam` as CRAM written by samtools with `options`.
fn to_cram(sam: &Path, fasta: &Path, cram: &Path, options: &[&str]) {
    let mut args = vec!["view", "-C", "-T", s(fasta), "-o", s(cram)];
    for option in options {
        args.extend(["--output-fmt-option", option]);
    }
    args.push(s(sam));
    oracle("samtools", &args);
}

#[test]
fn records_with_more_than_65535_cigar_operations_print_as_samtools_prints_them() {
    let dir = TempDir::new("cram-long-cigar");
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let (fasta, sequences) = reference(&dir, &mut rng);
    let chr_a = &sequences[0];
    let mut text = header();
    // 1M1I × 35 000 (70 000 operations), a short read, and 2M1D × 40 000
    // (80 000 operations, reverse strand, no qualities).
    let mut sequence = Vec::new();
    for i in 0..35_000 {
        sequence.push(chr_a[999 + i]);
        sequence.push(b"ACGT"[rng.below(4) as usize]);
    }
    let quals: String = (0..sequence.len())
        .map(|_| (b'#' + rng.below(40) as u8) as char)
        .collect();
    writeln!(
        text,
        "long1\t0\tchrA\t1000\t60\t{}\t*\t0\t0\t{}\t{quals}",
        "1M1I".repeat(35_000),
        String::from_utf8_lossy(&sequence)
    )
    .expect("format");
    writeln!(
        text,
        "short\t0\tchrA\t5000\t60\t100M\t*\t0\t0\t{}\t*",
        String::from_utf8_lossy(&chr_a[4999..5099])
    )
    .expect("format");
    let sequence: Vec<u8> = (0..40_000)
        .flat_map(|i| [chr_a[49_999 + 3 * i], chr_a[50_000 + 3 * i]])
        .collect();
    writeln!(
        text,
        "long2\t16\tchrA\t50000\t60\t{}\t*\t0\t0\t{}\t*",
        "2M1D".repeat(40_000),
        String::from_utf8_lossy(&sequence)
    )
    .expect("format");
    let sam_path = dir.join("long.sam");
    std::fs::write(&sam_path, text).expect("write SAM");
    let view = example_binary("view");
    for version in ["3.0", "3.1"] {
        let cram = dir.join(&format!("long-{version}.cram"));
        to_cram(&sam_path, &fasta, &cram, &[&format!("version={version}")]);
        let theirs = stdout("samtools", &["view", "-T", s(&fasta), s(&cram)]);
        assert!(theirs.contains(&"1M1I".repeat(35_000)) && theirs.contains("MD:Z:35000"));
        for threads in ["1", "4"] {
            let ours = run_example(&view, &["-@", threads, "--reference", s(&fasta), s(&cram)]);
            assert!(
                ours == theirs,
                "view -@ {threads} of CRAM {version} differs from samtools view"
            );
        }
        // The library's records carry the whole CIGAR.
        let mut reader = ReaderBuilder::new()
            .reference(ReferenceSource::from_fasta_path(&fasta).expect("reference"))
            .build_from_path(&cram)
            .expect("open");
        let header = reader.read_header().expect("header");
        let mut writer = sam::Writer::new(Vec::new());
        let mut operations = Vec::new();
        while let Some(record) = reader.next_record().expect("record") {
            operations.push(record.cigar().len());
            writer.write_record(&header, record).expect("format");
        }
        assert_eq!(operations, [70_000, 1, 80_000]);
        assert!(writer.into_inner() == theirs.as_bytes());
    }
}

/// Pairs on both references with every flag flagstat counts: proper and
/// improper pairs, unmapped mates, mates on the other reference,
/// secondary, supplementary, duplicate and QC-failed records.
fn simulate_pairs(path: &Path, sequences: &[Vec<u8>], pairs: usize, rng: &mut Rng) {
    let names = ["chrA", "chrB"];
    let mut text = header();
    for n in 0..pairs {
        let (r1, r2) = (
            rng.below(2) as usize,
            if rng.below(10) == 0 { 1 } else { 0 },
        );
        let (p1, p2) = (1 + rng.below(199_000), 1 + rng.below(199_000));
        let extra = match rng.below(20) {
            0 => 0x400,
            1 => 0x200,
            2 => 0x100,
            3 => 0x800,
            _ => 0,
        };
        let mate_unmapped = rng.below(15) == 0;
        let proper = if r1 == r2 && !mate_unmapped && rng.below(4) != 0 {
            0x2
        } else {
            0
        };
        let mapq = rng.below(61);
        for (first, (r, p, mr, mp)) in [(true, (r1, p1, r2, p2)), (false, (r2, p2, r1, p1))] {
            let seq = &sequences[r][p as usize - 1..p as usize + 99];
            let quals: String = (0..100)
                .map(|_| (b'#' + rng.below(40) as u8) as char)
                .collect();
            let mut flag = 0x1 | proper | if first { 0x40 } else { 0x80 } | extra;
            let unmapped = !first && mate_unmapped;
            if unmapped {
                flag |= 0x4;
            }
            if first && mate_unmapped {
                flag |= 0x8;
            }
            let (rname, pos, mapq, cigar) = if unmapped {
                (names[mr], mp, 0, "*")
            } else {
                (names[r], p, mapq, "100M")
            };
            let (rnext, pnext) = if mate_unmapped {
                ("=", pos)
            } else {
                (names[mr], mp)
            };
            let rnext = if rnext == rname { "=" } else { rnext };
            writeln!(
                text,
                "p{n}\t{flag}\t{rname}\t{pos}\t{mapq}\t{cigar}\t{rnext}\t{pnext}\t0\t{}\t{quals}",
                String::from_utf8_lossy(seq)
            )
            .expect("format");
        }
    }
    std::fs::write(path, text).expect("write SAM");
}

#[test]
fn flagstat_count_view_and_stats_on_cram_match_samtools_with_threads() {
    let dir = TempDir::new("cram-flagstat");
    let mut rng = Rng(0x0dd_ba11_cafe_f00d);
    let (fasta, sequences) = reference(&dir, &mut rng);
    let sam_path = dir.join("pairs.sam");
    simulate_pairs(&sam_path, &sequences, 3000, &mut rng);
    let bam = dir.join("pairs.bam");
    oracle("samtools", &["sort", "-o", s(&bam), s(&sam_path)]);
    let [flagstat, count, view, stats] = ["flagstat", "count", "view", "stats"].map(example_binary);
    for (name, options) in [
        (
            "3.0",
            &[
                "version=3.0",
                "seqs_per_slice=250",
                "slices_per_container=2",
            ][..],
        ),
        ("3.1", &["version=3.1", "seqs_per_slice=500"][..]),
    ] {
        let cram = dir.join(&format!("pairs-{name}.cram"));
        to_cram(&bam, &fasta, &cram, options);
        let theirs = stdout("samtools", &["flagstat", s(&cram)]);
        let total: Vec<u64> = theirs
            .split_whitespace()
            .take(3)
            .filter_map(|n| n.parse().ok())
            .collect();
        assert_eq!(total.iter().sum::<u64>(), 6000, "{theirs}");
        assert!(total[1] > 0 && !theirs.contains("\n0 + 0 with mate mapped to a different chr\n"));
        let view_theirs = stdout("samtools", &["view", "-T", s(&fasta), s(&cram)]);
        let count_theirs = stdout("samtools", &["view", "-c", s(&cram)]);
        for threads in ["1", "2", "4"] {
            assert_eq!(
                run_example(&flagstat, &["-@", threads, s(&cram)]),
                theirs,
                "{name} -@ {threads}"
            );
            let with_reference = run_example(
                &flagstat,
                &["-@", threads, "--reference", s(&fasta), s(&cram)],
            );
            assert_eq!(with_reference, theirs, "{name} -@ {threads} --reference");
            assert_eq!(
                run_example(&count, &["-@", threads, s(&cram)]),
                count_theirs
            );
            let ours = run_example(&view, &["-@", threads, "--reference", s(&fasta), s(&cram)]);
            assert!(
                ours == view_theirs,
                "view {name} -@ {threads} differs from samtools view"
            );
        }
        // stats: the summary of the BAM it came from, whatever the threads.
        let body = |text: String| text.lines().skip(1).collect::<Vec<_>>().join("\n");
        let from_bam = body(run_example(&stats, &[s(&bam)]));
        for threads in ["1", "4"] {
            let from_cram =
                run_example(&stats, &["-@", threads, "--reference", s(&fasta), s(&cram)]);
            assert_eq!(body(from_cram), from_bam, "stats {name} -@ {threads}");
        }
        // Its counts are samtools'.
        let mapped = stdout("samtools", &["view", "-c", "-F", "4", s(&cram)]);
        assert!(from_bam.contains(&format!("mapped             {}", group(mapped.trim()))));
        assert!(from_bam.contains(&format!(
            "records            {}",
            group(count_theirs.trim())
        )));
        let primary = stdout(
            "samtools",
            &["view", "-F", "0x900", "-T", s(&fasta), s(&cram)],
        );
        let bases: usize = primary
            .lines()
            .map(|l| l.split('\t').nth(9).map_or(0, str::len))
            .sum();
        assert!(from_bam.contains(&format!("bases              {}", group(&bases.to_string()))));
        // Without a reference the counts are still given.
        let counts_only = run_example(&stats, &[s(&cram)]);
        assert!(counts_only.contains("not decoded (CRAM needs --reference)"));
        assert!(counts_only.contains(&format!("mapped             {}", group(mapped.trim()))));
    }
}

/// "12345" → "12,345".
fn group(digits: &str) -> String {
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
