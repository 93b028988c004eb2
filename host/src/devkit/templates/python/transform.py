"""{{plugin}}: a transform that adds a header to every record."""

import wasm_connect as wc
from wasm_connect.exports import *  # noqa: F401,F403 (the classes componentize-py exports)


class {{type}}(wc.Transform):
    name = "{{plugin}}"
    version = "0.1.0"
    description = "Adds a header to every record."
    config = [
        wc.ConfigKey("header.name", default="added-by", doc="The header's key."),
        wc.ConfigKey("header.value", default="{{project}}", doc="The header's value."),
    ]

    def __init__(self, config):
        self.header = config.get("header.name", "added-by")
        self.value = config.get("header.value", "{{project}}")

    def apply(self, batch):
        # A batch-wide operation, run by the host in one native pass: the
        # header is stored once and shared. (A loop over `for record in
        # batch:` is friendlier and about a microsecond slower a record.)
        batch.add_header(self.header, self.value)
        return batch
