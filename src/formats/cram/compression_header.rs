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

/// The series read only to rebuild a record's alignment: position, read
/// length, read features and mapping quality. When one of them, or a
/// base or quality series, is read, all of them are (the read features
/// lie between them in every record).
const ALIGNMENT: [Series; 13] = [
    Series::RL,
    Series::AP,
    Series::FN,
    Series::FC,
    Series::FP,
    Series::DL,
    Series::BB,
    Series::IN,
    Series::RS,
    Series::PD,
    Series::HC,
    Series::SC,
    Series::MQ,
];

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
/// [`ReaderBuilder::fields`](super::ReaderBuilder::fields)). The data
/// series of the parts left out are not decoded, and their blocks not
/// decompressed, where the file's encodings allow it (a series is still
/// read when it shares a block or the core bit stream with one that is
/// needed); the records then report those parts as absent.
///
/// The flags are always decoded whole, the mate bits (0x1, 0x8, 0x20)
/// included, as are the links between mates in a slice that they come
/// from.
///
/// ```
/// use biometal::formats::cram::Fields;
/// let counting = Fields::none();
/// assert!(!counting.sequence && !counting.qualities && counting.alignment);
/// assert!(Fields::all().names);
/// let flags = Fields::flags_only();
/// assert!(!flags.alignment && !flags.names && !flags.tags);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fields {
    /// Read names (otherwise every name is `*`).
    pub names: bool,
    /// Sequences, and the reference they are rebuilt from (otherwise
    /// every sequence is `*`, no reference is read and no MD5 checked).
    /// Sequences are rebuilt from the alignment, so they also decode it.
    pub sequence: bool,
    /// Base qualities (otherwise `*`; they also need `sequence`).
    pub qualities: bool,
    /// Auxiliary fields, `RG` included (otherwise none, and MD/NM are not
    /// regenerated).
    pub tags: bool,
    /// The alignment: reference, 1-based position, mapping quality, CIGAR
    /// (rebuilt from the read features) and the mate's reference,
    /// position and template length. Otherwise (and unless `sequence`
    /// is asked for) each record reports them as absent: reference `*`
    /// (id -1), position 0 (`None`), mapping quality 255 (unavailable),
    /// CIGAR `*` (no operations), mate reference `*`, mate position 0 and
    /// template length 0. Region queries always decode and report it.
    pub alignment: bool,
}

impl Fields {
    /// Every field.
    pub fn all() -> Self {
        Fields {
            names: true,
            sequence: true,
            qualities: true,
            tags: true,
            alignment: true,
        }
    }

    /// Flags, positions, mapping quality, CIGAR and mate fields only.
    pub fn none() -> Self {
        Fields {
            names: false,
            sequence: false,
            qualities: false,
            tags: false,
            alignment: true,
        }
    }

    /// The flags only (what `samtools view -c` needs): no names,
    /// sequences, qualities, tags or alignment (see
    /// [`Fields::alignment`] for what the records report instead). The
    /// cheapest tier, for counting records or tallying flags.
    ///
    /// ```no_run
    /// use biometal::formats::cram::{Fields, ReaderBuilder};
    /// let mut reader = ReaderBuilder::new().fields(Fields::flags_only()).build_from_path("reads.cram")?;
    /// reader.read_header()?;
    /// let mut duplicates = 0;
    /// while let Some(record) = reader.next_record()? {
    ///     duplicates += u64::from(record.flags().is_duplicate());
    /// }
    /// # Ok::<(), biometal::Error>(())
    /// ```
    pub fn flags_only() -> Self {
        Fields {
            alignment: false,
            ..Self::none()
        }
    }

