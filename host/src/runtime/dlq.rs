//! Dead-letter queues: where records that failed a conversion or a
//! transform go under `errors.tolerance=all` with
//! `errors.deadletterqueue.topic.name` set.
//!
//! Sink records keep their original key, value, headers and timestamp, as
//! in Apache Kafka Connect. Beyond Apache, source connectors get one too:
//! their failed records are written with the key and value as text (Java's
//! `toString` form of the Connect data) and the same context headers.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rdkafka::admin::AdminClient;
use rdkafka::client::DefaultClientContext;
use rdkafka::error::RDKafkaErrorCode;
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{BaseRecord, DeliveryResult, Producer, ProducerContext, ThreadedProducer};
use wasm_connect_sdk::Batch;
use wasm_connect_sdk::layout::{Node, NodeKind};

use super::pipeline::{Skipped, exception_class};
use super::{TaskContext, TaskError};
use crate::kafka::KafkaSettings;
use crate::kafka::topics::CreateTopicError;

/// Apache's context header names (`DeadLetterQueueReporter`).
const HEADER_PREFIX: &str = "__connect.errors.";

/// Create `topic` (one partition, `replication` replicas) unless it exists.
pub(crate) async fn ensure_topic(
    kafka: &KafkaSettings,
    topic: &str,
    replication: i32,
) -> Result<(), TaskError> {
    let admin: AdminClient<DefaultClientContext> = kafka.admin_config().create().map_err(|e| {
        TaskError::Other(format!(
            "cannot create an admin client for the dead letter queue: {e}"
        ))
    })?;
    match crate::kafka::topics::create_unless_exists(&admin, topic, 1, replication).await {
        Ok(true) => tracing::info!(topic, "Created the dead letter queue topic"),
        Ok(false) => {}
        Err(CreateTopicError::Request(e)) => {
            return Err(TaskError::Other(format!(
                "cannot create the dead letter queue topic {topic}: {e}"
            )));
        }
        Err(CreateTopicError::Refused(code)) => {
            return Err(TaskError::Other(format!(
                "cannot create the dead letter queue topic {topic} \
                 (errors.deadletterqueue.topic.replication.factor={replication}): {code}"
            )));
        }
    }
    Ok(())
}

/// The context headers of a failed record (when
/// `errors.deadletterqueue.context.headers.enable=true`), as strings.
pub(crate) fn context_headers(
    ctx: &TaskContext,
    skipped: &Skipped,
    topic: &str,
    partition: Option<i32>,
    offset: Option<i64>,
) -> Vec<(String, String)> {
    let mut h = vec![(format!("{HEADER_PREFIX}topic"), topic.to_owned())];
    if let Some(p) = partition {
        h.push((format!("{HEADER_PREFIX}partition"), p.to_string()));
    }
    if let Some(o) = offset {
        h.push((format!("{HEADER_PREFIX}offset"), o.to_string()));
    }
    h.extend([
        (
            format!("{HEADER_PREFIX}connector.name"),
            ctx.connector.name.clone(),
        ),
        (format!("{HEADER_PREFIX}task.id"), ctx.task.to_string()),
        (format!("{HEADER_PREFIX}stage"), skipped.stage.to_string()),
        (format!("{HEADER_PREFIX}class.name"), skipped.class.clone()),
        (
            format!("{HEADER_PREFIX}exception.class.name"),
            exception_class(skipped.error.kind).to_owned(),
        ),
        (
            format!("{HEADER_PREFIX}exception.message"),
            skipped.error.message.clone(),
        ),
        // There is no Java stack trace; the full error chain is the most
        // useful text to put where tools look for one.
        (
            format!("{HEADER_PREFIX}exception.stacktrace"),
            skipped.message.clone(),
        ),
    ]);
    h
}

/// Remembers the first failed delivery, so the next flush can fail the task
/// before offsets are committed past a record that reached no queue.
#[derive(Clone)]
struct DeliveryFailures {
    first: Arc<Mutex<Option<String>>>,
    metrics: Arc<crate::metrics::TaskMetrics>,
    /// The task's span, for librdkafka's lines.
    span: tracing::Span,
}

crate::kafka::span_client_context!(DeliveryFailures);

impl ProducerContext for DeliveryFailures {
    type DeliveryOpaque = ();

    fn delivery(&self, result: &DeliveryResult<'_>, _: ()) {
        if let Err((e, _)) = result {
            self.metrics.dlq_failures.inc();
            if let Ok(mut first) = self.first.lock() {
                first.get_or_insert_with(|| e.to_string());
            }
        }
    }
}

