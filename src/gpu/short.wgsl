// Smith-Waterman-Gotoh for batches of short pairs: one invocation per pair
// (inter-task parallelism). The 64 pairs of a workgroup have similar
// lengths (the host sorts them) and interleaved data: word w of pair `lane`
// of a group lies at `base + w * 64 + lane`, so the 64 loads of one step
// are coalesced.
//
// Each invocation sweeps its target once per strip of 16 query rows; the
// strip's H and E values live in registers, the H and F of the strip's last
// row go to `boundary` (16 bits each) for the next strip. Scores are
// clamped at 0 (E and F too, which leaves every H unchanged).

struct Params {
    group_count: u32,
    pair_count: u32,
    gap_open_extend: i32,
    gap_extend: i32,
}

@group(0) @binding(0) var<uniform> params: Params;
// 33 rows of 32: row = query code (32 = padding past the query's end),
// column = target code.
@group(0) @binding(1) var<storage, read> matrix: array<i32>;
// Per pair: query length | target length << 16.
@group(0) @binding(2) var<storage, read> lengths: array<u32>;
// Per group: query words, target words, boundary words (first word of lane 0).
@group(0) @binding(3) var<storage, read> group_bases: array<vec4<u32>>;
// Residue codes, 4 per word, first residue in the low byte.
@group(0) @binding(4) var<storage, read> residues: array<u32>;
@group(0) @binding(5) var<storage, read_write> boundary: array<u32>;
// Per pair: score, query end | target end << 16 (exclusive ends).
@group(0) @binding(6) var<storage, read_write> results: array<vec2<u32>>;

const GROUP: u32 = 64u;
const STRIP: u32 = 16u;
const MATRIX_SIZE: u32 = 1056u;

var<workgroup> substitution: array<i32, MATRIX_SIZE>;

@compute @workgroup_size(64)
fn align_short(
    @builtin(workgroup_id) workgroup: vec3<u32>,
    @builtin(num_workgroups) workgroups: vec3<u32>,
    @builtin(local_invocation_index) lane: u32,
) {
    for (var k = lane; k < MATRIX_SIZE; k += GROUP) {
        substitution[k] = matrix[k];
    }
    workgroupBarrier();
    let group = workgroup.x + workgroup.y * workgroups.x;
    let pair = group * GROUP + lane;
    if (group >= params.group_count || pair >= params.pair_count) {
        return;
    }
    let query_len = lengths[pair] & 0xFFFFu;
    let target_len = lengths[pair] >> 16u;
    let bases = group_bases[group];
    let open_extend = params.gap_open_extend;
    let extend = params.gap_extend;

    var best = 0;
    var best_row = 0u;
    var best_column = 0u;
    for (var strip_start = 0u; strip_start < query_len; strip_start += STRIP) {
        var row_offset: array<u32, STRIP>;
        for (var w = 0u; w < STRIP / 4u; w++) {
            let word = residues[bases.x + (strip_start / 4u + w) * GROUP + lane];
            for (var b = 0u; b < 4u; b++) {
                row_offset[w * 4u + b] = ((word >> (8u * b)) & 0xFFu) * 32u;
            }
        }
        var h: array<i32, STRIP>;
        var e: array<i32, STRIP>;
        for (var r = 0u; r < STRIP; r++) {
            h[r] = 0;
            e[r] = 0;
        }
        let first = strip_start == 0u;
        let last = strip_start + STRIP >= query_len;
        // Strip best as score * 16 + (15 - row): the max is the best score
        // at its first row.
        var strip_key = 0;
        var strip_column = 0u;
        var diagonal_above = 0;
        var target_word = 0u;
        for (var j = 0u; j < target_len; j++) {
            if ((j & 3u) == 0u) {
                target_word = residues[bases.y + (j >> 2u) * GROUP + lane];
            }
            let target_code = (target_word >> ((j & 3u) * 8u)) & 0xFFu;
            var h_up = 0;
            var f = 0;
            let slot = bases.z + j * GROUP + lane;
            if (!first) {
                let packed = boundary[slot];
                h_up = i32(packed & 0xFFFFu);
                f = i32(packed >> 16u);
            }
            var diagonal = diagonal_above;
            diagonal_above = h_up;
            var column_key = 0;
            for (var r = 0u; r < STRIP; r++) {
                let e_here = max(e[r] - extend, h[r] - open_extend);
                e[r] = e_here;
                f = max(f - extend, h_up - open_extend);
                let h_here = max(
                    max(diagonal + substitution[row_offset[r] + target_code], e_here),
                    max(f, 0),
                );
                diagonal = h[r];
                h[r] = h_here;
                h_up = h_here;
                column_key = max(column_key, h_here * 16 + i32(15u - r));
            }
            if (column_key > (strip_key | 15)) {
                strip_key = column_key;
                strip_column = j;
            }
            if (!last) {
                boundary[slot] = u32(h_up) | (u32(max(f, 0)) << 16u);
            }
        }
        let strip_best = strip_key >> 4u;
        if (strip_best > best || (strip_best == best && strip_best > 0 && strip_column < best_column)) {
            best = strip_best;
            best_column = strip_column;
            best_row = strip_start + 15u - u32(strip_key & 15);
        }
    }
    if (best > 0) {
        results[pair] = vec2<u32>(u32(best), (best_row + 1u) | ((best_column + 1u) << 16u));
    } else {
        results[pair] = vec2<u32>(0u, 0u);
    }
}
