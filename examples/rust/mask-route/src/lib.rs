//! MaskRoute: masks one field of each record's value and sends each record
//! to the topic its route header names. See examples/README.md.
//!
//! It works on the batch's descriptors directly (`Batch::part`,
//! `Batch::node`, `Batch::set_topic_index`): no record is decoded into an
//! owned value, and the mask text is stored once per batch.

use wasm_connect_sdk::layout::{Node, NodeKind, Part};
use wasm_connect_sdk::BatchError;
use wasm_connect_sdk::prelude::*;

/// The transform.
pub struct MaskRoute {
    field: String,
    mask: String,
    header: String,
}

impl Transform for MaskRoute {
    fn manifest() -> Manifest {
        Manifest::new(PluginKind::Transform, "examples.rust.MaskRoute", "1.0.0")
            .description(
                "Masks one field of each value and routes each record to the topic its route header names.",
            )
            .config(
                ConfigDef::new("mask.field", ConfigType::String)
                    .importance(Importance::High)
                    .doc("The value field to mask: a struct field or a map key."),
            )
            .config(
                ConfigDef::new("mask.with", ConfigType::String)
                    .default_value("****")
                    .doc("The text the field becomes."),
            )
            .config(
                ConfigDef::new("route.header", ConfigType::String)
                    .default_value("route")
                    .doc("The header whose value, when present, becomes the record's topic."),
            )
    }

    fn configure(config: Config) -> Result<Self> {
        let header = config.get("route.header").unwrap_or("").trim();
        Ok(Self {
            field: config.require("mask.field")?.to_owned(),
            mask: config.get("mask.with").unwrap_or("****").to_owned(),
            header: if header.is_empty() { "route" } else { header }.to_owned(),
        })
    }

    fn apply(&mut self, mut batch: Batch) -> Result<Batch> {
        let (start, len) = batch.push_bytes(self.mask.as_bytes())?;
        let mask = Node::string(start, len);
        // The field's position per value schema (most batches have one).
        let mut positions: Vec<(u32, Option<u64>)> = Vec::new();
        // Topic names already in the table, by their bytes.
        let mut topics: Vec<(Vec<u8>, u32)> = Vec::new();
        for i in 0..batch.len() {
            let at = |e: BatchError| PluginError::from(e).at_record(i);
            let (value, schema) = batch.part(i, Part::Value).map_err(at)?;
            let target = match NodeKind::from_u8(value.kind) {
                Some(NodeKind::Struct) => {
                    let pos = match positions.iter().find(|(s, _)| *s == schema) {
                        Some((_, pos)) => *pos,
                        None => {
                            let pos = self.position(&batch, schema).map_err(|e| e.at_record(i))?;
                            positions.push((schema, pos));
                            pos
                        }
                    };
                    pos.map(|p| value.b + p)
                }
                Some(NodeKind::Map) => self.map_entry(&batch, value).map_err(at)?,
                _ => None,
            };
            if let Some(child) = target {
                let child = child as usize;
                if !batch.node(child).map_err(at)?.is_null() {
                    batch.set_node(child, mask).map_err(at)?;
                }
            }
            if let Some((start, len)) = self.route(&batch, i).map_err(at)? {
                let text = batch.bytes(start, len, "a header value").map_err(at)?;
                let index = match topics.iter().find(|(name, _)| name.as_slice() == text) {
                    Some((_, index)) => *index,
                    None => {
                        let name = text.to_vec();
                        let index = batch
                            .intern_topic(&String::from_utf8_lossy(&name))
                            .map_err(at)?;
                        topics.push((name, index));
                        index
                    }
                };
                batch.set_topic_index(i, index).map_err(at)?;
            }
        }
        Ok(batch)
    }
}

impl MaskRoute {
    /// The position of the masked field in structs of schema `schema`, or
    /// `None` when they have no such field.
    fn position(&self, batch: &Batch, schema: u32) -> Result<Option<u64>> {
        let Some(def) = batch.schema_def(schema)? else {
            return Ok(None);
        };
        let Some(pos) = def.fields.iter().position(|(n, _)| *n == self.field) else {
            return Ok(None);
        };
        let field_schema = batch.schema_def(def.fields[pos].1)?;
        match field_schema.map(|s| s.schema_type) {
            Some(SchemaType::String) => Ok(Some(pos as u64)),
            // The words the Python and JavaScript helpers use.
            other => Err(PluginError::data(format!(
                "field {} is {}; cannot set it to a string",
                self.field,
                other.map_or("schemaless".to_owned(), |t| format!("{t:?}").to_lowercase())
            ))),
        }
    }

    /// The node index of the map entry whose key is the masked field.
    fn map_entry(&self, batch: &Batch, map: Node) -> Result<Option<u64>, BatchError> {
        for e in 0..u64::from(map.a) {
            let key = batch.node((map.b + 2 * e) as usize)?;
            if key.kind == NodeKind::String as u8
                && batch.bytes(key.b as u32, key.a, "a map key")? == self.field.as_bytes()
            {
                return Ok(Some(map.b + 2 * e + 1));
            }
        }
        Ok(None)
    }

    /// Where the text of record `i`'s last route header is, when it is
    /// non-empty text.
    fn route(&self, batch: &Batch, i: usize) -> Result<Option<(u32, u32)>, BatchError> {
        let (start, count) = batch.header_range(i)?;
        let mut found = None;
        for j in start..start + count {
            let h = batch.header_desc(j as usize)?;
            if batch.bytes(h.key_start, h.key_len, "a header key")? == self.header.as_bytes() {
                found = Some(h.value);
            }
        }
        let Some(node) = found else { return Ok(None) };
        if node.kind != NodeKind::String as u8 && node.kind != NodeKind::Bytes as u8 {
            return Ok(None);
        }
        let text = batch.bytes(node.b as u32, node.a, "a header value")?;
        let ok = !text.is_empty() && std::str::from_utf8(text).is_ok();
        Ok(ok.then_some((node.b as u32, node.a)))
    }
}

wasm_connect_sdk::export_plugins!(transform: [MaskRoute]);
