//! The traits a plugin author implements, one per plugin kind, and the
//! [`Registry`] that [`crate::export_plugins!`] builds from them.

use crate::batch::Batch;
use crate::config::{Config, ConfigProblem, Manifest};
use crate::error::PluginError;

/// Shorthand for results of plugin calls.
pub type Result<T, E = PluginError> = std::result::Result<T, E>;

/// A source partition and its stored offset, both JSON objects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceOffset {
    /// The source partition, e.g. `{"filename":"/tmp/in.txt"}`.
    pub partition: String,
    /// The offset, e.g. `{"position":1024}`.
    pub offset: String,
}

/// A topic partition.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TopicPartition {
    /// The topic.
    pub topic: String,
    /// The partition.
    pub partition: i32,
}

/// A topic partition and an offset (for commits: the next offset to read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicPartitionOffset {
    /// The topic.
    pub topic: String,
    /// The partition.
    pub partition: i32,
    /// The offset.
    pub offset: i64,
}

/// What a converter converts (the WIT `target`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Record keys.
    Key,
    /// Record values.
    Value,
    /// Header values.
    Headers,
}

/// A source connector (Apache's `SourceConnector`).
pub trait SourceConnector: Sized + 'static {
    /// The task type this connector's tasks run.
    type Task: SourceTask;
    /// What the plugin says about itself.
    fn manifest() -> Manifest;
    /// Problems with `config` beyond types and required keys.
    fn validate(_config: &Config) -> Vec<ConfigProblem> {
        Vec::new()
    }
    /// Start with the connector's configuration.
    fn start(config: Config) -> Result<Self>;
    /// Configurations for at most `max_tasks` tasks.
    fn task_configs(&mut self, max_tasks: u32) -> Result<Vec<Config>>;
    /// Stop.
    fn stop(&mut self) {}
}

/// A source task (Apache's `SourceTask`).
pub trait SourceTask: Sized + 'static {
    /// Start with a task configuration and every stored offset of the
    /// connector.
    fn start(config: Config, offsets: Vec<SourceOffset>) -> Result<Self>;
    /// The records available now; an empty batch when there are none.
    fn poll(&mut self) -> Result<Batch>;
    /// The host stored these offsets durably.
    fn commit(&mut self, _offsets: &[SourceOffset]) -> Result<()> {
        Ok(())
    }
    /// Stop.
    fn stop(&mut self) {}
}

/// A sink connector (Apache's `SinkConnector`).
pub trait SinkConnector: Sized + 'static {
    /// The task type this connector's tasks run.
    type Task: SinkTask;
    /// What the plugin says about itself.
    fn manifest() -> Manifest;
    /// Problems with `config` beyond types and required keys.
    fn validate(_config: &Config) -> Vec<ConfigProblem> {
        Vec::new()
    }
    /// Start with the connector's configuration.
    fn start(config: Config) -> Result<Self>;
    /// Configurations for at most `max_tasks` tasks.
    fn task_configs(&mut self, max_tasks: u32) -> Result<Vec<Config>>;
    /// Stop.
    fn stop(&mut self) {}
}

/// A sink task (Apache's `SinkTask`).
pub trait SinkTask: Sized + 'static {
    /// Start with a task configuration.
    fn start(config: Config) -> Result<Self>;
    /// The task now owns these partitions.
    fn open(&mut self, _partitions: &[TopicPartition]) -> Result<()> {
        Ok(())
    }
    /// Write (or buffer) the records.
    fn put(&mut self, records: &Batch) -> Result<()>;
    /// Make everything put so far durable; return the offsets that are safe
    /// to commit (by default, all of them).
    fn flush(&mut self, offsets: Vec<TopicPartitionOffset>) -> Result<Vec<TopicPartitionOffset>> {
        Ok(offsets)
    }
    /// The task no longer owns these partitions.
    fn close(&mut self, _partitions: &[TopicPartition]) -> Result<()> {
        Ok(())
    }
    /// Stop.
    fn stop(&mut self) {}
}

