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
// No host on node: `batchOps` null, so the helper's own batch-wide
// operations run (the host's are tested in Rust and by the conformance suite).
writeFileSync(join(dir, 'host.js'),
  'export function log() {}\nexport function getDirectories() { return []; }\nexport const batchOps = null;\n');
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

/** `batch` with every header key pointing at the bytes of the first
 * header's key, as batch builders that store a key once per batch send it. */
function sharedKeys(batch) {
  const h = new Uint32Array(batch.hdrs.bytes.buffer, batch.hdrs.bytes.byteOffset, batch.hdrs.length / 4);
  for (let q = 8; q < h.length; q += 8) {
    if (h[q + 1] === h[1]) h[q] = h[0];
  }
  return batch;
}

test('topics from a header, keys shared or not', () => {
  const route = (i) => (i % 5 === 1 ? null : `r${i % 3}`);
  for (const prepare of [(b) => b, sharedKeys]) {
    const b = prepare(throughWit(customers(12, { route })));
    const expected = b.headerValues('route', { text: true }).map((t, i) => t ?? b.record(i).topic);
    assert.deepEqual(expected.slice(0, 4), ['r0', 'orders', 'r2', 'r0']);
    b.setTopicsFromHeader('route');
    assert.deepEqual([...b].map((r) => r.topic), expected);
    const c = prepare(throughWit(customers(12, { route })));
    c.setTopics(c.headerValues('route', { text: true }));
    assert.deepEqual([...c].map((r) => r.topic), expected);
  }
});

test('topics from a header: last header, other keys, kinds', () => {
  const b = new Batch();
  b.append('t', { headers: [['route', 'a'], ['x', 'y'], ['route', 'b']] });
  b.append('t', { headers: [['route', 'a'], ['routes', 'z']] });
  b.append('t', { headers: [['rout', 'z'], ['route', new Uint8Array([104, 105])]] });
  b.append('t', { headers: [['route', new Uint8Array([255])]] });
  b.append('t', { headers: [['route', 5]] });
  b.append('t', { headers: [['route', '']] });
  b.append('t', { headers: [['route', null]] });
  b.append('t', { headers: [['route', 'é']] });
  b.append('t', { headers: [['route', 'b']] });
  b.append('t');
  for (const prepare of [(x) => x, sharedKeys]) {
    const s = prepare(throughWit(b));
    assert.deepEqual(s.headerValues('route', { text: true }),
      ['b', 'a', 'hi', null, null, '', null, 'é', 'b', null]);
    assert.deepEqual(s.headerValues('route'),
      ['b', 'a', new Uint8Array([104, 105]), new Uint8Array([255]), 5, '', null, 'é', 'b', null]);
    s.setTopicsFromHeader('route');
    assert.deepEqual([...s].map((r) => r.topic), ['b', 'a', 'hi', 't', 't', 't', 't', 'é', 'b', 't']);
    assert.deepEqual(s.topics, ['t', 'b', 'a', 'hi', 'é']);
  }
});

test('a key that shares its start with a longer key is not that key', () => {
  // Header 0's key is "routes"; header 1's key points at its first five
  // bytes ("route"), header 2's at all six: only header 1 is called route.
  const b = throughWit((() => {
    const x = new Batch();
    x.append('t', { headers: [['routes', 'a']] });
    x.append('t', { headers: [['routes', 'b']] });
    x.append('t', { headers: [['routes', 'c']] });
    return x;
  })());
  const h = new Uint32Array(b.hdrs.bytes.buffer, b.hdrs.bytes.byteOffset, b.hdrs.length / 4);
  h[8] = h[0];
  h[9] = 5;
  h[16] = h[0];
  assert.deepEqual(b.headerValues('route'), [null, 'b', null]);
  assert.deepEqual(b.headerValues('routes'), ['a', null, 'c']);
  b.setTopicsFromHeader('route');
  assert.deepEqual([...b].map((r) => r.topic), ['t', 'b', 't']);
});

test('set field across schemas, null values and schemaless records', () => {
  const OTHER = Schema.struct([['id', Schemas.INT64]]);
  const OPTIONAL = Schema.struct([['email', Schemas.OPTIONAL_STRING]], { optional: true });
  const b = new Batch();
  b.append('t', { value: { id: 1, name: 'a', email: 'x' }, valueSchema: CUSTOMER });
  b.append('t', { value: null, valueSchema: OPTIONAL });
  b.append('t', { value: { id: 2 }, valueSchema: OTHER });
  b.append('t', { value: { id: 3, name: 'c', email: null }, valueSchema: CUSTOMER });
  b.append('t', { value: { email: 'y' }, valueSchema: OPTIONAL });
  b.append('t', { value: { id: 4, name: 'd', email: 'z' }, valueSchema: CUSTOMER });
  const s = throughWit(b);
  s.setField('email', '****', { skipNull: true });
  assert.deepEqual([...s].map((r) => (r.value === null || r.value.email === undefined ? r.value && '-' : r.value.email)),
    ['****', null, '-', null, '****', '****']);
  assert.deepEqual([...s].map((r) => (r.value === null || r.value.id === undefined ? r.value && '-' : r.value.id)), [1, null, 2, 3, '-', 4]);
});

test('values alike in length, first and last byte are told apart', () => {
  // 'ab' and 'abC' also share a hash slot (2*31 + 97*7 + 98 = 3*31 + 97*7 + 67).
  const route = (i) => ['axz', 'ayz', 'axz', 'ayz', 'az', 'axxz', 'ab', 'abC'][i % 8];
  const b = throughWit(customers(16, { route }));
  assert.deepEqual(b.headerValues('route'), Array.from({ length: 16 }, (_, i) => route(i)));
  b.setTopicsFromHeader('route');
  assert.deepEqual([...b].map((r) => r.topic), Array.from({ length: 16 }, (_, i) => route(i)));
});
