//! The worker's settings, read from the same keys Apache Kafka Connect's
//! `connect-standalone.properties` uses.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::connector::ConverterSpec;
use super::{ConfigErrors, dedupe, get, with_prefix};

/// `bootstrap.servers` value that starts the embedded in-memory broker.
pub const EMBEDDED_BROKER: &str = "embedded";

/// A worker's settings.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Every key as the user wrote it (last value wins).
    pub raw: Vec<(String, String)>,
    /// `bootstrap.servers`.
    pub bootstrap_servers: String,
    /// `key.converter` and its `key.converter.*` settings.
    pub key_converter: ConverterSpec,
    /// `value.converter` and its settings.
    pub value_converter: ConverterSpec,
    /// `header.converter` and its settings (Apache's default is
    /// SimpleHeaderConverter).
    pub header_converter: ConverterSpec,
    /// `offset.storage.file.filename` (standalone).
    pub offset_storage_file: Option<PathBuf>,
    /// `config.storage.file.filename` (ours; default: the offsets file's
    /// name with the extension `.connectors.json`): where connectors
    /// created or changed over REST are kept. None: in memory only.
    pub config_storage_file: Option<PathBuf>,
    /// `topic.tracking.enable` (default true).
    pub topic_tracking: bool,
    /// `topic.tracking.allow.reset` (default true).
    pub topic_tracking_allow_reset: bool,
    /// `plugin.memory.limit.bytes` and `plugin.call.timeout.ms`: the
    /// default limits of every task's plugins.
    pub plugin_limits: crate::plugin::Limits,
    /// `task.restart.*`: how failed tasks are restarted by default.
    pub restarts: super::RestartPolicy,
    /// `offset.flush.interval.ms` (default 60000).
    pub offset_flush_interval: Duration,
    /// `offset.flush.timeout.ms` (default 5000).
    pub offset_flush_timeout: Duration,
    /// `task.shutdown.graceful.timeout.ms` (default 5000).
    pub task_shutdown_timeout: Duration,
    /// Where the REST API listens (`listeners`, or the older `rest.host.name`
    /// and `rest.port`).
    pub rest_listen: SocketAddr,
    /// Host and port this worker is known by (`worker_id` in statuses).
    pub advertised: String,
    /// `plugin.path` entries, made absolute.
    pub plugin_path: Vec<PathBuf>,
    /// `plugin.cache.*` (and how the engine is set up).
    pub engine: crate::plugin::EngineOptions,
    /// `plugin.reload.interval.ms`: how often `plugin.path` is checked for
    /// changed or new files; None: hot reload is off.
    pub reload_interval: Option<Duration>,
    /// `producer.*` settings, prefix removed.
    pub producer: Vec<(String, String)>,
    /// `consumer.*` settings, prefix removed.
    pub consumer: Vec<(String, String)>,
    /// `admin.*` settings, prefix removed.
    pub admin: Vec<(String, String)>,
}

