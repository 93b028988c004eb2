//! [`Sandbox`]: one store holding the plugin instances of one task (or one
//! connector), and typed calls into them.
//!
//! A task's connector task, converters and transforms live in the same
//! store, one instance per component file, so a component that provides
//! both the key and the value converter is instantiated once. A trap in
//! any of them poisons only this store: the task fails, nothing else does.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use wasm_connect_sdk::{self as sdk, BatchError};
use wasmtime::Store;
use wasmtime::component::ResourceAny;

use super::bindings::exports::wasm_connect::plugin::{
    config_provider, converter, plugins, predicate, sink, source, transform,
};
use super::bindings::wasm_connect::plugin::types as wit;
use super::catalog::PluginInfo;
use super::convert::{batch_from_wit, batch_to_wit, error_from_wit};
use super::engine::{EngineError, Grants, LimitExceeded, Limits, PluginEngine, TaskState};

/// A call into a plugin that did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    /// The plugin returned an error.
    #[error("{plugin} failed in {call}(): {error}")]
    Plugin {
        /// The plugin's full name.
        plugin: String,
        /// The call.
        call: &'static str,
        /// Its error.
        error: sdk::PluginError,
    },
    /// The plugin crashed (trap, panic in the guest, a limit exceeded,
    /// ...). The sandbox is unusable afterwards.
    #[error("plugin {plugin} {reason} in {call}()")]
    Trap {
        /// The plugin's full name.
        plugin: String,
        /// The call.
        call: &'static str,
        /// What wasmtime reported.
        reason: String,
    },
    /// The plugin returned a batch that breaks the layout rules.
    #[error("{plugin} returned a malformed batch from {call}(): {error}")]
    BadOutput {
        /// The plugin's full name.
        plugin: String,
        /// The call.
        call: &'static str,
        /// What is wrong.
        error: BatchError,
    },
    /// The plugin's component does not export the interface needed.
    #[error("{plugin} cannot be used as a {role}: its component does not export that interface")]
    WrongKind {
        /// The plugin's full name.
        plugin: String,
        /// What it was asked to be.
        role: &'static str,
    },
    /// The store could not be set up.
    #[error(transparent)]
    Engine(#[from] EngineError),
}

impl CallError {
    /// Whether trying the same call again may succeed (the plugin said so).
    pub fn is_retriable(&self) -> bool {
        matches!(self, CallError::Plugin { error, .. } if error.kind == sdk::ErrorKind::Retriable)
    }
}

/// The per-file instance state in a sandbox.
struct Loaded {
    plugins: plugins::Guest,
    source: Option<source::Guest>,
    sink: Option<sink::Guest>,
    converter: Option<converter::Guest>,
    transform: Option<transform::Guest>,
    predicate: Option<predicate::Guest>,
    config_provider: Option<config_provider::Guest>,
}

/// A resource a plugin created in a sandbox, with what is needed to call it.
#[derive(Clone)]
pub struct Handle<G> {
    plugin: String,
    guest: G,
    resource: ResourceAny,
}

impl<G> Handle<G> {
    /// The plugin's full name.
    pub fn plugin(&self) -> &str {
        &self.plugin
    }
}

/// A source connector resource.
pub type SourceConnectorHandle = Handle<source::Guest>;
/// A source task resource.
pub type SourceTaskHandle = Handle<source::Guest>;
/// A sink connector resource.
pub type SinkConnectorHandle = Handle<sink::Guest>;
/// A sink task resource.
pub type SinkTaskHandle = Handle<sink::Guest>;
/// A converter resource.
pub type ConverterHandle = Handle<converter::Guest>;
/// A transform resource.
pub type TransformHandle = Handle<transform::Guest>;
/// A predicate resource.
pub type PredicateHandle = Handle<predicate::Guest>;
/// A config provider resource.
pub type ConfigProviderHandle = Handle<config_provider::Guest>;

