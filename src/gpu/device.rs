//! The wgpu side: adapter choice, pipelines, a ring of buffer sets and the
//! submit / read back cycle.
//!
//! Residues are written by the packing threads straight into a mapped
//! upload buffer kept with each buffer set (no intermediate copy, no
//! staging allocation per chunk), then copied to the GPU by the chunk's
//! command buffer. With [`SLOTS`] sets, packing chunk k + 3 on the CPU
//! overlaps the computation of chunks k + 1 and k + 2, and the calling
//! thread reads back chunk k (whose set chunk k + 3 reuses) while the pool
//! packs.
//!
//! The upload buffer is `MAP_WRITE`, which wgpu places in device-local,
//! host-visible memory on a discrete GPU: the CPU writes across PCIe while
//! it packs, and the GPU's copy to the kernels' buffers stays on the
//! device. Measured on the H100 (session 6), packing into cached host
//! memory instead was no faster, and the GPU's copy of each chunk across
//! PCIe then delays each kernel by ~0.3 ms.

use std::mem::MaybeUninit;
use std::ops::Range;
use std::sync::{mpsc, Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::batch::{self, ChunkLimits, Kernel, Packed, Plan, Width};
use super::pack::Codes;
use super::pool::Pool;
use super::slot::{self, Slot, TIMESTAMP_BYTES};
use super::{AdapterInfo, ChunkTiming};
use crate::align::{Alignment, Scoring};
use crate::{Error, ErrorKind, Result};

/// Largest buffer binding used, even on devices that allow more.
const MAX_BINDING_BYTES: u64 = 1 << 30;
/// Pairs per short-pair chunk: enough invocations to fill a large GPU
/// (`BIOMETAL_GPU_CHUNK_PAIRS` overrides it, for tuning).
const SHORT_CHUNK_PAIRS: usize = 1 << 16;
/// Pairs of a batch's first chunk: packed in a fraction of the time of a
/// full one, so the GPU starts early and the next chunk is packed while it
/// runs (`BIOMETAL_GPU_FIRST_CHUNK_PAIRS` overrides it, for tuning).
const FIRST_CHUNK_PAIRS: usize = 1 << 14;
/// Buffer sets in the ring: chunks in flight at once.
const SLOTS: usize = 3;

fn unavailable(message: impl Into<String>) -> Error {
    Error::without_format(ErrorKind::Unavailable, message.into())
}

/// An opened device with its pipelines and buffer sets.
pub(super) struct Device {
    device: wgpu::Device,
    queue: wgpu::Queue,
    info: AdapterInfo,
    layout: wgpu::BindGroupLayout,
    /// The short-pair kernel for nibble and for byte residues.
    short_pipelines: [wgpu::ComputePipeline; 2],
    long_pipeline: wgpu::ComputePipeline,
    timestamps: bool,
    limits: ChunkLimits,
    max_workgroups_per_dimension: u32,
    /// The threads that pack chunks beside the calling thread.
    pool: Pool,
    state: Mutex<State>,
    errors: Arc<Mutex<Vec<String>>>,
}

/// What one batch at a time uses: the buffer sets, the batch's order and
/// chunks, and the plan of the next chunk.
struct State {
    slots: [Option<Slot>; SLOTS],
    plan: Plan,
    packed: Packed,
}

impl Device {
    pub(super) fn open() -> Result<Device> {
        let instance =
            wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env());
        let adapter = pollster::block_on(choose_adapter(&instance))?;
        let raw_info = adapter.get_info();
        let info = AdapterInfo {
            name: raw_info.name.clone(),
            backend: raw_info.backend.to_str().to_string(),
            device_type: format!("{:?}", raw_info.device_type).to_lowercase(),
            driver: format!("{} {}", raw_info.driver, raw_info.driver_info)
                .trim()
                .to_string(),
        };
        let timestamps = adapter.features().contains(wgpu::Features::TIMESTAMP_QUERY);
        let adapter_limits = adapter.limits();
        let descriptor = wgpu::DeviceDescriptor {
            label: Some("biometal align"),
            required_features: match timestamps {
                true => wgpu::Features::TIMESTAMP_QUERY,
                false => wgpu::Features::empty(),
            },
            required_limits: adapter_limits.clone(),
            ..Default::default()
        };
        let (device, queue) =
            pollster::block_on(adapter.request_device(&descriptor)).map_err(|err| {
                unavailable(format!("GPU {}: cannot open the device: {err}", info.name))
            })?;
        let errors = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&errors);
        device.on_uncaptured_error(Arc::new(move |err: wgpu::Error| {
            if let Ok(mut list) = sink.lock() {
                list.push(err.to_string());
            }
        }));

        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("align"),
            entries: &(0..7)
                .map(|binding| wgpu::BindGroupLayoutEntry {
                    binding,
                    visibility: wgpu::ShaderStages::COMPUTE,
                    ty: wgpu::BindingType::Buffer {
                        ty: match binding {
                            0 => wgpu::BufferBindingType::Uniform,
                            1..=4 => wgpu::BufferBindingType::Storage { read_only: true },
                            _ => wgpu::BufferBindingType::Storage { read_only: false },
                        },
                        has_dynamic_offset: false,
                        min_binding_size: None,
                    },
                    count: None,
                })
                .collect::<Vec<_>>(),
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("align"),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let pipeline = |source: &str, entry: &str| {
            let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
                label: Some(entry),
                source: wgpu::ShaderSource::Wgsl(source.into()),
            });
            device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some(entry),
                layout: Some(&pipeline_layout),
                module: &module,
                entry_point: Some(entry),
                compilation_options: Default::default(),
                cache: None,
            })
        };
        let short_source = super::shader::unrolled(include_str!("short.wgsl"));
        let short_pipelines = [
            pipeline(&super::shader::with_nibbles(&short_source), "align_short"),
            pipeline(&short_source, "align_short"),
        ];
        let long_pipeline = pipeline(
            &super::shader::unrolled(include_str!("long.wgsl")),
            "align_long",
        );
        let max_binding_bytes = adapter_limits
            .max_storage_buffer_binding_size
            .min(adapter_limits.max_buffer_size)
            .min(MAX_BINDING_BYTES);
        let opened = Device {
            device,
            queue,
            info,
            layout,
            short_pipelines,
            long_pipeline,
            timestamps,
            limits: ChunkLimits {
                max_binding_bytes,
                short_pairs: pairs_from_env("BIOMETAL_GPU_CHUNK_PAIRS", SHORT_CHUNK_PAIRS),
                first_short_pairs: pairs_from_env(
                    "BIOMETAL_GPU_FIRST_CHUNK_PAIRS",
                    FIRST_CHUNK_PAIRS,
                ),
            },
            max_workgroups_per_dimension: adapter_limits
                .max_compute_workgroups_per_dimension
                .max(1),
            pool: Pool::new(std::thread::available_parallelism().map_or(1, |n| n.get()) - 1),
            state: Mutex::new(State {
                slots: [None, None, None],
                plan: Plan::default(),
                packed: Packed::default(),
            }),
            errors,
        };
        opened.check_errors()?;
        Ok(opened)
    }

    /// Wakes the packing threads: a batch starts.
    pub(super) fn wake_helpers(&self) {
        self.pool.wake();
    }

    pub(super) fn info(&self) -> &AdapterInfo {
        &self.info
    }

    /// Nanoseconds per GPU timestamp tick.
    pub(super) fn timestamp_period(&self) -> f32 {
        self.queue.get_timestamp_period()
    }

    /// Starts a batch begun at `started`: takes the buffer sets for the
    /// duration.
    pub(super) fn session(&self, started: Instant) -> Result<Session<'_>> {
        let state = self
            .state
            .lock()
            .map_err(|_| unavailable("GPU aligner: a previous batch panicked"))?;
        Ok(Session {
            device: self,
            state,
            in_flight: [None, None, None],
            next: 0,
            packing: Duration::ZERO,
            packed_bytes: 0,
            waiting: Duration::ZERO,
            record: Record {
                started,
                period: f64::from(self.queue.get_timestamp_period()),
                times: self.timestamps.then(KernelTimes::default),
                timeline: Vec::new(),
                kernel_ticks: Vec::new(),
            },
        })
    }

    fn check_errors(&self) -> Result<()> {
        let mut list = self
            .errors
            .lock()
            .map_err(|_| unavailable("GPU error log poisoned"))?;
        match list.is_empty() {
            true => Ok(()),
            false => {
                let message = list.join("; ");
                list.clear();
                Err(unavailable(format!("GPU {}: {message}", self.info.name)))
            }
        }
    }
}

