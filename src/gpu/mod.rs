//! Batched Smith-Waterman-Gotoh on the GPU (feature `gpu`), through wgpu:
//! Vulkan on Linux, Metal on macOS, DX12 or Vulkan on Windows.
//!
//! [`GpuAligner::align_batch`] returns exactly what
//! [`crate::align::align_batch`] returns for the same pairs and scoring
//! (scores, ends, and the tie rule), so the CPU path is both the reference
//! and the fallback — a fallback the caller chooses: when no adapter is
//! found, [`GpuAligner::new`] fails with [`ErrorKind::Unavailable`](crate::ErrorKind::Unavailable) rather
//! than switching silently.
//!
//! Two kernels (WGSL compute shaders):
//!
//! * short pairs (both sequences ≤ 4096 residues): one invocation per pair,
//!   pairs ordered by length so a workgroup's 64 invocations do equal work
//!   (left in input order when they all do), residues packed 16 per word
//!   (2 bits each: DNA without N, decided per workgroup), 8 per word (4
//!   bits: DNA) or 4 per word (other alphabets) and interleaved across the workgroup so
//!   loads coalesce, 16 query rows of H and E in registers per sweep of
//!   the target, the substitution matrix in workgroup memory;
//! * long pairs: one workgroup of 128 invocations per pair sweeping
//!   anti-diagonals (a wavefront), neighbours handing row values over
//!   through workgroup memory.
//!
//! Batches are split into chunks that fit the device's buffer and dispatch
//! limits (65,536 short pairs; a batch of short pairs starts with 16,384,
//! 16,384, 32,768 so the GPU starts early and each chunk is packed while
//! the GPU runs the one before, and ends with 16,384 so little is left to
//! read back after the last kernel; `BIOMETAL_GPU_CHUNK_PAIRS` and
//! `BIOMETAL_GPU_FIRST_CHUNK_PAIRS` override the sizes, for tuning). On the
//! host, one pass on all cores reads the pairs' lengths; pairs are ordered
//! by work with two counting sorts (not at all when they all need the same
//! work) and their residues written by all cores straight into a mapped
//! upload buffer, by threads kept with the aligner (starting threads per
//! chunk costs about a millisecond inside a virtual machine); a ring of
//! three buffer sets lets packing one chunk overlap the upload and
//! computation of the previous one, and the calling thread reads back the
//! chunk before that while the others pack. Buffers, pipelines and threads
//! are kept for the next call; [`GpuTiming::chunk_timeline`] says where
//! each chunk's time went.
//!
//! ```no_run
//! use biometal::align::Scoring;
//! use biometal::gpu::GpuAligner;
//!
//! let aligner = GpuAligner::new()?;
//! println!("aligning on {}", aligner.adapter_info());
//! let scoring = Scoring::dna(1, -4, -1, 6, 1)?;
//! let hits = aligner.align_batch(&[("ACGTACGT", "TTACGTACGTTT")], &scoring)?;
//! assert_eq!(hits[0].score, 8);
//! # Ok::<(), biometal::Error>(())
//! ```

mod batch;
mod device;
mod pack;
mod pool;
mod shader;
mod slot;

use std::fmt;
use std::time::{Duration, Instant};

use crate::align::{Alignment, Scoring};
use crate::Result;

use batch::Width;

/// The GPU adapter an aligner runs on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdapterInfo {
    /// The adapter's name (`"NVIDIA H100 80GB HBM3"`, `"llvmpipe (LLVM 15.0.6, 256 bits)"`).
    pub name: String,
    /// The graphics API (`"vulkan"`, `"metal"`, `"dx12"`).
    pub backend: String,
    /// Discrete, integrated, virtual, CPU (a software renderer such as
    /// Mesa's lavapipe) or other.
    pub device_type: String,
    /// Driver name and version as the driver reports them.
    pub driver: String,
}

impl fmt::Display for AdapterInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}, {}", self.name, self.backend, self.device_type)?;
        if !self.driver.is_empty() {
            write!(f, ", {}", self.driver)?;
        }
        f.write_str(")")
    }
}

/// The timeline of one chunk of a [`GpuAligner::align_batch_timed`] call:
/// host events as offsets from the call's start, GPU events from the GPU's
/// timestamps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ChunkTiming {
    /// Pairs in the chunk.
    pub pairs: usize,
    /// When the host started on the chunk, its buffers free (the chunk that
    /// used them before read back).
    pub started: Duration,
    /// Waiting for the upload buffer to be mapped for writing.
    pub map_waiting: Duration,
    /// Writing the chunk's residues and small tables into the upload
    /// buffer, on all cores; the calling thread meanwhile reads back the
    /// chunk that used the same buffers before (its `unpacking`).
    pub packing: Duration,
    /// Unmapping the upload buffer, recording and submitting the commands.
    pub submitting: Duration,
    /// When the chunk was submitted to the GPU.
    pub submitted: Duration,
    /// Start and end of the chunk's compute pass, from the start of the
    /// batch's first compute pass (GPU timestamps; `None` without them).
    pub kernel: Option<(Duration, Duration)>,
    /// When the host began to wait for the chunk's results.
    pub readback_started: Duration,
    /// Waiting for the GPU before the chunk's results could be read.
    pub readback_waiting: Duration,
    /// Writing the chunk's results into the output.
    pub unpacking: Duration,
}

