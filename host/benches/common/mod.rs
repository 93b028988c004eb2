//! What the benchmarks share.

use std::time::Duration;

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
