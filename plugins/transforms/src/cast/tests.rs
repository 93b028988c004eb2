//! Apache's `CastTest`, case by case, plus what it leaves implicit: records
//! keep everything `Cast` does not change, and errors name the record.

use std::sync::Arc;

use wasm_connect_sdk::prelude::*;

use super::{CastKey, CastValue};
use crate::java_time::connect::TIMESTAMP;
use crate::java_time::testkit::*;
use crate::java_time::{ONE_DAY, connect_date_string};

const MILLIS_PER_HOUR: i64 = 3_600_000;

fn value_cast(pairs: &[(&str, &str)]) -> CastValue {
    CastValue::configure(config(pairs)).unwrap()
}

fn key_cast(pairs: &[(&str, &str)]) -> CastKey {
    CastKey::configure(config(pairs)).unwrap()
}

fn config_error(pairs: &[(&str, &str)]) -> PluginError {
    match CastKey::configure(config(pairs)) {
        Err(e) => e,
        Ok(_) => panic!("{pairs:?} should be refused"),
    }
}

/// `new SourceRecord(null, null, "topic", 0, schema, value)`.
fn record(schema: Option<Arc<Schema>>, value: Value) -> Record {
    let mut r = Record::new("topic").with_value(schema, value);
    r.partition = Some(0);
    r
}

#[test]
fn config_errors() {
    for (spec, message) in [
        ("", "Must specify at least one field to cast."),
        (
            "foo:faketype",
            "Invalid type found in casting spec: faketype",
        ),
        (
            "foo:array",
            "Cast transformation does not support casting to ARRAY; supported types are [INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING]",
        ),
        (
            "array",
            "Cast transformation does not support casting to ARRAY; supported types are [INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING]",
        ),
        (
            "foo:bytes",
            "Cast transformation does not support casting to BYTES; supported types are [INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING]",
        ),
        (
            "foo:int8:extra",
            "Invalid value [foo:int8:extra] for configuration renames: Invalid rename mapping: foo:int8:extra",
        ),
        (
            "foo:int8,int32",
            "Cast transformations that specify a type to cast the entire value to may only specify a single cast in their spec",
        ),
    ] {
        let e = config_error(&[("spec", spec)]);
        assert_eq!(e.kind, ErrorKind::Config, "{spec}");
        assert_eq!(e.message, message, "{spec}");
    }
    assert_eq!(
        config_error(&[]).message,
        "Missing required configuration \"spec\" which has no default value."
    );
    assert_eq!(
        config_error(&[("spec", "int8"), ("replace.null.with.default", "maybe")]).message,
        "Invalid value maybe for configuration replace.null.with.default: Expected value to be either true or false"
    );
}

#[test]
fn null_values_pass_through() {
    // castNullValueRecordWithSchema, castNullValueRecordSchemaless. (Apache
    // puts null under a required schema; a batch refuses that, so the
    // schemas here are optional.)
    let mut xform = value_cast(&[("spec", "foo:int64")]);
    for schema in [Some(optional(SchemaType::String)), None] {
        let original = Record::new("topic")
            .with_key(Some(required(SchemaType::String)), "key".into())
            .with_value(schema, Value::Null);
        assert_eq!(run_one(&mut xform, original.clone()).unwrap(), original);
    }
    // castNullKeyRecordWithSchema, castNullKeyRecordSchemaless.
    let mut xform = key_cast(&[("spec", "foo:int64")]);
    for schema in [Some(optional(SchemaType::String)), None] {
        let original = Record::new("topic")
            .with_key(schema, Value::Null)
            .with_value(Some(required(SchemaType::String)), "value".into());
        assert_eq!(run_one(&mut xform, original.clone()).unwrap(), original);
    }
}

