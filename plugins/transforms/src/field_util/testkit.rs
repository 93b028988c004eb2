//! Test helpers: build records and schemas as Apache's tests do, run a
//! transform over a batch the way the host would, and read the result.

use std::sync::Arc;

use wasm_connect_sdk::prelude::*;

use super::{DATE, DECIMAL, TIME, TIMESTAMP};

/// A configuration from pairs.
pub fn config(pairs: &[(&str, &str)]) -> Config {
    pairs.iter().map(|(k, v)| (*k, *v)).collect()
}

/// Configure `T`, or the configuration error's message.
pub fn configure<T: Transform>(pairs: &[(&str, &str)]) -> Result<T, String> {
    T::configure(config(pairs)).map_err(|e| {
        assert_eq!(e.kind, ErrorKind::Config, "{e}");
        e.message
    })
}

/// Run `transform` over `records` as the host would: the batch's bytes
/// are marked as held by the host, and the returned batch must pass the
/// host's checks.
pub fn apply<T: Transform>(
    transform: &mut T,
    records: &[Record],
) -> Result<Vec<Record>, PluginError> {
    let mut batch = Batch::from_records(records).expect("test records fit their schemas");
    batch.share_all();
    let out = transform.apply(batch)?;
    out.validate().expect("the returned batch is well formed");
    Ok(out.to_records().expect("the returned batch reads back"))
}

/// Run `transform` over one record.
pub fn apply_one<T: Transform>(transform: &mut T, record: Record) -> Result<Record, PluginError> {
    Ok(apply(transform, &[record])?.remove(0))
}

/// The data error `transform` reports for `record`, checking it blames
/// record 0 of the batch.
pub fn data_error<T: Transform>(transform: &mut T, record: Record) -> String {
    let e = apply_one(transform, record).expect_err("the record is rejected");
    assert_eq!(e.kind, ErrorKind::Data, "{e}");
    assert_eq!(e.record, Some(0), "{e}");
    e.message
}

/// A sink record (it has a Kafka offset), as `new SinkRecord(topic, 0, ...,
/// 0)` in Apache's tests.
pub fn sink(topic: &str) -> Record {
    Record {
        partition: Some(0),
        offset: Some(0),
        ..Record::new(topic)
    }
}

/// A source record on partition 0 (no Kafka offset).
pub fn source(topic: &str) -> Record {
    Record {
        partition: Some(0),
        ..Record::new(topic)
    }
}

/// A required schema of `t`.
pub fn req(t: SchemaType) -> Arc<Schema> {
    Arc::new(Schema::new(t))
}

/// An optional schema of `t`.
pub fn opt(t: SchemaType) -> Arc<Schema> {
    Arc::new(Schema::optional(t))
}

/// An optional schema of `t` with a default.
pub fn opt_default(t: SchemaType, default: Value) -> Arc<Schema> {
    let mut s = Schema::optional(t);
    s.default = Some(default);
    Arc::new(s)
}

/// A struct schema.
pub fn strukt(fields: &[(&str, Arc<Schema>)]) -> Schema {
    Schema::structure(
        fields
            .iter()
            .map(|(n, s)| Field {
                name: (*n).to_owned(),
                schema: s.clone(),
            })
            .collect(),
    )
}

/// A struct value of `schema` from (name, value) pairs; other fields null.
pub fn value(schema: &Arc<Schema>, values: &[(&str, Value)]) -> Value {
    let mut s = Struct::new(schema.clone());
    for (n, v) in values {
        assert!(s.put(n, v.clone()), "no field {n}");
    }
    Value::Struct(s)
}

/// A schemaless map from (key, value) pairs, in order.
pub fn map(entries: &[(&str, Value)]) -> Value {
    Value::Map(
        entries
            .iter()
            .map(|(k, v)| (Value::from(*k), v.clone()))
            .collect(),
    )
}

/// Field `name` of a struct value.
pub fn get<'a>(v: &'a Value, name: &str) -> &'a Value {
    match v {
        Value::Struct(s) => s
            .get(name)
            .unwrap_or_else(|| panic!("no field {name} in {v}")),
        _ => panic!("not a struct: {v:?}"),
    }
}

/// Entry `name` of a map value (`None` when absent).
pub fn map_entry<'a>(v: &'a Value, name: &str) -> Option<&'a Value> {
    match v {
        Value::Map(m) => m
            .iter()
            .find(|(k, _)| *k == Value::from(name))
            .map(|(_, v)| v),
        _ => panic!("not a map: {v:?}"),
    }
}

/// Apache's `Timestamp.SCHEMA` (optional when asked).
pub fn timestamp_schema(optional: bool) -> Schema {
    Schema {
        name: Some(TIMESTAMP.into()),
        version: Some(1),
        optional,
        ..Schema::new(SchemaType::Int64)
    }
}

/// Apache's `Date.SCHEMA`.
pub fn date_schema() -> Schema {
    Schema {
        name: Some(DATE.into()),
        version: Some(1),
        ..Schema::new(SchemaType::Int32)
    }
}

/// Apache's `Time.SCHEMA`.
pub fn time_schema() -> Schema {
    Schema {
        name: Some(TIME.into()),
        version: Some(1),
        ..Schema::new(SchemaType::Int32)
    }
}

/// Apache's `Decimal.schema(scale)`.
pub fn decimal_schema(scale: i32) -> Schema {
    Schema {
        name: Some(DECIMAL.into()),
        version: Some(1),
        parameters: vec![("scale".into(), scale.to_string())],
        ..Schema::new(SchemaType::Bytes)
    }
}

#[test]
fn the_component_exports_every_transform_once() {
    use wasm_connect_sdk::PluginSet;
    let manifests = crate::Plugins::registry().manifests();
    let names: Vec<&str> = manifests.iter().map(|m| m.name.as_str()).collect();
    for m in &manifests {
        let class = m.name.trim_start_matches("wasmconnect.transforms.");
        assert_eq!(
            m.aliases,
            [format!("org.apache.kafka.connect.transforms.{class}")]
        );
        assert!(!m.description.is_empty());
        let mut keys: Vec<&str> = m.config.iter().map(|d| d.name.as_str()).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), m.config.len(), "{}", m.name);
    }
    let mut unique = names.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), names.len());
    assert!(names.contains(&"wasmconnect.transforms.ValueToKey"));
}
