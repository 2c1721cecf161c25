//! The BAM header: magic, SAM text, and the binary reference list.

use std::io::{BufRead, Read, Write};

use crate::formats::sam::header::{Header, ParseOptions, ReferenceSequence, Strictness};
use crate::{Error, Format, Result};

/// The largest header text accepted (a guard, not a spec limit).
const MAX_HEADER_TEXT: u64 = 1 << 30;
/// The most reference sequences accepted.
const MAX_REFERENCES: u64 = 1 << 26;

fn read_u32(reader: &mut impl Read, what: &str) -> Result<u32> {
    let mut bytes = [0u8; 4];
    reader
        .read_exact(&mut bytes)
        .map_err(|e| eof_or_io(e, what))?;
    Ok(u32::from_le_bytes(bytes))
}

fn eof_or_io(error: std::io::Error, what: &str) -> Error {
    if error.kind() == std::io::ErrorKind::UnexpectedEof {
        Error::unexpected_eof(Format::Bam, format!("header ends inside {what}"))
    } else {
        Error::from(error)
    }
}

/// Reads a limited number of bytes, growing the buffer only as data
/// arrives (never by the declared length alone).
fn read_bytes(reader: &mut impl Read, len: u64, what: &str) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    reader
        .take(len)
        .read_to_end(&mut bytes)
        .map_err(|e| eof_or_io(e, what))?;
    if (bytes.len() as u64) < len {
        return Err(Error::unexpected_eof(
            Format::Bam,
            format!(
                "header ends inside {what}: {len} bytes declared, {} present",
                bytes.len()
            ),
        ));
    }
    Ok(bytes)
}

/// Reads magic, text and reference list; the binary list names the
/// references (`@SQ` lines are added from it when the text has none).
pub(crate) fn read_header(reader: &mut impl BufRead, strictness: Strictness) -> Result<Header> {
    let mut magic = [0u8; 4];
    reader
        .read_exact(&mut magic)
        .map_err(|e| eof_or_io(e, "the magic number"))?;
    if &magic != super::MAGIC {
        return Err(Error::invalid_data(
            Format::Bam,
            format!("expected magic BAM\\1, found {magic:02x?}"),
        )
        .at_byte_offset(0));
    }
    let text_len = u64::from(read_u32(reader, "l_text")?);
    if text_len > MAX_HEADER_TEXT {
        return Err(Error::limit_exceeded(
            Format::Bam,
            "header text",
            text_len,
            MAX_HEADER_TEXT,
        ));
    }
    let mut text = read_bytes(reader, text_len, "the header text")?;
    while text.last() == Some(&0) {
        text.pop();
    }
    let text = String::from_utf8(text)
        .map_err(|e| Error::invalid_data(Format::Bam, format!("header text is not UTF-8: {e}")))?;
    let mut header = ParseOptions::default()
        .strictness(strictness)
        .format(Format::Bam)
        .parse(&text)?;
    let count = u64::from(read_u32(reader, "n_ref")?);
    if count > MAX_REFERENCES {
        return Err(Error::limit_exceeded(
            Format::Bam,
            "reference count",
            count,
            MAX_REFERENCES,
        ));
    }
    let mut binary = Vec::new();
    for i in 0..count {
        let name_len = u64::from(read_u32(reader, "l_name")?);
        if name_len == 0 || name_len > 1 << 16 {
            return Err(Error::invalid_data(
                Format::Bam,
                format!("reference {i}: l_name {name_len} is not within 1..=65536"),
            ));
        }
        let mut name = read_bytes(reader, name_len, "a reference name")?;
        if name.pop() != Some(0) {
            return Err(Error::invalid_data(
                Format::Bam,
                format!("reference {i}: name lacks its NUL"),
            ));
        }
        let name = String::from_utf8(name).map_err(|_| {
            Error::invalid_data(Format::Bam, format!("reference {i}: name is not UTF-8"))
        })?;
        let length = read_u32(reader, "l_ref")?;
        binary.push(ReferenceSequence::new(name, u64::from(length)));
    }
    let text_refs = header.reference_sequences();
    if text_refs.is_empty() {
        for reference in binary {
            if header.reference_id(reference.name()).is_some() {
                return Err(Error::invalid_data(
                    Format::Bam,
                    format!(
                        "reference {:?} appears twice in the binary list",
                        reference.name()
                    ),
                ));
            }
            header.add_reference(reference);
        }
    } else if text_refs.len() != binary.len()
        || text_refs
            .iter()
            .zip(&binary)
            .any(|(t, b)| t.name() != b.name())
    {
        return Err(Error::invalid_data(
            Format::Bam,
            format!(
                "header text names {} references, the binary list {} (or in another order)",
                text_refs.len(),
                binary.len()
            ),
        ));
    }
    Ok(header)
}

/// Writes magic, text and reference list.
pub(crate) fn write_header(writer: &mut impl Write, header: &Header) -> Result<()> {
    let text = header.to_string();
    let io = |e| Error::io(Format::Bam, e);
    writer.write_all(super::MAGIC).map_err(io)?;
    let text_len = u32::try_from(text.len())
        .map_err(|_| Error::invalid_input(Format::Bam, "header text longer than 4 GiB"))?;
    writer.write_all(&text_len.to_le_bytes()).map_err(io)?;
    writer.write_all(text.as_bytes()).map_err(io)?;
    let references = header.reference_sequences();
    writer
        .write_all(&(references.len() as u32).to_le_bytes())
        .map_err(io)?;
    for reference in references {
        let name = reference.name().as_bytes();
        writer
            .write_all(&(name.len() as u32 + 1).to_le_bytes())
            .map_err(io)?;
        writer.write_all(name).map_err(io)?;
        writer.write_all(&[0]).map_err(io)?;
        // BAM stores lengths as 32 bits; longer references need CSI and
        // keep their true length in the text.
        let length = u32::try_from(reference.length()).unwrap_or(u32::MAX);
        writer.write_all(&length.to_le_bytes()).map_err(io)?;
    }
    Ok(())
}
