//! Apache's `Flatten$Key` and `Flatten$Value`: turn nested structs (with a
//! schema) or maps (without one) into one level, naming each field by its
//! path joined with a delimiter. Arrays are kept as they are.

use std::sync::Arc;

use wasm_connect_sdk::batch::MAX_DEPTH;
use wasm_connect_sdk::layout::{NONE, Node, NodeKind};
use wasm_connect_sdk::prelude::*;

use crate::field_util::{
    self, BatchSchemas, Key, KeySide, PutMap, SchemaCache, Scratch, Side, SideMarker, StructView,
    ValueSide, add_field, entry, java_class, key_bytes, key_not_string, kind, new_struct,
    not_a_map, not_a_struct, struct_like,
};

/// What Apache's error messages call this transform's work.
const PURPOSE: &str = "flattening";

const DELIMITER: &str = "delimiter";

/// `Flatten$Key`.
pub type FlattenKey = Flatten<KeySide>;
/// `Flatten$Value`.
pub type FlattenValue = Flatten<ValueSide>;

/// Apache's `Flatten`, for the key or the value.
pub struct Flatten<S: Side> {
    delimiter: String,
    /// Input struct schema → the flat schema and how to fill it.
    cache: SchemaCache<Plan>,
    side: SideMarker<S>,
}

/// How one struct schema flattens: its flat schema, and for each field of
/// the input (in order) whether it is a leaf or a nested struct.
#[derive(Clone)]
struct Plan {
    schema: Arc<Schema>,
    steps: Arc<[Step]>,
}

/// What a field of an input struct becomes.
enum Step {
    /// One field of the flat struct.
    Leaf,
    /// A nested struct, flattened in turn; `leaves` flat fields in all.
    Nested { steps: Vec<Step>, leaves: usize },
}

impl<S: Side> Transform for Flatten<S> {
    fn manifest() -> Manifest {
        field_util::manifest(
            "Flatten",
            Some(S::NAME),
            "Flattens nested structs or maps into one level, naming fields by their path joined with a delimiter; arrays are not modified.",
        )
        .config(
            ConfigDef::new(DELIMITER, ConfigType::String)
                .default_value(".")
                .importance(Importance::Medium)
                .doc("Delimiter to insert between field names from the input record when generating field names for the output record"),
        )
    }

    fn configure(config: Config) -> Result<Self> {
        // Apache trims string settings: a delimiter of spaces is empty.
        Ok(Self {
            delimiter: field_util::string(&config, DELIMITER).unwrap_or_else(|| ".".to_owned()),
            cache: SchemaCache::default(),
            side: SideMarker::default(),
        })
    }

    fn apply(&mut self, mut batch: Batch) -> Result<Batch> {
        let Self {
            delimiter, cache, ..
        } = self;
        let flattener = Flattener { delimiter };
        let mut schemas = BatchSchemas::new(cache);
        let mut scratch = Scratch::default();
        let mut leaves = Vec::new();
        for i in 0..batch.len() {
            flattener
                .flatten(
                    &mut batch,
                    i,
                    S::PART,
                    &mut schemas,
                    &mut scratch,
                    &mut leaves,
                )
                .map_err(|e| e.at_record(i))?;
        }
        Ok(batch)
    }
}

/// The work, apart from the cache.
struct Flattener<'a> {
    delimiter: &'a str,
}

