//! Writing a scrape: every metric family once, with a sample per task (or
//! connector) under it, as the text format wants.

use std::sync::Arc;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::histogram::Histogram;

use super::task::{TaskKind, TaskMetrics};
use super::{ConnectorState, WorkerCounters};

/// What one scrape shows, taken at its start.
#[derive(Debug)]
pub(super) struct Snapshot {
    pub worker: Arc<WorkerCounters>,
    pub tasks: Vec<Arc<TaskMetrics>>,
    pub connectors: Vec<ConnectorState>,
}

/// A task metric's value when scraped.
enum Sample<'a> {
    Counter(&'a Counter),
    Gauge(f64),
    Histogram(&'a Histogram),
}

/// Which tasks a metric is for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum For {
    All,
    Only(TaskKind),
}

/// A per-task metric family.
struct TaskDef {
    name: &'static str,
    help: &'static str,
    metric_type: MetricType,
    tasks: For,
    get: fn(&TaskMetrics) -> Sample<'_>,
}

const SOURCE: For = For::Only(TaskKind::Source);
const SINK: For = For::Only(TaskKind::Sink);

/// Every per-task family with one sample per task. (Counter names leave
/// out `_total`: the encoder adds it.)
const TASK_DEFS: &[TaskDef] = &[
    // connector-task-metrics
    TaskDef {
        name: "kafka_connect_connector_task_batch_size",
        help: "Records per batch polled (source) or read (sink) (Apache's batch-size-avg/max).",
        metric_type: MetricType::Histogram,
        tasks: For::All,
        get: |t| Sample::Histogram(&t.batch_size),
    },
    TaskDef {
        name: "kafka_connect_connector_task_offset_commit_success",
        help: "Offset commits that succeeded.",
        metric_type: MetricType::Counter,
        tasks: For::All,
        get: |t| Sample::Counter(&t.offset_commit_success),
    },
    TaskDef {
        name: "kafka_connect_connector_task_offset_commit_failure",
        help: "Offset commits that failed.",
        metric_type: MetricType::Counter,
        tasks: For::All,
        get: |t| Sample::Counter(&t.offset_commit_failure),
    },
    TaskDef {
        name: "kafka_connect_connector_task_offset_commit_success_percentage",
        help: "Offset commits that succeeded, in percent of all since the task started (100 before the first).",
        metric_type: MetricType::Gauge,
        tasks: For::All,
        get: |t| {
            Sample::Gauge(percentage(
                &t.offset_commit_success,
                &t.offset_commit_failure,
            ))
        },
    },
    TaskDef {
        name: "kafka_connect_connector_task_offset_commit_failure_percentage",
        help: "Offset commits that failed, in percent of all since the task started.",
        metric_type: MetricType::Gauge,
        tasks: For::All,
        get: |t| {
            Sample::Gauge(100.0 - percentage(&t.offset_commit_success, &t.offset_commit_failure))
        },
    },
    TaskDef {
        name: "kafka_connect_connector_task_offset_commit_time_seconds",
        help: "How long offset commits took (Apache's offset-commit-avg/max-time-ms).",
        metric_type: MetricType::Histogram,
        tasks: For::All,
        get: |t| Sample::Histogram(&t.offset_commit_time),
    },
    TaskDef {
        name: "wasm_connect_task_offset_commit_age_seconds",
        help: "Seconds since the last successful offset commit (since the task started, before the first).",
        metric_type: MetricType::Gauge,
        tasks: For::All,
        get: |t| Sample::Gauge(t.offset_commit_age()),
    },
    // source-task-metrics
    TaskDef {
        name: "kafka_connect_source_task_source_record_poll",
        help: "Records the task's poll returned, before transforms.",
        metric_type: MetricType::Counter,
        tasks: SOURCE,
        get: |t| Sample::Counter(&t.poll_total),
    },
    TaskDef {
        name: "kafka_connect_source_task_source_record_write",
        help: "Records written to Kafka and acknowledged, after transforms.",
        metric_type: MetricType::Counter,
        tasks: SOURCE,
        get: |t| Sample::Counter(&t.write_total),
    },
    TaskDef {
        name: "kafka_connect_source_task_poll_batch_time_seconds",
        help: "How long the task's poll took (Apache's poll-batch-avg/max-time-ms).",
        metric_type: MetricType::Histogram,
        tasks: SOURCE,
        get: |t| Sample::Histogram(&t.poll_time),
    },
    TaskDef {
        name: "kafka_connect_source_task_source_record_active_count",
        help: "Records produced but not yet acknowledged by Kafka.",
        metric_type: MetricType::Gauge,
        tasks: SOURCE,
        get: |t| Sample::Gauge(t.active.get() as f64),
    },
    // sink-task-metrics
    TaskDef {
        name: "kafka_connect_sink_task_sink_record_read",
        help: "Records read from Kafka, before transforms.",
        metric_type: MetricType::Counter,
        tasks: SINK,
        get: |t| Sample::Counter(&t.read_total),
    },
    TaskDef {
        name: "kafka_connect_sink_task_sink_record_send",
        help: "Records given to the task's put, after transforms.",
        metric_type: MetricType::Counter,
        tasks: SINK,
        get: |t| Sample::Counter(&t.send_total),
    },
    TaskDef {
        name: "kafka_connect_sink_task_put_batch_time_seconds",
        help: "How long the task's put took (Apache's put-batch-avg/max-time-ms).",
        metric_type: MetricType::Histogram,
        tasks: SINK,
        get: |t| Sample::Histogram(&t.put_time),
    },
    TaskDef {
        name: "kafka_connect_sink_task_partition_count",
        help: "Topic partitions assigned to the task.",
        metric_type: MetricType::Gauge,
        tasks: SINK,
        get: |t| Sample::Gauge(t.partitions.get() as f64),
    },
    // task-error-metrics
    TaskDef {
        name: "kafka_connect_task_error_record_errors",
        help: "Records that failed at a stage after any retries (Apache's total-record-errors).",
        metric_type: MetricType::Counter,
        tasks: For::All,
        get: |t| Sample::Counter(&t.record_errors),
    },
    TaskDef {
        name: "kafka_connect_task_error_record_failures",
        help: "Failed attempts at a stage, retries included (Apache's total-record-failures).",
        metric_type: MetricType::Counter,
        tasks: For::All,
        get: |t| Sample::Counter(&t.record_failures),
    },
    TaskDef {
        name: "kafka_connect_task_error_records_skipped",
        help: "Records skipped because of errors.tolerance=all (Apache's total-records-skipped).",
        metric_type: MetricType::Counter,
        tasks: For::All,
        get: |t| Sample::Counter(&t.records_skipped),
    },
    TaskDef {
        name: "kafka_connect_task_error_retries",
        help: "Retries of retriable failures (Apache's total-retries).",
        metric_type: MetricType::Counter,
        tasks: For::All,
        get: |t| Sample::Counter(&t.retries),
    },
    TaskDef {
        name: "kafka_connect_task_error_errors_logged",
        help: "Errors written to the log, errors.log.enable (Apache's total-errors-logged).",
        metric_type: MetricType::Counter,
        tasks: For::All,
        get: |t| Sample::Counter(&t.errors_logged),
    },
    TaskDef {
        name: "kafka_connect_task_error_deadletterqueue_produce_requests",
        help: "Records sent to the dead letter queue.",
        metric_type: MetricType::Counter,
        tasks: For::All,
        get: |t| Sample::Counter(&t.dlq_requests),
    },
    TaskDef {
        name: "kafka_connect_task_error_deadletterqueue_produce_failures",
        help: "Records the dead letter queue did not take.",
        metric_type: MetricType::Counter,
        tasks: For::All,
        get: |t| Sample::Counter(&t.dlq_failures),
    },
    // wasm-connect's own
    TaskDef {
        name: "wasm_connect_task_restarts",
        help: "Automatic restarts of the task after a failure (task.restart.*).",
        metric_type: MetricType::Counter,
        tasks: For::All,
        get: |t| Sample::Counter(&t.restarts),
    },
    TaskDef {
        name: "wasm_connect_task_sandbox_renewals",
        help: "Times the task replaced its sandbox with a fresh one because its plugins used more linear memory than plugin.memory.renew.bytes (no failure, no restart).",
        metric_type: MetricType::Counter,
        tasks: For::All,
        get: |t| Sample::Counter(&t.sandbox_renewals),
    },
    TaskDef {
        name: "wasm_connect_task_plugin_memory_bytes",
        help: "Linear memory the task's plugins use together (limit: plugin.memory.limit.bytes).",
        metric_type: MetricType::Gauge,
        tasks: For::All,
        get: |t| Sample::Gauge(t.memory.get() as f64),
    },
];