impl WorkerConfig {
    /// Read the worker's settings; every problem is reported at once.
    /// `source_name` names the file in messages.
    pub fn from_entries(
        entries: Vec<(String, String)>,
        source_name: &str,
    ) -> Result<Self, ConfigErrors> {
        let raw = dedupe(entries);
        let mut problems = Vec::new();
        let mut require = |key: &str| -> String {
            match get(&raw, key).map(str::trim).filter(|v| !v.is_empty()) {
                Some(v) => v.to_owned(),
                None => {
                    problems.push(format!(
                        "Missing required configuration \"{key}\" which has no default value."
                    ));
                    String::new()
                }
            }
        };
        let bootstrap_servers = get(&raw, "bootstrap.servers")
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .unwrap_or("localhost:9092")
            .to_owned();
        let key_class = require("key.converter");
        let value_class = require("value.converter");
        let key_converter = ConverterSpec {
            class: key_class,
            config: with_prefix(&raw, "key.converter."),
        };
        let value_converter = ConverterSpec {
            class: value_class,
            config: with_prefix(&raw, "value.converter."),
        };
        let header_converter = ConverterSpec {
            class: get(&raw, "header.converter")
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .unwrap_or("org.apache.kafka.connect.storage.SimpleHeaderConverter")
                .to_owned(),
            config: with_prefix(&raw, "header.converter."),
        };

        let mut millis = |key: &str, default: u64| -> Duration {
            match get(&raw, key).map(str::trim) {
                None | Some("") => Duration::from_millis(default),
                Some(v) => match v.parse::<u64>() {
                    Ok(ms) => Duration::from_millis(ms),
                    Err(_) => {
                        problems.push(format!(
                            "Invalid value {v} for configuration {key}: Not a number of type LONG"
                        ));
                        Duration::from_millis(default)
                    }
                },
            }
        };
        let offset_flush_interval = millis("offset.flush.interval.ms", 60_000);
        let offset_flush_timeout = millis("offset.flush.timeout.ms", 5_000);
        let task_shutdown_timeout = millis("task.shutdown.graceful.timeout.ms", 5_000);

        let rest_listen = match rest_listener(&raw) {
            Ok(addr) => addr,
            Err(problem) => {
                problems.push(problem);
                SocketAddr::from(([0, 0, 0, 0], 8083))
            }
        };
        let advertised_host = get(&raw, "rest.advertised.host.name")
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .unwrap_or_else(|| {
                if rest_listen.ip().is_unspecified() {
                    hostname::get()
                        .ok()
                        .and_then(|h| h.into_string().ok())
                        .unwrap_or_else(|| "localhost".into())
                } else {
                    rest_listen.ip().to_string()
                }
            });
        let advertised_port = get(&raw, "rest.advertised.port")
            .and_then(|p| p.trim().parse::<u16>().ok())
            .unwrap_or(rest_listen.port());

        let cwd = std::env::current_dir().unwrap_or_default();
        let plugin_path = plugin_path(&raw);
        let offset_storage_file = get(&raw, "offset.storage.file.filename")
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(|p| absolute(&cwd, Path::new(p)));

        // Beyond Apache: connectors created or changed over REST are kept
        // in this file (by default beside the offsets file).
        let config_storage_file = get(&raw, "config.storage.file.filename")
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(|p| absolute(&cwd, Path::new(p)))
            .or_else(|| {
                offset_storage_file
                    .as_ref()
                    .map(|o| o.with_extension("connectors.json"))
            });

        let topic_tracking = boolean(&raw, "topic.tracking.enable", true, &mut problems);
        let topic_tracking_allow_reset =
            boolean(&raw, "topic.tracking.allow.reset", true, &mut problems);

        let plugin_limits =
            super::plugin_limits(&raw, crate::plugin::Limits::default(), &mut problems);
        let restarts = super::RestartPolicy::from_entries(
            &raw,
            super::RestartPolicy::default(),
            &mut problems,
        );
        let engine = match engine_options(&raw) {
            Ok(options) => options,
            Err(more) => {
                problems.extend(more);
                crate::plugin::EngineOptions::default()
            }
        };
        let reload_interval = match get(&raw, RELOAD_INTERVAL).map(str::trim) {
            None | Some("") => Some(Duration::from_millis(DEFAULT_RELOAD_INTERVAL_MS)),
            Some("0") => None,
            Some(v) => match v.parse::<u64>() {
                Ok(ms) => Some(Duration::from_millis(ms)),
                Err(_) => {
                    problems.push(format!(
                        "Invalid value {v} for configuration {RELOAD_INTERVAL}: Not a number of type LONG"
                    ));
                    None
                }
            },
        };

        if !problems.is_empty() {
            return Err(ConfigErrors {
                source_name: source_name.to_owned(),
                problems,
            });
        }
        Ok(Self {
            producer: with_prefix(&raw, "producer."),
            consumer: with_prefix(&raw, "consumer."),
            admin: with_prefix(&raw, "admin."),
            bootstrap_servers,
            key_converter,
            value_converter,
            header_converter,
            offset_storage_file,
            config_storage_file,
            topic_tracking,
            topic_tracking_allow_reset,
            plugin_limits,
            restarts,
            offset_flush_interval,
            offset_flush_timeout,
            task_shutdown_timeout,
            rest_listen,
            advertised: format!("{advertised_host}:{advertised_port}"),
            plugin_path,
            engine,
            reload_interval,
            raw,
        })
    }

