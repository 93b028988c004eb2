//! Helpers: one-record batches in and out of the converter.

use std::sync::Arc;

use wasm_connect_plugin_json::JsonConverter;
use wasm_connect_sdk::layout::Part;
use wasm_connect_sdk::prelude::*;

pub const DECIMAL: &str = "org.apache.kafka.connect.data.Decimal";
pub const DATE: &str = "org.apache.kafka.connect.data.Date";
pub const TIME: &str = "org.apache.kafka.connect.data.Time";
pub const TIMESTAMP: &str = "org.apache.kafka.connect.data.Timestamp";

pub fn converter(config: &[(&str, &str)]) -> JsonConverter {
    JsonConverter::configure(config.iter().copied().collect(), Target::Value).unwrap()
}

pub fn s(t: SchemaType) -> Arc<Schema> {
    Arc::new(Schema::new(t))
}

pub fn opt(t: SchemaType) -> Arc<Schema> {
    Arc::new(Schema::optional(t))
}

pub fn with_default(mut schema: Schema, default: Value) -> Arc<Schema> {
    schema.default = Some(default);
    Arc::new(schema)
}

pub fn decimal_schema(scale: i32) -> Schema {
    let mut schema = Schema::new(SchemaType::Bytes).named(DECIMAL);
    schema.version = Some(1);
    schema.parameters = vec![("scale".into(), scale.to_string())];
    schema
}

pub fn logical(t: SchemaType, name: &str) -> Schema {
    let mut schema = Schema::new(t).named(name);
    schema.version = Some(1);
    schema
}

pub fn structure(fields: &[(&str, Arc<Schema>)]) -> Arc<Schema> {
    Arc::new(Schema::structure(
        fields
            .iter()
            .map(|(n, s)| Field {
                name: (*n).into(),
                schema: s.clone(),
            })
            .collect(),
    ))
}

pub fn struct_value(schema: &Arc<Schema>, values: Vec<Value>) -> Value {
    Value::Struct(Struct {
        schema: schema.clone(),
        values,
    })
}

/// A batch of one record whose value is `value` with schema `schema`,
/// built without the SDK's fit check so mismatches can be tested.
pub fn batch_of(schema: Option<&Arc<Schema>>, value: &Value) -> Batch {
    let mut batch = Batch::from_records(&[Record::new("topic")]).unwrap();
    let node = batch.encode_value(value, None, 0).unwrap();
    let index = match schema {
        Some(s) => batch.add_schema_arc(s).unwrap(),
        None => wasm_connect_sdk::layout::NONE,
    };
    batch.set_part(0, Part::Value, node, index).unwrap();
    batch
}

/// `fromConnectData`: the bytes (or `None` for a null message).
pub fn from_connect(
    c: &mut JsonConverter,
    schema: Option<&Arc<Schema>>,
    value: &Value,
) -> Result<Option<String>> {
    let mut batch = batch_of(schema, value);
    c.from_connect(&mut batch)?;
    batch.validate().unwrap();
    let record = batch.to_records().unwrap().remove(0);
    assert_eq!(record.value_schema, None);
    Ok(match record.value {
        Value::Null => None,
        Value::Bytes(b) => Some(String::from_utf8(b).unwrap()),
        other => panic!("not bytes: {other:?}"),
    })
}

/// `fromConnectData` that must succeed with bytes.
pub fn json(c: &mut JsonConverter, schema: Option<&Arc<Schema>>, value: Value) -> String {
    from_connect(c, schema, &value)
        .unwrap()
        .expect("a message, not a tombstone")
}

/// `toConnectData` of raw bytes (or a null message).
pub fn to_connect_raw(
    c: &mut JsonConverter,
    message: Option<&[u8]>,
) -> Result<(Option<Arc<Schema>>, Value)> {
    let value = message.map_or(Value::Null, |m| Value::Bytes(m.to_vec()));
    let mut batch = Batch::from_records(&[Record::new("topic").with_value(None, value)]).unwrap();
    c.to_connect(&mut batch)?;
    batch.validate().unwrap();
    let record = batch.to_records().unwrap().remove(0);
    Ok((record.value_schema, record.value))
}

/// `toConnectData` of a text message.
pub fn to_connect(c: &mut JsonConverter, message: &str) -> Result<(Option<Arc<Schema>>, Value)> {
    to_connect_raw(c, Some(message.as_bytes()))
}

/// `toConnectData` that must succeed.
pub fn read(c: &mut JsonConverter, message: &str) -> (Option<Arc<Schema>>, Value) {
    to_connect(c, message).unwrap()
}

/// The message of the error `toConnectData` reports.
pub fn read_err(c: &mut JsonConverter, message: &str) -> String {
    let e = to_connect(c, message).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Data, "{e}");
    assert_eq!(e.record, Some(0), "{e}");
    e.message
}

/// The message of the error `fromConnectData` reports.
pub fn write_err(c: &mut JsonConverter, schema: Option<&Arc<Schema>>, value: Value) -> String {
    let e = from_connect(c, schema, &value).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Data, "{e}");
    assert_eq!(e.record, Some(0), "{e}");
    e.message
}

pub fn map(entries: Vec<(Value, Value)>) -> Value {
    Value::Map(entries)
}

pub fn str(v: &str) -> Value {
    Value::String(v.into())
}
