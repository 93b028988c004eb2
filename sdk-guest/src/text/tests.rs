use std::sync::Arc;

use crate::Batch;
use crate::data::{Field, Record, Schema, SchemaType, Struct, Value};

/// Every value of `records`, written by `write_text` and by `Display`.
fn both(records: &[Record]) -> Vec<(String, String)> {
    let batch = Batch::from_records(records).unwrap();
    (0..batch.len())
        .map(|i| {
            let desc = batch.desc(i).unwrap();
            let mut out = Vec::new();
            batch
                .write_text(&mut out, desc.value, desc.value_schema)
                .unwrap();
            (
                String::from_utf8(out).unwrap(),
                records[i].value.to_string(),
            )
        })
        .collect()
}

#[test]
fn text_is_what_display_writes() {
    let field = |name: &str, schema: Schema| Field {
        name: name.to_owned(),
        schema: Arc::new(schema),
    };
    let inner = Arc::new(Schema::structure(vec![field(
        "x",
        Schema::new(SchemaType::Float64),
    )]));
    let schema = Arc::new(Schema::structure(vec![
        field("id", Schema::new(SchemaType::Int64)),
        field("small", Schema::new(SchemaType::Int8)),
        field("f", Schema::new(SchemaType::Float32)),
        field("name", Schema::optional(SchemaType::String)),
        field("flag", Schema::new(SchemaType::Boolean)),
        field("raw", Schema::new(SchemaType::Bytes)),
        field(
            "tags",
            Schema::array(Arc::new(Schema::new(SchemaType::String))),
        ),
        field(
            "scores",
            Schema::map(
                Arc::new(Schema::new(SchemaType::String)),
                Arc::new(Schema::new(SchemaType::Int32)),
            ),
        ),
        field("inner", (*inner).clone()),
    ]));
    let value = |id: i64, name: Option<&str>| {
        Value::Struct(Struct {
            schema: schema.clone(),
            values: vec![
                Value::Int64(id),
                Value::Int8(-7),
                Value::Float32(0.1),
                name.map_or(Value::Null, |n| Value::String(n.into())),
                Value::Boolean(id % 2 == 0),
                Value::Bytes(b"ab\xff".to_vec()),
                Value::Array(vec!["a".into(), "b".into()]),
                Value::Map(vec![("k".into(), Value::Int32(i32::MIN))]),
                Value::Struct(Struct {
                    schema: inner.clone(),
                    values: vec![Value::Float64(1e21)],
                }),
            ],
        })
    };
    let records = vec![
        Record::new("t").with_value(Some(schema.clone()), value(i64::MIN, Some("ann"))),
        Record::new("t").with_value(Some(schema.clone()), value(42, None)),
        Record::new("t").with_value(None, Value::Array(vec![Value::Int64(1), Value::Null])),
        Record::new("t").with_value(
            None,
            Value::Map(vec![
                ("a".into(), Value::Float64(-0.0)),
                ("b".into(), Value::Boolean(true)),
            ]),
        ),
        Record::new("t").with_value(None, Value::Null),
        Record::new("t").with_value(None, Value::Float64(f64::NAN)),
    ];
    for (text, display) in both(&records) {
        assert_eq!(text, display);
    }
    assert_eq!(
        both(&records[1..2])[0].0,
        "Struct{id=42,small=-7,f=0.1,flag=true,raw=ab\u{fffd},tags=[a, b],scores={k=-2147483648},inner=Struct{x=1.0E21}}"
    );
}

#[test]
fn a_struct_without_its_schema_is_an_error() {
    let schema = Arc::new(Schema::structure(vec![Field {
        name: "a".into(),
        schema: Arc::new(Schema::new(SchemaType::Int32)),
    }]));
    let batch = Batch::from_records(&[Record::new("t").with_value(
        Some(schema.clone()),
        Value::Struct(Struct {
            schema,
            values: vec![Value::Int32(1)],
        }),
    )])
    .unwrap();
    let desc = batch.desc(0).unwrap();
    let mut out = Vec::new();
    assert!(
        batch
            .write_text(&mut out, desc.value, crate::layout::NONE)
            .is_err()
    );
}
