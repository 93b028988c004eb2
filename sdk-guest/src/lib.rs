//! # wasm-connect-sdk
//!
//! Write wasm-connect plugins — source and sink connectors, converters,
//! transforms and predicates — in plain Rust, and build them into a
//! WebAssembly component with `cargo build --target wasm32-wasip2`.
//!
//! ```
//! use wasm_connect_sdk::log;
//! use wasm_connect_sdk::prelude::*;
//!
//! /// A sink connector that logs every record it receives.
//! pub struct LogSink {
//!     config: Config,
//! }
//!
//! impl SinkConnector for LogSink {
//!     type Task = LogSinkTask;
//!     fn manifest() -> Manifest {
//!         Manifest::new(PluginKind::SinkConnector, "example.LogSinkConnector", "1.0.0")
//!     }
//!     fn start(config: Config) -> Result<Self> {
//!         Ok(Self { config })
//!     }
//!     fn task_configs(&mut self, max_tasks: u32) -> Result<Vec<Config>> {
//!         Ok(vec![self.config.clone(); max_tasks as usize])
//!     }
//! }
//!
//! pub struct LogSinkTask;
//!
//! impl SinkTask for LogSinkTask {
//!     fn start(_config: Config) -> Result<Self> {
//!         Ok(Self)
//!     }
//!     fn put(&mut self, records: &Batch) -> Result<()> {
//!         for record in records.iter() {
//!             log::info(&format!("{}: {}", record.topic()?, record.value()?));
//!         }
//!         Ok(())
//!     }
//! }
//!
//! wasm_connect_sdk::export_plugins!(sink: [LogSink]);
//!
//! // Outside a component, the registry can be inspected (and the plugin
//! // unit-tested) natively:
//! use wasm_connect_sdk::PluginSet;
//! assert_eq!(Plugins::registry().manifests()[0].name, "example.LogSinkConnector");
//! ```
//!
//! Records cross the sandbox in batches laid out as one byte buffer plus
//! packed descriptors ([`layout`]); [`Batch`] hides that layout behind
//! checked views ([`RecordView`], [`ValueRef`]) and owned conversions
//! ([`Record`], [`Value`], [`Schema`]). Everything except the export glue
//! also compiles for the host, so plugin logic is unit-testable with plain
//! `cargo test`.
//!
//! [`values`] is Connect's `Values` class (`parseString`, `convertToString`):
//! text read and written as Apache reads and writes it, as
//! SimpleHeaderConverter and InsertHeader do.
#![deny(missing_docs)]

pub mod batch;
mod bulk;
pub mod config;
pub mod data;
pub mod error;
mod header_keys;
pub mod java;
pub mod kafka;
pub mod layout;
pub mod log;
pub mod plugin;
mod text;
pub mod values;

#[cfg(target_arch = "wasm32")]
mod guest;

pub use batch::{Batch, BatchError, Children, RecordView, SchemaDef, Schemas, ValueRef};
pub use config::{
    Config, ConfigDef, ConfigProblem, ConfigType, Importance, Manifest, PathAccess, PluginKind,
};
pub use data::{Field, Header, Record, Schema, SchemaType, Struct, Value};
pub use error::{ErrorKind, PluginError};
pub use layout::{Part, TimestampType};
pub use plugin::{
    ConfigProvider, Converter, PluginSet, Predicate, Registry, Result, SinkConnector, SinkTask,
    SourceConnector, SourceOffset, SourceTask, Target, TopicPartition, TopicPartitionOffset,
    Transform,
};

/// The version of the WIT contract (`wasm-connect:plugin@…`) this SDK
/// builds components for.
pub const CONTRACT_VERSION: &str = "0.4.0";

/// Everything a plugin usually needs, in one `use`.
pub mod prelude {
    pub use crate::{
        Batch, Config, ConfigDef, ConfigProblem, ConfigProvider, ConfigType, Converter, ErrorKind,
        Field, Header, Importance, Manifest, Part, PathAccess, PluginError, PluginKind, Predicate,
        Record, RecordView, Result, Schema, SchemaType, Schemas, SinkConnector, SinkTask,
        SourceConnector, SourceOffset, SourceTask, Struct, Target, TopicPartition,
        TopicPartitionOffset, Transform, Value, ValueRef,
    };
}

/// Bindings generated from `wit/plugin.wit` (components only).
#[cfg(target_arch = "wasm32")]
#[doc(hidden)]
#[allow(missing_docs, unsafe_code, clippy::all)]
pub mod __bindings {
    wit_bindgen::generate!({
        world: "plugin",
        path: "../wit",
        pub_export_macro: true,
        export_macro_name: "__export_plugin_world",
        default_bindings_module: "::wasm_connect_sdk::__bindings",
    });
}

/// Export the listed plugins from this crate's component.
///
/// ```text
/// wasm_connect_sdk::export_plugins!(
///     source: [FileStreamSource],
///     sink: [FileStreamSink],
///     converter: [StringConverter],
///     transform: [],
///     predicate: [],
///     config_provider: [],
/// );
/// ```
///
/// Each kind may be left out. Outside a component (host builds, unit
/// tests) this only defines `Plugins`, whose registry tests may inspect.
#[macro_export]
macro_rules! export_plugins {
    ($($kind:ident : [$($plugin:ty),* $(,)?]),* $(,)?) => {
        /// The plugins this component exports.
        pub struct Plugins;

        impl $crate::PluginSet for Plugins {
            fn registry() -> &'static $crate::Registry {
                static REGISTRY: ::std::sync::OnceLock<$crate::Registry> = ::std::sync::OnceLock::new();
                REGISTRY.get_or_init(|| {
                    let mut registry = $crate::Registry::new();
                    $($( registry.$kind::<$plugin>(); )*)*
                    registry
                })
            }
        }

        #[cfg(target_arch = "wasm32")]
        $crate::__bindings::__export_plugin_world!(Plugins with_types_in $crate::__bindings);
    };
}
