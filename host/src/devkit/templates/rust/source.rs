//! {{plugin}}: a source connector that emits greetings.

use wasm_connect_sdk::prelude::*;

/// The connector: one task.
pub struct {{type}} {
    config: Config,
}

impl SourceConnector for {{type}} {
    type Task = {{type}}Task;

    fn manifest() -> Manifest {
        Manifest::new(PluginKind::SourceConnector, "{{plugin}}", env!("CARGO_PKG_VERSION"))
            .description("Emits \"hello 0\", \"hello 1\", ... to a topic.")
            .config(
                ConfigDef::new("topic", ConfigType::String)
                    .importance(Importance::High)
                    .doc("The topic to write to."),
            )
            .config(
                ConfigDef::new("max.count", ConfigType::Long)
                    .default_value("10")
                    .doc("How many greetings to emit."),
            )
    }

    fn start(config: Config) -> Result<Self> {
        Ok(Self { config })
    }

    fn task_configs(&mut self, _max_tasks: u32) -> Result<Vec<Config>> {
        Ok(vec![self.config.clone()])
    }
}

/// The task: the next greeting's number, resumed from the stored offset.
pub struct {{type}}Task {
    topic: String,
    max_count: i64,
    next: i64,
}

/// The one source partition this source reads (a JSON object).
fn partition() -> serde_json::Value {
    serde_json::json!({ "source": "{{project}}" })
}

impl SourceTask for {{type}}Task {
    fn start(config: Config, offsets: Vec<SourceOffset>) -> Result<Self> {
        // Offsets are JSON objects; this one's is {"next":N}.
        let next = offsets
            .iter()
            .filter(|o| serde_json::from_str::<serde_json::Value>(&o.partition).ok() == Some(partition()))
            .filter_map(|o| serde_json::from_str::<serde_json::Value>(&o.offset).ok())
            .find_map(|o| o["next"].as_i64())
            .unwrap_or(0);
        Ok(Self {
            topic: config.require("topic")?.to_owned(),
            max_count: config.get_int("max.count", 10)?,
            next,
        })
    }

    fn poll(&mut self) -> Result<Batch> {
        let mut batch = Batch::new();
        while self.next < self.max_count && batch.len() < 100 {
            let record = Record::new(self.topic.as_str())
                .with_value(None, Value::String(format!("hello {}", self.next)))
                .with_source(
                    partition().to_string(),
                    serde_json::json!({ "next": self.next + 1 }).to_string(),
                );
            batch.push_record(&record)?;
            self.next += 1;
        }
        Ok(batch)
    }
}

wasm_connect_sdk::export_plugins!(source: [{{type}}]);
