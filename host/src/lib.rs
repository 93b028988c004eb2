//! wasm-connect: a Kafka Connect worker whose plugins are sandboxed
//! WebAssembly components.

pub mod cli;
pub mod config;
pub mod devkit;
pub mod kafka;
pub mod logging;
pub mod metrics;
pub mod plugin;
pub mod rest;
pub mod runtime;
pub mod storage;
