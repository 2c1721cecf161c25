//! CRAM files written by Debian samtools from a seeded simulated alignment
//! set (every CRAM version and profile samtools writes, embedded and absent
//! references, small slices, multi-reference containers, unmapped-only
//! files, lossy names): our decoding must equal `samtools view` of each.

mod common;

use common::rng::XorShift64Star as Rng;

use std::fmt::Write as _;
use std::path::Path;

use biometal::formats::cram::{Fields, ReaderBuilder, ReferenceSource};
use biometal::formats::fasta::{IndexedReader, Interval};
use biometal::formats::sam;
use common::{oracle, testdata, TempDir};

struct Read {
    reference: usize,
    /// 1-based.
    start: u64,
    end: u64,
    cigar: String,
    sequence: Vec<u8>,
}

/// A read against `bases` (a whole reference), at 1-based `start` or a
/// random one, with substitutions, indels, skips and clips.
fn simulate_read(rng: &mut Rng, reference: usize, bases: &[u8], start: Option<u64>) -> Read {
    let length = 30 + rng.below(120) as usize;
    let last_start = bases.len() as u64 - 1200;
    let start = start
        .unwrap_or_else(|| 1 + rng.below(last_start))
        .min(last_start);
    let mut cigar = String::new();
    let mut sequence = Vec::new();
    let mut ref_pos = (start - 1) as usize;
    let clip = if rng.chance(15) {
        1 + rng.below(8) as usize
    } else {
        0
    };
    if clip > 0 {
        write!(cigar, "{clip}S").unwrap();
        sequence.extend((0..clip).map(|_| b"ACGT"[rng.below(4) as usize]));
    }
    let mut run = 0;
    while sequence.len() < length {
        let roll = rng.below(1000);
        if roll < 8 && run > 0 {
            let n = 1 + rng.below(4) as usize;
            write!(cigar, "{run}M{n}I").unwrap();
            run = 0;
            sequence.extend((0..n).map(|_| b"ACGT"[rng.below(4) as usize]));
        } else if roll < 16 && run > 0 {
            let n = 1 + rng.below(5) as usize;
            write!(cigar, "{run}M{n}D").unwrap();
            run = 0;
            ref_pos += n;
        } else if roll < 18 && run > 0 {
            let n = 50 + rng.below(200) as usize;
            write!(cigar, "{run}M{n}N").unwrap();
            run = 0;
            ref_pos += n;
        } else {
            let mut base = bases[ref_pos];
            if rng.chance(2) {
                base = b"ACGTN"[rng.below(5) as usize];
            }
            sequence.push(base);
            ref_pos += 1;
            run += 1;
        }
    }
    if run > 0 {
        write!(cigar, "{run}M").unwrap();
    } else {
        // A read cannot end in I/D/N: finish with one matching base.
        sequence.push(bases[ref_pos]);
        ref_pos += 1;
        cigar.push_str("1M");
    }
    if rng.chance(10) {
        let n = 1 + rng.below(5);
        write!(cigar, "{n}H").unwrap();
    }
    Read {
        reference,
        start,
        end: ref_pos as u64,
        cigar,
        sequence,
    }
}

fn qualities(rng: &mut Rng, n: usize) -> String {
    (0..n)
        .map(|_| (b'#' + rng.below(40) as u8) as char)
        .collect()
}

