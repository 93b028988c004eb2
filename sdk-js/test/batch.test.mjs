// The helper's batches, run natively on node: the batch-wide operations
// give the same answers as record-by-record code, on regular and irregular
// layouts. The helper is copied beside a stand-in for the host imports
// (in a component, build.mjs generates host.js).
//
//   node --test sdk-js/test/

import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const helper = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = mkdtempSync(join(tmpdir(), 'wasm-connect-js-test-'));
for (const f of readdirSync(helper).filter((f) => f.endsWith('.js'))) cpSync(join(helper, f), join(dir, f));
writeFileSync(join(dir, 'host.js'), 'export function log() {}\nexport function getDirectories() { return []; }\n');
const wc = await import(join(dir, 'index.js'));
const { Batch, Schema, Schemas, Struct, DataError } = wc;

const CUSTOMER = Schema.struct([['id', Schemas.INT64], ['name', Schemas.STRING], ['email', Schemas.OPTIONAL_STRING]]);

function customers(n, { route = (i) => `r${i % 3}`, email = (i) => `c${i}@example.com` } = {}) {
  const b = new Batch();
  for (let i = 0; i < n; i++) {
    const headers = route(i) === null ? [] : [['route', route(i)]];
    b.append('orders', { value: { id: i, name: `n${i}`, email: email(i) }, valueSchema: CUSTOMER, headers, partition: 0 });
  }
  return b;
}

/** The batch as the host would send it: data-base 0, all data. */
function throughWit(batch) {
  return Batch.fromWit(batch.toWit());
}

test('values round trip', () => {
  const b = new Batch();
  b.append('t', { value: new Map([['a', [1, 2.5, null, true, new Uint8Array([0, 255])]]]), key: 'k' });
  b.append('t', { value: new Struct(CUSTOMER, { id: 7, name: 'x' }), valueSchema: CUSTOMER, sourcePartition: { p: 1 }, sourceOffset: { o: 2 }, timestamp: 5 });
  const r = throughWit(b);
  assert.deepEqual(r.record(0).value, new Map([['a', [1, 2.5, null, true, new Uint8Array([0, 255])]]]));
  assert.equal(r.record(0).key, 'k');
  const v = r.record(1).value;
  assert.ok(v instanceof Struct);
  assert.deepEqual({ ...v }, { id: 7, name: 'x', email: null });
  assert.deepEqual([r.record(1).sourcePartition, r.record(1).sourceOffset], [{ p: 1 }, { o: 2 }]);
  assert.deepEqual([r.record(1).timestamp, r.record(1).timestampType], [5, 'CreateTime']);
});

test('header values on every layout', () => {
  assert.deepEqual(throughWit(customers(10)).headerValues('route'), Array.from({ length: 10 }, (_, i) => `r${i % 3}`));
  assert.deepEqual(throughWit(customers(3)).headerValues('nope'), [null, null, null]);
  const sparse = throughWit(customers(6, { route: (i) => (i % 2 ? null : `r${i}`) }));
  assert.deepEqual(sparse.headerValues('route'), ['r0', null, 'r2', null, 'r4', null]);
  const several = new Batch();
  several.append('t', { headers: [['route', 'a'], ['x', 'y'], ['route', 'b']] });
  several.append('t', { headers: [['route', new Uint8Array([104, 105])], ['route', 5]] });
  several.append('t', { headers: [['route', new Uint8Array([255])]] });
  const s = throughWit(several);
  assert.deepEqual(s.headerValues('route'), ['b', 5, new Uint8Array([255])]);
  assert.deepEqual(s.headerValues('route', { text: true }), ['b', null, null]);
  assert.deepEqual([...s].map((r) => r.header('route')), ['b', 5, new Uint8Array([255])]);
});

test('set field regular and not', () => {
  const b = throughWit(customers(5, { email: (i) => (i === 2 ? null : 'e') }));
  b.setField('email', '****', { skipNull: true });
  assert.deepEqual([...b].map((r) => r.value.email), ['****', '****', null, '****', '****']);
  b.setField('email', 'x');
  assert.deepEqual([...b].map((r) => r.value.email), ['x', 'x', 'x', 'x', 'x']);
  const mixed = new Batch();
  mixed.append('t', { value: new Map([['email', 'a'], ['other', 1]]) });
  mixed.append('t', { value: new Struct(CUSTOMER, { id: 1, name: 'n', email: 'b' }), valueSchema: CUSTOMER });
  mixed.append('t', { value: 'plain' });
  const m = throughWit(mixed);
  m.setField('email', '****', { skipNull: true });
  assert.deepEqual(m.record(0).value, new Map([['email', '****'], ['other', 1]]));
  assert.equal(m.record(1).value.email, '****');
  assert.equal(m.record(2).value, 'plain');
  assert.throws(() => throughWit(customers(2)).setField('id', '****'),
    (e) => e instanceof DataError && e.message === 'field id is int64; cannot set it to a string');
});

test('add header, set topics, filter', () => {
  const make = () => customers(4, { route: (i) => (i === 1 ? null : `r${i}`) });
  const b = throughWit(make());
  b.addHeader('tag', 't');
  assert.deepEqual([...b].map((r) => r.headers), [
    [['route', 'r0'], ['tag', 't']], [['tag', 't']], [['route', 'r2'], ['tag', 't']], [['route', 'r3'], ['tag', 't']]]);
  b.setTopics(b.headerValues('route'));
  assert.deepEqual([...b].map((r) => r.topic), ['r0', 'orders', 'r2', 'r3']);
  b.setTopics([null, '', 'x', null]);
  assert.deepEqual([...b].map((r) => r.topic), ['r0', 'orders', 'x', 'r3']);
  assert.throws(() => b.setTopics([null, 5, null, null]), DataError);
  b.filter([true, false, false, true]);
  assert.deepEqual([...b].map((r) => r.value.id), [0, 3]);
  const out = b.toWit();
  assert.equal(out.dataBase, make().toWit().data.length);
});
