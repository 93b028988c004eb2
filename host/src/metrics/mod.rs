//! `GET /metrics`: the worker's metrics in the Prometheus (OpenMetrics)
//! text format.
//!
//! Names follow Apache Kafka Connect's metrics as the Prometheus JMX
//! exporter's usual Kafka Connect rules turn them into Prometheus names, so
//! dashboards built for Apache's workers map over: `kafka_connect_` + the
//! MBean type without `-metrics` + the attribute, dashes made underscores
//! (`source-task-metrics` / `source-record-poll-total` →
//! `kafka_connect_source_task_source_record_poll_total`). Apache's `total-`
//! prefixes become Prometheus's `_total` suffix
//! (`total-record-errors` → `kafka_connect_task_error_record_errors_total`),
//! and Apache's `*-avg-time-ms`/`*-max-time-ms` pairs become histograms in
//! seconds (`poll-batch-*-time-ms` → `kafka_connect_source_task_poll_batch_time_seconds`).
//! What Apache has no metric for is named `wasm_connect_…`. README.md lists
//! every name.
//!
//! Tasks update plain atomics once per batch; nothing is formatted or
//! looked up by label until a scrape.

mod encode;
mod task;

use std::sync::{Arc, Mutex, MutexGuard};

use prometheus_client::metrics::counter::Counter;

pub use task::{ConvertStage, TaskKind, TaskMetrics};

/// Worker-wide counts (Apache's `connect-worker-metrics`).
#[derive(Debug, Default)]
pub struct WorkerCounters {
    /// Connector start-ups tried.
    pub connector_startup_attempts: Counter,
    /// Connector start-ups that succeeded.
    pub connector_startup_success: Counter,
    /// Connector start-ups that failed.
    pub connector_startup_failure: Counter,
    /// Task start-ups tried (automatic restarts included).
    pub task_startup_attempts: Counter,
    /// Task start-ups that got their plugins running.
    pub task_startup_success: Counter,
    /// Task start-ups that failed before their plugins ran.
    pub task_startup_failure: Counter,
}

/// The state of a connector and its tasks when scraped.
#[derive(Debug, Clone)]
pub struct ConnectorState {
    /// The connector's name.
    pub name: String,
    /// Its state (`running`, `paused`, …), lower case.
    pub state: String,
    /// Its tasks' states, lower case.
    pub tasks: Vec<String>,
}

/// Every metric of a worker.
#[derive(Debug, Default)]
pub struct Metrics {
    worker: Arc<WorkerCounters>,
    tasks: Mutex<Vec<Arc<TaskMetrics>>>,
}

impl Metrics {
    fn tasks(&self) -> MutexGuard<'_, Vec<Arc<TaskMetrics>>> {
        match self.tasks.lock() {
            Ok(t) => t,
            Err(p) => p.into_inner(),
        }
    }

    /// The worker-wide counts.
    pub fn worker(&self) -> &WorkerCounters {
        &self.worker
    }

    /// Register a task (replacing an earlier registration of the same
    /// connector and task number) and return its metrics. `transforms` are
    /// the aliases of its chain, in order.
    pub fn add_task(
        &self,
        connector: &str,
        task: u32,
        kind: TaskKind,
        transforms: &[String],
    ) -> Arc<TaskMetrics> {
        let metrics = Arc::new(TaskMetrics::new(
            connector,
            task,
            kind,
            transforms,
            self.worker.clone(),
        ));
        let mut tasks = self.tasks();
        tasks.retain(|t| !(t.connector == connector && t.task == task));
        tasks.push(metrics.clone());
        metrics
    }

    /// Forget a task's metrics, unless another registration replaced them.
    pub fn remove_task(&self, metrics: &Arc<TaskMetrics>) {
        self.tasks().retain(|t| !Arc::ptr_eq(t, metrics));
    }

    /// The text `/metrics` answers with: OpenMetrics text, `# EOF` last.
    pub fn render(&self, connectors: Vec<ConnectorState>) -> Result<String, std::fmt::Error> {
        let mut tasks: Vec<Arc<TaskMetrics>> = self.tasks().clone();
        tasks.sort_by(|a, b| (&a.connector, a.task).cmp(&(&b.connector, b.task)));
        let snapshot = encode::Snapshot {
            worker: self.worker.clone(),
            tasks,
            connectors,
        };
        let mut registry = prometheus_client::registry::Registry::default();
        registry.register_collector(Box::new(snapshot));
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &registry)?;
        Ok(out)
    }
}

/// The content type of [`Metrics::render`]'s text.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[cfg(test)]
mod tests;
