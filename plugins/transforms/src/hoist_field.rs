//! Apache's `HoistField$Key` and `HoistField$Value`: wrap the key or value
//! in a struct (with a schema) or map (without one) of a single field.

use std::sync::Arc;

use wasm_connect_sdk::layout::{NONE, Node};
use wasm_connect_sdk::prelude::*;

use crate::field_util::{
    self, BatchSchemas, KeySide, SchemaCache, Side, SideMarker, ValueSide, check_put, new_map,
    new_struct, push_text,
};

const FIELD: &str = "field";

/// `HoistField$Key`.
pub type HoistFieldKey = HoistField<KeySide>;
/// `HoistField$Value`.
pub type HoistFieldValue = HoistField<ValueSide>;

/// Apache's `HoistField`, for the key or the value.
pub struct HoistField<S: Side> {
    field: Arc<str>,
    /// Input schema → the one-field struct schema around it.
    cache: SchemaCache<Arc<Schema>>,
    side: SideMarker<S>,
}

impl<S: Side> Transform for HoistField<S> {
    fn manifest() -> Manifest {
        field_util::manifest(
            "HoistField",
            Some(S::NAME),
            "Wraps the data in a struct (with a schema) or a map (without one) under the configured field name.",
        )
        .config(
            ConfigDef::new(FIELD, ConfigType::String)
                .importance(Importance::Medium)
                .doc("Field name for the single field that will be created in the resulting Struct or Map."),
        )
    }

    fn configure(config: Config) -> Result<Self> {
        Ok(Self {
            field: Arc::from(field_util::required_string(&config, FIELD)?),
            cache: SchemaCache::default(),
            side: SideMarker::default(),
        })
    }

    fn apply(&mut self, mut batch: Batch) -> Result<Batch> {
        let Self { field, cache, .. } = self;
        let mut schemas = BatchSchemas::new(cache);
        let mut name: Option<Node> = None;
        for i in 0..batch.len() {
            hoist(&mut batch, i, S::PART, field, &mut schemas, &mut name)
                .map_err(|e| e.at_record(i))?;
        }
        Ok(batch)
    }
}

fn hoist(
    batch: &mut Batch,
    i: usize,
    part: Part,
    field: &Arc<str>,
    schemas: &mut BatchSchemas<'_, Arc<Schema>>,
    name: &mut Option<Node>,
) -> Result<()> {
    let (node, schema) = batch.part(i, part)?;
    if schema == NONE {
        // Even a null is wrapped: `{field=null}`.
        let key = match name {
            Some(n) => *n,
            None => {
                let n = push_text(batch, field)?;
                *name = Some(n);
                n
            }
        };
        let map = new_map(batch, &[key, node])?;
        batch.set_part(i, part, map, NONE)?;
        return Ok(());
    }
    let wrap = |s: &Arc<Schema>| {
        Ok(Arc::new(Schema::structure(vec![Field {
            name: field.to_string(),
            schema: s.clone(),
        }])))
    };
    let (_, out) = schemas.derive(batch, schema, wrap, |s| s)?;
    check_put(batch, field, schema, node)?;
    let value = new_struct(batch, &[node])?;
    batch.set_part(i, part, value, out)?;
    Ok(())
}

#[cfg(test)]
mod tests;
