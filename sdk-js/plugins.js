// The base classes a plugin author extends, one per plugin kind, the
// registry of the plugins a component holds, and the log.

import { log as hostLog } from './host.js';
import { ConfigError } from './errors.js';

const REGISTRY = [];

/** Serve `cls` from this component (call once per plugin class). */
export function register(cls) {
  if (!cls.pluginName) throw new TypeError(`${cls.name} has no static pluginName`);
  REGISTRY.push(cls);
  return cls;
}

export function registered() {
  return REGISTRY.slice();
}

export function find(name, base) {
  const cls = REGISTRY.find((c) => c.pluginName === name && c.prototype instanceof base);
  if (!cls) throw new ConfigError(`this component holds no ${base.name} named ${name}`);
  return cls;
}

/** Lines for the worker's log; the host adds the connector and task. */
export const log = Object.fromEntries(['trace', 'debug', 'info', 'warn', 'error'].map(
  (level) => [level, (message) => hostLog(level, String(message))],
));

/** A plugin's settings as the user wrote them, with typed getters whose
 * errors name the key. */
export class Config extends Map {
  require(key) {
    const v = (this.get(key) ?? '').trim();
    if (!v) throw new ConfigError(`Missing required configuration "${key}" which has no default value.`);
    return v;
  }

  getString(key, fallback) {
    const v = this.get(key);
    return v === undefined ? fallback : v;
  }

  getInt(key, fallback) {
    const v = (this.get(key) ?? '').trim();
    if (!v) return fallback;
    if (!/^[+-]?\d+$/.test(v)) throw new ConfigError(`Invalid value ${v} for configuration ${key}: Not a number of type INT`);
    return Number(v);
  }

  getBool(key, fallback) {
    const v = (this.get(key) ?? '').trim().toLowerCase();
    if (!v) return fallback;
    if (v !== 'true' && v !== 'false') throw new ConfigError(`Invalid value ${v} for configuration ${key}: Expected value to be either true or false`);
    return v === 'true';
  }

  getList(key) {
    return (this.get(key) ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  }
}

/** One setting a plugin understands (Apache's ConfigDef key). `type`:
 * boolean, string, int, long, short, double, list, class, password;
 * `defaultValue: null` makes the key required; `access` (none, read-file,
 * write-file, read-dir, write-dir, kafka-cluster) is what the host grants
 * the plugin for the value. */
export function configKey(name, { type = 'string', defaultValue = null, doc = '', importance = 'medium',
  group = null, access = 'none' } = {}) {
  return {
    name, type, defaultValue: defaultValue ?? undefined, importance, documentation: doc,
    group: group ?? undefined, access,
  };
}

class Plugin {
  /** The full, unique name, e.g. "com.example.MaskRoute". */
  static pluginName = null;
  static version = '0.1.0';
  static description = '';
  static aliases = [];
  /** Its settings, made with `configKey`. */
  static config = [];
  static kinds = [];

  /** Problems with `config` beyond types and required keys: [key, message]
   * pairs. */
  static validate(config) {
    return [];
  }

  static manifests() {
    return this.kinds.map((kind) => ({
      kind, name: this.pluginName, aliases: this.aliases, version: this.version,
      description: this.description, config: this.config,
    }));
  }
}

/** A single message transform: `constructor(config)`, then `apply(batch)`
 * returns the batch to pass on (or nothing when it changed `batch`). */
export class Transform extends Plugin {
  static kinds = ['transform'];
}

/** A predicate: `test(batch)` returns one truth value per record. */
export class Predicate extends Plugin {
  static kinds = ['predicate'];
}

/** A converter: `constructor(config, target)` with target "key", "value"
 * or "headers"; `fromConnect(batch)` replaces each target with bytes and no
 * schema, `toConnect(batch)` each target (bytes) with Connect data and its
 * schema, both in place. `static headerConverter = true` offers it as a
 * header converter too. */
export class Converter extends Plugin {
  static kinds = ['converter'];
  static headerConverter = false;

  static manifests() {
    const out = super.manifests();
    if (this.headerConverter) out.push({ ...out[0], kind: 'header-converter' });
    return out;
  }
}

/** The offsets stored for a source connector, by source partition. */
export class SourceOffsets {
  constructor(pairs) {
    this.byPartition = new Map(pairs.map(([p, o]) => [canonical(p), JSON.parse(o)]));
  }

  /** The offset stored for `partition` (an object), or null. */
  get(partition) {
    return this.byPartition.get(canonical(partition)) ?? null;
  }
}

function canonical(partition) {
  const p = typeof partition === 'string' ? JSON.parse(partition) : partition;
  return JSON.stringify(Object.fromEntries(Object.entries(p).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
}

class Connector extends Plugin {
  /** The task class. */
  static task = null;

  constructor(config) {
    super();
    this.config = config;
  }

  /** Configurations for at most `maxTasks` tasks (by default one task with
   * the connector's configuration). */
  taskConfigs(maxTasks) {
    return [this.config];
  }

  stop() {}
}

/** A source connector; `static task` names its SourceTask class. */
export class SourceConnector extends Connector {
  static kinds = ['source-connector'];
}

/** A sink connector; `static task` names its SinkTask class. */
export class SinkConnector extends Connector {
  static kinds = ['sink-connector'];
}

/** A source task: `constructor(config, offsets)` with the stored
 * SourceOffsets; `poll()` returns a Batch (empty when there is nothing now);
 * `commit(offsets)`; `stop()`. */
export class SourceTask {
  commit(offsets) {}

  stop() {}
}

/** A sink task: `constructor(config)`; `open(partitions)`; `put(batch)`;
 * `flush(offsets)` makes everything put durable and returns the offsets
 * safe to commit (nothing: all); `close(partitions)`; `stop()`. Partitions
 * are {topic, partition}, offsets {topic, partition, offset}. */
export class SinkTask {
  open(partitions) {}

  flush(offsets) {
    return undefined;
  }

  close(partitions) {}

  stop() {}
}

/** A config provider: `get(path, keys)` returns an object of the keys it
 * found. */
export class ConfigProvider extends Plugin {
  static kinds = ['config-provider'];
}
