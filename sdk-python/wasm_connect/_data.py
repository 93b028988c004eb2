"""Kafka Connect's data model in plain Python: `Schema` and `Struct`.

Values are plain Python: None, bool, int, float, str, bytes, list, dict
(a map) and `Struct` (a dict that knows its schema). Schemas are only
needed where Connect needs them: structs, and values whose type must be
exact (an int32 rather than an int64).
"""

from ._layout import KIND_OF_TYPE


class Schema:
    """A Connect schema (Apache's `Schema`).

    `type` is one of int8, int16, int32, int64, float32, float64, boolean,
    string, bytes, array, map, struct. Logical types (Decimal, Date, Time,
    Timestamp) are schemas with Apache's names, as in Connect.
    """

    __slots__ = ("type", "optional", "name", "version", "doc", "parameters",
                 "default", "key_schema", "value_schema", "fields")

    def __init__(self, type, optional=False, name=None, version=None, doc=None,
                 parameters=None, default=None, key_schema=None,
                 value_schema=None, fields=None):
        if type not in KIND_OF_TYPE:
            raise ValueError(f"unknown schema type {type!r}")
        self.type = type
        self.optional = optional
        self.name = name
        self.version = version
        self.doc = doc
        self.parameters = dict(parameters or {})
        self.default = default
        self.key_schema = key_schema
        self.value_schema = value_schema
        #: The fields of a struct, in order: a list of (name, Schema).
        self.fields = list(fields or [])

    @staticmethod
    def struct(fields, name=None, optional=False):
        """A struct schema from (name, Schema) pairs, in order."""
        return Schema("struct", optional=optional, name=name, fields=fields)

    @staticmethod
    def array(items, optional=False):
        """An array of `items`."""
        return Schema("array", optional=optional, value_schema=items)

    @staticmethod
    def map(keys, values, optional=False):
        """A map from `keys` to `values`."""
        return Schema("map", optional=optional, key_schema=keys, value_schema=values)

    def field(self, name):
        """(position, Schema) of field `name`, or None."""
        for i, (n, s) in enumerate(self.fields):
            if n == name:
                return i, s
        return None

    def _key(self):
        return (self.type, self.optional, self.name, self.version, self.doc,
                tuple(sorted(self.parameters.items())), repr(self.default),
                self.key_schema and self.key_schema._key(),
                self.value_schema and self.value_schema._key(),
                tuple((n, s._key()) for n, s in self.fields))

    def __eq__(self, other):
        return isinstance(other, Schema) and self._key() == other._key()

    def __hash__(self):
        return hash(self._key())

    def __repr__(self):
        if self.type == "struct":
            inner = ", ".join(f"{n}: {s!r}" for n, s in self.fields)
            return f"Schema.struct([{inner}]{', optional' if self.optional else ''})"
        return f"Schema({self.type!r}{', optional' if self.optional else ''})"


def _primitive(type):
    return Schema(type), Schema(type, optional=True)


INT8, OPTIONAL_INT8 = _primitive("int8")
INT16, OPTIONAL_INT16 = _primitive("int16")
INT32, OPTIONAL_INT32 = _primitive("int32")
INT64, OPTIONAL_INT64 = _primitive("int64")
FLOAT32, OPTIONAL_FLOAT32 = _primitive("float32")
FLOAT64, OPTIONAL_FLOAT64 = _primitive("float64")
BOOLEAN, OPTIONAL_BOOLEAN = _primitive("boolean")
STRING, OPTIONAL_STRING = _primitive("string")
BYTES, OPTIONAL_BYTES = _primitive("bytes")


class Struct(dict):
    """A struct value: a dict of field values that knows its schema.

    Fields keep the schema's order; a field not set is None.
    """

    __slots__ = ("schema",)

    def __init__(self, schema, values=None):
        super().__init__()
        self.schema = schema
        values = values or {}
        for name, _ in schema.fields:
            self[name] = values.get(name)