#[test]
fn field_with_default_value() {
    // castFieldWithDefaultValueRecordWithSchema, both settings.
    for (replace, expected) in [("false", Value::Null), ("true", Value::from("10"))] {
        let mut xform = value_cast(&[
            ("spec", "magic:string"),
            ("replace.null.with.default", replace),
        ]);
        let schema = Arc::new(struct_of(&[(
            "magic",
            with_default(SchemaType::Int32, true, Value::Int32(10)),
        )]));
        let out = run_one(
            &mut xform,
            record(
                Some(schema.clone()),
                struct_value(&schema, &[("magic", Value::Null)]),
            ),
        )
        .unwrap();
        assert_eq!(
            field_schema(&out.value_schema, "magic").schema_type,
            SchemaType::String
        );
        assert_eq!(field(&out.value, "magic"), expected, "replace={replace}");
    }
}

#[test]
fn whole_key_with_schema() {
    // castWholeRecordKeyWithSchema.
    let mut xform = key_cast(&[("spec", "int8")]);
    let out = run_one(
        &mut xform,
        Record::new("topic")
            .with_key(Some(required(SchemaType::Int32)), Value::Int32(42))
            .with_value(Some(required(SchemaType::String)), "bogus".into()),
    )
    .unwrap();
    assert_eq!(out.key_schema.unwrap().schema_type, SchemaType::Int8);
    assert_eq!(out.key, Value::Int8(42));
    assert_eq!(out.value, Value::from("bogus"));
}

#[test]
fn whole_value_with_schema() {
    // castWholeRecordValueWithSchema{Int8,...,String,BooleanTrue,BooleanFalse}.
    for (spec, input, ty, expected) in [
        ("int8", 42, SchemaType::Int8, Value::Int8(42)),
        ("int16", 42, SchemaType::Int16, Value::Int16(42)),
        ("int32", 42, SchemaType::Int32, Value::Int32(42)),
        ("int64", 42, SchemaType::Int64, Value::Int64(42)),
        ("float32", 42, SchemaType::Float32, Value::Float32(42.0)),
        ("float64", 42, SchemaType::Float64, Value::Float64(42.0)),
        ("boolean", 42, SchemaType::Boolean, Value::Boolean(true)),
        ("boolean", 0, SchemaType::Boolean, Value::Boolean(false)),
        ("string", 42, SchemaType::String, Value::from("42")),
    ] {
        let mut xform = value_cast(&[("spec", spec)]);
        let out = run_one(
            &mut xform,
            record(Some(required(SchemaType::Int32)), Value::Int32(input)),
        )
        .unwrap();
        assert_eq!(out.value_schema.unwrap().schema_type, ty, "{spec}");
        assert_eq!(out.value, expected, "{spec}");
    }
}

#[test]
fn whole_logical_values_to_string() {
    // castWholeBigDecimalRecordValueWithSchemaString.
    let mut xform = value_cast(&[("spec", "string")]);
    let out = run_one(&mut xform, record(Some(decimal(0)), unscaled(42))).unwrap();
    assert_eq!(
        out.value_schema.as_ref().unwrap().schema_type,
        SchemaType::String
    );
    assert_eq!(out.value, Value::from("42"));
    // castWholeDateRecordValueWithSchemaString: a day and a millisecond.
    let out = run_one(
        &mut xform,
        record(Some(timestamp(false)), Value::Int64(ONE_DAY + 1)),
    )
    .unwrap();
    let schema = out.value_schema.unwrap();
    assert_eq!(schema.schema_type, SchemaType::String);
    // Apache copies the name onto the new schema.
    assert_eq!(schema.name.as_deref(), Some(TIMESTAMP));
    assert_eq!(out.value, Value::from("1970-01-02T00:00:00.001Z"));
}

