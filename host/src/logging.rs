//! Logging set-up, and log levels changed at run time through
//! `/admin/loggers` (Apache's `LoggingResource`).
//!
//! A logger name is a `tracing` target prefix: `wasm_connect::runtime::sink`
//! for the sink task loop, `plugin` for what plugins log, `rdkafka` for the
//! Kafka client, `root` for everything else. Levels are log4j's names
//! (`OFF`, `FATAL`, `ERROR`, `WARN`, `INFO`, `DEBUG`, `TRACE`, `ALL`) so
//! Apache users' scripts keep working.

use std::collections::BTreeMap;
use std::sync::{Mutex, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, FormattedFields};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Registry, reload};

/// The name of the logger every other one inherits from.
pub const ROOT: &str = "root";

/// A logger's level as the REST API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoggerLevel {
    /// The log4j level name.
    pub level: String,
    /// When it was last set over REST (ms since the epoch), null if never.
    pub last_modified: Option<u64>,
}

/// What a `PUT /admin/loggers/{name}` may get wrong.
#[derive(Debug, thiserror::Error)]
pub enum LevelError {
    /// Not one of log4j's level names (Apache answers 404).
    #[error("invalid log level '{0}'.")]
    Invalid(String),
    /// The filter could not be rebuilt or installed.
    #[error("cannot change log levels: {0}")]
    Apply(String),
}

struct State {
    /// Logger → level, including `root`, in log4j names.
    levels: BTreeMap<String, LoggerLevel>,
    /// Directives from `WASM_CONNECT_LOG`/`RUST_LOG` that are not a plain
    /// `target=level` (span or field filters): kept as they are.
    opaque: Vec<String>,
}

/// The run-time log levels of this process.
pub struct Loggers {
    handle: reload::Handle<EnvFilter, Registry>,
    state: Mutex<State>,
}

static LOGGERS: OnceLock<Loggers> = OnceLock::new();

/// The process's loggers, when [`init`] installed them.
pub fn loggers() -> Option<&'static Loggers> {
    LOGGERS.get()
}

/// Install the global subscriber: human-readable lines on stderr, or JSON
/// lines with `json`. `spec` is an `EnvFilter` spec such as
/// `info,wasmtime=warn`.
pub fn init(spec: &str, json: bool) {
    let state = parse_spec(spec);
    let filter = build_filter(&state).unwrap_or_else(|_| EnvFilter::new("info"));
    let (filter, handle) = reload::Layer::new(filter);
    let registry = tracing_subscriber::registry().with(filter);
    let installed = if json {
        registry
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .with_writer(std::io::stderr),
            )
            .try_init()
    } else {
        registry
            .with(
                tracing_subscriber::fmt::layer()
                    // Plain text: the context is read back from the spans'
                    // recorded fields, which colours would break up.
                    .with_ansi(false)
                    .event_format(ContextFormat)
                    .with_writer(std::io::stderr),
            )
            .try_init()
    };
    if installed.is_ok() {
        let _ = LOGGERS.set(Loggers {
            handle,
            state: Mutex::new(state),
        });
    }
}

/// Text log lines in the shape of Apache's (KIP-449): the time, the level,
/// then whose line it is — `[my-connector|task-0]` inside a task,
/// `[my-connector|worker]` for the connector's own work — then the target
/// and the message. Taken from the innermost `task` or `connector` span,
/// else from a `connector` field of the event itself.
struct ContextFormat;

/// The `connector` and `task` of a span or event, as recorded.
#[derive(Default)]
struct ContextFields {
    connector: Option<String>,
    task: Option<String>,
}

impl tracing::field::Visit for ContextFields {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        if field.name() == "connector" {
            self.connector = Some(value.to_owned());
        }
    }
    fn record_u64(&mut self, field: &tracing::field::Field, value: u64) {
        if field.name() == "task" {
            self.task = Some(value.to_string());
        }
    }
    fn record_i64(&mut self, field: &tracing::field::Field, value: i64) {
        if field.name() == "task" {
            self.task = Some(value.to_string());
        }
    }
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        match field.name() {
            // `connector = %name` arrives here, as Display through Debug.
            "connector" => self.connector = Some(format!("{value:?}")),
            "task" => self.task = Some(format!("{value:?}")),
            _ => {}
        }
    }
}

