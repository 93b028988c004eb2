"""The classes componentize-py looks for in a plugin's main module: one per
exported interface of the worlds in `wit/plugin.wit`.

A plugin module does `from wasm_connect.exports import *`; componentize-py
uses the classes its world exports and ignores the others. Each serves the
registered plugins (see `wasm_connect._plugins`): it converts between the
WIT types and the helper's, and turns exceptions into the WIT
`plugin-error`.
"""

import sys
import traceback

from . import _plugins as _p
from ._batch import Batch as _Batch
from ._errors import PluginError as _PluginError

__all__ = ["Plugins", "Source", "Sink", "Converter", "Transform", "Predicate", "ConfigProvider"]


def _call(fn, *args):
    """Call plugin code; its exceptions become the WIT error.

    The bindings are imported only when something failed: a `from` import
    of a package's submodule runs importlib's Python code each time, which
    costs a few microseconds in the sandbox on every batch."""
    try:
        return fn(*args)
    except Exception as e:  # noqa: BLE001 - any bug in the plugin is a fatal error
        from componentize_py_types import Err
        from wit_world.imports import types

        if isinstance(e, Err):
            raise
        if isinstance(e, _PluginError):
            raise Err(types.PluginError(
                kind=types.ErrorKind[e.kind.upper()], message=e.message,
                record=e.record)) from None
        traceback.print_exc(file=sys.stderr)
        raise Err(types.PluginError(
            kind=types.ErrorKind.FATAL, message=f"{type(e).__name__}: {e}", record=None)) from None


def _config(pairs):
    return _p.Config(pairs)


class Plugins:
    """`plugins`: the manifests of every registered plugin."""

    def manifests(self):
        out = []
        for cls in _p.registered():
            out.extend(cls._manifests())
        return out

    def validate(self, plugin, config):
        from wit_world.imports import types

        for cls in _p.registered():
            if cls.name == plugin:
                problems = cls.validate(_config(config))
                return [types.ConfigProblem(name=k, message=m) for k, m in problems]
        return []


class _TransformResource:
    def __init__(self, instance):
        self._instance = instance

    def apply(self, records):
        batch = _Batch._from_wit(records)
        out = _call(self._instance.apply, batch)
        return (batch if out is None else out)._to_wit()


class Transform:
    """`transform`."""

    def create(self, plugin, config):
        cls = _call(_p.find, plugin, _p.Transform)
        return _TransformResource(_call(cls, _config(config)))


class _PredicateResource:
    def __init__(self, instance):
        self._instance = instance

    def test(self, records):
        answers = _call(self._instance.test, _Batch._from_wit(records))
        return bytes([1 if a else 0 for a in answers])


class Predicate:
    """`predicate`."""

    def create(self, plugin, config):
        cls = _call(_p.find, plugin, _p.Predicate)
        return _PredicateResource(_call(cls, _config(config)))


class _ConverterResource:
    def __init__(self, instance):
        self._instance = instance

    def from_connect(self, records):
        batch = _Batch._from_wit(records)
        _call(self._instance.from_connect, batch)
        return batch._to_wit()

    def to_connect(self, records):
        batch = _Batch._from_wit(records)
        _call(self._instance.to_connect, batch)
        return batch._to_wit()


class Converter:
    """`converter`."""

    def create(self, plugin, config, target):
        cls = _call(_p.find, plugin, _p.Converter)
        return _ConverterResource(_call(cls, _config(config), target.name.lower()))


class _ConnectorResource:
    def __init__(self, instance):
        self._instance = instance

    def task_configs(self, max_tasks):
        configs = _call(self._instance.task_configs, max_tasks)
        return [list(dict(c).items()) for c in configs[:max_tasks]]

    def stop(self):
        _call(self._instance.stop)


class _SourceTaskResource:
    def __init__(self, instance):
        self._instance = instance

    def poll(self):
        batch = _call(self._instance.poll)
        return (batch if batch is not None else _Batch())._to_wit()

    def commit(self, offsets):
        _call(self._instance.commit, _p.SourceOffsets((o.partition, o.offset) for o in offsets))

    def stop(self):
        _call(self._instance.stop)


class Source:
    """`source`."""

    def create_connector(self, plugin, config):
        cls = _call(_p.find, plugin, _p.SourceConnector)
        return _ConnectorResource(_call(cls, _config(config)))

    def create_task(self, plugin, config, offsets):
        cls = _call(_p.find, plugin, _p.SourceConnector)
        stored = _p.SourceOffsets((o.partition, o.offset) for o in offsets)
        return _SourceTaskResource(_call(cls.task, _config(config), stored))


class _SinkTaskResource:
    def __init__(self, instance):
        self._instance = instance

    def open(self, partitions):
        _call(self._instance.open, [(p.topic, p.partition) for p in partitions])

    def put(self, records):
        _call(self._instance.put, _Batch._from_wit(records))

    def flush(self, offsets):
        from wit_world.imports import types

        given = [(o.topic, o.partition, o.offset) for o in offsets]
        safe = _call(self._instance.flush, given)
        return [types.TopicPartitionOffset(topic=t, partition=p, offset=o)
                for t, p, o in (given if safe is None else safe)]

    def close(self, partitions):
        _call(self._instance.close, [(p.topic, p.partition) for p in partitions])

    def stop(self):
        _call(self._instance.stop)


class Sink:
    """`sink`."""

    def create_connector(self, plugin, config):
        cls = _call(_p.find, plugin, _p.SinkConnector)
        return _ConnectorResource(_call(cls, _config(config)))

    def create_task(self, plugin, config):
        cls = _call(_p.find, plugin, _p.SinkConnector)
        return _SinkTaskResource(_call(cls.task, _config(config)))


class _ProviderResource:
    def __init__(self, instance):
        self._instance = instance

    def get(self, path, keys):
        found = _call(self._instance.get, path, list(keys))
        return [(k, str(v)) for k, v in dict(found).items()]


class ConfigProvider:
    """`config-provider`."""

    def create(self, plugin, config):
        cls = _call(_p.find, plugin, _p.ConfigProvider)
        return _ProviderResource(_call(cls, _config(config)))
