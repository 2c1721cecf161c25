//! A BAM stream (after the `BAM\1` magic) through the reader: the header,
//! then every record by `next_record` (the in-buffer fast path) and by
//! `read_record` (the copying path), over a plain buffered reader of a
//! small capacity or over BGZF blocks cut at fuzzer-chosen places. Both
//! paths must yield the same records and the same error (the fast path on
//! one or two BGZF threads); never a panic.
#![no_main]

use std::io::{BufReader, Cursor, Write};

use biometal::bgzf;
use biometal::formats::bam::{Reader, ReaderBuilder, Uncompressed, VirtualPositioned};
use biometal::formats::sam::{self, RecordRef};
use libfuzzer_sys::fuzz_target;

/// What one pass saw: each record's bytes, then the error (kind and
/// record number) that ended it, if any.
type Outcome = (Vec<Vec<u8>>, Option<(biometal::ErrorKind, Option<u64>)>);

fn touch(record: &RecordRef<'_>, header: &sam::Header, line: &mut Vec<u8>) {
    let _ = (
        record.name(),
        record.flags(),
        record.alignment_start(),
        record.alignment_end(),
    );
    let _ = (
        record.cigar().to_string(),
        record.sequence().len(),
        record.qualities(),
    );
    let _ = record.data().validate();
    line.clear();
    let _ = sam::writer::format_record(header, *record, line);
}

fn read_all<R: VirtualPositioned>(mut reader: Reader<R>, fast: bool) -> Outcome {
    let mut records = Vec::new();
    let header = match reader.read_header() {
        Ok(header) => header,
        Err(error) => return (records, Some((error.kind(), None))),
    };
    let mut line = Vec::new();
    let mut owned = sam::Record::default();
    loop {
        let next = if fast {
            reader.next_record()
        } else {
            reader
                .read_record(&mut owned)
                .map(|more| more.then(|| owned.as_ref()))
        };
        match next {
            Ok(Some(record)) => {
                touch(&record, &header, &mut line);
                records.push(record.as_bytes().to_vec());
            }
            Ok(None) => return (records, None),
            Err(error) => return (records, Some((error.kind(), error.location().record()))),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&control, rest)) = data.split_first() else {
        return;
    };
    let mut bam = b"BAM\x01".to_vec();
    bam.extend_from_slice(rest);
    let builder = || ReaderBuilder::new().max_record_size(1 << 16);
    let outcomes = if control & 1 == 0 {
        // Plain bytes through a buffer of 1 to 128 bytes.
        let capacity = usize::from(control >> 1) + 1;
        [true, false].map(|fast| {
            read_all(
                builder().build(Uncompressed(BufReader::with_capacity(capacity, &bam[..]))),
                fast,
            )
        })
    } else {
        // BGZF blocks of 1 to 64 bytes each, so records straddle blocks.
        let step = usize::from(control >> 1 & 0x3f) + 1;
        let threads = 1 + usize::from(control >> 7);
        let mut writer = bgzf::WriterBuilder::new()
            .level(0)
            .build(Vec::new())
            .expect("level 0 is valid");
        for chunk in bam.chunks(step) {
            writer.write_all(chunk).expect("in-memory write");
            writer.flush().expect("in-memory flush");
        }
        let compressed = writer.finish().expect("in-memory BGZF");
        [true, false].map(|fast| {
            // The fast path with one or two decoding threads (the top
            // bit of `control`), the copying path with one.
            let threads = if fast { threads } else { 1 };
            let inner = bgzf::ReaderBuilder::new()
                .threads(threads)
                .build(Cursor::new(&compressed[..]));
            read_all(builder().build(inner), fast)
        })
    };
    let [fast, copying] = outcomes;
    assert!(fast == copying, "next_record and read_record disagree");
});
