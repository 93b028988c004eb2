//! Apache's `HoistFieldTest`, and the edges its code implies.

use std::sync::Arc;

use wasm_connect_sdk::prelude::*;

use super::*;
use crate::field_util::testkit::*;

#[test]
fn schemaless() {
    let mut x: HoistFieldKey = configure(&[("field", "magic")]).unwrap();
    let out = apply_one(&mut x, sink("test").with_key(None, Value::Int32(42))).unwrap();
    assert_eq!(out.key_schema, None);
    assert_eq!(out.key, map(&[("magic", Value::Int32(42))]));
}

#[test]
fn with_schema() {
    let mut x: HoistFieldKey = configure(&[("field", "magic")]).unwrap();
    let out = apply_one(
        &mut x,
        sink("test").with_key(Some(req(SchemaType::Int32)), Value::Int32(42)),
    )
    .unwrap();
    let s = out.key_schema.unwrap();
    assert_eq!(s.schema_type, SchemaType::Struct);
    assert_eq!(*s, strukt(&[("magic", req(SchemaType::Int32))]));
    assert_eq!(get(&out.key, "magic"), &Value::Int32(42));
}

#[test]
fn nested_values_and_nulls() {
    let mut x: HoistFieldValue = configure(&[("field", " f ")]).unwrap();
    // A null is wrapped too.
    assert_eq!(
        apply_one(&mut x, sink("t")).unwrap().value,
        map(&[("f", Value::Null)])
    );
    let out = apply_one(
        &mut x,
        sink("t").with_value(Some(opt(SchemaType::Int32)), Value::Null),
    )
    .unwrap();
    assert_eq!(get(&out.value, "f"), &Value::Null);
    // A batch may carry a null under a required schema (a converter made
    // it); Apache's Struct.put refuses it.
    let mut batch =
        Batch::from_records(&[sink("t").with_value(Some(opt(SchemaType::Int32)), Value::Null)])
            .unwrap();
    batch.schemas[0].optional = false;
    let e = x.apply(batch).err().unwrap();
    assert_eq!(e.record, Some(0));
    assert_eq!(
        e.message,
        "Invalid value: null used for required field: \"f\", schema type: INT32"
    );
    // Compound values move into the new struct intact.
    let inner = Arc::new(strukt(&[
        ("a", req(SchemaType::String)),
        ("l", Arc::new(Schema::array(req(SchemaType::Int64)))),
    ]));
    let v = value(
        &inner,
        &[
            ("a", "x".into()),
            ("l", Value::Array(vec![Value::Int64(1), Value::Int64(2)])),
        ],
    );
    let out = apply_one(&mut x, sink("t").with_value(Some(inner.clone()), v.clone())).unwrap();
    assert_eq!(get(&out.value, "f"), &v);
    let m = map(&[("k", Value::Array(vec![map(&[("z", Value::Boolean(true))])]))]);
    let out = apply_one(&mut x, sink("t").with_value(None, m.clone())).unwrap();
    assert_eq!(out.value, map(&[("f", m)]));
}

#[test]
fn required_field_setting() {
    assert_eq!(
        configure::<HoistFieldValue>(&[]).err().unwrap(),
        "Missing required configuration \"field\" which has no default value."
    );
}

#[test]
fn manifests_name_apache_classes() {
    assert_eq!(
        HoistFieldKey::manifest().name,
        "wasmconnect.transforms.HoistField$Key"
    );
    assert_eq!(
        HoistFieldValue::manifest().aliases,
        ["org.apache.kafka.connect.transforms.HoistField$Value"]
    );
}
