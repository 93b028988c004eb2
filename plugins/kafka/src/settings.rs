//! The connector's configuration keys, their documentation (the manifest,
//! shown by `GET /connector-plugins/{plugin}/config`), and the checked
//! settings the connector and its tasks run with.

use std::time::Duration;

use regex::Regex;
use wasm_connect_sdk::prelude::*;

/// The source cluster's bootstrap servers; grants the cluster `source`.
pub const BOOTSTRAP: &str = "source.bootstrap.servers";
/// The name the tasks open the source cluster by (what [`BOOTSTRAP`]
/// grants: the key without `.bootstrap.servers`).
pub const CLUSTER: &str = "source";
/// The cluster's name in source partitions.
pub const ALIAS: &str = "source.cluster.alias";
/// Topics to replicate.
pub const TOPICS: &str = "topics";
/// A pattern of topics to replicate.
pub const TOPICS_REGEX: &str = "topics.regex";
/// How a target topic is named.
pub const RENAME: &str = "topic.rename.format";
/// Records per poll.
pub const BATCH: &str = "poll.batch.size";
/// Copy headers.
pub const HEADERS: &str = "preserve.headers";
/// Copy timestamps.
pub const TIMESTAMPS: &str = "preserve.timestamps";
/// Keep partition numbers.
pub const PARTITIONS: &str = "preserve.partitions";
/// How often topics and partitions are looked for.
pub const REFRESH: &str = "topics.refresh.interval.ms";
/// Replicas of target topics the connector creates.
pub const REPLICATION: &str = "replication.factor";
/// A task's place among the connector's tasks (task configs only).
pub const TASK_INDEX: &str = "task.index";
/// How many tasks share the partitions (task configs only).
pub const TASK_COUNT: &str = "task.count";

/// The placeholder [`RENAME`] replaces with the source topic.
pub const TOPIC_PLACEHOLDER: &str = "${topic}";

/// `poll.batch.size` when unset: large enough that the cost of a call
/// across the sandbox vanishes (see BENCHMARKS.md), small enough that a
/// batch of 1 KiB records stays near 10 MiB.
pub const DEFAULT_BATCH: i64 = 10_000;
/// `topics.refresh.interval.ms` when unset.
pub const DEFAULT_REFRESH_MS: i64 = 30_000;

