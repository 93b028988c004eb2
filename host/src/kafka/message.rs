//! A consumed Kafka message as a record of a batch, shared by the sink
//! task's intake and the `kafka` capability's `poll`: both hand plugins
//! records exactly as Kafka has them (bytes, no schemas).

use rdkafka::message::Headers;
use rdkafka::{Message, Timestamp};
use wasm_connect_sdk::layout::{HEADER_SIZE, Node, RecordDesc, TimestampType};
use wasm_connect_sdk::{Batch, BatchError};

/// Append a consumed message to a raw batch: key and value as bytes
/// nodes, headers (if `read_headers`) as bytes with each key stored once
/// per batch, no schemas, no tag. Returns the index of its topic in the
/// batch's topic table. Every byte is copied once, from librdkafka's
/// buffers into the batch's data.
pub fn append(
    batch: &mut Batch,
    msg: &impl Message,
    read_headers: bool,
) -> Result<u32, BatchError> {
    let topic = batch.intern_topic(msg.topic())?;
    let mut desc = RecordDesc {
        topic,
        partition: msg.partition(),
        offset: msg.offset(),
        ..RecordDesc::default()
    };
    match msg.timestamp() {
        Timestamp::CreateTime(ts) => desc.set_timestamp(Some(ts), TimestampType::CreateTime),
        Timestamp::LogAppendTime(ts) => desc.set_timestamp(Some(ts), TimestampType::LogAppendTime),
        Timestamp::NotAvailable => {}
    }
    if let Some(k) = msg.key() {
        let (start, len) = batch.push_bytes(k)?;
        desc.key = Node::bytes(start, len);
    }
    if let Some(v) = msg.payload() {
        let (start, len) = batch.push_bytes(v)?;
        desc.value = Node::bytes(start, len);
    }
    // Checked first: `headers()` is the costly call this skips.
    if read_headers && let Some(headers) = msg.headers() {
        desc.header_start = (batch.headers.len() / HEADER_SIZE) as u32;
        for h in headers.iter() {
            // Messages repeat the same few keys: one copy per batch.
            batch.push_bytes_header(h.key.as_bytes(), h.value)?;
            desc.header_count += 1;
        }
    }
    batch.push_desc(&desc);
    Ok(topic)
}