/// A chunk size from the environment variable `name` (rounded up to whole
/// workgroups), or `default`.
fn pairs_from_env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|pairs| pairs.parse::<usize>().ok())
        .map_or(default, |pairs| {
            pairs
                .next_multiple_of(batch::SHORT_GROUP)
                .max(batch::SHORT_GROUP)
        })
}

/// `WGPU_ADAPTER_NAME` if set, else the high-performance adapter.
async fn choose_adapter(instance: &wgpu::Instance) -> Result<wgpu::Adapter> {
    let backends = wgpu::Backends::from_env().unwrap_or(wgpu::Backends::all());
    if let Ok(wanted) = std::env::var("WGPU_ADAPTER_NAME") {
        let wanted_lower = wanted.to_lowercase();
        let adapters = instance.enumerate_adapters(backends).await;
        let names: Vec<String> = adapters.iter().map(|a| a.get_info().name).collect();
        return adapters
            .into_iter()
            .find(|adapter| {
                adapter
                    .get_info()
                    .name
                    .to_lowercase()
                    .contains(&wanted_lower)
            })
            .ok_or_else(|| {
                unavailable(format!(
                    "no GPU adapter matches WGPU_ADAPTER_NAME={wanted:?}; found {names:?}"
                ))
            });
    }
    let options = wgpu::RequestAdapterOptions {
        power_preference: wgpu::PowerPreference::from_env()
            .unwrap_or(wgpu::PowerPreference::HighPerformance),
        force_fallback_adapter: false,
        compatible_surface: None,
        apply_limit_buckets: false,
    };
    instance
        .request_adapter(&options)
        .await
        .map_err(|err| unavailable(format!("no GPU adapter ({backends:?}): {err}")))
}

