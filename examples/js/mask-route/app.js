// MaskRoute: masks one field of each record's value and sends each record
// to the topic its route header names. Built for the transform-plugin world;
// see examples/README.md.

import { Transform, configKey, register } from './wasm-connect/index.js';

export { plugins, transform, predicate } from './wasm-connect/exports.js';

class MaskRoute extends Transform {
  static pluginName = 'examples.js.MaskRoute';
  static version = '1.0.0';
  static description = 'Masks one field of each value and routes each record to the topic its route header names.';
  static config = [
    configKey('mask.field', { doc: 'The value field to mask: a struct field or a map key.', importance: 'high' }),
    configKey('mask.with', { defaultValue: '****', doc: 'The text the field becomes.' }),
    configKey('route.header', { defaultValue: 'route', doc: "The header whose value, when present, becomes the record's topic." }),
  ];

  constructor(config) {
    super();
    this.field = config.require('mask.field');
    this.mask = config.getString('mask.with', '****');
    this.header = config.getString('route.header', '').trim() || 'route';
  }

  apply(batch) {
    // Batch-wide operations, run by the host in one native pass each; the
    // mask text is stored once for the whole batch.
    batch.setField(this.field, this.mask, { skipNull: true });
    // Text values (UTF-8 bytes too) become topics; null or '' keeps one.
    // The same as setTopics(headerValues(...)) without a string per record.
    batch.setTopicsFromHeader(this.header);
    return batch;
  }
}

register(MaskRoute);
