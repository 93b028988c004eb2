// {{plugin}}: a source connector that emits greetings.

import { Batch, SourceConnector, SourceTask, configKey, register } from './wasm-connect/index.js';

// What componentize-js exports for the source-plugin world.
export { plugins, source } from './wasm-connect/exports.js';

const PARTITION = { source: '{{project}}' };

class {{type}}Task extends SourceTask {
  constructor(config, offsets) {
    super();
    this.topic = config.require('topic');
    this.maxCount = config.getInt('max.count', 10);
    this.next = offsets.get(PARTITION)?.next ?? 0; // resume where the last run stopped
  }

  poll() {
    const batch = new Batch();
    while (this.next < this.maxCount && batch.length < 100) {
      batch.append(this.topic, {
        value: `hello ${this.next}`, sourcePartition: PARTITION, sourceOffset: { next: this.next + 1 },
      });
      this.next += 1;
    }
    return batch;
  }
}

class {{type}} extends SourceConnector {
  static pluginName = '{{plugin}}';
  static version = '0.1.0';
  static description = 'Emits "hello 0", "hello 1", ... to a topic.';
  static config = [
    configKey('topic', { doc: 'The topic to write to.', importance: 'high' }),
    configKey('max.count', { type: 'long', defaultValue: '10', doc: 'How many greetings to emit.' }),
  ];
  static task = {{type}}Task;
}

register({{type}});
