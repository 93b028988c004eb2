//! The glue between the generated component bindings and the SDK's traits:
//! every exported interface is implemented once, for every [`PluginSet`],
//! by looking the requested plugin up in the set's [`Registry`].

use std::cell::RefCell;

use crate::__bindings::exports::wasm_connect::plugin::{
    config_provider as wit_config_provider, converter as wit_converter, plugins as wit_plugins,
    predicate as wit_predicate, sink as wit_sink, source as wit_source, transform as wit_transform,
};
use crate::__bindings::wasm_connect::plugin::types as wit;
use crate::batch::{Batch, SchemaDef};
use crate::config::{Config, ConfigDef, ConfigType, Importance, Manifest, PathAccess, PluginKind};
use crate::data::SchemaType;
use crate::error::{ErrorKind, PluginError};
use crate::plugin::{
    DynConfigProvider, DynConverter, DynPredicate, DynSinkConnector, DynSinkTask,
    DynSourceConnector, DynSourceTask, DynTransform, PluginSet, SourceOffset, Target,
    TopicPartition, TopicPartitionOffset,
};

type WitResult<T> = Result<T, wit::PluginError>;

fn err(e: PluginError) -> wit::PluginError {
    wit::PluginError {
        kind: match e.kind {
            ErrorKind::Config => wit::ErrorKind::Config,
            ErrorKind::Data => wit::ErrorKind::Data,
            ErrorKind::Retriable => wit::ErrorKind::Retriable,
            ErrorKind::Fatal => wit::ErrorKind::Fatal,
        },
        message: e.message,
        record: e.record,
    }
}

fn schema_type_to_wit(t: SchemaType) -> wit::SchemaType {
    match t {
        SchemaType::Int8 => wit::SchemaType::Int8,
        SchemaType::Int16 => wit::SchemaType::Int16,
        SchemaType::Int32 => wit::SchemaType::Int32,
        SchemaType::Int64 => wit::SchemaType::Int64,
        SchemaType::Float32 => wit::SchemaType::Float32,
        SchemaType::Float64 => wit::SchemaType::Float64,
        SchemaType::Boolean => wit::SchemaType::Boolean,
        SchemaType::String => wit::SchemaType::String,
        SchemaType::Bytes => wit::SchemaType::Bytes,
        SchemaType::Array => wit::SchemaType::Array,
        SchemaType::Map => wit::SchemaType::Map,
        SchemaType::Struct => wit::SchemaType::Struct,
    }
}

fn schema_type_from_wit(t: wit::SchemaType) -> SchemaType {
    match t {
        wit::SchemaType::Int8 => SchemaType::Int8,
        wit::SchemaType::Int16 => SchemaType::Int16,
        wit::SchemaType::Int32 => SchemaType::Int32,
        wit::SchemaType::Int64 => SchemaType::Int64,
        wit::SchemaType::Float32 => SchemaType::Float32,
        wit::SchemaType::Float64 => SchemaType::Float64,
        wit::SchemaType::Boolean => SchemaType::Boolean,
        wit::SchemaType::String => SchemaType::String,
        wit::SchemaType::Bytes => SchemaType::Bytes,
        wit::SchemaType::Array => SchemaType::Array,
        wit::SchemaType::Map => SchemaType::Map,
        wit::SchemaType::Struct => SchemaType::Struct,
    }
}

/// An error the host's `kafka` interface returned, as the SDK type.
pub(crate) fn error_from_host(e: wit::PluginError) -> PluginError {
    PluginError {
        kind: match e.kind {
            wit::ErrorKind::Config => ErrorKind::Config,
            wit::ErrorKind::Data => ErrorKind::Data,
            wit::ErrorKind::Retriable => ErrorKind::Retriable,
            wit::ErrorKind::Fatal => ErrorKind::Fatal,
        },
        message: e.message,
        record: e.record,
    }
}

/// A batch from the host given to a call: all its data is held by the host
/// too, so only bytes appended here go back (the WIT's `data-base` rule).
fn batch_from_wit(b: wit::Batch) -> Batch {
    let mut batch = batch_from_host(b);
    batch.share_all();
    batch
}

/// A batch the host returned from one of its own functions (records polled
/// from Kafka): none of its data counts as the host's, so a source task
/// that returns it from `poll` sends it whole, as `poll` must.
pub(crate) fn batch_from_host(b: wit::Batch) -> Batch {
    Batch::from_parts(
        b.data,
        0,
        b.records,
        b.headers,
        b.nodes,
        b.topics,
        b.schemas
            .into_iter()
            .map(|s| SchemaDef {
                schema_type: schema_type_from_wit(s.type_),
                optional: s.optional,
                name: s.name,
                version: s.version,
                doc: s.doc,
                parameters: s.parameters,
                default_value: s.default_value,
                key_schema: s.key_schema,
                value_schema: s.value_schema,
                fields: s.fields.into_iter().map(|f| (f.name, f.schema)).collect(),
            })
            .collect(),
        b.source_partitions,
    )
}

