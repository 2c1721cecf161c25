//! CRAM block decompression through one dispatch (`block::decompress`):
//! gzip, bzip2 and xz data made by the system `gzip`, `bzip2` and `xz`
//! tools and by Python's `lzma` module (the oracles), and the CRAM 3.x
//! codecs on their hts-specs conformance files.

mod common;

use std::fs;
use std::io::Read;

use biometal::formats::cram::codecs::block::{decompress, Method};
use biometal::{ErrorKind, Format};

/// Uncompressed payloads: a names file, a quality file, a short text and
/// an empty one.
fn payloads() -> Vec<(&'static str, Vec<u8>)> {
    let gunzip = |name: &str| {
        let path = common::testdata(&format!("hts-specs/cram/codecs/gzip/{name}.gz"));
        let mut raw = Vec::new();
        flate2::read::MultiGzDecoder::new(fs::File::open(path).expect("open"))
            .read_to_end(&mut raw)
            .expect("gunzip");
        raw
    };
    vec![
        ("names", gunzip("03.names")),
        ("qualities", gunzip("q40+dir")),
        ("short", b"ACGT".to_vec()),
        ("empty", Vec::new()),
    ]
}

/// Compresses `data` with an oracle command line (`{}` is the input file).
fn compress_with(dir: &common::TempDir, program: &str, args: &[&str], data: &[u8]) -> Vec<u8> {
    let input = dir.join("input");
    fs::write(&input, data).expect("write input");
    let input = input.to_str().expect("utf-8 path");
    let args: Vec<&str> = args
        .iter()
        .map(|&a| if a == "{}" { input } else { a })
        .collect();
    common::oracle(program, &args).stdout
}

/// Every oracle-made stream decodes to its payload; a wrong expected size,
/// a cut stream and a damaged stream are CRAM errors, never panics.
fn check_method(method: Method, program: &str, variants: &[&[&str]]) {
    let dir = common::TempDir::new(&format!("cram-block-{}", method.id()));
    let mut out = Vec::new();
    for (name, data) in payloads() {
        for args in variants {
            let src = compress_with(&dir, program, args, &data);
            let what = format!("{name} via {program} {args:?}");
            decompress(method, &src, data.len(), &mut out)
                .unwrap_or_else(|e| panic!("{what}: {e}"));
            assert!(out == data, "{what}: decoded data differs");
            for wrong in [data.len() + 1, data.len().saturating_sub(1)] {
                if wrong != data.len() {
                    let e = decompress(method, &src, wrong, &mut out).unwrap_err();
                    assert_eq!(e.format(), Some(Format::Cram), "{what}: {e}");
                }
            }
            let step = (src.len() / 64).max(1);
            for cut in (0..src.len()).step_by(step) {
                let e = decompress(method, &src[..cut], data.len(), &mut out).unwrap_err();
                assert_eq!(e.format(), Some(Format::Cram), "{what} cut at {cut}: {e}");
                let mut damaged = src.clone();
                damaged[cut] ^= 0x21;
                if let Err(e) = decompress(method, &damaged, data.len(), &mut out) {
                    assert_eq!(
                        e.format(),
                        Some(Format::Cram),
                        "{what} damaged at {cut}: {e}"
                    );
                }
            }
        }
    }
}

#[test]
fn gzip_from_the_gzip_tool() {
    check_method(
        Method::Gzip,
        "gzip",
        &[&["-c", "-1", "{}"], &["-c", "-9", "-n", "{}"]],
    );
}

#[test]
fn bzip2_from_the_bzip2_tool() {
    check_method(
        Method::Bzip2,
        "bzip2",
        &[&["-c", "-1", "{}"], &["-c", "-9", "{}"]],
    );
}

#[test]
fn xz_from_the_xz_tool() {
    check_method(
        Method::Lzma,
        "xz",
        &[
            &["-c", "-0", "{}"],
            &["-c", "-9", "--check=crc32", "{}"],
            &["-c", "-6", "--check=sha256", "{}"],
            &["-c", "--check=none", "--block-size=4096", "{}"],
        ],
    );
}

