//! `datagen`: a source connector that makes records up, for load tests.
//!
//! Users size their own pipelines with it, and the benchmarks in `bench/`
//! drive wasm-connect with it. Its content is deterministic (record `id`
//! always has the same key and value), so a test or a benchmark can check
//! what arrived; only the record timestamps (the time each record was made)
//! change from run to run.

mod generate;
mod settings;

pub use generate::{Generator, key_bytes, text_bytes};
pub use settings::{SchemaKind, Settings};

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use wasm_connect_sdk::prelude::*;

use settings::{
    BATCH_SIZE, DEFAULT_BATCH_SIZE, DEFAULT_KEY_SIZE, DEFAULT_STRUCT_FIELDS, DEFAULT_VALUE_SIZE,
    KEY_SIZE, MAX_RECORDS, RATE, SCHEMA, STRUCT_FIELDS, TASK_ID, TOPIC, VALUE_SIZE,
};

/// The longest a rate-limited `poll` waits for its next record. Short, so
/// the task stays responsive to stop and pause (the host calls again).
const MAX_WAIT: Duration = Duration::from_millis(100);

/// The connector: splits the records among `tasks.max` tasks.
pub struct DatagenConnector {
    config: Config,
}

impl SourceConnector for DatagenConnector {
    type Task = DatagenTask;

    fn manifest() -> Manifest {
        Manifest::new(
            PluginKind::SourceConnector,
            "wasmconnect.datagen.DatagenConnector",
            env!("CARGO_PKG_VERSION"),
        )
        .description(
            "Generates deterministic records (bytes, text or structs of N fields) at a set rate or as fast as possible, for load tests.",
        )
        .config(
            ConfigDef::new(TOPIC, ConfigType::String)
                .importance(Importance::High)
                .doc("The topic to write the records to."),
        )
        .config(
            ConfigDef::new(MAX_RECORDS, ConfigType::Long)
                .default_value("-1")
                .importance(Importance::High)
                .doc("How many records the connector makes in all, split among its tasks; -1 for no end. Counted from the stored offsets, so a restart does not make them again."),
        )
        .config(
            ConfigDef::new(RATE, ConfigType::Double)
                .default_value("0")
                .importance(Importance::High)
                .doc("Records per second, for the whole connector (each task makes its share); 0 for as fast as the pipeline takes them."),
        )
        .config(
            ConfigDef::new(KEY_SIZE, ConfigType::Int)
                .default_value(DEFAULT_KEY_SIZE.to_string())
                .importance(Importance::Medium)
                .doc("Bytes of each key: the record id in decimal, padded with leading zeros (a longer id is written whole); 0 for null keys."),
        )
        .config(
            ConfigDef::new(VALUE_SIZE, ConfigType::Int)
                .default_value(DEFAULT_VALUE_SIZE.to_string())
                .importance(Importance::Medium)
                .doc("Bytes of each value (for struct values: of its string fields together): the record id in decimal, a space, then the letters a to z repeated from a place the id picks."),
        )
        .config(
            ConfigDef::new(SCHEMA, ConfigType::String)
                .default_value("bytes")
                .importance(Importance::Medium)
                .doc("The value's type: bytes (no schema), string (a STRING schema), or struct (a struct of struct.fields fields)."),
        )
        .config(
            ConfigDef::new(STRUCT_FIELDS, ConfigType::Int)
                .default_value(DEFAULT_STRUCT_FIELDS.to_string())
                .importance(Importance::Low)
                .doc("Fields of a struct value: `id` (int64), then f1, f2, … alternately strings (sharing value.size) and int64s."),
        )
        .config(
            ConfigDef::new(BATCH_SIZE, ConfigType::Int)
                .default_value(DEFAULT_BATCH_SIZE.to_string())
                .importance(Importance::Low)
                .doc("The most records one poll returns."),
        )
    }

    fn validate(config: &Config) -> Vec<ConfigProblem> {
        match Settings::parse(config) {
            Ok(_) => Vec::new(),
            Err((name, e)) => vec![ConfigProblem {
                name: name.into(),
                message: e.message,
            }],
        }
    }

