//! Apache's `TimestampConverter$Key` and `TimestampConverter$Value`:
//! convert a timestamp (the whole key or value, or one top-level field)
//! between text in a `SimpleDateFormat` pattern, Unix time, and Connect's
//! `Date`, `Time` and `Timestamp` types, in UTC.
//!
//! Like Apache, every conversion goes through a `java.util.Date`, i.e.
//! milliseconds since the epoch, so sub-millisecond precision is lost.
//! Without a schema Apache produces `java.util.Date` objects for the
//! `Date`, `Time` and `Timestamp` targets, which have no schemaless form in
//! Connect data; here they are the `int64` milliseconds of that `Date`.
//! Apache's `field` names a top-level field only (its `field.syntax.version`
//! setting belongs to `ExtractField`, not to this transform).

use std::sync::Arc;

use wasm_connect_sdk::ValueRef;
use wasm_connect_sdk::layout::{Node, NodeKind};
use wasm_connect_sdk::prelude::*;

use crate::java_time::SimpleDateFormat;
use crate::java_time::connect::{
    PerBatch, SchemaCache, copy_node, null_in_required_field, push_compound,
};
use crate::java_time::lang::{class_name_of_ref, trim};
use convert::{Conversion, Input, Kind, Output, Precision, node_class, output_node};

mod convert;

const FIELD: &str = "field";
const TARGET_TYPE: &str = "target.type";
const FORMAT: &str = "format";
const UNIX_PRECISION: &str = "unix.precision";
const REPLACE_NULL_WITH_DEFAULT: &str = "replace.null.with.default";
/// Apache's `PURPOSE`, quoted in its errors.
const PURPOSE: &str = "converting timestamp formats";

/// `org.apache.kafka.connect.transforms.TimestampConverter$Key`.
pub struct TimestampConverterKey(Converter);

/// `org.apache.kafka.connect.transforms.TimestampConverter$Value`.
pub struct TimestampConverterValue(Converter);

impl Transform for TimestampConverterKey {
    fn manifest() -> Manifest {
        manifest("Key", "key")
    }

    fn configure(config: Config) -> Result<Self> {
        Converter::configure(&config, Part::Key).map(Self)
    }

    fn apply(&mut self, records: Batch) -> Result<Batch> {
        self.0.apply(records)
    }
}

impl Transform for TimestampConverterValue {
    fn manifest() -> Manifest {
        manifest("Value", "value")
    }

    fn configure(config: Config) -> Result<Self> {
        Converter::configure(&config, Part::Value).map(Self)
    }

    fn apply(&mut self, records: Batch) -> Result<Batch> {
        self.0.apply(records)
    }
}

fn manifest(variant: &str, part: &str) -> Manifest {
    Manifest::new(
        PluginKind::Transform,
        format!("wasmconnect.transforms.TimestampConverter${variant}"),
        env!("CARGO_PKG_VERSION"),
    )
    .aliases([format!(
        "org.apache.kafka.connect.transforms.TimestampConverter${variant}"
    )])
    .description(format!(
        "Converts a timestamp in the record {part} (or one of its fields) between text, Unix time and Connect's Date, Time and Timestamp types."
    ))
    .config(
        ConfigDef::new(FIELD, ConfigType::String)
            .default_value("")
            .importance(Importance::High)
            .doc("The field holding the timestamp, or empty when the entire value is the timestamp."),
    )
    .config(
        ConfigDef::new(TARGET_TYPE, ConfigType::String)
            .importance(Importance::High)
            .doc("The timestamp representation wanted: string, unix, Date, Time or Timestamp."),
    )
    .config(
        ConfigDef::new(FORMAT, ConfigType::String)
            .default_value("")
            .importance(Importance::Medium)
            .doc("A java.text.SimpleDateFormat pattern, used to write the timestamp when target.type=string and to read it when the input is a string."),
    )
    .config(
        ConfigDef::new(UNIX_PRECISION, ConfigType::String)
            .default_value("milliseconds")
            .importance(Importance::Low)
            .doc("The precision of Unix timestamps: seconds, milliseconds, microseconds or nanoseconds; used to write them when target.type=unix and to read int64 inputs. Conversions lose anything below a millisecond."),
    )
    .config(
        ConfigDef::new(REPLACE_NULL_WITH_DEFAULT, ConfigType::Boolean)
            .default_value("true")
            .importance(Importance::Medium)
            .doc("Whether a null field that has a default value is replaced by that default (true) or stays null (false)."),
    )
}

