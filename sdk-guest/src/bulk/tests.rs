use std::sync::Arc;

use super::*;
use crate::data::{Field, Header, Record, Schema, Struct};

fn customer() -> Arc<Schema> {
    let field = |name: &str, schema: Schema| Field {
        name: name.to_owned(),
        schema: Arc::new(schema),
    };
    Arc::new(
        Schema::structure(vec![
            field("id", Schema::new(SchemaType::Int64)),
            field("email", Schema::optional(SchemaType::String)),
        ])
        .named("Customer"),
    )
}

fn customer_record(id: i64, email: Option<&str>) -> Record {
    let schema = customer();
    Record::new("orders").with_value(
        Some(schema.clone()),
        Value::Struct(Struct {
            schema,
            values: vec![
                Value::Int64(id),
                email.map_or(Value::Null, |e| Value::String(e.to_owned())),
            ],
        }),
    )
}

fn header(mut record: Record, key: &str, value: Value) -> Record {
    record.headers.push(Header {
        key: key.to_owned(),
        schema: None,
        value,
    });
    record
}

/// Each record's value, decoded.
fn values(batch: &Batch) -> Vec<Value> {
    let records = batch.to_records().unwrap();
    records.into_iter().map(|r| r.value).collect()
}

fn topics(batch: &Batch) -> Vec<String> {
    batch
        .iter()
        .map(|r| r.topic().unwrap().to_owned())
        .collect()
}

fn email(value: &Value) -> &Value {
    match value {
        Value::Struct(s) => &s.values[1],
        other => panic!("not a struct: {other:?}"),
    }
}

#[test]
fn set_field_masks_structs_and_maps_and_skips_nulls() {
    let other = Arc::new(Schema::structure(vec![Field {
        name: "name".into(),
        schema: Arc::new(Schema::new(SchemaType::String)),
    }]));
    let records = vec![
        customer_record(1, Some("a@example.com")),
        customer_record(2, None),
        Record::new("t").with_value(
            None,
            Value::Map(vec![
                ("email".into(), "b@example.com".into()),
                ("name".into(), "bo".into()),
            ]),
        ),
        Record::new("t").with_value(None, Value::Map(vec![("email".into(), Value::Null)])),
        Record::new("t").with_value(
            Some(other.clone()),
            Value::Struct(Struct {
                schema: other,
                values: vec!["no email".into()],
            }),
        ),
        Record::new("t").with_value(None, "plain".into()),
        customer_record(3, Some("c@example.com")),
    ];
    let mut batch = Batch::from_records(&records).unwrap();
    let before = batch.data().len();
    batch
        .set_field("email", &Value::String("****".into()), true)
        .unwrap();
    batch.validate().unwrap();
    let got = values(&batch);
    assert_eq!(email(&got[0]), &Value::String("****".into()));
    assert_eq!(email(&got[1]), &Value::Null, "a null stays null");
    assert_eq!(
        got[2],
        Value::Map(vec![
            ("email".into(), "****".into()),
            ("name".into(), "bo".into()),
        ])
    );
    assert_eq!(got[3], Value::Map(vec![("email".into(), Value::Null)]));
    assert_eq!(got[4], records[4].value, "no such field");
    assert_eq!(got[5], records[5].value);
    assert_eq!(email(&got[6]), &Value::String("****".into()));
    // Once for the struct schema, once for the schemaless map entries.
    assert_eq!(batch.data().len(), before + 8);

    // Without skip_null a null field is set too.
    let mut batch = Batch::from_records(&records[..2]).unwrap();
    batch.set_field("email", &"x".into(), false).unwrap();
    assert_eq!(email(&values(&batch)[1]), &Value::String("x".into()));
}

