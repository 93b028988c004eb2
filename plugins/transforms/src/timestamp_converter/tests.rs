//! Apache's `TimestampConverterTest`, case by case, plus the errors and
//! edge cases it leaves implicit.

use std::sync::Arc;

use wasm_connect_sdk::prelude::*;

use super::{TimestampConverterKey, TimestampConverterValue};
use crate::java_time::ONE_DAY;
use crate::java_time::testkit::*;

/// 1970-01-02T00:00:01.234Z.
const DATE_PLUS_TIME_UNIX: i64 = ONE_DAY + 1234;
const DATE_PLUS_TIME_UNIX_MICROS: i64 = DATE_PLUS_TIME_UNIX * 1000 + 123;
const DATE_PLUS_TIME_UNIX_NANOS: i64 = DATE_PLUS_TIME_UNIX_MICROS * 1000 + 456;
const DATE_PLUS_TIME_UNIX_SECONDS: i64 = DATE_PLUS_TIME_UNIX / 1000;
/// Midnight of that day, as epoch ms and as a Connect Date (days).
const DATE: i64 = ONE_DAY;
/// Its time of day in ms.
const TIME: i64 = 1234;
const STRING_DATE_FMT: &str = "yyyy MM dd HH mm ss SSS z";
const DATE_PLUS_TIME_STRING: &str = "1970 01 02 00 00 01 234 UTC";

fn xform(pairs: &[(&str, &str)]) -> TimestampConverterValue {
    TimestampConverterValue::configure(config(pairs)).unwrap()
}

