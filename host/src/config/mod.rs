//! Configuration: `.properties` parsing with Java's rules, the worker's
//! settings, connector configurations (their framework keys defined once in
//! [`keys`]), the config providers that fill in their `${provider:path:key}`
//! variables, and the validation `PUT /connector-plugins/{p}/config/validate`
//! shows.

pub mod connector;
pub mod kafka_grants;
pub mod keys;
pub mod properties;
pub mod providers;
pub mod validate;
pub mod worker;

pub use connector::{ConnectorConfig, ConnectorType, ConverterSpec};
pub use providers::{ConfigProvider, ConfigProviders, ProviderError};
pub use validate::{ConfigInfos, Validation};
pub use worker::WorkerConfig;

/// Several problems with one configuration, reported together so a user
/// fixes them in one go.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", render(.source_name, .problems))]
pub struct ConfigErrors {
    /// What was being read ("worker config worker.properties", "connector my-sink").
    pub source_name: String,
    /// One line per problem, each naming its key.
    pub problems: Vec<String>,
}

/// One problem with one key: the message Apache shows (it names the key
/// itself) and the key `config/validate` lists it under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyProblem {
    /// The key, with any prefix (`transforms.mask.fields`).
    pub key: String,
    /// What is wrong, in Apache's words.
    pub message: String,
}

impl KeyProblem {
    /// A problem of `key`.
    pub fn new(key: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            message: message.into(),
        }
    }

    /// Apache's message for a value that does not fit `key`.
    pub fn invalid(key: &str, value: &str, reason: &str) -> Self {
        Self::new(
            key,
            format!("Invalid value {value} for configuration {key}: {reason}"),
        )
    }

    /// Apache's message for a required `key` without a value.
    pub fn missing(key: &str) -> Self {
        Self::new(
            key,
            format!("Missing required configuration \"{key}\" which has no default value."),
        )
    }
}

fn render(source: &str, problems: &[String]) -> String {
    match problems {
        [one] => format!("{source}: {one}"),
        many => {
            let mut out = format!("{source} has {} errors:", many.len());
            for p in many {
                out.push_str("\n  - ");
                out.push_str(p);
            }
            out
        }
    }
}

/// Entries of a properties list, the last value of each key winning (as
/// `java.util.Properties` does), in first-seen order.
pub fn dedupe(entries: Vec<(String, String)>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::with_capacity(entries.len());
    for (k, v) in entries {
        match out.iter_mut().find(|(existing, _)| *existing == k) {
            Some(slot) => slot.1 = v,
            None => out.push((k, v)),
        }
    }
    out
}

/// The value of `key` in `entries`.
pub fn get<'a>(entries: &'a [(String, String)], key: &str) -> Option<&'a str> {
    entries
        .iter()
        .rev()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// Entries under `prefix`, with the prefix removed.
pub fn with_prefix(entries: &[(String, String)], prefix: &str) -> Vec<(String, String)> {
    entries
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix(prefix)
                .map(|rest| (rest.to_owned(), v.clone()))
        })
        .filter(|(k, _)| !k.is_empty())
        .collect()
}

/// Test entries from string pairs.
/// `plugin.memory.limit.bytes`: linear memory a task's (or a connector's)
/// plugins may use together. Worker-wide default, connector override.
pub const MEMORY_LIMIT: &str = "plugin.memory.limit.bytes";
/// `plugin.call.timeout.ms`: how long one call into a plugin may run.
pub const CALL_TIMEOUT: &str = "plugin.call.timeout.ms";
/// `plugin.memory.renew.bytes`: linear memory above which a task renews
/// its sandbox at its next clean boundary (0: never). Worker-wide default,
/// connector override; unset, it follows the limit (`runtime/renew.rs`).
pub const MEMORY_RENEW: &str = "plugin.memory.renew.bytes";

