//! What the benchmarks share.

use wasm_connect_sdk::Batch;
use wasm_connect_sdk::layout::{Node, RecordDesc};

/// A batch as a sink task builds it from Kafka: one record per value, in
/// partition 0 of `topic`, the values as bytes with no schema.
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
