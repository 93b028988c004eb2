//! [`Worker`]: connectors and their tasks, created, started, watched,
//! stopped and deleted.

use std::collections::BTreeMap;
use std::sync::Arc;

use tokio::sync::{Mutex, watch};
use tokio::task::JoinHandle;
use tracing::Instrument;
use wasm_connect_sdk::{ErrorKind, PluginKind};

use super::info::{ConnectorInfo, ConnectorStateInfo, TaskId, TaskStateInfo};
use super::pipeline::{PredicatePlugin, StepPlugin};
use super::{ConverterPlugin, Converters, Shared, TaskContext, sink, source};
use crate::config::connector::{check_against, grants_for};
use crate::config::{ConfigErrors, ConnectorConfig, ConnectorType, ConverterSpec, WorkerConfig};
use crate::kafka::KafkaSettings;
use crate::plugin::sandbox::{SinkConnectorHandle, SourceConnectorHandle};
use crate::plugin::{
    CallError, KindClass, NotFound, PluginCatalog, PluginEngine, PluginInfo, Sandbox,
};
use crate::storage::{ConfigStore, OffsetStore, State, Status, StatusStore};

/// What a REST call or a connector file asked for that cannot be done.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    /// No such connector.
    #[error("Connector {0} not found")]
    NotFound(String),
    /// A connector with that name exists.
    #[error("Connector {0} already exists")]
    AlreadyExists(String),
    /// The configuration is invalid (Apache's wording).
    #[error(
        "Connector configuration is invalid and contains the following {} error(s):\n{}\nYou can also find the above list of errors at the endpoint `/connector-plugins/{{connectorType}}/config/validate`",
        .0.problems.len(),
        .0.problems.join("\n")
    )]
    InvalidConfig(ConfigErrors),
    /// `connector.class` (or a converter) names no plugin.
    #[error(transparent)]
    UnknownPlugin(#[from] NotFound),
}

struct RunningTask {
    id: u32,
    stop: watch::Sender<bool>,
    join: JoinHandle<()>,
}

enum ConnectorHandle {
    Source(SourceConnectorHandle),
    Sink(SinkConnectorHandle),
}

/// A connector the worker runs: its plugin instance and its tasks.
struct Running {
    sandbox: Option<(Sandbox, ConnectorHandle)>,
    tasks: Vec<RunningTask>,
}

/// A standalone worker.
pub struct Worker {
    shared: Arc<Shared>,
    defaults: (ConverterSpec, ConverterSpec, ConverterSpec),
    running: Mutex<BTreeMap<String, Running>>,
}

impl Worker {
    /// A worker with no connectors yet.
    pub fn new(
        config: &WorkerConfig,
        kafka: KafkaSettings,
        engine: Arc<PluginEngine>,
        catalog: Arc<PluginCatalog>,
        offsets: Arc<dyn OffsetStore>,
        configs: Arc<dyn ConfigStore>,
        statuses: Arc<dyn StatusStore>,
    ) -> Self {
        Self {
            shared: Arc::new(Shared {
                engine,
                catalog,
                kafka,
                offsets,
                configs,
                statuses,
                worker_id: config.advertised.clone(),
                flush_interval: config.offset_flush_interval,
                flush_timeout: config.offset_flush_timeout,
                shutdown_timeout: config.task_shutdown_timeout,
                cwd: std::env::current_dir().unwrap_or_default(),
            }),
            defaults: (
                config.key_converter.clone(),
                config.value_converter.clone(),
                config.header_converter.clone(),
            ),
            running: Mutex::new(BTreeMap::new()),
        }
    }

    /// The plugins this worker found.
    pub fn catalog(&self) -> &Arc<PluginCatalog> {
        &self.shared.catalog
    }

    /// The worker's id (`host:port`).
    pub fn worker_id(&self) -> &str {
        &self.shared.worker_id
    }

    /// Names of every connector, sorted.
    pub fn connector_names(&self) -> Vec<String> {
        self.shared.configs.connectors()
    }

