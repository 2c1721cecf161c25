//! `gpu_align`: Smith-Waterman on the GPU and the CPU, side by side.
//!
//! ```text
//! gpu_align [--cpu] [--batch N] READS.fastq TARGETS.fasta
//!     streams the reads, aligns each against every target (adapters,
//!     amplicons, …) and prints, per read, tab-separated: read name, best
//!     target, score, read start-end and target start-end (0-based,
//!     end-exclusive; the starts come from a CPU traceback); GCUPS on stderr.
//!     --cpu runs on the CPU cores instead of the GPU.
//! gpu_align [--cpu] [--batch N] [--flank F] --reference REF.fa READS.bam
//!     aligns each mapped BAM record's read against its reference window
//!     (the span its alignment covers, F = 50 bases either side) fetched
//!     from the indexed FASTA (REF.fa.fai), and prints, per record: read
//!     name, reference name, score, read start-end and reference
//!     start-end (0-based, end-exclusive, on the reference); GCUPS on
//!     stderr.
//! gpu_align --check [-v] [--pairs N] [--qlen L] [--tlen L] [--seed S]
//!     aligns one random batch (reads against targets holding a mutated
//!     copy) on the CPU SIMD path (all cores) and on the GPU, prints the
//!     adapter and both GCUPS figures, and exits 1 on any difference;
//!     -v adds the GPU call's timeline, one line per chunk (milliseconds).
//! ```
//!
//! Scoring: +1 match, -4 mismatch, -1 against N, gaps 6 + 1 per base (BWA's).
use std::process::ExitCode;
use std::time::{Duration, Instant};

use biometal::align::{align_batch, traceback, Alignment, Scoring};
use biometal::formats::{bam, fasta, fastq, sam};
use biometal::gpu::{GpuAligner, GpuTiming};
use biometal::region::Interval;

fn main() -> ExitCode {
    let mut options = Options::default();
    let mut positional = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut number = |target: &mut usize| match args.next().and_then(|n| n.parse().ok()) {
            Some(n) => {
                *target = n;
                true
            }
            None => false,
        };
        let ok = match arg.as_str() {
            "--check" => {
                options.check = true;
                true
            }
            "--cpu" => {
                options.cpu = true;
                true
            }
            "-v" => {
                options.verbose = true;
                true
            }
            "--pairs" => number(&mut options.pairs),
            "--qlen" => number(&mut options.query_len),
            "--tlen" => number(&mut options.target_len),
            "--seed" => number(&mut options.seed),
            "--batch" => number(&mut options.batch),
            "--flank" => number(&mut options.flank),
            "--reference" => match args.next() {
                Some(path) => {
                    options.reference = Some(path);
                    true
                }
                None => false,
            },
            _ if arg.starts_with('-') => false,
            _ => {
                positional.push(arg);
                true
            }
        };
        if !ok {
            return usage();
        }
    }
    let scoring = match Scoring::dna(1, -4, -1, 6, 1) {
        Ok(scoring) => scoring,
        Err(err) => return fail(&err.to_string()),
    };
    let outcome = match (options.check, positional.as_slice()) {
        (true, []) => check(&options, &scoring),
        (false, [reads]) => match &options.reference {
            Some(reference) => align_bam(&options, reads, reference, &scoring),
            None => return usage(),
        },
        (false, [reads, targets]) => align_files(&options, reads, targets, &scoring),
        _ => return usage(),
    };
    match outcome {
        Ok(code) => code,
        Err(message) => fail(&message),
    }
}

struct Options {
    check: bool,
    cpu: bool,
    verbose: bool,
    pairs: usize,
    query_len: usize,
    target_len: usize,
    seed: usize,
    batch: usize,
    flank: usize,
    reference: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            check: false,
            cpu: false,
            verbose: false,
            pairs: 262_144,
            query_len: 150,
            target_len: 300,
            seed: 1,
            batch: 65_536,
            flank: 50,
            reference: None,
        }
    }
}

fn usage() -> ExitCode {
    eprintln!(
        "usage: gpu_align [--cpu] [--batch N] READS.fastq TARGETS.fasta\n       \
         gpu_align [--cpu] [--batch N] [--flank F] --reference REF.fa READS.bam\n       \
         gpu_align --check [-v] [--pairs N] [--qlen L] [--tlen L] [--seed S]"
    );
    ExitCode::from(2)
}

fn fail(message: &str) -> ExitCode {
    eprintln!("gpu_align: {message}");
    ExitCode::FAILURE
}