/// A call on a batch that failed, with the batch it was given, unchanged,
/// so the caller can retry it, or skip the failing record and go on.
#[derive(Debug)]
pub struct Failed {
    /// Why.
    pub error: CallError,
    /// The batch the call was given (boxed: failures are rare, and the
    /// success path should not carry a large `Result`).
    pub batch: Box<sdk::Batch>,
}

/// What a converter is configured to convert.
pub use converter::Target as ConverterTarget;

/// A batch in the shape the bindings pass to a guest.
pub struct PreparedBatch(wit::Batch);

impl From<sdk::Batch> for PreparedBatch {
    fn from(batch: sdk::Batch) -> Self {
        Self(batch_to_wit(batch))
    }
}

/// One store with its plugin instances.
pub struct Sandbox {
    store: Store<TaskState>,
    loaded: HashMap<PathBuf, Loaded>,
    resources: Vec<ResourceAny>,
}

/// A crash, in words for the user: which limit it went past, or what
/// kind of crash it was and in which function, without the whole wasm
/// backtrace (it would fill the status `trace`).
fn trap(plugin: &str, call: &'static str, e: wasmtime::Error) -> CallError {
    CallError::Trap {
        plugin: plugin.to_owned(),
        call,
        reason: crash_reason(&e),
    }
}

fn crash_reason(e: &wasmtime::Error) -> String {
    if let Some(limit) = e.downcast_ref::<LimitExceeded>() {
        return limit.0.clone();
    }
    let text = format!("{e:#}");
    // Rust and C put their stack at the bottom of linear memory, growing
    // down: a stack overflow shows as an access just below address 0,
    // wrapped around to near 4 GiB.
    let wrapped = fault_address(&text).is_some_and(|a| a >= 0xFFFF_0000);
    let what = match e.downcast_ref::<wasmtime::Trap>() {
        Some(wasmtime::Trap::StackOverflow) => {
            "overflowed its call stack (recursion too deep)".to_owned()
        }
        Some(wasmtime::Trap::MemoryOutOfBounds) if wrapped => {
            "overflowed its call stack (recursion too deep)".to_owned()
        }
        Some(wasmtime::Trap::UnreachableCodeReached) => {
            "panicked or aborted (its stderr may say why)".to_owned()
        }
        Some(t) => format!("crashed: {t}"),
        None => format!("crashed: {}", e.root_cause()),
    };
    let top = e
        .downcast_ref::<wasmtime::WasmBacktrace>()
        .and_then(|bt| bt.frames().first().and_then(|f| f.func_name()))
        .map(|name| format!("{:#}", rustc_demangle::demangle(name)));
    match top {
        Some(f) => format!("{what} (in {f})"),
        None => what,
    }
}

/// The address of a "memory fault at wasm address 0x…" in a trap's text.
fn fault_address(text: &str) -> Option<u64> {
    let rest = text.split("memory fault at wasm address 0x").nth(1)?;
    let hex: String = rest.chars().take_while(char::is_ascii_hexdigit).collect();
    u64::from_str_radix(&hex, 16).ok()
}

fn failed(plugin: &str, call: &'static str, e: wit::PluginError) -> CallError {
    CallError::Plugin {
        plugin: plugin.to_owned(),
        call,
        error: error_from_wit(e),
    }
}

