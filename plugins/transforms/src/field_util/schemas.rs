//! Derived schemas, cached as Apache caches them, and the schema
//! builders Apache's transforms share.

use std::sync::Arc;

use wasm_connect_sdk::Schemas;
use wasm_connect_sdk::prelude::*;

use super::duplicate_field;

/// How many input schemas a transform remembers derivations for: Apache's
/// `new LRUCache<>(16)`.
pub const SCHEMA_CACHE_SIZE: usize = 16;

/// A least-recently-used cache of what a transform derived from an input
/// schema, keyed by schema equality (schemas are rebuilt for every batch,
/// so pointers do not survive from one batch to the next).
pub struct SchemaCache<T> {
    entries: Vec<(Arc<Schema>, T)>,
}

impl<T> Default for SchemaCache<T> {
    fn default() -> Self {
        Self {
            entries: Vec::new(),
        }
    }
}

impl<T> SchemaCache<T> {
    /// How many derivations are remembered.
    pub fn entries_len(&self) -> usize {
        self.entries.len()
    }
}

impl<T: Clone> SchemaCache<T> {
    /// The derivation for `schema`, made by `make` on a miss.
    pub fn get_or_make(
        &mut self,
        schema: &Arc<Schema>,
        make: impl FnOnce(&Arc<Schema>) -> Result<T>,
    ) -> Result<T> {
        if let Some(i) = self
            .entries
            .iter()
            .position(|(s, _)| Arc::ptr_eq(s, schema) || **s == **schema)
        {
            let entry = self.entries.remove(i);
            let value = entry.1.clone();
            self.entries.push(entry);
            return Ok(value);
        }
        let value = make(schema)?;
        if self.entries.len() >= SCHEMA_CACHE_SIZE {
            self.entries.remove(0);
        }
        self.entries.push((schema.clone(), value.clone()));
        Ok(value)
    }
}

/// Derivations for one batch: each input schema index is looked up in the
/// cross-batch [`SchemaCache`] once, and its output schema added to the
/// batch's table once.
pub struct BatchSchemas<'c, T> {
    cache: &'c mut SchemaCache<T>,
    resolved: Option<Schemas>,
    /// (input index, derivation, output index); a batch rarely has more
    /// than a few schemas, so a scan beats hashing.
    memo: Vec<(u32, T, u32)>,
}

impl<'c, T: Clone> BatchSchemas<'c, T> {
    /// Start a batch.
    pub fn new(cache: &'c mut SchemaCache<T>) -> Self {
        Self {
            cache,
            resolved: None,
            memo: Vec::new(),
        }
    }

    /// The schema tree at `index` of the batch's table.
    pub fn tree(&mut self, batch: &Batch, index: u32) -> Result<Arc<Schema>> {
        if self.resolved.is_none() {
            self.resolved = Some(batch.resolve_schemas()?);
        }
        self.resolved
            .as_ref()
            .and_then(|r| r.get(index).ok().flatten().cloned())
            .ok_or_else(|| PluginError::data(format!("no schema at index {index}")))
    }

    /// The derivation for input schema `index` and the index of its output
    /// schema (`output` of the derivation) in the batch's table.
    pub fn derive(
        &mut self,
        batch: &mut Batch,
        index: u32,
        make: impl FnOnce(&Arc<Schema>) -> Result<T>,
        output: impl FnOnce(&T) -> &Arc<Schema>,
    ) -> Result<(&T, u32)> {
        let at = match self.memo.iter().position(|(i, _, _)| *i == index) {
            Some(at) => at,
            None => {
                let tree = self.tree(batch, index)?;
                let derived = self.cache.get_or_make(&tree, make)?;
                let out = batch.add_schema_arc(output(&derived))?;
                self.memo.push((index, derived, out));
                self.memo.len() - 1
            }
        };
        let (_, derived, out) = self
            .memo
            .get(at)
            .ok_or_else(|| PluginError::data("a derived schema went missing"))?;
        Ok((derived, *out))
    }
}

/// A schema with Apache's `SchemaUtil.copySchemaBasics` applied to a new
/// struct builder: the name, version, doc and parameters of `source`, and
/// `fields`; required, no default.
pub fn struct_like(source: &Schema, fields: Vec<Field>) -> Schema {
    Schema {
        name: source.name.clone(),
        version: source.version,
        doc: source.doc.clone(),
        parameters: source.parameters.clone(),
        ..Schema::structure(fields)
    }
}

/// Add `field` to `fields` as `SchemaBuilder.field` does: a name used
/// twice is an error.
pub fn add_field(fields: &mut Vec<Field>, name: &str, schema: Arc<Schema>) -> Result<()> {
    if fields.iter().any(|f| f.name == name) {
        return Err(PluginError::data(duplicate_field(name)));
    }
    fields.push(Field {
        name: name.to_owned(),
        schema,
    });
    Ok(())
}