#[test]
fn whole_value_default_is_cast() {
    // castWholeRecordDefaultValue.
    let mut xform = value_cast(&[("spec", "int32")]);
    let out = run_one(
        &mut xform,
        record(
            Some(with_default(
                SchemaType::Float32,
                false,
                Value::Float32(-42.125),
            )),
            Value::Float32(42.125),
        ),
    )
    .unwrap();
    let schema = out.value_schema.unwrap();
    assert_eq!(schema.schema_type, SchemaType::Int32);
    assert_eq!(out.value, Value::Int32(42));
    assert_eq!(schema.default, Some(Value::Int32(-42)));
}

#[test]
fn whole_value_schemaless() {
    // castWholeRecordKeySchemaless.
    let mut xform = key_cast(&[("spec", "int8")]);
    let out = run_one(
        &mut xform,
        Record::new("topic")
            .with_key(None, Value::Int32(42))
            .with_value(Some(required(SchemaType::String)), "bogus".into()),
    )
    .unwrap();
    assert_eq!(out.key_schema, None);
    assert_eq!(out.key, Value::Int8(42));
    // castWholeRecordValueSchemaless{Int8,...,String}.
    for (spec, input, expected) in [
        ("int8", 42, Value::Int8(42)),
        ("int16", 42, Value::Int16(42)),
        ("int32", 42, Value::Int32(42)),
        ("int64", 42, Value::Int64(42)),
        ("float32", 42, Value::Float32(42.0)),
        ("float64", 42, Value::Float64(42.0)),
        ("boolean", 42, Value::Boolean(true)),
        ("boolean", 0, Value::Boolean(false)),
        ("string", 42, Value::from("42")),
    ] {
        let mut xform = value_cast(&[("spec", spec)]);
        let out = run_one(&mut xform, record(None, Value::Int32(input))).unwrap();
        assert_eq!(out.value_schema, None);
        assert_eq!(out.value, expected, "{spec}");
    }
}

#[test]
fn whole_value_schemaless_unsupported_type() {
    // castWholeRecordValueSchemalessUnsupportedType.
    let mut xform = value_cast(&[("spec", "int8")]);
    let e = run_one(&mut xform, record(None, Value::Array(vec!["foo".into()]))).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Data);
    assert_eq!(e.record, Some(0));
    assert_eq!(
        e.message,
        "Cast transformation does not support casting from ARRAY; supported types are [INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING, BYTES]"
    );
}

#[test]
fn logical_to_primitive() {
    // castLogicalToPrimitive.
    let mut xform = value_cast(&[(
        "spec",
        "date_to_int32:int32,timestamp_to_int64:int64,time_to_int64:int64,decimal_to_int32:int32,timestamp_to_float64:float64,null_timestamp_to_int32:int32",
    )]);
    let schema = Arc::new(struct_of(&[
        ("date_to_int32", date(false)),
        ("timestamp_to_int64", timestamp(false)),
        ("time_to_int64", time(false)),
        ("decimal_to_int32", decimal(0)),
        ("timestamp_to_float64", timestamp(false)),
        ("null_timestamp_to_int32", timestamp(true)),
    ]));
    let value = struct_value(
        &schema,
        &[
            ("date_to_int32", Value::Int32(1)),
            ("timestamp_to_int64", Value::Int64(0)),
            ("time_to_int64", Value::Int32(1)),
            ("decimal_to_int32", unscaled(i128::from(i32::MAX) + 1)),
            ("timestamp_to_float64", Value::Int64(i64::MAX)),
            ("null_timestamp_to_int32", Value::Null),
        ],
    );
    let out = run_one(&mut xform, record(Some(schema), value)).unwrap();
    assert_eq!(field(&out.value, "date_to_int32"), Value::Int32(1));
    assert_eq!(field(&out.value, "timestamp_to_int64"), Value::Int64(0));
    assert_eq!(field(&out.value, "time_to_int64"), Value::Int64(1));
    assert_eq!(
        field(&out.value, "decimal_to_int32"),
        Value::Int32(i32::MIN)
    );
    assert_eq!(
        field(&out.value, "timestamp_to_float64"),
        Value::Float64(9.223372036854776E18)
    );
    assert_eq!(field(&out.value, "null_timestamp_to_int32"), Value::Null);
    for (name, ty) in [
        ("date_to_int32", SchemaType::Int32),
        ("timestamp_to_int64", SchemaType::Int64),
        ("time_to_int64", SchemaType::Int64),
        ("decimal_to_int32", SchemaType::Int32),
        ("timestamp_to_float64", SchemaType::Float64),
        ("null_timestamp_to_int32", SchemaType::Int32),
    ] {
        let s = field_schema(&out.value_schema, name);
        assert_eq!(s.schema_type, ty, "{name}");
        // The cast field's schema is a plain one.
        assert_eq!(s.name, None, "{name}");
    }
}

