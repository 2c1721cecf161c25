//! `examples/bgzip` against Debian's `bgzip`.
//!
//! The example is built by `common::example_binary`.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use common::{oracle, testdata, TempDir};

fn example_binary() -> &'static Path {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| common::example_binary("bgzip"))
}

/// Runs our `bgzip` with `args`, feeding `stdin`.
fn ours(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(example_binary())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run examples/bgzip");
    let mut input = child.stdin.take().unwrap();
    let stdin = stdin.to_vec();
    let feeder = std::thread::spawn(move || {
        let _ = input.write_all(&stdin); // ours may exit without reading
    });
    let output = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    output
}

fn ours_ok(args: &[&str], stdin: &[u8]) -> Vec<u8> {
    let output = ours(args, stdin);
    assert!(
        output.status.success(),
        "bgzip example {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

fn text_lines(count: usize) -> Vec<u8> {
    let mut text = Vec::new();
    for i in 0..count {
        writeln!(
            text,
            "chr{}\t{}\t{}",
            i % 23,
            i * 17,
            "GATTACA".repeat(1 + i % 40)
        )
        .unwrap();
    }
    text
}

fn random_bytes(len: usize) -> Vec<u8> {
    let mut state = 0x853c_49e6_748f_ea9b_u64;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 32) as u8
        })
        .collect()
}

