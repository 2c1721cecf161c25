//! Lines of the widest values each field can hold, against text made by
//! Rust's own formatting (and `%g` checked against glibc in `float.rs`).
//! Debug builds assert on every store that the line's bound holds.

use super::*;
use crate::formats::sam::record::cigar::{Kind, Op};
use crate::formats::sam::record::data::{Array, Value};
use crate::formats::sam::record::RecordFields;
use crate::formats::sam::Record;
use crate::region::Position;

fn header() -> Header {
    Header::parse(
        "@SQ\tSN:chr1\tLN:3000000000\n@SQ\tSN:a_much_longer_contig_name_HLA-A*01:01\tLN:10\n",
    )
    .expect("header")
}

fn line(record: &Record) -> String {
    let header = header();
    let mut writer = Writer::new(Vec::new());
    writer
        .write_record(&header, record.as_ref())
        .expect("write");
    let mut formatted = Vec::new();
    format_record(&header, record.as_ref(), &mut formatted).expect("format");
    let written = writer.into_inner();
    assert_eq!(written, formatted);
    String::from_utf8(written).expect("ASCII")
}

fn float(value: f32) -> String {
    let mut text = Vec::new();
    push_float_g(&mut text, value.into());
    String::from_utf8(text).expect("ASCII")
}

fn array_text<T: ToString>(subtype: char, values: &[T]) -> String {
    let mut text = format!("B:{subtype}");
    for value in values {
        text.push(',');
        text.push_str(&value.to_string());
    }
    text
}

fn le_bytes<const N: usize, T: Copy>(values: &[T], to: impl Fn(T) -> [u8; N]) -> Vec<u8> {
    values.iter().flat_map(|&v| to(v)).collect()
}

#[test]
fn extreme_values_print_exactly() {
    let name = vec![b'n'; 254];
    let bases: Vec<u8> = (0..301).map(|i| b"=ACMGRSVTWYHKDBN"[i % 16]).collect();
    let quals: Vec<u8> = (0..301).map(|i| (i * 7 % 94) as u8).collect();
    let cigar = [
        Op {
            kind: Kind::Deletion,
            len: (1 << 28) - 1,
        },
        Op {
            kind: Kind::Match,
            len: 301,
        },
        Op {
            kind: Kind::HardClip,
            len: 100_000_000,
        },
    ];
    let mut record = Record::default();
    record
        .set_fields(&RecordFields {
            name: &name,
            flags: !0x4,
            reference_id: Some(1),
            alignment_start: Position::new(1 << 31),
            mapping_quality: Some(254),
            cigar: &cigar,
            sequence: &bases,
            qualities: Some(&quals),
            mate_reference_id: Some(0),
            mate_alignment_start: Position::new(1_000_000_000),
            template_length: i32::MIN,
        })
        .expect("fields");
    let (c, cu, s, su) = (
        [i8::MIN, -1, 0, i8::MAX],
        [0, 9, 10, u8::MAX],
        [i16::MIN, 0, i16::MAX],
        [0, 99, 100, u16::MAX],
    );
    let (i, iu) = (
        [i32::MIN, -100_000, 0, 99_999, i32::MAX],
        [0, 9_999, 10_000, 99_999_999, 100_000_000, u32::MAX],
    );
    let f = [
        f32::MIN,
        -1.5e-7,
        0.0,
        1e-4,
        123_456.5,
        f32::MAX,
        f32::MIN_POSITIVE,
    ];
    let elements = [
        (b'c', le_bytes(&c, |v: i8| v.to_le_bytes())),
        (b'C', cu.to_vec()),
        (b's', le_bytes(&s, |v: i16| v.to_le_bytes())),
        (b'S', le_bytes(&su, |v: u16| v.to_le_bytes())),
        (b'i', le_bytes(&i, |v: i32| v.to_le_bytes())),
        (b'I', le_bytes(&iu, |v: u32| v.to_le_bytes())),
        (b'f', le_bytes(&f, |v: f32| v.to_le_bytes())),
    ];
    let values = [
        Value::Character(b'~'),
        Value::Int8(i8::MIN),
        Value::UInt8(u8::MAX),
        Value::Int16(i16::MIN),
        Value::UInt16(u16::MAX),
        Value::Int32(i32::MIN),
        Value::UInt32(u32::MAX),
        Value::Float(-1.234_567e-38),
        Value::String(b""),
        Value::String(b"1234567"),
        Value::String(b"12345678"),
        Value::String(&[b'z'; 300]),
        Value::Hex(b"DEADBEEF0"),
    ];
    for value in values {
        record.push_data(*b"XY", value).expect("tag");
    }
    for (subtype, bytes) in &elements {
        let array = Array::from_le_bytes(*subtype, bytes).expect("array");
        record.push_data(*b"ZB", Value::Array(array)).expect("tag");
    }
    let sequence: String = bases.iter().map(|&b| b as char).collect();
    let qualities: String = quals.iter().map(|&q| q.wrapping_add(33) as char).collect();
    let mut expected = format!(
        "{}\t65531\ta_much_longer_contig_name_HLA-A*01:01\t2147483648\t254\t268435455D301M100000000H\tchr1\t1000000000\t-2147483648\t{sequence}\t{qualities}",
        "n".repeat(254)
    );
    let tags = [
        "A:~".to_string(),
        "i:-128".into(),
        "i:255".into(),
        "i:-32768".into(),
        "i:65535".into(),
        "i:-2147483648".into(),
        "i:4294967295".into(),
        format!("f:{}", float(-1.234_567e-38)),
        "Z:".into(),
        "Z:1234567".into(),
        "Z:12345678".into(),
        format!("Z:{}", "z".repeat(300)),
        "H:DEADBEEF0".into(),
    ];
    for tag in tags {
        expected.push_str(&format!("\tXY:{tag}"));
    }
    let floats: Vec<String> = f.iter().map(|&v| float(v)).collect();
    for array in [
        array_text('c', &c),
        array_text('C', &cu),
        array_text('s', &s),
        array_text('S', &su),
        array_text('i', &i),
        array_text('I', &iu),
        array_text('f', &floats),
    ] {
        expected.push_str(&format!("\tZB:{array}"));
    }
    expected.push('\n');
    assert_eq!(line(&record), expected);
}