impl Flattener<'_> {
    /// Apache's `fieldName`: no delimiter after an empty prefix.
    fn field_name(&self, prefix: &str, name: &str) -> String {
        if prefix.is_empty() {
            name.to_owned()
        } else {
            format!("{prefix}{}{name}", self.delimiter)
        }
    }

    /// [`Flattener::field_name`] for a key's bytes (UTF-8 checked only
    /// here, where a new name is made).
    fn key_name(&self, prefix: &str, key: &[u8]) -> Result<String> {
        let key = std::str::from_utf8(key)
            .map_err(|_| PluginError::data("a map key is not valid UTF-8"))?;
        Ok(self.field_name(prefix, key))
    }

    fn flatten(
        &self,
        batch: &mut Batch,
        i: usize,
        part: Part,
        schemas: &mut BatchSchemas<'_, Plan>,
        scratch: &mut Scratch,
        leaves: &mut Vec<Option<Node>>,
    ) -> Result<()> {
        let (node, schema) = batch.part(i, part)?;
        if node.is_null() {
            return Ok(());
        }
        if schema == NONE {
            if kind(node) != NodeKind::Map {
                return Err(not_a_map(PURPOSE, java_class(node, None)));
            }
            self.flatten_map(batch, node, "", &mut scratch.map, 0)?;
            let map = scratch.map.build(batch)?;
            batch.set_part(i, part, map, NONE)?;
            return Ok(());
        }
        if kind(node) != NodeKind::Struct {
            let def = field_util::schema_def(batch, schema)?;
            return Err(not_a_struct(PURPOSE, java_class(node, def)));
        }
        let (plan, out) = schemas.derive(batch, schema, |s| self.plan(s), |p| &p.schema)?;
        leaves.clear();
        collect(batch, node, schema, &plan.steps, leaves)?;
        let values = &mut scratch.nodes;
        values.clear();
        for (field, value) in plan.schema.fields.iter().zip(leaves.iter().copied()) {
            // A field under a null struct is never put; one that is put is
            // checked as `Struct.put` checks it.
            let value = match value {
                Some(v) if v.is_null() && !field.schema.optional => {
                    return Err(PluginError::data(format!(
                        "Invalid value: null used for required field: \"{}\", schema type: {}",
                        field.name,
                        field_util::java_type_name(field.schema.schema_type)
                    )));
                }
                Some(v) => v,
                None => Node::NULL,
            };
            values.push(value);
        }
        let value = new_struct(batch, values)?;
        batch.set_part(i, part, value, out)?;
        Ok(())
    }

    /// Apache's schemaless `applySchemaless`, into `out` (a
    /// `LinkedHashMap`: a name put twice keeps its first place).
    fn flatten_map(
        &self,
        batch: &Batch,
        map: Node,
        prefix: &str,
        out: &mut PutMap,
        depth: usize,
    ) -> Result<()> {
        if depth > MAX_DEPTH {
            return Err(PluginError::data(format!(
                "a value nests deeper than {MAX_DEPTH} levels"
            )));
        }
        for j in 0..map.a as usize {
            let (k, v) = entry(batch, map, j)?;
            let key = key_bytes(batch, k)?.ok_or_else(|| key_not_string(k))?;
            match kind(v) {
                NodeKind::Map => {
                    let name = self.key_name(prefix, key)?;
                    self.flatten_map(batch, v, &name, out, depth + 1)?;
                }
                NodeKind::Struct => {
                    let name = self.key_name(prefix, key)?;
                    return Err(PluginError::data(format!(
                        "Flatten transformation does not support class org.apache.kafka.connect.data.Struct for record without schemas (for field {name})."
                    )));
                }
                // A top-level name is the key itself: no new bytes.
                _ if prefix.is_empty() => out.put(batch, Key::Node(k), v)?,
                _ => {
                    let name = self.key_name(prefix, key)?;
                    out.put(batch, Key::Text(Arc::from(name)), v)?;
                }
            }
        }
        Ok(())
    }

    /// Apache's `buildUpdatedSchema` for a top-level struct schema.
    fn plan(&self, schema: &Arc<Schema>) -> Result<Plan> {
        let mut fields = Vec::new();
        let steps = self.plan_fields(
            schema,
            "",
            schema.optional,
            schema.default.as_ref(),
            &mut fields,
        )?;
        Ok(Plan {
            schema: Arc::new(struct_like(schema, fields)),
            steps: steps.into(),
        })
    }

    /// Flat fields for the fields of `schema`: a field is optional when it
    /// or any ancestor is, and takes its own default or else the value the
    /// ancestors' default struct gives it.
    fn plan_fields(
        &self,
        schema: &Schema,
        prefix: &str,
        optional: bool,
        parent_default: Option<&Value>,
        fields: &mut Vec<Field>,
    ) -> Result<Vec<Step>> {
        let mut steps = Vec::with_capacity(schema.fields.len());
        for (k, field) in schema.fields.iter().enumerate() {
            let name = self.field_name(prefix, &field.name);
            let field_optional = optional || field.schema.optional;
            let default = match (&field.schema.default, parent_default) {
                (Some(own), _) => Some(own.clone()),
                (None, Some(Value::Struct(parent))) => {
                    parent.values.get(k).filter(|v| !v.is_null()).cloned()
                }
                _ => None,
            };
            match field.schema.schema_type {
                SchemaType::Struct => {
                    let before = fields.len();
                    let nested = self.plan_fields(
                        &field.schema,
                        &name,
                        field_optional,
                        default.as_ref(),
                        fields,
                    )?;
                    steps.push(Step::Nested {
                        steps: nested,
                        leaves: fields.len() - before,
                    });
                }
                SchemaType::Map => {
                    return Err(PluginError::data(format!(
                        "Flatten transformation does not support MAP for record with schemas (for field {name})."
                    )));
                }
                _ => {
                    // `copySchemaBasics`: type (and array items), name,
                    // version, doc, parameters; then optional and default.
                    let flat = Schema {
                        optional: field_optional,
                        name: field.schema.name.clone(),
                        version: field.schema.version,
                        doc: field.schema.doc.clone(),
                        parameters: field.schema.parameters.clone(),
                        default,
                        value_schema: match field.schema.schema_type {
                            SchemaType::Array => field.schema.value_schema.clone(),
                            _ => None,
                        },
                        ..Schema::new(field.schema.schema_type)
                    };
                    add_field(fields, &name, Arc::new(flat))?;
                    steps.push(Step::Leaf);
                }
            }
        }
        Ok(steps)
    }
}

/// Apache's `buildWithSchema`: the flat values of struct `node` (schema
/// `schema`); `None` for the fields under a null struct, which Apache
/// leaves unset.
fn collect(
    batch: &Batch,
    node: Node,
    schema: u32,
    steps: &[Step],
    out: &mut Vec<Option<Node>>,
) -> Result<()> {
    let def = field_util::schema_def(batch, schema)?
        .ok_or_else(|| PluginError::data("a struct has no schema"))?;
    let view = StructView::new(def, node)?;
    for (k, step) in steps.iter().enumerate() {
        match step {
            // `record.get(field)`: a null leaf reads as its default.
            Step::Leaf => out.push(Some(view.get(batch, k, true)?)),
            // `record.getStruct(name)` reads the raw value: a null struct
            // is not replaced by its default.
            Step::Nested { steps, leaves } => {
                let value = view.raw(batch, k)?;
                if value.is_null() {
                    out.extend(std::iter::repeat_n(None, *leaves));
                } else {
                    collect(batch, value, view.field_schema(k), steps, out)?;
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
