//! The compression header (CRAM §8.4): preservation map, data-series
//! encodings and tag encodings, parsed once per container.

use super::cursor::Cursor;
use super::encoding::Encoding;
use crate::{Error, Format, Result};

/// The most entries any of the three maps may hold.
const MAX_MAP_ENTRIES: usize = 1 << 16;

/// The data series a record decoder reads, one slot each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(usize)]
pub(crate) enum Series {
    BF,
    CF,
    RI,
    RL,
    AP,
    RG,
    RN,
    MF,
    NS,
    NP,
    TS,
    NF,
    TL,
    FN,
    FC,
    FP,
    DL,
    BB,
    QQ,
    BS,
    IN,
    RS,
    PD,
    HC,
    SC,
    MQ,
    BA,
    QS,
}

const SERIES: [(&[u8; 2], Series); 28] = [
    (b"BF", Series::BF),
    (b"CF", Series::CF),
    (b"RI", Series::RI),
    (b"RL", Series::RL),
    (b"AP", Series::AP),
    (b"RG", Series::RG),
    (b"RN", Series::RN),
    (b"MF", Series::MF),
    (b"NS", Series::NS),
    (b"NP", Series::NP),
    (b"TS", Series::TS),
    (b"NF", Series::NF),
    (b"TL", Series::TL),
    (b"FN", Series::FN),
    (b"FC", Series::FC),
    (b"FP", Series::FP),
    (b"DL", Series::DL),
    (b"BB", Series::BB),
    (b"QQ", Series::QQ),
    (b"BS", Series::BS),
    (b"IN", Series::IN),
    (b"RS", Series::RS),
    (b"PD", Series::PD),
    (b"HC", Series::HC),
    (b"SC", Series::SC),
    (b"MQ", Series::MQ),
    (b"BA", Series::BA),
    (b"QS", Series::QS),
];

/// Which parts of each record a caller needs (see
/// [`ReaderBuilder::fields`](super::ReaderBuilder::fields)).
///
/// ```
/// use biometal::formats::cram::Fields;
/// let counting = Fields::none();
/// assert!(!counting.sequence && !counting.qualities);
/// assert!(Fields::all().names);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fields {
    /// Read names (otherwise every name is `*`).
    pub names: bool,
    /// Sequences, and the reference they are rebuilt from (otherwise
    /// every sequence is `*`, no reference is read and no MD5 checked).
    pub sequence: bool,
    /// Base qualities (otherwise `*`; they also need `sequence`).
    pub qualities: bool,
    /// Auxiliary fields, `RG` included (otherwise none, and MD/NM are not
    /// regenerated).
    pub tags: bool,
}

impl Fields {
    /// Every field.
    pub fn all() -> Self {
        Fields {
            names: true,
            sequence: true,
            qualities: true,
            tags: true,
        }
    }

    /// Flags, positions, mapping quality, CIGAR and mate fields only.
    pub fn none() -> Self {
        Fields {
            names: false,
            sequence: false,
            qualities: false,
            tags: false,
        }
    }
}

impl Default for Fields {
    fn default() -> Self {
        Self::all()
    }
}

/// Which data series and blocks a slice decoder may leave alone for the
/// fields asked for. A series is skipped only when it reads nothing from
/// the core bit stream and shares no block with a series still decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Plan {
    skip: [bool; SERIES.len()],
    /// Tag values are skipped.
    pub skip_tags: bool,
    /// External blocks to decompress (sorted).
    needed_ids: Vec<i32>,
}

impl Plan {
    /// Whether `series` is skipped.
    #[inline]
    pub fn skips(&self, series: Series) -> bool {
        self.skip[series as usize]
    }

    /// Whether the external block `id` must be decompressed.
    pub fn needs_block(&self, id: i32) -> bool {
        self.needed_ids.binary_search(&id).is_ok()
    }
}

impl Series {
    fn name(self) -> &'static str {
        SERIES
            .iter()
            .find(|(_, series)| *series == self)
            .and_then(|(key, _)| std::str::from_utf8(&key[..]).ok())
            .unwrap_or("??")
    }
}

/// One tag of a tag line: its name, BAM type and encoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TagEntry {
    /// Tag name and BAM type letter.
    pub key: [u8; 3],
    /// The encoding of its values; `None` when the compression header
    /// has none (an error only if a record uses the line).
    pub encoding: Option<Encoding>,
}