/// A chunk submitted and not yet read back.
struct InFlight {
    kernel: Kernel,
    /// Its pairs: a range of the plan's order.
    range: Range<usize>,
    result_bytes: u64,
    submission: wgpu::SubmissionIndex,
    mapped: mpsc::Receiver<std::result::Result<(), wgpu::BufferAsyncError>>,
    /// Its entry in the session's timeline.
    timeline_index: usize,
    /// Whether its compute pass wrote timestamps after the results.
    timestamps: bool,
}

/// Where the time of a batch went ([`Session::finish`]).
pub(super) struct Finished {
    /// Wall-clock time writing chunks into upload buffers.
    pub packing: Duration,
    /// Bytes written into upload buffers.
    pub packed_bytes: u64,
    /// Wall-clock time waiting for the GPU.
    pub waiting: Duration,
    /// GPU timestamps of the compute passes, where the adapter has them.
    pub kernel: Option<KernelTimes>,
    /// Per chunk, in submission order.
    pub timeline: Vec<ChunkTiming>,
}

/// GPU timestamps of the chunks of one batch.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct KernelTimes {
    /// Sum of the compute passes' durations.
    pub total: Duration,
    /// The longest compute pass.
    pub slowest: Duration,
    /// First pass start to last pass end, in GPU ticks (`None` before the
    /// first chunk).
    span_ticks: Option<(u64, u64)>,
}

impl KernelTimes {
    /// First pass start to last pass end.
    pub(super) fn span(&self, period_ns: f32) -> Duration {
        self.span_ticks.map_or(Duration::ZERO, |(first, last)| {
            Duration::from_nanos((last.saturating_sub(first) as f64 * f64::from(period_ns)) as u64)
        })
    }
}

/// One batch in progress: up to [`SLOTS`] chunks in flight, one per slot.
pub(super) struct Session<'a> {
    device: &'a Device,
    state: MutexGuard<'a, State>,
    in_flight: [Option<InFlight>; SLOTS],
    next: usize,
    /// Time spent writing residues into upload buffers.
    packing: Duration,
    /// Bytes written into upload buffers.
    packed_bytes: u64,
    /// Time spent waiting for chunks to finish.
    waiting: Duration,
    /// The chunks' timeline and kernel times.
    record: Record,
}

/// What a batch notes about its chunks.
struct Record {
    /// When the batch started.
    started: Instant,
    /// Nanoseconds per GPU timestamp tick.
    period: f64,
    /// GPU timestamps of the compute passes, where the adapter has them.
    times: Option<KernelTimes>,
    /// Per chunk, in submission order.
    timeline: Vec<ChunkTiming>,
    /// Per chunk: its compute pass's first and last GPU tick.
    kernel_ticks: Vec<Option<(u64, u64)>>,
}

/// What every chunk of a batch shares.
pub(super) struct Job<'a, Q, T> {
    pub pairs: &'a [(Q, T)],
    pub scoring: &'a Scoring,
    pub codes: &'a Codes<'a>,
    pub width: Width,
    /// Gap open + extend, gap extend.
    pub gaps: [u32; 2],
    /// [`batch::matrix_table`].
    pub matrix: &'a [u32],
}