/// A sink task's dead-letter queue.
pub(crate) struct SinkDlq {
    topic: String,
    producer: Arc<ThreadedProducer<DeliveryFailures>>,
    failures: DeliveryFailures,
}

impl SinkDlq {
    /// Create the topic if needed and a producer for it.
    pub async fn open(ctx: &TaskContext, topic: &str) -> Result<Self, TaskError> {
        ensure_topic(
            &ctx.shared.kafka,
            topic,
            ctx.connector.errors.dlq_replication_factor,
        )
        .await?;
        let failures = DeliveryFailures {
            first: Arc::default(),
            metrics: ctx.metrics.clone(),
            span: tracing::Span::current(),
        };
        let client_id = format!("connector-dlq-producer-{}-{}", ctx.connector.name, ctx.task);
        let producer = ctx
            .shared
            .kafka
            .producer_config(&client_id, &[])
            .create_with_context(failures.clone())
            .map_err(|e| {
                TaskError::Other(format!("cannot create the dead letter queue producer: {e}"))
            })?;
        Ok(Self {
            topic: topic.to_owned(),
            producer: Arc::new(producer),
            failures,
        })
    }

    /// Send the original (consumed) form of every skipped record.
    pub async fn send(
        &self,
        ctx: &TaskContext,
        original: &Batch,
        skipped: &[Skipped],
    ) -> Result<(), TaskError> {
        let bad = |e: wasm_connect_sdk::BatchError| TaskError::Other(e.to_string());
        for s in skipped {
            let Some(record) = s.tag.and_then(|t| original.record(t as usize).ok()) else {
                tracing::warn!(stage = %s.stage, "A failed record cannot be traced to the consumed record; it is not sent to the dead letter queue");
                continue;
            };
            let desc = *record.desc();
            let topic = record.topic().map_err(bad)?;
            let key = raw_bytes(original, desc.key).map_err(bad)?;
            let value = raw_bytes(original, desc.value).map_err(bad)?;
            let mut headers = OwnedHeaders::new();
            for h in record.header_descs().map_err(bad)? {
                let k = original
                    .str(h.key_start, h.key_len, "a header key")
                    .map_err(bad)?;
                headers = headers.insert(Header {
                    key: k,
                    value: raw_bytes(original, h.value).map_err(bad)?,
                });
            }
            let context = if ctx.connector.errors.dlq_context_headers {
                context_headers(ctx, s, topic, record.partition(), record.offset())
            } else {
                Vec::new()
            };
            for (k, v) in &context {
                headers = headers.insert(Header {
                    key: k.as_str(),
                    value: Some(v.as_bytes()),
                });
            }
            ctx.metrics.dlq_requests.inc();
            let mut out = BaseRecord::to(&self.topic).headers(headers);
            if let Some(k) = key {
                out = out.key(k);
            }
            if let Some(v) = value {
                out = out.payload(v);
            }
            if let Some(ts) = record.timestamp() {
                out = out.timestamp(ts);
            }
            loop {
                match self.producer.send(out) {
                    Ok(()) => break,
                    Err((
                        rdkafka::error::KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull),
                        back,
                    )) => {
                        out = back;
                        tokio::time::sleep(Duration::from_millis(5)).await;
                    }
                    Err((e, _)) => {
                        return Err(TaskError::Other(format!(
                            "cannot write to the dead letter queue {}: {e}",
                            self.topic
                        )));
                    }
                }
            }
        }
        Ok(())
    }

    /// Wait until everything sent is in Kafka; fails if anything was not.
    pub async fn flush(&self, timeout: Duration) -> Result<(), TaskError> {
        let producer = self.producer.clone();
        let flushed = tokio::task::spawn_blocking(move || producer.flush(timeout)).await;
        if !matches!(flushed, Ok(Ok(()))) {
            return Err(TaskError::Other(format!(
                "the dead letter queue {} did not acknowledge its records in time",
                self.topic
            )));
        }
        if let Some(e) = self.failures.first.lock().ok().and_then(|f| f.clone()) {
            return Err(TaskError::Other(format!(
                "writing to the dead letter queue {} failed: {e}",
                self.topic
            )));
        }
        Ok(())
    }
}

/// The bytes of a raw (consumed, unconverted) key, value or header value.
fn raw_bytes(batch: &Batch, node: Node) -> Result<Option<&[u8]>, wasm_connect_sdk::BatchError> {
    match NodeKind::from_u8(node.kind) {
        Some(NodeKind::Bytes | NodeKind::String) => {
            batch.bytes(node.b as u32, node.a, "a raw value").map(Some)
        }
        _ => Ok(None),
    }
}
