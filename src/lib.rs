//! # biometal
//!
//! Streaming, constant-memory readers and writers for the file formats of
//! genomics, and the layers beneath them:
//!
//! * [`io`] opens a path (or `-` for stdin) as a buffered reader or a memory
//!   map, chosen by file size, and detects plain, gzip and BGZF input;
//! * [`bgzf`] is the block codec under BAM, BCF and bgzipped text formats:
//!   virtual positions, seeking, multi-threaded decoding and a writer;
//! * [`simd`] holds the hot byte kernels (sequence packing, base counts,
//!   quality statistics, reverse complement) with AVX2/SSSE3, NEON and scalar
//!   versions chosen at run time;
//! * [`error`] is the one [`Error`] type, naming the format and the byte
//!   offset or record where a problem was found.
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod align;
pub mod bgzf;
pub mod error;
pub mod formats;
#[cfg(feature = "gpu")]
pub mod gpu;
pub mod index;
pub mod io;
#[cfg(feature = "neural-engine")]
#[cfg_attr(docsrs, doc(cfg(feature = "neural-engine")))]
pub mod neural_engine;
pub mod region;
pub mod simd;

pub use crate::error::{Error, ErrorKind, Format, Result};

/// The README's examples, compiled as doctests so they stay true.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
