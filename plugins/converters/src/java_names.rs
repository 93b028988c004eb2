//! How Java names what a converter was given, for Apache's error messages:
//! the class of a value and the name of a schema type.

use wasm_connect_sdk::SchemaType;
use wasm_connect_sdk::batch::SchemaDef;
use wasm_connect_sdk::layout::NodeKind;
use wasm_connect_sdk::values::{DATE, DECIMAL, TIME, TIMESTAMP};

/// The class of the Java object behind a node (what `getClass()` prints
/// after `class `), for Apache's error messages. Lists and maps are
/// reported as the classes Connect's own converters build.
pub(crate) fn java_class(kind: Option<NodeKind>, schema: Option<&SchemaDef>) -> &'static str {
    let name = schema.and_then(|s| s.name.as_deref());
    match kind {
        None | Some(NodeKind::Null) => "null",
        Some(NodeKind::Boolean) => "java.lang.Boolean",
        Some(NodeKind::Int8) => "java.lang.Byte",
        Some(NodeKind::Int16) => "java.lang.Short",
        Some(NodeKind::Int32) if matches!(name, Some(DATE | TIME)) => "java.util.Date",
        Some(NodeKind::Int32) => "java.lang.Integer",
        Some(NodeKind::Int64) if name == Some(TIMESTAMP) => "java.util.Date",
        Some(NodeKind::Int64) => "java.lang.Long",
        Some(NodeKind::Float32) => "java.lang.Float",
        Some(NodeKind::Float64) => "java.lang.Double",
        Some(NodeKind::String) => "java.lang.String",
        Some(NodeKind::Bytes) if name == Some(DECIMAL) => "java.math.BigDecimal",
        Some(NodeKind::Bytes) => "[B",
        Some(NodeKind::Array) => "java.util.ArrayList",
        Some(NodeKind::Map) => "java.util.HashMap",
        Some(NodeKind::Struct) => "org.apache.kafka.connect.data.Struct",
    }
}

/// The name of Java's `Schema.Type` constant (`INT32`, `FLOAT64`…), as
/// Apache's messages print a schema type.
pub(crate) fn schema_type_name(schema_type: SchemaType) -> &'static str {
    match schema_type {
        SchemaType::Int8 => "INT8",
        SchemaType::Int16 => "INT16",
        SchemaType::Int32 => "INT32",
        SchemaType::Int64 => "INT64",
        SchemaType::Float32 => "FLOAT32",
        SchemaType::Float64 => "FLOAT64",
        SchemaType::Boolean => "BOOLEAN",
        SchemaType::String => "STRING",
        SchemaType::Bytes => "BYTES",
        SchemaType::Array => "ARRAY",
        SchemaType::Map => "MAP",
        SchemaType::Struct => "STRUCT",
    }
}
