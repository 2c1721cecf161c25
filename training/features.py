"""Per-read features for the read-quality model, mirrored from `src/neural_engine/features.rs`.

Every feature is an exact integer statistic of the read turned into a float64
by the same divisions, in the same order, as the Rust code, then rounded once
to float32; so both sides produce bit-identical vectors (the golden test in
`tests/neural_engine.rs` checks it on `training/golden/reads.fastq`).

For a read of n bases `s` and quality bytes `b` (Phred+33):
  q_i = min(max(b_i, 33), 126) - 33          (0..=93; bytes outside '!'..'~' clamp)
  EE_UNITS[q] = floor(10^(-q/10) * 2^15)   (error probability truncated to 2^-15 units: 0 from q = 46)

 0 length                n
 1 expected_errors       sum EE_UNITS[q_i] / 2^15
 2 expected_error_rate   expected_errors / n
 3 mean_quality          sum q_i / n
 4 min_quality           min q_i
 5 fraction_q_below_20   #{q_i < 20} / n
 6 fraction_q_below_30   #{q_i < 30} / n
 7..10 quality_mean_bin_k  sum q_i / count over positions [k*n/4, (k+1)*n/4) (integer division), k = 0..3
 11 gc_fraction          (G+C) / (A+C+G+T), case-insensitive (0 when no A/C/G/T)
 12 n_fraction           #{N or n} / n
 13 homopolymer_fraction #{i : s_i = s_i+1 = s_i+2 = s_i+3} / n  (bytes compared exactly)
Every ratio with a zero denominator is 0.
"""

import numpy as np

FEATURE_NAMES = [
    "length",
    "expected_errors",
    "expected_error_rate",
    "mean_quality",
    "min_quality",
    "fraction_q_below_20",
    "fraction_q_below_30",
    "quality_mean_bin_0",
    "quality_mean_bin_1",
    "quality_mean_bin_2",
    "quality_mean_bin_3",
    "gc_fraction",
    "n_fraction",
    "homopolymer_fraction",
]
N_FEATURES = len(FEATURE_NAMES)
EE_SCALE = 1 << 15
MAX_Q = 93
EE_UNITS = np.array([int(np.floor(10.0 ** (-q / 10.0) * EE_SCALE)) for q in range(MAX_Q + 1)], dtype=np.int64)


def _ratio(num, den):
    """num / den in float64, 0 where den == 0 (as the Rust code)."""
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    out = np.zeros(np.broadcast(num, den).shape, dtype=np.float64)
    np.divide(num, den, out=out, where=den != 0)
    return out


def extract(seqs, quals, lengths):
    """Features of many reads.

    seqs, quals: uint8 arrays [reads, max_len] (padding ignored); lengths: int array [reads].
    Returns float32 [reads, N_FEATURES].
    """
    seqs = np.asarray(seqs, dtype=np.uint8)
    quals = np.asarray(quals, dtype=np.uint8)
    n = np.asarray(lengths, dtype=np.int64)
    reads, width = quals.shape
    pos = np.arange(width)[None, :]
    valid = pos < n[:, None]

    q = (np.clip(quals, 33, 126).astype(np.int64) - 33) * valid
    ee_units = (EE_UNITS[q] * valid).sum(axis=1)
    sum_q = q.sum(axis=1)
    min_q = np.where(valid, q, MAX_Q + 1).min(axis=1, initial=MAX_Q + 1)
    min_q = np.where(n > 0, min_q, 0)
    below20 = ((q < 20) & valid).sum(axis=1)
    below30 = ((q < 30) & valid).sum(axis=1)

    # Prefix sums of qualities: bin k sums positions [k*n//4, (k+1)*n//4).
    prefix = np.zeros((reads, width + 1), dtype=np.int64)
    np.cumsum(q, axis=1, out=prefix[:, 1:])
    rows = np.arange(reads)
    bins = []
    for k in range(4):
        start = k * n // 4
        end = (k + 1) * n // 4
        bins.append(_ratio(prefix[rows, end] - prefix[rows, start], end - start))

    upper = seqs & 0xDF  # b & 0xDF == ord("A") only for b"A" and b"a" (likewise C, G, T, N)
    a = ((upper == ord("A")) & valid).sum(axis=1)
    c = ((upper == ord("C")) & valid).sum(axis=1)
    g = ((upper == ord("G")) & valid).sum(axis=1)
    t = ((upper == ord("T")) & valid).sum(axis=1)
    n_count = ((upper == ord("N")) & valid).sum(axis=1)

    if width >= 4:
        run4 = (seqs[:, :-3] == seqs[:, 1:-2]) & (seqs[:, 1:-2] == seqs[:, 2:-1]) & (seqs[:, 2:-1] == seqs[:, 3:])
        run4 &= np.arange(width - 3)[None, :] <= (n[:, None] - 4)
        homopolymer = run4.sum(axis=1)
    else:
        homopolymer = np.zeros(reads, dtype=np.int64)

    ee = ee_units.astype(np.float64) / float(EE_SCALE)
    columns = [
        n.astype(np.float64),
        ee,
        _ratio(ee, n),
        _ratio(sum_q, n),
        min_q.astype(np.float64),
        _ratio(below20, n),
        _ratio(below30, n),
        *bins,
        _ratio(g + c, a + c + g + t),
        _ratio(n_count, n),
        _ratio(homopolymer, n),
    ]
    return np.stack(columns, axis=1).astype(np.float32)


def read_fastq(path):
    """(names, padded seqs, padded quals, lengths) of a four-line FASTQ file."""
    with open(path, "rb") as handle:
        lines = handle.read().split(b"\n")
    names, seq_list, qual_list = [], [], []
    for i in range(0, len(lines) - 3, 4):
        names.append(lines[i][1:].split(b" ")[0].decode())
        seq_list.append(lines[i + 1].rstrip(b"\r"))
        qual_list.append(lines[i + 3].rstrip(b"\r"))
    return (names,) + pad(seq_list, qual_list)


def pad(seq_list, qual_list):
    """Padded uint8 arrays and lengths from lists of bytes."""
    lengths = np.array([len(s) for s in seq_list], dtype=np.int64)
    width = int(lengths.max(initial=0))
    seqs = np.zeros((len(seq_list), width), dtype=np.uint8)
    quals = np.zeros((len(seq_list), width), dtype=np.uint8)
    for i, (s, q) in enumerate(zip(seq_list, qual_list)):
        seqs[i, : len(s)] = np.frombuffer(s, dtype=np.uint8)
        quals[i, : len(q)] = np.frombuffer(q, dtype=np.uint8)
    return seqs, quals, lengths
