// {{plugin}}: a predicate that holds for records with a given header.

import { Predicate, configKey, register } from './wasm-connect/index.js';

// What componentize-js exports for the transform-plugin world.
export { plugins, transform, predicate } from './wasm-connect/exports.js';

class {{type}} extends Predicate {
  static pluginName = '{{plugin}}';
  static version = '0.1.0';
  static description = 'Holds for records that have a given header.';
  static config = [configKey('header', { defaultValue: 'important', doc: 'The header to look for.' })];

  constructor(config) {
    super();
    this.header = config.getString('header', 'important');
  }

  test(batch) {
    return Array.from(batch, (record) => record.headers.some(([key]) => key === this.header));
  }
}

register({{type}});
