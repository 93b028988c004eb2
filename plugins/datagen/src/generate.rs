//! The records themselves: deterministic keys and values, written straight
//! into the packed batch (no `Record` per record: at hundreds of thousands
//! of records a second, the generator must cost little next to what it
//! measures).

use std::io::Write;
use std::sync::Arc;

use wasm_connect_sdk::layout::{Node, NodeKind, RecordDesc, TimestampType};
use wasm_connect_sdk::prelude::*;

use crate::settings::{SchemaKind, Settings};

/// The letters values are filled with.
const LETTERS: &[u8; 26] = b"abcdefghijklmnopqrstuvwxyz";

/// Append the key of record `id`: its decimal digits, padded with leading
/// zeros to `size` bytes (a longer id is written whole).
pub fn key_bytes(id: u64, size: usize, out: &mut Vec<u8>) {
    let digits = id.to_string();
    out.extend(std::iter::repeat_n(b'0', size.saturating_sub(digits.len())));
    out.extend_from_slice(digits.as_bytes());
}

/// Append the first `size` bytes of record `id`'s text: its decimal
/// digits, a space, then the letters a to z repeated, starting at letter
/// `id mod 26`.
pub fn text_bytes(id: u64, size: usize, out: &mut Vec<u8>) {
    let start = out.len();
    let _ = write!(out, "{id} ");
    out.truncate(start + size);
    let mut letter = (id % 26) as usize;
    while out.len() < start + size {
        let take = (LETTERS.len() - letter).min(start + size - out.len());
        out.extend_from_slice(&LETTERS[letter..letter + take]);
        letter = 0;
    }
}

/// Makes one task's records, in order of id.
pub struct Generator {
    settings: Settings,
    /// The task-local number of the next record (its id is
    /// `next * tasks + task`).
    next: u64,
    /// How many records the task makes in all (None: no end).
    total: Option<u64>,
    key_schema: Option<Arc<Schema>>,
    value_schema: Option<Arc<Schema>>,
    scratch: Vec<u8>,
}

impl Generator {
    /// A generator for a task whose next record is number `next`.
    pub fn new(settings: &Settings, next: u64) -> Self {
        let (key_schema, value_schema) = match settings.schema {
            SchemaKind::Bytes => (None, None),
            SchemaKind::String => (
                Some(Arc::new(Schema::new(SchemaType::String))),
                Some(Arc::new(Schema::new(SchemaType::String))),
            ),
            SchemaKind::Struct { fields } => (
                Some(Arc::new(Schema::new(SchemaType::String))),
                Some(struct_schema(fields)),
            ),
        };
        Self {
            total: settings.task_records(),
            settings: settings.clone(),
            next,
            key_schema,
            value_schema,
            scratch: Vec::new(),
        }
    }

    /// How many records are left to make (`u64::MAX`: no end).
    pub fn remaining(&self) -> u64 {
        self.total
            .map_or(u64::MAX, |total| total.saturating_sub(self.next))
    }

    /// The id of task-local record `n`.
    fn id(&self, n: u64) -> u64 {
        n * self.settings.tasks + self.settings.task
    }

