//! A chunk's buffer set ([`Slot`]) and writing a planned chunk into its
//! upload buffer.

use super::batch::{Kernel, Packed, MATRIX_ENTRIES};
use super::device::Job;
use super::pack;
use super::pool::Pool;

/// Where the timestamps go in the resolve buffer (its required alignment).
pub(super) const TIMESTAMP_BYTES: u64 = 16;

/// One set of buffers; grown when a chunk needs more.
pub(super) struct Slot {
    /// Mapped for writing between chunks: the packing threads fill it.
    pub(super) upload: wgpu::Buffer,
    pub(super) params: wgpu::Buffer,
    pub(super) matrix: wgpu::Buffer,
    pub(super) inputs: [wgpu::Buffer; 3],
    pub(super) boundary: wgpu::Buffer,
    pub(super) results: wgpu::Buffer,
    pub(super) readback: wgpu::Buffer,
    pub(super) timestamps: Option<(wgpu::QuerySet, wgpu::Buffer)>,
    pub(super) bind_group: wgpu::BindGroup,
}

/// Sizes in bytes of the lengths, bases, residues, boundary and results
/// buffers.
pub(super) type Sizes = [u64; 5];

/// The upload buffer holds the residues, lengths, bases, params and
/// matrix of a chunk, in that order.
pub(super) fn upload_bytes(sizes: Sizes) -> u64 {
    sizes[2] + sizes[0] + sizes[1] + 16 + (MATRIX_ENTRIES * 4) as u64
}

/// Offsets and sizes in the upload buffer of the residues, lengths,
/// bases, params and matrix ([`upload_bytes`]).
pub(super) fn regions(sizes: Sizes) -> [(u64, u64); 5] {
    let mut offset = 0u64;
    let matrix_bytes = (MATRIX_ENTRIES * 4) as u64;
    [sizes[2], sizes[0], sizes[1], 16, matrix_bytes].map(|size| {
        let region = (offset, size);
        offset += size;
        region
    })
}

/// Writes a planned chunk into `out` (the upload buffer's first
/// [`upload_bytes`]) at `regions`, the calling thread running `alongside`
/// while other threads pack; returns the bytes written.
#[allow(clippy::too_many_arguments)]
pub(super) fn write_chunk<Q, T>(
    job: &Job<'_, Q, T>,
    packed: &mut Packed,
    indices: &[usize],
    kernel: Kernel,
    regions: &[(u64, u64); 5],
    mut out: wgpu::WriteOnly<'_, [u8]>,
    pool: &Pool,
    alongside: impl FnOnce(),
) -> usize
where
    Q: AsRef<[u8]> + Sync,
    T: AsRef<[u8]> + Sync,
{
    let bytes = packed.residue_words * 4;
    let residues = out.slice(..bytes);
    let mut written = match kernel {
        Kernel::Short => pack::fill_short(
            job.pairs, packed, indices, job.codes, residues, pool, alongside,
        ),
        Kernel::Long => {
            alongside();
            pack::fill_long(job.pairs, packed, indices, job.scoring, residues);
            bytes
        }
    };
    let small: [&[u32]; 4] = [
        &packed.lengths,
        packed.bases.as_flattened(),
        &packed.params,
        job.matrix,
    ];
    for (&(offset, size), words) in regions[1..].iter().zip(small) {
        write_words(out.slice(offset as usize..(offset + size) as usize), words);
        written += size as usize;
    }
    written
}

/// `words` little-endian into `out` (`4 × words.len()` bytes), a block at
/// a time: a copy per 4 KiB, not a write per byte.
fn write_words(mut out: wgpu::WriteOnly<'_, [u8]>, words: &[u32]) {
    let mut block = [0u8; 4096];
    for (index, part) in words.chunks(block.len() / 4).enumerate() {
        for (bytes, word) in block.chunks_exact_mut(4).zip(part) {
            bytes.copy_from_slice(&word.to_le_bytes());
        }
        let at = index * block.len();
        out.slice(at..at + part.len() * 4)
            .copy_from_slice(&block[..part.len() * 4]);
    }
}

impl Slot {
    /// Buffers of `sizes` on `gpu`, bound as `layout` says, with a
    /// timestamp query set where the device has `timestamps`.
    pub(super) fn new(
        gpu: &wgpu::Device,
        layout: &wgpu::BindGroupLayout,
        timestamps: bool,
        sizes: Sizes,
    ) -> Slot {
        let buffer = |label: &str, size: u64, usage: wgpu::BufferUsages| {
            gpu.create_buffer(&wgpu::BufferDescriptor {
                label: Some(label),
                size: size.max(16).next_multiple_of(16),
                usage,
                mapped_at_creation: false,
            })
        };
        use wgpu::BufferUsages as U;
        let input = U::STORAGE | U::COPY_DST;
        let params = buffer("params", 16, U::UNIFORM | U::COPY_DST);
        let matrix = buffer("matrix", (MATRIX_ENTRIES * 4) as u64, input);
        let inputs = [
            buffer("lengths", sizes[0], input),
            buffer("bases", sizes[1], input),
            buffer("residues", sizes[2], input),
        ];
        let upload = buffer("upload", upload_bytes(sizes), U::MAP_WRITE | U::COPY_SRC);
        let boundary = buffer("boundary", sizes[3], U::STORAGE);
        let results = buffer("results", sizes[4], U::STORAGE | U::COPY_SRC);
        let readback = buffer(
            "readback",
            sizes[4] + TIMESTAMP_BYTES,
            U::MAP_READ | U::COPY_DST,
        );
        let timestamps = timestamps.then(|| {
            let set = gpu.create_query_set(&wgpu::QuerySetDescriptor {
                label: Some("align timestamps"),
                ty: wgpu::QueryType::Timestamp,
                count: 2,
            });
            (
                set,
                buffer("resolve", TIMESTAMP_BYTES, U::QUERY_RESOLVE | U::COPY_SRC),
            )
        });
        let resources = [
            &params, &matrix, &inputs[0], &inputs[1], &inputs[2], &boundary, &results,
        ];
        let entries: Vec<wgpu::BindGroupEntry> = resources
            .iter()
            .enumerate()
            .map(|(binding, buffer)| wgpu::BindGroupEntry {
                binding: binding as u32,
                resource: buffer.as_entire_binding(),
            })
            .collect();
        let bind_group = gpu.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("align"),
            layout,
            entries: &entries,
        });
        Slot {
            upload,
            params,
            matrix,
            inputs,
            boundary,
            results,
            readback,
            timestamps,
            bind_group,
        }
    }

    pub(super) fn fits(&self, sizes: Sizes) -> bool {
        let have = [
            self.inputs[0].size(),
            self.inputs[1].size(),
            self.inputs[2].size(),
            self.boundary.size(),
            self.results.size(),
        ];
        have.iter().zip(sizes).all(|(&have, need)| have >= need)
            && self.upload.size() >= upload_bytes(sizes)
    }
}
