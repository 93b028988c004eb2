//! Apache's five number converters (`ShortConverter`, `IntegerConverter`,
//! `LongConverter`, `FloatConverter`, `DoubleConverter`): each value is the
//! bytes Kafka's matching serializer writes (big-endian two's complement,
//! or IEEE 754 big-endian bits), null is null, and reading always gives the
//! optional schema of the type.
//!
//! Like Apache's `NumberConverter`, serializing ignores the schema and
//! accepts only a value of exactly the converter's Java class: an int32
//! given to the LongConverter fails, as does a `Date` (an int32 with the
//! `Date` logical schema, a `java.util.Date` in Java) given to the
//! IntegerConverter.

use std::marker::PhantomData;

use wasm_connect_sdk::layout::{NONE, Node, NodeKind};
use wasm_connect_sdk::prelude::*;

use crate::java_names::java_class;
use crate::target::{data_error, for_each_target};

/// What tells Apache's number converters apart.
pub trait NumberType: 'static {
    /// The converter's simple class name (`ShortConverter`).
    const CLASS: &'static str;
    /// The type's display name in Apache's messages (`short`).
    const NAME: &'static str;
    /// The Java class the value must be (`java.lang.Short`).
    const JAVA_CLASS: &'static str;
    /// The name Kafka's deserializer gives itself in its size error
    /// (`ShortDeserializer`; the float and double ones say `Deserializer`).
    const DESERIALIZER: &'static str;
    /// The serialized size in bytes.
    const SIZE: usize;
    /// The Connect type (the schema is the optional schema of it).
    const SCHEMA_TYPE: SchemaType;
    /// The node kind of values of the type.
    const KIND: NodeKind;
    /// One sentence for the manifest.
    const DESCRIPTION: &'static str;
    /// The serializer's bytes for a node's payload (`Node::b`).
    fn serialize(bits: u64, out: &mut [u8]);
    /// The node payload for `SIZE` serialized bytes.
    fn deserialize(bytes: &[u8]) -> u64;
}

/// Big-endian bytes of the low `out.len()` bytes of `bits`.
fn write_be(bits: u64, out: &mut [u8]) {
    let all = bits.to_be_bytes();
    out.copy_from_slice(&all[all.len() - out.len()..]);
}

/// The big-endian integer in `bytes` (at most 8).
fn read_be(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b))
}

/// `ShortConverter` / `ShortSerializer`.
pub struct Short;
/// `IntegerConverter` / `IntegerSerializer`.
pub struct Integer;
/// `LongConverter` / `LongSerializer`.
pub struct Long;
/// `FloatConverter` / `FloatSerializer`.
pub struct Float;
/// `DoubleConverter` / `DoubleSerializer`.
pub struct Double;

impl NumberType for Short {
    const CLASS: &'static str = "ShortConverter";
    const NAME: &'static str = "short";
    const JAVA_CLASS: &'static str = "java.lang.Short";
    const DESERIALIZER: &'static str = "ShortDeserializer";
    const SIZE: usize = 2;
    const SCHEMA_TYPE: SchemaType = SchemaType::Int16;
    const KIND: NodeKind = NodeKind::Int16;
    const DESCRIPTION: &'static str =
        "Converts between 16-bit integers and Kafka's 2-byte big-endian short format.";
    fn serialize(bits: u64, out: &mut [u8]) {
        write_be(bits, out);
    }
    fn deserialize(bytes: &[u8]) -> u64 {
        i64::from(read_be(bytes) as u16 as i16) as u64
    }
}

impl NumberType for Integer {
    const CLASS: &'static str = "IntegerConverter";
    const NAME: &'static str = "integer";
    const JAVA_CLASS: &'static str = "java.lang.Integer";
    const DESERIALIZER: &'static str = "IntegerDeserializer";
    const SIZE: usize = 4;
    const SCHEMA_TYPE: SchemaType = SchemaType::Int32;
    const KIND: NodeKind = NodeKind::Int32;
    const DESCRIPTION: &'static str =
        "Converts between 32-bit integers and Kafka's 4-byte big-endian integer format.";
    fn serialize(bits: u64, out: &mut [u8]) {
        write_be(bits, out);
    }
    fn deserialize(bytes: &[u8]) -> u64 {
        i64::from(read_be(bytes) as u32 as i32) as u64
    }
}

