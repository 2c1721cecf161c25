//! The record model: every getter returns what was stored, for random
//! records (proptest) and every aux type.

use biometal::formats::sam::record::cigar::{Kind, Op};
use biometal::formats::sam::record::data::{Array, Value};
use biometal::formats::sam::record::RecordFields;
use biometal::formats::sam::{Header, Record, RecordRef};
use biometal::region::Position;
use proptest::prelude::*;

fn kinds() -> impl Strategy<Value = Kind> {
    prop::sample::select(vec![
        Kind::Match,
        Kind::Insertion,
        Kind::Deletion,
        Kind::Skip,
        Kind::SoftClip,
        Kind::HardClip,
        Kind::Pad,
        Kind::SequenceMatch,
        Kind::SequenceMismatch,
    ])
}

proptest! {
    #[test]
    fn getters_return_what_was_set(
        name in "[!-?A-~]{1,40}",
        flags in any::<u16>(),
        reference_id in prop::option::of(0usize..1000),
        start in prop::option::of(1u64..1 << 31),
        mapq in prop::option::of(0u8..255),
        ops in prop::collection::vec((kinds(), 1u32..1000), 0..20),
        bases in "[ACGTN=MRWSYKVHDB]{0,300}",
        with_quals in any::<bool>(),
        mate_id in prop::option::of(0usize..1000),
        mate_start in prop::option::of(1u64..1 << 31),
        tlen in any::<i32>(),
    ) {
        let start = start.and_then(Position::new);
        let mate_start = mate_start.and_then(Position::new);
        let cigar: Vec<Op> = ops.iter().map(|&(kind, len)| Op { kind, len }).collect();
        let quals: Vec<u8> = (0..bases.len()).map(|i| (i % 94) as u8).collect();
        let fields = RecordFields {
            name: name.as_bytes(),
            flags: flags | 4, // unmapped: CIGAR and SEQ lengths need not agree
            reference_id,
            alignment_start: start,
            mapping_quality: mapq,
            cigar: &cigar,
            sequence: bases.as_bytes(),
            qualities: with_quals.then_some(&quals[..]),
            mate_reference_id: mate_id,
            mate_alignment_start: mate_start,
            template_length: tlen,
        };
        let mut record = Record::default();
        record.set_fields(&fields).unwrap();
        let view = RecordRef::new(record.as_bytes()).unwrap();
        prop_assert_eq!(view.name(), name.as_bytes());
        prop_assert_eq!(view.flags().bits(), flags | 4);
        prop_assert_eq!(view.reference_id(), reference_id);
        prop_assert_eq!(view.alignment_start(), start);
        prop_assert_eq!(view.mapping_quality(), mapq);
        prop_assert_eq!(view.cigar().iter().collect::<Vec<_>>(), cigar);
        let mut decoded = Vec::new();
        view.sequence().decode_into(&mut decoded);
        prop_assert_eq!(&decoded, bases.as_bytes());
        for (i, &base) in bases.as_bytes().iter().enumerate() {
            prop_assert_eq!(view.sequence().get(i), Some(base));
        }
        let expected_quals = (with_quals && !bases.is_empty()).then_some(&quals[..]);
        prop_assert_eq!(view.qualities(), expected_quals);
        prop_assert_eq!(view.mate_reference_id(), mate_id);
        prop_assert_eq!(view.mate_alignment_start(), mate_start);
        prop_assert_eq!(view.template_length(), tlen);
    }
}

#[test]
fn every_aux_type_round_trips_through_sam_text() {
    let header = Header::parse("@SQ\tSN:chr1\tLN:100\n").unwrap();
    let line = "r\t0\tchr1\t1\t255\t2M\t=\t1\t0\tAC\t*\tXA:A:x\tXc:i:-5\tXC:i:200\tXs:i:-300\tXS:i:60000\t\
                Xi:i:-70000\tXI:i:4000000000\tXf:f:1.5\tXZ:Z:hello world\tXH:H:1AE3\t\
                Ba:B:c,-1,2\tBb:B:C,255\tBd:B:s,-300\tBe:B:S,65535\tBg:B:i,-70000\tBh:B:I,4000000000\tBj:B:f,0.25,-2\n";
    let mut reader = biometal::formats::sam::Reader::new(line.as_bytes());
    let mut record = Record::default();
    assert!(reader.read_record(&header, &mut record).unwrap());
    assert_eq!(record.mapping_quality(), None);
    assert_eq!(record.alignment_end(), Position::new(2));
    let data = record.data();
    assert_eq!(data.get(b"XA").unwrap(), Some(Value::Character(b'x')));
    assert_eq!(data.get(b"Xc").unwrap(), Some(Value::Int8(-5)));
    assert_eq!(data.get(b"XC").unwrap(), Some(Value::UInt8(200)));
    assert_eq!(data.get(b"Xs").unwrap(), Some(Value::Int16(-300)));
    assert_eq!(data.get(b"XS").unwrap(), Some(Value::UInt16(60000)));
    assert_eq!(data.get(b"Xi").unwrap(), Some(Value::Int32(-70000)));
    assert_eq!(data.get(b"XI").unwrap(), Some(Value::UInt32(4_000_000_000)));
    assert_eq!(data.get(b"Xf").unwrap(), Some(Value::Float(1.5)));
    assert_eq!(
        data.get(b"XZ").unwrap(),
        Some(Value::String(b"hello world"))
    );
    assert_eq!(data.get(b"XH").unwrap(), Some(Value::Hex(b"1AE3")));
    let array = |tag: &[u8; 2]| match data.get(tag).unwrap() {
        Some(Value::Array(array)) => array,
        other => panic!("{other:?}"),
    };
    assert!(matches!(array(b"Ba"), Array::Int8(v) if v.iter().collect::<Vec<_>>() == [-1, 2]));
    assert!(matches!(array(b"Bb"), Array::UInt8(v) if v.get(0) == Some(255)));
    assert!(matches!(array(b"Bd"), Array::Int16(v) if v.get(0) == Some(-300)));
    assert!(matches!(array(b"Be"), Array::UInt16(v) if v.get(0) == Some(65535)));
    assert!(matches!(array(b"Bg"), Array::Int32(v) if v.get(0) == Some(-70000)));
    assert!(matches!(array(b"Bh"), Array::UInt32(v) if v.get(0) == Some(4_000_000_000)));
    assert!(
        matches!(array(b"Bj"), Array::Float(v) if v.iter().collect::<Vec<_>>() == [0.25, -2.0])
    );
    assert_eq!(data.iter().count(), 17);
    let mut writer = biometal::formats::sam::Writer::new(Vec::new());
    writer.write_record(&header, record.as_ref()).unwrap();
    assert_eq!(String::from_utf8(writer.into_inner()).unwrap(), line);
}
