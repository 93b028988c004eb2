//! Apache's `Cast$Key` and `Cast$Value`: cast top-level fields, or the
//! whole key or value, to another primitive type.
//!
//! Each record's key or value is rewritten where it lies in the batch:
//! fields that are not cast keep their nodes (and bytes), numbers need no
//! new bytes at all, and the derived schema is built once per input schema
//! (cached like Apache's `LRUCache` of 16) and added once per batch.

mod convert;
mod decimal;
mod number;
mod spec;

use std::sync::Arc;

use wasm_connect_sdk::layout::{Node, NodeKind};
use wasm_connect_sdk::prelude::*;
use wasm_connect_sdk::{Field, ValueRef};

use crate::java_time::connect::{
    PerBatch, SchemaCache, copy_node, is_logical, null_in_required_field, push_compound,
    push_string,
};
use crate::java_time::lang::class_name_of_ref;
use convert::{CastType, Output, Source, cast};
use spec::Spec;

/// `Cast.SPEC_CONFIG`.
const SPEC: &str = "spec";
/// `Cast.REPLACE_NULL_WITH_DEFAULT_CONFIG`.
const REPLACE_NULL_WITH_DEFAULT: &str = "replace.null.with.default";
/// Apache's `PURPOSE`, quoted in its errors.
const PURPOSE: &str = "cast types";

/// `org.apache.kafka.connect.transforms.Cast$Key`.
pub struct CastKey(Cast);

/// `org.apache.kafka.connect.transforms.Cast$Value`.
pub struct CastValue(Cast);

impl Transform for CastKey {
    fn manifest() -> Manifest {
        manifest("Key", "key")
    }

    fn configure(config: Config) -> Result<Self> {
        Cast::configure(&config, Part::Key).map(Self)
    }

    fn apply(&mut self, records: Batch) -> Result<Batch> {
        self.0.apply(records)
    }
}

impl Transform for CastValue {
    fn manifest() -> Manifest {
        manifest("Value", "value")
    }

    fn configure(config: Config) -> Result<Self> {
        Cast::configure(&config, Part::Value).map(Self)
    }

    fn apply(&mut self, records: Batch) -> Result<Batch> {
        self.0.apply(records)
    }
}

fn manifest(variant: &str, part: &str) -> Manifest {
    Manifest::new(
        PluginKind::Transform,
        format!("wasmconnect.transforms.Cast${variant}"),
        env!("CARGO_PKG_VERSION"),
    )
    .aliases([format!("org.apache.kafka.connect.transforms.Cast${variant}")])
    .description(format!(
        "Casts fields of the record {part}, or the whole {part}, to another primitive type; binary becomes base64 text."
    ))
    .config(
        ConfigDef::new(SPEC, ConfigType::List)
            .importance(Importance::High)
            .doc("Fields and the types to cast them to, as field1:type,field2:type, to cast fields of maps or structs; or a single type to cast the entire value. Valid types are int8, int16, int32, int64, float32, float64, boolean and string; binary fields can only be cast to string."),
    )
    .config(
        ConfigDef::new(REPLACE_NULL_WITH_DEFAULT, ConfigType::Boolean)
            .default_value("true")
            .importance(Importance::Medium)
            .doc("Whether a null field that has a default value is replaced by that default (true) or stays null (false)."),
    )
}

/// What to do with values of one input schema, worked out once per batch.
struct Plan {
    /// The input schema.
    schema: Arc<Schema>,
    /// The output schema and its index in the batch.
    out: Arc<Schema>,
    index: u32,
    /// The cast target of each struct field, by position.
    targets: Vec<Option<CastType>>,
}

/// The configured transform, for either part.
struct Cast {
    part: Part,
    spec: Spec,
    replace_null_with_default: bool,
    /// Output schema (or the error building it) per input schema.
    schemas: SchemaCache<Result<Arc<Schema>, PluginError>>,
}

impl Cast {
    fn configure(config: &Config, part: Part) -> Result<Self> {
        config.require(SPEC)?;
        let items = config.get_list(SPEC).unwrap_or_default();
        let spec = spec::parse(&items)?;
        let replace_null_with_default = config.get_bool(REPLACE_NULL_WITH_DEFAULT, true)?;
        Ok(Self {
            part,
            spec,
            replace_null_with_default,
            schemas: SchemaCache::new(),
        })
    }