    fn start(config: Config) -> Result<Self> {
        Settings::parse(&config).map_err(|e| e.1)?;
        Ok(Self { config })
    }

    fn task_configs(&mut self, max_tasks: u32) -> Result<Vec<Config>> {
        let tasks = max_tasks.max(1);
        Ok((0..tasks)
            .map(|t| {
                let mut config = self.config.clone();
                config.set(TASK_ID, t.to_string());
                config.set(settings::TASK_COUNT, tasks.to_string());
                config
            })
            .collect())
    }
}

/// A task: makes the records whose id modulo the task count is its own
/// number, in increasing order.
pub struct DatagenTask {
    generator: Generator,
    settings: Settings,
    /// `{"task":N}`: the source partition of this task's records.
    partition: String,
    /// When the rate clock started, and how many records were made since.
    started: Instant,
    made_since_start: u64,
}

impl SourceTask for DatagenTask {
    fn start(config: Config, offsets: Vec<SourceOffset>) -> Result<Self> {
        let settings = Settings::parse(&config).map_err(|e| e.1)?;
        let partition = format!("{{\"task\":{}}}", settings.task);
        let next = match offsets.iter().find(|o| o.partition == partition) {
            Some(stored) => parse_next(&stored.offset).ok_or_else(|| {
                PluginError::fatal(format!(
                    "the stored offset of datagen task {} is not {{\"next\": <number>}}: {}",
                    settings.task, stored.offset
                ))
            })?,
            None => 0,
        };
        Ok(Self {
            generator: Generator::new(&settings, next),
            settings,
            partition,
            started: Instant::now(),
            made_since_start: 0,
        })
    }

    fn poll(&mut self) -> Result<Batch> {
        let mut count = self
            .generator
            .remaining()
            .min(self.settings.batch_size as u64);
        if count == 0 {
            return Ok(Batch::new());
        }
        if let Some(rate) = self.settings.task_rate() {
            let due = |elapsed: Duration| (elapsed.as_secs_f64() * rate) as u64;
            let mut ready = due(self.started.elapsed()).saturating_sub(self.made_since_start);
            if ready == 0 {
                // Wait (briefly) for the next record rather than returning
                // nothing: the host backs off after empty polls, which
                // would bunch the records up.
                let next_at = (self.made_since_start + 1) as f64 / rate;
                let wait = Duration::from_secs_f64(next_at)
                    .saturating_sub(self.started.elapsed())
                    .min(MAX_WAIT);
                std::thread::sleep(wait);
                ready = due(self.started.elapsed()).saturating_sub(self.made_since_start);
            }
            count = count.min(ready);
            if count == 0 {
                return Ok(Batch::new());
            }
        }
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        let batch = self.generator.batch(count as usize, &self.partition, now)?;
        self.made_since_start += count;
        Ok(batch)
    }
}

/// The `next` of an offset object `{"next": N}`.
fn parse_next(offset: &str) -> Option<u64> {
    let rest = offset.trim().strip_prefix('{')?.strip_suffix('}')?;
    let (key, value) = rest.split_once(':')?;
    (key.trim() == "\"next\"")
        .then(|| value.trim().parse().ok())
        .flatten()
}

