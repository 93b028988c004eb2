//! Values written as JSON: Apache's `convertToJson`.

use wasm_connect_sdk::batch::MAX_DEPTH;
use wasm_connect_sdk::layout::{Node, NodeKind};
use wasm_connect_sdk::{Batch, Children, SchemaType, ValueRef};

use super::{Prepared, Settings};
use crate::base64;
use crate::config::DecimalFormat;
use crate::decimal;
use crate::json::write;
use crate::logical::{self, Logical, MILLIS_PER_DAY, java_class, type_name};

/// `convertToJson(schema, value)`: write the value of `node` as JSON.
pub fn write_value(
    settings: &Settings,
    out: &mut Vec<u8>,
    batch: &Batch,
    node: Node,
    schema: Option<&Prepared>,
    depth: usize,
) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err(crate::nodes::too_deep());
    }
    if node.is_null() {
        let Some(p) = schema else {
            out.extend_from_slice(b"null");
            return Ok(());
        };
        if settings.replace_null_with_default
            && let Some(default) = &p.default_json
        {
            out.extend_from_slice(default.as_deref().map_err(Clone::clone)?);
        } else if p.schema.optional {
            out.extend_from_slice(b"null");
        } else {
            return Err(
                "Conversion error: null value for field that is required and has no default value"
                    .into(),
            );
        }
        return Ok(());
    }
    let kind = NodeKind::from_u8(node.kind).unwrap_or(NodeKind::Null);
    let value = batch.value(node, "a value").map_err(|e| e.to_string())?;
    if let Some(p) = schema
        && p.logical != Logical::None
    {
        return write_logical(settings, out, p, kind, &value);
    }
    let Some(p) = schema else {
        return write_schemaless(settings, out, batch, &value, depth);
    };
    let t = p.schema.schema_type;
    let mismatch = || {
        if t == SchemaType::Bytes {
            format!("Invalid type for bytes type: {}", java_class(kind))
        } else {
            format!("Invalid type for {}: {}", type_name(t), java_class(kind))
        }
    };
    match (t, value) {
        (SchemaType::Int8, ValueRef::Int8(v)) => write::int(out, v.into()),
        (SchemaType::Int16, ValueRef::Int16(v)) => write::int(out, v.into()),
        (SchemaType::Int32, ValueRef::Int32(v)) => write::int(out, v.into()),
        (SchemaType::Int64, ValueRef::Int64(v)) => write::int(out, v),
        (SchemaType::Float32, ValueRef::Float32(v)) => write::float(out, v),
        (SchemaType::Float64, ValueRef::Float64(v)) => write::double(out, v),
        (SchemaType::Boolean, ValueRef::Boolean(v)) => write::boolean(out, v),
        (SchemaType::String, ValueRef::String(s)) => write::string(out, s.as_bytes()),
        (SchemaType::Bytes, ValueRef::Bytes(b)) => {
            out.push(b'"');
            base64::encode_into(b, out);
            out.push(b'"');
        }
        (SchemaType::Array, ValueRef::Array(items)) => {
            out.push(b'[');
            for i in 0..items.len() {
                if i > 0 {
                    out.push(b',');
                }
                let item = items.node(i).map_err(|e| e.to_string())?;
                write_value(settings, out, batch, item, p.items.as_deref(), depth + 1)?;
            }
            out.push(b']');
        }
        (SchemaType::Map, ValueRef::Map(entries)) => {
            let key_schema = p.keys.as_deref().ok_or("Map schema has no key schema")?;
            let object_mode = key_schema.schema.schema_type == SchemaType::String;
            write_map(
                settings,
                out,
                batch,
                entries,
                (Some(key_schema), p.values.as_deref()),
                object_mode,
                depth,
            )?;
        }
        (SchemaType::Struct, ValueRef::Struct(values)) => {
            if values.len() != p.fields.len() {
                return Err("Mismatching schema.".into());
            }
            out.push(b'{');
            for (i, (name, field)) in p.fields.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                out.extend_from_slice(name);
                out.push(b':');
                let v = values.node(i).map_err(|e| e.to_string())?;
                write_value(settings, out, batch, v, Some(field), depth + 1)?;
            }
            out.push(b'}');
        }
        _ => return Err(mismatch()),
    }
    Ok(())
}

/// A value without a schema, typed by what it is (Apache's
/// `ConnectSchema.schemaType(value.getClass())`).
fn write_schemaless(
    settings: &Settings,
    out: &mut Vec<u8>,
    batch: &Batch,
    value: &ValueRef<'_>,
    depth: usize,
) -> Result<(), String> {
    match *value {
        ValueRef::Null => out.extend_from_slice(b"null"),
        ValueRef::Boolean(v) => write::boolean(out, v),
        ValueRef::Int8(v) => write::int(out, v.into()),
        ValueRef::Int16(v) => write::int(out, v.into()),
        ValueRef::Int32(v) => write::int(out, v.into()),
        ValueRef::Int64(v) => write::int(out, v),
        ValueRef::Float32(v) => write::float(out, v),
        ValueRef::Float64(v) => write::double(out, v),
        ValueRef::String(s) => write::string(out, s.as_bytes()),
        ValueRef::Bytes(b) => {
            out.push(b'"');
            base64::encode_into(b, out);
            out.push(b'"');
        }
        ValueRef::Array(items) => {
            out.push(b'[');
            for i in 0..items.len() {
                if i > 0 {
                    out.push(b',');
                }
                let item = items.node(i).map_err(|e| e.to_string())?;
                write_value(settings, out, batch, item, None, depth + 1)?;
            }
            out.push(b']');
        }
        ValueRef::Map(entries) => {
            // Object form only when every key is a string.
            let object_mode = (0..entries.len() / 2).all(|i| {
                entries
                    .node(2 * i)
                    .is_ok_and(|k| k.kind == NodeKind::String as u8)
            });
            write_map(
                settings,
                out,
                batch,
                entries,
                (None, None),
                object_mode,
                depth,
            )?;
        }
        // A struct always has a schema in Apache; without one the struct's
        // schema cannot equal the (null) schema given.
        ValueRef::Struct(_) => return Err("Mismatching schema.".into()),
    }
    Ok(())
}

