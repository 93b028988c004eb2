//! Corners of Apache's behaviour that come from Jackson: lenient
//! accessors, duplicate keys, what the reader accepts, encodings.

use std::sync::Arc;

use wasm_connect_plugin_json::JsonConverter;
use wasm_connect_sdk::layout::Part;
use wasm_connect_sdk::prelude::*;

use crate::common::*;

fn payload(c: &mut JsonConverter, schema: &str, payload: &str) -> Value {
    read(c, &format!(r#"{{"schema":{schema},"payload":{payload}}}"#)).1
}

#[test]
fn jackson_accessors_never_fail() {
    let mut c = converter(&[]);
    // intValue()/longValue() of non-numbers are 0; numbers are truncated
    // and keep their low bits.
    let cases: &[(&str, &str, Value)] = &[
        (r#"{"type":"int32"}"#, "\"12\"", Value::Int32(0)),
        (r#"{"type":"int32"}"#, "true", Value::Int32(0)),
        (r#"{"type":"int32"}"#, "[1]", Value::Int32(0)),
        (r#"{"type":"int32"}"#, "12.9", Value::Int32(12)),
        (r#"{"type":"int32"}"#, "-12.9", Value::Int32(-12)),
        (r#"{"type":"int32"}"#, "1e2", Value::Int32(100)),
        (r#"{"type":"int32"}"#, "4294967297", Value::Int32(1)),
        (r#"{"type":"int8"}"#, "300", Value::Int8(44)),
        (r#"{"type":"int16"}"#, "65537", Value::Int16(1)),
        (
            r#"{"type":"int64"}"#,
            "18446744073709551621",
            Value::Int64(5),
        ),
        (
            r#"{"type":"int64"}"#,
            "-9223372036854775809",
            Value::Int64(i64::MAX),
        ),
        (r#"{"type":"int64"}"#, "1e100", Value::Int64(0)),
        (r#"{"type":"double"}"#, "\"1.5\"", Value::Float64(0.0)),
        (r#"{"type":"double"}"#, "-0.0", Value::Float64(0.0)),
        (
            r#"{"type":"double"}"#,
            "1e400",
            Value::Float64(f64::INFINITY),
        ),
        (r#"{"type":"double"}"#, "12", Value::Float64(12.0)),
        (
            r#"{"type":"float"}"#,
            "16777217",
            Value::Float32(16777216.0),
        ),
        (r#"{"type":"boolean"}"#, "1", Value::Boolean(false)),
        (r#"{"type":"boolean"}"#, "\"true\"", Value::Boolean(false)),
        // textValue()/binaryValue() of non-strings are null, kept at the
        // top level (Apache validates only inside structs).
        (r#"{"type":"string"}"#, "12", Value::Null),
        (r#"{"type":"bytes"}"#, "{}", Value::Null),
        // An ARRAY over an object iterates its values; over a scalar, nothing.
        (
            r#"{"type":"array","items":{"type":"int32"}}"#,
            r#"{"a":1,"b":2}"#,
            Value::Array(vec![Value::Int32(1), Value::Int32(2)]),
        ),
        (
            r#"{"type":"array","items":{"type":"int32"}}"#,
            "5",
            Value::Array(vec![]),
        ),
    ];
    for (schema, p, want) in cases {
        assert_eq!(payload(&mut c, schema, p), *want, "{schema} {p}");
    }
}

#[test]
fn schemaless_numbers_are_longs_and_doubles() {
    let mut c = converter(&[("schemas.enable", "false")]);
    assert_eq!(read(&mut c, "2147483648").1, Value::Int64(2147483648));
    assert_eq!(read(&mut c, "18446744073709551616").1, Value::Int64(0));
    assert_eq!(read(&mut c, "1.0").1, Value::Float64(1.0));
    assert_eq!(read(&mut c, "1e2").1, Value::Float64(100.0));
    assert_eq!(read(&mut c, "-0.0").1, Value::Float64(0.0));
    assert_eq!(read(&mut c, "-0").1, Value::Int64(0));
    assert_eq!(read(&mut c, "0.1").1, Value::Float64(0.1));
}

#[test]
fn duplicate_keys_keep_first_position_and_last_value() {
    let mut c = converter(&[("schemas.enable", "false")]);
    assert_eq!(
        read(&mut c, r#"{"a":1,"b":2,"a":3}"#).1,
        map(vec![
            (str("a"), Value::Int64(3)),
            (str("b"), Value::Int64(2))
        ])
    );
    let mut c = converter(&[]);
    assert_eq!(
        payload(
            &mut c,
            r#"{"type":"struct","fields":[{"field":"a","type":"int32"}]}"#,
            r#"{"a":1,"a":2}"#
        ),
        struct_value(
            &structure(&[("a", s(SchemaType::Int32))]),
            vec![Value::Int32(2)]
        )
    );
    // Maps with non-string keys are HashMaps too.
    assert_eq!(
        payload(
            &mut c,
            r#"{"type":"map","keys":{"type":"int32"},"values":{"type":"string"}}"#,
            r#"[[1,"a"],[2,"b"],[1,"c"]]"#
        ),
        map(vec![
            (Value::Int32(1), str("c")),
            (Value::Int32(2), str("b"))
        ])
    );
    // Writing: a null key and the key "null" are one JSON key.
    let schema = Arc::new(Schema::map(opt(SchemaType::String), s(SchemaType::Int32)));
    let mut w = converter(&[("schemas.enable", "false")]);
    assert_eq!(
        json(
            &mut w,
            Some(&schema),
            map(vec![
                (Value::Null, Value::Int32(1)),
                (str("x"), Value::Int32(2)),
                (str("null"), Value::Int32(3))
            ])
        ),
        r#"{"null":3,"x":2}"#
    );
}

#[test]
fn what_the_reader_accepts() {
    let mut c = converter(&[("schemas.enable", "false")]);
    // Anything after the first value is ignored, as by readTree...
    assert_eq!(read(&mut c, "true false").1, Value::Boolean(true));
    assert_eq!(read(&mut c, "{} ]]").1, map(vec![]));
    assert_eq!(read(&mut c, "12 }").1, Value::Int64(12));
    // ...but a root-level number must be followed by white space.
    assert!(to_connect(&mut c, "12}").is_err());
    // A byte order mark is skipped; UTF-16 is detected.
    assert_eq!(
        to_connect_raw(&mut c, Some(b"\xEF\xBB\xBF\"x\""))
            .unwrap()
            .1,
        str("x")
    );
    let utf16: Vec<u8> = "{\"k\":\"é\"}"
        .encode_utf16()
        .flat_map(u16::to_be_bytes)
        .collect();
    assert_eq!(
        to_connect_raw(&mut c, Some(&utf16)).unwrap().1,
        map(vec![(str("k"), str("é"))])
    );
    // Escapes, including surrogate pairs; a lone surrogate becomes '?',
    // which is what Java writes for it.
    assert_eq!(
        read(&mut c, r#""a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00\ud800x""#).1,
        str("a\"\\/\u{8}\u{c}\n\r\té😀?x")
    );
    assert_eq!(
        read(&mut c, r#"{"k\u0041":1}"#).1,
        map(vec![(str("kA"), Value::Int64(1))])
    );
}

#[test]
fn deep_values_stop_at_the_batch_limit() {
    let mut c = converter(&[("schemas.enable", "false")]);
    let ok = format!("{}{}", "[".repeat(60), "]".repeat(60));
    assert!(to_connect(&mut c, &ok).is_ok());
    let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
    let e = to_connect(&mut c, &deep).unwrap_err();
    assert!(e.message.contains("deeper than"), "{}", e.message);
    let too_deep = format!("{}{}", "[".repeat(1001), "]".repeat(1001));
    let e = to_connect(&mut c, &too_deep).unwrap_err();
    assert!(e.message.contains("nesting depth (1001)"), "{}", e.message);
}

#[test]
fn logical_values_need_their_base_type() {
    let mut c = converter(&[]);
    // Apache would hold a java.util.Date under a STRING schema; a batch
    // cannot, so this is refused with an explanation.
    let e = read_err(
        &mut c,
        r#"{"schema":{"type":"string","name":"org.apache.kafka.connect.data.Date"},"payload":5}"#,
    );
    assert!(e.contains("cannot be carried"), "{e}");
    // A numeric Decimal is rescaled to the schema's scale when exact.
    let e = read_err(
        &mut c,
        r#"{"schema":{"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"1"}},"payload":1.25}"#,
    );
    assert!(e.contains("cannot be represented exactly"), "{e}");
    assert_eq!(
        payload(
            &mut c,
            r#"{"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"3"}}"#,
            "-2"
        ),
        Value::Bytes(vec![0xF8, 0x30])
    );
}

#[test]
fn schema_content_replaces_message_schemas() {
    let schema = r#"{"type":"struct","fields":[{"field":"id","type":"int64"},{"field":"name","type":"string","optional":true}]}"#;
    let mut c = converter(&[("schema.content", schema)]);
    let want = structure(&[
        ("id", s(SchemaType::Int64)),
        ("name", opt(SchemaType::String)),
    ]);
    let (got_schema, value) = read(&mut c, r#"{"id":7}"#);
    assert_eq!(got_schema.as_deref(), Some(&*want));
    assert_eq!(
        value,
        struct_value(&want, vec![Value::Int64(7), Value::Null])
    );
    // An envelope's payload is used and its schema ignored.
    let (_, value) = read(
        &mut c,
        r#"{"schema":{"type":"string"},"payload":{"id":8,"name":"x"}}"#,
    );
    assert_eq!(value, struct_value(&want, vec![Value::Int64(8), str("x")]));
    assert_eq!(to_connect_raw(&mut c, None).unwrap(), (None, Value::Null));
    // Writing is not affected.
    let mut w = converter(&[("schema.content", schema)]);
    assert_eq!(
        json(&mut w, None, Value::Int32(1)),
        r#"{"schema":null,"payload":1}"#
    );
    // Ignored when schemas are disabled.
    let mut off = converter(&[("schema.content", schema), ("schemas.enable", "false")]);
    assert_eq!(read(&mut off, "5"), (None, Value::Int64(5)));
}

#[test]
fn batches_share_one_schema_and_strings_are_not_copied() {
    let mut c = converter(&[]);
    let message = r#"{"schema":{"type":"struct","fields":[{"field":"name","type":"string"}]},"payload":{"name":"ann"}}"#;
    let records: Vec<Record> = (0..50)
        .map(|_| Record::new("t").with_value(None, Value::Bytes(message.as_bytes().to_vec())))
        .collect();
    let mut batch = Batch::from_records(&records).unwrap();
    let data_before = batch.data().len();
    c.to_connect(&mut batch).unwrap();
    batch.validate().unwrap();
    // One struct schema and its field's schema, for all fifty records.
    assert_eq!(batch.schemas.len(), 2);
    // Unescaped strings refer to the message bytes already in the batch.
    assert_eq!(batch.data().len(), data_before);
    let (schema, value) = batch
        .part_value(49, Part::Value, &batch.resolve_schemas().unwrap())
        .unwrap();
    let want = structure(&[("name", s(SchemaType::String))]);
    assert_eq!(schema.as_deref(), Some(&*want));
    assert_eq!(value, struct_value(&want, vec![str("ann")]));
    assert_eq!(c.to_connect_cache_size(), 1);
}

#[test]
fn keys_are_converted_alone() {
    let mut c = JsonConverter::configure(Config::new(), Target::Key).unwrap();
    let record = Record::new("t")
        .with_key(Some(s(SchemaType::Int32)), Value::Int32(5))
        .with_value(None, str("v"));
    let mut batch = Batch::from_records(&[record]).unwrap();
    c.from_connect(&mut batch).unwrap();
    let r = batch.to_records().unwrap().remove(0);
    assert_eq!(
        r.key,
        Value::Bytes(br#"{"schema":{"type":"int32","optional":false},"payload":5}"#.to_vec())
    );
    assert_eq!(r.value, str("v"));
    c.to_connect(&mut batch).unwrap();
    let r = batch.to_records().unwrap().remove(0);
    assert_eq!(
        (r.key_schema, r.key),
        (Some(s(SchemaType::Int32)), Value::Int32(5))
    );
}

#[test]
fn batches_as_the_host_sends_them() {
    use wasm_connect_sdk::layout::{Node, RECORD_SIZE, RecordDesc};
    // One record whose value is the text at bytes 0..5, in data the host
    // already has (the plugin returns only what it appends).
    let desc = RecordDesc {
        value: Node::string(0, 5),
        ..RecordDesc::default()
    };
    let mut records = vec![0u8; RECORD_SIZE];
    if let Ok(slot) = <&mut [u8; RECORD_SIZE]>::try_from(&mut records[..]) {
        desc.write(slot);
    }
    let mut batch = Batch::from_parts(
        b"hello".to_vec(),
        0,
        records,
        Vec::new(),
        Vec::new(),
        vec!["t".into()],
        Vec::new(),
        Vec::new(),
    );
    batch.share_all();
    let mut c = converter(&[]);
    c.from_connect(&mut batch).unwrap();
    let (base, tail) = batch.take_unshared_data();
    assert_eq!(base, 5);
    assert_eq!(
        String::from_utf8(tail).unwrap(),
        r#"{"schema":null,"payload":"hello"}"#
    );
}
