"""The base classes a plugin author subclasses, one per plugin kind, and the
registry of the plugins a component holds.

A subclass that sets `name` is registered when it is defined; the export
glue (`wasm_connect.exports`) serves every registered plugin.
"""

import json

from ._errors import ConfigError

_REGISTRY = []


class Config(dict):
    """A plugin's settings as the user wrote them (after the host resolved
    config providers), with typed getters whose errors name the key."""

    def require(self, key):
        """The value of `key`, which must be set and not empty."""
        value = self.get(key, "").strip()
        if not value:
            raise ConfigError(f'Missing required configuration "{key}" which has no default value.')
        return value

    def get_int(self, key, default):
        """`key` as an int, `default` when not set."""
        value = self.get(key, "").strip()
        if not value:
            return default
        try:
            return int(value)
        except ValueError:
            raise ConfigError(f"Invalid value {value} for configuration {key}: Not a number of type INT") from None

    def get_bool(self, key, default):
        """`key` as a bool, `default` when not set."""
        value = self.get(key, "").strip().lower()
        if not value:
            return default
        if value not in ("true", "false"):
            raise ConfigError(f"Invalid value {value} for configuration {key}: Expected value to be either true or false")
        return value == "true"

    def get_list(self, key):
        """`key` as a comma-separated list (empty when not set)."""
        return [v.strip() for v in self.get(key, "").split(",") if v.strip()]


class ConfigKey:
    """One setting a plugin understands (Apache's `ConfigDef` key).

    `type`: boolean, string, int, long, short, double, list, class,
    password. `default=None` makes the key required. `access` says what
    the value gives the plugin access to, and so what the host grants it:
    none, read-file, write-file, read-dir, write-dir, kafka-cluster.
    """

    def __init__(self, name, type="string", default=None, doc="",
                 importance="medium", group=None, access="none"):
        self.name = name
        self.type = type
        self.default = default
        self.doc = doc
        self.importance = importance
        self.group = group
        self.access = access

    def _to_wit(self):
        from wit_world.imports import types

        return types.ConfigDef(
            name=self.name,
            type=types.ConfigType[self.type.upper()],
            default_value=self.default,
            importance=types.Importance[self.importance.upper()],
            documentation=self.doc,
            group=self.group,
            access=types.PathAccess[self.access.upper().replace("-", "_")],
        )


class _Plugin:
    """What every plugin class declares."""

    #: The full, unique name, e.g. "com.example.MaskRoute".
    name = None
    #: The plugin's version.
    version = "0.1.0"
    #: One sentence on what it does.
    description = ""
    #: Other names users may call it by.
    aliases = ()
    #: Its settings: a list of `ConfigKey`.
    config = ()
    _kinds = ()

    def __init__(self, config):
        #: The plugin's settings.
        self.config = config

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("name"):
            _REGISTRY.append(cls)

    @classmethod
    def validate(cls, config):
        """Problems with `config` beyond types and required keys: a list
        of (key, message)."""
        return []

    @classmethod
    def _manifests(cls):
        from wit_world.imports import types

        return [types.PluginManifest(
            kind=types.PluginKind[kind],
            name=cls.name,
            aliases=list(cls.aliases),
            version=cls.version,
            description=cls.description,
            config=[k._to_wit() for k in cls.config],
        ) for kind in cls._kinds]


class Transform(_Plugin):
    """A single message transform: `__init__(self, config)`, then
    `apply(self, batch)` returns the batch to pass on (or None when it
    changed `batch` in place)."""

    _kinds = ("TRANSFORM",)

    def apply(self, batch):
        raise NotImplementedError


class Predicate(_Plugin):
    """A predicate: `test(self, batch)` returns one truth value per record."""

    _kinds = ("PREDICATE",)

    def test(self, batch):
        raise NotImplementedError


class Converter(_Plugin):
    """A converter: `__init__(self, config, target)` with target "key",
    "value" or "headers"; `from_connect(self, batch)` replaces each target
    with bytes (or None) and no schema; `to_connect(self, batch)` replaces
    each target (bytes or None) with Connect data and its schema. Both
    change the batch in place. Set `header_converter = True` to be offered
    as a header converter too."""

    _kinds = ("CONVERTER",)
    header_converter = False

    def __init__(self, config, target):
        super().__init__(config)
        #: What this instance converts: "key", "value" or "headers".
        self.target = target

    @classmethod
    def _manifests(cls):
        manifests = super()._manifests()
        if cls.header_converter:
            from wit_world.imports import types

            header = manifests[0]
            manifests.append(types.PluginManifest(
                kind=types.PluginKind.HEADER_CONVERTER, name=header.name,
                aliases=header.aliases, version=header.version,
                description=header.description, config=header.config))
        return manifests

    def from_connect(self, batch):
        raise NotImplementedError

    def to_connect(self, batch):
        raise NotImplementedError


class SourceOffsets:
    """The offsets stored for a source connector, by source partition."""

    def __init__(self, pairs):
        self._by_partition = {}
        for partition, offset in pairs:
            self._by_partition[_canonical(partition)] = json.loads(offset)

    def get(self, partition):
        """The offset (a dict) stored for `partition` (a dict), or None."""
        return self._by_partition.get(_canonical(partition))

    def __len__(self):
        return len(self._by_partition)


def _canonical(partition):
    if isinstance(partition, str):
        partition = json.loads(partition)
    return json.dumps(partition, sort_keys=True, separators=(",", ":"))


class SourceTask:
    """A source task: `__init__(self, config, offsets)` with the stored
    `SourceOffsets`; `poll(self)` returns a `Batch` (empty when there is
    nothing now); `commit(self, offsets)` hears which offsets the host
    stored; `stop(self)`."""

    def poll(self):
        raise NotImplementedError

    def commit(self, offsets):
        pass

    def stop(self):
        pass


class SinkTask:
    """A sink task: `__init__(self, config)`; `open(self, partitions)`;
    `put(self, batch)`; `flush(self, offsets)` makes everything put
    durable and returns the offsets safe to commit (None: all of them);
    `close(self, partitions)`; `stop(self)`. Partitions are (topic,
    partition) pairs, offsets (topic, partition, offset) triples."""

    def open(self, partitions):
        pass

    def put(self, batch):
        raise NotImplementedError

    def flush(self, offsets):
        return None

    def close(self, partitions):
        pass

    def stop(self):
        pass


class _Connector(_Plugin):
    #: The task class (a `SourceTask` or `SinkTask` subclass).
    task = None

    def __init__(self, config):
        self.config = config

    def task_configs(self, max_tasks):
        """Configurations for at most `max_tasks` tasks (by default one
        task with the connector's configuration)."""
        return [dict(self.config)]

    def stop(self):
        pass


class SourceConnector(_Connector):
    """A source connector; `task` names its `SourceTask` class."""

    _kinds = ("SOURCE_CONNECTOR",)


class SinkConnector(_Connector):
    """A sink connector; `task` names its `SinkTask` class."""

    _kinds = ("SINK_CONNECTOR",)


class ConfigProvider(_Plugin):
    """A config provider: `get(self, path, keys)` returns a dict of the keys
    it found (leave out keys that do not exist)."""

    _kinds = ("CONFIG_PROVIDER",)

    def get(self, path, keys):
        raise NotImplementedError


def registered():
    """Every registered plugin class."""
    return list(_REGISTRY)


def find(name, base):
    """The registered plugin `name` of kind `base`."""
    for cls in _REGISTRY:
        if cls.name == name and issubclass(cls, base):
            return cls
    raise ConfigError(f"this component holds no {base.__name__} named {name}")
