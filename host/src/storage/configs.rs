//! Connector configurations, the state a user asked each connector to be in
//! (Apache's target state), and the task configurations derived from them.
//!
//! Beyond Apache's standalone worker, which forgets connectors created over
//! REST when it stops, [`LocalConfigStore`] opened on a file keeps them in a JSON file next to
//! the offsets file, so standalone mode is usable in production.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use super::StorageError;

/// A configuration: key/value pairs in the user's order.
pub type Entries = Vec<(String, String)>;

/// The state a user asked a connector to be in (`initial_state`,
/// `/pause`, `/resume`, `/stop`), as Apache's `TargetState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum TargetState {
    /// Running (Apache's STARTED; REST calls it RUNNING).
    #[serde(alias = "RUNNING")]
    Started,
    /// Connector and tasks exist but move no records.
    Paused,
    /// Tasks torn down, configuration kept (KIP-875).
    Stopped,
}

/// Where a connector's configuration came from. Connectors from files
/// given on the command line are read from those files at every start (as
/// Apache does); connectors created or last changed over REST are restored
/// from the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// A connector file on the command line.
    File,
    /// The REST API.
    Rest,
}

/// One stored connector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredConnector {
    /// Its configuration, unresolved (`${provider:…}` kept as written).
    #[serde(with = "ordered_map")]
    pub config: Entries,
    /// The state the user asked for.
    pub target_state: TargetState,
    /// Where the configuration came from.
    pub origin: Origin,
}

/// Keeps connector and task configurations.
pub trait ConfigStore: Send + Sync {
    /// A connector, if it exists.
    fn get(&self, connector: &str) -> Option<StoredConnector>;
    /// Store (or replace) a connector.
    fn put(&self, connector: &str, stored: StoredConnector) -> Result<(), StorageError>;
    /// Forget a connector and its tasks.
    fn remove(&self, connector: &str) -> Result<(), StorageError>;
    /// Every connector's name, sorted.
    fn connectors(&self) -> Vec<String>;
    /// Store the task configurations of a connector (kept in memory: they
    /// are derived from the connector's configuration at every start).
    fn put_task_configs(&self, connector: &str, tasks: Vec<Entries>);
    /// A connector's task configurations.
    fn task_configs(&self, connector: &str) -> Vec<Entries>;

    /// A connector's configuration.
    fn connector(&self, connector: &str) -> Option<Entries> {
        self.get(connector).map(|c| c.config)
    }

    /// Change a connector's target state.
    fn put_target_state(&self, connector: &str, state: TargetState) -> Result<(), StorageError> {
        match self.get(connector) {
            Some(mut stored) => {
                stored.target_state = state;
                self.put(connector, stored)
            }
            None => Ok(()),
        }
    }
}

#[derive(Default)]
struct Configs {
    connectors: BTreeMap<String, StoredConnector>,
    tasks: BTreeMap<String, Vec<Entries>>,
}

