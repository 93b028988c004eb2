//! Source offsets: `(connector, source partition) → source offset`, stored
//! as Apache Kafka Connect stores them, so offsets survive a switch between
//! Apache's worker and ours in either direction.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde_json::Value;
use wasm_connect_sdk::SourceOffset;

use super::StorageError;
use super::java_serialization::{decode_byte_map, encode_byte_map, is_java_serialization};

/// Reads and durably writes source offsets.
pub trait OffsetStore: Send + Sync {
    /// Every stored offset of `connector` (deleted ones left out).
    fn offsets(&self, connector: &str) -> Vec<SourceOffset>;

    /// Store offsets for `connector`: `(partition JSON, offset JSON or None
    /// to delete)`. Returns once they are durable.
    fn commit(
        &self,
        connector: &str,
        offsets: &[(String, Option<String>)],
    ) -> Result<(), StorageError>;
}

/// The key Apache stores an offset under: compact JSON
/// `["<connector>",{<partition>}]` (its JsonConverter without schemas).
fn key_json(connector: &str, partition: &Value) -> Vec<u8> {
    Value::Array(vec![Value::String(connector.to_owned()), partition.clone()])
        .to_string()
        .into_bytes()
}

/// `(connector, partition)` of a stored key, if it has Apache's shape.
fn parse_key(key: &[u8]) -> Option<(String, Value)> {
    let Value::Array(mut parts) = serde_json::from_slice(key).ok()? else {
        return None;
    };
    if parts.len() != 2 {
        return None;
    }
    let partition = parts.pop()?;
    let Value::String(connector) = parts.pop()? else {
        return None;
    };
    Some((connector, partition))
}

/// The entries, in the order they were first stored, with an index by
/// parsed key. Keys this worker cannot parse are kept untouched.
#[derive(Default)]
struct Table {
    entries: Vec<(Vec<u8>, Option<Vec<u8>>)>,
    index: HashMap<String, Vec<usize>>,
}

impl Table {
    fn from_entries(entries: Vec<(Vec<u8>, Option<Vec<u8>>)>) -> Self {
        let mut table = Self::default();
        for entry in entries {
            table.push(entry);
        }
        table
    }

    fn push(&mut self, entry: (Vec<u8>, Option<Vec<u8>>)) {
        if let Some((connector, _)) = parse_key(&entry.0) {
            self.index
                .entry(connector)
                .or_default()
                .push(self.entries.len());
        }
        self.entries.push(entry);
    }

    fn offsets(&self, connector: &str) -> Vec<SourceOffset> {
        let Some(positions) = self.index.get(connector) else {
            return Vec::new();
        };
        positions
            .iter()
            .filter_map(|i| self.entries.get(*i))
            .filter_map(|(key, value)| {
                let (_, partition) = parse_key(key)?;
                let value = value.as_ref()?;
                let offset: Value = serde_json::from_slice(value).ok()?;
                Some(SourceOffset {
                    partition: partition.to_string(),
                    offset: offset.to_string(),
                })
            })
            .collect()
    }

    /// Set several offsets of one connector.
    fn apply(&mut self, connector: &str, offsets: &[(String, Option<String>)]) {
        for (partition, offset) in offsets {
            self.set(connector, partition, offset.as_deref());
        }
    }

    /// Set one offset; partitions compare as JSON values (key order aside).
    fn set(&mut self, connector: &str, partition: &str, offset: Option<&str>) {
        let partition: Value =
            serde_json::from_str(partition).unwrap_or(Value::String(partition.to_owned()));
        let value = offset.map(|o| {
            serde_json::from_str::<Value>(o)
                .map(|v| v.to_string())
                .unwrap_or_else(|_| o.to_owned())
                .into_bytes()
        });
        let existing = self.index.get(connector).and_then(|positions| {
            positions.iter().copied().find(|i| {
                self.entries
                    .get(*i)
                    .and_then(|(k, _)| parse_key(k))
                    .is_some_and(|(_, p)| p == partition)
            })
        });
        match existing.and_then(|i| self.entries.get_mut(i)) {
            Some(entry) => entry.1 = value,
            None => self.push((key_json(connector, &partition), value)),
        }
    }
}

/// Offsets in `offset.storage.file.filename`, in Apache's format (Java
/// serialization of a `HashMap<byte[], byte[]>`). Every commit rewrites the
/// file atomically: a temporary file, fsync, rename, fsync of the directory.
pub struct FileOffsetStore {
    path: PathBuf,
    table: Mutex<Table>,
}

