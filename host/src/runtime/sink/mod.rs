//! A sink task's loop: consume → convert → put; consumer offsets are
//! committed only after the task's `flush` succeeded, every
//! `offset.flush.interval.ms`, before partitions are revoked, and on
//! shutdown.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rdkafka::consumer::{
    BaseConsumer, CommitMode, Consumer, ConsumerContext, Rebalance, RebalanceProtocol,
    StreamConsumer,
};
use rdkafka::error::KafkaError;
use rdkafka::types::RDKafkaRespErr;
use rdkafka::{Message, Offset, TopicPartitionList};
use tokio::sync::Notify;
use tokio::time::Instant;

mod headers;
mod intake;
mod renew;

use self::intake::{Intake, Intaken};
use super::dlq::SinkDlq;
use super::pipeline::{self, Chain, ErrorHandler, Originals};
use super::renew::Renewal;
use super::{Control, ConverterHandles, PauseReport, TaskContext, TaskError, TopicsSeen};
use crate::kafka::batch::Unforwarded;
use crate::kafka::message::append;
use crate::plugin::Sandbox;
use crate::plugin::bindings::wasm_connect::plugin::types as wit;
use crate::plugin::sandbox::{PreparedBatch, SinkTaskHandle};

/// How often a `topics.regex` subscription looks for new topics.
const TOPIC_REFRESH: Duration = Duration::from_secs(30);
/// First wait before retrying a `put` that failed with a retriable error;
/// doubles up to [`MAX_RETRY_WAIT`].
const MIN_RETRY_WAIT: Duration = Duration::from_millis(100);
/// Longest wait between retries of a `put`.
const MAX_RETRY_WAIT: Duration = Duration::from_secs(10);

/// Assignment changes, recorded by the consumer's callbacks and handled by
/// the task loop between batches (plugin calls cannot run in a callback).
/// An assignment change: assigned (true) or revoked, and the partitions.
type Assignment = (bool, Vec<(String, i32)>);

#[derive(Default)]
struct RebalanceLog {
    events: Mutex<Vec<Assignment>>,
    /// Assigned partitions for the intake to forward to its batch queue.
    unforwarded: Arc<Unforwarded>,
    /// Revoked partitions still assigned: librdkafka waits for the task to
    /// flush, commit and close them before they are unassigned
    /// ([`unassign_revoked`]), as Apache's `onPartitionsRevoked` commits
    /// before giving them up, so their next owner starts where this task
    /// stopped.
    revoked: Mutex<Option<TopicPartitionList>>,
    /// Whether revocations wait for the task loop ([`Deferring`]); when
    /// not, they are applied at once, as the consumer's close needs.
    deferring: AtomicBool,
    /// Woken when an assignment change is noted, so that a task waiting
    /// for records handles it now.
    changed: Arc<Notify>,
}

impl RebalanceLog {
    fn take(&self) -> Vec<Assignment> {
        std::mem::take(&mut *lock(&self.events))
    }
}

struct SinkContext {
    log: Arc<RebalanceLog>,
    /// The task's span, for librdkafka's lines.
    span: tracing::Span,
}

crate::kafka::span_client_context!(SinkContext);

