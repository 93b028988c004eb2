//! The compile cache: compiled components on disk, so a worker restart
//! loads its plugins in milliseconds instead of compiling them again.
//!
//! Our own instead of wasmtime's built-in `Cache`, because an entry here is
//! never trusted: each one is keyed by the SHA-256 of the component file's
//! bytes and by the engine's compatibility hash
//! ([`Engine::precompile_compatibility_hash`]: wasmtime's version, the
//! target and every setting that changes compiled code), and carries a
//! header with both keys and the SHA-256 of the compiled artifact. All of
//! it is checked before the artifact reaches `Component::deserialize`; any
//! mismatch (a torn write, a flipped bit, an entry another engine
//! configuration wrote, a file someone copied in) is logged with the reason
//! and the component is compiled again and the entry rewritten.
//!
//! Entries are written atomically (a temporary file, fsync, rename, fsync
//! of the folder), so a crash leaves either the old entry or the new one.
//! The folder is bounded: after each write the least recently used entries
//! are removed until the total fits `plugin.cache.max.bytes`.

use std::fs;
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

/// Marks an entry file, with the format's version in its last byte: a
/// change of layout makes old entries foreign, never misread.
const MAGIC: &[u8; 8] = b"WCCACHE1";
/// Magic, engine hash, source hash, artifact length, artifact hash.
const HEADER_LEN: usize = 8 + 32 + 32 + 8 + 32;
/// The entry file extension.
const ENTRY_EXT: &str = "cwasm";
/// A temporary file older than this is left over from a crash and removed
/// at the next cleanup (a write in progress takes seconds, not minutes).
const STALE_TEMP: Duration = Duration::from_secs(600);

/// Where and how much to cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheSettings {
    /// The cache folder (`plugin.cache.dir`).
    pub dir: PathBuf,
    /// The most bytes the folder may hold (`plugin.cache.max.bytes`).
    pub max_bytes: u64,
}

impl CacheSettings {
    /// 1 GiB: room for ~100 compiled Rust plugins or ~20 Python ones
    /// (compiled components are 2–4× their `.wasm` size), small beside a
    /// worker's disk.
    pub const DEFAULT_MAX_BYTES: u64 = 1024 * 1024 * 1024;

    /// The per-user cache folder (`$XDG_CACHE_HOME/wasm-connect`, by
    /// default `~/.cache/wasm-connect` on Linux), if the platform has one.
    pub fn default_dir() -> Option<PathBuf> {
        dirs::cache_dir().map(|d| d.join("wasm-connect"))
    }
}

/// What happened when a component was loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheOutcome {
    /// Loaded from a verified cache entry: nothing compiled.
    Hit,
    /// No entry: compiled, and the entry written.
    Miss,
    /// An entry was there but not usable (the reason): compiled, and the
    /// entry rewritten.
    Rebuilt(String),
    /// Compiled; no entry could be written (the reason), or caching is off.
    Uncached(String),
}

/// The compile cache of one engine.
pub struct CompileCache {
    root: PathBuf,
    /// `root/<first 16 hex digits of the engine hash>`: engines of other
    /// configurations or versions sharing the root keep their own entries.
    dir: PathBuf,
    max_bytes: u64,
    engine_hash: [u8; 32],
    /// A folder that cannot be written is reported once, not per file.
    warned: AtomicBool,
}

/// Feeds `Hash` output into SHA-256: a hash that is the same in every
/// process and release (std's `DefaultHasher` promises neither).
struct Sha256Hasher(Sha256);

impl Hasher for Sha256Hasher {
    fn finish(&self) -> u64 {
        // Only `write` is used; the digest is read with `finalize`.
        0
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
}

/// The engine's compatibility hash as 32 bytes.
pub fn engine_hash(engine: &Engine) -> [u8; 32] {
    let mut hasher = Sha256Hasher(Sha256::new());
    engine.precompile_compatibility_hash().hash(&mut hasher);
    hasher.0.finalize().into()
}

/// SHA-256 of `bytes`.
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// Lower-case hexadecimal (hand-written: four lines do not need a crate).
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

impl CompileCache {
    /// A cache in `settings.dir` for `engine`. Nothing is touched on disk
    /// until the first write.
    pub fn new(settings: &CacheSettings, engine: &Engine) -> Self {
        let engine_hash = engine_hash(engine);
        Self {
            dir: settings.dir.join(&hex(&engine_hash)[..16]),
            root: settings.dir.clone(),
            max_bytes: settings.max_bytes,
            engine_hash,
            warned: AtomicBool::new(false),
        }
    }

