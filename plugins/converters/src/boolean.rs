//! Apache's `BooleanConverter`: one byte, 1 for true and 0 for false
//! (Kafka's `BooleanSerializer`), null for null; reading always gives the
//! optional boolean schema.

use wasm_connect_sdk::layout::{NONE, Node, NodeKind};
use wasm_connect_sdk::prelude::*;

use crate::java_names::{java_class, schema_type_name};
use crate::target::{data_error, for_each_target};

/// Apache's `BooleanConverter`, for keys, values and headers alike.
pub struct BooleanConverter {
    target: Target,
    schema: Schema,
}

impl Converter for BooleanConverter {
    const HEADERS: bool = true;

    fn manifest() -> Manifest {
        Manifest::new(
            PluginKind::Converter,
            "wasmconnect.converters.BooleanConverter",
            env!("CARGO_PKG_VERSION"),
        )
        .aliases(["org.apache.kafka.connect.converters.BooleanConverter"])
        .description(
            "Converts between booleans and Kafka's one-byte boolean format (1 true, 0 false).",
        )
    }

    fn configure(_config: Config, target: Target) -> Result<Self> {
        Ok(Self {
            target,
            schema: Schema::optional(SchemaType::Boolean),
        })
    }

    fn from_connect(&mut self, batch: &mut Batch) -> Result<()> {
        // Every true and every false of the batch points at the same two
        // bytes, appended once when first needed.
        let mut bytes: Option<u32> = None;
        for_each_target(batch, self.target, |batch, i, node, schema| {
            let def = batch.schema_def(schema).map_err(|e| data_error(i, e))?;
            // Apache checks the schema before looking at the value.
            if let Some(def) = def
                && def.schema_type != SchemaType::Boolean
            {
                return Err(PluginError::data(format!(
                    "Invalid schema type for BooleanConverter: {}",
                    schema_type_name(def.schema_type)
                ))
                .at_record(i));
            }
            let kind = NodeKind::from_u8(node.kind);
            match kind {
                Some(NodeKind::Null) => Ok((Node::NULL, NONE)),
                Some(NodeKind::Boolean) => {
                    let start = match bytes {
                        Some(start) => start,
                        None => {
                            let (start, _) = batch.push_bytes(&[0, 1])?;
                            bytes = Some(start);
                            start
                        }
                    };
                    Ok((Node::bytes(start + u32::from(node.b != 0), 1), NONE))
                }
                _ => Err(PluginError::data(format!(
                    "BooleanConverter is not compatible with objects of type class {}",
                    java_class(kind, def)
                ))
                .at_record(i)),
            }
        })
    }

