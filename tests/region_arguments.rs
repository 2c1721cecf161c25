//! REGION arguments, index discovery and `idxstats` without an index, the
//! examples against samtools/bcftools 1.16: samtools regions that do not
//! parse or name no sequence are skipped with a warning (status 0);
//! bcftools reads its positional regions as one comma-separated list; an
//! index is found where htslib finds it; `idxstats` counts by reading a BAM
//! that has no index.

mod common;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Mutex, OnceLock};

use common::cohort::Cohort;
use common::{example_binary, oracle, TempDir};

fn binary(name: &'static str) -> PathBuf {
    static BINARIES: OnceLock<Mutex<Vec<(&'static str, PathBuf)>>> = OnceLock::new();
    let mut binaries = BINARIES.get_or_init(Default::default).lock().unwrap();
    if let Some((_, path)) = binaries.iter().find(|(n, _)| *n == name) {
        return path.clone();
    }
    let path = example_binary(name);
    binaries.push((name, path.clone()));
    path
}

/// Standard output, exit status and standard error of `program args`.
fn run(program: &Path, args: &[&str]) -> (String, Option<i32>, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = Command::new(program).args(args).output().unwrap();
    let text = |bytes| String::from_utf8(bytes).unwrap();
    (text(stdout), status.code(), text(stderr))
}

fn tool(name: &str) -> PathBuf {
    PathBuf::from(name)
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// A sorted BAM (references with `:` in their names, unplaced unmapped
/// reads at the end) with samtools' BAI, and a copy with its CSI.
fn simulated_bams(dir: &TempDir) -> (PathBuf, PathBuf) {
    let references = [
        ("chr1", 200_000u64),
        ("HLA-A*01:01", 3_500),
        ("chrM", 16_569),
    ];
    let mut sam = String::from("@HD\tVN:1.6\tSO:unsorted\n");
    for (name, length) in references {
        writeln!(sam, "@SQ\tSN:{name}\tLN:{length}").unwrap();
    }
    let mut state = 7u64;
    let mut next = |n: u64| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) % n
    };
    for i in 0..3_000 {
        let (name, length) = references[next(3) as usize];
        let position = 1 + next(length - 100);
        let flag = [0, 16, 99, 147, 4 + 1 + 32 + 64, 256][next(6) as usize];
        let cigar = if flag & 4 != 0 { "*" } else { "30M5D70M" };
        let seq: String = (0..100)
            .map(|_| b"ACGT"[next(4) as usize] as char)
            .collect();
        writeln!(
            sam,
            "r{i}\t{flag}\t{name}\t{position}\t30\t{cigar}\t*\t0\t0\t{seq}\t*"
        )
        .unwrap();
    }
    for i in 0..50 {
        writeln!(sam, "u{i}\t4\t*\t0\t0\t*\t*\t0\t0\tACGT\t*").unwrap();
    }
    let sam_path = dir.join("sim.sam");
    std::fs::write(&sam_path, sam).unwrap();
    let bai_bam = dir.join("bai.bam");
    oracle(
        "samtools",
        &["sort", "--no-PG", "-o", s(&bai_bam), s(&sam_path)],
    );
    oracle("samtools", &["index", s(&bai_bam)]);
    let csi_bam = dir.join("csi.bam");
    std::fs::copy(&bai_bam, &csi_bam).unwrap();
    oracle("samtools", &["index", "-c", s(&csi_bam)]);
    (bai_bam, csi_bam)
}

