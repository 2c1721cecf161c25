//! `index [-c] FILE`: writes `FILE.bai` (or `FILE.csi` with `-c`) for a
//! coordinate-sorted BAM, like `samtools index [-c]`.
//!
//! ```text
//! cargo run --release --example index -- -c sample.bam
//! ```
use std::io::BufRead;
use std::process::ExitCode;

use biometal::index::{self, Kind};

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

/// The formats `index` understands.
enum Detected {
    Bam,
}

fn detect(path: &str) -> biometal::Result<Detected> {
    let mut source = biometal::io::open(path)?;
    if source
        .fill_buf()?
        .starts_with(biometal::formats::bam::MAGIC)
    {
        Ok(Detected::Bam)
    } else {
        Err(biometal::Error::unsupported(
            biometal::Format::Bam,
            "index supports BGZF-compressed BAM only",
        ))
    }
}

fn run(path: &str, csi: bool) -> biometal::Result<()> {
    match detect(path)? {
        Detected::Bam => index_bam(path, csi),
    }
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