fn gcups(pairs: &[(Vec<u8>, Vec<u8>)], seconds: f64) -> f64 {
    let cells: f64 = pairs.iter().map(|(q, t)| (q.len() * t.len()) as f64).sum();
    cells / seconds.max(1e-9) / 1e9
}

/// Random reads against targets holding a copy with ~5% substitutions and
/// an occasional deletion, in random flanks (seeded xorshift).
fn random_batch(options: &Options) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut state = (options.seed as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    (0..options.pairs)
        .map(|_| {
            let query: Vec<u8> = (0..options.query_len)
                .map(|_| b"ACGT"[(next() % 4) as usize])
                .collect();
            let mut target: Vec<u8> = (0..options.target_len)
                .map(|_| b"ACGT"[(next() % 4) as usize])
                .collect();
            let start =
                next() as usize % (options.target_len.saturating_sub(options.query_len) + 1);
            for (offset, &base) in query.iter().enumerate() {
                if let Some(slot) = target.get_mut(start + offset) {
                    *slot = if next() % 20 == 0 {
                        b"ACGT"[(next() % 4) as usize]
                    } else {
                        base
                    };
                }
            }
            if next() % 4 == 0 && !target.is_empty() {
                target.remove(next() as usize % target.len());
            }
            (query, target)
        })
        .collect()
}

fn check(options: &Options, scoring: &Scoring) -> Result<ExitCode, String> {
    let aligner = GpuAligner::new().map_err(|err| err.to_string())?;
    println!("adapter: {}", aligner.adapter_info());
    let pairs = random_batch(options);
    println!(
        "batch: {} pairs, {} x {}, {} CPU threads ({})",
        pairs.len(),
        options.query_len,
        options.target_len,
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        biometal::simd::active_level()
    );
    let started = Instant::now();
    let cpu = align_batch(&pairs, scoring);
    let cpu_seconds = started.elapsed().as_secs_f64();
    // Warm up, right before the timed call (an idle GPU lowers its
    // clocks): pipelines, buffers sized for this batch, thread start.
    aligner
        .align_batch(&pairs, scoring)
        .map_err(|e| e.to_string())?;
    let (gpu, timing) = aligner
        .align_batch_timed(&pairs, scoring)
        .map_err(|e| e.to_string())?;
    println!(
        "cpu simd (all cores): {:8.3} s {:9.1} GCUPS",
        cpu_seconds,
        gcups(&pairs, cpu_seconds)
    );
    let end_to_end = timing.end_to_end.as_secs_f64();
    println!(
        "gpu end to end:       {:8.3} s {:9.1} GCUPS",
        end_to_end,
        gcups(&pairs, end_to_end)
    );
    if let Some(kernel) = timing.kernel {
        let kernel = kernel.as_secs_f64();
        println!(
            "gpu kernels only:     {:8.3} s {:9.1} GCUPS (sum over {} chunks)",
            kernel,
            gcups(&pairs, kernel),
            timing.chunks
        );
    }
    if let (Some(span), Some(slowest)) = (timing.kernel_span, timing.kernel_slowest_chunk) {
        println!(
            "gpu first kernel start to last kernel end: {:.3} s, slowest chunk {:.4} s",
            span.as_secs_f64(),
            slowest.as_secs_f64()
        );
    }
    println!(
        "host: ordering and splitting {:.4} s, first chunk submitted at {:.4} s, \
         packing into upload buffers {:.4} s ({:.1} MB), waiting for the GPU {:.4} s",
        timing.preparing.as_secs_f64(),
        timing.first_submit.as_secs_f64(),
        timing.packing.as_secs_f64(),
        timing.packed_bytes as f64 / 1e6,
        timing.waiting.as_secs_f64()
    );
    if options.verbose {
        print_timeline(&timing);
        print_host_floor(&pairs);
    }
    println!(
        "gpu / cpu (end to end): {:.1}x",
        cpu_seconds / end_to_end.max(1e-9)
    );
    let differences: Vec<usize> = (0..pairs.len()).filter(|&i| cpu[i] != gpu[i]).collect();
    for &i in differences.iter().take(10) {
        eprintln!("pair {i}: cpu {:?}, gpu {:?}", cpu[i], gpu[i]);
    }
    if differences.is_empty() {
        println!("identical: {} results", pairs.len());
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("{} of {} results differ", differences.len(), pairs.len());
        Ok(ExitCode::FAILURE)
    }
}

