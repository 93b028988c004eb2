//! Apache's `HeaderFrom$Key` and `HeaderFrom$Value`: copy or move fields
//! of the key or value into headers.
//!
//! With a schema the value must be a struct; each header takes the field's
//! schema, and `move` gives the struct a new schema without the moved
//! fields (derived once per schema and batch, as Apache caches it). Without
//! a schema the value must be a map. Field values are not copied: headers
//! point at the nodes already in the batch.

use std::fmt;

use wasm_connect_sdk::SchemaDef;
use wasm_connect_sdk::layout::{HEADER_SIZE, HeaderDesc, NONE, Node, NodeKind, Part};
use wasm_connect_sdk::prelude::*;

use crate::route_util::{
    self, java_class_name, java_schema_string, java_type_name, node_with_children, record_error,
    rewrite_headers,
};

const FIELDS: &str = "fields";
const HEADERS: &str = "headers";
const OPERATION: &str = "operation";
const REPLACE_NULL_WITH_DEFAULT: &str = "replace.null.with.default";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operation {
    Move,
    Copy,
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Operation::Move => "move",
            Operation::Copy => "copy",
        })
    }
}

/// The shared implementation of both variants.
struct HeaderFrom {
    part: Part,
    fields: Vec<String>,
    headers: Vec<String>,
    operation: Operation,
    replace_null_with_default: bool,
}

/// A field of a struct schema, resolved once per schema and batch so that
/// records need no schema lookups.
struct FieldPlan {
    position: usize,
    name: String,
    /// The field's schema index (the header's schema).
    schema: u32,
    optional: bool,
    /// The node of the field schema's default value.
    default: Option<Node>,
    /// For error messages.
    type_name: &'static str,
    schema_text: String,
}

/// What a schema of the batch means for this transform.
struct Plan {
    /// Whether it is a struct schema, and its field count.
    is_struct: bool,
    field_count: usize,
    /// Per configured field, where it is (if the schema has it).
    fields: Vec<Option<FieldPlan>>,
    /// For `move`: the fields that stay, and the new schema's index.
    kept: Vec<FieldPlan>,
    moved_schema: u32,
}

fn manifest(name: &str, target: &str) -> Manifest {
    Manifest::new(
        PluginKind::Transform,
        format!("wasmconnect.transforms.HeaderFrom${name}"),
        env!("CARGO_PKG_VERSION"),
    )
    .aliases([format!("org.apache.kafka.connect.transforms.HeaderFrom${name}")])
    .description(format!(
        "Moves or copies fields in the {target} of a record into that record's headers."
    ))
    .config(
        ConfigDef::new(FIELDS, ConfigType::List)
            .importance(Importance::High)
            .doc("Field names in the record whose values are to be copied or moved to headers."),
    )
    .config(
        ConfigDef::new(HEADERS, ConfigType::List)
            .importance(Importance::High)
            .doc("Header names, in the same order as the field names listed in the fields configuration property."),
    )
    .config(
        ConfigDef::new(OPERATION, ConfigType::String)
            .importance(Importance::High)
            .doc("Either move if the fields are to be moved to the headers (removed from the key/value), or copy if the fields are to be copied to the headers (retained in the key/value)."),
    )
    .config(
        ConfigDef::new(REPLACE_NULL_WITH_DEFAULT, ConfigType::Boolean)
            .default_value("true")
            .importance(Importance::Medium)
            .doc("Whether to replace fields that have a default value and that are null to the default value. When set to true, the default value is used, otherwise null is used."),
    )
}

impl HeaderFrom {
    fn configure(config: &Config, part: Part) -> Result<Self> {
        let fields = route_util::non_empty_list(config, FIELDS)?;
        let headers = route_util::non_empty_list(config, HEADERS)?;
        let operation = match route_util::one_of(config, OPERATION, &["move", "copy"])?.as_str() {
            "move" => Operation::Move,
            _ => Operation::Copy,
        };
        let replace_null_with_default =
            route_util::boolean(config, REPLACE_NULL_WITH_DEFAULT, true)?;
        if headers.len() != fields.len() {
            return Err(PluginError::config(format!(
                "'{FIELDS}' config must have the same number of elements as '{HEADERS}' config."
            )));
        }
        Ok(Self {
            part,
            fields,
            headers,
            operation,
            replace_null_with_default,
        })
    }

