//! Slice-parallel CRAM decoding: persistent workers, whole containers
//! shared between them, a bounded number of slices in flight, records
//! consumed in file order.
//!
//! The caller's thread reads each container whole (raw bytes; so the
//! source need not be `Send`) and parses its compression header, then
//! queues one job per slice. A worker decompresses the slice's blocks and
//! decodes its records into a batch it sends back on the job's own
//! channel; the caller takes batches strictly in queue order and recycles
//! spent batches and container buffers. A read error is queued behind the
//! slices before it, so every error surfaces exactly where the
//! single-threaded reader reports it.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use super::reader::{Container, FileContext};
use super::slice::SliceDecoder;
use crate::formats::sam::record::Record;
use crate::{Error, ErrorKind, Format, Result};

/// Slices queued and not yet consumed, per worker: enough to keep every
/// worker busy while the caller consumes one batch.
const SLICES_IN_FLIGHT_PER_WORKER: usize = 2;

/// One slice to decode.
struct Job {
    context: Arc<FileContext>,
    container: Arc<Container>,
    slice: usize,
    records: Vec<Record>,
    reply: SyncSender<Done>,
}

/// A decoded slice.
struct Done {
    container: Arc<Container>,
    records: Vec<Record>,
    result: Result<usize>,
}

enum Pending {
    Slice(Receiver<Done>),
    Failed(Error),
}

/// The worker pool and the in-order queue of slices.
pub(crate) struct Pipeline {
    jobs: Option<Sender<Job>>,
    workers: Vec<JoinHandle<()>>,
    /// Set when the reader is dropped: queued jobs are skipped.
    cancelled: Arc<AtomicBool>,
    queue: VecDeque<Pending>,
    free_batches: Vec<Vec<Record>>,
    free_bodies: Vec<Vec<u8>>,
    max_in_flight: usize,
}

impl Pipeline {
    /// Spawns up to `workers` threads; `None` if not even one could be
    /// spawned (the caller then decodes inline).
    pub fn new(workers: usize) -> Option<Self> {
        let (job_sender, job_receiver) = mpsc::channel::<Job>();
        let job_receiver = Arc::new(Mutex::new(job_receiver));
        let cancelled = Arc::new(AtomicBool::new(false));
        let mut handles = Vec::with_capacity(workers);
        for n in 0..workers {
            let jobs = Arc::clone(&job_receiver);
            let cancelled = Arc::clone(&cancelled);
            let spawned = std::thread::Builder::new()
                .name(format!("cram-decode-{n}"))
                .spawn(move || work(&jobs, &cancelled));
            match spawned {
                Ok(handle) => handles.push(handle),
                Err(_) => break,
            }
        }
        if handles.is_empty() {
            return None;
        }
        let max_in_flight = handles.len() * SLICES_IN_FLIGHT_PER_WORKER;
        Some(Pipeline {
            jobs: Some(job_sender),
            workers: handles,
            cancelled,
            queue: VecDeque::new(),
            free_batches: Vec::new(),
            free_bodies: Vec::new(),
            max_in_flight,
        })
    }

    /// Whether another container may be read and queued.
    pub fn has_room(&self) -> bool {
        self.queue.len() < self.max_in_flight
    }

    /// A recycled container buffer (or a new one).
    pub fn spare_body(&mut self) -> Vec<u8> {
        self.free_bodies.pop().unwrap_or_default()
    }

    /// Queues every slice of `container`.
    pub fn submit(&mut self, context: &Arc<FileContext>, container: Container) {
        let container = Arc::new(container);
        for slice in 0..container.slice_count() {
            let (reply, receiver) = mpsc::sync_channel(1);
            let job = Job {
                context: Arc::clone(context),
                container: Arc::clone(&container),
                slice,
                records: self.free_batches.pop().unwrap_or_default(),
                reply,
            };
            let sent = self
                .jobs
                .as_ref()
                .is_some_and(|jobs| jobs.send(job).is_ok());
            self.queue.push_back(if sent {
                Pending::Slice(receiver)
            } else {
                Pending::Failed(stopped())
            });
        }
    }

    /// Queues an error behind the slices already queued.
    pub fn fail(&mut self, error: Error) {
        self.queue.push_back(Pending::Failed(error));
    }

    /// Waits for the next slice in file order and swaps its records into
    /// `records` (whose old batch is kept for reuse): its record count, or
    /// `None` when nothing is queued.
    pub fn next_slice(&mut self, records: &mut Vec<Record>) -> Option<Result<usize>> {
        let done = match self.queue.pop_front()? {
            Pending::Failed(error) => return Some(Err(error)),
            Pending::Slice(receiver) => match receiver.recv() {
                Ok(done) => done,
                Err(_) => return Some(Err(stopped())),
            },
        };
        self.free_batches
            .push(std::mem::replace(records, done.records));
        if let Ok(container) = Arc::try_unwrap(done.container) {
            self.free_bodies.push(container.into_body());
        }
        Some(done.result)
    }
}

impl Drop for Pipeline {
    fn drop(&mut self) {
        self.cancelled.store(true, Ordering::Relaxed);
        self.queue.clear();
        self.jobs = None;
        for worker in self.workers.drain(..) {
            // A worker that panicked has nothing left to clean up.
            let _ = worker.join();
        }
    }
}

fn stopped() -> Error {
    Error::new(
        ErrorKind::Io,
        Format::Cram,
        "a CRAM decoding thread has stopped",
    )
}

fn work(jobs: &Mutex<Receiver<Job>>, cancelled: &AtomicBool) {
    let mut decoder = SliceDecoder::default();
    loop {
        let job = {
            let Ok(receiver) = jobs.lock() else {
                return;
            };
            match receiver.recv() {
                Ok(job) => job,
                Err(_) => return,
            }
        };
        if cancelled.load(Ordering::Relaxed) {
            // The reader is gone; drain the queue without decoding.
            continue;
        }
        let mut records = job.records;
        let result = job.container.decode_slice(
            job.slice,
            &job.context,
            &mut decoder,
            &mut records,
            None,
            false,
        );
        // The caller may have gone (reader dropped): nothing to do then.
        let _ = job.reply.send(Done {
            container: job.container,
            records,
            result,
        });
    }
}
