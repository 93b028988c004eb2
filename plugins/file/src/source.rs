//! FileStreamSource: each line appended to a file becomes a record.

use std::fs::File;
use std::io::{ErrorKind as IoErrorKind, Read, Seek, SeekFrom};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use wasm_connect_sdk::log;
use wasm_connect_sdk::prelude::*;

/// Apache's `FileStreamSourceConnector.FILE_CONFIG`.
const FILE: &str = "file";
/// Apache's `FileStreamSourceConnector.TOPIC_CONFIG`.
const TOPIC: &str = "topic";
/// Apache's `FileStreamSourceConnector.TASK_BATCH_SIZE_CONFIG`.
const BATCH_SIZE: &str = "batch.size";
/// Apache's default `batch.size`.
const DEFAULT_BATCH_SIZE: i64 = 2000;
/// Bytes read from the file per `read` call.
const READ_CHUNK: usize = 64 * 1024;

/// The source connector: one task reading one file.
pub struct FileStreamSourceConnector {
    config: Config,
}

impl SourceConnector for FileStreamSourceConnector {
    type Task = FileStreamSourceTask;

    fn manifest() -> Manifest {
        Manifest::new(
            PluginKind::SourceConnector,
            "wasmconnect.file.FileStreamSourceConnector",
            env!("CARGO_PKG_VERSION"),
        )
        .aliases(["org.apache.kafka.connect.file.FileStreamSourceConnector"])
        .description("Reads lines appended to a file and writes each as a record to a topic.")
        .config(
            ConfigDef::new(FILE, ConfigType::String)
                .importance(Importance::High)
                .doc("Source filename.")
                .access(PathAccess::ReadFile),
        )
        .config(
            ConfigDef::new(TOPIC, ConfigType::String)
                .importance(Importance::High)
                .doc("The topic to publish data to"),
        )
        .config(
            ConfigDef::new(BATCH_SIZE, ConfigType::Int)
                .default_value(DEFAULT_BATCH_SIZE.to_string())
                .importance(Importance::Low)
                .doc("The maximum number of records the source task can read from the file each time it is polled"),
        )
    }

    fn validate(config: &Config) -> Vec<ConfigProblem> {
        let mut problems = Vec::new();
        if let Err(e) = Settings::parse(config) {
            problems.push(ConfigProblem {
                name: e.0.to_owned(),
                message: e.1.message,
            });
        }
        problems
    }

    fn start(config: Config) -> Result<Self> {
        Settings::parse(&config).map_err(|e| e.1)?;
        Ok(Self { config })
    }

    fn task_configs(&mut self, _max_tasks: u32) -> Result<Vec<Config>> {
        // One file is read by one task, whatever tasks.max says (as Apache).
        Ok(vec![self.config.clone()])
    }
}

/// The checked configuration of the connector and its task.
struct Settings {
    file: String,
    topic: String,
    batch_size: usize,
}

impl Settings {
    /// Parses the config; the error names the key at fault.
    fn parse(config: &Config) -> std::result::Result<Self, (&'static str, PluginError)> {
        let file = config
            .get_non_empty(FILE)
            .ok_or_else(|| {
                (
                    FILE,
                    PluginError::config(
                        "Missing required configuration \"file\": wasm-connect's FileStreamSource reads a file \
                         (reading the worker's standard input is not supported)",
                    ),
                )
            })?
            .to_owned();
        let topic = config
            .require(TOPIC)
            .map_err(|e| (TOPIC, e))?
            .trim()
            .to_owned();
        if topic.is_empty() || topic.contains(',') {
            return Err((
                TOPIC,
                PluginError::config(format!(
                    "Invalid value {topic} for configuration topic: 'topic' in FileStreamSourceConnector \
                     configuration requires definition of a single topic"
                )),
            ));
        }
        let batch_size = config
            .get_int(BATCH_SIZE, DEFAULT_BATCH_SIZE)
            .map_err(|e| (BATCH_SIZE, e))?;
        if batch_size < 1 || batch_size > i64::from(i32::MAX) {
            return Err((
                BATCH_SIZE,
                PluginError::config(format!(
                    "Invalid value {batch_size} for configuration batch.size: Value must be at least 1"
                )),
            ));
        }
        Ok(Self {
            file,
            topic,
            batch_size: batch_size as usize,
        })
    }
}

/// The source task: tails the file from the stored position.
pub struct FileStreamSourceTask {
    settings: Settings,
    /// `{"filename": …}`, as JSON text: the record's source partition.
    partition: String,
    /// The open file, once it exists.
    stream: Option<File>,
    /// Bytes read but not yet emitted (a partial line at most, between polls).
    buffer: Vec<u8>,
    /// Byte position in the file of `buffer[0]`.
    position: u64,
    /// Whether the missing-file warning was logged (once, not every poll).
    warned_missing: bool,
    value_schema: Arc<Schema>,
}

