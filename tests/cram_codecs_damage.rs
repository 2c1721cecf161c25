//! Damaged real streams for every CRAM block codec: each hts-specs
//! conformance file cut at every length through its headers and frequency
//! tables (and those of each STRIPE sub-stream and name-tokeniser token
//! stream), at 16 more lengths spread over the coded data, and with single
//! bytes flipped.
//!
//! A strict prefix must give a [`Format::Cram`] error; a flipped byte an
//! error or some output (entropy coders cannot detect all corruption);
//! never a panic. A counting allocator checks that no truncated stream makes
//! the decoder allocate more than its true output needs (plus the order-1
//! rANS table): sizes read from a cut-off stream are all genuine, so a
//! larger allocation would be sized by something unchecked.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::collections::BTreeSet;
use std::fs;
use std::path::PathBuf;

use biometal::formats::cram::codecs::{arith, fqzcomp, rans4x8, rans_nx16, tok3};
use biometal::{Error, Format, Result};

type Decoder = fn(&[u8], &mut Vec<u8>) -> Result<()>;

/// The system allocator, noting the largest request of each thread.
struct LargestRequest;

thread_local! {
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

fn note(size: usize) {
    let _ = LARGEST.try_with(|largest| largest.set(largest.get().max(size)));
}

// SAFETY: every call is forwarded unchanged to `System`; `note` does not
// allocate.
unsafe impl GlobalAlloc for LargestRequest {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        // SAFETY: the caller's guarantees for `layout` carry over.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        // SAFETY: `ptr` and `layout` come from this allocator, i.e. `System`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as for `realloc`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: LargestRequest = LargestRequest;

/// The order-1 rANS Nx16 table (4 MiB), allocated once per thread, and
/// slack for small bookkeeping.
const FIXED_ALLOWANCE: usize = (4 << 20) + (1 << 20);

/// Every file in a codec folder, sorted.
fn codec_files(codec: &str) -> Vec<PathBuf> {
    let dir = common::testdata(&format!("hts-specs/cram/codecs/{codec}"));
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no files in {}", dir.display());
    files
}

/// A 7-bit variable-length integer (CRAMcodecs `ReadUint7`) at `*at`.
fn uint7(src: &[u8], at: &mut usize) -> usize {
    let mut value = 0;
    loop {
        let byte = src[*at];
        *at += 1;
        value = (value << 7) | usize::from(byte & 0x7f);
        if byte < 0x80 {
            return value;
        }
    }
}

/// Where coded streams start in `src`: 0, each STRIPE sub-stream of a
/// rANS Nx16 or range coder stream, each token stream of a name-tokeniser
/// block; their headers and tables are boundaries as much as the outer
/// header.
fn stream_starts(codec: &str, src: &[u8]) -> Vec<usize> {
    let mut starts = vec![0];
    if (codec == "ransNx16" || codec == "range") && src[0] & 8 != 0 {
        let mut at = 1;
        if src[0] & 16 == 0 {
            uint7(src, &mut at); // the decoded size
        }
        let ways = usize::from(src[at]);
        at += 1;
        let lens: Vec<usize> = (0..ways).map(|_| uint7(src, &mut at)).collect();
        for len in lens {
            starts.push(at);
            at += len;
        }
        assert_eq!(at, src.len(), "STRIPE sub-stream sizes add up");
    } else if codec == "tok3" {
        // Decoded size and name count (u32 each), the codec byte, then
        // streams: a descriptor, 2 bytes for a duplicate (flag 64), else a
        // uint7 size and the inner stream.
        let mut at = 9;
        while at < src.len() {
            starts.push(at);
            let descriptor = src[at];
            at += 1;
            if descriptor & 64 != 0 {
                at += 2;
            } else {
                let len = uint7(src, &mut at);
                at += len;
            }
        }
        assert_eq!(at, src.len(), "name tokeniser stream sizes add up");
    }
    starts
}

/// Whether `error` comes from coded data running out, past all headers and
/// tables (the messages of the rANS Nx16 and range decoders).
fn in_coded_data(error: &Error) -> bool {
    let message = error.to_string();
    message.contains("data ended before all symbols") || message.contains("range coder data")
}

/// Cuts `src` at `cut`: the decoder must fail with a CRAM error, allocating
/// at most `allowance` bytes at once. Returns the error.
fn check_cut(name: &str, decode: Decoder, src: &[u8], cut: usize, allowance: usize) -> Error {
    let mut out = Vec::new();
    LARGEST.set(0);
    let error = match decode(&src[..cut], &mut out) {
        Ok(()) => panic!("{name}: prefix of {cut} bytes decoded without error"),
        Err(e) => e,
    };
    assert_eq!(
        error.format(),
        Some(Format::Cram),
        "{name}[..{cut}]: {error}"
    );
    let largest = LARGEST.get();
    assert!(
        largest <= allowance,
        "{name}[..{cut}]: allocated {largest} bytes at once, allowed {allowance}"
    );
    error
}

/// Runs the damage checks on every file of `codec`. Cuts: every length from
/// each stream start for `window` bytes, or until 256 cuts in a row end in
/// coded data (past the tables, where one cut is much like the next); 16
/// lengths spread over the file. Flips: each of the first 32 bytes and 16
/// spread over the rest.
fn check_damage(codec: &str, decode: Decoder, window: usize) {
    let mut out = Vec::new();
    for path in codec_files(codec) {
        let name = path.display().to_string();
        let src = fs::read(&path).expect("read codec file");
        LARGEST.set(0);
        decode(&src, &mut out).unwrap_or_else(|e| panic!("{name} decodes whole: {e}"));
        let allowance = LARGEST.get().max(4 * out.len()) + FIXED_ALLOWANCE;

        let mut done = BTreeSet::new();
        for start in stream_starts(codec, &src) {
            let mut data_run = 0;
            for cut in start..src.len().min(start.saturating_add(window)) {
                if !done.insert(cut) {
                    continue;
                }
                let error = check_cut(&name, decode, &src, cut, allowance);
                data_run = if in_coded_data(&error) {
                    data_run + 1
                } else {
                    0
                };
                if data_run == 256 {
                    break;
                }
            }
        }
        for cut in (0..src.len()).step_by(src.len().div_ceil(16)) {
            if done.insert(cut) {
                check_cut(&name, decode, &src, cut, allowance);
            }
        }

        let flips = (0..src.len().min(32)).chain((32..src.len()).step_by(src.len().div_ceil(16)));
        let mut damaged = src.clone();
        for at in flips {
            damaged[at] ^= 0x5a;
            if let Err(e) = decode(&damaged, &mut out) {
                assert_eq!(
                    e.format(),
                    Some(Format::Cram),
                    "{name} flipped at {at}: {e}"
                );
            }
            damaged[at] = src[at];
        }
    }
}

/// Order-1 tables reach 9 KiB in these files.
const RANS_TABLES: usize = 12 << 10;

#[test]
fn rans4x8_damaged_input() {
    check_damage("rans4x8", rans4x8::decode, RANS_TABLES);
}

#[test]
fn rans_nx16_damaged_input() {
    check_damage("ransNx16", rans_nx16::decode, RANS_TABLES);
}

/// Range-coder headers (flags, sizes, PACK meta-data) are a few bytes.
#[test]
fn arith_damaged_input() {
    check_damage("range", arith::decode, 1 << 10);
}

/// fqzcomp's parameter blocks with their quality, position and delta
/// tables stay below 1 KiB.
#[test]
fn fqzcomp_damaged_input() {
    check_damage("fqzcomp", fqzcomp::decode, 1 << 10);
}

/// Each token stream's header and inner-codec header and tables.
#[test]
fn tok3_damaged_input() {
    check_damage("tok3", tok3::decode, 256);
}