#[test]
fn bam_regions_that_fail_are_skipped_with_a_warning_as_samtools_does() {
    let dir = TempDir::new("region-args-bam");
    let (bai_bam, csi_bam) = simulated_bams(&dir);
    let cases: &[&[&str]] = &[
        &["chr9", "chrM:1-3000"],
        &["chr1:3000-2000"],
        &["chr1:0-5000"],
        &["chr1:0"],
        &["chr1:0-0"],
        &["chr1:5000-0"],
        &["chr1:"],
        &["chr1:abc", "chrM:100-2000"],
        &["chr1:5-6-7"],
        &["chr1:1,000-20,000"],
        &["chr1:1k-20k"],
        &["chr1:1.5k-2e4"],
        &["chr1:-5000"],
        &["chr1:100-99999999999999999999999"],
        &["{HLA-A*01:01}:100-2000", "HLA-A*01:01"],
        &["*", "chr9:1-5"],
    ];
    for bam in [&bai_bam, &csi_bam] {
        for regions in cases {
            let mut args = vec![s(bam)];
            args.extend_from_slice(regions);
            let (expected, status, _) = run(&tool("samtools"), &[&["view"], &args[..]].concat());
            assert_eq!(status, Some(0), "samtools view {args:?}");
            let (ours, our_status, stderr) = run(&binary("view"), &args);
            assert_eq!(
                (ours.as_str(), our_status),
                (expected.as_str(), Some(0)),
                "view {args:?}: {stderr}"
            );
            let samtools_count = run(&tool("samtools"), &[&["view", "-c"], &args[..]].concat()).0;
            let (count, count_status, _) = run(&binary("count"), &args);
            assert_eq!(
                (count, count_status),
                (samtools_count, Some(0)),
                "count {args:?}"
            );
        }
        // Skipped regions are never silent.
        let (_, _, stderr) = run(&binary("view"), &[s(bam), "chr9", "chr1:3000-2000"]);
        assert!(
            stderr.contains("chr9") && stderr.contains("chr1:3000-2000"),
            "{stderr}"
        );
        let (_, _, stderr) = run(&binary("view"), &[s(bam), "chr1:abc"]);
        assert!(stderr.contains("positions must be numbers"), "{stderr}");
    }
}

#[test]
fn an_index_is_found_where_htslib_finds_it() {
    let dir = TempDir::new("region-args-discovery");
    let (bai_bam, csi_bam) = simulated_bams(&dir);
    let bam = dir.join("x.bam");
    std::fs::copy(&bai_bam, &bam).unwrap();
    let region = "chr1:50000-150000";
    let expected =
        String::from_utf8(oracle("samtools", &["view", "-c", s(&csi_bam), region]).stdout).unwrap();
    // A bare x.csi beside x.bam.
    std::fs::copy(dir.join("csi.bam.csi"), dir.join("x.csi")).unwrap();
    let samtools = run(&tool("samtools"), &["view", "-c", s(&bam), region]);
    let ours = run(&binary("count"), &[s(&bam), region]);
    assert_eq!(
        (samtools.0.as_str(), samtools.1),
        (expected.as_str(), Some(0))
    );
    assert_eq!(
        (ours.0.as_str(), ours.1),
        (expected.as_str(), Some(0)),
        "{}",
        ours.2
    );
    // A CSI is preferred to a BAI: a broken x.csi fails both, even beside
    // a good x.bam.bai.
    std::fs::copy(dir.join("bai.bam.bai"), dir.join("x.bam.bai")).unwrap();
    std::fs::write(dir.join("x.csi"), b"not an index").unwrap();
    let samtools = run(&tool("samtools"), &["view", "-c", s(&bam), region]);
    let ours = run(&binary("count"), &[s(&bam), region]);
    assert_ne!(samtools.1, Some(0));
    assert_ne!(ours.1, Some(0), "{}", ours.0);
    assert!(ours.2.contains("x.csi"), "{}", ours.2);
    // x.bam.csi comes before x.csi.
    std::fs::copy(dir.join("csi.bam.csi"), dir.join("x.bam.csi")).unwrap();
    let ours = run(&binary("count"), &[s(&bam), region]);
    assert_eq!(
        (ours.0.as_str(), ours.1),
        (expected.as_str(), Some(0)),
        "{}",
        ours.2
    );

    // VCF.gz: y.vcf.csi (the name less .gz) is found, and preferred to a
    // .tbi.
    let vcf = dir.join("y.vcf");
    std::fs::write(&vcf, Cohort::full(300, 4, 5).vcf()).unwrap();
    let vcf_gz = dir.join("y.vcf.gz");
    oracle("bcftools", &["view", "-Oz", "-o", s(&vcf_gz), s(&vcf)]);
    oracle(
        "bcftools",
        &["index", "-c", "-o", s(&dir.join("y.vcf.csi")), s(&vcf_gz)],
    );
    std::fs::write(dir.join("y.vcf.gz.tbi"), b"not an index").unwrap();
    let region = "chr1:2000-12000";
    let expected = run(&tool("bcftools"), &["view", "-H", s(&vcf_gz), region]);
    assert_eq!(expected.1, Some(0), "{}", expected.2);
    assert!(!expected.0.is_empty());
    let ours = run(&binary("view"), &["-H", s(&vcf_gz), region]);
    assert_eq!(
        (ours.0.as_str(), ours.1),
        (expected.0.as_str(), Some(0)),
        "{}",
        ours.2
    );
}