/// `[connector|task-N]` from a span's formatted fields
/// (`connector=x task=0`), which the fmt layer keeps in its extensions.
fn context_of_fields(fields: &str) -> Option<String> {
    // The spans are declared connector first; a name may hold spaces.
    let rest = fields.strip_prefix("connector=")?;
    Some(match rest.rsplit_once(" task=") {
        Some((connector, task)) if task.parse::<u32>().is_ok() => {
            format!("[{connector}|task-{task}]")
        }
        _ => format!("[{rest}|worker]"),
    })
}

impl<S, N> FormatEvent<S, N> for ContextFormat
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &tracing::Event<'_>,
    ) -> std::fmt::Result {
        use tracing_subscriber::fmt::time::FormatTime;
        tracing_subscriber::fmt::time::SystemTime.format_time(&mut writer)?;
        let meta = event.metadata();
        write!(writer, " {:>5} ", meta.level())?;
        let from_span = ctx.event_scope().and_then(|scope| {
            scope.into_iter().find_map(|span| {
                let ext = span.extensions();
                let fields = ext.get::<FormattedFields<N>>()?;
                context_of_fields(fields.fields.as_str())
            })
        });
        let context = from_span.or_else(|| {
            let mut fields = ContextFields::default();
            event.record(&mut fields);
            let connector = fields.connector?;
            Some(match fields.task {
                Some(t) => format!("[{connector}|task-{t}]"),
                None => format!("[{connector}|worker]"),
            })
        });
        if let Some(context) = context {
            write!(writer, "{context} ")?;
        }
        write!(writer, "{}: ", meta.target())?;
        ctx.field_format().format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}

/// The log4j name of a level written in any case, or None.
fn log4j_level(level: &str) -> Option<&'static str> {
    Some(match level.trim().to_ascii_uppercase().as_str() {
        "OFF" => "OFF",
        "FATAL" => "FATAL",
        "ERROR" => "ERROR",
        "WARN" | "WARNING" => "WARN",
        "INFO" => "INFO",
        "DEBUG" => "DEBUG",
        "TRACE" => "TRACE",
        "ALL" => "ALL",
        _ => return None,
    })
}

/// The `tracing` level of a log4j level.
fn tracing_level(log4j: &str) -> &'static str {
    match log4j {
        "OFF" => "off",
        "FATAL" | "ERROR" => "error",
        "WARN" => "warn",
        "DEBUG" => "debug",
        "TRACE" | "ALL" => "trace",
        _ => "info",
    }
}

fn parse_spec(spec: &str) -> State {
    let mut levels = BTreeMap::new();
    let mut opaque = Vec::new();
    for directive in spec.split(',').map(str::trim).filter(|d| !d.is_empty()) {
        match directive.split_once('=') {
            None => match log4j_level(directive) {
                Some(l) => {
                    levels.insert(ROOT.to_owned(), unset(l));
                }
                None => opaque.push(directive.to_owned()),
            },
            Some((target, level)) if !target.contains(['[', '{']) => match log4j_level(level) {
                Some(l) => {
                    levels.insert(target.to_owned(), unset(l));
                }
                None => opaque.push(directive.to_owned()),
            },
            Some(_) => opaque.push(directive.to_owned()),
        }
    }
    levels
        .entry(ROOT.to_owned())
        .or_insert_with(|| unset("INFO"));
    State { levels, opaque }
}

fn unset(level: &str) -> LoggerLevel {
    LoggerLevel {
        level: level.to_owned(),
        last_modified: None,
    }
}

fn build_filter(state: &State) -> Result<EnvFilter, String> {
    let mut directives: Vec<String> = Vec::new();
    for (name, level) in &state.levels {
        let l = tracing_level(&level.level);
        if name == ROOT {
            directives.push(l.to_owned());
        } else {
            directives.push(format!("{name}={l}"));
        }
    }
    directives.extend(state.opaque.iter().cloned());
    EnvFilter::builder()
        .parse(directives.join(","))
        .map_err(|e| e.to_string())
}

