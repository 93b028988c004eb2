//! Apache's predicates: `TopicNameMatches`, `HasHeaderKey` and
//! `RecordIsTombstone`. They read records in place and copy nothing.

use wasm_connect_sdk::layout::{HEADER_SIZE, NodeKind, Part};
use wasm_connect_sdk::prelude::*;

use crate::route_util::{self, JavaRegex, header_key, record_error};

const PATTERN: &str = "pattern";
const NAME: &str = "name";

/// Apache's `org.apache.kafka.connect.transforms.predicates.TopicNameMatches`.
pub struct TopicNameMatches {
    pattern: JavaRegex,
}

impl Predicate for TopicNameMatches {
    fn manifest() -> Manifest {
        Manifest::new(
            PluginKind::Predicate,
            "wasmconnect.transforms.predicates.TopicNameMatches",
            env!("CARGO_PKG_VERSION"),
        )
        .aliases(["org.apache.kafka.connect.transforms.predicates.TopicNameMatches"])
        .description("A predicate which is true for records with a topic name that matches the configured regular expression.")
        .config(
            ConfigDef::new(PATTERN, ConfigType::String)
                .importance(Importance::Medium)
                .doc("A Java regular expression for matching against the name of a record's topic."),
        )
    }

    fn configure(config: Config) -> Result<Self> {
        let pattern = route_util::non_empty_string(&config, PATTERN)?;
        Ok(Self {
            pattern: route_util::regex(PATTERN, &pattern)?,
        })
    }

    fn test(&mut self, batch: &Batch) -> Result<Vec<bool>> {
        // One match per entry of the batch's topic table, not per record.
        let mut by_topic: Vec<Option<bool>> = vec![None; batch.topics.len()];
        let mut out = Vec::with_capacity(batch.len());
        for i in 0..batch.len() {
            let t = route_util::topic_index(batch, i)? as usize;
            let topic = batch.topics.get(t).ok_or_else(|| {
                PluginError::data(format!("record {i} names topic {t}, which the batch lacks"))
                    .at_record(i)
            })?;
            let answer = *by_topic[t].get_or_insert_with(|| self.pattern.matches(topic));
            out.push(answer);
        }
        Ok(out)
    }
}

/// Apache's `org.apache.kafka.connect.transforms.predicates.HasHeaderKey`.
pub struct HasHeaderKey {
    name: String,
}

impl Predicate for HasHeaderKey {
    fn manifest() -> Manifest {
        Manifest::new(
            PluginKind::Predicate,
            "wasmconnect.transforms.predicates.HasHeaderKey",
            env!("CARGO_PKG_VERSION"),
        )
        .aliases(["org.apache.kafka.connect.transforms.predicates.HasHeaderKey"])
        .description("A predicate which is true for records with at least one header with the configured name.")
        .config(
            ConfigDef::new(NAME, ConfigType::String)
                .importance(Importance::Medium)
                .doc("The header name."),
        )
    }

    fn configure(config: Config) -> Result<Self> {
        Ok(Self {
            name: route_util::non_empty_string(&config, NAME)?,
        })
    }

    fn test(&mut self, batch: &Batch) -> Result<Vec<bool>> {
        let name = self.name.as_bytes();
        let mut out = Vec::with_capacity(batch.len());
        for i in 0..batch.len() {
            let mut found = false;
            for header in route_util::header_bytes(batch, i)?.chunks_exact(HEADER_SIZE) {
                if header_key(batch, header).map_err(record_error(i))? == name {
                    found = true;
                    break;
                }
            }
            out.push(found);
        }
        Ok(out)
    }
}

/// Apache's `org.apache.kafka.connect.transforms.predicates.RecordIsTombstone`.
pub struct RecordIsTombstone;

impl Predicate for RecordIsTombstone {
    fn manifest() -> Manifest {
        Manifest::new(
            PluginKind::Predicate,
            "wasmconnect.transforms.predicates.RecordIsTombstone",
            env!("CARGO_PKG_VERSION"),
        )
        .aliases(["org.apache.kafka.connect.transforms.predicates.RecordIsTombstone"])
        .description(
            "A predicate which is true for records which are tombstones (i.e. have null value).",
        )
    }

