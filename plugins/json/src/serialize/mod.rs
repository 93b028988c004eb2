//! Connect data → JSON bytes: Apache's `fromConnectData`
//! (`asJsonSchema` + `convertToJson`), written straight into a reused
//! buffer from the batch's nodes.

mod prepare;
mod values;

use std::sync::Arc;

use wasm_connect_sdk::Batch;
use wasm_connect_sdk::layout::{NONE, Node};

use crate::config::DecimalFormat;
pub use prepare::{Prepared, Preparer};
use values::write_value;

/// The settings that change the bytes written.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// How Decimal values are written.
    pub decimal_format: DecimalFormat,
    /// Whether a null with a default is written as the default.
    pub replace_null_with_default: bool,
}
/// Writes one record's key, value or header as Apache's `fromConnectData`.
#[derive(Debug)]
pub struct Serializer {
    settings: Settings,
    schemas_enable: bool,
    preparer: Preparer,
    out: Vec<u8>,
}

impl Serializer {
    /// A serializer for the converter's settings.
    pub fn new(settings: Settings, schemas_enable: bool, cache_size: i32) -> Self {
        Self {
            settings,
            schemas_enable,
            preparer: Preparer::new(settings, cache_size),
            out: Vec::new(),
        }
    }

    /// Number of schemas in the cache.
    pub fn cached_schemas(&self) -> usize {
        self.preparer.cached()
    }

    /// Prepare the schemas of a batch's table on first use.
    pub fn prepared(
        &mut self,
        memo: &mut BatchSchemas,
        index: u32,
    ) -> Result<Option<Arc<Prepared>>, String> {
        if index == NONE {
            return Ok(None);
        }
        if let Some(Some(p)) = memo.prepared.get(index as usize) {
            return Ok(Some(p.clone()));
        }
        let schema = memo
            .resolved
            .get(index)
            .map_err(|e| e.to_string())?
            .cloned()
            .ok_or("a schema reference points nowhere")?;
        let p = self.preparer.prepare(&schema, 0)?;
        if let Some(slot) = memo.prepared.get_mut(index as usize) {
            *slot = Some(p.clone());
        }
        Ok(Some(p))
    }

    /// The bytes for `node` with schema `index`; `None` for a tombstone.
    pub fn serialize(
        &mut self,
        batch: &Batch,
        memo: &mut BatchSchemas,
        node: Node,
        index: u32,
    ) -> Result<Option<&[u8]>, String> {
        if index == NONE && node.is_null() {
            return Ok(None);
        }
        let prepared = self.prepared(memo, index)?;
        let mut out = std::mem::take(&mut self.out);
        out.clear();
        let result = (|| {
            if self.schemas_enable {
                out.extend_from_slice(b"{\"schema\":");
                match &prepared {
                    Some(p) => out.extend_from_slice(p.json()?),
                    None => out.extend_from_slice(b"null"),
                }
                out.extend_from_slice(b",\"payload\":");
                write_value(
                    &self.settings,
                    &mut out,
                    batch,
                    node,
                    prepared.as_deref(),
                    0,
                )?;
                out.push(b'}');
            } else {
                write_value(
                    &self.settings,
                    &mut out,
                    batch,
                    node,
                    prepared.as_deref(),
                    0,
                )?;
            }
            Ok(())
        })();
        self.out = out;
        result.map(|()| Some(self.out.as_slice()))
    }
}

/// A batch's schema table, resolved once, with prepared schemas filled in
/// as records use them.
pub struct BatchSchemas {
    resolved: wasm_connect_sdk::Schemas,
    prepared: Vec<Option<Arc<Prepared>>>,
}

impl BatchSchemas {
    /// Resolve `batch`'s schema table.
    pub fn new(batch: &Batch) -> Result<Self, String> {
        Ok(Self {
            resolved: batch.resolve_schemas().map_err(|e| e.to_string())?,
            prepared: vec![None; batch.schemas.len()],
        })
    }
}
