//! Multi-threaded compression for the BGZF writer: persistent workers, each
//! with its own compressor, take blocks from one queue; the writer's thread
//! puts finished blocks back in order and writes them. At most
//! `max_in_flight` blocks are submitted and unwritten at any time, and their
//! buffers are recycled, so memory does not grow with the output.

use std::collections::VecDeque;
use std::io::{self, Write};
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};

use super::{BlockEncoder, Output};
use crate::bgzf::{DEFAULT_BLOCK_DATA_SIZE, MAX_BLOCK_SIZE};
use crate::error::{Error, Format, Result};

/// How long [`Pool::drain`] waits for the workers.
#[derive(Clone, Copy, Debug)]
pub(super) enum Drain {
    /// Write the blocks already finished, without waiting.
    Ready,
    /// Wait until fewer than `max_in_flight` blocks are unwritten, so that
    /// one more can be submitted.
    BelowLimit,
    /// Wait until every submitted block has been written.
    All,
}

/// One block's buffers, travelling to a worker and back.
struct Job {
    /// Submission order, from 0.
    sequence: u64,
    /// The uncompressed data, at most `DEFAULT_BLOCK_DATA_SIZE` bytes.
    data: Vec<u8>,
    /// `MAX_BLOCK_SIZE` bytes; the first `block_len` hold the BGZF block.
    block: Vec<u8>,
    block_len: usize,
}

pub(super) struct Pool {
    /// `None` only while dropping, to stop the workers.
    jobs: Option<Sender<Job>>,
    finished: Receiver<Job>,
    workers: Vec<JoinHandle<()>>,
    /// Finished blocks waiting for their turn; index 0 is `next_to_write`.
    reorder: VecDeque<Option<Job>>,
    next_to_submit: u64,
    next_to_write: u64,
    /// Buffers of written blocks, for reuse.
    spare: Vec<Job>,
    max_in_flight: usize,
}

impl Pool {
    /// Starts `threads` workers compressing at `level` (already validated).
    pub(super) fn new(level: u32, threads: usize, max_in_flight: usize) -> Result<Self> {
        let (jobs, job_queue) = mpsc::channel::<Job>();
        let job_queue = Arc::new(Mutex::new(job_queue));
        let (finished_sender, finished) = mpsc::channel();
        let workers = (0..threads)
            .map(|index| {
                let job_queue = Arc::clone(&job_queue);
                let finished_sender = finished_sender.clone();
                thread::Builder::new()
                    .name(format!("bgzf-deflate-{index}"))
                    .spawn(move || compress_jobs(level, &job_queue, &finished_sender))
                    .map_err(|e| Error::io(Format::Bgzf, e))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Pool {
            jobs: Some(jobs),
            finished,
            workers,
            reorder: VecDeque::with_capacity(max_in_flight),
            next_to_submit: 0,
            next_to_write: 0,
            spare: Vec::with_capacity(max_in_flight),
            max_in_flight,
        })
    }

    /// Sends the block in `data` to the workers, leaving `data` an empty
    /// recycled buffer. Call [`drain`](Self::drain) with
    /// [`Drain::BelowLimit`] first.
    pub(super) fn submit(&mut self, data: &mut Vec<u8>) -> io::Result<()> {
        debug_assert!(self.in_flight() < self.max_in_flight);
        let mut job = self.spare.pop().unwrap_or_else(|| Job {
            sequence: 0,
            data: Vec::with_capacity(DEFAULT_BLOCK_DATA_SIZE),
            block: vec![0; MAX_BLOCK_SIZE],
            block_len: 0,
        });
        job.data.clear();
        std::mem::swap(&mut job.data, data);
        job.sequence = self.next_to_submit;
        let sent = match &self.jobs {
            Some(jobs) => jobs.send(job).is_ok(),
            None => false,
        };
        if !sent {
            return Err(workers_stopped());
        }
        self.next_to_submit += 1;
        Ok(())
    }

    /// Writes finished blocks to `output` in submission order, waiting for
    /// the workers as `drain` says.
    pub(super) fn drain<W: Write>(
        &mut self,
        drain: Drain,
        output: &mut Output<W>,
    ) -> io::Result<()> {
        loop {
            while let Some(Some(_)) = self.reorder.front() {
                if let Some(job) = self.reorder.pop_front().flatten() {
                    output.write_block(&job.block[..job.block_len], job.data.len())?;
                    self.next_to_write += 1;
                    self.spare.push(job);
                }
            }
            let must_wait = match drain {
                Drain::Ready => false,
                Drain::BelowLimit => self.in_flight() >= self.max_in_flight,
                Drain::All => self.in_flight() > 0,
            };
            let job = if must_wait {
                self.finished.recv().map_err(|_| workers_stopped())?
            } else {
                match self.finished.try_recv() {
                    Ok(job) => job,
                    Err(TryRecvError::Empty) => return Ok(()),
                    Err(TryRecvError::Disconnected) => return Err(workers_stopped()),
                }
            };
            // Every job in flight has `next_to_write <= sequence <
            // next_to_submit`, so the slot is below `max_in_flight`.
            let slot = (job.sequence - self.next_to_write) as usize;
            if self.reorder.len() <= slot {
                self.reorder.resize_with(slot + 1, || None);
            }
            self.reorder[slot] = Some(job);
        }
    }

    fn in_flight(&self) -> usize {
        (self.next_to_submit - self.next_to_write) as usize
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        // Closing the queue ends each worker's loop.
        self.jobs = None;
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
    }
}

/// A worker's loop: compress jobs until the queue closes or the writer is
/// gone.
fn compress_jobs(level: u32, job_queue: &Mutex<Receiver<Job>>, finished: &Sender<Job>) {
    let mut encoder = BlockEncoder::new(level);
    loop {
        let next = match job_queue.lock() {
            Ok(queue) => queue.recv(),
            Err(_) => return,
        };
        let Ok(mut job) = next else { return };
        job.block_len = encoder.encode(&job.data, &mut job.block);
        if finished.send(job).is_err() {
            return;
        }
    }
}

fn workers_stopped() -> io::Error {
    Error::new(
        crate::error::ErrorKind::Io,
        Format::Bgzf,
        "the BGZF compression threads stopped unexpectedly",
    )
    .into()
}
