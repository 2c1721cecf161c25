//! The name tokeniser ("tok3"), CRAM 3.1's read-name codec (CRAMcodecs
//! section 5): each name is split into up to 127 tokens (strings, single
//! characters, numbers with or without leading zeros, numeric deltas, matches
//! against a chosen earlier name), and every (token position, token type)
//! pair has its own byte stream, compressed with rANS Nx16 or the adaptive
//! arithmetic coder.
//!
//! The output holds the names one after another, each followed by a NUL.
//!
//! Stored streams are not copied for the format's duplicate-stream
//! references nor materialised for its implied all-MATCH type streams: both
//! become cursors over shared data, so hostile name counts cost no memory.
//! Where htscodecs (whose encoder wrote the conformance files) is laxer than
//! the specification, this follows the specification and refuses the input:
//! DELTA/DELTA0 must follow a DIGITS/DIGITS0 token, MATCH must match a
//! token with a value, a DIGITS0 value must fit its length, and the names
//! must come to exactly the stored total length.

use super::reader::{check_len, ByteReader};
use super::{arith, rans_nx16, MAX_DECODED_LEN};
use crate::{Error, Format, Result};

/// Token positions per name, position 0 (the DUP/DIFF choice) included.
const MAX_POSITIONS: usize = 128;
/// Token types, hence streams per position (type IDs are 4 bits).
const TYPES: usize = 16;

const TYPE: u8 = 0;
const ALPHA: u8 = 1;
const CHAR: u8 = 2;
const DIGITS0: u8 = 3;
const DZLEN: u8 = 4;
const DUP: u8 = 5;
const DIFF: u8 = 6;
const DIGITS: u8 = 7;
const DELTA: u8 = 8;
const DELTA0: u8 = 9;
const MATCH: u8 = 10;
const NOP: u8 = 11;
const END: u8 = 12;

/// Stream descriptor flags.
const DUPLICATE: u8 = 64;
const NEW_POSITION: u8 = 128;

/// Decodes a name-tokeniser stream into `out` (cleared first): the names,
/// each terminated by a NUL byte.
///
/// # Errors
/// A [`Format::Cram`] error when the stream is truncated or corrupt (with
/// the byte offset for the stream layout, the 1-based name number for the
/// names themselves), or when its total size exceeds [`MAX_DECODED_LEN`].
///
/// ```
/// use biometal::formats::cram::codecs::tok3;
/// // 5 bytes, 1 name, rANS Nx16 inner streams. Position 0: type stream
/// // [DIFF], distances [0]; position 1: [ALPHA] "read", position 2: [END].
/// // Each inner stream is stored raw (rANS Nx16 flag CAT = 32).
/// let stream = [
///     5, 0, 0, 0, 1, 0, 0, 0, 0, // total size, name count, rANS Nx16
///     0x80, 3, 32, 1, 6, //           position 0, TYPE: [DIFF]
///     6, 6, 32, 4, 0, 0, 0, 0, //     position 0, DIFF: distance 0
///     0x81, 7, 32, 5, b'r', b'e', b'a', b'd', 0, // position 1, implied TYPE [ALPHA]
///     0x80, 3, 32, 1, 12, //          position 2, TYPE: [END]
/// ];
/// let mut out = Vec::new();
/// tok3::decode(&stream, &mut out)?;
/// assert_eq!(out, b"read\0");
/// assert!(tok3::decode(&stream[..20], &mut out).is_err()); // truncated
/// # Ok::<(), biometal::Error>(())
/// ```
pub fn decode(src: &[u8], out: &mut Vec<u8>) -> Result<()> {
    out.clear();
    let mut reader = ByteReader::new(src, 0);
    let total_len = reader.u32_le("name tokeniser decoded size")? as usize;
    check_len("name tokeniser decoded size", total_len, MAX_DECODED_LEN)?;
    let count_at = reader.offset();
    let name_count = reader.u32_le("name tokeniser name count")? as usize;
    if name_count > total_len {
        return Err(Error::invalid_data(
            Format::Cram,
            format!("{name_count} names cannot fit in {total_len} bytes (each ends with a NUL)"),
        )
        .at_byte_offset(count_at));
    }
    let use_arith = match reader.u8("name tokeniser codec flag")? {
        0 => false,
        1 => true,
        other => {
            return Err(reader.invalid(format!(
                "name tokeniser codec flag must be 0 (rANS Nx16) or 1 (arithmetic), found {other}"
            )))
        }
    };
    check_complete(reader.clone())?;
    let streams = Streams::read(&mut reader, name_count, total_len, use_arith)?;
    NameDecoder {
        streams,
        names: Vec::with_capacity(name_count.min(1 << 16)),
        tokens: Vec::new(),
        total_len,
    }
    .decode_all(name_count, out)
}