fn batch_to_wit(mut b: Batch) -> wit::Batch {
    let (data_base, data) = b.take_unshared_data();
    wit::Batch {
        data,
        data_base,
        records: b.records,
        headers: b.headers,
        nodes: b.nodes,
        topics: b.topics,
        schemas: b
            .schemas
            .into_iter()
            .map(|s| wit::Schema {
                type_: schema_type_to_wit(s.schema_type),
                optional: s.optional,
                name: s.name,
                version: s.version,
                doc: s.doc,
                parameters: s.parameters,
                default_value: s.default_value,
                key_schema: s.key_schema,
                value_schema: s.value_schema,
                fields: s
                    .fields
                    .into_iter()
                    .map(|(name, schema)| wit::Field { name, schema })
                    .collect(),
            })
            .collect(),
        source_partitions: b.source_partitions,
    }
}

fn config_def_to_wit(d: ConfigDef) -> wit::ConfigDef {
    wit::ConfigDef {
        name: d.name,
        type_: match d.config_type {
            ConfigType::Boolean => wit::ConfigType::Boolean,
            ConfigType::String => wit::ConfigType::String,
            ConfigType::Int => wit::ConfigType::Int,
            ConfigType::Long => wit::ConfigType::Long,
            ConfigType::Short => wit::ConfigType::Short,
            ConfigType::Double => wit::ConfigType::Double,
            ConfigType::List => wit::ConfigType::List,
            ConfigType::Class => wit::ConfigType::Class,
            ConfigType::Password => wit::ConfigType::Password,
        },
        default_value: d.default_value,
        importance: match d.importance {
            Importance::High => wit::Importance::High,
            Importance::Medium => wit::Importance::Medium,
            Importance::Low => wit::Importance::Low,
        },
        documentation: d.documentation,
        group: d.group,
        access: match d.access {
            PathAccess::None => wit::PathAccess::None,
            PathAccess::ReadFile => wit::PathAccess::ReadFile,
            PathAccess::WriteFile => wit::PathAccess::WriteFile,
            PathAccess::ReadDir => wit::PathAccess::ReadDir,
            PathAccess::WriteDir => wit::PathAccess::WriteDir,
            PathAccess::KafkaCluster => wit::PathAccess::KafkaCluster,
        },
    }
}

fn manifest_to_wit(m: Manifest) -> wit::PluginManifest {
    wit::PluginManifest {
        kind: match m.kind {
            PluginKind::SourceConnector => wit::PluginKind::SourceConnector,
            PluginKind::SinkConnector => wit::PluginKind::SinkConnector,
            PluginKind::Converter => wit::PluginKind::Converter,
            PluginKind::HeaderConverter => wit::PluginKind::HeaderConverter,
            PluginKind::Transform => wit::PluginKind::Transform,
            PluginKind::Predicate => wit::PluginKind::Predicate,
            PluginKind::ConfigProvider => wit::PluginKind::ConfigProvider,
        },
        name: m.name,
        aliases: m.aliases,
        version: m.version,
        description: m.description,
        config: m.config.into_iter().map(config_def_to_wit).collect(),
    }
}

fn configs_to_wit(configs: Vec<Config>) -> Vec<wit::Config> {
    configs.into_iter().map(Config::into_entries).collect()
}

fn tpo_from_wit(v: Vec<wit::TopicPartitionOffset>) -> Vec<TopicPartitionOffset> {
    v.into_iter()
        .map(|t| TopicPartitionOffset {
            topic: t.topic,
            partition: t.partition,
            offset: t.offset,
        })
        .collect()
}

fn tp_from_wit(v: Vec<wit::TopicPartition>) -> Vec<TopicPartition> {
    v.into_iter()
        .map(|t| TopicPartition {
            topic: t.topic,
            partition: t.partition,
        })
        .collect()
}

impl<T: PluginSet> wit_plugins::Guest for T {
    fn manifests() -> Vec<wit::PluginManifest> {
        T::registry()
            .manifests()
            .into_iter()
            .map(manifest_to_wit)
            .collect()
    }

    fn validate(plugin: String, config: wit::Config) -> Vec<wit::ConfigProblem> {
        T::registry()
            .validate(&plugin, &Config::from(config))
            .into_iter()
            .map(|p| wit::ConfigProblem {
                name: p.name,
                message: p.message,
            })
            .collect()
    }
}

/// A running source connector behind a WIT resource.
pub struct SourceConnectorResource(RefCell<Box<dyn DynSourceConnector>>);
/// A running source task behind a WIT resource.
pub struct SourceTaskResource(RefCell<Box<dyn DynSourceTask>>);

