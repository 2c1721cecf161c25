//! The FLAG field.

/// SAM FLAG bits, typed.
///
/// ```
/// use biometal::formats::sam::record::Flags;
///
/// let flags = Flags::new(99);
/// assert!(flags.is_paired() && flags.is_proper_pair() && flags.is_first_segment());
/// assert!(flags.is_mate_reverse_complemented() && !flags.is_unmapped());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Flags(u16);

macro_rules! flag_bits {
    ($($(#[$doc:meta])* $const:ident = $bit:literal, $getter:ident;)*) => {
        impl Flags {
            $( $(#[$doc])* pub const $const: u16 = $bit; )*
            $( $(#[$doc])* pub const fn $getter(self) -> bool { self.0 & $bit != 0 } )*
        }
    };
}

flag_bits! {
    /// 0x1: the template has several segments.
    PAIRED = 0x1, is_paired;
    /// 0x2: each segment is properly aligned.
    PROPER_PAIR = 0x2, is_proper_pair;
    /// 0x4: the segment is unmapped.
    UNMAPPED = 0x4, is_unmapped;
    /// 0x8: the next segment is unmapped.
    MATE_UNMAPPED = 0x8, is_mate_unmapped;
    /// 0x10: SEQ is reverse complemented.
    REVERSE_COMPLEMENTED = 0x10, is_reverse_complemented;
    /// 0x20: the next segment's SEQ is reverse complemented.
    MATE_REVERSE_COMPLEMENTED = 0x20, is_mate_reverse_complemented;
    /// 0x40: the first segment of the template.
    FIRST_SEGMENT = 0x40, is_first_segment;
    /// 0x80: the last segment of the template.
    LAST_SEGMENT = 0x80, is_last_segment;
    /// 0x100: a secondary alignment.
    SECONDARY = 0x100, is_secondary;
    /// 0x200: fails quality checks.
    QC_FAIL = 0x200, is_qc_fail;
    /// 0x400: a PCR or optical duplicate.
    DUPLICATE = 0x400, is_duplicate;
    /// 0x800: a supplementary alignment.
    SUPPLEMENTARY = 0x800, is_supplementary;
}

impl Flags {
    /// Flags from their numeric value.
    pub const fn new(bits: u16) -> Self {
        Flags(bits)
    }

    /// The numeric value.
    pub const fn bits(self) -> u16 {
        self.0
    }
}

impl From<u16> for Flags {
    fn from(bits: u16) -> Self {
        Flags(bits)
    }
}