/// A returned batch, joined with the data the call was given (`given`,
/// `None` when the call was given no batch) and checked: plugin output is
/// untrusted.
///
/// With a `data-base`, the returned bytes follow the given ones, which are
/// moved into the result, not copied. Whatever the given data held past the
/// base (nothing when the plugin kept all of it, the usual case) is set
/// aside, so that when the output is refused `given` is put back exactly
/// as it was, for the caller to hand the input back.
fn checked(
    plugin: &str,
    call: &'static str,
    batch: wit::Batch,
    given: Option<&mut Vec<u8>>,
) -> Result<sdk::Batch, CallError> {
    let bad = |error: BatchError| CallError::BadOutput {
        plugin: plugin.to_owned(),
        call,
        error,
    };
    let base = batch.data_base as usize;
    let Some(given) = given.filter(|_| base > 0) else {
        // Complete data (or no batch to build on: the join refuses it).
        let out = batch_from_wit(batch, None).map_err(|r| bad(BatchError::Contract(r)))?;
        out.validate().map_err(bad)?;
        return Ok(out);
    };
    if base > given.len() {
        return Err(bad(BatchError::Contract(format!(
            "its data-base {base} is larger than the {} bytes of data it was given",
            given.len()
        ))));
    }
    let rest = given.split_off(base);
    let out = batch_from_wit(batch, Some(std::mem::take(given)))
        .map_err(|r| bad(BatchError::Contract(r)))?;
    match out.validate() {
        Ok(()) => Ok(out),
        Err(error) => {
            let mut out = out;
            let mut data = out.take_data();
            data.truncate(base);
            data.extend_from_slice(&rest);
            *given = data;
            Err(bad(error))
        }
    }
}

/// The batch a call was given, back in the SDK's type (nothing was
/// moved out of it).
fn restore(given: wit::Batch) -> sdk::Batch {
    // A batch the host sent has data-base 0, so this cannot fail.
    batch_from_wit(given, None).unwrap_or_default()
}

/// The outcome of a call that returns a batch built on the one it was
/// given: the joined, checked result, or the error with the input back.
fn returned(
    plugin: &str,
    call: &'static str,
    out: wasmtime::Result<Result<wit::Batch, wit::PluginError>>,
    mut given: wit::Batch,
) -> Result<sdk::Batch, Failed> {
    let error = match out {
        Err(e) => trap(plugin, call, e),
        Ok(Err(e)) => failed(plugin, call, e),
        Ok(Ok(batch)) => match checked(plugin, call, batch, Some(&mut given.data)) {
            Ok(b) => return Ok(b),
            Err(e) => e,
        },
    };
    Err(Failed {
        error,
        batch: Box::new(restore(given)),
    })
}

impl Sandbox {
    /// A sandbox whose plugins see exactly `grants`, with the default
    /// [`Limits`].
    pub fn new(engine: Arc<PluginEngine>, grants: &Grants) -> Result<Self, CallError> {
        Self::with_limits(engine, grants, Limits::default())
    }

    /// A sandbox whose plugins see exactly `grants`, within `limits`.
    pub fn with_limits(
        engine: Arc<PluginEngine>,
        grants: &Grants,
        limits: Limits,
    ) -> Result<Self, CallError> {
        let store = engine.new_store(grants, limits)?;
        Ok(Self {
            store,
            loaded: HashMap::new(),
            resources: Vec::new(),
        })
    }

    /// The instance of `plugin`'s component in this store, instantiating it
    /// on first use.
    async fn loaded(&mut self, plugin: &PluginInfo) -> Result<&Loaded, CallError> {
        let path = plugin.file.path.clone();
        if !self.loaded.contains_key(&path) {
            let file = &plugin.file;
            let instance = file
                .pre
                .instantiate_async(self.begin_call())
                .await
                .map_err(|e| trap(plugin.name(), "instantiate", e))?;
            let store = &mut self.store;
            let plugins = file
                .plugins
                .load(&mut *store, &instance)
                .map_err(|e| trap(plugin.name(), "instantiate", e))?;
            let source = file
                .source
                .as_ref()
                .map(|i| i.load(&mut *store, &instance))
                .transpose();
            let sink = file
                .sink
                .as_ref()
                .map(|i| i.load(&mut *store, &instance))
                .transpose();
            let converter = file
                .converter
                .as_ref()
                .map(|i| i.load(&mut *store, &instance))
                .transpose();
            let transform = file
                .transform
                .as_ref()
                .map(|i| i.load(&mut *store, &instance))
                .transpose();
            let predicate = file
                .predicate
                .as_ref()
                .map(|i| i.load(&mut *store, &instance))
                .transpose();
            let config_provider = file
                .config_provider
                .as_ref()
                .map(|i| i.load(&mut *store, &instance))
                .transpose();
            let instantiate = |e| trap(plugin.name(), "instantiate", e);
            let loaded = Loaded {
                plugins,
                source: source.map_err(instantiate)?,
                sink: sink.map_err(instantiate)?,
                converter: converter.map_err(instantiate)?,
                transform: transform.map_err(instantiate)?,
                predicate: predicate.map_err(instantiate)?,
                config_provider: config_provider.map_err(instantiate)?,
            };
            self.loaded.insert(path.clone(), loaded);
        }
        self.loaded.get(&path).ok_or_else(|| CallError::WrongKind {
            plugin: plugin.name().to_owned(),
            role: "plugin",
        })
    }

