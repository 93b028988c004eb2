//! A connector's configuration: the framework keys Apache Kafka Connect
//! defines (`name`, `connector.class`, `tasks.max`, converters, `topics`)
//! apart from the plugin's own keys, checked against the plugin's config
//! definitions, and the sandbox grants derived from them.

use std::path::Path;

use serde::Serialize;
use wasm_connect_sdk::{ConfigDef, ConfigType, PathAccess};

use super::worker::absolute;
use super::{ConfigErrors, bool_setting, dedupe, get, with_prefix};
use crate::plugin::Grants;

/// A converter class and its settings (prefix removed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConverterSpec {
    /// The class: full name or alias.
    pub class: String,
    /// Its settings.
    pub config: Vec<(String, String)>,
}

/// Source or sink, as the REST API spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ConnectorType {
    /// A source connector.
    Source,
    /// A sink connector.
    Sink,
}

/// The framework keys of a connector configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectorConfig {
    /// `name`.
    pub name: String,
    /// `connector.class`.
    pub class: String,
    /// `tasks.max` (default 1).
    pub tasks_max: u32,
    /// Every key, as given (last value wins).
    pub entries: Vec<(String, String)>,
    /// `key.converter` override.
    pub key_converter: Option<ConverterSpec>,
    /// `value.converter` override.
    pub value_converter: Option<ConverterSpec>,
    /// `header.converter` override.
    pub header_converter: Option<ConverterSpec>,
    /// `topics` (sinks).
    pub topics: Vec<String>,
    /// `topics.regex` (sinks).
    pub topics_regex: Option<String>,
    /// `transforms` with their settings, in order.
    pub transforms: Vec<TransformSpec>,
    /// `predicates` with their settings.
    pub predicates: Vec<PredicateSpec>,
    /// `errors.*`.
    pub errors: ErrorConfig,
}

/// One entry of `transforms`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransformSpec {
    /// The alias (`transforms=<alias>,…`).
    pub alias: String,
    /// `transforms.<alias>.type`.
    pub class: String,
    /// `transforms.<alias>.*` without `type`, `predicate` and `negate`.
    pub config: Vec<(String, String)>,
    /// `transforms.<alias>.predicate`.
    pub predicate: Option<String>,
    /// `transforms.<alias>.negate`.
    pub negate: bool,
}

/// One entry of `predicates`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PredicateSpec {
    /// The alias.
    pub alias: String,
    /// `predicates.<alias>.type`.
    pub class: String,
    /// `predicates.<alias>.*` without `type`.
    pub config: Vec<(String, String)>,
}

/// `errors.*`: what a task does with a record that fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorConfig {
    /// `errors.retry.timeout`: how long to retry a retriable failure
    /// (`None`: forever, from -1). Default 0: no retries.
    pub retry_timeout: Option<std::time::Duration>,
    /// `errors.retry.delay.max.ms`: the longest wait between retries.
    pub retry_delay_max: std::time::Duration,
    /// `errors.tolerance=all`: skip failing records instead of failing.
    pub tolerate_all: bool,
    /// `errors.log.enable`.
    pub log_enable: bool,
    /// `errors.log.include.messages`.
    pub log_include_messages: bool,
    /// `errors.deadletterqueue.topic.name`.
    pub dlq_topic: Option<String>,
    /// `errors.deadletterqueue.topic.replication.factor`.
    pub dlq_replication_factor: i32,
    /// `errors.deadletterqueue.context.headers.enable`.
    pub dlq_context_headers: bool,
}

impl Default for ErrorConfig {
    fn default() -> Self {
        Self {
            retry_timeout: Some(std::time::Duration::ZERO),
            retry_delay_max: std::time::Duration::from_millis(60_000),
            tolerate_all: false,
            log_enable: false,
            log_include_messages: false,
            dlq_topic: None,
            dlq_replication_factor: 3,
            dlq_context_headers: false,
        }
    }
}

/// A long setting.
fn long_setting(
    entries: &[(String, String)],
    key: &str,
    default: i64,
    problems: &mut Vec<String>,
) -> i64 {
    match get(entries, key).map(str::trim) {
        None | Some("") => default,
        Some(v) => v.parse().unwrap_or_else(|_| {
            problems.push(format!(
                "Invalid value {v} for configuration {key}: Not a number of type LONG"
            ));
            default
        }),
    }
}

