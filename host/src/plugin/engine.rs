//! The one wasmtime [`Engine`] of a worker, the [`Linker`] that gives
//! plugins WASI and the host interface, and the per-store state.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use wasmtime::component::{Component, HasSelf, InstancePre, Linker, ResourceTable};
use wasmtime::{Config, Engine, ResourceLimiter, Store, UpdateDeadline};
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use super::bindings::Plugin;
use super::bindings::wasm_connect::plugin::{batch_ops, host, types};
use super::cache::{self, CacheOutcome, CacheSettings, CompileCache};
use super::kafka::KafkaGrant;
use super::output::{PluginOutput, Stream};

/// How often the engine's epoch advances. A running plugin call yields to
/// the async runtime at every tick, so one busy plugin never holds a tokio
/// worker thread for longer than this.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Why the engine could not be set up or a component not compiled.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// wasmtime refused the engine configuration.
    #[error("cannot create the WebAssembly engine: {0:#}")]
    Engine(wasmtime::Error),
    /// The linker could not be set up.
    #[error("cannot set up the plugin linker: {0:#}")]
    Linker(wasmtime::Error),
    /// A file is not a loadable component.
    #[error("{path}: not a valid WebAssembly component: {reason}")]
    Compile {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A component imports something the host does not provide.
    #[error(
        "{path}: not a wasm-connect plugin for {}: {reason}",
        super::contract::CONTRACT
    )]
    Imports {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A granted directory could not be opened.
    #[error("cannot grant access to {path}: {reason}")]
    Grant {
        /// The directory.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

/// A directory made visible to a plugin, at the same path it has on the
/// host, so paths in the user's config work unchanged inside the sandbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirGrant {
    /// The directory.
    pub dir: PathBuf,
    /// Whether the plugin may create and write files in it.
    pub write: bool,
}

/// What a store's plugins may touch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grants {
    /// Directories.
    pub dirs: Vec<DirGrant>,
    /// `host:port`s the plugins may open TCP connections to (resolved when
    /// the store is made). None: no network at all.
    pub hosts: Vec<String>,
    /// External Kafka clusters the plugins may read through the host (the
    /// WIT `kafka` interface), and the worker's own cluster.
    pub kafka: KafkaGrant,
}

impl Grants {
    /// Add `dir`, widening an existing grant of the same directory to write
    /// access when asked.
    pub fn add_dir(&mut self, dir: PathBuf, write: bool) {
        match self.dirs.iter_mut().find(|g| g.dir == dir) {
            Some(existing) => existing.write |= write,
            None => self.dirs.push(DirGrant { dir, write }),
        }
    }

    /// Add every grant of `other`.
    pub fn merge(&mut self, other: &Grants) {
        for d in &other.dirs {
            self.add_dir(d.dir.clone(), d.write);
        }
        for h in &other.hosts {
            if !self.hosts.contains(h) {
                self.hosts.push(h.clone());
            }
        }
        for c in &other.kafka.clusters {
            if !self.kafka.clusters.iter().any(|mine| mine.name == c.name) {
                self.kafka.clusters.push(c.clone());
            }
        }
    }
}

/// What one store's plugins may use: memory (all their linear memories
/// together) and time per call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of linear memory, summed over every instance in the store.
    pub memory_bytes: u64,
    /// How long one call into a plugin may run.
    pub call_timeout: Duration,
    /// `plugin.memory.renew.bytes` as set (None: not set, 0: off). The
    /// store does not enforce it: a task whose plugins use more renews
    /// its sandbox at its next clean boundary (`runtime/renew.rs`, which
    /// also holds the default).
    pub renew_bytes: Option<u64>,
}

impl Default for Limits {
    /// 256 MiB and 60 s: far above what the built-in plugins need, far
    /// below what would hurt a worker.
    fn default() -> Self {
        Self {
            memory_bytes: 256 * 1024 * 1024,
            call_timeout: Duration::from_secs(60),
            renew_bytes: None,
        }
    }
}

/// A plugin went past one of its [`Limits`]; the text says which, in words
/// for the user ("exceeded its 64 MiB memory limit").
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct LimitExceeded(pub String);

