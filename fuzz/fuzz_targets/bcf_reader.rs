//! BCF records after a fixed header through the reader, by `next_record`
//! (the in-buffer fast path) and by `read_record` (the copying path), over
//! a plain buffered reader of a small capacity or over BGZF blocks cut at
//! fuzzer-chosen places, so that records cross buffers and blocks. Both
//! paths must yield the same records and the same error (the fast path on
//! one or two BGZF threads), and genotypes decode without panicking.
#![no_main]

use std::io::{BufReader, Cursor, Write};

use biometal::bgzf;
use biometal::formats::bcf::{self, Reader, RecordRef, Uncompressed, VirtualPositioned};
use biometal::formats::vcf::{GenotypeMatrix, Variant};
use libfuzzer_sys::fuzz_target;

const HEADER: &str = "##fileformat=VCFv4.2\n##contig=<ID=1,length=1000>\n##contig=<ID=2>\n\
##INFO=<ID=DP,Number=1,Type=Integer,Description=\"d\">\n\
##FORMAT=<ID=GT,Number=1,Type=String,Description=\"g\">\n\
##FORMAT=<ID=PL,Number=G,Type=Integer,Description=\"p\">\n\
#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tA\tB\tC\n";

/// What one pass saw: each record's shared and per-sample bytes, then the
/// error (kind and record number) that ended it, if any.
type Outcome = (Vec<Vec<u8>>, Option<(biometal::ErrorKind, Option<u64>)>);

fn read_all<R: VirtualPositioned + bgzf::FillBufAtLeast>(
    mut reader: Reader<R>,
    fast: bool,
) -> Outcome {
    let mut records = Vec::new();
    let header = match reader.read_header() {
        Ok(header) => header,
        Err(error) => return (records, Some((error.kind(), None))),
    };
    let mut matrix = GenotypeMatrix::new();
    let mut owned = bcf::Record::default();
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
                let record: RecordRef<'_> = record;
                if record.genotypes_into(&header, &mut matrix).is_ok() {
                    assert_eq!(matrix.sample_count(), 3);
                }
                let _ = record.sample_value(&header, 1, "PL");
                let mut bytes = record.shared().to_vec();
                bytes.extend_from_slice(record.individual());
                records.push(bytes);
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
    let mut bytes = bcf::MAGIC_2_2.to_vec();
    bytes.extend_from_slice(&(HEADER.len() as u32 + 1).to_le_bytes());
    bytes.extend_from_slice(HEADER.as_bytes());
    bytes.push(0);
    bytes.extend_from_slice(rest);
    let builder = || bcf::ReaderBuilder::new().max_record_size(1 << 16);
    let outcomes = if control & 1 == 0 {
        // Plain bytes through a buffer of 1 to 128 bytes.
        let capacity = usize::from(control >> 1) + 1;
        [true, false].map(|fast| {
            let inner = Uncompressed(BufReader::with_capacity(capacity, &bytes[..]));
            read_all(builder().build(inner), fast)
        })
    } else {
        // The header in one block, then BGZF blocks of 1 to 64 bytes.
        let step = usize::from(control >> 1 & 0x3f) + 1;
        let threads = 1 + usize::from(control >> 7);
        let body = bytes.len() - rest.len();
        let mut writer = bgzf::WriterBuilder::new()
            .level(0)
            .build(Vec::new())
            .expect("level 0 is valid");
        for chunk in std::iter::once(&bytes[..body]).chain(rest.chunks(step)) {
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
