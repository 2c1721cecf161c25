//! Per-record statistics and the streaming summary against Python.

mod common;

use biometal::formats::fastq::{Reader, ReaderBuilder, RecordStats, Summary};
use biometal::ErrorKind;

fn generate(count: usize) -> Vec<u8> {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move |n: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % n
    };
    let mut out = Vec::new();
    for i in 0..count {
        let len = if i % 50 == 0 {
            1500 + next(3000)
        } else {
            next(160)
        } as usize;
        let sequence: String = (0..len)
            .map(|_| b"ACGTNacgtRS"[next(11) as usize] as char)
            .collect();
        let quality: String = (0..len).map(|_| (33 + next(42)) as u8 as char).collect();
        out.extend_from_slice(format!("@r{i}\n{sequence}\n+\n{quality}\n").as_bytes());
    }
    out
}

const PYTHON: &str = r#"
import sys
lines = open(sys.argv[1]).read().split('\n')
tot = dict(records=0, bases=0, gc=0, acgt=0, qsum=0, ee=0.0)
for i in range(0, len(lines) - 1, 4):
    s, q = lines[i + 1], lines[i + 3]
    u = s.upper()
    gc = u.count('G') + u.count('C')
    acgt = gc + u.count('A') + u.count('T')
    qs = [ord(c) - 33 for c in q]
    ee = sum(10 ** (-x / 10) for x in qs)
    print(len(s), gc, acgt, sum(qs), repr(ee))
    tot['records'] += 1; tot['bases'] += len(s); tot['gc'] += gc; tot['acgt'] += acgt
    tot['qsum'] += sum(qs); tot['ee'] += ee
print('TOTAL', tot['records'], tot['bases'], tot['gc'], tot['acgt'], tot['qsum'], repr(tot['ee']))
"#;

#[test]
fn record_statistics_and_summary_equal_python() {
    let text = generate(400);
    let dir = common::TempDir::new("fastq-stats");
    let path = dir.join("reads.fq");
    std::fs::write(&path, &text).unwrap();
    let script = dir.join("stats.py");
    std::fs::write(&script, PYTHON).unwrap();
    let output = common::oracle(
        "python3",
        &[script.to_str().unwrap(), path.to_str().unwrap()],
    );
    let lines: Vec<Vec<String>> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| line.split(' ').map(str::to_owned).collect())
        .collect();

    let mut reader = ReaderBuilder::new()
        .validate_quality(true)
        .build_from_reader(&text[..]);
    let mut summary = Summary::new();
    let mut i = 0;
    while let Some(record) = reader.next_record() {
        let stats = summary.add(&record.unwrap()).unwrap();
        let expected = &lines[i];
        let number = |k: usize| expected[k].parse::<f64>().unwrap();
        assert_eq!(stats.length as f64, number(0));
        let counts = stats.base_counts;
        assert_eq!((counts.g + counts.c) as f64, number(1));
        assert_eq!(
            (counts.a + counts.c + counts.g + counts.t) as f64,
            number(2)
        );
        assert_eq!(stats.quality_sum as f64, number(3));
        assert!((stats.expected_errors - number(4)).abs() < 1e-9);
        if number(2) > 0.0 {
            assert_eq!(stats.gc_fraction, Some(number(1) / number(2)));
        }
        i += 1;
    }
    let total = lines.last().unwrap();
    assert_eq!(total[0], "TOTAL");
    assert_eq!(summary.records().to_string(), total[1]);
    assert_eq!(summary.bases().to_string(), total[2]);
    let gc_acgt: f64 = total[3].parse::<f64>().unwrap() / total[4].parse::<f64>().unwrap();
    assert_eq!(summary.gc_fraction(), Some(gc_acgt));
    let bases: f64 = total[2].parse().unwrap();
    assert_eq!(
        summary.mean_quality(),
        Some(total[5].parse::<f64>().unwrap() / bases)
    );
    assert!((summary.expected_errors() - total[6].parse::<f64>().unwrap()).abs() < 1e-6);
    let histogram = summary.length_histogram();
    assert_eq!(histogram.iter().map(|&(_, _, n)| n).sum::<u64>(), 400);
    assert!(histogram
        .iter()
        .any(|&(low, high, _)| low == 2048 && high == 4095));
    assert_eq!(
        summary.gc_histogram().iter().sum::<u64>() as usize,
        i - lines_without_acgt(&lines)
    );
    let (min, max) = summary.length_range().unwrap();
    assert!(min < 160 && max >= 1500);
}

fn lines_without_acgt(lines: &[Vec<String>]) -> usize {
    lines
        .iter()
        .filter(|line| line[0] != "TOTAL" && line[2] == "0")
        .count()
}

#[test]
fn quality_validation_is_off_by_default_and_names_the_read() {
    let text = b"@ok\nAC\n+\nII\n@bad\nACG\n+\nI I\n";
    let mut reader = Reader::new(&text[..]);
    assert_eq!(reader.records().count(), 2);
    let mut reader = ReaderBuilder::new()
        .validate_quality(true)
        .build_from_reader(&text[..]);
    assert!(reader.next_record().unwrap().is_ok());
    let error = reader.next_record().unwrap().unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidData);
    assert_eq!(error.location().name(), Some("bad"));
    assert_eq!(error.location().line(), Some(8));
    assert!(error.message().contains("read position 2"), "{error}");

    let mut reader = Reader::new(&text[..]);
    reader.next_record();
    let record = reader.next_record().unwrap().unwrap();
    let error = RecordStats::of(&record).unwrap_err();
    assert_eq!(error.location().name(), Some("bad"));
}
