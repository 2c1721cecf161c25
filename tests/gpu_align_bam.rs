//! `gpu_align --reference REF.fa READS.bam`: every mapped record's read
//! aligned against its reference window. The BAM and the FASTA index are
//! made by samtools from text written here; each reported score and
//! reference end is checked against the scalar reference on the window
//! cut out independently, and the GPU output (when there is an adapter)
//! against the CPU output.
#![cfg(feature = "gpu")]

mod common;

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Command;

use biometal::align::{align_scalar, Scoring};
use common::{example_binary_with_features, oracle, TempDir};

/// `cargo build --example gpu_align --features gpu`.
fn gpu_align_binary() -> PathBuf {
    example_binary_with_features("gpu_align", &["gpu"])
}

#[test]
fn bam_records_against_their_reference_windows() {
    let mut state = 0x5EED_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let contigs: Vec<(&str, Vec<u8>)> = [("chrA", 3000), ("chrB", 1500)]
        .into_iter()
        .map(|(name, len)| {
            (
                name,
                (0..len).map(|_| b"ACGT"[(next() % 4) as usize]).collect(),
            )
        })
        .collect();
    let dir = TempDir::new("gpu-align-bam");
    let mut fasta = String::new();
    let mut sam = String::new();
    for (name, bases) in &contigs {
        let _ = writeln!(fasta, ">{name}");
        for line in bases.chunks(60) {
            fasta.push_str(std::str::from_utf8(line).unwrap());
            fasta.push('\n');
        }
        let _ = writeln!(sam, "@SQ\tSN:{name}\tLN:{}", bases.len());
    }
    // Reads of 100 bases with two substitutions, some at the contig ends
    // (windows clipped), and an unmapped record (skipped).
    let mut truth = Vec::new();
    for k in 0..40usize {
        let (name, bases) = &contigs[k % 2];
        let start = match k {
            0 => 0,
            1 => bases.len() - 100,
            _ => next() as usize % (bases.len() - 100),
        };
        let mut read = bases[start..start + 100].to_vec();
        for _ in 0..2 {
            let at = next() as usize % 100;
            read[at] = if read[at] == b'A' { b'C' } else { b'A' };
        }
        let read_text = String::from_utf8(read.clone()).unwrap();
        let _ = writeln!(
            sam,
            "r{k}\t0\t{name}\t{}\t60\t100M\t*\t0\t0\t{read_text}\t*",
            start + 1
        );
        truth.push((format!("r{k}"), k % 2, start, read));
    }
    sam.push_str("unmapped\t4\t*\t0\t0\t*\t*\t0\t0\tACGTACGT\t*\n");
    let (fasta_path, sam_path, bam_path) = (
        dir.join("ref.fa"),
        dir.join("reads.sam"),
        dir.join("reads.bam"),
    );
    std::fs::write(&fasta_path, fasta).unwrap();
    std::fs::write(&sam_path, sam).unwrap();
    let fasta_arg = fasta_path.to_str().unwrap();
    let bam_arg = bam_path.to_str().unwrap();
    assert!(oracle("samtools", &["faidx", fasta_arg]).status.success());
    assert!(oracle(
        "samtools",
        &["view", "-b", "-o", bam_arg, sam_path.to_str().unwrap()]
    )
    .status
    .success());

    let binary = gpu_align_binary();
    let run = |gpu: bool| {
        let mut command = Command::new(&binary);
        if !gpu {
            command.arg("--cpu");
        }
        let output = command
            .args(["--batch", "16", "--reference", fasta_arg, bam_arg])
            .output()
            .expect("run gpu_align");
        (
            output.status.success(),
            String::from_utf8(output.stdout).unwrap(),
            output.stderr,
        )
    };
    let (ok, cpu, stderr) = run(false);
    assert!(
        ok,
        "gpu_align --cpu failed: {}",
        String::from_utf8_lossy(&stderr)
    );
    let scoring = Scoring::dna(1, -4, -1, 6, 1).unwrap();
    let lines: Vec<&str> = cpu.lines().collect();
    assert_eq!(
        lines.len(),
        truth.len(),
        "one line per mapped record:\n{cpu}"
    );
    for (line, (name, contig, start, read)) in lines.iter().zip(&truth) {
        let fields: Vec<&str> = line.split('\t').collect();
        assert_eq!(&fields[..2], &[name.as_str(), contigs[*contig].0], "{line}");
        let bases = &contigs[*contig].1;
        let window_start = start.saturating_sub(50);
        let window = &bases[window_start..(start + 150).min(bases.len())];
        let expected = align_scalar(read, window, &scoring);
        assert_eq!(fields[2], expected.score.to_string(), "{line}");
        let (reference_start, reference_end) = fields[4].split_once('-').unwrap();
        let reference_end: usize = reference_end.parse().unwrap();
        let reference_start: usize = reference_start.parse().unwrap();
        assert_eq!(reference_end, window_start + expected.target_end, "{line}");
        // Two substitutions in 100 bases: the hit lies on the read's origin.
        assert!(
            reference_start >= *start && reference_end <= start + 100,
            "{line}"
        );
    }
    if std::env::var_os("BIOMETAL_REQUIRE_GPU").is_some()
        || biometal::gpu::GpuAligner::new().is_ok()
    {
        let (ok, gpu, stderr) = run(true);
        assert!(ok, "gpu_align failed: {}", String::from_utf8_lossy(&stderr));
        assert_eq!(gpu, cpu);
    }
}
