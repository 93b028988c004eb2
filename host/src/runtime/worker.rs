//! [`Worker`]: connectors and their tasks, created, started, watched,
//! reconfigured, stopped and deleted. Pausing, stopping and restarting
//! live in `lifecycle.rs`; offsets and active topics in `offsets_api.rs`.

use std::collections::BTreeMap;
use std::sync::Arc;

use tokio::sync::{Mutex, watch};
use tokio::task::JoinHandle;
use tracing::Instrument;
use wasm_connect_sdk::{ErrorKind, PluginKind};

use super::info::{ConnectorInfo, ConnectorStateInfo, TaskId, TaskStateInfo};
use super::pipeline::{PredicatePlugin, StepPlugin};
use super::{ConverterPlugin, Converters, Shared, TaskContext, sink, source};
use crate::config::connector::{check_against, explicit_grants, grants_for};
use crate::config::kafka_grants::kafka_grants;
use crate::config::providers::restore_variables;
use crate::config::{
    ConfigErrors, ConfigProviders, ConnectorConfig, ConnectorType, ConverterSpec, WorkerConfig,
};
use crate::kafka::KafkaSettings;
use crate::plugin::sandbox::{SinkConnectorHandle, SourceConnectorHandle};
use crate::plugin::{
    CallError, KindClass, Limits, NotFound, PluginCatalog, PluginEngine, PluginInfo, Sandbox,
};
use crate::storage::configs::Entries;
use crate::storage::{
    ConfigStore, OffsetStore, Origin, State, Status, StatusStore, StorageError, StoredConnector,
    TargetState,
};

/// What a REST call or a connector file asked for that cannot be done.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    /// No such connector.
    #[error("Connector {0} not found")]
    NotFound(String),
    /// No such task.
    #[error("Task {0}-{1} not found")]
    TaskNotFound(String, u32),
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
    /// A request that is well-formed but not allowed now (Apache's 400s,
    /// for example altering offsets of a running connector).
    #[error("{0}")]
    BadRequest(String),
    /// The connectors file or the offsets file could not be written.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// Kafka did not answer as needed (sink offsets).
    #[error("{0}")]
    Kafka(String),
}

pub(super) struct RunningTask {
    pub id: u32,
    /// What the task's plugins may touch.
    pub grants: crate::plugin::Grants,
    pub control: watch::Sender<TargetState>,
    pub join: JoinHandle<()>,
    /// Its metrics, forgotten when it is stopped (a FAILED task keeps them
    /// until then, for its error counts).
    pub metrics: Arc<crate::metrics::TaskMetrics>,
    /// How many times the task created its plugins (each attempt that got
    /// that far counts): a hot reload waits for the first.
    pub started: watch::Receiver<u64>,
}

pub(super) enum ConnectorHandle {
    Source(SourceConnectorHandle),
    Sink(SinkConnectorHandle),
}

/// What a connector's tasks are started from, kept so one task can be
/// restarted on its own.
#[derive(Clone)]
pub(super) struct TaskTemplate {
    pub config: ConnectorConfig,
    pub plugin: Arc<PluginInfo>,
    pub kind: ConnectorType,
    pub converters: Converters,
    pub steps: Vec<StepPlugin>,
    /// Each task's configuration, as the connector returned it.
    pub task_configs: Vec<Entries>,
    /// What each task's plugins may use.
    pub limits: Limits,
    /// How failed tasks are restarted.
    pub restarts: crate::config::RestartPolicy,
    /// Grants the connector's configuration adds (`plugin.grant.*`, and
    /// the Kafka clusters it grants).
    pub explicit: crate::plugin::Grants,
}

/// A connector the worker runs: its plugin instance and its tasks. A
/// connector that failed to start, or is STOPPED, has neither.
#[derive(Default)]
pub(super) struct Running {
    pub sandbox: Option<(Sandbox, ConnectorHandle)>,
    pub tasks: Vec<RunningTask>,
    pub template: Option<TaskTemplate>,
}

/// Where a worker keeps offsets, connector configurations and statuses.
pub struct Stores {
    /// Source offsets.
    pub offsets: Arc<dyn OffsetStore>,
    /// Connector and task configurations and target states.
    pub configs: Arc<dyn ConfigStore>,
    /// Connector and task states and active topics.
    pub statuses: Arc<dyn StatusStore>,
}

