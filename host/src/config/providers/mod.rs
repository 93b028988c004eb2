//! Config providers: `${provider:[path:]key}` variables in a configuration
//! replaced by values a provider looks up (a properties file, a directory of
//! secret files, the environment), with the semantics of Apache Kafka's
//! `ConfigTransformer` and its `FileConfigProvider`,
//! `DirectoryConfigProvider` and `EnvVarConfigProvider`.
//!
//! The worker names its providers in its own config:
//!
//! ```properties
//! config.providers=file,dir,env
//! config.providers.file.class=org.apache.kafka.common.config.provider.FileConfigProvider
//! config.providers.file.param.allowed.paths=/etc/kafka/secrets
//! config.providers.dir.class=DirectoryConfigProvider
//! config.providers.env.class=EnvVar
//! config.providers.env.param.allowlist.pattern=DB_.*
//! ```
//!
//! and a connector writes `database.password=${file:/etc/kafka/secrets/db.properties:password}`.
//!
//! What Apache does, and so what this does:
//! - A variable naming a provider the worker does not have stays as written.
//! - A key the provider has no value for stays as written, and so does a
//!   variable whose path `allowed.paths` rejects (the file provider only
//!   logs a warning; the connector sees the `${…}` text).
//! - A file that cannot be read fails the whole resolution.
//! - Substitution is one pass: a value that itself looks like a variable is
//!   not resolved again.
//! - `allowed.paths` compares lexically normalised paths component by
//!   component; symbolic links are not resolved, so a link inside an allowed
//!   directory that points outside it is followed (as in Apache).
//!
//! Not implemented: time-to-live values and `config.action.reload`. Apache
//! schedules a connector restart when a provider returns a TTL; none of the
//! three built-in providers ever returns one, so only custom providers are
//! affected. The REST API must keep showing the unresolved text; the
//! resolved copy is only for the running connector and its tasks.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::ops::Range;
use std::sync::{Arc, LazyLock};

use regex::Regex;

use super::{ConfigErrors, dedupe, get, with_prefix};

mod builtin;
#[cfg(test)]
mod tests;

pub use builtin::{
    AllowedPaths, DirectoryConfigProvider, EnvVarConfigProvider, FileConfigProvider, normalize,
};

/// The worker key listing the providers' names.
pub const CONFIG_PROVIDERS: &str = "config.providers";
/// The file and directory providers' parameter restricting which paths
/// they read (comma-separated absolute paths; unset: every path).
pub const ALLOWED_PATHS: &str = "allowed.paths";
/// The environment provider's parameter restricting which variables it
/// shows (a regular expression the whole name must match).
pub const ALLOWLIST_PATTERN: &str = "allowlist.pattern";

/// Apache's `ConfigTransformer.DEFAULT_PATTERN`: `${provider:key}` or
/// `${provider:path:key}`. The lazy groups make the provider end at the
/// first `:` and the path at the second, so a key may hold more colons.
const VARIABLE_PATTERN: &str = r"\$\{([^}]*?):(([^}]*?):)?([^}]*?)\}";

static VARIABLE: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(VARIABLE_PATTERN).ok());

/// One `${provider:[path:]key}` in a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variable<'a> {
    /// The provider's name, as listed in `config.providers`.
    pub provider: &'a str,
    /// The path; empty when the variable has none (`${env:HOME}`).
    pub path: &'a str,
    /// The key looked up at the path.
    pub key: &'a str,
    /// Where the whole `${…}` is in the value.
    pub span: Range<usize>,
}

/// The variables in `value`, left to right.
pub fn variables(value: &str) -> impl Iterator<Item = Variable<'_>> {
    VARIABLE
        .as_ref()
        .into_iter()
        .flat_map(move |re| re.captures_iter(value))
        .filter_map(|caps| {
            let whole = caps.get(0)?;
            Some(Variable {
                provider: caps.get(1)?.as_str(),
                path: caps.get(3).map_or("", |m| m.as_str()),
                key: caps.get(4)?.as_str(),
                span: whole.range(),
            })
        })
}

/// Whether `value` holds at least one `${provider:[path:]key}`.
pub fn contains_variables(value: &str) -> bool {
    variables(value).next().is_some()
}

