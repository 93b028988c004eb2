//! Conversions between the SDK's plain types (shared with plugins) and the
//! types `bindgen!` generated for the host. They move vectors, never copy
//! the byte buffers.

use wasm_connect_sdk as sdk;
use wasm_connect_sdk::SchemaType;

use super::bindings::wasm_connect::plugin::types as wit;

/// Topic partitions as `open`/`close` take them, from `(topic, partition)`
/// pairs (an assignment, offsets' keys, a consumer's list).
pub fn topic_partitions<'a>(
    pairs: impl IntoIterator<Item = (&'a str, i32)>,
) -> Vec<wit::TopicPartition> {
    pairs
        .into_iter()
        .map(|(topic, partition)| wit::TopicPartition {
            topic: topic.to_owned(),
            partition,
        })
        .collect()
}

/// A batch as the host bindings want it (the host always sends all data).
pub fn batch_to_wit(mut b: sdk::Batch) -> wit::Batch {
    let data = b.take_data();
    descriptors_to_wit(b, 0, data)
}

/// A batch built on one the other side holds (`share_all` marked its
/// data): only the bytes added since, after a `data-base`.
pub fn batch_to_wit_appended(mut b: sdk::Batch) -> wit::Batch {
    let (data_base, data) = b.take_unshared_data();
    descriptors_to_wit(b, data_base, data)
}

fn descriptors_to_wit(b: sdk::Batch, data_base: u32, data: Vec<u8>) -> wit::Batch {
    wit::Batch {
        data,
        data_base,
        records: b.records,
        headers: b.headers,
        nodes: b.nodes,
        topics: b.topics,
        schemas: b.schemas.into_iter().map(schema_to_wit).collect(),
        source_partitions: b.source_partitions,
    }
}

/// A batch a plugin returned, as the SDK type (not yet validated). With a
/// `data-base`, the returned bytes follow that many bytes of `given`, the
/// data of the batch the call received; `None` when the call received none.
pub fn batch_from_wit(b: wit::Batch, given: Option<Vec<u8>>) -> Result<sdk::Batch, String> {
    let data = match (b.data_base, given) {
        (0, _) => b.data,
        (base, Some(mut given)) if base as usize <= given.len() => {
            given.truncate(base as usize);
            given.extend_from_slice(&b.data);
            given
        }
        (base, Some(given)) => {
            return Err(format!(
                "its data-base {base} is larger than the {} bytes of data it was given",
                given.len()
            ));
        }
        (base, None) => {
            return Err(format!(
                "its data-base is {base}, but the call was given no batch to build on"
            ));
        }
    };
    Ok(sdk::Batch::from_parts(
        data,
        0,
        b.records,
        b.headers,
        b.nodes,
        b.topics,
        b.schemas.into_iter().map(schema_from_wit).collect(),
        b.source_partitions,
    ))
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
                    wit::PathAccess::KafkaCluster => sdk::PathAccess::KafkaCluster,
                },
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn returned(data: &[u8], data_base: u32) -> wit::Batch {
        let mut b = batch_to_wit(sdk::Batch::new());
        b.data = data.to_vec();
        b.data_base = data_base;
        b
    }

    #[test]
    fn returned_data_builds_on_the_given_bytes() {
        let joined = batch_from_wit(returned(b"XY", 3), Some(b"abcdef".to_vec())).unwrap();
        assert_eq!(joined.data(), b"abcXY");
        let whole = batch_from_wit(returned(b"new", 0), Some(b"old".to_vec())).unwrap();
        assert_eq!(whole.data(), b"new");
        assert_eq!(
            batch_from_wit(returned(b"", 9), Some(b"abc".to_vec()))
                .err()
                .unwrap(),
            "its data-base 9 is larger than the 3 bytes of data it was given"
        );
        assert_eq!(
            batch_from_wit(returned(b"", 1), None).err().unwrap(),
            "its data-base is 1, but the call was given no batch to build on"
        );
    }
}