/// Writes a SAM file of `pairs` simulated pairs (plus unmapped pairs) on
/// ce.fa's sequences, in generation order (unsorted).
fn simulate_sam(path: &Path, pairs: usize, seed: u64, unmapped_only: bool) {
    let fasta = IndexedReader::from_path(testdata("hts-specs/cram/ce.fa")).expect("ce.fa");
    let names: Vec<(String, u64)> = fasta
        .index()
        .records()
        .iter()
        .map(|r| (String::from_utf8_lossy(r.name()).into_owned(), r.length()))
        .collect();
    let references: Vec<Vec<u8>> = names
        .iter()
        .map(|(name, len)| {
            fasta
                .fetch(name.as_bytes(), Interval::new(0, *len).unwrap())
                .unwrap()
        })
        .collect();
    let mut rng = Rng(seed);
    let mut text = String::from("@HD\tVN:1.6\tSO:unsorted\n");
    for (name, len) in &names {
        writeln!(text, "@SQ\tSN:{name}\tLN:{len}").unwrap();
    }
    text.push_str("@RG\tID:grp1\tSM:sample\n@RG\tID:grp2\tSM:sample\n");
    for pair in 0..pairs {
        let name = format!("pair{seed}_{pair}");
        let group = if rng.chance(50) { "grp1" } else { "grp2" };
        if unmapped_only || rng.chance(5) {
            for flag in [77, 141] {
                let n = 20 + rng.below(100) as usize;
                let seq: String = (0..n)
                    .map(|_| b"ACGTN"[rng.below(5) as usize] as char)
                    .collect();
                let qual = qualities(&mut rng, n);
                writeln!(
                    text,
                    "{name}\t{flag}\t*\t0\t0\t*\t*\t0\t0\t{seq}\t{qual}\tRG:Z:{group}"
                )
                .unwrap();
            }
            continue;
        }
        let reference = if rng.chance(70) {
            0
        } else {
            1 + rng.below(names.len() as u64 - 1) as usize
        };
        let first = simulate_read(&mut rng, reference, &references[reference], None);
        let second_reference = if rng.chance(5) {
            (reference + 1) % names.len()
        } else {
            reference
        };
        let near =
            (second_reference == reference && rng.chance(80)).then(|| first.start + rng.below(300));
        let second = simulate_read(
            &mut rng,
            second_reference,
            &references[second_reference],
            near,
        );
        let second_unmapped = rng.chance(5);
        let reverse_first = rng.chance(50);
        let same = first.reference == second.reference;
        let (left, right) = (first.start.min(second.start), first.end.max(second.end));
        let tlen = if same && !second_unmapped {
            (right - left + 1) as i64
        } else {
            0
        };
        let first_tlen = if first.start <= second.start {
            tlen
        } else {
            -tlen
        };
        let records = [
            (
                &first,
                0x1 | 0x40 | if reverse_first { 0x10 } else { 0x20 },
                &second,
                first_tlen,
            ),
            (
                &second,
                0x1 | 0x80 | if reverse_first { 0x20 } else { 0x10 },
                &first,
                -first_tlen,
            ),
        ];
        for (index, (read, mut flag, mate, tlen)) in records.into_iter().enumerate() {
            let qual = qualities(&mut rng, read.sequence.len());
            let seq = String::from_utf8(read.sequence.clone()).unwrap();
            let unmapped = index == 1 && second_unmapped;
            let mate_unmapped = index == 0 && second_unmapped;
            if mate_unmapped {
                flag |= 0x8;
            }
            let mut tags = format!("RG:Z:{group}\tXI:i:{}", rng.below(1000));
            if rng.chance(20) {
                write!(
                    tags,
                    "\tXF:f:{}.5\tXB:B:s,{},-3,7",
                    rng.below(9),
                    rng.below(50)
                )
                .unwrap();
            }
            if rng.chance(10) {
                write!(tags, "\tXZ:Z:note{}", rng.below(100)).unwrap();
            }
            if unmapped {
                flag |= 0x4;
                let (rname, pos) = (&names[mate.reference].0, mate.start);
                writeln!(
                    text,
                    "{name}\t{flag}\t{rname}\t{pos}\t0\t*\t=\t{pos}\t0\t{seq}\t{qual}\t{tags}"
                )
                .unwrap();
                continue;
            }
            let rname = &names[read.reference].0;
            let (rnext, pnext) = if mate_unmapped {
                ("=".to_string(), read.start)
            } else if mate.reference == read.reference {
                ("=".to_string(), mate.start)
            } else {
                (names[mate.reference].0.clone(), mate.start)
            };
            let tlen = if mate_unmapped || rnext != "=" {
                0
            } else {
                tlen
            };
            let mapq = rng.below(61);
            writeln!(
                text,
                "{name}\t{flag}\t{rname}\t{}\t{mapq}\t{}\t{rnext}\t{pnext}\t{tlen}\t{seq}\t{qual}\t{tags}",
                read.start, read.cigar
            )
            .unwrap();
        }
    }
    std::fs::write(path, text).expect("write SAM");
}

fn decode_to_sam(path: &Path, reference: ReferenceSource) -> String {
    let mut reader = ReaderBuilder::new()
        .reference(reference)
        .build_from_path(path)
        .expect("open CRAM");
    let header = reader
        .read_header()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut writer = sam::Writer::new(Vec::new());
    while let Some(record) = reader
        .next_record()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    {
        writer.write_record(&header, record).expect("format");
    }
    String::from_utf8(writer.into_inner()).expect("UTF-8")
}

fn s(path: &Path) -> &str {
    path.to_str().expect("UTF-8 path")
}