/// Walks the stream descriptors and sizes without decoding anything, so
/// that a truncated block fails at once rather than after decoding the
/// streams before the cut.
fn check_complete(mut reader: ByteReader) -> Result<()> {
    while !reader.remaining().is_empty() {
        if reader.u8("name tokeniser stream descriptor")? & DUPLICATE != 0 {
            reader.bytes(2, "duplicate stream position and type")?;
        } else {
            let clen = reader.uint7("name tokeniser compressed stream size")? as usize;
            reader.bytes(clen, "name tokeniser compressed stream")?;
        }
    }
    Ok(())
}

/// Where a (position, type) stream's bytes come from.
#[derive(Clone, Copy)]
enum Source {
    /// No such stream: reading from it is an error.
    Absent,
    /// Entry `i` of [`Streams::buffers`].
    Decoded(usize),
    /// A type stream that was left out because it was `first` followed by
    /// `len - 1` MATCHes.
    Implied { first: u8, len: usize },
}

/// One stream: its source and how far it has been read.
#[derive(Clone, Copy)]
struct Slot {
    source: Source,
    cursor: usize,
}

/// All token streams of a block.
struct Streams {
    buffers: Vec<Vec<u8>>,
    /// `MAX_POSITIONS * TYPES` slots, indexed `position * TYPES + type`.
    slots: Vec<Slot>,
    /// Positions described by the stream layout (1 + the last position).
    positions: usize,
}

impl Streams {
    /// Reads the stream descriptors and decodes every stored stream.
    fn read(
        reader: &mut ByteReader,
        name_count: usize,
        total_len: usize,
        use_arith: bool,
    ) -> Result<Streams> {
        let mut streams = Streams {
            buffers: Vec::new(),
            slots: vec![
                Slot {
                    source: Source::Absent,
                    cursor: 0
                };
                MAX_POSITIONS * TYPES
            ],
            positions: 0,
        };
        // No stream of a well-formed block holds more than 4 bytes (a DIGITS
        // value) per output byte; a larger stored size is refused before
        // the inner decoder allocates it.
        let stream_limit = total_len.saturating_mul(4).saturating_add(64);
        while !reader.remaining().is_empty() {
            let at = reader.offset();
            let descriptor = reader.u8("name tokeniser stream descriptor")?;
            let ty = descriptor & 63;
            if ty > END {
                return Err(reader.invalid(format!(
                    "name tokeniser stream type {ty} is not a token type (0 to {END})"
                )));
            }
            if descriptor & NEW_POSITION != 0 {
                if streams.positions == MAX_POSITIONS {
                    return Err(reader.invalid(format!(
                        "name tokeniser has more than {MAX_POSITIONS} token positions"
                    )));
                }
                streams.positions += 1;
                if ty != TYPE {
                    let index = (streams.positions - 1) * TYPES;
                    streams.slots[index].source = Source::Implied {
                        first: ty,
                        len: name_count,
                    };
                }
            }
            let position = streams.positions.checked_sub(1).ok_or_else(|| {
                Error::invalid_data(
                    Format::Cram,
                    "name tokeniser: first stream does not start a token position",
                )
                .at_byte_offset(at)
            })?;
            let index = position * TYPES + usize::from(ty);
            let source = if descriptor & DUPLICATE != 0 {
                let from_position = usize::from(reader.u8("duplicate stream position")?);
                let from_type = usize::from(reader.u8("duplicate stream type")?);
                let from = from_position * TYPES + from_type;
                if from_type >= TYPES || from >= index {
                    return Err(reader.invalid(format!(
                        "name tokeniser stream ({position}, {ty}) duplicates stream \
                         ({from_position}, {from_type}), which does not precede it"
                    )));
                }
                match streams.slots[from].source {
                    Source::Absent => {
                        return Err(reader.invalid(format!(
                            "name tokeniser stream ({position}, {ty}) duplicates stream \
                             ({from_position}, {from_type}), which does not exist"
                        )))
                    }
                    source => source,
                }
            } else {
                let clen = reader.uint7_len(
                    "name tokeniser compressed stream size",
                    reader.remaining().len(),
                )?;
                let mut sub = reader.sub_reader(clen, "name tokeniser compressed stream")?;
                check_inner_size(&sub, stream_limit)?;
                let mut buffer = Vec::new();
                if use_arith {
                    arith::decode_reader(&mut sub, &mut buffer)?;
                } else {
                    rans_nx16::decode_reader(&mut sub, &mut buffer)?;
                }
                streams.buffers.push(buffer);
                Source::Decoded(streams.buffers.len() - 1)
            };
            streams.slots[index] = Slot { source, cursor: 0 };
        }
        Ok(streams)
    }

