//! Test helpers: run a plugin on records as the host would.

use wasm_connect_sdk::prelude::*;

/// A configuration from pairs.
pub fn config(pairs: &[(&str, &str)]) -> Config {
    pairs.iter().copied().collect()
}

/// A batch as the guest receives it: all its data held by the host.
pub fn given(records: &[Record]) -> Batch {
    let mut batch = Batch::from_records(records).expect("records encode");
    batch.share_all();
    batch
}

/// Runs `transform` on `records` as the host does: the returned batch must
/// pass the host's checks; its records are returned.
pub fn run<T: Transform>(transform: &mut T, records: &[Record]) -> Result<Vec<Record>> {
    let batch = transform.apply(given(records))?;
    batch.validate().expect("the host accepts the batch");
    Ok(batch.to_records().expect("records decode"))
}

/// A header with a schema.
pub fn header(key: &str, schema: Option<std::sync::Arc<Schema>>, value: Value) -> Header {
    Header {
        key: key.into(),
        schema,
        value,
    }
}

/// `ConnectHeaders.addString`: a string header with the required string
/// schema.
pub fn string_header(key: &str, value: &str) -> Header {
    header(
        key,
        Some(std::sync::Arc::new(Schema::new(SchemaType::String))),
        value.into(),
    )
}

/// Apache's test source record: partition 0, timestamp 0, key "key",
/// value "value", with `headers`.
pub fn source_record(headers: Vec<Header>) -> Record {
    Record {
        topic: "topic".into(),
        partition: Some(0),
        timestamp: Some(0),
        key: "key".into(),
        value: "value".into(),
        headers,
        source_partition: Some(r#"{"foo":"bar"}"#.into()),
        source_offset: Some(r#"{"baz":"quxx"}"#.into()),
        ..Record::default()
    }
}