    /// The store, with the time limit of a call that starts now.
    fn begin_call(&mut self) -> &mut Store<TaskState> {
        self.store.data_mut().begin_call();
        &mut self.store
    }

    /// Linear memory the plugins in this sandbox use, in bytes.
    pub fn memory_used(&self) -> u64 {
        self.store.data().memory_used()
    }

    fn wrong(plugin: &PluginInfo, role: &'static str) -> CallError {
        CallError::WrongKind {
            plugin: plugin.name().to_owned(),
            role,
        }
    }

    /// Start a source connector.
    pub async fn create_source_connector(
        &mut self,
        plugin: &PluginInfo,
        config: &Vec<(String, String)>,
    ) -> Result<SourceConnectorHandle, CallError> {
        let guest = self
            .loaded(plugin)
            .await?
            .source
            .clone()
            .ok_or_else(|| Self::wrong(plugin, "source connector"))?;
        let resource = guest
            .call_create_connector(self.begin_call(), plugin.name(), config)
            .await
            .map_err(|e| trap(plugin.name(), "create-connector", e))?
            .map_err(|e| failed(plugin.name(), "create-connector", e))?;
        self.resources.push(resource);
        Ok(Handle {
            plugin: plugin.name().to_owned(),
            guest,
            resource,
        })
    }

    /// Task configurations from a source connector.
    pub async fn source_task_configs(
        &mut self,
        h: &SourceConnectorHandle,
        max_tasks: u32,
    ) -> Result<Vec<Vec<(String, String)>>, CallError> {
        h.guest
            .source_connector()
            .call_task_configs(self.begin_call(), h.resource, max_tasks)
            .await
            .map_err(|e| trap(&h.plugin, "task-configs", e))?
            .map_err(|e| failed(&h.plugin, "task-configs", e))
    }

    /// Stop a source connector.
    pub async fn stop_source_connector(
        &mut self,
        h: &SourceConnectorHandle,
    ) -> Result<(), CallError> {
        h.guest
            .source_connector()
            .call_stop(self.begin_call(), h.resource)
            .await
            .map_err(|e| trap(&h.plugin, "stop", e))
    }

    /// Start a source task with the connector's stored offsets.
    pub async fn create_source_task(
        &mut self,
        plugin: &PluginInfo,
        config: &Vec<(String, String)>,
        offsets: &[sdk::SourceOffset],
    ) -> Result<SourceTaskHandle, CallError> {
        let guest = self
            .loaded(plugin)
            .await?
            .source
            .clone()
            .ok_or_else(|| Self::wrong(plugin, "source connector"))?;
        let offsets: Vec<wit::SourceOffset> = offsets
            .iter()
            .map(|o| wit::SourceOffset {
                partition: o.partition.clone(),
                offset: o.offset.clone(),
            })
            .collect();
        let resource = guest
            .call_create_task(self.begin_call(), plugin.name(), config, &offsets)
            .await
            .map_err(|e| trap(plugin.name(), "create-task", e))?
            .map_err(|e| failed(plugin.name(), "create-task", e))?;
        self.resources.push(resource);
        Ok(Handle {
            plugin: plugin.name().to_owned(),
            guest,
            resource,
        })
    }

