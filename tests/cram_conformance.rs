//! CRAM decoding against independent oracles: the hts-specs conformance
//! files (each `.cram` beside the `.sam` it was made from) and Debian
//! samtools' `view` of the same files.

mod common;

use std::path::Path;

use biometal::formats::cram::{Fields, ReaderBuilder, ReferenceSource};
use biometal::formats::{bam, sam};
use biometal::ErrorKind;
use common::{oracle, testdata};

/// Decodes `path` and formats every record as SAM (no header).
fn decode_to_sam(path: &Path, builder: ReaderBuilder) -> biometal::Result<String> {
    let mut reader = builder.build_from_path(path)?;
    let header = reader.read_header()?;
    let mut writer = sam::Writer::new(Vec::new());
    while let Some(record) = reader.next_record()? {
        writer.write_record(&header, record)?;
    }
    Ok(String::from_utf8(writer.into_inner()).expect("SAM output is UTF-8"))
}

fn reference() -> ReferenceSource {
    ReferenceSource::from_fasta_path(testdata("hts-specs/cram/ce.fa")).expect("ce.fa opens")
}

fn passed_files(version: &str) -> Vec<std::path::PathBuf> {
    let dir = testdata(&format!("hts-specs/cram/{version}/passed"));
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("list conformance files")
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "cram"))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    files
}

#[test]
fn every_passed_3_0_file_equals_samtools_view() {
    let ce = testdata("hts-specs/cram/ce.fa");
    let ce = ce.to_str().expect("UTF-8 path");
    for path in passed_files("3.0") {
        let ours = decode_to_sam(&path, ReaderBuilder::new().reference(reference()))
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let theirs = oracle(
            "samtools",
            &[
                "view",
                "--reference",
                ce,
                path.to_str().expect("UTF-8 path"),
            ],
        );
        let theirs = String::from_utf8(theirs.stdout).expect("samtools prints UTF-8");
        assert_eq!(ours, theirs, "{}", path.display());
    }
}

#[test]
fn every_passed_3_0_file_equals_its_sam_source() {
    // Without MD/NM regeneration, the decoded records are those the files
    // were made from.
    let mut compared = 0;
    for path in passed_files("3.0") {
        let source = path.with_extension("sam");
        if !source.exists() {
            continue;
        }
        let builder = ReaderBuilder::new()
            .reference(reference())
            .regenerate_md_nm(false);
        let ours =
            decode_to_sam(&path, builder).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let text = std::fs::read_to_string(&source).expect("read .sam");
        let expected: String = text
            .lines()
            .filter(|line| !line.starts_with('@'))
            .map(|line| format!("{line}\n"))
            .collect();
        assert_eq!(ours, expected, "{}", path.display());
        compared += 1;
    }
    assert!(compared > 50, "only {compared} files compared");
}

#[test]
fn cram_3_1_levels_equal_the_bam() {
    let bam_path = testdata("hts-specs/bam/passed/level-1.bam");
    let mut reader = bam::Reader::from_path(&bam_path).expect("open BAM");
    let header = reader.read_header().expect("BAM header");
    let mut writer = sam::Writer::new(Vec::new());
    while let Some(record) = reader.next_record().expect("BAM record") {
        writer.write_record(&header, record).expect("format");
    }
    let expected = String::from_utf8(writer.into_inner()).expect("UTF-8");
    assert!(expected.lines().count() > 100);
    for level in 1..=4 {
        let path = testdata(&format!("hts-specs/cram/3.1/passed/level-{level}.cram"));
        // The files embed their reference: MD and NM are regenerated
        // from it, as the BAM stores them.
        let ours = decode_to_sam(&path, ReaderBuilder::new())
            .unwrap_or_else(|e| panic!("level {level}: {e}"));
        assert_eq!(ours, expected, "level-{level}.cram");
    }
}

#[test]
fn a_file_without_the_eof_container_is_reported() {
    let path = testdata("hts-specs/cram/3.0/failed/0000_empty_noeof.cram");
    let error = decode_to_sam(&path, ReaderBuilder::new()).expect_err("missing EOF is an error");
    assert_eq!(error.kind(), ErrorKind::MissingEofMarker);
}

/// A SAM line as decoding with `fields` must give it: unwanted names,
/// sequences, qualities, tags and alignment blanked.
fn blank(line: &str, fields: Fields) -> String {
    let mut columns: Vec<&str> = line.split('\t').collect();
    if !fields.names {
        columns[0] = "*";
    }
    if !fields.sequence {
        columns[9] = "*";
    }
    if !fields.sequence || !fields.qualities {
        columns[10] = "*";
    }
    if !fields.tags {
        columns.truncate(11);
    }
    if !fields.alignment && !fields.sequence {
        // RNAME, POS, MAPQ, CIGAR, RNEXT, PNEXT, TLEN reported absent.
        columns[2..9].copy_from_slice(&["*", "0", "255", "*", "*", "0", "0"]);
    }
    columns.join("\t") + "\n"
}