impl NumberType for Long {
    const CLASS: &'static str = "LongConverter";
    const NAME: &'static str = "long";
    const JAVA_CLASS: &'static str = "java.lang.Long";
    const DESERIALIZER: &'static str = "LongDeserializer";
    const SIZE: usize = 8;
    const SCHEMA_TYPE: SchemaType = SchemaType::Int64;
    const KIND: NodeKind = NodeKind::Int64;
    const DESCRIPTION: &'static str =
        "Converts between 64-bit integers and Kafka's 8-byte big-endian long format.";
    fn serialize(bits: u64, out: &mut [u8]) {
        write_be(bits, out);
    }
    fn deserialize(bytes: &[u8]) -> u64 {
        read_be(bytes)
    }
}

impl NumberType for Float {
    const CLASS: &'static str = "FloatConverter";
    const NAME: &'static str = "float";
    const JAVA_CLASS: &'static str = "java.lang.Float";
    const DESERIALIZER: &'static str = "Deserializer";
    const SIZE: usize = 4;
    const SCHEMA_TYPE: SchemaType = SchemaType::Float32;
    const KIND: NodeKind = NodeKind::Float32;
    const DESCRIPTION: &'static str =
        "Converts between 32-bit floats and Kafka's 4-byte IEEE 754 big-endian float format.";
    fn serialize(bits: u64, out: &mut [u8]) {
        // `Float.floatToRawIntBits`: NaN payloads are kept.
        write_be(bits, out);
    }
    fn deserialize(bytes: &[u8]) -> u64 {
        read_be(bytes)
    }
}

impl NumberType for Double {
    const CLASS: &'static str = "DoubleConverter";
    const NAME: &'static str = "double";
    const JAVA_CLASS: &'static str = "java.lang.Double";
    const DESERIALIZER: &'static str = "Deserializer";
    const SIZE: usize = 8;
    const SCHEMA_TYPE: SchemaType = SchemaType::Float64;
    const KIND: NodeKind = NodeKind::Float64;
    const DESCRIPTION: &'static str =
        "Converts between 64-bit floats and Kafka's 8-byte IEEE 754 big-endian double format.";
    fn serialize(bits: u64, out: &mut [u8]) {
        // `Double.doubleToLongBits`, unlike the float serializer, writes
        // every NaN as the canonical one.
        let bits = if f64::from_bits(bits).is_nan() {
            0x7ff8_0000_0000_0000
        } else {
            bits
        };
        write_be(bits, out);
    }
    fn deserialize(bytes: &[u8]) -> u64 {
        read_be(bytes)
    }
}

/// Apache's `NumberConverter<T>`, for keys, values and headers alike.
pub struct NumberConverter<T: NumberType> {
    target: Target,
    schema: Schema,
    number: PhantomData<T>,
}

/// Apache's `ShortConverter`.
pub type ShortConverter = NumberConverter<Short>;
/// Apache's `IntegerConverter`.
pub type IntegerConverter = NumberConverter<Integer>;
/// Apache's `LongConverter`.
pub type LongConverter = NumberConverter<Long>;
/// Apache's `FloatConverter`.
pub type FloatConverter = NumberConverter<Float>;
/// Apache's `DoubleConverter`.
pub type DoubleConverter = NumberConverter<Double>;

impl<T: NumberType> Converter for NumberConverter<T> {
    const HEADERS: bool = true;

    fn manifest() -> Manifest {
        Manifest::new(
            PluginKind::Converter,
            format!("wasmconnect.converters.{}", T::CLASS),
            env!("CARGO_PKG_VERSION"),
        )
        .aliases([format!("org.apache.kafka.connect.converters.{}", T::CLASS)])
        .description(T::DESCRIPTION)
    }

    fn configure(_config: Config, target: Target) -> Result<Self> {
        Ok(Self {
            target,
            schema: Schema::optional(T::SCHEMA_TYPE),
            number: PhantomData,
        })
    }

    fn from_connect(&mut self, batch: &mut Batch) -> Result<()> {
        for_each_target(batch, self.target, |batch, i, node, schema| {
            let kind = NodeKind::from_u8(node.kind);
            if kind == Some(NodeKind::Null) {
                return Ok((Node::NULL, NONE));
            }
            let def = batch.schema_def(schema).map_err(|e| data_error(i, e))?;
            let class = java_class(kind, def);
            if kind != Some(T::KIND) || class != T::JAVA_CLASS {
                return Err(PluginError::data(format!(
                    "Failed to serialize to {} (was class {class}): class {class} cannot be cast to class {}",
                    T::NAME,
                    T::JAVA_CLASS
                ))
                .at_record(i));
            }
            let mut bytes = [0u8; 8];
            let out = &mut bytes[..T::SIZE];
            T::serialize(node.b, out);
            let (start, len) = batch.push_bytes(out)?;
            Ok((Node::bytes(start, len), NONE))
        })
    }