    /// Poll a source task; the batch is checked before it is returned.
    pub async fn poll(&mut self, h: &SourceTaskHandle) -> Result<sdk::Batch, CallError> {
        let batch = h
            .guest
            .source_task()
            .call_poll(self.begin_call(), h.resource)
            .await
            .map_err(|e| trap(&h.plugin, "poll", e))?
            .map_err(|e| failed(&h.plugin, "poll", e))?;
        checked(&h.plugin, "poll", batch, None)
    }

    /// Tell a source task which offsets are stored.
    pub async fn commit(
        &mut self,
        h: &SourceTaskHandle,
        offsets: &[sdk::SourceOffset],
    ) -> Result<(), CallError> {
        let offsets: Vec<wit::SourceOffset> = offsets
            .iter()
            .map(|o| wit::SourceOffset {
                partition: o.partition.clone(),
                offset: o.offset.clone(),
            })
            .collect();
        h.guest
            .source_task()
            .call_commit(self.begin_call(), h.resource, &offsets)
            .await
            .map_err(|e| trap(&h.plugin, "commit", e))?
            .map_err(|e| failed(&h.plugin, "commit", e))
    }

    /// Stop a source task.
    pub async fn stop_source_task(&mut self, h: &SourceTaskHandle) -> Result<(), CallError> {
        h.guest
            .source_task()
            .call_stop(self.begin_call(), h.resource)
            .await
            .map_err(|e| trap(&h.plugin, "stop", e))
    }

    /// Start a sink connector.
    pub async fn create_sink_connector(
        &mut self,
        plugin: &PluginInfo,
        config: &Vec<(String, String)>,
    ) -> Result<SinkConnectorHandle, CallError> {
        let guest = self
            .loaded(plugin)
            .await?
            .sink
            .clone()
            .ok_or_else(|| Self::wrong(plugin, "sink connector"))?;
        let resource = guest
            .call_create_connector(self.begin_call(), plugin.name(), config)
            .await
            .map_err(|e| trap(plugin.name(), "create-connector", e))?
            .map_err(|e| failed(plugin.name(), "create-connector", e))?;
        self.resources.push(resource);
        Ok(Handle {
            plugin: plugin.name().to_owned(),
            guest,
            resource,
        })
    }

    /// Task configurations from a sink connector.
    pub async fn sink_task_configs(
        &mut self,
        h: &SinkConnectorHandle,
        max_tasks: u32,
    ) -> Result<Vec<Vec<(String, String)>>, CallError> {
        h.guest
            .sink_connector()
            .call_task_configs(self.begin_call(), h.resource, max_tasks)
            .await
            .map_err(|e| trap(&h.plugin, "task-configs", e))?
            .map_err(|e| failed(&h.plugin, "task-configs", e))
    }

    /// Stop a sink connector.
    pub async fn stop_sink_connector(&mut self, h: &SinkConnectorHandle) -> Result<(), CallError> {
        h.guest
            .sink_connector()
            .call_stop(self.begin_call(), h.resource)
            .await
            .map_err(|e| trap(&h.plugin, "stop", e))
    }

    /// Start a sink task.
    pub async fn create_sink_task(
        &mut self,
        plugin: &PluginInfo,
        config: &Vec<(String, String)>,
    ) -> Result<SinkTaskHandle, CallError> {
        let guest = self
            .loaded(plugin)
            .await?
            .sink
            .clone()
            .ok_or_else(|| Self::wrong(plugin, "sink connector"))?;
        let resource = guest
            .call_create_task(self.begin_call(), plugin.name(), config)
            .await
            .map_err(|e| trap(plugin.name(), "create-task", e))?
            .map_err(|e| failed(plugin.name(), "create-task", e))?;
        self.resources.push(resource);
        Ok(Handle {
            plugin: plugin.name().to_owned(),
            guest,
            resource,
        })
    }