/// A converter (Apache's `Converter`, and `HeaderConverter` when
/// [`Converter::HEADERS`] is true). Converters work on a whole batch in
/// place: [`Target`] says which part of each record to convert.
pub trait Converter: Sized + 'static {
    /// Whether the converter can also be a `header.converter`.
    const HEADERS: bool = false;
    /// Whether the converter can be a `key.converter`/`value.converter`
    /// (false for header converters only, like SimpleHeaderConverter).
    const KEYS_AND_VALUES: bool = true;
    /// What the plugin says about itself (kind: converter).
    fn manifest() -> Manifest;
    /// Configure for `target`.
    fn configure(config: Config, target: Target) -> Result<Self>;
    /// Replace each target with bytes (or null) and no schema.
    #[allow(
        clippy::wrong_self_convention,
        reason = "Apache's name (fromConnectData)"
    )]
    fn from_connect(&mut self, records: &mut Batch) -> Result<()>;
    /// Replace each target (bytes or null) with Connect data and a schema.
    fn to_connect(&mut self, records: &mut Batch) -> Result<()>;
}

/// A single message transform (Apache's `Transformation`).
pub trait Transform: Sized + 'static {
    /// What the plugin says about itself.
    fn manifest() -> Manifest;
    /// Configure.
    fn configure(config: Config) -> Result<Self>;
    /// Transform the records; drop, change or add as needed.
    fn apply(&mut self, records: Batch) -> Result<Batch>;
}

/// A predicate (Apache's `Predicate`).
pub trait Predicate: Sized + 'static {
    /// What the plugin says about itself.
    fn manifest() -> Manifest;
    /// Configure.
    fn configure(config: Config) -> Result<Self>;
    /// One answer per record.
    fn test(&mut self, records: &Batch) -> Result<Vec<bool>>;
}

/// A config provider (Apache's `ConfigProvider`): resolves
/// `${<name>:<path>:<key>}` references for the worker.
pub trait ConfigProvider: Sized + 'static {
    /// What the plugin says about itself.
    fn manifest() -> Manifest;
    /// Configure with the `config.providers.<name>.param.*` settings.
    fn configure(config: Config) -> Result<Self>;
    /// The values of `keys` at `path`; leave out keys that do not exist.
    /// Error messages must not contain secret values.
    fn get(&mut self, path: &str, keys: &[String]) -> Result<Vec<(String, String)>>;
}

/// Object-safe view of a running source connector.
pub trait DynSourceConnector {
    /// See [`SourceConnector::task_configs`].
    fn task_configs(&mut self, max_tasks: u32) -> Result<Vec<Config>>;
    /// See [`SourceConnector::stop`].
    fn stop(&mut self);
}

impl<T: SourceConnector> DynSourceConnector for T {
    fn task_configs(&mut self, max_tasks: u32) -> Result<Vec<Config>> {
        SourceConnector::task_configs(self, max_tasks)
    }
    fn stop(&mut self) {
        SourceConnector::stop(self)
    }
}

/// Object-safe view of a running source task.
pub trait DynSourceTask {
    /// See [`SourceTask::poll`].
    fn poll(&mut self) -> Result<Batch>;
    /// See [`SourceTask::commit`].
    fn commit(&mut self, offsets: &[SourceOffset]) -> Result<()>;
    /// See [`SourceTask::stop`].
    fn stop(&mut self);
}

impl<T: SourceTask> DynSourceTask for T {
    fn poll(&mut self) -> Result<Batch> {
        SourceTask::poll(self)
    }
    fn commit(&mut self, offsets: &[SourceOffset]) -> Result<()> {
        SourceTask::commit(self, offsets)
    }
    fn stop(&mut self) {
        SourceTask::stop(self)
    }
}

/// Object-safe view of a running sink connector.
pub trait DynSinkConnector {
    /// See [`SinkConnector::task_configs`].
    fn task_configs(&mut self, max_tasks: u32) -> Result<Vec<Config>>;
    /// See [`SinkConnector::stop`].
    fn stop(&mut self);
}

impl<T: SinkConnector> DynSinkConnector for T {
    fn task_configs(&mut self, max_tasks: u32) -> Result<Vec<Config>> {
        SinkConnector::task_configs(self, max_tasks)
    }
    fn stop(&mut self) {
        SinkConnector::stop(self)
    }
}

