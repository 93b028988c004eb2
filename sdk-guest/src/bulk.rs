//! Batch-wide operations: what a transform does to every record, done in
//! one pass over the descriptors, with each new value stored once per batch.
//!
//! A transform written record by record through [`Batch::part`],
//! [`Batch::node`] and friends pays a bounds-checked descriptor read per
//! call and repeats per-schema and per-topic work for every record. These
//! operations read each record's descriptor once, remember the per-schema
//! plan and the topics already interned, and skip re-checking what an
//! earlier record of the batch already proved (a header key at the same
//! offset, a topic with the same bytes). They are also what the host runs
//! for the contract's `batch-ops` import, which the Python and JavaScript
//! helpers' `set_field`, `set_topics_from_header` and `add_header` call: one
//! implementation, so the rules and the error text are the same in every
//! language.

use crate::batch::{Batch, BatchError};
use crate::data::{Header, SchemaType, Value};
use crate::error::PluginError;
use crate::layout::{
    HEADER_COUNT_AT, HEADER_KEY_AT, HEADER_SIZE, HEADER_START_AT, HEADER_VALUE_AT, NODE_SIZE, Node,
    NodeKind, Part, RECORD_SIZE, TOPIC_AT, u32_at, u64_at,
};

/// Byte positions of the value's schema index and node in a record
/// descriptor.
const VALUE_SCHEMA_AT: usize = Part::Value.positions().0;
const VALUE_NODE_AT: usize = Part::Value.positions().1;

/// How many topics [`Batch::set_topics_from_header`] remembers by their
/// bytes, in a direct-mapped table (a power of two); routing transforms
/// send a batch to a handful of topics. A topic not remembered is looked
/// up in the batch's table.
const TOPIC_MEMO: usize = 32;

/// The memo slot of a topic's bytes (never empty here).
#[inline(always)]
fn topic_slot(text: &[u8]) -> usize {
    let first = usize::from(text.first().copied().unwrap_or(0));
    let last = usize::from(text.last().copied().unwrap_or(0));
    (text.len() ^ first ^ (last << 2)) & (TOPIC_MEMO - 1)
}

/// Where the field to set is in structs of one schema, and the node to
/// write there (`None`: that schema has no such field).
type Plan = Option<(u64, Node)>;

impl Batch {
    /// Set field `name` of every record's value to `value`: the field of
    /// a struct value (whose schema must accept `value`), or the entry of a
    /// map value whose key is the string `name`. Records without such a
    /// field are left alone, and so are null fields when `skip_null` is
    /// true. The new value is stored once per schema and shared.
    ///
    /// An error names the first record whose schema refuses `value`.
    pub fn set_field(
        &mut self,
        name: &str,
        value: &Value,
        skip_null: bool,
    ) -> Result<(), PluginError> {
        // The plans of the schemas seen; the last one is checked first
        // (batches rarely mix schemas).
        let mut plans: Vec<(u32, Plan)> = Vec::new();
        let mut last: Option<(u32, Plan)> = None;
        let mut schemaless: Option<Node> = None;
        for i in 0..self.len() {
            let at = |e: BatchError| PluginError::from(e).at_record(i);
            let desc = record_bytes(&self.records, i).map_err(at)?;
            let kind = desc[VALUE_NODE_AT];
            if kind == NodeKind::Struct as u8 {
                let schema = u32_at(desc, VALUE_SCHEMA_AT);
                let count = u32_at(desc, VALUE_NODE_AT + 4);
                let first = u64_at(desc, VALUE_NODE_AT + 8);
                let plan = match last {
                    Some((s, plan)) if s == schema => plan,
                    _ => {
                        let plan = match plans.iter().find(|(s, _)| *s == schema) {
                            Some((_, plan)) => *plan,
                            None => {
                                let plan = self
                                    .field_plan(schema, name, value)
                                    .map_err(|e| e.at_record(i))?;
                                plans.push((schema, plan));
                                plan
                            }
                        };
                        last = Some((schema, plan));
                        plan
                    }
                };
                let Some((pos, node)) = plan else { continue };
                if pos >= u64::from(count) {
                    return Err(PluginError::from(BatchError::SchemaMismatch {
                        what: format!("a struct with {count} values for its schema's fields"),
                        found: "struct",
                        expected: "struct",
                    })
                    .at_record(i));
                }
                self.write_child(first.saturating_add(pos), node, skip_null)
                    .map_err(at)?;
            } else if kind == NodeKind::Map as u8 {
                let entries = u64::from(u32_at(desc, VALUE_NODE_AT + 4));
                let first = u64_at(desc, VALUE_NODE_AT + 8);
                for e in 0..entries {
                    let key_at = first.saturating_add(2 * e);
                    let key = self.node(index(key_at).map_err(at)?).map_err(at)?;
                    if key.kind != NodeKind::String as u8
                        || key.a as usize != name.len()
                        || bytes_at(self.data(), offset(key.b).map_err(at)?, key.a).map_err(at)?
                            != name.as_bytes()
                    {
                        continue;
                    }
                    let node = match schemaless {
                        Some(node) => node,
                        None => {
                            let node = self.encode_value(value, None, 0).map_err(at)?;
                            schemaless = Some(node);
                            node
                        }
                    };
                    self.write_child(key_at.saturating_add(1), node, skip_null)
                        .map_err(at)?;
                }
            }
        }
        Ok(())
    }

