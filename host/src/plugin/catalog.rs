//! Discovery: every `.wasm` component on `plugin.path`, the plugins each
//! holds (from its manifests), and the names users may call them by.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use wasm_connect_sdk::{Manifest, PluginKind};
use wasmtime::component::InstancePre;

use super::bindings::exports::wasm_connect::plugin::{
    config_provider, converter, plugins, predicate, sink, source, transform,
};
use super::contract;
use super::convert::manifest_from_wit;
use super::engine::{EngineError, Grants, Limits, PluginEngine, TaskState};

pub use super::contract::CONTRACT;

/// Why one plugin file could not be used. Each names the file; the other
/// files still load.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A `plugin.path` entry does not exist.
    #[error("plugin.path entry {0} does not exist")]
    MissingPath(PathBuf),
    /// A directory could not be listed.
    #[error("cannot list plugin directory {path}: {reason}")]
    ListDir {
        /// The directory.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// Compiling or linking failed.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The component is not a wasm-connect plugin of this contract version.
    #[error("{path}: not a wasm-connect plugin for {CONTRACT}: {reason}")]
    Contract {
        /// The file.
        path: PathBuf,
        /// What is missing or different.
        reason: String,
    },
    /// Asking the component for its manifests failed.
    #[error("{path}: the component failed while listing its plugins: {reason}")]
    Manifest {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

/// The interfaces one component exports, resolved once at load time.
pub struct PluginFile {
    /// Where it was loaded from.
    pub path: PathBuf,
    /// Imports resolved; ready to instantiate per task.
    pub pre: InstancePre<TaskState>,
    /// `plugins` (always present).
    pub plugins: plugins::GuestIndices,
    /// `source`, if exported.
    pub source: Option<source::GuestIndices>,
    /// `sink`, if exported.
    pub sink: Option<sink::GuestIndices>,
    /// `converter`, if exported.
    pub converter: Option<converter::GuestIndices>,
    /// `transform`, if exported.
    pub transform: Option<transform::GuestIndices>,
    /// `predicate`, if exported.
    pub predicate: Option<predicate::GuestIndices>,
    /// `config-provider`, if exported.
    pub config_provider: Option<config_provider::GuestIndices>,
    /// Every name the component exports, for messages.
    pub exports: Vec<String>,
    /// Interfaces of this contract the component exports with types that
    /// do not match, and what the bindings said.
    pub mismatched: Vec<(&'static str, String)>,
}

/// One plugin: its manifest and the component that holds it.
pub struct PluginInfo {
    /// What the plugin says about itself.
    pub manifest: Manifest,
    /// The component file.
    pub file: Arc<PluginFile>,
}

impl PluginInfo {
    /// The plugin's full name.
    pub fn name(&self) -> &str {
        &self.manifest.name
    }
}

/// Which kinds a name is looked up among: a `connector.class` may name a
/// source or a sink connector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KindClass {
    /// Source and sink connectors.
    Connector,
    /// Key/value converters.
    Converter,
    /// Header converters.
    HeaderConverter,
    /// Transforms.
    Transform,
    /// Predicates.
    Predicate,
    /// Config providers.
    ConfigProvider,
}

impl KindClass {
    /// The class a plugin kind is looked up in.
    pub fn of(kind: PluginKind) -> Self {
        match kind {
            PluginKind::SourceConnector | PluginKind::SinkConnector => Self::Connector,
            PluginKind::Converter => Self::Converter,
            PluginKind::HeaderConverter => Self::HeaderConverter,
            PluginKind::Transform => Self::Transform,
            PluginKind::Predicate => Self::Predicate,
            PluginKind::ConfigProvider => Self::ConfigProvider,
        }
    }

    /// A word for messages.
    pub fn noun(self) -> &'static str {
        match self {
            Self::Connector => "connector",
            Self::Converter => "converter",
            Self::HeaderConverter => "header converter",
            Self::Transform => "transformation",
            Self::Predicate => "predicate",
            Self::ConfigProvider => "config provider",
        }
    }

    /// The suffix Apache drops for the short alias (`FileStreamSink` for
    /// `FileStreamSinkConnector`).
    fn suffix(self) -> &'static str {
        match self {
            Self::Connector => "Connector",
            Self::Converter | Self::HeaderConverter => "Converter",
            Self::Transform => "Transformation",
            Self::Predicate => "Predicate",
            Self::ConfigProvider => "ConfigProvider",
        }
    }
}

