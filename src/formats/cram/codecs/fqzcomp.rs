//! fqzcomp_qual, CRAM 3.1's quality-score codec (CRAMcodecs section 6): an
//! adaptive range coder whose 16-bit model context mixes the previous
//! qualities, the position in the read, the number of quality changes so
//! far and a per-record selector, with per-record lengths, duplicate reads
//! and reversal.
//!
//! Where the pseudocode and htscodecs (whose encoder wrote the conformance
//! files) differ, this follows htscodecs: flag 4 (`do_len`) means the read
//! length is stored once (fixed length), `nparam = 1` has no selector, the
//! default selector table clamps to the last parameter block, `qtab` is
//! stored only when `qbits > 0`, and reads of length 0 are refused.

use super::arith::{Model, RangeDecoder};
use super::reader::ByteReader;
use super::MAX_DECODED_LEN;
use crate::Result;

const VERSION: u8 = 5;
const MULTI_PARAM: u8 = 1;
const HAVE_STAB: u8 = 2;
const DO_REV: u8 = 4;

const DO_DEDUP: u8 = 2;
const FIXED_LEN: u8 = 4;
const DO_SEL: u8 = 8;
const HAVE_QMAP: u8 = 16;
const HAVE_PTAB: u8 = 32;
const HAVE_DTAB: u8 = 64;
const HAVE_QTAB: u8 = 128;

/// Number of quality-model contexts.
const CONTEXTS: usize = 1 << 16;
const NO_MODEL: u32 = u32::MAX;

/// One parameter block.
struct Params {
    context: u32,
    flags: u8,
    qbits: u32,
    qshift: u32,
    qloc: u32,
    sloc: u32,
    qmap: [u8; 256],
    qtab: [u32; 256],
    /// Position table, already shifted by `ploc` (all 0 without a table).
    ptab: [u32; 1024],
    /// Delta table, already shifted by `dloc` (all 0 without a table).
    dtab: [u32; 256],
}

