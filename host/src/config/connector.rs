//! A connector's configuration: the framework keys Apache Kafka Connect
//! defines (`name`, `connector.class`, `tasks.max`, converters, `topics`)
//! apart from the plugin's own keys, checked against the plugin's config
//! definitions, and the sandbox grants derived from them.

use std::path::Path;

use serde::Serialize;
use wasm_connect_sdk::{ConfigDef, ConfigType, PathAccess};

use super::keys::{self, parse_typed};
use super::worker::absolute;
use super::{ConfigErrors, KeyProblem, dedupe, get, with_prefix};
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
            retry_timeout: Some(std::time::Duration::from_millis(
                keys::ERRORS_RETRY_TIMEOUT_DEFAULT.unsigned_abs(),
            )),
            retry_delay_max: std::time::Duration::from_millis(
                keys::ERRORS_RETRY_DELAY_MAX_MS_DEFAULT.unsigned_abs(),
            ),
            tolerate_all: false,
            log_enable: false,
            log_include_messages: false,
            dlq_topic: None,
            dlq_replication_factor: i32::from(keys::DLQ_TOPIC_REPLICATION_FACTOR_DEFAULT),
            dlq_context_headers: false,
        }
    }
}

/// The trimmed value of `key`; an empty value counts as unset.
fn setting<'a>(entries: &'a [(String, String)], key: &str) -> Option<&'a str> {
    get(entries, key).map(str::trim).filter(|v| !v.is_empty())
}

/// The value of `key` parsed as `config_type`, in canonical text; `None`
/// when unset or invalid (then a problem is recorded).
fn typed_setting(
    entries: &[(String, String)],
    key: &str,
    config_type: ConfigType,
    problems: &mut Vec<KeyProblem>,
) -> Option<String> {
    let v = setting(entries, key)?;
    parse_typed(config_type, v)
        .map_err(|reason| problems.push(KeyProblem::invalid(key, v, &reason)))
        .ok()
}

/// A boolean setting (Apache accepts `true`/`false` in any case).
fn bool_setting(
    entries: &[(String, String)],
    key: &str,
    default: bool,
    problems: &mut Vec<KeyProblem>,
) -> bool {
    typed_setting(entries, key, ConfigType::Boolean, problems).map_or(default, |v| v == "true")
}

/// An integer setting of `config_type` (INT, LONG or SHORT).
fn number_setting(
    entries: &[(String, String)],
    key: &str,
    config_type: ConfigType,
    default: i64,
    problems: &mut Vec<KeyProblem>,
) -> i64 {
    typed_setting(entries, key, config_type, problems)
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A setting that must be one of `allowed` (in any case); Apache's
/// `ValidString` message otherwise.
fn choice_setting(
    entries: &[(String, String)],
    key: &str,
    allowed: &[&'static str],
    problems: &mut Vec<KeyProblem>,
) -> Option<&'static str> {
    let v = setting(entries, key)?;
    let found = allowed.iter().find(|a| a.eq_ignore_ascii_case(v)).copied();
    if found.is_none() {
        problems.push(KeyProblem::invalid(
            key,
            v,
            &format!("String must be one of: {}", allowed.join(", ")),
        ));
    }
    found
}

/// The aliases listed in `key` (`transforms`, `predicates`), each once.
fn aliases(entries: &[(String, String)], key: &str, problems: &mut Vec<KeyProblem>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for alias in get(entries, key)
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|a| !a.is_empty())
    {
        if out.iter().any(|a| a == alias) {
            problems.push(KeyProblem::invalid(key, alias, "Duplicate alias provided."));
        } else {
            out.push(alias.to_owned());
        }
    }
    out
}

/// `predicates.<alias>.` or `transforms.<alias>.`.
pub fn alias_prefix(list_key: &str, alias: &str) -> String {
    format!("{list_key}.{alias}.")
}

/// The class named by `<prefix>type`, trimmed; a problem if there is none.
fn alias_class(
    entries: &[(String, String)],
    prefix: &str,
    problems: &mut Vec<KeyProblem>,
) -> String {
    let key = format!("{prefix}{}", keys::TYPE);
    let class = setting(entries, &key).unwrap_or("");
    if class.is_empty() {
        problems.push(KeyProblem::missing(&key));
    }
    class.to_owned()
}