impl ConsumerContext for SinkContext {
    /// rdkafka's own handling (assign or unassign at once, then
    /// `post_rebalance`), except that while the task loop runs
    /// ([`Deferring`]) a revocation, unless the assignment was lost, is
    /// noted and left pending for the loop to finish (`rebalances`, then
    /// [`unassign_revoked`]).
    fn rebalance(
        &self,
        consumer: &BaseConsumer<Self>,
        err: RDKafkaRespErr,
        tpl: &mut TopicPartitionList,
    ) {
        let revoke = err == RDKafkaRespErr::RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS;
        let defer = self.log.deferring.load(Ordering::Acquire) && !consumer.assignment_lost();
        if revoke && defer {
            // One pending revocation at a time is librdkafka's way; should
            // another come first, the task gives up both.
            let mut revoked = lock(&self.log.revoked);
            match &mut *revoked {
                Some(list) => {
                    for e in tpl.elements() {
                        list.add_partition(e.topic(), e.partition());
                    }
                }
                None => *revoked = Some(tpl.clone()),
            }
            drop(revoked);
            self.post_rebalance(consumer, &Rebalance::Revoke(tpl));
            return;
        }
        let cooperative = matches!(
            consumer.rebalance_protocol(),
            RebalanceProtocol::Cooperative
        );
        let (applied, rebalance) = match err {
            RDKafkaRespErr::RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS => (
                if cooperative {
                    consumer.incremental_assign(tpl)
                } else {
                    consumer.assign(tpl)
                },
                Rebalance::Assign(tpl),
            ),
            _ => {
                let applied = if cooperative {
                    consumer.incremental_unassign(tpl)
                } else {
                    consumer.unassign()
                };
                let rebalance = if revoke {
                    Rebalance::Revoke(tpl)
                } else {
                    Rebalance::Error(KafkaError::Rebalance(err.into()))
                };
                (applied, rebalance)
            }
        };
        if let Err(e) = applied {
            self.span
                .in_scope(|| tracing::warn!("Applying a consumer group rebalance failed: {e}"));
        }
        self.post_rebalance(consumer, &rebalance);
    }

    fn post_rebalance(&self, _: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        let (assigned, list) = match rebalance {
            Rebalance::Assign(l) => (true, l),
            Rebalance::Revoke(l) => (false, l),
            Rebalance::Error(e) => {
                self.span
                    .in_scope(|| tracing::warn!("Consumer group rebalance failed: {e}"));
                return;
            }
        };
        let partitions = list
            .elements()
            .iter()
            .map(|e| (e.topic().to_owned(), e.partition()))
            .collect();
        self.log.unforwarded.note(rebalance);
        lock(&self.log.events).push((assigned, partitions));
        self.log.changed.notify_one();
    }
}

/// A lock whose holder cannot leave its data half-changed (a push, a
/// swap): a poisoned one is used as it is.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// While alive, revocations wait for the task loop. Dropped when the loop
/// ends, fails or panics: revocations are then applied at once again, and
/// one still pending is applied now, so the consumer's close (which waits
/// for it) never hangs.
struct Deferring {
    consumer: Arc<SinkConsumer>,
    log: Arc<RebalanceLog>,
}

impl Deferring {
    fn arm(consumer: &Arc<SinkConsumer>, log: &Arc<RebalanceLog>) -> Self {
        log.deferring.store(true, Ordering::Release);
        Self {
            consumer: consumer.clone(),
            log: log.clone(),
        }
    }
}

impl Drop for Deferring {
    fn drop(&mut self) {
        self.log.deferring.store(false, Ordering::Release);
        unassign_revoked(&self.consumer, &self.log);
    }
}

/// Give up the partitions whose revocation `rebalances` has handled (or,
/// when the loop is over, any still pending), letting the group's
/// rebalance go on.
fn unassign_revoked(consumer: &SinkConsumer, log: &RebalanceLog) {
    let Some(revoked) = lock(&log.revoked).take() else {
        return;
    };
    let applied = if matches!(
        consumer.rebalance_protocol(),
        RebalanceProtocol::Cooperative
    ) {
        consumer.incremental_unassign(&revoked)
    } else {
        consumer.unassign()
    };
    if let Err(e) = applied {
        tracing::warn!("Giving up revoked partitions failed: {e}");
    }
}

type SinkConsumer = StreamConsumer<SinkContext>;

/// The task's Kafka side, for its commits and rebalances (a sandbox renewal
/// keeps it).
struct Kafka<'a> {
    /// The task's consumer, in its group with its assignment.
    consumer: &'a Arc<SinkConsumer>,
    /// Assignment changes not yet handled.
    log: &'a RebalanceLog,
    /// The dead letter queue, flushed before offsets are committed.
    dlq: Option<&'a SinkDlq>,
}

