//! biometal's CRAM codec decoders beside htscodecs (the reference C
//! implementation, Debian's `libhtscodecs`, linked through `build.rs`), on
//! the same hts-specs conformance files, single thread. Each case first
//! checks that both decoders produce identical bytes.
//!
//! Throughput is decoded bytes per second. Test data: `BIOMETAL_TESTDATA`
//! (default `../../../shared/testdata`).
use std::ffi::{c_char, c_int, c_uchar, c_uint, c_void};
use std::path::PathBuf;

use biometal::formats::cram::codecs::{arith, fqzcomp, rans4x8, rans_nx16, tok3};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

extern "C" {
    fn rans_uncompress(input: *mut c_uchar, in_size: c_uint, out_size: *mut c_uint)
        -> *mut c_uchar;
    fn rans_uncompress_4x16(
        input: *mut c_uchar,
        in_size: c_uint,
        out_size: *mut c_uint,
    ) -> *mut c_uchar;
    fn arith_uncompress(
        input: *mut c_uchar,
        in_size: c_uint,
        out_size: *mut c_uint,
    ) -> *mut c_uchar;
    fn fqz_decompress(
        input: *mut c_char,
        in_size: usize,
        out_size: *mut usize,
        lengths: *mut c_int,
        nlengths: c_int,
    ) -> *mut c_char;
    fn rans_uncompress_O0_32x16_avx2(
        input: *mut c_uchar,
        in_size: c_uint,
        out: *mut c_uchar,
        out_size: c_uint,
    ) -> *mut c_uchar;
    fn rans_uncompress_O0_32x16_avx512(
        input: *mut c_uchar,
        in_size: c_uint,
        out: *mut c_uchar,
        out_size: c_uint,
    ) -> *mut c_uchar;
    fn tok3_decode_names(input: *mut u8, size: u32, out_len: *mut u32) -> *mut u8;
    fn free(ptr: *mut c_void);
}

/// htscodecs' decoder for one codec: returns a malloc'd buffer and its size.
#[derive(Clone, Copy)]
enum Peer {
    Rans4x8,
    RansNx16,
    Arith,
    Fqzcomp,
    Tok3,
}

/// Decodes `src` with htscodecs, returning the output (copied) or `None`.
fn peer_decode(peer: Peer, src: &mut [u8]) -> Option<Vec<u8>> {
    let len = src.len();
    // SAFETY: each function reads `len` bytes of `src` (its signature takes
    // a mutable pointer but does not write), returns a malloc'd buffer of
    // the size it stores through the out pointer, or NULL; the buffer is
    // copied and freed once.
    unsafe {
        let (ptr, out_len) = match peer {
            Peer::Rans4x8 | Peer::RansNx16 | Peer::Arith => {
                let mut out_len: c_uint = 0;
                let f = match peer {
                    Peer::Rans4x8 => rans_uncompress,
                    Peer::RansNx16 => rans_uncompress_4x16,
                    _ => arith_uncompress,
                };
                let ptr = f(src.as_mut_ptr(), len as c_uint, &mut out_len);
                (ptr, out_len as usize)
            }
            Peer::Fqzcomp => {
                let mut out_len = 0usize;
                let ptr = fqz_decompress(
                    src.as_mut_ptr().cast(),
                    len,
                    &mut out_len,
                    std::ptr::null_mut(),
                    0,
                );
                (ptr.cast::<u8>(), out_len)
            }
            Peer::Tok3 => {
                let mut out_len = 0u32;
                let ptr = tok3_decode_names(src.as_mut_ptr(), len as u32, &mut out_len);
                (ptr, out_len as usize)
            }
        };
        if ptr.is_null() {
            return None;
        }
        let out = std::slice::from_raw_parts(ptr, out_len).to_vec();
        free(ptr.cast());
        Some(out)
    }
}

/// Runs htscodecs' decoder and frees its output, for timing.
fn peer_decode_only(peer: Peer, src: &mut [u8]) {
    let len = src.len();
    // SAFETY: as in `peer_decode`.
    unsafe {
        let ptr: *mut c_void = match peer {
            Peer::Rans4x8 => {
                let mut n = 0;
                rans_uncompress(src.as_mut_ptr(), len as c_uint, &mut n).cast()
            }
            Peer::RansNx16 => {
                let mut n = 0;
                rans_uncompress_4x16(src.as_mut_ptr(), len as c_uint, &mut n).cast()
            }
            Peer::Arith => {
                let mut n = 0;
                arith_uncompress(src.as_mut_ptr(), len as c_uint, &mut n).cast()
            }
            Peer::Fqzcomp => {
                let mut n = 0;
                fqz_decompress(
                    src.as_mut_ptr().cast(),
                    len,
                    &mut n,
                    std::ptr::null_mut(),
                    0,
                )
                .cast()
            }
            Peer::Tok3 => {
                let mut n = 0;
                tok3_decode_names(src.as_mut_ptr(), len as u32, &mut n).cast()
            }
        };
        assert!(!ptr.is_null(), "htscodecs failed to decode");
        free(ptr);
    }
}

fn codec_file(relative: &str) -> Vec<u8> {
    let dir = std::env::var_os("BIOMETAL_TESTDATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata")
        });
    let path = dir.join("hts-specs/cram/codecs").join(relative);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