    /// Where field `name` is in structs of schema `schema`, and `value`
    /// stored as that field's value; `None` when there is no such field.
    fn field_plan(&mut self, schema: u32, name: &str, value: &Value) -> Result<Plan, PluginError> {
        let Some(def) = self.schema_def(schema)? else {
            return Ok(None);
        };
        let Some(pos) = def.fields.iter().position(|(n, _)| n == name) else {
            return Ok(None);
        };
        let field_schema = def.fields[pos].1;
        let refused = |type_name: &str| {
            PluginError::data(format!(
                "field {name} is {type_name}; cannot set it to {}",
                kind_words(value)
            ))
        };
        let Some(field) = self.schema_def(field_schema)? else {
            return Err(refused("schemaless"));
        };
        let node = if field.schema_type.is_primitive() && !matches!(value, Value::Null) {
            // The common case, checked against the table entry: no schema
            // tree is built.
            let Some(value) = coerce(value, field.schema_type) else {
                return Err(refused(field.schema_type.name()));
            };
            self.encode_value(&value, None, 0)?
        } else {
            let tree = self.schema_tree(field_schema)?;
            let type_name = field.schema_type.name();
            match self.encode_value(value, tree.as_deref(), 0) {
                Ok(node) => node,
                Err(BatchError::SchemaMismatch { .. }) => return Err(refused(type_name)),
                Err(e) => return Err(e.into()),
            }
        };
        Ok(Some((pos as u64, node)))
    }

    /// Overwrite node `child` with `node`, unless it is null and nulls are
    /// skipped.
    fn write_child(&mut self, child: u64, node: Node, skip_null: bool) -> Result<(), BatchError> {
        let nodes = self.node_count();
        let bytes = entries(child, 1, NODE_SIZE)
            .and_then(|range| self.nodes.get_mut(range))
            .ok_or_else(|| out_of_range("nodes", child, nodes))?;
        if skip_null && bytes[0] == NodeKind::Null as u8 {
            return Ok(());
        }
        node.write_at(bytes, 0);
        Ok(())
    }