    /// Tell a sink task which partitions it now owns.
    pub async fn open(
        &mut self,
        h: &SinkTaskHandle,
        partitions: &[wit::TopicPartition],
    ) -> Result<(), CallError> {
        h.guest
            .sink_task()
            .call_open(self.begin_call(), h.resource, partitions)
            .await
            .map_err(|e| trap(&h.plugin, "open", e))?
            .map_err(|e| failed(&h.plugin, "open", e))
    }

    /// Give records to a sink task. The batch is borrowed, so a retriable
    /// failure can be retried with the same batch without a copy.
    pub async fn put(
        &mut self,
        h: &SinkTaskHandle,
        batch: &PreparedBatch,
    ) -> Result<(), CallError> {
        h.guest
            .sink_task()
            .call_put(self.begin_call(), h.resource, &batch.0)
            .await
            .map_err(|e| trap(&h.plugin, "put", e))?
            .map_err(|e| failed(&h.plugin, "put", e))
    }

    /// Ask a sink task to flush; returns the offsets safe to commit.
    pub async fn flush(
        &mut self,
        h: &SinkTaskHandle,
        offsets: &[wit::TopicPartitionOffset],
    ) -> Result<Vec<wit::TopicPartitionOffset>, CallError> {
        h.guest
            .sink_task()
            .call_flush(self.begin_call(), h.resource, offsets)
            .await
            .map_err(|e| trap(&h.plugin, "flush", e))?
            .map_err(|e| failed(&h.plugin, "flush", e))
    }

    /// Tell a sink task it no longer owns these partitions.
    pub async fn close(
        &mut self,
        h: &SinkTaskHandle,
        partitions: &[wit::TopicPartition],
    ) -> Result<(), CallError> {
        h.guest
            .sink_task()
            .call_close(self.begin_call(), h.resource, partitions)
            .await
            .map_err(|e| trap(&h.plugin, "close", e))?
            .map_err(|e| failed(&h.plugin, "close", e))
    }

    /// Stop a sink task.
    pub async fn stop_sink_task(&mut self, h: &SinkTaskHandle) -> Result<(), CallError> {
        h.guest
            .sink_task()
            .call_stop(self.begin_call(), h.resource)
            .await
            .map_err(|e| trap(&h.plugin, "stop", e))
    }

    /// Configure a converter for `target`.
    pub async fn create_converter(
        &mut self,
        plugin: &PluginInfo,
        config: &Vec<(String, String)>,
        target: ConverterTarget,
    ) -> Result<ConverterHandle, CallError> {
        let guest = self
            .loaded(plugin)
            .await?
            .converter
            .clone()
            .ok_or_else(|| Self::wrong(plugin, "converter"))?;
        let resource = guest
            .call_create(self.begin_call(), plugin.name(), config, target)
            .await
            .map_err(|e| trap(plugin.name(), "create", e))?
            .map_err(|e| failed(plugin.name(), "create", e))?;
        self.resources.push(resource);
        Ok(Handle {
            plugin: plugin.name().to_owned(),
            guest,
            resource,
        })
    }

    /// Serialize with a converter; the result is checked. On failure the
    /// batch comes back unchanged.
    pub async fn from_connect(
        &mut self,
        h: &ConverterHandle,
        batch: sdk::Batch,
    ) -> Result<sdk::Batch, Failed> {
        let given = batch_to_wit(batch);
        let out = h
            .guest
            .converter()
            .call_from_connect(self.begin_call(), h.resource, &given)
            .await;
        returned(&h.plugin, "from-connect", out, given)
    }

