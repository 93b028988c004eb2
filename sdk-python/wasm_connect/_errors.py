"""Errors a plugin raises: each becomes the WIT `plugin-error` the host acts
on (retry, skip the record under `errors.tolerance=all`, or fail the task).
Any other exception is a fatal error with the exception's text."""


class PluginError(Exception):
    """A failure the plugin reports. `kind` is config, data, retriable or
    fatal; `record` the index in the batch of the record that caused it."""

    kind = "fatal"

    def __init__(self, message, record=None):
        super().__init__(message)
        self.message = message
        self.record = record


class ConfigError(PluginError):
    """The configuration is wrong; retrying cannot help."""

    kind = "config"


class DataError(PluginError):
    """One record cannot be handled; others may be fine."""

    kind = "data"


class RetriableError(PluginError):
    """A passing fault of the outside system; the same call may succeed
    later."""

    kind = "retriable"
