//! Without the ONNX Runtime library: an error naming what was searched,
//! never a panic. Its own test binary, because the runtime is loaded once
//! per process.
#![cfg(feature = "neural-engine")]

use std::process::Command;

use biometal::neural_engine::{QualityModel, DYLIB_PATH_ENV};
use biometal::ErrorKind;

const MISSING: &str = "/nonexistent/biometal-test/libonnxruntime.so.1.99.0";

#[test]
fn missing_library_is_an_unavailable_error() {
    // The only test in this binary: nothing else reads the variable.
    std::env::set_var(DYLIB_PATH_ENV, MISSING);
    for _ in 0..2 {
        let err = QualityModel::bundled().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unavailable, "{err}");
        let message = err.to_string();
        assert!(
            message.contains(MISSING) && message.contains(DYLIB_PATH_ENV),
            "{message}"
        );
    }

    // The example says so in one line and exits 1.
    let mut cargo = Command::new(env!("CARGO"));
    cargo.args([
        "build",
        "--example",
        "quality_filter",
        "--features",
        "neural-engine",
        "--quiet",
    ]);
    cargo.args([
        "--manifest-path",
        concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"),
    ]);
    if !cfg!(debug_assertions) {
        cargo.arg("--release");
    }
    assert!(cargo.status().unwrap().success());
    // This test runs from <target>/<profile>/deps/; the example lands in <target>/<profile>/examples/.
    let exe = std::env::current_exe().unwrap();
    let binary = exe
        .parent()
        .and_then(|deps| deps.parent())
        .unwrap()
        .join("examples/quality_filter");
    let input = concat!(env!("CARGO_MANIFEST_DIR"), "/training/golden/reads.fastq");
    let output = Command::new(binary)
        .arg(input)
        .env(DYLIB_PATH_ENV, MISSING)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(MISSING) && !stderr.contains("panicked"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
}