fn parse_transforms(
    entries: &[(String, String)],
    problems: &mut Vec<KeyProblem>,
) -> (Vec<TransformSpec>, Vec<PredicateSpec>) {
    let mut predicates = Vec::new();
    for alias in aliases(entries, keys::PREDICATES, problems) {
        let prefix = alias_prefix(keys::PREDICATES, &alias);
        predicates.push(PredicateSpec {
            class: alias_class(entries, &prefix, problems),
            config: with_prefix(entries, &prefix)
                .into_iter()
                .filter(|(k, _)| k != keys::TYPE)
                .collect(),
            alias,
        });
    }
    let mut transforms = Vec::new();
    for alias in aliases(entries, keys::TRANSFORMS, problems) {
        let prefix = alias_prefix(keys::TRANSFORMS, &alias);
        let class = alias_class(entries, &prefix, problems);
        let predicate_key = format!("{prefix}{}", keys::PREDICATE);
        let negate_key = format!("{prefix}{}", keys::NEGATE);
        let predicate = setting(entries, &predicate_key).map(str::to_owned);
        if let Some(p) = &predicate
            && !predicates.iter().any(|d: &PredicateSpec| d.alias == *p)
        {
            problems.push(KeyProblem::invalid(
                &predicate_key,
                p,
                &format!("no predicate named {p} is listed in predicates"),
            ));
        }
        let negate = bool_setting(entries, &negate_key, false, problems);
        // Apache checks this in the validator of the `type` key.
        if get(entries, &negate_key).is_some() && get(entries, &predicate_key).is_none() {
            problems.push(KeyProblem::new(
                format!("{prefix}{}", keys::TYPE),
                format!(
                    "Config '{negate_key}' was provided but there is no config '{predicate_key}' defining a predicate to be negated."
                ),
            ));
        }
        transforms.push(TransformSpec {
            class,
            config: with_prefix(entries, &prefix)
                .into_iter()
                .filter(|(k, _)| ![keys::TYPE, keys::PREDICATE, keys::NEGATE].contains(&k.as_str()))
                .collect(),
            predicate,
            negate,
            alias,
        });
    }
    (transforms, predicates)
}

fn parse_errors(entries: &[(String, String)], problems: &mut Vec<KeyProblem>) -> ErrorConfig {
    let defaults = ErrorConfig::default();
    let retry = number_setting(
        entries,
        keys::ERRORS_RETRY_TIMEOUT,
        ConfigType::Long,
        keys::ERRORS_RETRY_TIMEOUT_DEFAULT,
        problems,
    );
    let retry_timeout = match retry {
        -1 => None,
        ms if ms >= 0 => Some(std::time::Duration::from_millis(ms.unsigned_abs())),
        ms => {
            problems.push(KeyProblem::invalid(
                keys::ERRORS_RETRY_TIMEOUT,
                &ms.to_string(),
                "must be -1 (retry forever) or at least 0",
            ));
            defaults.retry_timeout
        }
    };
    let delay = number_setting(
        entries,
        keys::ERRORS_RETRY_DELAY_MAX_MS,
        ConfigType::Long,
        keys::ERRORS_RETRY_DELAY_MAX_MS_DEFAULT,
        problems,
    );
    let tolerate_all =
        choice_setting(entries, keys::ERRORS_TOLERANCE, &["none", "all"], problems) == Some("all");
    let rf = number_setting(
        entries,
        keys::DLQ_TOPIC_REPLICATION_FACTOR,
        ConfigType::Short,
        i64::from(keys::DLQ_TOPIC_REPLICATION_FACTOR_DEFAULT),
        problems,
    );
    if rf < 1 {
        problems.push(KeyProblem::invalid(
            keys::DLQ_TOPIC_REPLICATION_FACTOR,
            &rf.to_string(),
            "Value must be at least 1",
        ));
    }
    ErrorConfig {
        retry_timeout,
        retry_delay_max: std::time::Duration::from_millis(delay.max(0).unsigned_abs()),
        tolerate_all,
        log_enable: bool_setting(entries, keys::ERRORS_LOG_ENABLE, false, problems),
        log_include_messages: bool_setting(
            entries,
            keys::ERRORS_LOG_INCLUDE_MESSAGES,
            false,
            problems,
        ),
        dlq_topic: setting(entries, keys::DLQ_TOPIC_NAME).map(str::to_owned),
        dlq_replication_factor: rf.clamp(1, i64::from(i16::MAX)) as i32,
        dlq_context_headers: bool_setting(
            entries,
            keys::DLQ_CONTEXT_HEADERS_ENABLE,
            false,
            problems,
        ),
    }
}

