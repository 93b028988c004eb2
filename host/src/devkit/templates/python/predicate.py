"""{{plugin}}: a predicate that holds for records with a given header."""

import wasm_connect as wc
from wasm_connect.exports import *  # noqa: F401,F403 (the classes componentize-py exports)


class {{type}}(wc.Predicate):
    name = "{{plugin}}"
    version = "0.1.0"
    description = "Holds for records that have a given header."
    config = [wc.ConfigKey("header", default="important", doc="The header to look for.")]

    def __init__(self, config):
        self.header = config.get("header", "important")

    def test(self, batch):
        return [any(key == self.header for key, _ in record.headers) for record in batch]