    /// The SHA-256 this cache noted for the file at `path` when its size,
    /// modification and change times and inode were what they are now
    /// (see [`Self::remember`]).
    pub fn recall(&self, path: &Path) -> Option<[u8; 32]> {
        let now = stat_line(&fs::metadata(path).ok()?);
        let memo = fs::read_to_string(self.memo_path(path)).ok()?;
        let (noted, sha) = memo.trim_end().rsplit_once(' ')?;
        if noted != now {
            return None;
        }
        let mut out = [0u8; 32];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(sha.get(i * 2..i * 2 + 2)?, 16).ok()?;
        }
        Some(out)
    }

    /// Note that the file at `path`, as `meta` (taken before its bytes were
    /// read) describes it, hashes to `sha`: a later start finds its entry
    /// without reading and hashing the file again, as `make`, cargo and
    /// git's index trust a file whose metadata did not change. The change
    /// time (in nanoseconds) and inode change with any write or
    /// replacement, even one that keeps the size and modification time.
    /// Best effort: without a note the file is hashed again.
    pub fn remember(&self, path: &Path, meta: &fs::Metadata, sha: &[u8; 32]) {
        let memo = self.memo_path(path);
        let Some(dir) = memo.parent() else {
            return;
        };
        if create_private_dir(dir).is_err() {
            return;
        }
        static NOTES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let temp = memo.with_extension(format!(
            "{}.{}.tmp",
            std::process::id(),
            NOTES.fetch_add(1, Ordering::Relaxed)
        ));
        let text = format!("{} {}\n", stat_line(meta), hex(sha));
        if fs::write(&temp, text)
            .and_then(|()| fs::rename(&temp, &memo))
            .is_err()
        {
            let _ = fs::remove_file(&temp);
        }
    }

    /// The component of a verified entry for bytes hashing to `source`, or
    /// None (the caller then reads the file and goes through [`Self::load`],
    /// which says why an entry is not used).
    pub fn hit(&self, engine: &Engine, path: &Path, source: &[u8; 32]) -> Option<Component> {
        let entry = self.entry_path(source);
        let stored = fs::read(&entry).ok()?;
        let component = self.verified(engine, source, &stored).ok()?;
        touch(&entry);
        tracing::debug!(file = %path.display(), entry = %entry.display(), "Loaded compiled plugin from the cache");
        Some(component)
    }

    /// Where the note of `path`'s hash is kept.
    fn memo_path(&self, path: &Path) -> PathBuf {
        let key = sha256(path.as_os_str().as_encoded_bytes());
        self.dir.join("files").join(hex(&key[..16]))
    }

    /// The entry file for a component whose bytes hash to `source`.
    pub fn entry_path(&self, source: &[u8; 32]) -> PathBuf {
        self.dir.join(format!("{}.{ENTRY_EXT}", hex(source)))
    }