/// The aliases listed in `key` (`transforms`, `predicates`), each once.
fn aliases(entries: &[(String, String)], key: &str, problems: &mut Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for alias in get(entries, key)
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|a| !a.is_empty())
    {
        if out.iter().any(|a| a == alias) {
            problems.push(format!(
                "Invalid value {alias} for configuration {key}: Duplicate alias provided."
            ));
        } else {
            out.push(alias.to_owned());
        }
    }
    out
}

fn parse_transforms(
    entries: &[(String, String)],
    problems: &mut Vec<String>,
) -> (Vec<TransformSpec>, Vec<PredicateSpec>) {
    let mut predicates = Vec::new();
    for alias in aliases(entries, "predicates", problems) {
        let prefix = format!("predicates.{alias}.");
        let class = get(entries, &format!("{prefix}type"))
            .map(str::trim)
            .unwrap_or("");
        if class.is_empty() {
            problems.push(format!(
                "Missing required configuration \"{prefix}type\" which has no default value."
            ));
        }
        predicates.push(PredicateSpec {
            class: class.to_owned(),
            config: with_prefix(entries, &prefix)
                .into_iter()
                .filter(|(k, _)| k != "type")
                .collect(),
            alias,
        });
    }
    let mut transforms = Vec::new();
    for alias in aliases(entries, "transforms", problems) {
        let prefix = format!("transforms.{alias}.");
        let class = get(entries, &format!("{prefix}type"))
            .map(str::trim)
            .unwrap_or("");
        if class.is_empty() {
            problems.push(format!(
                "Missing required configuration \"{prefix}type\" which has no default value."
            ));
        }
        let predicate = get(entries, &format!("{prefix}predicate"))
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_owned);
        if let Some(p) = &predicate
            && !predicates.iter().any(|d: &PredicateSpec| d.alias == *p)
        {
            problems.push(format!(
                "Invalid value {p} for configuration {prefix}predicate: no predicate named {p} is listed in predicates"
            ));
        }
        let negate = bool_setting(entries, &format!("{prefix}negate"), false, problems);
        transforms.push(TransformSpec {
            class: class.to_owned(),
            config: with_prefix(entries, &prefix)
                .into_iter()
                .filter(|(k, _)| !matches!(k.as_str(), "type" | "predicate" | "negate"))
                .collect(),
            predicate,
            negate,
            alias,
        });
    }
    (transforms, predicates)
}

fn parse_errors(entries: &[(String, String)], problems: &mut Vec<String>) -> ErrorConfig {
    let defaults = ErrorConfig::default();
    let retry = long_setting(entries, "errors.retry.timeout", 0, problems);
    let retry_timeout = match retry {
        -1 => None,
        ms if ms >= 0 => Some(std::time::Duration::from_millis(ms as u64)),
        ms => {
            problems.push(format!(
                "Invalid value {ms} for configuration errors.retry.timeout: must be -1 (retry forever) or at least 0"
            ));
            defaults.retry_timeout
        }
    };
    let delay = long_setting(entries, "errors.retry.delay.max.ms", 60_000, problems);
    let tolerate_all = match get(entries, "errors.tolerance").map(str::trim) {
        None | Some("") => false,
        Some(v) if v.eq_ignore_ascii_case("none") => false,
        Some(v) if v.eq_ignore_ascii_case("all") => true,
        Some(v) => {
            problems.push(format!("Invalid value {v} for configuration errors.tolerance: String must be one of: none, all"));
            false
        }
    };
    let rf = long_setting(
        entries,
        "errors.deadletterqueue.topic.replication.factor",
        3,
        problems,
    );
    if rf < 1 || rf > i64::from(i16::MAX) {
        problems.push(format!(
            "Invalid value {rf} for configuration errors.deadletterqueue.topic.replication.factor: Value must be at least 1"
        ));
    }
    ErrorConfig {
        retry_timeout,
        retry_delay_max: std::time::Duration::from_millis(delay.max(0) as u64),
        tolerate_all,
        log_enable: bool_setting(entries, "errors.log.enable", false, problems),
        log_include_messages: bool_setting(entries, "errors.log.include.messages", false, problems),
        dlq_topic: get(entries, "errors.deadletterqueue.topic.name")
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned),
        dlq_replication_factor: rf.clamp(1, i64::from(i16::MAX)) as i32,
        dlq_context_headers: bool_setting(
            entries,
            "errors.deadletterqueue.context.headers.enable",
            false,
            problems,
        ),
    }
}