struct Plugins {
    task: SinkTaskHandle,
    converters: ConverterHandles,
    chain: Chain,
}

impl Plugins {
    /// Create the task's plugins in `sandbox`: the sink task, its
    /// converters, transforms and predicates.
    async fn create(ctx: &TaskContext, sandbox: &mut Sandbox) -> Result<Self, TaskError> {
        Ok(Self {
            task: sandbox.create_sink_task(&ctx.plugin, &ctx.config).await?,
            converters: ctx.converters.create(sandbox).await?,
            chain: Chain::create(&ctx.steps, sandbox).await?,
        })
    }
}

/// Offsets per partition: what was put, and what was last committed.
#[derive(Default)]
struct Offsets {
    /// Next offset to read, per partition, for records given to `put`.
    consumed: BTreeMap<(String, i32), i64>,
    committed: BTreeMap<(String, i32), i64>,
}

/// Run a sink task in `sandbox` until `stop` turns true or it fails.
pub(crate) async fn run(
    ctx: &TaskContext,
    sandbox: &mut Sandbox,
    stop: &mut Control,
) -> Result<(), TaskError> {
    let name = &ctx.connector.name;
    let mut plugins = Plugins::create(ctx, sandbox).await?;
    ctx.report_started();
    let mut renewal = Renewal::new(ctx, sandbox);
    let classes = ctx.converters.classes();
    let mut errors = ErrorHandler::new(ctx);
    let dlq = match (&ctx.connector.errors.dlq_topic, errors.tolerates()) {
        (Some(topic), true) => Some(SinkDlq::open(ctx, topic).await?),
        _ => None,
    };

    let overrides = crate::config::with_prefix(&ctx.connector.entries, "consumer.override.");
    let client_id = format!("connector-consumer-{name}-{}", ctx.task);
    let log = Arc::new(RebalanceLog::default());
    let consumer: Arc<SinkConsumer> = Arc::new(
        ctx.shared
            .kafka
            .consumer_config(name, &client_id, &overrides)
            .create_with_context(SinkContext {
                log: log.clone(),
                span: tracing::Span::current(),
            })
            .map_err(|e| {
                TaskError::Other(format!("cannot create the consumer {client_id}: {e}"))
            })?,
    );
    let max_records = ctx.shared.kafka.max_poll_records(&overrides);
    let regex = match &ctx.connector.topics_regex {
        Some(re) => Some(regex::Regex::new(&format!("^(?:{re})$")).map_err(|e| {
            TaskError::Other(format!(
                "Invalid value {re} for configuration topics.regex: {e}"
            ))
        })?),
        None => None,
    };
    let mut subscribed: Vec<String> = Vec::new();
    let mut next_refresh = Instant::now();
    if regex.is_none() {
        subscribed = ctx.connector.topics.clone();
        subscribe(&consumer, &subscribed)?;
    }
    let read_headers =
        headers::needed(ctx.plugin.name(), !ctx.steps.is_empty(), errors.tolerates());
    ctx.metrics.started();
    tracing::info!(topics = ?ctx.connector.topics, regex = ?ctx.connector.topics_regex, read_headers, "Sink task started");

    let mut intake = Intake::new(&consumer, &log, read_headers, max_records)?;
    let mut offsets = Offsets::default();
    let mut next_commit = Instant::now() + ctx.shared.flush_interval;
    let mut pause = PauseReport::default();
    let mut rewound: Vec<(String, i32)> = Vec::new();
    let mut topics = TopicsSeen::default();
    let deferring = Deferring::arm(&consumer, &log);
    let outcome: Result<(), TaskError> = async {
        loop {
            if super::is_stopped(stop) {
                return Ok(());
            }
            if let Some(re) = &regex
                && Instant::now() >= next_refresh
            {
                let topics = matching_topics(&consumer, re).await;
                if topics != subscribed {
                    tracing::info!(topics = ?topics, "Subscribing to the topics matching topics.regex");
                    subscribe(&consumer, &topics)?;
                    subscribed = topics;
                }
                next_refresh = Instant::now() + TOPIC_REFRESH;
            }
            let kafka = Kafka { consumer: &consumer, log: &log, dlq: dlq.as_ref() };
            rebalances(ctx, sandbox, &plugins, &kafka, &mut offsets).await?;
            if Instant::now() >= next_commit {
                commit(ctx, sandbox, &plugins, &kafka, &mut offsets, false).await?;
                next_commit = Instant::now() + ctx.shared.flush_interval;
            }

            let wake = next_commit.min(if regex.is_some() { next_refresh } else { next_commit });
            // Paused: the consumer's partitions are paused (it stays in its
            // group), nothing is put, commits go on.
            if super::is_paused(stop) {
                pause.pause(ctx);
                pause_assignment(&consumer, true);
                intake.paused(&consumer, wake, !subscribed.is_empty(), stop, &mut rewound).await?;
                continue;
            }
            if pause.resume(ctx) {
                pause_assignment(&consumer, false);
                rewound.clear();
            }

            // Wait for records (or the next timer), then take what is
            // already buffered, up to max.poll.records.
            let Intaken { mut raw, consumed } = intake.next(wake, !subscribed.is_empty(), stop).await?;
            if raw.is_empty() {
                continue;
            }
            for topic in &raw.topics {
                topics.record_name(ctx, topic);
            }
            let consumed: Vec<((String, i32), i64)> = consumed
                .into_iter()
                .filter_map(|(t, p, o)| Some(((raw.topics.get(t as usize)?.clone(), p), o)))
                .collect();
            ctx.metrics.read_total.inc_by(raw.len() as u64);
            ctx.metrics.batch_size.observe(raw.len() as f64);
            raw.tag_positions().map_err(|e| TaskError::Other(e.to_string()))?;
            // The consumed form is kept only when a failed record may need
            // it (the error log and the dead letter queue).
            let original = errors.tolerates().then(|| raw.clone());
            let originals = Originals { batch: original.as_ref() };
            let batch = pipeline::to_connect(sandbox, &plugins.converters, &classes, raw, &mut errors, &originals, stop).await?;
            let batch = plugins.chain.apply(sandbox, batch, &mut errors, &originals, stop).await?;
            let skipped = std::mem::take(&mut errors.skipped);
            if let (Some(dlq), Some(original), false) = (&dlq, &original, skipped.is_empty()) {
                dlq.send(ctx, original, &skipped).await?;
            }
            if !batch.is_empty() {
                ctx.metrics.send_total.inc_by(batch.len() as u64);
                let started = std::time::Instant::now();
                put(sandbox, &plugins.task, batch.into(), stop).await?;
                ctx.metrics.put_time.observe(started.elapsed().as_secs_f64());
            }
            ctx.metrics.memory.set(sandbox.memory_used() as i64);
            for (tp, next_offset) in consumed {
                offsets.consumed.insert(tp, next_offset);
            }
            // A clean boundary: the batch was put and its offsets tracked.
            if let Some(used) = renewal.due(sandbox) {
                let (plugins, renewal) = (&mut plugins, &mut renewal);
                renew::renew(ctx, sandbox, plugins, renewal, used, kafka, &mut offsets).await?;
                next_commit = Instant::now() + ctx.shared.flush_interval;
            }
        }
    }
    .await;

    // On a clean stop, flush and commit what was put; after a failure,
    // commit nothing: the records are read again after a restart.
    let outcome = match outcome {
        Ok(()) => {
            let kafka = Kafka {
                consumer: &consumer,
                log: &log,
                dlq: dlq.as_ref(),
            };
            commit(ctx, sandbox, &plugins, &kafka, &mut offsets, true).await
        }
        Err(e) => Err(e),
    };
    if errors.skipped_total > 0 {
        tracing::info!(
            skipped = errors.skipped_total,
            "Records skipped because of errors (errors.tolerance=all)"
        );
    }
    if !renewal.interrupted()
        && let Err(e) = sandbox.stop_sink_task(&plugins.task).await
    {
        tracing::warn!("Sink task did not stop cleanly: {e}");
    }
    // From here on a revocation is applied at once (closing waits for it);
    // one the loop did not get to is applied now, after the last commit.
    drop(deferring);
    let closer = consumer.clone();
    let _ = tokio::task::spawn_blocking(move || closer.unsubscribe()).await;
    outcome
}

