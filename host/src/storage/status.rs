//! Connector and task states, as Apache Kafka Connect reports them.

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde::Serialize;

/// A connector's or task's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum State {
    /// Not yet started on any worker.
    Unassigned,
    /// Running.
    Running,
    /// Paused by a user.
    Paused,
    /// Stopped by a user (connectors only).
    Stopped,
    /// Failed; `trace` says why.
    Failed,
    /// Being restarted.
    Restarting,
}

/// A state, the worker it is on, and why it failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// The state.
    pub state: State,
    /// The worker (`host:port`).
    pub worker_id: String,
    /// Why it failed, when it did.
    pub trace: Option<String>,
}

/// A connector's status.
pub type ConnectorStatus = Status;
/// A task's status.
pub type TaskStatus = Status;

/// Keeps statuses.
pub trait StatusStore: Send + Sync {
    /// Set a connector's status.
    fn put_connector(&self, connector: &str, status: ConnectorStatus);
    /// Set a task's status.
    fn put_task(&self, connector: &str, task: u32, status: TaskStatus);
    /// A connector's status.
    fn connector(&self, connector: &str) -> Option<ConnectorStatus>;
    /// A connector's tasks' statuses, by task id.
    fn tasks(&self, connector: &str) -> Vec<(u32, TaskStatus)>;
    /// Forget a connector's tasks.
    fn remove_tasks(&self, connector: &str);
    /// Forget a connector and its tasks.
    fn remove(&self, connector: &str);
    /// Record that `connector` used `topic` (KIP-558 active topics).
    fn add_topic(&self, connector: &str, topic: &str);
    /// The topics `connector` used since it was created or last reset,
    /// sorted.
    fn topics(&self, connector: &str) -> Vec<String>;
    /// Forget the topics `connector` used.
    fn reset_topics(&self, connector: &str);
}

#[derive(Default)]
struct Statuses {
    connectors: BTreeMap<String, ConnectorStatus>,
    tasks: BTreeMap<(String, u32), TaskStatus>,
    topics: BTreeMap<String, std::collections::BTreeSet<String>>,
}

/// Statuses in memory (Apache's standalone worker keeps them in memory too).
#[derive(Default)]
pub struct MemoryStatusStore {
    inner: Mutex<Statuses>,
}

impl MemoryStatusStore {
    fn with<R>(&self, f: impl FnOnce(&mut Statuses) -> R) -> R {
        match self.inner.lock() {
            Ok(mut s) => f(&mut s),
            Err(poisoned) => f(&mut poisoned.into_inner()),
        }
    }
}

impl StatusStore for MemoryStatusStore {
    fn put_connector(&self, connector: &str, status: ConnectorStatus) {
        self.with(|s| s.connectors.insert(connector.to_owned(), status));
    }

    fn put_task(&self, connector: &str, task: u32, status: TaskStatus) {
        self.with(|s| s.tasks.insert((connector.to_owned(), task), status));
    }

    fn connector(&self, connector: &str) -> Option<ConnectorStatus> {
        self.with(|s| s.connectors.get(connector).cloned())
    }

    fn tasks(&self, connector: &str) -> Vec<(u32, TaskStatus)> {
        self.with(|s| {
            s.tasks
                .iter()
                .filter(|((c, _), _)| c == connector)
                .map(|((_, id), st)| (*id, st.clone()))
                .collect()
        })
    }

    fn remove_tasks(&self, connector: &str) {
        self.with(|s| s.tasks.retain(|(c, _), _| c != connector));
    }

    fn remove(&self, connector: &str) {
        self.with(|s| {
            s.connectors.remove(connector);
            s.tasks.retain(|(c, _), _| c != connector);
            s.topics.remove(connector);
        });
    }

    fn add_topic(&self, connector: &str, topic: &str) {
        self.with(|s| {
            s.topics
                .entry(connector.to_owned())
                .or_default()
                .insert(topic.to_owned())
        });
    }

    fn topics(&self, connector: &str) -> Vec<String> {
        self.with(|s| {
            s.topics
                .get(connector)
                .map(|t| t.iter().cloned().collect())
                .unwrap_or_default()
        })
    }

    fn reset_topics(&self, connector: &str) {
        self.with(|s| s.topics.remove(connector));
    }
}
