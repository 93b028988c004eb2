// {{plugin}}: a sink connector that writes every record to the worker's log.

import { SinkConnector, SinkTask, log, register } from './wasm-connect/index.js';

// What componentize-js exports for the sink-plugin world.
export { plugins, sink } from './wasm-connect/exports.js';

class {{type}}Task extends SinkTask {
  put(batch) {
    for (const record of batch) log.info(`${record.topic}: ${JSON.stringify(record.value)}`);
  }
}

class {{type}} extends SinkConnector {
  static pluginName = '{{plugin}}';
  static version = '0.1.0';
  static description = "Writes every record to the worker's log.";
  static task = {{type}}Task;
}

register({{type}});
