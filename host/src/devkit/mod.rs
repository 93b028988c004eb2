//! Tools for plugin authors: `wasm-connect plugin test` runs one plugin
//! on records read as JSON lines, with no Kafka and no worker;
//! `wasm-connect plugin new` writes a small project to start from, in
//! Rust, Python or JavaScript.

pub mod records;
pub mod runner;
pub mod scaffold;

use crate::plugin::{CallError, EngineError, LoadError};

/// Why `plugin test` or `plugin new` failed; `main` prints it and exits
/// with 1.
#[derive(Debug, thiserror::Error)]
pub enum DevkitError {
    /// A line of input is not a record (or request) of the documented
    /// format.
    #[error("stdin line {line}: {reason}")]
    Input {
        /// The line number, from 1.
        line: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// The command line asks for something that cannot be done.
    #[error("{0}")]
    Usage(String),
    /// The plugin file could not be loaded.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// The engine could not start.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The configuration was refused before the plugin ran: by the host's
    /// checks of its config definitions or by the plugin's `validate`.
    #[error("the configuration of {plugin} is not valid:\n  - {}", problems.join("\n  - "))]
    Config {
        /// The plugin's full name.
        plugin: String,
        /// Every problem.
        problems: Vec<String>,
    },
    /// A call into the plugin failed: its own error, a crash or bad output.
    #[error("{error}{at}")]
    Call {
        /// What failed (boxed: it is large, and failures are rare).
        error: Box<CallError>,
        /// Where in the input, when one record was blamed.
        at: String,
    },
    /// The plugin returned a record that cannot be written out.
    #[error("{plugin} returned a record that cannot be printed: {reason}")]
    Output {
        /// The plugin's full name.
        plugin: String,
        /// Why.
        reason: String,
    },
    /// A file could not be written or standard input/output failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being read or written.
        what: String,
        /// Why.
        source: std::io::Error,
    },
}
