//! The framework keys of a connector configuration, defined once: their
//! names, types, defaults and the metadata `PUT
//! /connector-plugins/{plugin}/config/validate` shows, as Apache Kafka
//! Connect's `ConnectorConfig` and `SinkConnectorConfig` define them; and
//! the parsing of a value by its declared type, shared by the framework
//! keys and the plugins' own keys.
//!
//! Left out because this engine does not implement them: `tasks.max.enforce`,
//! `connector.plugin.version` and the converters' version keys, the source
//! keys `topic.creation.*`, `exactly.once.support`, `transaction.boundary*`
//! and `offsets.storage.topic`.

use regex::Regex;
use std::sync::LazyLock;
use wasm_connect_sdk::{ConfigType, Importance};

use super::connector::ConnectorType;

/// `name`.
pub const NAME: &str = "name";
/// `connector.class`.
pub const CONNECTOR_CLASS: &str = "connector.class";
/// `tasks.max`.
pub const TASKS_MAX: &str = "tasks.max";
/// `key.converter`.
pub const KEY_CONVERTER: &str = "key.converter";
/// `value.converter`.
pub const VALUE_CONVERTER: &str = "value.converter";
/// `header.converter`.
pub const HEADER_CONVERTER: &str = "header.converter";
/// `transforms`.
pub const TRANSFORMS: &str = "transforms";
/// `predicates`.
pub const PREDICATES: &str = "predicates";
/// `config.action.reload`.
pub const CONFIG_ACTION_RELOAD: &str = "config.action.reload";
/// `errors.retry.timeout`.
pub const ERRORS_RETRY_TIMEOUT: &str = "errors.retry.timeout";
/// `errors.retry.delay.max.ms`.
pub const ERRORS_RETRY_DELAY_MAX_MS: &str = "errors.retry.delay.max.ms";
/// `errors.tolerance`.
pub const ERRORS_TOLERANCE: &str = "errors.tolerance";
/// `errors.log.enable`.
pub const ERRORS_LOG_ENABLE: &str = "errors.log.enable";
/// `errors.log.include.messages`.
pub const ERRORS_LOG_INCLUDE_MESSAGES: &str = "errors.log.include.messages";
/// `topics` (sinks).
pub const TOPICS: &str = "topics";
/// `topics.regex` (sinks).
pub const TOPICS_REGEX: &str = "topics.regex";
/// `errors.deadletterqueue.topic.name` (sinks).
pub const DLQ_TOPIC_NAME: &str = "errors.deadletterqueue.topic.name";
/// `errors.deadletterqueue.topic.replication.factor` (sinks).
pub const DLQ_TOPIC_REPLICATION_FACTOR: &str = "errors.deadletterqueue.topic.replication.factor";
/// `errors.deadletterqueue.context.headers.enable` (sinks).
pub const DLQ_CONTEXT_HEADERS_ENABLE: &str = "errors.deadletterqueue.context.headers.enable";

/// A transform's or predicate's class: `transforms.<alias>.type`.
pub const TYPE: &str = "type";
/// A transform's predicate alias: `transforms.<alias>.predicate`.
pub const PREDICATE: &str = "predicate";
/// Whether a transform's predicate is negated: `transforms.<alias>.negate`.
pub const NEGATE: &str = "negate";

/// `tasks.max` when unset.
pub const TASKS_MAX_DEFAULT: u32 = 1;
/// `errors.retry.timeout` when unset: no retries.
pub const ERRORS_RETRY_TIMEOUT_DEFAULT: i64 = 0;
/// `errors.retry.delay.max.ms` when unset.
pub const ERRORS_RETRY_DELAY_MAX_MS_DEFAULT: i64 = 60_000;
/// `errors.deadletterqueue.topic.replication.factor` when unset.
pub const DLQ_TOPIC_REPLICATION_FACTOR_DEFAULT: i16 = 3;

