//! Logging from a plugin into the worker's log.
//!
//! In a component, lines go to the host's `log` import, which adds the
//! connector and task the plugin works for. Compiled for the host (unit
//! tests of plugin logic), lines go to standard error.

/// A log level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Very detailed.
    Trace,
    /// Detailed.
    Debug,
    /// Normal operation.
    Info,
    /// Something unexpected that the plugin handled.
    Warn,
    /// Something failed.
    Error,
}

/// Write `message` at `level`.
pub fn log(level: Level, message: &str) {
    #[cfg(target_arch = "wasm32")]
    {
        use crate::__bindings::wasm_connect::plugin::host::{self, LogLevel};
        let level = match level {
            Level::Trace => LogLevel::Trace,
            Level::Debug => LogLevel::Debug,
            Level::Info => LogLevel::Info,
            Level::Warn => LogLevel::Warn,
            Level::Error => LogLevel::Error,
        };
        host::log(level, message);
    }
    #[cfg(not(target_arch = "wasm32"))]
    eprintln!("[{level:?}] {message}");
}

/// Write `message` at debug level.
pub fn debug(message: &str) {
    log(Level::Debug, message)
}

/// Write `message` at info level.
pub fn info(message: &str) {
    log(Level::Info, message)
}

/// Write `message` at warn level.
pub fn warn(message: &str) {
    log(Level::Warn, message)
}

/// Write `message` at error level.
pub fn error(message: &str) {
    log(Level::Error, message)
}
