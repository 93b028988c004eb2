//! Tests of the `Values` port with the inputs and expectations of Apache's
//! `ValuesTest` and `SimpleHeaderConverterTest`, and `convertToString`
//! outputs recorded from Apache's code (see `golden.rs` for the replay of
//! generated inputs).

use std::sync::Arc;

use crate::java;
use crate::prelude::*;

use super::*;

fn schema(t: SchemaType) -> Arc<Schema> {
    Arc::new(Schema::new(t))
}

fn parsed(text: &str) -> (Option<Arc<Schema>>, Value) {
    match parse_string(text) {
        Parsed::Null => (None, Value::Null),
        Parsed::Text => (
            Some(primitive(SchemaType::String)),
            Value::String(text.into()),
        ),
        Parsed::Value(s, v) => (Some(s), v),
        Parsed::Unparseable => panic!("{text} is unparseable"),
    }
}

fn assert_string(text: &str) {
    assert_eq!(
        parse_string(text),
        Parsed::Text,
        "{text:?} should stay a string"
    );
}

/// Our `convertToString`, on a one-header batch: `None` for null, which
/// SimpleHeaderConverter writes as no bytes at all.
fn to_text(schema: Option<Arc<Schema>>, value: Value) -> Option<String> {
    let mut record = Record::new("t");
    record.headers.push(Header {
        key: "h".into(),
        schema,
        value,
    });
    let batch = Batch::from_records(&[record]).unwrap();
    let header = batch.header_desc(0).unwrap();
    if header.value.is_null() {
        return None;
    }
    let mut text = String::new();
    convert_to_string(&batch, header.value, header.schema, &mut text).unwrap();
    Some(text)
}

fn string_map(entries: &[(&str, Value)]) -> Value {
    Value::Map(
        entries
            .iter()
            .map(|(k, v)| (Value::from(*k), v.clone()))
            .collect(),
    )
}

#[test]
fn literals_and_whitespace() {
    const WHITESPACE: &str = "\n \t \t\n";
    assert_eq!(parse_string(""), Parsed::Text);
    assert_eq!(parse_string("null"), Parsed::Null);
    assert_eq!(
        parse_string(&format!("{WHITESPACE}null{WHITESPACE}")),
        Parsed::Null
    );
    assert_eq!(
        parsed(&format!("{WHITESPACE}true{WHITESPACE}")),
        (Some(schema(SchemaType::Boolean)), Value::Boolean(true))
    );
    assert_eq!(parsed("false").1, Value::Boolean(false));
    for text in [
        "null=",
        "true}",
        "false]",
        "{foo: 3}",
        "{3: foo}",
        "[foo]",
        "{6:9 4:20}",
        "[0 1 2]",
    ] {
        assert_string(text);
    }
    for text in [
        "{null: 3}",
        "[1, 2, 3,,,]",
        "[1, null]",
        "[null, 1]",
        "  ",
        "simple string",
    ] {
        assert_string(text);
    }
    // KAFKA-10574: U+FFFF must not end the parse early.
    assert_string("\u{ffff}");
}

#[test]
fn numbers_take_the_smallest_type() {
    for (text, value) in [
        ("1.0", Value::Int8(1)),
        ("1.1", Value::Float32(1.1)),
        ("300.0", Value::Int16(300)),
        ("300.01", Value::Float32(300.01)),
        ("66000.0", Value::Int32(66000)),
        ("66000.0008", Value::Float32(66000.0008)),
        ("-128", Value::Int8(-128)),
        ("-129", Value::Int16(-129)),
        ("2147483648", Value::Int64(2_147_483_648)),
        ("1e3", Value::Int16(1000)),
        ("1.5e40", Value::Float64(1.5e40)),
        ("3.4028235E38", Value::Float32(f32::MAX)),
        ("1.7976931348623157E308", Value::Float64(f64::MAX)),
    ] {
        assert_eq!(parsed(text).1, value, "{text}");
    }
    // Past `long`, integers are decimals of scale 0.
    let (s, v) = parsed("9223372036854775808");
    assert_eq!(s, Some(decimal_schema(0)));
    assert_eq!(v, Value::Bytes(vec![0x00, 0x80, 0, 0, 0, 0, 0, 0, 0]));
    let (s, _) = parsed("1e400");
    assert_eq!(s, Some(decimal_schema(-400)));
    // Java's top level stops after the first token.
    assert_eq!(parsed("12,13").1, Value::Int8(12));
    assert_string("12 abc");
    assert_string("NaN");
    // 10^|scale| past BigInteger's range throws, and the bytes are kept.
    assert_eq!(parse_string("1e2147483647"), Parsed::Unparseable);
}