/// Object-safe view of a running sink task.
pub trait DynSinkTask {
    /// See [`SinkTask::open`].
    fn open(&mut self, partitions: &[TopicPartition]) -> Result<()>;
    /// See [`SinkTask::put`].
    fn put(&mut self, records: &Batch) -> Result<()>;
    /// See [`SinkTask::flush`].
    fn flush(&mut self, offsets: Vec<TopicPartitionOffset>) -> Result<Vec<TopicPartitionOffset>>;
    /// See [`SinkTask::close`].
    fn close(&mut self, partitions: &[TopicPartition]) -> Result<()>;
    /// See [`SinkTask::stop`].
    fn stop(&mut self);
}

impl<T: SinkTask> DynSinkTask for T {
    fn open(&mut self, partitions: &[TopicPartition]) -> Result<()> {
        SinkTask::open(self, partitions)
    }
    fn put(&mut self, records: &Batch) -> Result<()> {
        SinkTask::put(self, records)
    }
    fn flush(&mut self, offsets: Vec<TopicPartitionOffset>) -> Result<Vec<TopicPartitionOffset>> {
        SinkTask::flush(self, offsets)
    }
    fn close(&mut self, partitions: &[TopicPartition]) -> Result<()> {
        SinkTask::close(self, partitions)
    }
    fn stop(&mut self) {
        SinkTask::stop(self)
    }
}

/// Object-safe view of a configured converter.
pub trait DynConverter {
    /// See [`Converter::from_connect`].
    #[allow(
        clippy::wrong_self_convention,
        reason = "Apache's name (fromConnectData)"
    )]
    fn from_connect(&mut self, records: &mut Batch) -> Result<()>;
    /// See [`Converter::to_connect`].
    fn to_connect(&mut self, records: &mut Batch) -> Result<()>;
}

impl<T: Converter> DynConverter for T {
    fn from_connect(&mut self, records: &mut Batch) -> Result<()> {
        Converter::from_connect(self, records)
    }
    fn to_connect(&mut self, records: &mut Batch) -> Result<()> {
        Converter::to_connect(self, records)
    }
}

/// Object-safe view of a configured transform.
pub trait DynTransform {
    /// See [`Transform::apply`].
    fn apply(&mut self, records: Batch) -> Result<Batch>;
}

impl<T: Transform> DynTransform for T {
    fn apply(&mut self, records: Batch) -> Result<Batch> {
        Transform::apply(self, records)
    }
}

/// Object-safe view of a configured predicate.
pub trait DynPredicate {
    /// See [`Predicate::test`].
    fn test(&mut self, records: &Batch) -> Result<Vec<bool>>;
}

impl<T: Predicate> DynPredicate for T {
    fn test(&mut self, records: &Batch) -> Result<Vec<bool>> {
        Predicate::test(self, records)
    }
}

/// Object-safe view of a configured config provider.
pub trait DynConfigProvider {
    /// See [`ConfigProvider::get`].
    fn get(&mut self, path: &str, keys: &[String]) -> Result<Vec<(String, String)>>;
}

impl<T: ConfigProvider> DynConfigProvider for T {
    fn get(&mut self, path: &str, keys: &[String]) -> Result<Vec<(String, String)>> {
        ConfigProvider::get(self, path, keys)
    }
}

/// A source connector plugin in a [`Registry`].
pub struct SourceEntry {
    /// Its manifest.
    pub manifest: Manifest,
    /// Its extra validation.
    pub validate: fn(&Config) -> Vec<ConfigProblem>,
    /// Starts the connector.
    pub create_connector: fn(Config) -> Result<Box<dyn DynSourceConnector>>,
    /// Starts a task.
    pub create_task: fn(Config, Vec<SourceOffset>) -> Result<Box<dyn DynSourceTask>>,
}

/// A sink connector plugin in a [`Registry`].
pub struct SinkEntry {
    /// Its manifest.
    pub manifest: Manifest,
    /// Its extra validation.
    pub validate: fn(&Config) -> Vec<ConfigProblem>,
    /// Starts the connector.
    pub create_connector: fn(Config) -> Result<Box<dyn DynSinkConnector>>,
    /// Starts a task.
    pub create_task: fn(Config) -> Result<Box<dyn DynSinkTask>>,
}