#[test]
fn field_selective_decoding_equals_full_decoding_blanked() {
    let subsets = [
        Fields::none(),
        Fields {
            names: true,
            ..Fields::none()
        },
        Fields {
            sequence: true,
            ..Fields::none()
        },
        Fields {
            sequence: true,
            qualities: true,
            ..Fields::none()
        },
        Fields {
            tags: true,
            ..Fields::all()
        },
        Fields {
            tags: false,
            ..Fields::all()
        },
        Fields {
            qualities: false,
            ..Fields::all()
        },
        Fields::flags_only(),
        Fields {
            names: true,
            ..Fields::flags_only()
        },
        // Sequences need the alignment: decoded and reported.
        Fields {
            sequence: true,
            ..Fields::flags_only()
        },
    ];
    // 3.1 level-4 holds fqzcomp qualities and tokenised names, the blocks
    // worth skipping.
    let mut files = passed_files("3.0");
    files.push(testdata("hts-specs/cram/3.1/passed/level-4.cram"));
    for path in files {
        let full = decode_to_sam(&path, ReaderBuilder::new().reference(reference()))
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for fields in subsets {
            // Without sequences no reference is needed.
            let source = if fields.sequence {
                reference()
            } else {
                ReferenceSource::none()
            };
            let builder = ReaderBuilder::new().reference(source).fields(fields);
            let ours = decode_to_sam(&path, builder)
                .unwrap_or_else(|e| panic!("{} {fields:?}: {e}", path.display()));
            let expected: String = full.lines().map(|line| blank(line, fields)).collect();
            assert_eq!(ours, expected, "{} {fields:?}", path.display());
        }
    }
}

#[test]
fn references_found_by_md5_in_a_ref_cache_layout() {
    use biometal::formats::fasta::{IndexedReader, Interval};
    let dir = common::TempDir::new("cram-ref-cache");
    let fasta = IndexedReader::from_path(testdata("hts-specs/cram/ce.fa")).expect("ce.fa");
    let path = testdata("hts-specs/cram/3.0/passed/1402_index_3ref.cram");
    let mut reader = ReaderBuilder::new().build_from_path(&path).expect("open");
    let header = reader.read_header().expect("header");
    for reference in header.reference_sequences() {
        let md5 = reference.md5().expect("@SQ M5");
        let bases = fasta
            .fetch(
                reference.name().as_bytes(),
                Interval::new(0, reference.length()).expect("interval"),
            )
            .expect("fetch");
        let file = dir.join(&format!("{}/{}/{}", &md5[..2], &md5[2..4], &md5[4..]));
        std::fs::create_dir_all(file.parent().expect("parent")).expect("mkdir");
        std::fs::write(file, bases).expect("write cache file");
    }
    let template = format!("{}/%2s/%2s/%s", dir.join("").display());
    let cached = ReferenceSource::none().with_md5_paths([template]);
    let ours = decode_to_sam(&path, ReaderBuilder::new().reference(cached)).expect("decode");
    let expected =
        decode_to_sam(&path, ReaderBuilder::new().reference(reference())).expect("decode");
    assert!(ours.lines().count() > 10);
    assert_eq!(ours, expected);
    // A cache without the sequences names what it tried.
    let empty = ReferenceSource::none().with_md5_paths([dir.join("nothing").display().to_string()]);
    let error = decode_to_sam(&path, ReaderBuilder::new().reference(empty)).expect_err("missing");
    assert!(error.to_string().contains("tried"), "{error}");
}

#[test]
fn flags_only_counts_and_flags_equal_samtools() {
    let ce = testdata("hts-specs/cram/ce.fa");
    let ce = ce.to_str().expect("UTF-8 path");
    let mut files = passed_files("3.0");
    files.extend(passed_files("3.1"));
    for path in files {
        let name = path.to_str().expect("UTF-8 path");
        let theirs = oracle("samtools", &["view", "--reference", ce, name]);
        let theirs = String::from_utf8(theirs.stdout).expect("samtools prints UTF-8");
        let their_flags: Vec<u16> = theirs
            .lines()
            .map(|line| {
                line.split('\t')
                    .nth(1)
                    .and_then(|f| f.parse().ok())
                    .expect("FLAG")
            })
            .collect();
        let builder = || ReaderBuilder::new().fields(Fields::flags_only());
        let mut reader = builder().build_from_path(&path).expect("open");
        reader.read_header().expect("header");
        let mut flags = Vec::new();
        while let Some(record) = reader.next_record().expect("record") {
            assert_eq!(record.reference_id(), None, "{name}: unplaced");
            assert!(record.cigar().is_empty(), "{name}: no CIGAR");
            flags.push(record.flags().bits());
        }
        assert_eq!(flags, their_flags, "{name}: flags");
        let mut reader = builder().build_from_path(&path).expect("open");
        reader.read_header().expect("header");
        let count = reader.count_records().expect("count");
        assert_eq!(count, their_flags.len() as u64, "{name}: count");
        assert_eq!(reader.records_read(), count);
        let counted = oracle("samtools", &["view", "-c", "--reference", ce, name]);
        let counted = String::from_utf8(counted.stdout).expect("UTF-8");
        assert_eq!(
            count.to_string(),
            counted.trim(),
            "{name}: samtools view -c"
        );
    }
}
