//! The `view` and `count` examples on CRAM print what samtools prints.

mod common;

use common::{example_binary, oracle, run_example, testdata};

#[test]
fn view_and_count_match_samtools_on_cram() {
    let view = example_binary("view");
    let count = example_binary("count");
    let ce = testdata("hts-specs/cram/ce.fa");
    let ce = ce.to_str().expect("UTF-8 path");
    for file in [
        "hts-specs/cram/3.0/passed/1403_index_multiref.cram",
        "hts-specs/cram/3.0/passed/1001_name.cram",
        "hts-specs/cram/3.1/passed/level-4.cram",
    ] {
        let path = testdata(file);
        let path = path.to_str().expect("UTF-8 path");
        let theirs = oracle("samtools", &["view", "-h", "--reference", ce, path]);
        let ours = run_example(&view, &["-h", "--reference", ce, path]);
        // samtools appends its own @PG line to the header.
        let theirs: String = String::from_utf8(theirs.stdout)
            .expect("UTF-8")
            .lines()
            .filter(|line| !line.starts_with("@PG\tID:samtools"))
            .map(|line| format!("{line}\n"))
            .collect();
        assert_eq!(ours, theirs, "view {file}");
        let theirs = oracle("samtools", &["view", "-c", "--reference", ce, path]);
        assert_eq!(
            run_example(&count, &[path]),
            String::from_utf8(theirs.stdout).expect("UTF-8"),
            "count {file}"
        );
    }
    // A missing EOF container: one line on stderr, exit status 1.
    let output = std::process::Command::new(&view)
        .arg(testdata("hts-specs/cram/3.0/failed/0000_empty_noeof.cram"))
        .output()
        .expect("run view");
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&output.stderr).lines().count(), 1);
}