    /// Check a configuration before anything is stored: framework keys,
    /// the plugin exists, its keys fit its definitions.
    fn check(
        &self,
        entries: Vec<(String, String)>,
    ) -> Result<(ConnectorConfig, Arc<PluginInfo>), WorkerError> {
        let config = ConnectorConfig::parse(entries).map_err(WorkerError::InvalidConfig)?;
        let plugin = self
            .shared
            .catalog
            .find(KindClass::Connector, &config.class)?;
        let mut problems = check_against(&plugin.manifest.config, &config.entries, "");
        if plugin.manifest.kind == PluginKind::SinkConnector {
            problems.extend(config.sink_problems());
        }
        for t in &config.transforms {
            match self.shared.catalog.find(KindClass::Transform, &t.class) {
                Ok(p) => problems.extend(check_against(
                    &p.manifest.config,
                    &t.config,
                    &format!("transforms.{}.", t.alias),
                )),
                Err(e) => problems.push(format!(
                    "Invalid value {} for configuration transforms.{}.type: {e}",
                    t.class, t.alias
                )),
            }
        }
        for p in &config.predicates {
            match self.shared.catalog.find(KindClass::Predicate, &p.class) {
                Ok(found) => problems.extend(check_against(
                    &found.manifest.config,
                    &p.config,
                    &format!("predicates.{}.", p.alias),
                )),
                Err(e) => problems.push(format!(
                    "Invalid value {} for configuration predicates.{}.type: {e}",
                    p.class, p.alias
                )),
            }
        }
        if !problems.is_empty() {
            return Err(WorkerError::InvalidConfig(ConfigErrors {
                source_name: format!("connector {}", config.name),
                problems,
            }));
        }
        Ok((config, plugin))
    }

    /// Create and start a connector (`POST /connectors`). A plugin that
    /// fails to start leaves the connector FAILED with the reason, as
    /// Apache does; a configuration the plugin rejects is an error.
    pub async fn create_connector(
        &self,
        entries: Vec<(String, String)>,
    ) -> Result<ConnectorInfo, WorkerError> {
        let (config, plugin) = self.check(entries)?;
        let mut running = self.running.lock().await;
        if running.contains_key(&config.name)
            || self.shared.configs.connector(&config.name).is_some()
        {
            return Err(WorkerError::AlreadyExists(config.name));
        }
        let name = config.name.clone();
        self.shared
            .configs
            .put_connector(&name, config.entries.clone());
        match self.start(config, plugin).await {
            Ok(r) => {
                running.insert(name.clone(), r);
            }
            Err(StartError::Rejected(problems)) => {
                self.shared.configs.remove(&name);
                self.shared.statuses.remove(&name);
                return Err(WorkerError::InvalidConfig(ConfigErrors {
                    source_name: format!("connector {name}"),
                    problems,
                }));
            }
            Err(StartError::Failed(trace)) => {
                tracing::error!(connector = %name, "Connector failed to start: {trace}");
                self.shared.set_connector(&name, State::Failed, Some(trace));
                running.insert(
                    name.clone(),
                    Running {
                        sandbox: None,
                        tasks: Vec::new(),
                    },
                );
            }
        }
        drop(running);
        self.connector_info(&name)
    }

    /// Add a connector from a file given on the command line. Unlike REST,
    /// a bad file does not stop the others: the connector is kept, FAILED,
    /// with the reason in its status, and the error is logged.
    pub async fn add_connector_from_file(&self, source: &str, entries: Vec<(String, String)>) {
        let name = crate::config::get(&entries, "name")
            .unwrap_or("")
            .trim()
            .to_owned();
        match self.create_connector(entries.clone()).await {
            Ok(info) => tracing::info!(connector = %info.name, file = %source, "Created connector"),
            Err(e) => {
                tracing::error!(connector = %name, file = %source, "Cannot start connector: {e}");
                if name.is_empty() || self.shared.configs.connector(&name).is_some() {
                    return;
                }
                self.shared
                    .configs
                    .put_connector(&name, crate::config::dedupe(entries));
                self.shared
                    .set_connector(&name, State::Failed, Some(format!("{e}")));
                self.running.lock().await.insert(
                    name,
                    Running {
                        sandbox: None,
                        tasks: Vec::new(),
                    },
                );
            }
        }
    }