fn lock(inner: &Mutex<Configs>) -> std::sync::MutexGuard<'_, Configs> {
    match inner.lock() {
        Ok(c) => c,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// The file's layout, versioned so a later worker can migrate it.
#[derive(Serialize, Deserialize)]
struct ConnectorsFile {
    version: u32,
    connectors: BTreeMap<String, StoredConnector>,
}

const FILE_VERSION: u32 = 1;

/// Connectors in memory, and when opened on a file
/// (`config.storage.file.filename`) also in that JSON file, rewritten
/// atomically on every change. Values are stored exactly as the user wrote
/// them: a `${file:…}` reference stays a reference, so no resolved secret
/// is ever written there.
#[derive(Default)]
pub struct LocalConfigStore {
    /// None: memory only (Apache's standalone behaviour).
    path: Option<PathBuf>,
    inner: Mutex<Configs>,
}

impl LocalConfigStore {
    /// Connectors kept in memory only.
    pub fn memory() -> Self {
        Self::default()
    }

    /// Open (or start) the connectors file. A file that exists but cannot
    /// be read is an error: overwriting it would lose the user's
    /// connectors.
    pub fn open(path: &Path) -> Result<Self, StorageError> {
        let corrupt = |reason: String| StorageError::CorruptConnectors {
            path: path.to_owned(),
            reason,
        };
        let connectors = match std::fs::read(path) {
            Ok(bytes) if bytes.is_empty() => BTreeMap::new(),
            Ok(bytes) => {
                let file: ConnectorsFile =
                    serde_json::from_slice(&bytes).map_err(|e| corrupt(e.to_string()))?;
                if file.version != FILE_VERSION {
                    return Err(corrupt(format!(
                        "it has version {}, this worker reads version {FILE_VERSION}",
                        file.version
                    )));
                }
                file.connectors
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
            Err(source) => {
                return Err(StorageError::Io {
                    path: path.to_owned(),
                    action: "reading",
                    source,
                });
            }
        };
        tracing::info!(file = %path.display(), connectors = connectors.len(), "Opened connectors file");
        Ok(Self {
            path: Some(path.to_owned()),
            inner: Mutex::new(Configs {
                connectors,
                tasks: BTreeMap::new(),
            }),
        })
    }

    /// Write the connectors as they are after `change`; on failure the
    /// change is undone, so memory and file never disagree.
    fn change(
        &self,
        change: impl FnOnce(&mut BTreeMap<String, StoredConnector>),
    ) -> Result<(), StorageError> {
        let mut c = lock(&self.inner);
        let Some(path) = &self.path else {
            change(&mut c.connectors);
            return Ok(());
        };
        let before = c.connectors.clone();
        change(&mut c.connectors);
        let file = ConnectorsFile {
            version: FILE_VERSION,
            connectors: c.connectors.clone(),
        };
        let written = serde_json::to_vec_pretty(&file)
            .map_err(|e| StorageError::Io {
                path: path.clone(),
                action: "encoding",
                source: std::io::Error::other(e),
            })
            .and_then(|bytes| super::write_atomically(path, &bytes));
        if written.is_err() {
            c.connectors = before;
        }
        written
    }
}

impl ConfigStore for LocalConfigStore {
    fn get(&self, connector: &str) -> Option<StoredConnector> {
        lock(&self.inner).connectors.get(connector).cloned()
    }

    fn put(&self, connector: &str, stored: StoredConnector) -> Result<(), StorageError> {
        self.change(|c| {
            c.insert(connector.to_owned(), stored);
        })
    }

    fn remove(&self, connector: &str) -> Result<(), StorageError> {
        lock(&self.inner).tasks.remove(connector);
        self.change(|c| {
            c.remove(connector);
        })
    }

    fn connectors(&self) -> Vec<String> {
        lock(&self.inner).connectors.keys().cloned().collect()
    }

    fn put_task_configs(&self, connector: &str, tasks: Vec<Entries>) {
        lock(&self.inner).tasks.insert(connector.to_owned(), tasks);
    }

    fn task_configs(&self, connector: &str) -> Vec<Entries> {
        lock(&self.inner)
            .tasks
            .get(connector)
            .cloned()
            .unwrap_or_default()
    }
}

/// Entries as a JSON object in the user's order (serde_json keeps the
/// order with `preserve_order`).
mod ordered_map {
    use serde::de::{Deserializer, MapAccess, Visitor};
    use serde::ser::{SerializeMap, Serializer};

    use super::Entries;

    pub fn serialize<S: Serializer>(entries: &Entries, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(entries.len()))?;
        for (k, v) in entries {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Entries, D::Error> {
        struct Ordered;
        impl<'de> Visitor<'de> for Ordered {
            type Value = Entries;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object of string settings")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entries, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, String>()? {
                    out.push((k, v));
                }
                Ok(out)
            }
        }
        d.deserialize_map(Ordered)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(entries: &[(&str, &str)], origin: Origin) -> StoredConnector {
        StoredConnector {
            config: entries
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            target_state: TargetState::Started,
            origin,
        }
    }

    #[test]
    fn connectors_survive_reopening_in_order_with_their_state() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("connect.connectors.json");
        let store = LocalConfigStore::open(&path).unwrap();
        let a = stored(
            &[("name", "a"), ("tasks.max", "1"), ("connector.class", "X")],
            Origin::Rest,
        );
        store.put("a", a.clone()).unwrap();
        store
            .put("b", stored(&[("name", "b")], Origin::File))
            .unwrap();
        store.put_target_state("a", TargetState::Paused).unwrap();
        store.put_task_configs("a", vec![vec![("k".into(), "v".into())]]);
        store.remove("b").unwrap();

        let reopened = LocalConfigStore::open(&path).unwrap();
        assert_eq!(reopened.connectors(), vec!["a".to_string()]);
        let got = reopened.get("a").unwrap();
        assert_eq!(got.config, a.config, "order kept");
        assert_eq!(got.target_state, TargetState::Paused);
        assert_eq!(got.origin, Origin::Rest);
        assert!(
            reopened.task_configs("a").is_empty(),
            "tasks are not stored"
        );
    }

    #[test]
    fn an_unreadable_file_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.json");
        std::fs::write(&path, b"not json").unwrap();
        let err = LocalConfigStore::open(&path).err().unwrap().to_string();
        assert!(
            err.contains("c.json") && err.contains("cannot be read"),
            "{err}"
        );
        assert_eq!(std::fs::read(&path).unwrap(), b"not json");
        std::fs::write(&path, br#"{"version":9,"connectors":{}}"#).unwrap();
        let err = LocalConfigStore::open(&path).err().unwrap().to_string();
        assert!(err.contains("version 9"), "{err}");
    }

    #[test]
    fn a_failed_write_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("c.json");
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let store = LocalConfigStore::open(&path).unwrap();
        std::fs::remove_dir(dir.path().join("sub")).unwrap();
        assert!(
            store
                .put("a", stored(&[("name", "a")], Origin::Rest))
                .is_err()
        );
        assert!(store.get("a").is_none());
    }
}
