//! A task: finds its share of the selected source partitions, reads them
//! from where the stored offsets say, and hands the records over rewritten
//! as source records.

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use wasm_connect_sdk::kafka::{Consumer, PartitionStart, StartPosition, TopicInfo};
use wasm_connect_sdk::log;
use wasm_connect_sdk::prelude::*;

use crate::assign::owner;
use crate::offsets::{self, TopicPartition as SourcePartition};
use crate::rewrite::{Rewriter, Target};
use crate::settings::{CLUSTER, Settings, task_place};

/// How long one poll waits for the first record. The host waits a little
/// more between empty polls; together they keep an idle task cheap and a
/// new record's delay well under a second.
const POLL_WAIT: Duration = Duration::from_millis(100);

/// What a task needs of the source cluster (and of the worker's cluster
/// for target topics). The host's [`Consumer`] implements it; unit tests
/// use a fake.
pub trait Source {
    /// Topics of the source cluster with their partition counts.
    fn topics(&mut self) -> Result<Vec<TopicInfo>>;
    /// Start reading partitions.
    fn assign(&mut self, partitions: &[PartitionStart]) -> Result<()>;
    /// Stop reading partitions.
    fn unassign(&mut self, partitions: &[TopicPartition]) -> Result<()>;
    /// Records available now.
    fn poll(&mut self, max: u32, wait: Duration) -> Result<Batch>;
    /// Make sure a target topic exists; its partition count.
    fn ensure_topic(&mut self, topic: &str, partitions: i32, replication: i16) -> Result<i32>;
}

/// The source cluster through the host.
pub struct HostSource(Consumer);

impl HostSource {
    /// A consumer on the granted source cluster.
    pub fn open() -> Result<Self> {
        Consumer::open(CLUSTER, None).map(Self)
    }
}

impl Source for HostSource {
    fn topics(&mut self) -> Result<Vec<TopicInfo>> {
        self.0.topics()
    }
    fn assign(&mut self, partitions: &[PartitionStart]) -> Result<()> {
        self.0.assign(partitions)
    }
    fn unassign(&mut self, partitions: &[TopicPartition]) -> Result<()> {
        self.0.unassign(partitions)
    }
    fn poll(&mut self, max: u32, wait: Duration) -> Result<Batch> {
        self.0.poll(max, wait)
    }
    fn ensure_topic(&mut self, topic: &str, partitions: i32, replication: i16) -> Result<i32> {
        wasm_connect_sdk::kafka::ensure_topic(topic, partitions, replication)
    }
}

/// A task's state, over any [`Source`].
pub struct Replicator<S: Source> {
    source: S,
    rewriter: Rewriter,
    index: u32,
    count: u32,
    /// The last stored offset per partition (updated on every commit).
    stored: HashMap<SourcePartition, i64>,
    /// The partitions read now.
    assigned: BTreeSet<SourcePartition>,
    /// Source partition counts seen, per selected topic.
    source_counts: HashMap<String, i32>,
    next_refresh: Option<Instant>,
}

impl<S: Source> Replicator<S> {
    /// A task of `config` (a task configuration) reading `source`, resuming
    /// from `stored` offsets.
    pub fn new(config: &Config, offsets: &[SourceOffset], source: S) -> Result<Self> {
        let settings = Settings::parse(config)?;
        let (index, count) = task_place(config)?;
        Ok(Self {
            stored: offsets::stored(&settings.alias, offsets),
            rewriter: Rewriter::new(settings),
            source,
            index,
            count,
            assigned: BTreeSet::new(),
            source_counts: HashMap::new(),
            next_refresh: None,
        })
    }

    /// The partitions this task reads.
    pub fn assigned(&self) -> Vec<SourcePartition> {
        self.assigned.iter().cloned().collect()
    }

