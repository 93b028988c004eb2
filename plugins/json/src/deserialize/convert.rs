//! JSON → Connect values: Apache's `convertToConnect`, writing the result
//! straight into a batch's node arena.
//!
//! Apache reads JSON nodes through Jackson's accessors, which never fail:
//! `intValue()` of a string is 0, `textValue()` of a number is null,
//! `longValue()` of a `BigInteger` keeps the low 64 bits. Those results are
//! reproduced here, including the nulls they make under required schemas,
//! which Apache rejects only inside a struct (`Struct.put` validates).

use std::collections::HashMap;
use std::sync::Arc;

use wasm_connect_sdk::batch::MAX_DEPTH;
use wasm_connect_sdk::layout::{Node, NodeKind};
use wasm_connect_sdk::{Batch, Schema, SchemaType};

use crate::base64;
use crate::decimal::{self, Decimal};
use crate::json::parse::{JKind, Json, Members};
use crate::logical::{self, Logical, MILLIS_PER_DAY, type_name};
use crate::nodes::{self, scalar};

/// Where Apache would find a null that breaks a required schema when it
/// validates the enclosing struct field (`ConnectSchema.validateValue`):
/// the location's prefix (`element of array `, `value of map `, ...) and
/// the schema's type.
#[derive(Debug, Clone)]
pub struct BadNull {
    prefix: String,
    schema_type: SchemaType,
}

impl BadNull {
    fn within(mut self, container: &str) -> Self {
        self.prefix.push_str(container);
        self
    }
}

/// A converted value and the first invalid null inside it, if any.
type Converted = (Node, Option<BadNull>);

/// Reads one parsed document into a batch.
pub struct Conv<'j> {
    /// The document.
    pub json: Json<'j>,
    /// Where the document's text starts in the batch's data, when the text
    /// is there unchanged (so unescaped strings can be referred to).
    pub base: Option<u32>,
    /// `replace.null.with.default`.
    pub replace_null_with_default: bool,
}