wasm_connect_sdk::export_plugins!(source: [DatagenConnector]);

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> Config {
        pairs.iter().copied().collect()
    }

    #[test]
    fn tasks_split_the_ids_and_stop_at_max_records() {
        let mut connector = DatagenConnector::start(config(&[
            ("topic", "t"),
            ("max.records", "10"),
            ("schema", "string"),
            ("batch.size", "3"),
        ]))
        .unwrap();
        let mut ids = Vec::new();
        for task_config in connector.task_configs(3).unwrap() {
            let mut task = DatagenTask::start(task_config, vec![]).unwrap();
            loop {
                let batch = task.poll().unwrap();
                if batch.is_empty() {
                    break;
                }
                assert!(batch.len() <= 3);
                for r in batch.iter() {
                    let ValueRef::String(text) = r.value().unwrap() else {
                        panic!("not a string");
                    };
                    ids.push(text.split(' ').next().unwrap().parse::<u64>().unwrap());
                    assert_eq!(text.len(), 100);
                    assert!(r.timestamp().is_some());
                }
            }
        }
        ids.sort();
        assert_eq!(ids, (0..10).collect::<Vec<u64>>());
    }

    #[test]
    fn a_stored_offset_resumes_after_the_last_record() {
        let c = config(&[("topic", "t"), ("max.records", "5"), ("key.size", "4")]);
        let mut task = DatagenTask::start(c.clone(), vec![]).unwrap();
        let first = task.poll().unwrap();
        assert_eq!(first.len(), 5);
        let last = first.record(2).unwrap();
        assert_eq!(last.source_partition().unwrap(), Some("{\"task\":0}"));
        assert_eq!(last.source_offset().unwrap(), Some("{\"next\":3}"));
        let ValueRef::Bytes(key) = last.key().unwrap() else {
            panic!("key not bytes")
        };
        assert_eq!(key, b"0002");
        let stored = SourceOffset {
            partition: "{\"task\":0}".into(),
            offset: "{\"next\":3}".into(),
        };
        let mut resumed = DatagenTask::start(c, vec![stored]).unwrap();
        let rest = resumed.poll().unwrap();
        assert_eq!(rest.len(), 2);
        assert!(resumed.poll().unwrap().is_empty());
    }

    #[test]
    fn struct_values_have_the_fields_asked_for() {
        let mut task = DatagenTask::start(
            config(&[
                ("topic", "t"),
                ("max.records", "2"),
                ("schema", "struct"),
                ("struct.fields", "4"),
                ("value.size", "20"),
            ]),
            vec![],
        )
        .unwrap();
        let records = task.poll().unwrap().to_records().unwrap();
        let Value::Struct(s) = &records[1].value else {
            panic!("not a struct")
        };
        let names: Vec<&str> = s.schema.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["id", "f1", "f2", "f3"]);
        assert_eq!(s.values[0], Value::Int64(1));
        assert_eq!(s.values[2], Value::Int64(2));
        let (Value::String(a), Value::String(b)) = (&s.values[1], &s.values[3]) else {
            panic!("f1 and f3 are strings")
        };
        assert_eq!(a.len() + b.len(), 20);
        assert!(a.starts_with("1 "));
    }

    #[test]
    fn bad_settings_name_the_key() {
        for (key, value, says) in [
            ("schema", "avro", "bytes, string or struct"),
            ("value.size", "-1", "at least 0"),
            ("records.per.second", "fast", "not a number"),
            ("batch.size", "0", "at least 1"),
            ("struct.fields", "0", "at least 1"),
        ] {
            let problems = DatagenConnector::validate(&config(&[("topic", "t"), (key, value)]));
            assert_eq!(problems.len(), 1, "{key}={value}");
            assert_eq!(problems[0].name, key);
            assert!(
                problems[0].message.contains(says),
                "{}",
                problems[0].message
            );
        }
        let problems = DatagenConnector::validate(&config(&[]));
        assert_eq!(problems[0].name, "topic");
    }

    #[test]
    fn a_rate_limit_spreads_records_over_time() {
        let mut task = DatagenTask::start(
            config(&[
                ("topic", "t"),
                ("records.per.second", "200"),
                ("max.records", "20"),
            ]),
            vec![],
        )
        .unwrap();
        let started = Instant::now();
        let mut made = 0;
        while made < 20 {
            made += task.poll().unwrap().len();
        }
        // 20 records at 200/s take ~100 ms; without the limit, microseconds.
        assert!(started.elapsed() >= Duration::from_millis(90));
    }

    #[test]
    fn offsets_parse() {
        assert_eq!(parse_next("{\"next\":42}"), Some(42));
        assert_eq!(parse_next("{ \"next\" : 7 }"), Some(7));
        assert_eq!(parse_next("{\"position\":1}"), None);
    }
}