fn path_str(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn bgzip_decompresses_our_compressed_output() {
    let dir = TempDir::new("bgzip-example-c");
    let inputs = [
        ("empty", Vec::new()),
        ("text", text_lines(20_000)),
        ("random", random_bytes(200_000)),
    ];
    for (name, data) in &inputs {
        let input = dir.join(name);
        std::fs::write(&input, data).unwrap();
        for args in [
            &["-c"][..],
            &["-c", "-@", "4"],
            &["-c", "-l", "0"],
            &["-c", "-l9"],
            &["-c", "-l", "12"],
        ] {
            let mut args = args.to_vec();
            args.push(path_str(&input));
            let compressed = dir.join("out.gz");
            std::fs::write(&compressed, ours_ok(&args, b"")).unwrap();
            let decoded = oracle("bgzip", &["-dc", path_str(&compressed)]).stdout;
            assert!(
                &decoded == data,
                "{name} {args:?}: bgzip -dc differs from the input"
            );
        }
        // Standard input to standard output.
        let compressed = dir.join("stdin.gz");
        std::fs::write(&compressed, ours_ok(&["-@2"], data)).unwrap();
        assert!(
            &oracle("bgzip", &["-dc", path_str(&compressed)]).stdout == data,
            "{name} from stdin"
        );
    }
}

#[test]
fn our_decompression_equals_bgzip_dc() {
    let dir = TempDir::new("bgzip-example-d");
    let text = dir.join("text.txt");
    std::fs::write(&text, text_lines(30_000)).unwrap();
    let mut files = vec![
        testdata("hts-specs/bam/passed/level-1.bam"),
        testdata("hts-specs/bam/passed/level-9.bam"),
    ];
    for (name, args) in [
        ("default.gz", &[][..]),
        ("l0.gz", &["-l", "0"]),
        ("threads.gz", &["-@", "3"]),
    ] {
        let path = dir.join(name);
        let mut args = args.to_vec();
        args.extend(["-c", path_str(&text)]);
        std::fs::write(&path, oracle("bgzip", &args).stdout).unwrap();
        files.push(path);
    }
    for file in &files {
        let expected = oracle("bgzip", &["-dc", path_str(file)]).stdout;
        for threads in ["1", "3"] {
            let output = ours(&["-dc", "-@", threads, path_str(file)], b"");
            assert!(
                output.status.success(),
                "{}: {}",
                file.display(),
                String::from_utf8_lossy(&output.stderr)
            );
            assert!(
                output.stdout == expected,
                "{}: -dc -@ {threads} differs from bgzip -dc",
                file.display()
            );
            assert!(
                output.stderr.is_empty(),
                "unexpected warning: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
    }
}

#[test]
fn our_index_equals_bgzips() {
    let dir = TempDir::new("bgzip-example-i");
    let data = text_lines(40_000);
    // Level 0 is byte-identical to `bgzip -l 0`, so both indexes describe the
    // same blocks; at other levels, compare with `bgzip -r` on our file.
    for level in ["0", "6"] {
        let input = dir.join("data.txt");
        std::fs::write(&input, &data).unwrap();
        ours_ok(&["-f", "-i", "-l", level, path_str(&input)], b"");
        assert!(!input.exists(), "the input was not removed");
        let ours_gz = std::fs::read(dir.join("data.txt.gz")).unwrap();
        let ours_gzi = std::fs::read(dir.join("data.txt.gz.gzi")).unwrap();
        assert!(ours_gzi.len() > 8 + 16);

        let reindexed = dir.join("reindexed.gz");
        std::fs::write(&reindexed, &ours_gz).unwrap();
        oracle("bgzip", &["-f", "-r", path_str(&reindexed)]);
        assert_eq!(
            ours_gzi,
            std::fs::read(dir.join("reindexed.gz.gzi")).unwrap(),
            "level {level}: bgzip -r"
        );

        if level == "0" {
            std::fs::write(&input, &data).unwrap();
            let theirs = dir.join("theirs.gz");
            let gzi = dir.join("theirs.gzi");
            let stdout = oracle(
                "bgzip",
                &[
                    "-c",
                    "-l",
                    "0",
                    "-i",
                    "-I",
                    path_str(&gzi),
                    path_str(&input),
                ],
            )
            .stdout;
            std::fs::write(&theirs, stdout).unwrap();
            assert_eq!(ours_gz, std::fs::read(&theirs).unwrap(), "level 0 bytes");
            assert_eq!(
                ours_gzi,
                std::fs::read(&gzi).unwrap(),
                "level 0 index vs bgzip -i"
            );
        }
    }
}

#[test]
fn file_mode_round_trip_keep_and_force() {
    let dir = TempDir::new("bgzip-example-files");
    let data = text_lines(5_000);
    let input = dir.join("reads.txt");
    let compressed = dir.join("reads.txt.gz");
    std::fs::write(&input, &data).unwrap();

    ours_ok(&["-k", path_str(&input)], b"");
    assert!(input.exists(), "-k removed the input");
    assert_eq!(
        oracle("bgzip", &["-dc", path_str(&compressed)]).stdout,
        data
    );

    // An existing output is not replaced without -f: one line, exit 1.
    let refused = ours(&[path_str(&input)], b"");
    assert_eq!(refused.status.code(), Some(1));
    let message = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(message.contains("already exists"), "{message}");
    assert!(input.exists());

    std::fs::remove_file(&input).unwrap();
    ours_ok(&["-d", path_str(&compressed)], b"");
    assert!(!compressed.exists(), "-d kept the compressed file");
    assert_eq!(std::fs::read(&input).unwrap(), data);
}

#[test]
fn missing_eof_marker_warns_and_truncation_fails() {
    let dir = TempDir::new("bgzip-example-eof");
    let data = text_lines(20_000);
    let input = dir.join("data.txt");
    std::fs::write(&input, &data).unwrap();
    let compressed = oracle("bgzip", &["-c", path_str(&input)]).stdout;

    let no_eof = dir.join("no-eof.gz");
    std::fs::write(&no_eof, &compressed[..compressed.len() - 28]).unwrap();
    let output = ours(&["-dc", path_str(&no_eof)], b"");
    assert!(output.status.success());
    assert!(output.stdout == data);
    assert!(String::from_utf8_lossy(&output.stderr).contains("EOF marker is absent"));

    let cut = dir.join("cut.gz");
    std::fs::write(&cut, &compressed[..compressed.len() / 2]).unwrap();
    let output = ours(&["-dc", path_str(&cut)], b"");
    assert_eq!(output.status.code(), Some(1));
    let message = String::from_utf8_lossy(&output.stderr);
    assert_eq!(message.lines().count(), 1, "{message}");
}

#[test]
fn bad_arguments_are_one_line_errors() {
    for args in [
        &["-l", "13"][..],
        &["-x"],
        &["-@"],
        &["-@", "many"],
        &["a", "b"],
        &["-d", "no-such-file.gz"],
    ] {
        let output = ours(args, b"");
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        let message = String::from_utf8_lossy(&output.stderr);
        assert_eq!(message.lines().count(), 1, "{args:?}: {message}");
        assert!(message.starts_with("bgzip: "), "{message}");
    }
}
