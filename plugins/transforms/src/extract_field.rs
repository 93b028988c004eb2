//! Apache's `ExtractField$Key` and `ExtractField$Value`: replace the key or
//! value with one of its fields (nested with `field.syntax.version=V2`).

mod path;

use wasm_connect_sdk::layout::{NONE, Node, NodeKind};
use wasm_connect_sdk::prelude::*;

use crate::field_util::{
    self, KeySide, Side, SideMarker, StructView, ValueSide, java_class, kind, map_get, not_a_map,
    not_a_struct,
};
use path::{FIELD_SYNTAX_VERSION, FIELD_SYNTAX_VERSION_DOC, SyntaxVersion};

/// What Apache's error messages call this transform's work.
const PURPOSE: &str = "field extraction";
/// What they call stepping into a nested value.
const NESTED: &str = "nested field access";

const FIELD: &str = "field";

/// What Java's `subList(0, size - 1)` throws for a path with no steps
/// (`field=` with V2): Apache fails every record that way.
const NO_STEPS: &str = "fromIndex(0) > toIndex(-1)";

/// `ExtractField$Key`.
pub type ExtractFieldKey = ExtractField<KeySide>;
/// `ExtractField$Value`.
pub type ExtractFieldValue = ExtractField<ValueSide>;

/// Apache's `ExtractField`, for the key or the value.
pub struct ExtractField<S: Side> {
    /// The setting as written (trimmed), for messages.
    original: String,
    steps: Vec<String>,
    replace_null_with_default: bool,
    side: SideMarker<S>,
}

/// Where a path leads in a struct schema: the field position at each step
/// and the schema of the field at the end.
struct Walk {
    positions: Vec<usize>,
    schema: u32,
}

impl<S: Side> Transform for ExtractField<S> {
    fn manifest() -> Manifest {
        field_util::manifest(
            "ExtractField",
            Some(S::NAME),
            "Extracts the specified field from a struct (with a schema) or a map (without one); null values pass through unmodified.",
        )
        .config(
            ConfigDef::new(FIELD, ConfigType::String)
                .importance(Importance::Medium)
                .doc("Field name to extract."),
        )
        .config(field_util::replace_null_def())
        .config(
            ConfigDef::new(FIELD_SYNTAX_VERSION, ConfigType::String)
                .default_value("V1")
                .importance(Importance::High)
                .doc(FIELD_SYNTAX_VERSION_DOC),
        )
    }

    fn configure(config: Config) -> Result<Self> {
        let original = field_util::required_string(&config, FIELD)?;
        let replace_null_with_default =
            field_util::boolean(&config, field_util::REPLACE_NULL_WITH_DEFAULT, true)?;
        let version = SyntaxVersion::from_config(&config)?;
        Ok(Self {
            steps: path::parse(&original, version)?,
            original,
            replace_null_with_default,
            side: SideMarker::default(),
        })
    }

    fn apply(&mut self, mut batch: Batch) -> Result<Batch> {
        let mut walks = Vec::new();
        for i in 0..batch.len() {
            self.extract(&mut batch, i, &mut walks)
                .map_err(|e| e.at_record(i))?;
        }
        Ok(batch)
    }
}

impl<S: Side> ExtractField<S> {
    fn extract(&self, batch: &mut Batch, i: usize, walks: &mut Vec<(u32, Walk)>) -> Result<()> {
        let (node, schema) = batch.part(i, S::PART)?;
        if schema == NONE {
            if node.is_null() {
                return Ok(());
            }
            if kind(node) != NodeKind::Map {
                return Err(not_a_map(PURPOSE, java_class(node, None)));
            }
            let value = self.value_from_map(batch, node)?;
            batch.set_part(i, S::PART, value, NONE)?;
            return Ok(());
        }
        if !node.is_null() && kind(node) != NodeKind::Struct {
            let def = field_util::schema_def(batch, schema)?;
            return Err(not_a_struct(PURPOSE, java_class(node, def)));
        }
        // Walked once per schema and batch.
        let at = match walks.iter().position(|(s, _)| *s == schema) {
            Some(at) => at,
            None => {
                walks.push((schema, self.field_from(batch, schema)?));
                walks.len() - 1
            }
        };
        let walk = &walks
            .get(at)
            .ok_or_else(|| PluginError::data("a field path went missing"))?
            .1;
        let value = if node.is_null() {
            Node::NULL
        } else {
            self.value_from_struct(batch, node, schema, walk)?
        };
        // The value's new schema is the field's, already in the table.
        batch.set_part(i, S::PART, value, walk.schema)?;
        Ok(())
    }

    /// `SingleFieldPath.valueFrom(Map)`: missing entries and null maps
    /// along the way give null; anything else that is not a map fails.
    fn value_from_map(&self, batch: &Batch, map: Node) -> Result<Node> {
        let (last, inner) = self
            .steps
            .split_last()
            .ok_or_else(|| PluginError::data(NO_STEPS))?;
        let mut current = map;
        for step in inner {
            current = map_get(batch, current, step)?;
            if current.is_null() {
                return Ok(Node::NULL);
            }
            if kind(current) != NodeKind::Map {
                return Err(not_a_map(NESTED, java_class(current, None)));
            }
        }
        map_get(batch, current, last)
    }

    /// `SingleFieldPath.fieldFrom(Schema)`, failing as `ExtractField` does
    /// when the field is not there.
    fn field_from(&self, batch: &Batch, schema: u32) -> Result<Walk> {
        if self.steps.is_empty() {
            return Err(PluginError::data(NO_STEPS));
        }
        let mut current = schema;
        let mut positions = Vec::with_capacity(self.steps.len());
        for step in &self.steps {
            let def = field_util::schema_def(batch, current)?
                .ok_or_else(|| PluginError::data("a field has no schema"))?;
            if def.schema_type != SchemaType::Struct {
                return Err(PluginError::data(
                    "Cannot look up fields on non-struct type",
                ));
            }
            let Some(k) = def.fields.iter().position(|(n, _)| n == step) else {
                return Err(PluginError::data(format!(
                    "Unknown field: {}",
                    self.original
                )));
            };
            positions.push(k);
            current = def.fields.get(k).map_or(NONE, |(_, s)| *s);
        }
        Ok(Walk {
            positions,
            schema: current,
        })
    }

    /// `SingleFieldPath.valueFrom(Struct, withDefault)`: nested structs are
    /// read with their defaults; the last field with or without, as
    /// configured.
    fn value_from_struct(
        &self,
        batch: &Batch,
        node: Node,
        schema: u32,
        walk: &Walk,
    ) -> Result<Node> {
        let (last, inner) = walk
            .positions
            .split_last()
            .ok_or_else(|| PluginError::data(NO_STEPS))?;
        let mut current = node;
        let mut current_schema = schema;
        for k in inner {
            let def = field_util::schema_def(batch, current_schema)?
                .ok_or_else(|| PluginError::data("a field has no schema"))?;
            let view = StructView::new(def, current)?;
            let sub = view.get(batch, *k, true)?;
            if sub.is_null() {
                return Ok(Node::NULL);
            }
            let sub_schema = view.field_schema(*k);
            if kind(sub) != NodeKind::Struct {
                let sub_def = field_util::schema_def(batch, sub_schema)?;
                return Err(not_a_struct(NESTED, java_class(sub, sub_def)));
            }
            current = sub;
            current_schema = sub_schema;
        }
        let def = field_util::schema_def(batch, current_schema)?
            .ok_or_else(|| PluginError::data("a field has no schema"))?;
        StructView::new(def, current)?.get(batch, *last, self.replace_null_with_default)
    }
}

#[cfg(test)]
mod tests;
