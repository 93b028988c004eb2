//! The bytes fast path: the built-in ByteArrayConverter returns bytes (and
//! nulls) exactly as it gets them, so when every key, value or header value
//! of a batch already is bytes or null, the host does what the converter
//! would do (drop a BYTES schema reference) without calling it. A source
//! that hands over raw Kafka records (KafkaSourceConnector) then crosses the
//! sandbox once per batch, for its own `poll`, and nothing is decoded or
//! encoded again.

use wasm_connect_sdk::layout::{NONE, NodeKind};
use wasm_connect_sdk::{Batch, Part, SchemaType};

use crate::plugin::sandbox::ConverterHandle;

/// The full name of the built-in ByteArrayConverter. Built-in plugins are
/// loaded before `plugin.path` and a full name is kept once (the first
/// wins), so no other component can answer to it.
const BYTE_ARRAY_CONVERTER: &str = "wasmconnect.converters.ByteArrayConverter";

/// Whether `converter` is the built-in ByteArrayConverter.
pub(crate) fn is_byte_array(converter: &ConverterHandle) -> bool {
    converter.plugin() == BYTE_ARRAY_CONVERTER
}

/// What one converter converts: a record part, or every header value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    Part(Part),
    Headers,
}

/// Whether a node and its schema are what ByteArrayConverter passes
/// through unchanged: bytes or null, with no schema or a BYTES one.
fn passes(batch: &Batch, kind: u8, schema: u32) -> bool {
    let bytes_or_null = matches!(
        NodeKind::from_u8(kind),
        Some(NodeKind::Bytes | NodeKind::Null)
    );
    bytes_or_null
        && (schema == NONE
            || matches!(batch.schema_def(schema), Ok(Some(def)) if def.schema_type == SchemaType::Bytes))
}

/// When every `target` of `batch` passes through ByteArrayConverter
/// unchanged, make the batch what the converter would return (no schema
/// references) and say so; otherwise leave it as it is and say no (the
/// converter then runs, and reports any record it cannot take).
pub(crate) fn serialize_as_is(batch: &mut Batch, target: Target) -> bool {
    match target {
        Target::Part(part) => {
            let mut schemas = false;
            for i in 0..batch.len() {
                match batch.part(i, part) {
                    Ok((node, schema)) if passes(batch, node.kind, schema) => {
                        schemas |= schema != NONE;
                    }
                    _ => return false,
                }
            }
            if schemas {
                for i in 0..batch.len() {
                    let Ok((node, _)) = batch.part(i, part) else {
                        return false;
                    };
                    if batch.set_part(i, part, node, NONE).is_err() {
                        return false;
                    }
                }
            }
            true
        }
        Target::Headers => {
            let mut schemas = false;
            for j in 0..batch.header_count() {
                match batch.header_desc(j) {
                    Ok(h) if passes(batch, h.value.kind, h.schema) => schemas |= h.schema != NONE,
                    _ => return false,
                }
            }
            if schemas {
                for j in 0..batch.header_count() {
                    let Ok(mut h) = batch.header_desc(j) else {
                        return false;
                    };
                    h.schema = NONE;
                    if batch.set_header_desc(j, &h).is_err() {
                        return false;
                    }
                }
            }
            true
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use wasm_connect_sdk::{Header, Record, Schema, Value};

    fn batch(values: Vec<Value>, schema: Option<Schema>) -> Batch {
        let schema = schema.map(Arc::new);
        let records: Vec<Record> = values
            .into_iter()
            .map(|v| {
                let mut r = Record::new("t").with_value(schema.clone(), v);
                r.headers.push(Header {
                    key: "h".into(),
                    schema: None,
                    value: Value::Bytes(b"x".to_vec()),
                });
                r
            })
            .collect();
        Batch::from_records(&records).unwrap()
    }

    #[test]
    fn bytes_and_nulls_pass_as_they_are() {
        let mut b = batch(
            vec![
                Value::Bytes(b"a".to_vec()),
                Value::Null,
                Value::Bytes(vec![]),
            ],
            None,
        );
        let before = b.clone();
        assert!(serialize_as_is(&mut b, Target::Part(Part::Value)));
        assert!(serialize_as_is(&mut b, Target::Part(Part::Key)));
        assert!(serialize_as_is(&mut b, Target::Headers));
        assert_eq!(b, before, "nothing to change");
    }

    #[test]
    fn a_bytes_schema_is_dropped_as_the_converter_drops_it() {
        let schema = Schema::optional(SchemaType::Bytes);
        let mut b = batch(vec![Value::Bytes(b"a".to_vec())], Some(schema));
        assert_ne!(b.part(0, Part::Value).unwrap().1, NONE);
        assert!(serialize_as_is(&mut b, Target::Part(Part::Value)));
        let (node, schema) = b.part(0, Part::Value).unwrap();
        assert_eq!(schema, NONE);
        assert_eq!(b.bytes(node.b as u32, node.a, "v").unwrap(), b"a");
    }

    #[test]
    fn anything_else_goes_to_the_converter_untouched() {
        let mut b = batch(
            vec![Value::Bytes(b"a".to_vec()), Value::String("s".into())],
            None,
        );
        let before = b.clone();
        assert!(!serialize_as_is(&mut b, Target::Part(Part::Value)));
        assert_eq!(b, before);
        let mut typed = batch(
            vec![Value::String("a".into())],
            Some(Schema::optional(SchemaType::String)),
        );
        assert!(!serialize_as_is(&mut typed, Target::Part(Part::Value)));
    }
}
