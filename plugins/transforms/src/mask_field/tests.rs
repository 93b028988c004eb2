//! Apache's `MaskFieldTest`, and the edges its code implies.

use std::sync::Arc;

use wasm_connect_sdk::prelude::*;

use super::*;
use crate::field_util::testkit::*;

fn schema() -> Arc<Schema> {
    Arc::new(strukt(&[
        ("magic", req(SchemaType::Int32)),
        ("bool", req(SchemaType::Boolean)),
        ("byte", req(SchemaType::Int8)),
        ("short", req(SchemaType::Int16)),
        ("int", req(SchemaType::Int32)),
        ("long", req(SchemaType::Int64)),
        ("float", req(SchemaType::Float32)),
        ("double", req(SchemaType::Float64)),
        ("string", req(SchemaType::String)),
        ("date", Arc::new(date_schema())),
        ("time", Arc::new(time_schema())),
        ("timestamp", Arc::new(timestamp_schema(false))),
        ("decimal", Arc::new(decimal_schema(0))),
        ("array", Arc::new(Schema::array(req(SchemaType::Int32)))),
        (
            "map",
            Arc::new(Schema::map(
                req(SchemaType::String),
                req(SchemaType::String),
            )),
        ),
        (
            "withDefault",
            opt_default(SchemaType::String, "default".into()),
        ),
    ]))
}

fn values_with_schema() -> Value {
    value(
        &schema(),
        &[
            ("magic", Value::Int32(42)),
            ("bool", Value::Boolean(true)),
            ("byte", Value::Int8(42)),
            ("short", Value::Int16(42)),
            ("int", Value::Int32(42)),
            ("long", Value::Int64(42)),
            ("float", Value::Float32(42.0)),
            ("double", Value::Float64(42.0)),
            ("string", "hmm".into()),
            ("date", Value::Int32(19_000)),
            ("time", Value::Int32(1_000)),
            ("timestamp", Value::Int64(1_700_000_000_000)),
            ("decimal", Value::Bytes(vec![42])),
            (
                "array",
                Value::Array(vec![Value::Int32(1), Value::Int32(2), Value::Int32(3)]),
            ),
            ("map", Value::Map(vec![("what".into(), "what".into())])),
        ],
    )
}

/// Apache's schemaless VALUES, less the Java-only classes (Date,
/// BigInteger, BigDecimal have no schemaless form here).
fn values() -> Value {
    map(&[
        ("magic", Value::Int32(42)),
        ("bool", Value::Boolean(true)),
        ("byte", Value::Int8(42)),
        ("short", Value::Int16(42)),
        ("int", Value::Int32(42)),
        ("long", Value::Int64(42)),
        ("float", Value::Float32(42.0)),
        ("double", Value::Float64(42.0)),
        ("string", "55.121.20.20".into()),
        ("list", Value::Array(vec![Value::Int32(42)])),
        ("map", Value::Map(vec![("key".into(), "value".into())])),
    ])
}

fn transform(fields: &str, replacement: Option<&str>) -> Result<MaskFieldValue, String> {
    let mut pairs = vec![("fields", fields), ("replace.null.with.default", "false")];
    if let Some(r) = replacement {
        pairs.push(("replacement", r));
    }
    configure(&pairs)
}

fn mask_schemaless(fields: &str, replacement: Option<&str>) -> Result<Value, String> {
    let mut x = transform(fields, replacement)?;
    apply_one(&mut x, sink("").with_value(None, values()))
        .map(|r| r.value)
        .map_err(|e| e.message)
}

fn mask_with_schema(fields: &str, replacement: Option<&str>) -> Result<Value, String> {
    let mut x = transform(fields, replacement)?;
    apply_one(
        &mut x,
        sink("").with_value(Some(schema()), values_with_schema()),
    )
    .map(|r| r.value)
    .map_err(|e| e.message)
}

#[test]
fn schemaless() {
    let v = mask_schemaless(
        "bool,byte,short,int,long,float,double,string,list,map",
        None,
    )
    .unwrap();
    assert_eq!(
        v,
        map(&[
            ("magic", Value::Int32(42)),
            ("bool", Value::Boolean(false)),
            ("byte", Value::Int8(0)),
            ("short", Value::Int16(0)),
            ("int", Value::Int32(0)),
            ("long", Value::Int64(0)),
            ("float", Value::Float32(0.0)),
            ("double", Value::Float64(0.0)),
            ("string", "".into()),
            ("list", Value::Array(vec![])),
            ("map", Value::Map(vec![])),
        ])
    );
}