/// `resolved` with the value of every key whose `raw` value holds variables
/// put back to the raw text (Apache's `AbstractHerder.reverseTransform`):
/// task configs a connector derives from its resolved config are stored and
/// shown without the secrets in them.
pub fn restore_variables(
    raw: &[(String, String)],
    resolved: Vec<(String, String)>,
) -> Vec<(String, String)> {
    resolved
        .into_iter()
        .map(
            |(k, v)| match get(raw, &k).filter(|r| contains_variables(r)) {
                Some(r) => (k, r.to_owned()),
                None => (k, v),
            },
        )
        .collect()
}

/// Why values could not be looked up. No variant ever holds a value a
/// provider returned: errors are logged and shown over REST.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    /// The file provider could not read or parse a properties file.
    #[error("Could not read properties from file {path}: {reason}")]
    ReadProperties {
        /// The path as the variable wrote it.
        path: String,
        /// Why (never the file's content).
        reason: String,
    },
    /// The directory provider could not list a directory.
    #[error("Could not list directory {path}: {reason}")]
    ListDirectory {
        /// The directory.
        path: String,
        /// Why.
        reason: String,
    },
    /// The directory provider could not read one of the files.
    #[error("Could not read file {path} for property {key}: {reason}")]
    ReadFile {
        /// The file.
        path: String,
        /// The key (the file's name).
        key: String,
        /// Why.
        reason: String,
    },
    /// The environment provider was given a path (`${env:/x:VAR}`).
    #[error("Path is not supported for EnvVarConfigProvider, invalid value '{0}'")]
    PathNotSupported(String),
    /// A provider registered from outside (e.g. a plugin) failed.
    #[error("{0}")]
    Failed(String),
    /// A lookup failed: which configuration key asked, and of whom.
    #[error(
        "Cannot resolve the variables for config provider '{provider}' (path '{path}') in configuration {config_key}: {cause}"
    )]
    Lookup {
        /// The configuration key whose value holds the variable.
        config_key: String,
        /// The provider's name.
        provider: String,
        /// The path asked for.
        path: String,
        /// What the provider said.
        cause: Box<ProviderError>,
    },
}

/// Something that looks up configuration values: Apache's `ConfigProvider`.
///
/// `Debug` output must not show values the provider hands out.
pub trait ConfigProvider: fmt::Debug + Send + Sync {
    /// The values of `keys` at `path` (the path may be empty). A key with
    /// no value is left out of the result, and the variable asking for it
    /// then stays as written.
    fn get(&self, path: &str, keys: &[String]) -> Result<BTreeMap<String, String>, ProviderError>;
}

/// A provider parameter with a bad value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Invalid value {value} for configuration {param}: {message}")]
pub struct ParamError {
    /// The parameter (`allowed.paths`), without the
    /// `config.providers.<name>.param.` prefix.
    pub param: String,
    /// Its value (the built-in providers' parameters are not secret).
    pub value: String,
    /// What is wrong.
    pub message: String,
}

/// The providers built into the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuiltinProvider {
    /// [`FileConfigProvider`].
    File,
    /// [`DirectoryConfigProvider`].
    Directory,
    /// [`EnvVarConfigProvider`].
    EnvVar,
}

impl BuiltinProvider {
    /// Every built-in provider.
    pub const ALL: [Self; 3] = [Self::Directory, Self::EnvVar, Self::File];

    /// Apache's class name.
    pub fn class_name(self) -> &'static str {
        match self {
            Self::File => "org.apache.kafka.common.config.provider.FileConfigProvider",
            Self::Directory => "org.apache.kafka.common.config.provider.DirectoryConfigProvider",
            Self::EnvVar => "org.apache.kafka.common.config.provider.EnvVarConfigProvider",
        }
    }

    /// The provider a `config.providers.<name>.class` value names: the
    /// full class name, the simple name (`FileConfigProvider`), or the
    /// simple name without `ConfigProvider` (`File`), as Apache's plugin
    /// aliases allow.
    pub fn from_class(class: &str) -> Option<Self> {
        let class = class.trim();
        Self::ALL.into_iter().find(|p| {
            let full = p.class_name();
            let simple = full.rsplit('.').next().unwrap_or(full);
            let pruned = simple.strip_suffix("ConfigProvider").unwrap_or(simple);
            class == full || class == simple || class == pruned
        })
    }

    /// Configure one from its parameters.
    pub fn configure(
        self,
        params: &[(String, String)],
    ) -> Result<Arc<dyn ConfigProvider>, ParamError> {
        Ok(match self {
            Self::File => Arc::new(FileConfigProvider::configure(params)?),
            Self::Directory => Arc::new(DirectoryConfigProvider::configure(params)?),
            Self::EnvVar => Arc::new(EnvVarConfigProvider::configure(params)?),
        })
    }
}

