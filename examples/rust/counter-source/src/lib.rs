//! CounterSource: emits 0, 1, 2, ... as int64 values, `batch.size` a poll,
//! and resumes after the last number Kafka acknowledged. See
//! examples/README.md.

use std::sync::Arc;

use wasm_connect_sdk::prelude::*;

/// The connector.
pub struct CounterSource {
    config: Config,
}

impl SourceConnector for CounterSource {
    type Task = CounterTask;

    fn manifest() -> Manifest {
        Manifest::new(PluginKind::SourceConnector, "examples.rust.CounterSource", "1.0.0")
            .description("Emits a counter: 0, 1, 2, ... as int64 values.")
            .config(
                ConfigDef::new("topic", ConfigType::String)
                    .importance(Importance::High)
                    .doc("The topic to write to."),
            )
            .config(
                ConfigDef::new("batch.size", ConfigType::Int)
                    .default_value("10")
                    .doc("Numbers per poll."),
            )
            .config(
                ConfigDef::new("max.count", ConfigType::Long)
                    .default_value("1000")
                    .doc("Stop after this many numbers (-1: never)."),
            )
    }

    fn start(config: Config) -> Result<Self> {
        Ok(Self { config })
    }

    fn task_configs(&mut self, _max_tasks: u32) -> Result<Vec<Config>> {
        Ok(vec![self.config.clone()])
    }
}

/// The task: the next number to emit.
pub struct CounterTask {
    topic: String,
    batch_size: i64,
    max_count: i64,
    partition: String,
    next: i64,
    schema: Arc<Schema>,
}

impl SourceTask for CounterTask {
    fn start(config: Config, offsets: Vec<SourceOffset>) -> Result<Self> {
        let topic = config.require("topic")?.to_owned();
        let partition = serde_json::json!({ "counter": topic }).to_string();
        let mut next = 0;
        for stored in offsets.iter().filter(|o| same_json(&o.partition, &partition)) {
            let offset: serde_json::Value = serde_json::from_str(&stored.offset)
                .map_err(|e| PluginError::fatal(format!("stored offset {}: {e}", stored.offset)))?;
            next = offset["next"].as_i64().unwrap_or(0);
        }
        Ok(Self {
            batch_size: config.get_int("batch.size", 10)?,
            max_count: config.get_int("max.count", 1000)?,
            topic,
            partition,
            next,
            schema: Arc::new(Schema::new(SchemaType::Int64)),
        })
    }

    fn poll(&mut self) -> Result<Batch> {
        let mut end = self.next + self.batch_size;
        if self.max_count >= 0 {
            end = end.min(self.max_count);
        }
        let mut batch = Batch::new();
        for n in self.next..end {
            let record = Record::new(self.topic.as_str())
                .with_value(Some(self.schema.clone()), Value::Int64(n))
                .with_source(
                    self.partition.as_str(),
                    serde_json::json!({ "next": n + 1 }).to_string(),
                );
            batch.push_record(&record)?;
        }
        self.next = self.next.max(end);
        Ok(batch)
    }
}

/// Whether two JSON texts hold the same value (the host may store a
/// partition with other spacing).
fn same_json(a: &str, b: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(a).ok() == serde_json::from_str(b).ok()
}

wasm_connect_sdk::export_plugins!(source: [CounterSource]);
