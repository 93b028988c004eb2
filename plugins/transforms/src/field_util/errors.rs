//! Error text as Apache's `Requirements` and Connect's data classes word
//! it, and the Java class names those messages show.

use wasm_connect_sdk::SchemaDef;
use wasm_connect_sdk::layout::{Node, NodeKind};
use wasm_connect_sdk::prelude::*;

use super::{DATE, DECIMAL, TIME, TIMESTAMP};

/// `Requirements.requireMap`'s message.
pub fn not_a_map(purpose: &str, found: &str) -> PluginError {
    PluginError::data(format!(
        "Only Map objects supported in absence of schema for [{purpose}], found: {found}"
    ))
}

/// `Requirements.requireStruct`'s message.
pub fn not_a_struct(purpose: &str, found: &str) -> PluginError {
    PluginError::data(format!(
        "Only Struct objects supported for [{purpose}], found: {found}"
    ))
}

/// `SchemaBuilder.field`'s message for a name used twice.
pub fn duplicate_field(name: &str) -> String {
    format!("Cannot create field because of field name duplication {name}")
}

/// Apache's `Schema.Type` name (`INT32`, `STRUCT`, ...).
pub fn java_type_name(t: SchemaType) -> &'static str {
    match t {
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

/// The Java class Apache's runtime holds for a value, for error messages:
/// what `getClass().getName()` returns. Collections are what Apache's
/// converters build (`ArrayList`, `HashMap`); logical types follow the
/// schema (`Date` for Date/Time/Timestamp, `BigDecimal` for Decimal).
pub fn java_class(node: Node, schema: Option<&SchemaDef>) -> &'static str {
    let logical = schema.and_then(|s| s.name.as_deref());
    match NodeKind::from_u8(node.kind) {
        None | Some(NodeKind::Null) => "null",
        Some(NodeKind::Boolean) => "java.lang.Boolean",
        Some(NodeKind::Int8) => "java.lang.Byte",
        Some(NodeKind::Int16) => "java.lang.Short",
        Some(NodeKind::Int32) if matches!(logical, Some(DATE | TIME)) => "java.util.Date",
        Some(NodeKind::Int32) => "java.lang.Integer",
        Some(NodeKind::Int64) if logical == Some(TIMESTAMP) => "java.util.Date",
        Some(NodeKind::Int64) => "java.lang.Long",
        Some(NodeKind::Float32) => "java.lang.Float",
        Some(NodeKind::Float64) => "java.lang.Double",
        Some(NodeKind::String) => "java.lang.String",
        Some(NodeKind::Bytes) if logical == Some(DECIMAL) => "java.math.BigDecimal",
        Some(NodeKind::Bytes) => "[B",
        Some(NodeKind::Array) => "java.util.ArrayList",
        Some(NodeKind::Map) => "java.util.HashMap",
        Some(NodeKind::Struct) => "org.apache.kafka.connect.data.Struct",
    }
}
