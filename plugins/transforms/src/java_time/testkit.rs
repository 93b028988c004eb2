//! Test helpers shared by the transforms' tests: configurations, schemas
//! like Apache's `Schema` constants, and running a transform on records the
//! way the host does (a batch whose bytes the plugin shares).

use std::sync::Arc;

use wasm_connect_sdk::{
    Batch, Config, Field, PluginError, Record, Schema, SchemaType, Transform, Value,
};

use super::connect::{DATE, DECIMAL, TIME, TIMESTAMP};

/// A configuration from key/value pairs.
pub(crate) fn config(pairs: &[(&str, &str)]) -> Config {
    pairs.iter().map(|(k, v)| (*k, *v)).collect()
}

/// Run `transform` on `records` as the host would, check the returned
/// batch like the host does, and read it back.
pub(crate) fn run<T: Transform>(
    transform: &mut T,
    records: &[Record],
) -> Result<Vec<Record>, PluginError> {
    let mut batch = Batch::from_records(records).map_err(PluginError::from)?;
    batch.share_all();
    let out = transform.apply(batch)?;
    out.validate().map_err(PluginError::from)?;
    out.to_records().map_err(PluginError::from)
}

/// Run on one record.
pub(crate) fn run_one<T: Transform>(
    transform: &mut T,
    record: Record,
) -> Result<Record, PluginError> {
    Ok(run(transform, &[record])?.remove(0))
}

/// A required schema of `t` (`Schema.INT32_SCHEMA`, ...).
pub(crate) fn required(t: SchemaType) -> Arc<Schema> {
    Arc::new(Schema::new(t))
}

/// An optional schema of `t` (`Schema.OPTIONAL_INT32_SCHEMA`, ...).
pub(crate) fn optional(t: SchemaType) -> Arc<Schema> {
    Arc::new(Schema::optional(t))
}

/// A schema with a default value.
pub(crate) fn with_default(t: SchemaType, optional: bool, default: Value) -> Arc<Schema> {
    let mut s = Schema::new(t);
    s.optional = optional;
    s.default = Some(default);
    Arc::new(s)
}

fn logical(t: SchemaType, name: &str, optional: bool) -> Schema {
    let mut s = Schema::new(t).named(name);
    s.version = Some(1);
    s.optional = optional;
    s
}

/// `Date.SCHEMA` (or its optional form).
pub(crate) fn date(optional: bool) -> Arc<Schema> {
    Arc::new(logical(SchemaType::Int32, DATE, optional))
}

/// `Time.SCHEMA` (or its optional form).
pub(crate) fn time(optional: bool) -> Arc<Schema> {
    Arc::new(logical(SchemaType::Int32, TIME, optional))
}

/// `Timestamp.SCHEMA` (or its optional form).
pub(crate) fn timestamp(optional: bool) -> Arc<Schema> {
    Arc::new(logical(SchemaType::Int64, TIMESTAMP, optional))
}

/// `Decimal.schema(scale)`.
pub(crate) fn decimal(scale: i32) -> Arc<Schema> {
    let mut s = logical(SchemaType::Bytes, DECIMAL, false);
    s.parameters = vec![("scale".into(), scale.to_string())];
    Arc::new(s)
}

/// The bytes of a decimal's unscaled value (`BigInteger.toByteArray()`).
pub(crate) fn unscaled(v: i128) -> Value {
    let bytes = v.to_be_bytes();
    let mut start = 0;
    while start < 15
        && ((bytes[start] == 0 && bytes[start + 1] & 0x80 == 0)
            || (bytes[start] == 0xff && bytes[start + 1] & 0x80 != 0))
    {
        start += 1;
    }
    Value::Bytes(bytes[start..].to_vec())
}

/// A struct schema with `fields`, in order.
pub(crate) fn struct_of(fields: &[(&str, Arc<Schema>)]) -> Schema {
    Schema::structure(
        fields
            .iter()
            .map(|(name, schema)| Field {
                name: (*name).to_owned(),
                schema: schema.clone(),
            })
            .collect(),
    )
}

/// A struct value of `schema` with the given fields set (others null).
pub(crate) fn struct_value(schema: &Arc<Schema>, values: &[(&str, Value)]) -> Value {
    let mut s = wasm_connect_sdk::Struct::new(schema.clone());
    for (name, value) in values {
        assert!(s.put(name, value.clone()), "no field {name}");
    }
    Value::Struct(s)
}

/// Field `name` of a struct value.
pub(crate) fn field(value: &Value, name: &str) -> Value {
    match value {
        Value::Struct(s) => s
            .get(name)
            .cloned()
            .unwrap_or_else(|| panic!("no field {name}")),
        other => panic!("not a struct: {other:?}"),
    }
}

/// The schema of field `name` of a struct schema.
pub(crate) fn field_schema(schema: &Option<Arc<Schema>>, name: &str) -> Arc<Schema> {
    let schema = schema.as_ref().expect("a schema");
    schema
        .field(name)
        .map(|(_, f)| f.schema.clone())
        .unwrap_or_else(|| panic!("no field {name}"))
}

/// Entry `key` of a map value.
pub(crate) fn entry(value: &Value, key: &str) -> Option<Value> {
    match value {
        Value::Map(entries) => entries
            .iter()
            .find(|(k, _)| *k == Value::String(key.to_owned()))
            .map(|(_, v)| v.clone()),
        other => panic!("not a map: {other:?}"),
    }
}

/// A map value with string keys.
pub(crate) fn map_of(entries: &[(&str, Value)]) -> Value {
    Value::Map(
        entries
            .iter()
            .map(|(k, v)| (Value::String((*k).to_owned()), v.clone()))
            .collect(),
    )
}
