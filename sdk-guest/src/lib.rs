//! # wasm-connect-sdk
//!
//! Write wasm-connect plugins — source and sink connectors, converters,
//! transforms and predicates — in plain Rust, and build them into a
//! WebAssembly component with `cargo build --target wasm32-wasip2`.
//!
//! ```ignore
//! use wasm_connect_sdk::prelude::*;
//!
//! struct Upper;
//! impl Transform for Upper {
//!     fn manifest() -> Manifest {
//!         Manifest::new(PluginKind::Transform, "example.Upper", "1.0.0")
//!     }
//!     fn configure(_config: Config) -> Result<Self> { Ok(Upper) }
//!     fn apply(&mut self, records: Batch) -> Result<Batch> {
//!         let mut out = Batch::new();
//!         for mut record in records.to_records()? {
//!             if let Value::String(s) = &record.value {
//!                 record.value = Value::String(s.to_uppercase());
//!             }
//!             out.push_record(&record)?;
//!         }
//!         Ok(out)
//!     }
//! }
//!
//! wasm_connect_sdk::export_plugins!(transform: [Upper]);
//! ```
//!
//! Records cross the sandbox in batches laid out as one byte buffer plus
//! packed descriptors ([`layout`]); [`Batch`] hides that layout behind
//! checked views ([`RecordView`], [`ValueRef`]) and owned conversions
//! ([`Record`], [`Value`], [`Schema`]). Everything except the export glue
//! also compiles for the host, so plugin logic is unit-testable with plain
//! `cargo test`.
#![deny(missing_docs)]

pub mod batch;
pub mod config;
pub mod data;
pub mod error;
pub mod java;
pub mod layout;
pub mod log;
pub mod plugin;

#[cfg(target_arch = "wasm32")]
mod guest;

pub use batch::{Batch, BatchError, Children, RecordView, SchemaDef, ValueRef};
pub use config::{
    Config, ConfigDef, ConfigProblem, ConfigType, Importance, Manifest, PathAccess, PluginKind,
};
pub use data::{Field, Header, Record, Schema, SchemaType, Struct, Value};
pub use error::{ErrorKind, PluginError};
pub use layout::TimestampType;
pub use plugin::{
    Converter, PluginSet, Predicate, Registry, Result, SinkConnector, SinkTask, SourceConnector,
    SourceOffset, SourceTask, Target, TopicPartition, TopicPartitionOffset, Transform,
};

/// The version of the WIT contract (`wasm-connect:plugin@…`) this SDK
/// builds components for.
pub const CONTRACT_VERSION: &str = "0.1.0";

/// Everything a plugin usually needs, in one `use`.
pub mod prelude {
    pub use crate::{
        Batch, Config, ConfigDef, ConfigProblem, ConfigType, Converter, ErrorKind, Field, Header,
        Importance, Manifest, PathAccess, PluginError, PluginKind, Predicate, Record, RecordView,
        Result, Schema, SchemaType, SinkConnector, SinkTask, SourceConnector, SourceOffset,
        SourceTask, Struct, Target, TopicPartition, TopicPartitionOffset, Transform, Value,
        ValueRef,
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
/// ```ignore
/// wasm_connect_sdk::export_plugins!(
///     source: [FileStreamSource],
///     sink: [FileStreamSink],
///     converter: [StringConverter],
///     transform: [],
///     predicate: [],
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
