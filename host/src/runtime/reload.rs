//! Hot reload: a `.wasm` file on `plugin.path` that changes (or appears)
//! is loaded while the worker runs; every connector using a plugin of that
//! file drains at a commit boundary (its tasks stop cleanly: a source
//! flushes its producer and stores its offsets, a sink flushes and commits
//! its consumer offsets), starts again on the new version, and resumes
//! where it stopped. If the new version does not compile, fails its
//! manifests, or a connector or task does not start with it, every
//! connector goes back to the previous version (still compiled, in
//! memory) and the reason is logged and shown by `GET /plugin-files`.
//!
//! Changes are found by polling each file's size, modification and change
//! times and inode every `plugin.reload.interval.ms` rather than with
//! inotify (the `notify` crate): a poll works the same on every file
//! system (network and container mounts, where inotify misses changes),
//! costs one `stat` per file, and notices a file only once it looked the
//! same on two polls in a row, so a copy still being written is never
//! loaded half-way.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde_json::{Value, json};

use super::worker::{Running, TaskTemplate, Worker};
use crate::plugin::catalog::{LoadedFile, discover, load_one};
use crate::storage::State;

/// How long a connector and its tasks may take to start on a new version
/// before the switch is called off: a task that starts normally is up in
/// well under a second; a minute leaves room for a loaded machine.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// What identifies one version of a file on disk without reading it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Fingerprint {
    len: u64,
    modified: Option<SystemTime>,
    /// Inode and change time: a file replaced by rename, or copied with
    /// its old modification time kept, still differs.
    inode: u64,
    changed: i64,
}

fn fingerprint(path: &Path) -> Option<Fingerprint> {
    let meta = std::fs::metadata(path).ok()?;
    #[cfg(unix)]
    let (inode, changed) = {
        use std::os::unix::fs::MetadataExt;
        (meta.ino(), meta.ctime_nsec() + meta.ctime() * 1_000_000_000)
    };
    #[cfg(not(unix))]
    let (inode, changed) = (0, 0);
    Some(Fingerprint {
        len: meta.len(),
        modified: meta.modified().ok(),
        inode,
        changed,
    })
}

/// What the last look at a file found (`GET /plugin-files`).
#[derive(Debug, Clone)]
pub(crate) struct Outcome {
    /// `SWITCHED`, `LOADED` (a new file), `FAILED` or `REMOVED`.
    state: &'static str,
    /// The SHA-256 of the version it was about (when it could be read).
    sha256: Option<String>,
    /// Why it failed.
    reason: Option<String>,
    /// Connectors that switched to it (or went back from it).
    connectors: Vec<String>,
    /// When, in milliseconds since the epoch.
    at_ms: u64,
}

impl Outcome {
    fn new(state: &'static str) -> Self {
        Self {
            state,
            sha256: None,
            reason: None,
            connectors: Vec::new(),
            at_ms: SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as u64),
        }
    }
}

/// What the watcher knows of the files on `plugin.path`.
#[derive(Default)]
pub(crate) struct Reloads {
    /// The fingerprint of the version of each file handled last.
    seen: HashMap<PathBuf, Fingerprint>,
    /// A changed file seen once: handled when it looks the same again.
    pending: HashMap<PathBuf, Fingerprint>,
    /// The last outcome per file.
    outcomes: BTreeMap<PathBuf, Outcome>,
}

impl Reloads {
    /// The files of `catalog` as they are now: only later changes reload.
    pub(crate) fn of(catalog: &crate::plugin::PluginCatalog) -> Self {
        let seen = catalog
            .files()
            .iter()
            .filter_map(|f| Some((f.file.path.clone(), fingerprint(&f.file.path)?)))
            .collect();
        Self {
            seen,
            ..Self::default()
        }
    }
}

impl TaskTemplate {
    /// Whether any plugin of this connector (the connector, a converter, a
    /// transform or a predicate) comes from `path`.
    pub(super) fn uses_file(&self, path: &Path) -> bool {
        let converters = [Some(&self.converters.key), Some(&self.converters.value)]
            .into_iter()
            .chain(std::iter::once(self.converters.header.as_ref()))
            .flatten()
            .map(|c| &c.plugin);
        let steps = self.steps.iter().flat_map(|s| {
            std::iter::once(&s.plugin).chain(s.predicate.as_ref().map(|p| &p.plugin))
        });
        std::iter::once(&self.plugin)
            .chain(converters)
            .chain(steps)
            .any(|p| p.file.path == path)
    }
}

