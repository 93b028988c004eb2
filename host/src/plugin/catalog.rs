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
    /// SHA-256 of the bytes loaded (hexadecimal): which version of the
    /// file this is.
    pub sha256: String,
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

/// A plugin file as the catalog holds it: the compiled component and the
/// manifests it answered with.
#[derive(Clone)]
pub struct LoadedFile {
    /// The compiled component and its interfaces.
    pub file: Arc<PluginFile>,
    /// Its plugins, in the order it listed them.
    pub manifests: Vec<Manifest>,
}

/// Every plugin found on `plugin.path`.
#[derive(Default)]
pub struct PluginCatalog {
    plugins: Vec<Arc<PluginInfo>>,
    /// (kind class, name or alias) → index into `plugins`.
    names: HashMap<(KindClass, String), usize>,
    /// Files or entries that could not be used when the worker started.
    problems: Arc<Vec<LoadError>>,
    search_path: Vec<PathBuf>,
    /// Every file loaded, in load order (the first of two files that hold
    /// a plugin of the same name wins).
    files: Vec<LoadedFile>,
}

impl PluginCatalog {
    /// Load every component on `plugin_path` (files, or directories whose
    /// `.wasm` files and whose subdirectories' `.wasm` files are plugins).
    /// Problems are logged and kept; they never stop the other plugins.
    /// Files are compiled (or loaded from the compile cache) on blocking
    /// threads, as many at once as the machine has cores.
    pub async fn load(engine: &Arc<PluginEngine>, plugin_path: &[PathBuf]) -> Self {
        let (files, mut problems) = discover(plugin_path);
        for e in &problems {
            match e {
                LoadError::MissingPath(_) => tracing::error!("{e}; continuing without it"),
                _ => tracing::error!("{e}"),
            }
        }
        let parallel = std::thread::available_parallelism().map_or(2, |n| n.get());
        let permits = Arc::new(tokio::sync::Semaphore::new(parallel));
        let mut loading = tokio::task::JoinSet::new();
        let count = files.len();
        for (i, file) in files.iter().enumerate() {
            let (engine, file, permits) = (engine.clone(), file.clone(), permits.clone());
            loading.spawn(async move {
                let _permit = permits.acquire_owned().await;
                // Progress: a first start compiles every file (seconds each
                // for large components); later starts load them from the
                // compile cache in milliseconds.
                tracing::info!(file = %file.display(), "Loading plugin file {} of {count}", i + 1);
                let started = std::time::Instant::now();
                let result = load_one(&engine, &file).await;
                tracing::debug!(file = %file.display(), took_ms = started.elapsed().as_millis() as u64, "Plugin file compiled or taken from the cache");
                (i, result)
            });
        }
        let mut results: Vec<Option<Result<LoadedFile, LoadError>>> =
            (0..files.len()).map(|_| None).collect();
        while let Some(done) = loading.join_next().await {
            match done {
                Ok((i, result)) => results[i] = Some(result),
                Err(e) => tracing::error!("A plugin loading task failed: {e}"),
            }
        }
        let mut loaded = Vec::with_capacity(files.len());
        for (file, result) in files.iter().zip(results) {
            match result {
                Some(Ok(f)) => loaded.push(f),
                Some(Err(e)) => {
                    tracing::error!(file = %file.display(), "Skipping plugin file: {e}");
                    problems.push(e);
                }
                None => {}
            }
        }
        let mut catalog = Self {
            search_path: plugin_path.to_vec(),
            problems: Arc::new(problems),
            files: loaded,
            ..Self::default()
        };
        catalog.rebuild();
        catalog
    }

    /// This catalog with `loaded` in place of the file of the same path
    /// (or added after the others): what a hot reload switches to.
    pub fn with_file(&self, loaded: LoadedFile) -> Self {
        let mut next = Self {
            search_path: self.search_path.clone(),
            problems: self.problems.clone(),
            files: self.files.clone(),
            ..Self::default()
        };
        match next
            .files
            .iter_mut()
            .find(|f| f.file.path == loaded.file.path)
        {
            Some(slot) => *slot = loaded,
            None => next.files.push(loaded),
        }
        next.rebuild();
        next
    }

    /// The file loaded from `path`, if any.
    pub fn file(&self, path: &Path) -> Option<&LoadedFile> {
        self.files.iter().find(|f| f.file.path == path)
    }

    /// Every file loaded, in load order.
    pub fn files(&self) -> &[LoadedFile] {
        &self.files
    }

    /// The `plugin.path` this catalog was loaded from.
    pub fn search_path(&self) -> &[PathBuf] {
        &self.search_path
    }

    /// Index the plugins of every file.
    fn rebuild(&mut self) {
        self.plugins.clear();
        self.names.clear();
        let files = std::mem::take(&mut self.files);
        for f in &files {
            self.add_file(f.file.clone(), f.manifests.clone());
        }
        self.files = files;
        self.index_names();
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

/// The `.wasm` files `plugin_path` names, and what is wrong with entries
/// that cannot be used.
pub fn discover(plugin_path: &[PathBuf]) -> (Vec<PathBuf>, Vec<LoadError>) {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for entry in plugin_path {
        if entry.is_file() {
            files.push(entry.clone());
            continue;
        }
        if !entry.is_dir() {
            problems.push(LoadError::MissingPath(entry.clone()));
            continue;
        }
        match wasm_files(entry, 1) {
            Ok(found) => files.extend(found),
            Err(e) => problems.push(e),
        }
    }
    (files, problems)
}

/// Load one file: compile it (or take it from the compile cache) on a
/// blocking thread, then ask it for its manifests.
pub async fn load_one(engine: &Arc<PluginEngine>, path: &Path) -> Result<LoadedFile, LoadError> {
    let (compiler, file) = (engine.clone(), path.to_owned());
    let compiled = tokio::task::spawn_blocking(move || load_file(&compiler, &file))
        .await
        .map_err(|join| LoadError::Manifest {
            path: path.to_owned(),
            reason: join.to_string(),
        })??;
    let manifests = list_manifests(engine, &compiled).await?;
    Ok(LoadedFile {
        file: Arc::new(compiled),
        manifests,
    })
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
    let compiled = engine.compile(path)?;
    let component = compiled.component;
    let exports: Vec<String> = component
        .component_type()
        .exports(engine.engine())
        .map(|(name, _)| name.to_owned())
        .collect();
    let pre = match engine.instance_pre(path, &component) {
        Ok(pre) => pre,
        // A component of another contract version also imports that
        // version's host interface: say which version it was built for
        // rather than which import failed to link.
        Err(_)
            if !exports.contains(&contract::interface("plugins"))
                && exports
                    .iter()
                    .any(|e| e.starts_with("wasm-connect:plugin/")) =>
        {
            return Err(LoadError::Contract {
                path: path.to_owned(),
                reason: contract::missing_plugins(&exports, ""),
            });
        }
        Err(e) => return Err(e.into()),
    };
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
        sha256: super::cache::hex(&compiled.sha256),
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
    tracing::debug!(
        file = %path.display(),
        cache = ?compiled.outcome,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "Compiled plugin file"
    );
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
