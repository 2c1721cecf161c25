//! Multi-threaded block decoding: persistent workers, batches of blocks, a
//! bounded number of batches in flight, results consumed in order.
//!
//! Blocks are grouped into batches, each decoded by one of a pool of worker
//! threads spawned once per reader. A worker inflates and CRC-checks every
//! block of its batch into the batch's own buffer, each block right behind
//! the one before (so a record crossing a boundary within the batch lies
//! in one piece), and sends the batch back; the caller consumes batches strictly in stream order and returns
//! each spent batch, buffers and all, to a free list.
//!
//! Who reads the compressed blocks depends on the source. By default the
//! caller's thread reads them (so the source need not be `Send`) before
//! handing a batch out. Given a file ([`Feed`]), the caller hands out empty
//! batches and each worker fills its own: under a lock it reads the next
//! blocks with positional reads (`pread`) and numbers the batch, then it
//! inflates them while other workers read. The caller's thread then only
//! consumes decoded data, so feeding no longer caps the scaling.
//!
//! A framing error or the end of the input is recorded as the tail of the
//! batch in which it was met, and a worker's decoding error stops its batch
//! at the failing block, so errors surface at exactly the point in the
//! stream where the single-threaded reader reports them.

use std::fs::File;
use std::io::{self, Read};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use libdeflater::Decompressor;

use super::{read_raw_block, BlockInfo};
use crate::bgzf::{block, MAX_BLOCK_SIZE};
use crate::{Error, ErrorKind, Format, Result};

/// Blocks per job: enough to amortise the hand-off (≈ 0.3 ms of inflate),
/// few enough to keep every worker busy near the end of a file.
const BLOCKS_PER_BATCH: usize = 4;

/// Batches submitted and not yet consumed, per worker.
const BATCHES_IN_FLIGHT_PER_WORKER: usize = 2;

/// Bytes in front of a batch's first block, where the tail of the batch
/// before can be carried (see [`Pipeline::carry_into_next_batch`]).
const HEADROOM: usize = MAX_BLOCK_SIZE;

struct Slot {
    offset: u64,
    size: usize,
    /// Where the block's data begins in the batch's `decoded` buffer.
    start: usize,
    decoded_len: usize,
}

struct Batch {
    seq: u64,
    /// Raw blocks, block `i` at `i * MAX_BLOCK_SIZE`.
    compressed: Box<[u8]>,
    /// The decoded blocks, one right behind the other from `HEADROOM` on.
    decoded: Box<[u8]>,
    slots: Vec<Slot>,
    block_count: usize,
    /// The first block that failed to decode, and why.
    failure: Option<(usize, Error)>,
    /// What follows the last block: `None` if more batches follow, `Ok` for
    /// the end of the input, `Err` for a framing or I/O error.
    tail: Option<Result<()>>,
    /// Whether the worker reads the blocks itself (from the [`Feed`]).
    needs_feed: bool,
}

impl Batch {
    fn new() -> Self {
        Batch {
            seq: 0,
            compressed: vec![0; BLOCKS_PER_BATCH * MAX_BLOCK_SIZE].into_boxed_slice(),
            decoded: vec![0; HEADROOM + BLOCKS_PER_BATCH * MAX_BLOCK_SIZE].into_boxed_slice(),
            slots: (0..BLOCKS_PER_BATCH)
                .map(|_| Slot {
                    offset: 0,
                    size: 0,
                    start: 0,
                    decoded_len: 0,
                })
                .collect(),
            block_count: 0,
            failure: None,
            tail: None,
            needs_feed: false,
        }
    }

    /// Reads up to [`BLOCKS_PER_BATCH`] whole blocks from `inner`, the first
    /// at `*offset`, advancing `*offset` past them; sets the tail at the end
    /// of the input or on a framing or I/O error.
    fn fill<R: Read>(&mut self, inner: &mut R, offset: &mut u64) {
        self.block_count = 0;
        self.failure = None;
        self.tail = None;
        let blocks = self.compressed.chunks_exact_mut(MAX_BLOCK_SIZE);
        for (slot, raw) in self.slots.iter_mut().zip(blocks) {
            match read_raw_block(inner, raw, *offset) {
                Ok(Some(size)) => {
                    slot.offset = *offset;
                    slot.size = size;
                    slot.decoded_len = 0;
                    *offset += size as u64;
                    self.block_count += 1;
                }
                Ok(None) => {
                    self.tail = Some(Ok(()));
                    break;
                }
                Err(error) => {
                    self.tail = Some(Err(error));
                    break;
                }
            }
        }
    }

