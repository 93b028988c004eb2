//! Apache's `ExtractFieldTest` and `SingleFieldPathTest`, and the edges
//! their code implies.

use std::sync::Arc;

use wasm_connect_sdk::prelude::*;

use super::*;
use crate::field_util::testkit::*;

const V2: (&str, &str) = ("field.syntax.version", "V2");

#[test]
fn schemaless() {
    let mut x: ExtractFieldKey = configure(&[("field", "magic")]).unwrap();
    let out = apply_one(
        &mut x,
        sink("test").with_key(None, map(&[("magic", Value::Int32(42))])),
    )
    .unwrap();
    assert_eq!(out.key_schema, None);
    assert_eq!(out.key, Value::Int32(42));
}

#[test]
fn schemaless_and_nested_path() {
    let mut x: ExtractFieldKey = configure(&[V2, ("field", "magic.foo")]).unwrap();
    let key = map(&[("magic", map(&[("foo", Value::Int32(42))]))]);
    let out = apply_one(&mut x, sink("test").with_key(None, key)).unwrap();
    assert_eq!(out.key_schema, None);
    assert_eq!(out.key, Value::Int32(42));
}

#[test]
fn null_schemaless() {
    let mut x: ExtractFieldKey = configure(&[("field", "magic")]).unwrap();
    let record = sink("test");
    assert_eq!(apply_one(&mut x, record.clone()).unwrap(), record);
}

#[test]
fn with_schema() {
    let mut x: ExtractFieldKey = configure(&[("field", "magic")]).unwrap();
    let schema = Arc::new(strukt(&[("magic", req(SchemaType::Int32))]));
    let key = value(&schema, &[("magic", Value::Int32(42))]);
    let out = apply_one(&mut x, sink("test").with_key(Some(schema), key)).unwrap();
    assert_eq!(out.key_schema, Some(req(SchemaType::Int32)));
    assert_eq!(out.key, Value::Int32(42));
}

#[test]
fn with_schema_and_nested_path() {
    let mut x: ExtractFieldKey = configure(&[V2, ("field", "magic.foo")]).unwrap();
    let foo = Arc::new(strukt(&[("foo", req(SchemaType::Int32))]));
    let schema = Arc::new(strukt(&[("magic", foo.clone())]));
    let key = value(
        &schema,
        &[("magic", value(&foo, &[("foo", Value::Int32(42))]))],
    );
    let out = apply_one(&mut x, sink("test").with_key(Some(schema), key)).unwrap();
    assert_eq!(out.key_schema, Some(req(SchemaType::Int32)));
    assert_eq!(out.key, Value::Int32(42));
}

#[test]
fn null_with_schema() {
    let mut x: ExtractFieldKey = configure(&[("field", "magic")]).unwrap();
    let schema = Arc::new(strukt(&[("magic", req(SchemaType::Int32))]).into_optional());
    let out = apply_one(&mut x, sink("test").with_key(Some(schema), Value::Null)).unwrap();
    assert_eq!(out.key_schema, Some(req(SchemaType::Int32)));
    assert_eq!(out.key, Value::Null);
}

#[test]
fn non_existent_fields() {
    let mut x: ExtractFieldKey = configure(&[("field", "nonexistent")]).unwrap();
    let out = apply_one(
        &mut x,
        sink("test").with_key(None, map(&[("magic", Value::Int32(42))])),
    )
    .unwrap();
    assert_eq!((out.key_schema, out.key), (None, Value::Null));

    let mut x: ExtractFieldKey = configure(&[V2, ("field", "magic.nonexistent")]).unwrap();
    let key = map(&[("magic", map(&[("foo", Value::Int32(42))]))]);
    let out = apply_one(&mut x, sink("test").with_key(None, key)).unwrap();
    assert_eq!((out.key_schema, out.key), (None, Value::Null));

    let mut x: ExtractFieldKey = configure(&[("field", "nonexistent")]).unwrap();
    let schema = Arc::new(strukt(&[("magic", req(SchemaType::Int32))]));
    let key = value(&schema, &[("magic", Value::Int32(42))]);
    assert_eq!(
        data_error(&mut x, sink("test").with_key(Some(schema), key)),
        "Unknown field: nonexistent"
    );

    let mut x: ExtractFieldKey = configure(&[V2, ("field", "magic.nonexistent")]).unwrap();
    let foo = Arc::new(strukt(&[("foo", req(SchemaType::Int32))]));
    let schema = Arc::new(strukt(&[("magic", foo.clone())]));
    let key = value(
        &schema,
        &[("magic", value(&foo, &[("foo", Value::Int32(42))]))],
    );
    assert_eq!(
        data_error(&mut x, sink("test").with_key(Some(schema), key)),
        "Unknown field: magic.nonexistent"
    );
}