/// Decodes an fqzcomp_qual stream into `out` (cleared first): the quality
/// strings of all records, concatenated.
///
/// # Errors
/// A [`Format::Cram`](crate::Format::Cram) error, with the byte offset, when
/// the stream is truncated or corrupt, its version is not 5, or its decoded
/// size exceeds [`MAX_DECODED_LEN`].
///
/// ```
/// use biometal::formats::cram::codecs::fqzcomp;
/// let mut out = Vec::new();
/// // Size 0, version 5, one parameter block, then the range coder's 5 bytes.
/// let stream = [0, 5, 0, 0, 0, 0, 40, 0, 0, 0, 0, 0, 0, 0, 0];
/// fqzcomp::decode(&stream, &mut out)?;
/// assert!(out.is_empty());
/// assert!(fqzcomp::decode(&[10, 4], &mut out).is_err()); // version 4
/// # Ok::<(), biometal::Error>(())
/// ```
pub fn decode(src: &[u8], out: &mut Vec<u8>) -> Result<()> {
    out.clear();
    let mut reader = ByteReader::new(src, 0);
    let len = reader.uint7_len("fqzcomp decoded size", MAX_DECODED_LEN)?;
    let version = reader.u8("fqzcomp version")?;
    if version != VERSION {
        return Err(reader.invalid(format!(
            "fqzcomp version must be {VERSION}, found {version}"
        )));
    }
    let gflags = reader.u8("fqzcomp global flags")?;
    let nparam = if gflags & MULTI_PARAM != 0 {
        usize::from(reader.u8("fqzcomp parameter block count")?)
    } else {
        1
    };
    if nparam == 0 {
        return Err(reader.invalid("fqzcomp parameter block count is 0"));
    }
    let mut max_sel = if nparam > 1 { nparam } else { 0 };
    let mut stab = [0u32; 256];
    if gflags & HAVE_STAB != 0 {
        max_sel = usize::from(reader.u8("fqzcomp maximum selector")?);
        read_array(&mut reader, &mut stab)?;
    } else {
        for (i, s) in stab.iter_mut().enumerate() {
            *s = i.min(nparam - 1) as u32;
        }
    }
    let mut params = Vec::with_capacity(nparam);
    let mut max_sym = 0;
    for _ in 0..nparam {
        let (p, sym) = read_params(&mut reader)?;
        if p.flags & DO_SEL != 0 && max_sel == 0 {
            return Err(
                reader.invalid("fqzcomp parameter block uses a selector but none is stored")
            );
        }
        max_sym = max_sym.max(sym);
        params.push(p);
    }

    out.resize(len, 0);
    let mut rc = RangeDecoder::new(&mut reader);
    rc.start()?;
    let mut length_models = [
        Model::<256>::new(256),
        Model::new(256),
        Model::new(256),
        Model::new(256),
    ];
    let mut rev_model = Model::<2>::new(2);
    let mut dup_model = Model::<2>::new(2);
    let mut sel_model = Model::<256>::new((max_sel + 1).min(256));
    let quality_symbols = usize::from(max_sym) + 1;
    let mut model_of_context = vec![NO_MODEL; CONTEXTS];
    let mut quality_models: Vec<Model<256>> = Vec::new();
    let mut reversed: Vec<(usize, usize)> = Vec::new();

    let mut last_len = 0usize;
    let mut first_len = true;
    let mut i = 0;
    while i < len {
        // A new record: selector, length, reversal, duplicate flag.
        let sel = if max_sel > 0 {
            u32::from(rc.decode(&mut sel_model)?)
        } else {
            0
        };
        let x = if gflags & HAVE_STAB != 0 {
            stab[sel as usize] as usize
        } else {
            sel as usize
        };
        let p = params.get(x).ok_or_else(|| {
            rc.invalid(format!(
                "fqzcomp selector {x} names no parameter block (of {nparam})"
            ))
        })?;
        if p.flags & FIXED_LEN == 0 || first_len {
            let mut record_len = 0usize;
            for (k, model) in length_models.iter_mut().enumerate() {
                record_len |= usize::from(rc.decode(model)?) << (8 * k);
            }
            last_len = record_len;
            first_len = false;
        }
        let record_len = last_len;
        if record_len == 0 || record_len > len - i {
            return Err(rc.invalid(format!(
                "fqzcomp record length {record_len} at output byte {i} is 0 or passes the decoded size {len}"
            )));
        }
        if gflags & DO_REV != 0 && rc.decode(&mut rev_model)? != 0 {
            reversed.push((i, record_len));
        }
        if p.flags & DO_DEDUP != 0 && rc.decode(&mut dup_model)? != 0 {
            if record_len > i {
                return Err(rc.invalid("fqzcomp duplicate of a record before the first"));
            }
            out.copy_within(i - record_len..i, i);
            i += record_len;
            continue;
        }

        let mut ctx = p.context;
        let mut qctx: u32 = 0;
        let mut delta: u32 = 0;
        let mut prevq = 0u8;
        let qmask = (1u32 << p.qbits) - 1;
        let sel_part = if p.flags & DO_SEL != 0 {
            sel << p.sloc
        } else {
            0
        };
        for (remaining, o) in (1..=record_len).rev().zip(&mut out[i..i + record_len]) {
            let slot = &mut model_of_context[ctx as usize];
            if *slot == NO_MODEL {
                *slot = quality_models.len() as u32;
                quality_models.push(Model::new(quality_symbols));
            }
            let q = rc.decode(&mut quality_models[*slot as usize])?;
            *o = p.qmap[usize::from(q)];
            qctx = (qctx << p.qshift).wrapping_add(p.qtab[usize::from(q)]);
            ctx = p
                .context
                .wrapping_add((qctx & qmask) << p.qloc)
                .wrapping_add(p.ptab[remaining.min(1023)])
                .wrapping_add(p.dtab[delta.min(255) as usize])
                .wrapping_add(sel_part)
                & 0xffff;
            delta += u32::from(prevq != q);
            prevq = q;
        }
        i += record_len;
    }
    for (start, record_len) in reversed {
        out[start..start + record_len].reverse();
    }
    Ok(())
}

