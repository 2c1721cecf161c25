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
// 33 × 33: row = query code, column = target code; code 32 pads past a
// sequence's end.
@group(0) @binding(1) var<storage, read> matrix: array<i32>;
// Per pair: query length | target length << 16.
@group(0) @binding(2) var<storage, read> lengths: array<u32>;
// Per group: query words, target words, boundary words (first word of lane
// 0), and 2 where the group's residues are packed 2 bits each (16 per word:
// every residue of the group has a code below 4), else 0 (BITS each).
@group(0) @binding(3) var<storage, read> group_bases: array<vec4<u32>>;
// Residue codes, 32 / bits per word, first residue in the low bits.
@group(0) @binding(4) var<storage, read> residues: array<u32>;
@group(0) @binding(5) var<storage, read_write> boundary: array<u32>;
// Per pair: score, query end | target end << 16 (exclusive ends).
@group(0) @binding(6) var<storage, read_write> results: array<vec2<u32>>;

const GROUP: u32 = 64u;
const STRIP: u32 = 16u;
// Target columns per loop iteration (two residue words): fewer loop
// iterations, and independent cells for the scheduler.
const COLUMNS: u32 = 8u;
const MATRIX_SIZE: u32 = 1089u;
// Bits per residue code: 8, or 4 for alphabets of up to 15 symbols; the
// host compiles one pipeline of each (`shader::with_nibbles`). A group may
// use 2 instead (`group_bases[group].w`).
const BITS: u32 = 8u;
// The substitution row and column of the padding: query rows and target
// columns past a sequence's end score below every real cell, whatever the
// words hold there.
const PADDING: u32 = 32u;

var<workgroup> substitution: array<i32, MATRIX_SIZE>;

// The strip being computed: H and E of its rows at the last column, the
// matrix row offset of its query residues, the H above it one column back,
// and its best cell so far as score * 16 + (15 - row) and column.
var<private> h: array<i32, STRIP>;
var<private> e: array<i32, STRIP>;
var<private> row_offset: array<u32, STRIP>;
var<private> diagonal_above: i32;
var<private> strip_key: i32;
var<private> strip_column: u32;
var<private> open_extend: i32;
var<private> extend: i32;

// Column j of the strip; `slot` is its boundary word.
fn column(j: u32, target_code: u32, slot: u32, first: bool, last: bool) {
    var h_up = 0;
    var f = 0;
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
    open_extend = params.gap_open_extend;
    extend = params.gap_extend;
    // The same for the whole workgroup: no divergence.
    let bits = select(BITS, 2u, bases.w == 2u);
    let per_word = 32u / bits;
    let code_mask = (1u << bits) - 1u;

    var best = 0;
    var best_row = 0u;
    var best_column = 0u;
    for (var strip_start = 0u; strip_start < query_len; strip_start += STRIP) {
        for (var r = 0u; r < STRIP; r++) {
            let row = strip_start + r;
            let word = residues[bases.x + (row / per_word) * GROUP + lane];
            let code = (word >> (bits * (row % per_word))) & code_mask;
            row_offset[r] = select(code, PADDING, row >= query_len) * 33u;
            h[r] = 0;
            e[r] = 0;
        }
        let first = strip_start == 0u;
        let last = strip_start + STRIP >= query_len;
        strip_key = 0;
        strip_column = 0u;
        diagonal_above = 0;
        // Columns past the target's end get the padding code: their cells
        // stay below the best real cell and are never reported.
        for (var j = 0u; j < target_len; j += COLUMNS) {
            // The 8 columns' codes: `low` holds columns 0 to 3 in its low
            // bits and `high` columns 4 to 7 (half a word of 2-bit codes,
            // one word of nibbles, or two of bytes).
            let word_index = bases.y + (j / per_word) * GROUP + lane;
            let low = residues[word_index] >> (bits * (j % per_word));
            var high = low >> (4u * bits);
            if (bits == 8u) {
                high = residues[word_index + GROUP];
            }
            let slot = bases.z + j * GROUP + lane;
            let code = array<u32, 8>(
                low & code_mask,
                (low >> bits) & code_mask,
                (low >> (2u * bits)) & code_mask,
                (low >> (3u * bits)) & code_mask,
                high & code_mask,
                (high >> bits) & code_mask,
                (high >> (2u * bits)) & code_mask,
                (high >> (3u * bits)) & code_mask,
            );
            let past = target_len - j;
            column(j, code[0], slot, first, last);
            column(j + 1u, select(code[1], PADDING, past <= 1u), slot + GROUP, first, last);
            column(j + 2u, select(code[2], PADDING, past <= 2u), slot + 2u * GROUP, first, last);
            column(j + 3u, select(code[3], PADDING, past <= 3u), slot + 3u * GROUP, first, last);
            column(j + 4u, select(code[4], PADDING, past <= 4u), slot + 4u * GROUP, first, last);
            column(j + 5u, select(code[5], PADDING, past <= 5u), slot + 5u * GROUP, first, last);
            column(j + 6u, select(code[6], PADDING, past <= 6u), slot + 6u * GROUP, first, last);
            column(j + 7u, select(code[7], PADDING, past <= 7u), slot + 7u * GROUP, first, last);
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