/// Apache's group of the keys every connector has.
pub const COMMON_GROUP: &str = "Common";
/// Apache's group of `transforms`; each alias gets `Transforms: <alias>`.
pub const TRANSFORMS_GROUP: &str = "Transforms";
/// Apache's group of `predicates`; each alias gets `Predicates: <alias>`.
pub const PREDICATES_GROUP: &str = "Predicates";
/// Apache's group of the `errors.*` keys.
pub const ERROR_GROUP: &str = "Error Handling";

/// How wide a UI should draw a value's field (Apache's `ConfigDef.Width`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Width {
    /// No preference (every key a plugin defines).
    None,
    /// Short.
    Short,
    /// Medium.
    Medium,
    /// Long.
    Long,
}

impl Width {
    /// Apache's upper-case name.
    pub fn name(self) -> &'static str {
        match self {
            Self::None => "NONE",
            Self::Short => "SHORT",
            Self::Medium => "MEDIUM",
            Self::Long => "LONG",
        }
    }
}

/// A key's default. Apache tells a key without a default (required) from
/// one whose default is null (optional, and unset means "inherit", as for
/// the converters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyDefault {
    /// Required.
    Required,
    /// Optional, no value.
    Null,
    /// Optional, this value as the user would write it.
    Value(&'static str),
}

/// One framework key's definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyDef {
    /// The key.
    pub name: &'static str,
    /// Its type.
    pub config_type: ConfigType,
    /// Its default.
    pub default: KeyDefault,
    /// How much it matters.
    pub importance: Importance,
    /// What it does.
    pub documentation: &'static str,
    /// Its group.
    pub group: &'static str,
    /// Its place in the group (Apache's numbers, so a UI sorts as for
    /// Apache).
    pub order: i32,
    /// How wide to draw it.
    pub width: Width,
    /// Its label.
    pub display_name: &'static str,
}

const CONVERTER_DOC: &str = "Converter between Kafka Connect's data and the bytes of record keys (key.converter) or values (value.converter) in Kafka. Unset: the worker's converter.";