    fn to_connect(&mut self, batch: &mut Batch) -> Result<()> {
        let schema = batch.add_schema(&self.schema)?;
        for_each_target(batch, self.target, |batch, i, node, _| {
            match NodeKind::from_u8(node.kind) {
                Some(NodeKind::Null) => Ok((Node::NULL, schema)),
                Some(NodeKind::Bytes | NodeKind::String) => {
                    let bytes = batch
                        .bytes(node.b as u32, node.a, "the serialized data")
                        .map_err(|e| data_error(i, e))?;
                    let value = match bytes {
                        [0] => false,
                        [1] => true,
                        [other] => {
                            // Java prints the byte signed.
                            return Err(PluginError::data(format!(
                                "Failed to deserialize boolean: Unexpected byte received by BooleanDeserializer: {}",
                                *other as i8
                            ))
                            .at_record(i));
                        }
                        _ => {
                            return Err(PluginError::data(
                                "Failed to deserialize boolean: Size of data received by BooleanDeserializer is not 1",
                            )
                            .at_record(i));
                        }
                    };
                    Ok((Node::new(NodeKind::Boolean, 0, u64::from(value)), schema))
                }
                _ => Err(PluginError::data("BooleanConverter can only read bytes").at_record(i)),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use wasm_connect_sdk::PluginSet;

    use super::*;

    fn batch_of(values: Vec<(Option<Arc<Schema>>, Value)>) -> Batch {
        let records: Vec<Record> = values
            .into_iter()
            .map(|(s, v)| Record::new("topic").with_value(s, v))
            .collect();
        Batch::from_records(&records).unwrap()
    }

    fn values(batch: &Batch) -> Vec<(Option<Arc<Schema>>, Value)> {
        batch
            .to_records()
            .unwrap()
            .into_iter()
            .map(|r| (r.value_schema, r.value))
            .collect()
    }

    fn converter() -> BooleanConverter {
        BooleanConverter::configure(Config::new(), Target::Value).unwrap()
    }

    #[test]
    fn writes_one_byte_shared_by_all_records() {
        let boolean = Some(Arc::new(Schema::new(SchemaType::Boolean)));
        let optional = Some(Arc::new(Schema::optional(SchemaType::Boolean)));
        let mut batch = batch_of(vec![
            (boolean.clone(), Value::Boolean(true)),
            (boolean, Value::Boolean(false)),
            (None, Value::Boolean(true)),
            (optional, Value::Null),
        ]);
        batch.share_all();
        converter().from_connect(&mut batch).unwrap();
        batch.validate().unwrap();
        assert_eq!(
            values(&batch),
            vec![
                (None, Value::Bytes(vec![1])),
                (None, Value::Bytes(vec![0])),
                (None, Value::Bytes(vec![1])),
                (None, Value::Null),
            ]
        );
        // Two bytes for the whole batch.
        assert_eq!(batch.take_unshared_data().1, vec![0, 1]);
    }

    #[test]
    fn rejects_other_schemas_and_values_like_apache() {
        let mut batch = batch_of(vec![(
            Some(Arc::new(Schema::new(SchemaType::Int32))),
            Value::Int32(0),
        )]);
        let err = converter().from_connect(&mut batch).unwrap_err();
        assert_eq!(
            err.message,
            "Invalid schema type for BooleanConverter: INT32"
        );
        assert_eq!((err.kind, err.record), (ErrorKind::Data, Some(0)));

        // The schema is checked before the value, even a null one.
        let mut batch = batch_of(vec![
            (None, Value::Boolean(true)),
            (
                Some(Arc::new(Schema::optional(SchemaType::Float64))),
                Value::Null,
            ),
        ]);
        let err = converter().from_connect(&mut batch).unwrap_err();
        assert_eq!(
            err.message,
            "Invalid schema type for BooleanConverter: FLOAT64"
        );
        assert_eq!(err.record, Some(1));

        let mut batch = batch_of(vec![(None, "true".into())]);
        let err = converter().from_connect(&mut batch).unwrap_err();
        assert_eq!(
            err.message,
            "BooleanConverter is not compatible with objects of type class java.lang.String"
        );
    }

    #[test]
    fn reads_one_byte_with_the_optional_schema() {
        let optional = Some(Arc::new(Schema::optional(SchemaType::Boolean)));
        let mut batch = batch_of(vec![
            (None, Value::Bytes(vec![1])),
            (None, Value::Bytes(vec![0])),
            (None, Value::Null),
        ]);
        converter().to_connect(&mut batch).unwrap();
        batch.validate().unwrap();
        assert_eq!(
            values(&batch),
            vec![
                (optional.clone(), Value::Boolean(true)),
                (optional.clone(), Value::Boolean(false)),
                (optional, Value::Null),
            ]
        );
    }

    #[test]
    fn bad_bytes_fail_with_kafkas_messages() {
        for (bytes, message) in [
            (
                b"42".to_vec(),
                "Failed to deserialize boolean: Size of data received by BooleanDeserializer is not 1",
            ),
            (
                vec![],
                "Failed to deserialize boolean: Size of data received by BooleanDeserializer is not 1",
            ),
            (
                vec![2],
                "Failed to deserialize boolean: Unexpected byte received by BooleanDeserializer: 2",
            ),
            (
                vec![0xff],
                "Failed to deserialize boolean: Unexpected byte received by BooleanDeserializer: -1",
            ),
        ] {
            let mut batch = batch_of(vec![
                (None, Value::Bytes(vec![1])),
                (None, Value::Bytes(bytes)),
            ]);
            let err = converter().to_connect(&mut batch).unwrap_err();
            assert_eq!(err.message, message);
            assert_eq!((err.kind, err.record), (ErrorKind::Data, Some(1)));
        }
    }

    #[test]
    fn converts_headers_and_keys() {
        for target in [Target::Key, Target::Headers] {
            let mut c = BooleanConverter::configure(Config::new(), target).unwrap();
            let mut record = Record::new("t").with_key(None, Value::Boolean(true));
            record.headers.push(Header {
                key: "h".into(),
                schema: None,
                value: Value::Boolean(false),
            });
            let mut batch = Batch::from_records(&[record]).unwrap();
            c.from_connect(&mut batch).unwrap();
            let r = &batch.to_records().unwrap()[0];
            let (key, header) = match target {
                Target::Key => (Value::Bytes(vec![1]), Value::Boolean(false)),
                _ => (Value::Boolean(true), Value::Bytes(vec![0])),
            };
            assert_eq!((&r.key, &r.headers[0].value), (&key, &header));
            c.to_connect(&mut batch).unwrap();
            let r = &batch.to_records().unwrap()[0];
            assert_eq!(
                (&r.key, &r.headers[0].value),
                (&Value::Boolean(true), &Value::Boolean(false))
            );
        }
    }

    #[test]
    fn manifest_names_apaches_class() {
        let registry = crate::Plugins::registry();
        let entry = registry
            .find_converter("wasmconnect.converters.BooleanConverter")
            .unwrap();
        assert_eq!(
            entry.manifest.aliases,
            vec!["org.apache.kafka.connect.converters.BooleanConverter".to_owned()]
        );
        assert!(entry.headers);
    }
}
