//! [`PluginError`]: what a plugin reports when it cannot do what it was asked.

use std::fmt;

use crate::batch::BatchError;

/// Who caused a failure and whether retrying can help (the WIT `error-kind`).
/// The host chooses between retrying, skipping a record under
/// `errors.tolerance=all`, and failing the task from this.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The configuration is wrong; retrying cannot help.
    Config,
    /// One record cannot be handled; others may be fine.
    Data,
    /// A passing fault of the outside system; the same call may succeed later.
    Retriable,
    /// The task cannot continue.
    Fatal,
}

/// An error a plugin returns (as opposed to a trap, which the host treats as
/// a crash of the plugin).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginError {
    /// Who caused it and whether to retry.
    pub kind: ErrorKind,
    /// What went wrong, for an operator.
    pub message: String,
    /// The index in the batch of the record that caused it.
    pub record: Option<u32>,
}

impl PluginError {
    fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            record: None,
        }
    }

    /// The configuration is wrong.
    pub fn config(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Config, message)
    }

    /// A record cannot be handled.
    pub fn data(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Data, message)
    }

    /// A passing fault; try again later.
    pub fn retriable(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Retriable, message)
    }

    /// The task cannot continue.
    pub fn fatal(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Fatal, message)
    }

    /// This error, blamed on record `index` of the batch.
    pub fn at_record(mut self, index: usize) -> Self {
        self.record = u32::try_from(index).ok();
        self
    }
}

impl fmt::Display for PluginError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(record) = self.record {
            write!(f, " (record {record} of the batch)")?;
        }
        Ok(())
    }
}

impl std::error::Error for PluginError {}

/// A batch that cannot be read is bad data as far as the plugin can tell.
impl From<BatchError> for PluginError {
    fn from(e: BatchError) -> Self {
        Self::data(e.to_string())
    }
}
