//! Conversions between the SDK's plain types (shared with plugins) and the
//! types `bindgen!` generated for the host. They move vectors, never copy
//! the byte buffers.

use wasm_connect_sdk as sdk;
use wasm_connect_sdk::SchemaType;

use super::bindings::wasm_connect::plugin::types as wit;

/// A batch as the host bindings want it.
pub fn batch_to_wit(b: sdk::Batch) -> wit::Batch {
    wit::Batch {
        data: b.data,
        records: b.records,
        headers: b.headers,
        nodes: b.nodes,
        topics: b.topics,
        schemas: b.schemas.into_iter().map(schema_to_wit).collect(),
        source_partitions: b.source_partitions,
    }
}

/// A batch a plugin returned, as the SDK type (not yet validated).
pub fn batch_from_wit(b: wit::Batch) -> sdk::Batch {
    sdk::Batch {
        data: b.data,
        records: b.records,
        headers: b.headers,
        nodes: b.nodes,
        topics: b.topics,
        schemas: b.schemas.into_iter().map(schema_from_wit).collect(),
        source_partitions: b.source_partitions,
    }
}

fn schema_to_wit(s: sdk::SchemaDef) -> wit::Schema {
    wit::Schema {
        type_: match s.schema_type {
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
        },
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
    }
}

fn schema_from_wit(s: wit::Schema) -> sdk::SchemaDef {
    sdk::SchemaDef {
        schema_type: match s.type_ {
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
        },
        optional: s.optional,
        name: s.name,
        version: s.version,
        doc: s.doc,
        parameters: s.parameters,
        default_value: s.default_value,
        key_schema: s.key_schema,
        value_schema: s.value_schema,
        fields: s.fields.into_iter().map(|f| (f.name, f.schema)).collect(),
    }
}

/// A plugin error as the SDK type.
pub fn error_from_wit(e: wit::PluginError) -> sdk::PluginError {
    sdk::PluginError {
        kind: match e.kind {
            wit::ErrorKind::Config => sdk::ErrorKind::Config,
            wit::ErrorKind::Data => sdk::ErrorKind::Data,
            wit::ErrorKind::Retriable => sdk::ErrorKind::Retriable,
            wit::ErrorKind::Fatal => sdk::ErrorKind::Fatal,
        },
        message: e.message,
        record: e.record,
    }
}

/// A manifest as the SDK type.
pub fn manifest_from_wit(m: wit::PluginManifest) -> sdk::Manifest {
    sdk::Manifest {
        kind: match m.kind {
            wit::PluginKind::SourceConnector => sdk::PluginKind::SourceConnector,
            wit::PluginKind::SinkConnector => sdk::PluginKind::SinkConnector,
            wit::PluginKind::Converter => sdk::PluginKind::Converter,
            wit::PluginKind::HeaderConverter => sdk::PluginKind::HeaderConverter,
            wit::PluginKind::Transform => sdk::PluginKind::Transform,
            wit::PluginKind::Predicate => sdk::PluginKind::Predicate,
            wit::PluginKind::ConfigProvider => sdk::PluginKind::ConfigProvider,
        },
        name: m.name,
        aliases: m.aliases,
        version: m.version,
        description: m.description,
        config: m
            .config
            .into_iter()
            .map(|d| sdk::ConfigDef {
                name: d.name,
                config_type: match d.type_ {
                    wit::ConfigType::Boolean => sdk::ConfigType::Boolean,
                    wit::ConfigType::String => sdk::ConfigType::String,
                    wit::ConfigType::Int => sdk::ConfigType::Int,
                    wit::ConfigType::Long => sdk::ConfigType::Long,
                    wit::ConfigType::Short => sdk::ConfigType::Short,
                    wit::ConfigType::Double => sdk::ConfigType::Double,
                    wit::ConfigType::List => sdk::ConfigType::List,
                    wit::ConfigType::Class => sdk::ConfigType::Class,
                    wit::ConfigType::Password => sdk::ConfigType::Password,
                },
                default_value: d.default_value,
                importance: match d.importance {
                    wit::Importance::High => sdk::Importance::High,
                    wit::Importance::Medium => sdk::Importance::Medium,
                    wit::Importance::Low => sdk::Importance::Low,
                },
                documentation: d.documentation,
                group: d.group,
                access: match d.access {
                    wit::PathAccess::None => sdk::PathAccess::None,
                    wit::PathAccess::ReadFile => sdk::PathAccess::ReadFile,
                    wit::PathAccess::WriteFile => sdk::PathAccess::WriteFile,
                    wit::PathAccess::ReadDir => sdk::PathAccess::ReadDir,
                    wit::PathAccess::WriteDir => sdk::PathAccess::WriteDir,
                },
            })
            .collect(),
    }
}