/// A parsed compression header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CompressionHeader {
    /// RN: read names are stored for every record.
    pub read_names_included: bool,
    /// AP: alignment positions are deltas.
    pub ap_delta: bool,
    /// RR: the reference is needed to decode sequences.
    pub reference_required: bool,
    /// Base for (reference base index, BS code), from SM.
    pub substitutions: [[u8; 4]; 5],
    /// TD: the tag lines.
    pub tag_lines: Vec<Vec<TagEntry>>,
    encodings: Vec<Option<Encoding>>,
}

impl CompressionHeader {
    /// The encoding of a data series.
    #[inline]
    pub fn encoding(&self, series: Series) -> Result<&Encoding> {
        self.encodings[series as usize].as_ref().ok_or_else(|| {
            Error::invalid_data(
                Format::Cram,
                format!(
                    "a record needs data series {} but the compression header has no encoding for it",
                    series.name()
                ),
            )
        })
    }

    /// What to decode for `fields`.
    pub fn plan(&self, fields: Fields) -> Plan {
        let unneeded = |series: Series| match series {
            Series::RN => !fields.names,
            Series::BS => !fields.sequence,
            Series::BA => !fields.sequence,
            Series::QS | Series::QQ => !(fields.qualities && fields.sequence),
            _ => false,
        };
        let mut skip = [false; SERIES.len()];
        let mut external_only = [false; SERIES.len()];
        let mut ids: Vec<Vec<i32>> = vec![Vec::new(); SERIES.len()];
        for (_, series) in SERIES {
            let index = series as usize;
            if let Some(encoding) = &self.encodings[index] {
                external_only[index] = encoding.external_ids(&mut ids[index]);
            }
            skip[index] = unneeded(series) && external_only[index];
        }
        let mut tag_ids = Vec::new();
        let mut tags_external = true;
        for entry in self.tag_lines.iter().flatten() {
            if let Some(encoding) = &entry.encoding {
                tags_external &= encoding.external_ids(&mut tag_ids);
            }
        }
        let mut skip_tags = !fields.tags && tags_external;
        // A skipped series must not share a block with one still decoded.
        loop {
            let mut needed: Vec<i32> = Vec::new();
            for (index, series_ids) in ids.iter().enumerate() {
                if !skip[index] {
                    needed.extend(series_ids);
                }
            }
            if !skip_tags {
                needed.extend(&tag_ids);
            }
            needed.sort_unstable();
            needed.dedup();
            let shares =
                |series_ids: &[i32]| series_ids.iter().any(|id| needed.binary_search(id).is_ok());
            let mut changed = false;
            for (index, series_ids) in ids.iter().enumerate() {
                if skip[index] && shares(series_ids) {
                    skip[index] = false;
                    changed = true;
                }
            }
            if skip_tags && shares(&tag_ids) {
                skip_tags = false;
                changed = true;
            }
            if !changed {
                return Plan {
                    skip,
                    skip_tags,
                    needed_ids: needed,
                };
            }
        }
    }

