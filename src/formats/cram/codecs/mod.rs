//! CRAM block codecs (CRAMcodecs specification, hts-specs), each a pure
//! function from compressed bytes to decoded bytes.
//!
//! [`block::decompress`] dispatches on a block's method byte:
//!
//! | CRAM method | module |
//! |---|---|
//! | 0: raw, 1: gzip, 2: bzip2, 3: LZMA (xz) | [`block`] |
//! | 4: rANS 4x8 (CRAM 3.0) | [`rans4x8`] |
//! | 5: rANS Nx16 (CRAM 3.1) | [`rans_nx16`] |
//! | 6: adaptive arithmetic coder (CRAM 3.1) | [`arith`] |
//! | 7: fqzcomp_qual (CRAM 3.1) | [`fqzcomp`] |
//! | 8: name tokeniser (CRAM 3.1) | [`tok3`] |
//!
//! Every decoder checks each size it reads against [`MAX_DECODED_LEN`] (or a
//! tighter limit named beside it) before allocating, bounds-checks every
//! table index, and reports corrupt or truncated input as a
//! [`Format::Cram`](crate::Format::Cram) error carrying the byte offset in
//! the compressed stream.

pub mod block;
mod external;
mod reader;
mod table;
mod transform;

pub mod arith;
pub mod fqzcomp;
pub mod rans4x8;
pub mod rans_nx16;
pub mod tok3;

/// The largest decoded block any codec here will produce: 256 MiB. CRAM
/// writers put far less in one block (htslib's containers hold a few MB);
/// a larger size read from a stream is reported as
/// [`ErrorKind::LimitExceeded`](crate::ErrorKind::LimitExceeded) before any
/// allocation. Fuzzing builds (`--cfg fuzzing`, set by cargo-fuzz) use
/// 4 MiB, so that hostile sizes cost the fuzzer little time and memory.
#[cfg(not(fuzzing))]
pub const MAX_DECODED_LEN: usize = 256 << 20;
/// The largest decoded block (fuzzing builds: 4 MiB; 256 MiB otherwise).
#[cfg(fuzzing)]
pub const MAX_DECODED_LEN: usize = 4 << 20;