/// How to convert values of one input schema, worked out once per batch.
struct Plan {
    /// The input schema.
    schema: Arc<Schema>,
    /// The output schema and its index in the batch.
    out: Arc<Schema>,
    index: u32,
    /// The position of the converted field in a struct.
    position: Option<usize>,
    /// The kind of the timestamp, from its schema (or Apache's error).
    kind: Result<Kind>,
}

/// The configured transform, for either part.
struct Converter {
    part: Part,
    field: String,
    target: Kind,
    format: Option<SimpleDateFormat>,
    precision: Precision,
    replace_null_with_default: bool,
    /// `typeSchema(false)` and `typeSchema(true)` of the target.
    target_schemas: [Arc<Schema>; 2],
    /// Output struct schema (or the error building it) per input schema.
    schemas: SchemaCache<Result<Arc<Schema>, PluginError>>,
}

impl Converter {
    fn configure(config: &Config, part: Part) -> Result<Self> {
        let field = trim(config.get(FIELD).unwrap_or("")).to_owned();
        let target = match trim(config.require(TARGET_TYPE)?) {
            "string" => Kind::String,
            "unix" => Kind::Unix,
            "Date" => Kind::Date,
            "Time" => Kind::Time,
            "Timestamp" => Kind::Timestamp,
            other => {
                return Err(PluginError::config(format!(
                    "Invalid value {other} for configuration {TARGET_TYPE}: String must be one of: string, unix, Date, Time, Timestamp"
                )));
            }
        };
        let pattern = trim(config.get(FORMAT).unwrap_or(""));
        let precision = match trim(config.get(UNIX_PRECISION).unwrap_or("milliseconds")) {
            "seconds" => Precision::Seconds,
            "milliseconds" => Precision::Milliseconds,
            "microseconds" => Precision::Microseconds,
            "nanoseconds" => Precision::Nanoseconds,
            other => {
                return Err(PluginError::config(format!(
                    "Invalid value {other} for configuration {UNIX_PRECISION}: String must be one of: nanoseconds, microseconds, milliseconds, seconds"
                )));
            }
        };
        let replace_null_with_default = config.get_bool(REPLACE_NULL_WITH_DEFAULT, true)?;
        if target == Kind::String && pattern.is_empty() {
            return Err(PluginError::config(
                "TimestampConverter requires format option to be specified when using string timestamps",
            ));
        }
        let format = if pattern.is_empty() {
            None
        } else {
            // Apache wraps the IllegalArgumentException in a ConfigException
            // whose constructor makes this sentence.
            Some(SimpleDateFormat::new(pattern).map_err(|e| {
                PluginError::config(format!(
                    "Invalid value java.lang.IllegalArgumentException: {e} for configuration TimestampConverter requires a SimpleDateFormat-compatible pattern for string timestamps: {pattern}"
                ))
            })?)
        };
        Ok(Self {
            part,
            field,
            target,
            format,
            precision,
            replace_null_with_default,
            target_schemas: [
                Arc::new(target.schema(false)),
                Arc::new(target.schema(true)),
            ],
            schemas: SchemaCache::new(),
        })
    }

    fn apply(&mut self, mut batch: Batch) -> Result<Batch> {
        let schemas = batch.resolve_schemas()?;
        let mut plans: PerBatch<Arc<Plan>> = PerBatch::new();
        for i in 0..batch.len() {
            let (node, schema_index) = batch.part(i, self.part)?;
            let result = match schemas.get(schema_index)? {
                None => self.schemaless(&mut batch, node).map(|n| (n, schema_index)),
                Some(schema) => plans
                    .get_or_try_insert(schema_index, || self.plan(&mut batch, schema, node))
                    .and_then(|plan| {
                        self.with_schema(&mut batch, node, &plan)
                            .map(|n| (n, plan.index))
                    }),
            };
            let (node, index) = result.map_err(|e| e.at_record(i))?;
            batch.set_part(i, self.part, node, index)?;
        }
        Ok(batch)
    }