    fn apply(&mut self, mut batch: Batch) -> Result<Batch> {
        let schemas = batch.resolve_schemas()?;
        let mut plans: PerBatch<Arc<Plan>> = PerBatch::new();
        for i in 0..batch.len() {
            let (node, schema_index) = batch.part(i, self.part)?;
            // Apache returns the record untouched when the value is null.
            if node.is_null() {
                continue;
            }
            let result = match schemas.get(schema_index)? {
                None => self.schemaless(&mut batch, node).map(|n| (n, schema_index)),
                Some(schema) => {
                    let (cache, spec) = (&mut self.schemas, &self.spec);
                    plans
                        .get_or_try_insert(schema_index, || {
                            let out = cache.get_or_insert(schema, |s| build_schema(spec, s))?;
                            let index = batch.add_schema_arc(&out)?;
                            let targets =
                                schema.fields.iter().map(|f| spec.target(&f.name)).collect();
                            Ok::<_, PluginError>(Arc::new(Plan {
                                schema: schema.clone(),
                                out,
                                index,
                                targets,
                            }))
                        })
                        .and_then(|plan| {
                            self.with_schema(&mut batch, node, &plan)
                                .map(|n| (n, plan.index))
                        })
                }
            };
            let (node, index) = result.map_err(|e| e.at_record(i))?;
            batch.set_part(i, self.part, node, index)?;
        }
        Ok(batch)
    }

    /// `applyWithSchema`: the new node for a non-null value of the plan's
    /// schema.
    fn with_schema(&self, batch: &mut Batch, node: Node, plan: &Plan) -> Result<Node> {
        let schema = &*plan.schema;
        if let Spec::Whole(target) = self.spec {
            let value = batch.value(node, "the value")?;
            let output = owned(cast(Some(schema), Source::Ref(value), target)?);
            return output_node(batch, output, |_| Ok(node));
        }
        if node.kind != NodeKind::Struct as u8 || node.a as usize != schema.fields.len() {
            return Err(PluginError::data(format!(
                "Only Struct objects supported for [{PURPOSE}], found: {}",
                class_name_of_ref(&batch.value(node, "the value")?)
            )));
        }
        // A struct's field values are consecutive nodes.
        let first = node.b as usize;
        push_compound(batch, NodeKind::Struct, schema.fields.len(), |batch, k| {
            let child = batch.node(first + k)?;
            match (
                schema.fields.get(k),
                plan.out.fields.get(k),
                plan.targets.get(k),
            ) {
                (Some(field), Some(out), Some(target)) => {
                    self.field(batch, child, field, out, *target)
                }
                _ => Err(PluginError::data("the struct does not match its schema")),
            }
        })
    }

    /// One field of a struct: cast to `target`, or kept (with its default
    /// when null and `replace.null.with.default` is on).
    fn field(
        &self,
        batch: &mut Batch,
        child: Node,
        field: &Field,
        out: &Field,
        target: Option<CastType>,
    ) -> Result<Node> {
        let default = match &field.schema.default {
            Some(d) if child.is_null() && self.replace_null_with_default => Some(d),
            _ => None,
        };
        let Some(target) = target else {
            if let Some(d) = default {
                return Ok(batch.encode_value(d, Some(&field.schema), 0)?);
            }
            if child.is_null() && !field.schema.optional {
                return Err(null_in_required_field(&field.name, &field.schema));
            }
            return Ok(copy_node(batch, child)?);
        };
        let output = match default {
            Some(d) => owned(cast(Some(&field.schema), Source::Owned(d), target)?),
            None => owned(cast(
                Some(&field.schema),
                Source::Ref(batch.value(child, "a field")?),
                target,
            )?),
        };
        if output == Output::Null && !out.schema.optional {
            return Err(null_in_required_field(&field.name, &out.schema));
        }
        output_node(batch, output, |batch| match default {
            Some(d) => Ok(batch.encode_value(d, Some(&field.schema), 0)?),
            None => Ok(child),
        })
    }

    /// `applySchemaless`: the whole value, or the entries of a map.
    fn schemaless(&self, batch: &mut Batch, node: Node) -> Result<Node> {
        let Spec::Fields(fields) = &self.spec else {
            let Spec::Whole(target) = self.spec else {
                return Ok(node);
            };
            let output = owned(cast(
                None,
                Source::Ref(batch.value(node, "the value")?),
                target,
            )?);
            return output_node(batch, output, |_| Ok(node));
        };
        let entries = match batch.value(node, "the value")? {
            ValueRef::Map(children) => {
                let mut entries = Vec::with_capacity(children.len() / 2);
                for e in 0..children.len() / 2 {
                    let key = children.node(2 * e)?;
                    let field = match children.get(2 * e)? {
                        ValueRef::String(k) => Some(k.to_owned()),
                        _ => None,
                    };
                    entries.push((key, children.node(2 * e + 1)?, field));
                }
                entries
            }
            other => {
                return Err(PluginError::data(format!(
                    "Only Map objects supported in absence of schema for [{PURPOSE}], found: {}",
                    class_name_of_ref(&other)
                )));
            }
        };
        // Fields in the spec but not in the map are added, as null.
        let missing: Vec<&str> = fields
            .iter()
            .map(|(f, _)| f.as_str())
            .filter(|f| !entries.iter().any(|(_, _, k)| k.as_deref() == Some(*f)))
            .collect();
        let count = entries.len() + missing.len();
        push_compound(batch, NodeKind::Map, 2 * count, |batch, i| {
            let (e, is_value) = (i / 2, i % 2 == 1);
            let Some((key, value, field)) = entries.get(e) else {
                let name = missing.get(e - entries.len()).copied().unwrap_or_default();
                return if is_value {
                    Ok(Node::NULL)
                } else {
                    Ok(push_string(batch, name)?)
                };
            };
            if !is_value {
                return Ok(copy_node(batch, *key)?);
            }
            match field.as_deref().and_then(|f| self.spec.target(f)) {
                Some(target) => {
                    let output = owned(cast(
                        None,
                        Source::Ref(batch.value(*value, "a map value")?),
                        target,
                    )?);
                    output_node(batch, output, |_| Ok(*value))
                }
                None => Ok(copy_node(batch, *value)?),
            }
        })
    }
}