/// The plugin limits `entries` set, over `defaults`; a bad value is a
/// problem naming its key.
pub fn plugin_limits(
    entries: &[(String, String)],
    defaults: crate::plugin::Limits,
    problems: &mut Vec<String>,
) -> crate::plugin::Limits {
    let mut positive = |key: &str, default: u64| -> u64 {
        match get(entries, key).map(str::trim).filter(|v| !v.is_empty()) {
            None => default,
            Some(v) => match v.parse::<u64>() {
                Ok(n) if n > 0 => n,
                _ => {
                    problems.push(format!(
                        "Invalid value {v} for configuration {key}: must be a positive whole number"
                    ));
                    default
                }
            },
        }
    };
    let memory_bytes = positive(MEMORY_LIMIT, defaults.memory_bytes);
    let timeout_ms = positive(CALL_TIMEOUT, defaults.call_timeout.as_millis() as u64);
    // 0 is allowed (renewal off), and so is a value at or above the limit
    // (off as well): only what is not a number is refused.
    let renew_bytes = match get(entries, MEMORY_RENEW)
        .map(str::trim)
        .filter(|v| !v.is_empty())
    {
        None => defaults.renew_bytes,
        Some(v) => match v.parse::<u64>() {
            Ok(n) => Some(n),
            Err(_) => {
                problems.push(format!(
                    "Invalid value {v} for configuration {MEMORY_RENEW}: must be a whole number of bytes, 0 or more (0 turns renewal off)"
                ));
                defaults.renew_bytes
            }
        },
    };
    crate::plugin::Limits {
        memory_bytes,
        call_timeout: std::time::Duration::from_millis(timeout_ms),
        renew_bytes,
    }
}

/// How failed tasks are restarted, beyond Apache (which never restarts a
/// failed task by itself): at most `task.restart.max.attempts` times in a
/// row, waiting `task.restart.backoff.ms`, doubled each time up to
/// `task.restart.backoff.max.ms`. A task that ran longer than the longest
/// wait before failing counts from zero again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RestartPolicy {
    /// Restarts in a row before the task stays FAILED (0: never).
    pub max_attempts: u32,
    /// The first wait.
    pub backoff: std::time::Duration,
    /// The longest wait.
    pub backoff_max: std::time::Duration,
}

impl Default for RestartPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            backoff: std::time::Duration::from_secs(1),
            backoff_max: std::time::Duration::from_secs(60),
        }
    }
}

impl RestartPolicy {
    /// `task.restart.max.attempts`.
    pub const MAX_ATTEMPTS: &str = "task.restart.max.attempts";
    /// `task.restart.backoff.ms`.
    pub const BACKOFF: &str = "task.restart.backoff.ms";
    /// `task.restart.backoff.max.ms`.
    pub const BACKOFF_MAX: &str = "task.restart.backoff.max.ms";

    /// The policy `entries` set, over `defaults`; bad values are problems
    /// naming their key.
    pub fn from_entries(
        entries: &[(String, String)],
        defaults: Self,
        problems: &mut Vec<String>,
    ) -> Self {
        let mut number = |key: &str, default: u64| -> u64 {
            match get(entries, key).map(str::trim).filter(|v| !v.is_empty()) {
                None => default,
                Some(v) => v.parse::<u64>().unwrap_or_else(|_| {
                    problems.push(format!(
                        "Invalid value {v} for configuration {key}: must be a whole number, 0 or more"
                    ));
                    default
                }),
            }
        };
        let max_attempts = number(Self::MAX_ATTEMPTS, u64::from(defaults.max_attempts));
        let backoff = number(Self::BACKOFF, defaults.backoff.as_millis() as u64);
        let backoff_max = number(Self::BACKOFF_MAX, defaults.backoff_max.as_millis() as u64);
        Self {
            max_attempts: u32::try_from(max_attempts).unwrap_or(u32::MAX),
            backoff: std::time::Duration::from_millis(backoff),
            backoff_max: std::time::Duration::from_millis(backoff_max.max(backoff)),
        }
    }

    /// The wait before restart number `attempt` (1-based).
    pub fn backoff(&self, attempt: u32) -> std::time::Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1));
        self.backoff.saturating_mul(factor).min(self.backoff_max)
    }
}