/// Pause (or resume) every partition the consumer has. Called on every
/// paused turn, so partitions assigned during a pause are paused too.
fn pause_assignment(consumer: &SinkConsumer, pause: bool) {
    let result = consumer.assignment().and_then(|assigned| {
        if assigned.count() == 0 {
            return Ok(());
        }
        if pause {
            consumer.pause(&assigned)
        } else {
            consumer.resume(&assigned)
        }
    });
    if let Err(e) = result {
        tracing::warn!(
            pause,
            "Cannot pause or resume the consumer's partitions: {e}"
        );
    }
}

/// A record that arrived while paused (from a partition assigned after the
/// pause): seek its partition back to it so it is read again on resume.
/// Later records of the same partition were fetched after it and are
/// dropped by the seek.
fn rewind(consumer: &SinkConsumer, msg: &impl Message, rewound: &mut Vec<(String, i32)>) {
    let tp = (msg.topic().to_owned(), msg.partition());
    tracing::debug!(
        topic = msg.topic(),
        partition = msg.partition(),
        offset = msg.offset(),
        again = rewound.contains(&tp),
        "Record arrived while paused: rewinding"
    );
    if rewound.contains(&tp) {
        return;
    }
    if let Err(e) = consumer.seek(
        msg.topic(),
        msg.partition(),
        Offset::Offset(msg.offset()),
        Duration::from_secs(5),
    ) {
        tracing::warn!(
            topic = msg.topic(),
            partition = msg.partition(),
            "Cannot rewind a partition assigned while paused: {e}"
        );
    }
    rewound.push(tp);
    pause_assignment(consumer, true);
}

