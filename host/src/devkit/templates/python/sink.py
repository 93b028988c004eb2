"""{{plugin}}: a sink connector that writes every record to the worker's log."""

import wasm_connect as wc
from wasm_connect.exports import *  # noqa: F401,F403 (the classes componentize-py exports)


class {{type}}Task(wc.SinkTask):
    def __init__(self, config):
        pass

    def put(self, batch):
        for record in batch:
            wc.log.info(f"{record.topic}: {record.value}")


class {{type}}(wc.SinkConnector):
    name = "{{plugin}}"
    version = "0.1.0"
    description = "Writes every record to the worker's log."
    task = {{type}}Task
