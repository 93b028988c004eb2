//! `fromConnectData`: the exact bytes Apache's JsonConverter (with
//! Jackson) writes for the values of Apache's JsonConverterTest.

use std::sync::Arc;

use wasm_connect_plugin_json::JsonConverter;
use wasm_connect_sdk::prelude::*;

use crate::common::*;

#[test]
fn schema_metadata_translation() {
    let mut c = converter(&[]);
    assert_eq!(
        json(&mut c, Some(&s(SchemaType::Boolean)), Value::Boolean(true)),
        r#"{"schema":{"type":"boolean","optional":false},"payload":true}"#
    );
    assert_eq!(
        json(&mut c, Some(&opt(SchemaType::Boolean)), Value::Null),
        r#"{"schema":{"type":"boolean","optional":true},"payload":null}"#
    );
    let with_true = with_default(Schema::new(SchemaType::Boolean), Value::Boolean(true));
    assert_eq!(
        json(&mut c, Some(&with_true), Value::Boolean(true)),
        r#"{"schema":{"type":"boolean","optional":false,"default":true},"payload":true}"#
    );
    let mut meta = Schema::new(SchemaType::Boolean).named("bool");
    meta.version = Some(3);
    meta.doc = Some("the documentation".into());
    meta.parameters = vec![("foo".into(), "bar".into())];
    assert_eq!(
        json(&mut c, Some(&Arc::new(meta)), Value::Boolean(true)),
        r#"{"schema":{"type":"boolean","optional":false,"name":"bool","version":3,"doc":"the documentation","parameters":{"foo":"bar"}},"payload":true}"#
    );
}