    /// The component `bytes` (read from `path`) compiled for `engine`: from
    /// a verified entry when there is one, else compiled (CPU-heavy: call
    /// it off the threads that move records) and the entry written.
    pub fn load(
        &self,
        engine: &Engine,
        path: &Path,
        bytes: &[u8],
    ) -> Result<(Component, CacheOutcome), String> {
        let source = sha256(bytes);
        let entry = self.entry_path(&source);
        let found = match fs::read(&entry) {
            Ok(stored) => Some(self.verified(engine, &source, &stored)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => Some(Err(format!("cannot read it: {e}"))),
        };
        let rebuilt = match found {
            Some(Ok(component)) => {
                touch(&entry);
                tracing::debug!(file = %path.display(), entry = %entry.display(), "Loaded compiled plugin from the cache");
                return Ok((component, CacheOutcome::Hit));
            }
            Some(Err(reason)) => {
                tracing::warn!(
                    file = %path.display(),
                    entry = %entry.display(),
                    "Compile cache entry not used ({reason}); compiling the plugin again"
                );
                Some(reason)
            }
            None => None,
        };
        let component = Component::from_binary(engine, bytes).map_err(|e| format!("{e:#}"))?;
        let outcome = match self.store(&entry, &source, &component) {
            Ok(()) => match rebuilt {
                Some(reason) => CacheOutcome::Rebuilt(reason),
                None => CacheOutcome::Miss,
            },
            Err(reason) => {
                if !self.warned.swap(true, Ordering::Relaxed) {
                    tracing::warn!(
                        dir = %self.root.display(),
                        "Compiled plugins are not cached ({reason}); each start compiles them again. \
                         Set plugin.cache.dir to a writable folder, or plugin.cache.enable=false"
                    );
                }
                CacheOutcome::Uncached(reason)
            }
        };
        Ok((component, outcome))
    }

    /// The component in `stored`, if its header matches this engine and
    /// `source` and its artifact matches its checksum.
    fn verified(
        &self,
        engine: &Engine,
        source: &[u8; 32],
        stored: &[u8],
    ) -> Result<Component, String> {
        let header = stored
            .get(..HEADER_LEN)
            .ok_or_else(|| format!("truncated: {} bytes", stored.len()))?;
        let (magic, rest) = header.split_at(8);
        let (engine_hash, rest) = rest.split_at(32);
        let (source_hash, rest) = rest.split_at(32);
        let (len, artifact_hash) = rest.split_at(8);
        if magic != MAGIC {
            return Err("not a wasm-connect cache entry of this format".into());
        }
        if engine_hash != self.engine_hash {
            return Err("written by another engine configuration or wasmtime version".to_owned());
        }
        if source_hash != source {
            return Err("it belongs to other component bytes".into());
        }
        let mut len_bytes = [0u8; 8];
        len_bytes.copy_from_slice(len);
        let artifact = &stored[HEADER_LEN..];
        if u64::from_le_bytes(len_bytes) != artifact.len() as u64 {
            return Err(format!(
                "truncated: the artifact has {} of {} bytes",
                artifact.len(),
                u64::from_le_bytes(len_bytes)
            ));
        }
        if sha256(artifact) != artifact_hash {
            return Err("corrupt: the artifact does not match its checksum".into());
        }
        // SAFETY: `Component::deserialize` trusts its bytes to be compiled
        // code that wasmtime itself produced for a compatible engine; wrong
        // bytes would be executed as machine code. Here the bytes are:
        // - exactly those this process checked just above: they were read
        //   into memory before the check, so the file changing on disk
        //   afterwards cannot change what is deserialized;
        // - written by `store` below from `Component::serialize` of an
        //   engine with the same compatibility hash (wasmtime's version,
        //   target and code-changing settings), which the header proves;
        //   wasmtime checks the same again while deserializing;
        // - whole and unaltered since then: the SHA-256 of the artifact
        //   matches the one written with it, so a torn write, a truncated
        //   file or a flipped bit is refused above.
        // What a checksum cannot refuse is an entry forged on purpose by
        // someone who can write the cache folder; that person can already
        // replace the worker's binary or its plugins, so the folder gets
        // the same trust as the worker's own files (it is created private
        // to the user).
        #[allow(unsafe_code, reason = "verified entry, see the SAFETY comment")]
        let component = unsafe { Component::deserialize(engine, artifact) };
        component.map_err(|e| format!("wasmtime refused it: {e:#}"))
    }

    /// Write the entry for `component` atomically, then keep the folder
    /// within its bound.
    fn store(&self, entry: &Path, source: &[u8; 32], component: &Component) -> Result<(), String> {
        let artifact = component
            .serialize()
            .map_err(|e| format!("cannot serialize the compiled component: {e:#}"))?;
        create_private_dir(&self.dir)
            .map_err(|e| format!("cannot create {}: {e}", self.dir.display()))?;
        let mut header = Vec::with_capacity(HEADER_LEN);
        header.extend_from_slice(MAGIC);
        header.extend_from_slice(&self.engine_hash);
        header.extend_from_slice(source);
        header.extend_from_slice(&(artifact.len() as u64).to_le_bytes());
        header.extend_from_slice(&sha256(&artifact));
        // Unique per process and write: two workers, or two identical
        // files loaded at once, never write into the same temporary file.
        static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let temp = self.dir.join(format!(
            ".{}.{}.{}.tmp",
            hex(&source[..8]),
            std::process::id(),
            WRITES.fetch_add(1, Ordering::Relaxed)
        ));
        let written = (|| {
            let mut f = fs::File::create(&temp)?;
            f.write_all(&header)?;
            f.write_all(&artifact)?;
            f.sync_all()?;
            fs::rename(&temp, entry)?;
            // The rename is durable once the folder is.
            fs::File::open(&self.dir)?.sync_all()
        })();
        if let Err(e) = written {
            let _ = fs::remove_file(&temp);
            return Err(format!("cannot write {}: {e}", entry.display()));
        }
        self.cleanup();
        Ok(())
    }

    /// Remove leftover temporary files and, oldest use first, the entries
    /// (of any engine) that do not fit `max_bytes`.
    pub fn cleanup(&self) {
        let mut entries: Vec<(SystemTime, u64, PathBuf)> = Vec::new();
        let now = SystemTime::now();
        let Ok(engines) = fs::read_dir(&self.root) else {
            return;
        };
        for engine_dir in engines.flatten().map(|e| e.path()) {
            let Ok(files) = fs::read_dir(&engine_dir) else {
                continue;
            };
            for file in files.flatten() {
                let path = file.path();
                let Ok(meta) = file.metadata() else {
                    continue;
                };
                let modified = meta.modified().unwrap_or(now);
                let name = file.file_name();
                let name = name.to_string_lossy();
                if name.ends_with(".tmp") {
                    if now.duration_since(modified).unwrap_or_default() > STALE_TEMP {
                        let _ = fs::remove_file(&path);
                    }
                } else if path.extension().is_some_and(|e| e == ENTRY_EXT) {
                    entries.push((modified, meta.len(), path));
                }
            }
        }
        let mut total: u64 = entries.iter().map(|(_, len, _)| len).sum();
        if total <= self.max_bytes {
            return;
        }
        entries.sort();
        for (_, len, path) in entries {
            if total <= self.max_bytes {
                break;
            }
            if fs::remove_file(&path).is_ok() {
                tracing::debug!(entry = %path.display(), "Removed a compile cache entry to keep plugin.cache.max.bytes");
                total -= len;
            }
        }
    }
}

/// Mark an entry used now: the least recently used go first when the
/// folder is full.
fn touch(entry: &Path) {
    if let Ok(f) = fs::File::options().write(true).open(entry) {
        let _ = f.set_modified(SystemTime::now());
    }
}

/// What identifies one version of a file without reading it: size,
/// modification time, change time and inode (all in one line).
fn stat_line(meta: &fs::Metadata) -> String {
    let nanos = |t: std::io::Result<SystemTime>| {
        t.ok()
            .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos())
    };
    #[cfg(unix)]
    let (changed, inode) = {
        use std::os::unix::fs::MetadataExt;
        (
            i128::from(meta.ctime()) * 1_000_000_000 + i128::from(meta.ctime_nsec()),
            meta.ino(),
        )
    };
    #[cfg(not(unix))]
    let (changed, inode) = (0i128, 0u64);
    format!(
        "{} {} {changed} {inode}",
        meta.len(),
        nanos(meta.modified())
    )
}

