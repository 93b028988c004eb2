//! Apache's `ReplaceFieldTest` (3.9, with the deprecated keys), and the
//! edges its code implies.

use std::sync::Arc;

use wasm_connect_sdk::prelude::*;

use super::*;
use crate::field_util::testkit::*;

fn four_field_schema() -> Arc<Schema> {
    Arc::new(strukt(&[
        ("dont", req(SchemaType::String)),
        ("abc", req(SchemaType::Int32)),
        ("foo", req(SchemaType::Boolean)),
        ("etc", req(SchemaType::String)),
    ]))
}

fn four_values() -> [(&'static str, Value); 4] {
    [
        ("dont", "whatever".into()),
        ("abc", Value::Int32(42)),
        ("foo", Value::Boolean(true)),
        ("etc", "etc".into()),
    ]
}

#[test]
fn tombstones_pass_through() {
    let mut x: ReplaceFieldValue =
        configure(&[("include", "abc,foo"), ("renames", "abc:xyz,foo:bar")]).unwrap();
    let record = sink("test");
    assert_eq!(apply_one(&mut x, record.clone()).unwrap(), record);
    let schema = Arc::new((*four_field_schema()).clone().into_optional());
    let record = sink("test").with_value(Some(schema), Value::Null);
    assert_eq!(apply_one(&mut x, record.clone()).unwrap(), record);
}

#[test]
fn schemaless() {
    let mut x: ReplaceFieldValue =
        configure(&[("exclude", "dont"), ("renames", "abc:xyz,foo:bar")]).unwrap();
    let record = sink("test").with_value(None, map(&four_values()));
    let v = apply_one(&mut x, record).unwrap().value;
    assert_eq!(
        v,
        map(&[
            ("xyz", Value::Int32(42)),
            ("bar", Value::Boolean(true)),
            ("etc", "etc".into())
        ])
    );
}

#[test]
fn with_schema() {
    let mut x: ReplaceFieldValue =
        configure(&[("include", "abc,foo"), ("renames", "abc:xyz,foo:bar")]).unwrap();
    let schema = four_field_schema();
    let record = sink("test").with_value(Some(schema.clone()), value(&schema, &four_values()));
    let out = apply_one(&mut x, record).unwrap();
    let s = out.value_schema.unwrap();
    assert_eq!(s.fields.len(), 2);
    assert_eq!(
        *s.field("xyz").unwrap().1.schema,
        Schema::new(SchemaType::Int32)
    );
    assert_eq!(get(&out.value, "xyz"), &Value::Int32(42));
    assert_eq!(get(&out.value, "bar"), &Value::Boolean(true));
}

#[test]
fn schema_basics_are_copied() {
    let mut x: ReplaceFieldValue = configure(&[("exclude", "b")]).unwrap();
    let schema = Arc::new(Schema {
        name: Some("n".into()),
        version: Some(3),
        doc: Some("d".into()),
        parameters: vec![("p".into(), "q".into())],
        ..strukt(&[("a", req(SchemaType::Int32)), ("b", req(SchemaType::Int32))])
    });
    let record = sink("t").with_value(
        Some(schema.clone()),
        value(&schema, &[("a", Value::Int32(1)), ("b", Value::Int32(2))]),
    );
    let s = apply_one(&mut x, record).unwrap().value_schema.unwrap();
    let want = Schema {
        name: Some("n".into()),
        version: Some(3),
        doc: Some("d".into()),
        parameters: vec![("p".into(), "q".into())],
        ..strukt(&[("a", req(SchemaType::Int32))])
    };
    assert_eq!(*s, want);
}

#[test]
fn replace_null_with_default_on_value_and_key() {
    for (replace, expected) in [("false", Value::Null), ("true", Value::Int32(42))] {
        let pairs = [
            ("include", "abc"),
            ("renames", "abc:optional_with_default"),
            ("replace.null.with.default", replace),
        ];
        let schema = Arc::new(strukt(&[(
            "abc",
            opt_default(SchemaType::Int32, Value::Int32(42)),
        )]));

        let mut x: ReplaceFieldValue = configure(&pairs).unwrap();
        let record = sink("test").with_value(Some(schema.clone()), value(&schema, &[]));
        let out = apply_one(&mut x, record).unwrap();
        assert_eq!(out.value_schema.unwrap().fields.len(), 1);
        assert_eq!(get(&out.value, "optional_with_default"), &expected);

        let mut x: ReplaceFieldKey = configure(&pairs).unwrap();
        let record = sink("test").with_key(Some(schema.clone()), value(&schema, &[]));
        let out = apply_one(&mut x, record).unwrap();
        assert_eq!(get(&out.key, "optional_with_default"), &expected);
    }
}

#[test]
fn deprecated_include_and_exclude_still_work() {
    // Apache 3.x's testIncludeBackwardsCompatibility / testExcludeBackwardsCompatibility.
    let mut x: ReplaceFieldValue =
        configure(&[("whitelist", "abc,foo"), ("renames", "abc:xyz,foo:bar")]).unwrap();
    let record = sink("test");
    assert_eq!(apply_one(&mut x, record.clone()).unwrap(), record);
    let record = sink("test").with_value(None, map(&four_values()));
    let v = apply_one(&mut x, record).unwrap().value;
    assert_eq!(
        v,
        map(&[("xyz", Value::Int32(42)), ("bar", Value::Boolean(true))])
    );

    let mut x: ReplaceFieldValue =
        configure(&[("blacklist", "dont"), ("renames", "abc:xyz,foo:bar")]).unwrap();
    let record = sink("test").with_value(None, map(&four_values()));
    let v = apply_one(&mut x, record).unwrap().value;
    assert_eq!(
        v,
        map(&[
            ("xyz", Value::Int32(42)),
            ("bar", Value::Boolean(true)),
            ("etc", "etc".into())
        ])
    );

    // The current key wins over its deprecated alias.
    let mut x: ReplaceFieldValue = configure(&[("blacklist", "a"), ("exclude", "b")]).unwrap();
    let record = sink("t").with_value(None, map(&[("a", Value::Int32(1)), ("b", Value::Int32(2))]));
    assert_eq!(
        apply_one(&mut x, record).unwrap().value,
        map(&[("a", Value::Int32(1))])
    );
}

#[test]
fn exclude_takes_precedence_over_include() {
    let mut x: ReplaceFieldValue = configure(&[("include", "a,b"), ("exclude", "b")]).unwrap();
    let record = sink("t").with_value(
        None,
        map(&[
            ("a", Value::Int32(1)),
            ("b", Value::Int32(2)),
            ("c", Value::Int32(3)),
        ]),
    );
    assert_eq!(
        apply_one(&mut x, record).unwrap().value,
        map(&[("a", Value::Int32(1))])
    );
}

#[test]
fn renamed_key_overwrites_like_a_hash_map_put() {
    let mut x: ReplaceFieldValue = configure(&[("renames", "a:b")]).unwrap();
    let record = sink("t").with_value(None, map(&[("a", Value::Int32(1)), ("b", Value::Int32(2))]));
    assert_eq!(
        apply_one(&mut x, record).unwrap().value,
        map(&[("b", Value::Int32(2))])
    );
}

#[test]
fn schema_errors_match_apache() {
    let schema = Arc::new(strukt(&[
        ("a", req(SchemaType::Int32)),
        ("b", opt(SchemaType::String)),
    ]));
    let record = sink("t").with_value(
        Some(schema.clone()),
        value(&schema, &[("a", Value::Int32(1))]),
    );
    let mut x: ReplaceFieldValue = configure(&[("renames", "a:b")]).unwrap();
    assert_eq!(
        data_error(&mut x, record.clone()),
        "Cannot create field because of field name duplication b"
    );
    let mut x: ReplaceFieldValue = configure(&[("renames", "z:a")]).unwrap();
    assert_eq!(data_error(&mut x, record), "z is not a valid field name");
    let mut x: ReplaceFieldValue = configure(&[("exclude", "a")]).unwrap();
    assert_eq!(
        data_error(
            &mut x,
            sink("t").with_value(Some(req(SchemaType::Int32)), Value::Int32(4))
        ),
        "Only Struct objects supported for [field replacement], found: java.lang.Integer"
    );
    assert_eq!(
        data_error(&mut x, sink("t").with_value(None, Value::Array(vec![]))),
        "Only Map objects supported in absence of schema for [field replacement], found: java.util.ArrayList"
    );
    let int_key = Value::Map(vec![(Value::Int32(1), Value::Int32(1))]);
    assert_eq!(
        data_error(&mut x, sink("t").with_value(None, int_key)),
        "class java.lang.Integer cannot be cast to class java.lang.String (java.lang.Integer and java.lang.String are in module java.base of loader 'bootstrap')"
    );
}

#[test]
fn rename_mappings_parse_like_java_split() {
    assert_eq!(
        configure::<ReplaceFieldValue>(&[("renames", "a:b,c")])
            .err()
            .unwrap(),
        "Invalid value [a:b, c] for configuration renames: Invalid rename mapping: c"
    );
    assert_eq!(
        configure::<ReplaceFieldValue>(&[("renames", "a:b:c")])
            .err()
            .unwrap(),
        "Invalid value [a:b:c] for configuration renames: Invalid rename mapping: a:b:c"
    );
    assert_eq!(
        configure::<ReplaceFieldValue>(&[("renames", "a:b,")])
            .err()
            .unwrap(),
        "Invalid value [a:b, ] for configuration renames: Invalid rename mapping: "
    );
    assert_eq!(
        configure::<ReplaceFieldValue>(&[("renames", ":")])
            .err()
            .unwrap(),
        "Invalid value [:] for configuration renames: Invalid rename mapping: :"
    );
    // Trailing empty parts vanish, as in Java.
    let mut x: ReplaceFieldValue = configure(&[("renames", "a:b:")]).unwrap();
    let record = sink("t").with_value(None, map(&[("a", Value::Int32(1))]));
    assert_eq!(
        apply_one(&mut x, record).unwrap().value,
        map(&[("b", Value::Int32(1))])
    );
    assert!(configure::<ReplaceFieldValue>(&[("renames", ":b")]).is_ok());
}

#[test]
fn manifests_name_apache_classes() {
    assert_eq!(
        ReplaceFieldKey::manifest().name,
        "wasmconnect.transforms.ReplaceField$Key"
    );
    assert_eq!(
        ReplaceFieldValue::manifest().aliases,
        ["org.apache.kafka.connect.transforms.ReplaceField$Value"]
    );
}

/// Renames only: values are kept in place under the new schema, except
/// where a null field takes its default (Apache's `put` of `getWithoutDefault`
/// or `get`), which needs the struct rebuilt.
#[test]
fn renames_only_keep_the_values_and_nulls_still_take_defaults() {
    let mut x: ReplaceFieldValue = configure(&[("renames", "abc:xyz")]).unwrap();
    let schema = Arc::new(strukt(&[
        ("abc", req(SchemaType::Int32)),
        ("note", opt_default(SchemaType::String, "none".into())),
    ]));
    let mut renamed = |note: Value| {
        let record = sink("test").with_value(
            Some(schema.clone()),
            value(&schema, &[("abc", Value::Int32(7)), ("note", note)]),
        );
        apply_one(&mut x, record).unwrap().value
    };
    let out = renamed("n".into());
    assert_eq!(get(&out, "xyz"), &Value::Int32(7));
    assert_eq!(get(&out, "note"), &Value::String("n".into()));
    let out = renamed(Value::Null);
    assert_eq!(get(&out, "xyz"), &Value::Int32(7));
    assert_eq!(get(&out, "note"), &Value::String("none".into()));
}
