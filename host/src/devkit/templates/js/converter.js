// {{plugin}}: a converter between UTF-8 text and Connect strings.

import { ConfigError, Converter, DataError, Schemas, register } from './wasm-connect/index.js';

// What componentize-js exports for the converter-plugin world.
export { plugins, converter } from './wasm-connect/exports.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

class {{type}} extends Converter {
  static pluginName = '{{plugin}}';
  static version = '0.1.0';
  static description = 'Converts between UTF-8 text and Connect strings.';

  constructor(config, target) {
    super();
    if (target === 'headers') throw new ConfigError('{{plugin}} converts keys and values, not headers');
    this.part = target; // "key" or "value"
  }

  fromConnect(batch) {
    for (const record of batch) {
      const value = record.get(this.part);
      record.set(this.part, value === null || value instanceof Uint8Array ? value : encoder.encode(String(value)));
    }
  }

  toConnect(batch) {
    for (const record of batch) {
      let value = record.get(this.part);
      if (value instanceof Uint8Array) {
        try {
          value = decoder.decode(value);
        } catch {
          throw new DataError('the bytes are not UTF-8 text', record.index);
        }
      }
      record.set(this.part, value, Schemas.OPTIONAL_STRING);
    }
  }
}

register({{type}});
