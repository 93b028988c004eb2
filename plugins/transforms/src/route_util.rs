//! What the routing and header transforms share: Java's regular
//! expressions and replacement strings, Apache's configuration rules (`ConfigDef` trims strings, splits lists at
//! commas, words its errors a certain way) and in-place editing of a
//! batch's headers and value nodes.

pub mod java_class;
mod java_pattern;
mod java_pattern_lex;
pub mod java_regex;
pub mod java_replacement;
#[cfg(test)]
pub mod testing;

use wasm_connect_sdk::batch::BatchError;
use wasm_connect_sdk::layout::{HEADER_SIZE, NODE_SIZE, Node, NodeKind};
use wasm_connect_sdk::prelude::*;
use wasm_connect_sdk::values::{DATE, DECIMAL, TIME, TIMESTAMP};
use wasm_connect_sdk::{SchemaDef, ValueRef};

pub use java_regex::JavaRegex;

use crate::field_util::java_trim;

/// A record error for record `i` of the batch.
pub fn record_error(i: usize) -> impl Fn(BatchError) -> PluginError {
    move |e| PluginError::data(e.to_string()).at_record(i)
}

// ---------------------------------------------------------------------
// Configuration, as Apache's ConfigDef parses and validates it.
// ---------------------------------------------------------------------

/// Apache's message for a required key that is missing.
fn missing(key: &str) -> PluginError {
    PluginError::config(format!(
        "Missing required configuration \"{key}\" which has no default value."
    ))
}

/// Apache's `ConfigException(name, value, message)` text.
pub fn invalid(key: &str, value: &str, message: &str) -> PluginError {
    PluginError::config(format!(
        "Invalid value {value} for configuration {key}: {message}"
    ))
}

/// A required `STRING` key, trimmed as `ConfigDef` trims it.
pub fn string(config: &Config, key: &str) -> Result<String> {
    config
        .get(key)
        .map(|v| java_trim(v).to_owned())
        .ok_or_else(|| missing(key))
}

/// A required `STRING` key with `ConfigDef.NonEmptyString`.
pub fn non_empty_string(config: &Config, key: &str) -> Result<String> {
    let value = string(config, key)?;
    if value.is_empty() {
        return Err(invalid(key, &value, "String must be non-empty"));
    }
    Ok(value)
}

/// A required `STRING` key with `ConfigDef.ValidString.in(options)`.
pub fn one_of(config: &Config, key: &str, options: &[&str]) -> Result<String> {
    let value = string(config, key)?;
    if !options.contains(&value.as_str()) {
        return Err(invalid(
            key,
            &value,
            &format!("String must be one of: {}", options.join(", ")),
        ));
    }
    Ok(value)
}

/// A `BOOLEAN` key (`true`/`false` in any case), `default` when unset.
pub fn boolean(config: &Config, key: &str, default: bool) -> Result<bool> {
    match config.get(key) {
        None => Ok(default),
        Some(raw) => {
            let value = java_trim(raw);
            if value.eq_ignore_ascii_case("true") {
                Ok(true)
            } else if value.eq_ignore_ascii_case("false") {
                Ok(false)
            } else {
                Err(invalid(
                    key,
                    raw,
                    "Expected value to be either true or false",
                ))
            }
        }
    }
}

/// A required `LIST` key with Kafka's `NonEmptyListValidator`: the value
/// trimmed, split at commas with the whitespace around them
/// (`\s*,\s*`, empty items kept), and not empty.
pub fn non_empty_list(config: &Config, key: &str) -> Result<Vec<String>> {
    let value = string(config, key)?;
    if value.is_empty() {
        return Err(invalid(key, "[]", "Empty list"));
    }
    let is_space = |c: char| matches!(c, ' ' | '\t' | '\n' | '\u{B}' | '\u{C}' | '\r');
    Ok(value
        .split(',')
        .map(|item| item.trim_matches(is_space).to_owned())
        .collect())
}

/// A required `STRING` key holding a Java regular expression, with
/// Kafka's `RegexValidator` message (`Invalid regex: ...`).
pub fn regex(key: &str, value: &str) -> Result<JavaRegex> {
    JavaRegex::compile(value).map_err(|e| invalid(key, value, &format!("Invalid regex: {e}")))
}

// ---------------------------------------------------------------------
// Java's view of values, for error messages.
// ---------------------------------------------------------------------

