//! Region queries, index building and idxstats against samtools, on a
//! simulated coordinate-sorted BAM (sorted and indexed by samtools).
mod common;

use common::rng::XorShift64 as Rng;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use biometal::formats::bam;
use biometal::index::{self, Kind};
use biometal::region::Region;
use common::{oracle, TempDir};

const REFERENCES: &[(&str, u64)] = &[
    ("chr1", 1_500_000),
    ("chr2", 400_000),
    ("chrM", 16_569),
    ("HLA-A*01:01", 3_000),
];

/// Simulated SAM: spliced, clipped and indel reads, unmapped reads placed
/// with their mate, and unplaced reads.
fn simulated_sam(records: usize, seed: u64) -> String {
    let mut rng = Rng(seed);
    let mut sam = String::from("@HD\tVN:1.6\tSO:unsorted\n");
    for (name, length) in REFERENCES {
        writeln!(sam, "@SQ\tSN:{name}\tLN:{length}").unwrap();
    }
    for i in 0..records {
        let (name, length) = REFERENCES[[0, 0, 0, 1, 1, 2, 3][rng.below(7) as usize]];
        let read_length = [50u64, 100, 150][rng.below(3) as usize];
        let pos = 1 + rng.below(length - read_length - 1000);
        let seq: String = (0..read_length)
            .map(|_| b"ACGT"[rng.below(4) as usize] as char)
            .collect();
        let qual: String = (0..read_length)
            .map(|_| (b'#' + rng.below(38) as u8) as char)
            .collect();
        match rng.below(20) {
            0 => {
                writeln!(
                    sam,
                    "u{i}\t141\t{name}\t{pos}\t0\t*\t=\t{pos}\t0\t{seq}\t{qual}"
                )
                .unwrap();
                writeln!(
                    sam,
                    "u{i}\t73\t{name}\t{pos}\t60\t{read_length}M\t=\t{pos}\t0\t{seq}\t{qual}"
                )
                .unwrap();
            }
            1 => writeln!(sam, "x{i}\t4\t*\t0\t0\t*\t*\t0\t0\t{seq}\t{qual}").unwrap(),
            _ => {
                let a = 5 + rng.below(read_length - 25);
                let skip = 1 + rng.below(30_000);
                let cigar = match rng.below(5) {
                    0 => format!("{a}M{skip}N{}M", read_length - a),
                    1 => format!("5S{}M", read_length - 5),
                    2 => format!("{a}M3D{}M", read_length - a),
                    3 => format!("{a}M1I{}M", read_length - a - 1),
                    _ => format!("{read_length}M"),
                };
                let flag = [0, 16, 99, 147, 256, 1024, 2048, 512][rng.below(8) as usize];
                let mapq = rng.below(61);
                writeln!(sam, "r{i}\t{flag}\t{name}\t{pos}\t{mapq}\t{cigar}\t=\t{}\t250\t{seq}\t{qual}\tNM:i:1", pos + 200)
                    .unwrap();
            }
        }
    }
    sam
}

fn sorted_bam(dir: &TempDir, name: &str, sam: &str, level: &str) -> PathBuf {
    let sam_path = dir.join(&format!("{name}.sam"));
    std::fs::write(&sam_path, sam).unwrap();
    let bam_path = dir.join(&format!("{name}.bam"));
    let compression = format!("--output-fmt-option=level={level}");
    oracle(
        "samtools",
        &[
            "sort",
            "--no-PG",
            &compression,
            "-o",
            bam_path.to_str().unwrap(),
            sam_path.to_str().unwrap(),
        ],
    );
    bam_path
}

fn our_count(path: &Path, index: &index::Index, region: &str) -> u64 {
    let mut reader = bam::Reader::from_path(path).unwrap();
    let header = reader.read_header().unwrap();
    let mut query = if region == "*" {
        index::query_unmapped(&mut reader, index).unwrap()
    } else {
        let region =
            Region::parse_with_names(region, |n| header.reference_id(n).is_some()).unwrap();
        index::query(&mut reader, &header, index, &region).unwrap()
    };
    let mut count = 0;
    while query.next_record().unwrap().is_some() {
        count += 1;
    }
    count
}