    /// The next `count` records, stamped `timestamp`, each with its source
    /// offset `{"next": <the number after it>}` in `partition`.
    pub fn batch(
        &mut self,
        count: usize,
        partition: &str,
        timestamp: i64,
    ) -> Result<Batch, PluginError> {
        let mut batch = Batch::new();
        let topic = batch.intern_topic(&self.settings.topic)?;
        let source_partition = batch.intern_source_partition(partition)?;
        let key_schema = match &self.key_schema {
            Some(s) => batch.add_schema_arc(s)?,
            None => wasm_connect_sdk::layout::NONE,
        };
        let value_schema = match &self.value_schema {
            Some(s) => batch.add_schema_arc(s)?,
            None => wasm_connect_sdk::layout::NONE,
        };
        batch
            .records
            .reserve(count * wasm_connect_sdk::layout::RECORD_SIZE);
        for _ in 0..count {
            let id = self.id(self.next);
            self.next += 1;
            let mut desc = RecordDesc {
                topic,
                key_schema,
                value_schema,
                source_partition,
                ..RecordDesc::default()
            };
            desc.set_timestamp(Some(timestamp), TimestampType::NoType);
            if self.settings.key_size > 0 {
                self.scratch.clear();
                key_bytes(id, self.settings.key_size, &mut self.scratch);
                let (start, len) = batch.push_bytes(&self.scratch)?;
                desc.key = match self.key_schema {
                    Some(_) => Node::string(start, len),
                    None => Node::bytes(start, len),
                };
            } else {
                desc.key_schema = wasm_connect_sdk::layout::NONE;
            }
            desc.value = self.value(&mut batch, id)?;
            self.scratch.clear();
            let _ = write!(self.scratch, "{{\"next\":{}}}", self.next);
            let (start, len) = batch.push_bytes(&self.scratch)?;
            desc.source_offset_start = start;
            desc.source_offset_len = len;
            batch.push_desc(&desc);
        }
        Ok(batch)
    }

    /// Record `id`'s value, its bytes and nodes added to `batch`.
    fn value(&mut self, batch: &mut Batch, id: u64) -> Result<Node, PluginError> {
        let size = self.settings.value_size;
        let text = |scratch: &mut Vec<u8>, batch: &mut Batch, size: usize| {
            scratch.clear();
            text_bytes(id, size, scratch);
            batch.push_bytes(scratch)
        };
        Ok(match self.settings.schema {
            SchemaKind::Bytes => {
                let (start, len) = text(&mut self.scratch, batch, size)?;
                Node::bytes(start, len)
            }
            SchemaKind::String => {
                let (start, len) = text(&mut self.scratch, batch, size)?;
                Node::string(start, len)
            }
            SchemaKind::Struct { fields } => {
                let strings = fields / 2;
                let first = batch.reserve_nodes(fields)?;
                batch.set_node(first as usize, Node::new(NodeKind::Int64, 0, id))?;
                let mut string_index = 0;
                for i in 1..fields {
                    let node = if i % 2 == 1 {
                        // The strings share value.size; the first ones take
                        // what does not divide evenly.
                        let share = size / strings + usize::from(string_index < size % strings);
                        string_index += 1;
                        let (start, len) = text(&mut self.scratch, batch, share)?;
                        Node::string(start, len)
                    } else {
                        Node::new(NodeKind::Int64, 0, id.wrapping_mul(i as u64))
                    };
                    batch.set_node(first as usize + i, node)?;
                }
                Node::new(NodeKind::Struct, fields as u32, u64::from(first))
            }
        })
    }
}

/// `wasmconnect.datagen.Value`: `id` (int64), then f1, f2, … alternately
/// strings and int64s.
fn struct_schema(fields: usize) -> Arc<Schema> {
    let field = |name: String, schema_type| Field {
        name,
        schema: Arc::new(Schema::new(schema_type)),
    };
    let mut all = vec![field("id".into(), SchemaType::Int64)];
    for i in 1..fields {
        let schema_type = if i % 2 == 1 {
            SchemaType::String
        } else {
            SchemaType::Int64
        };
        all.push(field(format!("f{i}"), schema_type));
    }
    Arc::new(Schema::structure(all).named("wasmconnect.datagen.Value"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_texts_are_deterministic() {
        let mut out = Vec::new();
        key_bytes(42, 6, &mut out);
        assert_eq!(out, b"000042");
        out.clear();
        key_bytes(1234567, 3, &mut out);
        assert_eq!(out, b"1234567");
        out.clear();
        text_bytes(27, 40, &mut out);
        assert_eq!(out, b"27 bcdefghijklmnopqrstuvwxyzabcdefghijkl");
        out.clear();
        text_bytes(123456, 3, &mut out);
        assert_eq!(out, b"123");
    }
}