impl FileOffsetStore {
    /// Open (or start) the offsets file. A file that exists but is not an
    /// offsets file is an error: overwriting it could destroy a user's data.
    pub fn open(path: &Path) -> Result<Self, StorageError> {
        let started = std::time::Instant::now();
        let table = match fs::read(path) {
            Ok(bytes) if bytes.is_empty() => Table::default(),
            Ok(bytes) if is_java_serialization(&bytes) => {
                tracing::info!(file = %path.display(), bytes = bytes.len(), "Reading offsets file");
                let entries = decode_byte_map(&bytes).map_err(|e| StorageError::Corrupt {
                    path: path.to_owned(),
                    reason: e.to_string(),
                })?;
                Table::from_entries(entries)
            }
            Ok(_) => {
                return Err(StorageError::Corrupt {
                    path: path.to_owned(),
                    reason: "it is not in Kafka Connect's offsets format (Java serialization, starting AC ED 00 05)".into(),
                });
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Table::default(),
            Err(source) => {
                return Err(StorageError::Io {
                    path: path.to_owned(),
                    action: "reading",
                    source,
                });
            }
        };
        tracing::info!(
            file = %path.display(),
            entries = table.entries.len(),
            took_ms = started.elapsed().as_millis() as u64,
            "Opened offsets file"
        );
        Ok(Self {
            path: path.to_owned(),
            table: Mutex::new(table),
        })
    }

    fn write(&self, bytes: &[u8]) -> Result<(), StorageError> {
        super::write_atomically(&self.path, bytes)
    }
}

/// The table behind a lock; a panic elsewhere while it was held does not
/// make the offsets unreadable.
fn lock(table: &Mutex<Table>) -> std::sync::MutexGuard<'_, Table> {
    match table.lock() {
        Ok(t) => t,
        Err(poisoned) => poisoned.into_inner(),
    }
}

impl OffsetStore for FileOffsetStore {
    fn offsets(&self, connector: &str) -> Vec<SourceOffset> {
        lock(&self.table).offsets(connector)
    }

    fn commit(
        &self,
        connector: &str,
        offsets: &[(String, Option<String>)],
    ) -> Result<(), StorageError> {
        let mut table = lock(&self.table);
        table.apply(connector, offsets);
        let bytes = encode_byte_map(&table.entries);
        // Written under the lock, so two commits never interleave files.
        self.write(&bytes)
    }
}

/// Offsets in memory only (tests, and workers without an offsets file).
#[derive(Default)]
pub struct MemoryOffsetStore {
    table: Mutex<Table>,
}

impl OffsetStore for MemoryOffsetStore {
    fn offsets(&self, connector: &str) -> Vec<SourceOffset> {
        lock(&self.table).offsets(connector)
    }

    fn commit(
        &self,
        connector: &str,
        offsets: &[(String, Option<String>)],
    ) -> Result<(), StorageError> {
        lock(&self.table).apply(connector, offsets);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_through_the_file_in_apaches_shape() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("connect.offsets");
        let store = FileOffsetStore::open(&path).unwrap();
        assert!(store.offsets("src").is_empty());
        store
            .commit(
                "src",
                &[(
                    r#"{"filename":"/tmp/in.txt"}"#.into(),
                    Some(r#"{"position":10}"#.into()),
                )],
            )
            .unwrap();
        store
            .commit(
                "src",
                &[(
                    r#"{ "filename" : "/tmp/in.txt" }"#.into(),
                    Some(r#"{"position":25}"#.into()),
                )],
            )
            .unwrap();
        store
            .commit("other", &[(r#"{"a":1,"b":2}"#.into(), Some("{}".into()))])
            .unwrap();

        let reopened = FileOffsetStore::open(&path).unwrap();
        assert_eq!(
            reopened.offsets("src"),
            vec![SourceOffset {
                partition: r#"{"filename":"/tmp/in.txt"}"#.into(),
                offset: r#"{"position":25}"#.into(),
            }]
        );
        // Partitions match regardless of key order.
        reopened
            .commit("other", &[(r#"{"b":2,"a":1}"#.into(), None)])
            .unwrap();
        assert!(reopened.offsets("other").is_empty());

        let bytes = fs::read(&path).unwrap();
        let entries = decode_byte_map(&bytes).unwrap();
        assert_eq!(
            entries[0].0,
            br#"["src",{"filename":"/tmp/in.txt"}]"#.to_vec()
        );
        assert_eq!(entries[0].1.as_deref(), Some(&br#"{"position":25}"#[..]));
        assert_eq!(entries[1].1, None);
        assert!(!dir.path().join(".connect.offsets.tmp").exists());
    }

    #[test]
    fn an_apache_written_file_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("connect.offsets");
        fs::write(
            &path,
            include_bytes!("../../tests/fixtures/offsets/apache-two-entries.bin"),
        )
        .unwrap();
        let store = FileOffsetStore::open(&path).unwrap();
        // The fixture holds /tmp/in.txt at 1024 and a deleted /tmp/gone.txt.
        assert_eq!(
            store.offsets("file-source"),
            vec![SourceOffset {
                partition: r#"{"filename":"/tmp/in.txt"}"#.into(),
                offset: r#"{"position":1024}"#.into(),
            }]
        );
    }

    #[test]
    fn a_foreign_file_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("connect.offsets");
        fs::write(&path, "not offsets").unwrap();
        let err = FileOffsetStore::open(&path).err().unwrap();
        assert!(err.to_string().contains("will not overwrite it"), "{err}");
        assert_eq!(fs::read_to_string(&path).unwrap(), "not offsets");
    }
}