impl ConnectorConfig {
    /// Read the framework keys; every problem is reported at once.
    pub fn parse(entries: Vec<(String, String)>) -> Result<Self, ConfigErrors> {
        let entries = dedupe(entries);
        let mut problems = Vec::new();
        let name = get(&entries, "name").unwrap_or("").to_owned();
        if name.trim().is_empty() {
            problems.push(
                "Missing required configuration \"name\": a connector needs a non-empty name"
                    .to_owned(),
            );
        } else if name.chars().any(char::is_control) {
            problems.push(format!(
                "Invalid value {name:?} for configuration name: connector names may not contain control characters"
            ));
        }
        let class = get(&entries, "connector.class")
            .map(str::trim)
            .unwrap_or("")
            .to_owned();
        if class.is_empty() {
            problems.push(
                "Missing required configuration \"connector.class\" which has no default value."
                    .to_owned(),
            );
        }
        let tasks_max = match get(&entries, "tasks.max").map(str::trim) {
            None | Some("") => 1,
            Some(v) => {
                match v.parse::<i64>() {
                    Ok(n) if n >= 1 && n <= i64::from(u32::MAX) => n as u32,
                    Ok(n) => {
                        problems.push(format!("Invalid value {n} for configuration tasks.max: Value must be at least 1"));
                        1
                    }
                    Err(_) => {
                        problems.push(format!("Invalid value {v} for configuration tasks.max: Not a number of type INT"));
                        1
                    }
                }
            }
        };
        let converter = |key: &str| -> Option<ConverterSpec> {
            get(&entries, key)
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(|class| ConverterSpec {
                    class: class.to_owned(),
                    config: with_prefix(&entries, &format!("{key}.")),
                })
        };
        let topics: Vec<String> = get(&entries, "topics")
            .map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let topics_regex = get(&entries, "topics.regex")
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned);
        if let Some(re) = &topics_regex
            && let Err(e) = regex::Regex::new(re)
        {
            problems.push(format!(
                "Invalid value {re} for configuration topics.regex: {e}"
            ));
        }
        let (transforms, predicates) = parse_transforms(&entries, &mut problems);
        let errors = parse_errors(&entries, &mut problems);
        if let Some(dlq) = &errors.dlq_topic
            && topics.iter().any(|t| t == dlq)
        {
            problems.push(format!(
                "The DLQ topic '{dlq}' may not be included in the list of topics ('topics={}') to be consumed.",
                topics.join(",")
            ));
        }
        if !problems.is_empty() {
            return Err(ConfigErrors {
                source_name: if name.trim().is_empty() {
                    "connector config".to_owned()
                } else {
                    format!("connector {name}")
                },
                problems,
            });
        }
        Ok(Self {
            key_converter: converter("key.converter"),
            value_converter: converter("value.converter"),
            header_converter: converter("header.converter"),
            name,
            class,
            tasks_max,
            topics,
            topics_regex,
            transforms,
            predicates,
            errors,
            entries,
        })
    }

    /// The problems with a sink's topic settings (Apache's messages).
    pub fn sink_problems(&self) -> Vec<String> {
        match (self.topics.is_empty(), &self.topics_regex) {
            (false, Some(_)) => vec![
                "topics and topics.regex are mutually exclusive options, but both are set."
                    .to_owned(),
            ],
            (true, None) => vec!["Must configure one of topics or topics.regex".to_owned()],
            _ => Vec::new(),
        }
    }
}

