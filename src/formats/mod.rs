//! File formats, one module each.

pub mod bam;
pub mod cram;
pub mod sam;
