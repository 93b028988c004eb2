//! The bytes fast path: the built-in ByteArrayConverter returns bytes (and
//! nulls) exactly as it gets them, so when every key, value or header value
//! of a batch already is bytes or null, the host does what the converter
//! would do (drop a BYTES schema reference) without calling it. A source
//! that hands over raw Kafka records (KafkaSourceConnector) then crosses the
//! sandbox once per batch, for its own `poll`, and nothing is decoded or
//! encoded again.

use wasm_connect_sdk::layout::{NONE, NodeKind};
use wasm_connect_sdk::{Batch, Part, Schema, SchemaType};

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

/// ByteArrayConverter's schema for what it reads: optional BYTES.
fn optional_bytes() -> &'static Schema {
    static SCHEMA: std::sync::OnceLock<Schema> = std::sync::OnceLock::new();
    SCHEMA.get_or_init(|| Schema::optional(SchemaType::Bytes))
}

/// The sink side: when every `target` of `batch` is bytes or null with no
/// schema (a batch as a sink task builds it from Kafka), make the batch what
/// ByteArrayConverter's `to-connect` returns (each node as it is, with an
/// optional BYTES schema) and say so; otherwise say no, and the converter
/// runs. Nothing is changed before every target is known to pass.
pub(crate) fn deserialize_as_is(batch: &mut Batch, target: Target) -> bool {
    match target {
        // Every batch a sink reads: a pass over the descriptors' bytes.
        Target::Part(part) => {
            if !batch.parts_are_raw(part) {
                return false;
            }
            let Ok(schema) = batch.add_schema(optional_bytes()) else {
                return false;
            };
            batch.set_part_schemas(part, schema);
            true
        }
        Target::Headers => {
            let all_raw = (0..batch.header_count()).all(|j| {
                matches!(batch.header_desc(j), Ok(h) if h.schema == NONE
                    && matches!(NodeKind::from_u8(h.value.kind), Some(NodeKind::Bytes | NodeKind::Null)))
            });
            if !all_raw {
                return false;
            }
            let Ok(schema) = batch.add_schema(optional_bytes()) else {
                return false;
            };
            (0..batch.header_count()).all(|j| match batch.header_desc(j) {
                Ok(mut h) => {
                    h.schema = schema;
                    batch.set_header_desc(j, &h).is_ok()
                }
                Err(_) => false,
            })
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

    /// The sink side gives exactly what the built-in converter returns
    /// (compiled natively here): the same nodes, schema table and headers.
    #[test]
    fn deserialized_as_the_converter_does() {
        use wasm_connect_plugin_converters::ByteArrayConverter;
        use wasm_connect_sdk::{Config, Converter, Target as Which};
        let raw = |values: Vec<Value>| {
            let mut b = batch(values, None);
            // As a sink builds it: key bytes, value bytes or null, no schemas.
            b.intern_topic("t").unwrap();
            b
        };
        let values = vec![
            Value::Bytes(b"a".to_vec()),
            Value::Null,
            Value::Bytes(vec![]),
        ];
        for (target, which) in [
            (Target::Part(Part::Value), Which::Value),
            (Target::Part(Part::Key), Which::Key),
            (Target::Headers, Which::Headers),
        ] {
            let mut host = raw(values.clone());
            let mut guest = host.clone();
            assert!(deserialize_as_is(&mut host, target), "{target:?}");
            ByteArrayConverter::configure(Config::new(), which)
                .unwrap()
                .to_connect(&mut guest)
                .unwrap();
            assert_eq!(host, guest, "{target:?}");
        }
    }

    #[test]
    fn typed_data_goes_to_the_converter() {
        let mut typed = batch(
            vec![Value::Bytes(b"a".to_vec())],
            Some(Schema::optional(SchemaType::Bytes)),
        );
        let before = typed.clone();
        assert!(!deserialize_as_is(&mut typed, Target::Part(Part::Value)));
        assert_eq!(typed, before);
        let mut text = batch(vec![Value::String("s".into())], None);
        assert!(!deserialize_as_is(&mut text, Target::Part(Part::Value)));
    }
}
