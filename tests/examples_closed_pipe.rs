//! The example binaries writing into a pipe whose reader has gone
//! (`view … | head`): exit status 141 and nothing on stderr, as samtools
//! and bcftools (killed by SIGPIPE) behave; never a panic or an I/O error
//! report.
mod common;

use std::process::{Command, Stdio};

#[test]
fn a_closed_output_pipe_ends_each_example_quietly() {
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data/");
    let cases: [(&str, &[&str]); 4] = [
        ("stats", &[]),
        ("view", &["sample.bam"]),
        ("view", &["sample.vcf.gz"]),
        ("allele_counts", &["sample.bcf"]),
    ];
    for (example, files) in cases {
        let paths: Vec<String> = files.iter().map(|f| format!("{data}{f}")).collect();
        // The reading end is closed before the example has read its input,
        // so its first write meets a pipe without readers.
        let mut child = Command::new(common::example_binary(example))
            .args(&paths)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run example");
        drop(child.stdout.take());
        let output = child.wait_with_output().expect("wait");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(
            output.status.code(),
            Some(141),
            "{example} {files:?}: {stderr}"
        );
        assert!(stderr.is_empty(), "{example} {files:?}: {stderr}");
    }
}