/// The keys, as the manifest documents them.
pub fn definitions() -> Vec<ConfigDef> {
    vec![
        ConfigDef::new(BOOTSTRAP, ConfigType::List)
            .importance(Importance::High)
            .group("Source cluster")
            .access(PathAccess::KafkaCluster)
            .doc(
                "Bootstrap servers of the Kafka cluster to replicate from. Grants this connector \
                 the cluster: the worker opens its consumers, with the connector's \
                 source.consumer.* keys as their settings (security.protocol, sasl.*, ssl.* and \
                 any other librdkafka consumer setting; values may come from config providers). \
                 Those keys are never shown to the plugin. Default consumer settings: \
                 auto.offset.reset=earliest (for stored offsets the source no longer holds), \
                 no offset commits on the source cluster.",
            ),
        ConfigDef::new(ALIAS, ConfigType::String)
            .default_value("source")
            .importance(Importance::Medium)
            .group("Source cluster")
            .doc(
                "The source cluster's name in the stored source partitions \
                 ({\"cluster\":…,\"topic\":…,\"partition\":N}). Changing it starts every \
                 partition over from the earliest offset.",
            ),
        ConfigDef::new(TOPICS, ConfigType::List)
            .default_value("")
            .importance(Importance::High)
            .group("Topics")
            .doc(
                "Topics to replicate, comma-separated. Set this or topics.regex. Partitions \
                 added to them later are picked up too.",
            ),
        ConfigDef::new(TOPICS_REGEX, ConfigType::String)
            .default_value("")
            .importance(Importance::High)
            .group("Topics")
            .doc(
                "A regular expression (Rust regex syntax, the common subset of Java's) that \
                 names the topics to replicate; it must match the whole name. Topics created \
                 later that match are picked up within topics.refresh.interval.ms. Internal \
                 topics (__…) are never replicated.",
            ),
        ConfigDef::new(RENAME, ConfigType::String)
            .default_value(TOPIC_PLACEHOLDER)
            .importance(Importance::Medium)
            .group("Topics")
            .doc(
                "The name of each target topic, ${topic} standing for the source topic: \
                 source.${topic} writes topic orders to source.orders. Missing target topics \
                 are created, as MirrorMaker creates them, with the source topic's partition \
                 count and replication.factor.",
            ),
        ConfigDef::new(REFRESH, ConfigType::Long)
            .default_value(DEFAULT_REFRESH_MS.to_string())
            .importance(Importance::Low)
            .group("Topics")
            .doc(
                "How often each task looks for new topics and partitions on the source \
                 cluster, in milliseconds; 0 looks only when the task starts.",
            ),
        ConfigDef::new(REPLICATION, ConfigType::Short)
            .default_value("-1")
            .importance(Importance::Low)
            .group("Topics")
            .doc(
                "Replication factor of the target topics the connector creates; -1 uses the \
                 target cluster's default.",
            ),
        ConfigDef::new(BATCH, ConfigType::Int)
            .default_value(DEFAULT_BATCH.to_string())
            .importance(Importance::Low)
            .doc("The most records a task hands over per poll."),
        ConfigDef::new(HEADERS, ConfigType::Boolean)
            .default_value("true")
            .importance(Importance::Medium)
            .group("Records")
            .doc(
                "Copy each record's headers. To copy their bytes unchanged, set \
                 header.converter=ByteArrayConverter (as for key.converter and value.converter).",
            ),
        ConfigDef::new(TIMESTAMPS, ConfigType::Boolean)
            .default_value("true")
            .importance(Importance::Medium)
            .group("Records")
            .doc(
                "Give each record the source record's timestamp (a log-append time arrives as \
                 the record's create time); false lets the producer set the current time.",
            ),
        ConfigDef::new(PARTITIONS, ConfigType::Boolean)
            .default_value("true")
            .importance(Importance::Medium)
            .group("Records")
            .doc(
                "Write each record to the partition of the same number in the target topic \
                 when the target has it; otherwise (and when false) the producer's \
                 partitioner chooses, by key.",
            ),
    ]
}

/// Which topics the connector replicates.
#[derive(Debug, Clone)]
pub enum Selection {
    /// These topics.
    Names(Vec<String>),
    /// Topics whose whole name matches.
    Pattern(Regex),
}

impl Selection {
    /// Whether `topic` is selected (internal topics never are).
    pub fn matches(&self, topic: &str) -> bool {
        if topic.starts_with("__") {
            return false;
        }
        match self {
            Self::Names(names) => names.iter().any(|n| n == topic),
            Self::Pattern(re) => re.is_match(topic),
        }
    }
}

/// The checked configuration of the connector and its tasks.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The source cluster's name in source partitions.
    pub alias: String,
    /// The topics to replicate.
    pub selection: Selection,
    /// The target topic name, with [`TOPIC_PLACEHOLDER`].
    pub rename: String,
    /// Records per poll.
    pub batch_size: u32,
    /// Copy headers.
    pub headers: bool,
    /// Copy timestamps.
    pub timestamps: bool,
    /// Keep partition numbers.
    pub partitions: bool,
    /// How often to look for new partitions (None: at start only).
    pub refresh: Option<Duration>,
    /// Replicas of created topics.
    pub replication: i16,
}