    /// `GET /connectors/{name}`.
    pub fn connector_info(&self, name: &str) -> Result<ConnectorInfo, WorkerError> {
        let entries = self
            .shared
            .configs
            .connector(name)
            .ok_or_else(|| WorkerError::NotFound(name.to_owned()))?;
        let tasks = self.shared.configs.task_configs(name);
        Ok(ConnectorInfo {
            name: name.to_owned(),
            kind: self.kind_of(&entries),
            config: entries
                .into_iter()
                .map(|(k, v)| (k, serde_json::Value::String(v)))
                .collect(),
            tasks: (0..tasks.len() as u32)
                .map(|task| TaskId {
                    connector: name.to_owned(),
                    task,
                })
                .collect(),
        })
    }

    /// `GET /connectors/{name}/tasks`: each task's id and configuration.
    pub fn task_configs(
        &self,
        name: &str,
    ) -> Result<Vec<(TaskId, crate::storage::configs::Entries)>, WorkerError> {
        if self.shared.configs.connector(name).is_none() {
            return Err(WorkerError::NotFound(name.to_owned()));
        }
        Ok(self
            .shared
            .configs
            .task_configs(name)
            .into_iter()
            .enumerate()
            .map(|(i, c)| {
                (
                    TaskId {
                        connector: name.to_owned(),
                        task: i as u32,
                    },
                    c,
                )
            })
            .collect())
    }

    fn kind_of(&self, entries: &[(String, String)]) -> Option<ConnectorType> {
        let class = crate::config::get(entries, "connector.class")?;
        let plugin = self.shared.catalog.find(KindClass::Connector, class).ok()?;
        match plugin.manifest.kind {
            PluginKind::SourceConnector => Some(ConnectorType::Source),
            PluginKind::SinkConnector => Some(ConnectorType::Sink),
            _ => None,
        }
    }

    /// `GET /connectors/{name}/status`.
    pub fn connector_status(&self, name: &str) -> Result<ConnectorStateInfo, WorkerError> {
        let entries = self
            .shared
            .configs
            .connector(name)
            .ok_or_else(|| WorkerError::NotFound(name.to_owned()))?;
        let connector = self.shared.statuses.connector(name).unwrap_or(Status {
            state: State::Unassigned,
            worker_id: self.shared.worker_id.clone(),
            trace: None,
        });
        Ok(ConnectorStateInfo {
            name: name.to_owned(),
            connector: connector.into(),
            tasks: self
                .shared
                .statuses
                .tasks(name)
                .into_iter()
                .map(|(id, s)| TaskStateInfo {
                    id,
                    status: s.into(),
                })
                .collect(),
            kind: self.kind_of(&entries),
        })
    }

    /// `DELETE /connectors/{name}`: stop its tasks (committing what they
    /// did), stop the connector, forget it. Offsets are kept, as in Apache.
    pub async fn delete_connector(&self, name: &str) -> Result<(), WorkerError> {
        if self.shared.configs.connector(name).is_none() {
            return Err(WorkerError::NotFound(name.to_owned()));
        }
        let removed = self.running.lock().await.remove(name);
        if let Some(running) = removed {
            self.stop_running(name, running).await;
        }
        self.shared.configs.remove(name);
        self.shared.statuses.remove(name);
        tracing::info!(connector = %name, "Deleted connector");
        Ok(())
    }

    /// Stop every connector (SIGINT/SIGTERM): tasks commit their offsets.
    pub async fn shutdown(&self) {
        let all = std::mem::take(&mut *self.running.lock().await);
        let stops = all.into_iter().map(|(name, running)| async move {
            self.stop_running(&name, running).await;
        });
        for stop in stops {
            stop.await;
        }
    }

