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
from collections import defaultdict
from itertools import compress, count, repeat
from operator import add, eq, getitem, mul

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


def _column(buf, at, stride, n):
    """Byte `at` of each of `n` descriptors of `stride` bytes, as one bytes
    object (one pass in C, no object per descriptor)."""
    return buf[at:at + stride * n:stride]


def _words_equal(buf, at, stride, n, value, width=4):
    """Whether the little-endian word of `width` bytes at `at` of each of `n`
    descriptors is `value`: `width` byte columns compared in C."""
    end = at + stride * n
    for k in range(width):
        if buf[at + k:end:stride] != _repeated((value >> (8 * k)) & 0xFF, n):
            return False
    return True


_REPEATED = {}


def _repeated(byte, n):
    """`n` bytes of value `byte`, kept for the next batch of that size."""
    out = _REPEATED.get((byte, n))
    if out is None:
        if len(_REPEATED) >= 64:
            _REPEATED.clear()
        out = _REPEATED[byte, n] = bytes([byte]) * n
    return out


#: Byte columns of ramps `first + i * step` (see `_words_ramp`), by
#: (first, step, n, width). Batches of one task look alike call after call,
#: so a few entries serve them all.
_RAMPS = {}


def _words_ramp(buf, at, stride, n, first, step, width=4):
    """Whether the little-endian word of `width` bytes at `at` of descriptor
    i is `first + i * step` for each of `n` descriptors (`step` > 0), by
    comparing byte columns against cached expected ones."""
    key = (first, step, n, width)
    columns = _RAMPS.get(key)
    if columns is None:
        try:
            words = array("I" if width == 4 else "Q", range(first, first + step * n, step))
        except OverflowError:
            return False
        if len(_RAMPS) >= 16:
            _RAMPS.clear()
        raw = words.tobytes()
        columns = _RAMPS[key] = tuple(raw[k::width] for k in range(width))
    end = at + stride * n
    for k, column in enumerate(columns):
        if buf[at + k:end:stride] != column:
            return False
    return True


def _cut(data, starts, lens):
    """The byte strings at (start, length) pairs of `data`. A comprehension
    slices with the interpreter's own slice (no `slice` object made and
    called per item, as `map(slice, ...)` does: about half the cost)."""
    return [data[s:s + n] for s, n in zip(starts, lens)]


#: `bytes.translate` table: 0xFF for a null node's kind, 0 for any other.
_NULL_MASK = bytes([0xFF]) + bytes(255)


def _wit_types():
    """The generated `types` module (imported on first use: the helper also
    runs where no bindings exist, in its tests; and a `from` import of a
    submodule runs importlib's Python code on every call)."""
    global _TYPES
    if _TYPES is None:
        from wit_world.imports import types
        _TYPES = types
    return _TYPES


_TYPES = None


def _batch_ops():
    """The generated `batch_ops` import module, or None where the helper
    runs outside a component (its tests, on CPython, where the bindings are
    stubs): there the helper's own batch-wide operations do the work."""
    global _BATCH_OPS
    if _BATCH_OPS is None:
        try:
            # Built into components only.
            import componentize_py_runtime  # noqa: F401
            from wit_world.imports import batch_ops
        except ImportError:
            batch_ops = False
        _BATCH_OPS = batch_ops
    return _BATCH_OPS or None


_BATCH_OPS = None

#: s64's range, for integers the host's `scalar` can carry.
_S64 = 1 << 63


