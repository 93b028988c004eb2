//! What the benchmarks share.

use std::time::Duration;

use wasm_connect_sdk::Batch;
use wasm_connect_sdk::layout::{Node, RecordDesc};

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

/// The calling thread's CPU time. Benchmarks time plugin calls with it, not
/// wall time: on a shared machine wall time counts the time other processes
/// hold the core (wasmtime runs the guest on a fiber of this thread).
#[allow(dead_code, reason = "not every benchmark times by CPU")]
pub fn cpu_now() -> Duration {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    Duration::new(
        u64::try_from(t.tv_sec).unwrap(),
        u32::try_from(t.tv_nsec).unwrap(),
    )
}