impl SourceTask for FileStreamSourceTask {
    fn start(config: Config, offsets: Vec<SourceOffset>) -> Result<Self> {
        let settings = Settings::parse(&config).map_err(|e| e.1)?;
        let partition = partition_json(&settings.file);
        let position = match offsets
            .iter()
            .find(|o| same_partition(&o.partition, &settings.file))
        {
            Some(stored) => parse_position(&stored.offset).ok_or_else(|| {
                PluginError::fatal(format!(
                    "the stored offset for {} is not {{\"position\": <number>}}: {}",
                    settings.file, stored.offset
                ))
            })?,
            None => 0,
        };
        if position > 0 {
            log::info(&format!("Resuming {} from byte {position}", settings.file));
        }
        Ok(Self {
            settings,
            partition,
            stream: None,
            buffer: Vec::new(),
            position,
            warned_missing: false,
            value_schema: Arc::new(Schema::new(SchemaType::String)),
        })
    }

    fn poll(&mut self) -> Result<Batch> {
        let mut batch = Batch::new();
        if self.stream.is_none() && !self.open()? {
            return Ok(batch);
        }
        let mut lines = 0;
        loop {
            lines += self.emit_lines(&mut batch, self.settings.batch_size - lines)?;
            if lines >= self.settings.batch_size || !self.fill()? {
                break;
            }
        }
        Ok(batch)
    }

    fn stop(&mut self) {
        self.stream = None;
    }
}

impl FileStreamSourceTask {
    /// Opens the file and seeks to the stored position; false when the file
    /// does not exist yet.
    fn open(&mut self) -> Result<bool> {
        match File::open(&self.settings.file) {
            Ok(mut file) => {
                // Resume after what was already read into the buffer.
                let at = self.position + self.buffer.len() as u64;
                if at > 0 {
                    file.seek(SeekFrom::Start(at)).map_err(|e| {
                        PluginError::fatal(format!(
                            "cannot seek {} to byte {at}: {e}",
                            self.settings.file
                        ))
                    })?;
                }
                self.stream = Some(file);
                Ok(true)
            }
            Err(e) if e.kind() == IoErrorKind::NotFound => {
                // Reported once, not at every poll.
                if !self.warned_missing {
                    log::warn(&format!(
                        "Couldn't find file {} for FileStreamSourceTask, waiting for it to be created",
                        self.settings.file
                    ));
                    self.warned_missing = true;
                }
                Ok(false)
            }
            Err(e) => Err(PluginError::retriable(format!(
                "cannot open {}: {e}",
                self.settings.file
            ))),
        }
    }

    /// Reads more bytes into the buffer; false at the end of the file.
    fn fill(&mut self) -> Result<bool> {
        let Some(stream) = self.stream.as_mut() else {
            return Ok(false);
        };
        let start = self.buffer.len();
        self.buffer.resize(start + READ_CHUNK, 0);
        let read = stream.read(&mut self.buffer[start..]);
        match read {
            Ok(n) => {
                self.buffer.truncate(start + n);
                if n == 0 {
                    // At the end of the file. Under WASI a file stream that
                    // reached its end stays there even when the file grows,
                    // so the next poll opens the file again at this point.
                    self.stream = None;
                }
                Ok(n > 0)
            }
            Err(e) => {
                self.buffer.truncate(start);
                self.stream = None;
                Err(PluginError::retriable(format!(
                    "error reading {}: {e}",
                    self.settings.file
                )))
            }
        }
    }

    /// Moves up to `max` complete lines from the buffer into `batch`;
    /// returns how many. Line ends are `\n`, `\r\n` or `\r`, as Apache's
    /// task splits them; a `\r` at the end of the buffer waits for the next
    /// byte, and a line without its terminator waits in the buffer.
    fn emit_lines(&mut self, batch: &mut Batch, max: usize) -> Result<usize> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        let mut consumed = 0;
        let mut emitted = 0;
        while emitted < max {
            let rest = &self.buffer[consumed..];
            let Some(end) = rest.iter().position(|b| *b == b'\n' || *b == b'\r') else {
                break;
            };
            let next = if rest[end] == b'\r' {
                match rest.get(end + 1) {
                    None => break,
                    Some(b'\n') => end + 2,
                    Some(_) => end + 1,
                }
            } else {
                end + 1
            };
            let line = String::from_utf8_lossy(&rest[..end]).into_owned();
            consumed += next;
            let position = self.position + consumed as u64;
            let record = Record {
                timestamp: Some(now),
                ..Record::new(self.settings.topic.as_str())
            }
            .with_value(Some(self.value_schema.clone()), Value::String(line))
            .with_source(
                self.partition.as_str(),
                format!("{{\"position\":{position}}}"),
            );
            batch.push_record(&record)?;
            emitted += 1;
        }
        self.buffer.drain(..consumed);
        self.position += consumed as u64;
        Ok(emitted)
    }
}