/// Python's `lzma` module (liblzma): the xz container as htslib writes it
/// (`CHECK_CRC32`), the default CRC64 check, and two concatenated streams.
#[test]
fn xz_from_python_lzma() {
    let script = "import lzma,sys\n\
        data = open(sys.argv[1], 'rb').read()\n\
        half = len(data) // 2\n\
        c32 = lzma.compress(data, format=lzma.FORMAT_XZ, check=lzma.CHECK_CRC32, preset=9)\n\
        c64 = lzma.compress(data, format=lzma.FORMAT_XZ)\n\
        two = lzma.compress(data[:half]) + lzma.compress(data[half:])\n\
        sys.stdout.buffer.write(b''.join(len(c).to_bytes(4, 'little') + c for c in (c32, c64, two)))\n";
    let dir = common::TempDir::new("cram-block-python-lzma");
    let mut out = Vec::new();
    for (name, data) in payloads() {
        let packed = compress_with(&dir, "python3", &["-c", script, "{}"], &data);
        let mut rest = &packed[..];
        for variant in ["CRC32 preset 9", "CRC64", "two streams"] {
            let (len, tail) = rest.split_at(4);
            let len = u32::from_le_bytes(len.try_into().unwrap()) as usize;
            let (src, tail) = tail.split_at(len);
            rest = tail;
            decompress(Method::Lzma, src, data.len(), &mut out)
                .unwrap_or_else(|e| panic!("{name} {variant}: {e}"));
            assert!(out == data, "{name} {variant}: decoded data differs");
        }
        assert!(rest.is_empty());
    }
}

/// The entropy codecs through the dispatch, one conformance file each,
/// against its original (qualities without newlines, names NUL-separated).
#[test]
fn cram_codecs_through_the_dispatch() {
    let payloads = payloads();
    let names: Vec<u8> = payloads[0]
        .1
        .iter()
        .map(|&b| if b == b'\n' { 0 } else { b })
        .collect();
    let qualities: Vec<u8> = payloads[1]
        .1
        .split(|&b| b == b'\n')
        .flat_map(|line| {
            line.split(|b| b.is_ascii_whitespace())
                .next()
                .unwrap_or(&[])
        })
        .copied()
        .collect();
    let cases = [
        (Method::Rans4x8, "rans4x8/q40+dir.1", &qualities),
        (Method::RansNx16, "ransNx16/q40+dir.5", &qualities),
        (Method::Arith, "range/q40+dir.65", &qualities),
        (Method::NameTokeniser, "tok3/03.names.19", &names),
        (Method::NameTokeniser, "tok3/03.names.9", &names),
    ];
    let mut out = Vec::new();
    for (method, file, want) in cases {
        let src = fs::read(common::testdata(&format!("hts-specs/cram/codecs/{file}"))).unwrap();
        decompress(method, &src, want.len(), &mut out).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(&out == want, "{file}: decoded data differs");
        let e = decompress(method, &src, want.len() + 1, &mut out).unwrap_err();
        assert_eq!(e.format(), Some(Format::Cram), "{file}: {e}");
    }
}

#[test]
fn method_bytes_and_limits() {
    for id in 0..=8 {
        assert_eq!(Method::from_id(id).unwrap().id(), id);
    }
    let e = Method::from_id(9).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    let mut out = Vec::new();
    let e = decompress(Method::Raw, b"", usize::MAX, &mut out).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded);
    let e = decompress(Method::Gzip, b"BZh9", 4, &mut out).unwrap_err();
    assert_eq!(e.format(), Some(Format::Cram));
    let e = decompress(Method::Lzma, b"\x1f\x8b", 4, &mut out).unwrap_err();
    assert_eq!(e.format(), Some(Format::Cram));
}