/// A name that matched nothing.
#[derive(Debug, thiserror::Error)]
#[error(
    "Failed to find any {noun} plugin named '{name}'. Available {noun}s: {available}. \
     Check that plugin.path ({search}) holds the .wasm file that provides it."
)]
pub struct NotFound {
    noun: &'static str,
    name: String,
    available: String,
    search: String,
}

/// Every plugin found on `plugin.path`.
#[derive(Default)]
pub struct PluginCatalog {
    plugins: Vec<Arc<PluginInfo>>,
    /// (kind class, name or alias) → index into `plugins`.
    names: HashMap<(KindClass, String), usize>,
    /// Files or entries that could not be used.
    problems: Vec<LoadError>,
    search_path: Vec<PathBuf>,
}

impl PluginCatalog {
    /// Load every component on `plugin_path` (files, or directories whose
    /// `.wasm` files and whose subdirectories' `.wasm` files are plugins).
    /// Problems are logged and kept; they never stop the other plugins.
    pub async fn load(engine: &Arc<PluginEngine>, plugin_path: &[PathBuf]) -> Self {
        let mut catalog = Self {
            search_path: plugin_path.to_vec(),
            ..Self::default()
        };
        for file in catalog.discover(plugin_path) {
            let (compiler, path) = (engine.clone(), file.clone());
            // Compiling is CPU-heavy; keep it off the async worker threads.
            let compiled = tokio::task::spawn_blocking(move || load_file(&compiler, &path)).await;
            let loaded = match compiled {
                Ok(Ok(loaded)) => loaded,
                Ok(Err(e)) => {
                    tracing::error!(file = %file.display(), "Skipping plugin file: {e}");
                    catalog.problems.push(e);
                    continue;
                }
                Err(join) => {
                    let e = LoadError::Manifest {
                        path: file.clone(),
                        reason: join.to_string(),
                    };
                    tracing::error!(file = %file.display(), "Skipping plugin file: {e}");
                    catalog.problems.push(e);
                    continue;
                }
            };
            match list_manifests(engine, &loaded).await {
                Ok(manifests) => catalog.add_file(Arc::new(loaded), manifests),
                Err(e) => {
                    tracing::error!(file = %file.display(), "Skipping plugin file: {e}");
                    catalog.problems.push(e);
                }
            }
        }
        catalog.index_names();
        catalog
    }

    fn discover(&mut self, plugin_path: &[PathBuf]) -> Vec<PathBuf> {
        let mut files = Vec::new();
        for entry in plugin_path {
            if entry.is_file() {
                files.push(entry.clone());
                continue;
            }
            if !entry.is_dir() {
                let e = LoadError::MissingPath(entry.clone());
                tracing::error!("{e}; continuing without it");
                self.problems.push(e);
                continue;
            }
            match wasm_files(entry, 1) {
                Ok(found) => files.extend(found),
                Err(e) => {
                    tracing::error!("{e}");
                    self.problems.push(e);
                }
            }
        }
        files
    }

    fn add_file(&mut self, file: Arc<PluginFile>, manifests: Vec<Manifest>) {
        tracing::info!(
            file = %file.path.display(),
            plugins = manifests.len(),
            "Loaded plugin file"
        );
        for manifest in manifests {
            if let Some(existing) = self.plugins.iter().find(|p| {
                p.manifest.name == manifest.name
                    && KindClass::of(p.manifest.kind) == KindClass::of(manifest.kind)
            }) {
                tracing::warn!(
                    plugin = %manifest.name,
                    kept = %existing.file.path.display(),
                    ignored = %file.path.display(),
                    "Plugin found twice; keeping the first"
                );
                continue;
            }
            self.plugins.push(Arc::new(PluginInfo {
                manifest,
                file: file.clone(),
            }));
        }
    }

