//! Turning polled records into source records in place: the batch the host
//! polled already holds every key, value and header in its data, so a
//! record only gets new descriptor words (target topic, partition, source
//! partition and offset) and about 15 bytes of offset JSON. Nothing is
//! decoded and no record bytes are copied.

use std::collections::HashMap;

use wasm_connect_sdk::prelude::*;
use wasm_connect_sdk::{TimestampType, layout::NONE};

use crate::offsets::{self, TopicPartition};
use crate::settings::Settings;

/// What a task knows of a target topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Its name.
    pub name: String,
    /// Its partition count, when known (None: the producer's partitioner
    /// chooses every partition).
    pub partitions: Option<i32>,
}

/// Rewrites polled batches for one task.
pub struct Rewriter {
    settings: Settings,
    /// Source partition JSON per source topic partition, made once.
    partitions: HashMap<TopicPartition, String>,
    /// Target per source topic.
    targets: HashMap<String, Target>,
    scratch: String,
}

impl Rewriter {
    /// A rewriter for `settings`.
    pub fn new(settings: Settings) -> Self {
        Self {
            settings,
            partitions: HashMap::new(),
            targets: HashMap::new(),
            scratch: String::new(),
        }
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// What is known of the target of source topic `topic`.
    pub fn target(&self, topic: &str) -> Option<&Target> {
        self.targets.get(topic)
    }

    /// Remember the target of source topic `topic`.
    pub fn set_target(&mut self, topic: &str, target: Target) {
        self.targets.insert(topic.to_owned(), target);
    }

    fn source_partition(&mut self, topic: &str, partition: i32) -> &str {
        let alias = &self.settings.alias;
        self.partitions
            .entry((topic.to_owned(), partition))
            .or_insert_with(|| offsets::source_partition(alias, topic, partition))
    }

    /// Make `batch` (records as the host polled them) the records to write:
    /// renamed topics, source partitions and offsets, and partitions,
    /// timestamps and headers kept or dropped as the settings say.
    pub fn rewrite(&mut self, mut batch: Batch) -> Result<Batch> {
        let bad = |e: wasm_connect_sdk::BatchError| PluginError::fatal(e.to_string());
        let sources = std::mem::take(&mut batch.topics);
        let mut renamed = Vec::with_capacity(sources.len());
        let mut counts = Vec::with_capacity(sources.len());
        for topic in &sources {
            let target = self.targets.entry(topic.clone()).or_insert_with(|| Target {
                name: self.settings.target_topic(topic),
                partitions: None,
            });
            renamed.push(target.name.clone());
            counts.push(target.partitions);
        }
        // Source partition index per (topic index, partition), per batch.
        let mut indexes: HashMap<(u32, i32), u32> = HashMap::new();
        for i in 0..batch.len() {
            let mut desc = batch.desc(i).map_err(bad)?;
            let topic = desc.topic as usize;
            let source = sources
                .get(topic)
                .ok_or_else(|| PluginError::fatal(format!("polled record {i} names no topic")))?;
            let index = match indexes.get(&(desc.topic, desc.partition)) {
                Some(index) => *index,
                None => {
                    let json = self.source_partition(source, desc.partition).to_owned();
                    let index = batch.intern_source_partition(&json).map_err(bad)?;
                    indexes.insert((desc.topic, desc.partition), index);
                    index
                }
            };
            offsets::write_offset(&mut self.scratch, desc.offset);
            let (start, len) = batch.push_bytes(self.scratch.as_bytes()).map_err(bad)?;
            desc.source_partition = index;
            desc.source_offset_start = start;
            desc.source_offset_len = len;
            let keep_partition = self.settings.partitions
                && counts[topic].is_some_and(|count| desc.partition < count);
            if !keep_partition {
                desc.partition = -1;
            }
            desc.offset = -1;
            if !self.settings.timestamps {
                desc.set_timestamp(None, TimestampType::NoType);
            }
            if !self.settings.headers {
                desc.header_start = 0;
                desc.header_count = 0;
            }
            desc.tag = NONE;
            batch.set_desc(i, &desc).map_err(bad)?;
        }
        batch.topics = renamed;
        Ok(batch)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use wasm_connect_sdk::layout::{Node, RecordDesc};

    /// A batch as the host polls it: topics in a table, bytes nodes,
    /// Kafka partition, offset and timestamp.
    /// (topic, partition, offset, value, headers) of a polled record.
    pub(crate) type Polled<'a> = (
        &'a str,
        i32,
        i64,
        Option<&'a [u8]>,
        &'a [(&'a str, &'a [u8])],
    );

    pub(crate) fn polled(records: &[Polled<'_>]) -> Batch {
        let mut b = Batch::new();
        for (topic, partition, offset, value, headers) in records {
            let topic = b.intern_topic(topic).unwrap();
            let header_start = b.header_count() as u32;
            for (k, v) in *headers {
                b.push_header(&Header {
                    key: (*k).to_owned(),
                    schema: None,
                    value: Value::Bytes(v.to_vec()),
                })
                .unwrap();
            }
            let value = match value {
                Some(v) => {
                    let (s, l) = b.push_bytes(v).unwrap();
                    Node::bytes(s, l)
                }
                None => Node::NULL,
            };
            let mut desc = RecordDesc {
                topic,
                partition: *partition,
                offset: *offset,
                header_start,
                header_count: headers.len() as u32,
                value,
                ..RecordDesc::default()
            };
            desc.set_timestamp(Some(1_000 + offset), TimestampType::LogAppendTime);
            b.push_desc(&desc);
        }
        b
    }

    fn settings(pairs: &[(&str, &str)]) -> Settings {
        let mut c = Config::new();
        c.set("source.bootstrap.servers", "h:1");
        c.set("topics", "a,b");
        c.set("topic.rename.format", "copy.${topic}");
        for (k, v) in pairs {
            c.set(*k, *v);
        }
        Settings::parse(&c).unwrap()
    }

    #[test]
    fn records_get_their_target_and_source_position() {
        let mut r = Rewriter::new(settings(&[]));
        r.set_target(
            "a",
            Target {
                name: "copy.a".into(),
                partitions: Some(2),
            },
        );
        let batch = polled(&[
            ("a", 1, 10, Some(b"x"), &[("h", b"1")]),
            ("b", 0, 5, None, &[]),
            ("a", 2, 7, Some(b""), &[]),
            ("a", 1, 11, Some(b"y"), &[]),
        ]);
        let data_before = batch.data().len();
        let out = r.rewrite(batch).unwrap();
        out.validate().unwrap();
        assert_eq!(out.topics, vec!["copy.a", "copy.b"]);
        let rec = |i: usize| out.record(i).unwrap();
        assert_eq!(rec(0).topic().unwrap(), "copy.a");
        assert_eq!(
            rec(0).source_partition().unwrap(),
            Some(r#"{"cluster":"source","topic":"a","partition":1}"#)
        );
        assert_eq!(rec(0).source_offset().unwrap(), Some(r#"{"offset":10}"#));
        assert_eq!(rec(3).source_offset().unwrap(), Some(r#"{"offset":11}"#));
        // Same partition number where the target has it...
        assert_eq!(rec(0).partition(), Some(1));
        // ...the partitioner where it does not, or where the count is unknown.
        assert_eq!(rec(2).partition(), None);
        assert_eq!(rec(1).partition(), None);
        assert_eq!(rec(1).topic().unwrap(), "copy.b");
        // Timestamps, headers and the bytes stay; null stays null.
        assert_eq!(rec(0).timestamp(), Some(1_010));
        assert_eq!(rec(0).header_descs().unwrap().count(), 1);
        assert!(matches!(rec(1).value().unwrap(), ValueRef::Null));
        assert!(matches!(rec(2).value().unwrap(), ValueRef::Bytes(b) if b.is_empty()));
        assert!(matches!(rec(3).value().unwrap(), ValueRef::Bytes(b"y")));
        assert_eq!(rec(0).offset(), None);
        // One source partition entry per partition, not per record.
        assert_eq!(out.source_partitions.len(), 3);
        // Only the offsets were added to the data.
        assert_eq!(
            out.data().len() - data_before,
            [10, 5, 7, 11]
                .iter()
                .map(|o| format!("{{\"offset\":{o}}}").len())
                .sum::<usize>()
        );
    }

    #[test]
    fn preserve_flags_drop_what_they_turn_off() {
        let mut r = Rewriter::new(settings(&[
            ("preserve.partitions", "false"),
            ("preserve.timestamps", "false"),
            ("preserve.headers", "false"),
        ]));
        r.set_target(
            "a",
            Target {
                name: "copy.a".into(),
                partitions: Some(8),
            },
        );
        let out = r
            .rewrite(polled(&[("a", 1, 3, Some(b"x"), &[("h", b"1")])]))
            .unwrap();
        let rec = out.record(0).unwrap();
        assert_eq!(rec.partition(), None);
        assert_eq!(rec.timestamp(), None);
        assert_eq!(rec.header_descs().unwrap().count(), 0);
    }
}