fn samtools_count(path: &Path, region: &str) -> u64 {
    let output = oracle("samtools", &["view", "-c", path.to_str().unwrap(), region]);
    String::from_utf8(output.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// Regions of every shape: whole references, open ends, 1-base regions,
/// edges of 16 kbp windows, spans of a few bases to a megabase.
fn random_regions(count: usize, seed: u64) -> Vec<String> {
    let mut rng = Rng(seed);
    let mut regions = vec![
        "*".to_owned(),
        "chrM".to_owned(),
        "{HLA-A*01:01}".to_owned(),
        "chr2:399,000".to_owned(),
    ];
    while regions.len() < count {
        let (name, length) = REFERENCES[rng.below(REFERENCES.len() as u64) as usize];
        let name = if name.contains(':') {
            format!("{{{name}}}")
        } else {
            name.to_owned()
        };
        let start = match rng.below(3) {
            0 => ((rng.below((length >> 14).max(1)) + 1) << 14) - rng.below(3),
            _ => 1 + rng.below(length),
        }
        .clamp(1, length);
        let span = [0, 1, 150, 10_000, 100_000, 1_000_000][rng.below(6) as usize];
        regions.push(format!("{name}:{start}-{}", start + span));
    }
    regions
}

#[test]
fn random_region_counts_equal_samtools_with_bai_and_csi() {
    let dir = TempDir::new("index-oracle");
    let sam = simulated_sam(20_000, 0x5eed);
    for (level, kind) in [("1", Kind::Bai), ("9", Kind::Csi), ("0", Kind::Bai)] {
        let bam = sorted_bam(&dir, &format!("sim{level}"), &sam, level);
        let flag = if kind == Kind::Csi { "-c" } else { "-b" };
        oracle("samtools", &["index", flag, bam.to_str().unwrap()]);
        let theirs = index::load_for(&bam).unwrap();
        assert_eq!(theirs.kind, kind);
        for region in random_regions(120, 42 + level.len() as u64) {
            assert_eq!(
                our_count(&bam, &theirs, &region),
                samtools_count(&bam, &region),
                "{region} level {level}"
            );
        }
    }
}

#[test]
fn our_indexes_give_samtools_the_same_answers() {
    let dir = TempDir::new("index-build");
    let bam = sorted_bam(&dir, "sim", &simulated_sam(15_000, 0xabc), "6");
    oracle("samtools", &["index", bam.to_str().unwrap()]);
    let regions = random_regions(40, 7);
    let expected: Vec<u64> = regions.iter().map(|r| samtools_count(&bam, r)).collect();
    let idxstats = oracle("samtools", &["idxstats", bam.to_str().unwrap()]).stdout;
    for kind in [Kind::Bai, Kind::Csi] {
        let built = index::build_from_path(&bam, kind).unwrap();
        // Our index, read back, answers our queries...
        for (region, &count) in regions.iter().zip(&expected) {
            assert_eq!(our_count(&bam, &built, region), count, "{region} {kind:?}");
        }
        // ...and samtools, given only our index, answers its own.
        let copy = dir.join(&format!("copy-{kind:?}.bam"));
        std::fs::copy(&bam, &copy).unwrap();
        let (bytes, extension) = match kind {
            Kind::Bai => (index::bai::write(&built).unwrap(), "bai"),
            Kind::Csi => (index::csi::write_bgzf(&built).unwrap(), "csi"),
        };
        std::fs::write(dir.join(&format!("copy-{kind:?}.bam.{extension}")), bytes).unwrap();
        for (region, &count) in regions.iter().zip(&expected) {
            assert_eq!(
                samtools_count(&copy, region),
                count,
                "samtools with our {kind:?}: {region}"
            );
        }
        let theirs = oracle("samtools", &["idxstats", copy.to_str().unwrap()]).stdout;
        assert_eq!(
            String::from_utf8_lossy(&theirs),
            String::from_utf8_lossy(&idxstats)
        );
        assert_eq!(
            index::read(&match kind {
                Kind::Bai => index::bai::write(&built).unwrap(),
                Kind::Csi => index::csi::write(&built),
            })
            .unwrap(),
            built
        );
    }
}

#[test]
fn unsorted_input_names_the_first_record_out_of_order() {
    let dir = TempDir::new("index-unsorted");
    let sam = "@SQ\tSN:c\tLN:1000\nfirst\t0\tc\t500\t60\t4M\t*\t0\t0\tACGT\t*\nsecond\t0\tc\t100\t60\t4M\t*\t0\t0\tACGT\t*\n";
    let sam_path = dir.join("u.sam");
    std::fs::write(&sam_path, sam).unwrap();
    let bam = dir.join("u.bam");
    oracle(
        "samtools",
        &[
            "view",
            "--no-PG",
            "-b",
            "-o",
            bam.to_str().unwrap(),
            sam_path.to_str().unwrap(),
        ],
    );
    let error = index::build_from_path(&bam, Kind::Bai).unwrap_err();
    assert!(error.to_string().contains("record 2 (second)"), "{error}");
    assert!(
        error.to_string().contains("not coordinate-sorted"),
        "{error}"
    );
}

/// htslib refuses BAM references longer than 2^31 - 1, so the longest
/// possible (2.14 Gbp) stands in for a 3 Gbp contig.
#[test]
fn long_references_need_csi() {
    let dir = TempDir::new("index-long");
    let mut sam = String::from("@SQ\tSN:big\tLN:2140000000\n@SQ\tSN:small\tLN:1000\n");
    let mut rng = Rng(99);
    for i in 0..400 {
        let pos = 1 + rng.below(2_130_000_000);
        writeln!(sam, "r{i}\t0\tbig\t{pos}\t60\t50M\t*\t0\t0\t*\t*").unwrap();
    }
    let bam = sorted_bam(&dir, "long", &sam, "6");
    let error = index::build_from_path(&bam, Kind::Bai).unwrap_err();
    assert!(error.to_string().contains("use CSI"), "{error}");
    oracle("samtools", &["index", "-c", bam.to_str().unwrap()]);
    let theirs = index::load_for(&bam).unwrap();
    let ours = index::build_from_path(&bam, Kind::Csi).unwrap();
    assert_eq!(
        (ours.min_shift, ours.depth),
        (theirs.min_shift, theirs.depth)
    );
    for region in [
        "big:536870000-536880000",
        "big:600000000-900000000",
        "big:1-2000000000",
        "big:2000000000",
        "small",
    ] {
        let expected = samtools_count(&bam, region);
        assert_eq!(our_count(&bam, &theirs, region), expected, "{region}");
        assert_eq!(
            our_count(&bam, &ours, region),
            expected,
            "{region} (our CSI)"
        );
    }
}

#[test]
fn indexes_pointing_outside_the_file_and_unknown_references_are_errors() {
    let dir = TempDir::new("index-outside");
    let bam = sorted_bam(&dir, "small", &simulated_sam(500, 5), "6");
    let mut built = index::build_from_path(&bam, Kind::Bai).unwrap();
    let far = biometal::bgzf::VirtualPosition::new(1 << 40, 0).unwrap();
    for bin in built.references[0].bins.values_mut() {
        for chunk in &mut bin.chunks {
            chunk.start = far;
            chunk.end = biometal::bgzf::VirtualPosition::new((1 << 40) + 10, 0).unwrap();
        }
    }
    built.references[0]
        .linear
        .iter_mut()
        .for_each(|offset| *offset = far);
    let mut reader = bam::Reader::from_path(&bam).unwrap();
    let header = reader.read_header().unwrap();
    let region: Region = "chr1:1-1000000".parse().unwrap();
    let mut query = index::query(&mut reader, &header, &built, &region).unwrap();
    assert!(
        query.next_record().is_err(),
        "a chunk beyond the end of the file"
    );

    let unknown: Region = "chrX:1-10".parse().unwrap();
    let error = index::query(&mut reader, &header, &built, &unknown)
        .err()
        .unwrap();
    assert_eq!(error.kind(), biometal::ErrorKind::NotFound);

    // An index for another file: counts that run past its data.
    let bytes = index::bai::write(&built).unwrap();
    let error = index::read(&bytes[..bytes.len() - 20]).unwrap_err();
    assert!(error.location().byte_offset().is_some(), "{error}");
}

#[test]
fn the_writer_switches_to_csi_for_long_references() {
    let header = biometal::formats::sam::Header::parse("@SQ\tSN:big\tLN:2140000000\n").unwrap();
    let mut writer = bam::WriterBuilder::new()
        .index(Kind::Bai)
        .build(Vec::new())
        .unwrap();
    writer.write_header(&header).unwrap();
    let (_, built) = writer.finish_with_index().unwrap();
    let built = built.unwrap();
    assert_eq!((built.kind, built.depth), (Kind::Csi, 6));
    assert!(index::bai::write(&built)
        .unwrap_err()
        .to_string()
        .contains("use CSI"));
}
