//! BCF region queries through CSI against `bcftools view -H FILE REGION`,
//! and the `allele_counts` example against `bcftools +fill-tags`.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use biometal::formats::bcf;
use biometal::region::Region;
use common::cohort::{Cohort, Rng};
use common::{example_binary, oracle, TempDir};

/// A full cohort (deletions, symbolic alleles with END) as indexed BCF.
fn indexed_cohort(dir: &TempDir, cohort: &Cohort) -> PathBuf {
    let vcf = dir.join("cohort.vcf");
    std::fs::write(&vcf, cohort.vcf()).unwrap();
    let bcf = dir.join("cohort.bcf");
    oracle(
        "bcftools",
        &[
            "view",
            "-Ob",
            "-o",
            bcf.to_str().unwrap(),
            vcf.to_str().unwrap(),
        ],
    );
    oracle("bcftools", &["index", bcf.to_str().unwrap()]);
    bcf
}

fn stdout_lines(output: &std::process::Output) -> Vec<String> {
    String::from_utf8(output.stdout.clone())
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

/// CHROM, POS and REF of each record of `region`, by our query.
fn our_query(path: &Path, region: &str) -> Vec<String> {
    let mut reader = bcf::Reader::from_path(path).unwrap();
    let header = reader.read_header().unwrap();
    let index = biometal::index::load_for(path).unwrap();
    let region = Region::parse_with_names(region, |n| header.contig_index(n).is_some()).unwrap();
    let mut query = reader.query(&header, &index, &region).unwrap();
    let mut lines = Vec::new();
    while let Some(record) = query.next_record().unwrap() {
        let chrom = header.contig_at(record.reference_id()).unwrap().id();
        let reference = String::from_utf8(record.alleles().next().unwrap().to_vec()).unwrap();
        lines.push(format!(
            "{chrom}\t{}\t{reference}",
            record.position().unwrap().get()
        ));
    }
    lines
}

#[test]
fn region_queries_equal_bcftools() {
    let dir = TempDir::new("bcf-query");
    let cohort = Cohort::full(3000, 3, 11);
    let bcf = indexed_cohort(&dir, &cohort);
    let mut rng = Rng::new(12);
    let mut nonempty = 0;
    for i in 0..120 {
        let chrom = if i % 3 == 0 { "chrX" } else { "chr1" };
        let start = 1 + rng.below(300_000);
        let region = match i % 10 {
            0 => chrom.to_string(),
            // bcftools reads `chr:pos` as that one position.
            1 => format!("{chrom}:{start}-{start}"),
            _ => format!("{chrom}:{start}-{}", start + rng.below(5_000)),
        };
        let output = oracle(
            "bcftools",
            &[
                "query",
                "-r",
                &region,
                "-f",
                "%CHROM\\t%POS\\t%REF\\n",
                bcf.to_str().unwrap(),
            ],
        );
        let expected = stdout_lines(&output);
        nonempty += usize::from(!expected.is_empty());
        assert_eq!(our_query(&bcf, &region), expected, "region {region}");
    }
    assert!(nonempty > 60, "only {nonempty} regions held records");
}

#[test]
fn allele_counts_equal_bcftools_fill_tags() {
    let dir = TempDir::new("bcf-ac");
    let cohort = Cohort::full(500, 30, 13);
    let bcf = indexed_cohort(&dir, &cohort);
    let binary = example_binary("allele_counts");
    for region in [None, Some("chr1:20000-40000"), Some("chrX")] {
        let mut fill_tags = Command::new("bcftools");
        fill_tags.args(["+fill-tags", bcf.to_str().unwrap(), "-Ou"]);
        if let Some(region) = region {
            fill_tags.args(["-r", region]);
        }
        let filled = dir.join("filled.bcf");
        fill_tags.args(["-o", filled.to_str().unwrap(), "--", "-t", "AC,AN"]);
        let status = fill_tags.status().expect("bcftools +fill-tags");
        assert!(status.success(), "bcftools +fill-tags failed");
        let expected = oracle(
            "bcftools",
            &[
                "query",
                "-f",
                "%CHROM\\t%POS\\t%AC\\t%AN\\n",
                filled.to_str().unwrap(),
            ],
        );
        let mut ours = Command::new(&binary);
        ours.arg(&bcf);
        if let Some(region) = region {
            ours.arg(region);
        }
        let ours = ours.output().unwrap();
        assert!(
            ours.status.success(),
            "{}",
            String::from_utf8_lossy(&ours.stderr)
        );
        let expected = stdout_lines(&expected);
        assert!(
            expected.len() > 10,
            "region {region:?}: {} sites",
            expected.len()
        );
        assert_eq!(stdout_lines(&ours), expected, "region {region:?}");
    }
}

/// `bcftools +fill-tags INPUT [-r REGION] -- -t AC,AN | bcftools query
/// -f '%CHROM\t%POS\t%AC\t%AN\n'`.
fn fill_tags_query(dir: &TempDir, input: &Path, region: Option<&str>) -> Vec<String> {
    let filled = dir.join("filled.bcf");
    let mut fill_tags = Command::new("bcftools");
    fill_tags.arg("+fill-tags").arg(input).args(["-Ou", "-o"]);
    fill_tags.arg(&filled);
    if let Some(region) = region {
        fill_tags.args(["-r", region]);
    }
    let status = fill_tags
        .args(["--", "-t", "AC,AN"])
        .status()
        .expect("bcftools +fill-tags");
    assert!(status.success(), "bcftools +fill-tags failed");
    let format = "%CHROM\t%POS\t%AC\t%AN\n";
    let filled = filled.to_str().unwrap();
    stdout_lines(&oracle("bcftools", &["query", "-f", format, filled]))
}

#[test]
fn allele_counts_on_vcf_equal_bcftools_fill_tags() {
    let dir = TempDir::new("vcf-ac");
    let vcf = dir.join("cohort.vcf");
    std::fs::write(&vcf, Cohort::full(300, 25, 14).vcf()).unwrap();
    let binary = example_binary("allele_counts");
    let expected = fill_tags_query(&dir, &vcf, None);
    let ours = Command::new(&binary).arg(&vcf).output().unwrap();
    assert!(
        ours.status.success(),
        "{}",
        String::from_utf8_lossy(&ours.stderr)
    );
    assert_eq!(stdout_lines(&ours), expected);
    // Regions of VCF.gz through its TBI and its CSI.
    for (name, csi) in [("tbi.vcf.gz", false), ("csi.vcf.gz", true)] {
        let compressed = dir.join(name);
        let plain = vcf.to_str().unwrap();
        std::fs::write(&compressed, oracle("bgzip", &["-c", plain]).stdout).unwrap();
        let text = compressed.to_str().unwrap();
        let index_args: &[&str] = if csi {
            &["-C", "-p", "vcf"]
        } else {
            &["-p", "vcf"]
        };
        oracle("tabix", &[index_args, &[text]].concat());
        for region in ["chr1:10000-20000", "chrX", "chr1:15000", "chr2:1-100"] {
            let expected = fill_tags_query(&dir, &compressed, Some(region));
            let ours = Command::new(&binary).args([text, region]).output().unwrap();
            assert!(
                ours.status.success(),
                "{region}: {}",
                String::from_utf8_lossy(&ours.stderr)
            );
            assert_eq!(stdout_lines(&ours), expected, "{name} {region}");
            if !region.starts_with("chr2") && region != "chr1:15000" {
                assert!(
                    expected.len() > 5,
                    "{name} {region}: {} sites",
                    expected.len()
                );
            }
        }
    }
}

#[test]
fn csi_written_with_the_bcf_serves_bcftools_and_us() {
    let dir = TempDir::new("bcf-csi-write");
    let cohort = Cohort::full(3000, 2, 15);
    let source = indexed_cohort(&dir, &cohort);
    let mut reader = bcf::Reader::from_path(&source).unwrap();
    let header = reader.read_header().unwrap();
    let mut writer = bcf::WriterBuilder::new()
        .index(true)
        .build(Vec::new())
        .unwrap();
    writer.write_header(&header).unwrap();
    while let Some(record) = reader.next_record().unwrap() {
        writer.write_record(record).unwrap();
    }
    let (bytes, index) = writer.finish_with_index().unwrap();
    let ours = dir.join("ours.bcf");
    std::fs::write(&ours, bytes).unwrap();
    std::fs::write(
        dir.join("ours.bcf.csi"),
        biometal::index::csi::write_bgzf(&index).unwrap(),
    )
    .unwrap();
    let mut rng = Rng::new(16);
    for i in 0..40 {
        let chrom = if i % 3 == 0 { "chrX" } else { "chr1" };
        let start = 1 + rng.below(300_000);
        let region = format!("{chrom}:{start}-{}", start + rng.below(20_000));
        let query = |path: &Path| {
            stdout_lines(&oracle(
                "bcftools",
                &[
                    "query",
                    "-r",
                    &region,
                    "-f",
                    "%CHROM\\t%POS\\t%REF\\n",
                    path.to_str().unwrap(),
                ],
            ))
        };
        let expected = query(&source);
        assert_eq!(query(&ours), expected, "bcftools with our CSI, {region}");
        assert_eq!(our_query(&ours, &region), expected, "our CSI, {region}");
    }
}
