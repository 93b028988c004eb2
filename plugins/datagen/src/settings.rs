//! The connector's settings, checked; each error names its key.

use wasm_connect_sdk::prelude::*;

/// The topic.
pub(crate) const TOPIC: &str = "topic";
/// Records in all, -1 for no end.
pub(crate) const MAX_RECORDS: &str = "max.records";
/// Records per second for the whole connector, 0 for no limit.
pub(crate) const RATE: &str = "records.per.second";
/// Bytes per key.
pub(crate) const KEY_SIZE: &str = "key.size";
/// Bytes per value.
pub(crate) const VALUE_SIZE: &str = "value.size";
/// bytes, string or struct.
pub(crate) const SCHEMA: &str = "schema";
/// Fields of a struct value.
pub(crate) const STRUCT_FIELDS: &str = "struct.fields";
/// Records per poll at most.
pub(crate) const BATCH_SIZE: &str = "batch.size";
/// Set by the connector in each task's configuration: its number.
pub(crate) const TASK_ID: &str = "datagen.task.id";
/// Set by the connector in each task's configuration: how many tasks.
pub(crate) const TASK_COUNT: &str = "datagen.task.count";

pub(crate) const DEFAULT_KEY_SIZE: i64 = 8;
pub(crate) const DEFAULT_VALUE_SIZE: i64 = 100;
pub(crate) const DEFAULT_STRUCT_FIELDS: i64 = 6;
/// As FileStreamSource's `batch.size` would be for a busy file: large
/// enough that the per-call cost of the plugin boundary (~3 µs) vanishes.
pub(crate) const DEFAULT_BATCH_SIZE: i64 = 1000;
/// A value or key past this is a mistake, not a load test (Kafka's default
/// `message.max.bytes` is 1 MiB).
const MAX_SIZE: i64 = 16 * 1024 * 1024;

/// What a value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemaKind {
    /// Bytes, no schema (what ByteArrayConverter passes through).
    Bytes,
    /// Text with a STRING schema.
    String,
    /// A struct of `fields` fields.
    Struct {
        /// How many fields, `id` included.
        fields: usize,
    },
}

/// A connector's or task's checked settings.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The topic.
    pub topic: String,
    /// Records in all (None: no end).
    pub max_records: Option<u64>,
    /// Records per second for the connector (None: no limit).
    pub rate: Option<f64>,
    /// Bytes per key (0: null keys).
    pub key_size: usize,
    /// Bytes per value.
    pub value_size: usize,
    /// The value's type.
    pub schema: SchemaKind,
    /// Records per poll at most.
    pub batch_size: usize,
    /// This task's number.
    pub task: u64,
    /// How many tasks share the records.
    pub tasks: u64,
}

type Problem = (&'static str, PluginError);

fn bad(key: &'static str, value: &str, why: &str) -> Problem {
    (
        key,
        PluginError::config(format!(
            "Invalid value {value} for configuration {key}: {why}"
        )),
    )
}

fn int(
    config: &Config,
    key: &'static str,
    default: i64,
    min: i64,
    max: i64,
) -> Result<i64, Problem> {
    let v = config.get_int(key, default).map_err(|e| (key, e))?;
    if v < min {
        return Err(bad(
            key,
            &v.to_string(),
            &format!("Value must be at least {min}"),
        ));
    }
    if v > max {
        return Err(bad(
            key,
            &v.to_string(),
            &format!("Value must be no more than {max}"),
        ));
    }
    Ok(v)
}

impl Settings {
    /// Parse and check the settings.
    pub fn parse(config: &Config) -> Result<Self, Problem> {
        let topic = config
            .require(TOPIC)
            .map_err(|e| (TOPIC, e))?
            .trim()
            .to_owned();
        if topic.is_empty() || topic.contains(',') {
            return Err(bad(TOPIC, &topic, "datagen writes to a single topic"));
        }
        let max_records = int(config, MAX_RECORDS, -1, -1, i64::MAX)?;
        let rate = match config.get(RATE).map(str::trim) {
            None | Some("") => 0.0,
            Some(text) => match text.parse::<f64>() {
                Ok(r) if r.is_finite() && r >= 0.0 => r,
                Ok(_) => return Err(bad(RATE, text, "Value must be at least 0")),
                Err(_) => return Err(bad(RATE, text, "Value is not a number")),
            },
        };
        let key_size = int(config, KEY_SIZE, DEFAULT_KEY_SIZE, 0, MAX_SIZE)?;
        let value_size = int(config, VALUE_SIZE, DEFAULT_VALUE_SIZE, 0, MAX_SIZE)?;
        let fields = int(config, STRUCT_FIELDS, DEFAULT_STRUCT_FIELDS, 1, 10_000)?;
        let schema = match config.get(SCHEMA).map(str::trim).unwrap_or("bytes") {
            s if s.eq_ignore_ascii_case("bytes") => SchemaKind::Bytes,
            s if s.eq_ignore_ascii_case("string") => SchemaKind::String,
            s if s.eq_ignore_ascii_case("struct") => SchemaKind::Struct {
                fields: fields as usize,
            },
            other => {
                return Err(bad(
                    SCHEMA,
                    other,
                    "the value's type is one of bytes, string or struct",
                ));
            }
        };
        let batch_size = int(config, BATCH_SIZE, DEFAULT_BATCH_SIZE, 1, 1_000_000)?;
        let tasks = int(config, TASK_COUNT, 1, 1, i64::from(u32::MAX))?;
        let task = int(config, TASK_ID, 0, 0, tasks - 1)?;
        Ok(Self {
            topic,
            max_records: u64::try_from(max_records).ok(),
            rate: (rate > 0.0).then_some(rate),
            key_size: key_size as usize,
            value_size: value_size as usize,
            schema,
            batch_size: batch_size as usize,
            task: task as u64,
            tasks: tasks as u64,
        })
    }

    /// Records per second this task makes, when limited.
    pub fn task_rate(&self) -> Option<f64> {
        self.rate.map(|r| r / self.tasks as f64)
    }

    /// How many records this task makes in all (None: no end): the ids
    /// below `max.records` that are its own.
    pub fn task_records(&self) -> Option<u64> {
        self.max_records.map(|max| {
            let whole = max / self.tasks;
            whole + u64::from(self.task < max % self.tasks)
        })
    }
}
