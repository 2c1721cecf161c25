//! `bgzip`: compress a file to BGZF, or decompress one, as htslib's `bgzip`
//! does.
//!
//! ```text
//! bgzip [-c] [-d] [-f] [-k] [-i] [-I INDEX] [-@ N] [-l LEVEL] [FILE]
//! ```
//!
//! * `bgzip FILE` writes `FILE.gz` and removes `FILE` (keep it with `-k`);
//!   `bgzip -d FILE.gz` writes `FILE` and removes `FILE.gz`.
//! * `-c` writes to standard output and keeps the input; with no `FILE` (or
//!   `-`) standard input goes to standard output.
//! * `-i` also writes the `.gzi` index, `FILE.gz.gzi` (or `-I INDEX`).
//! * `-@ N` compresses (or decompresses) with `N` threads; `-l LEVEL` sets
//!   the compression level, 0 to 12 (-1: the default, 6).
//! * `-f` overwrites existing files and writes compressed data to a terminal.
//!
//! Decompressing a file without the BGZF end-of-file marker prints bgzip's
//! warning and carries on; any error prints one line and exits with 1.
//!
//! Try it: `cargo run --release --example bgzip -- -c Cargo.toml | bgzip -dc`.

use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use biometal::bgzf::{self, ReaderBuilder, WriterBuilder};

const USAGE: &str = "\
Usage: bgzip [OPTIONS] [FILE]
Options:
   -c, --stdout               write on standard output, keep the input file
   -d, --decompress           decompress
   -f, --force                overwrite files; write compressed data to a terminal
   -k, --keep                 don't delete the input file
   -i, --index                compress and write a .gzi index
   -I, --index-name FILE      name of the .gzi index [FILE.gz.gzi]
   -l, --compress-level INT   compression level, 0 to 12, or -1 for the default [6]
   -@, --threads INT          number of threads [1]
   -h, --help                 print this help";

/// The command line, parsed.
#[derive(Debug, Default)]
struct Options {
    decompress: bool,
    to_stdout: bool,
    force: bool,
    keep: bool,
    index: bool,
    index_name: Option<PathBuf>,
    level: Option<u32>,
    threads: usize,
    /// `None` for standard input.
    file: Option<PathBuf>,
}