/// A standalone worker.
pub struct Worker {
    pub(super) shared: Arc<Shared>,
    pub(super) defaults: (ConverterSpec, ConverterSpec, ConverterSpec),
    pub(super) running: Mutex<BTreeMap<String, Running>>,
    /// `topic.tracking.allow.reset`.
    pub(super) topic_reset_allowed: bool,
    /// What hot reload saw of the plugin files.
    pub(super) reloads: std::sync::Mutex<super::reload::Reloads>,
}

impl Worker {
    /// A worker with no connectors running yet.
    pub fn new(
        config: &WorkerConfig,
        kafka: KafkaSettings,
        engine: Arc<PluginEngine>,
        catalog: Arc<PluginCatalog>,
        stores: Stores,
        providers: Arc<ConfigProviders>,
    ) -> Self {
        let reloads = super::reload::Reloads::of(&catalog);
        Self {
            shared: Arc::new(Shared {
                engine,
                catalog: std::sync::RwLock::new(catalog),
                kafka,
                offsets: stores.offsets,
                configs: stores.configs,
                statuses: stores.statuses,
                worker_id: config.advertised.clone(),
                flush_interval: config.offset_flush_interval,
                flush_timeout: config.offset_flush_timeout,
                shutdown_timeout: config.task_shutdown_timeout,
                cwd: std::env::current_dir().unwrap_or_default(),
                topic_tracking: config.topic_tracking,
                providers,
                default_limits: config.plugin_limits,
                default_restarts: config.restarts,
                metrics: Arc::new(crate::metrics::Metrics::default()),
            }),
            defaults: (
                config.key_converter.clone(),
                config.value_converter.clone(),
                config.header_converter.clone(),
            ),
            running: Mutex::new(BTreeMap::new()),
            topic_reset_allowed: config.topic_tracking_allow_reset,
            reloads: std::sync::Mutex::new(reloads),
        }
    }

    /// The worker's metrics, for `/metrics`.
    pub fn metrics(&self) -> &crate::metrics::Metrics {
        &self.shared.metrics
    }

    /// `GET /metrics`: every metric, with each connector's and task's
    /// state as the status store has it now.
    pub fn render_metrics(&self) -> Result<String, std::fmt::Error> {
        let lower = |s: State| format!("{s:?}").to_ascii_lowercase();
        let connectors = self
            .connector_names()
            .into_iter()
            .map(|name| {
                let statuses = &self.shared.statuses;
                crate::metrics::ConnectorState {
                    state: statuses
                        .connector(&name)
                        .map_or_else(|| "unassigned".to_owned(), |s| lower(s.state)),
                    tasks: statuses
                        .tasks(&name)
                        .into_iter()
                        .map(|(_, t)| lower(t.state))
                        .collect(),
                    name,
                }
            })
            .collect();
        self.shared.metrics.render(connectors)
    }

    /// The plugins this worker has now (hot reload may replace them).
    pub fn catalog(&self) -> Arc<PluginCatalog> {
        self.shared.catalog()
    }

    /// The worker's id (`host:port`).
    pub fn worker_id(&self) -> &str {
        &self.shared.worker_id
    }

    /// Whether `topic.tracking.enable` is on.
    pub fn topic_tracking(&self) -> bool {
        self.shared.topic_tracking
    }

    /// Whether `topic.tracking.allow.reset` is on.
    pub fn topic_reset_allowed(&self) -> bool {
        self.topic_reset_allowed
    }

    /// Names of every connector, sorted.
    pub fn connector_names(&self) -> Vec<String> {
        self.shared.configs.connectors()
    }

    pub(super) fn stored(&self, name: &str) -> Result<StoredConnector, WorkerError> {
        self.shared
            .configs
            .get(name)
            .ok_or_else(|| WorkerError::NotFound(name.to_owned()))
    }

