//! Host bindings generated from `wit/plugin.wit`.
//!
//! Exports are async so a plugin call can yield at epoch ticks instead of
//! holding a tokio worker thread; the `log` import is sync (it only hands a
//! line to `tracing`).
#![allow(missing_docs, unsafe_code, clippy::all)]

wasmtime::component::bindgen!({
    world: "plugin",
    path: "../wit",
    exports: { default: async },
});
