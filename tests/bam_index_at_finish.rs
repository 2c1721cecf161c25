//! `bam::WriterBuilder::index(..).build_to_path(PATH)`: `finish()` writes
//! `PATH.bai` / `PATH.csi`, byte for byte the index `samtools index [-c]`
//! makes of the same file, and samtools answers region queries through it
//! as through its own.
mod common;

use common::rng::XorShift64 as Rng;

use biometal::formats::{bam, sam};
use biometal::index::Kind;
use common::{oracle, TempDir};

const REFERENCES: &[(&str, u64)] = &[("a", 3_000_000), ("b", 400_000)];

/// Sorted reads (some spliced, some unmapped with a placed mate), then
/// unplaced reads.
fn simulated_sam(seed: u64) -> String {
    let mut rng = Rng(seed);
    let mut text = String::from("@HD\tVN:1.6\tSO:coordinate\n");
    for (name, length) in REFERENCES {
        text.push_str(&format!("@SQ\tSN:{name}\tLN:{length}\n"));
    }
    for (name, length) in REFERENCES {
        let mut starts: Vec<u64> = (0..12_000)
            .map(|_| 1 + rng.below(length - 10_000))
            .collect();
        starts.sort_unstable();
        for (i, pos) in starts.into_iter().enumerate() {
            let unmapped = rng.below(40) == 0;
            let flag = if unmapped { 4 + 1 + 128 } else { 0 };
            let cigar = match (unmapped, rng.below(10)) {
                (true, _) => "*".to_string(),
                (false, 0) => format!("30M{}N20M", rng.below(9_000)),
                _ => "50M".to_string(),
            };
            text.push_str(&format!(
                "r{name}{i}\t{flag}\t{name}\t{pos}\t60\t{cigar}\t*\t0\t0\t*\t*\n"
            ));
        }
    }
    for i in 0..25 {
        text.push_str(&format!("u{i}\t4\t*\t0\t0\t*\t*\t0\t0\t*\t*\n"));
    }
    text
}

fn samtools_text(args: &[&str]) -> String {
    String::from_utf8(oracle("samtools", args).stdout).unwrap()
}

#[test]
fn finish_writes_the_index_samtools_would() {
    let dir = TempDir::new("bam-index-at-finish");
    let text = simulated_sam(5);
    let mut reader = sam::Reader::new(text.as_bytes());
    let header = reader.read_header().unwrap();
    let mut records = Vec::new();
    let mut record = sam::Record::default();
    while reader.read_record(&header, &mut record).unwrap() {
        records.push(record.clone());
    }
    for (kind, extension, samtools_args) in [
        (Kind::Bai, "bai", &["index"][..]),
        (Kind::Csi, "csi", &["index", "-c"][..]),
    ] {
        for threads in [1, 3] {
            let ours = dir.join(&format!("ours-{extension}{threads}.bam"));
            let mut writer = bam::WriterBuilder::new()
                .threads(threads)
                .index(kind)
                .build_to_path(&ours)
                .unwrap();
            writer.write_header(&header).unwrap();
            for record in &records {
                writer.write_record(record.as_ref()).unwrap();
            }
            writer.finish().unwrap();
            let our_index = dir.join(&format!("ours-{extension}{threads}.bam.{extension}"));
            assert!(our_index.exists(), "finish() wrote no .{extension}");
            let theirs = dir.join(&format!("theirs-{extension}{threads}.bam"));
            std::fs::copy(&ours, &theirs).unwrap();
            let theirs = theirs.to_str().unwrap();
            let mut args = samtools_args.to_vec();
            args.push(theirs);
            oracle("samtools", &args);
            let their_index = format!("{theirs}.{extension}");
            let bytes = |path: &str| match kind {
                Kind::Bai => std::fs::read(path).unwrap(),
                Kind::Csi => oracle("bgzip", &["-dc", path]).stdout,
            };
            // The same index as read (bins as sets), and the same bytes:
            // htslib writes bins in its hash table's order, ascending here
            // (few bins are left after its merging of small ones).
            assert!(
                biometal::index::read_path(&our_index).unwrap()
                    == biometal::index::read_path(&their_index).unwrap(),
                "{extension}, {threads} threads: our index differs from samtools index's"
            );
            assert!(
                bytes(our_index.to_str().unwrap()) == bytes(&their_index),
                "{extension}, {threads} threads: our index bytes differ from samtools index's"
            );
            let ours = ours.to_str().unwrap();
            assert_eq!(
                samtools_text(&["idxstats", ours]),
                samtools_text(&["idxstats", theirs])
            );
            let mut rng = Rng(threads as u64);
            for _ in 0..40 {
                let (name, length) = REFERENCES[rng.below(2) as usize];
                let begin = 1 + rng.below(length);
                let region = format!("{name}:{begin}-{}", begin + rng.below(60_000));
                assert_eq!(
                    samtools_text(&["view", ours, &region]),
                    samtools_text(&["view", theirs, &region]),
                    "{region} {extension} threads {threads}"
                );
            }
        }
    }
}

/// `index::build_from_path` of a BAM samtools wrote equals `samtools index
/// [-c]`'s index, bin for bin and chunk for chunk (htslib writes bins in
/// its hash table's order, we write them sorted: compared as read).
#[test]
fn build_from_path_equals_samtools_index_on_samtools_bam() {
    let dir = TempDir::new("bam-index-build");
    let sam_path = dir.join("a.sam");
    std::fs::write(&sam_path, simulated_sam(6)).unwrap();
    let bam_path = dir.join("a.bam");
    let bam_text = bam_path.to_str().unwrap();
    oracle(
        "samtools",
        &["view", "-b", "-o", bam_text, sam_path.to_str().unwrap()],
    );
    for (kind, extension, samtools_args) in [
        (Kind::Bai, "bai", &["index"][..]),
        (Kind::Csi, "csi", &["index", "-c"][..]),
    ] {
        let mut args = samtools_args.to_vec();
        args.push(bam_text);
        oracle("samtools", &args);
        let theirs = biometal::index::read_path(format!("{bam_text}.{extension}")).unwrap();
        let ours = biometal::index::build_from_path(&bam_path, kind).unwrap();
        assert_eq!(ours, theirs, "{extension}");
    }
}