/// Successes in percent of all, 100 when there were none.
fn percentage(success: &Counter, failure: &Counter) -> f64 {
    let (s, f) = (success.get(), failure.get());
    if s + f == 0 {
        100.0
    } else {
        100.0 * s as f64 / (s + f) as f64
    }
}

fn task_labels(t: &TaskMetrics) -> [(&'static str, String); 2] {
    [
        ("connector", t.connector.clone()),
        ("task", t.task.to_string()),
    ]
}

impl Collector for Snapshot {
    fn encode(&self, mut encoder: DescriptorEncoder<'_>) -> Result<(), std::fmt::Error> {
        self.encode_worker(&mut encoder)?;
        for def in TASK_DEFS {
            let tasks: Vec<&Arc<TaskMetrics>> = self
                .tasks
                .iter()
                .filter(|t| def.tasks == For::All || def.tasks == For::Only(t.kind))
                .collect();
            if tasks.is_empty() {
                continue;
            }
            let mut family =
                encoder.encode_descriptor(def.name, def.help, None, def.metric_type)?;
            for t in tasks {
                let labels = task_labels(t);
                let sample = family.encode_family(&labels)?;
                match (def.get)(t) {
                    Sample::Counter(c) => c.encode(sample)?,
                    Sample::Gauge(v) => ConstGauge::new(v).encode(sample)?,
                    Sample::Histogram(h) => h.encode(sample)?,
                }
            }
        }
        self.encode_stage_times(&mut encoder)
    }
}

impl Snapshot {
    /// Converter and transform times: one histogram per stage of a task.
    fn encode_stage_times(&self, encoder: &mut DescriptorEncoder<'_>) -> std::fmt::Result {
        if self.tasks.is_empty() {
            return Ok(());
        }
        let mut family = encoder.encode_descriptor(
            "wasm_connect_task_convert_time_seconds",
            "How long a converter call on a batch took, by converter (key, value, header).",
            None,
            MetricType::Histogram,
        )?;
        for t in &self.tasks {
            for stage in [
                super::ConvertStage::Key,
                super::ConvertStage::Value,
                super::ConvertStage::Header,
            ] {
                let [connector, task] = task_labels(t);
                let labels = [connector, task, ("converter", stage.label().to_owned())];
                t.convert_time[stage as usize].encode(family.encode_family(&labels)?)?;
            }
        }
        if self.tasks.iter().all(|t| t.transform_time.is_empty()) {
            return Ok(());
        }
        let mut family = encoder.encode_descriptor(
            "wasm_connect_task_transform_time_seconds",
            "How long a transform call on a batch took, by alias in transforms.",
            None,
            MetricType::Histogram,
        )?;
        for t in &self.tasks {
            for (alias, histogram) in &t.transform_time {
                let [connector, task] = task_labels(t);
                let labels = [connector, task, ("transform", alias.clone())];
                histogram.encode(family.encode_family(&labels)?)?;
            }
        }
        Ok(())
    }

    /// Worker-level counts (Apache's `connect-worker-metrics`) and each
    /// connector's state (`connector-metrics` `status`).
    fn encode_worker(&self, encoder: &mut DescriptorEncoder<'_>) -> std::fmt::Result {
        let w = &self.worker;
        let counters: [(&str, &str, &Counter); 6] = [
            (
                "kafka_connect_worker_connector_startup_attempts",
                "Connector start-ups tried.",
                &w.connector_startup_attempts,
            ),
            (
                "kafka_connect_worker_connector_startup_success",
                "Connector start-ups that succeeded.",
                &w.connector_startup_success,
            ),
            (
                "kafka_connect_worker_connector_startup_failure",
                "Connector start-ups that failed.",
                &w.connector_startup_failure,
            ),
            (
                "kafka_connect_worker_task_startup_attempts",
                "Task start-ups tried, automatic restarts included.",
                &w.task_startup_attempts,
            ),
            (
                "kafka_connect_worker_task_startup_success",
                "Task start-ups whose plugins started.",
                &w.task_startup_success,
            ),
            (
                "kafka_connect_worker_task_startup_failure",
                "Task start-ups that failed before their plugins ran.",
                &w.task_startup_failure,
            ),
        ];
        for (name, help, counter) in counters {
            let metric = encoder.encode_descriptor(name, help, None, MetricType::Counter)?;
            counter.encode(metric)?;
        }
        let task_count: usize = self.connectors.iter().map(|c| c.tasks.len()).sum();
        for (name, help, value) in [
            (
                "kafka_connect_worker_connector_count",
                "Connectors on this worker.",
                self.connectors.len(),
            ),
            (
                "kafka_connect_worker_task_count",
                "Tasks on this worker.",
                task_count,
            ),
        ] {
            let metric = encoder.encode_descriptor(name, help, None, MetricType::Gauge)?;
            ConstGauge::new(value as i64).encode(metric)?;
        }
        if self.connectors.is_empty() {
            return Ok(());
        }
        let mut family = encoder.encode_descriptor(
            "kafka_connect_connector_status",
            "1 for the connector's current state (Apache's connector-metrics status).",
            None,
            MetricType::Gauge,
        )?;
        for c in &self.connectors {
            let labels = [("connector", c.name.clone()), ("status", c.state.clone())];
            ConstGauge::new(1i64).encode(family.encode_family(&labels)?)?;
        }
        for (state, name, help) in [
            (
                None,
                "kafka_connect_worker_connector_total_task_count",
                "The connector's tasks.",
            ),
            (
                Some("running"),
                "kafka_connect_worker_connector_running_task_count",
                "The connector's running tasks.",
            ),
            (
                Some("paused"),
                "kafka_connect_worker_connector_paused_task_count",
                "The connector's paused tasks.",
            ),
            (
                Some("failed"),
                "kafka_connect_worker_connector_failed_task_count",
                "The connector's failed tasks.",
            ),
            (
                Some("unassigned"),
                "kafka_connect_worker_connector_unassigned_task_count",
                "The connector's unassigned tasks.",
            ),
            (
                Some("restarting"),
                "kafka_connect_worker_connector_restarting_task_count",
                "The connector's tasks waiting to restart.",
            ),
        ] {
            let mut family = encoder.encode_descriptor(name, help, None, MetricType::Gauge)?;
            for c in &self.connectors {
                let count = c
                    .tasks
                    .iter()
                    .filter(|t| state.is_none_or(|s| s == t.as_str()))
                    .count();
                let labels = [("connector", c.name.clone())];
                ConstGauge::new(count as i64).encode(family.encode_family(&labels)?)?;
            }
        }
        Ok(())
    }
}