impl Conv<'_> {
    /// `convertToConnect(schema, value)`; `j` is `None` for an absent
    /// member (Jackson's `get` returning null).
    pub fn convert(
        &self,
        batch: &mut Batch,
        schema: Option<&Arc<Schema>>,
        j: Option<usize>,
        depth: usize,
    ) -> Result<Converted, String> {
        if depth > MAX_DEPTH {
            return Err(nodes::too_deep());
        }
        let Some(schema) = schema else {
            return self.schemaless(batch, j, depth).map(|n| (n, None));
        };
        let kind = j.map_or(JKind::Null, |j| self.json.kind(j));
        let Some(j) = j.filter(|_| kind != JKind::Null) else {
            if let Some(default) = schema
                .default
                .as_ref()
                .filter(|_| self.replace_null_with_default)
            {
                // Defaults are already Connect values.
                let node = batch
                    .encode_value(default, None, depth)
                    .map_err(|e| e.to_string())?;
                return Ok((node, None));
            }
            if schema.optional {
                return Ok((Node::NULL, None));
            }
            return Err(format!(
                "Invalid null value for required {} field",
                type_name(schema.schema_type)
            ));
        };
        let logical = Logical::of(schema);
        if logical != Logical::None {
            return self.logical(batch, schema, logical, j).map(|n| (n, None));
        }
        // A null made by an accessor (textValue, binaryValue) breaks a
        // required schema; Apache notices only inside a struct.
        let null = || {
            let bad = (!schema.optional).then(|| BadNull {
                prefix: String::new(),
                schema_type: schema.schema_type,
            });
            Ok((Node::NULL, bad))
        };
        let node = match schema.schema_type {
            SchemaType::Boolean => {
                let v = kind == JKind::Bool && self.json.node(j).int != 0;
                scalar(NodeKind::Boolean, u64::from(v))
            }
            SchemaType::Int8 => scalar(
                NodeKind::Int8,
                i64::from(self.long_of(j) as i32 as i8) as u64,
            ),
            SchemaType::Int16 => scalar(
                NodeKind::Int16,
                i64::from(self.long_of(j) as i32 as i16) as u64,
            ),
            SchemaType::Int32 => scalar(NodeKind::Int32, i64::from(self.long_of(j) as i32) as u64),
            SchemaType::Int64 => scalar(NodeKind::Int64, self.long_of(j) as u64),
            SchemaType::Float32 => scalar(NodeKind::Float32, u64::from(self.float(j).to_bits())),
            SchemaType::Float64 => scalar(NodeKind::Float64, self.double(j).to_bits()),
            SchemaType::String => {
                if kind != JKind::Str {
                    return null();
                }
                self.string(batch, j)?
            }
            SchemaType::Bytes => {
                if kind != JKind::Str {
                    return null();
                }
                let bytes = base64::decode(self.json.text(j))
                    .map_err(|_| "Invalid bytes field".to_owned())?;
                let (start, len) = batch.push_bytes(&bytes).map_err(|e| e.to_string())?;
                Node::bytes(start, len)
            }
            SchemaType::Array => return self.array(batch, schema, j, depth),
            SchemaType::Map => return self.map(batch, schema, j, depth),
            SchemaType::Struct => {
                return self.structure(batch, schema, j, depth).map(|n| (n, None));
            }
        };
        Ok((node, None))
    }

    /// Jackson's `longValue()` (and, cast, `intValue()`): numbers truncated
    /// to their low 64 bits, anything else 0.
    pub(crate) fn long_of(&self, j: usize) -> i64 {
        let n = self.json.node(j);
        match n.kind {
            JKind::Int | JKind::Long => n.int,
            JKind::BigInt => Decimal::from_integer_text(self.json.text(j)).to_i64_wrapping(),
            JKind::Decimal => Decimal::parse(self.json.text(j)).map_or(0, |d| d.to_i64_wrapping()),
            _ => 0,
        }
    }

    /// Jackson's `doubleValue()`: the number correctly rounded (a
    /// `BigDecimal` zero is +0.0 whatever its sign), anything else 0.
    fn double(&self, j: usize) -> f64 {
        let n = self.json.node(j);
        match n.kind {
            JKind::Int | JKind::Long => n.int as f64,
            JKind::BigInt | JKind::Decimal if self.is_zero(j) => 0.0,
            JKind::BigInt | JKind::Decimal => self.json.str(j).parse().unwrap_or(0.0),
            _ => 0.0,
        }
    }

    /// Jackson's `floatValue()`.
    fn float(&self, j: usize) -> f32 {
        let n = self.json.node(j);
        match n.kind {
            JKind::Int | JKind::Long => n.int as f32,
            JKind::BigInt | JKind::Decimal if self.is_zero(j) => 0.0,
            JKind::BigInt | JKind::Decimal => self.json.str(j).parse().unwrap_or(0.0),
            _ => 0.0,
        }
    }

    fn is_zero(&self, j: usize) -> bool {
        let text = self.json.text(j);
        let mantissa = text
            .split(|c| matches!(c, b'e' | b'E'))
            .next()
            .unwrap_or(text);
        mantissa.iter().all(|c| matches!(c, b'0' | b'-' | b'.'))
    }

    /// A string node, referring to the document's text when it is in the
    /// batch unchanged.
    fn string(&self, batch: &mut Batch, j: usize) -> Result<Node, String> {
        if let (Some(base), Some((start, len))) = (self.base, self.json.raw_span(j)) {
            return Ok(Node::string(base + start as u32, len as u32));
        }
        let (start, len) = batch
            .push_bytes(self.json.text(j))
            .map_err(|e| e.to_string())?;
        Ok(Node::string(start, len))
    }

    /// A string node for an object member's key.
    fn key_string(&self, batch: &mut Batch, member: usize) -> Result<Node, String> {
        if let (Some(base), Some((start, len))) = (self.base, self.json.raw_key_span(member)) {
            return Ok(Node::string(base + start as u32, len as u32));
        }
        let (start, len) = batch
            .push_bytes(self.json.key(member))
            .map_err(|e| e.to_string())?;
        Ok(Node::string(start, len))
    }

    /// `convertToConnect(null, value)`: integers as INT64, other numbers as
    /// FLOAT64, objects as maps with string keys.
    fn schemaless(
        &self,
        batch: &mut Batch,
        j: Option<usize>,
        depth: usize,
    ) -> Result<Node, String> {
        if depth > MAX_DEPTH {
            return Err(nodes::too_deep());
        }
        let Some(j) = j else {
            return Ok(Node::NULL);
        };
        let n = self.json.node(j);
        Ok(match n.kind {
            JKind::Null | JKind::Missing | JKind::Known => Node::NULL,
            JKind::Bool => scalar(NodeKind::Boolean, n.int as u64),
            JKind::Int | JKind::Long | JKind::BigInt => {
                scalar(NodeKind::Int64, self.long_of(j) as u64)
            }
            JKind::Decimal => scalar(NodeKind::Float64, self.double(j).to_bits()),
            JKind::Str => self.string(batch, j)?,
            JKind::Arr => {
                let count = self.json.size(j);
                let first = nodes::reserve(batch, count)?;
                for (i, item) in self.json.children(j).enumerate() {
                    let node = self.schemaless(batch, Some(item), depth + 1)?;
                    nodes::set(batch, first + i as u32, node);
                }
                Node::new(NodeKind::Array, count as u32, u64::from(first))
            }
            JKind::Obj => {
                let count = self.json.size(j);
                let first = nodes::reserve(batch, 2 * count)?;
                for (i, member) in self.json.members(j).enumerate() {
                    let key = self.key_string(batch, member)?;
                    nodes::set(batch, first + 2 * i as u32, key);
                    let value = self.schemaless(batch, Some(member), depth + 1)?;
                    nodes::set(batch, first + 2 * i as u32 + 1, value);
                }
                Node::new(NodeKind::Map, count as u32, u64::from(first))
            }
        })
    }

    /// An ARRAY: Apache iterates the node, which for an object means its
    /// values and for anything else nothing.
    fn array(
        &self,
        batch: &mut Batch,
        schema: &Arc<Schema>,
        j: usize,
        depth: usize,
    ) -> Result<Converted, String> {
        let count = self.json.size(j);
        let items = match self.json.kind(j) {
            JKind::Arr => Members::Direct(self.json.children(j)),
            _ => self.json.members(j),
        };
        let item_schema = schema.value_schema.as_ref();
        let first = nodes::reserve(batch, count)?;
        let mut bad = None;
        for (i, item) in items.enumerate() {
            let (node, b) = self.convert(batch, item_schema, Some(item), depth + 1)?;
            if bad.is_none() {
                bad = b.map(|b| b.within("element of array "));
            }
            nodes::set(batch, first + i as u32, node);
        }
        Ok((
            Node::new(NodeKind::Array, count as u32, u64::from(first)),
            bad,
        ))
    }

    /// A MAP: a JSON object when keys are strings, else an array of
    /// `[key, value]` pairs. Keys are unique, as in Apache's `HashMap`.
    fn map(
        &self,
        batch: &mut Batch,
        schema: &Arc<Schema>,
        j: usize,
        depth: usize,
    ) -> Result<Converted, String> {
        let kind = self.json.kind(j);
        let key_schema = schema.key_schema.as_ref();
        let value_schema = schema.value_schema.as_ref();
        let string_keys = key_schema.is_none_or(|k| k.schema_type == SchemaType::String);
        let mut bad = None;
        if string_keys {
            if kind != JKind::Obj {
                return Err(format!(
                    "Maps with string fields should be encoded as JSON objects, but found {}",
                    kind.type_name()
                ));
            }
            let count = self.json.size(j);
            let first = nodes::reserve(batch, 2 * count)?;
            for (i, member) in self.json.members(j).enumerate() {
                let key = self.key_string(batch, member)?;
                nodes::set(batch, first + 2 * i as u32, key);
                let (value, b) = self.convert(batch, value_schema, Some(member), depth + 1)?;
                if bad.is_none() {
                    bad = b.map(|b| b.within("value of map "));
                }
                nodes::set(batch, first + 2 * i as u32 + 1, value);
            }
            let node = Node::new(NodeKind::Map, count as u32, u64::from(first));
            return Ok((node, bad));
        }
        if kind != JKind::Arr {
            return Err(format!(
                "Maps with non-string fields should be encoded as JSON array of tuples, but found {}",
                kind.type_name()
            ));
        }
        let count = self.json.size(j);
        let first = nodes::reserve(batch, 2 * count)?;
        for (i, entry) in self.json.children(j).enumerate() {
            let entry_kind = self.json.kind(entry);
            if entry_kind != JKind::Arr {
                return Err(format!(
                    "Found invalid map entry instead of array tuple: {}",
                    entry_kind.type_name()
                ));
            }
            if self.json.size(entry) != 2 {
                return Err(format!(
                    "Found invalid map entry, expected length 2 but found :{}",
                    self.json.size(entry)
                ));
            }
            let mut pair = self.json.children(entry);
            let (k, v) = (pair.next(), pair.next());
            let (key, kb) = self.convert(batch, key_schema, k, depth + 1)?;
            let (value, vb) = self.convert(batch, value_schema, v, depth + 1)?;
            if bad.is_none() {
                bad = kb
                    .map(|b| b.within("key of map "))
                    .or_else(|| vb.map(|b| b.within("value of map ")));
            }
            nodes::set(batch, first + 2 * i as u32, key);
            nodes::set(batch, first + 2 * i as u32 + 1, value);
        }
        let by_content = key_schema.is_some_and(|k| Logical::of(k) == Logical::Decimal);
        let count = dedupe(batch, first, count, by_content);
        Ok((
            Node::new(NodeKind::Map, count as u32, u64::from(first)),
            bad,
        ))
    }

    /// A STRUCT: each field from the member of that name; values are
    /// checked as `Struct.put` checks them.
    fn structure(
        &self,
        batch: &mut Batch,
        schema: &Arc<Schema>,
        j: usize,
        depth: usize,
    ) -> Result<Node, String> {
        let kind = self.json.kind(j);
        if kind != JKind::Obj {
            return Err(format!(
                "Structs should be encoded as JSON objects, but found {}",
                kind.type_name()
            ));
        }
        let first = nodes::reserve(batch, schema.fields.len())?;
        let mut guess = Some(j + 1);
        for (i, field) in schema.fields.iter().enumerate() {
            let member = self.json.get_from(j, &field.name, guess);
            guess = member.map(|m| self.json.node(m).end as usize);
            let (node, bad) = self.convert(batch, Some(&field.schema), member, depth + 1)?;
            if let Some(bad) = bad {
                return Err(format!(
                    "Invalid value: null used for required {}field: \"{}\", schema type: {}",
                    bad.prefix,
                    field.name,
                    type_name(bad.schema_type)
                ));
            }
            nodes::set(batch, first + i as u32, node);
        }
        Ok(Node::new(
            NodeKind::Struct,
            schema.fields.len() as u32,
            u64::from(first),
        ))
    }

    /// Apache's `LOGICAL_CONVERTERS`: chosen by the schema's name alone.
    fn logical(
        &self,
        batch: &mut Batch,
        schema: &Schema,
        logical: Logical,
        j: usize,
    ) -> Result<Node, String> {
        let kind = self.json.kind(j);
        let node = match logical {
            Logical::Decimal => self.decimal(batch, schema, j, kind)?,
            Logical::Date | Logical::Time => {
                if kind != JKind::Int {
                    return Err(format!(
                        "Invalid type for {}, underlying representation should be integer but was {}",
                        logical.simple_name(),
                        kind.type_name()
                    ));
                }
                let v = self.json.node(j).int;
                if logical == Logical::Time && !(0..=MILLIS_PER_DAY).contains(&v) {
                    return Err("Time values must use number of milliseconds greater than 0 and less than 86400000".into());
                }
                scalar(NodeKind::Int32, v as u64)
            }
            Logical::Timestamp | Logical::None => {
                if !matches!(kind, JKind::Int | JKind::Long | JKind::BigInt) {
                    return Err(format!(
                        "Invalid type for Timestamp, underlying representation should be integral but was {}",
                        kind.type_name()
                    ));
                }
                scalar(NodeKind::Int64, self.long_of(j) as u64)
            }
        };
        // Apache would hold a BigDecimal or java.util.Date whatever the
        // schema's type; a batch carries logical values in their base type.
        if logical.base_type() != Some(schema.schema_type) {
            return Err(format!(
                "A {} value under a schema of type {} cannot be carried by wasm-connect (logical types keep their base type: {})",
                logical.simple_name(),
                type_name(schema.schema_type),
                logical.base_type().map_or("", type_name)
            ));
        }
        Ok(node)
    }

    fn decimal(
        &self,
        batch: &mut Batch,
        schema: &Schema,
        j: usize,
        kind: JKind,
    ) -> Result<Node, String> {
        let bytes = match kind {
            JKind::Int | JKind::Long | JKind::BigInt | JKind::Decimal => {
                let text = self.json.text(j);
                let value = if kind == JKind::Decimal {
                    Decimal::parse(text).ok_or("Invalid numeric value for Decimal field")?
                } else {
                    Decimal::from_integer_text(text)
                };
                // Apache keeps the number's own scale; a batch carries the
                // unscaled value at the schema's scale, so the number must
                // be exact at that scale.
                let scale = logical::decimal_scale(schema)?;
                let digits = value.unscaled_at(scale, 100_000).ok_or_else(|| {
                    format!(
                        "The Decimal value {} cannot be represented exactly with the schema's scale {scale}",
                        self.json.str(j)
                    )
                })?;
                decimal::to_twos_complement(value.negative, &digits)
            }
            JKind::Str => {
                let invalid = || "Invalid bytes for Decimal field".to_owned();
                let raw = base64::decode(self.json.text(j)).map_err(|_| invalid())?;
                logical::decimal_scale(schema).map_err(|_| invalid())?;
                if raw.is_empty() {
                    // new BigInteger(new byte[0]) throws.
                    return Err(invalid());
                }
                decimal::minimal_twos_complement(&raw).to_vec()
            }
            _ => {
                return Err(format!(
                    "Invalid type for Decimal, underlying representation should be numeric or bytes but was {}",
                    kind.type_name()
                ));
            }
        };
        let (start, len) = batch.push_bytes(&bytes).map_err(|e| e.to_string())?;
        Ok(Node::bytes(start, len))
    }
}