/// What the host needs at least: reading every residue once on all cores,
/// and starting and joining a thread per core.
fn print_host_floor(pairs: &[(Vec<u8>, Vec<u8>)]) {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let started = Instant::now();
    let sum: u64 = std::thread::scope(|scope| {
        let parts: Vec<_> = pairs
            .chunks(pairs.len().div_ceil(threads).max(1))
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|(query, target)| {
                            query
                                .iter()
                                .chain(target)
                                .map(|&b| u64::from(b))
                                .sum::<u64>()
                        })
                        .sum::<u64>()
                })
            })
            .collect();
        parts.into_iter().map(|part| part.join().unwrap_or(0)).sum()
    });
    let reading = started.elapsed();
    let started = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| ());
        }
    });
    println!(
        "host floor: reading every residue on {threads} threads {:.2} ms (sum {sum}), \
         starting and joining {threads} threads {:.3} ms",
        reading.as_secs_f64() * 1e3,
        started.elapsed().as_secs_f64() * 1e3
    );
}

/// One line per chunk: host offsets from the call's start and durations,
/// GPU offsets from the first compute pass's start, in milliseconds.
fn print_timeline(timing: &GpuTiming) {
    let ms = |duration: Duration| duration.as_secs_f64() * 1e3;
    println!(
        "chunk   pairs |  start    map   pack submit submitted | kernel from     to | \
         readback   wait unpack"
    );
    for (chunk, times) in timing.chunk_timeline.iter().enumerate() {
        let (from, to) = times
            .kernel
            .map_or((f64::NAN, f64::NAN), |(from, to)| (ms(from), ms(to)));
        println!(
            "{chunk:5} {:7} | {:6.2} {:6.2} {:6.2} {:6.2} {:9.2} | {:11.2} {:6.2} | \
             {:8.2} {:6.2} {:6.2}",
            times.pairs,
            ms(times.started),
            ms(times.map_waiting),
            ms(times.packing),
            ms(times.submitting),
            ms(times.submitted),
            from,
            to,
            ms(times.readback_started),
            ms(times.readback_waiting),
            ms(times.unpacking),
        );
    }
}

fn align_files(
    options: &Options,
    reads: &str,
    targets: &str,
    scoring: &Scoring,
) -> Result<ExitCode, String> {
    let mut target_reader =
        fasta::Reader::from_path(targets).map_err(|e| format!("{targets}: {e}"))?;
    let mut target_set: Vec<(String, Vec<u8>)> = Vec::new();
    while let Some(record) = target_reader.next_record() {
        let record = record.map_err(|e| format!("{targets}: {e}"))?;
        target_set.push((
            String::from_utf8_lossy(record.name()).into_owned(),
            record.sequence().to_vec(),
        ));
    }
    if target_set.is_empty() {
        return Err(format!("{targets}: no sequences"));
    }
    let aligner = match options.cpu {
        true => None,
        false => Some(GpuAligner::new().map_err(|e| e.to_string())?),
    };
    match &aligner {
        Some(aligner) => eprintln!("aligning on {}", aligner.adapter_info()),
        None => eprintln!("aligning on the CPU ({})", biometal::simd::active_level()),
    }
    let mut reader = fastq::Reader::from_path(reads).map_err(|e| format!("{reads}: {e}"))?;
    let reads_per_batch = (options.batch / target_set.len()).max(1);
    let mut names: Vec<String> = Vec::new();
    let mut pairs: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    let (mut cells, mut busy) = (0f64, 0f64);
    let mut done = false;
    while !done {
        names.clear();
        pairs.clear();
        while names.len() < reads_per_batch {
            let Some(record) = reader.next_record() else {
                done = true;
                break;
            };
            let record = record.map_err(|e| format!("{reads}: {e}"))?;
            names.push(String::from_utf8_lossy(record.name()).into_owned());
            for (_, target) in &target_set {
                pairs.push((record.sequence().to_vec(), target.clone()));
            }
        }
        let started = Instant::now();
        let hits: Vec<Alignment> = match &aligner {
            Some(aligner) => aligner
                .align_batch(&pairs, scoring)
                .map_err(|e| e.to_string())?,
            None => align_batch(&pairs, scoring),
        };
        busy += started.elapsed().as_secs_f64();
        cells += pairs
            .iter()
            .map(|(q, t)| (q.len() * t.len()) as f64)
            .sum::<f64>();
        for (read, name) in names.iter().enumerate() {
            let row = &hits[read * target_set.len()..(read + 1) * target_set.len()];
            // First target among the best scores.
            let Some((best, hit)) = row
                .iter()
                .enumerate()
                .rev()
                .max_by_key(|(_, hit)| hit.score)
            else {
                continue;
            };
            let (query, target) = &pairs[read * target_set.len() + best];
            let path = traceback(query, target, scoring, hit);
            println!(
                "{name}\t{}\t{}\t{}-{}\t{}-{}",
                target_set[best].0,
                hit.score,
                path.query_start,
                hit.query_end,
                path.target_start,
                hit.target_end
            );
        }
    }
    eprintln!(
        "{:.3} s aligning, {:.1} GCUPS",
        busy,
        cells / busy.max(1e-9) / 1e9
    );
    Ok(ExitCode::SUCCESS)
}

