//! FASTA