#[test]
fn idxstats_without_an_index_reads_the_file_as_samtools_does() {
    let dir = TempDir::new("region-args-idxstats");
    let (bai_bam, _) = simulated_bams(&dir);
    let bare = dir.join("bare.bam");
    std::fs::copy(&bai_bam, &bare).unwrap();
    let expected = run(&tool("samtools"), &["idxstats", s(&bare)]);
    assert_eq!(expected.1, Some(0), "{}", expected.2);
    let with_index = run(&binary("idxstats"), &[s(&bai_bam)]);
    assert_eq!(with_index.0, expected.0);
    let ours = run(&binary("idxstats"), &[s(&bare)]);
    assert_eq!((ours.0.as_str(), ours.1), (expected.0.as_str(), Some(0)));
    assert!(ours.2.contains("reading"), "{}", ours.2);
    // Unsorted: samtools fails before printing anything; so do we.
    let unsorted = dir.join("unsorted.bam");
    oracle(
        "samtools",
        &[
            "view",
            "--no-PG",
            "-b",
            "-o",
            s(&unsorted),
            s(&dir.join("sim.sam")),
        ],
    );
    let expected = run(&tool("samtools"), &["idxstats", s(&unsorted)]);
    let ours = run(&binary("idxstats"), &[s(&unsorted)]);
    assert_eq!((expected.0.as_str(), expected.1), ("", Some(1)));
    assert_eq!((ours.0.as_str(), ours.1), ("", Some(1)), "{}", ours.2);
}

/// `bcftools view FILE REGION… | bcftools +fill-tags -t AC,AN | bcftools
/// query`, as `allele_counts` prints it.
fn fill_tags(dir: &TempDir, file: &Path, regions: &[&str]) -> String {
    let selected = dir.join("selected.bcf");
    let mut args = vec!["view", "-Ob", "-o", s(&selected), s(file)];
    args.extend_from_slice(regions);
    oracle("bcftools", &args);
    let filled = dir.join("filled.bcf");
    oracle(
        "bcftools",
        &[
            "+fill-tags",
            s(&selected),
            "-Ob",
            "-o",
            s(&filled),
            "--",
            "-t",
            "AC,AN",
        ],
    );
    let query = ["query", "-f", "%CHROM\\t%POS\\t%AC\\t%AN\\n", s(&filled)];
    String::from_utf8(oracle("bcftools", &query).stdout).unwrap()
}

