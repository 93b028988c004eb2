//! Value nodes: reading children without leaving this crate (so the
//! innermost loops inline), and appending new struct and map nodes that
//! keep the batch's order rule.

use wasm_connect_sdk::SchemaDef;
use wasm_connect_sdk::batch::MAX_DEPTH;
use wasm_connect_sdk::layout::{NODE_SIZE, NONE, Node, NodeKind};
use wasm_connect_sdk::prelude::*;

use super::java_type_name;

/// The kind of a node (unknown kinds read as null; the host validated the
/// batch, so they do not occur).
pub fn kind(node: Node) -> NodeKind {
    NodeKind::from_u8(node.kind).unwrap_or(NodeKind::Null)
}

/// The schema definition at `index`, `None` for no schema.
pub fn schema_def(batch: &Batch, index: u32) -> Result<Option<&SchemaDef>> {
    Ok(batch.schema_def(index)?)
}

/// Node `j` of the batch's node list, decoded here rather than through
/// `Batch::node`: this is the innermost loop of every transform, and a
/// call into another crate cannot be inlined without LTO.
#[inline]
pub fn node_at(batch: &Batch, j: usize) -> Result<Node> {
    let bytes = j
        .checked_mul(NODE_SIZE)
        .and_then(|start| batch.nodes.get(start..start + NODE_SIZE))
        .ok_or_else(|| PluginError::data("a value refers past the end of the batch's nodes"))?;
    let mut a = [0u8; 4];
    a.copy_from_slice(&bytes[4..8]);
    let mut b = [0u8; 8];
    b.copy_from_slice(&bytes[8..16]);
    Ok(Node {
        kind: bytes[0],
        a: u32::from_le_bytes(a),
        b: u64::from_le_bytes(b),
    })
}

/// Child `i` of an array, map or struct node (maps: keys and values
/// alternate).
#[inline]
pub fn child(batch: &Batch, node: Node, i: usize) -> Result<Node> {
    let index = usize::try_from(node.b)
        .ok()
        .and_then(|b| b.checked_add(i))
        .ok_or_else(|| PluginError::data("a value refers past the end of the batch's nodes"))?;
    node_at(batch, index)
}

/// The bytes of a string node, `None` for any other kind. Keys are
/// compared as bytes: equal UTF-8 bytes are equal text, and skipping the
/// UTF-8 check matters when every entry of every map is compared.
#[inline]
pub fn key_bytes(batch: &Batch, node: Node) -> Result<Option<&[u8]>> {
    if kind(node) != NodeKind::String {
        return Ok(None);
    }
    let start = usize::try_from(node.b).unwrap_or(usize::MAX);
    batch
        .data()
        .get(start..start.saturating_add(node.a as usize))
        .map(Some)
        .ok_or_else(|| PluginError::data("a string lies outside the batch's data"))
}

/// Append `text` to the data and return a string node for it.
pub fn push_text(batch: &mut Batch, text: &str) -> Result<Node> {
    let (start, len) = batch.push_bytes(text.as_bytes())?;
    Ok(Node::string(start, len))
}

/// A node with a scalar of `kind` in `b`.
pub fn scalar(kind: NodeKind, bits: u64) -> Node {
    Node::new(kind, 0, bits)
}

/// Append `count` null nodes; returns the index of the first.
fn reserve(batch: &mut Batch, count: usize) -> Result<usize> {
    let first = batch.node_count();
    let end = first
        .checked_add(count)
        .filter(|end| *end < NONE as usize)
        .ok_or_else(|| PluginError::data("the batch would hold more than 4 billion nodes"))?;
    batch.nodes.resize(end * NODE_SIZE, 0);
    Ok(first)
}

/// Overwrite node `j` (one this module appended), in the layout's
/// little-endian form (written here so it inlines).
#[inline]
fn set_node(batch: &mut Batch, j: usize, node: Node) -> Result<()> {
    let slot = batch
        .nodes
        .get_mut(j * NODE_SIZE..(j + 1) * NODE_SIZE)
        .ok_or_else(|| PluginError::data("a node index is out of range"))?;
    slot[0] = node.kind;
    slot[1..4].fill(0);
    slot[4..8].copy_from_slice(&node.a.to_le_bytes());
    slot[8..16].copy_from_slice(&node.b.to_le_bytes());
    Ok(())
}

/// How many child nodes `node` has (a map has two per entry).
fn child_count(node: Node) -> usize {
    match kind(node) {
        NodeKind::Array | NodeKind::Struct => node.a as usize,
        NodeKind::Map => 2 * node.a as usize,
        _ => 0,
    }
}

/// `node` made fit to live at the end of the node list: the batch rule is
/// that a node's children come after it, so a compound value that moves
/// into a new parent gets fresh copies of its child nodes (its bytes are
/// not copied).
fn relocate(batch: &mut Batch, node: Node, depth: usize) -> Result<Node> {
    let count = child_count(node);
    if count == 0 {
        return Ok(node);
    }
    if depth > MAX_DEPTH {
        return Err(PluginError::data(format!(
            "a value nests deeper than {MAX_DEPTH} levels"
        )));
    }
    let first = reserve(batch, count)?;
    for i in 0..count {
        let c = child(batch, node, i)?;
        let moved = relocate(batch, c, depth + 1)?;
        set_node(batch, first + i, moved)?;
    }
    Ok(Node {
        b: first as u64,
        ..node
    })
}