/// The keys every connector has, in Apache's order.
pub static COMMON_KEYS: [KeyDef; 14] = [
    KeyDef {
        name: NAME,
        config_type: ConfigType::String,
        default: KeyDefault::Required,
        importance: Importance::High,
        documentation: "Globally unique name to use for this connector.",
        group: COMMON_GROUP,
        order: 1,
        width: Width::Medium,
        display_name: "Connector name",
    },
    KeyDef {
        name: CONNECTOR_CLASS,
        config_type: ConfigType::String,
        default: KeyDefault::Required,
        importance: Importance::High,
        documentation: "Name or alias of the connector plugin: its full name, an Apache class name it declares (org.apache.kafka.connect.file.FileStreamSinkConnector), the simple name (FileStreamSinkConnector) or the simple name without 'Connector' (FileStreamSink).",
        group: COMMON_GROUP,
        order: 2,
        width: Width::Long,
        display_name: "Connector class",
    },
    KeyDef {
        name: TASKS_MAX,
        config_type: ConfigType::Int,
        default: KeyDefault::Value("1"),
        importance: Importance::High,
        documentation: "Maximum number of tasks to use for this connector.",
        group: COMMON_GROUP,
        order: 3,
        width: Width::Short,
        display_name: "Tasks max",
    },
    KeyDef {
        name: KEY_CONVERTER,
        config_type: ConfigType::Class,
        default: KeyDefault::Null,
        importance: Importance::Low,
        documentation: CONVERTER_DOC,
        group: COMMON_GROUP,
        order: 5,
        width: Width::Short,
        display_name: "Key converter class",
    },
    KeyDef {
        name: VALUE_CONVERTER,
        config_type: ConfigType::Class,
        default: KeyDefault::Null,
        importance: Importance::Low,
        documentation: CONVERTER_DOC,
        group: COMMON_GROUP,
        order: 6,
        width: Width::Short,
        display_name: "Value converter class",
    },
    KeyDef {
        name: HEADER_CONVERTER,
        config_type: ConfigType::Class,
        default: KeyDefault::Null,
        importance: Importance::Low,
        documentation: "Header converter between Kafka Connect's data and the bytes of record header values in Kafka. Unset: the worker's header converter (SimpleHeaderConverter by default).",
        group: COMMON_GROUP,
        order: 7,
        width: Width::Short,
        display_name: "Header converter class",
    },
    KeyDef {
        name: TRANSFORMS,
        config_type: ConfigType::List,
        default: KeyDefault::Value(""),
        importance: Importance::Low,
        documentation: "Aliases for the transformations to be applied to records.",
        group: TRANSFORMS_GROUP,
        order: 8,
        width: Width::Long,
        display_name: "Transforms",
    },
    KeyDef {
        name: PREDICATES,
        config_type: ConfigType::List,
        default: KeyDefault::Value(""),
        importance: Importance::Low,
        documentation: "Aliases for the predicates used by transformations.",
        group: PREDICATES_GROUP,
        order: 9,
        width: Width::Long,
        display_name: "Predicates",
    },
    KeyDef {
        name: CONFIG_ACTION_RELOAD,
        config_type: ConfigType::String,
        default: KeyDefault::Value("restart"),
        importance: Importance::Low,
        documentation: "What to do when a config provider reports that values of this configuration changed: 'none' or 'restart'. Accepted for compatibility; this engine does not reload yet.",
        group: COMMON_GROUP,
        order: 10,
        width: Width::Medium,
        display_name: "Reload Action",
    },
    KeyDef {
        name: ERRORS_RETRY_TIMEOUT,
        config_type: ConfigType::Long,
        default: KeyDefault::Value("0"),
        importance: Importance::Medium,
        documentation: "How long, in milliseconds, a failed operation is retried. 0 (the default) means no retries; -1 retries forever.",
        group: ERROR_GROUP,
        order: 1,
        width: Width::Medium,
        display_name: "Retry Timeout for Errors",
    },
    KeyDef {
        name: ERRORS_RETRY_DELAY_MAX_MS,
        config_type: ConfigType::Long,
        default: KeyDefault::Value("60000"),
        importance: Importance::Medium,
        documentation: "The longest wait, in milliseconds, between two retries of a failed operation.",
        group: ERROR_GROUP,
        order: 2,
        width: Width::Medium,
        display_name: "Maximum Delay Between Retries for Errors",
    },
    KeyDef {
        name: ERRORS_TOLERANCE,
        config_type: ConfigType::String,
        default: KeyDefault::Value("none"),
        importance: Importance::Medium,
        documentation: "'none' (the default): any error fails the task at once; 'all': problematic records are skipped.",
        group: ERROR_GROUP,
        order: 3,
        width: Width::Short,
        display_name: "Error Tolerance",
    },
    KeyDef {
        name: ERRORS_LOG_ENABLE,
        config_type: ConfigType::Boolean,
        default: KeyDefault::Value("false"),
        importance: Importance::Medium,
        documentation: "Whether to log each error and the operation that failed; by default only errors that are not tolerated are reported.",
        group: ERROR_GROUP,
        order: 4,
        width: Width::Short,
        display_name: "Log Errors",
    },
    KeyDef {
        name: ERRORS_LOG_INCLUDE_MESSAGES,
        config_type: ConfigType::Boolean,
        default: KeyDefault::Value("false"),
        importance: Importance::Medium,
        documentation: "Whether the error log includes the record that failed (for sinks its topic, partition, offset and timestamp; for sources its key, value, headers and offsets). Off by default, so record contents stay out of the logs.",
        group: ERROR_GROUP,
        order: 5,
        width: Width::Short,
        display_name: "Log Error Details",
    },
];

