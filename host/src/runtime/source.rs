//! A source task's loop: poll → convert → produce; offsets become
//! committable when Kafka acknowledged their records and are stored every
//! `offset.flush.interval.ms` and on shutdown.

use std::sync::Arc;
use std::time::Duration;

use rdkafka::Message;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{BaseRecord, DeliveryResult, Producer, ProducerContext, ThreadedProducer};
use tokio::time::{Instant, sleep_until};
use wasm_connect_sdk::layout::{Node, NodeKind};
use wasm_connect_sdk::{Batch, SourceOffset};

use super::dlq;
use super::pipeline::{self, Chain, ErrorHandler, Originals, Skipped};
use super::renew::Renewal;
use super::tracker::Tracker;
use super::{Control, ConverterHandles, PauseReport, TaskContext, TaskError, TopicsSeen};
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
    metrics: Arc<crate::metrics::TaskMetrics>,
    /// The task's span, for librdkafka's lines.
    span: tracing::Span,
}

crate::kafka::span_client_context!(DeliveryContext);

impl ProducerContext for DeliveryContext {
    type DeliveryOpaque = usize;

    fn delivery(&self, result: &DeliveryResult<'_>, seq: usize) {
        match result {
            Ok(_) => {
                self.metrics.write_total.inc();
                self.tracker.ack(seq as u64);
            }
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
    chain: Chain,
}

impl Plugins {
    /// Create the task's plugins in `sandbox`: the source task (given the
    /// stored `offsets`), its converters, transforms and predicates.
    async fn create(
        ctx: &TaskContext,
        sandbox: &mut Sandbox,
        offsets: &[SourceOffset],
    ) -> Result<Self, TaskError> {
        Ok(Self {
            task: sandbox
                .create_source_task(&ctx.plugin, &ctx.config, offsets)
                .await?,
            converters: ctx.converters.create(sandbox).await?,
            chain: Chain::create(&ctx.steps, sandbox).await?,
        })
    }
}

/// The connector's stored source offsets.
async fn stored_offsets(ctx: &TaskContext) -> Result<Vec<SourceOffset>, TaskError> {
    let store = ctx.shared.offsets.clone();
    let name = ctx.connector.name.clone();
    tokio::task::spawn_blocking(move || store.offsets(&name))
        .await
        .map_err(|e| TaskError::Other(format!("reading stored offsets failed: {e}")))
}

/// Run a source task in `sandbox` until `stop` turns true or it fails.
pub(crate) async fn run(
    ctx: &TaskContext,
    sandbox: &mut Sandbox,
    stop: &mut Control,
) -> Result<(), TaskError> {
    let name = &ctx.connector.name;
    let offsets = stored_offsets(ctx).await?;
    let mut plugins = Plugins::create(ctx, sandbox, &offsets).await?;
    ctx.report_started();
    let mut renewal = Renewal::new(ctx, sandbox);
    let classes = ctx.converters.classes();
    let mut errors = ErrorHandler::new(ctx);
    // Beyond Apache: source connectors get a dead letter queue too.
    let dlq_topic = match (&ctx.connector.errors.dlq_topic, errors.tolerates()) {
        (Some(topic), true) => {
            dlq::ensure_topic(
                &ctx.shared.kafka,
                topic,
                ctx.connector.errors.dlq_replication_factor,
            )
            .await?;
            Some(topic.clone())
        }
        _ => None,
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
                metrics: ctx.metrics.clone(),
                span: tracing::Span::current(),
            })
            .map_err(|e| {
                TaskError::Other(format!("cannot create the producer {client_id}: {e}"))
            })?,
    );
    ctx.metrics.started();
    tracing::info!(offsets = offsets.len(), "Source task started");

