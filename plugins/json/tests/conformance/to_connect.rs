//! `toConnectData`: Apache's JsonConverterTest inputs and expectations.

use std::sync::Arc;

use wasm_connect_sdk::prelude::*;

use crate::common::*;

fn env(schema: &str, payload: &str) -> String {
    format!("{{ \"schema\": {schema}, \"payload\": {payload} }}")
}

#[test]
fn connect_schema_metadata_translation() {
    let mut c = converter(&[]);
    assert_eq!(
        read(&mut c, &env(r#"{ "type": "boolean" }"#, "true")),
        (Some(s(SchemaType::Boolean)), Value::Boolean(true))
    );
    assert_eq!(
        read(
            &mut c,
            &env(r#"{ "type": "boolean", "optional": true }"#, "null")
        ),
        (Some(opt(SchemaType::Boolean)), Value::Null)
    );
    assert_eq!(
        read(
            &mut c,
            &env(r#"{ "type": "boolean", "default": true }"#, "null")
        ),
        (
            Some(with_default(
                Schema::new(SchemaType::Boolean),
                Value::Boolean(true)
            )),
            Value::Boolean(true)
        )
    );
    let (schema, value) = read(
        &mut c,
        &env(
            r#"{ "type": "boolean", "optional": false, "name": "bool", "version": 2, "doc": "the documentation", "parameters": { "foo": "bar" }}"#,
            "true",
        ),
    );
    let mut want = Schema::new(SchemaType::Boolean).named("bool");
    want.version = Some(2);
    want.doc = Some("the documentation".into());
    want.parameters = vec![("foo".into(), "bar".into())];
    assert_eq!(schema.as_deref(), Some(&want));
    assert_eq!(value, Value::Boolean(true));
}

#[test]
fn primitives_to_connect() {
    let mut c = converter(&[]);
    let cases: &[(&str, &str, SchemaType, Value)] = &[
        ("boolean", "true", SchemaType::Boolean, Value::Boolean(true)),
        (
            "boolean",
            "false",
            SchemaType::Boolean,
            Value::Boolean(false),
        ),
        ("int8", "12", SchemaType::Int8, Value::Int8(12)),
        ("int16", "12", SchemaType::Int16, Value::Int16(12)),
        ("int32", "12", SchemaType::Int32, Value::Int32(12)),
        ("int64", "12", SchemaType::Int64, Value::Int64(12)),
        (
            "int64",
            "4398046511104",
            SchemaType::Int64,
            Value::Int64(4398046511104),
        ),
        ("float", "12.34", SchemaType::Float32, Value::Float32(12.34)),
        (
            "double",
            "12.34",
            SchemaType::Float64,
            Value::Float64(12.34),
        ),
        (
            "string",
            "\"foo-bar-baz\"",
            SchemaType::String,
            str("foo-bar-baz"),
        ),
        (
            "bytes",
            "\"dGVzdC1zdHJpbmc=\"",
            SchemaType::Bytes,
            Value::Bytes(b"test-string".to_vec()),
        ),
    ];
    for (t, payload, schema_type, want) in cases {
        let message = env(&format!("{{ \"type\": \"{t}\" }}"), payload);
        assert_eq!(
            read(&mut c, &message),
            (Some(s(*schema_type)), want.clone()),
            "{message}"
        );
    }
}

#[test]
fn numbers_with_leading_zeros_to_connect() {
    let mut c = converter(&[]);
    let cases: &[(&str, &str, Value)] = &[
        ("int8", "0012", Value::Int8(12)),
        ("int16", "000123", Value::Int16(123)),
        ("int32", "000012345", Value::Int32(12345)),
        ("int64", "00000123456789", Value::Int64(123456789)),
    ];
    for (t, payload, want) in cases {
        let (_, value) = read(&mut c, &env(&format!("{{ \"type\": \"{t}\" }}"), payload));
        assert_eq!(value, *want);
    }
}

#[test]
fn array_map_and_struct_to_connect() {
    let mut c = converter(&[]);
    let (schema, value) = read(
        &mut c,
        &env(
            r#"{ "type": "array", "items": { "type" : "int32" } }"#,
            "[1, 2, 3]",
        ),
    );
    assert_eq!(
        schema.as_deref(),
        Some(&Schema::array(s(SchemaType::Int32)))
    );
    assert_eq!(
        value,
        Value::Array(vec![Value::Int32(1), Value::Int32(2), Value::Int32(3)])
    );

    let (schema, value) = read(
        &mut c,
        &env(
            r#"{ "type": "map", "keys": { "type" : "string" }, "values": { "type" : "int32" } }"#,
            r#"{ "key1": 12, "key2": 15}"#,
        ),
    );
    assert_eq!(
        schema.as_deref(),
        Some(&Schema::map(s(SchemaType::String), s(SchemaType::Int32)))
    );
    assert_eq!(
        value,
        map(vec![
            (str("key1"), Value::Int32(12)),
            (str("key2"), Value::Int32(15))
        ])
    );

    let (schema, value) = read(
        &mut c,
        &env(
            r#"{ "type": "map", "keys": { "type" : "int32" }, "values": { "type" : "int32" } }"#,
            "[ [1, 12], [2, 15] ]",
        ),
    );
    assert_eq!(
        schema.as_deref(),
        Some(&Schema::map(s(SchemaType::Int32), s(SchemaType::Int32)))
    );
    assert_eq!(
        value,
        map(vec![
            (Value::Int32(1), Value::Int32(12)),
            (Value::Int32(2), Value::Int32(15))
        ])
    );

    let (schema, value) = read(
        &mut c,
        &env(
            r#"{ "type": "struct", "fields": [{ "field": "field1", "type": "boolean" }, { "field": "field2", "type": "string" }] }"#,
            r#"{ "field1": true, "field2": "string" }"#,
        ),
    );
    let want = structure(&[
        ("field1", s(SchemaType::Boolean)),
        ("field2", s(SchemaType::String)),
    ]);
    assert_eq!(schema.as_deref(), Some(&*want));
    assert_eq!(
        value,
        struct_value(&want, vec![Value::Boolean(true), str("string")])
    );

    let (schema, value) = read(
        &mut c,
        &env(
            r#"{ "type": "struct", "fields": [{ "field":"optional", "type": "string", "optional": true }, {  "field": "required", "type": "string" }] }"#,
            r#"{ "required": "required" }"#,
        ),
    );
    let want = structure(&[
        ("optional", opt(SchemaType::String)),
        ("required", s(SchemaType::String)),
    ]);
    assert_eq!(schema.as_deref(), Some(&*want));
    assert_eq!(
        value,
        struct_value(&want, vec![Value::Null, str("required")])
    );
}

#[test]
fn null_and_empty_messages() {
    let mut c = converter(&[]);
    assert_eq!(to_connect_raw(&mut c, None).unwrap(), (None, Value::Null));
    let mut schemaless = converter(&[("schemas.enable", "false")]);
    assert_eq!(
        to_connect_raw(&mut schemaless, Some(b"")).unwrap(),
        (None, Value::Null)
    );
    assert_eq!(
        to_connect_raw(&mut schemaless, Some(b" \n ")).unwrap(),
        (None, Value::Null)
    );
    assert_eq!(
        to_connect_raw(&mut schemaless, None).unwrap(),
        (None, Value::Null)
    );
    assert_eq!(
        read(&mut schemaless, r#"{ "a": "", "b": null}"#),
        (
            None,
            map(vec![(str("a"), str("")), (str("b"), Value::Null)])
        )
    );
    assert_eq!(read(&mut schemaless, "true"), (None, Value::Boolean(true)));
}

#[test]
fn null_schema_primitives_to_connect() {
    let mut c = converter(&[]);
    let cases: &[(&str, Value)] = &[
        ("null", Value::Null),
        ("true", Value::Boolean(true)),
        ("12", Value::Int64(12)),
        ("12.24", Value::Float64(12.24)),
        ("\"a string\"", str("a string")),
        (
            "[1, \"2\", 3]",
            Value::Array(vec![Value::Int64(1), str("2"), Value::Int64(3)]),
        ),
        (
            "{ \"field1\": 1, \"field2\": 2}",
            map(vec![
                (str("field1"), Value::Int64(1)),
                (str("field2"), Value::Int64(2)),
            ]),
        ),
    ];
    for (payload, want) in cases {
        assert_eq!(
            read(&mut c, &env("null", payload)),
            (None, want.clone()),
            "{payload}"
        );
    }
}

#[test]
fn decimals_to_connect() {
    let mut c = converter(&[]);
    let decimal = r#"{ "type": "bytes", "name": "org.apache.kafka.connect.data.Decimal", "version": 1, "parameters": { "scale": "2" } }"#;
    // Base64 of byte[]{0, -100}: 156 at scale 2, i.e. 1.56.
    assert_eq!(
        read(&mut c, &env(decimal, "\"AJw=\"")),
        (
            Some(Arc::new(decimal_schema(2))),
            Value::Bytes(vec![0, 0x9C])
        )
    );
    // NUMERIC payloads are read too, at the schema's scale.
    assert_eq!(
        read(&mut c, &env(decimal, "1.56")).1,
        Value::Bytes(vec![0, 0x9C])
    );
    let scale4 = r#"{ "type": "bytes", "name": "org.apache.kafka.connect.data.Decimal", "version": 1, "parameters": { "scale": "4" } }"#;
    assert_eq!(
        read(&mut c, &env(scale4, "1.5600")),
        (
            Some(Arc::new(decimal_schema(4))),
            Value::Bytes(vec![0x3C, 0xF0])
        )
    );
    // Too precise for a double: kept exactly.
    let scale17 = r#"{ "type": "bytes", "name": "org.apache.kafka.connect.data.Decimal", "version": 1, "parameters": { "scale": "17" } }"#;
    let (schema, value) = read(&mut c, &env(scale17, "1.23456789123456789"));
    assert_eq!(schema.as_deref(), Some(&decimal_schema(17)));
    assert_eq!(
        value,
        Value::Bytes(123456789123456789i64.to_be_bytes().to_vec())
    );

    let optional = r#"{ "type": "bytes", "name": "org.apache.kafka.connect.data.Decimal", "version": 1, "optional": true, "parameters": { "scale": "2" } }"#;
    let (schema, value) = read(&mut c, &env(optional, "null"));
    assert_eq!(schema.as_deref(), Some(&decimal_schema(2).into_optional()));
    assert_eq!(value, Value::Null);

    for optional in ["", "\"optional\": true, "] {
        let with_default = format!(
            r#"{{ "type": "bytes", "name": "org.apache.kafka.connect.data.Decimal", "version": 1, {optional}"default": "AJw=", "parameters": {{ "scale": "2" }} }}"#
        );
        let (schema, value) = read(&mut c, &env(&with_default, "null"));
        let mut want = decimal_schema(2);
        want.optional = !optional.is_empty();
        assert_eq!(schema.as_deref(), Some(&*with_default_value(want)));
        assert_eq!(value, Value::Bytes(vec![0, 0x9C]));
    }
}

fn with_default_value(schema: Schema) -> Arc<Schema> {
    with_default(schema, Value::Bytes(vec![0, 0x9C]))
}

#[test]
fn dates_times_and_timestamps_to_connect() {
    let mut c = converter(&[]);
    let cases: &[(&str, &str, SchemaType, &str, Value)] = &[
        (
            "int32",
            DATE,
            SchemaType::Int32,
            "10000",
            Value::Int32(10000),
        ),
        (
            "int32",
            TIME,
            SchemaType::Int32,
            "14400000",
            Value::Int32(14400000),
        ),
        (
            "int64",
            TIMESTAMP,
            SchemaType::Int64,
            "4000000000",
            Value::Int64(4000000000),
        ),
    ];
    for (t, name, schema_type, payload, want) in cases {
        let schema = format!("{{ \"type\": \"{t}\", \"name\": \"{name}\", \"version\": 1 }}");
        assert_eq!(
            read(&mut c, &env(&schema, payload)),
            (Some(Arc::new(logical(*schema_type, name))), want.clone())
        );
        let optional = format!(
            "{{ \"type\": \"{t}\", \"name\": \"{name}\", \"version\": 1, \"optional\": true }}"
        );
        assert_eq!(
            read(&mut c, &env(&optional, "null")),
            (
                Some(Arc::new(logical(*schema_type, name).into_optional())),
                Value::Null
            )
        );
        for optional in ["", "\"optional\": true, "] {
            let default = if *t == "int64" { 42 } else { 0 };
            let schema = format!(
                "{{ \"type\": \"{t}\", \"name\": \"{name}\", \"version\": 1, {optional}\"default\": {default} }}"
            );
            let mut want = logical(*schema_type, name);
            want.optional = !optional.is_empty();
            let default = if *t == "int64" {
                Value::Int64(42)
            } else {
                Value::Int32(0)
            };
            assert_eq!(
                read(&mut c, &env(&schema, "null")),
                (Some(with_default(want, default.clone())), default)
            );
        }
    }
}

#[test]
fn schema_cache_counts_distinct_schema_texts() {
    let mut c = converter(&[]);
    assert_eq!(c.to_connect_cache_size(), 0);
    read(
        &mut c,
        r#"{ "schema": { "type": "boolean" }, "payload": true }"#,
    );
    assert_eq!(c.to_connect_cache_size(), 1);
    read(
        &mut c,
        r#"{ "schema": { "type": "boolean" }, "payload": true }"#,
    );
    assert_eq!(c.to_connect_cache_size(), 1);
    read(
        &mut c,
        r#"{ "schema": { "type": "boolean", "optional": true }, "payload": true }"#,
    );
    assert_eq!(c.to_connect_cache_size(), 2);
    // An equivalent schema written differently is another entry.
    read(
        &mut c,
        r#"{ "schema": { "type": "boolean", "optional": false }, "payload": true }"#,
    );
    assert_eq!(c.to_connect_cache_size(), 3);
}

#[test]
fn schema_cache_is_bounded_by_its_size() {
    // Apache's connect-test.properties: schemas.cache.size=1.
    let mut c = converter(&[("schemas.cache.size", "1")]);
    read(
        &mut c,
        r#"{ "schema": { "type": "boolean" }, "payload": true }"#,
    );
    read(&mut c, r#"{ "schema": { "type": "int32" }, "payload": 1 }"#);
    assert_eq!(c.to_connect_cache_size(), 1);
    let mut none = converter(&[("schemas.cache.size", "0")]);
    read(
        &mut none,
        r#"{ "schema": { "type": "boolean" }, "payload": true }"#,
    );
    assert_eq!(none.to_connect_cache_size(), 0);
    // Reading still works with every schema parsed anew.
    assert_eq!(
        read(
            &mut none,
            r#"{ "schema": { "type": "boolean" }, "payload": false }"#
        )
        .1,
        Value::Boolean(false)
    );
}

#[test]
fn null_payloads_and_defaults() {
    let message =
        r#"{"schema":{"type":"string","optional":true,"default":"default"},"payload":null}"#;
    let mut c = converter(&[("replace.null.with.default", "true")]);
    assert_eq!(read(&mut c, message).1, str("default"));
    let mut c = converter(&[("replace.null.with.default", "false")]);
    assert_eq!(read(&mut c, message).1, Value::Null);

    let message = r#"{"schema":{"type":"struct","fields":[{"field":"field1","type":"string","optional":true,"default":"default"}],"optional":false},"payload":{"field1":null}}"#;
    let field = with_default(Schema::optional(SchemaType::String), str("default"));
    let schema = structure(&[("field1", field)]);
    let mut c = converter(&[("replace.null.with.default", "true")]);
    assert_eq!(
        read(&mut c, message).1,
        struct_value(&schema, vec![str("default")])
    );
    let mut c = converter(&[("replace.null.with.default", "false")]);
    assert_eq!(
        read(&mut c, message).1,
        struct_value(&schema, vec![Value::Null])
    );
}

#[test]
fn header_converter_reads_envelopes() {
    let mut c = JsonConverter::configure(Config::new(), Target::Headers).unwrap();
    let mut record = Record::new("topic");
    record.headers.push(Header {
        key: "headerName".into(),
        schema: None,
        value: Value::Bytes(
            br#"{ "schema": { "type": "string" }, "payload": "foo-bar-baz" }"#.to_vec(),
        ),
    });
    record.headers.push(Header {
        key: "gone".into(),
        schema: None,
        value: Value::Null,
    });
    let mut batch = Batch::from_records(&[record]).unwrap();
    c.to_connect(&mut batch).unwrap();
    let headers = batch.to_records().unwrap().remove(0).headers;
    assert_eq!(headers[0].schema, Some(s(SchemaType::String)));
    assert_eq!(headers[0].value, str("foo-bar-baz"));
    assert_eq!(
        (headers[1].schema.clone(), headers[1].value.clone()),
        (None, Value::Null)
    );
}

use wasm_connect_plugin_json::JsonConverter;