#[test]
fn lists_and_maps_like_apache() {
    let (s, v) = parsed("[true, false]");
    assert_eq!(
        s,
        Some(Arc::new(Schema::array(schema(SchemaType::Boolean))))
    );
    assert_eq!(
        v,
        Value::Array(vec![Value::Boolean(true), Value::Boolean(false)])
    );

    // Elements widen to the largest number type.
    let (s, v) = parsed("[1, 2, 32768]");
    assert_eq!(s, Some(Arc::new(Schema::array(schema(SchemaType::Int32)))));
    assert_eq!(
        v,
        Value::Array(vec![Value::Int32(1), Value::Int32(2), Value::Int32(32768)])
    );
    let (_, v) = parsed(&format!("[1, 2, {}]", java::float_to_string(f32::MAX)));
    assert_eq!(
        v,
        Value::Array(vec![
            Value::Float32(1.0),
            Value::Float32(2.0),
            Value::Float32(f32::MAX)
        ])
    );

    // Mixed types: no element schema.
    let (s, v) = parsed("[1, 2, 300, \"four\"]");
    assert_eq!(s, Some(schema(SchemaType::Array)));
    assert_eq!(
        v,
        Value::Array(vec![
            Value::Int8(1),
            Value::Int8(2),
            Value::Int16(300),
            "four".into()
        ])
    );
    let (s, _) = parsed("{1:1, 2:1, 300:300, \"four\":1}");
    assert_eq!(s, Some(schema(SchemaType::Map)));

    // Keys widen together, values stay without a schema.
    let (s, v) = parsed("{1:1, 2:1, 300:300, 4:\"four\"}");
    let mut want = Schema::new(SchemaType::Map);
    want.key_schema = Some(schema(SchemaType::Int16));
    assert_eq!(s.as_deref(), Some(&want));
    assert_eq!(
        v,
        Value::Map(vec![
            (Value::Int16(1), Value::Int8(1)),
            (Value::Int16(2), Value::Int8(1)),
            (Value::Int16(300), Value::Int16(300)),
            (Value::Int16(4), "four".into()),
        ])
    );

    let (_, v) = parsed("{3: null}");
    assert_eq!(v, Value::Map(vec![(Value::Int8(3), Value::Null)]));
    assert_eq!(parsed("[null]").1, Value::Array(vec![Value::Null]));
    assert_eq!(parsed("[]").1, Value::Array(vec![]));
    assert_eq!(parsed("{}").1, Value::Map(vec![]));
    let (s, _) = parsed("[[]]");
    assert_eq!(
        s.and_then(|s| s.value_schema.clone())
            .map(|s| s.schema_type),
        Some(SchemaType::Array)
    );
    let (s, _) = parsed("{\"a\":[]}");
    assert_eq!(
        s.and_then(|s| s.value_schema.clone())
            .map(|s| s.schema_type),
        Some(SchemaType::Array)
    );
    // Java's parser lets a trailing comma pass.
    assert_eq!(parsed("[1, ]").1, Value::Array(vec![Value::Int8(1)]));
}