#[test]
fn variant_regions_are_one_comma_separated_list_as_bcftools_reads_them() {
    let dir = TempDir::new("region-args-vcf");
    let vcf = dir.join("c.vcf");
    std::fs::write(&vcf, Cohort::full(400, 6, 17).vcf()).unwrap();
    let vcf_gz = dir.join("c.vcf.gz");
    oracle("bcftools", &["view", "-Oz", "-o", s(&vcf_gz), s(&vcf)]);
    oracle("bcftools", &["index", "-t", s(&vcf_gz)]);
    let bcf = dir.join("c.bcf");
    oracle("bcftools", &["view", "-Ob", "-o", s(&bcf), s(&vcf)]);
    oracle("bcftools", &["index", s(&bcf)]);
    // A position a record starts at, for `chr:pos`.
    let first = run(&tool("bcftools"), &["view", "-H", s(&bcf), "chr1:5000-"]).0;
    let position = first.lines().next().unwrap().split('\t').nth(1).unwrap();
    let single = format!("chr1:{position}");
    let printing: &[&[&str]] = &[
        &["chr1:5000-9000,chrX:1-2000"],
        &["chr1:5000-9000", "chrX:1-2000"],
        &["chrX:1-2000,chr1:5000-9000,chr1:8000-12000"],
        &["chr9,chr1:5000-9000", "chr9:1-5"],
        &[",chr1:5000-9000,,"],
        &["chr1:5k-9k"],
        &["chr1:0-3000"],
        &["chr1:25000-"],
        &[single.as_str()],
        &["chrX"],
    ];
    let empty: &[&[&str]] = &[
        &["chr1:9000-5000"],
        &["chr1:0"],
        &["chr1:0-0"],
        &["chr1:1,000-20,000"],
        &["{chr1}:1-20000"],
        &["chr9"],
    ];
    let failing: &[(&[&str], i32)] = &[
        (&["chr1:abc"], 255),
        (&["chr1:"], 255),
        (&["chr1:-"], 255),
        (&["chr1:5-6-7"], 255),
        (&["chr1:5000-9000x"], 255),
        (&["{chr1:1-5}"], 255),
        (&["chr1:17592186044416"], 1),
    ];
    for file in [&vcf_gz, &bcf] {
        let all = printing.iter().chain(empty).map(|regions| (*regions, 0));
        for (regions, status) in all.chain(failing.iter().copied()) {
            let mut args = vec!["-H", s(file)];
            args.extend_from_slice(regions);
            let expected = run(&tool("bcftools"), &[&["view"], &args[..]].concat());
            assert_eq!(
                expected.1,
                Some(status),
                "bcftools view {args:?}: {}",
                expected.2
            );
            let printed = printing.contains(&regions);
            assert_eq!(!expected.0.is_empty(), printed, "bcftools view {args:?}");
            let ours = run(&binary("view"), &args);
            assert_eq!(
                (ours.0.as_str(), ours.1),
                (expected.0.as_str(), expected.1),
                "view {args:?}: {}",
                ours.2
            );
            if status != 0 {
                // Nothing at all, not even the header, as bcftools.
                let ours = run(&binary("view"), &args[1..]);
                assert_eq!(
                    (ours.0.as_str(), ours.1),
                    ("", Some(status)),
                    "view {:?}",
                    &args[1..]
                );
                continue;
            }
            if regions.iter().any(|r| r.contains("chr9")) {
                assert!(ours.2.contains("chr9"), "no warning for chr9: {}", ours.2);
            }
            let count = run(&binary("count"), &args[1..]);
            let lines = expected.0.lines().count();
            assert_eq!(
                (count.0, count.1),
                (format!("{lines}\n"), Some(0)),
                "count {args:?}"
            );
            let counts = run(&binary("allele_counts"), &args[1..]);
            assert_eq!(
                counts.0,
                fill_tags(&dir, file, regions),
                "allele_counts {args:?}: {}",
                counts.2
            );
        }
    }
}

