//! The conversions themselves: Apache's `TimestampTranslator`s for
//! `string`, `unix`, `Date`, `Time` and `Timestamp`, going through the
//! milliseconds of a `java.util.Date`.

use wasm_connect_sdk::ValueRef;
use wasm_connect_sdk::layout::{Node, NodeKind};
use wasm_connect_sdk::prelude::*;

use crate::java_time::connect::{DATE, TIME, TIMESTAMP, schema_to_string};
use crate::java_time::lang::{class_name, class_name_of_ref};
use crate::java_time::{ONE_DAY, SimpleDateFormat};

/// A timestamp representation (Apache's translator names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    String,
    Unix,
    Date,
    Time,
    Timestamp,
}

impl Kind {
    /// The schema of a value of this kind (`typeSchema(optional)`).
    pub(super) fn schema(self, optional: bool) -> Schema {
        let (t, name) = match self {
            Kind::String => (SchemaType::String, None),
            Kind::Unix => (SchemaType::Int64, None),
            Kind::Date => (SchemaType::Int32, Some(DATE)),
            Kind::Time => (SchemaType::Int32, Some(TIME)),
            Kind::Timestamp => (SchemaType::Int64, Some(TIMESTAMP)),
        };
        let mut s = Schema::new(t);
        s.optional = optional;
        if let Some(name) = name {
            s.name = Some(name.to_owned());
            s.version = Some(1);
        }
        s
    }

    /// `timestampTypeFromSchema`.
    pub(super) fn of_schema(schema: &Schema) -> Result<Self> {
        Ok(match (schema.name.as_deref(), schema.schema_type) {
            (Some(TIMESTAMP), _) => Kind::Timestamp,
            (Some(DATE), _) => Kind::Date,
            (Some(TIME), _) => Kind::Time,
            (_, SchemaType::String) => Kind::String,
            (_, SchemaType::Int64) => Kind::Unix,
            _ => {
                return Err(PluginError::data(format!(
                    "Schema {} does not correspond to a known timestamp type format",
                    schema_to_string(schema)
                )));
            }
        })
    }
}

/// `unix.precision`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Precision {
    Seconds,
    Milliseconds,
    Microseconds,
    Nanoseconds,
}

/// A timestamp value as the Java object Apache's translators receive.
#[derive(Debug, Clone, Copy)]
pub(super) enum Input<'a> {
    Null,
    Str(&'a str),
    Int(i32),
    Long(i64),
    /// Anything else, by its Java class name.
    Other(&'static str),
}

impl<'a> Input<'a> {
    pub(super) fn of_ref(v: &ValueRef<'a>) -> Self {
        match *v {
            ValueRef::Null => Input::Null,
            ValueRef::String(s) => Input::Str(s),
            ValueRef::Int32(i) => Input::Int(i),
            ValueRef::Int64(l) => Input::Long(l),
            ref other => Input::Other(class_name_of_ref(other)),
        }
    }

    pub(super) fn of_value(v: &'a Value) -> Self {
        match v {
            Value::Null => Input::Null,
            Value::String(s) => Input::Str(s),
            Value::Int32(i) => Input::Int(*i),
            Value::Int64(l) => Input::Long(*l),
            other => Input::Other(class_name(other)),
        }
    }

    pub(super) fn class(&self) -> &'static str {
        match self {
            Input::Null => "null",
            Input::Str(_) => "java.lang.String",
            Input::Int(_) => "java.lang.Integer",
            Input::Long(_) => "java.lang.Long",
            Input::Other(c) => c,
        }
    }
}

/// A converted timestamp.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Output {
    Null,
    Str(String),
    Int(i32),
    Long(i64),
}

impl Output {
    pub(super) fn into_value(self) -> Value {
        match self {
            Output::Null => Value::Null,
            Output::Str(s) => Value::String(s),
            Output::Int(i) => Value::Int32(i),
            Output::Long(l) => Value::Int64(l),
        }
    }
}

/// The settings a conversion needs.
pub(super) struct Conversion<'a> {
    pub(super) target: Kind,
    pub(super) format: Option<&'a SimpleDateFormat>,
    pub(super) precision: Precision,
}

