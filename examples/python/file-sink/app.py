"""FileAppendSink: appends each record's value to a file, one line each: a
string as it is, anything else as compact JSON.

Built for the `sink-plugin` world; see examples/README.md.
"""

import base64
import json
import os

import wasm_connect as wc
from wasm_connect.exports import *  # noqa: F401,F403 (the classes componentize-py exports)


def _json_default(value):
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    raise TypeError(f"{type(value).__name__} is not JSON")


def line(value):
    """The line written for a value."""
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=_json_default)


class FileAppendTask(wc.SinkTask):
    def __init__(self, config):
        self.path = config.require("file")
        # The host granted write access to this file's folder because the
        # `file` key is declared write-file; nothing else is visible.
        self.out = open(self.path, "a", encoding="utf-8")

    def put(self, batch):
        self.out.write("".join(line(record.value) + "\n" for record in batch))

    def flush(self, offsets):
        self.out.flush()
        os.fsync(self.out.fileno())
        return None  # everything put so far is durable

    def stop(self):
        self.out.close()


class FileAppendSink(wc.SinkConnector):
    name = "examples.python.FileAppendSink"
    version = "1.0.0"
    description = "Appends each record's value to a file, one line per record."
    config = [wc.ConfigKey("file", doc="The file to append to.", importance="high", access="write-file")]
    task = FileAppendTask
