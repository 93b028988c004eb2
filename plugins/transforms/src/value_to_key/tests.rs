//! Apache's `ValueToKeyTest`, and the edges its code implies.

use std::sync::Arc;

use wasm_connect_sdk::prelude::*;

use super::*;
use crate::field_util::testkit::*;

fn abc_schema() -> Arc<Schema> {
    Arc::new(strukt(&[
        ("a", req(SchemaType::Int32)),
        ("b", req(SchemaType::Int32)),
        ("c", req(SchemaType::Int32)),
    ]))
}

#[test]
fn schemaless() {
    let mut x: ValueToKey = configure(&[("fields", "a,b")]).unwrap();
    let v = map(&[
        ("a", Value::Int32(1)),
        ("b", Value::Int32(2)),
        ("c", Value::Int32(3)),
    ]);
    let out = apply_one(&mut x, sink("").with_value(None, v.clone())).unwrap();
    assert_eq!(out.key_schema, None);
    assert_eq!(
        out.key,
        map(&[("a", Value::Int32(1)), ("b", Value::Int32(2))])
    );
    assert_eq!(out.value, v);
}

#[test]
fn with_schema() {
    let mut x: ValueToKey = configure(&[("fields", "a,b")]).unwrap();
    let schema = abc_schema();
    let v = value(
        &schema,
        &[
            ("a", Value::Int32(1)),
            ("b", Value::Int32(2)),
            ("c", Value::Int32(3)),
        ],
    );
    let out = apply_one(&mut x, sink("").with_value(Some(schema.clone()), v.clone())).unwrap();
    let expected = Arc::new(strukt(&[
        ("a", req(SchemaType::Int32)),
        ("b", req(SchemaType::Int32)),
    ]));
    assert_eq!(out.key_schema, Some(expected.clone()));
    assert_eq!(
        out.key,
        value(&expected, &[("a", Value::Int32(1)), ("b", Value::Int32(2))])
    );
    assert_eq!(out.value_schema, Some(schema));
    assert_eq!(out.value, v);
}

#[test]
fn non_existing_field() {
    let mut x: ValueToKey = configure(&[("fields", "not_exist")]).unwrap();
    let schema = Arc::new(strukt(&[("a", req(SchemaType::Int32))]));
    let record = sink("").with_value(
        Some(schema.clone()),
        value(&schema, &[("a", Value::Int32(1))]),
    );
    assert_eq!(
        data_error(&mut x, record),
        "Field does not exist: not_exist"
    );
}

#[test]
fn replace_null_with_default() {
    for (replace, expected) in [("false", Value::Null), ("true", Value::Int32(42))] {
        let mut x: ValueToKey = configure(&[
            ("fields", "optional_with_default"),
            ("replace.null.with.default", replace),
        ])
        .unwrap();
        let schema = Arc::new(strukt(&[(
            "optional_with_default",
            opt_default(SchemaType::Int32, Value::Int32(42)),
        )]));
        let out = apply_one(
            &mut x,
            sink("").with_value(Some(schema.clone()), value(&schema, &[])),
        )
        .unwrap();
        assert_eq!(get(&out.key, "optional_with_default"), &expected);
    }
}

#[test]
fn edges_follow_apache() {
    // Missing map entries become null entries; a field listed twice is one entry.
    let mut x: ValueToKey = configure(&[("fields", "a,z,a")]).unwrap();
    let out = apply_one(
        &mut x,
        sink("").with_value(None, map(&[("a", Value::Int32(1))])),
    )
    .unwrap();
    assert_eq!(out.key, map(&[("a", Value::Int32(1)), ("z", Value::Null)]));
    // ... but in a struct schema a missing field or a field listed twice
    // fails, whichever comes first.
    let schema = abc_schema();
    let record = sink("").with_value(
        Some(schema.clone()),
        value(
            &schema,
            &[
                ("a", Value::Int32(1)),
                ("b", Value::Int32(2)),
                ("c", Value::Int32(3)),
            ],
        ),
    );
    assert_eq!(data_error(&mut x, record), "Field does not exist: z");
    let mut x: ValueToKey = configure(&[("fields", "a,a")]).unwrap();
    let record = sink("").with_value(
        Some(schema.clone()),
        value(
            &schema,
            &[
                ("a", Value::Int32(1)),
                ("b", Value::Int32(2)),
                ("c", Value::Int32(3)),
            ],
        ),
    );
    assert_eq!(
        data_error(&mut x, record),
        "Cannot create field because of field name duplication a"
    );
    // Tombstones fail, as in Apache.
    assert_eq!(
        data_error(&mut x, sink("")),
        "Only Map objects supported in absence of schema for [copying fields from value to key], found: null"
    );
    assert_eq!(
        data_error(
            &mut x,
            sink("").with_value(Some(req(SchemaType::String)), "s".into())
        ),
        "Only Struct objects supported for [copying fields from value to key], found: java.lang.String"
    );
    assert_eq!(
        configure::<ValueToKey>(&[("fields", "")]).err().unwrap(),
        "Invalid value [] for configuration fields: Empty list"
    );
}

#[test]
fn key_replaced_everything_else_kept() {
    let mut x: ValueToKey = configure(&[("fields", "a")]).unwrap();
    let record = Record {
        timestamp: Some(3),
        headers: vec![Header {
            key: "h".into(),
            schema: None,
            value: Value::Int32(1),
        }],
        ..sink("t")
            .with_key(Some(req(SchemaType::String)), "old".into())
            .with_value(None, map(&[("a", Value::Int32(1))]))
    };
    let out = apply_one(&mut x, record.clone()).unwrap();
    assert_eq!(out.key, map(&[("a", Value::Int32(1))]));
    assert_eq!(
        Record {
            key: record.key.clone(),
            key_schema: record.key_schema.clone(),
            ..out
        },
        record
    );
}

#[test]
fn manifest_names_the_apache_class() {
    let m = ValueToKey::manifest();
    assert_eq!(m.name, "wasmconnect.transforms.ValueToKey");
    assert_eq!(
        m.aliases,
        ["org.apache.kafka.connect.transforms.ValueToKey"]
    );
}