/// `getOrBuildSchema`: the schema of the cast key or value.
fn build_schema(spec: &Spec, input: &Schema) -> Result<Arc<Schema>> {
    let mut out = match spec {
        Spec::Whole(target) => Schema::new(target.schema_type()),
        Spec::Fields(_) => {
            if input.schema_type != SchemaType::Struct {
                return Err(PluginError::data("Cannot list fields on non-struct type"));
            }
            let mut fields = Vec::with_capacity(input.fields.len());
            for field in &input.fields {
                let schema = match spec.target(&field.name) {
                    None => field.schema.clone(),
                    Some(target) => {
                        let mut s = Schema::new(target.schema_type());
                        s.optional = field.schema.optional;
                        if let Some(d) = &field.schema.default {
                            s.default = Some(cast_default(&field.schema, d, target)?);
                        }
                        Arc::new(s)
                    }
                };
                fields.push(Field {
                    name: field.name.clone(),
                    schema,
                });
            }
            Schema::structure(fields)
        }
    };
    // SchemaUtil.copySchemaBasics: name, version, doc and parameters.
    out.name = input.name.clone();
    out.version = input.version;
    out.doc = input.doc.clone();
    out.parameters = input.parameters.clone();
    out.optional = input.optional;
    if let Some(d) = &input.default {
        let default = match spec {
            Spec::Whole(target) => cast_default(input, d, *target)?,
            // A struct default cannot be cast: Apache fails here.
            Spec::Fields(_) => cast(Some(input), Source::Owned(d), CastType::String)
                .map(|o| o.into_value(|| d.clone()))?,
        };
        // SchemaBuilder.defaultValue checks the value against the schema,
        // and a logical type's name demands its Java class.
        if is_logical(out.name.as_deref()) {
            return Err(PluginError::data("Invalid default value"));
        }
        out.default = Some(default);
    }
    Ok(Arc::new(out))
}

fn cast_default(schema: &Schema, default: &Value, target: CastType) -> Result<Value> {
    Ok(cast(Some(schema), Source::Owned(default), target)?.into_value(|| default.clone()))
}

/// An output that no longer borrows from the batch.
fn owned(output: Output<'_>) -> Output<'static> {
    match output {
        Output::Null => Output::Null,
        Output::Same => Output::Same,
        Output::Boolean(v) => Output::Boolean(v),
        Output::Int8(v) => Output::Int8(v),
        Output::Int16(v) => Output::Int16(v),
        Output::Int32(v) => Output::Int32(v),
        Output::Int64(v) => Output::Int64(v),
        Output::Float32(v) => Output::Float32(v),
        Output::Float64(v) => Output::Float64(v),
        Output::String(s) => Output::String(std::borrow::Cow::Owned(s.into_owned())),
    }
}

/// The node of a cast result; `same` gives the input's node.
fn output_node(
    batch: &mut Batch,
    output: Output<'_>,
    same: impl FnOnce(&mut Batch) -> Result<Node>,
) -> Result<Node> {
    Ok(match output {
        Output::Null => Node::NULL,
        Output::Same => return same(batch),
        Output::Boolean(v) => Node::new(NodeKind::Boolean, 0, u64::from(v)),
        Output::Int8(v) => Node::new(NodeKind::Int8, 0, i64::from(v) as u64),
        Output::Int16(v) => Node::new(NodeKind::Int16, 0, i64::from(v) as u64),
        Output::Int32(v) => Node::new(NodeKind::Int32, 0, i64::from(v) as u64),
        Output::Int64(v) => Node::new(NodeKind::Int64, 0, v as u64),
        Output::Float32(v) => Node::new(NodeKind::Float32, 0, u64::from(v.to_bits())),
        Output::Float64(v) => Node::new(NodeKind::Float64, 0, v.to_bits()),
        Output::String(s) => push_string(batch, &s)?,
    })
}

#[cfg(test)]
mod behaviour_tests;
#[cfg(test)]
mod java_vectors;
#[cfg(test)]
mod tests;
