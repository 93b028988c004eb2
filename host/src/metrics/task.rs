//! One task's metrics: plain atomics the task loop updates once per batch
//! (or once per acknowledgement, a relaxed add), read only when
//! `/metrics` is scraped.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};

use super::WorkerCounters;

/// Whether a task reads from a source or writes to a sink.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskKind {
    /// A source task.
    Source,
    /// A sink task.
    Sink,
}

/// Which converter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConvertStage {
    /// The key converter.
    Key = 0,
    /// The value converter.
    Value = 1,
    /// The header converter.
    Header = 2,
}

impl ConvertStage {
    /// The label value.
    pub fn label(self) -> &'static str {
        match self {
            ConvertStage::Key => "key",
            ConvertStage::Value => "value",
            ConvertStage::Header => "header",
        }
    }
}

/// Buckets for call times, 10 µs to ~10 s, ×4 each: a converter call on
/// a batch takes tens of µs, a `put` that writes to a remote system can
/// take seconds.
pub(super) fn time_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.000_01, 4.0, 11))
}

/// Buckets for batch sizes, 1 to 262,144 records, ×4 each.
fn size_histogram() -> Histogram {
    Histogram::new(exponential_buckets(1.0, 4.0, 10))
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// The metrics of one task (connector name and task number), kept across
/// its automatic restarts.
#[derive(Debug)]
pub struct TaskMetrics {
    pub(super) connector: String,
    pub(super) task: u32,
    pub(super) kind: TaskKind,
    pub(super) worker: Arc<WorkerCounters>,
    /// Records per batch polled (source) or read (sink).
    pub batch_size: Histogram,
    /// Offset commits that succeeded.
    pub offset_commit_success: Counter,
    /// Offset commits that failed.
    pub offset_commit_failure: Counter,
    /// How long offset commits took.
    pub offset_commit_time: Histogram,
    /// When the last commit succeeded (ms since the epoch; 0: never).
    last_commit_ms: AtomicU64,
    /// When the task was created (ms since the epoch).
    created_ms: u64,
    /// Source: records returned by `poll`.
    pub poll_total: Counter,
    /// Source: records Kafka acknowledged.
    pub write_total: Counter,
    /// Source: how long `poll` took.
    pub poll_time: Histogram,
    /// Source: records produced and not yet acknowledged.
    pub active: Gauge,
    /// Sink: records read from Kafka.
    pub read_total: Counter,
    /// Sink: records given to `put` (after transforms).
    pub send_total: Counter,
    /// Sink: how long `put` took.
    pub put_time: Histogram,
    /// Sink: partitions assigned.
    pub partitions: Gauge,
    /// Records that failed at a stage and were not retried into success.
    pub record_errors: Counter,
    /// Failed attempts at a stage, retries included.
    pub record_failures: Counter,
    /// Records skipped under `errors.tolerance=all`.
    pub records_skipped: Counter,
    /// Retries of retriable failures.
    pub retries: Counter,
    /// Errors written to the log (`errors.log.enable`).
    pub errors_logged: Counter,
    /// Records sent to the dead letter queue.
    pub dlq_requests: Counter,
    /// Records the dead letter queue did not take.
    pub dlq_failures: Counter,
    /// Converter call times, by [`ConvertStage`].
    pub convert_time: [Histogram; 3],
    /// Transform call times, by alias, in chain order.
    pub transform_time: Vec<(String, Histogram)>,
    /// Automatic restarts after a failure.
    pub restarts: Counter,
    /// Sandboxes replaced because the plugins' memory passed
    /// `plugin.memory.renew.bytes` (no failure, no restart).
    pub sandbox_renewals: Counter,
    /// Linear memory of the task's plugins, in bytes.
    pub memory: Gauge,
    /// Whether the current attempt got its plugins started.
    started: AtomicBool,
}

impl TaskMetrics {
    pub(super) fn new(
        connector: &str,
        task: u32,
        kind: TaskKind,
        transforms: &[String],
        worker: Arc<WorkerCounters>,
    ) -> Self {
        Self {
            connector: connector.to_owned(),
            task,
            kind,
            worker,
            batch_size: size_histogram(),
            offset_commit_success: Counter::default(),
            offset_commit_failure: Counter::default(),
            offset_commit_time: time_histogram(),
            last_commit_ms: AtomicU64::new(0),
            created_ms: now_ms(),
            poll_total: Counter::default(),
            write_total: Counter::default(),
            poll_time: time_histogram(),
            active: Gauge::default(),
            read_total: Counter::default(),
            send_total: Counter::default(),
            put_time: time_histogram(),
            partitions: Gauge::default(),
            record_errors: Counter::default(),
            record_failures: Counter::default(),
            records_skipped: Counter::default(),
            retries: Counter::default(),
            errors_logged: Counter::default(),
            dlq_requests: Counter::default(),
            dlq_failures: Counter::default(),
            convert_time: [time_histogram(), time_histogram(), time_histogram()],
            transform_time: transforms
                .iter()
                .map(|alias| (alias.clone(), time_histogram()))
                .collect(),
            restarts: Counter::default(),
            sandbox_renewals: Counter::default(),
            memory: Gauge::default(),
            started: AtomicBool::new(false),
        }
    }

    /// A detached set, for code that runs a task outside a worker (tests,
    /// benchmarks): counted, never scraped.
    pub fn detached(kind: TaskKind) -> Arc<Self> {
        Arc::new(Self::new(
            "",
            0,
            kind,
            &[],
            Arc::new(WorkerCounters::default()),
        ))
    }

    /// The connector's name.
    pub fn connector(&self) -> &str {
        &self.connector
    }

    /// The task's number.
    pub fn task(&self) -> u32 {
        self.task
    }

    /// An attempt to start the task begins.
    pub fn attempt(&self) {
        self.started.store(false, Ordering::Relaxed);
        self.worker.task_startup_attempts.inc();
    }

    /// The task's plugins started: the attempt succeeded.
    pub fn started(&self) {
        if !self.started.swap(true, Ordering::Relaxed) {
            self.worker.task_startup_success.inc();
        }
    }

    /// The attempt ended with a failure; counted as a start-up failure
    /// when it never got its plugins started.
    pub fn attempt_failed(&self) {
        if !self.started.load(Ordering::Relaxed) {
            self.worker.task_startup_failure.inc();
        }
    }

    /// An offset commit that took `took` succeeded (or failed).
    pub fn offset_commit(&self, ok: bool, took: Duration) {
        self.offset_commit_time.observe(took.as_secs_f64());
        if ok {
            self.offset_commit_success.inc();
            self.last_commit_ms.store(now_ms(), Ordering::Relaxed);
        } else {
            self.offset_commit_failure.inc();
        }
    }

    /// Seconds since the last successful offset commit (since the task was
    /// created, when it never committed).
    pub fn offset_commit_age(&self) -> f64 {
        let last = match self.last_commit_ms.load(Ordering::Relaxed) {
            0 => self.created_ms,
            t => t,
        };
        now_ms().saturating_sub(last) as f64 / 1000.0
    }

    /// The transform histogram of step `i` of the chain.
    pub fn transform(&self, i: usize) -> Option<&Histogram> {
        self.transform_time.get(i).map(|(_, h)| h)
    }
}
