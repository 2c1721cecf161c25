//! The UCSC binning scheme of BAI, CSI and TBI, for any minimum shift and
//! depth.
//!
//! Level `l` (0 = the whole range) has `8^l` bins, each covering
//! `2^(min_shift + 3 (depth - l))` positions; bins are numbered level by
//! level, so level `l` starts at `(8^l - 1) / 7`. BAI is `min_shift` 14,
//! depth 5.

/// BAI's minimum shift: the smallest bins cover 16 kbp.
pub const BAI_MIN_SHIFT: u32 = 14;
/// BAI's depth: 5 levels below the root.
pub const BAI_DEPTH: u32 = 5;

/// The first bin number of level `level`.
///
/// ```
/// assert_eq!(biometal::index::binning::level_offset(0), 0);
/// assert_eq!(biometal::index::binning::level_offset(5), 4681);
/// ```
pub const fn level_offset(level: u32) -> u32 {
    ((1u64 << (3 * level)) - 1) as u32 / 7
}

/// The number of bins of a scheme with `depth` levels below the root.
pub const fn bin_count(depth: u32) -> u32 {
    level_offset(depth + 1)
}

/// The smallest bin containing the 0-based half-open interval
/// `[start, end)` (an empty interval counts as `[start, start + 1)`).
/// `start` may be -1 (unplaced records, as htslib computes their bin).
///
/// ```
/// use biometal::index::binning::reg2bin;
///
/// assert_eq!(reg2bin(0, 1, 14, 5), 4681);
/// assert_eq!(reg2bin(0, 1 << 14, 14, 5), 4681);
/// assert_eq!(reg2bin(0, (1 << 14) + 1, 14, 5), 585);
/// assert_eq!(reg2bin(-1, 0, 14, 5), 4680);
/// ```
pub fn reg2bin(start: i64, end: i64, min_shift: u32, depth: u32) -> u32 {
    let end = if end <= start { start } else { end - 1 };
    let mut shift = min_shift;
    let mut level = depth;
    while level > 0 {
        if start >> shift == end >> shift {
            return (i64::from(level_offset(level)) + (start >> shift)) as u32;
        }
        shift += 3;
        level -= 1;
    }
    0
}

/// Every bin that may hold records overlapping `[start, end)` (0-based,
/// half-open, `end > start`), level by level, as a list of inclusive bin
/// ranges.
///
/// ```
/// use biometal::index::binning::reg2bins;
///
/// let bins: Vec<u32> = reg2bins(0, 1, 14, 5).into_iter().flatten().collect();
/// assert_eq!(bins, vec![0, 1, 9, 73, 585, 4681]);
/// ```
pub fn reg2bins(
    start: u64,
    end: u64,
    min_shift: u32,
    depth: u32,
) -> Vec<std::ops::RangeInclusive<u32>> {
    let max_position = 1u64 << (min_shift + 3 * depth);
    let end = end.min(max_position).max(start + 1) - 1;
    let start = start.min(max_position - 1);
    let mut ranges = Vec::with_capacity(depth as usize + 1);
    for level in 0..=depth {
        let shift = min_shift + 3 * (depth - level);
        let offset = level_offset(level);
        ranges.push(offset + (start >> shift) as u32..=offset + (end >> shift) as u32);
    }
    ranges
}

/// The depth `samtools index -c` chooses for references up to
/// `max_length` bases with `min_shift`: the smallest whose range exceeds
/// `max_length + 256` (at most 9, the deepest CSI this crate reads).
///
/// ```
/// assert_eq!(biometal::index::binning::depth_for_length(100_000_000, 14), 5);
/// assert_eq!(biometal::index::binning::depth_for_length(3_000_000_000, 14), 6);
/// ```
pub fn depth_for_length(max_length: u64, min_shift: u32) -> u32 {
    let target = max_length.saturating_add(256);
    let mut depth = 0;
    let mut covered = 1u64 << min_shift;
    while target > covered && depth < 9 {
        depth += 1;
        covered = covered.saturating_mul(8);
    }
    depth
}

/// The first (lowest) bin of the deepest level under `bin`: its leftmost
/// smallest window is `bottom_bin(bin) - level_offset(depth)`.
pub fn first_window(bin: u32, depth: u32) -> u64 {
    let mut level = 0;
    while level <= depth && bin >= level_offset(level + 1) {
        level += 1;
    }
    u64::from(bin - level_offset(level)) << (3 * (depth - level))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reg2bin_agrees_with_reg2bins() {
        for (start, end) in [
            (0u64, 1u64),
            (16383, 16385),
            (1 << 20, (1 << 20) + 100_000),
            (5, 1 << 29),
        ] {
            let bin = reg2bin(start as i64, end as i64, 14, 5);
            assert!(reg2bins(start, end, 14, 5).iter().any(|r| r.contains(&bin)));
        }
        assert_eq!(bin_count(5), 37449);
    }
}