/// One BAM record's pair: its read and its reference window.
struct Window {
    name: String,
    reference_id: usize,
    /// 0-based start of the window on the reference.
    start: u64,
}

/// `--reference`: each mapped record's read against the reference around
/// its alignment, in batches (pair buffers reused from batch to batch).
fn align_bam(
    options: &Options,
    reads: &str,
    reference: &str,
    scoring: &Scoring,
) -> Result<ExitCode, String> {
    let fasta =
        fasta::IndexedReader::from_path(reference).map_err(|e| format!("{reference}: {e}"))?;
    let mut reader = bam::Reader::from_path(reads).map_err(|e| format!("{reads}: {e}"))?;
    let header = reader.read_header().map_err(|e| format!("{reads}: {e}"))?;
    let references = header.reference_sequences();
    let aligner = match options.cpu {
        true => None,
        false => Some(GpuAligner::new().map_err(|e| e.to_string())?),
    };
    match &aligner {
        Some(aligner) => eprintln!("aligning on {}", aligner.adapter_info()),
        None => eprintln!("aligning on the CPU ({})", biometal::simd::active_level()),
    }
    let flank = options.flank as u64;
    let batch = options.batch.max(1);
    let mut record = sam::Record::default();
    let mut windows: Vec<Window> = Vec::new();
    let mut pairs: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    let (mut cells, mut busy) = (0f64, 0f64);
    let mut done = false;
    while !done {
        let mut used = 0;
        while used < batch {
            if !reader
                .read_record(&mut record)
                .map_err(|e| format!("{reads}: {e}"))?
            {
                done = true;
                break;
            }
            let view = record.as_ref();
            let (Some(reference_id), Some(start), Some(end)) = (
                view.reference_id(),
                view.alignment_start(),
                view.alignment_end(),
            ) else {
                continue;
            };
            if view.flags().is_unmapped() || view.sequence().is_empty() {
                continue;
            }
            let Some(sequence) = references.get(reference_id) else {
                continue;
            };
            // 1-based inclusive [start, end] is 0-based [start - 1, end).
            let window_start = (start.get() - 1).saturating_sub(flank);
            let window = Interval::new(window_start, end.get().saturating_add(flank))
                .map_err(|e| e.to_string())?;
            if used == pairs.len() {
                pairs.push(Default::default());
                windows.push(Window {
                    name: String::new(),
                    reference_id: 0,
                    start: 0,
                });
            }
            let (read, target) = &mut pairs[used];
            read.clear();
            view.sequence().decode_into(read);
            fasta
                .fetch_into(sequence.name().as_bytes(), window, target)
                .map_err(|e| format!("{reference}: {e}"))?;
            let slot = &mut windows[used];
            slot.name.clear();
            slot.name.push_str(&String::from_utf8_lossy(view.name()));
            slot.reference_id = reference_id;
            slot.start = window_start;
            used += 1;
        }
        let pairs = &pairs[..used];
        let started = Instant::now();
        let hits: Vec<Alignment> = match &aligner {
            Some(aligner) => aligner
                .align_batch(pairs, scoring)
                .map_err(|e| e.to_string())?,
            None => align_batch(pairs, scoring),
        };
        busy += started.elapsed().as_secs_f64();
        cells += pairs
            .iter()
            .map(|(q, t)| (q.len() * t.len()) as f64)
            .sum::<f64>();
        for ((window, (read, target)), hit) in windows.iter().zip(pairs).zip(&hits) {
            let path = traceback(read, target, scoring, hit);
            println!(
                "{}\t{}\t{}\t{}-{}\t{}-{}",
                window.name,
                references[window.reference_id].name(),
                hit.score,
                path.query_start,
                hit.query_end,
                window.start + path.target_start as u64,
                window.start + hit.target_end as u64
            );
        }
    }
    eprintln!(
        "{:.3} s aligning, {:.1} GCUPS",
        busy,
        cells / busy.max(1e-9) / 1e9
    );
    Ok(ExitCode::SUCCESS)
}
