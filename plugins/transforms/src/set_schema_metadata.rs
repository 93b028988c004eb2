//! Apache's `SetSchemaMetadata$Key` and `SetSchemaMetadata$Value`: set the
//! name and/or version of the key or value schema.

use std::sync::Arc;

use wasm_connect_sdk::layout::{NONE, NodeKind};
use wasm_connect_sdk::prelude::*;

use crate::field_util::{
    self, BatchSchemas, KeySide, SchemaCache, Scratch, Side, SideMarker, StructView, ValueSide,
    check_put, kind, new_struct,
};

const SCHEMA_NAME: &str = "schema.name";
const SCHEMA_VERSION: &str = "schema.version";

/// `SetSchemaMetadata$Key`.
pub type SetSchemaMetadataKey = SetSchemaMetadata<KeySide>;
/// `SetSchemaMetadata$Value`.
pub type SetSchemaMetadataValue = SetSchemaMetadata<ValueSide>;

/// The configured name and version.
struct Settings {
    name: Option<String>,
    version: Option<i32>,
    replace_null_with_default: bool,
}

/// Apache's `SetSchemaMetadata`, for the key or the value.
pub struct SetSchemaMetadata<S: Side> {
    settings: Settings,
    /// Input schema → the renamed schema.
    cache: SchemaCache<Arc<Schema>>,
    side: SideMarker<S>,
}

impl<S: Side> Transform for SetSchemaMetadata<S> {
    fn manifest() -> Manifest {
        field_util::manifest(
            "SetSchemaMetadata",
            Some(S::NAME),
            "Sets the schema name, version or both on the record's key or value schema.",
        )
        .config(
            ConfigDef::new(SCHEMA_NAME, ConfigType::String)
                .default_value("null")
                .importance(Importance::High)
                .doc("Schema name to set."),
        )
        .config(
            ConfigDef::new(SCHEMA_VERSION, ConfigType::Int)
                .default_value("null")
                .importance(Importance::High)
                .doc("Schema version to set."),
        )
        .config(field_util::replace_null_def())
    }

    fn configure(config: Config) -> Result<Self> {
        let settings = Settings {
            name: field_util::string(&config, SCHEMA_NAME),
            version: field_util::int(&config, SCHEMA_VERSION)?,
            replace_null_with_default: field_util::boolean(
                &config,
                field_util::REPLACE_NULL_WITH_DEFAULT,
                true,
            )?,
        };
        if settings.name.is_none() && settings.version.is_none() {
            return Err(PluginError::config(
                "Neither schema name nor version configured",
            ));
        }
        Ok(Self {
            settings,
            cache: SchemaCache::default(),
            side: SideMarker::default(),
        })
    }

    fn apply(&mut self, mut batch: Batch) -> Result<Batch> {
        let Self {
            settings, cache, ..
        } = self;
        let mut schemas = BatchSchemas::new(cache);
        let mut scratch = Scratch::default();
        for i in 0..batch.len() {
            settings
                .update(&mut batch, i, S::PART, &mut schemas, &mut scratch)
                .map_err(|e| e.at_record(i))?;
        }
        Ok(batch)
    }
}

impl Settings {
    fn update(
        &self,
        batch: &mut Batch,
        i: usize,
        part: Part,
        schemas: &mut BatchSchemas<'_, Arc<Schema>>,
        scratch: &mut Scratch,
    ) -> Result<()> {
        let (node, schema) = batch.part(i, part)?;
        if schema == NONE {
            if node.is_null() {
                return Ok(());
            }
            return Err(PluginError::data(
                "Schema required for [updating schema metadata]",
            ));
        }
        let def = field_util::schema_def(batch, schema)?
            .ok_or_else(|| PluginError::data("a value has no schema"))?;
        // Apache builds the new schema from `schema.fields()`, which only
        // struct schemas answer.
        if def.schema_type != SchemaType::Struct {
            return Err(PluginError::data("Cannot list fields on non-struct type"));
        }
        let (_, out) = schemas.derive(batch, schema, |s| Ok(self.renamed(s)), |s| s)?;
        let mut value = node;
        if kind(node) == NodeKind::Struct {
            // Apache copies the struct into one of the new schema, field by
            // field with `Struct.get` (defaults filled in) or without. Struct
            // values do not carry their schema in a batch: unless a null
            // field changes (or is refused), the value is reused as is.
            let def = field_util::schema_def(batch, schema)?
                .ok_or_else(|| PluginError::data("a value has no schema"))?;
            let view = StructView::new(def, node)?;
            if view.any_null(batch)? {
                let children = &mut scratch.nodes;
                children.clear();
                let mut changed = false;
                for (k, (name, field_schema)) in def.fields.iter().enumerate() {
                    let (v, raw) = view.get_and_raw(batch, k, self.replace_null_with_default)?;
                    check_put(batch, name, *field_schema, v)?;
                    changed |= v != raw;
                    children.push(v);
                }
                if changed {
                    value = new_struct(batch, children)?;
                }
            }
        }
        batch.set_part(i, part, value, out)?;
        Ok(())
    }

    /// The schema with the configured name and version; everything else
    /// (optionality, default, doc, parameters, fields) kept.
    fn renamed(&self, schema: &Arc<Schema>) -> Arc<Schema> {
        let mut out = (**schema).clone();
        if let Some(name) = &self.name {
            out.name = Some(name.clone());
        }
        if let Some(version) = self.version {
            out.version = Some(version);
        }
        Arc::new(out)
    }
}

#[cfg(test)]
mod tests;
