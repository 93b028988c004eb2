//! The runtime: the worker, its connectors and their tasks.
//!
//! Each task runs as a tokio task with its own [`Sandbox`]; a task that
//! fails records its reason in the status store and takes nothing else
//! with it.

mod bytes_path;
mod dlq;
mod info;
mod lifecycle;
mod offsets_api;
mod pipeline;
mod reload;
mod renew;
mod sink;
mod source;
pub mod tracker;
mod worker;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::config::ConnectorConfig;
use crate::kafka::KafkaSettings;
use crate::plugin::sandbox::{ConverterHandle, ConverterTarget};
use crate::plugin::{CallError, Grants, PluginCatalog, PluginEngine, PluginInfo, Sandbox};
use crate::storage::{ConfigStore, OffsetStore, State, Status, StatusStore, TargetState};
use pipeline::{ConverterClasses, StepPlugin};

pub use info::{ConnectorInfo, ConnectorStateInfo, StateInfo, TaskId, TaskStateInfo};
pub use lifecycle::RestartRequest;
pub use offsets_api::OffsetEntry;
pub use worker::{Stores, Worker, WorkerError};

/// What every task of the worker shares.
pub(crate) struct Shared {
    pub engine: Arc<PluginEngine>,
    /// The plugins: replaced as a whole when a hot reload switches a file
    /// (`reload.rs`); whoever holds the old one keeps a consistent view.
    pub catalog: std::sync::RwLock<Arc<PluginCatalog>>,
    pub kafka: KafkaSettings,
    pub offsets: Arc<dyn OffsetStore>,
    pub configs: Arc<dyn ConfigStore>,
    pub statuses: Arc<dyn StatusStore>,
    pub worker_id: String,
    pub flush_interval: Duration,
    pub flush_timeout: Duration,
    pub shutdown_timeout: Duration,
    pub cwd: PathBuf,
    /// `topic.tracking.enable`.
    pub topic_tracking: bool,
    /// `config.providers`: resolve `${provider:path:key}` just before a
    /// connector or task starts.
    pub providers: Arc<crate::config::ConfigProviders>,
    /// The worker's default plugin limits (`plugin.memory.limit.bytes`,
    /// `plugin.call.timeout.ms`); connectors may override them.
    pub default_limits: crate::plugin::Limits,
    /// The worker's default restart policy for failed tasks.
    pub default_restarts: crate::config::RestartPolicy,
    /// What `/metrics` shows.
    pub metrics: Arc<crate::metrics::Metrics>,
}