    /// Whether the alignment is decoded (asked for, or needed by the
    /// sequence).
    pub(crate) fn decodes_alignment(&self) -> bool {
        self.alignment || self.sequence
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
    /// Nothing after a record's head is read: read length, position, read
    /// features, bases, qualities and mapping quality (see [`ALIGNMENT`]).
    pub skip_tail: bool,
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
        let alignment = fields.decodes_alignment();
        let unneeded = |series: Series| match series {
            Series::RN => !fields.names,
            Series::BS | Series::BA => !fields.sequence,
            Series::QS | Series::QQ => !(fields.qualities && fields.sequence),
            Series::RG | Series::TL => !fields.tags,
            Series::RI | Series::NS | Series::NP | Series::TS => !alignment,
            series => ALIGNMENT.contains(&series) && !alignment,
        };
        let mut skip = [false; SERIES.len()];
        let mut ids: Vec<Vec<i32>> = vec![Vec::new(); SERIES.len()];
        for (_, series) in SERIES {
            let index = series as usize;
            let external_only = match &self.encodings[index] {
                Some(encoding) => encoding.external_ids(&mut ids[index]),
                None => true,
            };
            skip[index] = unneeded(series) && external_only;
        }
        let mut tag_ids = Vec::new();
        let mut tags_external = true;
        for entry in self.tag_lines.iter().flatten() {
            if let Some(encoding) = &entry.encoding {
                tags_external &= encoding.external_ids(&mut tag_ids);
            }
        }
        let mut skip_tags = !fields.tags && tags_external;
        // A skipped series must not share a block with one still decoded;
        // the tail is read whole or not at all, and tag values need TL.
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
            if !skip_tags && skip[Series::TL as usize] {
                skip[Series::TL as usize] = false;
                changed = true;
            }
            let tail_read = ALIGNMENT
                .iter()
                .chain(&[Series::BA, Series::BS, Series::QS, Series::QQ])
                .any(|&series| !skip[series as usize]);
            for series in ALIGNMENT {
                if tail_read && skip[series as usize] {
                    skip[series as usize] = false;
                    changed = true;
                }
            }
            if !changed {
                return Plan {
                    skip,
                    skip_tags,
                    skip_tail: !tail_read,
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

    /// The compression header of a CRAM 3.1 file written by samtools 1.16
    /// (paired reads with `AS:i` and `RG:Z`): every data series in its own
    /// EXTERNAL block, as htslib writes them.
    const SAMTOOLS_HEADER: [u8; 185] = [
        0x15, 0x04, 0x54, 0x44, 0x04, 0x41, 0x53, 0x43, 0x00, 0x53, 0x4d, 0x1b, 0x1b, 0x1b, 0x1b,
        0x1b, 0x52, 0x4e, 0x01, 0x41, 0x50, 0x01, 0x80, 0x8d, 0x16, 0x42, 0x46, 0x01, 0x01, 0x0f,
        0x43, 0x46, 0x01, 0x01, 0x10, 0x52, 0x4c, 0x03, 0x05, 0x01, 0x80, 0x96, 0x01, 0x00, 0x41,
        0x50, 0x01, 0x01, 0x11, 0x52, 0x47, 0x03, 0x04, 0x01, 0x00, 0x01, 0x00, 0x4d, 0x46, 0x01,
        0x01, 0x15, 0x4e, 0x53, 0x03, 0x04, 0x01, 0x00, 0x01, 0x00, 0x4e, 0x50, 0x01, 0x01, 0x17,
        0x54, 0x53, 0x01, 0x01, 0x16, 0x4e, 0x46, 0x01, 0x01, 0x18, 0x54, 0x4c, 0x03, 0x04, 0x01,
        0x00, 0x01, 0x00, 0x46, 0x4e, 0x01, 0x01, 0x1a, 0x46, 0x43, 0x03, 0x04, 0x01, 0x58, 0x01,
        0x00, 0x46, 0x50, 0x01, 0x01, 0x1c, 0x42, 0x53, 0x01, 0x01, 0x1f, 0x49, 0x4e, 0x05, 0x02,
        0x00, 0x0d, 0x42, 0x42, 0x04, 0x06, 0x01, 0x01, 0x2a, 0x01, 0x01, 0x25, 0x4d, 0x51, 0x03,
        0x04, 0x01, 0x3c, 0x01, 0x00, 0x52, 0x4e, 0x05, 0x02, 0x00, 0x0b, 0x51, 0x53, 0x01, 0x01,
        0x0c, 0x52, 0x49, 0x03, 0x04, 0x01, 0x00, 0x01, 0x00, 0x53, 0x43, 0x05, 0x02, 0x00, 0x0e,
        0x13, 0x01, 0xe0, 0x41, 0x53, 0x43, 0x04, 0x0c, 0x03, 0x04, 0x01, 0x01, 0x01, 0x00, 0x01,
        0x04, 0xe0, 0x41, 0x53, 0x43,
    ];

    /// The EXTERNAL blocks a series reads (none for a single-symbol code
    /// or a series the header has no encoding for).
    fn block_ids(header: &CompressionHeader, series: Series) -> Vec<i32> {
        let mut ids = Vec::new();
        if let Ok(encoding) = header.encoding(series) {
            encoding.external_ids(&mut ids);
        }
        ids
    }

    #[test]
    fn each_tier_decompresses_only_the_blocks_of_its_series() {
        let header = CompressionHeader::parse(&SAMTOOLS_HEADER, 0).unwrap();
        let mut all_ids = Vec::new();
        for (_, series) in SERIES {
            if let Some(encoding) = &header.encodings[series as usize] {
                encoding.external_ids(&mut all_ids);
            }
        }
        for entry in header.tag_lines.iter().flatten() {
            entry.encoding.as_ref().unwrap().external_ids(&mut all_ids);
        }
        all_ids.sort_unstable();
        all_ids.dedup();
        let ids = |series: &[Series]| {
            let mut ids: Vec<i32> = series.iter().flat_map(|&s| block_ids(&header, s)).collect();
            ids.sort_unstable();
            ids
        };
        let needed = |fields: Fields| {
            let plan = header.plan(fields);
            let needed: Vec<i32> = all_ids
                .iter()
                .copied()
                .filter(|&id| plan.needs_block(id))
                .collect();
            (plan, needed)
        };

        // Flags only: BF, CF, and the mate links and flags (MF, NF).
        let (plan, flags) = needed(Fields::flags_only());
        assert_eq!(
            flags,
            ids(&[Series::BF, Series::CF, Series::MF, Series::NF])
        );
        assert_eq!(flags.len(), 4, "four series, four blocks");
        assert!(plan.skip_tail && plan.skip_tags && plan.skips(Series::TL));
        assert!(plan.skips(Series::AP) && plan.skips(Series::RL) && plan.skips(Series::NP));

        // Names add RN only.
        let (_, names) = needed(Fields {
            names: true,
            ..Fields::flags_only()
        });
        let mut expected = flags.clone();
        expected.extend(ids(&[Series::RN]));
        expected.sort_unstable();
        assert_eq!(names, expected);

        // `none`: the alignment too, but no names, bases, qualities or tags.
        let (plan, none) = needed(Fields::none());
        assert!(!plan.skip_tail && plan.skip_tags);
        for series in [
            Series::AP,
            Series::RL,
            Series::FN,
            Series::FC,
            Series::FP,
            Series::MQ,
            Series::NS,
            Series::NP,
            Series::TS,
        ] {
            assert!(
                ids(&[series]).iter().all(|id| none.contains(id)),
                "{series:?}"
            );
        }
        for series in [Series::RN, Series::BA, Series::QS, Series::RG, Series::TL] {
            assert!(
                !ids(&[series]).iter().any(|id| none.contains(id)),
                "{series:?}"
            );
        }

        // Everything: every block.
        let (plan, everything) = needed(Fields::all());
        assert_eq!(everything, all_ids);
        assert!(!plan.skip_tail && !plan.skip_tags);
    }

    #[test]
    fn a_series_sharing_a_block_with_a_needed_one_is_decoded() {
        let mut header = CompressionHeader::parse(&SAMTOOLS_HEADER, 0).unwrap();
        // MQ (an alignment series) moved into BF's block: the whole tail
        // must then be read, flags only or not.
        let bf = block_ids(&header, Series::BF)[0];
        header.encodings[Series::MQ as usize] = Some(Encoding::External(bf));
        let plan = header.plan(Fields::flags_only());
        assert!(!plan.skip_tail);
        for series in ALIGNMENT {
            assert!(!plan.skips(series), "{series:?}");
            let ids = block_ids(&header, series);
            assert!(ids.iter().all(|&id| plan.needs_block(id)), "{series:?}");
        }
        // Unwanted bases stay skipped.
        assert!(plan.skips(Series::BA) && plan.skips(Series::QS));
    }
}
