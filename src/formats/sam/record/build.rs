//! Building records: from typed fields into BAM's layout.

use super::cigar::{Kind, Op};
use super::data::Value;
use super::{invalid, Layout, Record, Tag};
use crate::index::binning::{reg2bin, BAI_DEPTH, BAI_MIN_SHIFT};
use crate::region::Position;
use crate::Result;

/// Every field of a record except the auxiliary data, for
/// [`Record::set_fields`].
#[derive(Debug, Clone, Copy, Default)]
pub struct RecordFields<'a> {
    /// QNAME (1 to 254 bytes, no NUL; `*` for none).
    pub name: &'a [u8],
    /// FLAG.
    pub flags: u16,
    /// 0-based reference id; `None` for `*`.
    pub reference_id: Option<usize>,
    /// 1-based POS; `None` for 0.
    pub alignment_start: Option<Position>,
    /// MAPQ; `None` for 255.
    pub mapping_quality: Option<u8>,
    /// CIGAR operations (any number: beyond 65535 they go to a `CG` tag).
    pub cigar: &'a [Op],
    /// SEQ as ASCII letters; empty for `*`.
    pub sequence: &'a [u8],
    /// QUAL as raw Phred scores (as many as bases); `None` for `*`.
    pub qualities: Option<&'a [u8]>,
    /// RNEXT as a 0-based reference id; `None` for `*`.
    pub mate_reference_id: Option<usize>,
    /// PNEXT, 1-based; `None` for 0.
    pub mate_alignment_start: Option<Position>,
    /// TLEN.
    pub template_length: i32,
}

fn reference_id_to_i32(id: Option<usize>, what: &str) -> Result<i32> {
    match id {
        None => Ok(-1),
        Some(id) => {
            i32::try_from(id).map_err(|_| invalid(format!("{what} {id} does not fit BAM's int32")))
        }
    }
}

fn position_to_i32(position: Option<Position>, what: &str) -> Result<i32> {
    match position {
        None => Ok(-1),
        Some(p) => i32::try_from(p.to_zero_based()).map_err(|_| {
            invalid(format!(
                "{what} {p} does not fit BAM's int32 (at most 2^31)"
            ))
        }),
    }
}

impl Record {
    /// Replaces every field with `fields`, removing all auxiliary data.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidData`](crate::ErrorKind::InvalidData) when the
    /// fields cannot be stored in BAM: a name of 0 or more than 254 bytes or
    /// holding a NUL, ids or positions beyond `i32`, qualities not matching
    /// the bases, a CIGAR implying a different number of bases.
    pub fn set_fields(&mut self, fields: &RecordFields<'_>) -> Result<()> {
        if fields.name.is_empty() || fields.name.len() > 254 || fields.name.contains(&0) {
            return Err(invalid(format!(
                "read name must be 1 to 254 bytes without NUL, found {} bytes",
                fields.name.len()
            )));
        }
        let reference_id = reference_id_to_i32(fields.reference_id, "reference id")?;
        let mate_reference_id = reference_id_to_i32(fields.mate_reference_id, "mate reference id")?;
        let start = position_to_i32(fields.alignment_start, "position")?;
        let mate_start = position_to_i32(fields.mate_alignment_start, "mate position")?;
        let seq_len = u32::try_from(fields.sequence.len())
            .map_err(|_| invalid("sequence longer than 2^32 - 1 bases".into()))?;
        if let Some(quals) = fields.qualities {
            if quals.len() != fields.sequence.len() {
                return Err(invalid(format!(
                    "{} qualities for {} bases",
                    quals.len(),
                    fields.sequence.len()
                )));
            }
        }
        let reference_span: u64 = fields
            .cigar
            .iter()
            .filter(|op| op.kind.consumes_reference())
            .map(|op| u64::from(op.len))
            .sum();
        let end = i64::from(start) + reference_span.max(1) as i64;
        let bin = reg2bin(i64::from(start), end, BAI_MIN_SHIFT, BAI_DEPTH);
        let long_cigar = fields.cigar.len() > usize::from(u16::MAX);

        let bytes = &mut self.bytes;
        bytes.clear();
        bytes.extend_from_slice(&reference_id.to_le_bytes());
        bytes.extend_from_slice(&start.to_le_bytes());
        bytes.push(fields.name.len() as u8 + 1);
        bytes.push(fields.mapping_quality.unwrap_or(255));
        // bins of records beyond BAI's range do not fit 16 bits; htslib
        // stores them truncated too, and CSI recomputes them.
        bytes.extend_from_slice(&(bin as u16).to_le_bytes());
        let stored_ops = if long_cigar {
            2
        } else {
            fields.cigar.len() as u16
        };
        bytes.extend_from_slice(&stored_ops.to_le_bytes());
        bytes.extend_from_slice(&fields.flags.to_le_bytes());
        bytes.extend_from_slice(&seq_len.to_le_bytes());
        bytes.extend_from_slice(&mate_reference_id.to_le_bytes());
        bytes.extend_from_slice(&mate_start.to_le_bytes());
        bytes.extend_from_slice(&fields.template_length.to_le_bytes());
        bytes.extend_from_slice(fields.name);
        bytes.push(0);
        if long_cigar {
            let placeholder = [
                Op {
                    kind: Kind::SoftClip,
                    len: seq_len,
                },
                Op {
                    kind: Kind::Skip,
                    len: reference_span.min(u64::from(u32::MAX >> 4)) as u32,
                },
            ];
            for op in placeholder {
                bytes.extend_from_slice(&op.to_packed().to_le_bytes());
            }
        } else {
            for op in fields.cigar {
                bytes.extend_from_slice(&op.to_packed().to_le_bytes());
            }
        }
        crate::simd::encode_bam_sequence_to_vec(fields.sequence, bytes);
        match fields.qualities {
            Some(quals) => bytes.extend_from_slice(quals),
            None => bytes.resize(bytes.len() + fields.sequence.len(), 0xff),
        }
        if long_cigar {
            bytes.extend_from_slice(b"CGBI");
            bytes.extend_from_slice(&(fields.cigar.len() as u32).to_le_bytes());
            for op in fields.cigar {
                bytes.extend_from_slice(&op.to_packed().to_le_bytes());
            }
        }
        self.layout = Layout::validate(&self.bytes, None)?;
        Ok(())
    }

    /// Appends an auxiliary field.
    ///
    /// ```
    /// use biometal::formats::sam::record::{Record, RecordFields, data::Value};
    ///
    /// let mut record = Record::default();
    /// record.set_fields(&RecordFields { name: b"r", ..RecordFields::default() })?;
    /// record.push_data(*b"NM", Value::Int32(3))?;
    /// assert_eq!(record.as_ref().data().get(b"NM")?, Some(Value::Int32(3)));
    /// # Ok::<(), biometal::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// An invalid tag (`[A-Za-z][A-Za-z0-9]`), or a `Z`/`H` value holding a
    /// NUL.
    pub fn push_data(&mut self, tag: Tag, value: Value<'_>) -> Result<()> {
        if !(tag[0].is_ascii_alphabetic() && tag[1].is_ascii_alphanumeric()) {
            return Err(invalid(format!(
                "invalid tag {:?}",
                String::from_utf8_lossy(&tag)
            )));
        }
        if let Value::String(text) | Value::Hex(text) = value {
            if text.contains(&0) {
                return Err(invalid("Z or H value contains a NUL".into()));
            }
        }
        self.bytes.extend_from_slice(&tag);
        value.encode(&mut self.bytes);
        Ok(())
    }
}
