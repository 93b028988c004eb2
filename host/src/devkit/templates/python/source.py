"""{{plugin}}: a source connector that emits greetings."""

import wasm_connect as wc
from wasm_connect.exports import *  # noqa: F401,F403 (the classes componentize-py exports)

PARTITION = {"source": "{{project}}"}


class {{type}}Task(wc.SourceTask):
    def __init__(self, config, offsets):
        self.topic = config.require("topic")
        self.max_count = config.get_int("max.count", 10)
        stored = offsets.get(PARTITION)  # resume where the last run stopped
        self.next = stored["next"] if stored else 0

    def poll(self):
        batch = wc.Batch()
        while self.next < self.max_count and len(batch) < 100:
            batch.append(self.topic, value=f"hello {self.next}",
                         source_partition=PARTITION, source_offset={"next": self.next + 1})
            self.next += 1
        return batch


class {{type}}(wc.SourceConnector):
    name = "{{plugin}}"
    version = "0.1.0"
    description = 'Emits "hello 0", "hello 1", ... to a topic.'
    config = [
        wc.ConfigKey("topic", doc="The topic to write to.", importance="high"),
        wc.ConfigKey("max.count", type="long", default="10", doc="How many greetings to emit."),
    ]
    task = {{type}}Task
