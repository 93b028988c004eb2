"""CounterSource: emits 0, 1, 2, ... as int64 values, `batch.size` a poll,
and resumes after the last number Kafka acknowledged.

Built for the `source-plugin` world; see examples/README.md.
"""

import wasm_connect as wc
from wasm_connect.exports import *  # noqa: F401,F403 (the classes componentize-py exports)


class CounterTask(wc.SourceTask):
    def __init__(self, config, offsets):
        self.topic = config.require("topic")
        self.batch_size = config.get_int("batch.size", 10)
        self.max_count = config.get_int("max.count", 1000)
        self.partition = {"counter": self.topic}
        stored = offsets.get(self.partition)
        self.next = stored["next"] if stored else 0

    def poll(self):
        end = self.next + self.batch_size
        if self.max_count >= 0:
            end = min(end, self.max_count)
        batch = wc.Batch()
        for n in range(self.next, end):
            batch.append(self.topic, value=n, value_schema=wc.INT64,
                         source_partition=self.partition, source_offset={"next": n + 1})
        self.next = max(self.next, end)
        return batch


class CounterSource(wc.SourceConnector):
    name = "examples.python.CounterSource"
    version = "1.0.0"
    description = "Emits a counter: 0, 1, 2, ... as int64 values."
    config = [
        wc.ConfigKey("topic", doc="The topic to write to.", importance="high"),
        wc.ConfigKey("batch.size", type="int", default="10", doc="Numbers per poll."),
        wc.ConfigKey("max.count", type="long", default="1000", doc="Stop after this many numbers (-1: never)."),
    ]
    task = CounterTask
