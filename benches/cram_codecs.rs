//! Decode throughput (MB/s of decoded output) of each CRAM block codec on
//! the hts-specs conformance files, one representative file per variant.
//! Needs `BIOMETAL_TESTDATA` (or `../shared/testdata`).

use std::path::PathBuf;

use biometal::formats::cram::codecs::{arith, fqzcomp, rans4x8, rans_nx16, tok3};
use biometal::Result;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

type Decoder = fn(&[u8], &mut Vec<u8>) -> Result<()>;

fn codec_file(relative: &str) -> Vec<u8> {
    let dir = std::env::var_os("BIOMETAL_TESTDATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/testdata"));
    let path = dir.join("hts-specs/cram/codecs").join(relative);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn bench_codecs(c: &mut Criterion) {
    let cases: [(&str, &str, Decoder); 12] = [
        ("rans4x8/o0", "rans4x8/q40+dir.0", rans4x8::decode),
        ("rans4x8/o1", "rans4x8/q40+dir.1", rans4x8::decode),
        ("rans_nx16/o0", "ransNx16/q40+dir.0", rans_nx16::decode),
        ("rans_nx16/o1", "ransNx16/q40+dir.1", rans_nx16::decode),
        ("rans_nx16/o0_x32", "ransNx16/q40+dir.4", rans_nx16::decode),
        ("rans_nx16/o1_x32", "ransNx16/q40+dir.5", rans_nx16::decode),
        ("arith/o0", "range/q40+dir.0", arith::decode),
        ("arith/o1", "range/q40+dir.1", arith::decode),
        ("arith/rle_o1", "range/q40+dir.65", arith::decode),
        ("fqzcomp/q40+dir.0", "fqzcomp/q40+dir.0", fqzcomp::decode),
        ("tok3/rans_nx16", "tok3/03.names.9", tok3::decode),
        ("tok3/arith", "tok3/03.names.19", tok3::decode),
    ];
    let mut group = c.benchmark_group("cram_codec_decode");
    let mut out = Vec::new();
    for (name, file, decode) in cases {
        let src = codec_file(file);
        decode(&src, &mut out).expect("conformance file decodes");
        group.throughput(Throughput::Bytes(out.len() as u64));
        group.bench_function(name, |b| b.iter(|| decode(&src, &mut out).expect("decode")));
    }
    group.finish();
}

criterion_group!(benches, bench_codecs);
criterion_main!(benches);
