// The objects componentize-js exports: one per exported interface of the
// worlds in wit/plugin.wit. A plugin module re-exports the ones its world
// needs, e.g. `export { plugins, transform, predicate } from './wasm-connect/exports.js'`.
// Each serves the registered plugins: it converts between the WIT shapes and
// the helper's, and turns exceptions into the WIT `plugin-error`.

import { Batch } from './batch.js';
import { PluginError } from './errors.js';
import {
  Config, ConfigProvider, Converter, Predicate, SinkConnector, SourceConnector, SourceOffsets,
  Transform, find, registered,
} from './plugins.js';

/** Call plugin code; what it throws becomes the WIT error. */
function call(fn) {
  try {
    return fn();
  } catch (e) {
    if (e instanceof PluginError) {
      throw { kind: e.kind, message: e.message, record: e.record ?? undefined };
    }
    const text = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    if (e instanceof Error && e.stack) console.error(e.stack);
    throw { kind: 'fatal', message: text, record: undefined };
  }
}

const config = (pairs) => new Config(pairs);

export const plugins = {
  manifests() {
    return registered().flatMap((cls) => cls.manifests());
  },
  validate(plugin, pairs) {
    const cls = registered().find((c) => c.pluginName === plugin);
    if (!cls) return [];
    return cls.validate(config(pairs)).map(([name, message]) => ({ name, message }));
  },
};

class TransformResource {
  constructor(instance) {
    this.instance = instance;
  }

  apply(records) {
    const batch = Batch.fromWit(records);
    const out = call(() => this.instance.apply(batch));
    return (out ?? batch).toWit();
  }
}

export const transform = {
  Transform: TransformResource,
  create(plugin, pairs) {
    const cls = call(() => find(plugin, Transform));
    return new TransformResource(call(() => new cls(config(pairs))));
  },
};

class PredicateResource {
  constructor(instance) {
    this.instance = instance;
  }

  test(records) {
    const answers = call(() => this.instance.test(Batch.fromWit(records)));
    return Uint8Array.from(answers, (a) => (a ? 1 : 0));
  }
}

export const predicate = {
  Predicate: PredicateResource,
  create(plugin, pairs) {
    const cls = call(() => find(plugin, Predicate));
    return new PredicateResource(call(() => new cls(config(pairs))));
  },
};

class ConverterResource {
  constructor(instance) {
    this.instance = instance;
  }

  fromConnect(records) {
    const batch = Batch.fromWit(records);
    call(() => this.instance.fromConnect(batch));
    return batch.toWit();
  }

  toConnect(records) {
    const batch = Batch.fromWit(records);
    call(() => this.instance.toConnect(batch));
    return batch.toWit();
  }
}

export const converter = {
  Converter: ConverterResource,
  create(plugin, pairs, target) {
    const cls = call(() => find(plugin, Converter));
    return new ConverterResource(call(() => new cls(config(pairs), target)));
  },
};

class ConnectorResource {
  constructor(instance) {
    this.instance = instance;
  }

  taskConfigs(maxTasks) {
    const configs = call(() => this.instance.taskConfigs(maxTasks));
    return configs.slice(0, maxTasks).map((c) => (c instanceof Map ? [...c.entries()] : Object.entries(c)));
  }

  stop() {
    call(() => this.instance.stop());
  }
}

class SourceConnectorResource extends ConnectorResource {}

class SinkConnectorResource extends ConnectorResource {}

class SourceTaskResource {
  constructor(instance) {
    this.instance = instance;
  }

  poll() {
    const batch = call(() => this.instance.poll());
    return (batch ?? new Batch()).toWit();
  }

  commit(offsets) {
    call(() => this.instance.commit(new SourceOffsets(offsets.map((o) => [o.partition, o.offset]))));
  }

  stop() {
    call(() => this.instance.stop());
  }
}

export const source = {
  SourceConnector: SourceConnectorResource,
  SourceTask: SourceTaskResource,
  createConnector(plugin, pairs) {
    const cls = call(() => find(plugin, SourceConnector));
    return new SourceConnectorResource(call(() => new cls(config(pairs))));
  },
  createTask(plugin, pairs, offsets) {
    const cls = call(() => find(plugin, SourceConnector));
    const stored = new SourceOffsets(offsets.map((o) => [o.partition, o.offset]));
    return new SourceTaskResource(call(() => new cls.task(config(pairs), stored)));
  },
};

class SinkTaskResource {
  constructor(instance) {
    this.instance = instance;
  }

  open(partitions) {
    call(() => this.instance.open(partitions));
  }

  put(records) {
    call(() => this.instance.put(Batch.fromWit(records)));
  }

  flush(offsets) {
    const safe = call(() => this.instance.flush(offsets));
    return safe ?? offsets;
  }

  close(partitions) {
    call(() => this.instance.close(partitions));
  }

  stop() {
    call(() => this.instance.stop());
  }
}

export const sink = {
  SinkConnector: SinkConnectorResource,
  SinkTask: SinkTaskResource,
  createConnector(plugin, pairs) {
    const cls = call(() => find(plugin, SinkConnector));
    return new SinkConnectorResource(call(() => new cls(config(pairs))));
  },
  createTask(plugin, pairs) {
    const cls = call(() => find(plugin, SinkConnector));
    return new SinkTaskResource(call(() => new cls.task(config(pairs))));
  },
};

class ProviderResource {
  constructor(instance) {
    this.instance = instance;
  }

  get(path, keys) {
    const found = call(() => this.instance.get(path, keys));
    const entries = found instanceof Map ? [...found.entries()] : Object.entries(found);
    return entries.map(([k, v]) => [k, String(v)]);
  }
}

export const configProvider = {
  Provider: ProviderResource,
  create(plugin, pairs) {
    const cls = call(() => find(plugin, ConfigProvider));
    return new ProviderResource(call(() => new cls(config(pairs))));
  },
};
