//! Building values directly in a batch's node arena.
//!
//! The SDK builds nodes only from owned [`Value`](wasm_connect_sdk::Value)s
//! (`Batch::encode_value`); going through owned values would allocate a
//! tree per record. The arena is a public byte list, so the converter
//! appends nodes itself, keeping the layout's order rule: the children of
//! an arena node come after it (children are reserved as one block before
//! any grandchild is written).

use wasm_connect_sdk::Batch;
use wasm_connect_sdk::batch::MAX_DEPTH;
use wasm_connect_sdk::layout::{NODE_SIZE, NONE, Node, NodeKind};

/// The error when the arena would outgrow the layout's 32-bit indexes.
pub const TOO_LARGE: &str = "the converted batch would exceed 4 billion value nodes";

/// Reserve `count` consecutive (null) nodes; returns the first index.
pub fn reserve(batch: &mut Batch, count: usize) -> Result<u32, String> {
    let first = batch.node_count();
    let end = first.checked_add(count).ok_or(TOO_LARGE)?;
    if end >= NONE as usize {
        return Err(TOO_LARGE.into());
    }
    batch.nodes.resize(end * NODE_SIZE, 0);
    u32::try_from(first).map_err(|_| TOO_LARGE.into())
}

/// Overwrite node `index` (reserved before).
pub fn set(batch: &mut Batch, index: u32, node: Node) {
    let at = index as usize * NODE_SIZE;
    if let Some(slot) = batch
        .nodes
        .get_mut(at..at + NODE_SIZE)
        .and_then(|s| <&mut [u8; NODE_SIZE]>::try_from(s).ok())
    {
        node.write(slot);
    }
}

/// Node `index`, or null when out of range.
pub fn get(batch: &Batch, index: u32) -> Node {
    batch.node(index as usize).unwrap_or(Node::NULL)
}

/// The error for values nested deeper than a batch may carry.
pub fn too_deep() -> String {
    format!("The value nests deeper than {MAX_DEPTH} levels, the most a wasm-connect batch carries")
}

/// A scalar node.
pub fn scalar(kind: NodeKind, bits: u64) -> Node {
    Node::new(kind, 0, bits)
}

/// Whether two converted map keys are equal as the Java objects Apache
/// would hold are `equals`: strings and numbers by value, Decimal bytes by
/// value (`BigDecimal`), plain `byte[]` by identity (never), lists in
/// order, maps regardless of order, structs field by field (there a
/// `byte[]` field compares by content, as `Arrays.deepEquals` does).
pub fn java_equals(batch: &Batch, a: Node, b: Node, by_content: bool, depth: usize) -> bool {
    if a.kind != b.kind || depth > MAX_DEPTH {
        return false;
    }
    let children = |n: Node, count: u64| (n.b as u32, count as u32);
    match NodeKind::from_u8(a.kind) {
        None => false,
        Some(NodeKind::Null) => true,
        Some(NodeKind::String) => {
            batch.bytes(a.b as u32, a.a, "a key").ok() == batch.bytes(b.b as u32, b.a, "a key").ok()
        }
        Some(NodeKind::Bytes) => {
            by_content
                && batch.bytes(a.b as u32, a.a, "a key").ok()
                    == batch.bytes(b.b as u32, b.a, "a key").ok()
        }
        Some(NodeKind::Array | NodeKind::Struct) => {
            let struct_fields = a.kind == NodeKind::Struct as u8;
            let ((fa, n), (fb, m)) = (children(a, a.a.into()), children(b, b.a.into()));
            n == m
                && (0..n).all(|i| {
                    java_equals(
                        batch,
                        get(batch, fa + i),
                        get(batch, fb + i),
                        struct_fields,
                        depth + 1,
                    )
                })
        }
        Some(NodeKind::Map) => {
            let ((fa, n), (fb, m)) = (children(a, a.a.into()), children(b, b.a.into()));
            n == m
                && (0..n).all(|i| {
                    let (ka, va) = (get(batch, fa + 2 * i), get(batch, fa + 2 * i + 1));
                    (0..m).any(|j| {
                        java_equals(batch, ka, get(batch, fb + 2 * j), false, depth + 1)
                            && java_equals(batch, va, get(batch, fb + 2 * j + 1), false, depth + 1)
                    })
                })
        }
        Some(_) => a.b == b.b,
    }
}