/// Converts `input` to CRAM with `options`, then compares our decoding with
/// samtools' (both given the reference, or both without it).
fn check(dir: &TempDir, input: &Path, name: &str, options: &[&str], with_reference: bool) {
    let ce = testdata("hts-specs/cram/ce.fa");
    let cram = dir.join(&format!("{name}.cram"));
    let mut args = vec!["view", "-C", "-T", s(&ce), "-o", s(&cram)];
    for option in options {
        args.push("--output-fmt-option");
        args.push(option);
    }
    args.push(s(input));
    oracle("samtools", &args);
    let theirs = if with_reference {
        oracle("samtools", &["view", "-T", s(&ce), s(&cram)])
    } else {
        oracle("samtools", &["view", s(&cram)])
    };
    let theirs = String::from_utf8(theirs.stdout).expect("UTF-8");
    let reference = if with_reference {
        ReferenceSource::from_fasta_path(&ce).expect("ce.fa")
    } else {
        ReferenceSource::none()
    };
    let ours = decode_to_sam(&cram, reference);
    // Counting decodes no sequence and needs no reference.
    let mut reader = ReaderBuilder::new()
        .fields(Fields::none())
        .build_from_path(&cram)
        .expect("open CRAM");
    reader.read_header().expect("header");
    let mut count = 0;
    while reader.next_record().expect("record").is_some() {
        count += 1;
    }
    assert_eq!(count, theirs.lines().count(), "{name}: record count");
    // Flags only: the same count without laying records out, and the
    // same flags (mate bits included) as samtools prints.
    let flags_only = || {
        let mut reader = ReaderBuilder::new()
            .fields(Fields::flags_only())
            .build_from_path(&cram)
            .expect("open CRAM");
        reader.read_header().expect("header");
        reader
    };
    let counted = flags_only().count_records().expect("count");
    assert_eq!(
        counted,
        theirs.lines().count() as u64,
        "{name}: count_records"
    );
    let mut reader = flags_only();
    let mut lines = theirs.lines();
    while let Some(record) = reader.next_record().expect("record") {
        let line = lines.next().expect("as many records as samtools");
        let flags = line.split('\t').nth(1).expect("FLAG");
        assert_eq!(record.flags().bits().to_string(), flags, "{name}: {line}");
    }
    assert!(theirs.lines().count() > 100, "{name}: too few records");
    if ours != theirs {
        let first = ours
            .lines()
            .zip(theirs.lines())
            .find(|(a, b)| a != b)
            .map(|(a, b)| format!("ours:   {a}\ntheirs: {b}"))
            .unwrap_or_else(|| {
                format!(
                    "{} vs {} lines",
                    ours.lines().count(),
                    theirs.lines().count()
                )
            });
        panic!("{name} ({options:?}): first difference\n{first}");
    }
}

#[test]
fn samtools_written_cram_decodes_as_samtools_reads_it() {
    let dir = TempDir::new("cram-samtools");
    let sam_path = dir.join("reads.sam");
    simulate_sam(&sam_path, 1500, 7, false);
    let sorted = dir.join("sorted.bam");
    oracle("samtools", &["sort", "-o", s(&sorted), s(&sam_path)]);
    let variants: &[(&str, &[&str], bool)] = &[
        ("v30", &["version=3.0"], true),
        ("v21", &["version=2.1"], true),
        ("v31", &["version=3.1"], true),
        ("fast", &["version=3.1", "fast"], true),
        ("small", &["version=3.1", "small"], true),
        ("archive", &["version=3.1", "archive"], true),
        ("embed", &["version=3.0", "embed_ref=1"], false),
        ("noref30", &["version=3.0", "no_ref=1"], false),
        ("noref31", &["version=3.1", "no_ref=1"], false),
        (
            "slices",
            &[
                "version=3.0",
                "seqs_per_slice=100",
                "slices_per_container=3",
            ],
            true,
        ),
        ("lossy_names", &["version=3.0", "lossy_names=1"], true),
    ];
    for (name, options, with_reference) in variants {
        check(&dir, &sorted, name, options, *with_reference);
    }
    // Unsorted input: multi-reference containers and slices.
    check(&dir, &sam_path, "unsorted30", &["version=3.0"], true);
    check(
        &dir,
        &sam_path,
        "unsorted31",
        &["version=3.1", "seqs_per_slice=300"],
        true,
    );
}

#[test]
fn unmapped_only_cram_needs_no_reference() {
    let dir = TempDir::new("cram-unmapped");
    let sam_path = dir.join("unmapped.sam");
    simulate_sam(&sam_path, 300, 11, true);
    check(&dir, &sam_path, "unmapped30", &["version=3.0"], false);
    check(
        &dir,
        &sam_path,
        "unmapped31",
        &["version=3.1", "archive"],
        false,
    );
}