    /// Whether a block from `index` on (before any failed one) holds data.
    fn has_data_from(&self, index: usize) -> bool {
        let failed_at = self.failure.as_ref().map_or(usize::MAX, |(at, _)| *at);
        let decoded = self.block_count.min(failed_at);
        let following = self.slots.get(index..decoded).unwrap_or_default();
        following.iter().any(|slot| slot.decoded_len > 0)
    }

    fn decode(&mut self, decompressor: &mut Decompressor) {
        let blocks = self.compressed.chunks_exact(MAX_BLOCK_SIZE);
        let mut at = HEADROOM;
        for (index, (slot, raw)) in self.slots.iter_mut().zip(blocks).enumerate() {
            if index == self.block_count {
                break;
            }
            let raw = raw.get(..slot.size).unwrap_or(raw);
            // Each block takes at most MAX_BLOCK_SIZE: the room is there.
            let out = self.decoded.get_mut(at..).unwrap_or_default();
            slot.start = at;
            match block::decode_block(decompressor, raw, out, slot.offset) {
                Ok(len) => {
                    slot.decoded_len = len;
                    at += len;
                }
                Err(error) => {
                    self.failure = Some((index, error));
                    break;
                }
            }
        }
    }
}

/// A file the workers read blocks from themselves, and where the next
/// block starts.
struct Feed {
    file: Arc<File>,
    next: Mutex<FeedState>,
}

struct FeedState {
    /// The compressed offset of the next block to read.
    offset: u64,
    /// The number the next filled batch gets (stream order).
    seq: u64,
    /// The end of the input or an error has been met: later batches are
    /// empty, with an `Ok` tail.
    done: bool,
}

impl Feed {
    /// Numbers `batch` and fills it with the next blocks.
    fn fill(&self, batch: &mut Batch) {
        // A poisoned lock only means a worker panicked between two plain
        // field updates; the state is still consistent.
        let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
        batch.seq = next.seq;
        next.seq += 1;
        if next.done {
            batch.block_count = 0;
            batch.failure = None;
            batch.tail = Some(Ok(()));
            return;
        }
        let mut offset = next.offset;
        let mut source = PositionalReader {
            file: &self.file,
            offset,
        };
        batch.fill(&mut source, &mut offset);
        next.offset = offset;
        next.done = batch.tail.is_some();
    }
}

/// `Read` over a file from `offset` on, by positional reads, which leave
/// the file's own position alone and may run in several threads at once.
struct PositionalReader<'a> {
    file: &'a File,
    offset: u64,
}

impl Read for PositionalReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        #[cfg(unix)]
        let read = std::os::unix::fs::FileExt::read_at(self.file, buf, self.offset)?;
        #[cfg(windows)]
        let read = std::os::windows::fs::FileExt::seek_read(self.file, buf, self.offset)?;
        #[cfg(not(any(unix, windows)))]
        let read: usize = {
            let _ = buf;
            return Err(io::ErrorKind::Unsupported.into());
        };
        self.offset += read as u64;
        Ok(read)
    }
}

/// The worker pool and the in-order queue of batches.
pub(super) struct Pipeline {
    jobs: Option<Sender<Batch>>,
    results: Receiver<Batch>,
    workers: Vec<JoinHandle<()>>,
    cancelled: Arc<AtomicBool>,
    free: Vec<Batch>,
    out_of_order: Vec<Batch>,
    current: Option<Batch>,
    /// The batch after `current`, received early to carry a tail into.
    next: Option<Batch>,
    /// The next block of `current` to hand out.
    current_index: usize,
    next_seq_to_submit: u64,
    next_seq_to_consume: u64,
    max_in_flight: u64,
    /// Set once the end of the input or a read error has been met.
    input_done: bool,
    /// Where workers read blocks themselves, if they can.
    feed: Option<Arc<Feed>>,
    /// The feed must restart at the caller's read offset (first use, or
    /// after a seek).
    restart_feed: bool,
}

