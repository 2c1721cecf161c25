// Smith-Waterman-Gotoh for long pairs: one workgroup per pair, its 128
// invocations sweeping the matrix as an anti-diagonal wavefront.
//
// Invocation t owns query rows [pass + 16t, pass + 16t + 16) of a pass of
// 2048 rows and handles target column j at step j + t: it receives the H
// and F of the row above from invocation t - 1 (which computed column j one
// step earlier) through workgroup memory, double-buffered by step parity,
// one barrier per step. Invocation 0 reads the row above a pass from
// `boundary`, which the last invocation of the previous pass wrote.

struct Params {
    pair_count: u32,
    _unused: u32,
    gap_open_extend: i32,
    gap_extend: i32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> matrix: array<i32>;
// Per pair: query length, target length.
@group(0) @binding(2) var<storage, read> lengths: array<vec2<u32>>;
// Per pair: query word, target word, boundary element (starts).
@group(0) @binding(3) var<storage, read> pair_bases: array<vec4<u32>>;
@group(0) @binding(4) var<storage, read> residues: array<u32>;
@group(0) @binding(5) var<storage, read_write> boundary: array<vec2<i32>>;
// Per pair: score, query end, target end (exclusive), 0.
@group(0) @binding(6) var<storage, read_write> results: array<vec4<u32>>;

const THREADS: u32 = 128u;
const ROWS: u32 = 16u;
const PASS_ROWS: u32 = 2048u;
const MATRIX_SIZE: u32 = 1089u;
const PADDING_ROW: u32 = 1056u;

var<workgroup> substitution: array<i32, MATRIX_SIZE>;
var<workgroup> handoff: array<vec2<i32>, 256>;
var<workgroup> best_scores: array<i32, THREADS>;
var<workgroup> best_columns: array<u32, THREADS>;
var<workgroup> best_rows: array<u32, THREADS>;

fn residue(word_base: u32, index: u32) -> u32 {
    return (residues[word_base + index / 4u] >> ((index & 3u) * 8u)) & 0xFFu;
}

@compute @workgroup_size(128)
fn align_long(
    @builtin(workgroup_id) workgroup: vec3<u32>,
    @builtin(num_workgroups) workgroups: vec3<u32>,
    @builtin(local_invocation_index) t: u32,
) {
    for (var k = t; k < MATRIX_SIZE; k += THREADS) {
        substitution[k] = matrix[k];
    }
    let pair = workgroup.x + workgroup.y * workgroups.x;
    // Uniform per workgroup: every invocation returns or none does.
    if (pair >= params.pair_count) {
        return;
    }
    let query_len = lengths[pair].x;
    let target_len = lengths[pair].y;
    let bases = pair_bases[pair];
    let open_extend = params.gap_open_extend;
    let extend = params.gap_extend;
    workgroupBarrier();

    var best = 0;
    var best_row = 0u;
    var best_column = 0u;
    for (var pass_start = 0u; pass_start < query_len; pass_start += PASS_ROWS) {
        let first_row = pass_start + t * ROWS;
        var row_offset: array<u32, ROWS>;
        var h: array<i32, ROWS>;
        var e: array<i32, ROWS>;
        for (var r = 0u; r < ROWS; r++) {
            let row = first_row + r;
            row_offset[r] = PADDING_ROW;
            if (row < query_len) {
                row_offset[r] = residue(bases.x, row) * 33u;
            }
            h[r] = 0;
            e[r] = 0;
        }
        let more_passes = pass_start + PASS_ROWS < query_len;
        var strip_key = 0;
        var strip_column = 0u;
        var diagonal_above = 0;
        let steps = target_len + THREADS - 1u;
        for (var step = 0u; step < steps; step++) {
            let j = step - t; // wraps for step < t: then j >= target_len
            if (step >= t && j < target_len) {
                var h_up = 0;
                var f = 0;
                if (t == 0u) {
                    if (pass_start > 0u) {
                        let above = boundary[bases.z + j];
                        h_up = above.x;
                        f = above.y;
                    }
                } else {
                    let above = handoff[((step + 1u) & 1u) * THREADS + t - 1u];
                    h_up = above.x;
                    f = above.y;
                }
                let target_code = residue(bases.y, j);
                var diagonal = diagonal_above;
                diagonal_above = h_up;
                var column_key = 0;
                for (var r = 0u; r < ROWS; r++) {
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
                let below = vec2<i32>(h_up, max(f, 0));
                handoff[(step & 1u) * THREADS + t] = below;
                if (t == THREADS - 1u && more_passes) {
                    boundary[bases.z + j] = below;
                }
            }
            workgroupBarrier();
        }
        storageBarrier();
        workgroupBarrier();
        let strip_best = strip_key >> 4u;
        if (strip_best > best || (strip_best == best && strip_best > 0 && strip_column < best_column)) {
            best = strip_best;
            best_column = strip_column;
            best_row = first_row + 15u - u32(strip_key & 15);
        }
    }
    best_scores[t] = best;
    best_columns[t] = best_column;
    best_rows[t] = best_row;
    workgroupBarrier();
    if (t == 0u) {
        var score = 0;
        var column = 0u;
        var row = 0u;
        for (var k = 0u; k < THREADS; k++) {
            let s = best_scores[k];
            let c = best_columns[k];
            let q = best_rows[k];
            if (s > score || (s == score && s > 0 && (c < column || (c == column && q < row)))) {
                score = s;
                column = c;
                row = q;
            }
        }
        if (score > 0) {
            results[pair] = vec4<u32>(u32(score), row + 1u, column + 1u, 0u);
        } else {
            results[pair] = vec4<u32>(0u);
        }
    }
}
