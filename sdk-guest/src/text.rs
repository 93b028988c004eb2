//! Values as text, written straight from a batch's descriptors.
//!
//! Apache Kafka Connect's FileStreamSink writes each value's `toString`
//! (`Struct{id=1,name=ann}`); the SDK's `Display` for [`Value`](crate::Value)
//! gives the same text, but only for an owned value, and building one per
//! record (strings copied, schema trees resolved, everything freed again)
//! cost several times what writing the text does. This walks the nodes
//! and the schema table instead and appends to a byte buffer.

use crate::batch::{
    Batch, BatchError, MAX_DEPTH, ValueRef, check_struct_len, struct_without_schema,
};
use crate::data::SchemaType;
use crate::layout::{NONE, Node};

impl Batch {
    /// Append `node` (whose schema is `schema`, an index into the batch's
    /// schemas, or `NONE`) to `out` as the `Display` of the same value as
    /// an owned [`Value`](crate::Value) writes it: Apache's `toString`
    /// (`Struct{a=1,b=x}` without null fields, `[1, 2]`, `{k=v}`, Java's
    /// float digits). A struct needs its schema, as in
    /// [`Batch::to_value`].
    pub fn write_text(&self, out: &mut Vec<u8>, node: Node, schema: u32) -> Result<(), BatchError> {
        self.write_text_at(out, node, schema, 0)
    }

    fn write_text_at(
        &self,
        out: &mut Vec<u8>,
        node: Node,
        schema: u32,
        depth: usize,
    ) -> Result<(), BatchError> {
        if depth > MAX_DEPTH {
            return Err(BatchError::TooDeep);
        }
        match self.value(node, "a value")? {
            ValueRef::Null => out.extend_from_slice(b"null"),
            ValueRef::Boolean(v) => out.extend_from_slice(if v { b"true" } else { b"false" }),
            ValueRef::Int8(v) => int(out, i64::from(v)),
            ValueRef::Int16(v) => int(out, i64::from(v)),
            ValueRef::Int32(v) => int(out, i64::from(v)),
            ValueRef::Int64(v) => int(out, v),
            ValueRef::Float32(v) => {
                out.extend_from_slice(crate::java::float_to_string(v).as_bytes())
            }
            ValueRef::Float64(v) => {
                out.extend_from_slice(crate::java::double_to_string(v).as_bytes())
            }
            ValueRef::String(s) => out.extend_from_slice(s.as_bytes()),
            ValueRef::Bytes(b) => out.extend_from_slice(String::from_utf8_lossy(b).as_bytes()),
            ValueRef::Array(items) => {
                let item = self.schema_def(schema)?.and_then(|s| s.value_schema);
                out.push(b'[');
                for i in 0..items.len() {
                    if i > 0 {
                        out.extend_from_slice(b", ");
                    }
                    self.write_text_at(out, items.node(i)?, item.unwrap_or(NONE), depth + 1)?;
                }
                out.push(b']');
            }
            ValueRef::Map(entries) => {
                let def = self.schema_def(schema)?;
                let key = def.and_then(|s| s.key_schema).unwrap_or(NONE);
                let value = def.and_then(|s| s.value_schema).unwrap_or(NONE);
                out.push(b'{');
                for i in 0..entries.len() / 2 {
                    if i > 0 {
                        out.extend_from_slice(b", ");
                    }
                    self.write_text_at(out, entries.node(2 * i)?, key, depth + 1)?;
                    out.push(b'=');
                    self.write_text_at(out, entries.node(2 * i + 1)?, value, depth + 1)?;
                }
                out.push(b'}');
            }
            ValueRef::Struct(values) => {
                let def = match self.schema_def(schema)? {
                    Some(def) if def.schema_type == SchemaType::Struct => def,
                    _ => return Err(struct_without_schema()),
                };
                check_struct_len(values.len(), def.fields.len())?;
                out.extend_from_slice(b"Struct{");
                let mut first = true;
                for (i, (name, field_schema)) in def.fields.iter().enumerate() {
                    let child = values.node(i)?;
                    // Apache's Struct.toString skips null fields.
                    if child.kind == crate::layout::NodeKind::Null as u8 {
                        continue;
                    }
                    if !first {
                        out.push(b',');
                    }
                    first = false;
                    out.extend_from_slice(name.as_bytes());
                    out.push(b'=');
                    self.write_text_at(out, child, *field_schema, depth + 1)?;
                }
                out.push(b'}');
            }
        }
        Ok(())
    }
}

/// An integer in decimal; `itoa` is what `core::fmt` does without the
/// formatter machinery, which showed as a tenth of FileStreamSink's time.
fn int(out: &mut Vec<u8>, v: i64) {
    out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
}

#[cfg(test)]
mod tests;
