//! A source task's loop: poll → convert → produce; offsets become
//! committable when Kafka acknowledged their records and are stored every
//! `offset.flush.interval.ms` and on shutdown.

use std::sync::Arc;
use std::time::Duration;

use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{BaseRecord, DeliveryResult, Producer, ProducerContext, ThreadedProducer};
use rdkafka::{ClientContext, Message};
use tokio::sync::watch;
use tokio::time::{Instant, sleep_until};
use wasm_connect_sdk::layout::{Node, NodeKind};
use wasm_connect_sdk::{Batch, SourceOffset};

use super::tracker::Tracker;
use super::{ConverterHandles, TaskContext, TaskError};
use crate::plugin::Sandbox;
use crate::plugin::sandbox::SourceTaskHandle;

/// The first wait after an empty poll; doubles up to [`MAX_IDLE_WAIT`].
const MIN_IDLE_WAIT: Duration = Duration::from_millis(5);
/// The longest wait between polls of an idle task (Apache's file source
/// waits a whole second; a shorter cap keeps latency low at little cost).
const MAX_IDLE_WAIT: Duration = Duration::from_millis(250);
/// Wait when the producer's queue is full before offering the record again.
const QUEUE_FULL_WAIT: Duration = Duration::from_millis(5);

/// Acknowledgements from the producer go straight to the tracker.
struct DeliveryContext {
    tracker: Tracker,
}

impl ClientContext for DeliveryContext {}

impl ProducerContext for DeliveryContext {
    type DeliveryOpaque = usize;

    fn delivery(&self, result: &DeliveryResult<'_>, seq: usize) {
        match result {
            Ok(_) => self.tracker.ack(seq as u64),
            Err((e, message)) => self.tracker.fail(format!(
                "Kafka did not accept a record for topic {}: {e}",
                message.topic()
            )),
        }
    }
}

struct Plugins {
    task: SourceTaskHandle,
    converters: ConverterHandles,
}

/// Run a source task in `sandbox` until `stop` turns true or it fails.
pub(crate) async fn run(
    ctx: &TaskContext,
    sandbox: &mut Sandbox,
    stop: &mut watch::Receiver<bool>,
) -> Result<(), TaskError> {
    let name = &ctx.connector.name;
    let offsets = {
        let store = ctx.shared.offsets.clone();
        let name = name.clone();
        tokio::task::spawn_blocking(move || store.offsets(&name))
            .await
            .map_err(|e| TaskError::Other(format!("reading stored offsets failed: {e}")))?
    };
    let plugins = Plugins {
        task: sandbox
            .create_source_task(&ctx.plugin, &ctx.config, &offsets)
            .await?,
        converters: ctx.converters.create(sandbox).await?,
    };

    let tracker = Tracker::default();
    let client_id = format!("connector-producer-{name}-{}", ctx.task);
    let overrides = crate::config::with_prefix(&ctx.connector.entries, "producer.override.");
    let producer: Arc<ThreadedProducer<DeliveryContext>> = Arc::new(
        ctx.shared
            .kafka
            .producer_config(&client_id, &overrides)
            .create_with_context(DeliveryContext {
                tracker: tracker.clone(),
            })
            .map_err(|e| {
                TaskError::Other(format!("cannot create the producer {client_id}: {e}"))
            })?,
    );
    tracing::info!(offsets = offsets.len(), "Source task started");

    let mut next_commit = Instant::now() + ctx.shared.flush_interval;
    let mut idle_wait = MIN_IDLE_WAIT;
    let outcome = loop {
        if *stop.borrow() {
            break Ok(());
        }
        if let Some(failure) = tracker.failure() {
            break Err(TaskError::Other(failure));
        }
        if Instant::now() >= next_commit {
            commit(ctx, sandbox, &plugins.task, &tracker).await;
            next_commit = Instant::now() + ctx.shared.flush_interval;
        }
        let batch = match sandbox.poll(&plugins.task).await {
            Ok(b) => b,
            Err(e) if e.is_retriable() => {
                tracing::warn!("Poll failed, retrying: {e}");
                Batch::new()
            }
            Err(e) => break Err(e.into()),
        };
        if batch.is_empty() {
            let wake = (Instant::now() + idle_wait).min(next_commit);
            tokio::select! {
                _ = sleep_until(wake) => {}
                _ = super::stopped(stop) => {}
            }
            idle_wait = (idle_wait * 2).min(MAX_IDLE_WAIT);
            continue;
        }
        idle_wait = MIN_IDLE_WAIT;
        let batch = match convert(sandbox, &plugins, batch).await {
            Ok(b) => b,
            Err(e) => break Err(e),
        };
        if let Err(e) = produce(
            &producer,
            &tracker,
            &batch,
            plugins.converters.header.is_some(),
        )
        .await
        {
            break Err(e);
        }
    };

    // Whatever happened, store what Kafka acknowledged.
    let flusher = producer.clone();
    let timeout = ctx.shared.flush_timeout;
    let flushed = tokio::task::spawn_blocking(move || flusher.flush(timeout)).await;
    if !matches!(flushed, Ok(Ok(()))) {
        tracing::warn!(
            in_flight = tracker.in_flight(),
            "Not every record was acknowledged within offset.flush.timeout.ms; their offsets are not committed and they will be sent again"
        );
    }
    commit(ctx, sandbox, &plugins.task, &tracker).await;
    if let Err(e) = sandbox.stop_source_task(&plugins.task).await {
        tracing::warn!("Source task did not stop cleanly: {e}");
    }
    outcome
}

