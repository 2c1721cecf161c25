//! CRAM, the reference-based compressed alignment format (CRAM
//! specification, version 3.1).
//!
//! So far this module holds the block [`codecs`]: the entropy coders and
//! general-purpose compressors that CRAM blocks may be compressed with.

pub mod codecs;
