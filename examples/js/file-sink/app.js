// FileAppendSink: appends each record's value to a file, one line each: a
// string as it is, anything else as compact JSON. Built for the sink-plugin
// world; see examples/README.md.

import { AppendFile, SinkConnector, SinkTask, configKey, register } from './wasm-connect/index.js';

export { plugins, sink } from './wasm-connect/exports.js';

function base64(bytes) {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

/** JSON for Connect values: maps as objects, bytes as base64. */
function jsonable(value) {
  if (value instanceof Uint8Array) return base64(value);
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [k, jsonable(v)]));
  if (Array.isArray(value)) return value.map(jsonable);
  if (typeof value === 'bigint') return Number(value);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonable(v)]));
  }
  return value;
}

/** The line written for a value. */
export function line(value) {
  return typeof value === 'string' ? value : JSON.stringify(jsonable(value));
}

class FileAppendTask extends SinkTask {
  constructor(config) {
    super();
    // The host granted write access to this file's folder because `file` is
    // declared write-file; nothing else is visible.
    this.out = new AppendFile(config.require('file'));
  }

  put(batch) {
    let text = '';
    for (const record of batch) text += `${line(record.value)}\n`;
    this.out.write(text);
  }

  flush(offsets) {
    this.out.sync();
    return offsets; // everything put so far is durable
  }
}

class FileAppendSink extends SinkConnector {
  static pluginName = 'examples.js.FileAppendSink';
  static version = '1.0.0';
  static description = "Appends each record's value to a file, one line per record.";
  static config = [configKey('file', { doc: 'The file to append to.', importance: 'high', access: 'write-file' })];
  static task = FileAppendTask;
}

register(FileAppendSink);