/// A converter plugin in a [`Registry`].
pub struct ConverterEntry {
    /// Its manifest.
    pub manifest: Manifest,
    /// Whether it can convert headers.
    pub headers: bool,
    /// Whether it can convert keys and values.
    pub keys_and_values: bool,
    /// Configures it.
    pub create: fn(Config, Target) -> Result<Box<dyn DynConverter>>,
}

/// A transform plugin in a [`Registry`].
pub struct TransformEntry {
    /// Its manifest.
    pub manifest: Manifest,
    /// Configures it.
    pub create: fn(Config) -> Result<Box<dyn DynTransform>>,
}

/// A predicate plugin in a [`Registry`].
pub struct PredicateEntry {
    /// Its manifest.
    pub manifest: Manifest,
    /// Configures it.
    pub create: fn(Config) -> Result<Box<dyn DynPredicate>>,
}

/// A config provider plugin in a [`Registry`].
pub struct ConfigProviderEntry {
    /// Its manifest.
    pub manifest: Manifest,
    /// Configures it.
    pub create: fn(Config) -> Result<Box<dyn DynConfigProvider>>,
}

/// The plugins a component holds, by kind.
#[derive(Default)]
pub struct Registry {
    /// Source connectors.
    pub sources: Vec<SourceEntry>,
    /// Sink connectors.
    pub sinks: Vec<SinkEntry>,
    /// Converters.
    pub converters: Vec<ConverterEntry>,
    /// Transforms.
    pub transforms: Vec<TransformEntry>,
    /// Predicates.
    pub predicates: Vec<PredicateEntry>,
    /// Config providers.
    pub config_providers: Vec<ConfigProviderEntry>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Add source connector `T`.
    pub fn source<T: SourceConnector>(&mut self) -> &mut Self {
        fn connector<T: SourceConnector>(c: Config) -> Result<Box<dyn DynSourceConnector>> {
            Ok(Box::new(T::start(c)?))
        }
        fn task<T: SourceConnector>(
            c: Config,
            o: Vec<SourceOffset>,
        ) -> Result<Box<dyn DynSourceTask>> {
            Ok(Box::new(<T::Task as SourceTask>::start(c, o)?))
        }
        self.sources.push(SourceEntry {
            manifest: T::manifest(),
            validate: T::validate,
            create_connector: connector::<T>,
            create_task: task::<T>,
        });
        self
    }

    /// Add sink connector `T`.
    pub fn sink<T: SinkConnector>(&mut self) -> &mut Self {
        fn connector<T: SinkConnector>(c: Config) -> Result<Box<dyn DynSinkConnector>> {
            Ok(Box::new(T::start(c)?))
        }
        fn task<T: SinkConnector>(c: Config) -> Result<Box<dyn DynSinkTask>> {
            Ok(Box::new(<T::Task as SinkTask>::start(c)?))
        }
        self.sinks.push(SinkEntry {
            manifest: T::manifest(),
            validate: T::validate,
            create_connector: connector::<T>,
            create_task: task::<T>,
        });
        self
    }

    /// Add converter `T`.
    pub fn converter<T: Converter>(&mut self) -> &mut Self {
        fn create<T: Converter>(c: Config, t: Target) -> Result<Box<dyn DynConverter>> {
            Ok(Box::new(T::configure(c, t)?))
        }
        self.converters.push(ConverterEntry {
            manifest: T::manifest(),
            headers: T::HEADERS,
            keys_and_values: T::KEYS_AND_VALUES,
            create: create::<T>,
        });
        self
    }

    /// Add transform `T`.
    pub fn transform<T: Transform>(&mut self) -> &mut Self {
        fn create<T: Transform>(c: Config) -> Result<Box<dyn DynTransform>> {
            Ok(Box::new(T::configure(c)?))
        }
        self.transforms.push(TransformEntry {
            manifest: T::manifest(),
            create: create::<T>,
        });
        self
    }

