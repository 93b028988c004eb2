//! What the REST API shows of connectors and tasks, in Apache Kafka
//! Connect's JSON shapes.

use serde::Serialize;

use crate::config::ConnectorType;
use crate::storage::{State, Status};

/// A connector as `GET /connectors/{name}` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ConnectorInfo {
    /// The name.
    pub name: String,
    /// The configuration, as given.
    pub config: serde_json::Map<String, serde_json::Value>,
    /// Its tasks.
    pub tasks: Vec<TaskId>,
    /// Source or sink (absent when the class is unknown).
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<ConnectorType>,
}

/// A task's id as the REST API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaskId {
    /// The connector.
    pub connector: String,
    /// The task number.
    pub task: u32,
}

/// One state in a status response.
#[derive(Debug, Clone, Serialize)]
pub struct StateInfo {
    /// The state.
    pub state: State,
    /// The worker.
    pub worker_id: String,
    /// Why it failed (only when set, as Apache).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace: Option<String>,
}

/// A task's state in a status response.
#[derive(Debug, Clone, Serialize)]
pub struct TaskStateInfo {
    /// The task number.
    pub id: u32,
    /// Its state.
    #[serde(flatten)]
    pub status: StateInfo,
}

/// `GET /connectors/{name}/status`.
#[derive(Debug, Clone, Serialize)]
pub struct ConnectorStateInfo {
    /// The connector.
    pub name: String,
    /// Its state.
    pub connector: StateInfo,
    /// Its tasks' states.
    pub tasks: Vec<TaskStateInfo>,
    /// Source or sink.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<ConnectorType>,
}

impl From<Status> for StateInfo {
    fn from(s: Status) -> Self {
        Self {
            state: s.state,
            worker_id: s.worker_id,
            trace: s.trace,
        }
    }
}
