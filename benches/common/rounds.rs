//! Interleaved timing rounds: every job of a comparison runs once per round,
//! the order reversed every other round (ABBA), and each pair's ratio is
//! taken round by round.
//!
//! The 16-core bench host is a virtual machine whose single-thread speed
//! drifts by up to 25 % over seconds, whatever runs (session 6: ten passes
//! of the same count in one process took 0.82–1.13 s). Criterion times
//! one job for a minute and then the next, and a one-shot run times each job
//! once, so either can hand a drift to one side of a comparison; in
//! alternated rounds a drift reaches both sides of a pair alike.

use std::hint::black_box;
use std::time::Instant;

/// A job to time: its name (`job/decoder`) and the work, returning a
/// checksum kept from the optimizer.
pub type Job<'a> = (String, &'a dyn Fn() -> usize);

/// Runs `rounds` rounds of `jobs` (forward in even rounds, backward in odd
/// ones), printing `round, job, seconds` for each run; returns the seconds
/// as `times[job][round]`.
pub fn run(rounds: usize, jobs: &[Job]) -> Vec<Vec<f64>> {
    let mut times = vec![Vec::with_capacity(rounds); jobs.len()];
    for round in 0..rounds {
        let order: Vec<usize> = if round % 2 == 0 {
            (0..jobs.len()).collect()
        } else {
            (0..jobs.len()).rev().collect()
        };
        for index in order {
            let (name, work) = &jobs[index];
            let started = Instant::now();
            black_box(work());
            let seconds = started.elapsed().as_secs_f64();
            println!("round {round}\t{name}\t{seconds:.3}");
            times[index].push(seconds);
        }
    }
    times
}

/// Prints each job's median and fastest time, and for each `(ours, peer)`
/// pair of job indices the median of the per-round ratios `peer / ours`
/// (above 1: ours is faster) with their range.
pub fn summarize(jobs: &[Job], times: &[Vec<f64>], pairs: &[(usize, usize)]) {
    for ((name, _), seconds) in jobs.iter().zip(times) {
        println!(
            "median\t{name}\t{:.3}\tmin {:.3}",
            median(seconds),
            seconds.iter().copied().fold(f64::INFINITY, f64::min)
        );
    }
    for &(ours, peer) in pairs {
        let ratios: Vec<f64> = times[peer]
            .iter()
            .zip(&times[ours])
            .map(|(peer, ours)| peer / ours)
            .collect();
        let low = ratios.iter().copied().fold(f64::INFINITY, f64::min);
        let high = ratios.iter().copied().fold(0.0, f64::max);
        println!(
            "ratio\t{} / {}\t{:.3}x\t(rounds {low:.3}-{high:.3})",
            jobs[peer].0,
            jobs[ours].0,
            median(&ratios)
        );
    }
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}