impl Session<'_> {
    /// Orders the batch and splits it into chunks; returns how many.
    /// `results` (one entry per pair) gets the defaults of the empty
    /// pairs; the others are written as their chunks are read back.
    pub(super) fn prepare<Q, T>(
        &mut self,
        pairs: &[(Q, T)],
        max_score: i32,
        results: &mut [MaybeUninit<Alignment>],
    ) -> Result<usize>
    where
        Q: AsRef<[u8]> + Sync,
        T: AsRef<[u8]> + Sync,
    {
        let plan = &mut self.state.plan;
        plan.prepare(
            pairs,
            max_score,
            self.device.limits,
            results,
            &self.device.pool,
        )?;
        Ok(plan.chunks.len())
    }

    /// Plans, packs, uploads and launches chunk `chunk` of the batch,
    /// first reading back the chunk that last used the same slot. The
    /// residue words are written straight into the mapped upload buffer.
    pub(super) fn submit<Q, T>(
        &mut self,
        job: &Job<'_, Q, T>,
        chunk: usize,
        results: &mut [MaybeUninit<Alignment>],
    ) -> Result<()>
    where
        Q: AsRef<[u8]> + Sync,
        T: AsRef<[u8]> + Sync,
    {
        let index = self.next % SLOTS;
        self.next += 1;
        // The chunk that used this slot before: once the GPU is done with
        // it, its upload buffer is free and its results are read back by
        // the calling thread while the other threads pack this chunk.
        let mut previous = self.in_flight[index].take();
        let mut previous_wait = None;
        if let Some(chunk) = &previous {
            previous_wait = Some(self.wait(chunk)?);
        }
        let device = self.device;
        let state = &mut *self.state;
        let packed = &mut state.packed;
        let kernel = state.plan.plan_chunk(job.pairs, chunk, job.width, packed);
        packed.params[2] = job.gaps[0];
        packed.params[3] = job.gaps[1];
        let stride = match kernel {
            Kernel::Short => 8,
            Kernel::Long => 16,
        };
        let result_bytes = packed.range.len() as u64 * stride;
        let residue_bytes = (packed.residue_words as u64 * 4).max(4);
        let sizes = [
            packed.lengths.len() as u64 * 4,
            packed.bases.len() as u64 * 16,
            residue_bytes,
            packed.boundary_bytes,
            result_bytes,
        ];
        let slot = &mut state.slots[index];
        if !slot.as_ref().is_some_and(|slot| slot.fits(sizes)) {
            if let (Some(chunk), Some(old)) = (previous.take(), slot.as_ref()) {
                // Its results are in the buffers about to be replaced.
                let read = read_back(&old.readback, &chunk, &state.plan.order, results);
                let (ticks, unpacking) = read?;
                if let Some((waiting_started, waited)) = previous_wait {
                    self.record
                        .note_read_back(&chunk, waiting_started, waited, unpacking, ticks);
                }
            }
            let grown = match slot.as_ref() {
                // Grow generously so a batch of similar chunks allocates once.
                Some(_) => sizes.map(|size| size + size / 4),
                None => sizes,
            };
            *slot = Some(Slot::new(
                &device.device,
                &device.layout,
                device.timestamps,
                grown,
            ));
        }
        let Some(slot) = slot.as_ref() else {
            return Err(unavailable("GPU buffers missing"));
        };
        let indices = &state.plan.order[packed.range.clone()];

        let total = slot::upload_bytes(sizes) as usize;
        let started = Instant::now();
        let mut chunk_timing = ChunkTiming {
            pairs: indices.len(),
            started: started - self.record.started,
            ..ChunkTiming::default()
        };
        let regions = slot::regions(sizes);
        let order = &state.plan.order;
        let mut read = None;
        let mut write = |out: wgpu::WriteOnly<'_, [u8]>| {
            let alongside = || {
                if let Some(chunk) = &previous {
                    read = Some(read_back(&slot.readback, chunk, order, results));
                }
            };
            slot::write_chunk(
                job,
                packed,
                indices,
                kernel,
                &regions,
                out,
                &device.pool,
                alongside,
            )
        };
        // The upload buffer's last copy finished with the chunk waited for
        // above: mapping it resolves at once.
        let upload = slot.upload.slice(0..total as u64);
        let (sender, mapped) = mpsc::channel();
        upload.map_async(wgpu::MapMode::Write, move |outcome| {
            let _ = sender.send(outcome);
        });
        loop {
            device
                .device
                .poll(wgpu::PollType::Poll)
                .map_err(|err| unavailable(format!("GPU {}: {err}", device.info.name)))?;
            match mapped.try_recv() {
                Ok(Ok(())) => break,
                Ok(Err(err)) => return Err(unavailable(format!("GPU upload map failed: {err}"))),
                Err(mpsc::TryRecvError::Empty) => std::thread::yield_now(),
                Err(mpsc::TryRecvError::Disconnected) => {
                    return Err(unavailable("GPU upload map was dropped"))
                }
            }
        }
        chunk_timing.map_waiting = started.elapsed();
        let written = {
            let mut view = upload
                .get_mapped_range_mut()
                .map_err(|err| unavailable(format!("GPU upload: {err}")))?;
            write(view.slice(..total))
        };
        chunk_timing.packing = started.elapsed() - chunk_timing.map_waiting;
        if let (Some(chunk), Some(read), Some((waiting_started, waited))) =
            (&previous, read, previous_wait)
        {
            let (ticks, unpacking) = read?;
            self.record
                .note_read_back(chunk, waiting_started, waited, unpacking, ticks);
        }
        self.packed_bytes += written as u64;
        let submitting_started = Instant::now();
        slot.upload.unmap();
        self.packing += submitting_started - started;

        let queue = &device.queue;
        let mut encoder = device
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("align"),
            });
        let destinations = [
            &slot.inputs[2],
            &slot.inputs[0],
            &slot.inputs[1],
            &slot.params,
            &slot.matrix,
        ];
        for (&(offset, size), destination) in regions.iter().zip(destinations) {
            if size > 0 {
                encoder.copy_buffer_to_buffer(&slot.upload, offset, destination, 0, size);
            }
        }
        {
            let timestamp_writes =
                slot.timestamps
                    .as_ref()
                    .map(|(set, _)| wgpu::ComputePassTimestampWrites {
                        query_set: set,
                        beginning_of_pass_write_index: Some(0),
                        end_of_pass_write_index: Some(1),
                    });
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("align"),
                timestamp_writes,
            });
            pass.set_pipeline(match (kernel, packed.width) {
                (Kernel::Short, Width::Nibble) => &device.short_pipelines[0],
                (Kernel::Short, Width::Byte) => &device.short_pipelines[1],
                (Kernel::Long, _) => &device.long_pipeline,
            });
            pass.set_bind_group(0, &slot.bind_group, &[]);
            let x = packed
                .workgroups
                .clamp(1, device.max_workgroups_per_dimension);
            pass.dispatch_workgroups(x, packed.workgroups.div_ceil(x).max(1), 1);
        }
        encoder.copy_buffer_to_buffer(&slot.results, 0, &slot.readback, 0, result_bytes);
        if let Some((set, resolve)) = &slot.timestamps {
            encoder.resolve_query_set(set, 0..2, resolve, 0);
            encoder.copy_buffer_to_buffer(
                resolve,
                0,
                &slot.readback,
                result_bytes,
                TIMESTAMP_BYTES,
            );
        }
        let submission = queue.submit([encoder.finish()]);
        let submitted = Instant::now();
        chunk_timing.submitting = submitted - submitting_started;
        chunk_timing.submitted = submitted - self.record.started;
        let timeline_index = self.record.timeline.len();
        self.record.timeline.push(chunk_timing);
        self.record.kernel_ticks.push(None);
        let (sender, mapped) = mpsc::channel();
        slot.readback
            .slice(0..result_bytes + TIMESTAMP_BYTES)
            .map_async(wgpu::MapMode::Read, move |outcome| {
                let _ = sender.send(outcome);
            });
        self.in_flight[index] = Some(InFlight {
            kernel,
            range: packed.range.clone(),
            result_bytes,
            submission,
            mapped,
            timeline_index,
            timestamps: slot.timestamps.is_some(),
        });
        Ok(())
    }

    /// Reads back every chunk still in flight, oldest first; returns where
    /// the batch's time went.
    pub(super) fn finish(mut self, results: &mut [MaybeUninit<Alignment>]) -> Result<Finished> {
        for offset in 0..SLOTS {
            let index = (self.next + offset) % SLOTS;
            if let Some(previous) = self.in_flight[index].take() {
                self.complete(index, previous, results)?;
            }
        }
        self.device.check_errors()?;
        let mut record = self.record;
        let first = record
            .kernel_ticks
            .iter()
            .flatten()
            .map(|&(begin, _)| begin)
            .min();
        let offset = |ticks: u64| {
            let since = ticks.saturating_sub(first.unwrap_or(ticks));
            Duration::from_nanos((since as f64 * record.period) as u64)
        };
        for (chunk, ticks) in record.timeline.iter_mut().zip(&record.kernel_ticks) {
            chunk.kernel = ticks.map(|(begin, end)| (offset(begin), offset(end)));
        }
        Ok(Finished {
            packing: self.packing,
            packed_bytes: self.packed_bytes,
            waiting: self.waiting,
            kernel: record.times,
            timeline: record.timeline,
        })
    }

    fn complete(
        &mut self,
        index: usize,
        chunk: InFlight,
        results: &mut [MaybeUninit<Alignment>],
    ) -> Result<()> {
        let (waiting_started, waited) = self.wait(&chunk)?;
        let Some(slot) = self.state.slots[index].as_ref() else {
            return Err(unavailable("GPU buffers missing"));
        };
        let (ticks, unpacking) =
            read_back(&slot.readback, &chunk, &self.state.plan.order, results)?;
        self.record
            .note_read_back(&chunk, waiting_started, waited, unpacking, ticks);
        Ok(())
    }

    /// Waits until the GPU has finished `chunk` and its results are
    /// mapped; returns when the wait began and how long it took.
    fn wait(&mut self, chunk: &InFlight) -> Result<(Instant, Duration)> {
        let device = self.device;
        let waiting_started = Instant::now();
        device
            .device
            .poll(wgpu::PollType::Wait {
                submission_index: Some(chunk.submission.clone()),
                timeout: None,
            })
            .map_err(|err| unavailable(format!("GPU {}: {err}", device.info.name)))?;
        let waited = waiting_started.elapsed();
        self.waiting += waited;
        device.check_errors()?;
        match chunk.mapped.try_recv() {
            Ok(Ok(())) => Ok((waiting_started, waited)),
            Ok(Err(err)) => Err(unavailable(format!("GPU readback failed: {err}"))),
            Err(_) => Err(unavailable("GPU readback did not complete")),
        }
    }
}

