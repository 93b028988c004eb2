//! The providers Apache Kafka ships, built into the host: files, directories
//! and environment variables, and the `allowed.paths` rule the first two share.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Component, Path, PathBuf};

use regex::Regex;

use super::{ALLOWED_PATHS, ALLOWLIST_PATTERN, ConfigProvider, ParamError, ProviderError};
use crate::config::get;
use crate::config::properties::{self, PropertiesError};

/// Apache's `allowed.paths`: the paths a file or directory provider may read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowedPaths {
    /// Normalised absolute paths; `None`: everything is allowed.
    roots: Option<Vec<PathBuf>>,
}

impl AllowedPaths {
    /// Every path allowed (the parameter unset).
    pub fn any() -> Self {
        Self::default()
    }

    /// Parse the parameter: comma-separated paths, each absolute and
    /// existing. Unlike Java, entries are trimmed and empty entries skipped;
    /// an empty value allows everything, as in Apache.
    pub fn parse(value: Option<&str>) -> Result<Self, ParamError> {
        let Some(value) = value.filter(|v| !v.trim().is_empty()) else {
            return Ok(Self::any());
        };
        let fail = |message: String| ParamError {
            param: ALLOWED_PATHS.to_owned(),
            value: value.to_owned(),
            message,
        };
        let mut roots = Vec::new();
        for entry in value.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let path = normalize(Path::new(entry));
            if !path.is_absolute() {
                return Err(fail(format!("Path {} is not absolute", path.display())));
            }
            if !path.exists() {
                return Err(fail(format!("Path {} does not exist", path.display())));
            }
            roots.push(path);
        }
        Ok(Self { roots: Some(roots) })
    }

    /// The path to read for `path`, or `None` if it lies outside every
    /// allowed path. With no restriction the path is used as written;
    /// otherwise normalised (as Apache's `parseUntrustedPath`).
    pub fn check(&self, path: &str) -> Option<PathBuf> {
        let Some(roots) = &self.roots else {
            return Some(PathBuf::from(path));
        };
        let normalised = normalize(Path::new(path));
        roots
            .iter()
            .any(|root| normalised.starts_with(root))
            .then_some(normalised)
    }
}

/// `path` with `.` dropped and `name/..` pairs removed, without touching
/// the file system (Java's `Path.normalize`): a `..` at the root of an
/// absolute path is dropped, leading `..` of a relative path are kept.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out: Vec<Component<'_>> = Vec::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                Some(Component::ParentDir | Component::CurDir) | None => out.push(component),
            },
            other => out.push(other),
        }
    }
    out.iter().collect()
}

/// Apache's `FileConfigProvider`: `${file:/path/to/file.properties:key}`
/// reads a Java properties file.
#[derive(Debug, Clone, Default)]
pub struct FileConfigProvider {
    allowed: AllowedPaths,
}

impl FileConfigProvider {
    /// A provider reading the files `allowed` lets it.
    pub fn new(allowed: AllowedPaths) -> Self {
        Self { allowed }
    }

    /// Configure from the `config.providers.<name>.param.*` parameters.
    pub fn configure(params: &[(String, String)]) -> Result<Self, ParamError> {
        Ok(Self::new(AllowedPaths::parse(get(params, ALLOWED_PATHS))?))
    }
}

impl ConfigProvider for FileConfigProvider {
    fn get(&self, path: &str, keys: &[String]) -> Result<BTreeMap<String, String>, ProviderError> {
        if path.is_empty() {
            return Ok(BTreeMap::new());
        }
        let Some(file) = self.allowed.check(path) else {
            tracing::warn!(path, "The path is not allowed to be accessed");
            return Ok(BTreeMap::new());
        };
        let entries = properties::parse_file(&file).map_err(|e| ProviderError::ReadProperties {
            path: path.to_owned(),
            reason: properties_reason(&e),
        })?;
        // Java's Properties: the last value of a key wins.
        let mut all: BTreeMap<String, String> = BTreeMap::new();
        all.extend(entries);
        all.retain(|k, _| keys.contains(k));
        Ok(all)
    }
}

/// Why a properties file could not be read, without any of its text: a
/// malformed escape's message quotes the escape, which may be part of a
/// secret.
fn properties_reason(e: &PropertiesError) -> String {
    match e {
        PropertiesError::Io { source, .. } => source.to_string(),
        PropertiesError::InvalidUtf8 { line, .. } => {
            format!("line {line}: the file is not valid UTF-8")
        }
        PropertiesError::Malformed { line, .. } => {
            format!("line {line}: malformed \\uXXXX escape or lone surrogate")
        }
    }
}