def _scalar(ops, value):
    """`value` as the contract's `batch-ops.scalar`, or None when it is not
    one (a struct, list or dict, or an int past 64 bits: the helper stores
    those itself)."""
    if value is None:
        return ops.Scalar_Null()
    if isinstance(value, bool):
        return ops.Scalar_Boolean(value)
    if isinstance(value, int):
        return ops.Scalar_Int(value) if -_S64 <= value < _S64 else None
    if isinstance(value, float):
        return ops.Scalar_Float(value)
    if isinstance(value, str):
        return ops.Scalar_Text(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return ops.Scalar_Bytes(bytes(value))
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

    __slots__ = ("_head", "_buf", "_base", "_rec", "_hdr", "_nodes", "topics", "_schemas",
                 "_sps", "_topic_ix", "_schema_objs", "_schema_ixs", "_frozen", "_last_values")

    def __init__(self):
        # The data is `_head` (what the host sent, never changed: it is not
        # copied) followed by `_buf` (what was appended since), at `_base`.
        self._head = b""
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
        # (values, codes, distinct) of the last `header_values` fast path,
        # for `set_topics` (see there).
        self._last_values = None

    # -- crossing the boundary -------------------------------------------

    @classmethod
    def _from_wit(cls, raw):
        b = cls()
        # The host always sends complete data (data-base 0); everything
        # appended from here on is sent back alone, after `_base`. The
        # buffers stay the `bytes` they came as until something writes to
        # them (`_writable`): each copy of a batch costs ~0.03 µs a record
        # in the sandbox, and an unchanged buffer goes back as it came.
        b._head = raw.data
        b._base = len(raw.data)
        b._rec = raw.records
        b._hdr = raw.headers
        b._nodes = raw.nodes
        b.topics = list(raw.topics)
        b._schemas = list(raw.schemas)
        b._sps = list(raw.source_partitions)
        return b

    def _to_wit(self):
        types = _wit_types()
        # `bytes`, never bytearray or memoryview: componentize-py lowers
        # only `bytes` for list<u8> (`bytes` of a `bytes` is no copy).
        return types.Batch(
            data=bytes(self._buf),
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
            desc_h = self._header_desc(*h)
            self._writable_hdr().extend(desc_h)
        U32.pack_into(desc, AT_SOURCE_PARTITION,
                      NONE if source_partition is None
                      else self._intern_sp(_json_object(source_partition)))
        if source_offset is not None:
            start, n = self._push(_json_object(source_offset).encode())
            U32.pack_into(desc, AT_SOURCE_OFFSET, start)
            U32.pack_into(desc, AT_SOURCE_OFFSET + 4, n)
        U32.pack_into(desc, 88, NONE)
        self._writable_rec().extend(desc)

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
        descriptor are stored once and shared. A schemaless str, number,
        bool, bytes or None value is added by the host in one native pass."""
        ops = _batch_ops() if schema is None else None
        v = _scalar(ops, value) if ops is not None else None
        if v is not None and self._run_in_host([ops.Op_AddHeader(ops.AddHeader(key, v))]):
            return
        desc = self._header_desc(key, value, schema)
        hdr = self._writable_hdr()
        with memoryview(self._writable_rec()).cast("I") as r:
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
        fast = self._one_text_header_each(kb, n)
        if fast is not None:
            return fast
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

    def _one_text_header_each(self, key, n):
        """`header_values` when record i has exactly one header, descriptor
        `first + i` (as batches built record by record have), every one is
        `key` and every value is a string; None when the batch is not like
        that.

        CPython in the sandbox pays ~0.1 µs for each object it makes, so
        this makes none per record beyond cutting each value out of the
        data: descriptor columns are checked as byte strings, a key stored
        once for the whole batch (as the SDKs' batch builders and the host
        store repeated keys) is compared once, and equal values become one
        `str` each (a code per record says which), which `set_topics` then
        reuses."""
        rec, hdr = self._rec, self._hdr
        first = U32.unpack_from(rec, AT_HEADER_START)[0]
        at = first * HEADER_SIZE
        if (len(hdr) < at + n * HEADER_SIZE
                or not _words_equal(rec, AT_HEADER_COUNT, RECORD_SIZE, n, 1)
                or not _words_ramp(rec, AT_HEADER_START, RECORD_SIZE, n, first, 1)
                or _column(hdr, at + 16, HEADER_SIZE, n).count(K_STRING) != n
                or not _words_equal(hdr, at + 4, HEADER_SIZE, n, len(key))):
            return None
        data = self._data()
        w = at // 4
        end = w + HEADER_WORDS * n
        with memoryview(hdr).cast("I") as h:
            key_start = h[w]
            if not (_words_equal(hdr, at, HEADER_SIZE, n, key_start)
                    and data[key_start:key_start + len(key)] == key):
                # Each record's key stored apart: all compared in one go.
                if b"".join(_cut(data, h[w:end:HEADER_WORDS], repeat(len(key)))) != key * n:
                    return None
            values = _cut(data, h[w + 6:end:HEADER_WORDS], h[w + 5:end:HEADER_WORDS])
        # Each distinct value gets the next code at its first sight: one
        # dict lookup per record, no object.
        code_of = defaultdict(count().__next__)
        try:
            codes = bytes(map(code_of.__getitem__, values))
        except ValueError:  # more than 256 distinct values
            return list(map(bytes.decode, values))
        texts = [value.decode() for value in code_of]
        out = list(map(texts.__getitem__, codes))
        self._last_values = (out.copy(), codes, texts)
        return out

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

    def set_topics_from_header(self, key):
        """Set each record's topic from the value of its last header called
        `key`: what `set_topics(header_values(key, text=True))` does, in one
        native pass of the host. A text value (UTF-8 bytes too) becomes the
        topic; a record without the header, or whose value is None, empty or
        not text, keeps its topic."""
        ops = _batch_ops()
        if ops is None or not self._run_in_host([ops.Op_TopicsFromHeader(key)]):
            self.set_topics(self.header_values(key, text=True))

    def set_topics(self, topics):
        """Set each record's topic from `topics`, one per record; None or
        an empty string keeps the record's topic."""
        n = len(self)
        if len(topics) != n:
            raise ValueError(f"set_topics got {len(topics)} topics for {n} records")
        last = self._last_values
        # The values `header_values` just gave, as they were: their codes
        # say which record gets which, and the topics column is written
        # as four byte columns.
        if (last is not None and isinstance(topics, list) and topics == last[0]
                and self._set_topics_coded(n, last[1], last[2])):
            return
        ix = self._topic_index()
        new = set(topics)
        new.discard(None)
        new.discard("")
        for t in new - ix.keys():
            if not isinstance(t, str):
                raise DataError(f"a topic is a str, not {_kind(t)}", record=topics.index(t))
            self._intern_topic(t)
        with memoryview(self._writable_rec()).cast("I") as r:
            current = r[0::RECORD_WORDS].tolist()
            r[0::RECORD_WORDS] = array("I", map(ix.get, topics, current))

    def _set_topics_coded(self, n, codes, texts):
        """Record i's topic becomes `texts[codes[i]]`; False (nothing
        written) when one of those keeps the record's topic."""
        if None in texts or "" in texts:
            return False
        indexes = [self._intern_topic(t) for t in texts]
        rec = self._writable_rec()
        end = RECORD_SIZE * n
        for k in range(4):
            table = bytes([(i >> (8 * k)) & 0xFF for i in indexes]).ljust(256, b"\0")
            rec[AT_TOPIC + k:end:RECORD_SIZE] = codes.translate(table)
        return True

    def set_field(self, name, value, skip_null=False):
        """Set field `name` of every record's value to `value`: a field of a
        struct value (converted to the field's schema), or the entry of a map
        value whose key is the string `name`. Records without such a field
        are left alone, and so are null fields when `skip_null` is true. The
        new value is stored once and shared. A str, number, bool, bytes or
        None value is set by the host in one native pass (a struct, list or
        dict value by this helper)."""
        ops = _batch_ops()
        v = _scalar(ops, value) if ops is not None else None
        if v is not None and self._run_in_host(
                [ops.Op_SetField(ops.SetField(name, v, skip_null))]):
            return
        n = len(self)
        rec = self._rec
        plans = {}
        if n and _column(rec, AT_VALUE, RECORD_SIZE, n).count(K_STRUCT) == n:
            schema = U32.unpack_from(rec, AT_VALUE_SCHEMA)[0]
            if _words_equal(rec, AT_VALUE_SCHEMA, RECORD_SIZE, n, schema):
                # Structs of one schema, the common case: the field is the
                # same child of every value.
                plan = plans[schema] = self._field_plan(schema, name, value, 0)
                if plan is None or self._set_strided(n, *plan, skip_null):
                    return
        self._set_field_each(name, value, skip_null, plans)

    def _set_strided(self, n, pos, node, skip_null):
        """Write `node` as child `pos` of each record's struct when the
        structs' children lie at a constant step in the node arena (as
        batches built record by record have) or are one struct shared by
        all: sixteen strided writes of byte columns, no object per record.
        False (nothing written) when the layout is not that regular."""
        rec = self._rec
        children = U32.unpack_from(rec, AT_VALUE + 4)[0]
        if pos >= children or not _words_equal(rec, AT_VALUE + 4, RECORD_SIZE, n, children):
            return False
        first = _U64.unpack_from(rec, AT_VALUE + 8)[0]
        step = _U64.unpack_from(rec, AT_VALUE + 8 + RECORD_SIZE)[0] - first if n > 1 else 0
        if step < 0:
            return False
        if step == 0:
            if not _words_equal(rec, AT_VALUE + 8, RECORD_SIZE, n, first, 8):
                return False
            n = 1  # one struct for all: written once
        elif not _words_ramp(rec, AT_VALUE + 8, RECORD_SIZE, n, first, step, 8):
            return False
        at = (first + pos) * NODE_SIZE
        stride = max(step, 1) * NODE_SIZE
        end = at + stride * (n - 1) + NODE_SIZE
        if end > len(self._nodes):
            return False
        nodes = self._writable_nodes()
        kinds = nodes[at:end:stride]
        if skip_null and kinds.count(K_NULL):
            # Null fields stay null: each byte column gets the new node's
            # byte where the field is not null and 0 where it is, which
            # leaves null nodes as they are when they are all zeros (as
            # every writer makes them); otherwise, record by record.
            mask = int.from_bytes(kinds.translate(_NULL_MASK), "little")
            for k in range(1, NODE_SIZE):
                if int.from_bytes(nodes[at + k:end:stride], "little") & mask:
                    return False
            for k in range(NODE_SIZE):
                nodes[at + k:end:stride] = kinds.translate(bytes(1) + bytes([node[k]]) * 255)
            return True
        # Every field gets the node: its two 64-bit words, each one strided
        # write.
        words = stride // 8
        with memoryview(nodes).cast("Q") as q:
            w = at // 8
            last = w + words * (n - 1) + 1
            q[w:last:words] = array("Q", node[:8]) * n
            q[w + 1:last + 1:words] = array("Q", node[8:]) * n
        return True

    def _set_field_each(self, name, value, skip_null, plans):
        """`set_field` record by record, for batches of mixed values."""
        nb = name.encode()
        n = len(self)
        with memoryview(self._rec).cast("I") as r:
            schemas = r[10::RECORD_WORDS].tolist()
            counts = r[19::RECORD_WORDS].tolist()
        with memoryview(self._rec).cast("Q") as q:
            firsts = q[10::RECORD_SIZE // 8].tolist()
        kinds = self._rec[AT_VALUE::RECORD_SIZE]
        schemaless = None
        nodes = self._writable_nodes()
        data = self._data()
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
                    if k == K_STRING and kl == len(nb) and data[ks:ks + kl] == nb:
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
            nodes = self._writable_nodes()
            default = len(nodes) // NODE_SIZE
            nodes += node
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
        start = self._base + len(self._buf)
        self._buf += data
        return start, len(data)

    def _bytes(self, start, n):
        """The `n` bytes of data at `start` (an item lies wholly in the
        host's data or wholly in what was appended)."""
        if start >= self._base:
            start -= self._base
            return bytes(self._buf[start:start + n])
        return self._head[start:start + n]

    def _data(self):
        """All data as `bytes` (whose slices can be hashed and compared in
        C): the host's data itself until bytes were appended, then a copy
        made again only after more were."""
        if not self._buf:
            return self._head
        if len(self._frozen) != self._base + len(self._buf):
            self._frozen = self._head + self._buf
        return self._frozen

    def _run_in_host(self, ops):
        """Run `ops` (the contract's `batch-ops.op`s) on this batch in the
        host: the buffers are copied over once and each operation is one
        native pass, where CPython pays tens of nanoseconds a step. False
        when there are no bindings to call (the helper's tests)."""
        module = _batch_ops()
        if module is None:
            return False
        types = _wit_types()
        sent = types.Batch(
            data=self._data(), data_base=0, records=bytes(self._rec),
            headers=bytes(self._hdr), nodes=bytes(self._nodes), topics=self.topics,
            schemas=self._schemas, source_partitions=self._sps,
        )
        try:
            got = module.apply(sent, ops)
        except Exception as e:  # componentize-py raises `Err(plugin-error)`
            p = getattr(e, "value", None)
            raise DataError(getattr(p, "message", str(e)),
                            record=getattr(p, "record", None)) from None
        if got.data_base != self._base + len(self._buf):
            raise RuntimeError(f"batch-ops answered with data-base {got.data_base} "
                               f"for {self._base + len(self._buf)} bytes sent")
        self._buf += got.data
        self._rec = got.records
        self._hdr = got.headers
        self._nodes = got.nodes
        if len(got.topics) != len(self.topics):
            self.topics = list(got.topics)
            self._topic_ix = None
        self._last_values = None
        return True

    def _writable_rec(self):
        """The record descriptors, copied into a bytearray at the first
        write (they arrive as `bytes`)."""
        if type(self._rec) is not bytearray:
            self._rec = bytearray(self._rec)
        return self._rec

    def _writable_hdr(self):
        """The header descriptors, writable (see `_writable_rec`)."""
        if type(self._hdr) is not bytearray:
            self._hdr = bytearray(self._hdr)
        return self._hdr

    def _writable_nodes(self):
        """The value nodes, writable (see `_writable_rec`)."""
        if type(self._nodes) is not bytearray:
            self._nodes = bytearray(self._nodes)
        return self._nodes

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
            return self._bytes(b, a).decode()
        if kind == K_BYTES:
            return self._bytes(b, a)
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
        nodes = self._writable_nodes()
        first = len(nodes) // NODE_SIZE
        nodes += NULL_NODE * count
        return first

    def _set_node(self, index, node):
        at = index * NODE_SIZE
        self._writable_nodes()[at:at + NODE_SIZE] = node


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
        b = self._b
        ix = b._intern_topic(topic)
        U32.pack_into(b._writable_rec(), self._at + AT_TOPIC, ix)

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
        s = NONE if schema is None else b._add_schema(schema)
        rec = b._writable_rec()
        U32.pack_into(rec, self._at + schema_at, s)
        rec[self._at + node_at:self._at + node_at + NODE_SIZE] = node

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
            out.append((b._bytes(ks, kl).decode(), b._header_value(j)))
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
        hdr = b._writable_hdr()
        new_start = len(hdr) // HEADER_SIZE
        hdr += hdr[start * HEADER_SIZE:(start + count) * HEADER_SIZE]
        hdr += desc
        rec = b._writable_rec()
        U32.pack_into(rec, self._at + AT_HEADER_START, new_start)
        U32.pack_into(rec, self._at + AT_HEADER_COUNT, count + 1)

    @property
    def source_partition(self):
        """The source partition as a dict (source records), or None."""
        i = self._u32(AT_SOURCE_PARTITION)
        return None if i == NONE else json.loads(self._b._sps[i])

    @property
    def source_offset(self):
        """The source offset as a dict (source records), or None."""
        start, n = self._u32(AT_SOURCE_OFFSET), self._u32(AT_SOURCE_OFFSET + 4)
        return json.loads(self._b._bytes(start, n)) if n else None

    def __repr__(self):
        return f"Record(topic={self.topic!r}, key={self.key!r}, value={self.value!r})"
