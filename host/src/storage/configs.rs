//! Connector configurations and the task configurations derived from them.

use std::collections::BTreeMap;
use std::sync::Mutex;

/// A configuration: key/value pairs in the user's order.
pub type Entries = Vec<(String, String)>;

/// Keeps connector and task configurations.
pub trait ConfigStore: Send + Sync {
    /// Store (or replace) a connector's configuration.
    fn put_connector(&self, connector: &str, config: Entries);
    /// A connector's configuration.
    fn connector(&self, connector: &str) -> Option<Entries>;
    /// Every connector's name, sorted.
    fn connectors(&self) -> Vec<String>;
    /// Store the task configurations of a connector.
    fn put_task_configs(&self, connector: &str, tasks: Vec<Entries>);
    /// A connector's task configurations.
    fn task_configs(&self, connector: &str) -> Vec<Entries>;
    /// Forget a connector and its tasks.
    fn remove(&self, connector: &str);
}

#[derive(Default)]
struct Configs {
    connectors: BTreeMap<String, Entries>,
    tasks: BTreeMap<String, Vec<Entries>>,
}

/// Configurations in memory (Apache's standalone worker does not persist
/// connectors created over REST either).
#[derive(Default)]
pub struct MemoryConfigStore {
    inner: Mutex<Configs>,
}

impl MemoryConfigStore {
    fn with<R>(&self, f: impl FnOnce(&mut Configs) -> R) -> R {
        match self.inner.lock() {
            Ok(mut c) => f(&mut c),
            Err(poisoned) => f(&mut poisoned.into_inner()),
        }
    }
}

impl ConfigStore for MemoryConfigStore {
    fn put_connector(&self, connector: &str, config: Entries) {
        self.with(|c| c.connectors.insert(connector.to_owned(), config));
    }

    fn connector(&self, connector: &str) -> Option<Entries> {
        self.with(|c| c.connectors.get(connector).cloned())
    }

    fn connectors(&self) -> Vec<String> {
        self.with(|c| c.connectors.keys().cloned().collect())
    }

    fn put_task_configs(&self, connector: &str, tasks: Vec<Entries>) {
        self.with(|c| c.tasks.insert(connector.to_owned(), tasks));
    }

    fn task_configs(&self, connector: &str) -> Vec<Entries> {
        self.with(|c| c.tasks.get(connector).cloned().unwrap_or_default())
    }

    fn remove(&self, connector: &str) {
        self.with(|c| {
            c.connectors.remove(connector);
            c.tasks.remove(connector);
        });
    }
}