impl Loggers {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        match self.state.lock() {
            Ok(s) => s,
            Err(p) => p.into_inner(),
        }
    }

    /// `GET /admin/loggers`: every logger with a level of its own.
    pub fn all(&self) -> BTreeMap<String, LoggerLevel> {
        self.state().levels.clone()
    }

    /// `GET /admin/loggers/{name}`: the logger's level, or the level it
    /// inherits from its nearest ancestor (a target prefix), or root's.
    pub fn get(&self, name: &str) -> LoggerLevel {
        let state = self.state();
        if let Some(l) = state.levels.get(name) {
            return l.clone();
        }
        let inherited = state
            .levels
            .iter()
            .filter(|(n, _)| *n != ROOT && is_ancestor(n, name))
            .max_by_key(|(n, _)| n.len())
            .map(|(_, l)| l.clone());
        let level = inherited
            .or_else(|| state.levels.get(ROOT).cloned())
            .unwrap_or_else(|| unset("INFO"));
        LoggerLevel {
            level: level.level,
            last_modified: None,
        }
    }

    /// `PUT /admin/loggers/{name}`: set the level of a logger and of every
    /// logger below it (`root`: of all). Returns the affected loggers.
    pub fn set(&self, name: &str, level: &str) -> Result<Vec<String>, LevelError> {
        let log4j = log4j_level(level).ok_or_else(|| LevelError::Invalid(level.to_owned()))?;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        let mut state = self.state();
        let before = state.levels.clone();
        let affected: Vec<String> = if name.eq_ignore_ascii_case(ROOT) {
            state.levels.keys().cloned().collect()
        } else {
            let mut names: Vec<String> = state
                .levels
                .keys()
                .filter(|n| *n != ROOT && is_ancestor(name, n))
                .cloned()
                .collect();
            if !names.iter().any(|n| n == name) {
                names.push(name.to_owned());
            }
            names
        };
        for n in &affected {
            state.levels.insert(
                n.clone(),
                LoggerLevel {
                    level: log4j.to_owned(),
                    last_modified: Some(now),
                },
            );
        }
        let installed =
            build_filter(&state).and_then(|f| self.handle.reload(f).map_err(|e| e.to_string()));
        if let Err(e) = installed {
            state.levels = before;
            return Err(LevelError::Apply(e));
        }
        tracing::info!(logger = %name, level = log4j, "Changed log level");
        let mut affected = affected;
        affected.sort();
        Ok(affected)
    }
}

/// Whether `ancestor` is `name` or a target prefix of it
/// (`wasm_connect::runtime` of `wasm_connect::runtime::sink`).
fn is_ancestor(ancestor: &str, name: &str) -> bool {
    name == ancestor
        || name
            .strip_prefix(ancestor)
            .is_some_and(|rest| rest.starts_with("::") || rest.starts_with('.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_start_up_spec_becomes_loggers() {
        let s = parse_spec("info,wasmtime=warn,cranelift=WARN,my[span]=debug");
        assert_eq!(s.levels["root"].level, "INFO");
        assert_eq!(s.levels["wasmtime"].level, "WARN");
        assert_eq!(s.opaque, vec!["my[span]=debug".to_string()]);
        assert!(build_filter(&s).is_ok());
    }

    #[test]
    fn levels_are_log4js() {
        assert_eq!(log4j_level("debug"), Some("DEBUG"));
        assert_eq!(log4j_level("FATAL"), Some("FATAL"));
        assert_eq!(log4j_level("loud"), None);
        assert_eq!(tracing_level("FATAL"), "error");
        assert_eq!(tracing_level("ALL"), "trace");
    }

    #[test]
    fn contexts_read_as_apaches() {
        assert_eq!(
            context_of_fields("connector=orders task=3").as_deref(),
            Some("[orders|task-3]")
        );
        assert_eq!(
            context_of_fields("connector=orders").as_deref(),
            Some("[orders|worker]")
        );
        assert_eq!(
            context_of_fields("connector=my orders task=0").as_deref(),
            Some("[my orders|task-0]")
        );
        assert_eq!(context_of_fields("file=/x"), None);
    }

    #[test]
    fn ancestry_follows_target_paths() {
        assert!(is_ancestor("wasm_connect", "wasm_connect::runtime::sink"));
        assert!(is_ancestor("org.apache", "org.apache.kafka"));
        assert!(!is_ancestor("wasm", "wasm_connect"));
    }
}
