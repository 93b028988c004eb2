use wasm_connect_sdk::{Batch, Header, Record, Schema, SchemaType, Struct, Value};

use super::*;

/// The default plugin memory limit.
const LIMIT: u64 = 256 << 20;
use crate::plugin::bindings::wasm_connect::plugin::batch_ops::{AddHeader, SetField};
use crate::plugin::convert::batch_to_wit;

fn customers() -> Vec<Record> {
    let schema = std::sync::Arc::new(Schema::structure(vec![
        sdk::Field {
            name: "id".into(),
            schema: std::sync::Arc::new(Schema::new(SchemaType::Int32)),
        },
        sdk::Field {
            name: "email".into(),
            schema: std::sync::Arc::new(Schema::optional(SchemaType::String)),
        },
    ]));
    (0..3)
        .map(|i| {
            let mut r = Record::new("orders").with_value(
                Some(schema.clone()),
                Value::Struct(Struct {
                    schema: schema.clone(),
                    values: vec![
                        Value::Int32(i),
                        if i == 1 {
                            Value::Null
                        } else {
                            Value::String(format!("c{i}@example.com"))
                        },
                    ],
                }),
            );
            r.headers.push(Header {
                key: "route".into(),
                schema: None,
                value: Value::String(format!("region-{}", i % 2)),
            });
            r
        })
        .collect()
}

/// What the plugin would hold after appending the returned bytes.
fn joined(sent: &wit::Batch, back: wit::Batch) -> Batch {
    assert_eq!(back.data_base as usize, sent.data.len());
    let mut data = sent.data.clone();
    data.extend_from_slice(&back.data);
    let whole = wit::Batch {
        data,
        data_base: 0,
        ..back
    };
    let batch = batch_from_wit(whole, None).unwrap();
    batch.validate().unwrap();
    batch
}

#[test]
fn ops_run_in_order_and_send_back_only_added_bytes() {
    let sent = batch_to_wit(Batch::from_records(&customers()).unwrap());
    let ops = vec![
        Op::SetField(SetField {
            name: "email".into(),
            value: Scalar::Text("****".into()),
            skip_null: true,
        }),
        Op::SetField(SetField {
            name: "id".into(),
            value: Scalar::Int(7),
            skip_null: false,
        }),
        Op::TopicsFromHeader("route".into()),
        Op::AddHeader(AddHeader {
            key: "masked".into(),
            value: Scalar::Boolean(true),
        }),
    ];
    let back = apply(sent.clone(), ops, LIMIT).unwrap();
    // "****", "region-0", "region-1" (as topics, not data), "masked".
    assert_eq!(back.data, b"****masked");
    let records = joined(&sent, back).to_records().unwrap();
    let topics: Vec<&str> = records.iter().map(|r| r.topic.as_str()).collect();
    assert_eq!(topics, ["region-0", "region-1", "region-0"]);
    for (i, r) in records.iter().enumerate() {
        let Value::Struct(s) = &r.value else {
            panic!("{:?}", r.value)
        };
        assert_eq!(s.values[0], Value::Int32(7), "an int fits the int32 field");
        let email = if i == 1 {
            Value::Null
        } else {
            Value::String("****".into())
        };
        assert_eq!(s.values[1], email);
        assert_eq!(r.headers.len(), 2);
        assert_eq!(r.headers[1].key, "masked");
        assert_eq!(r.headers[1].value, Value::Boolean(true));
    }
}

#[test]
fn refusals_are_the_sdks_words_and_name_the_record() {
    let sent = batch_to_wit(Batch::from_records(&customers()).unwrap());
    let err = apply(
        sent.clone(),
        vec![Op::SetField(SetField {
            name: "id".into(),
            value: Scalar::Text("x".into()),
            skip_null: false,
        })],
        LIMIT,
    )
    .unwrap_err();
    assert_eq!(err.kind, wit::ErrorKind::Data);
    assert_eq!(err.message, "field id is int32; cannot set it to a string");
    assert_eq!(err.record, Some(0));

    let err = apply(
        sent.clone(),
        vec![Op::SetField(SetField {
            name: "id".into(),
            value: Scalar::Int(1 << 40),
            skip_null: false,
        })],
        LIMIT,
    )
    .unwrap_err();
    assert_eq!(err.message, "field id is int32; cannot set it to an int64");

    let err = apply(
        wit::Batch {
            data_base: 3,
            ..sent
        },
        vec![],
        LIMIT,
    )
    .unwrap_err();
    assert_eq!(
        err.message,
        "batch-ops apply needs the batch's data whole: its data-base is 3, but the call was given \
         no batch to build on"
    );
}

#[test]
fn a_batch_with_bad_ranges_is_an_error_not_a_panic() {
    let good = batch_to_wit(Batch::from_records(&customers()).unwrap());
    // Record 2's headers start far past the header table; its value's
    // children past the nodes; descriptors cut short.
    let r = 2 * 96;
    let mut headers = good.clone();
    headers.records[r + 28..r + 32].copy_from_slice(&1_000_000u32.to_le_bytes());
    let mut nodes = good.clone();
    nodes.records[r + 80..r + 88].copy_from_slice(&u64::MAX.to_le_bytes());
    let mut short = good.clone();
    short.records.truncate(100);
    for bad in [headers, nodes, short] {
        for op in [
            Op::TopicsFromHeader("route".into()),
            Op::SetField(SetField {
                name: "email".into(),
                value: Scalar::Null,
                skip_null: false,
            }),
            Op::AddHeader(AddHeader {
                key: "k".into(),
                value: Scalar::Float(1.5),
            }),
        ] {
            let err = apply(bad.clone(), vec![op], LIMIT).unwrap_err();
            assert_eq!(err.kind, wit::ErrorKind::Data);
            assert!(
                err.message
                    .starts_with("batch-ops apply was given a batch it cannot read: "),
                "{}",
                err.message
            );
        }
    }
}

#[test]
fn work_and_growth_per_call_are_bounded() {
    let sent = batch_to_wit(Batch::from_records(&customers()).unwrap());
    let add = || {
        Op::AddHeader(AddHeader {
            key: "k".into(),
            value: Scalar::Text("v".into()),
        })
    };
    let err = apply(sent.clone(), (0..=MAX_OPS).map(|_| add()).collect(), LIMIT).unwrap_err();
    assert_eq!(
        err.message,
        format!("batch-ops apply takes at most {MAX_OPS} operations a call, not 65")
    );
    apply(sent.clone(), (0..MAX_OPS).map(|_| add()).collect(), LIMIT).unwrap();
    // Each added header copies every record's headers: the batch grows
    // past a small limit and is refused instead of growing on.
    let size =
        (sent.data.len() + sent.records.len() + sent.headers.len() + sent.nodes.len()) as u64;
    let err = apply(sent, (0..MAX_OPS).map(|_| add()).collect(), size + 200).unwrap_err();
    assert!(
        err.message
            .starts_with("batch-ops apply would return a batch of ")
            && err.message.ends_with(&format!(
                "more than the plugin's {}-byte memory limit",
                size + 200
            )),
        "{}",
        err.message
    );
}