    /// Parses the compression header block's decompressed content.
    pub fn parse(data: &[u8], offset: u64) -> Result<Self> {
        let mut cursor = Cursor::new(data, offset);
        let mut header = CompressionHeader {
            read_names_included: true,
            ap_delta: true,
            reference_required: true,
            substitutions: default_substitutions(),
            tag_lines: Vec::new(),
            encodings: vec![None; SERIES.len()],
        };
        let mut raw_tag_lines: Vec<Vec<[u8; 3]>> = Vec::new();

        let len = cursor.itf8_len("preservation map size", data.len())?;
        let mut map = cursor.sub(len, "preservation map")?;
        let count = map.itf8_len("preservation map entry count", MAX_MAP_ENTRIES)?;
        for _ in 0..count {
            let key = map.array::<2>("preservation map key")?;
            match &key {
                b"RN" => header.read_names_included = map.u8("RN")? != 0,
                b"AP" => header.ap_delta = map.u8("AP")? != 0,
                b"RR" => header.reference_required = map.u8("RR")? != 0,
                b"SM" => header.substitutions = parse_substitution_matrix(map.array::<5>("SM")?),
                b"TD" => {
                    let len = map.itf8_len("TD size", data.len())?;
                    raw_tag_lines = parse_tag_dictionary(map.bytes(len, "TD")?, map.offset())?;
                }
                _ => {
                    return Err(map.invalid(format!(
                        "unknown preservation map key {:?}",
                        String::from_utf8_lossy(&key)
                    )))
                }
            }
        }

        let len = cursor.itf8_len("data series encoding map size", data.len())?;
        let mut map = cursor.sub(len, "data series encoding map")?;
        let count = map.itf8_len("data series encoding count", MAX_MAP_ENTRIES)?;
        for _ in 0..count {
            let key = map.array::<2>("data series key")?;
            let encoding = Encoding::parse(&mut map)?;
            // Legacy (TC, TN) and unknown keys are skipped, as htslib does.
            if let Some((_, series)) = SERIES.iter().find(|(name, _)| **name == key) {
                header.encodings[*series as usize] = Some(encoding);
            }
        }

        let len = cursor.itf8_len("tag encoding map size", data.len())?;
        let mut map = cursor.sub(len, "tag encoding map")?;
        let count = map.itf8_len("tag encoding count", MAX_MAP_ENTRIES)?;
        let mut tag_encodings: Vec<(i32, Encoding)> = Vec::with_capacity(count);
        for _ in 0..count {
            let key = map.itf8("tag encoding key")?;
            tag_encodings.push((key, Encoding::parse(&mut map)?));
        }
        header.tag_lines = raw_tag_lines
            .into_iter()
            .map(|line| {
                line.into_iter()
                    .map(|key| {
                        let id = (i32::from(key[0]) << 16)
                            | (i32::from(key[1]) << 8)
                            | i32::from(key[2]);
                        TagEntry {
                            key,
                            encoding: tag_encodings
                                .iter()
                                .find(|(k, _)| *k == id)
                                .map(|(_, e)| e.clone()),
                        }
                    })
                    .collect()
            })
            .collect();
        Ok(header)
    }
}

/// The substitution matrix when SM is absent: codes in ACGTN order.
fn default_substitutions() -> [[u8; 4]; 5] {
    parse_substitution_matrix([0x1b; 5])
}

/// Turns SM's five bytes into (reference base, code) → read base.
fn parse_substitution_matrix(bytes: [u8; 5]) -> [[u8; 4]; 5] {
    const BASES: [u8; 5] = *b"ACGTN";
    let mut table = [[b'N'; 4]; 5];
    for (ref_index, &byte) in bytes.iter().enumerate() {
        let alternatives = BASES.iter().enumerate().filter(|&(i, _)| i != ref_index);
        for (slot, (_, &base)) in alternatives.enumerate() {
            let code = (byte >> (6 - 2 * slot)) & 3;
            table[ref_index][usize::from(code)] = base;
        }
    }
    table
}

/// Splits TD into lines of 3-byte tag keys (each line NUL-terminated).
fn parse_tag_dictionary(bytes: &[u8], offset: u64) -> Result<Vec<Vec<[u8; 3]>>> {
    let mut lines = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let end = memchr::memchr(0, rest).ok_or_else(|| {
            Error::invalid_data(Format::Cram, "tag dictionary line is not NUL-terminated")
                .at_byte_offset(offset)
        })?;
        let line = &rest[..end];
        if !line.len().is_multiple_of(3) {
            return Err(Error::invalid_data(
                Format::Cram,
                format!(
                    "tag dictionary line of {} bytes is not a list of 3-byte tags",
                    line.len()
                ),
            )
            .at_byte_offset(offset));
        }
        lines.push(line.chunks_exact(3).map(|c| [c[0], c[1], c[2]]).collect());
        rest = &rest[end + 1..];
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substitution_matrix_example_from_the_specification() {
        let table = parse_substitution_matrix([0x63, 0x4b, 0x87, 0x27, 0x1b]);
        assert_eq!(table[0], *b"TCGN");
        assert_eq!(table[1], *b"GATN");
        assert_eq!(table[2], *b"CTAN");
        assert_eq!(table[3], *b"AGCN");
        assert_eq!(table[4], *b"ACGT");
    }

    #[test]
    fn tag_dictionary_lines() {
        let lines = parse_tag_dictionary(b"NMcMDZ\0\0XYi\0", 0).unwrap();
        assert_eq!(lines, vec![vec![*b"NMc", *b"MDZ"], vec![], vec![*b"XYi"]]);
        assert!(parse_tag_dictionary(b"NMcM\0", 0).is_err());
        assert!(parse_tag_dictionary(b"NMc", 0).is_err());
    }
}
