// CounterSource: emits 0, 1, 2, ... as int64 values, batch.size a poll, and
// resumes after the last number Kafka acknowledged. Built for the
// source-plugin world; see examples/README.md.

import { Batch, Schemas, SourceConnector, SourceTask, configKey, register } from './wasm-connect/index.js';

export { plugins, source } from './wasm-connect/exports.js';

class CounterTask extends SourceTask {
  constructor(config, offsets) {
    super();
    this.topic = config.require('topic');
    this.batchSize = config.getInt('batch.size', 10);
    this.maxCount = config.getInt('max.count', 1000);
    this.partition = { counter: this.topic };
    this.next = offsets.get(this.partition)?.next ?? 0;
  }

  poll() {
    let end = this.next + this.batchSize;
    if (this.maxCount >= 0) end = Math.min(end, this.maxCount);
    const batch = new Batch();
    for (let n = this.next; n < end; n++) {
      batch.append(this.topic, {
        value: n, valueSchema: Schemas.INT64, sourcePartition: this.partition, sourceOffset: { next: n + 1 },
      });
    }
    this.next = Math.max(this.next, end);
    return batch;
  }
}

class CounterSource extends SourceConnector {
  static pluginName = 'examples.js.CounterSource';
  static version = '1.0.0';
  static description = 'Emits a counter: 0, 1, 2, ... as int64 values.';
  static config = [
    configKey('topic', { doc: 'The topic to write to.', importance: 'high' }),
    configKey('batch.size', { type: 'int', defaultValue: '10', doc: 'Numbers per poll.' }),
    configKey('max.count', { type: 'long', defaultValue: '1000', doc: 'Stop after this many numbers (-1: never).' }),
  ];
  static task = CounterTask;
}

register(CounterSource);
