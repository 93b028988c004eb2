// A test transform: every value kind the helper hands to the host's
// batch-ops (tests/tests/languages.rs). Built for the transform-plugin world.

import { Transform, register } from './wasm-connect/index.js';

export { plugins, transform, predicate } from './wasm-connect/exports.js';

class BatchOpsProbe extends Transform {
  static pluginName = 'tests.js.BatchOpsProbe';
  static version = '1.0.0';
  static description = 'Sets fields and adds headers of every value kind through batch-ops.';

  apply(batch) {
    batch.setField('id', 7);
    batch.setField('score', 0.5);
    batch.setField('big', 9007199254740993n);
    batch.setField('blob', new Uint8Array([1, 2, 255]));
    batch.setField('flag', true);
    batch.setField('email', null);
    batch.setField('name', 'masked', { skipNull: true });
    batch.addHeader('n', 5);
    batch.addHeader('f', -1.25);
    batch.addHeader('b', new Uint8Array([0, 1]));
    batch.addHeader('none', null);
    batch.addHeader('t', 'x');
    batch.setTopicsFromHeader('route');
    return batch;
  }
}

register(BatchOpsProbe);