impl<T: PluginSet> wit_source::Guest for T {
    type SourceConnector = SourceConnectorResource;
    type SourceTask = SourceTaskResource;

    fn create_connector(
        plugin: String,
        config: wit::Config,
    ) -> WitResult<wit_source::SourceConnector> {
        let entry = T::registry().find_source(&plugin).map_err(err)?;
        let inner = (entry.create_connector)(Config::from(config)).map_err(err)?;
        Ok(wit_source::SourceConnector::new(SourceConnectorResource(
            RefCell::new(inner),
        )))
    }

    fn create_task(
        plugin: String,
        config: wit::Config,
        offsets: Vec<wit::SourceOffset>,
    ) -> WitResult<wit_source::SourceTask> {
        let entry = T::registry().find_source(&plugin).map_err(err)?;
        let offsets = offsets
            .into_iter()
            .map(|o| SourceOffset {
                partition: o.partition,
                offset: o.offset,
            })
            .collect();
        let inner = (entry.create_task)(Config::from(config), offsets).map_err(err)?;
        Ok(wit_source::SourceTask::new(SourceTaskResource(
            RefCell::new(inner),
        )))
    }
}

impl wit_source::GuestSourceConnector for SourceConnectorResource {
    fn task_configs(&self, max_tasks: u32) -> WitResult<Vec<wit::Config>> {
        self.0
            .borrow_mut()
            .task_configs(max_tasks)
            .map(configs_to_wit)
            .map_err(err)
    }

    fn stop(&self) {
        self.0.borrow_mut().stop()
    }
}

impl wit_source::GuestSourceTask for SourceTaskResource {
    fn poll(&self) -> WitResult<wit::Batch> {
        self.0.borrow_mut().poll().map(batch_to_wit).map_err(err)
    }

    fn commit(&self, offsets: Vec<wit::SourceOffset>) -> WitResult<()> {
        let offsets: Vec<SourceOffset> = offsets
            .into_iter()
            .map(|o| SourceOffset {
                partition: o.partition,
                offset: o.offset,
            })
            .collect();
        self.0.borrow_mut().commit(&offsets).map_err(err)
    }

    fn stop(&self) {
        self.0.borrow_mut().stop()
    }
}

/// A running sink connector behind a WIT resource.
pub struct SinkConnectorResource(RefCell<Box<dyn DynSinkConnector>>);
/// A running sink task behind a WIT resource.
pub struct SinkTaskResource(RefCell<Box<dyn DynSinkTask>>);

impl<T: PluginSet> wit_sink::Guest for T {
    type SinkConnector = SinkConnectorResource;
    type SinkTask = SinkTaskResource;

    fn create_connector(plugin: String, config: wit::Config) -> WitResult<wit_sink::SinkConnector> {
        let entry = T::registry().find_sink(&plugin).map_err(err)?;
        let inner = (entry.create_connector)(Config::from(config)).map_err(err)?;
        Ok(wit_sink::SinkConnector::new(SinkConnectorResource(
            RefCell::new(inner),
        )))
    }

    fn create_task(plugin: String, config: wit::Config) -> WitResult<wit_sink::SinkTask> {
        let entry = T::registry().find_sink(&plugin).map_err(err)?;
        let inner = (entry.create_task)(Config::from(config)).map_err(err)?;
        Ok(wit_sink::SinkTask::new(SinkTaskResource(RefCell::new(
            inner,
        ))))
    }
}

impl wit_sink::GuestSinkConnector for SinkConnectorResource {
    fn task_configs(&self, max_tasks: u32) -> WitResult<Vec<wit::Config>> {
        self.0
            .borrow_mut()
            .task_configs(max_tasks)
            .map(configs_to_wit)
            .map_err(err)
    }

    fn stop(&self) {
        self.0.borrow_mut().stop()
    }
}

impl wit_sink::GuestSinkTask for SinkTaskResource {
    fn open(&self, partitions: Vec<wit::TopicPartition>) -> WitResult<()> {
        self.0
            .borrow_mut()
            .open(&tp_from_wit(partitions))
            .map_err(err)
    }

    fn put(&self, records: wit::Batch) -> WitResult<()> {
        self.0
            .borrow_mut()
            .put(&batch_from_wit(records))
            .map_err(err)
    }

    fn flush(
        &self,
        offsets: Vec<wit::TopicPartitionOffset>,
    ) -> WitResult<Vec<wit::TopicPartitionOffset>> {
        self.0
            .borrow_mut()
            .flush(tpo_from_wit(offsets))
            .map(|v| {
                v.into_iter()
                    .map(|t| wit::TopicPartitionOffset {
                        topic: t.topic,
                        partition: t.partition,
                        offset: t.offset,
                    })
                    .collect()
            })
            .map_err(err)
    }