#[test]
fn set_field_refuses_a_value_the_schema_does_not_accept() {
    let records = vec![
        Record::new("t").with_value(None, "fine".into()),
        customer_record(1, Some("a@example.com")),
    ];
    let mut batch = Batch::from_records(&records).unwrap();
    let err = batch.set_field("id", &"****".into(), true).unwrap_err();
    assert_eq!(err.message, "field id is int64; cannot set it to a string");
    assert_eq!(err.record, Some(1));
    // A required field cannot become null; an optional one can.
    let err = batch.set_field("id", &Value::Null, false).unwrap_err();
    assert_eq!(err.message, "field id is int64; cannot set it to null");
    batch.set_field("email", &Value::Null, false).unwrap();
    assert_eq!(email(&values(&batch)[1]), &Value::Null);
    batch.set_field("id", &Value::Int64(7), false).unwrap();
    match &values(&batch)[1] {
        Value::Struct(s) => assert_eq!(s.values[0], Value::Int64(7)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_struct_shorter_than_its_schema_is_an_error_not_a_write_elsewhere() {
    let mut batch = Batch::from_records(&[
        customer_record(1, Some("a@example.com")),
        customer_record(2, Some("b@example.com")),
    ])
    .unwrap();
    // Record 1's struct claims one child only: its email would be
    // record 2's... nothing; the write must not land past the struct.
    let (mut node, schema) = batch.part(1, crate::layout::Part::Value).unwrap();
    node.a = 1;
    batch
        .set_part(1, crate::layout::Part::Value, node, schema)
        .unwrap();
    let err = batch.set_field("email", &"x".into(), true).unwrap_err();
    assert_eq!(err.record, Some(1));
}

#[test]
fn topics_come_from_the_last_text_header() {
    let records = vec![
        header(customer_record(1, None), "route", "eu-orders".into()),
        header(
            header(Record::new("orders"), "route", "us-orders".into()),
            "trace",
            "t-1".into(),
        ),
        header(
            Record::new("orders"),
            "route",
            Value::Bytes(b"asia-orders".to_vec()),
        ),
        header(Record::new("orders"), "route", "".into()),
        header(
            Record::new("orders"),
            "route",
            Value::Bytes(vec![0xff, 0xfe]),
        ),
        header(Record::new("orders"), "route", Value::Int32(5)),
        header(Record::new("orders"), "other", "x-orders".into()),
        Record::new("orders"),
        header(
            header(Record::new("orders"), "route", "first".into()),
            "route",
            "eu-orders".into(),
        ),
        header(Record::new("orders"), "rout", "prefix-orders".into()),
    ];
    let mut batch = Batch::from_records(&records).unwrap();
    batch.set_topics_from_header("route").unwrap();
    batch.validate().unwrap();
    assert_eq!(
        topics(&batch),
        [
            "eu-orders",
            "us-orders",
            "asia-orders",
            "orders",
            "orders",
            "orders",
            "orders",
            "orders",
            "eu-orders",
            "orders",
        ]
    );
    // Each topic is in the table once; "first" was never a topic.
    assert_eq!(
        batch.topics,
        ["orders", "eu-orders", "us-orders", "asia-orders"]
    );
}

#[test]
fn header_keys_at_other_offsets_are_still_found() {
    // Keys written without sharing (as a plugin may): every descriptor
    // points at its own copy.
    let mut batch = Batch::new();
    let topic = batch.intern_topic("orders").unwrap();
    for (i, route) in ["a-orders", "b-orders", "a-orders"].iter().enumerate() {
        let (key_start, key_len) = batch.push_bytes(b"route").unwrap();
        let (start, len) = batch.push_bytes(route.as_bytes()).unwrap();
        let mut bytes = [0u8; HEADER_SIZE];
        crate::layout::HeaderDesc {
            key_start,
            key_len,
            schema: crate::layout::NONE,
            value: Node::string(start, len),
        }
        .write(&mut bytes);
        batch.headers.extend_from_slice(&bytes);
        batch.push_desc(&crate::layout::RecordDesc {
            topic,
            header_start: i as u32,
            header_count: 1,
            ..Default::default()
        });
    }
    batch.set_topics_from_header("route").unwrap();
    assert_eq!(topics(&batch), ["a-orders", "b-orders", "a-orders"]);
}

#[test]
fn bad_header_ranges_are_errors_naming_the_record() {
    let mut batch = Batch::from_records(&[header(Record::new("t"), "route", "x".into())]).unwrap();
    batch.set_header_range(0, 0, 9).unwrap();
    let err = batch.set_topics_from_header("route").unwrap_err();
    assert_eq!(err.record, Some(0));
}

#[test]
fn same_bytes_is_equality() {
    let texts: Vec<Vec<u8>> = (0..=20)
        .flat_map(|n| {
            let base: Vec<u8> = (0..n as u8).map(|b| b'a' + b).collect();
            // The same length with each position changed once.
            let mut all = vec![base.clone()];
            for at in 0..n {
                let mut other = base.clone();
                other[at] ^= 1;
                all.push(other);
            }
            all
        })
        .collect();
    for a in &texts {
        for b in &texts {
            assert_eq!(same_bytes(a, b), a == b, "{a:?} {b:?}");
        }
    }
}

#[test]
fn set_field_converts_numbers_as_the_helpers_do() {
    let field = |name: &str, t: SchemaType| Field {
        name: name.to_owned(),
        schema: Arc::new(Schema::new(t)),
    };
    let schema = Arc::new(Schema::structure(vec![
        field("small", SchemaType::Int8),
        field("ratio", SchemaType::Float32),
        field("flag", SchemaType::Boolean),
    ]));
    let record = Record::new("t").with_value(
        Some(schema.clone()),
        Value::Struct(Struct {
            schema,
            values: vec![Value::Int8(1), Value::Float32(0.0), Value::Boolean(false)],
        }),
    );
    let mut batch = Batch::from_records(&[record]).unwrap();
    let fields = |batch: &Batch| match &values(batch)[0] {
        Value::Struct(s) => s.values.clone(),
        other => panic!("{other:?}"),
    };
    batch.set_field("small", &Value::Int64(-5), false).unwrap();
    batch.set_field("ratio", &Value::Int64(2), false).unwrap();
    assert_eq!(
        fields(&batch),
        [Value::Int8(-5), Value::Float32(2.0), Value::Boolean(false)]
    );
    batch
        .set_field("ratio", &Value::Float64(0.5), false)
        .unwrap();
    assert_eq!(fields(&batch)[1], Value::Float32(0.5));
    let refused = |batch: &mut Batch, name: &str, value: Value| {
        batch.set_field(name, &value, false).unwrap_err().message
    };
    assert_eq!(
        refused(&mut batch, "small", Value::Int64(300)),
        "field small is int8; cannot set it to an int64"
    );
    assert_eq!(
        refused(&mut batch, "small", Value::Float64(1.0)),
        "field small is int8; cannot set it to a double"
    );
    assert_eq!(
        refused(&mut batch, "flag", Value::Int64(1)),
        "field flag is boolean; cannot set it to an int64"
    );
    assert_eq!(
        fields(&batch)[0],
        Value::Int8(-5),
        "refusals change nothing"
    );
}

#[test]
fn add_header_reaches_every_record_and_stores_its_bytes_once() {
    let records = vec![
        Record::new("t"),
        header(Record::new("t"), "trace", "t-1".into()),
        Record::new("t"),
        header(header(Record::new("t"), "a", "1".into()), "b", "2".into()),
    ];
    let mut batch = Batch::from_records(&records).unwrap();
    let data_before = batch.data().len();
    let added = Header {
        key: "route".into(),
        schema: None,
        value: "eu".into(),
    };
    batch.add_header(&added).unwrap();
    batch.validate().unwrap();
    let got = batch.to_records().unwrap();
    let keys = |r: &Record| r.headers.iter().map(|h| h.key.clone()).collect::<Vec<_>>();
    assert_eq!(keys(&got[0]), ["route"]);
    assert_eq!(keys(&got[1]), ["trace", "route"]);
    assert_eq!(keys(&got[2]), ["route"]);
    assert_eq!(keys(&got[3]), ["a", "b", "route"]);
    assert!(got.iter().all(|r| r.headers.last() == Some(&added)));
    assert_eq!(got[1].headers[0].value, Value::String("t-1".into()));
    // "route" and "eu" once for the whole batch.
    assert_eq!(batch.data().len(), data_before + "routeeu".len());
    // Records without headers share one descriptor.
    assert_eq!(
        batch.header_range(0).unwrap(),
        batch.header_range(2).unwrap()
    );

    let mut empty = Batch::new();
    empty.add_header(&added).unwrap();
    assert_eq!(empty.header_count(), 0);
}

#[test]
fn many_topics_sharing_memo_slots_route_exactly() {
    // More distinct topics than the memo has slots, many with the same
    // length and first and last bytes, each seen several times in turn.
    let names: Vec<String> = (0..100).map(|i| format!("t-{i:03}-x")).collect();
    let records: Vec<Record> = (0..600)
        .map(|i| {
            header(
                Record::new("orders"),
                "route",
                names[(i * 7) % 100].as_str().into(),
            )
        })
        .collect();
    let mut batch = Batch::from_records(&records).unwrap();
    batch.set_topics_from_header("route").unwrap();
    batch.validate().unwrap();
    let expected: Vec<&str> = (0..600).map(|i| names[(i * 7) % 100].as_str()).collect();
    assert_eq!(topics(&batch), expected);
    // Each topic once in the table, besides the records' original one.
    assert_eq!(batch.topics.len(), 101);
}
