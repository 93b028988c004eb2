//! Schemas prepared for writing: Apache's `asJsonSchema` text, the JSON of
//! defaults, and a cache of both keyed by schema equality.

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use wasm_connect_sdk::batch::MAX_DEPTH;
use wasm_connect_sdk::{Batch, Schema, SchemaType, Value};

use super::Settings;
use super::values::write_value;
use crate::json::write;
use crate::logical::{Logical, type_name};
use crate::lru::Lru;

/// A schema prepared for writing: its JSON form (`asJsonSchema`), the JSON
/// of its default, and the same for its children. Errors are kept rather
/// than raised, because Apache raises them only when it needs the text
/// (the schema JSON only with `schemas.enable`, the default only for a
/// null value).
#[derive(Debug)]
pub struct Prepared {
    pub(super) schema: Arc<Schema>,
    pub(super) logical: Logical,
    pub(super) json: Result<Vec<u8>, String>,
    pub(super) default_json: Option<Result<Vec<u8>, String>>,
    pub(super) items: Option<Arc<Prepared>>,
    pub(super) keys: Option<Arc<Prepared>>,
    pub(super) values: Option<Arc<Prepared>>,
    /// Each field's name as a JSON string, and its schema.
    pub(super) fields: Vec<(Vec<u8>, Arc<Prepared>)>,
}

impl Prepared {
    /// `asJsonSchema`'s text.
    pub fn json(&self) -> Result<&[u8], String> {
        self.json.as_deref().map_err(Clone::clone)
    }
}

/// A schema as a cache key: compared and hashed by content, as Apache's
/// cache compares `Schema`s with `equals` (floats by their bits, so a NaN
/// default still finds itself).
#[derive(Debug, Clone)]
struct SchemaKey(Arc<Schema>);

impl PartialEq for SchemaKey {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || schema_eq(&self.0, &other.0)
    }
}

impl Eq for SchemaKey {}

impl Hash for SchemaKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_schema(&self.0, state);
    }
}

fn schema_eq(a: &Schema, b: &Schema) -> bool {
    a.schema_type == b.schema_type
        && a.optional == b.optional
        && a.name == b.name
        && a.version == b.version
        && a.doc == b.doc
        && a.parameters == b.parameters
        && match (&a.default, &b.default) {
            (None, None) => true,
            (Some(x), Some(y)) => value_eq(x, y),
            _ => false,
        }
        && opt_eq(&a.key_schema, &b.key_schema)
        && opt_eq(&a.value_schema, &b.value_schema)
        && a.fields.len() == b.fields.len()
        && a.fields
            .iter()
            .zip(&b.fields)
            .all(|(x, y)| x.name == y.name && schema_eq(&x.schema, &y.schema))
}

fn opt_eq(a: &Option<Arc<Schema>>, b: &Option<Arc<Schema>>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(x), Some(y)) => Arc::ptr_eq(x, y) || schema_eq(x, y),
        _ => false,
    }
}

fn value_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Float32(x), Value::Float32(y)) => x.to_bits() == y.to_bits(),
        (Value::Float64(x), Value::Float64(y)) => x.to_bits() == y.to_bits(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| value_eq(p, q))
        }
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((k1, v1), (k2, v2))| value_eq(k1, k2) && value_eq(v1, v2))
        }
        (Value::Struct(x), Value::Struct(y)) => {
            schema_eq(&x.schema, &y.schema)
                && x.values.len() == y.values.len()
                && x.values.iter().zip(&y.values).all(|(p, q)| value_eq(p, q))
        }
        _ => a == b,
    }
}

fn hash_schema<H: Hasher>(s: &Schema, h: &mut H) {
    type_name(s.schema_type).hash(h);
    s.optional.hash(h);
    s.name.hash(h);
    s.version.hash(h);
    s.doc.hash(h);
    s.parameters.hash(h);
    if let Some(d) = &s.default {
        hash_value(d, h);
    }
    for child in s.key_schema.iter().chain(&s.value_schema) {
        hash_schema(child, h);
    }
    for f in &s.fields {
        f.name.hash(h);
        hash_schema(&f.schema, h);
    }
}

fn hash_value<H: Hasher>(v: &Value, h: &mut H) {
    match v {
        Value::Null => 0u8.hash(h),
        Value::Boolean(b) => b.hash(h),
        Value::Int8(x) => x.hash(h),
        Value::Int16(x) => x.hash(h),
        Value::Int32(x) => x.hash(h),
        Value::Int64(x) => x.hash(h),
        Value::Float32(x) => x.to_bits().hash(h),
        Value::Float64(x) => x.to_bits().hash(h),
        Value::String(s) => s.hash(h),
        Value::Bytes(b) => b.hash(h),
        Value::Array(items) => items.iter().for_each(|i| hash_value(i, h)),
        Value::Map(entries) => entries.iter().for_each(|(k, v)| {
            hash_value(k, h);
            hash_value(v, h);
        }),
        Value::Struct(s) => s.values.iter().for_each(|i| hash_value(i, h)),
    }
}

/// Prepares schemas, remembering up to `schemas.cache.size` of them.
#[derive(Debug)]
pub struct Preparer {
    settings: Settings,
    cache: Lru<SchemaKey, Arc<Prepared>>,
}