#[test]
fn primitives_to_json() {
    let mut c = converter(&[]);
    let cases: &[(SchemaType, Value, &str, &str)] = &[
        (SchemaType::Boolean, Value::Boolean(true), "boolean", "true"),
        (SchemaType::Int8, Value::Int8(12), "int8", "12"),
        (SchemaType::Int16, Value::Int16(12), "int16", "12"),
        (SchemaType::Int32, Value::Int32(12), "int32", "12"),
        (
            SchemaType::Int64,
            Value::Int64(4398046511104),
            "int64",
            "4398046511104",
        ),
        (SchemaType::Float32, Value::Float32(12.34), "float", "12.34"),
        (
            SchemaType::Float64,
            Value::Float64(12.34),
            "double",
            "12.34",
        ),
        (
            SchemaType::String,
            str("test-string"),
            "string",
            "\"test-string\"",
        ),
        (
            SchemaType::Bytes,
            Value::Bytes(b"test-string".to_vec()),
            "bytes",
            "\"dGVzdC1zdHJpbmc=\"",
        ),
    ];
    for (t, value, name, payload) in cases {
        assert_eq!(
            json(&mut c, Some(&s(*t)), value.clone()),
            format!(r#"{{"schema":{{"type":"{name}","optional":false}},"payload":{payload}}}"#)
        );
    }
}

#[test]
fn floats_print_as_java_and_jackson_do() {
    let mut c = converter(&[("schemas.enable", "false")]);
    let doubles: &[(f64, &str)] = &[
        (1.0, "1.0"),
        (1e7, "1.0E7"),
        (0.001, "0.001"),
        (1e-4, "1.0E-4"),
        (-0.0, "-0.0"),
        (f64::NAN, "\"NaN\""),
        (f64::INFINITY, "\"Infinity\""),
        (f64::NEG_INFINITY, "\"-Infinity\""),
    ];
    for (v, want) in doubles {
        assert_eq!(
            json(&mut c, Some(&s(SchemaType::Float64)), Value::Float64(*v)),
            *want
        );
    }
    assert_eq!(json(&mut c, None, Value::Float32(1e10)), "1.0E10");
    assert_eq!(json(&mut c, None, Value::Float32(f32::NAN)), "\"NaN\"");
}

#[test]
fn containers_to_json() {
    let mut c = converter(&[]);
    let int32_array = Arc::new(Schema::array(s(SchemaType::Int32)));
    assert_eq!(
        json(
            &mut c,
            Some(&int32_array),
            Value::Array(vec![Value::Int32(1), Value::Int32(2), Value::Int32(3)])
        ),
        r#"{"schema":{"type":"array","items":{"type":"int32","optional":false},"optional":false},"payload":[1,2,3]}"#
    );
    let string_int = Arc::new(Schema::map(s(SchemaType::String), s(SchemaType::Int32)));
    assert_eq!(
        json(
            &mut c,
            Some(&string_int),
            map(vec![
                (str("key1"), Value::Int32(12)),
                (str("key2"), Value::Int32(15))
            ])
        ),
        r#"{"schema":{"type":"map","keys":{"type":"string","optional":false},"values":{"type":"int32","optional":false},"optional":false},"payload":{"key1":12,"key2":15}}"#
    );
    let int_int = Arc::new(Schema::map(s(SchemaType::Int32), s(SchemaType::Int32)));
    assert_eq!(
        json(
            &mut c,
            Some(&int_int),
            map(vec![
                (Value::Int32(1), Value::Int32(12)),
                (Value::Int32(2), Value::Int32(15))
            ])
        ),
        r#"{"schema":{"type":"map","keys":{"type":"int32","optional":false},"values":{"type":"int32","optional":false},"optional":false},"payload":[[1,12],[2,15]]}"#
    );
    let schema = structure(&[
        ("field1", s(SchemaType::Boolean)),
        ("field2", s(SchemaType::String)),
        ("field3", s(SchemaType::String)),
        ("field4", s(SchemaType::Boolean)),
    ]);
    let value = struct_value(
        &schema,
        vec![
            Value::Boolean(true),
            str("string2"),
            str("string3"),
            Value::Boolean(false),
        ],
    );
    assert_eq!(
        json(&mut c, Some(&schema), value),
        r#"{"schema":{"type":"struct","fields":[{"type":"boolean","optional":false,"field":"field1"},{"type":"string","optional":false,"field":"field2"},{"type":"string","optional":false,"field":"field3"},{"type":"boolean","optional":false,"field":"field4"}],"optional":false},"payload":{"field1":true,"field2":"string2","field3":"string3","field4":false}}"#
    );
}

#[test]
fn decimals_to_json() {
    let decimal = Arc::new(decimal_schema(2));
    let schema_json = r#"{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"}}"#;
    let mut c = converter(&[]);
    assert_eq!(
        json(&mut c, Some(&decimal), Value::Bytes(vec![0, 0x9C])),
        format!(r#"{{"schema":{schema_json},"payload":"AJw="}}"#)
    );
    let mut numeric = converter(&[("decimal.format", "NUMERIC")]);
    assert_eq!(
        json(&mut numeric, Some(&decimal), Value::Bytes(vec![0, 0x9C])),
        format!(r#"{{"schema":{schema_json},"payload":1.56}}"#)
    );
    let scale4 = Arc::new(decimal_schema(4));
    assert_eq!(
        json(&mut numeric, Some(&scale4), Value::Bytes(vec![0x3C, 0xF0])),
        r#"{"schema":{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"4"}},"payload":1.5600}"#
    );
}

#[test]
fn numeric_decimals_print_as_big_decimal_to_string() {
    let mut c = converter(&[("decimal.format", "numeric"), ("schemas.enable", "false")]);
    // (unscaled two's complement bytes, scale, BigDecimal.toString()).
    let cases: &[(&[u8], i32, &str)] = &[
        (&[1], -3, "1E+3"),
        (&[0x0A], -2, "1.0E+3"),
        (&[1], 5, "0.00001"),
        (&[1], 6, "0.000001"),
        (&[1], 7, "1E-7"),
        (&[0x0A], 7, "0.0000010"),
        (&[0], 3, "0.000"),
        (&[0], -2, "0E+2"),
        (&[0xFF], 7, "-1E-7"),
        (&[0xFF, 0x64], 2, "-1.56"),
        (&[0x30, 0x39], 0, "12345"),
        // A redundant sign byte changes nothing.
        (&[0, 0, 0x30, 0x39], 2, "123.45"),
    ];
    for (bytes, scale, want) in cases {
        let schema = Arc::new(decimal_schema(*scale));
        assert_eq!(
            json(&mut c, Some(&schema), Value::Bytes(bytes.to_vec())),
            *want,
            "{bytes:?} {scale}"
        );
    }
    // BASE64 writes the minimal two's complement, as BigInteger.toByteArray.
    let mut b64 = converter(&[("schemas.enable", "false")]);
    let schema = Arc::new(decimal_schema(2));
    assert_eq!(
        json(&mut b64, Some(&schema), Value::Bytes(vec![0, 0, 0x9C])),
        "\"AJw=\""
    );
}

#[test]
fn dates_times_and_timestamps_to_json() {
    let mut c = converter(&[]);
    assert_eq!(
        json(
            &mut c,
            Some(&Arc::new(logical(SchemaType::Int32, DATE))),
            Value::Int32(10000)
        ),
        r#"{"schema":{"type":"int32","optional":false,"name":"org.apache.kafka.connect.data.Date","version":1},"payload":10000}"#
    );
    assert_eq!(
        json(
            &mut c,
            Some(&Arc::new(logical(SchemaType::Int32, TIME))),
            Value::Int32(14400000)
        ),
        r#"{"schema":{"type":"int32","optional":false,"name":"org.apache.kafka.connect.data.Time","version":1},"payload":14400000}"#
    );
    assert_eq!(
        json(
            &mut c,
            Some(&Arc::new(logical(SchemaType::Int64, TIMESTAMP))),
            Value::Int64(4000000000)
        ),
        r#"{"schema":{"type":"int64","optional":false,"name":"org.apache.kafka.connect.data.Timestamp","version":1},"payload":4000000000}"#
    );
}

#[test]
fn null_schema_values_to_json() {
    let mut c = converter(&[]);
    assert_eq!(
        json(&mut c, None, Value::Boolean(true)),
        r#"{"schema":null,"payload":true}"#
    );
    assert_eq!(
        json(
            &mut c,
            None,
            Value::Array(vec![Value::Int32(1), str("string"), Value::Boolean(true)])
        ),
        r#"{"schema":null,"payload":[1,"string",true]}"#
    );
    assert_eq!(
        json(
            &mut c,
            None,
            map(vec![
                (str("key1"), Value::Int32(12)),
                (str("key2"), str("string")),
                (str("key3"), Value::Boolean(true))
            ])
        ),
        r#"{"schema":null,"payload":{"key1":12,"key2":"string","key3":true}}"#
    );
    assert_eq!(
        json(
            &mut c,
            None,
            map(vec![
                (str("string"), Value::Int32(12)),
                (Value::Int32(52), str("string")),
                (Value::Boolean(false), Value::Boolean(true))
            ])
        ),
        r#"{"schema":null,"payload":[["string",12],[52,"string"],[false,true]]}"#
    );
}

#[test]
fn tombstones_only_for_null_schema_and_null_value() {
    for enable in ["true", "false"] {
        let mut c = converter(&[("schemas.enable", enable)]);
        assert_eq!(from_connect(&mut c, None, &Value::Null).unwrap(), None);
    }
    // With a schema, Apache writes the null (or the default), never null bytes.
    let mut c = converter(&[("schemas.enable", "false")]);
    assert_eq!(
        json(&mut c, Some(&opt(SchemaType::String)), Value::Null),
        "null"
    );
    let mut c = converter(&[]);
    assert_eq!(
        json(&mut c, Some(&opt(SchemaType::String)), Value::Null),
        r#"{"schema":{"type":"string","optional":true},"payload":null}"#
    );
}

#[test]
fn no_schema_to_json() {
    let mut c = converter(&[("schemas.enable", "false")]);
    assert_eq!(json(&mut c, None, Value::Boolean(true)), "true");
    assert_eq!(
        json(&mut c, Some(&s(SchemaType::Int32)), Value::Int32(7)),
        "7"
    );
}

#[test]
fn schema_cache_counts_equal_schemas_once() {
    let mut c = converter(&[]);
    assert_eq!(c.from_connect_cache_size(), 0);
    json(&mut c, Some(&s(SchemaType::Boolean)), Value::Boolean(true));
    assert_eq!(c.from_connect_cache_size(), 1);
    // An equal schema, another object: the same entry.
    json(&mut c, Some(&s(SchemaType::Boolean)), Value::Boolean(true));
    assert_eq!(c.from_connect_cache_size(), 1);
    json(
        &mut c,
        Some(&opt(SchemaType::Boolean)),
        Value::Boolean(true),
    );
    assert_eq!(c.from_connect_cache_size(), 2);
}

#[test]
fn nulls_and_defaults_to_json() {
    let schema = with_default(Schema::optional(SchemaType::String), str("default"));
    let mut c = converter(&[("replace.null.with.default", "true")]);
    assert_eq!(
        json(&mut c, Some(&schema), Value::Null),
        r#"{"schema":{"type":"string","optional":true,"default":"default"},"payload":"default"}"#
    );
    let mut c = converter(&[("replace.null.with.default", "false")]);
    assert_eq!(
        json(&mut c, Some(&schema), Value::Null),
        r#"{"schema":{"type":"string","optional":true,"default":"default"},"payload":null}"#
    );
    let outer = structure(&[("field1", schema)]);
    let mut c = converter(&[("replace.null.with.default", "true")]);
    assert_eq!(
        json(
            &mut c,
            Some(&outer),
            struct_value(&outer, vec![Value::Null])
        ),
        r#"{"schema":{"type":"struct","fields":[{"type":"string","optional":true,"default":"default","field":"field1"}],"optional":false},"payload":{"field1":"default"}}"#
    );
    let mut c = converter(&[("replace.null.with.default", "false")]);
    assert_eq!(
        json(
            &mut c,
            Some(&outer),
            struct_value(&outer, vec![Value::Null])
        ),
        r#"{"schema":{"type":"struct","fields":[{"type":"string","optional":true,"default":"default","field":"field1"}],"optional":false},"payload":{"field1":null}}"#
    );
}

#[test]
fn header_converter_writes_envelopes() {
    let mut c = JsonConverter::configure(Config::new(), Target::Headers).unwrap();
    let mut record = Record::new("topic").with_value(None, str("untouched"));
    record.headers.push(Header {
        key: "headerName".into(),
        schema: Some(s(SchemaType::String)),
        value: str("test-string"),
    });
    record.headers.push(Header {
        key: "none".into(),
        schema: None,
        value: Value::Null,
    });
    let mut batch = Batch::from_records(&[record]).unwrap();
    c.from_connect(&mut batch).unwrap();
    let record = batch.to_records().unwrap().remove(0);
    assert_eq!(record.value, str("untouched"));
    assert_eq!(record.headers[0].schema, None);
    assert_eq!(
        record.headers[0].value,
        Value::Bytes(
            br#"{"schema":{"type":"string","optional":false},"payload":"test-string"}"#.to_vec()
        )
    );
    assert_eq!(record.headers[1].value, Value::Null);
}

#[test]
fn schema_keys_come_in_apaches_order() {
    // type, fields, optional, name, version, doc, parameters, default.
    let mut inner = Schema::new(SchemaType::Int64).named("n");
    inner.version = Some(1);
    inner.doc = Some("d".into());
    inner.parameters = vec![("b".into(), "2".into()), ("a".into(), "1".into())];
    inner.default = Some(Value::Int64(5));
    let mut outer = Schema::structure(vec![Field {
        name: "f".into(),
        schema: Arc::new(inner),
    }])
    .named("rec");
    outer.optional = true;
    outer.version = Some(7);
    let outer = Arc::new(outer);
    let mut c = converter(&[]);
    assert_eq!(
        json(
            &mut c,
            Some(&outer),
            struct_value(&outer, vec![Value::Int64(1)])
        ),
        r#"{"schema":{"type":"struct","fields":[{"type":"int64","optional":false,"name":"n","version":1,"doc":"d","parameters":{"b":"2","a":"1"},"default":5,"field":"f"}],"optional":true,"name":"rec","version":7},"payload":{"f":1}}"#
    );
}

#[test]
fn strings_are_escaped_as_jackson_does() {
    let mut c = converter(&[("schemas.enable", "false")]);
    assert_eq!(
        json(&mut c, None, str("q\" b\\ s/ \u{1} \t\n é \u{7f}")),
        "\"q\\\" b\\\\ s/ \\u0001 \\t\\n é \u{7f}\""
    );
    assert_eq!(
        json(&mut c, None, map(vec![(str("k\n"), Value::Null)])),
        "{\"k\\n\":null}"
    );
}
