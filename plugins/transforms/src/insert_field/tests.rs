//! Apache's `InsertFieldTest`, and the edges its code implies.

use std::sync::Arc;

use wasm_connect_sdk::prelude::*;

use super::*;
use crate::field_util::testkit::*;

/// The configuration most of Apache's tests use.
const FIELDS: &[(&str, &str)] = &[
    ("topic.field", "topic_field!"),
    ("partition.field", "partition_field"),
    ("timestamp.field", "timestamp_field?"),
    ("static.field", "instance_id"),
    ("static.value", "my-instance-id"),
];

fn simple_struct_schema() -> Arc<Schema> {
    Arc::new(Schema {
        name: Some("name".into()),
        version: Some(1),
        doc: Some("doc".into()),
        ..strukt(&[("magic", opt(SchemaType::Int64))])
    })
}

#[test]
fn top_level_struct_required() {
    let mut x: InsertFieldValue = configure(&[("topic.field", "topic_field")]).unwrap();
    let record = source("").with_value(Some(req(SchemaType::Int32)), Value::Int32(42));
    assert_eq!(
        data_error(&mut x, record),
        "Only Struct objects supported for [field insertion], found: java.lang.Integer"
    );
}

#[test]
fn top_level_map_required_without_schema() {
    let mut x: InsertFieldValue = configure(&[("topic.field", "t")]).unwrap();
    assert_eq!(
        data_error(&mut x, source("t").with_value(None, Value::Int32(42))),
        "Only Map objects supported in absence of schema for [field insertion], found: java.lang.Integer"
    );
    assert_eq!(
        data_error(&mut x, source("t").with_value(None, "str".into())),
        "Only Map objects supported in absence of schema for [field insertion], found: java.lang.String"
    );
}

#[test]
fn copy_schema_and_insert_configured_fields() {
    let mut x: InsertFieldValue = configure(FIELDS).unwrap();
    let schema = simple_struct_schema();
    let record = Record {
        timestamp: Some(789),
        ..source("test").with_value(
            Some(schema.clone()),
            value(&schema, &[("magic", Value::Int64(42))]),
        )
    };
    let second = Record {
        partition: Some(1),
        ..source("test").with_value(Some(schema.clone()), value(&schema, &[]))
    };
    let out = apply(&mut x, &[record, second]).unwrap();
    let s = out[0].value_schema.as_ref().unwrap();
    assert_eq!(s.name.as_deref(), Some("name"));
    assert_eq!(s.version, Some(1));
    assert_eq!(s.doc.as_deref(), Some("doc"));
    assert!(!s.optional);
    let field = |n: &str| s.field(n).unwrap().1.schema.clone();
    assert_eq!(*field("magic"), Schema::optional(SchemaType::Int64));
    assert_eq!(*field("topic_field"), Schema::new(SchemaType::String));
    assert_eq!(
        *field("partition_field"),
        Schema::optional(SchemaType::Int32)
    );
    assert_eq!(*field("timestamp_field"), timestamp_schema(true));
    assert_eq!(*field("instance_id"), Schema::optional(SchemaType::String));
    let v = &out[0].value;
    assert_eq!(get(v, "magic"), &Value::Int64(42));
    assert_eq!(get(v, "topic_field"), &Value::from("test"));
    assert_eq!(get(v, "partition_field"), &Value::Int32(0));
    assert_eq!(get(v, "timestamp_field"), &Value::Int64(789));
    assert_eq!(get(v, "instance_id"), &Value::from("my-instance-id"));
    // Both records share the derived schema (one cache entry, one table entry).
    assert_eq!(out[1].value_schema, out[0].value_schema);
    assert_eq!(get(&out[1].value, "partition_field"), &Value::Int32(1));
    assert_eq!(get(&out[1].value, "timestamp_field"), &Value::Null);
    assert_eq!(x.cache.entries_len(), 1);
    // A later batch with an equal schema reuses the cached derivation.
    let again = source("test").with_value(Some(simple_struct_schema()), value(&schema, &[]));
    apply(&mut x, &[again]).unwrap();
    assert_eq!(x.cache.entries_len(), 1);
}

#[test]
fn schemaless_insert_configured_fields() {
    let mut x: InsertFieldValue = configure(FIELDS).unwrap();
    let record = Record {
        timestamp: Some(123),
        ..source("test").with_value(None, map(&[("magic", Value::Int64(42))]))
    };
    let v = apply_one(&mut x, record).unwrap().value;
    assert_eq!(
        v,
        map(&[
            ("magic", Value::Int64(42)),
            ("topic_field", "test".into()),
            ("partition_field", Value::Int32(0)),
            ("timestamp_field", Value::Int64(123)),
            ("instance_id", "my-instance-id".into()),
        ])
    );
}

