//! Indexes of coordinate-sorted files: the binning scheme once
//! ([`binning`]), BAI and CSI.

pub mod binning;
