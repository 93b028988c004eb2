// {{plugin}}: a transform that adds a header to every record.

import { Transform, configKey, register } from './wasm-connect/index.js';

// What componentize-js exports for the transform-plugin world.
export { plugins, transform, predicate } from './wasm-connect/exports.js';

class {{type}} extends Transform {
  static pluginName = '{{plugin}}';
  static version = '0.1.0';
  static description = 'Adds a header to every record.';
  static config = [
    configKey('header.name', { defaultValue: 'added-by', doc: "The header's key." }),
    configKey('header.value', { defaultValue: '{{project}}', doc: "The header's value." }),
  ];

  constructor(config) {
    super();
    this.header = config.getString('header.name', 'added-by');
    this.value = config.getString('header.value', '{{project}}');
  }

  apply(batch) {
    // A batch-wide operation, run by the host in one native pass: the header
    // is stored once and shared. (A loop over `for (const record of batch)`
    // is friendlier and about a microsecond slower a record.)
    batch.addHeader(this.header, this.value);
    return batch;
  }
}

register({{type}});