/// The keys only sink connectors have, in Apache's order (after the
/// common ones).
pub static SINK_KEYS: [KeyDef; 5] = [
    KeyDef {
        name: TOPICS,
        config_type: ConfigType::List,
        default: KeyDefault::Value(""),
        importance: Importance::High,
        documentation: "List of topics to consume, separated by commas",
        group: COMMON_GROUP,
        order: 4,
        width: Width::Long,
        display_name: "Topics",
    },
    KeyDef {
        name: TOPICS_REGEX,
        config_type: ConfigType::String,
        default: KeyDefault::Value(""),
        importance: Importance::High,
        documentation: "Regular expression giving topics to consume; it must match a whole topic name. Only one of topics or topics.regex should be specified.",
        group: COMMON_GROUP,
        order: 4,
        width: Width::Long,
        display_name: "Topics regex",
    },
    KeyDef {
        name: DLQ_TOPIC_NAME,
        config_type: ConfigType::String,
        default: KeyDefault::Value(""),
        importance: Importance::Medium,
        documentation: "The topic used as the dead letter queue for records that fail in this sink connector, its transformations or converters. Empty (the default): no dead letter queue.",
        group: ERROR_GROUP,
        order: 6,
        width: Width::Medium,
        display_name: "Dead Letter Queue Topic Name",
    },
    KeyDef {
        name: DLQ_TOPIC_REPLICATION_FACTOR,
        config_type: ConfigType::Short,
        default: KeyDefault::Value("3"),
        importance: Importance::Medium,
        documentation: "Replication factor of the dead letter queue topic when it has to be created.",
        group: ERROR_GROUP,
        order: 7,
        width: Width::Medium,
        display_name: "Dead Letter Queue Topic Replication Factor",
    },
    KeyDef {
        name: DLQ_CONTEXT_HEADERS_ENABLE,
        config_type: ConfigType::Boolean,
        default: KeyDefault::Value("false"),
        importance: Importance::Medium,
        documentation: "Whether records written to the dead letter queue carry headers describing the error; their keys start with __connect.errors.",
        group: ERROR_GROUP,
        order: 8,
        width: Width::Medium,
        display_name: "Enable Error Context Headers",
    },
];

/// The framework keys of a connector of `kind`, in Apache's order.
pub fn framework_keys(kind: ConnectorType) -> impl Iterator<Item = &'static KeyDef> {
    let sink: &'static [KeyDef] = match kind {
        ConnectorType::Sink => &SINK_KEYS,
        ConnectorType::Source => &[],
    };
    COMMON_KEYS.iter().chain(sink)
}

/// The definition of the framework key `name`, if it is one.
pub fn framework_key(name: &str) -> Option<&'static KeyDef> {
    COMMON_KEYS
        .iter()
        .chain(&SINK_KEYS)
        .find(|k| k.name == name)
}

/// Apache's splitter of LIST values: a comma with any white space around.
static LIST_SEPARATOR: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"\s*,\s*").ok());

/// `raw` parsed as Apache's `ConfigDef.parseType` parses a value of
/// `config_type`, in the text Apache's `convertToString` gives back
/// (trimmed, `true`/`false`, numbers without leading zeros, lists joined
/// by `,`). The error is Apache's reason, to follow `Invalid value … for
/// configuration …: `. CLASS values are only trimmed: finding the plugin is
/// the caller's job.
pub fn parse_typed(config_type: ConfigType, raw: &str) -> Result<String, String> {
    let v = raw.trim();
    let not_a_number = || format!("Not a number of type {}", config_type.name());
    match config_type {
        ConfigType::Boolean if v.eq_ignore_ascii_case("true") => Ok("true".to_owned()),
        ConfigType::Boolean if v.eq_ignore_ascii_case("false") => Ok("false".to_owned()),
        ConfigType::Boolean => Err("Expected value to be either true or false".to_owned()),
        ConfigType::Int => v
            .parse::<i32>()
            .map(|n| n.to_string())
            .map_err(|_| not_a_number()),
        ConfigType::Long => v
            .parse::<i64>()
            .map(|n| n.to_string())
            .map_err(|_| not_a_number()),
        ConfigType::Short => v
            .parse::<i16>()
            .map(|n| n.to_string())
            .map_err(|_| not_a_number()),
        ConfigType::Double => v
            .parse::<f64>()
            .map(wasm_connect_sdk::java::double_to_string)
            .map_err(|_| not_a_number()),
        ConfigType::List => Ok(match LIST_SEPARATOR.as_ref() {
            Some(re) if !v.is_empty() => re.split(v).collect::<Vec<_>>().join(","),
            _ => v.to_owned(),
        }),
        ConfigType::String | ConfigType::Class | ConfigType::Password => Ok(v.to_owned()),
    }
}

