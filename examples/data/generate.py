#!/usr/bin/env python3
"""Regenerates the small sample files the `stats` example reads by default.

Deterministic (fixed seed, gzip mtime 0). Needs Python 3 and, for the BGZF
copy, Debian's `bgzip` (package `tabix`). Run from anywhere:

    python3 examples/data/generate.py
"""
import gzip
import pathlib
import random
import subprocess

HERE = pathlib.Path(__file__).resolve().parent
rng = random.Random(20261124)


def random_bases(n, gc=0.42):
    weights = [(1 - gc) / 2, gc / 2, gc / 2, (1 - gc) / 2]
    return "".join(rng.choices("ACGT", weights=weights, k=n))


def write_reference():
    """Three contigs, 60 bases a line, one with lower-case (soft-masked) runs."""
    contigs = {"chr1": random_bases(24_000), "chr2": random_bases(15_500, gc=0.55), "chrM": random_bases(1_671)}
    seq = contigs["chr2"]
    contigs["chr2"] = seq[:3000] + seq[3000:3600].lower() + seq[3600:]
    with open(HERE / "sample.fa", "w") as out:
        for name, seq in contigs.items():
            out.write(f">{name} sample contig\n")
            for i in range(0, len(seq), 60):
                out.write(seq[i : i + 60] + "\n")
    return {name: seq.upper() for name, seq in contigs.items()}


def phred_profile(length):
    """Illumina-like: high at the start, decaying towards the 3' end, with noise."""
    quals = []
    for i in range(length):
        mean = 37 - 12 * (i / length) ** 2
        q = int(min(41, max(2, rng.gauss(mean, 4))))
        quals.append(q)
    return quals


def write_reads(reference):
    names = list(reference)
    records = []
    for i in range(600):
        name = rng.choice(names[:2])
        seq = reference[name]
        length = rng.choice([150] * 8 + [rng.randint(35, 149)])
        start = rng.randint(0, len(seq) - length)
        read = list(seq[start : start + length])
        quals = phred_profile(length)
        for j, q in enumerate(quals):
            if rng.random() < 10 ** (-q / 10):
                read[j] = rng.choice([b for b in "ACGT" if b != read[j]])
        if rng.random() < 0.02:
            pos = rng.randrange(length)
            read[pos], quals[pos] = "N", 2
        qual = "".join(chr(q + 33) for q in quals)
        records.append(f"@read{i + 1} {name}:{start + 1}\n{''.join(read)}\n+\n{qual}\n")
    text = "".join(records).encode()
    (HERE / "sample.fastq").write_bytes(text)
    with open(HERE / "sample.fastq.gz", "wb") as raw:
        with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz:
            gz.write(text)
    bgzf = subprocess.run(["bgzip", "-c", "-l", "6"], input=text, check=True, capture_output=True).stdout
    (HERE / "sample.bgzf.fastq.gz").write_bytes(bgzf)


if __name__ == "__main__":
    write_reads(write_reference())
