"""`Batch`: records as they cross the sandbox, with friendly per-record views
and batch-wide operations.

A batch is one byte buffer plus packed descriptors (see `_layout`). Reading a
record through a view decodes only what is asked for. Per-record Python code
costs about a microsecond a record, so the batch-wide operations
(`add_header`, `set_field`, `header_values`, `set_topics`, `filter`) do their
work over whole descriptor columns at once instead.

Descriptors may point anywhere in the data and may share bytes and nodes:
a header or field value written to every record is stored once.
"""

import json
import struct
from array import array
from itertools import compress, repeat
from operator import add, eq, getitem, itemgetter, mul

from ._data import Schema, Struct
from ._errors import DataError
from ._layout import (
    AT_FLAGS, AT_HEADER_COUNT, AT_HEADER_START, AT_KEY, AT_KEY_SCHEMA, AT_OFFSET,
    AT_PARTITION, AT_SOURCE_OFFSET, AT_SOURCE_PARTITION, AT_TIMESTAMP, AT_TOPIC,
    AT_VALUE, AT_VALUE_SCHEMA, FLAG_HAS_TIMESTAMP, HEADER, HEADER_SIZE,
    HEADER_WORDS, I32, I64, K_ARRAY, K_BOOLEAN, K_BYTES, K_FLOAT32, K_FLOAT64,
    K_INT8, K_INT16, K_INT32, K_INT64, K_MAP, K_NULL, K_STRING, K_STRUCT,
    KIND_OF_TYPE, NODE, NODE_SIZE, NONE, NULL_NODE, RECORD, RECORD_SIZE,
    RECORD_WORDS, SCHEMA_TYPES, U32,
)

_F32 = struct.Struct("<f")
_F64 = struct.Struct("<d")
_U64 = struct.Struct("<Q")
_INT_RANGES = {
    K_INT8: 1 << 7, K_INT16: 1 << 15, K_INT32: 1 << 31, K_INT64: 1 << 63,
}
_PARTS = {"key": (AT_KEY_SCHEMA, AT_KEY), "value": (AT_VALUE_SCHEMA, AT_VALUE)}
_TIMESTAMP_TYPES = ("NoTimestampType", "CreateTime", "LogAppendTime")


def _gather(data, starts, lens):
    """The byte strings at (start, length) pairs of `data`, in one C call."""
    slices = list(map(slice, starts, map(add, starts, lens)))
    if len(slices) == 1:
        return (data[slices[0]],)
    return itemgetter(*slices)(data)


def _one_text_header_each(data, key, first, n, kstarts, klens, vstarts, vlens, vkinds):
    """`header_values` when record i has exactly one header, descriptor
    `first + i` (as batches built record by record have), and every one is
    `key` with a text value: the values decoded in one call. None when the
    batch is not like that."""
    end = first + n
    if bytes(vkinds[first:end]).count(K_STRING) != n or klens[first:end].count(len(key)) != n:
        return None
    if _gather(data, kstarts[first:end], klens[first:end]).count(key) != n:
        return None
    joined = b"\0".join(_gather(data, vstarts[first:end], vlens[first:end]))
    if joined.count(b"\0") != n - 1:
        return None
    try:
        return joined.decode().split("\0")
    except UnicodeDecodeError:
        return None


def _kind(value):
    """A value's kind in words, for messages."""
    for t, words in ((bool, "a boolean"), (int, "an integer"), (float, "a float"),
                     (str, "a string"), (bytes, "bytes"), (Struct, "a struct"),
                     (dict, "a map"), (list, "an array")):
        if isinstance(value, t):
            return words
    return "null" if value is None else f"a {type(value).__name__}"


def _json_object(value):
    """A source partition or offset as the JSON text the host stores."""
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"))