impl Worker {
    /// Check `plugin.path` every `interval` and apply what changed, until
    /// `stop` turns true.
    pub async fn watch_plugins(
        self: Arc<Self>,
        interval: Duration,
        mut stop: tokio::sync::watch::Receiver<bool>,
    ) {
        tracing::info!(
            interval_ms = interval.as_millis() as u64,
            "Watching plugin.path for changed plugin files"
        );
        loop {
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = stop.wait_for(|s| *s) => return,
            }
            self.rescan().await;
        }
    }

    /// One look at `plugin.path`: load the files that changed and have
    /// settled since the last look, and switch the connectors using them.
    pub async fn rescan(&self) {
        let search_path = self.shared.catalog().search_path().to_vec();
        let (files, _) = tokio::task::spawn_blocking(move || discover(&search_path))
            .await
            .unwrap_or_default();
        let mut settled = Vec::new();
        {
            let mut reloads = self.lock_reloads();
            let reloads = &mut *reloads;
            for path in &files {
                let Some(now) = fingerprint(path) else {
                    continue;
                };
                if reloads.seen.get(path) == Some(&now) {
                    reloads.pending.remove(path);
                    continue;
                }
                if reloads.pending.get(path) != Some(&now) {
                    reloads.pending.insert(path.clone(), now);
                    continue;
                }
                reloads.pending.remove(path);
                reloads.seen.insert(path.clone(), now);
                settled.push(path.clone());
            }
            let gone: Vec<PathBuf> = reloads
                .seen
                .keys()
                .filter(|p| !files.contains(p))
                .cloned()
                .collect();
            for path in gone {
                reloads.seen.remove(&path);
                reloads.pending.remove(&path);
                if self.shared.catalog().file(&path).is_some() {
                    tracing::warn!(
                        file = %path.display(),
                        "Plugin file removed: its plugins stay loaded, and connectors using them keep running on the version they have, until the worker restarts"
                    );
                    reloads.outcomes.insert(path, Outcome::new("REMOVED"));
                }
            }
        }
        for path in settled {
            self.reload_file(&path).await;
        }
    }

    /// Load `path` and, if it is a new version, switch to it.
    async fn reload_file(&self, path: &Path) {
        let loaded_sha = self
            .shared
            .catalog()
            .file(path)
            .map(|f| f.file.sha256.clone());
        let loaded = match load_one(&self.shared.engine, path).await {
            Ok(loaded) => loaded,
            Err(e) => {
                let sha = std::fs::read(path)
                    .ok()
                    .map(|b| crate::plugin::cache::hex(&crate::plugin::cache::sha256(&b)));
                if sha.is_some() && sha == loaded_sha {
                    // Unreadable now, yet the same bytes as loaded: a
                    // passing problem; nothing changed.
                    return;
                }
                let reason = e.to_string();
                match &loaded_sha {
                    Some(_) => tracing::error!(
                        file = %path.display(),
                        "New version of the plugin file not loaded; the previous version keeps running: {reason}"
                    ),
                    None => {
                        tracing::error!(file = %path.display(), "Plugin file not loaded: {reason}")
                    }
                }
                let mut outcome = Outcome::new("FAILED");
                outcome.sha256 = sha;
                outcome.reason = Some(reason);
                self.lock_reloads()
                    .outcomes
                    .insert(path.to_owned(), outcome);
                return;
            }
        };
        if Some(&loaded.file.sha256) == loaded_sha.as_ref() {
            // Touched or copied again with the same bytes.
            return;
        }
        let outcome = self.switch(loaded, loaded_sha.is_some()).await;
        self.lock_reloads()
            .outcomes
            .insert(path.to_owned(), outcome);
    }

    /// Put `loaded` into the catalog, then drain and restart each running
    /// connector that uses a plugin of its file; on any failure go back to
    /// the previous version everywhere.
    async fn switch(&self, loaded: LoadedFile, replaces: bool) -> Outcome {
        let path = loaded.file.path.clone();
        let sha = loaded.file.sha256.clone();
        let versions: Vec<String> = loaded
            .manifests
            .iter()
            .map(|m| format!("{} {}", m.name, m.version))
            .collect();
        let mut running = self.running.lock().await;
        let previous = self.shared.catalog();
        self.shared
            .set_catalog(Arc::new(previous.with_file(loaded)));
        let affected: Vec<String> = running
            .iter()
            .filter(|(_, r)| r.template.as_ref().is_some_and(|t| t.uses_file(&path)))
            .map(|(name, _)| name.clone())
            .collect();
        tracing::info!(
            file = %path.display(),
            plugins = %versions.join(", "),
            connectors = ?affected,
            "Loaded a new version of a plugin file; switching the connectors that use it"
        );
        let mut switched = Vec::new();
        let mut failure = None;
        for name in &affected {
            let Some(stored) = self.shared.configs.get(name) else {
                continue;
            };
            let current = running.remove(name).unwrap_or_default();
            tracing::info!(connector = %name, file = %path.display(), "Draining the connector to switch plugin versions");
            self.stop_running(name, current).await;
            self.shared.statuses.remove_tasks(name);
            switched.push(name.clone());
            let started = match self.start_checked(name, &stored).await {
                Ok(r) => {
                    let tasks = r.tasks.iter().map(|t| (t.id, t.started.clone())).collect();
                    let up = self.wait_started(name, tasks).await;
                    running.insert(name.clone(), r);
                    up
                }
                Err(e) => Err(e.to_string()),
            };
            if let Err(reason) = started {
                failure = Some(format!(
                    "connector {name} failed to start with it: {reason}"
                ));
                break;
            }
            tracing::info!(connector = %name, file = %path.display(), "Connector switched to the new plugin version");
        }
        let mut outcome;
        match failure {
            None => {
                outcome = Outcome::new(if replaces { "SWITCHED" } else { "LOADED" });
            }
            Some(reason) => {
                tracing::error!(
                    file = %path.display(),
                    "New version of the plugin file not used, going back to the previous one: {reason}"
                );
                self.shared.set_catalog(previous);
                for name in &switched {
                    let current = running.remove(name).unwrap_or_default();
                    self.stop_running(name, current).await;
                    self.shared.statuses.remove_tasks(name);
                    let Some(stored) = self.shared.configs.get(name) else {
                        continue;
                    };
                    let back = match self.start_checked(name, &stored).await {
                        Ok(r) => r,
                        Err(e) => {
                            self.shared
                                .set_connector(name, State::Failed, Some(e.to_string()));
                            Running::default()
                        }
                    };
                    running.insert(name.clone(), back);
                    tracing::info!(connector = %name, "Connector is back on the previous plugin version");
                }
                outcome = Outcome::new("FAILED");
                outcome.reason = Some(reason);
            }
        }
        outcome.sha256 = Some(sha);
        outcome.connectors = switched;
        outcome
    }

    /// Wait until the connector started and each of its tasks created its
    /// plugins; the reason if one of them failed.
    async fn wait_started(
        &self,
        name: &str,
        tasks: Vec<(u32, tokio::sync::watch::Receiver<u64>)>,
    ) -> Result<(), String> {
        let failed = |status: Option<crate::storage::Status>| {
            status.and_then(|s| match s.state {
                State::Failed | State::Restarting => {
                    Some(s.trace.unwrap_or_else(|| "it failed".into()))
                }
                _ => None,
            })
        };
        if let Some(trace) = failed(self.shared.statuses.connector(name)) {
            return Err(trace);
        }
        let deadline = tokio::time::Instant::now() + START_TIMEOUT;
        for (id, mut started) in tasks {
            loop {
                if *started.borrow() > 0 {
                    break;
                }
                let status = self
                    .shared
                    .statuses
                    .tasks(name)
                    .into_iter()
                    .find(|(task, _)| *task == id)
                    .map(|(_, s)| s);
                if let Some(trace) = failed(status) {
                    return Err(format!("task {id}: {trace}"));
                }
                if tokio::time::Instant::now() >= deadline {
                    return Err(format!(
                        "task {id} did not start within {} s",
                        START_TIMEOUT.as_secs()
                    ));
                }
                // Woken by the start, or by a status change seen on the
                // next look.
                let _ = tokio::time::timeout(Duration::from_millis(50), started.changed()).await;
            }
        }
        Ok(())
    }

    fn lock_reloads(&self) -> std::sync::MutexGuard<'_, Reloads> {
        self.reloads
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// `GET /plugin-files` (ours): each plugin file, the version loaded
    /// (SHA-256 and its plugins' versions) and the last reload outcome.
    pub fn plugin_files(&self) -> Value {
        let catalog = self.shared.catalog();
        let reloads = self.lock_reloads();
        let mut out: BTreeMap<PathBuf, Value> = BTreeMap::new();
        for f in catalog.files() {
            out.insert(
                f.file.path.clone(),
                json!({
                    "file": f.file.path.display().to_string(),
                    "sha256": f.file.sha256,
                    "plugins": f.manifests.iter().map(|m| json!({
                        "class": m.name,
                        "type": m.kind.rest_name(),
                        "version": m.version,
                    })).collect::<Vec<_>>(),
                }),
            );
        }
        for (path, o) in &reloads.outcomes {
            let entry = out.entry(path.clone()).or_insert_with(
                || json!({"file": path.display().to_string(), "sha256": null, "plugins": []}),
            );
            entry["last_reload"] = json!({
                "state": o.state,
                "sha256": o.sha256,
                "reason": o.reason,
                "connectors": o.connectors,
                "at_ms": o.at_ms,
            });
        }
        Value::Array(out.into_values().collect())
    }
}