    fn apply(&self, mut batch: Batch) -> Result<Batch> {
        if batch.is_empty() {
            return Ok(batch);
        }
        // Each header name goes into the batch once.
        let mut keys = Vec::with_capacity(self.headers.len());
        for name in &self.headers {
            keys.push(batch.push_bytes(name.as_bytes())?);
        }
        // Plans per schema index; a batch rarely holds more than a few.
        let mut plans: Vec<(u32, Plan)> = Vec::new();
        rewrite_headers(&mut batch, |batch, i, existing, out| {
            out.extend_from_slice(existing);
            let (node, schema) = batch.part(i, self.part).map_err(record_error(i))?;
            let added = if schema == NONE {
                self.schemaless(batch, i, node)?
            } else {
                let at = match plans.iter().rposition(|(s, _)| *s == schema) {
                    Some(at) => at,
                    None => {
                        let plan = self.plan(batch, schema).map_err(|e| e.at_record(i))?;
                        plans.push((schema, plan));
                        plans.len() - 1
                    }
                };
                self.with_schema(batch, i, node, schema, &plans[at].1)?
            };
            for (&(key_start, key_len), (schema, value)) in keys.iter().zip(added) {
                let mut bytes = [0u8; HEADER_SIZE];
                HeaderDesc {
                    key_start,
                    key_len,
                    schema,
                    value,
                }
                .write(&mut bytes);
                out.extend_from_slice(&bytes);
            }
            Ok(())
        })?;
        Ok(batch)
    }

    /// Apache's `Requirements` wording for a value of the wrong kind.
    fn wrong_kind(&self, batch: &Batch, i: usize, node: Node, schema: u32) -> PluginError {
        let def = batch.schema_def(schema).ok().flatten();
        let class = batch
            .value(node, "the record value")
            .map(|v| java_class_name(&v, def))
            .unwrap_or("?");
        let purpose = format!("header {}", self.operation);
        let message = if schema == NONE {
            format!(
                "Only Map objects supported in absence of schema for [{purpose}], found: {class}"
            )
        } else {
            format!("Only Struct objects supported for [{purpose}], found: {class}")
        };
        PluginError::data(message).at_record(i)
    }

    /// A schemaless map: the headers' (schema, value), the map updated.
    fn schemaless(&self, batch: &mut Batch, i: usize, node: Node) -> Result<Vec<(u32, Node)>> {
        if NodeKind::from_u8(node.kind) != Some(NodeKind::Map) {
            return Err(self.wrong_kind(batch, i, node, NONE));
        }
        let pairs = node.a as usize;
        let first = node.b as usize;
        // Each entry's key, when it is a string (only strings equal a
        // field name), compared as bytes.
        let mut keys: Vec<Option<&[u8]>> = Vec::with_capacity(pairs);
        for e in 0..pairs {
            let key = batch.node(first + 2 * e).map_err(record_error(i))?;
            keys.push(if NodeKind::from_u8(key.kind) == Some(NodeKind::String) {
                Some(
                    batch
                        .bytes(key.b as u32, key.a, "a map key")
                        .map_err(record_error(i))?,
                )
            } else {
                None
            });
        }
        let mut added = Vec::with_capacity(self.fields.len());
        for field in &self.fields {
            // `Map.get`: the last entry with this key wins, as a map built
            // from these entries would keep it.
            let value = match keys.iter().rposition(|k| *k == Some(field.as_bytes())) {
                Some(e) => batch.node(first + 2 * e + 1).map_err(record_error(i))?,
                None => Node::NULL,
            };
            added.push((NONE, value));
        }
        if self.operation == Operation::Move {
            let kept: Vec<usize> = (0..pairs)
                .filter(|e| {
                    !keys[*e].is_some_and(|k| self.fields.iter().any(|f| f.as_bytes() == k))
                })
                .collect();
            if kept.len() != pairs {
                let mut children = Vec::with_capacity(2 * kept.len());
                for c in kept.iter().flat_map(|e| [2 * e, 2 * e + 1]) {
                    let child = batch.node(first + c).map_err(record_error(i))?;
                    children.push((child, Some(first + c)));
                }
                let count = u32::try_from(kept.len()).unwrap_or(u32::MAX);
                let map = node_with_children(batch, NodeKind::Map, count, &children)
                    .map_err(|e| e.at_record(i))?;
                batch
                    .set_part(i, self.part, map, NONE)
                    .map_err(record_error(i))?;
            }
        }
        Ok(added)
    }

    /// What schema `schema` means: where each field is, and for `move`
    /// the schema without the moved fields (Apache copies the name,
    /// version, doc and parameters; the new schema is required).
    fn plan(&self, batch: &mut Batch, schema: u32) -> Result<Plan> {
        let def = batch
            .schema_def(schema)?
            .cloned()
            .ok_or_else(|| PluginError::data("a value without a schema"))?;
        let is_struct = def.schema_type == SchemaType::Struct;
        let field_plan = |batch: &Batch, position: usize| -> Result<FieldPlan> {
            let (name, index) = &def.fields[position];
            let field = batch
                .schema_def(*index)?
                .ok_or_else(|| PluginError::data("a struct field without a schema"))?;
            Ok(FieldPlan {
                position,
                name: name.clone(),
                schema: *index,
                optional: field.optional,
                default: field
                    .default_value
                    .map(|n| batch.node(n as usize))
                    .transpose()?,
                type_name: java_type_name(field.schema_type),
                schema_text: java_schema_string(field),
            })
        };
        let mut fields = Vec::with_capacity(self.fields.len());
        for name in &self.fields {
            let position = def.fields.iter().position(|(n, _)| n == name);
            fields.push(position.map(|p| field_plan(batch, p)).transpose()?);
        }
        let mut plan = Plan {
            is_struct,
            field_count: def.fields.len(),
            fields,
            kept: Vec::new(),
            moved_schema: schema,
        };
        if self.operation == Operation::Move && is_struct {
            for p in 0..def.fields.len() {
                if !self.fields.contains(&def.fields[p].0) {
                    plan.kept.push(field_plan(batch, p)?);
                }
            }
            let moved = SchemaDef {
                schema_type: SchemaType::Struct,
                optional: false,
                name: def.name.clone(),
                version: def.version,
                doc: def.doc.clone(),
                parameters: def.parameters.clone(),
                default_value: None,
                key_schema: None,
                value_schema: None,
                fields: plan
                    .kept
                    .iter()
                    .map(|f| (f.name.clone(), f.schema))
                    .collect(),
            };
            plan.moved_schema = match batch.schemas.iter().position(|s| *s == moved) {
                Some(existing) => u32::try_from(existing).unwrap_or(NONE),
                None => {
                    batch.schemas.push(moved);
                    u32::try_from(batch.schemas.len() - 1).unwrap_or(NONE)
                }
            };
        }
        Ok(plan)
    }

