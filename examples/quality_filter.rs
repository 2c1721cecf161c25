//! `quality_filter IN [-o OUT] [--threshold P] [--batch N] [-@ N]`: keeps the
//! reads of a FASTQ file (plain, gzip or BGZF) whose predicted probability of
//! carrying more true errors than 1% of their bases is below `P` (default
//! 0.5), using the bundled model (feature `neural-engine`).
//!
//! Passing reads go to OUT (BGZF when it ends in `.gz` or `.bgz`) or to
//! standard output; stderr gets the counts, the throughput and the execution
//! provider used. `--batch` sets the micro-batch size (default 4096); `-@ N`
//! with N > 1 parses on a second thread and compresses BGZF input and output
//! with N threads. ONNX Runtime is found through `ORT_DYLIB_PATH`.
//!
//! ```text
//! ORT_DYLIB_PATH=.../onnxruntime/capi/libonnxruntime.so.1.32.0 \
//!   cargo run --release --features neural-engine --example quality_filter -- reads.fq.gz -o good.fq.gz
//! ```
use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

use biometal::formats::fastq::{Reader, Writer};
use biometal::io::{Compression, IoOptions, WriterOptions};
use biometal::neural_engine::{runtime, QualityModel, QualityStream, DEFAULT_BATCH_SIZE};

struct Options {
    input: String,
    output: Option<String>,
    threshold: f32,
    batch: usize,
    threads: usize,
}

fn main() -> ExitCode {
    let Some(options) = parse_args() else {
        eprintln!("usage: quality_filter IN [-o OUT] [--threshold P] [--batch N] [-@ N]");
        return ExitCode::FAILURE;
    };
    match run(&options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("quality_filter: {}: {error}", options.input);
            ExitCode::FAILURE
        }
    }
}

fn parse_args() -> Option<Options> {
    let mut options = Options {
        input: String::new(),
        output: None,
        threshold: 0.5,
        batch: DEFAULT_BATCH_SIZE,
        threads: 1,
    };
    let mut input = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-o" => options.output = Some(args.next()?),
            "--threshold" => {
                options.threshold = args
                    .next()?
                    .parse()
                    .ok()
                    .filter(|p: &f32| (0.0..=1.0).contains(p))?
            }
            "--batch" => options.batch = args.next()?.parse().ok().filter(|&n| n > 0)?,
            "-@" => options.threads = args.next()?.parse().ok().filter(|&n| n > 0)?,
            _ if arg.starts_with('-') && arg.len() > 1 => return None,
            _ if input.is_none() => input = Some(arg),
            _ => return None,
        }
    }
    options.input = input?;
    Some(options)
}

fn run(options: &Options) -> biometal::Result<()> {
    let started = Instant::now();
    let model = QualityModel::bundled()?;
    let provider = model.execution_provider();
    let model_seconds = started.elapsed().as_secs_f64();
    let streaming = Instant::now();
    let source = biometal::io::open_with(
        &options.input,
        &IoOptions::default().with_bgzf_threads(options.threads),
    )?;
    let reader = Reader::new(source);
    let mut stream = if options.threads > 1 {
        QualityStream::pipelined(reader, model, options.batch)
    } else {
        QualityStream::with_batch_size(reader, model, options.batch)
    };

    let output = options.output.as_deref().unwrap_or("-");
    let compression = if output.ends_with(".gz") || output.ends_with(".bgz") {
        Compression::Bgzf
    } else {
        Compression::None
    };
    let sink = biometal::io::open_writer_with(
        output,
        &WriterOptions::new(compression).with_threads(options.threads),
    )?;
    let mut writer = Writer::new(sink);
    let (mut reads, mut passed, mut bases) = (0u64, 0u64, 0u64);
    while let Some(item) = stream.next() {
        let (record, probability) = item?;
        reads += 1;
        bases += record.len() as u64;
        if probability < options.threshold {
            passed += 1;
            writer.write_record_ref(&record)?;
        }
    }
    writer.into_inner().finish()?;

    let seconds = streaming.elapsed().as_secs_f64();
    let library = runtime()?.library().display().to_string();
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(
        stderr,
        "reads: {reads}\npassed: {passed}\nfiltered: {}\nthreshold: {}\nbatch: {}\nmodel load seconds: {model_seconds:.3}\n\
         streaming seconds: {seconds:.3}\n\
         reads/s: {:.0}\nbases/s: {:.0}\nexecution provider: {}\nONNX Runtime: {library}",
        reads - passed,
        options.threshold,
        options.batch,
        reads as f64 / seconds.max(1e-9),
        bases as f64 / seconds.max(1e-9),
        provider.name(),
    );
    Ok(())
}