    /// Set each record's topic from the value of its last header called
    /// `key`, when that value is non-empty UTF-8 text (a string, or bytes
    /// that are UTF-8); other records keep their topic.
    ///
    /// Header keys equal to `key` are recognised by their offsets after
    /// one byte comparison (batch builders store a repeated key once, see
    /// [`Batch::push_header_key`]), and a topic already seen in this batch by
    /// its bytes, so only new topics are checked as UTF-8.
    pub fn set_topics_from_header(&mut self, key: &str) -> Result<(), PluginError> {
        let key = key.as_bytes();
        // A key range known to hold `key`.
        let mut known: Option<(u32, u32)> = None;
        // Topics seen: their bytes' range in data, and their table index.
        // (start, length 0 = empty, topic index) by `topic_slot`.
        let mut memo = [(0u32, 0u32, 0u32); TOPIC_MEMO];
        for i in 0..self.len() {
            let at = |e: BatchError| PluginError::from(e).at_record(i);
            let desc = record_bytes(&self.records, i).map_err(at)?;
            let start = u64::from(u32_at(desc, HEADER_START_AT));
            let count = u64::from(u32_at(desc, HEADER_COUNT_AT));
            let headers = entries(start, count, HEADER_SIZE)
                .and_then(|range| self.headers.get(range))
                .ok_or_else(|| at(out_of_range("headers", start + count, self.header_count())))?;
            let data = self.data();
            let mut found = None;
            for h in headers.chunks_exact(HEADER_SIZE) {
                let range = (u32_at(h, HEADER_KEY_AT), u32_at(h, HEADER_KEY_AT + 4));
                let is_key = Some(range) == known
                    || (range.1 as usize == key.len()
                        && same_bytes(bytes_at(data, range.0, range.1).map_err(at)?, key));
                if is_key {
                    known = Some(range);
                    found = Some(h);
                }
            }
            let Some(h) = found else { continue };
            let kind = h[HEADER_VALUE_AT];
            if kind != NodeKind::String as u8 && kind != NodeKind::Bytes as u8 {
                continue;
            }
            let len = u32_at(h, HEADER_VALUE_AT + 4);
            let value_start = offset(u64_at(h, HEADER_VALUE_AT + 8)).map_err(at)?;
            if len == 0 {
                continue;
            }
            let text = bytes_at(data, value_start, len).map_err(at)?;
            // One slot per (length, first and last byte): a record is
            // compared with one remembered topic only.
            let slot = topic_slot(text);
            let (s, l, known_topic) = memo[slot];
            let hit = (s, l) == (value_start, len)
                || (l == len && bytes_at(data, s, l).is_ok_and(|t| same_bytes(t, text)));
            let topic = if hit {
                known_topic
            } else {
                let Ok(name) = std::str::from_utf8(text) else {
                    continue;
                };
                let name = name.to_owned();
                let topic = self.intern_topic(&name).map_err(at)?;
                memo[slot] = (value_start, len, topic);
                topic
            };
            let desc = record_bytes_mut(&mut self.records, i).map_err(at)?;
            desc[TOPIC_AT..TOPIC_AT + 4].copy_from_slice(&topic.to_le_bytes());
        }
        Ok(())
    }

    /// Add `header` to every record, after its other headers. The key, the
    /// value and, for records that had no headers, the descriptor itself
    /// are stored once and shared; a record with headers gets a copy of
    /// its descriptors (a record's headers are consecutive) followed by
    /// the new one.
    pub fn add_header(&mut self, header: &Header) -> Result<(), PluginError> {
        if self.is_empty() {
            return Ok(());
        }
        let desc = self.push_header(header)?;
        let desc_range = entries(u64::from(desc), 1, HEADER_SIZE)
            .ok_or_else(|| out_of_range("headers", u64::from(desc), self.header_count()))?;
        for i in 0..self.len() {
            let at = |e: BatchError| PluginError::from(e).at_record(i);
            let record = record_bytes(&self.records, i).map_err(at)?;
            let start = u64::from(u32_at(record, HEADER_START_AT));
            let count = u32_at(record, HEADER_COUNT_AT);
            let first = if count == 0 {
                // The descriptor pushed above, used by every record that
                // had no headers.
                desc
            } else {
                let range = entries(start, u64::from(count), HEADER_SIZE)
                    .filter(|r| r.end <= self.headers.len())
                    .ok_or_else(|| {
                        at(out_of_range(
                            "headers",
                            start + u64::from(count),
                            self.header_count(),
                        ))
                    })?;
                let first =
                    u32::try_from(self.header_count()).map_err(|_| at(BatchError::TooLarge))?;
                self.headers.extend_from_within(range);
                self.headers.extend_from_within(desc_range.clone());
                first
            };
            let record = record_bytes_mut(&mut self.records, i).map_err(at)?;
            record[HEADER_START_AT..HEADER_START_AT + 4].copy_from_slice(&first.to_le_bytes());
            record[HEADER_COUNT_AT..HEADER_COUNT_AT + 4]
                .copy_from_slice(&(count.saturating_add(1)).to_le_bytes());
        }
        Ok(())
    }
}

