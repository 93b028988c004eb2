"""MaskRoute: masks one field of each record's value and sends each record
to the topic its route header names.

Built for the `transform-plugin` world; see examples/README.md.
"""

import wasm_connect as wc
from wasm_connect.exports import *  # noqa: F401,F403 (the classes componentize-py exports)


class MaskRoute(wc.Transform):
    name = "examples.python.MaskRoute"
    version = "1.0.0"
    description = "Masks one field of each value and routes each record to the topic its route header names."
    config = [
        wc.ConfigKey("mask.field", doc="The value field to mask: a struct field or a map key.", importance="high"),
        wc.ConfigKey("mask.with", default="****", doc="The text the field becomes."),
        wc.ConfigKey("route.header", default="route", doc="The header whose value, when present, becomes the record's topic."),
    ]

    def __init__(self, config):
        self.field = config.require("mask.field")
        self.mask = config.get("mask.with", "****")
        self.header = config.get("route.header", "").strip() or "route"

    def apply(self, batch):
        # Batch-wide operations, run by the host in one native pass each;
        # the mask text is stored once for the whole batch.
        batch.set_field(self.field, self.mask, skip_null=True)
        # Text values (UTF-8 bytes too) become topics; None or "" keeps one.
        batch.set_topics_from_header(self.header)
        return batch
