//! What the benchmarks share.

#![allow(dead_code, reason = "each benchmark uses a part")]

use std::sync::Arc;
use std::time::Duration;

use wasm_connect_sdk::layout::{Node, RecordDesc};
use wasm_connect_sdk::{Batch, Field, Record, Schema, SchemaType, Struct, Value};

/// A batch as a sink task builds it from Kafka: one record per value, in
/// partition 0 of `topic`, the values as bytes with no schema.
#[allow(dead_code, reason = "not every benchmark builds bytes batches")]
pub fn bytes_batch<'v>(topic: &str, values: impl IntoIterator<Item = &'v [u8]>) -> Batch {
    let mut batch = Batch::new();
    let topic = batch.intern_topic(topic).unwrap();
    for (offset, value) in values.into_iter().enumerate() {
        let (start, len) = batch.push_bytes(value).unwrap();
        batch.push_desc(&RecordDesc {
            topic,
            partition: 0,
            offset: offset as i64,
            value: Node::bytes(start, len),
            ..RecordDesc::default()
        });
    }
    batch
}

/// Records per batch: the size at which BENCHMARKS.md shows the per-call
/// cost of the boundary (~3 µs) no longer dominates.
pub const RECORDS: usize = 1000;

/// The chain: `transforms=mask,insert,rename`.
pub const CHAIN: [(&str, &[(&str, &str)]); 3] = [
    (
        "org.apache.kafka.connect.transforms.MaskField$Value",
        &[("fields", "email")],
    ),
    (
        "org.apache.kafka.connect.transforms.InsertField$Value",
        &[("static.field", "origin"), ("static.value", "bench")],
    ),
    (
        "org.apache.kafka.connect.transforms.ReplaceField$Value",
        &[("renames", "name:full_name")],
    ),
];

pub fn config(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// A customer-like value schema: six fields, one of them a Timestamp.
pub fn schema() -> Arc<Schema> {
    let field = |name: &str, schema: Schema| Field {
        name: name.to_owned(),
        schema: Arc::new(schema),
    };
    let mut timestamp =
        Schema::new(SchemaType::Int64).named("org.apache.kafka.connect.data.Timestamp");
    timestamp.version = Some(1);
    Arc::new(
        Schema::structure(vec![
            field("id", Schema::new(SchemaType::Int64)),
            field("name", Schema::new(SchemaType::String)),
            field("email", Schema::optional(SchemaType::String)),
            field("amount", Schema::new(SchemaType::Float64)),
            field("active", Schema::new(SchemaType::Boolean)),
            field("created_at", timestamp),
        ])
        .named("com.example.Customer"),
    )
}

/// A batch as a source task produces it: struct values with their schema.
pub fn struct_batch() -> Batch {
    let schema = schema();
    let records: Vec<Record> = (0..RECORDS)
        .map(|i| {
            let id = 1_000_000 + i as i64;
            let values = vec![
                Value::Int64(id),
                Value::String(format!("Customer {id} Lastname")),
                Value::String(format!("customer.{id}@example.com")),
                Value::Float64(i as f64 * 3.17 + 0.25),
                Value::Boolean(i % 3 == 0),
                Value::Int64(1_764_000_000_000 + i as i64 * 1_000),
            ];
            Record::new("customers").with_value(
                Some(schema.clone()),
                Value::Struct(Struct {
                    schema: schema.clone(),
                    values,
                }),
            )
        })
        .collect();
    Batch::from_records(&records).unwrap()
}

/// The CPU time of this thread so far. Wasmtime runs a call's guest code
/// on a fiber of the calling thread (`block_on` drives it here), so this
/// counts the host's and the guest's work alike, but not the time other
/// processes of the shared machine hold the core: with wall time, samples
/// of one run spread from 2.3 to 7.7 µs per record for the same call.
pub fn cpu_now() -> Duration {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    Duration::new(
        u64::try_from(t.tv_sec).unwrap(),
        u32::try_from(t.tv_nsec).unwrap(),
    )
}
