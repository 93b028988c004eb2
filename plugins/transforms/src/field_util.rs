//! What the field-level transforms share: Apache's config parsing rules,
//! its `Requirements` messages, Java class names for error text, and the
//! node-level tools that let a transform rebuild a key or value inside the
//! batch it was given.
//!
//! Why node level: a batch is one data buffer plus 16-byte value nodes, and
//! a plugin sends back only the bytes it appended. Decoding a value into an
//! owned [`wasm_connect_sdk::Value`] and encoding it again copies every
//! string twice and sends all of them back; rebuilding only the struct or
//! map node, with children that point at the bytes already there, costs a
//! few node copies and sends back almost nothing.

use std::marker::PhantomData;

use wasm_connect_sdk::prelude::*;

mod config;
mod errors;
mod maps;
mod nodes;
mod schemas;
#[cfg(test)]
pub mod testkit;

pub use config::*;
pub use errors::*;
pub use maps::*;
pub use nodes::*;
pub use schemas::*;

/// Logical type names, as Apache's `Decimal`, `Date`, `Time`, `Timestamp`.
pub const DECIMAL: &str = "org.apache.kafka.connect.data.Decimal";
/// See [`DECIMAL`].
pub const DATE: &str = "org.apache.kafka.connect.data.Date";
/// See [`DECIMAL`].
pub const TIME: &str = "org.apache.kafka.connect.data.Time";
/// See [`DECIMAL`].
pub const TIMESTAMP: &str = "org.apache.kafka.connect.data.Timestamp";

/// The key every KIP-1040 transform shares.
pub const REPLACE_NULL_WITH_DEFAULT: &str = "replace.null.with.default";

/// Which part of a record a transform works on: Apache's `$Key` and
/// `$Value` inner classes.
pub trait Side: 'static {
    /// The part.
    const PART: Part;
    /// The inner class name, `Key` or `Value`.
    const NAME: &'static str;
}

/// The record key (`…$Key`).
pub struct KeySide;
/// The record value (`…$Value`).
pub struct ValueSide;

impl Side for KeySide {
    const PART: Part = Part::Key;
    const NAME: &'static str = "Key";
}

impl Side for ValueSide {
    const PART: Part = Part::Value;
    const NAME: &'static str = "Value";
}

/// A manifest named after Apache's class `simple` (with `$Key`/`$Value`
/// when `side` is given), aliased to the Apache class name.
pub fn manifest(simple: &str, side: Option<&str>, description: &str) -> Manifest {
    let class = match side {
        Some(side) => format!("{simple}${side}"),
        None => simple.to_owned(),
    };
    Manifest::new(
        PluginKind::Transform,
        format!("wasmconnect.transforms.{class}"),
        env!("CARGO_PKG_VERSION"),
    )
    .aliases([format!("org.apache.kafka.connect.transforms.{class}")])
    .description(description)
}

/// The `replace.null.with.default` key as KIP-1040 declares it.
pub fn replace_null_def() -> ConfigDef {
    ConfigDef::new(REPLACE_NULL_WITH_DEFAULT, ConfigType::Boolean)
        .default_value("true")
        .importance(Importance::Medium)
        .doc("Whether to replace fields that have a default value and that are null to the default value. When set to true, the default value is used, otherwise null is used.")
}

/// A zero-sized marker for a transform generic over [`Side`].
pub type SideMarker<S> = PhantomData<fn() -> S>;