/// What Apache shows instead of a password (`Password.toString()`).
pub const HIDDEN: &str = "[hidden]";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_defaults_match_the_typed_defaults() {
        let default = |name| match framework_key(name).map(|k| k.default) {
            Some(KeyDefault::Value(v)) => v,
            other => panic!("{name}: {other:?}"),
        };
        assert_eq!(default(TASKS_MAX), TASKS_MAX_DEFAULT.to_string());
        assert_eq!(
            default(ERRORS_RETRY_TIMEOUT),
            ERRORS_RETRY_TIMEOUT_DEFAULT.to_string()
        );
        assert_eq!(
            default(ERRORS_RETRY_DELAY_MAX_MS),
            ERRORS_RETRY_DELAY_MAX_MS_DEFAULT.to_string()
        );
        assert_eq!(
            default(DLQ_TOPIC_REPLICATION_FACTOR),
            DLQ_TOPIC_REPLICATION_FACTOR_DEFAULT.to_string()
        );
        for key in framework_keys(ConnectorType::Sink) {
            if let KeyDefault::Value(v) = key.default {
                assert_eq!(
                    parse_typed(key.config_type, v).as_deref(),
                    Ok(v),
                    "{}",
                    key.name
                );
            }
        }
    }

    #[test]
    fn keys_in_apaches_order() {
        let names: Vec<&str> = framework_keys(ConnectorType::Source)
            .map(|k| k.name)
            .collect();
        assert_eq!(
            names,
            [
                NAME,
                CONNECTOR_CLASS,
                TASKS_MAX,
                KEY_CONVERTER,
                VALUE_CONVERTER,
                HEADER_CONVERTER,
                TRANSFORMS,
                PREDICATES,
                CONFIG_ACTION_RELOAD,
                ERRORS_RETRY_TIMEOUT,
                ERRORS_RETRY_DELAY_MAX_MS,
                ERRORS_TOLERANCE,
                ERRORS_LOG_ENABLE,
                ERRORS_LOG_INCLUDE_MESSAGES,
            ]
        );
        assert_eq!(framework_keys(ConnectorType::Sink).count(), names.len() + 5);
        assert!(framework_key(TOPICS).is_some());
        assert!(framework_key("file").is_none());
    }

    #[test]
    fn values_parse_as_apache_parses_them() {
        assert_eq!(
            parse_typed(ConfigType::Boolean, " TRUE "),
            Ok("true".into())
        );
        assert_eq!(
            parse_typed(ConfigType::Boolean, "yes"),
            Err("Expected value to be either true or false".into())
        );
        assert_eq!(parse_typed(ConfigType::Int, " 007"), Ok("7".into()));
        assert_eq!(
            parse_typed(ConfigType::Int, "3000000000"),
            Err("Not a number of type INT".into())
        );
        assert_eq!(
            parse_typed(ConfigType::Long, "3000000000"),
            Ok("3000000000".into())
        );
        assert_eq!(
            parse_typed(ConfigType::Short, "40000"),
            Err("Not a number of type SHORT".into())
        );
        assert_eq!(parse_typed(ConfigType::Double, "1e7"), Ok("1.0E7".into()));
        assert_eq!(
            parse_typed(ConfigType::List, " a , b,,c "),
            Ok("a,b,,c".into())
        );
        assert_eq!(parse_typed(ConfigType::List, "  "), Ok("".into()));
        assert_eq!(parse_typed(ConfigType::String, " x "), Ok("x".into()));
    }
}