impl Preparer {
    /// A preparer with a cache of `cache_size` schemas.
    pub fn new(settings: Settings, cache_size: i32) -> Self {
        Self {
            settings,
            cache: Lru::new(cache_size),
        }
    }

    /// Number of cached schemas.
    pub fn cached(&self) -> usize {
        self.cache.len()
    }

    /// `schema` prepared (from the cache when an equal one was prepared).
    pub fn prepare(&mut self, schema: &Arc<Schema>, depth: usize) -> Result<Arc<Prepared>, String> {
        if depth > MAX_DEPTH {
            return Err(crate::nodes::too_deep());
        }
        let key = SchemaKey(schema.clone());
        if let Some(hit) = self.cache.get(&key) {
            return Ok(hit);
        }
        let mut child = |s: &Option<Arc<Schema>>| -> Result<Option<Arc<Prepared>>, String> {
            s.as_ref().map(|s| self.prepare(s, depth + 1)).transpose()
        };
        let (keys, values) = (child(&schema.key_schema)?, child(&schema.value_schema)?);
        let (items, keys, values) = if schema.schema_type == SchemaType::Array {
            (values, None, None)
        } else {
            (None, keys, values)
        };
        let mut fields = Vec::with_capacity(schema.fields.len());
        for f in &schema.fields {
            let mut name = Vec::with_capacity(f.name.len() + 2);
            write::string(&mut name, f.name.as_bytes());
            fields.push((name, self.prepare(&f.schema, depth + 1)?));
        }
        let mut prepared = Prepared {
            schema: schema.clone(),
            logical: Logical::of(schema),
            json: Ok(Vec::new()),
            default_json: None,
            items,
            keys,
            values,
            fields,
        };
        // The default is written with the schema itself (logical types
        // and all), as `convertToJson(schema, schema.defaultValue())`.
        if let Some(default) = &schema.default {
            let mut scratch = Batch::new();
            let written = scratch
                .encode_value(default, None, 0)
                .map_err(|e| e.to_string())
                .and_then(|node| {
                    let mut out = Vec::new();
                    write_value(&self.settings, &mut out, &scratch, node, Some(&prepared), 0)
                        .map(|()| out)
                });
            prepared.default_json = Some(written);
        }
        prepared.json = schema_json(&prepared);
        let prepared = Arc::new(prepared);
        self.cache.put(key, prepared.clone());
        Ok(prepared)
    }
}

/// `asJsonSchema`: `type`, then `items` / `keys`+`values` / `fields`, then
/// `optional`, `name`, `version`, `doc`, `parameters`, `default`, in the
/// order Apache adds them to its `ObjectNode`.
fn schema_json(p: &Prepared) -> Result<Vec<u8>, String> {
    let s = &p.schema;
    let mut out = Vec::with_capacity(64);
    out.extend_from_slice(b"{\"type\":\"");
    out.extend_from_slice(s.schema_type.name().as_bytes());
    out.push(b'"');
    let child = |out: &mut Vec<u8>, key: &[u8], c: &Option<Arc<Prepared>>| -> Result<(), String> {
        out.extend_from_slice(key);
        match c {
            Some(c) => out.extend_from_slice(c.json()?),
            None => out.extend_from_slice(b"null"),
        }
        Ok(())
    };
    match s.schema_type {
        SchemaType::Array => child(&mut out, b",\"items\":", &p.items)?,
        SchemaType::Map => {
            child(&mut out, b",\"keys\":", &p.keys)?;
            child(&mut out, b",\"values\":", &p.values)?;
        }
        SchemaType::Struct => {
            out.extend_from_slice(b",\"fields\":[");
            for (i, (name, f)) in p.fields.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                let json = f.json()?;
                // The field's schema object, with "field" added last.
                out.extend_from_slice(&json[..json.len().saturating_sub(1)]);
                out.extend_from_slice(b",\"field\":");
                out.extend_from_slice(name);
                out.push(b'}');
            }
            out.push(b']');
        }
        _ => {}
    }
    out.extend_from_slice(b",\"optional\":");
    write::boolean(&mut out, s.optional);
    if let Some(name) = &s.name {
        out.extend_from_slice(b",\"name\":");
        write::string(&mut out, name.as_bytes());
    }
    if let Some(version) = s.version {
        out.extend_from_slice(b",\"version\":");
        write::int(&mut out, i64::from(version));
    }
    if let Some(doc) = &s.doc {
        out.extend_from_slice(b",\"doc\":");
        write::string(&mut out, doc.as_bytes());
    }
    if !s.parameters.is_empty() {
        out.extend_from_slice(b",\"parameters\":{");
        // A Java map holds each key once: first position, last value.
        let mut first = true;
        for (i, (k, _)) in s.parameters.iter().enumerate() {
            if s.parameters[..i].iter().any(|(seen, _)| seen == k) {
                continue;
            }
            let v = s
                .parameters
                .iter()
                .rev()
                .find(|(kk, _)| kk == k)
                .map_or("", |(_, v)| v);
            if !first {
                out.push(b',');
            }
            first = false;
            write::string(&mut out, k.as_bytes());
            out.push(b':');
            write::string(&mut out, v.as_bytes());
        }
        out.push(b'}');
    }
    if let Some(default) = &p.default_json {
        out.extend_from_slice(b",\"default\":");
        out.extend_from_slice(default.as_deref().map_err(Clone::clone)?);
    }
    out.push(b'}');
    Ok(out)
}