#[test]
fn logical_to_string() {
    // castLogicalToString, with a fixed "now".
    let now = 1_700_000_000_123;
    let mut xform = value_cast(&[(
        "spec",
        "date:string,decimal:string,time:string,timestamp:string",
    )]);
    let schema = Arc::new(struct_of(&[
        ("date", date(false)),
        ("decimal", decimal(0)),
        ("time", time(false)),
        ("timestamp", timestamp(false)),
    ]));
    let value = struct_value(
        &schema,
        &[
            ("date", Value::Int32(1)),
            ("decimal", unscaled(1982)),
            ("time", Value::Int32(MILLIS_PER_HOUR as i32)),
            ("timestamp", Value::Int64(now)),
        ],
    );
    let out = run_one(&mut xform, record(Some(schema), value)).unwrap();
    assert_eq!(field(&out.value, "date"), Value::from("1970-01-02"));
    assert_eq!(field(&out.value, "decimal"), Value::from("1982"));
    assert_eq!(field(&out.value, "time"), Value::from("01:00:00.000Z"));
    assert_eq!(
        field(&out.value, "timestamp"),
        Value::from(connect_date_string(now))
    );
    assert_eq!(connect_date_string(now), "2023-11-14T22:13:20.123Z");
    for name in ["date", "decimal", "time", "timestamp"] {
        assert_eq!(
            field_schema(&out.value_schema, name).schema_type,
            SchemaType::String
        );
    }
}