    /// Register full names, then aliases; an alias two plugins claim is
    /// dropped with a warning (as Apache does), a full name always wins.
    fn index_names(&mut self) {
        let mut claims: BTreeMap<(KindClass, String), Vec<usize>> = BTreeMap::new();
        for (i, p) in self.plugins.iter().enumerate() {
            let class = KindClass::of(p.manifest.kind);
            self.names.insert((class, p.manifest.name.clone()), i);
            for alias in derived_aliases(&p.manifest) {
                claims.entry((class, alias)).or_default().push(i);
            }
        }
        for (key, mut owners) in claims {
            owners.dedup();
            if self.names.contains_key(&key) {
                continue;
            }
            if owners.len() == 1 {
                self.names.insert(key, owners[0]);
            } else {
                let names: Vec<&str> = owners.iter().map(|i| self.plugins[*i].name()).collect();
                tracing::warn!(alias = %key.1, plugins = ?names, "Ignoring ambiguous plugin alias");
            }
        }
        for p in &self.plugins {
            let names = self.names_of(p);
            tracing::info!(
                kind = p.manifest.kind.rest_name(),
                plugin = %p.manifest.name,
                version = %p.manifest.version,
                aliases = %names.get(1..).map(|a| a.join(", ")).unwrap_or_default(),
                "Added plugin"
            );
        }
    }

    /// Every plugin, in load order.
    pub fn plugins(&self) -> &[Arc<PluginInfo>] {
        &self.plugins
    }

    /// What went wrong while loading.
    pub fn problems(&self) -> &[LoadError] {
        &self.problems
    }

    /// The names each plugin answers to (full name first).
    pub fn names_of(&self, plugin: &PluginInfo) -> Vec<String> {
        let class = KindClass::of(plugin.manifest.kind);
        let mut names: Vec<String> = self
            .names
            .iter()
            .filter(|((c, _), i)| *c == class && self.plugins[**i].name() == plugin.name())
            .map(|((_, n), _)| n.clone())
            .filter(|n| n != plugin.name())
            .collect();
        names.sort();
        names.insert(0, plugin.name().to_owned());
        names
    }

    /// The plugin of `class` called `name` (full name or alias).
    pub fn find(&self, class: KindClass, name: &str) -> Result<Arc<PluginInfo>, NotFound> {
        let name = name.trim();
        if let Some(i) = self.names.get(&(class, name.to_owned())) {
            return Ok(self.plugins[*i].clone());
        }
        let mut available: Vec<String> = self
            .plugins
            .iter()
            .filter(|p| KindClass::of(p.manifest.kind) == class)
            .map(|p| p.name().to_owned())
            .collect();
        available.sort();
        Err(NotFound {
            noun: class.noun(),
            name: name.to_owned(),
            available: if available.is_empty() {
                "none".to_owned()
            } else {
                available.join(", ")
            },
            search: self
                .search_path
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(","),
        })
    }
}

/// Names a plugin answers to besides its full name: each declared alias,
/// and for the full name and each alias the simple name (after the last
/// `.`) and the simple name without the kind's suffix — the rules Apache
/// applies to class names.
fn derived_aliases(m: &Manifest) -> Vec<String> {
    let suffix = KindClass::of(m.kind).suffix();
    let mut out = Vec::new();
    for name in std::iter::once(&m.name).chain(&m.aliases) {
        out.push(name.clone());
        let simple = name.rsplit('.').next().unwrap_or(name);
        out.push(simple.to_owned());
        if let Some(pruned) = simple.strip_suffix(suffix)
            && !pruned.is_empty()
        {
            out.push(pruned.to_owned());
        }
    }
    out.retain(|a| a != &m.name && !a.is_empty());
    out.sort();
    out.dedup();
    out
}

/// `.wasm` files in `dir`, and in its subdirectories up to `depth` levels.
fn wasm_files(dir: &Path, depth: usize) -> Result<Vec<PathBuf>, LoadError> {
    let list_err = |e: std::io::Error| LoadError::ListDir {
        path: dir.to_owned(),
        reason: e.to_string(),
    };
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(list_err)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    let mut out = Vec::new();
    for path in entries {
        if path.is_dir() {
            if depth > 0 {
                out.extend(wasm_files(&path, depth - 1)?);
            }
        } else if path.extension().is_some_and(|e| e == "wasm") {
            out.push(path);
        }
    }
    Ok(out)
}