fn config_error(pairs: &[(&str, &str)]) -> PluginError {
    match TimestampConverterValue::configure(config(pairs)) {
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

fn apply(x: &mut TimestampConverterValue, schema: Option<Arc<Schema>>, value: Value) -> Record {
    run_one(x, record(schema, value)).unwrap()
}

fn apply_err(x: &mut TimestampConverterValue, schema: Option<Arc<Schema>>, value: Value) -> String {
    let e = run_one(x, record(schema, value)).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Data);
    assert_eq!(e.record, Some(0));
    e.message
}

#[test]
fn configuration() {
    // testConfigNoTargetType, testConfigInvalidTargetType,
    // testConfigInvalidUnixPrecision, testConfigValidUnixPrecision,
    // testConfigMissingFormat, testConfigInvalidFormat.
    assert_eq!(
        config_error(&[]).message,
        "Missing required configuration \"target.type\" which has no default value."
    );
    assert_eq!(
        config_error(&[("target.type", "invalid")]).message,
        "Invalid value invalid for configuration target.type: String must be one of: string, unix, Date, Time, Timestamp"
    );
    assert_eq!(
        config_error(&[("target.type", "unix"), ("unix.precision", "invalid")]).message,
        "Invalid value invalid for configuration unix.precision: String must be one of: nanoseconds, microseconds, milliseconds, seconds"
    );
    xform(&[("target.type", "unix"), ("unix.precision", "seconds")]);
    assert_eq!(
        config_error(&[("target.type", "string")]).message,
        "TimestampConverter requires format option to be specified when using string timestamps"
    );
    let e = config_error(&[("target.type", "string"), ("format", "bad-format")]);
    assert_eq!(e.kind, ErrorKind::Config);
    assert_eq!(
        e.message,
        "Invalid value java.lang.IllegalArgumentException: Illegal pattern character 'b' for configuration TimestampConverter requires a SimpleDateFormat-compatible pattern for string timestamps: bad-format"
    );
    // The types are case-sensitive, the values trimmed.
    assert!(
        config_error(&[("target.type", "date")])
            .message
            .contains("String must be one of")
    );
    xform(&[("target.type", " Date ")]);
}

#[test]
fn schemaless_from_timestamp() {
    // testSchemalessIdentity, ...TimestampToDate, ...ToTime, ...ToUnix,
    // ...ToString. A schemaless java.util.Date is its epoch milliseconds.
    for (target, expected) in [
        ("Timestamp", Value::Int64(DATE_PLUS_TIME_UNIX)),
        ("Date", Value::Int64(DATE)),
        ("Time", Value::Int64(TIME)),
        ("unix", Value::Int64(DATE_PLUS_TIME_UNIX)),
        ("string", Value::from(DATE_PLUS_TIME_STRING)),
    ] {
        let mut x = xform(&[("target.type", target), ("format", STRING_DATE_FMT)]);
        let out = apply(&mut x, None, Value::Int64(DATE_PLUS_TIME_UNIX));
        assert_eq!(out.value_schema, None);
        assert_eq!(out.value, expected, "{target}");
    }
}

#[test]
fn schemaless_to_timestamp() {
    // testSchemalessDateToTimestamp, ...TimeToTimestamp, ...UnixToTimestamp,
    // ...StringToTimestamp.
    let mut x = xform(&[("target.type", "Timestamp"), ("format", STRING_DATE_FMT)]);
    for (input, expected) in [
        (Value::Int64(DATE), DATE),
        (Value::Int64(TIME), TIME),
        (Value::Int64(DATE_PLUS_TIME_UNIX), DATE_PLUS_TIME_UNIX),
        (Value::from(DATE_PLUS_TIME_STRING), DATE_PLUS_TIME_UNIX),
    ] {
        let out = apply(&mut x, None, input);
        assert_eq!(out.value_schema, None);
        assert_eq!(out.value, Value::Int64(expected));
    }
}

#[test]
fn with_schema_from_timestamp() {
    // testWithSchemaIdentity, ...TimestampToDate, ...ToTime, ...ToUnix,
    // ...ToString.
    for (target, schema, expected) in [
        (
            "Timestamp",
            timestamp(false),
            Value::Int64(DATE_PLUS_TIME_UNIX),
        ),
        ("Date", date(false), Value::Int32(1)),
        ("Time", time(false), Value::Int32(TIME as i32)),
        (
            "unix",
            required(SchemaType::Int64),
            Value::Int64(DATE_PLUS_TIME_UNIX),
        ),
        (
            "string",
            required(SchemaType::String),
            Value::from(DATE_PLUS_TIME_STRING),
        ),
    ] {
        let mut x = xform(&[("target.type", target), ("format", STRING_DATE_FMT)]);
        let out = apply(
            &mut x,
            Some(timestamp(false)),
            Value::Int64(DATE_PLUS_TIME_UNIX),
        );
        assert_eq!(out.value_schema, Some(schema), "{target}");
        assert_eq!(out.value, expected, "{target}");
    }
}

#[test]
fn with_schema_to_timestamp() {
    // testWithSchemaDateToTimestamp, ...TimeToTimestamp, ...UnixToTimestamp,
    // ...StringToTimestamp.
    let mut x = xform(&[("target.type", "Timestamp"), ("format", STRING_DATE_FMT)]);
    for (schema, input, expected) in [
        (date(false), Value::Int32(1), DATE),
        (time(false), Value::Int32(TIME as i32), TIME),
        (
            required(SchemaType::Int64),
            Value::Int64(DATE_PLUS_TIME_UNIX),
            DATE_PLUS_TIME_UNIX,
        ),
        (
            required(SchemaType::String),
            DATE_PLUS_TIME_STRING.into(),
            DATE_PLUS_TIME_UNIX,
        ),
    ] {
        let out = apply(&mut x, Some(schema), input);
        assert_eq!(out.value_schema, Some(timestamp(false)));
        assert_eq!(out.value, Value::Int64(expected));
    }
}

/// The optional schemas of each kind, and what each target makes of them.
fn optional_schemas() -> [Arc<Schema>; 5] {
    [
        optional(SchemaType::Int64),
        time(true),
        date(true),
        optional(SchemaType::String),
        timestamp(true),
    ]
}

fn target_schema(target: &str) -> Arc<Schema> {
    match target {
        "Timestamp" => timestamp(true),
        "unix" => optional(SchemaType::Int64),
        "Time" => time(true),
        "Date" => date(true),
        _ => optional(SchemaType::String),
    }
}

#[test]
fn null_values() {
    for target in ["string", "Date", "Timestamp", "unix", "Time"] {
        // testSchemalessNullValueTo* (whole value and with a field).
        for field in ["", "ts"] {
            let mut x = xform(&[
                ("target.type", target),
                ("format", STRING_DATE_FMT),
                ("field", field),
            ]);
            let out = apply(&mut x, None, Value::Null);
            assert_eq!((out.value_schema, out.value), (None, Value::Null));
        }
        // testWithSchemaNullValueTo*.
        let mut x = xform(&[("target.type", target), ("format", STRING_DATE_FMT)]);
        for schema in optional_schemas() {
            let out = apply(&mut x, Some(schema), Value::Null);
            assert_eq!(out.value_schema, Some(target_schema(target)), "{target}");
            assert_eq!(out.value, Value::Null);
        }
        // testWithSchemaNullFieldTo*: a null field, then a null struct.
        let mut x = xform(&[
            ("target.type", target),
            ("format", STRING_DATE_FMT),
            ("field", "ts"),
        ]);
        for schema in optional_schemas() {
            let input = struct_of(&[("ts", schema), ("other", required(SchemaType::String))]);
            let expected = struct_of(&[
                ("ts", target_schema(target)),
                ("other", required(SchemaType::String)),
            ]);
            let input = Arc::new(input);
            let value = struct_value(&input, &[("ts", Value::Null), ("other", "test".into())]);
            let out = apply(&mut x, Some(input.clone()), value);
            assert_eq!(out.value_schema.as_deref(), Some(&expected), "{target}");
            assert_eq!(field(&out.value, "ts"), Value::Null);
            assert_eq!(field(&out.value, "other"), Value::from("test"));

            let input = Arc::new((*input).clone().into_optional());
            let out = apply(&mut x, Some(input), Value::Null);
            assert_eq!(out.value_schema, Some(Arc::new(expected.into_optional())));
            assert_eq!(out.value, Value::Null);
        }
    }
}

#[test]
fn schemaless_field() {
    // testSchemalessFieldConversion.
    let mut x = xform(&[("target.type", "Date"), ("field", "ts")]);
    let out = apply(
        &mut x,
        None,
        map_of(&[("ts", Value::Int64(DATE_PLUS_TIME_UNIX))]),
    );
    assert_eq!(out.value_schema, None);
    assert_eq!(out.value, map_of(&[("ts", Value::Int64(DATE))]));
    // A missing field is added as null; other entries are kept.
    let out = apply(&mut x, None, map_of(&[("other", Value::Int32(1))]));
    assert_eq!(
        out.value,
        map_of(&[("other", Value::Int32(1)), ("ts", Value::Null)])
    );
    assert_eq!(
        apply_err(&mut x, None, Value::from("x")),
        "Only Map objects supported in absence of schema for [converting timestamp formats], found: java.lang.String"
    );
}

#[test]
fn with_schema_field() {
    // testWithSchemaFieldConversion.
    let mut x = xform(&[("target.type", "Timestamp"), ("field", "ts")]);
    let schema = Arc::new(struct_of(&[
        ("ts", required(SchemaType::Int64)),
        ("other", required(SchemaType::String)),
    ]));
    let value = struct_value(
        &schema,
        &[
            ("ts", Value::Int64(DATE_PLUS_TIME_UNIX)),
            ("other", "test".into()),
        ],
    );
    let out = apply(&mut x, Some(schema), value);
    let expected = struct_of(&[
        ("ts", timestamp(false)),
        ("other", required(SchemaType::String)),
    ]);
    assert_eq!(out.value_schema.as_deref(), Some(&expected));
    assert_eq!(field(&out.value, "ts"), Value::Int64(DATE_PLUS_TIME_UNIX));
    assert_eq!(field(&out.value, "other"), Value::from("test"));
}

#[test]
fn with_schema_null_field_with_default() {
    // testWithSchemaNullFieldWithDefaultConversion (Apache configures
    // replace.null.with.default=false for both parameter sets).
    let mut x = xform(&[
        ("target.type", "Timestamp"),
        ("field", "ts"),
        ("replace.null.with.default", "false"),
    ]);
    let schema = Arc::new(struct_of(&[
        ("ts", with_default(SchemaType::Int64, true, Value::Int64(0))),
        ("other", required(SchemaType::String)),
    ]));
    let value = struct_value(&schema, &[("ts", Value::Null), ("other", "test".into())]);
    let out = apply(&mut x, Some(schema.clone()), value.clone());
    let expected = struct_of(&[
        ("ts", timestamp(true)),
        ("other", required(SchemaType::String)),
    ]);
    assert_eq!(out.value_schema.as_deref(), Some(&expected));
    assert_eq!(field(&out.value, "ts"), Value::Null);
    // With the default setting the default (epoch) is converted instead.
    let mut x = xform(&[("target.type", "Timestamp"), ("field", "ts")]);
    let out = apply(&mut x, Some(schema), value);
    assert_eq!(field(&out.value, "ts"), Value::Int64(0));
}

#[test]
fn unix_precisions() {
    // testWithSchemaFieldConversion_Micros, _Nanos, _Seconds.
    for (precision, input, expected) in [
        (
            "microseconds",
            DATE_PLUS_TIME_UNIX_MICROS,
            DATE_PLUS_TIME_UNIX,
        ),
        (
            "nanoseconds",
            DATE_PLUS_TIME_UNIX_NANOS,
            DATE_PLUS_TIME_UNIX,
        ),
        ("seconds", DATE_PLUS_TIME_UNIX_SECONDS, ONE_DAY + 1000),
    ] {
        let mut x = xform(&[
            ("target.type", "Timestamp"),
            ("field", "ts"),
            ("unix.precision", precision),
        ]);
        let schema = Arc::new(struct_of(&[("ts", required(SchemaType::Int64))]));
        let value = struct_value(&schema, &[("ts", Value::Int64(input))]);
        let out = apply(&mut x, Some(schema), value);
        let expected_schema = struct_of(&[("ts", timestamp(false))]);
        assert_eq!(out.value_schema.as_deref(), Some(&expected_schema));
        assert_eq!(
            field(&out.value, "ts"),
            Value::Int64(expected),
            "{precision}"
        );
    }
    // testSchemalessStringToUnix_Micros, _Nanos, _Seconds.
    for (precision, expected) in [
        ("microseconds", 86_401_234_000),
        ("nanoseconds", 86_401_234_000_000),
        ("seconds", DATE_PLUS_TIME_UNIX_SECONDS),
    ] {
        let mut x = xform(&[
            ("target.type", "unix"),
            ("unix.precision", precision),
            ("format", STRING_DATE_FMT),
        ]);
        let out = apply(&mut x, None, DATE_PLUS_TIME_STRING.into());
        assert_eq!(out.value, Value::Int64(expected), "{precision}");
    }
    // Java's TimeUnit saturates and truncates toward zero.
    let mut x = xform(&[("target.type", "unix"), ("unix.precision", "nanoseconds")]);
    let out = apply(&mut x, Some(timestamp(false)), Value::Int64(i64::MAX / 10));
    assert_eq!(out.value, Value::Int64(i64::MAX));
    let mut x = xform(&[("target.type", "unix"), ("unix.precision", "seconds")]);
    let seconds = |x: &mut TimestampConverterValue, ms| {
        apply(x, Some(timestamp(false)), Value::Int64(ms)).value
    };
    assert_eq!(seconds(&mut x, -1500), Value::Int64(-1));
    assert_eq!(seconds(&mut x, i64::MIN), Value::Int64(i64::MIN / 1000));
    // Seconds in, seconds out: saturated on the way to milliseconds.
    assert_eq!(
        apply(&mut x, None, Value::Int64(i64::MAX)).value,
        Value::Int64(i64::MAX / 1000)
    );
}

#[test]
fn key() {
    // testKey.
    let mut x = TimestampConverterKey::configure(config(&[("target.type", "Timestamp")])).unwrap();
    let out = run_one(
        &mut x,
        Record::new("topic").with_key(None, Value::Int64(DATE_PLUS_TIME_UNIX)),
    )
    .unwrap();
    assert_eq!(out.key_schema, None);
    assert_eq!(out.key, Value::Int64(DATE_PLUS_TIME_UNIX));
}

#[test]
fn errors() {
    let mut x = xform(&[("target.type", "Timestamp"), ("format", "yyyy-MM-dd")]);
    assert_eq!(
        apply_err(&mut x, None, "2017/01/03".into()),
        "Could not parse timestamp: value (2017/01/03) does not match pattern (yyyy-MM-dd)"
    );
    assert_eq!(
        apply_err(&mut x, None, Value::Int32(5)),
        "TimestampConverter does not support class java.lang.Integer objects as timestamps"
    );
    assert_eq!(
        apply_err(&mut x, Some(optional(SchemaType::Int32)), Value::Null),
        "Schema Schema{INT32} does not correspond to a known timestamp type format"
    );
    // A string without a configured format: Java's NullPointerException.
    let mut x = xform(&[("target.type", "unix")]);
    assert_eq!(
        apply_err(&mut x, None, "2017".into()),
        "Cannot invoke \"java.text.SimpleDateFormat.parse(String)\" because \"config.format\" is null"
    );
    let mut x = xform(&[("target.type", "unix"), ("field", "ts")]);
    assert_eq!(
        apply_err(&mut x, Some(required(SchemaType::Int64)), Value::Int64(1)),
        "Only Struct objects supported for [converting timestamp formats], found: java.lang.Long"
    );
    assert_eq!(
        apply_err(&mut x, Some(optional(SchemaType::Int64)), Value::Null),
        "Cannot list fields on non-struct type"
    );
    let schema = Arc::new(struct_of(&[("ts", optional(SchemaType::Boolean))]));
    assert_eq!(
        apply_err(&mut x, Some(schema.clone()), struct_value(&schema, &[])),
        "Schema Schema{BOOLEAN} does not correspond to a known timestamp type format"
    );
}

#[test]
fn lenient_parsing_and_strings_out() {
    let mut x = xform(&[
        ("target.type", "string"),
        ("format", "EEE, d MMM yyyy HH:mm:ss Z"),
    ]);
    let out = apply(
        &mut x,
        Some(required(SchemaType::String)),
        "Wed, 4 Jul 2001 12:08:56 -0700".into(),
    );
    assert_eq!(out.value, Value::from("Wed, 4 Jul 2001 19:08:56 +0000"));
    let mut x = xform(&[("target.type", "Date"), ("format", "yyyy-MM-dd")]);
    let out = apply(
        &mut x,
        Some(required(SchemaType::String)),
        "2017-13-45".into(),
    );
    assert_eq!(out.value_schema, Some(date(false)));
    assert_eq!(out.value, Value::Int32(17_576)); // 2018-02-14
}

#[test]
fn records_keep_everything_else() {
    let mut x = xform(&[("target.type", "unix"), ("field", "ts")]);
    let schema = Arc::new(struct_of(&[
        ("ts", timestamp(false)),
        (
            "tags",
            Arc::new(Schema::array(required(SchemaType::String))),
        ),
        ("name", optional(SchemaType::String)),
    ]));
    let value = struct_value(
        &schema,
        &[
            ("ts", Value::Int64(5)),
            ("tags", Value::Array(vec!["a".into(), "b".into()])),
            ("name", "n".into()),
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
    let out = run_one(&mut x, input.clone()).unwrap();
    assert_eq!(field(&out.value, "ts"), Value::Int64(5));
    assert_eq!(
        field(&out.value, "tags"),
        Value::Array(vec!["a".into(), "b".into()])
    );
    assert_eq!(field(&out.value, "name"), Value::from("n"));
    let unchanged = Record {
        value: input.value.clone(),
        value_schema: input.value_schema.clone(),
        ..out
    };
    assert_eq!(unchanged, input);
}

#[test]
fn struct_defaults_are_converted() {
    let mut x = xform(&[
        ("target.type", "string"),
        ("field", "ts"),
        ("format", "yyyy"),
    ]);
    let inner = struct_of(&[("ts", timestamp(false)), ("n", optional(SchemaType::Int32))]);
    let inner_arc = Arc::new(inner.clone());
    let mut schema = inner.into_optional();
    schema.default = Some(struct_value(&inner_arc, &[("ts", Value::Int64(0))]));
    let schema = Arc::new(schema);
    let out = apply(&mut x, Some(schema), Value::Null);
    let default = out.value_schema.unwrap().default.clone().unwrap();
    assert_eq!(field(&default, "ts"), Value::from("1970"));
}