/// Reads one parameter block; returns it and its `max_sym`.
fn read_params(reader: &mut ByteReader) -> Result<(Params, u8)> {
    let context = reader.bytes(2, "fqzcomp starting context")?;
    let context = u32::from(u16::from_le_bytes([context[0], context[1]]));
    let flags = reader.u8("fqzcomp parameter flags")?;
    let max_sym = reader.u8("fqzcomp symbol count")?;
    let q = reader.u8("fqzcomp qbits/qshift")?;
    let l = reader.u8("fqzcomp qloc/sloc")?;
    let d = reader.u8("fqzcomp ploc/dloc")?;
    let mut p = Params {
        context,
        flags,
        qbits: u32::from(q >> 4),
        qshift: u32::from(q & 15),
        qloc: u32::from(l >> 4),
        sloc: u32::from(l & 15),
        qmap: [0; 256],
        qtab: [0; 256],
        ptab: [0; 1024],
        dtab: [0; 256],
    };
    let (ploc, dloc) = (u32::from(d >> 4), u32::from(d & 15));
    if flags & HAVE_QMAP != 0 {
        let map = reader.bytes(usize::from(max_sym), "fqzcomp quality map")?;
        p.qmap[..map.len()].copy_from_slice(map);
    } else {
        for (i, m) in p.qmap.iter_mut().enumerate() {
            *m = i as u8;
        }
    }
    if p.qbits > 0 && flags & HAVE_QTAB != 0 {
        read_array(reader, &mut p.qtab)?;
    } else {
        for (i, t) in p.qtab.iter_mut().enumerate() {
            *t = i as u32;
        }
    }
    if flags & HAVE_PTAB != 0 {
        read_array(reader, &mut p.ptab)?;
        p.ptab.iter_mut().for_each(|v| *v = v.wrapping_shl(ploc));
    }
    if flags & HAVE_DTAB != 0 {
        read_array(reader, &mut p.dtab)?;
        p.dtab.iter_mut().for_each(|v| *v = v.wrapping_shl(dloc));
    }
    Ok((p, max_sym))
}

/// Reads a monotonic lookup table stored as run lengths of each value
/// (runs of 255 continue), themselves run-length encoded (CRAMcodecs
/// `ReadArray`).
fn read_array(reader: &mut ByteReader, array: &mut [u32]) -> Result<()> {
    let size = array.len();
    let mut runs = [0u8; 1024];
    let mut nruns = 0;
    let mut total = 0usize;
    let mut last: Option<u8> = None;
    while total < size {
        let run = reader.u8("fqzcomp table run")?;
        if nruns >= runs.len() {
            return Err(reader.invalid("fqzcomp table has more than 1024 runs"));
        }
        runs[nruns] = run;
        nruns += 1;
        total += usize::from(run);
        if last == Some(run) {
            let copies = usize::from(reader.u8("fqzcomp table run copies")?);
            total += usize::from(run) * copies;
            for _ in 0..copies {
                if total > size + usize::from(run) * copies || nruns >= runs.len() {
                    break;
                }
                runs[nruns] = run;
                nruns += 1;
            }
        }
        last = Some(run);
    }
    let mut value = 0u32;
    let mut filled = 0;
    let mut k = 0;
    while filled < size {
        let mut run_len = 0usize;
        loop {
            let part = *runs[..nruns]
                .get(k)
                .ok_or_else(|| reader.invalid("fqzcomp table runs end before the table is full"))?;
            k += 1;
            run_len += usize::from(part);
            if part != 255 {
                break;
            }
        }
        let end = (filled + run_len).min(size);
        array[filled..end].fill(value);
        filled = end;
        value += 1;
    }
    Ok(())
}