/// Every short length of each variable field (names, bases, strings),
/// so every copy path and SIMD step boundary is crossed.
#[test]
fn every_short_length_prints_exactly() {
    for len in 1..=80usize {
        let name: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
        let bases: Vec<u8> = (0..len).map(|i| b"ACGTN"[i % 5]).collect();
        let quals: Vec<u8> = (0..len).map(|i| (i % 42) as u8).collect();
        let text: Vec<u8> = (0..len).map(|i| b'0' + (i % 10) as u8).collect();
        let mut record = Record::default();
        record
            .set_fields(&RecordFields {
                name: &name,
                flags: 0,
                reference_id: Some(0),
                alignment_start: Position::new(len as u64 * 1000),
                mapping_quality: None,
                cigar: &[Op {
                    kind: Kind::Match,
                    len: len as u32,
                }],
                sequence: &bases,
                qualities: (len % 3 != 0).then_some(&quals[..]),
                mate_reference_id: Some(0),
                mate_alignment_start: None,
                template_length: -(len as i32),
            })
            .expect("fields");
        record.push_data(*b"MD", Value::String(&text)).expect("tag");
        record
            .push_data(*b"NM", Value::UInt8(len as u8))
            .expect("tag");
        let qualities: String = if len % 3 != 0 {
            quals.iter().map(|&q| (q + 33) as char).collect()
        } else {
            "*".into()
        };
        let expected = format!(
            "{}\t0\tchr1\t{}\t255\t{len}M\t=\t0\t-{len}\t{}\t{qualities}\tMD:Z:{}\tNM:i:{len}\n",
            String::from_utf8_lossy(&name),
            len * 1000,
            String::from_utf8_lossy(&bases),
            String::from_utf8_lossy(&text),
        );
        assert_eq!(line(&record), expected, "length {len}");
    }
}