/// The Java class Apache would see for a value (`nullSafeClassName`).
pub fn java_class_name(value: &ValueRef<'_>, schema: Option<&SchemaDef>) -> &'static str {
    let logical = schema.and_then(|s| s.name.as_deref());
    match value {
        ValueRef::Null => "null",
        ValueRef::Boolean(_) => "java.lang.Boolean",
        ValueRef::Int8(_) => "java.lang.Byte",
        ValueRef::Int16(_) => "java.lang.Short",
        ValueRef::Int32(_) | ValueRef::Int64(_)
            if matches!(logical, Some(DATE | TIME | TIMESTAMP)) =>
        {
            "java.util.Date"
        }
        ValueRef::Int32(_) => "java.lang.Integer",
        ValueRef::Int64(_) => "java.lang.Long",
        ValueRef::Float32(_) => "java.lang.Float",
        ValueRef::Float64(_) => "java.lang.Double",
        ValueRef::String(_) => "java.lang.String",
        ValueRef::Bytes(_) if logical == Some(DECIMAL) => "java.math.BigDecimal",
        ValueRef::Bytes(_) => "[B",
        ValueRef::Array(_) => "java.util.ArrayList",
        ValueRef::Map(_) => "java.util.HashMap",
        ValueRef::Struct(_) => "org.apache.kafka.connect.data.Struct",
    }
}

/// Apache's `Schema.Type` name (`INT32`, `FLOAT64`, ...).
pub fn java_type_name(schema_type: SchemaType) -> &'static str {
    match schema_type {
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

/// Apache's `ConnectSchema.toString()`: `Schema{name:TYPE}` or
/// `Schema{TYPE}`.
pub fn java_schema_string(schema: &SchemaDef) -> String {
    let type_name = java_type_name(schema.schema_type);
    match &schema.name {
        Some(name) => format!("Schema{{{name}:{type_name}}}"),
        None => format!("Schema{{{type_name}}}"),
    }
}

// ---------------------------------------------------------------------
// Editing a batch in place.
// ---------------------------------------------------------------------

/// A lookup in a batch, blamed on record `i`.
fn at_record(i: usize) -> impl Fn(BatchError) -> PluginError {
    move |e| PluginError::data(e.to_string()).at_record(i)
}

/// Record `i`'s index into the batch's topic table.
pub fn topic_index(batch: &Batch, i: usize) -> Result<u32> {
    batch.topic_index(i).map_err(at_record(i))
}

/// Points record `i` at another entry of the topic table.
pub fn set_topic_index(batch: &mut Batch, i: usize, topic: u32) -> Result<()> {
    batch.set_topic_index(i, topic).map_err(at_record(i))
}

/// Record `i`'s headers: the first descriptor's index and the count.
pub fn header_range(batch: &Batch, i: usize) -> Result<(u32, u32)> {
    batch.header_range(i).map_err(at_record(i))
}

fn set_header_range(batch: &mut Batch, i: usize, start: u32, count: u32) -> Result<()> {
    batch
        .set_header_range(i, start, count)
        .map_err(at_record(i))
}

/// Record `i`'s header descriptors (32 bytes each), as raw bytes.
pub fn header_bytes(batch: &Batch, i: usize) -> Result<&[u8]> {
    let (start, count) = header_range(batch, i)?;
    let from = start as usize * HEADER_SIZE;
    let to = from + count as usize * HEADER_SIZE;
    batch.headers.get(from..to).ok_or_else(|| {
        PluginError::data(format!(
            "record {i} names headers {start}..{} but the batch has {}",
            u64::from(start) + u64::from(count),
            batch.header_count()
        ))
        .at_record(i)
    })
}

/// The key of a header descriptor (32 bytes), as raw bytes: comparing
/// bytes needs no UTF-8 check.
pub fn header_key<'b>(batch: &'b Batch, desc: &[u8]) -> Result<&'b [u8], BatchError> {
    let word = |at: usize| {
        desc.get(at..at + 4)
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .map(u32::from_le_bytes)
            .unwrap_or(0)
    };
    batch.bytes(word(0), word(4), "a header key")
}

/// Rewrites every record's headers. `edit(batch, i, headers, out)` gets
/// record `i`'s header descriptors (32 bytes each) and appends the ones
/// the record keeps or gains to `out`; each record then points at its new
/// run. Descriptors are copied, never the bytes they point at.
pub fn rewrite_headers(
    batch: &mut Batch,
    mut edit: impl FnMut(&mut Batch, usize, &[u8], &mut Vec<u8>) -> Result<()>,
) -> Result<()> {
    let old = std::mem::take(&mut batch.headers);
    let mut new = Vec::with_capacity(old.len() + batch.len() * HEADER_SIZE);
    for i in 0..batch.len() {
        let (start, count) = header_range(batch, i)?;
        let from = start as usize * HEADER_SIZE;
        let existing = old
            .get(from..from + count as usize * HEADER_SIZE)
            .ok_or_else(|| {
                PluginError::data(format!(
                    "record {i} names headers {start}..{} but the batch has {}",
                    u64::from(start) + u64::from(count),
                    old.len() / HEADER_SIZE
                ))
                .at_record(i)
            })?;
        let first = new.len() / HEADER_SIZE;
        edit(batch, i, existing, &mut new)?;
        let first32 = u32::try_from(first).map_err(|_| too_large())?;
        let count32 = u32::try_from(new.len() / HEADER_SIZE - first).map_err(|_| too_large())?;
        set_header_range(batch, i, first32, count32)?;
    }
    batch.headers = new;
    Ok(())
}

