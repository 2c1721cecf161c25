//! BCF records cut into BGZF blocks of fuzzed sizes, the stream perhaps
//! cut short: `next_record` (which borrows a record crossing into the next
//! block in one piece) yields the same records and the same error, at the
//! same place, as `read_record` (which copies), with one decoding thread
//! or two.
#![no_main]

use std::io::{Cursor, Write};

use biometal::bgzf;
use biometal::formats::bcf;
use libfuzzer_sys::fuzz_target;

const HEADER: &str = "##fileformat=VCFv4.2\n##contig=<ID=1,length=1000>\n\
##INFO=<ID=DP,Number=1,Type=Integer,Description=\"d\">\n\
##FORMAT=<ID=GT,Number=1,Type=String,Description=\"g\">\n\
##FORMAT=<ID=PL,Number=G,Type=Integer,Description=\"p\">\n\
#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tA\tB\n";

type Outcome = Vec<Result<Vec<u8>, String>>;

fn describe(error: &biometal::Error) -> String {
    format!("{:?} {error} {:?}", error.kind(), error.location())
}

fn reader(file: &[u8], threads: usize) -> bcf::Reader<bgzf::Reader<Cursor<&[u8]>>> {
    let source = bgzf::ReaderBuilder::new()
        .threads(threads)
        .build(Cursor::new(file));
    bcf::ReaderBuilder::new()
        .max_record_size(1 << 16)
        .build(source)
}

fn borrowed(file: &[u8], threads: usize) -> Outcome {
    let mut reader = reader(file, threads);
    if let Err(error) = reader.read_header() {
        return vec![Err(describe(&error))];
    }
    let mut out = Vec::new();
    loop {
        match reader.next_record() {
            Ok(Some(record)) => out.push(Ok(record.as_bytes().to_vec())),
            Ok(None) => return out,
            Err(error) => {
                out.push(Err(describe(&error)));
                return out;
            }
        }
    }
}

fn copied(file: &[u8]) -> Outcome {
    let mut reader = reader(file, 1);
    if let Err(error) = reader.read_header() {
        return vec![Err(describe(&error))];
    }
    let mut record = bcf::Record::default();
    let mut out = Vec::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => out.push(Ok(record.as_ref().as_bytes().to_vec())),
            Ok(false) => return out,
            Err(error) => {
                out.push(Err(describe(&error)));
                return out;
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    // Two bytes of settings: the largest block, whether to cut the stream
    // and use two threads; then the records.
    let [max_block, flags, records @ ..] = data else {
        return;
    };
    let mut stream = bcf::MAGIC_2_2.to_vec();
    stream.extend_from_slice(&(HEADER.len() as u32 + 1).to_le_bytes());
    stream.extend_from_slice(HEADER.as_bytes());
    stream.push(0);
    stream.extend_from_slice(records);
    let max_block = 1 + usize::from(*max_block) * 4;
    let mut writer = bgzf::Writer::new(Vec::new());
    for (i, chunk) in stream.chunks(max_block).enumerate() {
        // Block sizes vary with the data: 1 to max_block bytes.
        let n = 1 + usize::from(chunk[0]) % chunk.len();
        writer.write_all(&chunk[..n]).expect("into a Vec");
        writer.flush().expect("into a Vec");
        writer.write_all(&chunk[n..]).expect("into a Vec");
        if i % 7 == 6 {
            writer.flush().expect("into a Vec");
        }
    }
    let mut file = writer.finish().expect("into a Vec");
    if flags & 1 == 1 {
        let cut = usize::from(flags >> 1) * file.len() / 128;
        file.truncate(cut);
    }
    let threads = if flags & 0x80 == 0 { 1 } else { 2 };
    assert_eq!(borrowed(&file, threads), copied(&file));
});
