"""The fixed little-endian layout of batch descriptors.

This mirrors the `batch` record of `wit/plugin.wit`, which is the normative
description; nothing else in the helper knows byte positions. Descriptors
travel as bytes because `list<u8>` is the one list shape that crosses the
component boundary in one block in Rust, Python and JavaScript alike.
"""

import struct

#: Bytes per record descriptor.
RECORD_SIZE = 96
#: Bytes per header descriptor.
HEADER_SIZE = 32
#: Bytes per value node.
NODE_SIZE = 16
#: "No index": no schema, no source partition, no tag.
NONE = 0xFFFF_FFFF

#: A whole record descriptor.
RECORD = struct.Struct("<IiqqIIIIIIIIBxxxIQBxxxIQII")
#: A whole header descriptor.
HEADER = struct.Struct("<IIIIBxxxIQ")
#: A value node: kind, a (length or count), b (bits, start or first child).
NODE = struct.Struct("<BxxxIQ")
U32 = struct.Struct("<I")
I32 = struct.Struct("<i")
I64 = struct.Struct("<q")

# Byte positions in a record descriptor.
AT_TOPIC = 0
AT_PARTITION = 4
AT_OFFSET = 8
AT_TIMESTAMP = 16
AT_FLAGS = 24
AT_HEADER_START = 28
AT_HEADER_COUNT = 32
AT_KEY_SCHEMA = 36
AT_VALUE_SCHEMA = 40
AT_SOURCE_PARTITION = 44
AT_SOURCE_OFFSET = 48
AT_KEY = 56
AT_VALUE = 72
AT_TAG = 88

# The same positions counted in 32-bit words (for memoryview.cast("I")),
# and the words per descriptor.
RECORD_WORDS = RECORD_SIZE // 4
HEADER_WORDS = HEADER_SIZE // 4

FLAG_HAS_TIMESTAMP = 1

# Node kinds.
K_NULL = 0
K_BOOLEAN = 1
K_INT8 = 2
K_INT16 = 3
K_INT32 = 4
K_INT64 = 5
K_FLOAT32 = 6
K_FLOAT64 = 7
K_STRING = 8
K_BYTES = 9
K_ARRAY = 10
K_MAP = 11
K_STRUCT = 12

NULL_NODE = NODE.pack(K_NULL, 0, 0)

#: Schema type names, in the order of the WIT `schema-type` enum.
SCHEMA_TYPES = (
    "int8", "int16", "int32", "int64", "float32", "float64",
    "boolean", "string", "bytes", "array", "map", "struct",
)
#: The node kind of each schema type.
KIND_OF_TYPE = {
    "int8": K_INT8, "int16": K_INT16, "int32": K_INT32, "int64": K_INT64,
    "float32": K_FLOAT32, "float64": K_FLOAT64, "boolean": K_BOOLEAN,
    "string": K_STRING, "bytes": K_BYTES, "array": K_ARRAY, "map": K_MAP,
    "struct": K_STRUCT,
}
