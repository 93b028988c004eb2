// wasm-connect plugins in JavaScript: a thin helper over what
// componentize-js binds from wit/plugin.wit.
//
//   import { Transform, configKey, register } from './wasm-connect/index.js';
//   export { plugins, transform, predicate } from './wasm-connect/exports.js';
//
//   class AddSource extends Transform {
//     static pluginName = 'com.example.AddSource';
//     static config = [configKey('source', { defaultValue: 'js' })];
//     constructor(config) { super(); this.source = config.getString('source', 'js'); }
//     apply(batch) { batch.addHeader('source', this.source); return batch; }
//   }
//   register(AddSource);
//
// Records cross the sandbox in batches (Batch): per-record views
// (`for (const record of batch) record.value`) are friendly; batch-wide
// operations (addHeader, setField, setTopicsFromHeader, headerValues,
// setTopics, filter) are several times faster, because per-record
// JavaScript costs about a microsecond a record inside a component; the
// first three run in the host as native code (the contract's batch-ops).
//
// This helper is versioned with the contract: it lives beside the
// wit/plugin.wit it is written for, and `wasm-connect plugin new` copies
// both into a new project. build.mjs builds a plugin with componentize-js.

export { Batch, Record } from './batch.js';
export { Schema, Schemas, Struct } from './data.js';
export { AppendFile, readText } from './files.js';
export { ConfigError, DataError, PluginError, RetriableError } from './errors.js';
export {
  Config, ConfigProvider, Converter, Predicate, SinkConnector, SinkTask, SourceConnector, SourceOffsets,
  SourceTask, Transform, configKey, log, register,
} from './plugins.js';