    async fn stop_running(&self, name: &str, running: Running) {
        for task in &running.tasks {
            let _ = task.stop.send(true);
        }
        for mut task in running.tasks {
            match tokio::time::timeout(self.shared.shutdown_timeout, &mut task.join).await {
                Ok(_) => {}
                Err(_) => {
                    tracing::warn!(
                        connector = %name,
                        task = task.id,
                        timeout_ms = self.shared.shutdown_timeout.as_millis() as u64,
                        "Task did not stop within task.shutdown.graceful.timeout.ms; cancelling it"
                    );
                    task.join.abort();
                }
            }
        }
        if let Some((mut sandbox, handle)) = running.sandbox {
            let stopped = match &handle {
                ConnectorHandle::Source(h) => sandbox.stop_source_connector(h).await,
                ConnectorHandle::Sink(h) => sandbox.stop_sink_connector(h).await,
            };
            if let Err(e) = stopped {
                tracing::warn!(connector = %name, "Connector did not stop cleanly: {e}");
            }
            sandbox.close_all().await;
        }
    }

    /// Resolve the converters of a connector (its overrides, else the
    /// worker's defaults).
    fn converters(&self, config: &ConnectorConfig) -> Result<Converters, NotFound> {
        let catalog = &self.shared.catalog;
        let resolve =
            |spec: &ConverterSpec, class: KindClass| -> Result<ConverterPlugin, NotFound> {
                Ok(ConverterPlugin {
                    plugin: catalog.find(class, &spec.class)?,
                    class: spec.class.clone(),
                    config: spec.config.clone(),
                })
            };
        let key = resolve(
            config.key_converter.as_ref().unwrap_or(&self.defaults.0),
            KindClass::Converter,
        )?;
        let value = resolve(
            config.value_converter.as_ref().unwrap_or(&self.defaults.1),
            KindClass::Converter,
        )?;
        let header = match &config.header_converter {
            Some(spec) => Some(resolve(spec, KindClass::HeaderConverter)?),
            None => match resolve(&self.defaults.2, KindClass::HeaderConverter) {
                Ok(c) => Some(c),
                // The default (SimpleHeaderConverter) is not among the
                // plugins: headers then cross as raw bytes, which is what
                // users of byte-valued headers expect anyway.
                Err(_) if self.defaults.2.class.ends_with("SimpleHeaderConverter") => None,
                Err(e) => return Err(e),
            },
        };
        Ok(Converters { key, value, header })
    }

    /// Resolve the transformation chain of a connector.
    fn steps(&self, config: &ConnectorConfig) -> Result<Vec<StepPlugin>, NotFound> {
        let catalog = &self.shared.catalog;
        let mut out = Vec::with_capacity(config.transforms.len());
        for t in &config.transforms {
            let predicate = match &t.predicate {
                Some(alias) => match config.predicates.iter().find(|p| p.alias == *alias) {
                    Some(p) => Some(PredicatePlugin {
                        plugin: catalog.find(KindClass::Predicate, &p.class)?,
                        config: p.config.clone(),
                        negate: t.negate,
                    }),
                    None => None,
                },
                None => None,
            };
            out.push(StepPlugin {
                class: t.class.clone(),
                alias: t.alias.clone(),
                plugin: catalog.find(KindClass::Transform, &t.class)?,
                config: t.config.clone(),
                predicate,
            });
        }
        Ok(out)
    }

