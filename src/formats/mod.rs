//! Readers and writers for the file formats of genomics, one module each.
//!
//! Every format module has the same rooms: a `reader` (with a zero-copy
//! borrowed record as the hot path), a `writer`, a `record` module with the
//! borrowed view and an owned, reusable record, and builders for options.
//!
//! * [`fastq`], FASTQ reads, single- and multi-line, paired, in batches, with
//!   per-record statistics;
//! * [`fasta`], FASTA sequences, streaming and indexed (`.fai`, `.gzi`);
//! * [`sam`], SAM text, the header shared by SAM, BAM and CRAM, and the one
//!   alignment record type (BAM's binary layout, decoded lazily);
//! * [`bam`], BAM, with BAI/CSI region queries through [`crate::index`];
//! * [`cram`], CRAM (so far: the block codecs);
//! * [`vcf`], VCF text and the variant model shared with BCF.
//!
//! [`detect`] recognises which of them an input holds from its first bytes.

pub mod bam;
pub mod bed;
pub mod bcf;
mod buffer;
pub mod cram;
mod detect;
pub mod fasta;
pub mod fastq;
pub mod gff;
pub mod sam;
pub mod vcf;

pub use self::detect::{detect, DetectedFormat};
