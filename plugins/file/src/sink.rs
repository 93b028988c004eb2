//! FileStreamSink: each record's value becomes a line in a file.

use wasm_connect_sdk::BatchError;
use wasm_connect_sdk::log;
use wasm_connect_sdk::prelude::*;

use crate::append::Appender;

/// Apache's `FileStreamSinkConnector.FILE_CONFIG`.
const FILE: &str = "file";

/// The sink connector: every task appends to the same file.
pub struct FileStreamSinkConnector {
    config: Config,
}

impl SinkConnector for FileStreamSinkConnector {
    type Task = FileStreamSinkTask;

    fn manifest() -> Manifest {
        Manifest::new(
            PluginKind::SinkConnector,
            "wasmconnect.file.FileStreamSinkConnector",
            env!("CARGO_PKG_VERSION"),
        )
        .aliases(["org.apache.kafka.connect.file.FileStreamSinkConnector"])
        .description("Appends the value of each record to a file, one line per record.")
        .config(
            ConfigDef::new(FILE, ConfigType::String)
                .importance(Importance::High)
                .doc("Destination filename.")
                .access(PathAccess::WriteFile),
        )
    }

    fn validate(config: &Config) -> Vec<ConfigProblem> {
        match config.get_non_empty(FILE) {
            Some(_) => Vec::new(),
            None => vec![ConfigProblem {
                name: FILE.into(),
                message: missing_file().message,
            }],
        }
    }

    fn start(config: Config) -> Result<Self> {
        config.get_non_empty(FILE).ok_or_else(missing_file)?;
        Ok(Self { config })
    }

    fn task_configs(&mut self, max_tasks: u32) -> Result<Vec<Config>> {
        Ok((0..max_tasks.max(1)).map(|_| self.config.clone()).collect())
    }
}

fn missing_file() -> PluginError {
    PluginError::config(
        "Missing required configuration \"file\": wasm-connect's FileStreamSink writes a file \
         (writing to the worker's standard output is not supported)",
    )
}

/// The sink task: appends `value.toString()` and a newline per record, as
/// Apache's `PrintStream.println(record.value())` does. It never reads a
/// record's headers, and the host relies on that to skip reading them from
/// Kafka (`host/src/runtime/sink/headers.rs`): a change that reads them must
/// take this plugin off that list.
pub struct FileStreamSinkTask {
    file: String,
    out: Appender,
    /// A batch's lines, handed over at once; kept to reuse its memory.
    lines: Vec<u8>,
}

impl SinkTask for FileStreamSinkTask {
    fn start(config: Config) -> Result<Self> {
        let file = config
            .get_non_empty(FILE)
            .ok_or_else(missing_file)?
            .to_owned();
        let out = Appender::open(&file).map_err(|e| {
            PluginError::config(format!(
                "Couldn't find or create file '{file}' for FileStreamSinkTask: {e}"
            ))
        })?;
        log::debug(&format!("Appending records to {file}"));
        Ok(Self {
            file,
            out,
            lines: Vec::new(),
        })
    }

    fn put(&mut self, records: &Batch) -> Result<()> {
        self.lines.clear();
        for i in 0..records.len() {
            let at = |e: BatchError| PluginError::from(e).at_record(i);
            // Only the value's node and schema are read from the record's
            // descriptor (most batches are text or bytes).
            let (node, schema) = records.part(i, Part::Value).map_err(at)?;
            match records.value(node, "the record value").map_err(at)? {
                ValueRef::String(s) => self.lines.extend_from_slice(s.as_bytes()),
                // Apache's PrintStream.println(Object) of a byte[] would
                // print its identity; the bytes themselves are more use.
                ValueRef::Bytes(b) => self.lines.extend_from_slice(b),
                // The value's toString, written from the descriptors.
                _ => records
                    .write_text(&mut self.lines, node, schema)
                    .map_err(at)?,
            }
            self.lines.push(b'\n');
        }
        // Apache's PrintStream hands every line to the OS at once, so lines
        // show up in the file as records arrive; do the same, once per
        // batch (in a component, without waiting for the write: the next
        // `put` or `flush` does). Durability (fsync) waits for `flush`.
        self.out
            .append(&mut self.lines)
            .map_err(|e| self.io_error(e))
    }

    fn flush(&mut self, offsets: Vec<TopicPartitionOffset>) -> Result<Vec<TopicPartitionOffset>> {
        // Apache only flushes the stream; we also wait for the last write
        // and sync, so that the offsets the host commits next never run
        // ahead of what is on disk.
        self.out.sync().map_err(|e| self.io_error(e))?;
        Ok(offsets)
    }
}

impl FileStreamSinkTask {
    fn io_error(&self, e: std::io::Error) -> PluginError {
        PluginError::retriable(format!("cannot write to {}: {e}", self.file))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn writes_one_line_per_value_like_println() {
        let dir = std::env::temp_dir().join(format!("wc-sink-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("out.txt");
        std::fs::write(&path, "existing\n").unwrap();
        let config: Config = [("file", path.to_str().unwrap())].into_iter().collect();
        let mut task = FileStreamSinkTask::start(config).unwrap();
        let schema = Arc::new(Schema::new(SchemaType::Int32));
        let batch = Batch::from_records(&[
            Record::new("t").with_value(None, "hello".into()),
            Record::new("t").with_value(None, Value::Null),
            Record::new("t").with_value(Some(schema), Value::Int32(42)),
            Record::new("t").with_value(None, Value::Float64(1e7)),
            Record::new("t").with_value(None, Value::Bytes(b"raw".to_vec())),
        ])
        .unwrap();
        task.put(&batch).unwrap();
        let offsets = vec![TopicPartitionOffset {
            topic: "t".into(),
            partition: 0,
            offset: 5,
        }];
        assert_eq!(task.flush(offsets.clone()).unwrap(), offsets);
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "existing\nhello\nnull\n42\n1.0E7\nraw\n"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn tasks_share_the_config() {
        let config: Config = [("file", "/tmp/x")].into_iter().collect();
        let mut c = FileStreamSinkConnector::start(config.clone()).unwrap();
        assert_eq!(
            c.task_configs(3).unwrap(),
            vec![config.clone(), config.clone(), config]
        );
        assert_eq!(
            FileStreamSinkConnector::validate(&Config::new())[0].name,
            "file"
        );
    }
}
