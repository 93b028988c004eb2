//! Apache's `ValueToKey`: replace the record key with a struct (with a
//! schema) or map (without one) of chosen fields of the record value.

use std::sync::Arc;

use wasm_connect_sdk::layout::{NONE, Node, NodeKind};
use wasm_connect_sdk::prelude::*;

use crate::field_util::{
    self, BatchSchemas, Key, SchemaCache, Scratch, StructView, add_field, check_put, java_class,
    kind, map_get, new_struct, not_a_map, not_a_struct, push_text,
};

/// What Apache's error messages call this transform's work.
const PURPOSE: &str = "copying fields from value to key";

const FIELDS: &str = "fields";

/// Apache's `ValueToKey` (one class: it always reads the value and writes
/// the key).
pub struct ValueToKey {
    fields: Vec<String>,
    replace_null_with_default: bool,
    /// Value schema → key schema.
    cache: SchemaCache<Arc<Schema>>,
}

impl Transform for ValueToKey {
    fn manifest() -> Manifest {
        field_util::manifest(
            "ValueToKey",
            None,
            "Replaces the record key with a new key formed from a subset of fields in the record value.",
        )
        .config(
            ConfigDef::new(FIELDS, ConfigType::List)
                .importance(Importance::High)
                .doc("Field names on the record value to extract as the record key."),
        )
        .config(field_util::replace_null_def())
    }

    fn configure(config: Config) -> Result<Self> {
        Ok(Self {
            fields: field_util::non_empty_list(&config, FIELDS)?,
            replace_null_with_default: field_util::boolean(
                &config,
                field_util::REPLACE_NULL_WITH_DEFAULT,
                true,
            )?,
            cache: SchemaCache::default(),
        })
    }

    fn apply(&mut self, mut batch: Batch) -> Result<Batch> {
        let Self {
            fields,
            replace_null_with_default,
            cache,
        } = self;
        let mut schemas = BatchSchemas::new(cache);
        let mut names = vec![None; fields.len()];
        let mut scratch = Scratch::default();
        for i in 0..batch.len() {
            key_from_value(
                &mut batch,
                i,
                fields,
                *replace_null_with_default,
                &mut schemas,
                &mut names,
                &mut scratch,
            )
            .map_err(|e| e.at_record(i))?;
        }
        Ok(batch)
    }
}

fn key_from_value(
    batch: &mut Batch,
    i: usize,
    fields: &[String],
    replace_null_with_default: bool,
    schemas: &mut BatchSchemas<'_, Arc<Schema>>,
    names: &mut [Option<Node>],
    scratch: &mut Scratch,
) -> Result<()> {
    let (value, schema) = batch.part(i, Part::Value)?;
    if schema == NONE {
        if kind(value) != NodeKind::Map {
            return Err(not_a_map(PURPOSE, java_class(value, None)));
        }
        let key = &mut scratch.map;
        for (n, field) in fields.iter().enumerate() {
            let v = map_get(batch, value, field)?;
            let name = match names.get(n).copied().flatten() {
                Some(node) => node,
                None => {
                    let node = push_text(batch, field)?;
                    if let Some(memo) = names.get_mut(n) {
                        *memo = Some(node);
                    }
                    node
                }
            };
            key.put(batch, Key::Node(name), v)?;
        }
        let key = key.build(batch)?;
        batch.set_part(i, Part::Key, key, NONE)?;
        return Ok(());
    }
    if kind(value) != NodeKind::Struct {
        let def = field_util::schema_def(batch, schema)?;
        return Err(not_a_struct(PURPOSE, java_class(value, def)));
    }
    let (_, out) = schemas.derive(batch, schema, |s| key_schema(fields, s), |s| s)?;
    let def = field_util::schema_def(batch, schema)?
        .ok_or_else(|| PluginError::data("a struct value has no schema"))?;
    let view = StructView::new(def, value)?;
    let children = &mut scratch.nodes;
    children.clear();
    for field in fields {
        let k = view
            .index_of(field)
            .ok_or_else(|| PluginError::data(format!("Field does not exist: {field}")))?;
        let v = view.get(batch, k, replace_null_with_default)?;
        check_put(batch, field, view.field_schema(k), v)?;
        children.push(v);
    }
    let key = new_struct(batch, children)?;
    batch.set_part(i, Part::Key, key, out)?;
    Ok(())
}

/// A struct of the chosen fields of `value`, with their schemas.
fn key_schema(fields: &[String], value: &Arc<Schema>) -> Result<Arc<Schema>> {
    let mut out = Vec::with_capacity(fields.len());
    for field in fields {
        let (_, f) = value
            .field(field)
            .ok_or_else(|| PluginError::data(format!("Field does not exist: {field}")))?;
        add_field(&mut out, field, f.schema.clone())?;
    }
    Ok(Arc::new(Schema::structure(out)))
}

#[cfg(test)]
mod tests;