fn subscribe(consumer: &SinkConsumer, topics: &[String]) -> Result<(), TaskError> {
    if topics.is_empty() {
        consumer.unsubscribe();
        return Ok(());
    }
    let refs: Vec<&str> = topics.iter().map(String::as_str).collect();
    consumer
        .subscribe(&refs)
        .map_err(|e| TaskError::Other(format!("cannot subscribe to {topics:?}: {e}")))
}

/// Topics whose whole name matches `re` (Java's `matches()` semantics).
async fn matching_topics(consumer: &Arc<SinkConsumer>, re: &regex::Regex) -> Vec<String> {
    let c = consumer.clone();
    let metadata =
        tokio::task::spawn_blocking(move || c.fetch_metadata(None, Duration::from_secs(10))).await;
    match metadata {
        Ok(Ok(md)) => {
            let mut topics: Vec<String> = md
                .topics()
                .iter()
                .map(|t| t.name().to_owned())
                .filter(|t| re.is_match(t))
                .collect();
            topics.sort();
            topics
        }
        Ok(Err(e)) => {
            tracing::warn!("Cannot list topics for topics.regex: {e}");
            Vec::new()
        }
        Err(e) => {
            tracing::warn!("Cannot list topics for topics.regex: {e}");
            Vec::new()
        }
    }
}