/// Region text from a small grammar: known and unknown names, braces,
/// positions with commas, suffixes, 0, reversed ranges, junk.
fn random_region(state: &mut u64, names: &[&str], list_separator: bool) -> String {
    let mut next = |n: u64| {
        *state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (*state >> 33) % n
    };
    let number = |next: &mut dyn FnMut(u64) -> u64| match next(8) {
        0 => "0".to_owned(),
        1 => format!("{}k", next(40)),
        2 => format!("{},{:03}", next(40), next(1000)),
        3 => format!("{}.5k", next(30)),
        4 => "x".to_owned(),
        _ => (1 + next(40_000)).to_string(),
    };
    let name = match next(10) {
        0 => "chr9".to_owned(),
        1 => format!("{{{}}}", names[next(names.len() as u64) as usize]),
        _ => names[next(names.len() as u64) as usize].to_owned(),
    };
    let mut text = match next(6) {
        0 => name,
        1 => format!("{name}:{}", number(&mut next)),
        2 => format!("{name}:{}-", number(&mut next)),
        3 => format!("{name}:-{}", number(&mut next)),
        _ => format!("{name}:{}-{}", number(&mut next), number(&mut next)),
    };
    if list_separator && next(3) == 0 {
        text.push(',');
        text.push_str(names[next(names.len() as u64) as usize]);
        text.push_str(&format!(":{}-{}", 1 + next(20_000), 20_000 + next(20_000)));
    }
    text
}

#[test]
fn random_region_strings_select_what_the_tools_select() {
    let dir = TempDir::new("region-args-random");
    let (bam, _) = simulated_bams(&dir);
    let mut state = 99;
    let names = ["chr1", "chrM", "HLA-A*01:01"];
    for _ in 0..80 {
        let region = random_region(&mut state, &names, false);
        let expected = run(&tool("samtools"), &["view", "-c", s(&bam), &region]);
        let ours = run(&binary("count"), &[s(&bam), &region]);
        assert_eq!(
            (&ours.0, ours.1),
            (&expected.0, expected.1),
            "count {region}: {}",
            ours.2
        );
    }
    let vcf = dir.join("c.vcf");
    std::fs::write(&vcf, Cohort::full(300, 4, 23).vcf()).unwrap();
    let bcf = dir.join("c.bcf");
    oracle("bcftools", &["view", "-Ob", "-o", s(&bcf), s(&vcf)]);
    oracle("bcftools", &["index", s(&bcf)]);
    let names = ["chr1", "chrX"];
    for _ in 0..80 {
        let region = random_region(&mut state, &names, true);
        let expected = run(&tool("bcftools"), &["view", "-H", s(&bcf), &region]);
        let ours = run(&binary("view"), &["-H", s(&bcf), &region]);
        if expected.1.is_none() {
            // bcftools aborts (a single negative position): we fail.
            assert_eq!(
                (ours.0.as_str(), ours.1),
                ("", Some(1)),
                "{region}: {}",
                ours.2
            );
            continue;
        }
        assert_eq!(
            (&ours.0, ours.1),
            (&expected.0, expected.1),
            "view -H {region}: {}",
            ours.2
        );
    }
}

#[test]
fn allele_counts_of_a_sites_only_file_equal_fill_tags() {
    let dir = TempDir::new("region-args-sites");
    let vcf = dir.join("sites.vcf");
    let mut text = String::from("##fileformat=VCFv4.2\n##contig=<ID=chr1,length=10000>\n");
    text.push_str("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n");
    for position in [50, 700, 1_500] {
        writeln!(text, "chr1\t{position}\t.\tA\tC,G\t.\t.\t.").unwrap();
    }
    std::fs::write(&vcf, text).unwrap();
    let bcf = dir.join("sites.bcf");
    oracle("bcftools", &["view", "-Ob", "-o", s(&bcf), s(&vcf)]);
    oracle("bcftools", &["index", s(&bcf)]);
    for regions in [&[][..], &["chr1:600-2000"][..]] {
        let expected = fill_tags(&dir, &bcf, regions);
        assert_eq!(
            expected.lines().next(),
            Some(if regions.is_empty() {
                "chr1\t50\t.\t."
            } else {
                "chr1\t700\t.\t."
            })
        );
        let mut args = vec![s(&bcf)];
        args.extend_from_slice(regions);
        let ours = run(&binary("allele_counts"), &args);
        assert_eq!(
            (ours.0, ours.1),
            (expected, Some(0)),
            "{regions:?}: {}",
            ours.2
        );
    }
}
