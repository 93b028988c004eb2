//! The exact messages of the `DataException`s Apache's JsonConverter
//! throws, as data errors blamed on the record.

use std::sync::Arc;

use wasm_connect_plugin_json::{JsonConverter, NOT_AN_ENVELOPE, PARSE_FAILED};
use wasm_connect_sdk::prelude::*;

use crate::common::*;

#[test]
fn envelope_is_required_with_schemas_enabled() {
    let mut c = converter(&[]);
    for message in [
        "{ }",
        "{ \"wrong\": \"schema\" }",
        "{ \"schema\": { \"type\": \"string\" } }",
        "{ \"payload\": \"foo-bar-baz\" }",
        "{ \"schema\": { \"type\": \"string\" }, \"payload\": \"foo-bar-baz\", \"extra\": \"field\" }",
        "\"just a string\"",
        "",
        "null",
    ] {
        assert_eq!(read_err(&mut c, message), NOT_AN_ENVELOPE, "{message}");
    }
    assert!(NOT_AN_ENVELOPE.starts_with(
        "JsonConverter with schemas.enable requires \"schema\" and \"payload\" fields and may not contain additional fields."
    ));
    // A duplicate key does not make a third field (Jackson keeps the last).
    assert_eq!(
        read(&mut c, r#"{"schema":null,"payload":1,"payload":2}"#),
        (None, Value::Int64(2))
    );
}

#[test]
fn malformed_json_is_a_serialization_error() {
    let mut c = converter(&[("schemas.enable", "false")]);
    for message in [
        "{",
        "[1,]",
        "{\"a\" 1}",
        "tru",
        "nul",
        "'a'",
        "{a:1}",
        "[1 2]",
        "-",
        "1.",
        "1e",
        "+1",
        ".5",
        "NaN",
        "\"\\x\"",
        "\"a\nb\"",
        "\"\u{1}\"",
        "12}",
        "0x10",
    ] {
        let e = read_err(&mut c, message);
        assert!(e.starts_with(PARSE_FAILED), "{message}: {e}");
        assert!(e.len() > PARSE_FAILED.len(), "{message}: the cause follows");
    }
    assert_eq!(
        PARSE_FAILED,
        "Converting byte[] to Kafka Connect data failed due to serialization error: "
    );
    let e = read_err(&mut c, "{\"a\":tru}");
    assert!(e.contains("Unrecognized token 'tru'"), "{e}");
    let e = read_err(&mut c, "[1,2");
    assert!(
        e.contains("Unexpected end-of-input: expected close marker for Array"),
        "{e}"
    );
    let invalid_utf8 = to_connect_raw(&mut c, Some(b"\"\xff\"")).unwrap_err();
    assert!(invalid_utf8.message.starts_with(PARSE_FAILED));
}

#[test]
fn value_errors_while_reading() {
    let mut c = converter(&[]);
    let cases: &[(&str, &str, &str)] = &[
        (
            r#"{"type":"int32"}"#,
            "null",
            "Invalid null value for required INT32 field",
        ),
        (
            r#"{"type":"struct","fields":[]}"#,
            "[1]",
            "Structs should be encoded as JSON objects, but found ARRAY",
        ),
        (
            r#"{"type":"map","keys":{"type":"string"},"values":{"type":"int32"}}"#,
            "[]",
            "Maps with string fields should be encoded as JSON objects, but found ARRAY",
        ),
        (
            r#"{"type":"map","keys":{"type":"int32"},"values":{"type":"int32"}}"#,
            "{}",
            "Maps with non-string fields should be encoded as JSON array of tuples, but found OBJECT",
        ),
        (
            r#"{"type":"map","keys":{"type":"int32"},"values":{"type":"int32"}}"#,
            "[1]",
            "Found invalid map entry instead of array tuple: NUMBER",
        ),
        (
            r#"{"type":"map","keys":{"type":"int32"},"values":{"type":"int32"}}"#,
            "[[1,2,3]]",
            "Found invalid map entry, expected length 2 but found :3",
        ),
        (
            r#"{"type":"bytes"}"#,
            "\"not base64!\"",
            "Invalid bytes field",
        ),
        (
            r#"{"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"2"}}"#,
            "\"@@@@\"",
            "Invalid bytes for Decimal field",
        ),
        (
            r#"{"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"2"}}"#,
            "\"\"",
            "Invalid bytes for Decimal field",
        ),
        (
            r#"{"type":"bytes","name":"org.apache.kafka.connect.data.Decimal"}"#,
            "\"AJw=\"",
            "Invalid bytes for Decimal field",
        ),
        (
            r#"{"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"2"}}"#,
            "true",
            "Invalid type for Decimal, underlying representation should be numeric or bytes but was BOOLEAN",
        ),
        (
            r#"{"type":"int32","name":"org.apache.kafka.connect.data.Date"}"#,
            "3000000000",
            "Invalid type for Date, underlying representation should be integer but was NUMBER",
        ),
        (
            r#"{"type":"int32","name":"org.apache.kafka.connect.data.Time"}"#,
            "\"noon\"",
            "Invalid type for Time, underlying representation should be integer but was STRING",
        ),
        (
            r#"{"type":"int32","name":"org.apache.kafka.connect.data.Time"}"#,
            "86400001",
            "Time values must use number of milliseconds greater than 0 and less than 86400000",
        ),
        (
            r#"{"type":"int64","name":"org.apache.kafka.connect.data.Timestamp"}"#,
            "1.5",
            "Invalid type for Timestamp, underlying representation should be integral but was NUMBER",
        ),
        (
            r#"{"type":"struct","fields":[{"field":"f","type":"string"}]}"#,
            r#"{"f":12}"#,
            "Invalid value: null used for required field: \"f\", schema type: STRING",
        ),
        (
            r#"{"type":"struct","fields":[{"field":"f","type":"array","items":{"type":"string"}}]}"#,
            r#"{"f":["a",1]}"#,
            "Invalid value: null used for required element of array field: \"f\", schema type: STRING",
        ),
        (
            r#"{"type":"struct","fields":[{"field":"f","type":"map","keys":{"type":"string"},"values":{"type":"array","items":{"type":"bytes"}}}]}"#,
            r#"{"f":{"k":[true]}}"#,
            "Invalid value: null used for required element of array value of map field: \"f\", schema type: BYTES",
        ),
    ];
    for (schema, payload, want) in cases {
        let message = format!(r#"{{"schema":{schema},"payload":{payload}}}"#);
        assert_eq!(read_err(&mut c, &message), *want, "{message}");
    }
}

#[test]
fn schema_errors_while_reading() {
    let mut c = converter(&[]);
    let cases: &[(&str, &str)] = &[
        ("{}", "Schema must contain 'type' field"),
        (r#"{"type":7}"#, "Schema must contain 'type' field"),
        ("\"string\"", "Schema must contain 'type' field"),
        (r#"{"type":"uuid"}"#, "Unknown schema type: uuid"),
        (
            r#"{"type":"array"}"#,
            "Array schema did not specify the element type",
        ),
        (
            r#"{"type":"array","items":null}"#,
            "Array schema did not specify the element type",
        ),
        (
            r#"{"type":"map","values":{"type":"string"}}"#,
            "Map schema did not specify the key type",
        ),
        (
            r#"{"type":"map","keys":{"type":"string"}}"#,
            "Map schema did not specify the value type",
        ),
        (
            r#"{"type":"map","keys":null,"values":{"type":"string"}}"#,
            "keySchema cannot be null.",
        ),
        (
            r#"{"type":"struct"}"#,
            "Struct schema's \"fields\" argument is not an array.",
        ),
        (
            r#"{"type":"struct","fields":[{"type":"string"}]}"#,
            "Struct schema's field name not specified properly",
        ),
        (
            r#"{"type":"struct","fields":[{"type":"string","field":""}]}"#,
            "fieldName cannot be null.",
        ),
        (
            r#"{"type":"struct","fields":[{"type":"string","field":"a"},{"type":"int32","field":"a"}]}"#,
            "Cannot create field because of field name duplication a",
        ),
        (
            r#"{"type":"string","parameters":{"a":1}}"#,
            "Schema parameters must have string values.",
        ),
        (
            r#"{"type":"string","default":null}"#,
            "Invalid null value for required STRING field",
        ),
        (r#"{"type":"string","default":5}"#, "Invalid default value"),
        (
            r#"{"type":"struct","fields":[{"type":"int32","field":"a"}],"default":{"a":1}}"#,
            "Invalid default value",
        ),
    ];
    for (schema, want) in cases {
        let message = format!(r#"{{"schema":{schema},"payload":null}}"#);
        assert_eq!(read_err(&mut c, &message), *want, "{message}");
    }
    // An optional schema with a null default simply has no default.
    let (schema, _) = read(
        &mut c,
        r#"{"schema":{"type":"string","optional":true,"default":null},"payload":null}"#,
    );
    assert_eq!(schema, Some(opt(SchemaType::String)));
}

#[test]
fn value_errors_while_writing() {
    let mut c = converter(&[]);
    assert_eq!(
        write_err(&mut c, Some(&s(SchemaType::Float64)), Value::Boolean(true)),
        "Invalid type for FLOAT64: class java.lang.Boolean"
    );
    assert_eq!(
        write_err(&mut c, Some(&s(SchemaType::Int64)), Value::Int32(1)),
        "Invalid type for INT64: class java.lang.Integer"
    );
    assert_eq!(
        write_err(&mut c, Some(&s(SchemaType::Bytes)), str("x")),
        "Invalid type for bytes type: class java.lang.String"
    );
    assert_eq!(
        write_err(&mut c, Some(&s(SchemaType::String)), Value::Null),
        "Conversion error: null value for field that is required and has no default value"
    );
    let decimal = Arc::new(decimal_schema(2));
    assert_eq!(
        write_err(&mut c, Some(&decimal), Value::Float64(1.5)),
        "Invalid type for Decimal, expected BigDecimal but was class java.lang.Double"
    );
    let mut no_scale = decimal_schema(2);
    no_scale.parameters.clear();
    assert_eq!(
        write_err(&mut c, Some(&Arc::new(no_scale)), Value::Bytes(vec![1])),
        "Invalid Decimal schema: scale parameter not found."
    );
    let mut bad_scale = decimal_schema(2);
    bad_scale.parameters = vec![("scale".into(), "two".into())];
    assert_eq!(
        write_err(&mut c, Some(&Arc::new(bad_scale)), Value::Bytes(vec![1])),
        "Invalid scale parameter found in Decimal schema: "
    );
    let date = Arc::new(logical(SchemaType::Int32, DATE));
    assert_eq!(
        write_err(&mut c, Some(&date), str("2024-01-01")),
        "Invalid type for Date, expected Date but was class java.lang.String"
    );
    let time = Arc::new(logical(SchemaType::Int32, TIME));
    assert_eq!(
        write_err(&mut c, Some(&time), Value::Int32(-1)),
        "Kafka Connect Time type should not have any date fields set to non-zero values."
    );
    let inner = structure(&[("a", s(SchemaType::Int32))]);
    assert_eq!(
        write_err(&mut c, None, struct_value(&inner, vec![Value::Int32(1)])),
        "Mismatching schema."
    );
    // With replace.null.with.default=false a required field's default is
    // not used.
    let required = with_default(Schema::new(SchemaType::String), str("d"));
    let mut keep_null = converter(&[("replace.null.with.default", "false")]);
    assert_eq!(
        write_err(&mut keep_null, Some(&required), Value::Null),
        "Conversion error: null value for field that is required and has no default value"
    );
}

#[test]
fn errors_name_the_record() {
    let mut c = converter(&[("schemas.enable", "false")]);
    let records: Vec<Record> = ["1", "[", "2"]
        .iter()
        .map(|m| Record::new("t").with_value(None, Value::Bytes(m.as_bytes().to_vec())))
        .collect();
    let mut batch = Batch::from_records(&records).unwrap();
    let e = c.to_connect(&mut batch).unwrap_err();
    assert_eq!((e.kind, e.record), (ErrorKind::Data, Some(1)));
}

#[test]
fn bad_configuration_is_a_config_error() {
    let e = JsonConverter::configure(
        [("schemas.enable", "maybe")].into_iter().collect(),
        Target::Value,
    )
    .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Config);
    let e = JsonConverter::configure(
        [("schema.content", "{\"type\":\"nope\"}")]
            .into_iter()
            .collect(),
        Target::Value,
    )
    .unwrap_err();
    assert_eq!(
        (e.kind, e.message.as_str()),
        (ErrorKind::Config, "Unknown schema type: nope")
    );
    let e = JsonConverter::configure(
        [("schema.content", "{\"type\":")].into_iter().collect(),
        Target::Value,
    )
    .unwrap_err();
    assert!(
        e.message.starts_with("Provided schema is invalid"),
        "{}",
        e.message
    );
}
