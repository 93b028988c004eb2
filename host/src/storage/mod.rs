//! Where the worker keeps what must outlive a task: source offsets,
//! connector configurations and statuses. Each is a small trait, so the
//! distributed mode can back them with Kafka topics without touching the
//! task loops; standalone uses a file for offsets and memory for the rest,
//! as Apache's standalone worker does.

pub mod configs;
pub mod java_serialization;
pub mod offsets;
pub mod status;

pub use configs::{ConfigStore, LocalConfigStore, Origin, StoredConnector, TargetState};
pub use offsets::{FileOffsetStore, MemoryOffsetStore, OffsetStore};
pub use status::{ConnectorStatus, MemoryStatusStore, State, Status, StatusStore, TaskStatus};

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// A storage operation that failed.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// Reading or writing a file failed.
    #[error("file {path}: {action} failed: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What was being done.
        action: &'static str,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The file's content is not a file this worker can read.
    #[error(
        "offsets file {path} cannot be read: {reason}. Move it away or fix offset.storage.file.filename; the worker will not overwrite it"
    )]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The connectors file cannot be read.
    #[error(
        "connectors file {path} cannot be read: {reason}. Move it away or fix config.storage.file.filename; the worker will not overwrite it"
    )]
    CorruptConnectors {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

/// Replace `path` with `bytes` so that a crash leaves either the old or the
/// new content, never a mix: a temporary file beside it, fsync, rename,
/// fsync of the directory.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), StorageError> {
    let io = |action: &'static str| {
        let path = path.to_owned();
        move |source| StorageError::Io {
            path,
            action,
            source,
        }
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "wasm-connect".into());
    let tmp = dir.join(format!(".{file_name}.tmp"));
    let mut file = fs::File::create(&tmp).map_err(io("creating the temporary file"))?;
    file.write_all(bytes).map_err(io("writing"))?;
    file.sync_all().map_err(io("syncing"))?;
    drop(file);
    fs::rename(&tmp, path).map_err(io("renaming the temporary file"))?;
    // The rename is durable only once the directory entry is.
    if let Ok(d) = fs::File::open(dir) {
        d.sync_all().map_err(io("syncing the directory"))?;
    }
    Ok(())
}