/// Compile a file and resolve its interfaces.
fn load_file(engine: &PluginEngine, path: &Path) -> Result<PluginFile, LoadError> {
    let started = std::time::Instant::now();
    let component = engine.compile(path)?;
    let exports: Vec<String> = component
        .component_type()
        .exports(engine.engine())
        .map(|(name, _)| name.to_owned())
        .collect();
    let pre = engine.instance_pre(path, &component)?;
    let plugins = plugins::GuestIndices::new(&pre).map_err(|e| LoadError::Contract {
        path: path.to_owned(),
        reason: contract::missing_plugins(&exports, &format!("{e:#}")),
    })?;
    let mut mismatched = Vec::new();
    let mm = &mut mismatched;
    let source = exported(source::GuestIndices::new(&pre), "source", &exports, mm);
    let sink = exported(sink::GuestIndices::new(&pre), "sink", &exports, mm);
    let converter = exported(
        converter::GuestIndices::new(&pre),
        "converter",
        &exports,
        mm,
    );
    let transform = exported(
        transform::GuestIndices::new(&pre),
        "transform",
        &exports,
        mm,
    );
    let predicate = exported(
        predicate::GuestIndices::new(&pre),
        "predicate",
        &exports,
        mm,
    );
    let config_provider = exported(
        config_provider::GuestIndices::new(&pre),
        "config-provider",
        &exports,
        mm,
    );
    let file = PluginFile {
        path: path.to_owned(),
        plugins,
        source,
        sink,
        converter,
        transform,
        predicate,
        config_provider,
        exports,
        mismatched,
        pre,
    };
    tracing::debug!(file = %path.display(), elapsed_ms = started.elapsed().as_millis() as u64, "Compiled plugin file");
    Ok(file)
}

/// The indices of interface `name` when the component exports it with
/// matching types; an export that does not match is noted for messages.
fn exported<T>(
    found: wasmtime::Result<T>,
    name: &'static str,
    exports: &[String],
    mismatched: &mut Vec<(&'static str, String)>,
) -> Option<T> {
    match found {
        Ok(indices) => Some(indices),
        Err(e) => {
            if exports.contains(&contract::interface(name)) {
                mismatched.push((name, format!("{e:#}")));
            }
            None
        }
    }
}

/// Instantiate once to ask the component for its manifests, and check that
/// it exports the interface of every kind it declares.
async fn list_manifests(
    engine: &PluginEngine,
    file: &PluginFile,
) -> Result<Vec<Manifest>, LoadError> {
    let fail = |reason: String| LoadError::Manifest {
        path: file.path.clone(),
        reason,
    };
    let mut store = engine
        .new_store(&Grants::default(), Limits::default())
        .map_err(|e| fail(e.to_string()))?;
    let instance = file
        .pre
        .instantiate_async(&mut store)
        .await
        .map_err(|e| fail(format!("instantiation failed: {e:#}")))?;
    let guest = file
        .plugins
        .load(&mut store, &instance)
        .map_err(|e| fail(format!("{e:#}")))?;
    let manifests = guest
        .call_manifests(&mut store)
        .await
        .map_err(|e| fail(format!("manifests() trapped: {e:#}")))?;
    let mut out = Vec::with_capacity(manifests.len());
    for m in manifests.into_iter().map(manifest_from_wit) {
        let exported = match m.kind {
            PluginKind::SourceConnector => file.source.is_some(),
            PluginKind::SinkConnector => file.sink.is_some(),
            PluginKind::Converter | PluginKind::HeaderConverter => file.converter.is_some(),
            PluginKind::Transform => file.transform.is_some(),
            PluginKind::Predicate => file.predicate.is_some(),
            PluginKind::ConfigProvider => file.config_provider.is_some(),
        };
        if m.name.trim().is_empty() {
            return Err(LoadError::Contract {
                path: file.path.clone(),
                reason: "a manifest has an empty name".into(),
            });
        }
        if !exported {
            let iface = contract::kind_interface(m.kind);
            let cause = file
                .mismatched
                .iter()
                .find(|(name, _)| *name == iface)
                .map(|(_, cause)| cause.as_str());
            return Err(LoadError::Contract {
                path: file.path.clone(),
                reason: contract::missing_kind(&m.name, m.kind, &file.exports, cause),
            });
        }
        out.push(m);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_follow_apache_rules() {
        let m = Manifest::new(
            PluginKind::SinkConnector,
            "wasmconnect.file.FileStreamSinkConnector",
            "1",
        )
        .aliases(["org.apache.kafka.connect.file.FileStreamSinkConnector"]);
        assert_eq!(
            derived_aliases(&m),
            vec![
                "FileStreamSink",
                "FileStreamSinkConnector",
                "org.apache.kafka.connect.file.FileStreamSinkConnector"
            ]
        );
        let c = Manifest::new(PluginKind::Converter, "x.StringConverter", "1");
        assert_eq!(derived_aliases(&c), vec!["String", "StringConverter"]);
    }
}
