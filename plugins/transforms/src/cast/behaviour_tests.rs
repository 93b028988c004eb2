//! What `CastTest` leaves implicit: records keep everything `Cast` does
//! not change, errors name the record and use Apache's words, and derived
//! schemas are built once.

use std::sync::Arc;

use wasm_connect_sdk::prelude::*;

use super::CastValue;
use crate::java_time::testkit::*;

fn value_cast(pairs: &[(&str, &str)]) -> CastValue {
    CastValue::configure(config(pairs)).unwrap()
}

fn record(schema: Option<Arc<Schema>>, value: Value) -> Record {
    let mut r = Record::new("topic").with_value(schema, value);
    r.partition = Some(0);
    r
}

#[test]
fn records_keep_everything_else() {
    let mut xform = value_cast(&[("spec", "n:string")]);
    let schema = Arc::new(struct_of(&[
        ("n", required(SchemaType::Int32)),
        (
            "tags",
            Arc::new(Schema::array(required(SchemaType::String))),
        ),
        ("name", optional(SchemaType::String)),
    ]));
    let value = struct_value(
        &schema,
        &[
            ("n", Value::Int32(7)),
            ("tags", Value::Array(vec!["a".into(), "b".into()])),
            ("name", "x".into()),
        ],
    );
    let mut input = record(Some(schema), value)
        .with_key(Some(required(SchemaType::String)), "k".into())
        .with_source(r#"{"f":1}"#, r#"{"o":2}"#);
    input.timestamp = Some(99);
    input.headers.push(Header {
        key: "h".into(),
        schema: None,
        value: Value::Int32(1),
    });
    let out = run_one(&mut xform, input.clone()).unwrap();
    assert_eq!(field(&out.value, "n"), Value::from("7"));
    assert_eq!(
        field(&out.value, "tags"),
        Value::Array(vec!["a".into(), "b".into()])
    );
    assert_eq!(field(&out.value, "name"), Value::from("x"));
    let rest = Record {
        value: input.value.clone(),
        value_schema: input.value_schema.clone(),
        ..out
    };
    assert_eq!(rest, input);
}

#[test]
fn errors_name_the_record() {
    let mut xform = value_cast(&[("spec", "int8")]);
    let records = [
        record(None, "1".into()),
        record(None, "not a number".into()),
    ];
    let e = run(&mut xform, &records).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Data);
    assert_eq!(e.record, Some(1));
    assert_eq!(
        e.message,
        "Value (not a number) was out of range for requested data type"
    );
}

#[test]
fn schema_errors_like_apache() {
    // A field spec on a value that is not a struct.
    let mut xform = value_cast(&[("spec", "foo:int64")]);
    let e = run_one(
        &mut xform,
        record(Some(required(SchemaType::Int32)), Value::Int32(5)),
    );
    assert_eq!(
        e.unwrap_err().message,
        "Cannot list fields on non-struct type"
    );
    let e = run_one(&mut xform, record(None, Value::Int32(5)));
    assert_eq!(
        e.unwrap_err().message,
        "Only Map objects supported in absence of schema for [cast types], found: java.lang.Integer"
    );
    // Apache cannot cast a struct's default value.
    let inner = struct_of(&[("foo", optional(SchemaType::Int32))]);
    let inner_arc = Arc::new(inner.clone());
    let mut with_default = inner;
    with_default.default = Some(struct_value(&inner_arc, &[]));
    let with_default = Arc::new(with_default);
    let e = run_one(
        &mut xform,
        record(Some(with_default.clone()), struct_value(&with_default, &[])),
    );
    assert_eq!(
        e.unwrap_err().message,
        "Cast transformation does not support casting from STRUCT; supported types are [INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING, BYTES]"
    );
    // A logical type's name is kept on a whole-value cast, and its default
    // no longer validates.
    let mut xform = value_cast(&[("spec", "int64")]);
    let mut ts = (*timestamp(false)).clone();
    ts.default = Some(Value::Int64(0));
    let e = run_one(&mut xform, record(Some(Arc::new(ts)), Value::Int64(5)));
    assert_eq!(e.unwrap_err().message, "Invalid default value");
    // Casting a struct as a whole.
    let mut xform = value_cast(&[("spec", "string")]);
    let e = run_one(
        &mut xform,
        record(Some(inner_arc.clone()), struct_value(&inner_arc, &[])),
    );
    assert!(e.unwrap_err().message.contains("casting from STRUCT"));
}

#[test]
fn nulls_in_required_fields() {
    // Apache's Struct.put refuses a null for a required field, default or not.
    let schema = Arc::new(struct_of(&[
        ("a", with_default(SchemaType::Int32, false, Value::Int32(3))),
        ("b", with_default(SchemaType::Int32, false, Value::Int32(4))),
    ]));
    let value = struct_value(&schema, &[("a", Value::Null), ("b", Value::Null)]);
    let mut keep_null = value_cast(&[("spec", "a:string"), ("replace.null.with.default", "false")]);
    let e = run_one(&mut keep_null, record(Some(schema.clone()), value.clone())).unwrap_err();
    assert_eq!(
        e.message,
        "Invalid value: null used for required field: \"a\", schema type: STRING"
    );
    // With the default setting both defaults are used; the field not cast
    // keeps its type.
    let mut xform = value_cast(&[("spec", "a:string")]);
    let out = run_one(&mut xform, record(Some(schema), value)).unwrap();
    assert_eq!(field(&out.value, "a"), Value::from("3"));
    assert_eq!(field(&out.value, "b"), Value::Int32(4));
    let a = field_schema(&out.value_schema, "a");
    assert_eq!(
        (a.schema_type, a.default.clone()),
        (SchemaType::String, Some(Value::from("3")))
    );
}

#[test]
fn schemaless_maps_gain_missing_fields() {
    let mut xform = value_cast(&[("spec", "a:int8,b:string")]);
    let out = run_one(
        &mut xform,
        record(
            None,
            map_of(&[
                ("a", "12".into()),
                ("z", Value::Array(vec![Value::Int8(1)])),
            ]),
        ),
    )
    .unwrap();
    assert_eq!(
        out.value,
        map_of(&[
            ("a", Value::Int8(12)),
            ("z", Value::Array(vec![Value::Int8(1)])),
            ("b", Value::Null),
        ])
    );
}

#[test]
fn one_output_schema_per_input_schema() {
    let mut xform = value_cast(&[("spec", "int16")]);
    let records: Vec<Record> = (0..50)
        .map(|i| record(Some(required(SchemaType::Int64)), Value::Int64(i)))
        .collect();
    let mut batch = Batch::from_records(&records).unwrap();
    batch.share_all();
    let before = batch.schemas.len();
    let out = xform.apply(batch).unwrap();
    // One schema added for the whole batch, and no data bytes at all.
    assert_eq!(out.schemas.len(), before + 1);
    let mut out = out;
    let (_, added) = out.take_unshared_data();
    assert!(added.is_empty());
    let values: Vec<Value> = out
        .to_records()
        .unwrap()
        .into_iter()
        .map(|r| r.value)
        .collect();
    assert_eq!(values[49], Value::Int16(49));
}