impl Shared {
    /// The plugins as they are now.
    pub(crate) fn catalog(&self) -> Arc<PluginCatalog> {
        self.catalog
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Switch to `catalog`.
    pub(crate) fn set_catalog(&self, catalog: Arc<PluginCatalog>) {
        *self
            .catalog
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = catalog;
    }

    fn set_task(&self, connector: &str, task: u32, state: State, trace: Option<String>) {
        self.statuses.put_task(
            connector,
            task,
            Status {
                state,
                worker_id: self.worker_id.clone(),
                trace,
            },
        );
    }

    /// Record a topic a task used (KIP-558), when tracking is on.
    fn track_topic(&self, connector: &str, topic: &str) {
        if self.topic_tracking {
            self.statuses.add_topic(connector, topic);
        }
    }

    fn set_connector(&self, connector: &str, state: State, trace: Option<String>) {
        self.statuses.put_connector(
            connector,
            Status {
                state,
                worker_id: self.worker_id.clone(),
                trace,
            },
        );
    }
}

/// A resolved converter: the plugin and its settings.
#[derive(Clone)]
pub(crate) struct ConverterPlugin {
    pub plugin: Arc<PluginInfo>,
    /// The class as the configuration names it (error reports use it, as
    /// Apache reports the class the user configured).
    pub class: String,
    pub config: Vec<(String, String)>,
}

/// The converters a task uses.
#[derive(Clone)]
pub(crate) struct Converters {
    pub key: ConverterPlugin,
    pub value: ConverterPlugin,
    /// None: headers cross as raw bytes (no header converter available).
    pub header: Option<ConverterPlugin>,
}

impl Converters {
    /// The class names, for error reports.
    pub(crate) fn classes(&self) -> ConverterClasses {
        ConverterClasses {
            key: self.key.class.clone(),
            value: self.value.class.clone(),
            header: self
                .header
                .as_ref()
                .map(|h| h.class.clone())
                .unwrap_or_default(),
        }
    }
}

/// A task's converters, created in its sandbox.
pub(crate) struct ConverterHandles {
    pub key: ConverterHandle,
    pub value: ConverterHandle,
    pub header: Option<ConverterHandle>,
}

impl Converters {
    /// Create the key, value and header converters in `sandbox`.
    async fn create(&self, sandbox: &mut Sandbox) -> Result<ConverterHandles, CallError> {
        Ok(ConverterHandles {
            key: sandbox
                .create_converter(&self.key.plugin, &self.key.config, ConverterTarget::Key)
                .await?,
            value: sandbox
                .create_converter(
                    &self.value.plugin,
                    &self.value.config,
                    ConverterTarget::Value,
                )
                .await?,
            header: match &self.header {
                Some(h) => Some(
                    sandbox
                        .create_converter(&h.plugin, &h.config, ConverterTarget::Headers)
                        .await?,
                ),
                None => None,
            },
        })
    }
}

/// Everything one task needs.
pub(crate) struct TaskContext {
    pub shared: Arc<Shared>,
    pub connector: ConnectorConfig,
    pub task: u32,
    pub plugin: Arc<PluginInfo>,
    pub config: Vec<(String, String)>,
    pub grants: Grants,
    pub converters: Converters,
    pub steps: Vec<StepPlugin>,
    /// What the task's plugins may use.
    pub limits: crate::plugin::Limits,
    /// The task's metrics (kept across its automatic restarts).
    pub metrics: Arc<crate::metrics::TaskMetrics>,
    /// Counted up each time the task has created its plugins.
    pub started: watch::Sender<u64>,
}

impl TaskContext {
    /// The task created its plugins: it runs on this version.
    pub(crate) fn report_started(&self) {
        self.started.send_modify(|n| *n += 1);
    }
}

/// Why a task stopped working.
#[derive(Debug, thiserror::Error)]
pub(crate) enum TaskError {
    #[error(transparent)]
    Call(#[from] CallError),
    #[error("{0}")]
    Other(String),
}

/// How a task learns what its connector should do: run, pause or stop.
pub(crate) type Control = watch::Receiver<TargetState>;

/// Whether the task must stop now.
pub(crate) fn is_stopped(control: &Control) -> bool {
    *control.borrow() == TargetState::Stopped || control.has_changed().is_err()
}

/// Whether the task must hold still (move no records) for now.
pub(crate) fn is_paused(control: &Control) -> bool {
    *control.borrow() == TargetState::Paused
}

/// Waits for the task to be told to stop (or for its worker to go away).
pub(crate) async fn stopped(control: &mut Control) {
    while !is_stopped(control) {
        if control.changed().await.is_err() {
            return;
        }
    }
}

/// Waits for any change of what the task should do; a worker gone away
/// reads as stop.
pub(crate) async fn changed(control: &mut Control) {
    if control.changed().await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// Tracks whether a task has reported PAUSED, so it reports each change
/// of state once.
#[derive(Default)]
pub(crate) struct PauseReport {
    paused: bool,
}

impl PauseReport {
    /// Report PAUSED (once) for a task that now holds still.
    fn pause(&mut self, ctx: &TaskContext) -> bool {
        if self.paused {
            return false;
        }
        self.paused = true;
        tracing::info!("Task paused");
        ctx.shared
            .set_task(&ctx.connector.name, ctx.task, State::Paused, None);
        true
    }

    /// Report RUNNING (once) for a task that resumed.
    fn resume(&mut self, ctx: &TaskContext) -> bool {
        if !self.paused {
            return false;
        }
        self.paused = false;
        tracing::info!("Task resumed");
        ctx.shared
            .set_task(&ctx.connector.name, ctx.task, State::Running, None);
        true
    }
}

/// The topics a task already reported as used (KIP-558), so the status
/// store hears of each topic once per task.
#[derive(Default)]
pub(crate) struct TopicsSeen {
    seen: std::collections::HashSet<String>,
}

impl TopicsSeen {
    /// Report the topics of `batch`'s records.
    fn record(&mut self, ctx: &TaskContext, batch: &wasm_connect_sdk::Batch) {
        let mut used = vec![false; batch.topics.len()];
        for i in 0..batch.len() {
            if let Ok(t) = batch.topic_index(i)
                && let Some(u) = used.get_mut(t as usize)
            {
                *u = true;
            }
        }
        for (topic, _) in batch.topics.iter().zip(used).filter(|(_, u)| *u) {
            self.record_name(ctx, topic);
        }
    }

    /// Report one topic.
    fn record_name(&mut self, ctx: &TaskContext, topic: &str) {
        if !self.seen.contains(topic) {
            self.seen.insert(topic.to_owned());
            ctx.shared.track_topic(&ctx.connector.name, topic);
        }
    }
}
