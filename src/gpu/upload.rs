//! Upload buffers in cached host memory (Vulkan).
//!
//! wgpu places a `MAP_WRITE` buffer in device-local, host-visible memory
//! where the adapter has it (a discrete GPU's BAR): the CPU then writes
//! every byte across PCIe, uncached. A buffer allocated as wgpu-hal's
//! `MAP_READ` usage lives in cached host memory instead (what readback
//! buffers use), where the packing threads write at memory speed and the
//! GPU pulls the chunk with one DMA copy. wgpu allows no such buffer as a
//! copy source, so it is created through wgpu-hal, mapped once for the
//! buffer's life, and handed to wgpu as a plain `COPY_SRC` buffer.

use std::ptr::NonNull;

/// The persistent, coherent mapping of an upload buffer in host memory.
#[derive(Debug)]
pub(super) struct HostMemory {
    start: NonNull<u8>,
    len: usize,
}

// SAFETY: `HostMemory` is a pointer to memory owned by the wgpu buffer it
// was created with, which lives as long as the slot holding both. It is
// only dereferenced through `bytes`, whose caller guarantees exclusive
// access; the pointer itself carries no thread affinity.
unsafe impl Send for HostMemory {}
// SAFETY: as for `Send`: shared references give no access to the bytes.
unsafe impl Sync for HostMemory {}

impl HostMemory {
    /// A `COPY_SRC` buffer of `size` bytes in cached host memory with its
    /// mapping, or `None` where the backend is not Vulkan or the memory is
    /// not coherent (then the caller uses a `MAP_WRITE` buffer).
    #[cfg(not(target_os = "macos"))]
    pub(super) fn new(device: &wgpu::Device, size: u64) -> Option<(wgpu::Buffer, HostMemory)> {
        use wgpu::hal::{api::Vulkan, Device as _};
        let label = Some("upload (host)");
        // SAFETY: the hal device is only used to create, map and (on
        // failure) destroy a buffer of its own; the buffer is created with
        // a non-zero size and the usages `desc` below names (plus
        // `MAP_READ`, which only picks host memory), and it is mapped but
        // never written here, so it may be handed to wgpu as initialised
        // (its contents are written before any copy reads them). The
        // mapping stays valid until the buffer is destroyed: gpu-allocator
        // maps host memory for the allocation's life.
        unsafe {
            let hal = device.as_hal::<Vulkan>()?;
            let raw = hal
                .create_buffer(&wgpu::hal::BufferDescriptor {
                    label,
                    size,
                    usage: wgpu::BufferUses::MAP_READ | wgpu::BufferUses::COPY_SRC,
                    memory_flags: wgpu::hal::MemoryFlags::empty(),
                })
                .ok()?;
            let mapping = match hal.map_buffer(&raw, 0..size) {
                Ok(mapping) if mapping.is_coherent => mapping,
                _ => {
                    hal.destroy_buffer(raw);
                    return None;
                }
            };
            drop(hal);
            let buffer = device.create_buffer_from_hal::<Vulkan>(
                raw,
                &wgpu::BufferDescriptor {
                    label,
                    size,
                    usage: wgpu::BufferUsages::COPY_SRC,
                    mapped_at_creation: false,
                },
            );
            let memory = HostMemory {
                start: mapping.ptr,
                len: size as usize,
            };
            Some((buffer, memory))
        }
    }

    /// Metal has no such buffers here: always `None`.
    #[cfg(target_os = "macos")]
    pub(super) fn new(_device: &wgpu::Device, _size: u64) -> Option<(wgpu::Buffer, HostMemory)> {
        None
    }

    /// The first `len` bytes (at most the buffer's size).
    ///
    /// # Safety
    ///
    /// The buffer this mapping belongs to must be alive, and no GPU command
    /// reading it may be pending: the caller waited for the last submission
    /// that used it. No other reference to the bytes may exist.
    #[allow(clippy::mut_from_ref)]
    pub(super) unsafe fn bytes(&self, len: usize) -> &mut [u8] {
        // SAFETY: `start` is valid for `self.len` bytes while the buffer
        // lives; the caller guarantees exclusive access.
        unsafe { std::slice::from_raw_parts_mut(self.start.as_ptr(), len.min(self.len)) }
    }
}