impl Conversion<'_> {
    /// `convertTimestamp(value, kind)`; the kind is inferred from the
    /// value when `None`.
    pub(super) fn convert(&self, value: Input<'_>, kind: Option<Kind>) -> Result<Output> {
        let schemaless = kind.is_none();
        if let Input::Null = value {
            return Ok(Output::Null);
        }
        let kind = match kind {
            Some(k) => k,
            None => match value {
                Input::Long(_) => Kind::Unix,
                Input::Str(_) => Kind::String,
                other => {
                    return Err(PluginError::data(format!(
                        "TimestampConverter does not support class {} objects as timestamps",
                        other.class()
                    )));
                }
            },
        };
        let millis = self.to_raw(kind, value)?;
        Ok(self.to_type(millis, schemaless))
    }

    /// The source translator's `toRaw`: the `java.util.Date` milliseconds.
    fn to_raw(&self, kind: Kind, value: Input<'_>) -> Result<i64> {
        let expected = |what: &str| {
            PluginError::data(format!(
                "Expected {what}, but found class {}",
                value.class()
            ))
        };
        match (kind, value) {
            (Kind::String, Input::Str(s)) => {
                let format = self.format.ok_or_else(|| {
                    PluginError::data(
                        "Cannot invoke \"java.text.SimpleDateFormat.parse(String)\" because \"config.format\" is null",
                    )
                })?;
                format.parse(s).ok_or_else(|| {
                    PluginError::data(format!(
                        "Could not parse timestamp: value ({s}) does not match pattern ({})",
                        format.pattern()
                    ))
                })
            }
            (Kind::String, _) => Err(expected("string timestamp to be a String")),
            (Kind::Unix, Input::Long(v)) => Ok(match self.precision {
                Precision::Seconds => v.saturating_mul(1000),
                Precision::Milliseconds => v,
                Precision::Microseconds => v / 1000,
                Precision::Nanoseconds => v / 1_000_000,
            }),
            (Kind::Unix, _) => Err(expected("Unix timestamp to be a Long")),
            (Kind::Date, Input::Int(days)) => Ok(i64::from(days) * ONE_DAY),
            (Kind::Date, _) => Err(expected("Date to be a java.util.Date")),
            (Kind::Time, Input::Int(ms)) => Ok(i64::from(ms)),
            (Kind::Time, _) => Err(expected("Time to be a java.util.Date")),
            (Kind::Timestamp, Input::Long(ms)) => Ok(ms),
            (Kind::Timestamp, _) => Err(expected("Timestamp to be a java.util.Date")),
        }
    }

    /// The target translator's `toType`, encoded as Connect stores it;
    /// without a schema a `java.util.Date` is its epoch milliseconds.
    fn to_type(&self, millis: i64, schemaless: bool) -> Output {
        match self.target {
            Kind::String => match self.format {
                Some(f) => Output::Str(f.format(millis)),
                None => Output::Null,
            },
            Kind::Unix => Output::Long(match self.precision {
                Precision::Seconds => millis / 1000,
                Precision::Milliseconds => millis,
                Precision::Microseconds => millis.saturating_mul(1000),
                Precision::Nanoseconds => millis.saturating_mul(1_000_000),
            }),
            Kind::Date if schemaless => Output::Long(millis.div_euclid(ONE_DAY) * ONE_DAY),
            Kind::Time if schemaless => Output::Long(millis.rem_euclid(ONE_DAY)),
            Kind::Date => Output::Int(millis.div_euclid(ONE_DAY) as i32),
            Kind::Time => Output::Int(millis.rem_euclid(ONE_DAY) as i32),
            Kind::Timestamp => Output::Long(millis),
        }
    }
}

/// The Java class of the value in a node, for messages.
pub(super) fn node_class(node: Node) -> &'static str {
    match NodeKind::from_u8(node.kind) {
        Some(NodeKind::Boolean) => "java.lang.Boolean",
        Some(NodeKind::Int8) => "java.lang.Byte",
        Some(NodeKind::Int16) => "java.lang.Short",
        Some(NodeKind::Int32) => "java.lang.Integer",
        Some(NodeKind::Int64) => "java.lang.Long",
        Some(NodeKind::Float32) => "java.lang.Float",
        Some(NodeKind::Float64) => "java.lang.Double",
        Some(NodeKind::String) => "java.lang.String",
        Some(NodeKind::Bytes) => "[B",
        Some(NodeKind::Array) => "java.util.ArrayList",
        Some(NodeKind::Map) => "java.util.HashMap",
        Some(NodeKind::Struct) => "org.apache.kafka.connect.data.Struct",
        Some(NodeKind::Null) | None => "null",
    }
}

pub(super) fn output_node(batch: &mut Batch, output: Output) -> Result<Node> {
    Ok(match output {
        Output::Null => Node::NULL,
        Output::Str(s) => {
            let (start, len) = batch.push_bytes(s.as_bytes())?;
            Node::string(start, len)
        }
        Output::Int(i) => Node::new(NodeKind::Int32, 0, i64::from(i) as u64),
        Output::Long(l) => Node::new(NodeKind::Int64, 0, l as u64),
    })
}
