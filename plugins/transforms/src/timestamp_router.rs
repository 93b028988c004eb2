//! Apache's `TimestampRouter`: route each record to a topic named after its
//! topic and its timestamp (UTC), e.g. `orders-20170103`.
//!
//! Only the record's topic changes, in place. The formatted timestamp is
//! reused for records of the same day when the pattern shows nothing finer
//! than a day (the default `yyyyMMdd`), so most records cost a lookup.

use wasm_connect_sdk::prelude::*;
use wasm_connect_sdk::{Header, RecordView, TimestampType};

use crate::java_time::lang::trim;
use crate::java_time::{ONE_DAY, SimpleDateFormat};

const TOPIC_FORMAT: &str = "topic.format";
const TIMESTAMP_FORMAT: &str = "timestamp.format";
const TOPIC_PLACEHOLDER: &str = "${topic}";
const TIMESTAMP_PLACEHOLDER: &str = "${timestamp}";

/// `org.apache.kafka.connect.transforms.TimestampRouter`.
pub struct TimestampRouter {
    topic_format: String,
    timestamp_format: SimpleDateFormat,
    /// Whether one formatted text serves a whole UTC day.
    by_day: bool,
    /// The last `(input topic, day or instant)` seen and its new topic.
    last: Option<(String, i64, String)>,
}

impl Transform for TimestampRouter {
    fn manifest() -> Manifest {
        Manifest::new(
            PluginKind::Transform,
            "wasmconnect.transforms.TimestampRouter",
            env!("CARGO_PKG_VERSION"),
        )
        .aliases(["org.apache.kafka.connect.transforms.TimestampRouter"])
        .description("Renames each record's topic after its original topic and its timestamp.")
        .config(
            ConfigDef::new(TOPIC_FORMAT, ConfigType::String)
                .default_value("${topic}-${timestamp}")
                .importance(Importance::High)
                .doc("The topic name to write, with ${topic} and ${timestamp} standing for the original topic and the formatted timestamp."),
        )
        .config(
            ConfigDef::new(TIMESTAMP_FORMAT, ConfigType::String)
                .default_value("yyyyMMdd")
                .importance(Importance::High)
                .doc("A java.text.SimpleDateFormat pattern for the timestamp (in UTC)."),
        )
    }

    fn configure(config: Config) -> Result<Self> {
        let topic_format =
            trim(config.get(TOPIC_FORMAT).unwrap_or("${topic}-${timestamp}")).to_owned();
        let pattern = trim(config.get(TIMESTAMP_FORMAT).unwrap_or("yyyyMMdd"));
        // Apache compiles the pattern when the first record arrives and
        // fails every record then; a bad pattern is reported here instead.
        let timestamp_format = SimpleDateFormat::new(pattern).map_err(|e| {
            PluginError::config(format!(
                "Invalid value {pattern} for configuration {TIMESTAMP_FORMAT}: {e}"
            ))
        })?;
        Ok(Self {
            by_day: !timestamp_format.depends_on_time_of_day(),
            topic_format,
            timestamp_format,
            last: None,
        })
    }

    fn apply(&mut self, mut batch: Batch) -> Result<Batch> {
        for i in 0..batch.len() {
            let record = batch.record(i)?;
            let Some(timestamp) = record.timestamp() else {
                return Err(PluginError::data(format!(
                    "Timestamp missing on record: {}",
                    describe(&record)
                ))
                .at_record(i));
            };
            let topic = record.topic()?;
            let key = if self.by_day {
                timestamp.div_euclid(ONE_DAY)
            } else {
                timestamp
            };
            let hit = matches!(&self.last, Some((t, k, _)) if *k == key && t == topic);
            if !hit {
                let formatted = self.timestamp_format.format(timestamp);
                // Replace ${topic} first, then ${timestamp}, like Apache.
                let routed = self
                    .topic_format
                    .replace(TOPIC_PLACEHOLDER, topic)
                    .replace(TIMESTAMP_PLACEHOLDER, &formatted);
                self.last = Some((topic.to_owned(), key, routed));
            }
            let Some((_, _, routed)) = &self.last else {
                continue;
            };
            let index = batch.intern_topic(routed)?;
            let mut desc = batch.desc(i)?;
            desc.topic = index;
            batch.set_desc(i, &desc)?;
        }
        Ok(batch)
    }
}

