"""wasm-connect plugins in Python.

A thin helper over the bindings componentize-py generates from
`wit/plugin.wit`: subclass the plugin kind you write, set its `name`, and
let your module do `from wasm_connect.exports import *`::

    import wasm_connect as wc
    from wasm_connect.exports import *  # noqa: F401,F403 (what componentize-py exports)

    class AddSource(wc.Transform):
        name = "com.example.AddSource"
        config = [wc.ConfigKey("source", default="python", doc="The header value.")]

        def __init__(self, config):
            self.source = config.get("source", "python")

        def apply(self, batch):
            batch.add_header("source", self.source)   # once for the whole batch
            return batch

Records cross the sandbox in batches (`Batch`): per-record views
(`for record in batch: record.value`) are friendly; batch-wide operations
(`add_header`, `set_field`, `set_topics_from_header`, `header_values`,
`set_topics`, `filter`) are several times faster, because per-record Python
code costs about a microsecond a record; the first three run in the host as
native code (the contract's `batch-ops`).

This helper is versioned with the contract: it lives in the repository
beside the `wit/plugin.wit` it is written for, and `wasm-connect plugin new`
copies both into a new project.
"""

from . import log
from ._batch import Batch, Record
from ._data import (
    BOOLEAN, BYTES, FLOAT32, FLOAT64, INT8, INT16, INT32, INT64, OPTIONAL_BOOLEAN,
    OPTIONAL_BYTES, OPTIONAL_FLOAT32, OPTIONAL_FLOAT64, OPTIONAL_INT8,
    OPTIONAL_INT16, OPTIONAL_INT32, OPTIONAL_INT64, OPTIONAL_STRING, STRING,
    Schema, Struct,
)
from ._errors import ConfigError, DataError, PluginError, RetriableError
from ._plugins import (
    Config, ConfigKey, ConfigProvider, Converter, Predicate, SinkConnector,
    SinkTask, SourceConnector, SourceOffsets, SourceTask, Transform,
)

__all__ = [
    "Batch", "Record", "Schema", "Struct", "Config", "ConfigKey",
    "Transform", "Predicate", "Converter", "SourceConnector", "SourceTask",
    "SinkConnector", "SinkTask", "SourceOffsets", "ConfigProvider",
    "PluginError", "ConfigError", "DataError", "RetriableError", "log",
    "INT8", "INT16", "INT32", "INT64", "FLOAT32", "FLOAT64", "BOOLEAN",
    "STRING", "BYTES", "OPTIONAL_INT8", "OPTIONAL_INT16", "OPTIONAL_INT32",
    "OPTIONAL_INT64", "OPTIONAL_FLOAT32", "OPTIONAL_FLOAT64",
    "OPTIONAL_BOOLEAN", "OPTIONAL_STRING", "OPTIONAL_BYTES",
]