/// A map: a JSON object keyed by the keys' text (`mapKey.asText()`), or an
/// array of `[key, value]` pairs when keys are not strings.
fn write_map(
    settings: &Settings,
    out: &mut Vec<u8>,
    batch: &Batch,
    entries: Children<'_>,
    (key_schema, value_schema): (Option<&Prepared>, Option<&Prepared>),
    object_mode: bool,
    depth: usize,
) -> Result<(), String> {
    let n = entries.len() / 2;
    let pair = |i: usize| -> Result<(Node, Node), String> {
        let k = entries.node(2 * i).map_err(|e| e.to_string())?;
        let v = entries.node(2 * i + 1).map_err(|e| e.to_string())?;
        Ok((k, v))
    };
    if !object_mode {
        out.push(b'[');
        for i in 0..n {
            let (k, v) = pair(i)?;
            if i > 0 {
                out.push(b',');
            }
            out.push(b'[');
            write_value(settings, out, batch, k, key_schema, depth + 1)?;
            out.push(b',');
            write_value(settings, out, batch, v, value_schema, depth + 1)?;
            out.push(b']');
        }
        out.push(b']');
        return Ok(());
    }
    // The usual case: plain string keys, all different; written directly.
    let plain_keys = key_schema.is_none_or(|p| p.logical == Logical::None);
    if plain_keys && let Some(keys) = distinct_string_keys(&entries, n) {
        out.push(b'{');
        for (i, key) in keys.into_iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write::string(out, key);
            out.push(b':');
            let (_, v) = pair(i)?;
            write_value(settings, out, batch, v, value_schema, depth + 1)?;
        }
        out.push(b'}');
        return Ok(());
    }
    // Otherwise each key is converted and its text taken; `ObjectNode.set`
    // keeps a repeated key at its first position with its last value.
    let mut members: Vec<(String, Vec<u8>)> = Vec::with_capacity(n);
    let mut scratch = Vec::new();
    for i in 0..n {
        let (k, v) = pair(i)?;
        let key_text = match batch.value(k, "a map key").map_err(|e| e.to_string())? {
            ValueRef::String(s) if plain_keys => s.to_owned(),
            _ => {
                scratch.clear();
                write_value(settings, &mut scratch, batch, k, key_schema, depth + 1)?;
                write::as_text(&scratch)
            }
        };
        let mut value = Vec::new();
        write_value(settings, &mut value, batch, v, value_schema, depth + 1)?;
        match members.iter_mut().find(|(seen, _)| *seen == key_text) {
            Some(slot) => slot.1 = value,
            None => members.push((key_text, value)),
        }
    }
    out.push(b'{');
    for (i, (k, v)) in members.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write::string(out, k.as_bytes());
        out.push(b':');
        out.extend_from_slice(v);
    }
    out.push(b'}');
    Ok(())
}

/// The keys of a map when all are strings and no two are equal.
fn distinct_string_keys<'b>(entries: &Children<'b>, n: usize) -> Option<Vec<&'b [u8]>> {
    let mut keys = Vec::with_capacity(n);
    for i in 0..n {
        match entries.get(2 * i).ok()? {
            ValueRef::String(s) => keys.push(s.as_bytes()),
            _ => return None,
        }
    }
    let distinct = if n <= 16 {
        (1..n).all(|i| !keys[..i].contains(&keys[i]))
    } else {
        keys.iter().collect::<std::collections::HashSet<_>>().len() == n
    };
    distinct.then_some(keys)
}

/// Logical types, as Apache's `LOGICAL_CONVERTERS` write them.
fn write_logical(
    settings: &Settings,
    out: &mut Vec<u8>,
    p: &Prepared,
    kind: NodeKind,
    value: &ValueRef<'_>,
) -> Result<(), String> {
    let wrong = |expected: &str| {
        format!(
            "Invalid type for {}, expected {expected} but was {}",
            p.logical.simple_name(),
            java_class(kind)
        )
    };
    match (p.logical, value) {
        (Logical::Decimal, ValueRef::Bytes(bytes)) => {
            if bytes.is_empty() {
                return Err("Invalid Decimal value: no bytes for the unscaled value".into());
            }
            let scale = logical::decimal_scale(&p.schema)?;
            match settings.decimal_format {
                DecimalFormat::Base64 => {
                    out.push(b'"');
                    base64::encode_into(decimal::minimal_twos_complement(bytes), out);
                    out.push(b'"');
                }
                DecimalFormat::Numeric => {
                    let (negative, digits) = decimal::from_twos_complement(bytes);
                    let text = decimal::big_decimal_to_string(negative, &digits, scale);
                    out.extend_from_slice(text.as_bytes());
                }
            }
        }
        (Logical::Decimal, _) => return Err(wrong("BigDecimal")),
        (Logical::Date, ValueRef::Int32(days)) => write::int(out, (*days).into()),
        (Logical::Time, ValueRef::Int32(ms)) => {
            if !(0..=MILLIS_PER_DAY).contains(&i64::from(*ms)) {
                return Err(
                    "Kafka Connect Time type should not have any date fields set to non-zero values."
                        .into(),
                );
            }
            write::int(out, (*ms).into());
        }
        (Logical::Timestamp, ValueRef::Int64(ms)) => write::int(out, *ms),
        _ => return Err(wrong("Date")),
    }
    Ok(())
}
