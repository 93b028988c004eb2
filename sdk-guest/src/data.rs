//! Kafka Connect's data model as plain Rust values: [`Schema`], [`Value`],
//! [`Struct`], [`Record`] and [`Header`].
//!
//! These are the friendly, owned forms. Batches hold the same data in the
//! packed layout of [`crate::layout`]; [`crate::Batch`] converts between
//! the two, and offers borrowed views ([`crate::ValueRef`]) for code that
//! must not allocate per record.

use std::fmt;
use std::sync::Arc;

use crate::layout::TimestampType;

/// The type of a schema (Apache's `Schema.Type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SchemaType {
    /// 8-bit signed integer.
    Int8,
    /// 16-bit signed integer.
    Int16,
    /// 32-bit signed integer.
    Int32,
    /// 64-bit signed integer.
    Int64,
    /// 32-bit IEEE 754 float.
    Float32,
    /// 64-bit IEEE 754 float.
    Float64,
    /// Boolean.
    Boolean,
    /// UTF-8 text.
    String,
    /// Bytes.
    Bytes,
    /// A list of values of one schema.
    Array,
    /// A map from keys of one schema to values of another.
    Map,
    /// Named fields, each with its own schema.
    Struct,
}

impl SchemaType {
    /// The lower-case name Apache uses in JSON schemas (`int32`, `struct`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Self::Int8 => "int8",
            Self::Int16 => "int16",
            Self::Int32 => "int32",
            Self::Int64 => "int64",
            Self::Float32 => "float",
            Self::Float64 => "double",
            Self::Boolean => "boolean",
            Self::String => "string",
            Self::Bytes => "bytes",
            Self::Array => "array",
            Self::Map => "map",
            Self::Struct => "struct",
        }
    }

    /// Whether this is a primitive (not array, map or struct).
    pub fn is_primitive(self) -> bool {
        !matches!(self, Self::Array | Self::Map | Self::Struct)
    }
}

/// A field of a struct schema.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// The field's name.
    pub name: String,
    /// The field's schema.
    pub schema: Arc<Schema>,
}

/// A Connect schema (Apache's `Schema`).
#[derive(Debug, Clone, PartialEq)]
pub struct Schema {
    /// The type.
    pub schema_type: SchemaType,
    /// Whether null is allowed.
    pub optional: bool,
    /// The name (structs, logical types).
    pub name: Option<String>,
    /// The version.
    pub version: Option<i32>,
    /// Documentation.
    pub doc: Option<String>,
    /// Parameters, in order.
    pub parameters: Vec<(String, String)>,
    /// The default value.
    pub default: Option<Value>,
    /// Map key schema.
    pub key_schema: Option<Arc<Schema>>,
    /// Array item schema or map value schema.
    pub value_schema: Option<Arc<Schema>>,
    /// Struct fields, in order.
    pub fields: Vec<Field>,
}

impl Schema {
    /// A required schema of a primitive type with nothing else set.
    pub fn new(schema_type: SchemaType) -> Self {
        Self {
            schema_type,
            optional: false,
            name: None,
            version: None,
            doc: None,
            parameters: Vec::new(),
            default: None,
            key_schema: None,
            value_schema: None,
            fields: Vec::new(),
        }
    }

    /// An optional schema of a primitive type (Apache's `OPTIONAL_*_SCHEMA`).
    pub fn optional(schema_type: SchemaType) -> Self {
        Self {
            optional: true,
            ..Self::new(schema_type)
        }
    }

    /// An array of `items`.
    pub fn array(items: Arc<Schema>) -> Self {
        Self {
            value_schema: Some(items),
            ..Self::new(SchemaType::Array)
        }
    }

    /// A map from `keys` to `values`.
    pub fn map(keys: Arc<Schema>, values: Arc<Schema>) -> Self {
        Self {
            key_schema: Some(keys),
            value_schema: Some(values),
            ..Self::new(SchemaType::Map)
        }
    }

    /// A struct with `fields`, in order.
    pub fn structure(fields: Vec<Field>) -> Self {
        Self {
            fields,
            ..Self::new(SchemaType::Struct)
        }
    }

    /// This schema, made optional.
    pub fn into_optional(mut self) -> Self {
        self.optional = true;
        self
    }

    /// This schema with a name.
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The field called `name` and its position.
    pub fn field(&self, name: &str) -> Option<(usize, &Field)> {
        self.fields.iter().enumerate().find(|(_, f)| f.name == name)
    }
}

/// A struct value: its schema and one value per field, in schema order.
#[derive(Debug, Clone, PartialEq)]
pub struct Struct {
    /// The struct's schema (type [`SchemaType::Struct`]).
    pub schema: Arc<Schema>,
    /// One value per field of the schema, in order.
    pub values: Vec<Value>,
}

impl Struct {
    /// A struct of `schema` with every field null.
    pub fn new(schema: Arc<Schema>) -> Self {
        let values = vec![Value::Null; schema.fields.len()];
        Self { schema, values }
    }

    /// The value of field `name`.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.schema
            .field(name)
            .and_then(|(index, _)| self.values.get(index))
    }

    /// Set field `name`; false when the schema has no such field.
    pub fn put(&mut self, name: &str, value: Value) -> bool {
        match self.schema.field(name) {
            Some((index, _)) => match self.values.get_mut(index) {
                Some(slot) => {
                    *slot = value;
                    true
                }
                None => false,
            },
            None => false,
        }
    }
}