/// Apache's `DirectoryConfigProvider`: `${dir:/path/to/dir:name}` is the
/// content of the regular file `name` directly in the directory (links to
/// regular files count, as Kubernetes mounts secrets through them).
#[derive(Debug, Clone, Default)]
pub struct DirectoryConfigProvider {
    allowed: AllowedPaths,
}

impl DirectoryConfigProvider {
    /// A provider reading the directories `allowed` lets it.
    pub fn new(allowed: AllowedPaths) -> Self {
        Self { allowed }
    }

    /// Configure from the `config.providers.<name>.param.*` parameters.
    pub fn configure(params: &[(String, String)]) -> Result<Self, ParamError> {
        Ok(Self::new(AllowedPaths::parse(get(params, ALLOWED_PATHS))?))
    }
}

impl ConfigProvider for DirectoryConfigProvider {
    fn get(&self, path: &str, keys: &[String]) -> Result<BTreeMap<String, String>, ProviderError> {
        let mut out = BTreeMap::new();
        if path.is_empty() {
            return Ok(out);
        }
        let Some(dir) = self.allowed.check(path) else {
            tracing::warn!(path, "The path is not allowed to be accessed");
            return Ok(out);
        };
        if !dir.is_dir() {
            tracing::warn!(path, "The path is not a directory");
            return Ok(out);
        }
        let listing = std::fs::read_dir(&dir).map_err(|e| ProviderError::ListDirectory {
            path: dir.display().to_string(),
            reason: e.to_string(),
        })?;
        for entry in listing {
            let entry = entry.map_err(|e| ProviderError::ListDirectory {
                path: dir.display().to_string(),
                reason: e.to_string(),
            })?;
            let Ok(name) = entry.file_name().into_string() else {
                continue;
            };
            if !keys.contains(&name) {
                continue;
            }
            let file = entry.path();
            // `metadata` follows links, as Java's `Files.isRegularFile` does.
            if !std::fs::metadata(&file).is_ok_and(|m| m.is_file()) {
                continue;
            }
            let bytes = std::fs::read(&file).map_err(|e| ProviderError::ReadFile {
                path: file.display().to_string(),
                key: name.clone(),
                reason: e.to_string(),
            })?;
            // Java decodes with UTF-8, replacing malformed input.
            out.insert(name, String::from_utf8_lossy(&bytes).into_owned());
        }
        Ok(out)
    }
}

/// Apache's `EnvVarConfigProvider`: `${env:NAME}` (or `${env::NAME}`) is an
/// environment variable of the worker, read once when configured.
#[derive(Clone)]
pub struct EnvVarConfigProvider {
    pattern: Option<String>,
    vars: BTreeMap<String, String>,
}

impl fmt::Debug for EnvVarConfigProvider {
    // The variables' values are secrets; show only how many are visible.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnvVarConfigProvider")
            .field("allowlist_pattern", &self.pattern)
            .field("visible_variables", &self.vars.len())
            .finish()
    }
}

impl EnvVarConfigProvider {
    /// Configure from the parameters, over the process's environment
    /// (variables whose name or value is not Unicode are left out).
    pub fn configure(params: &[(String, String)]) -> Result<Self, ParamError> {
        let vars = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)));
        Self::with_vars(vars, params)
    }

    /// Configure over the given variables instead of the environment.
    /// `allowlist.pattern`, when set (even to an empty string), must match
    /// the whole name of a variable for it to be visible.
    pub fn with_vars(
        vars: impl IntoIterator<Item = (String, String)>,
        params: &[(String, String)],
    ) -> Result<Self, ParamError> {
        let pattern = get(params, ALLOWLIST_PATTERN).map(str::to_owned);
        let matcher = match &pattern {
            None => None,
            Some(p) => Some(Regex::new(&format!("^(?:{p})$")).map_err(|e| ParamError {
                param: ALLOWLIST_PATTERN.to_owned(),
                value: p.clone(),
                message: format!("not a valid regular expression: {e}"),
            })?),
        };
        let vars = vars
            .into_iter()
            .filter(|(k, _)| matcher.as_ref().is_none_or(|m| m.is_match(k)))
            .collect();
        Ok(Self { pattern, vars })
    }
}

impl ConfigProvider for EnvVarConfigProvider {
    fn get(&self, path: &str, keys: &[String]) -> Result<BTreeMap<String, String>, ProviderError> {
        if !path.is_empty() {
            return Err(ProviderError::PathNotSupported(path.to_owned()));
        }
        Ok(keys
            .iter()
            .filter_map(|k| Some((k.clone(), self.vars.get(k)?.clone())))
            .collect())
    }
}