    /// Field `field` of the struct `node` as Apache's `getFieldValue`
    /// reads it: a null field with a default gives the default when
    /// `replace.null.with.default` is set. Also says whether that is the
    /// node the struct holds.
    fn field_value(&self, batch: &Batch, node: Node, field: &FieldPlan) -> Result<(Node, bool)> {
        let child = batch.node(node.b as usize + field.position)?;
        if child.is_null()
            && self.replace_null_with_default
            && let Some(default) = field.default
        {
            return Ok((default, false));
        }
        Ok((child, true))
    }

    /// A struct: the headers' (schema, value), the struct updated.
    fn with_schema(
        &self,
        batch: &mut Batch,
        i: usize,
        node: Node,
        schema: u32,
        plan: &Plan,
    ) -> Result<Vec<(u32, Node)>> {
        if !plan.is_struct
            || NodeKind::from_u8(node.kind) != Some(NodeKind::Struct)
            || node.a as usize != plan.field_count
        {
            return Err(self.wrong_kind(batch, i, node, schema));
        }
        // Apache builds the moved struct first; a null in a required field
        // fails there.
        let mut moved: Vec<(Node, Option<usize>)> = Vec::with_capacity(plan.kept.len());
        for field in &plan.kept {
            let (value, in_place) = self
                .field_value(batch, node, field)
                .map_err(|e| e.at_record(i))?;
            if value.is_null() && !field.optional {
                return Err(PluginError::data(format!(
                    "Invalid value: null used for required field: \"{}\", schema type: {}",
                    field.name, field.type_name
                ))
                .at_record(i));
            }
            moved.push((value, in_place.then_some(node.b as usize + field.position)));
        }
        let mut added = Vec::with_capacity(self.fields.len());
        for (k, field) in plan.fields.iter().enumerate() {
            let Some(field) = field else {
                return Err(PluginError::data(format!(
                    "The {} schema has no field \"{}\" to {} into header \"{}\" (Apache fails here with a NullPointerException)",
                    if self.part == Part::Key { "key" } else { "value" },
                    self.fields[k],
                    self.operation,
                    self.headers[k]
                ))
                .at_record(i));
            };
            let (value, _) = self
                .field_value(batch, node, field)
                .map_err(|e| e.at_record(i))?;
            if value.is_null() && !field.optional {
                return Err(PluginError::data(format!(
                    "A null value requires an optional schema but was {}",
                    field.schema_text
                ))
                .at_record(i));
            }
            added.push((field.schema, value));
        }
        if self.operation == Operation::Move {
            let count = u32::try_from(moved.len()).unwrap_or(u32::MAX);
            let value = node_with_children(batch, NodeKind::Struct, count, &moved)
                .map_err(|e| e.at_record(i))?;
            batch
                .set_part(i, self.part, value, plan.moved_schema)
                .map_err(record_error(i))?;
        }
        Ok(added)
    }
}

/// Apache's `org.apache.kafka.connect.transforms.HeaderFrom$Key`.
pub struct HeaderFromKey(HeaderFrom);

impl Transform for HeaderFromKey {
    fn manifest() -> Manifest {
        manifest("Key", "key")
    }

    fn configure(config: Config) -> Result<Self> {
        HeaderFrom::configure(&config, Part::Key).map(Self)
    }

    fn apply(&mut self, batch: Batch) -> Result<Batch> {
        self.0.apply(batch)
    }
}

/// Apache's `org.apache.kafka.connect.transforms.HeaderFrom$Value`.
pub struct HeaderFromValue(HeaderFrom);

impl Transform for HeaderFromValue {
    fn manifest() -> Manifest {
        manifest("Value", "value")
    }

    fn configure(config: Config) -> Result<Self> {
        HeaderFrom::configure(&config, Part::Value).map(Self)
    }

    fn apply(&mut self, batch: Batch) -> Result<Batch> {
        self.0.apply(batch)
    }
}

#[cfg(test)]
mod tests;
