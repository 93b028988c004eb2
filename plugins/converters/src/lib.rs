//! StringConverter and ByteArrayConverter, with Apache's class names as
//! aliases and the same behaviour: what Apache writes, these write.

use std::sync::Arc;

use wasm_connect_sdk::layout::{NONE, Node, NodeKind};
use wasm_connect_sdk::prelude::*;

mod boolean;
mod java_names;
mod number;
mod simple_header;
mod target;

pub use boolean::BooleanConverter;
pub use number::{
    DoubleConverter, FloatConverter, IntegerConverter, LongConverter, ShortConverter,
};
pub use simple_header::SimpleHeaderConverter;
use target::{data_error, for_each_target};

wasm_connect_sdk::export_plugins!(converter: [
    StringConverter,
    ByteArrayConverter,
    ShortConverter,
    IntegerConverter,
    LongConverter,
    FloatConverter,
    DoubleConverter,
    BooleanConverter,
    SimpleHeaderConverter,
]);

/// Apache's `StringConverter`: text in UTF-8.
pub struct StringConverter {
    target: Target,
}

/// Apache's `converter.encoding` key.
const ENCODING: &str = "converter.encoding";

impl Converter for StringConverter {
    const HEADERS: bool = true;

    fn manifest() -> Manifest {
        Manifest::new(
            PluginKind::Converter,
            "wasmconnect.converters.StringConverter",
            env!("CARGO_PKG_VERSION"),
        )
        .aliases(["org.apache.kafka.connect.storage.StringConverter"])
        .description("Converts between text in UTF-8 and Connect strings.")
        .config(
            ConfigDef::new(ENCODING, ConfigType::String)
                .default_value("UTF8")
                .importance(Importance::High)
                .doc("The name of the Java character set to use for encoding strings as byte arrays (only UTF-8 is supported)."),
        )
    }

    fn configure(config: Config, target: Target) -> Result<Self> {
        // Apache also reads `converter.encoding` under the deserializer and
        // serializer names; every spelling of UTF-8 is accepted.
        for key in [ENCODING, "serializer.encoding", "deserializer.encoding"] {
            if let Some(encoding) = config.get_non_empty(key) {
                let normal = encoding.to_ascii_uppercase().replace(['-', '_'], "");
                if normal != "UTF8" {
                    return Err(PluginError::config(format!(
                        "Invalid value {encoding} for configuration {key}: wasm-connect's StringConverter supports only UTF-8"
                    )));
                }
            }
        }
        Ok(Self { target })
    }

    fn from_connect(&mut self, batch: &mut Batch) -> Result<()> {
        for_each_target(batch, self.target, |batch, i, node, _schema| {
            let text = match NodeKind::from_u8(node.kind) {
                Some(NodeKind::Null) => return Ok((Node::NULL, NONE)),
                // The text is already in the batch: relabel it, no copy.
                Some(NodeKind::String) | Some(NodeKind::Bytes) => {
                    return Ok((Node::bytes(node.b as u32, node.a), NONE));
                }
                _ => {
                    // Anything else is written as Java's toString() writes it.
                    let record = batch.record(i).map_err(|e| data_error(i, e))?;
                    let schema = match self.target {
                        Target::Key => record.desc().key_schema,
                        _ => record.desc().value_schema,
                    };
                    let schema = if self.target == Target::Headers {
                        None
                    } else {
                        batch.schema_tree(schema).map_err(|e| data_error(i, e))?
                    };
                    batch
                        .to_value(node, schema.as_ref(), 0)
                        .map_err(|e| data_error(i, e))?
                        .to_string()
                }
            };
            let (start, len) = batch.push_bytes(text.as_bytes())?;
            Ok((Node::bytes(start, len), NONE))
        })
    }

    fn to_connect(&mut self, batch: &mut Batch) -> Result<()> {
        let schema = batch.add_schema(&Schema::optional(SchemaType::String))?;
        for_each_target(batch, self.target, |batch, i, node, _| {
            match NodeKind::from_u8(node.kind) {
                Some(NodeKind::Null) => Ok((Node::NULL, schema)),
                Some(NodeKind::Bytes) | Some(NodeKind::String) => {
                    let bytes = batch
                        .bytes(node.b as u32, node.a, "the serialized data")
                        .map_err(|e| data_error(i, e))?;
                    match std::str::from_utf8(bytes) {
                        Ok(_) => Ok((Node::string(node.b as u32, node.a), schema)),
                        Err(_) => {
                            // Java's `new String(bytes, UTF_8)` replaces bad
                            // sequences with U+FFFD rather than failing.
                            let text = String::from_utf8_lossy(bytes).into_owned();
                            let (start, len) = batch.push_bytes(text.as_bytes())?;
                            Ok((Node::string(start, len), schema))
                        }
                    }
                }
                _ => Err(PluginError::data("StringConverter can only read bytes").at_record(i)),
            }
        })
    }
}

/// Apache's `ByteArrayConverter`: bytes pass through untouched.
pub struct ByteArrayConverter {
    target: Target,
    bytes_schema: Arc<Schema>,
}

impl Converter for ByteArrayConverter {
    const HEADERS: bool = true;

    fn manifest() -> Manifest {
        Manifest::new(
            PluginKind::Converter,
            "wasmconnect.converters.ByteArrayConverter",
            env!("CARGO_PKG_VERSION"),
        )
        .aliases(["org.apache.kafka.connect.converters.ByteArrayConverter"])
        .description("Passes bytes through unchanged.")
    }

    fn configure(_config: Config, target: Target) -> Result<Self> {
        Ok(Self {
            target,
            bytes_schema: Arc::new(Schema::optional(SchemaType::Bytes)),
        })
    }

