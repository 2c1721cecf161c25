#!/usr/bin/env python3
"""Regenerates the small sample files the `stats` example reads by default.

Deterministic (fixed seed, gzip mtime 0). Needs Python 3 and Debian's
`bgzip` (package `tabix`), `samtools` and `bcftools` for the BGZF, BAM and
BCF copies. Run from anywhere:

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
    placed = []
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
        placed.append((name, start, f"read{i + 1}", "".join(read), qual))
    text = "".join(records).encode()
    (HERE / "sample.fastq").write_bytes(text)
    with open(HERE / "sample.fastq.gz", "wb") as raw:
        with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz:
            gz.write(text)
    bgzf = subprocess.run(["bgzip", "-c", "-l", "6"], input=text, check=True, capture_output=True).stdout
    (HERE / "sample.bgzf.fastq.gz").write_bytes(bgzf)
    return placed


def write_alignments(reference, placed):
    """The reads where they came from, as a coordinate-sorted BAM (SAM text
    converted by samtools): 150M-style CIGARs, MAPQ 60, NM."""
    lines = ["@HD\tVN:1.6\tSO:coordinate"]
    lines += [f"@SQ\tSN:{name}\tLN:{len(seq)}" for name, seq in reference.items()]
    lines.append("@RG\tID:sample\tSM:sample\tPL:ILLUMINA")
    order = {name: i for i, name in enumerate(reference)}
    for name, start, read_name, bases, qual in sorted(placed, key=lambda r: (order[r[0]], r[1], r[2])):
        ref = reference[name][start : start + len(bases)]
        mismatches = sum(1 for a, b in zip(bases, ref) if a != b)
        lines.append(
            f"{read_name}\t0\t{name}\t{start + 1}\t60\t{len(bases)}M\t*\t0\t0\t{bases}\t{qual}"
            f"\tNM:i:{mismatches}\tRG:Z:sample"
        )
    sam = ("\n".join(lines) + "\n").encode()
    bam = subprocess.run(
        ["samtools", "view", "--no-PG", "-b", "-o", "-", "-"], input=sam, check=True, capture_output=True
    ).stdout
    (HERE / "sample.bam").write_bytes(bam)


def write_variants(reference):
    """A 12-sample cohort on chr1 and chr2: SNVs (some multi-allelic), a few
    indels, phased and unphased calls, missing genotypes, a filtered site;
    as BGZF VCF and as BCF (converted by bcftools)."""
    samples = [f"S{i + 1:02d}" for i in range(12)]
    lines = [
        "##fileformat=VCFv4.3",
        '##FILTER=<ID=PASS,Description="All filters passed">',
        '##FILTER=<ID=LowQual,Description="Low quality">',
        '##INFO=<ID=DP,Number=1,Type=Integer,Description="Total depth">',
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Read depth">',
    ]
    lines += [f"##contig=<ID={name},length={len(seq)}>" for name, seq in reference.items() if name != "chrM"]
    lines.append("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + "\t".join(samples))
    for name in ("chr1", "chr2"):
        seq = reference[name]
        positions = sorted(rng.sample(range(10, len(seq) - 10), 100))
        for pos in positions:
            ref = seq[pos]
            others = [b for b in "ACGT" if b != ref]
            kind = rng.random()
            if kind < 0.08:
                ref, alts = seq[pos : pos + 3], [seq[pos]]  # deletion
            elif kind < 0.14:
                alts = [ref + rng.choice("ACGT")]  # insertion
            elif kind < 0.24:
                alts = rng.sample(others, 2)
            else:
                # Transitions twice as often as transversions, as in real data.
                transition = {"A": "G", "G": "A", "C": "T", "T": "C"}[ref]
                transversions = [b for b in others if b != transition]
                alts = [transition if rng.random() < 0.67 else rng.choice(transversions)]
            frequency = rng.uniform(0.02, 0.5)
            phased = rng.random() < 0.5
            calls = []
            depth = 0
            for _ in samples:
                if rng.random() < 0.04:
                    calls.append("./.:0")
                    continue
                alleles = [
                    (rng.randint(1, len(alts)) if rng.random() < frequency else 0) for _ in range(2)
                ]
                dp = rng.randint(8, 40)
                depth += dp
                sep = "|" if phased else "/"
                calls.append(f"{alleles[0]}{sep}{alleles[1]}:{dp}")
            qual = rng.randint(20, 900)
            filt = "LowQual" if qual < 40 else "PASS"
            lines.append(
                f"{name}\t{pos + 1}\t.\t{ref}\t{','.join(alts)}\t{qual}\t{filt}\tDP={depth}\tGT:DP\t" + "\t".join(calls)
            )
    vcf = ("\n".join(lines) + "\n").encode()
    bgzf = subprocess.run(["bgzip", "-c", "-l", "6"], input=vcf, check=True, capture_output=True).stdout
    (HERE / "sample.vcf.gz").write_bytes(bgzf)
    subprocess.run(
        ["bcftools", "view", "--no-version", "-Ob", "-o", str(HERE / "sample.bcf"), str(HERE / "sample.vcf.gz")],
        check=True,
    )


if __name__ == "__main__":
    reference = write_reference()
    write_alignments(reference, write_reads(reference))
    write_variants(reference)