    /// How to convert values of `schema`: its output schema (added to the
    /// batch) and where the timestamp is.
    fn plan(&mut self, batch: &mut Batch, schema: &Arc<Schema>, node: Node) -> Result<Arc<Plan>> {
        let out = self.output_schema(schema, node)?;
        let index = batch.add_schema_arc(&out)?;
        // Apache finds the timestamp's kind from its schema for every
        // record, null or not, and fails on schemas that are none.
        let (position, kind) = if self.field.is_empty() {
            (None, Kind::of_schema(schema))
        } else {
            match schema.fields.iter().position(|f| f.name == self.field) {
                Some(p) => (Some(p), Kind::of_schema(&schema.fields[p].schema)),
                None => (None, Ok(Kind::Timestamp)),
            }
        };
        Ok(Arc::new(Plan {
            schema: schema.clone(),
            out,
            index,
            position,
            kind,
        }))
    }

    /// The schema of the converted key or value.
    fn output_schema(&mut self, schema: &Arc<Schema>, node: Node) -> Result<Arc<Schema>> {
        if self.field.is_empty() {
            return Ok(self.target_schemas[usize::from(schema.optional)].clone());
        }
        // Apache checks the value before building the schema.
        if !node.is_null() && NodeKind::from_u8(node.kind) != Some(NodeKind::Struct) {
            return Err(not_a_struct(Input::Other(node_class(node)).class()));
        }
        let (field, target, target_schemas) = (&self.field, self.target, &self.target_schemas);
        let (format, precision, replace) =
            (&self.format, self.precision, self.replace_null_with_default);
        self.schemas.get_or_insert(schema, |input| {
            build_struct_schema(input, field, target_schemas, |input, v| {
                let conv = Conversion {
                    target,
                    format: format.as_ref(),
                    precision,
                };
                default_struct(input, v, field, replace, &conv)
            })
        })
    }

    fn conversion(&self) -> Conversion<'_> {
        Conversion {
            target: self.target,
            format: self.format.as_ref(),
            precision: self.precision,
        }
    }

    /// `applyWithSchema`: the new node of a key or value of the plan's
    /// schema.
    fn with_schema(&self, batch: &mut Batch, node: Node, plan: &Plan) -> Result<Node> {
        let conv = self.conversion();
        let kind = || plan.kind.clone();
        if self.field.is_empty() {
            let kind = kind()?;
            let output =
                conv.convert(Input::of_ref(&batch.value(node, "the value")?), Some(kind))?;
            return output_node(batch, output);
        }
        let (schema, out) = (&*plan.schema, &*plan.out);
        if node.is_null() {
            return Ok(Node::NULL);
        }
        if node.kind != NodeKind::Struct as u8 || node.a as usize != schema.fields.len() {
            return Err(not_a_struct(node_class(node)));
        }
        // A struct's field values are consecutive nodes.
        let first = node.b as usize;
        push_compound(batch, NodeKind::Struct, schema.fields.len(), |batch, k| {
            let (field, out_field) = match (schema.fields.get(k), out.fields.get(k)) {
                (Some(f), Some(o)) => (f, o),
                _ => return Err(PluginError::data("the struct does not match its schema")),
            };
            let child = batch.node(first + k)?;
            let default = match &field.schema.default {
                Some(d) if child.is_null() && self.replace_null_with_default => Some(d),
                _ => None,
            };
            if plan.position != Some(k) {
                if let Some(d) = default {
                    return Ok(batch.encode_value(d, Some(&field.schema), 0)?);
                }
                if child.is_null() && !field.schema.optional {
                    return Err(null_in_required_field(&field.name, &field.schema));
                }
                return Ok(copy_node(batch, child)?);
            }
            let kind = kind()?;
            let output = match default {
                Some(d) => conv.convert(Input::of_value(d), Some(kind))?,
                None => conv.convert(Input::of_ref(&batch.value(child, "a field")?), Some(kind))?,
            };
            if output == Output::Null && !out_field.schema.optional {
                return Err(null_in_required_field(&field.name, &out_field.schema));
            }
            output_node(batch, output)
        })
    }

    /// `applySchemaless`.
    fn schemaless(&self, batch: &mut Batch, node: Node) -> Result<Node> {
        let conv = self.conversion();
        if node.is_null() || self.field.is_empty() {
            let output = conv.convert(Input::of_ref(&batch.value(node, "the value")?), None)?;
            return output_node(batch, output);
        }
        let (entries, position) = match batch.value(node, "the value")? {
            ValueRef::Map(c) => {
                let mut position = None;
                let mut entries = Vec::with_capacity(c.len());
                for i in 0..c.len() {
                    if i % 2 == 0 && matches!(c.get(i)?, ValueRef::String(k) if k == self.field) {
                        position = Some(i + 1);
                    }
                    entries.push(c.node(i)?);
                }
                (entries, position)
            }
            other => {
                return Err(PluginError::data(format!(
                    "Only Map objects supported in absence of schema for [{PURPOSE}], found: {}",
                    class_name_of_ref(&other)
                )));
            }
        };
        // A missing field is added, converted from null: as null.
        let children = entries.len() + if position.is_none() { 2 } else { 0 };
        push_compound(batch, NodeKind::Map, children, |batch, i| {
            match entries.get(i) {
                Some(child) if Some(i) == position => {
                    let output =
                        conv.convert(Input::of_ref(&batch.value(*child, "a map value")?), None)?;
                    output_node(batch, output)
                }
                Some(child) => Ok(copy_node(batch, *child)?),
                None if i == entries.len() => {
                    let (start, len) = batch.push_bytes(self.field.as_bytes())?;
                    Ok(Node::string(start, len))
                }
                None => Ok(Node::NULL),
            }
        })
    }
}

