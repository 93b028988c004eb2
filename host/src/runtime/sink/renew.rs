//! A sink task's side of sandbox renewal (`runtime/renew.rs`): between two
//! batches, with the consumer and its assignment kept, the old plugins
//! flush and are committed, closed and stopped as a clean shutdown would,
//! and new ones are created in a fresh sandbox and opened on the same
//! partitions. No rebalance, no record read twice.

use rdkafka::consumer::Consumer as _;

use super::{Kafka, Offsets, Plugins, commit, rebalances};
use crate::plugin::Sandbox;
use crate::plugin::bindings::wasm_connect::plugin::types as wit;
use crate::plugin::convert::topic_partitions;
use crate::runtime::renew::Renewal;
use crate::runtime::{TaskContext, TaskError};

/// Renew the task's sandbox after a batch was put and its offsets tracked;
/// `used` is the plugins' memory. On success `plugins` are the new ones, in
/// the new `sandbox`. Renewal waits for a later batch when the consumer
/// cannot say what it owns.
pub(super) async fn renew(
    ctx: &TaskContext,
    sandbox: &mut Sandbox,
    plugins: &mut Plugins,
    renewal: &mut Renewal,
    used: u64,
    kafka: Kafka<'_>,
    offsets: &mut Offsets,
) -> Result<(), TaskError> {
    // The old task hears of assignment changes first, so it was opened on
    // exactly what the consumer owns now.
    rebalances(ctx, sandbox, plugins, &kafka, offsets).await?;
    let assigned: Vec<wit::TopicPartition> = match kafka.consumer.assignment() {
        Ok(list) => topic_partitions(list.elements().iter().map(|e| (e.topic(), e.partition()))),
        Err(e) => {
            tracing::warn!(
                "Cannot read the consumer's assignment, renewing the sandbox later: {e}"
            );
            return Ok(());
        }
    };
    // What the old task was given is flushed and its offsets committed, as
    // at every interval: the new task starts with nothing owed.
    commit(ctx, sandbox, plugins, &kafka, offsets, false).await?;
    if !assigned.is_empty() {
        sandbox.close(&plugins.task, &assigned).await?;
    }
    if let Err(e) = sandbox.stop_sink_task(&plugins.task).await {
        tracing::warn!("Sink task did not stop cleanly for the renewal: {e}");
    }
    renewal.replace(ctx, sandbox, used).await?;
    *plugins = Plugins::create(ctx, sandbox).await?;
    renewal.finish(ctx, sandbox);
    if !assigned.is_empty() {
        sandbox.open(&plugins.task, &assigned).await?;
    }
    Ok(())
}