    /// Whether `bootstrap.servers` asks for the embedded broker.
    pub fn wants_embedded_broker(&self) -> bool {
        self.bootstrap_servers.eq_ignore_ascii_case(EMBEDDED_BROKER)
    }
}

/// `path` made absolute against `cwd` (Java resolves relative paths
/// against the working directory too).
pub fn absolute(cwd: &Path, path: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_owned()
    } else {
        cwd.join(path)
    }
}

/// The REST listener from `listeners` (first `http://` entry), else from
/// `rest.host.name` / `rest.port`, else `0.0.0.0:8083`.
fn rest_listener(raw: &[(String, String)]) -> Result<SocketAddr, String> {
    if let Some(listeners) = get(raw, "listeners")
        .map(str::trim)
        .filter(|v| !v.is_empty())
    {
        let entries: Vec<&str> = listeners.split(',').map(str::trim).collect();
        let Some(rest) = entries.iter().find_map(|l| l.strip_prefix("http://")) else {
            let why = if entries.iter().any(|l| l.starts_with("https://")) {
                "https listeners are not supported yet; use http://"
            } else {
                "expected entries like http://host:port"
            };
            return Err(format!(
                "Invalid value {listeners} for configuration listeners: {why}"
            ));
        };
        let (host, port) = rest.rsplit_once(':').ok_or_else(|| {
            format!(
                "Invalid value {listeners} for configuration listeners: no port in http://{rest}"
            )
        })?;
        let port: u16 = port.parse().map_err(|_| {
            format!("Invalid value {listeners} for configuration listeners: bad port {port}")
        })?;
        return resolve(host, port)
            .map_err(|e| format!("Invalid value {listeners} for configuration listeners: {e}"));
    }
    let port = match get(raw, "rest.port").map(str::trim) {
        None | Some("") => 8083,
        Some(p) => p.parse().map_err(|_| {
            format!("Invalid value {p} for configuration rest.port: Not a number of type INT")
        })?,
    };
    let host = get(raw, "rest.host.name").map(str::trim).unwrap_or("");
    resolve(host, port)
        .map_err(|e| format!("Invalid value {host} for configuration rest.host.name: {e}"))
}

fn resolve(host: &str, port: u16) -> Result<SocketAddr, String> {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() || host == "0.0.0.0" {
        return Ok(SocketAddr::from(([0, 0, 0, 0], port)));
    }
    if let Ok(ip) = host.parse::<std::net::IpAddr>() {
        return Ok(SocketAddr::new(ip, port));
    }
    use std::net::ToSocketAddrs;
    (host, port)
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {host}: {e}"))?
        .next()
        .ok_or_else(|| format!("{host} resolves to no address"))
}

/// `plugin.path`: comma-separated folders or files, made absolute. Read
/// on its own too, because plugins (config providers among them) must be
/// loaded before the rest of the worker's settings can be resolved.
pub fn plugin_path(raw: &[(String, String)]) -> Vec<PathBuf> {
    let cwd = std::env::current_dir().unwrap_or_default();
    get(raw, "plugin.path")
        .map(|v| {
            v.split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(|p| absolute(&cwd, Path::new(p)))
                .collect()
        })
        .unwrap_or_default()
}

/// `plugin.cache.dir`: where compiled plugins are cached.
pub const CACHE_DIR: &str = "plugin.cache.dir";
/// `plugin.cache.enable`: false compiles every plugin at every start.
pub const CACHE_ENABLE: &str = "plugin.cache.enable";
/// `plugin.cache.max.bytes`: the most the cache folder may hold.
pub const CACHE_MAX_BYTES: &str = "plugin.cache.max.bytes";
/// `plugin.reload.interval.ms`: how often `plugin.path` is checked for
/// changes (0: never).
pub const RELOAD_INTERVAL: &str = "plugin.reload.interval.ms";
/// A second: a changed file is picked up within two intervals (it must
/// look the same twice, so a copy still being written is never loaded),
/// and checking costs one `stat` per file.
const DEFAULT_RELOAD_INTERVAL_MS: u64 = 1000;