#[test]
fn with_schema() {
    let fields = "bool,byte,short,int,long,float,double,string,date,time,timestamp,decimal,array,map,withDefault";
    let v = mask_with_schema(fields, None).unwrap();
    assert_eq!(get(&v, "magic"), &Value::Int32(42));
    assert_eq!(get(&v, "bool"), &Value::Boolean(false));
    assert_eq!(get(&v, "byte"), &Value::Int8(0));
    assert_eq!(get(&v, "short"), &Value::Int16(0));
    assert_eq!(get(&v, "int"), &Value::Int32(0));
    assert_eq!(get(&v, "long"), &Value::Int64(0));
    assert_eq!(get(&v, "float"), &Value::Float32(0.0));
    assert_eq!(get(&v, "double"), &Value::Float64(0.0));
    assert_eq!(get(&v, "string"), &Value::from(""));
    // new Date(0) in Date, Time and Timestamp.
    assert_eq!(get(&v, "date"), &Value::Int32(0));
    assert_eq!(get(&v, "time"), &Value::Int32(0));
    assert_eq!(get(&v, "timestamp"), &Value::Int64(0));
    // BigDecimal.ZERO.
    assert_eq!(get(&v, "decimal"), &Value::Bytes(vec![0]));
    assert_eq!(get(&v, "array"), &Value::Array(vec![]));
    assert_eq!(get(&v, "map"), &Value::Map(vec![]));
    assert_eq!(get(&v, "withDefault"), &Value::Null);
}

#[test]
fn schemaless_with_replacement() {
    let cases = [
        ("short", Value::Int16(123)),
        ("byte", Value::Int8(123)),
        ("int", Value::Int32(123)),
        ("long", Value::Int64(123)),
        ("float", Value::Float32(123.0)),
        ("double", Value::Float64(123.0)),
        ("string", "123".into()),
    ];
    for (field, want) in cases {
        let replacement = match &want {
            Value::Float32(_) | Value::Float64(_) => "123.0",
            _ => "123",
        };
        let v = mask_schemaless(field, Some(replacement)).unwrap();
        assert_eq!(map_entry(&v, field), Some(&want), "{field}");
    }
}

#[test]
fn schemaless_unsupported_replacement_type() {
    for (fields, class) in [
        ("bool", "java.lang.Boolean"),
        ("list", "java.util.ArrayList"),
        ("map", "java.util.HashMap"),
    ] {
        assert_eq!(
            mask_schemaless(fields, Some("123")).unwrap_err(),
            format!("Cannot mask value of type class {class} with custom replacement.")
        );
    }
}

#[test]
fn with_schema_and_replacement() {
    let cases = [
        ("short", "123", Value::Int16(123)),
        ("byte", "123", Value::Int8(123)),
        ("int", "123", Value::Int32(123)),
        ("long", "123", Value::Int64(123)),
        ("float", "123.0", Value::Float32(123.0)),
        ("double", "123.0", Value::Float64(123.0)),
        ("string", "123", "123".into()),
        ("decimal", "123", Value::Bytes(vec![123])),
    ];
    for (field, replacement, want) in cases {
        let v = mask_with_schema(field, Some(replacement)).unwrap();
        assert_eq!(get(&v, field), &want, "{field}");
    }
}

#[test]
fn decimal_replacement_must_have_the_schema_scale() {
    // Apache keeps BigDecimal("123.0") (scale 1) in a scale-0 field, and its
    // converters then reject the record; the Connect encoding cannot hold it.
    assert_eq!(
        mask_with_schema("decimal", Some("123.0")).unwrap_err(),
        "Decimal value has mismatching scale for given Decimal schema. Schema has scale 0, value has scale 1."
    );
    assert_eq!(
        mask_with_schema("decimal", Some("foo")).unwrap_err(),
        "Unable to convert foo (class java.lang.String) to number"
    );
    let s = Arc::new(strukt(&[("d", Arc::new(decimal_schema(2)))]));
    let mut x = transform("d", Some("-12.30")).unwrap();
    let out = apply_one(
        &mut x,
        sink("t").with_value(Some(s.clone()), value(&s, &[("d", Value::Bytes(vec![1]))])),
    );
    assert_eq!(get(&out.unwrap().value, "d"), &Value::Bytes(vec![251, 50]));
    let mut x = transform("d", None).unwrap();
    let out = apply_one(
        &mut x,
        sink("t").with_value(Some(s.clone()), value(&s, &[("d", Value::Bytes(vec![1]))])),
    );
    assert_eq!(
        out.unwrap_err().message,
        "Decimal value has mismatching scale for given Decimal schema. Schema has scale 2, value has scale 0."
    );
}

#[test]
fn with_schema_unsupported_replacement_type() {
    for (field, class) in [
        ("time", "java.util.Date"),
        ("timestamp", "java.util.Date"),
        ("date", "java.util.Date"),
        ("array", "java.util.ArrayList"),
    ] {
        assert_eq!(
            mask_with_schema(field, Some("123")).unwrap_err(),
            format!("Cannot mask value of type class {class} with custom replacement.")
        );
    }
}

#[test]
fn replacement_type_mismatch() {
    for field in [
        "byte",
        "short",
        "int",
        "long",
        "float",
        "double",
        "string,int",
    ] {
        assert_eq!(
            mask_schemaless(field, Some("foo")).unwrap_err(),
            "Unable to convert foo (class java.lang.String) to a number",
            "{field}"
        );
    }
    assert_eq!(
        mask_schemaless("double", Some("NaN")).unwrap_err(),
        "Unable to convert NaN (class java.lang.String) to a number"
    );
}

