//! `index [-c|-t] [-p bed|gff|vcf|sam] FILE`: writes `FILE.bai` (or
//! `FILE.csi` with `-c`) for a coordinate-sorted BAM, like `samtools index
//! [-c]`; `FILE.csi` for a sorted, BGZF-compressed BCF, like `bcftools
//! index FILE.bcf`; `FILE.crai` for a coordinate-sorted CRAM, like `samtools index
//! FILE.cram`; `FILE.fai` (plus `FILE.gzi` when bgzipped) for a FASTA file, like
//! `samtools faidx FILE`; and a tabix index for bgzipped, sorted text:
//! `FILE.tbi` (`-t`) or `FILE.csi` (`-c`), like `tabix [-C] -p PRESET FILE`
//! (BED/GFF default to `.tbi`) and `bcftools index [-t] FILE.vcf.gz` (VCF
//! defaults to `.csi`). Without `-p` the preset comes from the content
//! (`##fileformat=VCF`, `##gff-version`) or the name (`.bed.gz`, `.gff.gz`,
//! `.gff3.gz`, `.gtf.gz`, `.vcf.gz`).
//!
//! ```text
//! cargo run --release --example index -- -c sample.bam
//! cargo run --release --example index -- -p bed peaks.bed.gz
//! ```
use std::io::{BufRead, Write};
use std::process::ExitCode;

use biometal::bgzf::GziIndex;
use biometal::formats::{bcf, detect, fasta, DetectedFormat};
use biometal::index::tabix::{self, TabixConfig, TabixFormat};
use biometal::index::{self, Kind};
use biometal::io::Compression;
use biometal::{ErrorKind, Format};

/// `-c` (CSI), `-t`/`-b` (TBI/BAI), or the format's default.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Choice {
    Default,
    Csi,
    NotCsi,
}

fn main() -> ExitCode {
    let mut choice = Choice::Default;
    let mut preset = None;
    let mut paths = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-c" => choice = Choice::Csi,
            "-b" | "-t" => choice = Choice::NotCsi,
            "-p" => match args.next().as_deref().and_then(TabixConfig::preset) {
                Some(config) => preset = Some(config),
                None => return usage(),
            },
            _ if arg.starts_with('-') => return usage(),
            _ => paths.push(arg),
        }
    }
    let [path] = &paths[..] else {
        return usage();
    };
    match run(path, choice, preset) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("index: {path}: {error}");
            ExitCode::FAILURE
        }
    }
}

fn usage() -> ExitCode {
    eprintln!("usage: index [-c|-t] [-p bed|gff|vcf|sam] FILE");
    ExitCode::FAILURE
}

fn run(path: &str, choice: Choice, preset: Option<TabixConfig>) -> biometal::Result<()> {
    let mut source = biometal::io::open(path)?;
    let format = detect(source.fill_buf()?);
    if let Some(config) = preset.or_else(|| tabix_preset(path, format)) {
        return index_tabix(path, source, config, choice);
    }
    match format {
        DetectedFormat::Bam => index_bam(path, choice == Choice::Csi),
        DetectedFormat::Bcf => index_bcf(path, choice),
        DetectedFormat::Cram => {
            biometal::formats::cram::crai::build(source)?.write_to_path(format!("{path}.crai"))
        }
        DetectedFormat::Fasta => index_fasta(path, source),
        _ => Err(biometal::Error::without_format(
            ErrorKind::Unsupported,
            "index supports BGZF-compressed BAM and BCF, CRAM, plain or bgzipped FASTA, and bgzipped text with a tabix preset (-p bed|gff|vcf|sam)",
        )),
    }
}

/// The tabix preset implied by the content or the file name.
fn tabix_preset(path: &str, format: DetectedFormat) -> Option<TabixConfig> {
    match format {
        DetectedFormat::Vcf => return Some(TabixConfig::vcf()),
        DetectedFormat::Gff => return Some(TabixConfig::gff()),
        DetectedFormat::Bam
        | DetectedFormat::Bcf
        | DetectedFormat::Cram
        | DetectedFormat::Fasta => return None,
        _ => {}
    }
    let name = path
        .strip_suffix(".gz")
        .or_else(|| path.strip_suffix(".bgz"))?;
    let extension = name.rsplit('.').next()?;
    match extension {
        "gff3" => Some(TabixConfig::gff()),
        other => TabixConfig::preset(other),
    }
}

/// `tabix [-C] -p PRESET FILE` / `bcftools index [-t] FILE.vcf.gz`: writes
/// `FILE.tbi` or `FILE.csi` (VCF defaults to CSI as bcftools does, other
/// presets to TBI as tabix does).
fn index_tabix(
    path: &str,
    mut source: biometal::io::Source,
    config: TabixConfig,
    choice: Choice,
) -> biometal::Result<()> {
    let csi = match choice {
        Choice::Csi => true,
        Choice::NotCsi => false,
        Choice::Default => config == TabixConfig::vcf(),
    };
    let format = if csi {
        TabixFormat::Csi
    } else {
        TabixFormat::Tbi
    };
    let built = tabix::build(&mut source, config, format)?;
    let out = format!("{path}.{}", built.extension());
    std::fs::write(&out, built.to_bgzf_bytes()?)
        .map_err(|e| biometal::Error::from(e).with_name(out))
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

/// `bcftools index FILE.bcf`: writes `FILE.csi` (BCF has no TBI).
fn index_bcf(path: &str, choice: Choice) -> biometal::Result<()> {
    if choice == Choice::NotCsi {
        return Err(biometal::Error::unsupported(
            Format::Bcf,
            "a BCF file is indexed with CSI only (as bcftools index; drop -t)",
        ));
    }
    let built = bcf::index::build_from_path(path)?;
    let out = format!("{path}.csi");
    std::fs::write(&out, index::csi::write_bgzf(&built)?)
        .map_err(|e| biometal::Error::from(e).with_name(out))
}