    /// Deserialize with a converter; the result is checked. On failure the
    /// batch comes back unchanged.
    pub async fn to_connect(
        &mut self,
        h: &ConverterHandle,
        batch: sdk::Batch,
    ) -> Result<sdk::Batch, Failed> {
        let given = batch_to_wit(batch);
        let out = h
            .guest
            .converter()
            .call_to_connect(self.begin_call(), h.resource, &given)
            .await;
        returned(&h.plugin, "to-connect", out, given)
    }

    /// Configure a transform.
    pub async fn create_transform(
        &mut self,
        plugin: &PluginInfo,
        config: &Vec<(String, String)>,
    ) -> Result<TransformHandle, CallError> {
        let guest = self
            .loaded(plugin)
            .await?
            .transform
            .clone()
            .ok_or_else(|| Self::wrong(plugin, "transformation"))?;
        let resource = guest
            .call_create(self.begin_call(), plugin.name(), config)
            .await
            .map_err(|e| trap(plugin.name(), "create", e))?
            .map_err(|e| failed(plugin.name(), "create", e))?;
        self.resources.push(resource);
        Ok(Handle {
            plugin: plugin.name().to_owned(),
            guest,
            resource,
        })
    }

    /// Transform a batch; the result is checked. On failure the batch
    /// comes back unchanged.
    pub async fn apply(
        &mut self,
        h: &TransformHandle,
        batch: sdk::Batch,
    ) -> Result<sdk::Batch, Failed> {
        let given = batch_to_wit(batch);
        let out = h
            .guest
            .transform()
            .call_apply(self.begin_call(), h.resource, &given)
            .await;
        returned(&h.plugin, "apply", out, given)
    }

    /// Configure a predicate.
    pub async fn create_predicate(
        &mut self,
        plugin: &PluginInfo,
        config: &Vec<(String, String)>,
    ) -> Result<PredicateHandle, CallError> {
        let guest = self
            .loaded(plugin)
            .await?
            .predicate
            .clone()
            .ok_or_else(|| Self::wrong(plugin, "predicate"))?;
        let resource = guest
            .call_create(self.begin_call(), plugin.name(), config)
            .await
            .map_err(|e| trap(plugin.name(), "create", e))?
            .map_err(|e| failed(plugin.name(), "create", e))?;
        self.resources.push(resource);
        Ok(Handle {
            plugin: plugin.name().to_owned(),
            guest,
            resource,
        })
    }

    /// Test every record of a batch; one answer per record. The batch
    /// comes back either way.
    pub async fn test(
        &mut self,
        h: &PredicateHandle,
        batch: sdk::Batch,
    ) -> (sdk::Batch, Result<Vec<bool>, CallError>) {
        let records = batch.len();
        let given = batch_to_wit(batch);
        let out = h
            .guest
            .predicate()
            .call_test(self.begin_call(), h.resource, &given)
            .await;
        let answers = match out {
            Err(e) => Err(trap(&h.plugin, "test", e)),
            Ok(Err(e)) => Err(failed(&h.plugin, "test", e)),
            Ok(Ok(bytes)) if bytes.len() != records => Err(CallError::BadOutput {
                plugin: h.plugin.clone(),
                call: "test",
                error: BatchError::Contract(format!(
                    "it answered for {} records, but the batch has {records}",
                    bytes.len()
                )),
            }),
            Ok(Ok(bytes)) => Ok(bytes.into_iter().map(|b| b != 0).collect()),
        };
        (restore(given), answers)
    }

    /// The plugin's own checks of `config`, beyond what its config
    /// definitions say (the WIT `plugins.validate`).
    pub async fn validate(
        &mut self,
        plugin: &PluginInfo,
        config: &Vec<(String, String)>,
    ) -> Result<Vec<sdk::ConfigProblem>, CallError> {
        let guest = self.loaded(plugin).await?.plugins.clone();
        let problems = guest
            .call_validate(self.begin_call(), plugin.name(), config)
            .await
            .map_err(|e| trap(plugin.name(), "validate", e))?;
        Ok(problems
            .into_iter()
            .map(|p| sdk::ConfigProblem {
                name: p.name,
                message: p.message,
            })
            .collect())
    }

