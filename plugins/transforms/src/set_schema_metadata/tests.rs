//! Apache's `SetSchemaMetadataTest`, and the edges its code implies.

use std::sync::Arc;

use wasm_connect_sdk::prelude::*;

use super::*;
use crate::field_util::testkit::*;

fn empty_struct() -> Arc<Schema> {
    Arc::new(strukt(&[]))
}

#[test]
fn schema_name_update() {
    let mut x: SetSchemaMetadataValue = configure(&[("schema.name", "foo")]).unwrap();
    let out = apply_one(
        &mut x,
        sink("").with_value(Some(empty_struct()), value(&empty_struct(), &[])),
    )
    .unwrap();
    assert_eq!(out.value_schema.unwrap().name.as_deref(), Some("foo"));
}

#[test]
fn schema_version_update() {
    let mut x: SetSchemaMetadataValue = configure(&[("schema.version", "42")]).unwrap();
    let out = apply_one(
        &mut x,
        sink("").with_value(Some(empty_struct()), value(&empty_struct(), &[])),
    )
    .unwrap();
    assert_eq!(out.value_schema.unwrap().version, Some(42));
}

#[test]
fn schema_name_and_version_update_with_struct() {
    let mut x: SetSchemaMetadataValue =
        configure(&[("schema.name", "foo"), ("schema.version", "42")]).unwrap();
    let schema = Arc::new(Schema {
        name: Some("my.orig.SchemaDefn".into()),
        ..strukt(&[
            ("f1", req(SchemaType::String)),
            ("f2", req(SchemaType::Int32)),
        ])
    });
    let v = value(&schema, &[("f1", "value1".into()), ("f2", Value::Int32(1))]);
    let out = apply_one(&mut x, sink("").with_value(Some(schema.clone()), v)).unwrap();
    let s = out.value_schema.clone().unwrap();
    assert_eq!(s.name.as_deref(), Some("foo"));
    assert_eq!(s.version, Some(42));
    assert_eq!(s.fields, schema.fields);
    // The struct carries the new schema.
    let Value::Struct(st) = &out.value else {
        panic!()
    };
    assert_eq!(st.schema, s);
    assert_eq!(get(&out.value, "f1"), &Value::from("value1"));
}

#[test]
fn struct_with_null_field_and_default() {
    for (replace, expected) in [("false", Value::Null), ("true", Value::from("default"))] {
        let mut x: SetSchemaMetadataValue = configure(&[
            ("schema.name", "foo"),
            ("schema.version", "42"),
            ("replace.null.with.default", replace),
        ])
        .unwrap();
        let schema = Arc::new(Schema {
            name: Some("my.orig.SchemaDefn".into()),
            ..strukt(&[
                ("f1", opt_default(SchemaType::String, "default".into())),
                ("f2", req(SchemaType::Int32)),
            ])
        });
        let v = value(&schema, &[("f2", Value::Int32(1))]);
        let out = apply_one(&mut x, sink("").with_value(Some(schema), v)).unwrap();
        let s = out.value_schema.clone().unwrap();
        assert_eq!((s.name.as_deref(), s.version), (Some("foo"), Some(42)));
        assert_eq!(get(&out.value, "f1"), &expected);
    }
}

#[test]
fn value_schema_required() {
    let mut x: SetSchemaMetadataValue = configure(&[("schema.name", "foo")]).unwrap();
    assert_eq!(
        data_error(&mut x, sink("").with_value(None, Value::Int32(42))),
        "Schema required for [updating schema metadata]"
    );
}

#[test]
fn ignore_record_with_null_value() {
    let mut x: SetSchemaMetadataValue = configure(&[("schema.name", "foo")]).unwrap();
    let record = sink("");
    assert_eq!(apply_one(&mut x, record.clone()).unwrap(), record);
}

#[test]
fn null_struct_with_schema_gets_the_new_schema() {
    let mut x: SetSchemaMetadataKey = configure(&[("schema.name", "n")]).unwrap();
    let schema = Arc::new(strukt(&[]).into_optional());
    let out = apply_one(&mut x, sink("").with_key(Some(schema), Value::Null)).unwrap();
    let s = out.key_schema.unwrap();
    assert_eq!((s.name.as_deref(), s.optional), (Some("n"), true));
    assert_eq!(out.key, Value::Null);
}

#[test]
fn non_struct_schemas_fail_as_in_apache() {
    let mut x: SetSchemaMetadataValue = configure(&[("schema.name", "foo")]).unwrap();
    assert_eq!(
        data_error(
            &mut x,
            sink("").with_value(Some(req(SchemaType::Int32)), Value::Int32(42))
        ),
        "Cannot list fields on non-struct type"
    );
    let m = Arc::new(Schema::map(req(SchemaType::String), req(SchemaType::String)).into_optional());
    assert_eq!(
        data_error(&mut x, sink("").with_value(Some(m), Value::Null)),
        "Cannot list fields on non-struct type"
    );
}

#[test]
fn required_field_without_default_replacement() {
    let mut x: SetSchemaMetadataValue =
        configure(&[("schema.name", "n"), ("replace.null.with.default", "false")]).unwrap();
    let mut with_default = Schema::new(SchemaType::Int32);
    with_default.default = Some(Value::Int32(5));
    let schema = Arc::new(strukt(&[("a", Arc::new(with_default))]));
    assert_eq!(
        data_error(
            &mut x,
            sink("").with_value(Some(schema.clone()), value(&schema, &[]))
        ),
        "Invalid value: null used for required field: \"a\", schema type: INT32"
    );
}

#[test]
fn unchanged_struct_is_not_copied() {
    let mut x: SetSchemaMetadataValue = configure(&[("schema.name", "n")]).unwrap();
    let schema = Arc::new(strukt(&[("s", req(SchemaType::String))]));
    let v = value(&schema, &[("s", "x".repeat(500).into())]);
    let mut batch = Batch::from_records(&[sink("").with_value(Some(schema), v)]).unwrap();
    batch.share_all();
    let nodes = batch.node_count();
    let mut out = x.apply(batch).unwrap();
    assert_eq!(out.node_count(), nodes);
    assert!(out.take_unshared_data().1.is_empty());
}

#[test]
fn configuration_errors() {
    assert_eq!(
        configure::<SetSchemaMetadataValue>(&[]).err().unwrap(),
        "Neither schema name nor version configured"
    );
    assert_eq!(
        configure::<SetSchemaMetadataValue>(&[("schema.version", " x")])
            .err()
            .unwrap(),
        "Invalid value  x for configuration schema.version: Not a number of type INT"
    );
    assert_eq!(
        configure::<SetSchemaMetadataValue>(&[("schema.version", "3000000000")])
            .err()
            .unwrap(),
        "Invalid value 3000000000 for configuration schema.version: Not a number of type INT"
    );
}

#[test]
fn manifests_name_apache_classes() {
    assert_eq!(
        SetSchemaMetadataKey::manifest().name,
        "wasmconnect.transforms.SetSchemaMetadata$Key"
    );
    assert_eq!(
        SetSchemaMetadataValue::manifest().aliases,
        ["org.apache.kafka.connect.transforms.SetSchemaMetadata$Value"]
    );
}