#[test]
fn replacement_converts_like_java() {
    let mut x = transform("a,b,c,d", Some("1e40")).unwrap();
    let v = map(&[
        ("a", Value::Float32(1.0)),
        ("b", Value::Float64(1.0)),
        ("c", Value::Int32(1)),
        ("d", Value::Int8(1)),
    ]);
    let out = apply_one(&mut x, sink("t").with_value(None, v))
        .unwrap()
        .value;
    assert_eq!(
        out,
        map(&[
            ("a", Value::Float32(f32::INFINITY)),
            ("b", Value::Float64(1e40)),
            ("c", Value::Int32(0)),
            ("d", Value::Int8(0)),
        ])
    );
    let mut x = transform("c,l", Some(" -3000000000.7 ")).unwrap();
    let v = map(&[("c", Value::Int32(1)), ("l", Value::Int64(1))]);
    let out = apply_one(&mut x, sink("t").with_value(None, v))
        .unwrap()
        .value;
    assert_eq!(
        out,
        map(&[
            ("c", Value::Int32(1_294_967_296)),
            ("l", Value::Int64(-3_000_000_000))
        ])
    );
}

#[test]
fn empty_replacement_and_fields_are_config_errors() {
    assert_eq!(
        transform("short", Some("")).err().unwrap(),
        "Invalid value  for configuration replacement: String must be non-empty"
    );
    assert_eq!(
        transform("short", Some("  ")).err().unwrap(),
        "Invalid value  for configuration replacement: String must be non-empty"
    );
    assert_eq!(
        transform("", None).err().unwrap(),
        "Invalid value [] for configuration fields: Empty list"
    );
    assert_eq!(
        configure::<MaskFieldValue>(&[]).err().unwrap(),
        "Missing required configuration \"fields\" which has no default value."
    );
}

#[test]
fn null_list_and_map_replacements() {
    let v = mask_with_schema("array,map", None).unwrap();
    assert_eq!(get(&v, "array"), &Value::Array(vec![]));
    assert_eq!(get(&v, "map"), &Value::Map(vec![]));
}

#[test]
fn absent_fields_are_added_as_null_and_null_stays_null() {
    let mut x = transform("a,b", None).unwrap();
    let out = apply_one(
        &mut x,
        sink("t").with_value(None, map(&[("a", Value::Int32(1)), ("c", Value::Null)])),
    );
    assert_eq!(
        out.unwrap().value,
        map(&[
            ("a", Value::Int32(0)),
            ("c", Value::Null),
            ("b", Value::Null)
        ])
    );
}

#[test]
fn unsupported_types_and_tombstones_fail_as_in_apache() {
    let mut x = transform("b", None).unwrap();
    let bytes = map(&[("b", Value::Bytes(vec![1]))]);
    assert_eq!(
        data_error(&mut x, sink("t").with_value(None, bytes)),
        "Cannot mask value of type: class [B"
    );
    assert_eq!(
        data_error(&mut x, sink("t")),
        "Only Map objects supported in absence of schema for [mask fields], found: null"
    );
    let s = Arc::new(strukt(&[("b", opt(SchemaType::Int32))]).into_optional());
    assert_eq!(
        data_error(&mut x, sink("t").with_value(Some(s), Value::Null)),
        "Only Struct objects supported for [mask fields], found: null"
    );
    let inner = Arc::new(strukt(&[("x", opt(SchemaType::Int32))]));
    let s = Arc::new(strukt(&[("b", inner.clone())]));
    let v = value(&s, &[("b", value(&inner, &[]))]);
    assert_eq!(
        data_error(&mut x, sink("t").with_value(Some(s), v)),
        "Cannot mask value of type: class org.apache.kafka.connect.data.Struct"
    );
}

#[test]
fn unmasked_struct_keeps_its_value_and_schema() {
    let pairs = [
        ("fields", "nothere"),
        ("replace.null.with.default", "false"),
    ];
    let mut x: MaskFieldKey = configure(&pairs).unwrap();
    let record = sink("t").with_key(Some(schema()), values_with_schema());
    assert_eq!(apply_one(&mut x, record.clone()).unwrap(), record);
    // By default Apache copies every field with Struct.get, which fills in
    // defaults.
    let mut x: MaskFieldKey = configure(&[("fields", "nothere")]).unwrap();
    let out = apply_one(&mut x, record).unwrap();
    assert_eq!(get(&out.key, "withDefault"), &Value::from("default"));
}

#[test]
fn manifests_name_apache_classes() {
    assert_eq!(
        MaskFieldKey::manifest().name,
        "wasmconnect.transforms.MaskField$Key"
    );
    assert_eq!(
        MaskFieldValue::manifest().aliases,
        ["org.apache.kafka.connect.transforms.MaskField$Value"]
    );
}

#[test]
fn blank_items_name_the_empty_field() {
    let mut x: MaskFieldValue = configure(&[("fields", " , ")]).unwrap();
    let out = apply_one(
        &mut x,
        sink("t").with_value(None, map(&[("a", Value::Int32(1))])),
    )
    .unwrap();
    assert_eq!(out.value, map(&[("a", Value::Int32(1)), ("", Value::Null)]));
}