impl ConnectorConfig {
    /// Read the framework keys; every problem is reported at once.
    pub fn parse(entries: Vec<(String, String)>) -> Result<Self, ConfigErrors> {
        let (config, problems) = Self::parse_checked(entries);
        if problems.is_empty() {
            return Ok(config);
        }
        Err(ConfigErrors {
            source_name: if config.name.trim().is_empty() {
                "connector config".to_owned()
            } else {
                format!("connector {}", config.name)
            },
            problems: problems.into_iter().map(|p| p.message).collect(),
        })
    }

    /// Read the framework keys as well as they can be read, with every
    /// problem and the key it belongs to (for `config/validate`). A bad
    /// value leaves its key's default in the result.
    pub fn parse_checked(entries: Vec<(String, String)>) -> (Self, Vec<KeyProblem>) {
        let entries = dedupe(entries);
        let mut problems = Vec::new();
        let name = get(&entries, keys::NAME).unwrap_or("").to_owned();
        if name.trim().is_empty() {
            problems.push(KeyProblem::new(
                keys::NAME,
                "Missing required configuration \"name\": a connector needs a non-empty name",
            ));
        } else if name.chars().any(char::is_control) {
            problems.push(KeyProblem::new(
                keys::NAME,
                format!(
                    "Invalid value {name:?} for configuration name: connector names may not contain control characters"
                ),
            ));
        }
        let class = setting(&entries, keys::CONNECTOR_CLASS)
            .unwrap_or("")
            .to_owned();
        if class.is_empty() {
            problems.push(KeyProblem::missing(keys::CONNECTOR_CLASS));
        }
        let tasks_max = number_setting(
            &entries,
            keys::TASKS_MAX,
            ConfigType::Int,
            i64::from(keys::TASKS_MAX_DEFAULT),
            &mut problems,
        );
        if tasks_max < 1 {
            problems.push(KeyProblem::invalid(
                keys::TASKS_MAX,
                &tasks_max.to_string(),
                "Value must be at least 1",
            ));
        }
        let converter = |key: &str| -> Option<ConverterSpec> {
            setting(&entries, key).map(|class| ConverterSpec {
                class: class.to_owned(),
                config: with_prefix(&entries, &format!("{key}.")),
            })
        };
        let topics: Vec<String> = get(&entries, keys::TOPICS)
            .map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let topics_regex = setting(&entries, keys::TOPICS_REGEX).map(str::to_owned);
        if let Some(re) = &topics_regex
            && let Err(e) = regex::Regex::new(re)
        {
            problems.push(KeyProblem::invalid(keys::TOPICS_REGEX, re, &e.to_string()));
        }
        let (transforms, predicates) = parse_transforms(&entries, &mut problems);
        choice_setting(
            &entries,
            keys::CONFIG_ACTION_RELOAD,
            &["none", "restart"],
            &mut problems,
        );
        let errors = parse_errors(&entries, &mut problems);
        let config = Self {
            key_converter: converter(keys::KEY_CONVERTER),
            value_converter: converter(keys::VALUE_CONVERTER),
            header_converter: converter(keys::HEADER_CONVERTER),
            name,
            class,
            tasks_max: u32::try_from(tasks_max.max(1)).unwrap_or(keys::TASKS_MAX_DEFAULT),
            topics,
            topics_regex,
            transforms,
            predicates,
            errors,
            entries,
        };
        (config, problems)
    }

    /// The problems with a sink's topic settings (Apache's messages).
    pub fn sink_problems(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for p in self.sink_key_problems() {
            if !out.contains(&p.message) {
                out.push(p.message);
            }
        }
        out
    }