fn too_large() -> PluginError {
    PluginError::fatal(BatchError::TooLarge.to_string())
}

/// Appends `count` null nodes to the arena; returns the first's index.
pub fn push_nodes(batch: &mut Batch, count: usize) -> Result<u32> {
    let first = batch.node_count();
    let end = first.checked_add(count).ok_or_else(too_large)?;
    if end >= u32::MAX as usize {
        return Err(too_large());
    }
    batch.nodes.resize(end * NODE_SIZE, 0);
    u32::try_from(first).map_err(|_| too_large())
}

/// Overwrites arena node `index`.
pub fn write_node(batch: &mut Batch, index: u32, node: Node) -> Result<()> {
    let at = index as usize * NODE_SIZE;
    let slot = batch
        .nodes
        .get_mut(at..at + NODE_SIZE)
        .and_then(|s| <&mut [u8; NODE_SIZE]>::try_from(s).ok())
        .ok_or_else(|| PluginError::fatal(format!("node {index} is outside the arena")))?;
    node.write(slot);
    Ok(())
}

/// Whether a node holds children in the arena.
fn is_compound(node: Node) -> bool {
    matches!(
        NodeKind::from_u8(node.kind),
        Some(NodeKind::Array | NodeKind::Map | NodeKind::Struct)
    )
}

/// Number of child nodes of a compound node.
fn child_count(node: Node) -> usize {
    match NodeKind::from_u8(node.kind) {
        Some(NodeKind::Map) => 2 * node.a as usize,
        Some(NodeKind::Array | NodeKind::Struct) => node.a as usize,
        _ => 0,
    }
}

/// A copy of `node` that may be placed in a new arena slot: a compound
/// node gets fresh copies of its descendants after every existing node,
/// because a node's children must come after it in the arena.
pub fn copy_node_deep(batch: &mut Batch, node: Node, depth: usize) -> Result<Node> {
    if !is_compound(node) {
        return Ok(node);
    }
    if depth > wasm_connect_sdk::batch::MAX_DEPTH {
        return Err(PluginError::data(BatchError::TooDeep.to_string()));
    }
    let count = child_count(node);
    let first = push_nodes(batch, count)?;
    for k in 0..count {
        let child = batch
            .node(node.b as usize + k)
            .map_err(|e| PluginError::data(e.to_string()))?;
        let copy = copy_node_deep(batch, child, depth + 1)?;
        write_node(batch, first + k as u32, copy)?;
    }
    Ok(Node::new(
        NodeKind::from_u8(node.kind).unwrap_or(NodeKind::Null),
        node.a,
        u64::from(first),
    ))
}

/// A compound node of `kind` whose children are `children`, in order:
/// pointing into the existing arena when they already lie there one after
/// another, else copied (deeply) to the end of the arena.
pub fn node_with_children(
    batch: &mut Batch,
    kind: NodeKind,
    count: u32,
    children: &[(Node, Option<usize>)],
) -> Result<Node> {
    // `Some(index)`: the child is arena node `index`, unchanged.
    let contiguous = children
        .windows(2)
        .all(|w| matches!((w[0].1, w[1].1), (Some(a), Some(b)) if b == a + 1));
    if let (true, Some((_, Some(first)))) = (contiguous, children.first()) {
        return Ok(Node::new(kind, count, *first as u64));
    }
    let first = push_nodes(batch, children.len())?;
    for (k, (child, _)) in children.iter().enumerate() {
        let copy = copy_node_deep(batch, *child, 1)?;
        write_node(batch, first + k as u32, copy)?;
    }
    Ok(Node::new(kind, count, u64::from(first)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> Config {
        pairs.iter().copied().collect()
    }

    #[test]
    fn config_values_follow_config_def() {
        let c = config(&[
            ("s", "  x  "),
            ("empty", " "),
            ("list", " a , b c,d ,"),
            ("b", " TRUE "),
            ("bad", "yes"),
            ("op", "moved"),
        ]);
        assert_eq!(string(&c, "s").unwrap(), "x");
        assert_eq!(
            string(&c, "nope").unwrap_err().message,
            "Missing required configuration \"nope\" which has no default value."
        );
        assert_eq!(
            non_empty_string(&c, "empty").unwrap_err().message,
            "Invalid value  for configuration empty: String must be non-empty"
        );
        assert_eq!(
            non_empty_list(&c, "list").unwrap(),
            vec!["a", "b c", "d", ""]
        );
        assert_eq!(
            non_empty_list(&c, "empty").unwrap_err().message,
            "Invalid value [] for configuration empty: Empty list"
        );
        assert!(boolean(&c, "b", false).unwrap());
        assert!(boolean(&c, "unset", true).unwrap());
        assert_eq!(
            boolean(&c, "bad", true).unwrap_err().message,
            "Invalid value yes for configuration bad: Expected value to be either true or false"
        );
        assert_eq!(
            one_of(&c, "op", &["move", "copy"]).unwrap_err().message,
            "Invalid value moved for configuration op: String must be one of: move, copy"
        );
    }
}