#[test]
fn unset_optional_key_and_field() {
    for (replace, expected) in [("false", Value::Null), ("true", Value::Int32(42))] {
        let pairs = [
            ("field", "optional_with_default"),
            ("replace.null.with.default", replace),
        ];
        let schema = Arc::new(strukt(&[(
            "optional_with_default",
            opt_default(SchemaType::Int32, Value::Int32(42)),
        )]));
        let mut x: ExtractFieldKey = configure(&pairs).unwrap();
        let out = apply_one(
            &mut x,
            sink("test").with_key(Some(schema.clone()), value(&schema, &[])),
        )
        .unwrap();
        assert_eq!(out.key, expected);
        let mut x: ExtractFieldValue = configure(&pairs).unwrap();
        let out = apply_one(
            &mut x,
            sink("test").with_value(Some(schema.clone()), value(&schema, &[])),
        )
        .unwrap();
        assert_eq!(out.value, expected);
    }
}

/// `SingleFieldPathTest`: values in nested maps and structs.
#[test]
fn single_field_path_values() {
    let foo = map(&[("bar", Value::Int32(42)), ("baz", Value::Null)]);
    let m = map(&[("foo", foo)]);
    for (path, want) in [
        ("foo.bar", Value::Int32(42)),
        ("foo.baz", Value::Null),
        ("un.known", Value::Null),
        ("foo.unknown", Value::Null),
        ("unknown", Value::Null),
        ("foo.baz.inner", Value::Null),
    ] {
        let mut x: ExtractFieldValue = configure(&[V2, ("field", path)]).unwrap();
        assert_eq!(
            apply_one(&mut x, sink("t").with_value(None, m.clone()))
                .unwrap()
                .value,
            want,
            "{path}"
        );
    }

    let baz = Arc::new(strukt(&[("inner", req(SchemaType::String))]).into_optional());
    let bar = Arc::new(strukt(&[("bar", req(SchemaType::Int32)), ("baz", baz)]));
    let schema = Arc::new(strukt(&[("foo", bar.clone())]));
    let v = value(
        &schema,
        &[("foo", value(&bar, &[("bar", Value::Int32(42))]))],
    );
    for (path, want) in [
        ("foo.bar", Value::Int32(42)),
        ("foo.baz", Value::Null),
        ("foo.baz.inner", Value::Null),
    ] {
        let mut x: ExtractFieldValue = configure(&[V2, ("field", path)]).unwrap();
        let out = apply_one(
            &mut x,
            sink("t").with_value(Some(schema.clone()), v.clone()),
        )
        .unwrap();
        assert_eq!(out.value, want, "{path}");
    }
    for path in ["un.known", "foo.unknown", "unknown"] {
        let mut x: ExtractFieldValue = configure(&[V2, ("field", path)]).unwrap();
        let e = data_error(
            &mut x,
            sink("t").with_value(Some(schema.clone()), v.clone()),
        );
        assert_eq!(e, format!("Unknown field: {path}"));
    }
}

#[test]
fn nested_default_structs_are_followed() {
    let inner = Arc::new(strukt(&[("x", req(SchemaType::Int32))]));
    let default = value(&inner, &[("x", Value::Int32(7))]);
    let with_default = Arc::new(Schema {
        default: Some(default),
        ..(*inner).clone().into_optional()
    });
    let schema = Arc::new(strukt(&[("s", with_default)]));
    let mut x: ExtractFieldValue =
        configure(&[V2, ("field", "s.x"), ("replace.null.with.default", "false")]).unwrap();
    let out = apply_one(
        &mut x,
        sink("t").with_value(Some(schema.clone()), value(&schema, &[])),
    )
    .unwrap();
    assert_eq!(out.value, Value::Int32(7));
}