    /// The problems with a sink's topic settings, under each key Apache
    /// shows them: a problem of `topics` and `topics.regex` together is
    /// listed under both.
    pub fn sink_key_problems(&self) -> Vec<KeyProblem> {
        let mut out = Vec::new();
        let both =
            |message: &str| [keys::TOPICS, keys::TOPICS_REGEX].map(|k| KeyProblem::new(k, message));
        match (self.topics.is_empty(), &self.topics_regex) {
            (false, Some(_)) => out.extend(both(
                "topics and topics.regex are mutually exclusive options, but both are set.",
            )),
            (true, None) => out.extend(both("Must configure one of topics or topics.regex")),
            _ => {}
        }
        let Some(dlq) = &self.errors.dlq_topic else {
            return out;
        };
        if self.topics.contains(dlq) {
            let mut topics: Vec<&str> = Vec::new();
            for t in &self.topics {
                if !topics.contains(&t.as_str()) {
                    topics.push(t);
                }
            }
            out.push(KeyProblem::new(
                keys::TOPICS,
                format!(
                    "The DLQ topic '{dlq}' may not be included in the list of topics ('topics=[{}]') consumed by the connector",
                    topics.join(", ")
                ),
            ));
        }
        if let Some(re) = &self.topics_regex
            && regex::Regex::new(&format!("^(?:{re})$")).is_ok_and(|r| r.is_match(dlq))
        {
            out.push(KeyProblem::new(
                keys::TOPICS_REGEX,
                format!(
                    "The DLQ topic '{dlq}' may not be matched by the regex for the topics ('topics.regex={re}') consumed by the connector"
                ),
            ));
        }
        out
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
    check_keys(defs, entries, prefix)
        .into_iter()
        .map(|p| p.message)
        .collect()
}

/// As [`check_against`], each problem with its key (prefixed).
pub fn check_keys(
    defs: &[ConfigDef],
    entries: &[(String, String)],
    prefix: &str,
) -> Vec<KeyProblem> {
    let mut problems = Vec::new();
    for def in defs {
        let key = format!("{prefix}{}", def.name);
        match get(entries, &def.name) {
            None if def.default_value.is_none() => problems.push(KeyProblem::missing(&key)),
            None => {}
            Some(value) => {
                if let Err(reason) = parse_typed(def.config_type, value) {
                    problems.push(KeyProblem::invalid(&key, value.trim(), &reason));
                }
            }
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
        // Kafka clusters are granted by `kafka_grants`, not as paths.
        if matches!(def.access, PathAccess::None | PathAccess::KafkaCluster) {
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
            PathAccess::None | PathAccess::KafkaCluster => (None, false),
        };
        if let Some(dir) = dir {
            grants.add_dir(dir, write);
        }
    }
    (out, grants)
}

/// `plugin.grant.read.paths`: more folders a connector's plugins may read.
pub const GRANT_READ: &str = "plugin.grant.read.paths";
/// `plugin.grant.write.paths`: more folders they may read and write.
pub const GRANT_WRITE: &str = "plugin.grant.write.paths";
/// `plugin.grant.hosts`: `host:port`s they may open TCP connections to.
pub const GRANT_HOSTS: &str = "plugin.grant.hosts";

/// The grants a connector's configuration adds explicitly, beyond those
/// its plugin's path settings imply: folders (made absolute) and
/// `host:port`s. Bad entries are problems naming the key.
pub fn explicit_grants(
    entries: &[(String, String)],
    cwd: &Path,
    problems: &mut Vec<String>,
) -> Grants {
    let mut grants = Grants::default();
    let list = |key: &str| -> Vec<String> {
        get(entries, key)
            .map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    };
    for (key, write) in [(GRANT_READ, false), (GRANT_WRITE, true)] {
        for p in list(key) {
            grants.add_dir(absolute(cwd, Path::new(&p)), write);
        }
    }
    for host in list(GRANT_HOSTS) {
        let valid = host
            .rsplit_once(':')
            .is_some_and(|(h, port)| !h.is_empty() && port.parse::<u16>().is_ok_and(|p| p > 0));
        if valid {
            grants.hosts.push(host);
        } else {
            problems.push(format!(
                "Invalid value {host} for configuration {GRANT_HOSTS}: expected host:port"
            ));
        }
    }
    grants
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::test_entries as entries;
    use std::path::PathBuf;

    #[test]
    fn explicit_grants_add_folders_and_hosts() {
        let mut problems = Vec::new();
        let g = explicit_grants(
            &entries(&[
                (GRANT_READ, "data, /etc/app"),
                (GRANT_WRITE, "/var/out"),
                (GRANT_HOSTS, "db.example:5432,10.0.0.1:80,nope,x:0"),
            ]),
            Path::new("/work"),
            &mut problems,
        );
        let dirs: Vec<(String, bool)> = g
            .dirs
            .iter()
            .map(|d| (d.dir.display().to_string(), d.write))
            .collect();
        assert_eq!(
            dirs,
            vec![
                ("/work/data".to_string(), false),
                ("/etc/app".to_string(), false),
                ("/var/out".to_string(), true)
            ]
        );
        assert_eq!(g.hosts, vec!["db.example:5432", "10.0.0.1:80"]);
        assert_eq!(problems.len(), 2, "{problems:?}");
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
            ("transforms.b.negate", "true"),
            ("config.action.reload", "RELOAD"),
            ("errors.tolerance", "some"),
            ("errors.deadletterqueue.topic.name", "dlq"),
            ("errors.deadletterqueue.topic.replication.factor", "40000"),
        ]))
        .unwrap_err();
        assert_eq!(
            err.problems,
            vec![
                "Invalid value a for configuration transforms: Duplicate alias provided.",
                "Invalid value missing for configuration transforms.a.predicate: no predicate named missing is listed in predicates",
                "Missing required configuration \"transforms.b.type\" which has no default value.",
                "Config 'transforms.b.negate' was provided but there is no config 'transforms.b.predicate' defining a predicate to be negated.",
                "Invalid value RELOAD for configuration config.action.reload: String must be one of: none, restart",
                "Invalid value some for configuration errors.tolerance: String must be one of: none, all",
                "Invalid value 40000 for configuration errors.deadletterqueue.topic.replication.factor: Not a number of type SHORT",
            ]
        );
    }

    #[test]
    fn problems_carry_their_keys() {
        let (config, problems) = ConnectorConfig::parse_checked(entries(&[
            ("name", "s"),
            ("connector.class", "X"),
            ("tasks.max", "many"),
            ("transforms", "a"),
            ("transforms.a.type", "Filter"),
            ("transforms.a.negate", "maybe"),
            ("errors.log.enable", "TRUE"),
            ("config.action.reload", "None"),
        ]));
        assert_eq!(config.tasks_max, 1);
        assert!(config.errors.log_enable);
        let keys: Vec<&str> = problems.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(
            keys,
            vec!["tasks.max", "transforms.a.negate", "transforms.a.type"]
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
        assert_eq!(
            none.sink_key_problems(),
            vec![
                KeyProblem::new("topics", "Must configure one of topics or topics.regex"),
                KeyProblem::new(
                    "topics.regex",
                    "Must configure one of topics or topics.regex"
                ),
            ]
        );
        let dlq = ConnectorConfig::parse(entries(&[
            ("name", "s"),
            ("connector.class", "X"),
            ("topics", "in, dlq,in"),
            ("errors.deadletterqueue.topic.name", "dlq"),
        ]))
        .unwrap();
        assert_eq!(
            dlq.sink_problems(),
            vec![
                "The DLQ topic 'dlq' may not be included in the list of topics ('topics=[in, dlq]') consumed by the connector"
            ]
        );
        let dlq = ConnectorConfig::parse(entries(&[
            ("name", "s"),
            ("connector.class", "X"),
            ("topics.regex", "d.q|in"),
            ("errors.deadletterqueue.topic.name", "dlq"),
        ]))
        .unwrap();
        assert_eq!(
            dlq.sink_key_problems(),
            vec![KeyProblem::new(
                "topics.regex",
                "The DLQ topic 'dlq' may not be matched by the regex for the topics ('topics.regex=d.q|in') consumed by the connector"
            )]
        );
        // The regex must match the whole name.
        let partial = ConnectorConfig::parse(entries(&[
            ("name", "s"),
            ("connector.class", "X"),
            ("topics.regex", "dl"),
            ("errors.deadletterqueue.topic.name", "dlq"),
        ]))
        .unwrap();
        assert!(partial.sink_problems().is_empty());
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