/// The record as Apache's `toString()` writes it in the error message
/// (`SinkRecord{...} ConnectRecord{...}` or `SourceRecord{...} ...`). Keys
/// and values are written as Connect values print; source partitions and
/// offsets as the JSON they are kept as.
fn describe(record: &RecordView<'_>) -> String {
    let r = match record.to_record() {
        Ok(r) => r,
        Err(e) => return format!("(unreadable record: {e})"),
    };
    let schema = |s: &Option<std::sync::Arc<Schema>>| match s {
        Some(s) => crate::java_time::connect::schema_to_string(s),
        None => "null".to_owned(),
    };
    let optional = |v: Option<String>| v.unwrap_or_else(|| "null".to_owned());
    let headers = if r.headers.is_empty() {
        String::new()
    } else {
        let items: Vec<String> = r
            .headers
            .iter()
            .map(
                |Header {
                     key,
                     schema: s,
                     value,
                 }| {
                    format!(
                        "ConnectHeader(key={key}, value={value}, schema={})",
                        schema(s)
                    )
                },
            )
            .collect();
        format!("[{}]", items.join(", "))
    };
    let connect = format!(
        "ConnectRecord{{topic='{}', kafkaPartition={}, key={}, keySchema={}, value={}, valueSchema={}, timestamp=null, headers=ConnectHeaders(headers={headers})}}",
        r.topic,
        optional(r.partition.map(|p| p.to_string())),
        r.key,
        schema(&r.key_schema),
        r.value,
        schema(&r.value_schema),
    );
    match r.offset {
        Some(offset) => {
            let timestamp_type = match r.timestamp_type {
                TimestampType::CreateTime => "CreateTime",
                TimestampType::LogAppendTime => "LogAppendTime",
                TimestampType::NoType => "NoTimestampType",
            };
            format!(
                "SinkRecord{{kafkaOffset={offset}, timestampType={timestamp_type}, originalTopic={}, originalKafkaPartition={}, originalKafkaOffset={offset}}} {connect}",
                r.topic,
                optional(r.partition.map(|p| p.to_string())),
            )
        }
        None => format!(
            "SourceRecord{{sourcePartition={}, sourceOffset={}}} {connect}",
            optional(r.source_partition),
            optional(r.source_offset),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::java_time::testkit::{config, run, run_one};

    fn router(pairs: &[(&str, &str)]) -> TimestampRouter {
        TimestampRouter::configure(config(pairs)).unwrap()
    }

    fn at(topic: &str, timestamp: Option<i64>) -> Record {
        let mut r = Record::new(topic);
        r.partition = Some(0);
        r.timestamp = timestamp;
        r
    }

    #[test]
    fn default_configuration() {
        // TimestampRouterTest.defaultConfiguration.
        let out = run_one(&mut router(&[]), at("test", Some(1_483_425_001_864))).unwrap();
        assert_eq!(out.topic, "test-20170103");
    }

    #[test]
    fn custom_formats_and_everything_else_kept() {
        let mut xform = router(&[
            ("topic.format", " ${timestamp}.${topic}.${topic} "),
            ("timestamp.format", "yyyy-MM-dd'T'HH"),
        ]);
        let mut record = at("orders", Some(1_483_425_001_864))
            .with_key(None, "k".into())
            .with_value(None, Value::Bytes(vec![1, 2]))
            .with_source(r#"{"f":"a"}"#, r#"{"p":1}"#);
        record.headers.push(Header {
            key: "h".into(),
            schema: None,
            value: "v".into(),
        });
        let out = run_one(&mut xform, record.clone()).unwrap();
        assert_eq!(out.topic, "2017-01-03T06.orders.orders");
        assert_eq!(
            Record {
                topic: record.topic.clone(),
                ..out
            },
            record
        );
    }

    #[test]
    fn days_are_formatted_once_but_correctly() {
        let mut xform = router(&[]);
        let day = 86_400_000;
        let records = [
            at("a", Some(day - 1)),
            at("a", Some(day)),
            at("a", Some(day + 5)),
            at("b", Some(day + 6)),
            at("a", Some(-1)),
        ];
        let topics: Vec<String> = run(&mut xform, &records)
            .unwrap()
            .into_iter()
            .map(|r| r.topic)
            .collect();
        assert_eq!(
            topics,
            [
                "a-19700101",
                "a-19700102",
                "a-19700102",
                "b-19700102",
                "a-19691231"
            ]
        );
    }

    #[test]
    fn missing_timestamp_is_a_data_error() {
        let mut xform = router(&[]);
        let e = run(&mut xform, &[at("t", Some(0)), at("test", None)]).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Data);
        assert_eq!(e.record, Some(1));
        assert_eq!(
            e.message,
            "Timestamp missing on record: SourceRecord{sourcePartition=null, sourceOffset=null} ConnectRecord{topic='test', kafkaPartition=0, key=null, keySchema=null, value=null, valueSchema=null, timestamp=null, headers=ConnectHeaders(headers=)}"
        );
        let mut sink = at("s", None);
        sink.offset = Some(7);
        let e = run(&mut xform, &[sink]).unwrap_err();
        assert!(
            e.message.starts_with(
                "Timestamp missing on record: SinkRecord{kafkaOffset=7, timestampType=NoTimestampType, originalTopic=s, originalKafkaPartition=0, originalKafkaOffset=7} ConnectRecord{topic='s'"
            ),
            "{}",
            e.message
        );
    }

    #[test]
    fn bad_pattern_is_a_config_error() {
        let e = TimestampRouter::configure(config(&[("timestamp.format", "yyyyMMddb")]))
            .err()
            .unwrap();
        assert_eq!(e.kind, ErrorKind::Config);
        assert_eq!(
            e.message,
            "Invalid value yyyyMMddb for configuration timestamp.format: Illegal pattern character 'b'"
        );
    }
}