    fn to_connect(&mut self, batch: &mut Batch) -> Result<()> {
        let schema = batch.add_schema(&self.schema)?;
        for_each_target(
            batch,
            self.target,
            |batch, i, node, _| match NodeKind::from_u8(node.kind) {
                Some(NodeKind::Null) => Ok((Node::NULL, schema)),
                Some(NodeKind::Bytes | NodeKind::String) => {
                    let bytes = batch
                        .bytes(node.b as u32, node.a, "the serialized data")
                        .map_err(|e| data_error(i, e))?;
                    if bytes.len() != T::SIZE {
                        return Err(PluginError::data(format!(
                            "Failed to deserialize {}: Size of data received by {} is not {}",
                            T::NAME,
                            T::DESERIALIZER,
                            T::SIZE
                        ))
                        .at_record(i));
                    }
                    Ok((Node::new(T::KIND, 0, T::deserialize(bytes)), schema))
                }
                _ => {
                    Err(PluginError::data(format!("{} can only read bytes", T::CLASS)).at_record(i))
                }
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use wasm_connect_sdk::PluginSet;

    use super::*;
    use wasm_connect_sdk::values::DATE;

    fn batch_of(values: Vec<(Option<Arc<Schema>>, Value)>) -> Batch {
        let records: Vec<Record> = values
            .into_iter()
            .map(|(s, v)| Record::new("topic").with_value(s, v))
            .collect();
        Batch::from_records(&records).unwrap()
    }

    fn raw(values: &[Option<&[u8]>]) -> Batch {
        batch_of(
            values
                .iter()
                .map(|v| (None, v.map_or(Value::Null, |b| Value::Bytes(b.to_vec()))))
                .collect(),
        )
    }

    fn values(batch: &Batch) -> Vec<Value> {
        batch
            .to_records()
            .unwrap()
            .into_iter()
            .map(|r| r.value)
            .collect()
    }

    /// Serializes `samples`, checks the bytes against `expected`, reads
    /// them back and checks value and schema: NumberConverterTest's
    /// round trip, for values and for headers.
    fn round_trip<T: NumberType>(samples: Vec<Value>, expected: Vec<Vec<u8>>) {
        let schema = Arc::new(Schema::optional(T::SCHEMA_TYPE));
        for target in [Target::Value, Target::Key, Target::Headers] {
            let mut c = NumberConverter::<T>::configure(Config::new(), target).unwrap();
            let records: Vec<Record> = samples
                .iter()
                .map(|v| {
                    let mut r = Record::new("topic");
                    match target {
                        Target::Key => r = r.with_key(Some(schema.clone()), v.clone()),
                        Target::Value => r = r.with_value(Some(schema.clone()), v.clone()),
                        Target::Headers => r.headers.push(Header {
                            key: "header".into(),
                            schema: Some(schema.clone()),
                            value: v.clone(),
                        }),
                    }
                    r
                })
                .collect();
            let mut batch = Batch::from_records(&records).unwrap();
            c.from_connect(&mut batch).unwrap();
            batch.validate().unwrap();
            let pick = |r: &Record| match target {
                Target::Key => (r.key_schema.clone(), r.key.clone()),
                Target::Value => (r.value_schema.clone(), r.value.clone()),
                Target::Headers => (r.headers[0].schema.clone(), r.headers[0].value.clone()),
            };
            let written: Vec<(Option<Arc<Schema>>, Value)> =
                batch.to_records().unwrap().iter().map(pick).collect();
            let want: Vec<(Option<Arc<Schema>>, Value)> = expected
                .iter()
                .map(|b| (None, Value::Bytes(b.clone())))
                .collect();
            assert_eq!(written, want, "{} {target:?}", T::CLASS);
            c.to_connect(&mut batch).unwrap();
            batch.validate().unwrap();
            let read: Vec<(Option<Arc<Schema>>, Value)> =
                batch.to_records().unwrap().iter().map(pick).collect();
            let want: Vec<(Option<Arc<Schema>>, Value)> = samples
                .iter()
                .map(|v| (Some(schema.clone()), v.clone()))
                .collect();
            assert_eq!(read, want, "{} {target:?}", T::CLASS);
        }
    }

    #[test]
    fn samples_round_trip_in_kafkas_byte_formats() {
        round_trip::<Short>(
            vec![
                Value::Int16(i16::MIN),
                Value::Int16(123),
                Value::Int16(i16::MAX),
            ],
            vec![vec![0x80, 0x00], vec![0x00, 0x7b], vec![0x7f, 0xff]],
        );
        round_trip::<Integer>(
            vec![
                Value::Int32(i32::MIN),
                Value::Int32(1234),
                Value::Int32(i32::MAX),
            ],
            vec![
                vec![0x80, 0, 0, 0],
                vec![0, 0, 0x04, 0xd2],
                vec![0x7f, 0xff, 0xff, 0xff],
            ],
        );
        round_trip::<Long>(
            vec![Value::Int64(i64::MIN), Value::Int64(1234), Value::Int64(-2)],
            vec![
                vec![0x80, 0, 0, 0, 0, 0, 0, 0],
                vec![0, 0, 0, 0, 0, 0, 0x04, 0xd2],
                vec![0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe],
            ],
        );
        round_trip::<Float>(
            vec![
                Value::Float32(f32::from_bits(1)),
                Value::Float32(1234.31),
                Value::Float32(f32::MAX),
            ],
            vec![
                vec![0, 0, 0, 1],
                vec![0x44, 0x9a, 0x49, 0xec],
                vec![0x7f, 0x7f, 0xff, 0xff],
            ],
        );
        round_trip::<Double>(
            vec![
                Value::Float64(f64::from_bits(1)),
                Value::Float64(1234.31),
                Value::Float64(f64::MAX),
            ],
            vec![
                vec![0, 0, 0, 0, 0, 0, 0, 1],
                vec![0x40, 0x93, 0x49, 0x3d, 0x70, 0xa3, 0xd7, 0x0a],
                vec![0x7f, 0xef, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
            ],
        );
    }

    #[test]
    fn nan_bits_follow_kafkas_serializers() {
        // FloatSerializer keeps a NaN's payload (floatToRawIntBits);
        // DoubleSerializer writes the canonical NaN (doubleToLongBits).
        let nan32 = f32::from_bits(0x7fc0_0001);
        let nan64 = f64::from_bits(0x7ff8_0000_0000_0001);
        let mut c = FloatConverter::configure(Config::new(), Target::Value).unwrap();
        let mut batch = batch_of(vec![(None, Value::Float32(nan32))]);
        c.from_connect(&mut batch).unwrap();
        assert_eq!(values(&batch), vec![Value::Bytes(vec![0x7f, 0xc0, 0, 1])]);
        let mut c = DoubleConverter::configure(Config::new(), Target::Value).unwrap();
        let mut batch = batch_of(vec![(None, Value::Float64(nan64))]);
        c.from_connect(&mut batch).unwrap();
        assert_eq!(
            values(&batch),
            vec![Value::Bytes(vec![0x7f, 0xf8, 0, 0, 0, 0, 0, 0])]
        );
        // Reading keeps whatever bits arrive (intBitsToFloat / longBitsToDouble).
        let mut batch = raw(&[Some(&[0x7f, 0xf8, 0, 0, 0, 0, 0, 1])]);
        c.to_connect(&mut batch).unwrap();
        let Value::Float64(v) = values(&batch)[0] else {
            panic!()
        };
        assert_eq!(v.to_bits(), 0x7ff8_0000_0000_0001);
    }

    #[test]
    fn null_is_null_with_the_optional_schema() {
        let mut c = ShortConverter::configure(Config::new(), Target::Value).unwrap();
        let mut batch = batch_of(vec![(
            Some(Arc::new(Schema::optional(SchemaType::Int16))),
            Value::Null,
        )]);
        c.from_connect(&mut batch).unwrap();
        let r = &batch.to_records().unwrap()[0];
        assert_eq!((&r.value_schema, &r.value), (&None, &Value::Null));
        c.to_connect(&mut batch).unwrap();
        let r = &batch.to_records().unwrap()[0];
        assert_eq!(
            r.value_schema.as_deref(),
            Some(&Schema::optional(SchemaType::Int16))
        );
        assert_eq!(r.value, Value::Null);
    }

    #[test]
    fn wrong_sizes_fail_with_kafkas_messages() {
        fn check<T: NumberType>(want: &str) {
            let mut c = NumberConverter::<T>::configure(Config::new(), Target::Value).unwrap();
            let mut batch = raw(&[Some(&[0; 8]), Some(&[0; 10])]);
            let err = c.to_connect(&mut batch).unwrap_err();
            assert_eq!(err.message, want);
            assert_eq!(err.kind, ErrorKind::Data);
            // The first record (8 bytes) is fine for long and double.
            assert_eq!(err.record, Some(if T::SIZE == 8 { 1 } else { 0 }));
        }
        check::<Short>(
            "Failed to deserialize short: Size of data received by ShortDeserializer is not 2",
        );
        check::<Integer>(
            "Failed to deserialize integer: Size of data received by IntegerDeserializer is not 4",
        );
        check::<Long>(
            "Failed to deserialize long: Size of data received by LongDeserializer is not 8",
        );
        check::<Float>(
            "Failed to deserialize float: Size of data received by Deserializer is not 4",
        );
        check::<Double>(
            "Failed to deserialize double: Size of data received by Deserializer is not 8",
        );

        // Headers too, blamed on their record.
        let mut c = IntegerConverter::configure(Config::new(), Target::Headers).unwrap();
        let mut ok = Record::new("t");
        ok.headers.push(Header {
            key: "h".into(),
            schema: None,
            value: Value::Bytes(vec![0; 4]),
        });
        let mut bad = Record::new("t");
        bad.headers.push(Header {
            key: "h".into(),
            schema: None,
            value: Value::Bytes(vec![0; 10]),
        });
        let mut batch = Batch::from_records(&[ok, bad]).unwrap();
        let err = c.to_connect(&mut batch).unwrap_err();
        assert_eq!(err.record, Some(1));
    }

    #[test]
    fn values_of_another_class_fail_like_apache() {
        let cases: Vec<(Option<Arc<Schema>>, Value, &str)> = vec![
            (None, "not a valid number".into(), "java.lang.String"),
            (
                Some(Arc::new(Schema::new(SchemaType::Int16))),
                Value::Int16(1),
                "java.lang.Short",
            ),
            (None, Value::Int64(1), "java.lang.Long"),
            (None, Value::Bytes(vec![1]), "[B"),
            (
                Some(Arc::new(Schema::new(SchemaType::Int32).named(DATE))),
                Value::Int32(1),
                "java.util.Date",
            ),
        ];
        for (schema, value, class) in cases {
            let mut c = IntegerConverter::configure(Config::new(), Target::Value).unwrap();
            let mut batch = batch_of(vec![(None, Value::Int32(7)), (schema, value)]);
            let err = c.from_connect(&mut batch).unwrap_err();
            assert_eq!(
                err.message,
                format!(
                    "Failed to serialize to integer (was class {class}): class {class} cannot be cast to class java.lang.Integer"
                )
            );
            assert_eq!((err.kind, err.record), (ErrorKind::Data, Some(1)));
        }
        // The schema is not looked at: an int64 schema on an int32 value
        // cannot occur, and a missing one is fine.
        let mut c = IntegerConverter::configure(Config::new(), Target::Value).unwrap();
        let mut batch = batch_of(vec![(None, Value::Int32(-1))]);
        c.from_connect(&mut batch).unwrap();
        assert_eq!(values(&batch), vec![Value::Bytes(vec![0xff; 4])]);
    }

    #[test]
    fn manifests_name_apaches_classes() {
        let registry = crate::Plugins::registry();
        for (name, alias) in [
            (
                "ShortConverter",
                "org.apache.kafka.connect.converters.ShortConverter",
            ),
            (
                "IntegerConverter",
                "org.apache.kafka.connect.converters.IntegerConverter",
            ),
            (
                "LongConverter",
                "org.apache.kafka.connect.converters.LongConverter",
            ),
            (
                "FloatConverter",
                "org.apache.kafka.connect.converters.FloatConverter",
            ),
            (
                "DoubleConverter",
                "org.apache.kafka.connect.converters.DoubleConverter",
            ),
        ] {
            let entry = registry
                .find_converter(&format!("wasmconnect.converters.{name}"))
                .unwrap();
            assert_eq!(entry.manifest.aliases, vec![alias.to_owned()]);
            assert!(entry.headers);
            assert!(entry.manifest.config.is_empty());
        }
    }
}