/// `{"filename": file}` as compact JSON (the source partition).
fn partition_json(file: &str) -> String {
    serde_json::json!({ "filename": file }).to_string()
}

/// Whether the stored partition JSON is `{"filename": file}`.
fn same_partition(stored: &str, file: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(stored)
        .is_ok_and(|v| v == serde_json::json!({ "filename": file }))
}

/// The `position` of an offset object `{"position": N}`.
fn parse_position(offset: &str) -> Option<u64> {
    serde_json::from_str::<serde_json::Value>(offset)
        .ok()?
        .get("position")?
        .as_u64()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn task_for(path: &str, offsets: Vec<SourceOffset>) -> FileStreamSourceTask {
        let config: Config = [("file", path), ("topic", "t"), ("batch.size", "3")]
            .into_iter()
            .collect();
        FileStreamSourceTask::start(config, offsets).unwrap()
    }

    fn values(batch: &Batch) -> Vec<(String, String)> {
        batch
            .iter()
            .map(|r| {
                let ValueRef::String(s) = r.value().unwrap() else {
                    panic!("not a string")
                };
                (s.to_owned(), r.source_offset().unwrap().unwrap().to_owned())
            })
            .collect()
    }

    #[test]
    fn lines_offsets_and_partial_lines() {
        let dir = std::env::temp_dir().join(format!("wc-src-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("in.txt");
        let path_s = path.to_str().unwrap().to_owned();
        let mut f = File::create(&path).unwrap();
        f.write_all(b"a\r\nbb\rc\nd\npartial").unwrap();

        let mut task = task_for(&path_s, vec![]);
        let b = task.poll().unwrap();
        // batch.size=3 caps the first poll.
        assert_eq!(
            values(&b),
            vec![
                ("a".into(), r#"{"position":3}"#.into()),
                ("bb".into(), r#"{"position":6}"#.into()),
                ("c".into(), r#"{"position":8}"#.into()),
            ]
        );
        assert_eq!(
            b.record(0).unwrap().source_partition().unwrap().unwrap(),
            partition_json(&path_s)
        );
        let b = task.poll().unwrap();
        assert_eq!(values(&b), vec![("d".into(), r#"{"position":10}"#.into())]);
        // The partial line waits for its newline.
        assert!(task.poll().unwrap().is_empty());
        f.write_all(b" line\n").unwrap();
        let b = task.poll().unwrap();
        assert_eq!(
            values(&b),
            vec![("partial line".into(), r#"{"position":23}"#.into())]
        );

        // A new task resumes from a stored offset.
        let stored = SourceOffset {
            partition: task.partition.clone(),
            offset: r#"{"position":8}"#.into(),
        };
        let mut resumed = task_for(&path_s, vec![stored]);
        let got: Vec<String> = values(&resumed.poll().unwrap())
            .into_iter()
            .map(|v| v.0)
            .collect();
        assert_eq!(got, vec!["d", "partial line"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_missing_file_is_waited_for() {
        let mut task = task_for("/nonexistent/wasm-connect/none.txt", vec![]);
        assert!(task.poll().unwrap().is_empty());
    }

    #[test]
    fn config_errors_name_the_key() {
        let config: Config = [("file", "/x"), ("topic", "a,b")].into_iter().collect();
        let problems = FileStreamSourceConnector::validate(&config);
        assert_eq!(problems[0].name, "topic");
        assert!(
            problems[0].message.contains("single topic"),
            "{}",
            problems[0].message
        );
        let config: Config = [("topic", "a")].into_iter().collect();
        assert_eq!(FileStreamSourceConnector::validate(&config)[0].name, "file");
    }

    #[test]
    fn positions_parse() {
        assert_eq!(parse_position(r#"{"position":42}"#), Some(42));
        assert_eq!(parse_position(r#"{ "position" : 7 }"#), Some(7));
        assert_eq!(parse_position(r#"{"pos":1}"#), None);
        assert!(same_partition(r#"{"filename": "/a b"}"#, "/a b"));
        assert!(!same_partition(r#"{"filename": "/ab"}"#, "/a b"));
    }
}
