//! Loop unrolling of the WGSL kernels before compilation, and the
//! short-pair kernel's residue width.
//!
//! The kernels keep 16 rows of H and E per invocation in small arrays; an
//! array indexed by a loop variable may be placed in (slow) local memory by
//! the driver's compiler. Every loop written `for (var r = 0u; r < N; r++) {`
//! (`N` = `STRIP` or `ROWS`, both 16) is therefore expanded into 16 blocks,
//! each starting `const r = Ku;`, so every index is a constant and the
//! arrays can live in registers on every driver.

/// The trip count of the unrolled loops (`STRIP` and `ROWS` in the shaders).
const ROWS: u32 = 16;

/// `source` with every row loop unrolled.
pub(super) fn unrolled(source: &str) -> String {
    let mut out = String::with_capacity(source.len() * 4);
    let mut rest = source;
    while let Some(start) = find_row_loop(rest) {
        out.push_str(&rest[..start.0]);
        let body_start = start.0 + start.1;
        let Some(body_len) = matching_brace(&rest[body_start..]) else {
            // Unbalanced braces: leave the rest as written, naga reports it.
            break;
        };
        let body = &rest[body_start..body_start + body_len];
        for r in 0..ROWS {
            out.push_str(&format!("{{ const r = {r}u;{body}}}\n"));
        }
        rest = &rest[body_start + body_len + 1..];
    }
    out.push_str(rest);
    out
}

/// `short.wgsl` (or its unrolled form) for residue codes of 4 bits.
pub(super) fn with_nibbles(source: &str) -> String {
    source.replace("const BITS: u32 = 8u;", "const BITS: u32 = 4u;")
}

/// Offset and length of the next `for (var r = 0u; r < STRIP|ROWS; r++) {`.
fn find_row_loop(source: &str) -> Option<(usize, usize)> {
    [
        "for (var r = 0u; r < STRIP; r++) {",
        "for (var r = 0u; r < ROWS; r++) {",
    ]
    .iter()
    .filter_map(|header| source.find(header).map(|at| (at, header.len())))
    .min()
}

/// The length of the text before the `}` closing a block whose `{` was
/// just consumed.
fn matching_brace(text: &str) -> Option<usize> {
    let mut depth = 1usize;
    for (at, byte) in text.bytes().enumerate() {
        match byte {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(at);
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unrolls_nested_blocks_and_keeps_the_rest() {
        let source = "a; for (var r = 0u; r < ROWS; r++) { if (x) { h[r] = 0; } } b;";
        let out = unrolled(source);
        assert!(out.starts_with("a; { const r = 0u; if (x) { h[r] = 0; } }\n"));
        assert!(out.contains("{ const r = 15u; if (x) { h[r] = 0; } }\n b;"));
        assert_eq!(out.matches("const r").count(), 16);
        assert!(!out.contains("for ("));
    }

    #[test]
    fn kernels_have_no_row_loops_left() {
        for source in [include_str!("short.wgsl"), include_str!("long.wgsl")] {
            let out = unrolled(source);
            assert!(!out.contains("r < STRIP") && !out.contains("r < ROWS"));
            assert!(out.contains("const r = 15u;"));
        }
        let nibbles = with_nibbles(include_str!("short.wgsl"));
        assert!(nibbles.contains("const BITS: u32 = 4u;") && !nibbles.contains("BITS: u32 = 8u"));
    }
}