#[test]
fn errors_match_apache() {
    let mut x: ExtractFieldValue = configure(&[("field", "a")]).unwrap();
    assert_eq!(
        data_error(
            &mut x,
            sink("t").with_value(Some(opt(SchemaType::Int32)), Value::Null)
        ),
        "Cannot look up fields on non-struct type"
    );
    assert_eq!(
        data_error(
            &mut x,
            sink("t").with_value(Some(req(SchemaType::Int32)), Value::Int32(1))
        ),
        "Only Struct objects supported for [field extraction], found: java.lang.Integer"
    );
    assert_eq!(
        data_error(&mut x, sink("t").with_value(None, "s".into())),
        "Only Map objects supported in absence of schema for [field extraction], found: java.lang.String"
    );
    let mut x: ExtractFieldValue = configure(&[V2, ("field", "a.b")]).unwrap();
    assert_eq!(
        data_error(
            &mut x,
            sink("t").with_value(None, map(&[("a", Value::Int32(1))]))
        ),
        "Only Map objects supported in absence of schema for [nested field access], found: java.lang.Integer"
    );
    let schema = Arc::new(strukt(&[("a", req(SchemaType::Int32))]));
    assert_eq!(
        data_error(
            &mut x,
            sink("t").with_value(
                Some(schema.clone()),
                value(&schema, &[("a", Value::Int32(1))])
            )
        ),
        "Cannot look up fields on non-struct type"
    );
    let mut x: ExtractFieldValue = configure(&[V2, ("field", "")]).unwrap();
    assert_eq!(
        data_error(&mut x, sink("t").with_value(None, map(&[]))),
        "fromIndex(0) > toIndex(-1)"
    );
    assert_eq!(
        configure::<ExtractFieldValue>(&[V2, ("field", "`a.b")])
            .err()
            .unwrap(),
        "Incomplete backtick pair in path: [`a.b], consider adding a backslash before backtick at position 0 to escape it"
    );
    assert_eq!(
        configure::<ExtractFieldValue>(&[("field", "a"), ("field.syntax.version", "v3")])
            .err()
            .unwrap(),
        "Invalid value v3 for configuration field.syntax.version: String must be one of (case insensitive): V1, V2"
    );
}

#[test]
fn extracting_is_zero_copy() {
    let mut x: ExtractFieldValue = configure(&[("field", "s")]).unwrap();
    let big = "x".repeat(1000);
    let mut batch =
        Batch::from_records(&[sink("t").with_value(None, map(&[("s", big.as_str().into())]))])
            .unwrap();
    batch.share_all();
    let mut out = x.apply(batch).unwrap();
    let (_, appended) = out.take_unshared_data();
    assert!(appended.is_empty(), "nothing is copied");
}

#[test]
fn manifests_name_apache_classes() {
    assert_eq!(
        ExtractFieldKey::manifest().name,
        "wasmconnect.transforms.ExtractField$Key"
    );
    let m = ExtractFieldValue::manifest();
    assert_eq!(
        m.aliases,
        ["org.apache.kafka.connect.transforms.ExtractField$Value"]
    );
    assert_eq!(
        m.config.iter().map(|d| d.name.as_str()).collect::<Vec<_>>(),
        ["field", "replace.null.with.default", "field.syntax.version"]
    );
}

#[test]
fn trailing_dot_names_the_empty_field() {
    let mut x: ExtractFieldValue =
        configure(&[("field", "a."), ("field.syntax.version", " v2 ")]).unwrap();
    let v = map(&[("a", map(&[("", Value::Int32(5))]))]);
    assert_eq!(
        apply_one(&mut x, sink("t").with_value(None, v))
            .unwrap()
            .value,
        Value::Int32(5)
    );
}