/// A new struct node with `children` as its field values, in order.
pub fn new_struct(batch: &mut Batch, children: &[Node]) -> Result<Node> {
    new_compound(batch, NodeKind::Struct, children.len(), children)
}

/// A new map node from alternating key and value nodes.
pub fn new_map(batch: &mut Batch, keys_and_values: &[Node]) -> Result<Node> {
    new_compound(
        batch,
        NodeKind::Map,
        keys_and_values.len() / 2,
        keys_and_values,
    )
}

fn new_compound(
    batch: &mut Batch,
    kind: NodeKind,
    count: usize,
    children: &[Node],
) -> Result<Node> {
    let a = u32::try_from(count).map_err(|_| PluginError::data("too many children"))?;
    if children.is_empty() {
        return Ok(Node::new(kind, 0, 0));
    }
    let first = reserve(batch, children.len())?;
    for (i, c) in children.iter().enumerate() {
        let moved = relocate(batch, *c, 1)?;
        set_node(batch, first + i, moved)?;
    }
    Ok(Node::new(kind, a, first as u64))
}

/// A struct value read against its schema definition.
#[derive(Clone, Copy)]
pub struct StructView<'a> {
    /// The struct's schema.
    pub def: &'a SchemaDef,
    node: Node,
}

impl<'a> StructView<'a> {
    /// `node` as a struct of schema `def`, checking that the value has one
    /// child per field.
    pub fn new(def: &'a SchemaDef, node: Node) -> Result<Self> {
        if kind(node) != NodeKind::Struct || node.a as usize != def.fields.len() {
            return Err(PluginError::data(format!(
                "a struct value does not match its schema ({} values for {} fields)",
                node.a,
                def.fields.len()
            )));
        }
        Ok(Self { def, node })
    }

    /// Whether any field value is null (without defaults): when none is,
    /// copying the struct field by field changes nothing.
    pub fn any_null(&self, batch: &Batch) -> Result<bool> {
        let first = usize::try_from(self.node.b).unwrap_or(usize::MAX);
        let count = self.def.fields.len();
        let bytes = first
            .checked_add(count)
            .and_then(|end| batch.nodes.get(first * NODE_SIZE..end * NODE_SIZE))
            .ok_or_else(|| {
                PluginError::data("a struct refers past the end of the batch's nodes")
            })?;
        Ok(bytes
            .chunks_exact(NODE_SIZE)
            .any(|n| n[0] == NodeKind::Null as u8))
    }

    /// The position of field `name`.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.def.fields.iter().position(|(n, _)| n == name)
    }

    /// The raw value of field `k` (`Struct.getWithoutDefault`).
    #[inline]
    pub fn raw(&self, batch: &Batch, k: usize) -> Result<Node> {
        child(batch, self.node, k)
    }

    /// The value of field `k`: with `with_default`, a null value is
    /// replaced by the field schema's default (`Struct.get`), otherwise it
    /// is the raw value (`Struct.getWithoutDefault`).
    #[inline]
    pub fn get(&self, batch: &Batch, k: usize, with_default: bool) -> Result<Node> {
        self.get_and_raw(batch, k, with_default).map(|(v, _)| v)
    }

    /// [`StructView::get`] and [`StructView::raw`] at once: whether the
    /// value changed says if the struct must be rebuilt.
    #[inline]
    pub fn get_and_raw(&self, batch: &Batch, k: usize, with_default: bool) -> Result<(Node, Node)> {
        let raw = self.raw(batch, k)?;
        if raw.is_null() && with_default {
            return Ok((default_of(batch, self.field_schema(k))?, raw));
        }
        Ok((raw, raw))
    }

    /// The schema index of field `k`.
    pub fn field_schema(&self, k: usize) -> u32 {
        self.def.fields.get(k).map_or(NONE, |(_, s)| *s)
    }
}

/// The default value node of schema `index` (null when it has none).
pub fn default_of(batch: &Batch, index: u32) -> Result<Node> {
    match schema_def(batch, index)?.and_then(|d| d.default_value) {
        Some(node) => node_at(batch, node as usize),
        None => Ok(Node::NULL),
    }
}

/// Apache's `Struct.put` check on `value` for field `name` of schema
/// `index`: a null value needs an optional schema.
#[inline]
pub fn check_put(batch: &Batch, name: &str, index: u32, value: Node) -> Result<()> {
    if !value.is_null() {
        return Ok(());
    }
    match schema_def(batch, index)? {
        Some(def) if !def.optional => Err(PluginError::data(format!(
            "Invalid value: null used for required field: \"{name}\", schema type: {}",
            java_type_name(def.schema_type)
        ))),
        _ => Ok(()),
    }
}
