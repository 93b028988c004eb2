//! Plugins: the wasmtime engine, discovery on `plugin.path`, and the
//! sandboxes tasks run their plugins in.

pub mod batch_ops;
pub mod bindings;
pub mod cache;
pub mod catalog;
pub mod config_provider;
pub mod contract;
pub mod convert;
pub mod engine;
pub mod kafka;
pub mod output;
pub mod sandbox;

pub use cache::{CacheOutcome, CacheSettings};
pub use catalog::{KindClass, LoadError, NotFound, PluginCatalog, PluginFile, PluginInfo};
pub use engine::{
    Compiled, DirGrant, EngineError, EngineOptions, Grants, LimitExceeded, Limits, PluginEngine,
    TaskState,
};
pub use sandbox::{CallError, Sandbox};