/// Makes providers of classes the host does not build in, e.g. ones a
/// WebAssembly plugin implements.
pub trait ProviderFactory {
    /// The class names this factory makes, for error messages.
    fn classes(&self) -> Vec<String>;

    /// A configured provider of `class`, or `None` if this factory does not
    /// know `class`. The error is a message naming what is wrong; it must
    /// not quote parameter values, which may be secrets.
    fn create(
        &self,
        class: &str,
        params: &[(String, String)],
    ) -> Option<Result<Arc<dyn ConfigProvider>, String>>;
}

/// A factory that knows no classes: only the built-in providers exist.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoExtraProviders;

impl ProviderFactory for NoExtraProviders {
    fn classes(&self) -> Vec<String> {
        Vec::new()
    }

    fn create(
        &self,
        _class: &str,
        _params: &[(String, String)],
    ) -> Option<Result<Arc<dyn ConfigProvider>, String>> {
        None
    }
}

/// The worker's providers by name, and the resolution of variables
/// (Apache's `WorkerConfigTransformer` without reloads).
#[derive(Debug, Clone, Default)]
pub struct ConfigProviders {
    providers: BTreeMap<String, Arc<dyn ConfigProvider>>,
}

impl ConfigProviders {
    /// No providers: every variable stays as written.
    pub fn new() -> Self {
        Self::default()
    }

    /// The providers `config.providers` lists in the worker's `entries`,
    /// each configured from its `config.providers.<name>.param.*` keys.
    /// Every problem is reported at once; `source_name` names the worker
    /// file in them.
    pub fn from_worker_config(
        entries: &[(String, String)],
        source_name: &str,
    ) -> Result<Self, ConfigErrors> {
        Self::from_worker_config_with(entries, source_name, &NoExtraProviders)
    }