/// The engine's settings (`plugin.cache.*`). Read on their own, like
/// `plugin.path`, because the engine exists before the rest of the
/// worker's settings can be resolved; every problem is returned.
pub fn engine_options(
    raw: &[(String, String)],
) -> Result<crate::plugin::EngineOptions, Vec<String>> {
    let mut problems = Vec::new();
    let enabled = boolean(raw, CACHE_ENABLE, true, &mut problems);
    let max_bytes = match get(raw, CACHE_MAX_BYTES).map(str::trim) {
        None | Some("") => crate::plugin::CacheSettings::DEFAULT_MAX_BYTES,
        Some(v) => match v.parse::<u64>() {
            Ok(n) if n > 0 => n,
            _ => {
                problems.push(format!(
                    "Invalid value {v} for configuration {CACHE_MAX_BYTES}: must be a positive whole number"
                ));
                crate::plugin::CacheSettings::DEFAULT_MAX_BYTES
            }
        },
    };
    let dir = match get(raw, CACHE_DIR).map(str::trim).filter(|v| !v.is_empty()) {
        Some(dir) => {
            let cwd = std::env::current_dir().unwrap_or_default();
            Some(absolute(&cwd, Path::new(dir)))
        }
        None => crate::plugin::CacheSettings::default_dir(),
    };
    if !problems.is_empty() {
        return Err(problems);
    }
    if enabled && dir.is_none() {
        tracing::warn!(
            "This platform has no per-user cache folder: compiled plugins are not cached (set {CACHE_DIR})"
        );
    }
    Ok(crate::plugin::EngineOptions {
        cache: dir
            .filter(|_| enabled)
            .map(|dir| crate::plugin::CacheSettings { dir, max_bytes }),
        epoch_interruption: true,
    })
}

