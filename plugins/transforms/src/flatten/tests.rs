//! Apache's `FlattenTest`, and the edges its code implies.

use std::sync::Arc;

use wasm_connect_sdk::prelude::*;

use super::*;
use crate::field_util::testkit::*;

fn supported_types_schema() -> Arc<Schema> {
    Arc::new(strukt(&[
        ("int8", req(SchemaType::Int8)),
        ("int16", req(SchemaType::Int16)),
        ("int32", req(SchemaType::Int32)),
        ("int64", req(SchemaType::Int64)),
        ("float32", req(SchemaType::Float32)),
        ("float64", req(SchemaType::Float64)),
        ("boolean", req(SchemaType::Boolean)),
        ("string", req(SchemaType::String)),
        ("bytes", req(SchemaType::Bytes)),
    ]))
}

fn supported_values() -> [(&'static str, Value); 9] {
    [
        ("int8", Value::Int8(8)),
        ("int16", Value::Int16(16)),
        ("int32", Value::Int32(32)),
        ("int64", Value::Int64(64)),
        ("float32", Value::Float32(32.0)),
        ("float64", Value::Float64(64.0)),
        ("boolean", Value::Boolean(true)),
        ("string", "stringy".into()),
        ("bytes", Value::Bytes(b"bytes".to_vec())),
    ]
}

#[test]
fn top_level_struct_or_map_required() {
    let mut x: FlattenValue = configure(&[]).unwrap();
    assert_eq!(
        data_error(
            &mut x,
            source("topic").with_value(Some(req(SchemaType::Int32)), Value::Int32(42))
        ),
        "Only Struct objects supported for [flattening], found: java.lang.Integer"
    );
    assert_eq!(
        data_error(&mut x, source("topic").with_value(None, Value::Int32(42))),
        "Only Map objects supported in absence of schema for [flattening], found: java.lang.Integer"
    );
}

#[test]
fn nested_struct() {
    let mut x: FlattenValue = configure(&[]).unwrap();
    let supported = supported_types_schema();
    let one = Arc::new(strukt(&[("B", supported.clone())]));
    let two = Arc::new(strukt(&[("A", one.clone())]));
    let v = value(
        &two,
        &[(
            "A",
            value(&one, &[("B", value(&supported, &supported_values()))]),
        )],
    );
    let out = apply_one(&mut x, source("topic").with_value(Some(two), v)).unwrap();
    let s = out.value_schema.unwrap();
    assert_eq!(s.schema_type, SchemaType::Struct);
    assert_eq!(s.fields.len(), 9);
    for (name, want) in supported_values() {
        assert_eq!(get(&out.value, &format!("A.B.{name}")), &want, "{name}");
    }
}

#[test]
fn nested_map_with_delimiter() {
    let mut x: FlattenValue = configure(&[("delimiter", "#")]).unwrap();
    let v = map(&[("A", map(&[("B", map(&supported_values()))]))]);
    let out = apply_one(&mut x, source("topic").with_value(None, v)).unwrap();
    assert_eq!(out.value_schema, None);
    let want: Vec<(String, Value)> = supported_values()
        .into_iter()
        .map(|(n, v)| (format!("A#B#{n}"), v))
        .collect();
    let want: Vec<(&str, Value)> = want.iter().map(|(n, v)| (n.as_str(), v.clone())).collect();
    assert_eq!(out.value, map(&want));
}

#[test]
fn optional_field_struct() {
    let mut x: FlattenValue = configure(&[]).unwrap();
    let supported = Arc::new(strukt(&[("opt_int32", opt(SchemaType::Int32))]));
    let one = Arc::new(strukt(&[("B", supported.clone())]));
    let v = value(&one, &[("B", value(&supported, &[]))]);
    let out = apply_one(&mut x, source("topic").with_value(Some(one), v)).unwrap();
    assert_eq!(get(&out.value, "B.opt_int32"), &Value::Null);
}

#[test]
fn optional_struct_passes_through() {
    let mut x: FlattenValue = configure(&[]).unwrap();
    let schema = Arc::new(strukt(&[("opt_int32", opt(SchemaType::Int32))]).into_optional());
    let record = source("topic").with_value(Some(schema), Value::Null);
    assert_eq!(apply_one(&mut x, record.clone()).unwrap(), record);
}

#[test]
fn optional_nested_struct() {
    let mut x: FlattenValue = configure(&[]).unwrap();
    let supported = Arc::new(strukt(&[("opt_int32", opt(SchemaType::Int32))]).into_optional());
    let one = Arc::new(strukt(&[("B", supported)]));
    let out = apply_one(
        &mut x,
        source("topic").with_value(Some(one.clone()), value(&one, &[])),
    )
    .unwrap();
    assert_eq!(get(&out.value, "B.opt_int32"), &Value::Null);
}

#[test]
fn optional_field_map() {
    let mut x: FlattenValue = configure(&[]).unwrap();
    let v = map(&[("B", map(&[("opt_int32", Value::Null)]))]);
    let out = apply_one(&mut x, source("topic").with_value(None, v)).unwrap();
    assert_eq!(out.value, map(&[("B.opt_int32", Value::Null)]));
}

#[test]
fn key() {
    let mut x: FlattenKey = configure(&[]).unwrap();
    let k = map(&[("A", map(&[("B", Value::Int32(12))]))]);
    let out = apply_one(&mut x, source("topic").with_key(None, k)).unwrap();
    assert_eq!(out.key, map(&[("A.B", Value::Int32(12))]));
}

#[test]
fn schemaless_array_is_kept() {
    let mut x: FlattenValue = configure(&[]).unwrap();
    let v = map(&[(
        "foo",
        Value::Array(vec![
            "bar".into(),
            map(&[("baz", map(&[("lfg", "lfg".into())]))]),
        ]),
    )]);
    let out = apply_one(&mut x, source("topic").with_value(None, v.clone())).unwrap();
    assert_eq!(out.value, v);
}

#[test]
fn array_with_schema_is_kept() {
    let mut x: FlattenValue = configure(&[]).unwrap();
    let nested = Arc::new(strukt(&[("lfg", req(SchemaType::String))]));
    let inner = Arc::new(strukt(&[("baz", nested.clone())]));
    let array = Arc::new(Schema {
        doc: Some("durk".into()),
        ..Schema::array(inner.clone())
    });
    let schema = Arc::new(strukt(&[("foo", array)]));
    let v = value(
        &schema,
        &[(
            "foo",
            Value::Array(vec![value(
                &inner,
                &[("baz", value(&nested, &[("lfg", "lfg".into())]))],
            )]),
        )],
    );
    let out = apply_one(
        &mut x,
        source("topic").with_value(Some(schema.clone()), v.clone()),
    )
    .unwrap();
    assert_eq!(out.value, v);
    assert_eq!(out.value_schema, Some(schema));
}

#[test]
fn optional_and_default_values_nested() {
    let mut x: FlattenValue = configure(&[]).unwrap();
    let child = strukt(&[
        ("req_field", req(SchemaType::String)),
        (
            "opt_field",
            opt_default(SchemaType::String, "child_default".into()),
        ),
    ])
    .into_optional();
    let child_default = value(
        &Arc::new(child.clone()),
        &[("req_field", "req_default".into())],
    );
    let schema = Arc::new(Schema {
        default: Some(child_default),
        ..child
    });
    // Apache's test leaves req_field unset; a batch cannot carry that, so
    // it is set here: the schema is what the test checks.
    let v = value(&schema, &[("req_field", "r".into())]);
    let out = apply_one(&mut x, source("topic").with_value(Some(schema), v)).unwrap();
    let s = out.value_schema.unwrap();
    assert_eq!(s.fields.len(), 2);
    assert!(!s.optional && s.default.is_none());
    assert_eq!(
        s.field("req_field").unwrap().1.schema,
        opt_default(SchemaType::String, "req_default".into())
    );
    assert_eq!(
        s.field("opt_field").unwrap().1.schema,
        opt_default(SchemaType::String, "child_default".into())
    );
    // The null optional field is read with its default, as Struct.get does.
    assert_eq!(get(&out.value, "opt_field"), &Value::from("child_default"));
}

#[test]
fn null_nested_struct_is_not_replaced_by_its_default() {
    // Apache reads nested structs with getStruct (no default), leaves with
    // get (default): the flat field gets the parent's default in its
    // schema, but its value stays null.
    let mut x: FlattenValue = configure(&[]).unwrap();
    let inner = strukt(&[("x", req(SchemaType::Int32))]).into_optional();
    let inner_default = value(&Arc::new(inner.clone()), &[("x", Value::Int32(7))]);
    let inner = Arc::new(Schema {
        default: Some(inner_default),
        ..inner
    });
    let schema = Arc::new(strukt(&[("s", inner), ("y", opt(SchemaType::Int32))]));
    let out = apply_one(
        &mut x,
        source("t").with_value(Some(schema.clone()), value(&schema, &[])),
    )
    .unwrap();
    assert_eq!(get(&out.value, "s.x"), &Value::Null);
    let s = out.value_schema.unwrap();
    assert_eq!(
        s.field("s.x").unwrap().1.schema,
        opt_default(SchemaType::Int32, Value::Int32(7))
    );
    assert_eq!(s.field("y").unwrap().1.schema, opt(SchemaType::Int32));
}

#[test]
fn optional_parent_makes_children_optional() {
    let mut x: FlattenValue = configure(&[]).unwrap();
    let inner = Arc::new(
        strukt(&[
            ("x", req(SchemaType::Int32)),
            ("z", Arc::new(Schema::array(req(SchemaType::String)))),
        ])
        .into_optional(),
    );
    let schema = Arc::new(Schema {
        name: Some("top".into()),
        version: Some(3),
        ..strukt(&[("s", inner)])
    });
    let out = apply_one(
        &mut x,
        source("t").with_value(Some(schema.clone()), value(&schema, &[])),
    )
    .unwrap();
    let s = out.value_schema.unwrap();
    assert_eq!(
        (s.name.as_deref(), s.version, s.optional),
        (Some("top"), Some(3), false)
    );
    assert_eq!(s.field("s.x").unwrap().1.schema, opt(SchemaType::Int32));
    assert_eq!(
        *s.field("s.z").unwrap().1.schema,
        Schema::array(req(SchemaType::String)).into_optional()
    );
    assert_eq!(get(&out.value, "s.x"), &Value::Null);
    assert_eq!(get(&out.value, "s.z"), &Value::Null);
}

#[test]
fn empty_key_prefix_adds_no_delimiter() {
    let mut x: FlattenValue = configure(&[]).unwrap();
    let v = map(&[("", map(&[("a", Value::Int32(1))]))]);
    let out = apply_one(&mut x, sink("t").with_value(None, v)).unwrap();
    assert_eq!(out.value, map(&[("a", Value::Int32(1))]));
}

#[test]
fn tombstones_pass_through() {
    let mut x: FlattenValue = configure(&[]).unwrap();
    let record = source("test");
    assert_eq!(apply_one(&mut x, record.clone()).unwrap(), record);
    let schema = Arc::new(Schema {
        name: Some("name".into()),
        version: Some(1),
        doc: Some("doc".into()),
        ..strukt(&[("magic", opt(SchemaType::Int64))]).into_optional()
    });
    let record = source("test").with_value(Some(schema), Value::Null);
    assert_eq!(apply_one(&mut x, record.clone()).unwrap(), record);
}

#[test]
fn null_fields_keep_their_order() {
    let mut x: FlattenValue = configure(&[]).unwrap();
    let v = map(&[
        ("firstNull", Value::Null),
        ("firstNonNull", "nonNull".into()),
        ("secondNull", Value::Null),
        ("secondNonNull", "alsoNonNull".into()),
        ("thirdNonNull", Value::Null),
    ]);
    assert_eq!(
        apply_one(&mut x, source("test").with_value(None, v.clone()))
            .unwrap()
            .value,
        v
    );

    let s = opt(SchemaType::String);
    let schema = Arc::new(strukt(&[
        ("firstNull", s.clone()),
        ("firstNonNull", s.clone()),
        ("secondNull", s.clone()),
        ("secondNonNull", s.clone()),
        ("thirdNonNull", s),
    ]));
    let v = value(
        &schema,
        &[
            ("firstNonNull", "nonNull".into()),
            ("secondNonNull", "alsoNonNull".into()),
        ],
    );
    let out = apply_one(
        &mut x,
        source("test").with_value(Some(schema.clone()), v.clone()),
    )
    .unwrap();
    assert_eq!(out.value, v);
    assert_eq!(out.value_schema, Some(schema));
}

#[test]
fn errors_match_apache() {
    let mut x: FlattenValue = configure(&[]).unwrap();
    let m = Arc::new(Schema::map(
        req(SchemaType::String),
        req(SchemaType::String),
    ));
    let schema = Arc::new(strukt(&[("m", m)]));
    assert_eq!(
        data_error(
            &mut x,
            sink("t").with_value(
                Some(schema.clone()),
                value(&schema, &[("m", Value::Map(vec![]))])
            )
        ),
        "Flatten transformation does not support MAP for record with schemas (for field m)."
    );
    let inner = Arc::new(strukt(&[("b", req(SchemaType::Int32))]));
    let schema = Arc::new(strukt(&[
        ("a.b", req(SchemaType::Int32)),
        ("a", inner.clone()),
    ]));
    let v = value(
        &schema,
        &[
            ("a.b", Value::Int32(1)),
            ("a", value(&inner, &[("b", Value::Int32(2))])),
        ],
    );
    assert_eq!(
        data_error(&mut x, sink("t").with_value(Some(schema), v.clone())),
        "Cannot create field because of field name duplication a.b"
    );
    assert_eq!(
        data_error(&mut x, sink("t").with_value(None, map(&[("s", v)]))),
        "Flatten transformation does not support class org.apache.kafka.connect.data.Struct for record without schemas (for field s)."
    );
}

#[test]
fn schemaless_names_collide_like_a_linked_hash_map() {
    let mut x: FlattenValue = configure(&[]).unwrap();
    let v = map(&[
        ("a.b", Value::Int32(1)),
        ("c", Value::Int32(3)),
        ("a", map(&[("b", Value::Int32(2))])),
    ]);
    let out = apply_one(&mut x, sink("t").with_value(None, v)).unwrap();
    assert_eq!(
        out.value,
        map(&[("a.b", Value::Int32(2)), ("c", Value::Int32(3))])
    );
}

#[test]
fn delimiter_is_trimmed_as_apache_trims_strings() {
    let mut x: FlattenValue = configure(&[("delimiter", " ")]).unwrap();
    let v = map(&[("s", map(&[("b", Value::Int32(1))]))]);
    let out = apply_one(&mut x, sink("t").with_value(None, v)).unwrap();
    assert_eq!(out.value, map(&[("sb", Value::Int32(1))]));
}

#[test]
fn derived_schemas_are_cached_and_shared() {
    let mut x: FlattenValue = configure(&[]).unwrap();
    let inner = Arc::new(strukt(&[("b", req(SchemaType::Int32))]));
    let schema = Arc::new(Schema {
        name: Some("n".into()),
        ..strukt(&[("a", inner.clone())])
    });
    let records: Vec<Record> = (0..3)
        .map(|i| {
            sink("t").with_value(
                Some(schema.clone()),
                value(&schema, &[("a", value(&inner, &[("b", Value::Int32(i))]))]),
            )
        })
        .collect();
    let out = apply(&mut x, &records).unwrap();
    assert_eq!(get(&out[2].value, "a.b"), &Value::Int32(2));
    assert_eq!(
        out[0].value_schema.as_ref().unwrap().name.as_deref(),
        Some("n")
    );
    apply(&mut x, &records).unwrap();
    assert_eq!(x.cache.entries_len(), 1);
}

#[test]
fn manifests_name_apache_classes() {
    assert_eq!(
        FlattenKey::manifest().name,
        "wasmconnect.transforms.Flatten$Key"
    );
    assert_eq!(
        FlattenValue::manifest().aliases,
        ["org.apache.kafka.connect.transforms.Flatten$Value"]
    );
}
