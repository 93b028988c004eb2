//! Plugins: the wasmtime engine, discovery on `plugin.path`, and the
//! sandboxes tasks run their plugins in.

pub mod bindings;
pub mod catalog;
pub mod config_provider;
pub mod contract;
pub mod convert;
pub mod engine;
pub mod output;
pub mod sandbox;

pub use catalog::{KindClass, LoadError, NotFound, PluginCatalog, PluginFile, PluginInfo};
pub use engine::{DirGrant, EngineError, Grants, LimitExceeded, Limits, PluginEngine, TaskState};
pub use sandbox::{CallError, Sandbox};