/// A boolean worker setting, read as Apache reads it (any case).
fn boolean(raw: &[(String, String)], key: &str, default: bool, problems: &mut Vec<String>) -> bool {
    match get(raw, key).map(str::trim).filter(|v| !v.is_empty()) {
        None => default,
        Some(v) => match super::keys::parse_typed(wasm_connect_sdk::ConfigType::Boolean, v) {
            Ok(canonical) => canonical == "true",
            Err(reason) => {
                problems.push(format!(
                    "Invalid value {v} for configuration {key}: {reason}"
                ));
                default
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(text: &[(&str, &str)]) -> Vec<(String, String)> {
        text.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn the_seed_worker_file_reads() {
        let c = WorkerConfig::from_entries(
            entries(&[
                ("bootstrap.servers", "localhost:9092"),
                (
                    "key.converter",
                    "org.apache.kafka.connect.storage.StringConverter",
                ),
                (
                    "value.converter",
                    "org.apache.kafka.connect.storage.StringConverter",
                ),
                ("key.converter.schemas.enable", "true"),
                ("value.converter.schemas.enable", "true"),
                ("offset.storage.file.filename", "/tmp/connect.offsets"),
                ("offset.flush.interval.ms", "10000"),
                ("rest.port", "8083"),
                ("plugin.path", "target/plugins, /opt/more"),
            ]),
            "worker.properties",
        )
        .unwrap();
        assert_eq!(c.offset_flush_interval, Duration::from_secs(10));
        assert_eq!(c.rest_listen, SocketAddr::from(([0, 0, 0, 0], 8083)));
        assert_eq!(
            c.key_converter.config,
            vec![("schemas.enable".to_owned(), "true".to_owned())]
        );
        assert_eq!(c.plugin_path.len(), 2);
        assert!(c.plugin_path[0].is_absolute());
        assert_eq!(c.plugin_path[1], PathBuf::from("/opt/more"));
        assert_eq!(
            c.offset_storage_file,
            Some(PathBuf::from("/tmp/connect.offsets"))
        );
        assert!(c.advertised.ends_with(":8083"));
    }

    #[test]
    fn every_problem_is_reported_with_its_key() {
        let err = WorkerConfig::from_entries(
            entries(&[
                ("offset.flush.interval.ms", "soon"),
                ("listeners", "https://:8443"),
            ]),
            "worker config w.properties",
        )
        .unwrap_err();
        assert_eq!(
            err.problems,
            vec![
                "Missing required configuration \"key.converter\" which has no default value.",
                "Missing required configuration \"value.converter\" which has no default value.",
                "Invalid value soon for configuration offset.flush.interval.ms: Not a number of type LONG",
                "Invalid value https://:8443 for configuration listeners: https listeners are not supported yet; use http://",
            ]
        );
    }

    #[test]
    fn the_sandbox_renewal_threshold_is_a_worker_setting() {
        let base = [("key.converter", "a"), ("value.converter", "b")];
        let c = WorkerConfig::from_entries(entries(&base), "w").unwrap();
        assert_eq!(c.plugin_limits.renew_bytes, None);
        let mut set = base.to_vec();
        set.push(("plugin.memory.renew.bytes", "1048576"));
        let c = WorkerConfig::from_entries(entries(&set), "w").unwrap();
        assert_eq!(c.plugin_limits.renew_bytes, Some(1_048_576));
        let mut bad = base.to_vec();
        bad.push(("plugin.memory.renew.bytes", "-5"));
        let err = WorkerConfig::from_entries(entries(&bad), "w").unwrap_err();
        assert_eq!(
            err.problems,
            vec![
                "Invalid value -5 for configuration plugin.memory.renew.bytes: must be a whole number \
                 of bytes, 0 or more (0 turns renewal off)"
            ]
        );
    }

    #[test]
    fn plugin_cache_and_reload_settings() {
        let base = [("key.converter", "a"), ("value.converter", "b")];
        let c = WorkerConfig::from_entries(entries(&base), "w").unwrap();
        assert_eq!(
            c.engine.cache,
            crate::plugin::EngineOptions::default().cache
        );
        assert_eq!(c.reload_interval, Some(Duration::from_secs(1)));
        let mut set = base.to_vec();
        set.extend([
            ("plugin.cache.dir", "/var/cache/wc"),
            ("plugin.cache.max.bytes", "1000"),
            ("plugin.reload.interval.ms", "0"),
        ]);
        let c = WorkerConfig::from_entries(entries(&set), "w").unwrap();
        assert_eq!(
            c.engine.cache,
            Some(crate::plugin::CacheSettings {
                dir: PathBuf::from("/var/cache/wc"),
                max_bytes: 1000
            })
        );
        assert_eq!(c.reload_interval, None);
        let mut off = base.to_vec();
        off.push(("plugin.cache.enable", "FALSE"));
        let c = WorkerConfig::from_entries(entries(&off), "w").unwrap();
        assert_eq!(c.engine.cache, None);
        let mut bad = base.to_vec();
        bad.extend([
            ("plugin.cache.enable", "maybe"),
            ("plugin.cache.max.bytes", "-1"),
            ("plugin.reload.interval.ms", "often"),
        ]);
        let err = WorkerConfig::from_entries(entries(&bad), "w").unwrap_err();
        assert_eq!(err.problems.len(), 3, "{:?}", err.problems);
        assert!(
            err.problems[0]
                .starts_with("Invalid value maybe for configuration plugin.cache.enable")
        );
        assert_eq!(
            err.problems[1],
            "Invalid value -1 for configuration plugin.cache.max.bytes: must be a positive whole number"
        );
        assert_eq!(
            err.problems[2],
            "Invalid value often for configuration plugin.reload.interval.ms: Not a number of type LONG"
        );
    }

    #[test]
    fn listeners_take_precedence() {
        let c = WorkerConfig::from_entries(
            entries(&[
                ("key.converter", "a"),
                ("value.converter", "b"),
                ("listeners", "http://127.0.0.1:18083"),
                ("rest.port", "1"),
            ]),
            "w",
        )
        .unwrap();
        assert_eq!(c.rest_listen, SocketAddr::from(([127, 0, 0, 1], 18083)));
        assert_eq!(c.advertised, "127.0.0.1:18083");
    }
}