    /// The next byte of stream (`position`, `ty`).
    #[inline]
    fn u8(&mut self, position: usize, ty: u8) -> Option<u8> {
        let slot = &mut self.slots[position * TYPES + usize::from(ty)];
        let byte = match slot.source {
            Source::Absent => return None,
            Source::Decoded(i) => *self.buffers[i].get(slot.cursor)?,
            Source::Implied { first, len } => match slot.cursor {
                0 => first,
                c if c < len => MATCH,
                _ => return None,
            },
        };
        slot.cursor += 1;
        Some(byte)
    }

    /// The next `N` bytes of stream (`position`, `ty`).
    #[inline]
    fn array<const N: usize>(&mut self, position: usize, ty: u8) -> Option<[u8; N]> {
        let slot = &mut self.slots[position * TYPES + usize::from(ty)];
        let Source::Decoded(i) = slot.source else {
            return None;
        };
        let bytes = self.buffers[i].get(slot.cursor..slot.cursor + N)?;
        slot.cursor += N;
        bytes.try_into().ok()
    }

    /// The next little-endian `u32` of stream (`position`, `ty`).
    #[inline]
    fn u32(&mut self, position: usize, ty: u8) -> Option<u32> {
        self.array::<4>(position, ty).map(u32::from_le_bytes)
    }

    /// The next NUL-terminated string of stream (`position`, `ty`), without
    /// its NUL.
    fn string(&mut self, position: usize, ty: u8) -> Option<&[u8]> {
        let slot = &mut self.slots[position * TYPES + usize::from(ty)];
        let Source::Decoded(i) = slot.source else {
            return None;
        };
        let rest = self.buffers[i].get(slot.cursor..)?;
        let len = rest.iter().position(|&b| b == 0)?;
        slot.cursor += len + 1;
        Some(&rest[..len])
    }
}

/// Refuses an inner stream whose stored decoded size exceeds `limit`,
/// before its decoder allocates. Both inner codecs start with a flags byte,
/// then (unless flag 16, NOSZ, is set) the size as a uint7.
fn check_inner_size(sub: &ByteReader, limit: usize) -> Result<()> {
    let mut peek = sub.clone();
    let flags = peek.u8("name tokeniser inner stream flags")?;
    if flags & 16 == 0 {
        peek.uint7_len("name tokeniser inner stream size", limit)?;
    }
    Ok(())
}

/// One decoded token, kept so that later names can MATCH or DELTA it.
#[derive(Clone, Copy)]
struct Token {
    /// ALPHA, CHAR, DIGITS, DIGITS0 or NOP (deltas and matches are stored
    /// as what they produced).
    kind: u8,
    /// DIGITS0: total digits, leading zeros included.
    width: u8,
    /// CHAR: the byte; DIGITS/DIGITS0: the number; ALPHA: the length.
    value: u32,
    /// ALPHA: where the string starts in the output.
    start: u32,
}

/// A decoded name: its bytes in the output (NUL excluded) and its tokens.
#[derive(Clone, Copy)]
struct Name {
    start: usize,
    len: usize,
    first_token: usize,
    token_count: usize,
}