#[test]
fn schemaless_put_replaces_an_existing_key() {
    let mut x: InsertFieldValue = configure(&[("topic.field", "a")]).unwrap();
    let record =
        source("test").with_value(None, map(&[("a", Value::Int32(1)), ("b", Value::Int32(2))]));
    let v = apply_one(&mut x, record).unwrap().value;
    assert_eq!(v, map(&[("a", "test".into()), ("b", Value::Int32(2))]));
}

#[test]
fn tombstones_pass_through() {
    let mut x: InsertFieldValue = configure(FIELDS).unwrap();
    let record = source("test");
    assert_eq!(apply_one(&mut x, record.clone()).unwrap(), record);
    let schema = Arc::new(Schema {
        optional: true,
        ..(*simple_struct_schema()).clone()
    });
    let record = source("test").with_value(Some(schema), Value::Null);
    assert_eq!(apply_one(&mut x, record.clone()).unwrap(), record);
}

#[test]
fn insert_key_fields_into_tombstone_event() {
    let mut x: InsertFieldKey = configure(FIELDS).unwrap();
    let record = source("test").with_key(None, map(&[("magic", Value::Int64(42))]));
    let out = apply_one(&mut x, record).unwrap();
    assert_eq!(
        out.key,
        map(&[
            ("magic", Value::Int64(42)),
            ("topic_field", "test".into()),
            ("partition_field", Value::Int32(0)),
            ("instance_id", "my-instance-id".into()),
        ])
    );
    assert_eq!(out.value, Value::Null);
}

#[test]
fn insert_into_null_key_leaves_record_unchanged() {
    let mut x: InsertFieldKey = configure(FIELDS).unwrap();
    let record = source("test").with_value(None, map(&[("magic", Value::Int64(42))]));
    assert_eq!(apply_one(&mut x, record.clone()).unwrap(), record);
}

#[test]
fn unset_optional_field_with_and_without_default_replacement() {
    for (replace, expected) in [("false", Value::Null), ("true", Value::Int64(42))] {
        let mut pairs = FIELDS.to_vec();
        pairs.push(("replace.null.with.default", replace));
        let mut x: InsertFieldValue = configure(&pairs).unwrap();
        let magic = opt_default(SchemaType::Int64, Value::Int64(42));
        let schema = Arc::new(Schema {
            name: Some("name".into()),
            version: Some(1),
            doc: Some("doc".into()),
            ..strukt(&[("magic_with_default", magic.clone())])
        });
        let record = Record {
            timestamp: Some(789),
            ..source("test").with_value(Some(schema.clone()), value(&schema, &[]))
        };
        let out = apply_one(&mut x, record).unwrap();
        let s = out.value_schema.as_ref().unwrap();
        assert_eq!(s.field("magic_with_default").unwrap().1.schema, magic);
        assert_eq!(get(&out.value, "magic_with_default"), &expected);
    }
}

#[test]
fn offset_only_for_sink_records() {
    let mut x: InsertFieldValue = configure(&[("offset.field", "o")]).unwrap();
    assert_eq!(
        data_error(&mut x, source("t").with_value(None, map(&[]))),
        "Only SinkRecord supported for [field insertion], found: org.apache.kafka.connect.source.SourceRecord"
    );
    let record = Record {
        offset: Some(77),
        ..sink("t").with_value(None, map(&[]))
    };
    assert_eq!(
        apply_one(&mut x, record).unwrap().value,
        map(&[("o", Value::Int64(77))])
    );
    let schema = Arc::new(strukt(&[]));
    let record = Record {
        offset: Some(78),
        ..sink("t").with_value(Some(schema.clone()), value(&schema, &[]))
    };
    let out = apply_one(&mut x, record).unwrap();
    assert_eq!(get(&out.value, "o"), &Value::Int64(78));
    let o = out
        .value_schema
        .unwrap()
        .field("o")
        .unwrap()
        .1
        .schema
        .clone();
    assert_eq!(*o, Schema::optional(SchemaType::Int64));
}