fn main() -> ExitCode {
    let options = match parse_args(std::env::args().skip(1)) {
        Ok(Some(options)) => options,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("bgzip: {message} (see bgzip -h)");
            return ExitCode::FAILURE;
        }
    };
    let result = if options.decompress {
        decompress(&options)
    } else {
        compress(&options)
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("bgzip: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Parses getopt-style arguments: short flags may be grouped (`-dc`), a
/// value may be attached (`-@4`, `-l9`) or follow (`-@ 4`), `--` ends the
/// options. `Ok(None)` asks for the help text.
fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Option<Options>, String> {
    let mut options = Options {
        threads: 1,
        ..Options::default()
    };
    let mut files = Vec::new();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        if arg == "--" {
            files.extend(args.by_ref());
        } else if let Some(long) = arg.strip_prefix("--") {
            let (name, attached) = match long.split_once('=') {
                Some((name, value)) => (name, Some(value.to_owned())),
                None => (long, None),
            };
            let short = match name {
                "stdout" => 'c',
                "decompress" => 'd',
                "force" => 'f',
                "keep" => 'k',
                "index" => 'i',
                "index-name" => 'I',
                "compress-level" => 'l',
                "threads" => '@',
                "help" => 'h',
                _ => return Err(format!("unknown option --{name}")),
            };
            if !apply(&mut options, short, || attached.or_else(|| args.next()))? {
                return Ok(None);
            }
        } else if arg.len() > 1 && arg.starts_with('-') && arg != "-" {
            for (at, flag) in arg[1..].char_indices() {
                // A flag taking a value takes the rest of the group, if any.
                let rest = &arg[1 + at + flag.len_utf8()..];
                let mut took_rest = false;
                let next_value = || {
                    if rest.is_empty() {
                        args.next()
                    } else {
                        took_rest = true;
                        Some(rest.to_owned())
                    }
                };
                if !apply(&mut options, flag, next_value)? {
                    return Ok(None);
                }
                if took_rest {
                    break;
                }
            }
        } else {
            files.push(arg);
        }
    }
    match files.as_slice() {
        [] => {}
        [file] if file == "-" => {}
        [file] => options.file = Some(PathBuf::from(file)),
        _ => return Err("give at most one FILE".to_owned()),
    }
    Ok(Some(options))
}

/// Applies one option; `value` supplies its argument if it takes one.
/// Returns `false` for `-h`.
fn apply(
    options: &mut Options,
    flag: char,
    value: impl FnOnce() -> Option<String>,
) -> Result<bool, String> {
    let required = || value().ok_or_else(|| format!("option -{flag} needs a value"));
    match flag {
        'c' => options.to_stdout = true,
        'd' => options.decompress = true,
        'f' => options.force = true,
        'k' => options.keep = true,
        'i' => options.index = true,
        'I' => options.index_name = Some(PathBuf::from(required()?)),
        'l' => {
            let text = required()?;
            options.level = match text.parse::<i64>() {
                Ok(-1) => None,
                Ok(level) if (0..=i64::from(bgzf::MAX_COMPRESSION_LEVEL)).contains(&level) => {
                    Some(level as u32)
                }
                _ => {
                    return Err(format!(
                        "invalid compression level '{text}': expected -1 to 12"
                    ))
                }
            };
        }
        '@' => {
            let text = required()?;
            options.threads = text
                .parse()
                .map_err(|_| format!("invalid number of threads '{text}'"))?;
        }
        'h' => return Ok(false),
        _ => return Err(format!("unknown option -{flag}")),
    }
    Ok(true)
}

fn compress(options: &Options) -> Result<(), String> {
    let output_path = match (&options.file, options.to_stdout) {
        (Some(file), false) => Some(with_suffix(file, ".gz")),
        _ => None,
    };
    let index_path = match (&options.index_name, &options.file) {
        _ if !options.index => None,
        (Some(name), _) => Some(name.clone()),
        (None, Some(file)) => Some(with_suffix(&with_suffix(file, ".gz"), ".gzi")),
        (None, None) => {
            return Err("index file name expected when writing to stdout (use -I)".into())
        }
    };
    if output_path.is_none() && io::stdout().is_terminal() && !options.force {
        return Err("compressed data not written to a terminal; use -f to force".into());
    }

    let input = open_input(options.file.as_deref())?;
    let output = create_output(output_path.as_deref(), options.force)?;
    let builder = WriterBuilder::new()
        .level(options.level.unwrap_or(bgzf::DEFAULT_COMPRESSION_LEVEL))
        .threads(options.threads)
        .gzi(index_path.is_some());
    let result = builder
        .build(output)
        .map_err(|e| e.to_string())
        .and_then(|mut writer| {
            copy(input, &mut writer, options.file.as_deref())?;
            let (output, index) = writer
                .finish_with_gzi()
                .map_err(|e| output_error(&output_path, e))?;
            drop(output);
            if let Some(index_path) = &index_path {
                let file = create_file(index_path, options.force)?;
                index
                    .write(io::BufWriter::new(file))
                    .map_err(|e| format!("{}: {e}", index_path.display()))?;
            }
            Ok(())
        });
    finish(result, options, output_path.as_deref())
}

fn decompress(options: &Options) -> Result<(), String> {
    let output_path = match (&options.file, options.to_stdout) {
        (Some(file), false) => Some(without_compressed_suffix(file)?),
        _ => None,
    };
    let input = open_input(options.file.as_deref())?;
    let mut output = create_output(output_path.as_deref(), options.force)?;
    let mut reader = ReaderBuilder::new()
        .threads(options.threads)
        .require_eof_marker(false)
        .build(input);
    let result = copy(&mut reader, &mut output, options.file.as_deref()).and_then(|()| {
        output.flush().map_err(|e| output_error(&output_path, e))?;
        if reader.eof_marker_missing() {
            eprintln!("bgzip: warning: EOF marker is absent; the input may be truncated");
        }
        Ok(())
    });
    drop(output);
    finish(result, options, output_path.as_deref())
}

/// After compressing or decompressing: on success remove the input file
/// (unless `-c`, `-k` or standard input), on failure the partial output.
fn finish(
    result: Result<(), String>,
    options: &Options,
    output_path: Option<&Path>,
) -> Result<(), String> {
    match (&result, output_path, &options.file) {
        (Ok(()), Some(_), Some(input)) if !options.keep => {
            fs::remove_file(input).map_err(|e| format!("{}: {e}", input.display()))?
        }
        (Err(_), Some(output), _) => {
            let _ = fs::remove_file(output);
        }
        _ => {}
    }
    result
}

/// Copies everything from `input` to `output`, naming the input in errors.
/// Writes straight from the reader's buffer (for the BGZF reader: its
/// decoded block), so the data is never copied in between.
fn copy(
    mut input: impl BufRead,
    output: &mut impl Write,
    name: Option<&Path>,
) -> Result<(), String> {
    loop {
        let chunk = match input.fill_buf() {
            Ok([]) => return Ok(()),
            Ok(chunk) => chunk,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(format!("{}: {e}", display_name(name))),
        };
        output
            .write_all(chunk)
            .map_err(|e| format!("writing output: {e}"))?;
        let n = chunk.len();
        input.consume(n);
    }
}

fn open_input(path: Option<&Path>) -> Result<Box<dyn BufRead>, String> {
    match path {
        None => Ok(Box::new(io::stdin().lock())),
        Some(path) => {
            let file = File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
            Ok(Box::new(BufReader::with_capacity(1 << 17, file)))
        }
    }
}

/// Output buffering: small writes are gathered, while whole decoded blocks
/// (up to 64 KiB, larger than this) bypass the buffer and are written
/// without a copy.
const OUTPUT_BUFFER: usize = 1 << 15;

fn create_output(path: Option<&Path>, force: bool) -> Result<Box<dyn Write>, String> {
    match path {
        None => Ok(Box::new(io::BufWriter::with_capacity(
            OUTPUT_BUFFER,
            raw_stdout(),
        ))),
        Some(path) => Ok(Box::new(io::BufWriter::with_capacity(
            OUTPUT_BUFFER,
            create_file(path, force)?,
        ))),
    }
}

/// Standard output without Rust's line buffering (which would scan binary
/// data for newlines and split writes at them).
#[cfg(unix)]
fn raw_stdout() -> Box<dyn Write> {
    use std::os::fd::AsFd;
    match io::stdout().as_fd().try_clone_to_owned() {
        Ok(fd) => Box::new(File::from(fd)),
        Err(_) => Box::new(io::stdout().lock()),
    }
}

#[cfg(not(unix))]
fn raw_stdout() -> Box<dyn Write> {
    Box::new(io::stdout().lock())
}

/// Creates `path`, refusing to replace an existing file unless `force`.
fn create_file(path: &Path, force: bool) -> Result<File, String> {
    let mut options = File::options();
    options.write(true);
    if force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    options.open(path).map_err(|e| match e.kind() {
        io::ErrorKind::AlreadyExists => {
            format!("{} already exists; use -f to overwrite", path.display())
        }
        _ => format!("{}: {e}", path.display()),
    })
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// `FILE.gz` (or `FILE.bgz`) → `FILE`.
fn without_compressed_suffix(path: &Path) -> Result<PathBuf, String> {
    match path.extension().and_then(|extension| extension.to_str()) {
        Some("gz" | "bgz") => Ok(path.with_extension("")),
        _ => Err(format!(
            "{}: unknown suffix (expected .gz or .bgz); use -c to decompress to standard output",
            path.display()
        )),
    }
}

fn output_error(path: &Option<PathBuf>, error: impl std::fmt::Display) -> String {
    match path {
        Some(path) => format!("{}: {error}", path.display()),
        None => format!("standard output: {error}"),
    }
}

fn display_name(path: Option<&Path>) -> String {
    path.map_or_else(|| "standard input".to_owned(), |p| p.display().to_string())
}