struct NameDecoder {
    streams: Streams,
    names: Vec<Name>,
    /// Tokens of all names; each [`Name`] owns a range (duplicates share).
    tokens: Vec<Token>,
    total_len: usize,
}

impl NameDecoder {
    fn decode_all(mut self, name_count: usize, out: &mut Vec<u8>) -> Result<()> {
        out.reserve(self.total_len.min(1 << 20));
        for n in 0..name_count {
            self.decode_name(n, out)
                .map_err(|e| e.at_record(n as u64 + 1))?;
        }
        if out.len() != self.total_len {
            return Err(Error::invalid_data(
                Format::Cram,
                format!(
                    "name tokeniser: {name_count} names came to {} bytes, the header says {}",
                    out.len(),
                    self.total_len
                ),
            ));
        }
        Ok(())
    }

    /// Appends `bytes` to `out` unless that passes the stored total size.
    fn push(&self, out: &mut Vec<u8>, bytes: &[u8]) -> Result<()> {
        if bytes.len() > self.total_len - out.len() {
            return Err(invalid(format!(
                "names pass the stored total size {}",
                self.total_len
            )));
        }
        out.extend_from_slice(bytes);
        Ok(())
    }

    /// Appends `value` in decimal, zero-padded to `width` digits (`width` 1
    /// shows 0 as "0", `width` 0 as nothing).
    fn push_number(&self, out: &mut Vec<u8>, value: u32, width: u8) -> Result<()> {
        let mut digits = [b'0'; 255];
        let mut n = 0;
        let mut v = value;
        while v > 0 {
            digits[254 - n] = b'0' + (v % 10) as u8;
            v /= 10;
            n += 1;
        }
        let shown = n.max(usize::from(width));
        self.push(out, &digits[255 - shown..])
    }

    fn decode_name(&mut self, n: usize, out: &mut Vec<u8>) -> Result<()> {
        let kind = self.streams.u8(0, TYPE).ok_or_else(|| exhausted(0, TYPE))?;
        if kind != DUP && kind != DIFF {
            return Err(invalid(format!(
                "name type must be DUP ({DUP}) or DIFF ({DIFF}), found {kind}"
            )));
        }
        let distance = self
            .streams
            .u32(0, kind)
            .ok_or_else(|| exhausted(0, kind))? as usize;
        if distance > n {
            return Err(invalid(format!(
                "name refers {distance} names back, only {n} precede it"
            )));
        }
        let previous = (distance > 0).then(|| self.names[n - distance]);
        let start = out.len();
        if kind == DUP {
            let prev = previous.ok_or_else(|| invalid("name is a duplicate of itself"))?;
            if prev.len >= self.total_len - out.len() {
                return Err(invalid(format!(
                    "names pass the stored total size {}",
                    self.total_len
                )));
            }
            out.extend_from_within(prev.start..prev.start + prev.len);
            out.push(0);
            self.names.push(Name { start, ..prev });
            return Ok(());
        }
        let first_token = self.tokens.len();
        for position in 1..MAX_POSITIONS {
            let ty = self
                .streams
                .u8(position, TYPE)
                .ok_or_else(|| exhausted(position, TYPE))?;
            let token = match ty {
                END => {
                    self.push(out, &[0])?;
                    self.names.push(Name {
                        start,
                        len: out.len() - 1 - start,
                        first_token,
                        token_count: position - 1,
                    });
                    return Ok(());
                }
                ALPHA => {
                    let at = out.len();
                    let s = self
                        .streams
                        .string(position, ALPHA)
                        .ok_or_else(|| exhausted(position, ALPHA))?;
                    if s.len() > self.total_len - out.len() {
                        return Err(invalid("names pass the stored total size"));
                    }
                    out.extend_from_slice(s);
                    Token {
                        kind: ALPHA,
                        width: 0,
                        value: (out.len() - at) as u32,
                        start: at as u32,
                    }
                }
                CHAR => {
                    let c = self.read_u8(position, CHAR)?;
                    self.push(out, &[c])?;
                    token(CHAR, u32::from(c), 0)
                }
                DIGITS => {
                    let v = self
                        .streams
                        .u32(position, DIGITS)
                        .ok_or_else(|| exhausted(position, DIGITS))?;
                    self.push_number(out, v, 1)?;
                    token(DIGITS, v, 0)
                }
                DIGITS0 => {
                    let v = self
                        .streams
                        .u32(position, DIGITS0)
                        .ok_or_else(|| exhausted(position, DIGITS0))?;
                    let width = self.read_u8(position, DZLEN)?;
                    self.push_padded(out, v, width)?;
                    token(DIGITS0, v, width)
                }
                DELTA | DELTA0 => {
                    let base = self.previous_token(previous, position)?;
                    let (want, name) = if ty == DELTA {
                        (DIGITS, "DELTA")
                    } else {
                        (DIGITS0, "DELTA0")
                    };
                    if base.kind != want {
                        return Err(invalid(format!(
                            "{name} at token position {position} follows a token of type {}, \
                             not a number of type {want}",
                            base.kind
                        )));
                    }
                    let delta = self.read_u8(position, ty)?;
                    let v = base.value.checked_add(u32::from(delta)).ok_or_else(|| {
                        invalid(format!(
                            "{name} at token position {position} overflows 32 bits"
                        ))
                    })?;
                    if ty == DELTA {
                        self.push_number(out, v, 1)?;
                    } else {
                        self.push_padded(out, v, base.width)?;
                    }
                    token(want, v, base.width)
                }
                MATCH => {
                    let base = self.previous_token(previous, position)?;
                    match base.kind {
                        CHAR => self.push(out, &[base.value as u8])?,
                        DIGITS => self.push_number(out, base.value, 1)?,
                        DIGITS0 => self.push_padded(out, base.value, base.width)?,
                        ALPHA => {
                            let from = base.start as usize;
                            let len = base.value as usize;
                            if len > self.total_len - out.len() {
                                return Err(invalid("names pass the stored total size"));
                            }
                            let at = out.len();
                            // `from..from + len` lies in an earlier name, inside `out`.
                            out.extend_from_within(from..from + len);
                            self.tokens.push(Token {
                                start: at as u32,
                                ..base
                            });
                            continue;
                        }
                        other => {
                            return Err(invalid(format!(
                                "MATCH at token position {position} against a token of type \
                                 {other}, which has no value"
                            )))
                        }
                    }
                    base
                }
                NOP => token(NOP, 0, 0),
                other => {
                    return Err(invalid(format!(
                        "token type {other} at token position {position} is not a name token"
                    )))
                }
            };
            self.tokens.push(token);
        }
        Err(invalid(format!(
            "name has no END token within {} token positions",
            MAX_POSITIONS - 1
        )))
    }