    /// Add predicate `T`.
    pub fn predicate<T: Predicate>(&mut self) -> &mut Self {
        fn create<T: Predicate>(c: Config) -> Result<Box<dyn DynPredicate>> {
            Ok(Box::new(T::configure(c)?))
        }
        self.predicates.push(PredicateEntry {
            manifest: T::manifest(),
            create: create::<T>,
        });
        self
    }

    /// Add config provider `T`.
    pub fn config_provider<T: ConfigProvider>(&mut self) -> &mut Self {
        fn create<T: ConfigProvider>(c: Config) -> Result<Box<dyn DynConfigProvider>> {
            Ok(Box::new(T::configure(c)?))
        }
        self.config_providers.push(ConfigProviderEntry {
            manifest: T::manifest(),
            create: create::<T>,
        });
        self
    }

    /// Every manifest, converters that handle headers listed a second time
    /// as header converters (as Apache lists `StringConverter` under both).
    pub fn manifests(&self) -> Vec<Manifest> {
        let mut out: Vec<Manifest> = Vec::new();
        out.extend(self.sources.iter().map(|e| e.manifest.clone()));
        out.extend(self.sinks.iter().map(|e| e.manifest.clone()));
        for e in &self.converters {
            if e.keys_and_values {
                out.push(e.manifest.clone());
            }
            if e.headers {
                let mut header = e.manifest.clone();
                header.kind = crate::config::PluginKind::HeaderConverter;
                out.push(header);
            }
        }
        out.extend(self.transforms.iter().map(|e| e.manifest.clone()));
        out.extend(self.predicates.iter().map(|e| e.manifest.clone()));
        out.extend(self.config_providers.iter().map(|e| e.manifest.clone()));
        out
    }

    /// Extra validation of `config` for the plugin named `plugin`.
    pub fn validate(&self, plugin: &str, config: &Config) -> Vec<ConfigProblem> {
        if let Some(e) = self.sources.iter().find(|e| e.manifest.name == plugin) {
            return (e.validate)(config);
        }
        if let Some(e) = self.sinks.iter().find(|e| e.manifest.name == plugin) {
            return (e.validate)(config);
        }
        Vec::new()
    }

    /// The source connector named `plugin`.
    pub fn find_source(&self, plugin: &str) -> Result<&SourceEntry> {
        self.sources
            .iter()
            .find(|e| e.manifest.name == plugin)
            .ok_or_else(|| not_here("source connector", plugin))
    }

    /// The sink connector named `plugin`.
    pub fn find_sink(&self, plugin: &str) -> Result<&SinkEntry> {
        self.sinks
            .iter()
            .find(|e| e.manifest.name == plugin)
            .ok_or_else(|| not_here("sink connector", plugin))
    }

    /// The converter named `plugin`.
    pub fn find_converter(&self, plugin: &str) -> Result<&ConverterEntry> {
        self.converters
            .iter()
            .find(|e| e.manifest.name == plugin)
            .ok_or_else(|| not_here("converter", plugin))
    }

    /// The transform named `plugin`.
    pub fn find_transform(&self, plugin: &str) -> Result<&TransformEntry> {
        self.transforms
            .iter()
            .find(|e| e.manifest.name == plugin)
            .ok_or_else(|| not_here("transform", plugin))
    }

    /// The predicate named `plugin`.
    pub fn find_predicate(&self, plugin: &str) -> Result<&PredicateEntry> {
        self.predicates
            .iter()
            .find(|e| e.manifest.name == plugin)
            .ok_or_else(|| not_here("predicate", plugin))
    }
}

impl Registry {
    /// The config provider named `plugin`.
    pub fn find_config_provider(&self, plugin: &str) -> Result<&ConfigProviderEntry> {
        self.config_providers
            .iter()
            .find(|e| e.manifest.name == plugin)
            .ok_or_else(|| not_here("config provider", plugin))
    }
}

fn not_here(kind: &str, plugin: &str) -> PluginError {
    PluginError::config(format!("this component holds no {kind} named {plugin}"))
}

/// The set of plugins a component exports; implemented by
/// [`crate::export_plugins!`].
pub trait PluginSet: 'static {
    /// The component's plugins.
    fn registry() -> &'static Registry;
}
