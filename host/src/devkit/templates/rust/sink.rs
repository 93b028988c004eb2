//! {{plugin}}: a sink connector that writes every record to the worker's log.

use wasm_connect_sdk::log;
use wasm_connect_sdk::prelude::*;

/// The connector: one task.
pub struct {{type}} {
    config: Config,
}

impl SinkConnector for {{type}} {
    type Task = {{type}}Task;

    fn manifest() -> Manifest {
        Manifest::new(PluginKind::SinkConnector, "{{plugin}}", env!("CARGO_PKG_VERSION"))
            .description("Writes every record to the worker's log.")
    }

    fn start(config: Config) -> Result<Self> {
        Ok(Self { config })
    }

    fn task_configs(&mut self, _max_tasks: u32) -> Result<Vec<Config>> {
        Ok(vec![self.config.clone()])
    }
}

/// The task.
pub struct {{type}}Task;

impl SinkTask for {{type}}Task {
    fn start(_config: Config) -> Result<Self> {
        Ok(Self)
    }

    fn put(&mut self, records: &Batch) -> Result<()> {
        for (i, record) in records.iter().enumerate() {
            let record = record
                .to_record()
                .map_err(|e| PluginError::from(e).at_record(i))?;
            log::info(&format!("{}: {}", record.topic, record.value));
        }
        Ok(())
    }
}

wasm_connect_sdk::export_plugins!(sink: [{{type}}]);
