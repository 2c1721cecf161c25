//! CRAM region queries over read pairs whose mates lie apart: a region
//! often covers one mate and not the other, so the slice decoder lays out
//! only some records of a slice while the others (decoded just enough to
//! keep the data series in step) still supply mate positions, computed
//! template lengths and, with `lossy_names`, the shared read name. Every
//! query must print exactly what `samtools view FILE.cram REGION` prints.

mod common;

use common::rng::XorShift64Star as Rng;

use std::fmt::Write as _;
use std::path::Path;

use biometal::formats::cram::crai;
use common::{cram_query_sam, oracle, samtools_view_cram, TempDir};

const LENGTH: usize = 40_000;
const PAIRS: usize = 1_500;

fn s(path: &Path) -> &str {
    path.to_str().expect("UTF-8 path")
}

/// One read of `len` bases from 0-based `start`: substitutions, and now
/// and then a deletion or a reference skip, so the alignment end is more
/// than the read length past the start.
fn read(rng: &mut Rng, bases: &[u8], start: usize, len: usize) -> (String, String, usize) {
    let mut sequence: String = bases[start..start + len]
        .iter()
        .map(|&b| {
            if rng.chance(2) {
                char::from(b"ACGT"[rng.below(4) as usize])
            } else {
                char::from(b)
            }
        })
        .collect();
    // One read in ten gets a deletion, one a skipped intron (N); their
    // second part is read from beyond the gap.
    let gapped = match rng.below(10) {
        0 => Some((1 + rng.below(30) as usize, len / 2, 'D')),
        1 => Some((200 + rng.below(2_000) as usize, len / 3, 'N')),
        _ => None,
    };
    let Some((gap, half, op)) = gapped else {
        return (format!("{len}M"), sequence, len);
    };
    sequence = format!(
        "{}{}",
        &sequence[..half],
        std::str::from_utf8(&bases[start + half + gap..start + len + gap]).unwrap()
    );
    let cigar = format!("{half}M{gap}{op}{}M", len - half);
    let span = len + gap;
    (cigar, sequence, span)
}

/// Writes `ref.fa` (indexed) and `sorted.bam`: pairs 150–800 bases apart,
/// a few with an unmapped mate placed beside the mapped one.
fn simulate(dir: &TempDir, seed: u64) {
    let mut rng = Rng(seed);
    let bases: Vec<u8> = (0..LENGTH)
        .map(|_| b"ACGT"[rng.below(4) as usize])
        .collect();
    let mut fasta = String::from(">chr1\n");
    for line in bases.chunks(60) {
        writeln!(fasta, "{}", std::str::from_utf8(line).unwrap()).unwrap();
    }
    let mut sam = format!("@HD\tVN:1.6\tSO:unsorted\n@SQ\tSN:chr1\tLN:{LENGTH}\n");
    let quality = |rng: &mut Rng, n: usize| -> String {
        (0..n)
            .map(|_| char::from(b'#' + rng.below(38) as u8))
            .collect()
    };
    for pair in 0..PAIRS {
        let len = 60 + rng.below(90) as usize;
        let first = rng.below((LENGTH - 4_000) as u64) as usize;
        let (cigar1, seq1, span1) = read(&mut rng, &bases, first, len);
        let second = first + 150 + rng.below(650) as usize;
        let (cigar2, seq2, span2) = read(&mut rng, &bases, second, len);
        let (q1, q2) = (quality(&mut rng, len), quality(&mut rng, len));
        let (pos1, pos2) = (first + 1, second + 1);
        if rng.chance(8) {
            writeln!(
                sam,
                "q{pair}\t73\tchr1\t{pos1}\t60\t{cigar1}\t=\t{pos1}\t0\t{seq1}\t{q1}"
            )
            .unwrap();
            writeln!(
                sam,
                "q{pair}\t133\tchr1\t{pos1}\t0\t*\t=\t{pos1}\t0\t{seq2}\t{q2}"
            )
            .unwrap();
            continue;
        }
        let tlen = (second + span2).max(first + span1) - first;
        writeln!(
            sam,
            "q{pair}\t99\tchr1\t{pos1}\t60\t{cigar1}\t=\t{pos2}\t{tlen}\t{seq1}\t{q1}"
        )
        .unwrap();
        writeln!(
            sam,
            "q{pair}\t147\tchr1\t{pos2}\t60\t{cigar2}\t=\t{pos1}\t-{tlen}\t{seq2}\t{q2}"
        )
        .unwrap();
    }
    std::fs::write(dir.join("ref.fa"), fasta).unwrap();
    std::fs::write(dir.join("reads.sam"), sam).unwrap();
    oracle("samtools", &["faidx", s(&dir.join("ref.fa"))]);
    let sorted = dir.join("sorted.bam");
    oracle(
        "samtools",
        &["sort", "-o", s(&sorted), s(&dir.join("reads.sam"))],
    );
}

#[test]
fn queries_covering_one_mate_match_samtools() {
    let dir = TempDir::new("cram-crai-pairs");
    simulate(&dir, 0xfa1_25ee);
    let reference = dir.join("ref.fa");
    let sorted = dir.join("sorted.bam");
    let mut rng = Rng(0x9e6_10e5);
    // Narrow regions (most catch one mate of a pair, not both), a few
    // wide ones, and the contig's ends.
    let mut regions = vec![
        "chr1:1-1".to_string(),
        format!("chr1:{}-{}", LENGTH - 50, LENGTH + 50),
    ];
    while regions.len() < 150 {
        let start = 1 + rng.below(LENGTH as u64);
        let span = match rng.below(3) {
            0 => rng.below(5),
            1 => rng.below(200),
            _ => rng.below(3_000),
        };
        regions.push(format!("chr1:{start}-{}", start + span));
    }
    for (name, options) in [
        ("v30.cram", &["version=3.0", "seqs_per_slice=300"][..]),
        ("v31.cram", &["version=3.1", "seqs_per_slice=500"][..]),
        (
            "lossy.cram",
            &["version=3.0", "lossy_names=1", "seqs_per_slice=400"][..],
        ),
        (
            "small.cram",
            &["version=3.1", "small", "seqs_per_slice=1000"][..],
        ),
    ] {
        let cram = dir.join(name);
        let mut args = vec!["view", "-C", "-T", s(&reference)];
        for option in options {
            args.extend(["--output-fmt-option", option]);
        }
        args.extend(["-o", s(&cram), s(&sorted)]);
        oracle("samtools", &args);
        oracle("samtools", &["index", s(&cram)]);
        let index = crai::Index::read_from_path(format!("{}.crai", s(&cram))).unwrap();
        let expected = samtools_view_cram(&cram, &reference, &regions);
        // Pairs split by the regions: records whose mate is elsewhere.
        assert!(expected.lines().count() > 3_000, "{name}");
        let got = cram_query_sam(&cram, &reference, &index, &regions);
        if got != expected {
            for region in &regions {
                let one = std::slice::from_ref(region);
                assert_eq!(
                    cram_query_sam(&cram, &reference, &index, one),
                    samtools_view_cram(&cram, &reference, one),
                    "{name}: region {region}"
                );
            }
        }
        assert_eq!(got, expected, "{name}");
    }
}
