//! Paired FASTQ reading and record batches.

use biometal::formats::fastq::{PairedReader, Reader, ReaderBuilder, Record, RecordBatch};
use biometal::ErrorKind;

fn fastq(records: &[(&str, &str)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, sequence) in records {
        out.extend_from_slice(
            format!(
                "@{name} extra\n{sequence}\n+\n{}\n",
                "I".repeat(sequence.len())
            )
            .as_bytes(),
        );
    }
    out
}

#[test]
fn two_files_pair_up_and_names_are_checked() {
    let first = fastq(&[("p1/1", "AC"), ("p2/1", "GG"), ("p3", "T")]);
    let second = fastq(&[("p1/2", "TT"), ("p2/2", "CC"), ("p3", "A")]);
    let mut pairs = PairedReader::new(Reader::new(&first[..]), Reader::new(&second[..]));
    let (mut a, mut b) = (Record::default(), Record::default());
    let mut seen = Vec::new();
    while pairs.read_pair(&mut a, &mut b).unwrap() {
        seen.push((a.sequence().to_vec(), b.sequence().to_vec()));
    }
    assert_eq!(seen.len(), 3);
    assert_eq!(seen[1], (b"GG".to_vec(), b"CC".to_vec()));

    let second = fastq(&[("p1/2", "TT"), ("px/2", "CC")]);
    let mut pairs = PairedReader::new(Reader::new(&first[..]), Reader::new(&second[..]));
    assert!(pairs.read_pair(&mut a, &mut b).unwrap());
    let error = pairs.read_pair(&mut a, &mut b).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidData);
    assert_eq!(error.location().record(), Some(2));
    assert!(error.message().contains("'p2/1' and 'px/2'"), "{error}");
}

#[test]
fn uneven_files_and_odd_interleaved_files_are_errors() {
    let first = fastq(&[("p1/1", "AC"), ("p2/1", "GG")]);
    let second = fastq(&[("p1/2", "TT")]);
    let (mut a, mut b) = (Record::default(), Record::default());
    let mut pairs = PairedReader::new(Reader::new(&first[..]), Reader::new(&second[..]));
    assert!(pairs.read_pair(&mut a, &mut b).unwrap());
    let error = pairs.read_pair(&mut a, &mut b).unwrap_err();
    assert!(error.message().contains("no mate"), "{error}");
    assert_eq!(error.location().name(), Some("p2/1"));

    let mut pairs = PairedReader::new(Reader::new(&second[..]), Reader::new(&first[..]));
    assert!(pairs.read_pair(&mut a, &mut b).unwrap());
    assert!(pairs.read_pair(&mut a, &mut b).is_err());

    let interleaved = fastq(&[("p1/1", "AC"), ("p1/2", "GG"), ("p2/1", "T")]);
    let mut pairs = PairedReader::interleaved(Reader::new(&interleaved[..]));
    assert!(pairs.read_pair(&mut a, &mut b).unwrap());
    assert_eq!((a.sequence(), b.sequence()), (&b"AC"[..], &b"GG"[..]));
    assert!(pairs.read_pair(&mut a, &mut b).is_err());
    assert_eq!(pairs.pairs_read(), 1);
}

#[test]
fn batches_hold_the_same_records_as_the_reader_at_every_capacity() {
    let text =
        b"@a x\nACGT\n+a x\nIIII\n@b\nAC\nGT\nA\n+\nII@I\n+\n@c\n\n+\n\n@d\nT\n+\nI".to_vec();
    let mut expected = Vec::new();
    let mut reader = Reader::new(&text[..]);
    while let Some(record) = reader.next_record() {
        expected.push(record.unwrap().to_owned());
    }
    assert_eq!(expected.len(), 4);
    assert_eq!(expected[1].sequence(), b"ACGTA");
    for capacity in 3..60 {
        for batch_size in 1..5 {
            let mut reader = ReaderBuilder::new()
                .buffer_capacity(capacity)
                .build_from_reader(&text[..]);
            let mut batch = RecordBatch::new();
            let mut got = Vec::new();
            let mut raw = Vec::new();
            while reader.read_batch(&mut batch, batch_size).unwrap() > 0 {
                assert!(batch.len() <= batch_size);
                for record in batch.iter() {
                    got.push(record.to_owned());
                    raw.extend_from_slice(record.as_bytes());
                }
            }
            assert_eq!(got, expected, "capacity {capacity}, batch {batch_size}");
            assert_eq!(raw, text);
        }
    }
}

#[test]
fn a_batch_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<RecordBatch>();
}
