//! A connector's configuration: the framework keys Apache Kafka Connect
//! defines (`name`, `connector.class`, `tasks.max`, converters, `topics`)
//! apart from the plugin's own keys, checked against the plugin's config
//! definitions, and the sandbox grants derived from them.

use std::path::Path;

use serde::Serialize;
use wasm_connect_sdk::{ConfigDef, ConfigType, PathAccess};

use super::worker::absolute;
use super::{ConfigErrors, dedupe, get, with_prefix};
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
        let topics = get(&entries, "topics")
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
/// present, values of the declared type. Returns one line per problem.
pub fn check_against(defs: &[ConfigDef], entries: &[(String, String)]) -> Vec<String> {
    let mut problems = Vec::new();
    for def in defs {
        let value = get(entries, &def.name);
        let Some(value) = value else {
            if def.default_value.is_none() {
                problems.push(format!(
                    "Missing required configuration \"{}\" which has no default value.",
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
                "Invalid value {v} for configuration {}: {expected}",
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
        let problems = check_against(&defs, &entries(&[("batch.size", "lots"), ("flag", "yes")]));
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
