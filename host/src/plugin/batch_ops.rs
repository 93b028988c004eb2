//! The `batch-ops` import: batch-wide operations run natively for plugins
//! whose language interprets every step.
//!
//! A JavaScript or Python plugin pays tens of nanoseconds per interpreted
//! operation and about a microsecond per function call, so masking a field
//! or routing by a header record by record costs more than the rest of a
//! pipeline. Their helpers hand the batch's buffers here instead, and the
//! SDK's batch-wide operations (the ones Rust plugins run in their own
//! component) do the work as compiled code. The batch comes from a plugin,
//! so it is untrusted: every operation bounds-checks what it reads and
//! answers a bad index with an error of kind `data`, never a panic.

use wasm_connect_sdk as sdk;

use super::bindings::wasm_connect::plugin::batch_ops::{Op, Scalar};
use super::bindings::wasm_connect::plugin::types as wit;
use super::convert::{batch_from_wit, batch_to_wit_appended};

/// How many operations one call may ask for. Host code cannot be
/// interrupted by the plugin's call time limit (epochs interrupt only the
/// guest), so each call's work is bounded: at most this many passes over
/// a batch that fits in the plugin's memory. Helpers send one or two.
pub const MAX_OPS: usize = 64;

/// Run `ops` in order on `records` (sent with all of its data) and return
/// the result with only the bytes the operations added after its
/// `data-base`, as the contract's `batch-ops.apply` says. Each call checks
/// the whole batch first (~40 ns a record), as the host checks what a
/// plugin returns.
///
/// `memory_limit` is the plugin's linear memory limit: the result has to
/// fit there, so a batch that outgrows it (say, a header added to every
/// record again and again) is refused after the operation that grew it,
/// before the host holds more than a few times that.
pub fn apply(
    records: wit::Batch,
    ops: Vec<Op>,
    memory_limit: u64,
) -> Result<wit::Batch, wit::PluginError> {
    if ops.len() > MAX_OPS {
        return Err(refused(
            format!(
                "batch-ops apply takes at most {MAX_OPS} operations a call, not {}",
                ops.len()
            ),
            None,
        ));
    }
    // No batch to build on: a data-base other than 0 is refused there.
    let mut batch = batch_from_wit(records, None).map_err(|e| {
        refused(
            format!("batch-ops apply needs the batch's data whole: {e}"),
            None,
        )
    })?;
    // Checked as a returned batch is: the operations then work on a batch
    // whose every index and range holds, and a plugin that sent a broken
    // one learns what is broken rather than which operation tripped on it.
    batch.validate().map_err(|e| {
        refused(
            format!("batch-ops apply was given a batch it cannot read: {e}"),
            None,
        )
    })?;
    batch.share_all();
    for op in &ops {
        // The SDK's words, unprefixed: a plugin author called `set_field`
        // (or `setField`), and gets the message a Rust plugin would.
        run(&mut batch, op).map_err(|e| refused(e.message, e.record))?;
        let size = [
            batch.data(),
            &batch.records[..],
            &batch.headers,
            &batch.nodes,
        ]
        .iter()
        .map(|b| b.len() as u64)
        .sum::<u64>();
        if size > memory_limit {
            return Err(refused(
                format!(
                    "batch-ops apply would return a batch of {size} bytes, more than the \
                     plugin's {memory_limit}-byte memory limit"
                ),
                None,
            ));
        }
    }
    Ok(batch_to_wit_appended(batch))
}

fn run(batch: &mut sdk::Batch, op: &Op) -> Result<(), sdk::PluginError> {
    match op {
        Op::SetField(set) => batch.set_field(&set.name, &value(&set.value), set.skip_null),
        Op::TopicsFromHeader(key) => batch.set_topics_from_header(key),
        Op::AddHeader(add) => batch.add_header(&sdk::Header {
            key: add.key.clone(),
            schema: None,
            value: value(&add.value),
        }),
    }
}

/// A scalar as the SDK's value: integers as int64 and floats as float64,
/// which `set_field` converts to a struct field's type.
fn value(scalar: &Scalar) -> sdk::Value {
    match scalar {
        Scalar::Null => sdk::Value::Null,
        Scalar::Boolean(b) => sdk::Value::Boolean(*b),
        Scalar::Int(i) => sdk::Value::Int64(*i),
        Scalar::Float(f) => sdk::Value::Float64(*f),
        Scalar::Text(s) => sdk::Value::String(s.clone()),
        Scalar::Bytes(b) => sdk::Value::Bytes(b.clone()),
    }
}

fn refused(message: String, record: Option<u32>) -> wit::PluginError {
    wit::PluginError {
        kind: wit::ErrorKind::Data,
        message,
        record,
    }
}

#[cfg(test)]
mod tests;
