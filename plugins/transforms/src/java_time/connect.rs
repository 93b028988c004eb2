//! What the transforms share about Connect data: logical type names, how
//! Java prints schemas and types, a cache of derived schemas, and writing
//! values into a batch in place.
//!
//! The transforms change one part (key or value) of each record where it
//! lies in the batch instead of rebuilding whole records: everything else
//! (topic, headers, the other part, offsets, the host's record tag) stays
//! untouched, and only the bytes a transform adds cross back to the host.

use std::collections::VecDeque;
use std::sync::Arc;

use wasm_connect_sdk::batch::BatchError;
use wasm_connect_sdk::layout::{NODE_SIZE, NONE, Node, NodeKind};
use wasm_connect_sdk::{Batch, PluginError, Schema, SchemaType};

/// `org.apache.kafka.connect.data.Decimal.LOGICAL_NAME`.
pub(crate) const DECIMAL: &str = "org.apache.kafka.connect.data.Decimal";
/// `org.apache.kafka.connect.data.Date.LOGICAL_NAME`.
pub(crate) const DATE: &str = "org.apache.kafka.connect.data.Date";
/// `org.apache.kafka.connect.data.Time.LOGICAL_NAME`.
pub(crate) const TIME: &str = "org.apache.kafka.connect.data.Time";
/// `org.apache.kafka.connect.data.Timestamp.LOGICAL_NAME`.
pub(crate) const TIMESTAMP: &str = "org.apache.kafka.connect.data.Timestamp";

/// Whether `name` is one of Connect's logical types, whose Java values are
/// `BigDecimal` or `java.util.Date` rather than the schema type's class.
pub(crate) fn is_logical(name: Option<&str>) -> bool {
    matches!(name, Some(DECIMAL | DATE | TIME | TIMESTAMP))
}

/// `Schema.Type`'s Java name (`INT32`, `FLOAT64`, ...).
pub(crate) fn type_name(t: SchemaType) -> &'static str {
    match t {
        SchemaType::Int8 => "INT8",
        SchemaType::Int16 => "INT16",
        SchemaType::Int32 => "INT32",
        SchemaType::Int64 => "INT64",
        SchemaType::Float32 => "FLOAT32",
        SchemaType::Float64 => "FLOAT64",
        SchemaType::Boolean => "BOOLEAN",
        SchemaType::String => "STRING",
        SchemaType::Bytes => "BYTES",
        SchemaType::Array => "ARRAY",
        SchemaType::Map => "MAP",
        SchemaType::Struct => "STRUCT",
    }
}

/// `ConnectSchema.toString()`: `Schema{INT32}` or `Schema{name:INT32}`.
pub(crate) fn schema_to_string(schema: &Schema) -> String {
    match &schema.name {
        Some(name) => format!("Schema{{{name}:{}}}", type_name(schema.schema_type)),
        None => format!("Schema{{{}}}", type_name(schema.schema_type)),
    }
}

/// `ConnectSchema.validateValue`'s error for a null in a required field.
pub(crate) fn null_in_required_field(field: &str, schema: &Schema) -> PluginError {
    PluginError::data(format!(
        "Invalid value: null used for required field: \"{field}\", schema type: {}",
        type_name(schema.schema_type)
    ))
}

/// Schemas derived from input schemas, kept across batches like Apache's
/// `LRUCache<Schema, Schema>(16)` (keyed by schema equality, least recently
/// used dropped first).
#[derive(Debug)]
pub(crate) struct SchemaCache<V> {
    entries: VecDeque<(Arc<Schema>, V)>,
}

/// Apache's cache size for derived schemas.
const SCHEMA_CACHE_SIZE: usize = 16;

impl<V: Clone> SchemaCache<V> {
    /// An empty cache.
    pub(crate) fn new() -> Self {
        Self {
            entries: VecDeque::with_capacity(SCHEMA_CACHE_SIZE),
        }
    }

    /// What is cached for `schema`, or `derive(schema)`, remembered.
    pub(crate) fn get_or_insert(
        &mut self,
        schema: &Arc<Schema>,
        derive: impl FnOnce(&Schema) -> V,
    ) -> V {
        let hit = self
            .entries
            .iter()
            .position(|(k, _)| Arc::ptr_eq(k, schema) || **k == **schema);
        if let Some(entry) = hit.and_then(|i| self.entries.remove(i)) {
            let value = entry.1.clone();
            self.entries.push_back(entry);
            return value;
        }
        let value = derive(schema);
        if self.entries.len() >= SCHEMA_CACHE_SIZE {
            self.entries.pop_front();
        }
        self.entries.push_back((schema.clone(), value.clone()));
        value
    }
}

/// Per-batch memo from a schema's index in the input batch to what was
/// derived from it, so each distinct schema of a batch is looked up once.
#[derive(Debug)]
pub(crate) struct PerBatch<V> {
    entries: Vec<(u32, V)>,
}

impl<V: Clone> PerBatch<V> {
    /// An empty memo.
    pub(crate) fn new() -> Self {
        Self {
            entries: Vec::new(),
        }
    }

    /// The value for schema `index`, computed once.
    pub(crate) fn get_or_try_insert<E>(
        &mut self,
        index: u32,
        derive: impl FnOnce() -> Result<V, E>,
    ) -> Result<V, E> {
        if let Some((_, v)) = self.entries.iter().find(|(i, _)| *i == index) {
            return Ok(v.clone());
        }
        let v = derive()?;
        self.entries.push((index, v.clone()));
        Ok(v)
    }
}

