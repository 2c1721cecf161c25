//! Inflate backends on the same BGZF blocks: which crate decodes BAM blocks
//! fastest on one core? This is the measurement behind biometal's choice of
//! libdeflate for BGZF blocks (README, "Dependencies, and why").
//!
//! Input: `BIOMETAL_BENCH_BGZF` (any BGZF file; a BAM is most representative),
//! or by default `hts-specs/bam/passed/level-1.bam` from the conformance data
//! (`BIOMETAL_TESTDATA`, default `../../../shared/testdata`).
//!
//! Every backend inflates every block's raw deflate payload into one reused
//! 64 KiB buffer; none checks the CRC (crc32fast's cost is measured
//! separately). Throughput is uncompressed bytes per second.
use std::ffi::c_int;
use std::path::PathBuf;

use biometal::bgzf::{block, MAX_BLOCK_SIZE};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn input_path() -> PathBuf {
    if let Some(path) = std::env::var_os("BIOMETAL_BENCH_BGZF") {
        return PathBuf::from(path);
    }
    let testdata = std::env::var_os("BIOMETAL_TESTDATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata"));
    testdata.join("hts-specs/bam/passed/level-1.bam")
}

/// The raw deflate payload and uncompressed size of every block.
fn load_blocks() -> (Vec<(Vec<u8>, usize)>, u64) {
    let path = input_path();
    let data = std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let mut blocks = Vec::new();
    let mut total = 0;
    let mut offset = 0;
    while offset < data.len() {
        let rest = &data[offset..];
        let header_end = block::FIXED_HEADER_SIZE + block::extra_field_len(rest, offset as u64).expect("header");
        let size = block::block_size(&rest[..header_end], offset as u64).expect("block size");
        let parts = block::split_block(&rest[..size], offset as u64).expect("block");
        total += parts.uncompressed_size as u64;
        blocks.push((parts.compressed.to_vec(), parts.uncompressed_size));
        offset += size;
    }
    (blocks, total)
}

struct CloudflareInflater {
    stream: Box<cloudflare_zlib_sys::z_stream>,
}

impl CloudflareInflater {
    fn new() -> Self {
        // SAFETY: z_stream is a plain C struct for which all-zero (null
        // allocators, null pointers) is the documented initial state.
        let mut stream: Box<cloudflare_zlib_sys::z_stream> = Box::new(unsafe { std::mem::zeroed() });
        // SAFETY: the stream is zeroed as zlib requires; windowBits -15
        // selects raw deflate; the version and size match the linked zlib.
        let status = unsafe {
            cloudflare_zlib_sys::inflateInit2_(
                &mut *stream,
                -15,
                cloudflare_zlib_sys::zlibVersion(),
                std::mem::size_of::<cloudflare_zlib_sys::z_stream>() as c_int,
            )
        };
        assert_eq!(status, 0, "inflateInit2_");
        CloudflareInflater { stream }
    }

    fn inflate(&mut self, input: &[u8], out: &mut [u8]) -> usize {
        let stream = &mut *self.stream;
        // SAFETY: the stream was initialised by inflateInit2_; next_in/next_out
        // point into live slices of the lengths given, and zlib writes only
        // within avail_out bytes of next_out.
        unsafe {
            assert_eq!(cloudflare_zlib_sys::inflateReset(stream), 0);
            stream.next_in = input.as_ptr() as *mut _;
            stream.avail_in = input.len() as _;
            stream.next_out = out.as_mut_ptr();
            stream.avail_out = out.len() as _;
            let status = cloudflare_zlib_sys::inflate(stream, cloudflare_zlib_sys::Z_FINISH);
            assert_eq!(status, cloudflare_zlib_sys::Z_STREAM_END, "inflate");
        }
        out.len() - stream.avail_out as usize
    }
}

fn inflate_backends(c: &mut Criterion) {
    let (blocks, total) = load_blocks();
    let mut out = vec![0u8; MAX_BLOCK_SIZE];
    let mut group = c.benchmark_group("inflate_bgzf_blocks");
    group.throughput(Throughput::Bytes(total));

    let mut libdeflate = libdeflater::Decompressor::new();
    group.bench_function("libdeflater", |b| {
        b.iter(|| {
            for (compressed, size) in &blocks {
                let n = libdeflate.deflate_decompress(compressed, &mut out[..*size]).expect("inflate");
                assert_eq!(n, *size);
            }
        })
    });

    let mut zlib_rs = flate2::Decompress::new(false);
    group.bench_function("zlib-rs (flate2)", |b| {
        b.iter(|| {
            for (compressed, size) in &blocks {
                zlib_rs.reset(false);
                let status = zlib_rs.decompress(compressed, &mut out, flate2::FlushDecompress::Finish).expect("inflate");
                assert_eq!(status, flate2::Status::StreamEnd);
                assert_eq!(zlib_rs.total_out() as usize, *size);
            }
        })
    });

    let mut cloudflare = CloudflareInflater::new();
    group.bench_function("cloudflare-zlib", |b| {
        b.iter(|| {
            for (compressed, size) in &blocks {
                assert_eq!(cloudflare.inflate(compressed, &mut out), *size);
            }
        })
    });

    let mut miniz = miniz_oxide::inflate::core::DecompressorOxide::new();
    group.bench_function("miniz_oxide", |b| {
        use miniz_oxide::inflate::core::{decompress, inflate_flags::TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF};
        b.iter(|| {
            for (compressed, size) in &blocks {
                miniz.init();
                let (_, _, n) = decompress(&mut miniz, compressed, &mut out, 0, TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF);
                assert_eq!(n, *size);
            }
        })
    });

    // zune-inflate returns a fresh Vec per call (no caller-supplied output);
    // the size hint makes that one allocation of the right size.
    group.bench_function("zune-inflate", |b| {
        b.iter(|| {
            for (compressed, size) in &blocks {
                let options = zune_inflate::DeflateOptions::default()
                    .set_size_hint(*size)
                    .set_limit(MAX_BLOCK_SIZE);
                let inflated = zune_inflate::DeflateDecoder::new_with_options(compressed, options)
                    .decode_deflate()
                    .expect("inflate");
                assert_eq!(inflated.len(), *size);
            }
        })
    });

    group.bench_function("crc32fast (checksum only)", |b| {
        let data = vec![0x5au8; MAX_BLOCK_SIZE];
        let per_block: Vec<usize> = blocks.iter().map(|(_, size)| *size).collect();
        b.iter(|| per_block.iter().map(|&size| crc32fast::hash(&data[..size])).fold(0, u32::wrapping_add))
    });
    group.finish();
}

criterion_group!(benches, inflate_backends);
criterion_main!(benches);