/// A non-null primitive `value` as a field of type `target` holds it, the
/// way the Python and JavaScript helpers convert their numbers: an integer
/// fits any integer type whose range holds it and the float types, a float
/// either float type; anything else only its own type. `None`: refused.
fn coerce(value: &Value, target: SchemaType) -> Option<Value> {
    let int = match *value {
        Value::Int8(v) => Some(i64::from(v)),
        Value::Int16(v) => Some(i64::from(v)),
        Value::Int32(v) => Some(i64::from(v)),
        Value::Int64(v) => Some(v),
        _ => None,
    };
    let float = match *value {
        Value::Float32(v) => Some(f64::from(v)),
        Value::Float64(v) => Some(v),
        _ => int.map(|v| v as f64),
    };
    Some(match target {
        SchemaType::Int8 => Value::Int8(int?.try_into().ok()?),
        SchemaType::Int16 => Value::Int16(int?.try_into().ok()?),
        SchemaType::Int32 => Value::Int32(int?.try_into().ok()?),
        SchemaType::Int64 => Value::Int64(int?),
        // Narrowing to float32 rounds, as Java's and JavaScript's do.
        SchemaType::Float32 => Value::Float32(float? as f32),
        SchemaType::Float64 => Value::Float64(float?),
        SchemaType::Boolean if matches!(value, Value::Boolean(_)) => value.clone(),
        SchemaType::String if matches!(value, Value::String(_)) => value.clone(),
        SchemaType::Bytes if matches!(value, Value::Bytes(_)) => value.clone(),
        _ => return None,
    })
}

/// A value's kind in words, as the Python and JavaScript helpers say it.
fn kind_words(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Boolean(_) => "a boolean",
        Value::Int8(_) => "an int8",
        Value::Int16(_) => "an int16",
        Value::Int32(_) => "an int32",
        Value::Int64(_) => "an int64",
        Value::Float32(_) => "a float",
        Value::Float64(_) => "a double",
        Value::String(_) => "a string",
        Value::Bytes(_) => "bytes",
        Value::Array(_) => "an array",
        Value::Map(_) => "a map",
        Value::Struct(_) => "a struct",
    }
}

/// Whether two byte strings are equal. Topic names and header keys are
/// short: up to 16 bytes are compared as two overlapping words, which in
/// wasm beats a call to `memcmp` (a byte loop there) several times.
#[inline(always)]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if (8..=16).contains(&n) {
        u64_at(a, 0) == u64_at(b, 0) && u64_at(a, n - 8) == u64_at(b, n - 8)
    } else if (4..8).contains(&n) {
        u32_at(a, 0) == u32_at(b, 0) && u32_at(a, n - 4) == u32_at(b, n - 4)
    } else {
        a == b
    }
}

fn record_bytes(records: &[u8], i: usize) -> Result<&[u8], BatchError> {
    records
        .get(i * RECORD_SIZE..(i + 1) * RECORD_SIZE)
        .ok_or_else(|| out_of_range("records", i as u64, records.len() / RECORD_SIZE))
}

fn record_bytes_mut(records: &mut [u8], i: usize) -> Result<&mut [u8], BatchError> {
    let len = records.len() / RECORD_SIZE;
    records
        .get_mut(i * RECORD_SIZE..(i + 1) * RECORD_SIZE)
        .ok_or_else(|| out_of_range("records", i as u64, len))
}

fn bytes_at(data: &[u8], start: u32, len: u32) -> Result<&[u8], BatchError> {
    let (s, e) = (start as usize, start as usize + len as usize);
    data.get(s..e).ok_or_else(|| BatchError::RangeOutOfData {
        what: "a header".to_owned(),
        start: s as u64,
        end: e as u64,
        len: data.len(),
    })
}

/// The byte range of `count` entries of `size` bytes from entry `first`,
/// when it is addressable.
fn entries(first: u64, count: u64, size: usize) -> Option<std::ops::Range<usize>> {
    let start = usize::try_from(first).ok()?.checked_mul(size)?;
    let len = usize::try_from(count).ok()?.checked_mul(size)?;
    Some(start..start.checked_add(len)?)
}

fn index(node: u64) -> Result<usize, BatchError> {
    usize::try_from(node).map_err(|_| out_of_range("nodes", node, 0))
}

fn offset(b: u64) -> Result<u32, BatchError> {
    u32::try_from(b).map_err(|_| BatchError::TooLarge)
}

fn out_of_range(table: &'static str, index: u64, len: usize) -> BatchError {
    BatchError::IndexOutOfRange {
        what: "a lookup".into(),
        table,
        index,
        len,
    }
}

#[cfg(test)]
mod tests;