impl Record {
    /// Notes a chunk read back in the timeline and the kernel times.
    fn note_read_back(
        &mut self,
        chunk: &InFlight,
        waiting_started: Instant,
        waited: Duration,
        unpacking: Duration,
        ticks: Option<(u64, u64)>,
    ) {
        if let Some(timing) = self.timeline.get_mut(chunk.timeline_index) {
            timing.readback_started = waiting_started - self.started;
            timing.readback_waiting = waited;
            timing.unpacking = unpacking;
        }
        let (Some(times), Some((begin, end))) = (self.times.as_mut(), ticks) else {
            return;
        };
        let pass = Duration::from_nanos((end.saturating_sub(begin) as f64 * self.period) as u64);
        times.total += pass;
        times.slowest = times.slowest.max(pass);
        times.span_ticks = Some(match times.span_ticks {
            None => (begin, end),
            Some((first, last)) => (first.min(begin), last.max(end)),
        });
        if let Some(entry) = self.kernel_ticks.get_mut(chunk.timeline_index) {
            *entry = Some((begin, end));
        }
    }
}

/// Writes the results of `chunk`, finished and mapped in `readback`, into
/// `results` (pairs `order[chunk.range]`) and unmaps the buffer; returns
/// the chunk's compute pass start and end ticks (when timestamps were
/// written) and the time it took.
fn read_back(
    readback: &wgpu::Buffer,
    chunk: &InFlight,
    order: &[usize],
    results: &mut [MaybeUninit<Alignment>],
) -> Result<(Option<(u64, u64)>, Duration)> {
    let started = Instant::now();
    let ticks = {
        let view = readback
            .get_mapped_range(0..chunk.result_bytes + TIMESTAMP_BYTES)
            .map_err(|err| unavailable(format!("GPU readback: {err}")))?;
        let word = |k: usize| {
            let bytes = &view[k * 4..k * 4 + 4];
            u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])
        };
        let result_words = (chunk.result_bytes / 4) as usize;
        batch::unpack_results(chunk.kernel, &view, &order[chunk.range.clone()], results);
        let stamp = |k: usize| u64::from(word(k)) | u64::from(word(k + 1)) << 32;
        chunk
            .timestamps
            .then(|| (stamp(result_words), stamp(result_words + 2)))
    };
    readback.unmap();
    Ok((ticks, started.elapsed()))
}