/// A problem with one key.
type Problem = (&'static str, PluginError);

fn invalid(key: &'static str, value: impl std::fmt::Display, reason: &str) -> Problem {
    (
        key,
        PluginError::config(format!(
            "Invalid value {value} for configuration {key}: {reason}"
        )),
    )
}

/// Whether `name` is a legal Kafka topic name.
pub fn legal_topic(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 249
        && name != "."
        && name != ".."
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

impl Settings {
    /// Every problem with `config`, each naming its key.
    pub fn problems(config: &Config) -> Vec<Problem> {
        match Self::parse_all(config) {
            Ok(_) => Vec::new(),
            Err(problems) => problems,
        }
    }

    /// The settings, or the first problem.
    pub fn parse(config: &Config) -> Result<Self> {
        Self::parse_all(config).map_err(|mut problems| problems.remove(0).1)
    }

    fn parse_all(config: &Config) -> std::result::Result<Self, Vec<Problem>> {
        let mut problems = Vec::new();
        if config.get_non_empty(BOOTSTRAP).is_none() {
            problems.push((
                BOOTSTRAP,
                PluginError::config(format!(
                    "Missing required configuration \"{BOOTSTRAP}\" which has no default value."
                )),
            ));
        }
        let alias = config.get(ALIAS).unwrap_or("source").trim().to_owned();
        if alias.is_empty() {
            problems.push(invalid(ALIAS, "\"\"", "the cluster needs a name"));
        }
        let names: Vec<String> = config.get_list(TOPICS).unwrap_or_default();
        let pattern = config.get_non_empty(TOPICS_REGEX).map(str::trim);
        let selection = match (names.is_empty(), pattern) {
            (false, Some(_)) => {
                problems.push((
                    TOPICS_REGEX,
                    PluginError::config(
                        "topics and topics.regex are mutually exclusive options, but both are set.",
                    ),
                ));
                None
            }
            (true, None) => {
                problems.push((
                    TOPICS,
                    PluginError::config("Must configure one of topics or topics.regex"),
                ));
                None
            }
            (false, None) => {
                for name in &names {
                    if !legal_topic(name) {
                        problems.push(invalid(TOPICS, name, "not a legal Kafka topic name"));
                    }
                }
                Some(Selection::Names(names))
            }
            (true, Some(p)) => match Regex::new(&format!("^(?:{p})$")) {
                Ok(re) => Some(Selection::Pattern(re)),
                Err(e) => {
                    problems.push(invalid(TOPICS_REGEX, p, &e.to_string()));
                    None
                }
            },
        };
        let rename = config
            .get(RENAME)
            .unwrap_or(TOPIC_PLACEHOLDER)
            .trim()
            .to_owned();
        if !legal_topic(&rename.replace(TOPIC_PLACEHOLDER, "t")) {
            problems.push(invalid(
                RENAME,
                &rename,
                "with ${topic} replaced, it must make a legal Kafka topic name \
                 (letters, digits, '.', '_', '-')",
            ));
        }
        let int = |key: &'static str, default: i64, problems: &mut Vec<Problem>| match config
            .get_int(key, default)
        {
            Ok(n) => Some(n),
            Err(e) => {
                problems.push((key, e));
                None
            }
        };
        let batch_size = match int(BATCH, DEFAULT_BATCH, &mut problems) {
            Some(n) if (1..=i64::from(u32::MAX)).contains(&n) => n as u32,
            Some(n) => {
                problems.push(invalid(BATCH, n, "Value must be at least 1"));
                1
            }
            None => 1,
        };
        let refresh = match int(REFRESH, DEFAULT_REFRESH_MS, &mut problems) {
            Some(0) => None,
            Some(n) if n > 0 => Some(Duration::from_millis(n as u64)),
            Some(n) => {
                problems.push(invalid(REFRESH, n, "Value must be at least 0"));
                None
            }
            None => None,
        };
        let replication = match int(REPLICATION, -1, &mut problems) {
            Some(n) if n == -1 || (1..=i64::from(i16::MAX)).contains(&n) => n as i16,
            Some(n) => {
                problems.push(invalid(
                    REPLICATION,
                    n,
                    "must be at least 1, or -1 for the cluster's default",
                ));
                -1
            }
            None => -1,
        };
        let mut flag = |key: &'static str| match config.get_bool(key, true) {
            Ok(b) => b,
            Err(e) => {
                problems.push((key, e));
                true
            }
        };
        let (headers, timestamps, partitions) = (flag(HEADERS), flag(TIMESTAMPS), flag(PARTITIONS));
        match selection {
            Some(selection) if problems.is_empty() => Ok(Self {
                alias,
                selection,
                rename,
                batch_size,
                headers,
                timestamps,
                partitions,
                refresh,
                replication,
            }),
            _ => Err(problems),
        }
    }

    /// The target topic for source topic `topic`.
    pub fn target_topic(&self, topic: &str) -> String {
        self.rename.replace(TOPIC_PLACEHOLDER, topic)
    }
}

/// A task's place among the connector's tasks: `(index, count)`.
pub fn task_place(config: &Config) -> Result<(u32, u32)> {
    let count = config.get_int(TASK_COUNT, 1)?;
    let index = config.get_int(TASK_INDEX, 0)?;
    if count < 1 || index < 0 || index >= count || count > i64::from(u32::MAX) {
        return Err(PluginError::config(format!(
            "task {index} of {count} is not a place among the connector's tasks"
        )));
    }
    Ok((index as u32, count as u32))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> Config {
        let mut c = Config::new();
        c.set(BOOTSTRAP, "127.0.0.1:9092");
        for (k, v) in pairs {
            c.set(*k, *v);
        }
        c
    }

    fn messages(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        Settings::problems(&config(pairs))
            .into_iter()
            .map(|(k, e)| (k.to_owned(), e.message))
            .collect()
    }

    #[test]
    fn defaults() {
        let s = Settings::parse(&config(&[(TOPICS, "a, b")])).unwrap();
        assert_eq!(s.alias, "source");
        assert!(matches!(&s.selection, Selection::Names(n) if n == &["a", "b"]));
        assert_eq!(s.target_topic("orders"), "orders");
        assert_eq!(s.batch_size, 10_000);
        assert!(s.headers && s.timestamps && s.partitions);
        assert_eq!(s.refresh, Some(Duration::from_secs(30)));
        assert_eq!(s.replication, -1);
    }

    #[test]
    fn renaming() {
        let s = Settings::parse(&config(&[
            (TOPICS_REGEX, "orders\\..*"),
            (RENAME, "backup.${topic}.copy"),
        ]))
        .unwrap();
        assert_eq!(s.target_topic("orders.eu"), "backup.orders.eu.copy");
        // A fixed name sends every topic to one target.
        let all = Settings::parse(&config(&[(TOPICS, "a"), (RENAME, "everything")])).unwrap();
        assert_eq!(all.target_topic("a"), "everything");
    }

    #[test]
    fn the_pattern_must_match_the_whole_name() {
        let s = Settings::parse(&config(&[(TOPICS_REGEX, "repl\\.[a-z]+|x")])).unwrap();
        assert!(s.selection.matches("repl.abc"));
        assert!(s.selection.matches("x"));
        assert!(!s.selection.matches("repl.abc.d"));
        assert!(!s.selection.matches("xx"));
        assert!(!s.selection.matches("prefix.repl.abc"));
        let any = Settings::parse(&config(&[(TOPICS_REGEX, ".*")])).unwrap();
        assert!(!any.selection.matches("__consumer_offsets"));
    }

    #[test]
    fn every_problem_names_its_key() {
        assert_eq!(
            messages(&[(TOPICS, "a"), (TOPICS_REGEX, "b")]),
            vec![(
                TOPICS_REGEX.to_owned(),
                "topics and topics.regex are mutually exclusive options, but both are set."
                    .to_owned()
            )]
        );
        assert_eq!(
            messages(&[
                (TOPICS_REGEX, "("),
                (RENAME, "bad name/${topic}"),
                (BATCH, "0"),
                (REPLICATION, "0"),
                (HEADERS, "maybe"),
                (REFRESH, "-5"),
            ])
            .into_iter()
            .map(|(k, _)| k)
            .collect::<Vec<_>>(),
            vec![TOPICS_REGEX, RENAME, BATCH, REFRESH, REPLICATION, HEADERS]
        );
        let none = messages(&[]);
        assert_eq!(
            none,
            vec![(
                TOPICS.to_owned(),
                "Must configure one of topics or topics.regex".to_owned()
            )]
        );
        let mut c = Config::new();
        c.set(TOPICS, "a");
        assert_eq!(
            Settings::parse(&c).unwrap_err().message,
            "Missing required configuration \"source.bootstrap.servers\" which has no default value."
        );
        assert!(
            messages(&[(TOPICS, "ok,not ok")])[0]
                .1
                .contains("not a legal Kafka topic name")
        );
    }

    #[test]
    fn task_places() {
        let mut c = Config::new();
        assert_eq!(task_place(&c).unwrap(), (0, 1));
        c.set(TASK_INDEX, "2");
        c.set(TASK_COUNT, "3");
        assert_eq!(task_place(&c).unwrap(), (2, 3));
        c.set(TASK_INDEX, "3");
        assert!(task_place(&c).is_err());
    }
}
