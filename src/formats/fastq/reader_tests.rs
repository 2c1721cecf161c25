//! Unit tests of the FASTQ reader's fast path.

use super::*;

/// Every record's (header, sequence, quality), or the error's kind,
/// record, line and byte offset.
type Outcome = std::result::Result<
    Vec<(Vec<u8>, Vec<u8>, Vec<u8>)>,
    (crate::ErrorKind, Option<u64>, Option<u64>, Option<u64>),
>;

fn read(data: &[u8], capacity: usize, validate_quality: bool) -> Outcome {
    let mut reader = ReaderBuilder::new()
        .buffer_capacity(capacity)
        .validate_quality(validate_quality)
        .build_from_reader(data);
    let mut records = Vec::new();
    while let Some(record) = reader.next_record() {
        match record {
            Ok(r) => records.push((
                r.header().to_vec(),
                r.sequence().to_vec(),
                r.quality().to_vec(),
            )),
            Err(e) => {
                let at = e.location();
                return Err((e.kind(), at.record(), at.line(), at.byte_offset()));
            }
        }
    }
    Ok(records)
}

/// Inputs at the edge of the fast path (a plain record wholly in the
/// buffer) read the same whether the record is in the buffer at once
/// (large capacity: fast path) or arrives in pieces (general path).
#[test]
fn the_fast_path_agrees_with_the_general_path() {
    let good = b"@a x\nACGT\n+\nIIII\n".as_slice();
    let inputs: [&[u8]; 11] = [
        // A quality line with a newline where the sequence's length
        // would put the end: a wrapped quality, one byte short.
        b"@a\nACGT\n+\nI\nII\n@b\nA\n+\nI\n",
        // CR before only the sequence's newline.
        b"@a\nACGT\r\n+\nIIII\n",
        // CR only on the separator, and only on the quality.
        b"@a\nACGT\n+\r\nIIII\n@b\nAC\n+\nII\r\n",
        // Separators repeating the name, and one that differs.
        b"@a x\nAC\n+a x\nII\n@b\nAC\n+b\nII\n@c\nAC\n+d\nII\n",
        // Empty reads, the last one at the very end.
        b"@a\n\n+\n\n@b\n\n+\n",
        // Quality longer than the sequence.
        b"@a\nACG\n+\nIIII\n",
        // Missing '@', and a record after a blank line.
        b"@a\nA\n+\nI\nXb\nA\n+\nI\n",
        b"@a\nA\n+\nI\n\n@b\nA\n+\nI\n",
        // Wrapped sequence whose second line starts with '+'-free text.
        b"@a\nAC\nGT\n+\nIIII\n@b\nA\n+\nI\n",
        // Quality outside Phred+33 (checked only when asked).
        b"@a\nACGT\n+\nII\x7fI\n@b\nA\n+\nI\n",
        // A wrapped sequence with a newline where the last record's length
        // (4) would end it.
        b"@a\nAC\nG\n+\nIII\n@b\nACGT\n+\nII\nI\n",
    ];
    for (i, input) in inputs.iter().enumerate() {
        let text: Vec<u8> = [good, input, good].concat();
        for validate in [false, true] {
            let fast = read(&text, 1 << 16, validate);
            for capacity in 3..48 {
                assert_eq!(
                    read(&text, capacity, validate),
                    fast,
                    "input {i}, capacity {capacity}, validate {validate}"
                );
            }
        }
    }
    let error = read(&[good, inputs[0], good].concat(), 1 << 16, false);
    assert_eq!(error.unwrap_err().0, crate::ErrorKind::InvalidData);
    let error = read(&[good, inputs[9], good].concat(), 1 << 16, true);
    assert_eq!(
        error.unwrap_err(),
        (crate::ErrorKind::InvalidData, Some(2), Some(8), Some(27))
    );
    assert_eq!(
        read(&[good, inputs[9]].concat(), 1 << 16, false)
            .unwrap()
            .len(),
        3
    );
}
