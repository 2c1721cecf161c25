//! Decodes arbitrary bytes as the data containers of a CRAM 3.0 file whose
//! file definition and SAM header container are valid (one 1000-base
//! reference, `ref`, whose bases are in a temporary FASTA file): the
//! compression header, slice headers, encodings and every record decoder
//! get the fuzzer's bytes, decoded whole, then counted with the flags only
//! (the plan that skips data series and blocks). Must return, never panic.
#![no_main]

use std::sync::OnceLock;

use biometal::formats::cram::{Fields, ReaderBuilder, ReferenceSource};
use libfuzzer_sys::fuzz_target;

const HEADER_TEXT: &[u8] = b"@HD\tVN:1.6\tSO:coordinate\n@SQ\tSN:ref\tLN:1000\n@RG\tID:a\n";

fn reference() -> &'static ReferenceSource {
    static REFERENCE: OnceLock<ReferenceSource> = OnceLock::new();
    REFERENCE.get_or_init(|| {
        let path = std::env::temp_dir().join(format!("cram_slice_fuzz_{}.fa", std::process::id()));
        let bases: String = (0..1000).map(|i| b"ACGTTGCAN"[i % 9] as char).collect();
        std::fs::write(&path, format!(">ref\n{bases}\n")).expect("write reference");
        ReferenceSource::from_fasta_path(&path).expect("index reference")
    })
}

fn itf8(out: &mut Vec<u8>, value: usize) {
    // Values here stay below 2^14.
    if value < 0x80 {
        out.push(value as u8);
    } else {
        out.push(0x80 | (value >> 8) as u8);
        out.push(value as u8);
    }
}

fn header_container() -> Vec<u8> {
    let mut block_data = (HEADER_TEXT.len() as i32).to_le_bytes().to_vec();
    block_data.extend_from_slice(HEADER_TEXT);
    let mut block = vec![0, 0, 0];
    itf8(&mut block, block_data.len());
    itf8(&mut block, block_data.len());
    block.extend_from_slice(&block_data);
    let crc = crc32(&block);
    block.extend_from_slice(&crc.to_le_bytes());
    let mut header = (block.len() as i32).to_le_bytes().to_vec();
    header.extend_from_slice(&[0, 0, 0, 0, 0, 0, 1, 0]);
    let crc = crc32(&header);
    header.extend_from_slice(&crc.to_le_bytes());
    header.extend_from_slice(&block);
    header
}

/// CRC32 (IEEE), bit by bit: only the fixed prefix uses it.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

fuzz_target!(|data: &[u8]| {
    let mut input = b"CRAM\x03\x00".to_vec();
    input.extend_from_slice(&[0; 20]);
    input.extend_from_slice(&header_container());
    input.extend_from_slice(data);
    let mut reader = ReaderBuilder::new()
        .reference(reference().clone())
        .build(&input[..]);
    if reader.read_header().is_err() {
        return;
    }
    while let Ok(Some(_)) = reader.next_record() {}
    let mut reader = ReaderBuilder::new()
        .fields(Fields::flags_only())
        .build(&input[..]);
    if reader.read_header().is_ok() {
        let _ = reader.count_records();
    }
});