#[test]
fn dates_times_and_timestamps() {
    let (s, v) = parsed("2019-08-23T14:34:54.346Z");
    assert_eq!(s, Some(timestamp_schema()));
    assert_eq!(v, Value::Int64(1_566_570_894_346));
    let (s, v) = parsed("2019-08-23");
    assert_eq!(s, Some(date_schema()));
    assert_eq!(v, Value::Int32(18131));
    let (s, v) = parsed("14:34:54.346Z");
    assert_eq!(s, Some(time_schema()));
    assert_eq!(v, Value::Int32(52_494_346));
    assert_eq!(
        parsed("2019-08-23T14\\:34\\:54.346Z").1,
        Value::Int64(1_566_570_894_346)
    );
    assert_eq!(parsed("14\\:34\\:54.346Z").1, Value::Int32(52_494_346));

    let (s, v) =
        parsed("[2019-08-23T14:34:54.346Z,2019-01-23T15:12:34.567Z,   2019-04-23T19:12:34.567Z]");
    assert_eq!(s, Some(Arc::new(Schema::array(timestamp_schema()))));
    assert_eq!(
        v,
        Value::Array(vec![
            Value::Int64(1_566_570_894_346),
            Value::Int64(1_548_256_354_567),
            Value::Int64(1_556_046_754_567),
        ])
    );
    let (s, v) = parsed("{\"k1\":\"14:34:54.346Z\"}");
    assert_eq!(
        s,
        Some(Arc::new(Schema::map(
            schema(SchemaType::String),
            time_schema()
        )))
    );
    assert_eq!(v, string_map(&[("k1", Value::Int32(52_494_346))]));
    // A date and a time share no schema Connect can hold.
    assert_string("[2019-08-23, 14:34:54.346Z]");
}

#[test]
fn quoted_strings_keep_their_escapes() {
    let (s, v) = parsed("{\"foo\":\"123\",\"bar\":\"baz\"}");
    assert_eq!(
        s,
        Some(Arc::new(Schema::map(
            schema(SchemaType::String),
            schema(SchemaType::String)
        )))
    );
    assert_eq!(
        v,
        string_map(&[("foo", "123".into()), ("bar", "baz".into())])
    );
    assert_eq!(
        parsed("{ \"foo\" : \"123\", \n\"bar\" : \"baz\" } ").1,
        string_map(&[("foo", "123".into()), ("bar", "baz".into())])
    );
    // Apache does not unescape, and drops blank tokens inside quotes.
    assert_eq!(
        parsed("[\"a\\\"b\"]").1,
        Value::Array(vec!["a\\\"b".into()])
    );
    assert_eq!(parsed("[\"a, ,b\"]").1, Value::Array(vec!["a,,b".into()]));
}

#[test]
fn simple_header_converter_round_trips() {
    // SimpleHeaderConverterTest's cases: what is written reads back equal,
    // with the schema Apache infers.
    let int_map = string_map(&[
        ("foo", Value::Int32(1_234_567_890)),
        ("bar", Value::Int32(0)),
        ("baz", Value::Int32(-987_654_321)),
    ]);
    let short_map = string_map(&[
        ("foo", Value::Int16(12345)),
        ("bar", Value::Int16(0)),
        ("baz", Value::Int16(-4321)),
    ]);
    let cases: Vec<(Arc<Schema>, Value)> = vec![
        (schema(SchemaType::String), "simple".into()),
        (schema(SchemaType::String), "".into()),
        (schema(SchemaType::String), "three\"blind\\\"mice".into()),
        (
            schema(SchemaType::String),
            "string with delimiters: <>?,./\\=+-!@#$%^&*(){}[]|;':".into(),
        ),
        (
            Arc::new(Schema::map(
                schema(SchemaType::String),
                schema(SchemaType::String),
            )),
            string_map(&[("foo", "123".into()), ("bar", "baz".into())]),
        ),
        (
            Arc::new(Schema::map(
                schema(SchemaType::String),
                schema(SchemaType::Int16),
            )),
            short_map,
        ),
        (
            Arc::new(Schema::map(
                schema(SchemaType::String),
                schema(SchemaType::Int32),
            )),
            int_map,
        ),
        (
            Arc::new(Schema::array(schema(SchemaType::String))),
            Value::Array(vec!["foo".into(), "bar".into()]),
        ),
        (
            Arc::new(Schema::array(schema(SchemaType::Int32))),
            Value::Array(vec![
                Value::Int32(1_234_567_890),
                Value::Int32(-987_654_321),
            ]),
        ),
        (schema(SchemaType::Boolean), Value::Boolean(false)),
        (schema(SchemaType::Int8), Value::Int8(1)),
        (schema(SchemaType::Int64), Value::Int64(i64::MAX)),
        // (1.0 would come back as the int8 1, in Apache too.)
        (schema(SchemaType::Float32), Value::Float32(1.5)),
        (schema(SchemaType::Float64), Value::Float64(1.0e300)),
        (date_schema(), Value::Int32(18131)),
        (time_schema(), Value::Int32(52_494_346)),
        (timestamp_schema(), Value::Int64(1_566_570_894_346)),
        // Only integers past `long` read back as decimals (-123.45 would
        // come back as a float, in Apache too).
        (
            decimal_schema(0),
            Value::Bytes(
                decimal::BigDecimal::parse("-123456789012345678901234567890")
                    .unwrap()
                    .unscaled_bytes(),
            ),
        ),
    ];
    for (schema, value) in cases {
        let text = to_text(Some(schema.clone()), value.clone()).unwrap();
        assert_eq!(parsed(&text), (Some(schema), value), "{text}");
    }
    // Null stays null both ways.
    assert_eq!(
        to_text(
            Some(Arc::new(Schema::optional(SchemaType::String))),
            Value::Null
        ),
        None
    );
    assert_eq!(parse_string("null"), Parsed::Null);
    // Mixed values come back without an element schema.
    let mixed = Value::Array(vec!["foo".into(), Value::Int16(13344)]);
    let text = to_text(None, mixed.clone()).unwrap();
    assert_eq!(
        parsed(&text),
        (Some(Arc::new(Schema::new(SchemaType::Array))), mixed)
    );
}

