"""A short-read simulator with known true errors and imperfectly calibrated qualities.

Each read is drawn from a random sequence with a per-read GC content and, for
some reads, inserted homopolymer runs (low-complexity regions). The true
per-base substitution probability depends on

  * the position in the read (rising towards the 3' end, and a further jump in
    the last fifth of the read that the qualities under-report),
  * a per-read cluster factor (lognormal), which the qualities see only through
    a noisy estimate,
  * homopolymer context: inside a run of >= 4 identical bases and just after one,
  * sequence context: after `GG` (the Illumina GGC-motif effect),
  * extreme GC content of the read,

while the reported Phred quality is derived from the position effect, the
noisy cluster factor, a weak share of the homopolymer effect and per-base noise,
capped to 2..=41. `N` calls (quality 2) count as errors. The label asks whether
the read's true errors exceed 1% of its bases, so a model can learn what the
qualities leave out.
"""

import numpy as np

MAX_LEN = 150
BASES = np.frombuffer(b"ACGT", dtype=np.uint8)


def simulate(n_reads, rng):
    """Returns (seqs uint8 [n, 150], quals uint8 [n, 150], lengths, true_error_counts)."""
    n = n_reads
    full = rng.random(n) < 0.65
    lengths = np.where(full, MAX_LEN, rng.integers(40, MAX_LEN, n))
    pos = np.arange(MAX_LEN)[None, :]
    valid = pos < lengths[:, None]

    # True template: per-read GC, plus homopolymer runs in low-complexity reads.
    gc = np.clip(rng.beta(2.0, 2.0, n), 0.1, 0.9)
    u = rng.random((n, MAX_LEN))
    code = np.where(u < gc[:, None], np.where(rng.random((n, MAX_LEN)) < 0.5, 1, 2),
                    np.where(rng.random((n, MAX_LEN)) < 0.5, 0, 3))
    run_rate = np.where(rng.random(n) < 0.25, rng.uniform(0.01, 0.06, n), 0.0)
    remaining = np.zeros(n, dtype=np.int64)
    for i in range(1, MAX_LEN):
        start = (remaining == 0) & (rng.random(n) < run_rate)
        remaining = np.where(start, rng.integers(4, 11, n) - 1, remaining)
        extend = remaining > 0
        code[:, i] = np.where(extend, code[:, i - 1], code[:, i])
        remaining = np.where(extend, remaining - 1, 0)

    # Length of the identical-base run ending at each position.
    run_len = np.ones((n, MAX_LEN), dtype=np.int64)
    for i in range(1, MAX_LEN):
        run_len[:, i] = np.where(code[:, i] == code[:, i - 1], run_len[:, i - 1] + 1, 1)
    prev_run = np.concatenate([np.zeros((n, 1), dtype=np.int64), run_len[:, :-1]], axis=1)
    in_run = run_len >= 4
    homopolymer = np.where(in_run, 2.5, 1.0) * np.where(prev_run >= 4, 2.0 + 0.7 * (prev_run - 4), 1.0)
    prev1 = np.concatenate([np.full((n, 1), -1), code[:, :-1]], axis=1)
    prev2 = np.concatenate([np.full((n, 2), -1), code[:, :-2]], axis=1)
    after_gg = np.where((prev1 == 2) & (prev2 == 2), 3.0, 1.0)
    extreme_gc = np.where(np.abs(gc - 0.5) > 0.2, 2.5, 1.0)[:, None]

    relative = pos / MAX_LEN
    position = 0.0007 * (1.0 + 8.0 * relative**3)
    late = np.where(pos >= 0.8 * lengths[:, None], 2.0, 1.0)
    cluster = rng.lognormal(0.0, 0.6, n)[:, None]
    seen_cluster = cluster * rng.lognormal(0.0, 0.3, n)[:, None]

    p_true = np.minimum(position * cluster * late * homopolymer * after_gg * extreme_gc, 0.5)
    p_reported = position * seen_cluster * homopolymer**0.3 * rng.lognormal(0.0, 0.35, (n, MAX_LEN))
    phred = np.clip(np.rint(-10.0 * np.log10(np.minimum(p_reported, 1.0))), 2, 41).astype(np.int64)

    n_call = (rng.random((n, MAX_LEN)) < np.minimum(0.0015 * cluster, 0.2)) & valid
    error = (rng.random((n, MAX_LEN)) < p_true) & valid & ~n_call
    observed = np.where(error, (code + rng.integers(1, 4, (n, MAX_LEN))) % 4, code)
    seqs = np.where(n_call, ord("N"), BASES[observed]).astype(np.uint8)
    phred = np.where(n_call, 2, phred)
    quals = (phred + 33).astype(np.uint8)
    seqs = np.where(valid, seqs, 0).astype(np.uint8)
    quals = np.where(valid, quals, 0).astype(np.uint8)
    true_errors = (error | n_call).sum(axis=1)
    return seqs, quals, lengths, true_errors


def labels(true_errors, lengths, threshold=0.01):
    """1 where the read's true errors exceed `threshold` of its bases."""
    return (true_errors > threshold * lengths).astype(np.int64)


def write_fastq(path, names, seqs, quals, lengths):
    with open(path, "wb") as out:
        for name, s, q, n in zip(names, seqs, quals, lengths):
            out.write(b"@" + name.encode() + b"\n" + bytes(s[:n]) + b"\n+\n" + bytes(q[:n]) + b"\n")