    fn close(&self, partitions: Vec<wit::TopicPartition>) -> WitResult<()> {
        self.0
            .borrow_mut()
            .close(&tp_from_wit(partitions))
            .map_err(err)
    }

    fn stop(&self) {
        self.0.borrow_mut().stop()
    }
}

/// A configured converter behind a WIT resource.
pub struct ConverterResource(RefCell<Box<dyn DynConverter>>);

impl<T: PluginSet> wit_converter::Guest for T {
    type Converter = ConverterResource;

    fn create(
        plugin: String,
        config: wit::Config,
        target: wit_converter::Target,
    ) -> WitResult<wit_converter::Converter> {
        let entry = T::registry().find_converter(&plugin).map_err(err)?;
        let target = match target {
            wit_converter::Target::Key => Target::Key,
            wit_converter::Target::Value => Target::Value,
            wit_converter::Target::Headers => Target::Headers,
        };
        if target == Target::Headers && !entry.headers {
            return Err(err(PluginError::config(format!(
                "{plugin} cannot be used as a header converter"
            ))));
        }
        if target != Target::Headers && !entry.keys_and_values {
            return Err(err(PluginError::config(format!(
                "{plugin} is a header converter; it cannot convert keys or values"
            ))));
        }
        let inner = (entry.create)(Config::from(config), target).map_err(err)?;
        Ok(wit_converter::Converter::new(ConverterResource(
            RefCell::new(inner),
        )))
    }
}

impl wit_converter::GuestConverter for ConverterResource {
    fn from_connect(&self, records: wit::Batch) -> WitResult<wit::Batch> {
        let mut batch = batch_from_wit(records);
        self.0.borrow_mut().from_connect(&mut batch).map_err(err)?;
        Ok(batch_to_wit(batch))
    }

    fn to_connect(&self, records: wit::Batch) -> WitResult<wit::Batch> {
        let mut batch = batch_from_wit(records);
        self.0.borrow_mut().to_connect(&mut batch).map_err(err)?;
        Ok(batch_to_wit(batch))
    }
}

/// A configured transform behind a WIT resource.
pub struct TransformResource(RefCell<Box<dyn DynTransform>>);

impl<T: PluginSet> wit_transform::Guest for T {
    type Transform = TransformResource;

    fn create(plugin: String, config: wit::Config) -> WitResult<wit_transform::Transform> {
        let entry = T::registry().find_transform(&plugin).map_err(err)?;
        let inner = (entry.create)(Config::from(config)).map_err(err)?;
        Ok(wit_transform::Transform::new(TransformResource(
            RefCell::new(inner),
        )))
    }
}

impl wit_transform::GuestTransform for TransformResource {
    fn apply(&self, records: wit::Batch) -> WitResult<wit::Batch> {
        self.0
            .borrow_mut()
            .apply(batch_from_wit(records))
            .map(batch_to_wit)
            .map_err(err)
    }
}

/// A configured predicate behind a WIT resource.
pub struct PredicateResource(RefCell<Box<dyn DynPredicate>>);

impl<T: PluginSet> wit_predicate::Guest for T {
    type Predicate = PredicateResource;

    fn create(plugin: String, config: wit::Config) -> WitResult<wit_predicate::Predicate> {
        let entry = T::registry().find_predicate(&plugin).map_err(err)?;
        let inner = (entry.create)(Config::from(config)).map_err(err)?;
        Ok(wit_predicate::Predicate::new(PredicateResource(
            RefCell::new(inner),
        )))
    }
}

impl wit_predicate::GuestPredicate for PredicateResource {
    fn test(&self, records: wit::Batch) -> WitResult<Vec<u8>> {
        let batch = batch_from_wit(records);
        self.0
            .borrow_mut()
            .test(&batch)
            .map(|answers| answers.into_iter().map(u8::from).collect())
            .map_err(err)
    }
}

/// A configured config provider behind a WIT resource.
pub struct ConfigProviderResource(RefCell<Box<dyn DynConfigProvider>>);

impl<T: PluginSet> wit_config_provider::Guest for T {
    type Provider = ConfigProviderResource;

    fn create(plugin: String, config: wit::Config) -> WitResult<wit_config_provider::Provider> {
        let entry = T::registry().find_config_provider(&plugin).map_err(err)?;
        let inner = (entry.create)(Config::from(config)).map_err(err)?;
        Ok(wit_config_provider::Provider::new(ConfigProviderResource(
            RefCell::new(inner),
        )))
    }
}

impl wit_config_provider::GuestProvider for ConfigProviderResource {
    fn get(&self, path: String, keys: Vec<String>) -> WitResult<Vec<(String, String)>> {
        self.0.borrow_mut().get(&path, &keys).map_err(err)
    }
}