/// `put`, retried while the plugin says the failure is retriable (as Apache
/// redelivers after a `RetriableException`), until the task is stopped.
async fn put(
    sandbox: &mut Sandbox,
    task: &SinkTaskHandle,
    batch: PreparedBatch,
    stop: &mut Control,
) -> Result<(), TaskError> {
    let mut wait = MIN_RETRY_WAIT;
    loop {
        match sandbox.put(task, &batch).await {
            Ok(()) => return Ok(()),
            Err(e) if e.is_retriable() => {
                tracing::warn!(
                    retry_in_ms = wait.as_millis() as u64,
                    "Put failed, retrying: {e}"
                );
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = super::stopped(stop) => return Err(TaskError::Other(format!("stopped while retrying put: {e}"))),
                }
                wait = (wait * 2).min(MAX_RETRY_WAIT);
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// Apply assignment changes: `open` new partitions; for revoked ones,
/// flush the task and commit what was put (as Apache does before giving
/// partitions up), `close` them and forget their offsets, then let the
/// consumer give them up ([`unassign_revoked`]).
async fn rebalances(
    ctx: &TaskContext,
    sandbox: &mut Sandbox,
    plugins: &Plugins,
    kafka: &Kafka<'_>,
    offsets: &mut Offsets,
) -> Result<(), TaskError> {
    let metrics = &ctx.metrics;
    for (assigned, partitions) in kafka.log.take() {
        let list = crate::plugin::convert::topic_partitions(
            partitions
                .iter()
                .map(|(topic, partition)| (topic.as_str(), *partition)),
        );
        if assigned {
            metrics.partitions.inc_by(partitions.len() as i64);
            tracing::info!(partitions = ?partitions, "Partitions assigned");
            sandbox.open(&plugins.task, &list).await?;
        } else {
            metrics.partitions.dec_by(partitions.len() as i64);
            tracing::info!(partitions = ?partitions, "Partitions revoked");
            commit(ctx, sandbox, plugins, kafka, offsets, false).await?;
            for tp in &partitions {
                offsets.consumed.remove(tp);
                offsets.committed.remove(tp);
            }
            sandbox.close(&plugins.task, &list).await?;
        }
    }
    unassign_revoked(kafka.consumer, kafka.log);
    Ok(())
}

/// Flush the dead letter queue and the task, then commit the offsets the
/// task returned (only those that moved since the last commit).
async fn commit(
    ctx: &TaskContext,
    sandbox: &mut Sandbox,
    plugins: &Plugins,
    kafka: &Kafka<'_>,
    offsets: &mut Offsets,
    final_commit: bool,
) -> Result<(), TaskError> {
    if let Some(dlq) = kafka.dlq {
        dlq.flush(ctx.shared.flush_timeout).await?;
    }
    let (consumer, metrics) = (kafka.consumer, &ctx.metrics);
    let current: Vec<wit::TopicPartitionOffset> = offsets
        .consumed
        .iter()
        .map(|((topic, partition), offset)| wit::TopicPartitionOffset {
            topic: topic.clone(),
            partition: *partition,
            offset: *offset,
        })
        .collect();
    // Apache calls flush/preCommit every interval, even with nothing new.
    let safe = sandbox.flush(&plugins.task, &current).await?;
    let mut list = TopicPartitionList::new();
    let mut moved = Vec::new();
    for o in safe {
        let key = (o.topic.clone(), o.partition);
        if offsets.committed.get(&key) == Some(&o.offset) || o.offset < 0 {
            continue;
        }
        list.add_partition_offset(&o.topic, o.partition, Offset::Offset(o.offset))
            .map_err(|e| TaskError::Other(format!("bad offset from flush(): {e}")))?;
        moved.push((key, o.offset));
    }
    if moved.is_empty() {
        return Ok(());
    }
    let c = consumer.clone();
    let started = std::time::Instant::now();
    let committed = tokio::task::spawn_blocking(move || c.commit(&list, CommitMode::Sync)).await;
    metrics.offset_commit(matches!(committed, Ok(Ok(()))), started.elapsed());
    match committed {
        Ok(Ok(())) => {
            tracing::debug!(partitions = moved.len(), "Committed consumer offsets");
            offsets.committed.extend(moved);
            Ok(())
        }
        Ok(Err(e)) if !final_commit => {
            // The next interval tries again; nothing is lost meanwhile.
            tracing::warn!("Committing consumer offsets failed, will retry: {e}");
            Ok(())
        }
        Ok(Err(e)) => Err(TaskError::Other(format!(
            "committing consumer offsets failed: {e}"
        ))),
        Err(e) => Err(TaskError::Other(format!(
            "committing consumer offsets failed: {e}"
        ))),
    }
}