/// Create `dir` (and its parents), readable only by this user: entries are
/// machine code the worker runs.
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    fn engine(epoch: bool) -> Engine {
        let mut config = wasmtime::Config::new();
        config.wasm_component_model(true).epoch_interruption(epoch);
        Engine::new(&config).unwrap()
    }

    /// A small valid component; `n` makes its bytes distinct.
    fn component(n: u32) -> Vec<u8> {
        wat::parse_str(format!(
            r#"(component (core module (func (export "f{n}") (result i32) i32.const {n})))"#
        ))
        .unwrap()
    }

    fn cache(dir: &Path, engine: &Engine) -> CompileCache {
        CompileCache::new(
            &CacheSettings {
                dir: dir.to_owned(),
                max_bytes: CacheSettings::DEFAULT_MAX_BYTES,
            },
            engine,
        )
    }

    #[test]
    fn a_second_load_is_a_hit() {
        let dir = tempfile::tempdir().unwrap();
        let engine = engine(true);
        let cache = cache(dir.path(), &engine);
        let bytes = component(1);
        let (_, first) = cache.load(&engine, Path::new("a.wasm"), &bytes).unwrap();
        assert_eq!(first, CacheOutcome::Miss);
        assert!(cache.entry_path(&sha256(&bytes)).is_file());
        let (_, second) = cache.load(&engine, Path::new("a.wasm"), &bytes).unwrap();
        assert_eq!(second, CacheOutcome::Hit);
        // Other bytes are another entry.
        let (_, other) = cache
            .load(&engine, Path::new("b.wasm"), &component(2))
            .unwrap();
        assert_eq!(other, CacheOutcome::Miss);
    }

    #[test]
    fn a_corrupt_entry_is_rebuilt_and_rewritten() {
        let dir = tempfile::tempdir().unwrap();
        let engine = engine(true);
        let cache = cache(dir.path(), &engine);
        let bytes = component(3);
        cache.load(&engine, Path::new("a.wasm"), &bytes).unwrap();
        let entry = cache.entry_path(&sha256(&bytes));
        let mut stored = fs::read(&entry).unwrap();
        let last = stored.len() - 1;
        stored[last] ^= 0xff;
        fs::write(&entry, &stored).unwrap();
        let (_, outcome) = cache.load(&engine, Path::new("a.wasm"), &bytes).unwrap();
        assert_eq!(
            outcome,
            CacheOutcome::Rebuilt("corrupt: the artifact does not match its checksum".into())
        );
        let (_, again) = cache.load(&engine, Path::new("a.wasm"), &bytes).unwrap();
        assert_eq!(again, CacheOutcome::Hit, "the entry was rewritten");

        // Cut short, and garbage.
        fs::write(&entry, &stored[..100]).unwrap();
        let (_, outcome) = cache.load(&engine, Path::new("a.wasm"), &bytes).unwrap();
        assert_eq!(
            outcome,
            CacheOutcome::Rebuilt("truncated: 100 bytes".into())
        );
        fs::write(&entry, vec![7u8; 4096]).unwrap();
        let (_, outcome) = cache.load(&engine, Path::new("a.wasm"), &bytes).unwrap();
        assert_eq!(
            outcome,
            CacheOutcome::Rebuilt("not a wasm-connect cache entry of this format".into())
        );
    }

    #[test]
    fn an_entry_of_another_engine_configuration_is_not_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let (with_epochs, without) = (engine(true), engine(false));
        assert_ne!(engine_hash(&with_epochs), engine_hash(&without));
        let bytes = component(4);
        let a = cache(dir.path(), &with_epochs);
        let b = cache(dir.path(), &without);
        assert_eq!(
            a.load(&with_epochs, Path::new("x.wasm"), &bytes).unwrap().1,
            CacheOutcome::Miss
        );
        // Each configuration keeps its own entries in one shared folder.
        assert_ne!(a.entry_path(&sha256(&bytes)), b.entry_path(&sha256(&bytes)));
        assert_eq!(
            b.load(&without, Path::new("x.wasm"), &bytes).unwrap().1,
            CacheOutcome::Miss
        );
        // One copied where the other engine looks is detected and rebuilt.
        let theirs = fs::read(a.entry_path(&sha256(&bytes))).unwrap();
        fs::write(b.entry_path(&sha256(&bytes)), theirs).unwrap();
        assert_eq!(
            b.load(&without, Path::new("x.wasm"), &bytes).unwrap().1,
            CacheOutcome::Rebuilt(
                "written by another engine configuration or wasmtime version".into()
            )
        );
        // An entry of other bytes under this file's name, likewise.
        let other = component(5);
        b.load(&without, Path::new("y.wasm"), &other).unwrap();
        fs::copy(b.entry_path(&sha256(&other)), b.entry_path(&sha256(&bytes))).unwrap();
        assert_eq!(
            b.load(&without, Path::new("x.wasm"), &bytes).unwrap().1,
            CacheOutcome::Rebuilt("it belongs to other component bytes".into())
        );
    }

    #[test]
    fn an_unwritable_folder_still_loads_plugins() {
        let dir = tempfile::tempdir().unwrap();
        // A file where the folder should be: creating it fails (a
        // permission test would not fail for root).
        let blocker = dir.path().join("file");
        fs::write(&blocker, "").unwrap();
        let engine = engine(true);
        let cache = cache(&blocker.join("cache"), &engine);
        let bytes = component(6);
        for _ in 0..2 {
            let (component, outcome) = cache.load(&engine, Path::new("a.wasm"), &bytes).unwrap();
            assert!(
                matches!(&outcome, CacheOutcome::Uncached(r) if r.starts_with("cannot create")),
                "{outcome:?}"
            );
            assert!(component.component_type().exports(&engine).count() == 0);
        }
    }

    #[test]
    fn a_remembered_hash_holds_only_while_the_file_is_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let engine = engine(true);
        let cache = cache(&dir.path().join("cache"), &engine);
        let file = dir.path().join("p.wasm");
        fs::write(&file, component(9)).unwrap();
        assert_eq!(cache.recall(&file), None);
        let meta = fs::metadata(&file).unwrap();
        let sha = sha256(&fs::read(&file).unwrap());
        cache.remember(&file, &meta, &sha);
        assert_eq!(cache.recall(&file), Some(sha));
        assert!(cache.hit(&engine, &file, &sha).is_none(), "no entry yet");
        cache
            .load(&engine, &file, &fs::read(&file).unwrap())
            .unwrap();
        assert!(cache.hit(&engine, &file, &sha).is_some());
        // Other bytes of the same size, the modification time kept: the
        // note no longer holds.
        let mut other = fs::read(&file).unwrap();
        let last = other.len() - 1;
        other[last] ^= 1;
        fs::write(&file, &other).unwrap();
        fs::File::options()
            .write(true)
            .open(&file)
            .unwrap()
            .set_modified(meta.modified().unwrap())
            .unwrap();
        assert_eq!(cache.recall(&file), None);
        // A note that is not ours is ignored.
        fs::write(cache.memo_path(&file), "garbage").unwrap();
        assert_eq!(cache.recall(&file), None);
    }

    #[test]
    fn not_a_component_is_an_error_and_leaves_no_entry() {
        let dir = tempfile::tempdir().unwrap();
        let engine = engine(true);
        let cache = cache(dir.path(), &engine);
        let garbage = b"\0asm\x0d\0\x01\0garbage".to_vec();
        assert!(cache.load(&engine, Path::new("g.wasm"), &garbage).is_err());
        assert!(!cache.entry_path(&sha256(&garbage)).exists());
    }

    #[test]
    fn the_folder_is_kept_within_its_bound() {
        let dir = tempfile::tempdir().unwrap();
        let engine = engine(true);
        let unbounded = cache(dir.path(), &engine);
        let first = component(7);
        unbounded
            .load(&engine, Path::new("a.wasm"), &first)
            .unwrap();
        let one = fs::metadata(unbounded.entry_path(&sha256(&first)))
            .unwrap()
            .len();
        // Room for about one entry: writing a second removes the first
        // (the least recently used).
        let bounded = CompileCache::new(
            &CacheSettings {
                dir: dir.path().to_owned(),
                max_bytes: one + one / 2,
            },
            &engine,
        );
        let old = SystemTime::now() - Duration::from_secs(3600);
        fs::File::options()
            .write(true)
            .open(bounded.entry_path(&sha256(&first)))
            .unwrap()
            .set_modified(old)
            .unwrap();
        let second = component(8);
        bounded.load(&engine, Path::new("b.wasm"), &second).unwrap();
        assert!(!bounded.entry_path(&sha256(&first)).exists());
        assert!(bounded.entry_path(&sha256(&second)).exists());
    }
}