/// Check `entries` against a plugin's config definitions: required keys
/// present, values of the declared type. Returns one line per problem;
/// keys are named with `prefix` (e.g. `transforms.mask.`) as the user wrote
/// them.
pub fn check_against(
    defs: &[ConfigDef],
    entries: &[(String, String)],
    prefix: &str,
) -> Vec<String> {
    let mut problems = Vec::new();
    for def in defs {
        let value = get(entries, &def.name);
        let Some(value) = value else {
            if def.default_value.is_none() {
                problems.push(format!(
                    "Missing required configuration \"{prefix}{}\" which has no default value.",
                    def.name
                ));
            }
            continue;
        };
        let v = value.trim();
        let ok = match def.config_type {
            ConfigType::Int => v.parse::<i32>().is_ok(),
            ConfigType::Long => v.parse::<i64>().is_ok(),
            ConfigType::Short => v.parse::<i16>().is_ok(),
            ConfigType::Double => v.parse::<f64>().is_ok(),
            ConfigType::Boolean => {
                v.eq_ignore_ascii_case("true") || v.eq_ignore_ascii_case("false")
            }
            ConfigType::String | ConfigType::List | ConfigType::Class | ConfigType::Password => {
                true
            }
        };
        if !ok {
            let expected = match def.config_type {
                ConfigType::Boolean => "Expected value to be either true or false".to_owned(),
                other => format!("Not a number of type {}", other.name()),
            };
            problems.push(format!(
                "Invalid value {v} for configuration {prefix}{}: {expected}",
                def.name
            ));
        }
    }
    problems
}

