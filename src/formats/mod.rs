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
//! * [`cram`], CRAM 2.1/3.0/3.1: containers, slices, every encoding and
//!   block codec, decoded into the same alignment record;
//! * [`vcf`], VCF text and the variant model shared with BCF;
//! * [`bcf`], BCF 2.1/2.2, binary records read lazily through the same
//!   [`vcf::Variant`] interface;
//! * [`variants`], VCF or BCF, whichever a file holds, through one reader;
//! * [`bed`], BED3–BED12 with extra columns (narrowPeak, bedGraph, …);
//! * [`gff`], GFF3 and GTF, with lazy attributes and the gene hierarchy.
//!
//! [`detect`] recognises which of them an input holds from its first bytes.

pub mod bam;
pub mod bcf;
pub mod bed;
mod buffer;
pub mod cram;
mod detect;
pub mod fasta;
pub mod fastq;
mod fields;
pub mod gff;
pub mod sam;
pub mod variants;
pub mod vcf;

pub use self::detect::{detect, DetectedFormat};
