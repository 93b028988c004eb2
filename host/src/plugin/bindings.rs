//! Host bindings generated from `wit/plugin.wit`.
//!
//! Exports are async so a plugin call can yield at epoch ticks instead of
//! holding a tokio worker thread; the `log` import is sync (it only hands a
//! line to `tracing`); the `kafka` import is async because its calls wait
//! on the network (on blocking threads, see `plugin::kafka`).
#![allow(missing_docs, unsafe_code, clippy::all)]

wasmtime::component::bindgen!({
    world: "plugin",
    path: "../wit",
    imports: { "wasm-connect:plugin/kafka": async },
    exports: { default: async },
    with: { "wasm-connect:plugin/kafka.consumer": crate::plugin::kafka::KafkaConsumer },
});
