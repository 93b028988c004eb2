"""{{plugin}}: a converter between UTF-8 text and Connect strings."""

import wasm_connect as wc
from wasm_connect.exports import *  # noqa: F401,F403 (the classes componentize-py exports)


class {{type}}(wc.Converter):
    name = "{{plugin}}"
    version = "0.1.0"
    description = "Converts between UTF-8 text and Connect strings."

    def __init__(self, config, target):
        if target == "headers":
            raise wc.ConfigError("{{plugin}} converts keys and values, not headers")
        self.part = target  # "key" or "value"

    def from_connect(self, batch):
        for record in batch:
            value = record.get(self.part)
            if value is not None and not isinstance(value, bytes):
                value = str(value).encode()
            record.set(self.part, value)

    def to_connect(self, batch):
        for record in batch:
            value = record.get(self.part)
            if isinstance(value, bytes):
                try:
                    value = value.decode()
                except UnicodeDecodeError:
                    raise wc.DataError("the bytes are not UTF-8 text", record=record.index) from None
            record.set(self.part, value, wc.OPTIONAL_STRING)
