//! The runtime: the worker, its connectors and their tasks.
//!
//! Each task runs as a tokio task with its own [`Sandbox`]; a task that
//! fails records its reason in the status store and takes nothing else
//! with it.

mod dlq;
mod info;
mod pipeline;
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
use crate::storage::{ConfigStore, OffsetStore, State, Status, StatusStore};
use pipeline::{ConverterClasses, StepPlugin};

pub use info::{ConnectorInfo, ConnectorStateInfo, StateInfo, TaskId, TaskStateInfo};
pub use worker::{Worker, WorkerError};

/// What every task of the worker shares.
pub(crate) struct Shared {
    pub engine: Arc<PluginEngine>,
    pub catalog: Arc<PluginCatalog>,
    pub kafka: KafkaSettings,
    pub offsets: Arc<dyn OffsetStore>,
    pub configs: Arc<dyn ConfigStore>,
    pub statuses: Arc<dyn StatusStore>,
    pub worker_id: String,
    pub flush_interval: Duration,
    pub flush_timeout: Duration,
    pub shutdown_timeout: Duration,
    pub cwd: PathBuf,
}

impl Shared {
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
}

/// Why a task stopped working.
#[derive(Debug, thiserror::Error)]
pub(crate) enum TaskError {
    #[error(transparent)]
    Call(#[from] CallError),
    #[error("{0}")]
    Other(String),
}

/// Waits for `stop` to turn true (or its sender to go away).
pub(crate) async fn stopped(stop: &mut watch::Receiver<bool>) {
    while !*stop.borrow() {
        if stop.changed().await.is_err() {
            return;
        }
    }
}