/// Bytes as the user wrote them: MiB when whole, else bytes.
pub fn human_bytes(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else {
        format!("{bytes} bytes")
    }
}

/// The data of one store: WASI state, its limits, and what it used.
pub struct TaskState {
    wasi: WasiCtx,
    pub(crate) table: ResourceTable,
    /// What the plugins may do with Kafka.
    pub(crate) kafka: KafkaGrant,
    /// Kafka consumers the plugins hold open now.
    pub(crate) kafka_consumers: usize,
    /// The admin client of the worker's cluster for `ensure-topic`, made
    /// at the first call and kept for the store's life: a connector that
    /// makes sure of many topics would otherwise open (and bootstrap) a
    /// client per topic.
    pub(crate) kafka_admin: Option<crate::plugin::kafka::TargetAdmin>,
    limits: Limits,
    memory_used: u64,
    call_started: Instant,
}

impl TaskState {
    /// Note that a call into the store's plugins starts now (its time
    /// limit counts from here).
    pub fn begin_call(&mut self) {
        self.call_started = Instant::now();
    }

    /// Linear memory in use by the store's plugins, in bytes.
    pub fn memory_used(&self) -> u64 {
        self.memory_used
    }
}

impl ResourceLimiter for TaskState {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let more = desired.saturating_sub(current) as u64;
        if self.memory_used.saturating_add(more) > self.limits.memory_bytes {
            // An error (not `Ok(false)`) traps at once with this message,
            // instead of an allocator abort that says nothing.
            return Err(LimitExceeded(format!(
                "exceeded its {} memory limit (it asked for {} more with {} in use)",
                human_bytes(self.limits.memory_bytes),
                human_bytes(more),
                human_bytes(self.memory_used)
            ))
            .into());
        }
        self.memory_used += more;
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        // Table elements cost a pointer each; a million is generous.
        Ok(desired <= 1_000_000)
    }
}

impl WasiView for TaskState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl host::Host for TaskState {
    fn log(&mut self, level: host::LogLevel, message: String) {
        // The task's span (connector and task) is current while a plugin
        // runs, so these lines carry it without anything passed here.
        match level {
            host::LogLevel::Trace => tracing::trace!(target: "plugin", "{message}"),
            host::LogLevel::Debug => tracing::debug!(target: "plugin", "{message}"),
            host::LogLevel::Info => tracing::info!(target: "plugin", "{message}"),
            host::LogLevel::Warn => tracing::warn!(target: "plugin", "{message}"),
            host::LogLevel::Error => tracing::error!(target: "plugin", "{message}"),
        }
    }
}

impl types::Host for TaskState {}

impl batch_ops::Host for TaskState {
    fn apply(
        &mut self,
        records: types::Batch,
        ops: Vec<batch_ops::Op>,
    ) -> Result<types::Batch, types::PluginError> {
        super::batch_ops::apply(records, ops, self.limits.memory_bytes)
    }
}

/// Advances the engine's epoch every [`EPOCH_TICK`] until dropped.
struct EpochTicker {
    stop: Arc<AtomicBool>,
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Says what a file is when it is not a component, before wasmtime tries
/// (and reports a text-format parse error for a non-wasm file).
fn check_header(bytes: &[u8]) -> Result<(), String> {
    match bytes.get(..8) {
        Some([0, b'a', b's', b'm', _, _, 0x01, 0x00]) => Ok(()),
        Some([0, b'a', b's', b'm', 0x01, 0x00, 0x00, 0x00]) => Err(
            "it is a core WebAssembly module, not a component: build it for wasm32-wasip2 \
             (or wrap it with `wasm-tools component new`)"
                .into(),
        ),
        _ => Err("it is not a WebAssembly file (it does not start with \\0asm)".into()),
    }
}

/// How a worker's engine is set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineOptions {
    /// Where compiled components are cached (`plugin.cache.*`); None: not
    /// cached, every start compiles.
    pub cache: Option<CacheSettings>,
    /// Epoch interruption: what enforces `plugin.call.timeout.ms` and lets
    /// a busy plugin yield. Always on in a worker; off only to measure what
    /// it costs (`benches/epoch.rs`).
    pub epoch_interruption: bool,
}