    /// Look at the source cluster's topics: read the selected partitions
    /// this task owns that it does not read yet (creating their target
    /// topics), and stop reading those that are gone.
    pub fn refresh(&mut self) -> Result<()> {
        let topics = self.source.topics()?;
        let settings = self.rewriter.settings().clone();
        let mut mine: BTreeSet<SourcePartition> = BTreeSet::new();
        let mut grown = Vec::new();
        for t in topics
            .iter()
            .filter(|t| settings.selection.matches(&t.name))
        {
            if self.source_counts.get(&t.name) != Some(&t.partitions) {
                grown.push(t);
            }
            for p in 0..t.partitions {
                if owner(&t.name, p, self.count) == self.index {
                    mine.insert((t.name.clone(), p));
                }
            }
        }
        // Target topics first, so the first records know their partitions.
        for t in grown {
            self.source_counts.insert(t.name.clone(), t.partitions);
            let name = settings.target_topic(&t.name);
            let partitions =
                match self
                    .source
                    .ensure_topic(&name, t.partitions, settings.replication)
                {
                    Ok(n) => Some(n),
                    // Not allowed to at all: the configuration must change.
                    Err(e) if e.kind == ErrorKind::Config => return Err(e),
                    Err(e) => {
                        log::warn(&format!(
                            "Cannot make sure target topic {name} exists ({e}); its records go \
                             through the producer's partitioner"
                        ));
                        None
                    }
                };
            self.rewriter
                .set_target(&t.name, Target { name, partitions });
        }
        let added: Vec<PartitionStart> = mine
            .iter()
            .filter(|tp| !self.assigned.contains(*tp))
            .map(|(topic, partition)| {
                let position = match self.stored.get(&(topic.clone(), *partition)) {
                    Some(last) => StartPosition::Offset(last + 1),
                    None => StartPosition::Earliest,
                };
                PartitionStart::new(topic.clone(), *partition, position)
            })
            .collect();
        let removed: Vec<TopicPartition> = self
            .assigned
            .iter()
            .filter(|tp| !mine.contains(*tp))
            .map(|(topic, partition)| TopicPartition {
                topic: topic.clone(),
                partition: *partition,
            })
            .collect();
        if !removed.is_empty() {
            self.source.unassign(&removed)?;
            log::info(&format!(
                "No longer reading {} partition(s) gone from the source",
                removed.len()
            ));
        }
        if !added.is_empty() {
            self.source.assign(&added)?;
            log::info(&format!(
                "Reading {} more partition(s) (task {} of {}): {}",
                added.len(),
                self.index,
                self.count,
                added
                    .iter()
                    .map(|p| format!("{}-{}", p.topic, p.partition))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        self.assigned = mine;
        Ok(())
    }

    /// The records to write now.
    pub fn poll(&mut self) -> Result<Batch> {
        let now = Instant::now();
        if self.next_refresh.is_none_or(|at| now >= at) {
            match self.refresh() {
                Ok(()) => {}
                // The cluster did not answer: keep reading what is
                // assigned, look again at the next interval.
                Err(e) if e.kind == ErrorKind::Retriable && !self.assigned.is_empty() => {
                    log::warn(&format!("Cannot look for new source partitions: {e}"));
                }
                Err(e) => return Err(e),
            }
            // Without an interval, look once (far future: never again).
            let wait = self
                .rewriter
                .settings()
                .refresh
                .unwrap_or(Duration::from_secs(u32::MAX as u64));
            self.next_refresh = Some(now + wait);
        }
        if self.assigned.is_empty() {
            return Ok(Batch::new());
        }
        let batch = self
            .source
            .poll(self.rewriter.settings().batch_size, POLL_WAIT)?;
        if batch.is_empty() {
            return Ok(batch);
        }
        self.rewriter.rewrite(batch)
    }

    /// The host stored these offsets: remember them, so a partition read
    /// again later starts after them.
    pub fn committed(&mut self, offsets: &[SourceOffset]) {
        let alias = self.rewriter.settings().alias.clone();
        self.stored.extend(offsets::stored(&alias, offsets));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rewrite::tests::polled;
    use crate::settings::{TASK_COUNT, TASK_INDEX};

    /// A fake cluster: topics, what was assigned, polls from a queue.
    #[derive(Default)]
    struct Fake {
        topics: Vec<TopicInfo>,
        assigned: Vec<PartitionStart>,
        unassigned: Vec<TopicPartition>,
        created: Vec<(String, i32, i16)>,
        batches: Vec<Batch>,
        deny: bool,
    }

    impl Source for &mut Fake {
        fn topics(&mut self) -> Result<Vec<TopicInfo>> {
            Ok(self.topics.clone())
        }
        fn assign(&mut self, partitions: &[PartitionStart]) -> Result<()> {
            self.assigned.extend_from_slice(partitions);
            Ok(())
        }
        fn unassign(&mut self, partitions: &[TopicPartition]) -> Result<()> {
            self.unassigned.extend_from_slice(partitions);
            Ok(())
        }
        fn poll(&mut self, _max: u32, _wait: Duration) -> Result<Batch> {
            Ok(self.batches.pop().unwrap_or_default())
        }
        fn ensure_topic(&mut self, topic: &str, partitions: i32, replication: i16) -> Result<i32> {
            if self.deny {
                return Err(PluginError::config("not granted"));
            }
            self.created
                .push((topic.to_owned(), partitions, replication));
            // The target already existed with 2 partitions for "small".
            Ok(if topic.ends_with("small") {
                2
            } else {
                partitions
            })
        }
    }

    fn topic(name: &str, partitions: i32) -> TopicInfo {
        TopicInfo {
            name: name.into(),
            partitions,
        }
    }

    fn config(index: u32, count: u32) -> Config {
        let mut c = Config::new();
        c.set("source.bootstrap.servers", "h:1");
        c.set("topics.regex", "repl\\..*");
        c.set("topic.rename.format", "copy.${topic}");
        c.set("replication.factor", "3");
        c.set(TASK_INDEX, index.to_string());
        c.set(TASK_COUNT, count.to_string());
        c
    }

    #[test]
    fn tasks_share_the_partitions_and_resume_after_stored_offsets() {
        let topics = vec![
            topic("repl.a", 3),
            topic("repl.b", 1),
            topic("other", 4),
            topic("__consumer_offsets", 50),
        ];
        let stored = vec![SourceOffset {
            partition: offsets::source_partition("source", "repl.a", 1),
            offset: r#"{"offset":41}"#.into(),
        }];
        let mut all = Vec::new();
        for index in 0..2 {
            let mut fake_for_task = Fake {
                topics: topics.clone(),
                ..Fake::default()
            };
            let mut task = Replicator::new(&config(index, 2), &stored, &mut fake_for_task).unwrap();
            task.refresh().unwrap();
            all.extend(task.assigned());
            for p in &fake_for_task.assigned {
                let expected = if p.topic == "repl.a" && p.partition == 1 {
                    StartPosition::Offset(42)
                } else {
                    StartPosition::Earliest
                };
                assert_eq!(p.position, expected, "{p:?}");
            }
            assert_eq!(
                fake_for_task.created,
                vec![("copy.repl.a".into(), 3, 3), ("copy.repl.b".into(), 1, 3)]
            );
        }
        all.sort();
        assert_eq!(
            all,
            vec![
                ("repl.a".into(), 0),
                ("repl.a".into(), 1),
                ("repl.a".into(), 2),
                ("repl.b".into(), 0)
            ],
            "each selected partition read by exactly one task"
        );
    }

    #[test]
    fn new_topics_and_partitions_are_picked_up_and_gone_ones_dropped() {
        let mut fake = Fake {
            topics: vec![topic("repl.a", 1)],
            ..Fake::default()
        };
        {
            let mut task = Replicator::new(&config(0, 1), &[], &mut fake).unwrap();
            task.refresh().unwrap();
            assert_eq!(task.assigned(), vec![("repl.a".to_owned(), 0)]);
            task.source.topics = vec![topic("repl.a", 2), topic("repl.new", 1)];
            task.refresh().unwrap();
            assert_eq!(
                task.assigned(),
                vec![
                    ("repl.a".to_owned(), 0),
                    ("repl.a".to_owned(), 1),
                    ("repl.new".to_owned(), 0)
                ]
            );
            task.source.topics = vec![topic("repl.new", 1)];
            task.refresh().unwrap();
            assert_eq!(task.assigned(), vec![("repl.new".to_owned(), 0)]);
        }
        assert_eq!(fake.assigned.len(), 3, "each partition assigned once");
        assert_eq!(fake.unassigned.len(), 2);
        // The grown topic was made sure of again with its new count.
        assert_eq!(
            fake.created,
            vec![
                ("copy.repl.a".into(), 1, 3),
                ("copy.repl.a".into(), 2, 3),
                ("copy.repl.new".into(), 1, 3)
            ]
        );
    }

    #[test]
    fn polled_records_come_out_renamed_with_positions() {
        let mut fake = Fake {
            topics: vec![topic("repl.small", 4)],
            ..Fake::default()
        };
        fake.batches.push(polled(&[
            ("repl.small", 1, 8, Some(b"x"), &[]),
            ("repl.small", 3, 9, Some(b"y"), &[]),
        ]));
        let mut task = Replicator::new(&config(0, 1), &[], &mut fake).unwrap();
        let out = task.poll().unwrap();
        assert_eq!(out.topics, vec!["copy.repl.small"]);
        // The target has 2 partitions: partition 1 is kept, 3 is not.
        assert_eq!(out.record(0).unwrap().partition(), Some(1));
        assert_eq!(out.record(1).unwrap().partition(), None);
        assert_eq!(
            out.record(1).unwrap().source_offset().unwrap(),
            Some(r#"{"offset":9}"#)
        );
        // Stored offsets move a partition read again later.
        task.committed(&[SourceOffset {
            partition: offsets::source_partition("source", "repl.small", 3),
            offset: r#"{"offset":9}"#.into(),
        }]);
        assert_eq!(task.stored[&("repl.small".to_owned(), 3)], 9);
        assert!(task.poll().unwrap().is_empty());
    }

    #[test]
    fn a_denied_target_fails_the_task() {
        let mut fake = Fake {
            topics: vec![topic("repl.a", 1)],
            deny: true,
            ..Fake::default()
        };
        let mut task = Replicator::new(&config(0, 1), &[], &mut fake).unwrap();
        assert_eq!(task.poll().unwrap_err().message, "not granted");
    }
}