    fn configure(_config: Config) -> Result<Self> {
        Ok(Self)
    }

    fn test(&mut self, batch: &Batch) -> Result<Vec<bool>> {
        (0..batch.len())
            .map(|i| {
                let (value, _) = batch.part(i, Part::Value).map_err(record_error(i))?;
                Ok(NodeKind::from_u8(value.kind) == Some(NodeKind::Null))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::route_util::testing::{config, given, string_header};

    #[test]
    fn topic_name_matches_test() {
        // testPatternRequiredInConfig
        let e = TopicNameMatches::configure(config(&[])).err().unwrap();
        assert!(
            e.message
                .contains("Missing required configuration \"pattern\"")
        );
        // testPatternMayNotBeEmptyInConfig
        let e = TopicNameMatches::configure(config(&[(PATTERN, "")]))
            .err()
            .unwrap();
        assert!(e.message.contains("String must be non-empty"));
        // testPatternIsValidRegexInConfig / testConfig
        for bad in ["[", "*"] {
            let e = TopicNameMatches::configure(config(&[(PATTERN, bad)]))
                .err()
                .unwrap();
            assert!(e.message.contains("Invalid regex"), "{}", e.message);
        }
        assert_eq!(
            TopicNameMatches::configure(config(&[(PATTERN, "*")]))
                .err()
                .unwrap()
                .message,
            "Invalid value * for configuration pattern: Invalid regex: Dangling meta character '*' near index 0\n*\n^"
        );
        // testTest
        let mut p = TopicNameMatches::configure(config(&[(PATTERN, "my-prefix-.*")])).unwrap();
        let topics = [
            "my-prefix-",
            "my-prefix-foo",
            "x-my-prefix-",
            "x-my-prefix-foo",
            "your-prefix-",
            "your-prefix-foo",
            "my-prefix-foo",
        ];
        let records: Vec<Record> = topics.iter().map(|t| Record::new(*t)).collect();
        assert_eq!(
            p.test(&given(&records)).unwrap(),
            vec![true, true, false, false, false, false, true]
        );
    }

    #[test]
    fn has_header_key_test() {
        // testNameRequiredInConfig / testNameMayNotBeEmptyInConfig / testConfig
        let e = HasHeaderKey::configure(config(&[])).err().unwrap();
        assert!(
            e.message
                .contains("Missing required configuration \"name\"")
        );
        let e = HasHeaderKey::configure(config(&[(NAME, "")]))
            .err()
            .unwrap();
        assert_eq!(
            e.message,
            "Invalid value  for configuration name: String must be non-empty"
        );
        // testTest
        let mut p = HasHeaderKey::configure(config(&[(NAME, "foo")])).unwrap();
        let with = |keys: &[&str]| {
            let mut r = Record::new("t");
            r.headers = keys.iter().map(|k| string_header(k, "v")).collect();
            r
        };
        let records = vec![
            with(&["foo"]),
            with(&["foo", "bar"]),
            with(&["bar", "foo", "bar", "foo"]),
            with(&["bar"]),
            with(&["bar", "bar"]),
            with(&[]),
            Record::new("t"),
        ];
        assert_eq!(
            p.test(&given(&records)).unwrap(),
            vec![true, true, true, false, false, false, false]
        );
    }

    #[test]
    fn record_is_tombstone_test() {
        let mut p = RecordIsTombstone::configure(config(&[])).unwrap();
        let optional = std::sync::Arc::new(Schema::optional(SchemaType::String));
        let records = vec![
            Record::new("t"),
            Record::new("t").with_value(None, "v".into()),
            Record::new("t").with_value(Some(optional), Value::Null),
            Record::new("t").with_key(None, "k".into()),
        ];
        assert_eq!(
            p.test(&given(&records)).unwrap(),
            vec![true, false, true, true]
        );
    }
}