    /// As [`Self::from_worker_config`], asking `extra` for classes that are
    /// not built in.
    ///
    /// Unlike Apache, a listed provider without a `.class` is an error
    /// (Apache skips it silently and leaves its variables unresolved).
    pub fn from_worker_config_with(
        entries: &[(String, String)],
        source_name: &str,
        extra: &dyn ProviderFactory,
    ) -> Result<Self, ConfigErrors> {
        let entries = dedupe(entries.to_vec());
        let mut names: Vec<&str> = Vec::new();
        for name in get(&entries, CONFIG_PROVIDERS)
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|n| !n.is_empty())
        {
            if !names.contains(&name) {
                names.push(name);
            }
        }
        let mut out = Self::new();
        let mut problems = Vec::new();
        for &name in &names {
            let class_key = format!("{CONFIG_PROVIDERS}.{name}.class");
            let param_prefix = format!("{CONFIG_PROVIDERS}.{name}.param.");
            let class = get(&entries, &class_key).map(str::trim).unwrap_or("");
            if class.is_empty() {
                problems.push(format!(
                    "Missing required configuration \"{class_key}\" which has no default value."
                ));
                continue;
            }
            let params = with_prefix(&entries, &param_prefix);
            let made = match BuiltinProvider::from_class(class) {
                Some(builtin) => builtin.configure(&params).map_err(|e| {
                    format!(
                        "Invalid value {} for configuration {param_prefix}{}: {}",
                        e.value, e.param, e.message
                    )
                }),
                None => match extra.create(class, &params) {
                    Some(made) => made.map_err(|message| {
                        format!("Cannot configure config provider '{name}' ({class}): {message}")
                    }),
                    None => {
                        let mut available: Vec<String> = BuiltinProvider::ALL
                            .iter()
                            .map(|p| p.class_name().to_owned())
                            .chain(extra.classes())
                            .collect();
                        available.sort();
                        Err(format!(
                            "Invalid value {class} for configuration {class_key}: Failed to find any class that implements ConfigProvider and which name matches {class}, available ConfigProviders are: {}",
                            available.join(", ")
                        ))
                    }
                },
            };
            match made {
                Ok(provider) => {
                    out.providers.insert(name.to_owned(), provider);
                }
                Err(problem) => problems.push(problem),
            }
        }
        for (key, _) in &entries {
            if let Some(name) = key
                .strip_prefix(CONFIG_PROVIDERS)
                .and_then(|rest| rest.strip_prefix('.'))
                .and_then(|rest| rest.strip_suffix(".class"))
                .filter(|name| !name.contains('.'))
                && !names.contains(&name)
            {
                tracing::warn!(
                    key = %key,
                    "Ignoring a config provider class: {name} is not listed in {CONFIG_PROVIDERS}"
                );
            }
        }
        if problems.is_empty() {
            Ok(out)
        } else {
            Err(ConfigErrors {
                source_name: source_name.to_owned(),
                problems,
            })
        }
    }

    /// Add (or replace) the provider called `name`; returns the one it
    /// replaces. This is how providers from plugins are plugged in.
    pub fn register(
        &mut self,
        name: impl Into<String>,
        provider: Arc<dyn ConfigProvider>,
    ) -> Option<Arc<dyn ConfigProvider>> {
        self.providers.insert(name.into(), provider)
    }

    /// The providers' names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.providers.keys().map(String::as_str)
    }

    /// Whether there are no providers.
    pub fn is_empty(&self) -> bool {
        self.providers.is_empty()
    }

    /// A copy of `entries` with every variable of a known provider
    /// replaced by its value. Each provider is asked once per path, for
    /// every key any entry wants there. The first failure (in entry order)
    /// is returned; it names the configuration key.
    pub fn resolve(
        &self,
        entries: &[(String, String)],
    ) -> Result<Vec<(String, String)>, ProviderError> {
        entries
            .iter()
            .zip(self.resolve_each(entries))
            .map(|((k, _), v)| v.map(|v| (k.clone(), v)))
            .collect()
    }

    /// Each entry's resolved value, or why it could not be resolved; one
    /// failing lookup fails only the entries that use it (validation shows
    /// every problem at once).
    pub fn resolve_each(&self, entries: &[(String, String)]) -> Vec<Result<String, ProviderError>> {
        let lookups = self.lookups(entries);
        entries
            .iter()
            .map(|(key, value)| substitute(key, value, &lookups))
            .collect()
    }

    /// Ask each provider once per path for every key wanted there.
    fn lookups<'a>(&self, entries: &'a [(String, String)]) -> Lookups<'a> {
        let mut wanted: BTreeMap<(&str, &str), BTreeSet<&str>> = BTreeMap::new();
        for (_, value) in entries {
            for var in variables(value) {
                if self.providers.contains_key(var.provider) {
                    wanted
                        .entry((var.provider, var.path))
                        .or_default()
                        .insert(var.key);
                }
            }
        }
        wanted
            .into_iter()
            .filter_map(|((provider, path), keys)| {
                let found = self.providers.get(provider)?;
                let keys: Vec<String> = keys.into_iter().map(str::to_owned).collect();
                Some(((provider, path), found.get(path, &keys)))
            })
            .collect()
    }
}

/// What each (provider, path) gave.
type Lookups<'a> = BTreeMap<(&'a str, &'a str), Result<BTreeMap<String, String>, ProviderError>>;

/// `value` with its variables replaced from `lookups`; unknown providers
/// and missing keys leave the variable as written.
fn substitute(key: &str, value: &str, lookups: &Lookups<'_>) -> Result<String, ProviderError> {
    let mut out = String::with_capacity(value.len());
    let mut copied = 0;
    for var in variables(value) {
        let Some(found) = lookups.get(&(var.provider, var.path)) else {
            continue;
        };
        let values = found.as_ref().map_err(|cause| ProviderError::Lookup {
            config_key: key.to_owned(),
            provider: var.provider.to_owned(),
            path: var.path.to_owned(),
            cause: Box::new(cause.clone()),
        })?;
        if let Some(replacement) = values.get(var.key) {
            out.push_str(&value[copied..var.span.start]);
            out.push_str(replacement);
            copied = var.span.end;
        }
    }
    out.push_str(&value[copied..]);
    Ok(out)
}
