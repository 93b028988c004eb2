//! Connect's logical types and the Java names Apache's messages use.

use wasm_connect_sdk::layout::NodeKind;
use wasm_connect_sdk::{Schema, SchemaType};

/// `org.apache.kafka.connect.data.Decimal`.
pub const DECIMAL: &str = "org.apache.kafka.connect.data.Decimal";
/// `org.apache.kafka.connect.data.Date`.
pub const DATE: &str = "org.apache.kafka.connect.data.Date";
/// `org.apache.kafka.connect.data.Time`.
pub const TIME: &str = "org.apache.kafka.connect.data.Time";
/// `org.apache.kafka.connect.data.Timestamp`.
pub const TIMESTAMP: &str = "org.apache.kafka.connect.data.Timestamp";

/// Milliseconds in a day: the bound of a Time value.
pub const MILLIS_PER_DAY: i64 = 24 * 60 * 60 * 1000;

/// Which logical converter Apache's JsonConverter picks for a schema: by
/// name only, whatever the schema's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Logical {
    /// Not a logical type.
    None,
    /// Decimal (bytes of the unscaled value, parameter `scale`).
    Decimal,
    /// Date (int32 days since the epoch).
    Date,
    /// Time (int32 milliseconds of the day).
    Time,
    /// Timestamp (int64 milliseconds since the epoch).
    Timestamp,
}

impl Logical {
    /// The logical type a schema names.
    pub fn of(schema: &Schema) -> Logical {
        match schema.name.as_deref() {
            Some(DECIMAL) => Logical::Decimal,
            Some(DATE) => Logical::Date,
            Some(TIME) => Logical::Time,
            Some(TIMESTAMP) => Logical::Timestamp,
            _ => Logical::None,
        }
    }

    /// The schema type that carries this logical type in a batch.
    pub fn base_type(self) -> Option<SchemaType> {
        match self {
            Logical::None => None,
            Logical::Decimal => Some(SchemaType::Bytes),
            Logical::Date | Logical::Time => Some(SchemaType::Int32),
            Logical::Timestamp => Some(SchemaType::Int64),
        }
    }

    /// The simple name Apache's messages use (`Invalid type for Date, ...`).
    pub fn simple_name(self) -> &'static str {
        match self {
            Logical::None => "",
            Logical::Decimal => "Decimal",
            Logical::Date => "Date",
            Logical::Time => "Time",
            Logical::Timestamp => "Timestamp",
        }
    }
}

/// A Decimal schema's scale, with the messages of Apache's `Decimal.scale`.
pub fn decimal_scale(schema: &Schema) -> Result<i32, String> {
    let text = schema
        .parameters
        .iter()
        .rev()
        .find(|(k, _)| k == "scale")
        .map(|(_, v)| v.as_str())
        .ok_or("Invalid Decimal schema: scale parameter not found.")?;
    text.parse::<i32>()
        .map_err(|_| "Invalid scale parameter found in Decimal schema: ".to_owned())
}

/// `Schema.Type`'s Java enum name (`INT32`, `FLOAT64`, ...).
pub fn type_name(t: SchemaType) -> &'static str {
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

/// `value.getClass()` as Java prints it, for the Java object Apache would
/// hold for a value of this kind.
pub fn java_class(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::Null => "null",
        NodeKind::Boolean => "class java.lang.Boolean",
        NodeKind::Int8 => "class java.lang.Byte",
        NodeKind::Int16 => "class java.lang.Short",
        NodeKind::Int32 => "class java.lang.Integer",
        NodeKind::Int64 => "class java.lang.Long",
        NodeKind::Float32 => "class java.lang.Float",
        NodeKind::Float64 => "class java.lang.Double",
        NodeKind::String => "class java.lang.String",
        NodeKind::Bytes => "class [B",
        NodeKind::Array => "class java.util.ArrayList",
        NodeKind::Map => "class java.util.HashMap",
        NodeKind::Struct => "class org.apache.kafka.connect.data.Struct",
    }
}
