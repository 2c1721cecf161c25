//! BGZF virtual file offsets.

use std::fmt;

/// A position in a BGZF file: the byte offset of a block's start in the
/// compressed file (`coffset`, 48 bits) and an offset into that block's
/// uncompressed data (`uoffset`, 16 bits), packed as `coffset << 16 | uoffset`
/// exactly as BAI, CSI and TBI indexes store it.
///
/// ```
/// use biometal::bgzf::VirtualPosition;
///
/// let position = VirtualPosition::new(1_000, 42).unwrap();
/// assert_eq!(position.compressed_offset(), 1_000);
/// assert_eq!(position.uncompressed_offset(), 42);
/// assert_eq!(u64::from(position), (1_000 << 16) | 42);
/// assert_eq!(position.to_string(), "1000:42");
/// assert!(VirtualPosition::new(1 << 48, 0).is_none());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct VirtualPosition(u64);

impl VirtualPosition {
    /// The largest compressed offset a virtual position can hold (2^48 - 1).
    pub const MAX_COMPRESSED_OFFSET: u64 = (1 << 48) - 1;

    /// The position at the start of a file.
    pub const START: Self = VirtualPosition(0);

    /// Packs a block's compressed byte offset and an offset into its
    /// uncompressed data; `None` if `compressed_offset` needs more than 48 bits.
    pub const fn new(compressed_offset: u64, uncompressed_offset: u16) -> Option<Self> {
        if compressed_offset > Self::MAX_COMPRESSED_OFFSET {
            None
        } else {
            Some(VirtualPosition(
                (compressed_offset << 16) | uncompressed_offset as u64,
            ))
        }
    }

    /// The byte offset of the block's start in the compressed file.
    pub const fn compressed_offset(self) -> u64 {
        self.0 >> 16
    }

    /// The offset into the block's uncompressed data.
    pub const fn uncompressed_offset(self) -> u16 {
        self.0 as u16
    }
}

impl From<u64> for VirtualPosition {
    /// Interprets a packed value as stored in index files.
    fn from(packed: u64) -> Self {
        VirtualPosition(packed)
    }
}

impl From<VirtualPosition> for u64 {
    fn from(position: VirtualPosition) -> Self {
        position.0
    }
}

impl fmt::Display for VirtualPosition {
    /// `coffset:uoffset`, the form samtools prints.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}",
            self.compressed_offset(),
            self.uncompressed_offset()
        )
    }
}