type Decoder = fn(&[u8], &mut Vec<u8>) -> biometal::Result<()>;

fn bench_peers(c: &mut Criterion) {
    let cases: [(&str, &str, Decoder, Peer); 12] = [
        (
            "rans4x8/o0",
            "rans4x8/q40+dir.0",
            rans4x8::decode,
            Peer::Rans4x8,
        ),
        (
            "rans4x8/o1",
            "rans4x8/q40+dir.1",
            rans4x8::decode,
            Peer::Rans4x8,
        ),
        (
            "rans_nx16/o0",
            "ransNx16/q40+dir.0",
            rans_nx16::decode,
            Peer::RansNx16,
        ),
        (
            "rans_nx16/o1",
            "ransNx16/q40+dir.1",
            rans_nx16::decode,
            Peer::RansNx16,
        ),
        (
            "rans_nx16/o0_x32",
            "ransNx16/q40+dir.4",
            rans_nx16::decode,
            Peer::RansNx16,
        ),
        (
            "rans_nx16/o1_x32",
            "ransNx16/q40+dir.5",
            rans_nx16::decode,
            Peer::RansNx16,
        ),
        ("arith/o0", "range/q40+dir.0", arith::decode, Peer::Arith),
        ("arith/o1", "range/q40+dir.1", arith::decode, Peer::Arith),
        (
            "arith/rle_o1",
            "range/q40+dir.65",
            arith::decode,
            Peer::Arith,
        ),
        (
            "fqzcomp/q40+dir.0",
            "fqzcomp/q40+dir.0",
            fqzcomp::decode,
            Peer::Fqzcomp,
        ),
        (
            "tok3/rans_nx16",
            "tok3/03.names.9",
            tok3::decode,
            Peer::Tok3,
        ),
        ("tok3/arith", "tok3/03.names.19", tok3::decode, Peer::Tok3),
    ];
    let mut group = c.benchmark_group("cram_codec_peers");
    let mut out = Vec::new();
    for (name, file, decode, peer) in cases {
        let mut src = codec_file(file);
        decode(&src, &mut out).expect("biometal decodes the conformance file");
        let theirs = peer_decode(peer, &mut src).expect("htscodecs decodes the conformance file");
        assert!(out == theirs, "{name}: biometal and htscodecs disagree");
        group.throughput(Throughput::Bytes(out.len() as u64));
        group.bench_function(format!("{name}/biometal"), |b| {
            b.iter(|| decode(&src, &mut out).expect("decode"))
        });
        group.bench_function(format!("{name}/htscodecs"), |b| {
            b.iter(|| peer_decode_only(peer, &mut src))
        });
    }
    group.finish();
}

/// htscodecs' 32-way order-0 kernels called one by one (its dispatcher
/// picks AVX-512 on Intel CPUs that have it, AVX2 elsewhere), on the X32
/// order-0 conformance file: the frequency table and data after the flags
/// byte and the size, decoded into a caller's buffer.
fn bench_x32_kernels(c: &mut Criterion) {
    type Kernel = unsafe extern "C" fn(*mut c_uchar, c_uint, *mut c_uchar, c_uint) -> *mut c_uchar;
    let mut src = codec_file("ransNx16/q40+dir.4");
    let mut want = Vec::new();
    rans_nx16::decode(&src, &mut want).expect("biometal decodes the conformance file");
    // Flags (one byte: X32 without transforms), then the size as uint7.
    assert_eq!(src[0], 4, "an X32 order-0 stream without transforms");
    let size_len = 1 + src[1..].iter().take_while(|&&b| b & 0x80 != 0).count();
    let body = 1 + size_len;
    let mut kernels: Vec<(&str, Kernel)> = Vec::new();
    if std::is_x86_feature_detected!("avx2") {
        kernels.push(("avx2", rans_uncompress_O0_32x16_avx2));
    }
    if std::is_x86_feature_detected!("avx512f") {
        kernels.push(("avx512", rans_uncompress_O0_32x16_avx512));
    }
    let mut group = c.benchmark_group("cram_codec_peers");
    group.throughput(Throughput::Bytes(want.len() as u64));
    let mut out = vec![0u8; want.len()];
    for (name, kernel) in kernels {
        let mut run = |out: &mut [u8]| {
            // SAFETY: the CPU has the kernel's instruction set (checked
            // above); it reads `src.len() - body` bytes from `body` and
            // writes at most `out.len()` bytes to `out`, returning `out`
            // or NULL.
            unsafe {
                kernel(
                    src.as_mut_ptr().add(body),
                    (src.len() - body) as c_uint,
                    out.as_mut_ptr(),
                    out.len() as c_uint,
                )
            }
        };
        assert!(!run(&mut out).is_null(), "htscodecs {name} failed");
        assert!(out == want, "htscodecs {name} and biometal disagree");
        group.bench_function(format!("rans_nx16/o0_x32/htscodecs_{name}"), |b| {
            b.iter(|| run(&mut out))
        });
    }
    group.finish();
}

criterion_group!(benches, bench_peers, bench_x32_kernels);
criterion_main!(benches);