    let mut next_commit = Instant::now() + ctx.shared.flush_interval;
    let mut idle_wait = MIN_IDLE_WAIT;
    let mut pause = PauseReport::default();
    let mut topics = TopicsSeen::default();
    let outcome = loop {
        if super::is_stopped(stop) {
            break Ok(());
        }
        if let Some(failure) = tracker.failure() {
            break Err(TaskError::Other(failure));
        }
        if Instant::now() >= next_commit {
            commit(ctx, sandbox, &plugins.task, &tracker).await;
            next_commit = Instant::now() + ctx.shared.flush_interval;
        }
        // Paused: poll nothing, but keep committing what Kafka acknowledges.
        if super::is_paused(stop) {
            pause.pause(ctx);
            tokio::select! {
                _ = sleep_until(next_commit) => {}
                _ = super::changed(stop) => {}
            }
            continue;
        }
        pause.resume(ctx);
        let polled_at = std::time::Instant::now();
        let polled = sandbox.poll(&plugins.task).await;
        ctx.metrics
            .poll_time
            .observe(polled_at.elapsed().as_secs_f64());
        let batch = match polled {
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
        ctx.metrics.poll_total.inc_by(batch.len() as u64);
        ctx.metrics.batch_size.observe(batch.len() as f64);
        let step = process(sandbox, &plugins, &classes, &mut errors, batch, stop).await;
        let (positions, batch, original) = match step {
            Ok(done) => done,
            Err(e) => break Err(e),
        };
        let skipped = std::mem::take(&mut errors.skipped);
        let dlq = match (&dlq_topic, &original) {
            (Some(topic), Some(original)) => Some(SourceDlq {
                ctx,
                topic,
                original,
                skipped: &skipped,
            }),
            _ => None,
        };
        let converted_headers = plugins.converters.header.is_some();
        if let Err(e) = produce(
            &producer,
            &tracker,
            &batch,
            converted_headers,
            &positions,
            dlq.as_ref(),
        )
        .await
        {
            break Err(e);
        }
        if let Some(d) = &dlq {
            ctx.metrics.dlq_requests.inc_by(d.skipped.len() as u64);
        }
        ctx.metrics.active.set(tracker.in_flight() as i64);
        ctx.metrics.memory.set(sandbox.memory_used() as i64);
        topics.record(ctx, &batch);
        if let Some(used) = renewal.due(sandbox) {
            let kafka = (&producer, &tracker);
            if let Err(e) = renew(ctx, sandbox, &mut plugins, &mut renewal, used, kafka).await {
                break Err(e);
            }
            next_commit = Instant::now() + ctx.shared.flush_interval;
        }
    };
    if errors.skipped_total > 0 {
        tracing::info!(
            skipped = errors.skipped_total,
            "Records skipped because of errors (errors.tolerance=all)"
        );
    }

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
    // A renewal that failed half-way had stored every offset and stopped
    // the plugins: nothing is left to tell them.
    if !renewal.interrupted() {
        commit(ctx, sandbox, &plugins.task, &tracker).await;
        if let Err(e) = sandbox.stop_source_task(&plugins.task).await {
            tracing::warn!("Source task did not stop cleanly: {e}");
        }
    }
    outcome
}

/// Renew the task's sandbox (`runtime/renew.rs`) once every record it
/// returned was produced and acknowledged and its offsets stored: the
/// plugin task stops cleanly and a new one starts in a fresh sandbox from
/// the stored offsets, as a restart would, but without a failure. When
/// Kafka has not acknowledged everything within `offset.flush.timeout.ms`,
/// or the offsets could not be stored, the renewal waits for a later batch.
async fn renew(
    ctx: &TaskContext,
    sandbox: &mut Sandbox,
    plugins: &mut Plugins,
    renewal: &mut Renewal,
    used: u64,
    (producer, tracker): (&Arc<ThreadedProducer<DeliveryContext>>, &Tracker),
) -> Result<(), TaskError> {
    let flusher = producer.clone();
    let timeout = ctx.shared.flush_timeout;
    let flushed = tokio::task::spawn_blocking(move || flusher.flush(timeout)).await;
    if let Some(failure) = tracker.failure() {
        return Err(TaskError::Other(failure));
    }
    if !matches!(flushed, Ok(Ok(()))) || tracker.in_flight() > 0 {
        tracing::debug!(
            in_flight = tracker.in_flight(),
            "Not every record was acknowledged yet: renewing the sandbox after a later batch"
        );
        return Ok(());
    }
    if !commit(ctx, sandbox, &plugins.task, tracker).await {
        tracing::debug!("The offsets were not stored: renewing the sandbox after a later batch");
        return Ok(());
    }
    if let Err(e) = sandbox.stop_source_task(&plugins.task).await {
        tracing::warn!("Source task did not stop cleanly for the renewal: {e}");
    }
    renewal.replace(ctx, sandbox, used).await?;
    let offsets = stored_offsets(ctx).await?;
    *plugins = Plugins::create(ctx, sandbox, &offsets).await?;
    renewal.finish(ctx, sandbox);
    Ok(())
}

/// The source position of a polled record, by tag: `(partition, offset)`,
/// kept only for the last record of each source partition in the batch
/// (see [`Tracker::submit_all`]), so positions cost no allocation per
/// record.
type Positions = Vec<Option<(String, String)>>;

/// What one polled batch became: the polled records' positions, the
/// converted batch, and the polled records when failures may need them.
type Processed = (Positions, Batch, Option<Batch>);

/// Tag the polled records, run the chain and the converters.
async fn process(
    sandbox: &mut Sandbox,
    plugins: &Plugins,
    classes: &pipeline::ConverterClasses,
    errors: &mut ErrorHandler,
    mut polled: Batch,
    stop: &mut Control,
) -> Result<Processed, TaskError> {
    let bad = |e: wasm_connect_sdk::BatchError| TaskError::Other(e.to_string());
    polled.tag_positions().map_err(bad)?;
    let mut positions: Positions = vec![None; polled.len()];
    let mut seen = vec![false; polled.source_partitions.len()];
    for i in (0..polled.len()).rev() {
        let record = polled.record(i).map_err(bad)?;
        let Some(seen) = seen.get_mut(record.desc().source_partition as usize) else {
            continue;
        };
        if *seen {
            continue;
        }
        if let (Some(partition), Some(offset)) = (
            record.source_partition().map_err(bad)?,
            record.source_offset().map_err(bad)?,
        ) {
            *seen = true;
            positions[i] = Some((partition.to_owned(), offset.to_owned()));
        }
    }
    let original = errors.tolerates().then(|| polled.clone());
    let originals = Originals {
        batch: original.as_ref(),
    };
    let batch = plugins
        .chain
        .apply(sandbox, polled, errors, &originals, stop)
        .await?;
    let batch = pipeline::from_connect(
        sandbox,
        &plugins.converters,
        classes,
        batch,
        errors,
        &originals,
        stop,
    )
    .await?;
    Ok((positions, batch, original))
}

/// Where a source task's failed records go.
struct SourceDlq<'a> {
    ctx: &'a TaskContext,
    topic: &'a str,
    original: &'a Batch,
    skipped: &'a [Skipped],
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

/// What to do for one entry of a produced batch.
enum Step<'a> {
    /// Produce record `i` of the converted batch.
    Send(usize),
    /// Send polled record `tag`, which failed, to the dead letter queue.
    DeadLetter(usize, &'a Skipped),
    /// Nothing to send (filtered, or skipped): acknowledge at once.
    Ack,
}

/// Hand the converted records to the producer in the order of the polled
/// records they came from. A polled record that produced nothing (filtered,
/// or skipped after a failure) still has its offset acknowledged, as
/// Apache does, and a skipped one goes to the dead letter queue when set.
/// The whole batch is registered with the tracker at once.
async fn produce(
    producer: &ThreadedProducer<DeliveryContext>,
    tracker: &Tracker,
    batch: &Batch,
    converted_headers: bool,
    positions: &Positions,
    dlq: Option<&SourceDlq<'_>>,
) -> Result<(), TaskError> {
    let bad = |e: wasm_connect_sdk::BatchError| TaskError::Other(e.to_string());
    // Outputs by the tag of the polled record they came from; a stable
    // sort keeps the order of a tag's outputs (and costs one pass when,
    // as usual, the batch is already in order).
    let mut order: Vec<(u32, usize)> = Vec::with_capacity(batch.len());
    for i in 0..batch.len() {
        order.push((batch.tag(i).map_err(bad)?, i));
    }
    order.sort_by_key(|(tag, _)| *tag);
    let mut plan: Vec<(Step<'_>, Option<(&str, &str)>)> = Vec::with_capacity(order.len());
    let mut cursor = 0;
    for (tag, position) in positions.iter().enumerate() {
        let position = position.as_ref().map(|(p, o)| (p.as_str(), o.as_str()));
        let start = cursor;
        while order.get(cursor).is_some_and(|(t, _)| *t as usize == tag) {
            cursor += 1;
        }
        if start == cursor {
            let failed = dlq.and_then(|d| d.skipped.iter().find(|s| s.tag == Some(tag as u32)));
            plan.push((
                failed.map_or(Step::Ack, |s| Step::DeadLetter(tag, s)),
                position,
            ));
        }
        for (_, i) in &order[start..cursor] {
            plan.push((Step::Send(*i), position));
        }
    }
    // Outputs whose tag names no polled record (a plugin's own additions).
    for (_, i) in &order[cursor..] {
        plan.push((Step::Send(*i), None));
    }
    let first = tracker.submit_all(plan.iter().map(|(_, p)| *p));
    for (seq, (step, _)) in (first..).zip(&plan) {
        match step {
            Step::Ack => tracker.ack(seq),
            Step::Send(i) => {
                send_record(producer, tracker, batch, *i, seq, converted_headers).await?;
            }
            Step::DeadLetter(tag, skipped) => {
                let Some(d) = dlq else {
                    tracker.ack(seq);
                    continue;
                };
                let (topic, key, value, headers) = dead_letter(d, *tag, skipped).map_err(bad)?;
                let mut out = BaseRecord::with_opaque_to(d.topic, seq as usize).headers(headers);
                if let Some(k) = &key {
                    out = out.key(k.as_slice());
                }
                if let Some(v) = &value {
                    out = out.payload(v.as_slice());
                }
                send(producer, out, &topic).await?;
            }
        }
    }
    Ok(())
}

/// A dead letter for polled record `tag`: its topic, key and value as text
/// (Java's `toString` form), its headers as text, and the context headers.
#[allow(clippy::type_complexity, reason = "the parts of one Kafka record")]
fn dead_letter(
    dlq: &SourceDlq<'_>,
    tag: usize,
    skipped: &Skipped,
) -> Result<(String, Option<Vec<u8>>, Option<Vec<u8>>, OwnedHeaders), wasm_connect_sdk::BatchError>
{
    let record = dlq.original.record(tag)?.to_record()?;
    let text = |v: &wasm_connect_sdk::Value| (!v.is_null()).then(|| v.to_string().into_bytes());
    let mut headers = OwnedHeaders::new();
    for h in &record.headers {
        let value = text(&h.value);
        headers = headers.insert(Header {
            key: h.key.as_str(),
            value: value.as_deref(),
        });
    }
    if dlq.ctx.connector.errors.dlq_context_headers {
        for (k, v) in dlq::context_headers(dlq.ctx, skipped, &record.topic, record.partition, None)
        {
            headers = headers.insert(Header {
                key: k.as_str(),
                value: Some(v.as_bytes()),
            });
        }
    }
    Ok((
        record.topic.clone(),
        text(&record.key),
        text(&record.value),
        headers,
    ))
}

/// Produce record `i` of a converted batch as sequence number `seq`.
async fn send_record(
    producer: &ThreadedProducer<DeliveryContext>,
    tracker: &Tracker,
    batch: &Batch,
    i: usize,
    seq: u64,
    converted_headers: bool,
) -> Result<(), TaskError> {
    let bad = |e: wasm_connect_sdk::BatchError| TaskError::Other(e.to_string());
    let record = batch.record(i).map_err(bad)?;
    let desc = *record.desc();
    let topic = record.topic().map_err(bad)?;
    if topic.is_empty() {
        tracker.ack(seq);
        return Err(TaskError::Other(format!(
            "record {i} of the batch has no topic"
        )));
    }
    let key = bytes_of(batch, desc.key, "the record key", false)?;
    let value = bytes_of(batch, desc.value, "the record value", false)?;
    let mut out = BaseRecord::with_opaque_to(topic, seq as usize);
    // No headers, no header list: librdkafka allocates one per record.
    if desc.header_count > 0 {
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
        out = out.headers(headers);
    }
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
    send(producer, out, topic).await
}

/// Offer a record to the producer, waiting while its queue is full.
async fn send(
    producer: &ThreadedProducer<DeliveryContext>,
    mut out: BaseRecord<'_, [u8], [u8], usize>,
    topic: &str,
) -> Result<(), TaskError> {
    loop {
        match producer.send(out) {
            Ok(()) => return Ok(()),
            Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                out = back;
                tokio::time::sleep(QUEUE_FULL_WAIT).await;
            }
            Err((e, _)) => {
                // The task fails: this record and those after it stay
                // unacknowledged, so no offset past them is committed.
                return Err(TaskError::Other(format!(
                    "cannot produce to topic {topic}: {e}"
                )));
            }
        }
    }
}

/// Store the offsets that became committable, then tell the task.
/// Whether they are stored (true when there was nothing to store).
async fn commit(
    ctx: &TaskContext,
    sandbox: &mut Sandbox,
    task: &SourceTaskHandle,
    tracker: &Tracker,
) -> bool {
    let offsets = tracker.take_committable();
    if offsets.is_empty() {
        return true;
    }
    let store = ctx.shared.offsets.clone();
    let name = ctx.connector.name.clone();
    let to_store: Vec<(String, Option<String>)> = offsets
        .iter()
        .map(|(p, o)| (p.clone(), Some(o.clone())))
        .collect();
    let started = std::time::Instant::now();
    let stored = tokio::task::spawn_blocking(move || store.commit(&name, &to_store)).await;
    ctx.metrics
        .offset_commit(matches!(stored, Ok(Ok(()))), started.elapsed());
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
            true
        }
        Ok(Err(e)) => {
            tracing::error!("Could not store source offsets, will retry: {e}");
            tracker.restore(offsets);
            false
        }
        Err(e) => {
            tracing::error!("Could not store source offsets, will retry: {e}");
            tracker.restore(offsets);
            false
        }
    }
}