class Batch:
    """Records as they cross the sandbox boundary.

    `Batch()` is an empty batch to fill with `append` (a source's `poll`);
    a transform, converter or sink gets one from the host. `len(batch)`,
    `batch[i]` and iteration give `Record` views.
    """

    __slots__ = ("_buf", "_base", "_rec", "_hdr", "_nodes", "topics", "_schemas",
                 "_sps", "_topic_ix", "_schema_objs", "_schema_ixs", "_frozen")

    def __init__(self):
        self._buf = bytearray()
        self._base = 0
        self._rec = bytearray()
        self._hdr = bytearray()
        self._nodes = bytearray()
        #: The topic names records point at (by index).
        self.topics = []
        self._schemas = []
        self._sps = []
        self._topic_ix = None
        self._schema_objs = {}
        self._schema_ixs = {}
        self._frozen = b""

    # -- crossing the boundary -------------------------------------------

    @classmethod
    def _from_wit(cls, raw):
        b = cls()
        # The host always sends complete data (data-base 0); everything
        # appended from here on is sent back alone, after `_base`.
        b._buf = bytearray(raw.data)
        b._base = len(raw.data)
        b._rec = bytearray(raw.records)
        b._hdr = bytearray(raw.headers)
        b._nodes = bytearray(raw.nodes)
        b.topics = list(raw.topics)
        b._schemas = list(raw.schemas)
        b._sps = list(raw.source_partitions)
        return b

    def _to_wit(self):
        from wit_world.imports import types

        # `bytes`, never bytearray or memoryview: componentize-py lowers
        # only `bytes` for list<u8>.
        return types.Batch(
            data=bytes(memoryview(self._buf)[self._base:]),
            data_base=self._base,
            records=bytes(self._rec),
            headers=bytes(self._hdr),
            nodes=bytes(self._nodes),
            topics=self.topics,
            schemas=self._schemas,
            source_partitions=self._sps,
        )

    # -- records -------------------------------------------------------------

    def __len__(self):
        return len(self._rec) // RECORD_SIZE

    def __getitem__(self, i):
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(f"record {i} of a batch of {n}")
        return Record(self, i)

    def __iter__(self):
        return (Record(self, i) for i in range(len(self)))

    def append(self, topic, value=None, key=None, *, value_schema=None,
               key_schema=None, headers=(), partition=None, timestamp=None,
               source_partition=None, source_offset=None):
        """Add a record. Values without a schema are schemaless (an int is
        an int64, a dict a map); `headers` are (key, value) or
        (key, value, schema). `source_partition` and `source_offset` are
        dicts (or JSON text), as a source task gives them."""
        desc = bytearray(RECORD_SIZE)
        U32.pack_into(desc, AT_TOPIC, self._intern_topic(topic))
        I32.pack_into(desc, AT_PARTITION, -1 if partition is None else partition)
        I64.pack_into(desc, AT_OFFSET, -1)
        if timestamp is not None:
            I64.pack_into(desc, AT_TIMESTAMP, timestamp)
            U32.pack_into(desc, AT_FLAGS, FLAG_HAS_TIMESTAMP | (1 << 1))
        for schema_at, node_at, v, s in ((AT_KEY_SCHEMA, AT_KEY, key, key_schema),
                                         (AT_VALUE_SCHEMA, AT_VALUE, value, value_schema)):
            U32.pack_into(desc, schema_at, NONE if s is None else self._add_schema(s))
            desc[node_at:node_at + NODE_SIZE] = self._encode(v, s)
        U32.pack_into(desc, AT_HEADER_START, len(self._hdr) // HEADER_SIZE)
        U32.pack_into(desc, AT_HEADER_COUNT, len(headers))
        for h in headers:
            self._hdr += self._header_desc(*h)
        U32.pack_into(desc, AT_SOURCE_PARTITION,
                      NONE if source_partition is None
                      else self._intern_sp(_json_object(source_partition)))
        if source_offset is not None:
            start, n = self._push(_json_object(source_offset).encode())
            U32.pack_into(desc, AT_SOURCE_OFFSET, start)
            U32.pack_into(desc, AT_SOURCE_OFFSET + 4, n)
        U32.pack_into(desc, 88, NONE)
        self._rec += desc

    # -- batch-wide operations ---------------------------------------------

    def filter(self, keep):
        """Keep the records whose entry in `keep` (one per record) is true,
        in order. Their bytes stay where they are."""
        rec = memoryview(self._rec)
        kept = b"".join([rec[i * RECORD_SIZE:(i + 1) * RECORD_SIZE]
                         for i, k in enumerate(keep) if k])
        rec.release()
        self._rec = bytearray(kept)

    def add_header(self, key, value, schema=None):
        """Add header `key` with `value` to every record. The key, value and
        descriptor are stored once and shared."""
        desc = self._header_desc(key, value, schema)
        hdr = self._hdr
        with memoryview(self._rec).cast("I") as r:
            starts = r[7::RECORD_WORDS].tolist()
            counts = r[8::RECORD_WORDS].tolist()
        shared = None
        for i, c in enumerate(counts):
            if c == 0:
                if shared is None:
                    shared = len(hdr) // HEADER_SIZE
                    hdr += desc
                starts[i] = shared
            else:
                # A record's headers are consecutive: copy them, then add.
                s = starts[i]
                starts[i] = len(hdr) // HEADER_SIZE
                hdr += hdr[s * HEADER_SIZE:(s + c) * HEADER_SIZE]
                hdr += desc
            counts[i] = c + 1
        with memoryview(self._rec).cast("I") as r:
            r[7::RECORD_WORDS] = array("I", starts)
            r[8::RECORD_WORDS] = array("I", counts)

    def header_values(self, key, text=False):
        """The value of the last header called `key` of each record (None
        when it has none). With `text`, a bytes value is decoded as UTF-8
        and a value that is not text is None.

        Each step is one pass over a column of descriptors done by Python's
        C code (`map`, slicing); only records with several headers take a
        loop in Python."""
        n = len(self)
        if n == 0:
            return []
        kb = key.encode()
        data = self._data()
        with memoryview(self._rec).cast("I") as r:
            starts = r[7::RECORD_WORDS].tolist()
            counts = r[8::RECORD_WORDS].tolist()
        with memoryview(self._hdr).cast("I") as h:
            kstarts = h[0::HEADER_WORDS].tolist()
            klens = h[1::HEADER_WORDS].tolist()
            vlens = h[5::HEADER_WORDS].tolist()
            vstarts = h[6::HEADER_WORDS].tolist()
        vkinds = self._hdr[16::HEADER_SIZE]
        if counts.count(1) == n and starts == list(range(starts[0], starts[0] + n)):
            fast = _one_text_header_each(data, kb, starts[0], n, kstarts, klens, vstarts,
                                         vlens, vkinds)
            if fast is not None:
                return fast
        # Which header descriptors are called `key` (one past the end too,
        # where a record without headers may point).
        is_key = list(map(eq, map(data.__getitem__, map(slice, kstarts, map(add, kstarts, klens))),
                          repeat(kb)))
        is_key.append(False)
        if counts.count(0) + counts.count(1) == n and max(starts) < len(is_key):
            found = list(map(getitem, repeat(is_key), starts))
            found = list(map(bool, map(mul, found, counts)))
            js = list(compress(starts, found))
        else:
            found, js = [], []
            for s, c in zip(starts, counts):
                last = None
                for j in range(s, s + c):
                    if is_key[j]:
                        last = j
                found.append(last is not None)
                if last is not None:
                    js.append(last)
        kinds = bytes(map(vkinds.__getitem__, js))
        if kinds.count(K_STRING) == len(js):
            starts_ = list(map(vstarts.__getitem__, js))
            ends = map(add, starts_, map(vlens.__getitem__, js))
            values = list(map(bytes.decode, map(data.__getitem__, map(slice, starts_, ends))))
        else:
            values = [self._text_or_value(j, text) for j in js]
        if len(values) == n:
            return values
        at = dict(zip(compress(range(n), found), values))
        return list(map(at.get, range(n)))

    def _text_or_value(self, j, text):
        value = self._header_value(j)
        if not text or isinstance(value, str):
            return value
        if isinstance(value, bytes):
            try:
                return value.decode()
            except UnicodeDecodeError:
                return None
        return None

    def set_topics(self, topics):
        """Set each record's topic from `topics`, one per record; None or
        an empty string keeps the record's topic."""
        ix = self._topic_index()
        new = set(topics)
        new.discard(None)
        new.discard("")
        for t in new - ix.keys():
            if not isinstance(t, str):
                raise DataError(f"a topic is a str, not {_kind(t)}", record=topics.index(t))
            self._intern_topic(t)
        with memoryview(self._rec).cast("I") as r:
            current = r[0::RECORD_WORDS].tolist()
            r[0::RECORD_WORDS] = array("I", map(ix.get, topics, current))

    def set_field(self, name, value, skip_null=False):
        """Set field `name` of every record's value to `value`: a field of a
        struct value (converted to the field's schema), or the entry of a map
        value whose key is the string `name`. Records without such a field
        are left alone, and so are null fields when `skip_null` is true. The
        new value is stored once and shared."""
        n = len(self)
        kinds = self._rec[AT_VALUE::RECORD_SIZE]
        with memoryview(self._rec).cast("I") as r:
            schemas = r[10::RECORD_WORDS].tolist()
        if n and kinds.count(K_STRUCT) == n and schemas.count(schemas[0]) == n:
            # Structs of one schema, the common case: the field is the same
            # child of every value; its nodes are overwritten in one pass.
            plan = self._field_plan(schemas[0], name, value, 0)
            if plan is None:
                return
            pos, node = plan
            with memoryview(self._rec).cast("Q") as q:
                firsts = q[10::RECORD_SIZE // 8].tolist()
            if self._set_strided(firsts, pos, node, skip_null):
                return
        self._set_field_each(name, value, skip_null)

    def _set_strided(self, firsts, pos, node, skip_null):
        """Write `node` as child `pos` of each struct when the structs lie at
        a constant step in the node arena (as batches built record by record
        do): two strided writes in C for the whole batch. False when the
        layout is not that regular."""
        n = len(firsts)
        step = firsts[1] - firsts[0] if n > 1 else 1
        if step <= 0 or firsts != list(range(firsts[0], firsts[0] + step * n, step)):
            return False
        first_word = (firsts[0] + pos) * 2
        stride = step * 2
        kinds = self._nodes[first_word * 8::stride * 8][:n]
        if len(kinds) != n:
            return False
        low, high = _U64.unpack_from(node, 0)[0], _U64.unpack_from(node, 8)[0]
        with memoryview(self._nodes).cast("Q") as q:
            if skip_null and kinds.count(K_NULL):
                lows = q[first_word::stride][:n].tolist()
                highs = q[first_word + 1::stride][:n].tolist()
                new_low = array("Q", [low if k else w for k, w in zip(kinds, lows)])
                new_high = array("Q", [high if k else w for k, w in zip(kinds, highs)])
            else:
                new_low, new_high = array("Q", repeat(low, n)), array("Q", repeat(high, n))
            end = first_word + stride * (n - 1) + 1
            q[first_word:end:stride] = new_low
            q[first_word + 1:end + 1:stride] = new_high
        return True

    def _set_field_each(self, name, value, skip_null):
        """`set_field` record by record, for batches of mixed values."""
        nb = name.encode()
        n = len(self)
        with memoryview(self._rec).cast("I") as r:
            schemas = r[10::RECORD_WORDS].tolist()
            counts = r[19::RECORD_WORDS].tolist()
        with memoryview(self._rec).cast("Q") as q:
            firsts = q[10::RECORD_SIZE // 8].tolist()
        kinds = self._rec[AT_VALUE::RECORD_SIZE]
        plans = {}
        schemaless = None
        nodes = self._nodes
        buf = self._buf
        for i in range(n):
            kind = kinds[i]
            if kind == K_STRUCT:
                s = schemas[i]
                plan = plans.get(s, False)
                if plan is False:
                    plan = plans[s] = self._field_plan(s, name, value, i)
                if plan is None:
                    continue
                at = (firsts[i] + plan[0]) * NODE_SIZE
                if skip_null and nodes[at] == K_NULL:
                    continue
                nodes[at:at + NODE_SIZE] = plan[1]
            elif kind == K_MAP:
                first = firsts[i]
                for e in range(counts[i]):
                    at = (first + 2 * e) * NODE_SIZE
                    k, kl, ks = NODE.unpack_from(nodes, at)
                    if k == K_STRING and kl == len(nb) and buf[ks:ks + kl] == nb:
                        at += NODE_SIZE
                        if skip_null and nodes[at] == K_NULL:
                            continue
                        if schemaless is None:
                            schemaless = self._encode(value, None)
                        nodes[at:at + NODE_SIZE] = schemaless

    def _field_plan(self, schema_ix, name, value, record):
        """(position, encoded node) to set field `name` of structs of schema
        `schema_ix`, or None when they have no such field."""
        schema = self.schema(schema_ix)
        found = schema.field(name) if schema is not None else None
        if found is None:
            return None
        pos, field_schema = found
        try:
            return pos, self._encode(value, field_schema)
        except (TypeError, ValueError):
            raise DataError(f"field {name} is {field_schema.type}; cannot set it to {_kind(value)}",
                            record=record) from None

    # -- tables --------------------------------------------------------------

    def _topic_index(self):
        if self._topic_ix is None:
            self._topic_ix = {t: i for i, t in enumerate(self.topics)}
        return self._topic_ix

    def _intern_topic(self, topic):
        ix = self._topic_index()
        n = ix.get(topic)
        if n is None:
            n = ix[topic] = len(self.topics)
            self.topics.append(topic)
        return n

    def _intern_sp(self, text):
        try:
            return self._sps.index(text)
        except ValueError:
            self._sps.append(text)
            return len(self._sps) - 1

    def schema(self, index):
        """The `Schema` at `index` of the batch's schema table (None for
        "no schema")."""
        if index == NONE:
            return None
        s = self._schema_objs.get(index)
        if s is None:
            w = self._schemas[index]
            s = Schema(
                SCHEMA_TYPES[w.type.value], optional=w.optional, name=w.name,
                version=w.version, doc=w.doc, parameters=dict(w.parameters),
                key_schema=self.schema(w.key_schema) if w.key_schema is not None else None,
                value_schema=self.schema(w.value_schema) if w.value_schema is not None else None,
                fields=[(f.name, self.schema(f.schema)) for f in w.fields],
            )
            if w.default_value is not None:
                s.default = self._decode_node(
                    NODE.unpack_from(self._nodes, w.default_value * NODE_SIZE), s)
            self._schema_objs[index] = s
            self._schema_ixs[id(s)] = (s, index)
        return s

    def _add_schema(self, schema):
        known = self._schema_ixs.get(id(schema))
        if known is not None:
            return known[1]
        from wit_world.imports import types

        sub = lambda s: None if s is None else self._add_schema(s)  # noqa: E731
        key, value = sub(schema.key_schema), sub(schema.value_schema)
        fields = [types.Field(name=n, schema=self._add_schema(s)) for n, s in schema.fields]
        default = None
        if schema.default is not None:
            node = self._encode(schema.default, schema)
            default = len(self._nodes) // NODE_SIZE
            self._nodes += node
        self._schemas.append(types.Schema(
            type=types.SchemaType(SCHEMA_TYPES.index(schema.type)),
            optional=schema.optional, name=schema.name, version=schema.version,
            doc=schema.doc, parameters=list(schema.parameters.items()),
            default_value=default, key_schema=key, value_schema=value, fields=fields,
        ))
        index = len(self._schemas) - 1
        # Keep the schema alive with its index: `id()` is only unique for
        # objects that live.
        self._schema_ixs[id(schema)] = (schema, index)
        return index

    # -- values --------------------------------------------------------------

    def _push(self, data):
        start = len(self._buf)
        self._buf += data
        return start, len(data)

    def _data(self):
        """All data as `bytes` (whose slices can be hashed and compared in
        C), made again only after bytes were appended."""
        if len(self._frozen) != len(self._buf):
            self._frozen = bytes(self._buf)
        return self._frozen

    def _header_desc(self, key, value, schema=None):
        ks, kl = self._push(key.encode())
        s = NONE if schema is None else self._add_schema(schema)
        node = self._encode(value, schema)
        return U32.pack(ks) + U32.pack(kl) + U32.pack(s) + U32.pack(0) + node

    def _header_value(self, j):
        ks, kl, s, _, kind, a, b = HEADER.unpack_from(self._hdr, j * HEADER_SIZE)
        return self._decode_node((kind, a, b), self.schema(s))

    def _decode_node(self, node, schema):
        kind, a, b = node
        if kind == K_NULL:
            return None
        if kind == K_STRING:
            return self._buf[b:b + a].decode()
        if kind == K_BYTES:
            return bytes(self._buf[b:b + a])
        if kind in _INT_RANGES:
            return b - (1 << 64) if b >= 1 << 63 else b
        if kind == K_BOOLEAN:
            return b != 0
        if kind == K_FLOAT64:
            return _F64.unpack(_U64.pack(b))[0]
        if kind == K_FLOAT32:
            return _F32.unpack(U32.pack(b & 0xFFFF_FFFF))[0]
        nodes = self._nodes
        child = lambda i, s: self._decode_node(  # noqa: E731
            NODE.unpack_from(nodes, (b + i) * NODE_SIZE), s)
        if kind == K_ARRAY:
            items = schema.value_schema if schema is not None else None
            return [child(i, items) for i in range(a)]
        if kind == K_MAP:
            ks = schema.key_schema if schema is not None else None
            vs = schema.value_schema if schema is not None else None
            pairs = [(child(2 * i, ks), child(2 * i + 1, vs)) for i in range(a)]
            try:
                return dict(pairs)
            except TypeError:
                return pairs
        if kind == K_STRUCT:
            if schema is None or schema.type != "struct":
                raise DataError("a struct value has no struct schema")
            out = Struct(schema)
            for i, (name, field_schema) in enumerate(schema.fields[:a]):
                out[name] = child(i, field_schema)
            return out
        raise DataError(f"unknown node kind {kind}")

    def _encode(self, value, schema):
        """The node for `value` (with `schema`, or schemaless), appending
        its bytes and child nodes."""
        if value is None:
            if schema is not None and schema.default is not None:
                return self._encode(schema.default, schema)
            return NULL_NODE
        t = schema.type if schema is not None else None
        if t is None:
            if isinstance(value, bool):
                t = "boolean"
            elif isinstance(value, int):
                t = "int64"
            elif isinstance(value, float):
                t = "float64"
            elif isinstance(value, str):
                t = "string"
            elif isinstance(value, (bytes, bytearray, memoryview)):
                t = "bytes"
            elif isinstance(value, Struct):
                return self._encode(value, value.schema)
            elif isinstance(value, (list, tuple)):
                t = "array"
            elif isinstance(value, dict):
                t = "map"
            else:
                raise TypeError(f"cannot send a {type(value).__name__} without a schema")
        kind = KIND_OF_TYPE[t]
        if kind == K_STRING:
            if not isinstance(value, str):
                raise TypeError(f"expected a str for a string, got {type(value).__name__}")
            start, n = self._push(value.encode())
            return NODE.pack(K_STRING, n, start)
        if kind == K_BYTES:
            start, n = self._push(bytes(value))
            return NODE.pack(K_BYTES, n, start)
        if kind in _INT_RANGES:
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"expected an int for {t}, got {type(value).__name__}")
            limit = _INT_RANGES[kind]
            if not -limit <= value < limit:
                raise ValueError(f"{value} does not fit {t}")
            return NODE.pack(kind, 0, value & 0xFFFF_FFFF_FFFF_FFFF)
        if kind == K_BOOLEAN:
            return NODE.pack(K_BOOLEAN, 0, 1 if value else 0)
        if kind == K_FLOAT64:
            return NODE.pack(K_FLOAT64, 0, _U64.unpack(_F64.pack(value))[0])
        if kind == K_FLOAT32:
            return NODE.pack(K_FLOAT32, 0, U32.unpack(_F32.pack(value))[0])
        if kind == K_ARRAY:
            items = list(value)
            item_schema = schema.value_schema if schema is not None else None
            first = self._reserve(len(items))
            for i, item in enumerate(items):
                self._set_node(first + i, self._encode(item, item_schema))
            return NODE.pack(K_ARRAY, len(items), first)
        if kind == K_MAP:
            entries = list(value.items()) if isinstance(value, dict) else list(value)
            ks = schema.key_schema if schema is not None else None
            vs = schema.value_schema if schema is not None else None
            first = self._reserve(2 * len(entries))
            for i, (k, v) in enumerate(entries):
                self._set_node(first + 2 * i, self._encode(k, ks))
                self._set_node(first + 2 * i + 1, self._encode(v, vs))
            return NODE.pack(K_MAP, len(entries), first)
        # A struct: one child per field, in schema order.
        if not isinstance(value, dict):
            raise TypeError(f"expected a dict or Struct for a struct, got {type(value).__name__}")
        first = self._reserve(len(schema.fields))
        for i, (name, field_schema) in enumerate(schema.fields):
            self._set_node(first + i, self._encode(value.get(name), field_schema))
        return NODE.pack(K_STRUCT, len(schema.fields), first)

    def _reserve(self, count):
        first = len(self._nodes) // NODE_SIZE
        self._nodes += NULL_NODE * count
        return first

    def _set_node(self, index, node):
        at = index * NODE_SIZE
        self._nodes[at:at + NODE_SIZE] = node


class Record:
    """A view of record `index` of a batch: reads decode only what is asked
    for, writes change the batch."""

    __slots__ = ("_b", "_i", "_at")

    def __init__(self, batch, index):
        self._b = batch
        self._i = index
        self._at = index * RECORD_SIZE

    @property
    def index(self):
        """The record's position in its batch."""
        return self._i

    def _u32(self, at):
        return U32.unpack_from(self._b._rec, self._at + at)[0]

    @property
    def topic(self):
        """The topic."""
        return self._b.topics[self._u32(AT_TOPIC)]

    @topic.setter
    def topic(self, topic):
        U32.pack_into(self._b._rec, self._at + AT_TOPIC, self._b._intern_topic(topic))

    @property
    def partition(self):
        """The Kafka partition, or None."""
        p = I32.unpack_from(self._b._rec, self._at + AT_PARTITION)[0]
        return None if p < 0 else p

    @property
    def offset(self):
        """The Kafka offset, or None (source records)."""
        o = I64.unpack_from(self._b._rec, self._at + AT_OFFSET)[0]
        return None if o < 0 else o

    @property
    def timestamp(self):
        """Milliseconds since the epoch, or None."""
        if self._u32(AT_FLAGS) & FLAG_HAS_TIMESTAMP:
            return I64.unpack_from(self._b._rec, self._at + AT_TIMESTAMP)[0]
        return None

    @property
    def timestamp_type(self):
        """CreateTime, LogAppendTime or NoTimestampType."""
        t = (self._u32(AT_FLAGS) >> 1) & 3
        return _TIMESTAMP_TYPES[t] if t < len(_TIMESTAMP_TYPES) else _TIMESTAMP_TYPES[0]

    def schema(self, part):
        """The schema of the "key" or "value" (None: schemaless)."""
        return self._b.schema(self._u32(_PARTS[part][0]))

    def get(self, part):
        """The "key" or "value" as a Python value."""
        schema_at, node_at = _PARTS[part]
        node = NODE.unpack_from(self._b._rec, self._at + node_at)
        return self._b._decode_node(node, self._b.schema(self._u32(schema_at)))

    def set(self, part, value, schema=None):
        """Set the "key" or "value", with `schema` or schemaless."""
        schema_at, node_at = _PARTS[part]
        b = self._b
        node = b._encode(value, schema)
        U32.pack_into(b._rec, self._at + schema_at, NONE if schema is None else b._add_schema(schema))
        b._rec[self._at + node_at:self._at + node_at + NODE_SIZE] = node

    @property
    def key(self):
        """The key as a Python value."""
        return self.get("key")

    @property
    def value(self):
        """The value as a Python value."""
        return self.get("value")

    @property
    def key_schema(self):
        """The key's `Schema`, or None."""
        return self.schema("key")

    @property
    def value_schema(self):
        """The value's `Schema`, or None."""
        return self.schema("value")

    @property
    def headers(self):
        """The headers, as a list of (key, value)."""
        b = self._b
        start, count = self._u32(AT_HEADER_START), self._u32(AT_HEADER_COUNT)
        out = []
        for j in range(start, start + count):
            ks, kl = struct.unpack_from("<II", b._hdr, j * HEADER_SIZE)
            out.append((b._buf[ks:ks + kl].decode(), b._header_value(j)))
        return out

    def header(self, key):
        """The value of the last header called `key`, or None."""
        found = None
        for k, v in self.headers:
            if k == key:
                found = v
        return found

    def add_header(self, key, value, schema=None):
        """Add a header to this record."""
        b = self._b
        start, count = self._u32(AT_HEADER_START), self._u32(AT_HEADER_COUNT)
        desc = b._header_desc(key, value, schema)
        new_start = len(b._hdr) // HEADER_SIZE
        b._hdr += b._hdr[start * HEADER_SIZE:(start + count) * HEADER_SIZE]
        b._hdr += desc
        U32.pack_into(b._rec, self._at + AT_HEADER_START, new_start)
        U32.pack_into(b._rec, self._at + AT_HEADER_COUNT, count + 1)

    @property
    def source_partition(self):
        """The source partition as a dict (source records), or None."""
        i = self._u32(AT_SOURCE_PARTITION)
        return None if i == NONE else json.loads(self._b._sps[i])

    @property
    def source_offset(self):
        """The source offset as a dict (source records), or None."""
        start, n = self._u32(AT_SOURCE_OFFSET), self._u32(AT_SOURCE_OFFSET + 4)
        return json.loads(self._b._buf[start:start + n]) if n else None

    def __repr__(self):
        return f"Record(topic={self.topic!r}, key={self.key!r}, value={self.value!r})"