    fn from_connect(&mut self, batch: &mut Batch) -> Result<()> {
        for_each_target(batch, self.target, |batch, i, node, schema| {
            if let Some(def) = batch.schema_def(schema).map_err(|e| data_error(i, e))?
                && def.schema_type != SchemaType::Bytes
            {
                return Err(PluginError::data(format!(
                    "Invalid schema type for ByteArrayConverter: {}",
                    def.schema_type.name().to_uppercase()
                ))
                .at_record(i));
            }
            match NodeKind::from_u8(node.kind) {
                Some(NodeKind::Null) => Ok((Node::NULL, NONE)),
                Some(NodeKind::Bytes) => Ok((node, NONE)),
                _ => {
                    let kind = batch
                        .value(node, "the value")
                        .map(|v| v.kind_name())
                        .unwrap_or("unknown");
                    Err(PluginError::data(format!(
                        "ByteArrayConverter is not compatible with objects of type {kind}"
                    ))
                    .at_record(i))
                }
            }
        })
    }

    fn to_connect(&mut self, batch: &mut Batch) -> Result<()> {
        let schema = batch.add_schema(&self.bytes_schema)?;
        for_each_target(
            batch,
            self.target,
            |_, i, node, _| match NodeKind::from_u8(node.kind) {
                Some(NodeKind::Null) => Ok((Node::NULL, schema)),
                Some(NodeKind::Bytes) => Ok((node, schema)),
                Some(NodeKind::String) => Ok((Node::bytes(node.b as u32, node.a), schema)),
                _ => Err(PluginError::data("ByteArrayConverter can only read bytes").at_record(i)),
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(values: &[Option<&[u8]>]) -> Batch {
        let records: Vec<Record> = values
            .iter()
            .map(|v| {
                Record::new("t").with_value(
                    None,
                    v.map(|b| Value::Bytes(b.to_vec())).unwrap_or(Value::Null),
                )
            })
            .collect();
        Batch::from_records(&records).unwrap()
    }

    #[test]
    fn string_round_trip_and_lossy_utf8() {
        let mut c = StringConverter::configure(Config::new(), Target::Value).unwrap();
        let mut batch = raw(&[Some(b"hello"), None, Some(&[0x66, 0xff])]);
        c.to_connect(&mut batch).unwrap();
        batch.validate().unwrap();
        let records = batch.to_records().unwrap();
        assert_eq!(records[0].value, Value::String("hello".into()));
        assert_eq!(
            records[0].value_schema.as_deref(),
            Some(&Schema::optional(SchemaType::String))
        );
        assert_eq!(records[1].value, Value::Null);
        assert_eq!(records[2].value, Value::String("f\u{fffd}".into()));

        c.from_connect(&mut batch).unwrap();
        let records = batch.to_records().unwrap();
        assert_eq!(records[0].value, Value::Bytes(b"hello".to_vec()));
        assert_eq!(records[0].value_schema, None);
        assert_eq!(records[1].value, Value::Null);
    }

    #[test]
    fn string_from_connect_uses_java_to_string() {
        let mut c = StringConverter::configure(Config::new(), Target::Key).unwrap();
        let mut batch = Batch::from_records(&[
            Record::new("t").with_key(None, Value::Int64(-3)),
            Record::new("t").with_key(None, Value::Float64(2.0)),
        ])
        .unwrap();
        c.from_connect(&mut batch).unwrap();
        let keys: Vec<Value> = batch
            .to_records()
            .unwrap()
            .into_iter()
            .map(|r| r.key)
            .collect();
        assert_eq!(
            keys,
            vec![Value::Bytes(b"-3".to_vec()), Value::Bytes(b"2.0".to_vec())]
        );
    }

    #[test]
    fn string_rejects_other_encodings_by_name() {
        let config: Config = [("converter.encoding", "UTF-16")].into_iter().collect();
        let err = StringConverter::configure(config, Target::Value)
            .err()
            .unwrap();
        assert!(err.message.contains("UTF-16"), "{}", err.message);
        let config: Config = [("converter.encoding", "utf-8")].into_iter().collect();
        assert!(StringConverter::configure(config, Target::Value).is_ok());
    }

    #[test]
    fn headers_are_converted_too() {
        let mut c = StringConverter::configure(Config::new(), Target::Headers).unwrap();
        let mut record = Record::new("t");
        record.headers.push(Header {
            key: "h".into(),
            schema: None,
            value: Value::Bytes(b"v".to_vec()),
        });
        let mut batch = Batch::from_records(&[record]).unwrap();
        c.to_connect(&mut batch).unwrap();
        let h = &batch.to_records().unwrap()[0].headers[0];
        assert_eq!(h.value, Value::String("v".into()));
    }

    #[test]
    fn byte_array_passes_bytes_and_rejects_others() {
        let mut c = ByteArrayConverter::configure(Config::new(), Target::Value).unwrap();
        let mut batch = raw(&[Some(b"\x00\x01"), None]);
        c.to_connect(&mut batch).unwrap();
        c.from_connect(&mut batch).unwrap();
        let values: Vec<Value> = batch
            .to_records()
            .unwrap()
            .into_iter()
            .map(|r| r.value)
            .collect();
        assert_eq!(values, vec![Value::Bytes(vec![0, 1]), Value::Null]);

        let mut batch = Batch::from_records(&[Record::new("t")
            .with_value(Some(Arc::new(Schema::new(SchemaType::String))), "x".into())])
        .unwrap();
        let err = c.from_connect(&mut batch).unwrap_err();
        assert_eq!(
            err.message,
            "Invalid schema type for ByteArrayConverter: STRING"
        );
        assert_eq!(err.record, Some(0));
    }
}