/// The struct schema with `field` converted (`applyWithSchema`'s builder).
/// `default` converts the struct's default value against the new schema.
fn build_struct_schema(
    input: &Schema,
    field: &str,
    target_schemas: &[Arc<Schema>; 2],
    default: impl FnOnce(&Schema, &Value) -> Result<Value>,
) -> Result<Arc<Schema>> {
    if input.schema_type != SchemaType::Struct {
        return Err(PluginError::data("Cannot list fields on non-struct type"));
    }
    let fields = input
        .fields
        .iter()
        .map(|f| Field {
            name: f.name.clone(),
            schema: if f.name == field {
                target_schemas[usize::from(f.schema.optional)].clone()
            } else {
                f.schema.clone()
            },
        })
        .collect();
    let mut out = Schema::structure(fields);
    out.name = input.name.clone();
    out.version = input.version;
    out.doc = input.doc.clone();
    out.parameters = input.parameters.clone();
    out.optional = input.optional;
    if let Some(d) = &input.default {
        let converted = default(&out, d)?;
        out.default = Some(converted);
    }
    Ok(Arc::new(out))
}

/// `applyValueWithSchema` on a struct default value.
fn default_struct(
    out: &Schema,
    value: &Value,
    field: &str,
    replace_null_with_default: bool,
    conv: &Conversion<'_>,
) -> Result<Value> {
    let Value::Struct(s) = value else {
        return Ok(value.clone());
    };
    let out = Arc::new(out.clone());
    let mut values = Vec::with_capacity(s.values.len());
    for ((f, v), o) in s.schema.fields.iter().zip(&s.values).zip(&out.fields) {
        let v = match (v, &f.schema.default) {
            (Value::Null, Some(d)) if replace_null_with_default => d,
            _ => v,
        };
        let converted = if f.name == field {
            conv.convert(Input::of_value(v), Some(Kind::of_schema(&f.schema)?))?
                .into_value()
        } else {
            v.clone()
        };
        if converted.is_null() && !o.schema.optional {
            return Err(null_in_required_field(&f.name, &o.schema));
        }
        values.push(converted);
    }
    Ok(Value::Struct(wasm_connect_sdk::Struct {
        schema: out,
        values,
    }))
}

fn not_a_struct(class: &str) -> PluginError {
    PluginError::data(format!(
        "Only Struct objects supported for [{PURPOSE}], found: {class}"
    ))
}

#[cfg(test)]
mod tests;