    /// Start a connector and its tasks.
    async fn start(
        &self,
        config: ConnectorConfig,
        plugin: Arc<PluginInfo>,
    ) -> Result<Running, StartError> {
        let name = config.name.clone();
        let kind = match plugin.manifest.kind {
            PluginKind::SinkConnector => ConnectorType::Sink,
            _ => ConnectorType::Source,
        };
        let fail = StartError::Failed;
        let converters = self
            .converters(&config)
            .map_err(|e| StartError::Rejected(vec![e.to_string()]))?;
        let steps = self
            .steps(&config)
            .map_err(|e| StartError::Rejected(vec![e.to_string()]))?;
        let (plugin_config, grants) =
            grants_for(&plugin.manifest.config, &config.entries, &self.shared.cwd);
        let span = tracing::info_span!("connector", connector = %name);
        let mut sandbox =
            Sandbox::new(self.shared.engine.clone(), &grants).map_err(|e| fail(e.to_string()))?;
        let started = async {
            match kind {
                ConnectorType::Source => {
                    let h = sandbox
                        .create_source_connector(&plugin, &plugin_config)
                        .await?;
                    let tasks = sandbox.source_task_configs(&h, config.tasks_max).await?;
                    Ok::<_, CallError>((ConnectorHandle::Source(h), tasks))
                }
                ConnectorType::Sink => {
                    let h = sandbox
                        .create_sink_connector(&plugin, &plugin_config)
                        .await?;
                    let tasks = sandbox.sink_task_configs(&h, config.tasks_max).await?;
                    Ok((ConnectorHandle::Sink(h), tasks))
                }
            }
        }
        .instrument(span.clone())
        .await;
        let (handle, task_configs) = match started {
            Ok(ok) => ok,
            Err(CallError::Plugin { error, .. }) if error.kind == ErrorKind::Config => {
                sandbox.close_all().await;
                return Err(StartError::Rejected(vec![error.message]));
            }
            Err(e) => {
                sandbox.close_all().await;
                return Err(fail(e.to_string()));
            }
        };
        let task_configs: Vec<Vec<(String, String)>> = task_configs
            .into_iter()
            .take(config.tasks_max as usize)
            .collect();
        self.shared
            .configs
            .put_task_configs(&name, task_configs.clone());
        self.shared.set_connector(&name, State::Running, None);
        span.in_scope(|| tracing::info!(tasks = task_configs.len(), plugin = %plugin.name(), "Connector started"));

        let mut tasks = Vec::with_capacity(task_configs.len());
        for (id, task_config) in task_configs.into_iter().enumerate() {
            let id = id as u32;
            // Task configs come from the plugin: derive grants from them too.
            let (task_config, task_grants) =
                grants_for(&plugin.manifest.config, &task_config, &self.shared.cwd);
            let ctx = TaskContext {
                shared: self.shared.clone(),
                connector: config.clone(),
                task: id,
                plugin: plugin.clone(),
                config: task_config,
                grants: task_grants,
                converters: converters.clone(),
                steps: steps.clone(),
            };
            tasks.push(self.spawn_task(ctx, kind));
        }
        Ok(Running {
            sandbox: Some((sandbox, handle)),
            tasks,
        })
    }

    fn spawn_task(&self, ctx: TaskContext, kind: ConnectorType) -> RunningTask {
        let (stop_tx, stop_rx) = watch::channel(false);
        let id = ctx.task;
        let connector = ctx.connector.name.clone();
        let shared = ctx.shared.clone();
        let span = tracing::info_span!("task", connector = %connector, task = id);
        shared.set_task(&connector, id, State::Running, None);
        let join = tokio::spawn(
            async move {
                let result = match Sandbox::new(ctx.shared.engine.clone(), &ctx.grants) {
                    Ok(mut sandbox) => {
                        let mut stop_rx = stop_rx;
                        let result = match kind {
                            ConnectorType::Source => {
                                source::run(&ctx, &mut sandbox, &mut stop_rx).await
                            }
                            ConnectorType::Sink => {
                                sink::run(&ctx, &mut sandbox, &mut stop_rx).await
                            }
                        };
                        sandbox.close_all().await;
                        result
                    }
                    Err(e) => Err(e.into()),
                };
                match result {
                    Ok(()) => {
                        tracing::info!("Task stopped");
                        shared.set_task(&connector, id, State::Unassigned, None);
                    }
                    Err(e) => {
                        tracing::error!("Task failed: {e}");
                        shared.set_task(&connector, id, State::Failed, Some(e.to_string()));
                    }
                }
            }
            .instrument(span),
        );
        RunningTask {
            id,
            stop: stop_tx,
            join,
        }
    }
}

/// Why a connector did not start.
enum StartError {
    /// The plugin (or a converter lookup) rejected the configuration.
    Rejected(Vec<String>),
    /// It failed otherwise; the connector is kept as FAILED.
    Failed(String),
}