impl Default for EngineOptions {
    /// The per-user cache folder, bounded to 1 GiB; epochs on.
    fn default() -> Self {
        Self {
            cache: CacheSettings::default_dir().map(|dir| CacheSettings {
                dir,
                max_bytes: CacheSettings::DEFAULT_MAX_BYTES,
            }),
            epoch_interruption: true,
        }
    }
}

/// A component compiled (or loaded from the cache) from a file.
pub struct Compiled {
    /// The component.
    pub component: Component,
    /// SHA-256 of the file's bytes.
    pub sha256: [u8; 32],
    /// Whether the cache had it.
    pub outcome: CacheOutcome,
}

/// The engine and linker shared by every plugin of a worker.
pub struct PluginEngine {
    engine: Engine,
    linker: Linker<TaskState>,
    cache: Option<CompileCache>,
    epochs: bool,
    _ticker: EpochTicker,
}

impl PluginEngine {
    /// Set up the engine with the default [`EngineOptions`].
    pub fn new() -> Result<Self, EngineError> {
        Self::with_options(&EngineOptions::default())
    }

    /// Set up the engine: component model, epoch interruption, WASI p2,
    /// the host interface, and the compile cache.
    pub fn with_options(options: &EngineOptions) -> Result<Self, EngineError> {
        let mut config = Config::new();
        config
            .wasm_component_model(true)
            .epoch_interruption(options.epoch_interruption);
        // `perf` shows plugin code by function name only when the engine
        // writes /tmp/perf-<pid>.map; off by default (it costs a write per
        // loaded function).
        if std::env::var_os("WASM_CONNECT_PERFMAP").is_some_and(|v| v == "1") {
            config.profiler(wasmtime::ProfilingStrategy::PerfMap);
        }
        let engine = Engine::new(&config).map_err(EngineError::Engine)?;
        let cache = options
            .cache
            .as_ref()
            .map(|settings| CompileCache::new(settings, &engine));
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker).map_err(EngineError::Linker)?;
        Plugin::add_to_linker::<TaskState, HasSelf<TaskState>>(&mut linker, |s| s)
            .map_err(EngineError::Linker)?;
        let stop = Arc::new(AtomicBool::new(false));
        let ticker_engine = engine.clone();
        let ticker_stop = stop.clone();
        std::thread::Builder::new()
            .name("wasm-epoch".into())
            .spawn(move || {
                while !ticker_stop.load(Ordering::Relaxed) {
                    std::thread::sleep(EPOCH_TICK);
                    ticker_engine.increment_epoch();
                }
            })
            .map_err(|e| EngineError::Engine(wasmtime::Error::msg(e.to_string())))?;
        Ok(Self {
            engine,
            linker,
            cache,
            epochs: options.epoch_interruption,
            _ticker: EpochTicker { stop },
        })
    }

    /// The wasmtime engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Compile the component in `path`, or load it from the compile
    /// cache. CPU-heavy when it compiles: call it off the threads that move
    /// records. Also returns the SHA-256 of the file's bytes, which names
    /// the version loaded.
    pub fn compile(&self, path: &Path) -> Result<Compiled, EngineError> {
        let fail = |reason: String| EngineError::Compile {
            path: path.to_owned(),
            reason,
        };
        // A file unchanged since its hash was noted is not read at all.
        if let Some(cache) = &self.cache
            && let Some(sha256) = cache.recall(path)
            && let Some(component) = cache.hit(&self.engine, path, &sha256)
        {
            return Ok(Compiled {
                component,
                sha256,
                outcome: CacheOutcome::Hit,
            });
        }
        // Taken before the read: a change during it makes the note stale,
        // never wrong.
        let meta = std::fs::metadata(path).map_err(|e| fail(format!("cannot read it: {e}")))?;
        let bytes = std::fs::read(path).map_err(|e| fail(format!("cannot read it: {e}")))?;
        check_header(&bytes).map_err(fail)?;
        let sha256 = cache::sha256(&bytes);
        let (component, outcome) = match &self.cache {
            Some(cache) => {
                let loaded = cache.load(&self.engine, path, &bytes).map_err(fail)?;
                cache.remember(path, &meta, &sha256);
                loaded
            }
            None => (
                Component::from_binary(&self.engine, &bytes).map_err(|e| fail(format!("{e:#}")))?,
                CacheOutcome::Uncached("plugin.cache.enable=false".into()),
            ),
        };
        Ok(Compiled {
            component,
            sha256,
            outcome,
        })
    }

    /// Resolve a component's imports once, so each task instantiates fast.
    pub fn instance_pre(
        &self,
        path: &Path,
        component: &Component,
    ) -> Result<InstancePre<TaskState>, EngineError> {
        self.linker
            .instantiate_pre(component)
            .map_err(|e| EngineError::Imports {
                path: path.to_owned(),
                reason: super::contract::unresolved_import(&format!("{e:#}")),
            })
    }

    /// A new store whose plugins see exactly `grants`, within `limits`.
    pub fn new_store(
        &self,
        grants: &Grants,
        limits: Limits,
    ) -> Result<Store<TaskState>, EngineError> {
        let mut wasi = WasiCtxBuilder::new();
        // Plugin output goes to the log, attributed and rate-limited.
        wasi.stdout(PluginOutput::new(Stream::Stdout))
            .stderr(PluginOutput::new(Stream::Stderr));
        for grant in &grants.dirs {
            let perms = if grant.write {
                FsPerms::ReadWrite
            } else {
                FsPerms::ReadOnly
            };
            let guest = grant.dir.to_string_lossy().into_owned();
            wasi.preopened_dir(&grant.dir, guest, perms)
                .map_err(|e| EngineError::Grant {
                    path: grant.dir.clone(),
                    reason: format!("{e:#}"),
                })?;
        }
        if !grants.hosts.is_empty() {
            // Resolved once, here: the plugin may connect to exactly these
            // addresses and ports, and look names up only to find them.
            let mut allowed: Vec<std::net::SocketAddr> = Vec::new();
            for host in &grants.hosts {
                match std::net::ToSocketAddrs::to_socket_addrs(host.as_str()) {
                    Ok(addrs) => allowed.extend(addrs),
                    Err(e) => tracing::warn!(host = %host, "Cannot resolve a granted host: {e}"),
                }
            }
            let allowed = Arc::new(allowed);
            wasi.allow_tcp(true)
                .allow_ip_name_lookup(true)
                .socket_addr_check(move |addr, usage| {
                    use wasmtime_wasi::sockets::SocketAddrUse;
                    let ok = match usage {
                        SocketAddrUse::TcpConnect => allowed.contains(&addr),
                        // The implicit bind a connect makes (any address,
                        // an ephemeral port); never a port to listen on.
                        SocketAddrUse::TcpBind => addr.ip().is_unspecified() && addr.port() == 0,
                        _ => false,
                    };
                    if !ok {
                        tracing::debug!(%addr, ?usage, "A plugin's socket use was refused");
                    }
                    Box::pin(async move { ok })
                });
        }
        let mut store = Store::new(
            &self.engine,
            TaskState {
                wasi: wasi.build(),
                table: ResourceTable::new(),
                kafka: grants.kafka.clone(),
                kafka_consumers: 0,
                kafka_admin: None,
                limits,
                memory_used: 0,
                call_started: Instant::now(),
            },
        );
        store.limiter(|state| state);
        if !self.epochs {
            return Ok(store);
        }
        // Yield at every epoch tick, so a long call never starves other
        // tasks, and stop a call that runs past its time limit.
        store.epoch_deadline_callback(|ctx| {
            let state = ctx.data();
            if state.call_started.elapsed() > state.limits.call_timeout {
                return Err(LimitExceeded(format!(
                    "ran longer than its {} ms time limit",
                    state.limits.call_timeout.as_millis()
                ))
                .into());
            }
            Ok(UpdateDeadline::Yield(1))
        });
        store.set_epoch_deadline(1);
        Ok(store)
    }
}
