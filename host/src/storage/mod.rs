//! Where the worker keeps what must outlive a task: source offsets,
//! connector configurations and statuses. Each is a small trait, so the
//! distributed mode can back them with Kafka topics without touching the
//! task loops; standalone uses a file for offsets and memory for the rest,
//! as Apache's standalone worker does.

pub mod configs;
pub mod java_serialization;
pub mod offsets;
pub mod status;

pub use configs::{ConfigStore, MemoryConfigStore};
pub use offsets::{FileOffsetStore, MemoryOffsetStore, OffsetStore};
pub use status::{ConnectorStatus, MemoryStatusStore, State, Status, StatusStore, TaskStatus};

use std::path::PathBuf;

/// A storage operation that failed.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// Reading or writing a file failed.
    #[error("offsets file {path}: {action} failed: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What was being done.
        action: &'static str,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The file's content is not an offsets file this worker can read.
    #[error(
        "offsets file {path} cannot be read: {reason}. Move it away or fix offset.storage.file.filename; the worker will not overwrite it"
    )]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}