#[test]
fn required_suffix_and_duplicate_names() {
    let mut x: InsertFieldValue = configure(&[
        ("partition.field", "p!"),
        ("timestamp.field", "ts!"),
        ("offset.field", " o? "),
    ])
    .unwrap();
    let schema = Arc::new(strukt(&[]));
    let record = Record {
        timestamp: Some(5),
        ..sink("t").with_value(Some(schema.clone()), value(&schema, &[]))
    };
    let out = apply_one(&mut x, record).unwrap();
    let s = out.value_schema.unwrap();
    assert_eq!(
        *s.field("p").unwrap().1.schema,
        Schema::new(SchemaType::Int32)
    );
    assert_eq!(*s.field("ts").unwrap().1.schema, timestamp_schema(false));
    assert_eq!(
        *s.field("o").unwrap().1.schema,
        Schema::optional(SchemaType::Int64)
    );

    let mut x: InsertFieldValue = configure(&[("topic.field", "a")]).unwrap();
    let schema = Arc::new(strukt(&[("a", req(SchemaType::Int32))]));
    let record = source("t").with_value(
        Some(schema.clone()),
        value(&schema, &[("a", Value::Int32(1))]),
    );
    assert_eq!(
        data_error(&mut x, record),
        "Cannot create field because of field name duplication a"
    );
}

#[test]
fn required_field_without_default_replacement_cannot_stay_null() {
    let mut x: InsertFieldValue =
        configure(&[("topic.field", "t"), ("replace.null.with.default", "false")]).unwrap();
    let mut with_default = Schema::new(SchemaType::Int32);
    with_default.default = Some(Value::Int32(5));
    let schema = Arc::new(strukt(&[("a", Arc::new(with_default))]));
    let record = source("t").with_value(Some(schema.clone()), value(&schema, &[]));
    assert_eq!(
        data_error(&mut x, record.clone()),
        "Invalid value: null used for required field: \"a\", schema type: INT32"
    );
    let mut x: InsertFieldValue = configure(&[("topic.field", "t")]).unwrap();
    assert_eq!(
        get(&apply_one(&mut x, record).unwrap().value, "a"),
        &Value::Int32(5)
    );
}

#[test]
fn configuration_errors() {
    assert_eq!(
        configure::<InsertFieldValue>(&[]).err().unwrap(),
        "No field insertion configured"
    );
    assert_eq!(
        configure::<InsertFieldValue>(&[("static.field", "s!")])
            .err()
            .unwrap(),
        "Invalid value null for configuration static.value: No value specified for static field: s"
    );
    assert_eq!(
        configure::<InsertFieldValue>(&[
            ("topic.field", "t"),
            ("replace.null.with.default", "yes")
        ])
        .err()
        .unwrap(),
        "Invalid value yes for configuration replace.null.with.default: Expected value to be either true or false"
    );
}

#[test]
fn records_keep_everything_else() {
    let mut x: InsertFieldValue = configure(&[("topic.field", "t")]).unwrap();
    let record = Record {
        timestamp: Some(9),
        timestamp_type: wasm_connect_sdk::layout::TimestampType::LogAppendTime,
        headers: vec![Header {
            key: "h".into(),
            schema: None,
            value: "v".into(),
        }],
        ..source("topic")
            .with_key(Some(req(SchemaType::String)), "k".into())
            .with_value(None, map(&[("a", Value::Int32(1))]))
            .with_source(r#"{"f":"a"}"#, r#"{"pos":3}"#)
    };
    let out = apply_one(&mut x, record.clone()).unwrap();
    assert_eq!(
        out.value,
        map(&[("a", Value::Int32(1)), ("t", "topic".into())])
    );
    assert_eq!(
        Record {
            value: record.value.clone(),
            ..out
        },
        record
    );
}

#[test]
fn manifests_name_apache_classes() {
    let m = InsertFieldKey::manifest();
    assert_eq!(m.name, "wasmconnect.transforms.InsertField$Key");
    assert_eq!(
        m.aliases,
        ["org.apache.kafka.connect.transforms.InsertField$Key"]
    );
    let m = InsertFieldValue::manifest();
    assert_eq!(m.name, "wasmconnect.transforms.InsertField$Value");
    assert_eq!(m.config.len(), 7);
}

#[test]
fn settings_are_trimmed_and_may_name_the_empty_field() {
    let mut x: InsertFieldValue = configure(&[("topic.field", "?")]).unwrap();
    let out = apply_one(
        &mut x,
        source("t").with_value(None, map(&[("a", Value::Int32(1))])),
    )
    .unwrap();
    assert_eq!(out.value, map(&[("a", Value::Int32(1)), ("", "t".into())]));
    let mut x: InsertFieldValue =
        configure(&[("static.field", " s "), ("static.value", " v ")]).unwrap();
    let out = apply_one(
        &mut x,
        source("t").with_value(None, map(&[("a", Value::Int32(1))])),
    )
    .unwrap();
    assert_eq!(out.value, map(&[("a", Value::Int32(1)), ("s", "v".into())]));
}