/// Key, value and header converters, in that order.
async fn convert(
    sandbox: &mut Sandbox,
    plugins: &Plugins,
    batch: Batch,
) -> Result<Batch, TaskError> {
    let batch = sandbox.from_connect(&plugins.converters.key, batch).await?;
    let batch = sandbox
        .from_connect(&plugins.converters.value, batch)
        .await?;
    match &plugins.converters.header {
        Some(h) if !batch.headers.is_empty() => Ok(sandbox.from_connect(h, batch).await?),
        _ => Ok(batch),
    }
}

/// The bytes of a converted key or value (bytes or null).
fn bytes_of<'a>(
    batch: &'a Batch,
    node: Node,
    what: &str,
    raw_strings: bool,
) -> Result<Option<&'a [u8]>, TaskError> {
    match NodeKind::from_u8(node.kind) {
        Some(NodeKind::Null) => Ok(None),
        Some(NodeKind::Bytes) => Ok(Some(
            batch
                .bytes(node.b as u32, node.a, what)
                .map_err(|e| TaskError::Other(e.to_string()))?,
        )),
        Some(NodeKind::String) if raw_strings => Ok(Some(
            batch
                .bytes(node.b as u32, node.a, what)
                .map_err(|e| TaskError::Other(e.to_string()))?,
        )),
        _ => Err(TaskError::Other(format!(
            "{what} is not bytes after conversion (its converter must produce bytes or null)"
        ))),
    }
}

/// Hand every record of a converted batch to the producer.
async fn produce(
    producer: &ThreadedProducer<DeliveryContext>,
    tracker: &Tracker,
    batch: &Batch,
    converted_headers: bool,
) -> Result<(), TaskError> {
    let bad = |e: wasm_connect_sdk::BatchError| TaskError::Other(e.to_string());
    for record in batch.iter() {
        let desc = *record.desc();
        let topic = record.topic().map_err(bad)?;
        if topic.is_empty() {
            return Err(TaskError::Other(format!(
                "record {} of the batch has no topic",
                record.index()
            )));
        }
        let key = bytes_of(batch, desc.key, "the record key", false)?;
        let value = bytes_of(batch, desc.value, "the record value", false)?;
        let mut headers = OwnedHeaders::new_with_capacity(desc.header_count as usize);
        for h in record.header_descs().map_err(bad)? {
            let hkey = batch
                .str(h.key_start, h.key_len, "a header key")
                .map_err(bad)?;
            // Without a header converter, text headers go out as UTF-8.
            let hvalue = bytes_of(batch, h.value, "a header value", !converted_headers)?;
            headers = headers.insert(Header {
                key: hkey,
                value: hvalue,
            });
        }
        let seq = tracker.submit(
            record.source_partition().map_err(bad)?,
            record.source_offset().map_err(bad)?.map(str::to_owned),
        );
        let mut out = BaseRecord::with_opaque_to(topic, seq as usize).headers(headers);
        if let Some(k) = key {
            out = out.key(k);
        }
        if let Some(v) = value {
            out = out.payload(v);
        }
        if let Some(p) = record.partition() {
            out = out.partition(p);
        }
        if let Some(ts) = record.timestamp() {
            out = out.timestamp(ts);
        }
        loop {
            match producer.send(out) {
                Ok(()) => break,
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                    out = back;
                    tokio::time::sleep(QUEUE_FULL_WAIT).await;
                }
                Err((e, _)) => {
                    tracker.withdraw_last(seq);
                    return Err(TaskError::Other(format!(
                        "cannot produce to topic {topic}: {e}"
                    )));
                }
            }
        }
    }
    Ok(())
}

/// Store the offsets that became committable, then tell the task.
async fn commit(
    ctx: &TaskContext,
    sandbox: &mut Sandbox,
    task: &SourceTaskHandle,
    tracker: &Tracker,
) {
    let offsets = tracker.take_committable();
    if offsets.is_empty() {
        return;
    }
    let store = ctx.shared.offsets.clone();
    let name = ctx.connector.name.clone();
    let to_store: Vec<(String, Option<String>)> = offsets
        .iter()
        .map(|(p, o)| (p.clone(), Some(o.clone())))
        .collect();
    let stored = tokio::task::spawn_blocking(move || store.commit(&name, &to_store)).await;
    match stored {
        Ok(Ok(())) => {
            tracing::debug!(partitions = offsets.len(), "Committed source offsets");
            let committed: Vec<SourceOffset> = offsets
                .into_iter()
                .map(|(partition, offset)| SourceOffset { partition, offset })
                .collect();
            if let Err(e) = sandbox.commit(task, &committed).await {
                tracing::warn!("The task's commit() failed: {e}");
            }
        }
        Ok(Err(e)) => {
            tracing::error!("Could not store source offsets, will retry: {e}");
            tracker.restore(offsets);
        }
        Err(e) => {
            tracing::error!("Could not store source offsets, will retry: {e}");
            tracker.restore(offsets);
        }
    }
}