impl Pipeline {
    /// Spawns up to `workers` threads; `None` if not even one could be
    /// spawned (the caller then decodes inline). With `file` (the same
    /// bytes as the reader's input, compressed offset 0 at its byte 0),
    /// the workers read the blocks themselves.
    pub(super) fn new(workers: usize, file: Option<Arc<File>>) -> Option<Self> {
        // Positional reads exist on Unix and Windows only.
        let file = file.filter(|_| cfg!(any(unix, windows)));
        let feed = file.map(|file| {
            Arc::new(Feed {
                file,
                next: Mutex::new(FeedState {
                    offset: 0,
                    seq: 0,
                    done: false,
                }),
            })
        });
        let (job_sender, job_receiver) = mpsc::channel::<Batch>();
        let (result_sender, results) = mpsc::channel();
        let job_receiver = Arc::new(Mutex::new(job_receiver));
        let cancelled = Arc::new(AtomicBool::new(false));
        let mut handles = Vec::with_capacity(workers);
        for n in 0..workers {
            let jobs = Arc::clone(&job_receiver);
            let results = result_sender.clone();
            let cancelled = Arc::clone(&cancelled);
            let feed = feed.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("bgzf-decode-{n}"))
                .spawn(move || work(&jobs, &results, &cancelled, feed.as_deref()));
            match spawned {
                Ok(handle) => handles.push(handle),
                Err(_) => break,
            }
        }
        if handles.is_empty() {
            return None;
        }
        let max_in_flight = (handles.len() * BATCHES_IN_FLIGHT_PER_WORKER) as u64;
        Some(Pipeline {
            jobs: Some(job_sender),
            results,
            workers: handles,
            cancelled,
            free: Vec::new(),
            out_of_order: Vec::new(),
            current: None,
            next: None,
            current_index: 0,
            next_seq_to_submit: 0,
            next_seq_to_consume: 0,
            max_in_flight,
            input_done: false,
            feed,
            restart_feed: true,
        })
    }

    /// The buffer holding the block last returned by
    /// [`next_block`](Self::next_block) (at its `start`).
    #[inline]
    pub(super) fn buffer(&self) -> &[u8] {
        match &self.current {
            Some(batch) if self.current_index > 0 => &batch.decoded,
            _ => &[],
        }
    }

    /// Whether the next non-empty block lies in the current batch, decoded,
    /// so that the current block's tail and it are one piece of
    /// [`buffer`](Self::buffer) (the blocks in between are empty).
    pub(super) fn next_is_behind(&self) -> bool {
        self.current
            .as_ref()
            .is_some_and(|batch| batch.has_data_from(self.current_index))
    }

    /// When the current block is its batch's last: receives the next batch
    /// and, if a non-empty block of it is decoded, copies `range` of the
    /// current buffer into its headroom, ending where its data begins.
    /// Returns where the copy starts in the next batch's buffer, or `None`
    /// (nothing copied).
    pub(super) fn carry_into_next_batch<R: Read>(
        &mut self,
        range: std::ops::Range<usize>,
        inner: &mut R,
        read_offset: &mut u64,
    ) -> Result<Option<usize>> {
        let last = self.current.as_ref().is_some_and(|batch| {
            self.current_index == batch.block_count
                && batch.tail.is_none()
                && batch.failure.is_none()
        });
        if !last || range.len() > HEADROOM {
            return Ok(None);
        }
        if self.next.is_none() {
            self.next = self.fetch(inner, read_offset)?;
        }
        let (Some(current), Some(next)) = (&self.current, &mut self.next) else {
            return Ok(None);
        };
        let start = HEADROOM - range.len();
        match current.decoded.get(range) {
            Some(tail) if next.has_data_from(0) => {
                next.decoded[start..HEADROOM].copy_from_slice(tail);
                Ok(Some(start))
            }
            _ => Ok(None),
        }
    }

    /// The next batch in stream order, `None` at the end of the input.
    fn fetch<R: Read>(&mut self, inner: &mut R, read_offset: &mut u64) -> Result<Option<Batch>> {
        if let Some(batch) = self.next.take() {
            return Ok(Some(batch));
        }
        self.submit(inner, read_offset);
        if self.next_seq_to_consume == self.next_seq_to_submit {
            return Ok(None);
        }
        let batch = self.receive()?;
        // Fed by the workers, the end shows only in what comes back.
        self.input_done |= batch.tail.is_some();
        Ok(Some(batch))
    }

    /// Moves to the next block (empty ones included); `None` at the end of
    /// the input.
    pub(super) fn next_block<R: Read>(
        &mut self,
        inner: &mut R,
        read_offset: &mut u64,
    ) -> Result<Option<BlockInfo>> {
        loop {
            if let Some(batch) = &mut self.current {
                let index = self.current_index;
                if index < batch.block_count {
                    if batch.failure.as_ref().is_some_and(|(at, _)| *at == index) {
                        if let Some((_, error)) = batch.failure.take() {
                            return Err(error);
                        }
                    }
                    self.current_index += 1;
                    let slot = &batch.slots[index];
                    return Ok(Some(BlockInfo {
                        start: slot.start,
                        offset: slot.offset,
                        size: slot.size,
                        decoded_len: slot.decoded_len,
                    }));
                }
                let tail = batch.tail.take();
                self.recycle_current();
                if let Some(tail) = tail {
                    return tail.map(|()| None);
                }
            }
            let Some(batch) = self.fetch(inner, read_offset)? else {
                return Ok(None);
            };
            self.current = Some(batch);
            self.current_index = 0;
        }
    }

    fn recycle_current(&mut self) {
        if let Some(batch) = self.current.take() {
            self.free.push(batch);
        }
        self.current_index = 0;
    }

    /// Hands batches to the workers until the in-flight limit or the end of
    /// the input: empty ones to fill from the feed, else filled here from
    /// `inner`.
    fn submit<R: Read>(&mut self, inner: &mut R, read_offset: &mut u64) {
        if let Some(feed) = self.feed.as_ref().filter(|_| self.restart_feed) {
            let mut next = feed.next.lock().unwrap_or_else(|e| e.into_inner());
            *next = FeedState {
                offset: *read_offset,
                seq: self.next_seq_to_submit,
                done: false,
            };
            self.restart_feed = false;
        }
        while !self.input_done
            && self.next_seq_to_submit - self.next_seq_to_consume < self.max_in_flight
        {
            let mut batch = self.free.pop().unwrap_or_else(Batch::new);
            batch.needs_feed = self.feed.is_some();
            if !batch.needs_feed {
                batch.seq = self.next_seq_to_submit;
                batch.fill(inner, read_offset);
                self.input_done = batch.tail.is_some();
            }
            self.next_seq_to_submit += 1;
            if batch.block_count == 0 && !batch.needs_feed {
                self.out_of_order.push(batch);
            } else if let Some(jobs) = &self.jobs {
                if let Err(mpsc::SendError(batch)) = jobs.send(batch) {
                    // Every worker is gone; receive() reports it.
                    self.free.push(batch);
                }
            }
        }
    }

    /// Waits for the batch numbered `next_seq_to_consume`.
    fn receive(&mut self) -> Result<Batch> {
        let seq = self.next_seq_to_consume;
        let batch = match self.out_of_order.iter().position(|batch| batch.seq == seq) {
            Some(at) => self.out_of_order.swap_remove(at),
            None => loop {
                match self.results.recv() {
                    Ok(batch) if batch.seq == seq => break batch,
                    Ok(batch) => self.out_of_order.push(batch),
                    Err(_) => {
                        return Err(Error::new(
                            ErrorKind::Io,
                            Format::Bgzf,
                            "every BGZF decoding thread has stopped",
                        ))
                    }
                }
            },
        };
        self.next_seq_to_consume += 1;
        Ok(batch)
    }

    /// Discards every batch in flight (after a seek), keeping the buffers.
    pub(super) fn reset(&mut self) -> Result<()> {
        self.recycle_current();
        if let Some(batch) = self.next.take() {
            self.free.push(batch);
        }
        while self.next_seq_to_consume < self.next_seq_to_submit {
            let batch = self.receive()?;
            self.free.push(batch);
        }
        self.input_done = false;
        self.restart_feed = true;
        Ok(())
    }
}

fn work(
    jobs: &Mutex<Receiver<Batch>>,
    results: &Sender<Batch>,
    cancelled: &AtomicBool,
    feed: Option<&Feed>,
) {
    let mut decompressor = Decompressor::new();
    loop {
        let job = match jobs.lock() {
            Ok(receiver) => receiver.recv(),
            Err(_) => return,
        };
        let Ok(mut batch) = job else { return };
        if !cancelled.load(Ordering::Relaxed) {
            if let Some(feed) = feed.filter(|_| batch.needs_feed) {
                feed.fill(&mut batch);
            }
            batch.decode(&mut decompressor);
        }
        if results.send(batch).is_err() {
            return;
        }
    }
}

impl Drop for Pipeline {
    fn drop(&mut self) {
        self.cancelled.store(true, Ordering::Relaxed);
        self.jobs = None;
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
    }
}