    fn read_u8(&mut self, position: usize, ty: u8) -> Result<u8> {
        self.streams
            .u8(position, ty)
            .ok_or_else(|| exhausted(position, ty))
    }

    /// A DIGITS0 value with at least `width` digits; `width` must leave room
    /// for every significant digit.
    fn push_padded(&self, out: &mut Vec<u8>, value: u32, width: u8) -> Result<()> {
        let significant = if value == 0 { 0 } else { value.ilog10() + 1 };
        if significant > u32::from(width) {
            return Err(invalid(format!(
                "DIGITS0 value {value} does not fit its length {width}"
            )));
        }
        self.push_number(out, value, width)
    }

    /// The token at `position` of the name this one is compared against.
    fn previous_token(&self, previous: Option<Name>, position: usize) -> Result<Token> {
        let prev = previous.ok_or_else(|| {
            invalid(format!(
                "token at position {position} refers to a previous name, but the name \
                 has none (distance 0)"
            ))
        })?;
        if position > prev.token_count {
            return Err(invalid(format!(
                "token at position {position} refers past the end of the previous name \
                 ({} tokens)",
                prev.token_count
            )));
        }
        Ok(self.tokens[prev.first_token + position - 1])
    }
}

fn token(kind: u8, value: u32, width: u8) -> Token {
    Token {
        kind,
        width,
        value,
        start: 0,
    }
}

fn invalid(message: impl Into<std::borrow::Cow<'static, str>>) -> Error {
    Error::invalid_data(Format::Cram, message)
}

fn exhausted(position: usize, ty: u8) -> Error {
    Error::invalid_data(
        Format::Cram,
        format!("name tokeniser stream (position {position}, type {ty}) is missing or exhausted"),
    )
}