#[cfg(test)]
pub(crate) fn test_entries(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restart_waits_double_up_to_the_maximum() {
        let mut problems = Vec::new();
        let policy = RestartPolicy::from_entries(
            &test_entries(&[
                ("task.restart.backoff.ms", "100"),
                ("task.restart.backoff.max.ms", "350"),
            ]),
            RestartPolicy::default(),
            &mut problems,
        );
        assert!(problems.is_empty());
        let waits: Vec<u128> = (1..=4).map(|a| policy.backoff(a).as_millis()).collect();
        assert_eq!(waits, vec![100, 200, 350, 350]);
        assert_eq!(policy.max_attempts, 5);
        RestartPolicy::from_entries(
            &test_entries(&[("task.restart.max.attempts", "-1")]),
            RestartPolicy::default(),
            &mut problems,
        );
        assert_eq!(
            problems,
            vec!["Invalid value -1 for configuration task.restart.max.attempts: must be a whole number, 0 or more".to_string()]
        );
    }

    #[test]
    fn plugin_limits_must_be_positive() {
        let mut problems = Vec::new();
        let limits = plugin_limits(
            &test_entries(&[(MEMORY_LIMIT, "1048576"), (CALL_TIMEOUT, "0")]),
            crate::plugin::Limits::default(),
            &mut problems,
        );
        assert_eq!(limits.memory_bytes, 1_048_576);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("plugin.call.timeout.ms"));
    }

    #[test]
    fn the_renew_threshold_is_a_whole_number_or_unset() {
        let defaults = crate::plugin::Limits::default();
        let read = |value: &str| {
            let mut problems = Vec::new();
            let limits = plugin_limits(
                &test_entries(&[(MEMORY_RENEW, value)]),
                defaults,
                &mut problems,
            );
            (limits.renew_bytes, problems)
        };
        assert_eq!(read(""), (None, vec![]), "blank: not set");
        assert_eq!(read("0"), (Some(0), vec![]), "0: off");
        assert_eq!(read(" 1048576 "), (Some(1_048_576), vec![]));
        // Above the limit is not an error: it turns renewal off.
        assert_eq!(read("999999999999"), (Some(999_999_999_999), vec![]));
        for bad in ["-1", "lots", "1.5"] {
            assert_eq!(
                read(bad),
                (
                    None,
                    vec![format!(
                        "Invalid value {bad} for configuration plugin.memory.renew.bytes: must be a whole \
                         number of bytes, 0 or more (0 turns renewal off)"
                    )]
                ),
            );
        }
        // A connector that does not set it keeps the worker's setting.
        let worker = crate::plugin::Limits {
            renew_bytes: Some(0),
            ..defaults
        };
        let mut problems = Vec::new();
        let limits = plugin_limits(
            &test_entries(&[(MEMORY_LIMIT, "1024")]),
            worker,
            &mut problems,
        );
        assert_eq!((limits.memory_bytes, limits.renew_bytes), (1024, Some(0)));
    }

    #[test]
    fn errors_render_one_or_many() {
        let one = ConfigErrors {
            source_name: "worker config w.properties".into(),
            problems: vec!["bad".into()],
        };
        assert_eq!(one.to_string(), "worker config w.properties: bad");
        let two = ConfigErrors {
            source_name: "connector c".into(),
            problems: vec!["a".into(), "b".into()],
        };
        assert_eq!(two.to_string(), "connector c has 2 errors:\n  - a\n  - b");
    }

    #[test]
    fn last_value_wins_in_first_seen_order() {
        let e = vec![
            ("a".to_owned(), "1".to_owned()),
            ("b".to_owned(), "2".to_owned()),
            ("a".to_owned(), "3".to_owned()),
        ];
        assert_eq!(
            dedupe(e.clone()),
            vec![("a".into(), "3".into()), ("b".into(), "2".into())]
        );
        assert_eq!(get(&e, "a"), Some("3"));
        assert_eq!(with_prefix(&e, "a"), vec![]);
    }
}
