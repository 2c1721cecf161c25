//! `index [-c] FILE`: writes `FILE.bai` (or `FILE.csi` with `-c`) for a
//! coordinate-sorted BAM, like `samtools index [-c]`, and `FILE.fai` (plus
//! `FILE.gzi` when bgzipped) for a FASTA file, like `samtools faidx FILE`.
//!
//! ```text
//! cargo run --release --example index -- -c sample.bam
//! ```
use std::io::{BufRead, Write};
use std::process::ExitCode;

use biometal::bgzf::GziIndex;
use biometal::formats::{detect, fasta, DetectedFormat};
use biometal::index::{self, Kind};
use biometal::io::Compression;
use biometal::Format;

fn main() -> ExitCode {
    let mut csi = false;
    let mut paths = Vec::new();
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "-c" => csi = true,
            "-b" => csi = false,
            _ if arg.starts_with('-') => return usage(),
            _ => paths.push(arg),
        }
    }
    let [path] = &paths[..] else {
        return usage();
    };
    match run(path, csi) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("index: {path}: {error}");
            ExitCode::FAILURE
        }
    }
}

fn usage() -> ExitCode {
    eprintln!("usage: index [-c] FILE");
    ExitCode::FAILURE
}

fn run(path: &str, csi: bool) -> biometal::Result<()> {
    let mut source = biometal::io::open(path)?;
    match detect(source.fill_buf()?) {
        DetectedFormat::Bam => index_bam(path, csi),
        DetectedFormat::Fasta => index_fasta(path, source),
        _ => Err(biometal::Error::unsupported(
            Format::Bam,
            "index supports BGZF-compressed BAM and plain or bgzipped FASTA",
        )),
    }
}

/// `samtools faidx FILE`: writes `FILE.fai`, and `FILE.gzi` for a bgzipped
/// FASTA.
fn index_fasta(path: &str, source: biometal::io::Source) -> biometal::Result<()> {
    let compression = source.compression();
    if compression == Compression::Gzip {
        return Err(biometal::Error::unsupported(
            Format::Fasta,
            "cannot index a gzip-compressed FASTA: recompress it with bgzip",
        ));
    }
    let index = fasta::fai::Index::build(source)?;
    write_file(&format!("{path}.fai"), |out| index.write(out))?;
    if compression == Compression::Bgzf {
        let file = std::fs::File::open(path)?;
        let gzi = GziIndex::build(std::io::BufReader::new(file))?;
        write_file(&format!("{path}.gzi"), |out| gzi.write(out))?;
    }
    Ok(())
}

/// Creates `path` and fills it through a buffered writer.
fn write_file(
    path: &str,
    fill: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> biometal::Result<()>,
) -> biometal::Result<()> {
    let file = std::fs::File::create(path).map_err(|e| biometal::Error::from(e).with_name(path))?;
    let mut out = std::io::BufWriter::new(file);
    fill(&mut out)?;
    out.flush()
        .map_err(|e| biometal::Error::from(e).with_name(path))
}

fn index_bam(path: &str, csi: bool) -> biometal::Result<()> {
    let (kind, extension) = if csi {
        (Kind::Csi, "csi")
    } else {
        (Kind::Bai, "bai")
    };
    let built = index::build_from_path(path, kind)?;
    let bytes = match kind {
        Kind::Bai => index::bai::write(&built)?,
        Kind::Csi => index::csi::write_bgzf(&built)?,
    };
    let out = format!("{path}.{extension}");
    std::fs::write(&out, bytes).map_err(|e| biometal::Error::from(e).with_name(out))
}