/// Keep each key once, as a `HashMap` does (its first position, its last
/// value), compacting the entries at `first`; returns the entry count.
fn dedupe(batch: &mut Batch, first: u32, count: usize, by_content: bool) -> usize {
    if count < 2 {
        return count;
    }
    let key = |batch: &Batch, i: usize| nodes::get(batch, first + 2 * i as u32);
    // Which earlier entry each entry repeats, if any. Scalars are bucketed
    // by their bits so large maps are not compared pairwise.
    let mut buckets: HashMap<(u8, u64), Vec<usize>> = HashMap::new();
    let mut repeats: Vec<Option<usize>> = vec![None; count];
    for (i, repeat) in repeats.iter_mut().enumerate() {
        let k = key(batch, i);
        let bucket_key = match NodeKind::from_u8(k.kind) {
            Some(NodeKind::Array | NodeKind::Map | NodeKind::Struct) => (k.kind, 0),
            Some(NodeKind::String | NodeKind::Bytes) => {
                let bytes = batch.bytes(k.b as u32, k.a, "a key").unwrap_or(&[]);
                (k.kind, fnv(bytes))
            }
            _ => (k.kind, k.b),
        };
        let bucket = buckets.entry(bucket_key).or_default();
        *repeat = bucket
            .iter()
            .copied()
            .find(|&e| nodes::java_equals(batch, key(batch, e), k, by_content, 0));
        if repeat.is_none() {
            bucket.push(i);
        }
    }
    if repeats.iter().all(Option::is_none) {
        return count;
    }
    // The value of each kept entry is that of its last repeat.
    let mut value_of: Vec<usize> = (0..count).collect();
    for (i, r) in repeats.iter().enumerate() {
        if let Some(original) = r {
            value_of[*original] = i;
        }
    }
    let mut kept = 0usize;
    for i in 0..count {
        if repeats[i].is_some() {
            continue;
        }
        let k = key(batch, i);
        let v = nodes::get(batch, first + 2 * value_of[i] as u32 + 1);
        nodes::set(batch, first + 2 * kept as u32, k);
        nodes::set(batch, first + 2 * kept as u32 + 1, v);
        kept += 1;
    }
    for slot in 2 * kept..2 * count {
        nodes::set(batch, first + slot as u32, Node::NULL);
    }
    kept
}

fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3)
    })
}
