//! FileAppendSink: appends each record's value to a file, one line each: a
//! string as it is, anything else as compact JSON (bytes as base64). See
//! examples/README.md.

use std::fs::{File, OpenOptions};
use std::io::Write;

use base64::Engine as _;
use wasm_connect_sdk::prelude::*;

/// The connector.
pub struct FileAppendSink {
    config: Config,
}

impl SinkConnector for FileAppendSink {
    type Task = FileAppendTask;

    fn manifest() -> Manifest {
        Manifest::new(PluginKind::SinkConnector, "examples.rust.FileAppendSink", "1.0.0")
            .description("Appends each record's value to a file, one line per record.")
            .config(
                ConfigDef::new("file", ConfigType::String)
                    .importance(Importance::High)
                    .doc("The file to append to.")
                    // The host grants write access to this file's folder.
                    .access(PathAccess::WriteFile),
            )
    }

    fn start(config: Config) -> Result<Self> {
        Ok(Self { config })
    }

    fn task_configs(&mut self, _max_tasks: u32) -> Result<Vec<Config>> {
        Ok(vec![self.config.clone()])
    }
}

/// The task: one open file.
pub struct FileAppendTask {
    path: String,
    out: File,
}

impl SinkTask for FileAppendTask {
    fn start(config: Config) -> Result<Self> {
        let path = config.require("file")?.to_owned();
        let out = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| PluginError::retriable(format!("cannot open {path}: {e}")))?;
        Ok(Self { path, out })
    }

    fn put(&mut self, records: &Batch) -> Result<()> {
        let mut text = String::new();
        for (i, record) in records.iter().enumerate() {
            let value = record
                .to_record()
                .map_err(|e| PluginError::from(e).at_record(i))?
                .value;
            text.push_str(&line(&value));
            text.push('\n');
        }
        self.out
            .write_all(text.as_bytes())
            .map_err(|e| PluginError::retriable(format!("cannot write {}: {e}", self.path)))
    }

    fn flush(&mut self, offsets: Vec<TopicPartitionOffset>) -> Result<Vec<TopicPartitionOffset>> {
        self.out
            .sync_data()
            .map_err(|e| PluginError::retriable(format!("cannot sync {}: {e}", self.path)))?;
        Ok(offsets)
    }
}

/// The line written for a value.
pub fn line(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => json(other).to_string(),
    }
}

/// A Connect value as JSON: structs and maps as objects (map keys as their
/// text), bytes as base64.
fn json(value: &Value) -> serde_json::Value {
    use serde_json::Value as J;
    match value {
        Value::Null => J::Null,
        Value::Boolean(b) => J::Bool(*b),
        Value::Int8(v) => J::from(*v),
        Value::Int16(v) => J::from(*v),
        Value::Int32(v) => J::from(*v),
        Value::Int64(v) => J::from(*v),
        Value::Float32(v) => J::from(*v),
        Value::Float64(v) => J::from(*v),
        Value::String(s) => J::String(s.clone()),
        Value::Bytes(b) => J::String(base64::engine::general_purpose::STANDARD.encode(b)),
        Value::Array(items) => J::Array(items.iter().map(json).collect()),
        Value::Map(entries) => J::Object(
            entries
                .iter()
                .map(|(k, v)| {
                    let key = match k {
                        Value::String(s) => s.clone(),
                        other => json(other).to_string(),
                    };
                    (key, json(v))
                })
                .collect(),
        ),
        Value::Struct(s) => J::Object(
            s.schema
                .fields
                .iter()
                .zip(&s.values)
                .map(|(f, v)| (f.name.clone(), json(v)))
                .collect(),
        ),
    }
}

wasm_connect_sdk::export_plugins!(sink: [FileAppendSink]);