/// What `Values.convertToString` printed for the same values (see the
/// module comment for how these were obtained).
#[test]
fn convert_to_string_matches_apache() {
    let opt = |t| Arc::new(Schema::optional(t));
    let inner = Arc::new(
        Schema::structure(vec![Field {
            name: "x".into(),
            schema: opt(SchemaType::Float64),
        }])
        .named("Inner"),
    );
    let mut level = Schema::optional(SchemaType::Int16);
    level.default = Some(Value::Int16(3));
    let person = Arc::new(
        Schema::structure(vec![
            Field {
                name: "name".into(),
                schema: schema(SchemaType::String),
            },
            Field {
                name: "age".into(),
                schema: opt(SchemaType::Int32),
            },
            Field {
                name: "tags".into(),
                schema: Arc::new(Schema::array(schema(SchemaType::String))),
            },
            Field {
                name: "inner".into(),
                schema: inner.clone(),
            },
            Field {
                name: "level".into(),
                schema: Arc::new(level),
            },
            Field {
                name: "born".into(),
                schema: date_schema(),
            },
            Field {
                name: "raw".into(),
                schema: opt(SchemaType::Bytes),
            },
        ])
        .named("Person"),
    );
    let mut inner_value = Struct::new(inner.clone());
    inner_value.put("x", Value::Float64(1.5));
    let mut s = Struct::new(person.clone());
    s.put("name", "ann \"the\" \\ one".into());
    s.put("tags", Value::Array(vec!["a".into(), "b,c".into()]));
    s.put("inner", Value::Struct(inner_value.clone()));
    s.put("born", Value::Int32(18131));
    s.put("raw", Value::Bytes(vec![1, 2, 255]));
    let ts = |ms| (timestamp_schema(), Value::Int64(ms));
    let cases: Vec<((Arc<Schema>, Value), &str)> = vec![
        (
            (person, Value::Struct(s)),
            r#"{"name":"ann \"the\" \\ one","age":null,"tags":["a","b,c"],"inner":{"x":1.5},"level":3,"born":2019-08-23,"raw":"AQL/"}"#,
        ),
        (
            (
                schema(SchemaType::Bytes),
                Value::Bytes(vec![0xff, 0xfe, 0, 1]),
            ),
            "//4AAQ==",
        ),
        (
            (
                Arc::new(Schema::array(schema(SchemaType::Bytes))),
                Value::Array(vec![Value::Bytes(b"fo".to_vec()), Value::Bytes(vec![])]),
            ),
            r#"["Zm8=",""]"#,
        ),
        (
            (decimal_schema(2), Value::Bytes(vec![0xcf, 0xc7])),
            "-123.45",
        ),
        ((decimal_schema(-3), Value::Bytes(vec![12])), "1.2E+4"),
        ((decimal_schema(8), Value::Bytes(vec![12])), "1.2E-7"),
        (
            (
                Arc::new(Schema::array(decimal_schema(2))),
                Value::Array(vec![Value::Bytes(vec![100]), Value::Bytes(vec![0xfb])]),
            ),
            "[1.00,-0.05]",
        ),
        ((date_schema(), Value::Int32(0)), "00:00:00.000Z"),
        ((date_schema(), Value::Int32(18131)), "2019-08-23"),
        ((date_schema(), Value::Int32(-719_162)), "00:00:00.000Z"),
        ((time_schema(), Value::Int32(52_494_346)), "14:34:54.346Z"),
        (ts(1_566_570_894_346), "2019-08-23T14:34:54.346Z"),
        (ts(1_566_518_400_000), "2019-08-23"),
        (ts(-1), "23:59:59.999Z"),
        (ts(-62_135_596_800_000 + 1), "00:00:00.001Z"),
        (ts(253_402_300_800_001), "10000-01-01T00:00:00.001Z"),
        (
            (
                Arc::new(Schema::array(time_schema())),
                Value::Array(vec![Value::Int32(1), Value::Int32(86_399_999)]),
            ),
            "[00:00:00.001Z,23:59:59.999Z]",
        ),
        ((schema(SchemaType::Float32), Value::Float32(1.0)), "1.0"),
        (
            (schema(SchemaType::Float32), Value::Float32(1e10)),
            "1.0E10",
        ),
        (
            (schema(SchemaType::Float64), Value::Float64(0.1 + 0.2)),
            "0.30000000000000004",
        ),
        (
            (schema(SchemaType::Float64), Value::Float64(1e-5)),
            "1.0E-5",
        ),
        (
            (
                Arc::new(Schema::map(schema(SchemaType::Int32), inner.clone())),
                Value::Map(vec![
                    (Value::Int32(1), Value::Struct(inner_value)),
                    (Value::Int32(-2), Value::Struct(Struct::new(inner))),
                ]),
            ),
            r#"{1:{"x":1.5},-2:{"x":null}}"#,
        ),
        (
            (
                schema(SchemaType::String),
                "a \"quoted\" \\ string, [with] {delims}: ok".into(),
            ),
            "a \"quoted\" \\ string, [with] {delims}: ok",
        ),
        (
            (
                Arc::new(Schema::array(schema(SchemaType::String))),
                Value::Array(vec!["a\"b".into(), "c\\d".into(), "".into()]),
            ),
            r#"["a\"b","c\\d",""]"#,
        ),
        ((schema(SchemaType::Boolean), Value::Boolean(true)), "true"),
        ((schema(SchemaType::Int8), Value::Int8(-128)), "-128"),
        ((schema(SchemaType::Int16), Value::Int16(32767)), "32767"),
        (
            (schema(SchemaType::Int32), Value::Int32(i32::MIN)),
            "-2147483648",
        ),
        (
            (schema(SchemaType::Int64), Value::Int64(i64::MAX)),
            "9223372036854775807",
        ),
        (
            (
                Arc::new(Schema::array(Arc::new(Schema::array(opt(
                    SchemaType::Int8,
                ))))),
                Value::Array(vec![
                    Value::Array(vec![Value::Int8(1), Value::Null]),
                    Value::Array(vec![]),
                ]),
            ),
            "[[1,null],[]]",
        ),
    ];
    for ((schema, value), want) in cases {
        assert_eq!(to_text(Some(schema), value).as_deref(), Some(want));
    }
    // Schemaless values print by their own type.
    let map = Value::Map(vec![
        (
            "k\"q".into(),
            Value::Array(vec![Value::Int64(1), Value::Null, Value::Int64(3)]),
        ),
        ("e".into(), Value::Map(vec![])),
    ]);
    assert_eq!(
        to_text(None, map).as_deref(),
        Some(r#"{"k\"q":[1,null,3],"e":{}}"#)
    );
}

/// Java (JDK 19+) prints the shortest digits that read back as the float
/// and, between two equally near, the even one; the SDK's
/// `java::float_to_string` takes the upper one. Recorded here so the day
/// the SDK is fixed, this test says so.
#[test]
fn float_ties_print_as_java() {
    // -1659828.25f: Java prints -1659828.2.
    let text = to_text(
        Some(schema(SchemaType::Float32)),
        Value::Float32(f32::from_bits(0xc9ca_9da2)),
    );
    assert_eq!(
        text.as_deref(),
        Some("-1659828.2"),
        "Java prints the even digit on a tie"
    );
}