/// The sandbox grants a plugin's config implies, and the config with every
/// granted path made absolute (the plugin sees paths exactly as the host
/// resolved them). A file is granted through its directory; the directory
/// must exist.
pub fn grants_for(
    defs: &[ConfigDef],
    entries: &[(String, String)],
    cwd: &Path,
) -> (Vec<(String, String)>, Grants) {
    let mut grants = Grants::default();
    let mut out = entries.to_vec();
    for def in defs {
        if def.access == PathAccess::None {
            continue;
        }
        let Some(slot) = out.iter_mut().rev().find(|(k, _)| *k == def.name) else {
            continue;
        };
        let value = slot.1.trim();
        if value.is_empty() {
            continue;
        }
        let path = absolute(cwd, Path::new(value));
        slot.1 = path.to_string_lossy().into_owned();
        let (dir, write) = match def.access {
            PathAccess::ReadFile => (path.parent().map(Path::to_path_buf), false),
            PathAccess::WriteFile => (path.parent().map(Path::to_path_buf), true),
            PathAccess::ReadDir => (Some(path.clone()), false),
            PathAccess::WriteDir => (Some(path.clone()), true),
            PathAccess::None => (None, false),
        };
        if let Some(dir) = dir {
            grants.add_dir(dir, write);
        }
    }
    (out, grants)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn entries(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn the_seed_sink_reads() {
        let c = ConnectorConfig::parse(entries(&[
            ("name", "local-file-sink"),
            (
                "connector.class",
                "org.apache.kafka.connect.file.FileStreamSinkConnector",
            ),
            ("tasks.max", "1"),
            ("file", "/tmp/test.sink.txt"),
            ("topics", "mytopic"),
        ]))
        .unwrap();
        assert_eq!(c.tasks_max, 1);
        assert_eq!(c.topics, vec!["mytopic"]);
        assert!(c.sink_problems().is_empty());
        assert_eq!(c.key_converter, None);
    }

    #[test]
    fn framework_problems_are_all_reported() {
        let err = ConnectorConfig::parse(entries(&[
            ("name", "x"),
            ("tasks.max", "0"),
            ("topics.regex", "("),
        ]))
        .unwrap_err();
        assert_eq!(err.source_name, "connector x");
        assert_eq!(err.problems.len(), 3, "{err}");
        assert!(err.problems[0].contains("connector.class"));
        assert!(err.problems[1].contains("tasks.max"));
        assert!(err.problems[2].starts_with("Invalid value ( for configuration topics.regex"));
    }

    #[test]
    fn transforms_predicates_and_errors() {
        let c = ConnectorConfig::parse(entries(&[
            ("name", "s"),
            ("connector.class", "X"),
            ("transforms", "a, b"),
            ("transforms.a.type", "InsertField$Value"),
            ("transforms.a.static.field", "f"),
            ("transforms.a.predicate", "p"),
            ("transforms.a.negate", "TRUE"),
            ("transforms.b.type", "Filter"),
            ("predicates", "p"),
            ("predicates.p.type", "TopicNameMatches"),
            ("predicates.p.pattern", "x.*"),
            ("errors.tolerance", "ALL"),
            ("errors.retry.timeout", "-1"),
            ("errors.deadletterqueue.topic.name", "dlq"),
            ("errors.deadletterqueue.topic.replication.factor", "1"),
        ]))
        .unwrap();
        assert_eq!(
            c.transforms[0],
            TransformSpec {
                alias: "a".into(),
                class: "InsertField$Value".into(),
                config: vec![("static.field".into(), "f".into())],
                predicate: Some("p".into()),
                negate: true,
            }
        );
        assert_eq!(c.transforms[1].predicate, None);
        assert_eq!(
            c.predicates[0].config,
            vec![("pattern".to_owned(), "x.*".to_owned())]
        );
        assert!(c.errors.tolerate_all);
        assert_eq!(c.errors.retry_timeout, None);
        assert_eq!(c.errors.dlq_topic.as_deref(), Some("dlq"));
        assert_eq!(c.errors.dlq_replication_factor, 1);

        let err = ConnectorConfig::parse(entries(&[
            ("name", "s"),
            ("connector.class", "X"),
            ("topics", "in,dlq"),
            ("transforms", "a,a,b"),
            ("transforms.a.type", "Filter"),
            ("transforms.a.predicate", "missing"),
            ("errors.tolerance", "some"),
            ("errors.deadletterqueue.topic.name", "dlq"),
        ]))
        .unwrap_err();
        assert_eq!(
            err.problems,
            vec![
                "Invalid value a for configuration transforms: Duplicate alias provided.",
                "Invalid value missing for configuration transforms.a.predicate: no predicate named missing is listed in predicates",
                "Missing required configuration \"transforms.b.type\" which has no default value.",
                "Invalid value some for configuration errors.tolerance: String must be one of: none, all",
                "The DLQ topic 'dlq' may not be included in the list of topics ('topics=in,dlq') to be consumed.",
            ]
        );
    }

    #[test]
    fn sink_topic_rules() {
        let both = ConnectorConfig::parse(entries(&[
            ("name", "s"),
            ("connector.class", "X"),
            ("topics", "a"),
            ("topics.regex", "b.*"),
        ]))
        .unwrap();
        assert_eq!(
            both.sink_problems(),
            vec!["topics and topics.regex are mutually exclusive options, but both are set."]
        );
        let none =
            ConnectorConfig::parse(entries(&[("name", "s"), ("connector.class", "X")])).unwrap();
        assert_eq!(
            none.sink_problems(),
            vec!["Must configure one of topics or topics.regex"]
        );
    }

    #[test]
    fn plugin_keys_are_checked_by_type() {
        let defs = vec![
            ConfigDef::new("file", ConfigType::String),
            ConfigDef::new("batch.size", ConfigType::Int).default_value("2000"),
            ConfigDef::new("flag", ConfigType::Boolean).default_value("false"),
        ];
        let problems = check_against(
            &defs,
            &entries(&[("batch.size", "lots"), ("flag", "yes")]),
            "",
        );
        assert_eq!(
            problems,
            vec![
                "Missing required configuration \"file\" which has no default value.",
                "Invalid value lots for configuration batch.size: Not a number of type INT",
                "Invalid value yes for configuration flag: Expected value to be either true or false",
            ]
        );
    }

    #[test]
    fn path_keys_become_grants() {
        let defs = vec![
            ConfigDef::new("file", ConfigType::String).access(PathAccess::WriteFile),
            ConfigDef::new("other", ConfigType::String),
        ];
        let (config, grants) = grants_for(
            &defs,
            &entries(&[("file", "out/sink.txt"), ("other", "x")]),
            Path::new("/work"),
        );
        assert_eq!(
            config,
            entries(&[("file", "/work/out/sink.txt"), ("other", "x")])
        );
        assert_eq!(grants.dirs.len(), 1);
        assert_eq!(grants.dirs[0].dir, PathBuf::from("/work/out"));
        assert!(grants.dirs[0].write);
    }
}