    /// Check a configuration before anything is stored: framework keys,
    /// the plugin exists, its keys fit its definitions, and every
    /// transform and predicate too.
    pub(super) async fn check(
        &self,
        entries: Vec<(String, String)>,
    ) -> Result<(ConnectorConfig, Arc<PluginInfo>), WorkerError> {
        let config = match ConnectorConfig::parse(entries.clone()) {
            Ok(c) => c,
            Err(mut errors) => {
                // Report the plugin's own problems too: every problem at once.
                if let Some(class) = crate::config::get(&entries, "connector.class")
                    && let Ok(plugin) = self.shared.catalog().find(KindClass::Connector, class)
                {
                    let entries = crate::config::dedupe(entries);
                    errors
                        .problems
                        .extend(check_against(&plugin.manifest.config, &entries, ""));
                }
                return Err(WorkerError::InvalidConfig(errors));
            }
        };
        let catalog = self.shared.catalog();
        let plugin = catalog.find(KindClass::Connector, &config.class)?;
        let mut problems = check_against(&plugin.manifest.config, &config.entries, "");
        crate::config::plugin_limits(&config.entries, self.shared.default_limits, &mut problems);
        if plugin.manifest.kind == PluginKind::SinkConnector {
            problems.extend(config.sink_problems());
        }
        for t in &config.transforms {
            match self.shared.catalog().find(KindClass::Transform, &t.class) {
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
            match self.shared.catalog().find(KindClass::Predicate, &p.class) {
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
        for p in self.plugin_problems(&plugin, &config.entries).await {
            if !problems.contains(&p.message) {
                problems.push(p.message);
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

    /// Create and start a connector (`POST /connectors`, or a connector
    /// file). A plugin that fails to start leaves the connector FAILED with
    /// the reason, as Apache does; a configuration the plugin rejects is an
    /// error and nothing is kept.
    pub async fn create_connector(
        &self,
        entries: Vec<(String, String)>,
        initial: TargetState,
        origin: Origin,
    ) -> Result<ConnectorInfo, WorkerError> {
        let entries = crate::config::dedupe(entries);
        let name = crate::config::get(&entries, "name")
            .unwrap_or("")
            .to_owned();
        let mut running = self.running.lock().await;
        if running.contains_key(&name) || self.shared.configs.get(&name).is_some() {
            return Err(WorkerError::AlreadyExists(name));
        }
        let stored = StoredConnector {
            config: entries,
            target_state: initial,
            origin,
        };
        let r = self.start_checked(&name, &stored).await?;
        if let Err(e) = self.shared.configs.put(&name, stored) {
            self.stop_running(&name, r).await;
            self.shared.statuses.remove(&name);
            return Err(e.into());
        }
        running.insert(name.clone(), r);
        drop(running);
        self.connector_info(&name)
    }

    /// `PUT /connectors/{name}/config`: create the connector, or replace
    /// its configuration and restart it with the new one (keeping its
    /// target state). Returns whether it was created.
    pub async fn put_connector_config(
        &self,
        name: &str,
        entries: Vec<(String, String)>,
        origin: Origin,
    ) -> Result<(bool, ConnectorInfo), WorkerError> {
        let Some(previous) = self.shared.configs.get(name) else {
            let info = self
                .create_connector(entries, TargetState::Started, origin)
                .await?;
            return Ok((true, info));
        };
        let stored = StoredConnector {
            config: crate::config::dedupe(entries),
            target_state: previous.target_state,
            origin,
        };
        // Check before touching what runs: a bad configuration changes
        // nothing.
        self.check(self.resolve(&stored.config)?).await?;
        let mut running = self.running.lock().await;
        if previous.config == stored.config {
            // The same configuration: as Apache, restart the connector
            // instance; its tasks restart only if their configurations
            // change.
            self.shared.configs.put(name, stored.clone())?;
            let mut current = running.remove(name).unwrap_or_default();
            let next = self
                .restart_instance(name, &stored, &mut current, false)
                .await;
            running.insert(name.to_owned(), next);
            drop(running);
            return Ok((false, self.connector_info(name)?));
        }
        if let Some(old) = running.remove(name) {
            self.stop_running(name, old).await;
        }
        self.shared.configs.put(name, stored.clone())?;
        self.shared.statuses.remove_tasks(name);
        let r = match self.start_checked(name, &stored).await {
            Ok(r) => r,
            Err(e) => {
                // Checked above, so only the plugin itself can refuse it
                // now: keep the connector, FAILED, as Apache does.
                self.shared
                    .set_connector(name, State::Failed, Some(e.to_string()));
                Running::default()
            }
        };
        running.insert(name.to_owned(), r);
        drop(running);
        tracing::info!(connector = %name, "Reconfigured connector");
        Ok((false, self.connector_info(name)?))
    }

    /// `PATCH /connectors/{name}/config`: set the given keys, remove those
    /// given as null, keep the rest.
    pub async fn patch_connector_config(
        &self,
        name: &str,
        patch: Vec<(String, Option<String>)>,
    ) -> Result<ConnectorInfo, WorkerError> {
        let mut config = self.stored(name)?.config;
        for (key, value) in patch {
            match value {
                Some(v) => match config.iter_mut().find(|(k, _)| *k == key) {
                    Some(slot) => slot.1 = v,
                    None => config.push((key, v)),
                },
                None => config.retain(|(k, _)| *k != key),
            }
        }
        if let Some((_, n)) = config.iter().find(|(k, _)| k == "name")
            && n != name
        {
            return Err(WorkerError::BadRequest(format!(
                "Connector name configuration ({n}) doesn't match connector name in the URL ({name})"
            )));
        }
        Ok(self
            .put_connector_config(name, config, Origin::Rest)
            .await?
            .1)
    }

    /// Add a connector from a file given on the command line. Unlike REST,
    /// a bad file does not stop the others: the connector is kept, FAILED,
    /// with the reason in its status, and the error is logged. A connector
    /// the worker already knows from its connectors file is reconfigured
    /// from the file (the file wins) and keeps its target state.
    pub async fn add_connector_from_file(&self, source: &str, entries: Vec<(String, String)>) {
        let entries = crate::config::dedupe(entries);
        let name = crate::config::get(&entries, "name")
            .unwrap_or("")
            .trim()
            .to_owned();
        let result = match self.shared.configs.get(&name) {
            Some(known) => {
                if known.origin == Origin::Rest && known.config != entries {
                    tracing::warn!(
                        connector = %name,
                        file = %source,
                        "Connector was changed over REST since it was read from this file; the file given on the command line wins"
                    );
                }
                self.put_connector_config(&name, entries.clone(), Origin::File)
                    .await
                    .map(|(_, info)| info)
            }
            None => {
                self.create_connector(entries.clone(), TargetState::Started, Origin::File)
                    .await
            }
        };
        match result {
            Ok(info) => tracing::info!(connector = %info.name, file = %source, "Created connector"),
            Err(e) => {
                tracing::error!(connector = %name, file = %source, "Cannot start connector: {e}");
                if name.is_empty() || self.shared.configs.get(&name).is_some() {
                    return;
                }
                let stored = StoredConnector {
                    config: entries,
                    target_state: TargetState::Started,
                    origin: Origin::File,
                };
                if let Err(e) = self.shared.configs.put(&name, stored) {
                    tracing::error!(connector = %name, "Cannot store connector: {e}");
                }
                self.shared
                    .set_connector(&name, State::Failed, Some(format!("{e}")));
                self.running.lock().await.insert(name, Running::default());
            }
        }
    }

    /// Start the connectors kept in the connectors file that were created
    /// or changed over REST; forget those that came from files no longer
    /// given on the command line (as Apache, which reads them anew at
    /// every start).
    pub async fn restore(&self, from_files: &[String]) {
        for name in self.shared.configs.connectors() {
            if self.running.lock().await.contains_key(&name) {
                continue;
            }
            let Some(stored) = self.shared.configs.get(&name) else {
                continue;
            };
            if stored.origin == Origin::File && !from_files.contains(&name) {
                tracing::info!(connector = %name, "Forgetting connector whose file is no longer given on the command line");
                if let Err(e) = self.shared.configs.remove(&name) {
                    tracing::error!(connector = %name, "Cannot update the connectors file: {e}");
                }
                continue;
            }
            let r = match self.start_checked(&name, &stored).await {
                Ok(r) => {
                    tracing::info!(connector = %name, state = ?stored.target_state, "Restored connector");
                    r
                }
                Err(e) => {
                    tracing::error!(connector = %name, "Cannot start restored connector: {e}");
                    self.shared
                        .set_connector(&name, State::Failed, Some(e.to_string()));
                    Running::default()
                }
            };
            self.running.lock().await.insert(name, r);
        }
    }

    /// `GET /connectors/{name}`.
    pub fn connector_info(&self, name: &str) -> Result<ConnectorInfo, WorkerError> {
        let entries = self.stored(name)?.config;
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
    pub fn task_configs(&self, name: &str) -> Result<Vec<(TaskId, Entries)>, WorkerError> {
        self.stored(name)?;
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

    pub(super) fn kind_of(&self, entries: &[(String, String)]) -> Option<ConnectorType> {
        let class = crate::config::get(entries, "connector.class")?;
        let plugin = self
            .shared
            .catalog()
            .find(KindClass::Connector, class)
            .ok()?;
        match plugin.manifest.kind {
            PluginKind::SourceConnector => Some(ConnectorType::Source),
            PluginKind::SinkConnector => Some(ConnectorType::Sink),
            _ => None,
        }
    }

    /// `GET /connectors/{name}/status`.
    pub fn connector_status(&self, name: &str) -> Result<ConnectorStateInfo, WorkerError> {
        let entries = self.stored(name)?.config;
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

    /// `GET /connectors/{name}/tasks/{task}/status`.
    pub fn task_status(&self, name: &str, task: u32) -> Result<TaskStateInfo, WorkerError> {
        self.stored(name)?;
        self.shared
            .statuses
            .tasks(name)
            .into_iter()
            .find(|(id, _)| *id == task)
            .map(|(id, s)| TaskStateInfo {
                id,
                status: s.into(),
            })
            .ok_or_else(|| WorkerError::TaskNotFound(name.to_owned(), task))
    }

    /// `GET /connectors/{name}/tasks/{task}/sandbox` (ours): what the
    /// task's plugins may touch and use — its effective grants and limits.
    pub async fn task_sandbox(
        &self,
        name: &str,
        task: u32,
    ) -> Result<serde_json::Value, WorkerError> {
        self.stored(name)?;
        let running = self.running.lock().await;
        let r = running.get(name);
        let (t, limits) = match (
            r.and_then(|r| r.tasks.iter().find(|t| t.id == task)),
            r.and_then(|r| r.template.as_ref()),
        ) {
            (Some(t), Some(template)) => (t, template.limits),
            _ => return Err(WorkerError::TaskNotFound(name.to_owned(), task)),
        };
        Ok(serde_json::json!({
            "id": {"connector": name, "task": task},
            "paths": t.grants.dirs.iter().map(|d| serde_json::json!({
                "path": d.dir.display().to_string(),
                "access": if d.write { "read_write" } else { "read" },
            })).collect::<Vec<_>>(),
            "hosts": t.grants.hosts,
            // The clusters only: their client settings may hold secrets.
            "kafka_clusters": t.grants.kafka.clusters.iter().map(|c| serde_json::json!({
                "name": c.name,
                "bootstrap_servers": c.bootstrap_servers,
            })).collect::<Vec<_>>(),
            "memory_limit_bytes": limits.memory_bytes,
            // The threshold in effect (null: renewal off).
            "memory_renew_bytes": super::renew::threshold(&limits),
            "call_timeout_ms": limits.call_timeout.as_millis() as u64,
            "environment": false,
        }))
    }

    /// `DELETE /connectors/{name}`: stop its tasks (committing what they
    /// did), stop the connector, forget it. Offsets are kept, as in Apache.
    pub async fn delete_connector(&self, name: &str) -> Result<(), WorkerError> {
        self.stored(name)?;
        let removed = self.running.lock().await.remove(name);
        if let Some(running) = removed {
            self.stop_running(name, running).await;
        }
        self.shared.configs.remove(name)?;
        self.shared.statuses.remove(name);
        tracing::info!(connector = %name, "Deleted connector");
        Ok(())
    }

    /// Stop every connector (SIGINT/SIGTERM): tasks commit their offsets.
    pub async fn shutdown(&self) {
        let all = std::mem::take(&mut *self.running.lock().await);
        for (name, running) in all {
            self.stop_running(&name, running).await;
        }
    }

    /// Stop a connector's tasks (each commits what it did) and its plugin
    /// instance.
    pub(super) async fn stop_running(&self, name: &str, running: Running) {
        self.stop_tasks(name, running.tasks).await;
        if let Some((sandbox, handle)) = running.sandbox {
            self.stop_instance(name, sandbox, handle).await;
        }
    }

    /// Tell tasks to stop and wait for them, at most
    /// `task.shutdown.graceful.timeout.ms` each.
    pub(super) async fn stop_tasks(&self, name: &str, tasks: Vec<RunningTask>) {
        for task in &tasks {
            let _ = task.control.send(TargetState::Stopped);
        }
        for mut task in tasks {
            if tokio::time::timeout(self.shared.shutdown_timeout, &mut task.join)
                .await
                .is_err()
            {
                tracing::warn!(
                    connector = %name,
                    task = task.id,
                    timeout_ms = self.shared.shutdown_timeout.as_millis() as u64,
                    "Task did not stop within task.shutdown.graceful.timeout.ms; cancelling it"
                );
                task.join.abort();
            }
            self.shared.metrics.remove_task(&task.metrics);
        }
    }

    /// Stop a connector's plugin instance.
    pub(super) async fn stop_instance(
        &self,
        name: &str,
        mut sandbox: Sandbox,
        handle: ConnectorHandle,
    ) {
        // In the connector's span: what the plugin logs while it stops
        // is attributed to it.
        let span = tracing::info_span!("connector", connector = %name);
        async {
            let stopped = match &handle {
                ConnectorHandle::Source(h) => sandbox.stop_source_connector(h).await,
                ConnectorHandle::Sink(h) => sandbox.stop_sink_connector(h).await,
            };
            if let Err(e) = stopped {
                tracing::warn!("Connector did not stop cleanly: {e}");
            }
            sandbox.close_all().await;
        }
        .instrument(span)
        .await;
    }

    /// The Kafka grant of a connector's (or one of its tasks') sandbox: the
    /// clusters its configuration grants and the worker's own cluster.
    fn kafka_grant(
        &self,
        connector: &str,
        task: Option<u32>,
        explicit: &crate::plugin::Grants,
    ) -> crate::plugin::kafka::KafkaGrant {
        crate::plugin::kafka::KafkaGrant {
            clusters: explicit.kafka.clusters.clone(),
            target: Some(self.shared.kafka.clone()),
            connector: connector.to_owned(),
            client_id: match task {
                Some(t) => format!("connector-consumer-{connector}-{t}"),
                None => format!("connector-consumer-{connector}"),
            },
        }
    }

    /// The plugin's own checks of a configuration (beyond its config
    /// definitions), run in a sandbox with no grants. A plugin that cannot
    /// answer is reported as a problem too. Kafka client settings are
    /// left out, as from every configuration a plugin sees.
    pub async fn plugin_problems(
        &self,
        plugin: &Arc<PluginInfo>,
        config: &Entries,
    ) -> Vec<wasm_connect_sdk::ConfigProblem> {
        let (config, _) = kafka_grants(&plugin.manifest.config, config);
        let checked = match Sandbox::new(self.shared.engine.clone(), &Default::default()) {
            Ok(mut sandbox) => {
                let out = sandbox.validate(plugin, &config).await;
                sandbox.close_all().await;
                out
            }
            Err(e) => Err(e),
        };
        checked.unwrap_or_else(|e| {
            vec![wasm_connect_sdk::ConfigProblem {
                name: "connector.class".into(),
                message: format!("The configuration could not be checked: {e}"),
            }]
        })
    }

    /// The configuration a connector runs with: `${provider:…}` references
    /// replaced by their values (never stored, shown or logged).
    pub(super) fn resolve(&self, entries: &[(String, String)]) -> Result<Entries, WorkerError> {
        self.shared
            .providers
            .resolve(entries)
            .map_err(|e| WorkerError::BadRequest(e.to_string()))
    }

    /// The providers `${…}` references are resolved with.
    pub fn providers(&self) -> &Arc<ConfigProviders> {
        &self.shared.providers
    }

    /// Resolve the converters of a connector (its overrides, else the
    /// worker's defaults).
    fn converters(&self, config: &ConnectorConfig) -> Result<Converters, NotFound> {
        let catalog = self.shared.catalog();
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
        let catalog = self.shared.catalog();
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

    /// Check a stored connector and start it in its target state. Errors
    /// are those of [`Self::check`] and a configuration the plugin itself
    /// rejects; a plugin that fails otherwise leaves the connector FAILED
    /// (with the reason), as Apache does.
    pub(super) async fn start_checked(
        &self,
        name: &str,
        stored: &StoredConnector,
    ) -> Result<Running, WorkerError> {
        let (config, plugin) = self.check(self.resolve(&stored.config)?).await?;
        if stored.target_state == TargetState::Stopped {
            self.shared.configs.put_task_configs(name, Vec::new());
            self.shared.statuses.remove_tasks(name);
            self.shared.set_connector(name, State::Stopped, None);
            tracing::info!(connector = %name, "Connector is STOPPED: not starting it");
            return Ok(Running::default());
        }
        let startups = self.shared.metrics.worker();
        startups.connector_startup_attempts.inc();
        match self.start_instance(config, plugin, &stored.config).await {
            Ok((sandbox, handle, template)) => {
                startups.connector_startup_success.inc();
                let tasks = self.spawn_tasks(&template, stored.target_state);
                let state = match stored.target_state {
                    TargetState::Paused => State::Paused,
                    _ => State::Running,
                };
                self.shared.set_connector(name, state, None);
                Ok(Running {
                    sandbox: Some((sandbox, handle)),
                    tasks,
                    template: Some(template),
                })
            }
            Err(StartError::Rejected(problems)) => {
                startups.connector_startup_failure.inc();
                self.shared.statuses.remove(name);
                Err(WorkerError::InvalidConfig(ConfigErrors {
                    source_name: format!("connector {name}"),
                    problems,
                }))
            }
            Err(StartError::Failed(trace)) => {
                startups.connector_startup_failure.inc();
                tracing::error!(connector = %name, "Connector failed to start: {trace}");
                self.shared.set_connector(name, State::Failed, Some(trace));
                Ok(Running::default())
            }
        }
    }

    /// Create a connector's plugin instance and ask it for its task
    /// configurations (stored for `GET /connectors/{name}/tasks`).
    /// `raw` is the connector's configuration as stored: task
    /// configurations are stored and shown with its `${…}` references in
    /// place of the secrets they resolve to.
    pub(super) async fn start_instance(
        &self,
        config: ConnectorConfig,
        plugin: Arc<PluginInfo>,
        raw: &Entries,
    ) -> Result<(Sandbox, ConnectorHandle, TaskTemplate), StartError> {
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
        let (plugin_config, clusters) = kafka_grants(&plugin.manifest.config, &config.entries);
        let (plugin_config, mut grants) =
            grants_for(&plugin.manifest.config, &plugin_config, &self.shared.cwd);
        let mut explicit = explicit_grants(&config.entries, &self.shared.cwd, &mut Vec::new());
        explicit.kafka.clusters = clusters;
        grants.merge(&explicit);
        grants.kafka = self.kafka_grant(&name, None, &explicit);
        let limits = crate::config::plugin_limits(
            &config.entries,
            self.shared.default_limits,
            &mut Vec::new(),
        );
        let restarts = crate::config::RestartPolicy::from_entries(
            &config.entries,
            self.shared.default_restarts,
            &mut Vec::new(),
        );
        let span = tracing::info_span!("connector", connector = %name);
        // Made in the connector's span, so its plugins' standard output and
        // error are attributed to the connector.
        let mut sandbox = span
            .in_scope(|| Sandbox::with_limits(self.shared.engine.clone(), &grants, limits))
            .map_err(|e| fail(e.to_string()))?;
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
        let task_configs: Vec<Entries> = task_configs
            .into_iter()
            .take(config.tasks_max as usize)
            .collect();
        self.shared.configs.put_task_configs(
            &name,
            task_configs
                .iter()
                .map(|t| restore_variables(raw, t.clone()))
                .collect(),
        );
        span.in_scope(|| tracing::info!(tasks = task_configs.len(), plugin = %plugin.name(), "Connector started"));
        Ok((
            sandbox,
            handle,
            TaskTemplate {
                config,
                plugin,
                kind,
                converters,
                steps,
                task_configs,
                limits,
                restarts,
                explicit,
            },
        ))
    }

    /// Start every task of a connector.
    pub(super) fn spawn_tasks(
        &self,
        template: &TaskTemplate,
        initial: TargetState,
    ) -> Vec<RunningTask> {
        (0..template.task_configs.len() as u32)
            .filter_map(|id| self.spawn_task(template, id, initial))
            .collect()
    }

    /// Start task `id` of a connector in its own sandbox.
    pub(super) fn spawn_task(
        &self,
        template: &TaskTemplate,
        id: u32,
        initial: TargetState,
    ) -> Option<RunningTask> {
        let task_config = template.task_configs.get(id as usize)?;
        // Task configs come from the plugin: derive grants from them too,
        // but Kafka clusters only from the connector's own configuration.
        let (task_config, _) = kafka_grants(&template.plugin.manifest.config, task_config);
        let (task_config, mut grants) = grants_for(
            &template.plugin.manifest.config,
            &task_config,
            &self.shared.cwd,
        );
        grants.merge(&template.explicit);
        grants.kafka = self.kafka_grant(&template.config.name, Some(id), &template.explicit);
        let effective = grants.clone();
        let kind = template.kind;
        let aliases: Vec<String> = template.steps.iter().map(|s| s.alias.clone()).collect();
        let metrics = self.shared.metrics.add_task(
            &template.config.name,
            id,
            match kind {
                ConnectorType::Source => crate::metrics::TaskKind::Source,
                ConnectorType::Sink => crate::metrics::TaskKind::Sink,
            },
            &aliases,
        );
        let (started_tx, started_rx) = watch::channel(0u64);
        let ctx = TaskContext {
            shared: self.shared.clone(),
            connector: template.config.clone(),
            task: id,
            plugin: template.plugin.clone(),
            config: task_config,
            grants,
            converters: template.converters.clone(),
            steps: template.steps.clone(),
            limits: template.limits,
            metrics,
            started: started_tx,
        };
        let task_metrics = ctx.metrics.clone();
        let (control_tx, control_rx) = watch::channel(initial);
        let connector = ctx.connector.name.clone();
        let shared = ctx.shared.clone();
        let span = tracing::info_span!("task", connector = %connector, task = id);
        shared.set_task(&connector, id, State::Running, None);
        let restarts = template.restarts;
        let join = tokio::spawn(
            async move {
                let mut control = control_rx;
                let mut attempt = 0u32;
                loop {
                    let started = tokio::time::Instant::now();
                    ctx.metrics.attempt();
                    let result = run_task(&ctx, kind, &mut control).await;
                    let e = match result {
                        Ok(()) => {
                            tracing::info!("Task stopped");
                            shared.set_task(&connector, id, State::Unassigned, None);
                            shared.metrics.remove_task(&ctx.metrics);
                            return;
                        }
                        Err(e) => e,
                    };
                    ctx.metrics.attempt_failed();
                    // A task that ran well for a while starts counting anew.
                    if started.elapsed() >= restarts.backoff_max {
                        attempt = 0;
                    }
                    if attempt >= restarts.max_attempts || super::is_stopped(&control) {
                        let trace = match attempt {
                            0 => e.to_string(),
                            n => format!("{e} (gave up after {n} automatic restart(s))"),
                        };
                        tracing::error!("Task failed: {trace}");
                        shared.set_task(&connector, id, State::Failed, Some(trace));
                        return;
                    }
                    attempt += 1;
                    ctx.metrics.restarts.inc();
                    let wait = restarts.backoff(attempt);
                    tracing::warn!(
                        attempt,
                        of = restarts.max_attempts,
                        wait_ms = wait.as_millis() as u64,
                        "Task failed, restarting it: {e}"
                    );
                    shared.set_task(
                        &connector,
                        id,
                        State::Restarting,
                        Some(format!(
                            "{e} (automatic restart {attempt} of {} in {} ms)",
                            restarts.max_attempts,
                            wait.as_millis()
                        )),
                    );
                    tokio::select! {
                        _ = tokio::time::sleep(wait) => {}
                        _ = super::stopped(&mut control) => {}
                    }
                    if super::is_stopped(&control) {
                        shared.set_task(&connector, id, State::Unassigned, None);
                        shared.metrics.remove_task(&ctx.metrics);
                        return;
                    }
                    shared.set_task(&connector, id, State::Running, None);
                }
            }
            .instrument(span),
        );
        Some(RunningTask {
            id,
            grants: effective,
            control: control_tx,
            join,
            metrics: task_metrics,
            started: started_rx,
        })
    }
}

/// Run one attempt of a task in a fresh sandbox.
async fn run_task(
    ctx: &TaskContext,
    kind: ConnectorType,
    control: &mut super::Control,
) -> Result<(), super::TaskError> {
    let mut sandbox = Sandbox::with_limits(ctx.shared.engine.clone(), &ctx.grants, ctx.limits)?;
    let result = match kind {
        ConnectorType::Source => source::run(ctx, &mut sandbox, control).await,
        ConnectorType::Sink => sink::run(ctx, &mut sandbox, control).await,
    };
    sandbox.close_all().await;
    result
}

/// Why a connector did not start.
pub(super) enum StartError {
    /// The plugin (or a converter lookup) rejected the configuration.
    Rejected(Vec<String>),
    /// It failed otherwise; the connector is kept as FAILED.
    Failed(String),
}