/// Append `count` null nodes to the batch's node arena; returns the first.
pub(crate) fn reserve_nodes(batch: &mut Batch, count: usize) -> Result<usize, BatchError> {
    let first = batch.node_count();
    let end = first.checked_add(count).ok_or(BatchError::TooLarge)?;
    if end >= NONE as usize {
        return Err(BatchError::TooLarge);
    }
    batch.nodes.resize(end * NODE_SIZE, 0);
    Ok(first)
}

/// Overwrite node `index` of the arena.
pub(crate) fn write_node(batch: &mut Batch, index: usize, node: Node) -> Result<(), BatchError> {
    let len = batch.node_count();
    let slot: &mut [u8; NODE_SIZE] = batch
        .nodes
        .get_mut(index * NODE_SIZE..(index + 1) * NODE_SIZE)
        .and_then(|s| s.try_into().ok())
        .ok_or_else(|| BatchError::IndexOutOfRange {
            what: "a node write".into(),
            table: "nodes",
            index: index as u64,
            len,
        })?;
    node.write(slot);
    Ok(())
}

/// A node for `text`, its bytes appended to the batch.
pub(crate) fn push_string(batch: &mut Batch, text: &str) -> Result<Node, BatchError> {
    let (start, len) = batch.push_bytes(text.as_bytes())?;
    Ok(Node::string(start, len))
}

/// Append a compound value of `kind` with `children` child nodes (for a
/// map: keys and values alternating); `child(batch, i)` gives child `i`,
/// which must be a primitive node, a node from [`copy_node`], or a value
/// encoded after this call began. Returns the compound's node.
pub(crate) fn push_compound(
    batch: &mut Batch,
    kind: NodeKind,
    children: usize,
    mut child: impl FnMut(&mut Batch, usize) -> Result<Node, PluginError>,
) -> Result<Node, PluginError> {
    let first = reserve_nodes(batch, children)?;
    for i in 0..children {
        let node = child(batch, i)?;
        write_node(batch, first + i, node)?;
    }
    let count = if kind == NodeKind::Map {
        children / 2
    } else {
        children
    };
    Ok(Node::new(
        kind,
        u32::try_from(count).map_err(|_| BatchError::TooLarge)?,
        first as u64,
    ))
}

/// `node` made safe to store at the end of the arena: primitive nodes are
/// returned as they are (their bytes stay shared), compound ones get a
/// fresh copy of their child nodes after them, as the layout requires
/// children to follow their parent.
pub(crate) fn copy_node(batch: &mut Batch, node: Node) -> Result<Node, BatchError> {
    copy_node_at(batch, node, 0)
}

fn copy_node_at(batch: &mut Batch, node: Node, depth: usize) -> Result<Node, BatchError> {
    let children = match NodeKind::from_u8(node.kind) {
        Some(NodeKind::Array | NodeKind::Struct) => node.a as usize,
        Some(NodeKind::Map) => 2 * node.a as usize,
        _ => return Ok(node),
    };
    if depth > wasm_connect_sdk::batch::MAX_DEPTH {
        return Err(BatchError::TooDeep);
    }
    let first = reserve_nodes(batch, children)?;
    for i in 0..children {
        let child = batch.node(node.b as usize + i)?;
        let copied = copy_node_at(batch, child, depth + 1)?;
        write_node(batch, first + i, copied)?;
    }
    Ok(Node::new(
        NodeKind::from_u8(node.kind).unwrap_or(NodeKind::Null),
        node.a,
        first as u64,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_connect_sdk::{Field, Record, Struct, Value};

    #[test]
    fn copied_compounds_keep_the_order_rule() {
        let inner = Arc::new(Schema::structure(vec![Field {
            name: "x".into(),
            schema: Arc::new(Schema::new(SchemaType::String)),
        }]));
        let outer = Arc::new(Schema::structure(vec![Field {
            name: "in".into(),
            schema: inner.clone(),
        }]));
        let mut i = Struct::new(inner);
        i.put("x", "deep".into());
        let mut o = Struct::new(outer.clone());
        o.put("in", Value::Struct(i));
        let mut batch = Batch::from_records(&[
            Record::new("t").with_value(Some(outer), Value::Struct(o.clone()))
        ])
        .unwrap();
        let (node, schema) = batch.part(0, wasm_connect_sdk::Part::Value).unwrap();
        let copied = copy_node(&mut batch, node).unwrap();
        batch
            .set_part(0, wasm_connect_sdk::Part::Value, copied, schema)
            .unwrap();
        batch.validate().unwrap();
        assert_eq!(batch.to_records().unwrap()[0].value, Value::Struct(o));
    }

    #[test]
    fn cache_is_lru_by_equality() {
        let mut cache = SchemaCache::new();
        let a = Arc::new(Schema::new(SchemaType::Int8));
        let mut calls = 0;
        for _ in 0..3 {
            let again = Arc::new(Schema::new(SchemaType::Int8));
            cache.get_or_insert(&again, |_| {
                calls += 1;
                1
            });
        }
        assert_eq!(calls, 1);
        assert_eq!(cache.get_or_insert(&a, |_| 2), 1);
    }
}