#[test]
fn fields_with_schema() {
    // castFieldsWithSchema.
    let bytes = vec![0xFE, 0xDC, 0xBA, 0x98, 0x76, 0x54, 0x32, 0x10];
    let mut xform = value_cast(&[(
        "spec",
        "int8:int16,int16:int32,int32:int64,int64:boolean,float32:float64,float64:boolean,boolean:int8,string:int32,bigdecimal:string,date:string,optional:int32,bytes:string,byteArray:string",
    )]);
    let schema = Arc::new(struct_of(&[
        ("int8", required(SchemaType::Int8)),
        ("int16", optional(SchemaType::Int16)),
        (
            "int32",
            with_default(SchemaType::Int32, false, Value::Int32(2)),
        ),
        ("int64", required(SchemaType::Int64)),
        ("float32", required(SchemaType::Float32)),
        (
            "float64",
            with_default(SchemaType::Float64, false, Value::Float64(-1.125)),
        ),
        ("boolean", required(SchemaType::Boolean)),
        ("string", required(SchemaType::String)),
        ("bigdecimal", decimal(0)),
        ("date", date(false)),
        ("optional", optional(SchemaType::Float32)),
        ("timestamp", timestamp(false)),
        ("bytes", required(SchemaType::Bytes)),
        ("byteArray", required(SchemaType::Bytes)),
    ]));
    let value = struct_value(
        &schema,
        &[
            ("int8", Value::Int8(8)),
            ("int16", Value::Int16(16)),
            ("int32", Value::Int32(32)),
            ("int64", Value::Int64(64)),
            ("float32", Value::Float32(32.0)),
            ("float64", Value::Float64(-64.0)),
            ("boolean", Value::Boolean(true)),
            ("bigdecimal", unscaled(42)),
            ("date", Value::Int32(1)),
            ("string", "42".into()),
            ("timestamp", Value::Int64(0)),
            ("bytes", Value::Bytes(bytes.clone())),
            ("byteArray", Value::Bytes(bytes)),
        ],
    );
    let out = run_one(&mut xform, record(Some(schema), value)).unwrap();
    let v = &out.value;
    assert_eq!(field(v, "int8"), Value::Int16(8));
    assert!(field_schema(&out.value_schema, "int16").optional);
    assert_eq!(field(v, "int16"), Value::Int32(16));
    assert_eq!(field(v, "int32"), Value::Int64(32));
    assert_eq!(
        field_schema(&out.value_schema, "int32").default,
        Some(Value::Int64(2))
    );
    assert_eq!(field(v, "int64"), Value::Boolean(true));
    assert_eq!(field(v, "float32"), Value::Float64(32.0));
    assert_eq!(field(v, "float64"), Value::Boolean(true));
    assert_eq!(
        field_schema(&out.value_schema, "float64").default,
        Some(Value::Boolean(true))
    );
    assert_eq!(field(v, "boolean"), Value::Int8(1));
    assert_eq!(field(v, "string"), Value::Int32(42));
    assert_eq!(field(v, "bigdecimal"), Value::from("42"));
    assert_eq!(field(v, "date"), Value::from("1970-01-02"));
    assert_eq!(field(v, "timestamp"), Value::Int64(0));
    assert_eq!(field(v, "bytes"), Value::from("/ty6mHZUMhA="));
    assert_eq!(field(v, "byteArray"), Value::from("/ty6mHZUMhA="));
    assert_eq!(field(v, "optional"), Value::Null);
    for (name, ty, optional) in [
        ("int8", SchemaType::Int16, false),
        ("int16", SchemaType::Int32, true),
        ("int32", SchemaType::Int64, false),
        ("int64", SchemaType::Boolean, false),
        ("float32", SchemaType::Float64, false),
        ("float64", SchemaType::Boolean, false),
        ("boolean", SchemaType::Int8, false),
        ("string", SchemaType::Int32, false),
        ("bigdecimal", SchemaType::String, false),
        ("date", SchemaType::String, false),
        ("optional", SchemaType::Int32, true),
        ("bytes", SchemaType::String, false),
        ("byteArray", SchemaType::String, false),
    ] {
        let s = field_schema(&out.value_schema, name);
        assert_eq!((s.schema_type, s.optional), (ty, optional), "{name}");
    }
    // Fields not cast keep their schema.
    assert_eq!(
        field_schema(&out.value_schema, "timestamp"),
        timestamp(false)
    );
}

#[test]
fn fields_schemaless() {
    // castFieldsSchemaless.
    let mut xform = value_cast(&[(
        "spec",
        "int8:int16,int16:int32,int32:int64,int64:boolean,float32:float64,float64:boolean,boolean:int8,string:int32",
    )]);
    let value = map_of(&[
        ("int8", Value::Int8(8)),
        ("int16", Value::Int16(16)),
        ("int32", Value::Int32(32)),
        ("int64", Value::Int64(64)),
        ("float32", Value::Float32(32.0)),
        ("float64", Value::Float64(-64.0)),
        ("boolean", Value::Boolean(true)),
        ("string", "42".into()),
    ]);
    let out = run_one(&mut xform, record(None, value)).unwrap();
    assert_eq!(out.value_schema, None);
    for (key, expected) in [
        ("int8", Value::Int16(8)),
        ("int16", Value::Int32(16)),
        ("int32", Value::Int64(32)),
        ("int64", Value::Boolean(true)),
        ("float32", Value::Float64(32.0)),
        ("float64", Value::Boolean(true)),
        ("boolean", Value::Int8(1)),
        ("string", Value::Int32(42)),
    ] {
        assert_eq!(entry(&out.value, key), Some(expected), "{key}");
    }
}