    /// Configure a config provider.
    pub async fn create_config_provider(
        &mut self,
        plugin: &PluginInfo,
        config: &Vec<(String, String)>,
    ) -> Result<ConfigProviderHandle, CallError> {
        let guest = self
            .loaded(plugin)
            .await?
            .config_provider
            .clone()
            .ok_or_else(|| Self::wrong(plugin, "config provider"))?;
        let resource = guest
            .call_create(self.begin_call(), plugin.name(), config)
            .await
            .map_err(|e| trap(plugin.name(), "create", e))?
            .map_err(|e| failed(plugin.name(), "create", e))?;
        self.resources.push(resource);
        Ok(Handle {
            plugin: plugin.name().to_owned(),
            guest,
            resource,
        })
    }

    /// Ask a config provider for the values of `keys` at `path`.
    pub async fn provider_get(
        &mut self,
        h: &ConfigProviderHandle,
        path: &str,
        keys: &[String],
    ) -> Result<Vec<(String, String)>, CallError> {
        h.guest
            .provider()
            .call_get(self.begin_call(), h.resource, path, keys)
            .await
            .map_err(|e| trap(&h.plugin, "get", e))?
            .map_err(|e| failed(&h.plugin, "get", e))
    }

    /// Drop every resource created in this sandbox (best effort: after a
    /// trap the store may refuse, and is dropped anyway).
    pub async fn close_all(&mut self) {
        for resource in std::mem::take(&mut self.resources).into_iter().rev() {
            if let Err(e) = resource.resource_drop_async(&mut self.store).await {
                tracing::debug!("Dropping a plugin resource failed: {e:#}");
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use wasm_connect_sdk::layout::{Node, RecordDesc};

    use super::*;

    /// A plugin's answer: one record whose value is `len` bytes at
    /// `start`, the data after `base` bytes of the given data.
    fn answer(base: u32, data: &[u8], start: u32, len: u32) -> wit::Batch {
        let mut b = sdk::Batch::new();
        let topic = b.intern_topic("t").unwrap();
        b.push_desc(&RecordDesc {
            topic,
            value: Node::bytes(start, len),
            ..RecordDesc::default()
        });
        let mut w = batch_to_wit(b);
        w.data = data.to_vec();
        w.data_base = base;
        w
    }

    #[test]
    fn returned_bytes_build_on_the_given_ones() {
        let mut given = b"abcdef".to_vec();
        let out = checked("p", "apply", answer(6, b"XY", 4, 4), Some(&mut given)).unwrap();
        assert_eq!(out.data(), b"abcdefXY");
        let mut given = b"abcdef".to_vec();
        let out = checked("p", "apply", answer(3, b"XY", 0, 5), Some(&mut given)).unwrap();
        assert_eq!(out.data(), b"abcXY");
    }

    #[test]
    fn refused_output_leaves_the_given_data_as_it_was() {
        for (base, data) in [(6, &b"XY"[..]), (3, b"XY"), (0, b"whole"), (9, b"")] {
            let mut given = b"abcdef".to_vec();
            // The value ends one byte past the joined data.
            let end = if base == 9 {
                1
            } else {
                base.min(6) + data.len() as u32
            };
            let err = checked(
                "p",
                "apply",
                answer(base, data, 0, end + 1),
                Some(&mut given),
            )
            .unwrap_err();
            assert!(matches!(err, CallError::BadOutput { .. }), "{err}");
            assert_eq!(given, b"abcdef", "data-base {base}");
        }
    }

    #[test]
    fn a_data_base_needs_a_given_batch() {
        let err = checked("p", "poll", answer(1, b"", 0, 0), None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "p returned a malformed batch from poll(): its data-base is 1, but the call was given no batch to build on"
        );
    }
}
