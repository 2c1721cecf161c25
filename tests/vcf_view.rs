//! The `view` and `count` examples on VCF against bcftools: for every
//! conformance file bcftools reads, `view -H` prints exactly the records
//! `bcftools view -H` prints, and `count` the same number.

mod common;

#[path = "../benches/support/vcf_cohort.rs"]
mod vcf_cohort;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use common::{example_binary, oracle, testdata, TempDir};

fn binary(name: &'static str) -> &'static Path {
    static VIEW: OnceLock<PathBuf> = OnceLock::new();
    static COUNT: OnceLock<PathBuf> = OnceLock::new();
    let cell = if name == "view" { &VIEW } else { &COUNT };
    cell.get_or_init(|| example_binary(name))
}

fn run(name: &'static str, args: &[&str]) -> std::process::Output {
    Command::new(binary(name))
        .args(args)
        .output()
        .expect("run example")
}

fn conformance_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in ["4.1/passed", "4.2/passed", "4.3/passed", "4.5/passed"] {
        for entry in std::fs::read_dir(testdata(&format!("hts-specs/vcf/{dir}"))).expect("list") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "vcf") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// `bcftools view -H`, or `None` when bcftools rejects the file.
fn bcftools_records(path: &Path) -> Option<Vec<u8>> {
    let output = Command::new("bcftools")
        .args(["view", "-H"])
        .arg(path)
        .output()
        .expect("bcftools is required (apt-get install bcftools)");
    output.status.success().then_some(output.stdout)
}

#[test]
fn view_prints_the_records_bcftools_prints() {
    oracle("bcftools", &["--version"]);
    let mut compared = 0;
    for path in conformance_files() {
        let Some(expected) = bcftools_records(&path) else {
            continue;
        };
        let text = path.to_str().expect("UTF-8 path");
        let ours = run("view", &["-H", text]);
        assert!(
            ours.status.success(),
            "{text}: {}",
            String::from_utf8_lossy(&ours.stderr)
        );
        assert_same_lines(&ours.stdout, &expected, text);
        let count = run("count", &[text]);
        let expected_count = expected.iter().filter(|&&b| b == b'\n').count();
        assert_eq!(
            String::from_utf8_lossy(&count.stdout).trim(),
            expected_count.to_string(),
            "{text}"
        );
        compared += 1;
    }
    assert!(compared >= 60, "only {compared} files compared");
}

/// `bcftools view FILE`'s header, less the `##bcftools_view*` lines it
/// appends (as samtools' `@PG`, they name the run, not the data).
fn bcftools_header(path: &Path) -> String {
    let output = oracle(
        "bcftools",
        &["view", "-h", path.to_str().expect("UTF-8 path")],
    );
    String::from_utf8(output.stdout)
        .expect("UTF-8")
        .lines()
        .filter(|line| !line.starts_with("##bcftools_view"))
        .map(|line| format!("{line}\n"))
        .collect()
}

/// The header lines (`#…`) of `view`'s output.
fn header_of(output: &[u8]) -> String {
    String::from_utf8_lossy(output)
        .lines()
        .take_while(|line| line.starts_with('#'))
        .map(|line| format!("{line}\n"))
        .collect()
}

#[test]
fn view_prints_the_header_bcftools_prints() {
    let mut compared = 0;
    for path in conformance_files() {
        if bcftools_records(&path).is_none() {
            continue;
        }
        let text = path.to_str().expect("UTF-8 path");
        let ours = run("view", &[text]);
        assert!(ours.status.success(), "{text}");
        assert_eq!(header_of(&ours.stdout), bcftools_header(&path), "{text}");
        compared += 1;
    }
    assert!(compared >= 60, "only {compared} files compared");
    // What htslib drops or adds when it re-writes a header: PASS after the
    // first line (the file's own PASS line dropped), later definitions of
    // an INFO/FORMAT/FILTER/contig ID dropped, repeated `key=value` and
    // `fileformat` lines dropped, unparsable `key=<…>` lines dropped, `IDX=`
    // left out; repeated ALT/SAMPLE/other structured lines kept.
    let dir = TempDir::new("vcf-view-header");
    let path = dir.join("duplicates.vcf");
    let header = concat!(
        "##fileformat=VCFv4.2\n",
        "##INFO=<ID=DP,Number=1,Type=Integer,Description=\"Depth\",IDX=1>\n",
        "##FILTER=<ID=q10,Description=\"Low\">\n",
        "##FILTER=<ID=PASS,Description=\"Custom pass\">\n",
        "##INFO=<ID=DP,Number=1,Type=Integer,Description=\"Again\">\n",
        "##FILTER=<ID=q10,Description=\"Again\">\n",
        "##fileformat=VCFv4.3\n",
        "##FORMAT=<ID=DP,Number=1,Type=Integer,Description=\"Depth\">\n",
        "##FORMAT=<ID=DP,Number=1,Type=Integer,Description=\"Again\">\n",
        "##ALT=<ID=DEL,Description=\"Deletion\">\n",
        "##ALT=<ID=DEL,Description=\"Again\">\n",
        "##SAMPLE=<ID=A,Description=\"One\">\n",
        "##SAMPLE=<ID=A,Description=\"Two\">\n",
        "##source=a\n##source=b\n##source=a\n",
        "##note=<ID=1,X=2>\n##note=<ID=1,X=2>\n",
        "##unparsable=<\"free text\">\n",
        "##contig=<ID=1,length=10>\n##contig=<ID=1,length=20>\n",
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tA\n",
    );
    let body = "1\t1\t.\tA\tC\t.\tPASS\tDP=1\tDP\t3\n";
    std::fs::write(&path, format!("{header}{body}")).expect("write");
    let ours = run("view", &[path.to_str().expect("UTF-8 path")]);
    assert!(
        ours.status.success(),
        "{}",
        String::from_utf8_lossy(&ours.stderr)
    );
    let expected = bcftools_header(&path);
    assert_eq!(header_of(&ours.stdout), expected);
    assert!(expected.starts_with("##fileformat=VCFv4.2\n##FILTER=<ID=PASS,Description=\"All"));
    assert!(expected.contains("##source=b\n##note=<ID=1,X=2>\n##note="));
    assert!(!expected.contains("IDX") && !expected.contains("Again\">\n##FORMAT"));
}

#[test]
fn view_prints_the_header_and_records_of_bgzf() {
    let dir = TempDir::new("vcf-view");
    let source = testdata("hts-specs/vcf/4.3/passed/passed_body_samples.vcf");
    let compressed = dir.join("samples.vcf.gz");
    let bgzip = oracle("bgzip", &["-c", source.to_str().expect("UTF-8 path")]);
    std::fs::write(&compressed, bgzip.stdout).expect("write");
    let ours = run("view", &[compressed.to_str().expect("UTF-8 path")]);
    assert!(
        ours.status.success(),
        "{}",
        String::from_utf8_lossy(&ours.stderr)
    );
    let header = header_of(&ours.stdout);
    assert_eq!(header, bcftools_header(&compressed));
    let expected = bcftools_records(&compressed).expect("bcftools reads it");
    assert_same_lines(&ours.stdout[header.len()..], &expected, "samples.vcf.gz");
}

/// Equal outputs, or a panic showing the first line that differs.
fn assert_same_lines(ours: &[u8], expected: &[u8], what: &str) {
    let ours = String::from_utf8_lossy(ours);
    let expected = String::from_utf8_lossy(expected);
    for (number, (a, b)) in ours.lines().zip(expected.lines()).enumerate() {
        assert_eq!(
            a,
            b,
            "{what}: record {} differs (ours, then bcftools')",
            number + 1
        );
    }
    assert_eq!(
        ours.lines().count(),
        expected.lines().count(),
        "{what}: record counts differ"
    );
}

#[test]
fn view_regions_equal_bcftools_with_tbi_and_csi() {
    let dir = TempDir::new("vcf-view-regions");
    let mut text = Vec::new();
    vcf_cohort::write_cohort(&mut text, 20, 600, 11).expect("generate");
    // Long deletions and an END-carrying symbolic allele, so records span
    // region edges.
    let plain = dir.join("cohort.vcf");
    let mut edited = String::from_utf8(text).expect("UTF-8").replace(
        "##contig=<ID=chr1",
        "##INFO=<ID=END,Number=1,Type=Integer,Description=\"End\">\n##contig=<ID=chr1",
    );
    edited = edited.replacen("\t1097\t.\tC\tT\t", "\t1097\t.\tCAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\tT\t", 1);
    edited = edited.replacen(
        "\t1388\t.\tC\tT\t50\tPASS\t.\t",
        "\t1388\t.\tC\t<DEL>\t50\tPASS\tEND=1700\t",
        1,
    );
    std::fs::write(&plain, edited).expect("write");
    let plain = plain.to_str().expect("UTF-8 path");
    for (name, csi) in [("tbi.vcf.gz", false), ("csi.vcf.gz", true)] {
        let compressed = dir.join(name);
        let compressed = compressed.to_str().expect("UTF-8 path");
        std::fs::write(compressed, oracle("bgzip", &["-c", plain]).stdout).expect("write");
        oracle(
            "tabix",
            &if csi {
                vec!["-C", "-p", "vcf", compressed]
            } else {
                vec!["-p", "vcf", compressed]
            },
        );
        for region in [
            "chr1:1100-1200",
            "chr1:1150-1160",
            "chr1:1500-1600",
            "chr1:1-1000",
            "chrX:50000",
            "chr1",
            "chrX:55000-56000",
            "chr2:1-100",
        ] {
            let expected = Command::new("bcftools")
                .args(["view", "-H", compressed, region])
                .output()
                .expect("bcftools");
            let ours = run("view", &["-H", compressed, region]);
            assert!(
                ours.status.success(),
                "{region}: {}",
                String::from_utf8_lossy(&ours.stderr)
            );
            assert_same_lines(&ours.stdout, &expected.stdout, &format!("{name} {region}"));
            assert_count(
                &[compressed, region],
                &expected.stdout,
                &format!("{name} {region}"),
            );
        }
        for regions in region_lists() {
            let mut args = vec!["-H", compressed];
            args.extend(regions.iter().map(String::as_str));
            let expected = oracle("bcftools", &{
                let mut all = vec!["view"];
                all.extend(&args);
                all
            });
            let ours = run("view", &args);
            let what = format!("{name} {}", regions.join(" "));
            assert!(ours.status.success(), "{what}");
            assert_same_lines(&ours.stdout, &expected.stdout, &what);
            assert_count(&args[1..], &expected.stdout, &what);
        }
    }
}

/// `count FILE REGION…` prints the number of records `bcftools view -H
/// FILE REGION…` printed (`expected`), as bcftools selects them (records
/// spanning an edge counted once, `chr:pos` one position), not as tabix.
fn assert_count(args: &[&str], expected: &[u8], what: &str) {
    let counted = run("count", args);
    assert!(
        counted.status.success(),
        "count {what}: {}",
        String::from_utf8_lossy(&counted.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&counted.stdout).trim(),
        expected
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .count()
            .to_string(),
        "count {what}"
    );
}

/// Several regions per command line, as bcftools takes them: overlapping,
/// nested, out of order, on two contigs, one reached only by the long
/// deletion at 1097 or the `<DEL>` at 1388 (END=1700), plus random ones.
fn region_lists() -> Vec<Vec<String>> {
    let mut lists: Vec<Vec<String>> = [
        &["chr1:1-2000", "chr1:1500-3000"][..],
        &["chr1:1150-1160", "chr1:1190-1200", "chr1:1100-1300"],
        &[
            "chrX:55000-56000",
            "chr1:5000-6000",
            "chrX:1-54000",
            "chr1:5500",
        ],
        &[
            "chr1:1500-1600",
            "chr1:1650-1690",
            "chr2:1-100",
            "chr1:1388",
        ],
    ]
    .iter()
    .map(|list| list.iter().map(|r| r.to_string()).collect())
    .collect();
    let mut rng = vcf_cohort::Rng::new(23);
    for _ in 0..40 {
        let count = 2 + rng.below(4);
        let list = (0..count)
            .map(|_| {
                let contig = if rng.below(4) == 0 { "chrX" } else { "chr1" };
                let start = 1 + rng.below(60_000);
                format!("{contig}:{start}-{}", start + rng.below(6_000))
            })
            .collect();
        lists.push(list);
    }
    lists
}

/// The three tiers (borrowed, reused, owned) of `vcf::Reader`, on 1 and 4
/// BGZF threads, give the records `bcftools view -H` prints.
#[test]
fn every_tier_and_thread_count_reads_as_bcftools() {
    use biometal::formats::vcf;
    let dir = TempDir::new("vcf-tiers");
    let plain = dir.join("cohort.vcf");
    std::fs::write(&plain, common::cohort::Cohort::full(300, 25, 5).vcf()).unwrap();
    let gz = dir.join("cohort.vcf.gz");
    let args = [
        "view",
        "-Oz",
        "-o",
        gz.to_str().unwrap(),
        plain.to_str().unwrap(),
    ];
    oracle("bcftools", &args);
    let expected = bcftools_records(&gz).expect("bcftools reads the cohort");
    for threads in [1, 4] {
        let open = || {
            let mut reader = vcf::ReaderBuilder::new()
                .threads(threads)
                .build_from_path(&gz)
                .unwrap();
            let header = reader.read_header().unwrap().clone();
            (reader, header)
        };
        let print = |header: &vcf::Header, record: vcf::RecordRef<'_>, out: &mut Vec<u8>| {
            let mut writer = vcf::Writer::new(&mut *out);
            writer.write_variant(header, &record).unwrap();
            writer.flush().unwrap();
        };
        let (mut reader, header) = open();
        let mut borrowed = Vec::new();
        while let Some(record) = reader.next_record().unwrap() {
            print(&header, record, &mut borrowed);
        }
        assert_eq!(borrowed, expected, "next_record, {threads} threads");
        let (mut reader, header) = open();
        let (mut record, mut reused) = (vcf::Record::default(), Vec::new());
        while reader.read_record(&mut record).unwrap() {
            print(&header, record.as_ref(), &mut reused);
        }
        assert_eq!(reused, expected, "read_record, {threads} threads");
        let (mut reader, header) = open();
        let mut owned = Vec::new();
        for record in reader.records() {
            print(&header, record.unwrap().as_ref(), &mut owned);
        }
        assert_eq!(owned, expected, "records, {threads} threads");
    }
}