/// A Connect value, with or without a schema.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    /// Null.
    #[default]
    Null,
    /// A boolean.
    Boolean(bool),
    /// An 8-bit integer.
    Int8(i8),
    /// A 16-bit integer.
    Int16(i16),
    /// A 32-bit integer.
    Int32(i32),
    /// A 64-bit integer.
    Int64(i64),
    /// A 32-bit float.
    Float32(f32),
    /// A 64-bit float.
    Float64(f64),
    /// Text.
    String(String),
    /// Bytes.
    Bytes(Vec<u8>),
    /// A list.
    Array(Vec<Value>),
    /// A map, as key/value pairs in order.
    Map(Vec<(Value, Value)>),
    /// A struct.
    Struct(Struct),
}

impl Value {
    /// Whether this is null.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}

impl From<Vec<u8>> for Value {
    fn from(b: Vec<u8>) -> Self {
        Value::Bytes(b)
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int64(v)
    }
}

impl From<i32> for Value {
    fn from(v: i32) -> Self {
        Value::Int32(v)
    }
}

impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Boolean(v)
    }
}

/// Writes a value the way Java's `toString()` writes the same Connect value,
/// because that is what Apache's FileStreamSink and StringConverter emit and
/// users compare our output with theirs: `Struct{a=1,b=x}`, `[1, 2]`,
/// `{k=v}`, floats as Java prints them (`1.0`, `1.0E7`).
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Boolean(b) => write!(f, "{b}"),
            Value::Int8(v) => write!(f, "{v}"),
            Value::Int16(v) => write!(f, "{v}"),
            Value::Int32(v) => write!(f, "{v}"),
            Value::Int64(v) => write!(f, "{v}"),
            Value::Float32(v) => f.write_str(&crate::java::float_to_string(*v)),
            Value::Float64(v) => f.write_str(&crate::java::double_to_string(*v)),
            Value::String(s) => f.write_str(s),
            Value::Bytes(b) => crate::java::write_bytes(f, b),
            Value::Array(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
            Value::Map(entries) => {
                f.write_str("{")?;
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k}={v}")?;
                }
                f.write_str("}")
            }
            Value::Struct(s) => {
                f.write_str("Struct{")?;
                let mut first = true;
                for (field, value) in s.schema.fields.iter().zip(&s.values) {
                    // Apache's Struct.toString skips null fields.
                    if value.is_null() {
                        continue;
                    }
                    if !first {
                        f.write_str(",")?;
                    }
                    first = false;
                    write!(f, "{}={value}", field.name)?;
                }
                f.write_str("}")
            }
        }
    }
}

/// A record header: a key and a value with an optional schema.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    /// The header's key.
    pub key: String,
    /// The value's schema, if any.
    pub schema: Option<Arc<Schema>>,
    /// The value.
    pub value: Value,
}

/// A record, as a source task produces it or a sink task receives it
/// (Apache's `SourceRecord` and `SinkRecord` in one type).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Record {
    /// The topic.
    pub topic: String,
    /// The Kafka partition, when known or wanted.
    pub partition: Option<i32>,
    /// The Kafka offset (sink records).
    pub offset: Option<i64>,
    /// The timestamp in ms since the epoch.
    pub timestamp: Option<i64>,
    /// How the timestamp was set.
    pub timestamp_type: TimestampType,
    /// The key's schema.
    pub key_schema: Option<Arc<Schema>>,
    /// The key.
    pub key: Value,
    /// The value's schema.
    pub value_schema: Option<Arc<Schema>>,
    /// The value.
    pub value: Value,
    /// The headers, in order.
    pub headers: Vec<Header>,
    /// The source partition as a JSON object (source records).
    pub source_partition: Option<String>,
    /// The source offset as a JSON object (source records).
    pub source_offset: Option<String>,
}

impl Record {
    /// A record for `topic` with a null key and a null value.
    pub fn new(topic: impl Into<String>) -> Self {
        Self {
            topic: topic.into(),
            ..Self::default()
        }
    }

    /// This record with `value` and its schema.
    pub fn with_value(mut self, schema: Option<Arc<Schema>>, value: Value) -> Self {
        self.value_schema = schema;
        self.value = value;
        self
    }

    /// This record with `key` and its schema.
    pub fn with_key(mut self, schema: Option<Arc<Schema>>, key: Value) -> Self {
        self.key_schema = schema;
        self.key = key;
        self
    }

    /// This record with a source partition and offset, both JSON objects.
    pub fn with_source(mut self, partition: impl Into<String>, offset: impl Into<String>) -> Self {
        self.source_partition = Some(partition.into());
        self.source_offset = Some(offset.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_matches_java_to_string() {
        let schema = Arc::new(Schema::structure(vec![
            Field {
                name: "id".into(),
                schema: Arc::new(Schema::new(SchemaType::Int32)),
            },
            Field {
                name: "gone".into(),
                schema: Arc::new(Schema::optional(SchemaType::String)),
            },
            Field {
                name: "tags".into(),
                schema: Arc::new(Schema::array(Arc::new(Schema::new(SchemaType::String)))),
            },
        ]));
        let mut s = Struct::new(schema);
        assert!(s.put("id", Value::Int32(7)));
        assert!(s.put("tags", Value::Array(vec!["a".into(), "b".into()])));
        assert!(!s.put("missing", Value::Null));
        assert_eq!(Value::Struct(s).to_string(), "Struct{id=7,tags=[a, b]}");
        assert_eq!(
            Value::Map(vec![(Value::from("k"), Value::Float64(1e7))]).to_string(),
            "{k=1.0E7}"
        );
    }
}
