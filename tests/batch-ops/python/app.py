"""A test transform: every value kind the helper hands to the host's
batch-ops (tests/tests/languages.rs). Built for the transform-plugin world."""

import wasm_connect as wc
from wasm_connect.exports import *  # noqa: F401,F403


class BatchOpsProbe(wc.Transform):
    name = "tests.python.BatchOpsProbe"
    version = "1.0.0"
    description = "Sets fields and adds headers of every value kind through batch-ops."

    def __init__(self, config):
        pass

    def apply(self, batch):
        batch.set_field("id", 7)
        batch.set_field("score", 0.5)
        batch.set_field("big", 9007199254740993)
        batch.set_field("blob", bytes([1, 2, 255]))
        batch.set_field("flag", True)
        batch.set_field("email", None)
        batch.set_field("name", "masked", skip_null=True)
        batch.add_header("n", 5)
        batch.add_header("f", -1.25)
        batch.add_header("b", bytes([0, 1]))
        batch.add_header("none", None)
        batch.add_header("t", "x")
        batch.set_topics_from_header("route")
        return batch