/// Where the time of one [`GpuAligner::align_batch_timed`] call went.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GpuTiming {
    /// Wall-clock time of the whole call: packing, upload, compute,
    /// readback.
    pub end_to_end: Duration,
    /// GPU time of the compute passes alone, summed over the chunks (from
    /// GPU timestamps), or `None` when the adapter has no timestamp
    /// queries.
    pub kernel: Option<Duration>,
    /// From the start of the first compute pass to the end of the last
    /// (GPU timestamps; less than `kernel` where passes overlapped, more
    /// where the GPU waited for uploads).
    pub kernel_span: Option<Duration>,
    /// The longest compute pass of one chunk.
    pub kernel_slowest_chunk: Option<Duration>,
    /// Wall-clock time spent before the first chunk: ordering the batch by
    /// length (no sort when all pairs need the same work) and splitting it
    /// into chunks.
    pub preparing: Duration,
    /// Wall-clock time from the call's start until the first chunk was
    /// submitted to the GPU (preparing, then packing that chunk).
    pub first_submit: Duration,
    /// Wall-clock time the calling thread spent writing chunks into the
    /// upload buffers (residues on all cores).
    pub packing: Duration,
    /// Bytes the calling thread and its helpers wrote into the upload
    /// buffers (residue words and each chunk's small tables).
    pub packed_bytes: u64,
    /// Wall-clock time the calling thread waited for the GPU: for a chunk
    /// to finish before reading back its results or reusing its buffers.
    pub waiting: Duration,
    /// Chunks the batch was split into.
    pub chunks: usize,
    /// Per chunk, in submission order: where its time went.
    pub chunk_timeline: Vec<ChunkTiming>,
}

/// Aligns batches of pairs on a GPU. Create one and reuse it: creating
/// compiles the kernels, and buffers are kept between calls.
pub struct GpuAligner {
    device: device::Device,
}

impl fmt::Debug for GpuAligner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GpuAligner")
            .field("adapter", self.adapter_info())
            .finish_non_exhaustive()
    }
}

impl GpuAligner {
    /// Opens the high-performance GPU adapter and compiles the kernels.
    ///
    /// `WGPU_BACKEND` (`vulkan`, `metal`, `dx12`, …) limits the backends
    /// tried, `WGPU_ADAPTER_NAME` picks the first adapter whose name
    /// contains it (case-insensitive), `WGPU_POWER_PREF=low` prefers a
    /// low-power adapter.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Unavailable`](crate::ErrorKind::Unavailable) when no adapter is found (or none matches
    /// `WGPU_ADAPTER_NAME`), the device cannot be opened or the kernels do
    /// not compile for it.
    pub fn new() -> Result<GpuAligner> {
        Ok(GpuAligner {
            device: device::Device::open()?,
        })
    }

    /// The adapter in use.
    pub fn adapter_info(&self) -> &AdapterInfo {
        self.device.info()
    }

    /// Aligns every `(query, target)` pair on the GPU; results are in input
    /// order and equal to [`crate::align::align_batch`]'s.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::LimitExceeded`](crate::ErrorKind::LimitExceeded) for a pair whose possible score does not
    /// fit the kernels' 32-bit arithmetic (both sequences over ~1 million
    /// residues); [`ErrorKind::Unavailable`](crate::ErrorKind::Unavailable) when the device fails (lost,
    /// out of memory).
    pub fn align_batch<Q, T>(&self, pairs: &[(Q, T)], scoring: &Scoring) -> Result<Vec<Alignment>>
    where
        Q: AsRef<[u8]> + Sync,
        T: AsRef<[u8]> + Sync,
    {
        Ok(self.align_batch_timed(pairs, scoring)?.0)
    }

    /// [`Self::align_batch`], also saying where the time went.
    ///
    /// # Errors
    ///
    /// As [`Self::align_batch`].
    pub fn align_batch_timed<Q, T>(
        &self,
        pairs: &[(Q, T)],
        scoring: &Scoring,
    ) -> Result<(Vec<Alignment>, GpuTiming)>
    where
        Q: AsRef<[u8]> + Sync,
        T: AsRef<[u8]> + Sync,
    {
        let started = Instant::now();
        self.device.wake_helpers();
        let count = pairs.len();
        let mut results = Vec::with_capacity(count);
        let slots = &mut results.spare_capacity_mut()[..count];
        let (max_score, _) = scoring.score_range();
        let matrix = batch::matrix_table(scoring);
        let gaps = [
            scoring.gap_open_extend() as u32,
            u32::from(scoring.gap_extend()),
        ];
        let width = Width::for_scoring(scoring);
        let codes = pack::Codes::new(scoring, width);
        let mut session = self.device.session(started)?;
        let chunk_count = session.prepare(pairs, max_score, slots)?;
        let preparing = started.elapsed();
        let mut first_submit = Duration::ZERO;
        for chunk in 0..chunk_count {
            let job = device::Job {
                pairs,
                scoring,
                codes: &codes,
                width,
                gaps,
                matrix: &matrix,
            };
            session.submit(&job, chunk, slots)?;
            if chunk == 0 {
                first_submit = started.elapsed();
            }
        }
        let finished = session.finish(slots)?;
        // SAFETY: `prepare` wrote the result of every empty pair; every
        // other pair is in exactly one chunk of the plan's order, every
        // chunk was submitted above and read back (`submit` reads back the
        // chunk whose slot it reuses, `finish` the rest), which writes the
        // result of each of its pairs; any failure returned early, before
        // this point. So all `count` entries are initialised.
        unsafe { results.set_len(count) };
        let period = self.device.timestamp_period();
        let times = finished.kernel;
        let timing = GpuTiming {
            end_to_end: started.elapsed(),
            kernel: times.map(|times| times.total),
            kernel_span: times.map(|times| times.span(period)),
            kernel_slowest_chunk: times.map(|times| times.slowest),
            preparing,
            first_submit,
            packing: finished.packing,
            packed_bytes: finished.packed_bytes,
            waiting: finished.waiting,
            chunks: chunk_count,
            chunk_timeline: finished.timeline,
        };
        Ok((results, timing))
    }
}
