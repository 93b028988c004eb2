// Batch: records as they cross the sandbox, with friendly per-record views
// and batch-wide operations.
//
// A batch is one byte buffer plus packed little-endian descriptors, as the
// `batch` record of wit/plugin.wit describes (the normative layout; this
// file is the only one here that knows byte positions). Per-record JavaScript
// costs about a microsecond a record inside a component, so the batch-wide
// operations (addHeader, setField, headerValues, setTopics, filter) work on
// whole descriptor columns through typed arrays instead.
//
// Descriptors may point anywhere in the data and may share bytes and nodes:
// a header or field value written to every record is stored once.

import { Schema, Struct } from './data.js';
import { DataError } from './errors.js';
import { batchOps } from './host.js';

export const RECORD_SIZE = 96;
export const HEADER_SIZE = 32;
export const NODE_SIZE = 16;
export const NONE = 0xffffffff;

const RW = RECORD_SIZE / 4; // 32-bit words per record descriptor
const HW = HEADER_SIZE / 4;
// Byte positions in a record descriptor.
const AT_TOPIC = 0, AT_PARTITION = 4, AT_OFFSET = 8, AT_TIMESTAMP = 16, AT_FLAGS = 24;
const AT_HEADER_START = 28, AT_HEADER_COUNT = 32, AT_KEY_SCHEMA = 36, AT_VALUE_SCHEMA = 40;
const AT_SOURCE_PARTITION = 44, AT_SOURCE_OFFSET = 48, AT_KEY = 56, AT_VALUE = 72, AT_TAG = 88;
const FLAG_HAS_TIMESTAMP = 1;

const K_NULL = 0, K_BOOLEAN = 1, K_INT8 = 2, K_INT16 = 3, K_INT32 = 4, K_INT64 = 5;
const K_FLOAT32 = 6, K_FLOAT64 = 7, K_STRING = 8, K_BYTES = 9, K_ARRAY = 10, K_MAP = 11;
const K_STRUCT = 12;
const KIND_OF_TYPE = {
  int8: K_INT8, int16: K_INT16, int32: K_INT32, int64: K_INT64, float32: K_FLOAT32,
  float64: K_FLOAT64, boolean: K_BOOLEAN, string: K_STRING, bytes: K_BYTES,
  array: K_ARRAY, map: K_MAP, struct: K_STRUCT,
};
const INT_BITS = { [K_INT8]: 8, [K_INT16]: 16, [K_INT32]: 32, [K_INT64]: 64 };
const PARTS = { key: [AT_KEY_SCHEMA, AT_KEY], value: [AT_VALUE_SCHEMA, AT_VALUE] };
const TIMESTAMP_TYPES = ['NoTimestampType', 'CreateTime', 'LogAppendTime'];

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** A growable byte array. */
class Bytes {
  constructor(initial) {
    // A view made here, never the given array: what the bindings hand over
    // may belong to another realm, where `instanceof Uint8Array` is false
    // for it and for every array sliced from it. Copied (one memcpy) only
    // when it does not start on a word, which the word views need.
    if (initial) {
      const view = new Uint8Array(initial.buffer, initial.byteOffset, initial.length);
      this.bytes = initial.byteOffset % 8 === 0 ? view : view.slice();
      this.length = initial.length;
    } else {
      this.bytes = new Uint8Array(256);
      this.length = 0;
    }
  }
  reserve(more) {
    const need = this.length + more;
    if (need > this.bytes.length) {
      const grown = new Uint8Array(Math.max(need, this.bytes.length * 2));
      grown.set(this.bytes.subarray(0, this.length));
      this.bytes = grown;
    }
  }
  push(src) {
    this.reserve(src.length);
    this.bytes.set(src, this.length);
    const at = this.length;
    this.length += src.length;
    return at;
  }
  view() {
    return this.bytes.subarray(0, this.length);
  }
  words() {
    return new Uint32Array(this.bytes.buffer, this.bytes.byteOffset, this.length >> 2);
  }
}

/** A value's kind in words, for messages. */
function kindOf(v) {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return 'a boolean';
  if (typeof v === 'bigint' || Number.isInteger(v)) return 'an integer';
  if (typeof v === 'number') return 'a float';
  if (typeof v === 'string') return 'a string';
  if (v instanceof Uint8Array) return 'bytes';
  if (v instanceof Struct) return 'a struct';
  if (Array.isArray(v)) return 'an array';
  return 'a map';
}

/** `value` as the contract's `batch-ops.scalar`, or undefined when it is
 * not one (a struct, array or map: the helper stores those itself). */
function scalar(value) {
  if (value === null || value === undefined) return { tag: 'null' };
  switch (typeof value) {
    case 'boolean': return { tag: 'boolean', val: value };
    case 'string': return { tag: 'text', val: value };
    case 'bigint':
      return BigInt.asIntN(64, value) === value ? { tag: 'int', val: value } : undefined;
    case 'number':
      return Number.isSafeInteger(value) ? { tag: 'int', val: BigInt(value) } : { tag: 'float', val: value };
    default:
      return value instanceof Uint8Array ? { tag: 'bytes', val: value } : undefined;
  }
}

/** A source partition or offset as the JSON text the host stores. */
function jsonObject(v) {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** Records as they cross the sandbox boundary: `new Batch()` is an empty
 * batch to fill with `append` (a source's poll); a transform, converter or
 * sink gets one from the host. `batch.length`, `batch.record(i)` and
 * iteration give `Record` views. */
export class Batch {
  constructor() {
    this.data = new Bytes();
    this.base = 0;
    this.recs = new Bytes();
    this.hdrs = new Bytes();
    this.nodes = new Bytes();
    /** The topic names records point at (by index). */
    this.topics = [];
    this.schemas = [];
    this.sourcePartitions = [];
    this.topicIx = null;
    this.schemaObjs = new Map();
    this.schemaIxs = new Map();
  }

  static fromWit(raw) {
    const b = new Batch();
    // The host sends complete data (data-base 0); what is appended from here
    // on is sent back alone, after `base`.
    b.data = new Bytes(raw.data);
    b.base = raw.data.length;
    b.recs = new Bytes(raw.records);
    b.hdrs = new Bytes(raw.headers);
    b.nodes = new Bytes(raw.nodes);
    b.topics = raw.topics;
    b.schemas = raw.schemas;
    b.sourcePartitions = raw.sourcePartitions;
    return b;
  }

  /** The batch as the contract's `batch` record: to return, only the
   * bytes appended after `base`; `{ whole: true }` all of its data (what
   * `batch-ops.apply` takes). */
  toWit({ whole = false } = {}) {
    return {
      data: whole ? this.data.view() : this.data.bytes.slice(this.base, this.data.length),
      dataBase: whole ? 0 : this.base,
      records: this.recs.view(),
      headers: this.hdrs.view(),
      nodes: this.nodes.view(),
      topics: this.topics,
      schemas: this.schemas,
      sourcePartitions: this.sourcePartitions,
    };
  }

  get length() {
    return this.recs.length / RECORD_SIZE;
  }

  record(i) {
    if (i < 0 || i >= this.length) throw new RangeError(`record ${i} of a batch of ${this.length}`);
    return new Record(this, i);
  }

  *[Symbol.iterator]() {
    for (let i = 0; i < this.length; i++) yield new Record(this, i);
  }

  /** Add a record. Values without a schema are schemaless (a number is an
   * int64 when whole, else a float64; an object a map); `headers` are
   * [key, value] or [key, value, schema]. */
  append(topic, { value = null, key = null, valueSchema = null, keySchema = null, headers = [],
    partition = null, timestamp = null, sourcePartition = null, sourceOffset = null } = {}) {
    const desc = new Uint8Array(RECORD_SIZE);
    const dv = new DataView(desc.buffer);
    dv.setUint32(AT_TOPIC, this.internTopic(topic), true);
    dv.setInt32(AT_PARTITION, partition === null ? -1 : partition, true);
    dv.setBigInt64(AT_OFFSET, -1n, true);
    if (timestamp !== null) {
      dv.setBigInt64(AT_TIMESTAMP, BigInt(timestamp), true);
      dv.setUint32(AT_FLAGS, FLAG_HAS_TIMESTAMP | (1 << 1), true);
    }
    for (const [schemaAt, nodeAt, v, s] of [[AT_KEY_SCHEMA, AT_KEY, key, keySchema],
      [AT_VALUE_SCHEMA, AT_VALUE, value, valueSchema]]) {
      dv.setUint32(schemaAt, s === null ? NONE : this.addSchema(s), true);
      desc.set(this.encode(v, s), nodeAt);
    }
    dv.setUint32(AT_HEADER_START, this.hdrs.length / HEADER_SIZE, true);
    dv.setUint32(AT_HEADER_COUNT, headers.length, true);
    for (const [k, v, s = null] of headers) this.hdrs.push(this.headerDesc(k, v, s));
    dv.setUint32(AT_SOURCE_PARTITION,
      sourcePartition === null ? NONE : this.internSourcePartition(jsonObject(sourcePartition)), true);
    if (sourceOffset !== null) {
      const bytes = encoder.encode(jsonObject(sourceOffset));
      dv.setUint32(AT_SOURCE_OFFSET, this.data.push(bytes), true);
      dv.setUint32(AT_SOURCE_OFFSET + 4, bytes.length, true);
    }
    dv.setUint32(AT_TAG, NONE, true);
    this.recs.push(desc);
  }

  // -- batch-wide operations -------------------------------------------------

  /** Keep the records whose entry in `keep` (one per record) is truthy, in
   * order. Their bytes stay where they are. */
  filter(keep) {
    const src = this.recs.view();
    const out = new Bytes();
    out.reserve(src.length);
    for (let i = 0; i < keep.length; i++) {
      if (keep[i]) out.push(src.subarray(i * RECORD_SIZE, (i + 1) * RECORD_SIZE));
    }
    this.recs = out;
  }

  /** Add header `key` with `value` to every record; the key, value and
   * descriptor are stored once and shared. A schemaless text, number,
   * boolean, bytes or null value is added by the host in one native pass. */
  addHeader(key, value, schema = null) {
    const v = schema === null ? scalar(value) : undefined;
    if (v !== undefined && this.runInHost([{ tag: 'add-header', val: { key, value: v } }])) return;
    const desc = this.headerDesc(key, value, schema);
    const n = this.length;
    const w = this.recs.words();
    let shared = -1;
    for (let i = 0; i < n; i++) {
      const start = w[i * RW + 7], count = w[i * RW + 8];
      let newStart;
      if (count === 0) {
        if (shared < 0) shared = this.hdrs.push(desc) / HEADER_SIZE;
        newStart = shared;
      } else {
        // A record's headers are consecutive: copy them, then add.
        newStart = this.hdrs.push(this.hdrs.bytes.slice(start * HEADER_SIZE, (start + count) * HEADER_SIZE)) / HEADER_SIZE;
        this.hdrs.push(desc);
      }
      w[i * RW + 7] = newStart;
      w[i * RW + 8] = count + 1;
    }
  }

  /** Set each record's topic from `topics` (one per record; null or an
   * empty string keeps the record's topic). */
  setTopics(topics) {
    const w = this.recs.words();
    if (this.topicIx === null) this.topicIx = new Map(this.topics.map((t, i) => [t, i]));
    const ix = this.topicIx;
    // Consecutive records often name the same topic: compared first. A
    // call costs about a microsecond in the interpreter: a known topic is
    // looked up here, only a new one interned by a call.
    let last = null, lastIx = -1;
    const rw = RW;
    for (let i = 0, q = 0, n = topics.length; i < n; i++, q += rw) {
      const t = topics[i];
      if (t !== last) {
        if (t === null || t === undefined || t === '') {
          lastIx = -1;
        } else if (typeof t === 'string') {
          lastIx = ix.get(t);
          if (lastIx === undefined) lastIx = this.internTopic(t);
        } else {
          throw new DataError(`a topic is a non-empty string, not ${kindOf(t)}`, i);
        }
        last = t;
      }
      if (lastIx >= 0) w[q] = lastIx;
    }
  }

  /** Set each record's topic from the value of its last header called
   * `key`: what `setTopics(headerValues(key, { text: true }))` does, without
   * a string per record. A text value (UTF-8 bytes too) becomes the topic;
   * a record without the header, or whose value is null, empty or not
   * text, keeps its topic. The host does it in one native pass; without a
   * host (the helper on node) it is exactly that. */
  setTopicsFromHeader(key) {
    if (this.runInHost([{ tag: 'topics-from-header', val: key }])) return;
    this.setTopics(this.headerValues(key, { text: true }));
  }

  /** The value of the last header called `key` of each record (null when
   * it has none). With `text`, a bytes value is decoded as UTF-8 and a value
   * that is not text is null. Equal text values are decoded once and give
   * the same string. Kept short for the interpreter: a value is looked at
   * only when its byte range differs from the previous record's (batch
   * builders may share equal values), and then by its bytes. */
  headerValues(key, { text = false } = {}) {
    const n = this.length;
    const out = new Array(n).fill(null);
    const texts = new TextCache(this);
    const find = new HeaderFinder(this, key, texts);
    const r = this.recs.words();
    const h = this.hdrs.words();
    const kl = find.keyLength;
    const keyBytes = find.key;
    // What each distinct value gave, by its bytes (TextCache's byte
    // strings).
    const seen = new Map();
    // The same, as arrays indexed from `slots` (0: empty).
    const slots = new Int32Array(1024);
    const seenBytes = [null], seenLen = [-1], seenGave = [null];
    const data = this.data.bytes;
    let bytes = null;
    // Module constants as locals: cheaper to read in the interpreter.
    const rw = RW, hw = HW;
    let ks = -1;
    // The last value's byte range (start -1: not a range, never equal)
    // and what it gave.
    let lastS = -1, lastL = -1, last = null;
    for (let q = 0, i = 0, end = n * rw; q < end; q += rw, i++) {
      // The fast path (see HeaderFinder): the record's last header has the
      // key start and length of the last match.
      const count = r[q + 8];
      if (count === 0) continue;
      let hq = (r[q + 7] + count - 1) * hw;
      if (h[hq] !== ks || h[hq + 1] !== kl) {
        // A call costs more than all the rest here: the record's last
        // header is compared inline (in the engine), the others in `last`.
        if (bytes === null) bytes = texts.byteString();
        if (h[hq + 1] !== kl || !bytes.startsWith(keyBytes, h[hq])) {
          hq = find.last(r[q + 7], count - 1);
          if (hq < 0) continue;
        }
        ks = h[hq];
      }
      const vs = h[hq + 6], vl = h[hq + 5];
      if (vs !== lastS || vl !== lastL) {
        const kind = h[hq + 4] & 0xff;
        lastS = -1;
        lastL = vl;
        if (kind === K_STRING || (text && kind === K_BYTES)) {
          lastS = vs;
          // The values seen so far, by a hash of length, first and last
          // byte: a hit is checked by one comparison in the engine. (A
          // string key for a Map costs more: the engine interns it.)
          const slot = (vl * 31 + data[vs] * 7 + data[vs + vl - 1]) & 1023;
          const c = slots[slot];
          if (c !== 0 && seenLen[c] === vl && bytes.startsWith(seenBytes[c], vs)) {
            last = seenGave[c];
          } else {
            if (bytes === null) bytes = texts.byteString();
            const b = bytes.substring(vs, vs + vl);
            last = seen.get(b);
            if (last === undefined) {
              last = texts.decode(vs, vl, kind === K_STRING);
              seen.set(b, last);
            }
            slots[slot] = seenBytes.length;
            seenBytes.push(b);
            seenLen.push(vl);
            seenGave.push(last);
          }
        } else if (text) {
          last = null;
        } else {
          // A fresh value for each record (bytes are mutable): not cached.
          last = this.headerValue(hq / hw);
        }
      }
      out[i] = last;
    }
    return out;
  }

  /** Set field `name` of every record's value to `value`: a field of a
   * struct value (converted to the field's schema), or the entry of a map
   * value whose key is the string `name`. Records without such a field are
   * left alone, and null fields too when `skipNull` is true. The new value
   * is stored once and shared. A text, number, boolean, bytes or null value
   * is set by the host in one native pass (a struct, array or map value by
   * this helper, record by record). */
  setField(name, value, { skipNull = false } = {}) {
    const v = scalar(value);
    if (v !== undefined && this.runInHost([{ tag: 'set-field', val: { name, value: v, skipNull } }])) return;
    const nb = encoder.encode(name);
    const n = this.length;
    const plans = new Map();
    let schemaless = null;
    const r = this.recs.words();
    // The interpreter pays for every operation: records whose value has
    // the last struct schema seen take a short path with the plan and the
    // node arrays in locals (a batch rarely mixes schemas). Encoding the
    // new value may grow the node arena, so the arrays are taken again
    // after each encoding.
    let lastSchema = -1;
    let pos = 0;
    let w0 = 0, w1 = 0, w2 = 0, w3 = 0;
    let nb8 = this.nodes.bytes;
    let nw = this.nodes.words();
    // Module constants as locals: cheaper to read in the interpreter.
    const NW = NODE_SIZE >> 2, rw = RW, kStruct = K_STRUCT, kNull = K_NULL;
    for (let q = 0, i = 0, end = n * rw; q < end; q += rw, i++) {
      // Word 18 is the value node's kind and three zero bytes; word 20 the
      // low half of its first child (node counts fit u32).
      if (r[q + 10] === lastSchema && r[q + 18] === kStruct) {
        const w = (r[q + 20] + pos) * NW;
        if (skipNull && nb8[w << 2] === kNull) continue;
        nw[w] = w0;
        nw[w + 1] = w1;
        nw[w + 2] = w2;
        nw[w + 3] = w3;
        continue;
      }
      const kind = r[q + 18] & 0xff;
      const first = r[q + 20];
      if (kind === K_STRUCT) {
        const s = r[q + 10];
        let plan = plans.get(s);
        if (plan === undefined) {
          plan = this.fieldPlan(s, name, value, i);
          plans.set(s, plan);
          nb8 = this.nodes.bytes;
          nw = this.nodes.words();
        }
        if (plan === null) continue;
        // Only a schema with the field becomes the short path's.
        lastSchema = s;
        pos = plan[0];
        [w0, w1, w2, w3] = plan[2];
        const w = (first + pos) * NW;
        if (skipNull && nb8[w << 2] === K_NULL) continue;
        nw[w] = w0;
        nw[w + 1] = w1;
        nw[w + 2] = w2;
        nw[w + 3] = w3;
      } else if (kind === K_MAP) {
        const entries = r[q + 19];
        for (let e = 0; e < entries; e++) {
          const at = (first + 2 * e) * NW;
          if (nb8[at << 2] === K_STRING && this.bytesEqual(nw[at + 2], nw[at + 1], nb)) {
            const v = (at + NW) << 2;
            if (skipNull && nb8[v] === K_NULL) continue;
            if (schemaless === null) {
              schemaless = this.encode(value, null);
              nb8 = this.nodes.bytes;
              nw = this.nodes.words();
            }
            nb8.set(schemaless, v);
          }
        }
      }
    }
  }

  fieldPlan(schemaIx, name, value, record) {
    const schema = this.schema(schemaIx);
    const found = schema === null ? null : schema.field(name);
    if (found === null) return null;
    const [pos, fieldSchema] = found;
    try {
      const node = this.encode(value, fieldSchema);
      return [pos, node, new Uint32Array(node.buffer, node.byteOffset, 4)];
    } catch {
      throw new DataError(`field ${name} is ${fieldSchema.type}; cannot set it to ${kindOf(value)}`, record);
    }
  }

  /** Run `ops` (the contract's `batch-ops.op`s) on this batch in the host:
   * the buffers are copied over once and each operation is one native pass,
   * where this interpreter pays tens of nanoseconds a step. False when
   * there is no host to ask (the helper run on node, in its tests); the
   * caller then does the work itself. */
  runInHost(ops) {
    if (batchOps === null) return false;
    let got;
    try {
      got = batchOps(this.toWit({ whole: true }), ops);
    } catch (e) {
      // A `result` error of an import arrives as a thrown value carrying
      // the plugin-error as its payload.
      const p = e?.payload ?? e;
      throw new DataError(p?.message ?? String(p), p?.record ?? null);
    }
    if (got.dataBase !== this.data.length) {
      throw new Error(`batch-ops answered with data-base ${got.dataBase} for ${this.data.length} bytes sent`);
    }
    this.data.push(got.data);
    this.recs = new Bytes(got.records);
    this.hdrs = new Bytes(got.headers);
    this.nodes = new Bytes(got.nodes);
    if (got.topics.length !== this.topics.length) {
      this.topics = got.topics;
      this.topicIx = null;
    }
    return true;
  }

  // -- tables ----------------------------------------------------------------

  internTopic(topic) {
    if (this.topicIx === null) this.topicIx = new Map(this.topics.map((t, i) => [t, i]));
    let n = this.topicIx.get(topic);
    if (n === undefined) {
      n = this.topics.length;
      this.topics.push(topic);
      this.topicIx.set(topic, n);
    }
    return n;
  }

  internSourcePartition(text) {
    let n = this.sourcePartitions.indexOf(text);
    if (n < 0) {
      n = this.sourcePartitions.length;
      this.sourcePartitions.push(text);
    }
    return n;
  }

  /** The `Schema` at `index` of the batch's schema table (null: none). */
  schema(index) {
    if (index === NONE || index === undefined || index === null) return null;
    let s = this.schemaObjs.get(index);
    if (s === undefined) {
      const w = this.schemas[index];
      s = new Schema(w.type, {
        optional: w.optional, name: w.name ?? null, version: w.version ?? null, doc: w.doc ?? null,
        parameters: Object.fromEntries(w.parameters),
        keySchema: this.schema(w.keySchema), valueSchema: this.schema(w.valueSchema),
        fields: w.fields.map((f) => [f.name, this.schema(f.schema)]),
      });
      if (w.defaultValue !== undefined && w.defaultValue !== null) {
        s.defaultValue = this.decodeNode(this.nodeAt(w.defaultValue * NODE_SIZE), s);
      }
      this.schemaObjs.set(index, s);
      this.schemaIxs.set(s, index);
    }
    return s;
  }

  addSchema(schema) {
    const known = this.schemaIxs.get(schema);
    if (known !== undefined) return known;
    const sub = (s) => (s === null ? undefined : this.addSchema(s));
    const keySchema = sub(schema.keySchema);
    const valueSchema = sub(schema.valueSchema);
    const fields = schema.fields.map(([name, s]) => ({ name, schema: this.addSchema(s) }));
    let defaultValue;
    if (schema.defaultValue !== null && schema.defaultValue !== undefined) {
      const node = this.encode(schema.defaultValue, schema);
      defaultValue = this.nodes.push(node) / NODE_SIZE;
    }
    this.schemas.push({
      type: schema.type, optional: schema.optional, name: schema.name ?? undefined,
      version: schema.version ?? undefined, doc: schema.doc ?? undefined,
      parameters: Object.entries(schema.parameters), defaultValue, keySchema, valueSchema, fields,
    });
    const index = this.schemas.length - 1;
    this.schemaIxs.set(schema, index);
    return index;
  }

  // -- values ----------------------------------------------------------------

  /** `len` bytes at `start` of the data. */
  slice(start, len) {
    return this.data.bytes.subarray(start, start + len);
  }

  /** Whether the `len` bytes at `start` of the data are `expected`. */
  bytesEqual(start, len, expected) {
    if (expected.length !== len) return false;
    const b = this.data.bytes;
    for (let k = 0; k < len; k++) if (b[start + k] !== expected[k]) return false;
    return true;
  }

  nodeAt(at, bytes = this.nodes.bytes) {
    const dv = new DataView(bytes.buffer, bytes.byteOffset);
    return [bytes[at], dv.getUint32(at + 4, true), dv.getBigUint64(at + 8, true)];
  }

  headerDesc(key, value, schema) {
    const kb = encoder.encode(key);
    const desc = new Uint8Array(HEADER_SIZE);
    const dv = new DataView(desc.buffer);
    dv.setUint32(0, this.data.push(kb), true);
    dv.setUint32(4, kb.length, true);
    dv.setUint32(8, schema === null ? NONE : this.addSchema(schema), true);
    desc.set(this.encode(value, schema), 16);
    return desc;
  }

  headerValue(j) {
    const dv = new DataView(this.hdrs.bytes.buffer, this.hdrs.bytes.byteOffset);
    const schema = dv.getUint32(j * HEADER_SIZE + 8, true);
    return this.decodeNode(this.nodeAt(j * HEADER_SIZE + 16, this.hdrs.bytes), this.schema(schema));
  }

  decodeNode([kind, a, b], schema) {
    const start = Number(b);
    switch (kind) {
      case K_NULL: return null;
      case K_STRING: return decoder.decode(this.slice(start, a));
      case K_BYTES: return this.slice(start, a).slice();
      case K_BOOLEAN: return b !== 0n;
      case K_INT8: case K_INT16: case K_INT32: return Number(BigInt.asIntN(64, b));
      case K_INT64: {
        const v = BigInt.asIntN(64, b);
        return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
      }
      case K_FLOAT64: {
        const dv = new DataView(new ArrayBuffer(8));
        dv.setBigUint64(0, b, true);
        return dv.getFloat64(0, true);
      }
      case K_FLOAT32: {
        const dv = new DataView(new ArrayBuffer(4));
        dv.setUint32(0, Number(b & 0xffffffffn), true);
        return dv.getFloat32(0, true);
      }
      default: break;
    }
    const child = (i, s) => this.decodeNode(this.nodeAt((start + i) * NODE_SIZE), s);
    if (kind === K_ARRAY) {
      const items = schema?.valueSchema ?? null;
      return Array.from({ length: a }, (_, i) => child(i, items));
    }
    if (kind === K_MAP) {
      const ks = schema?.keySchema ?? null, vs = schema?.valueSchema ?? null;
      const out = new Map();
      for (let i = 0; i < a; i++) out.set(child(2 * i, ks), child(2 * i + 1, vs));
      return out;
    }
    if (kind === K_STRUCT) {
      if (schema === null || schema.type !== 'struct') throw new DataError('a struct value has no struct schema');
      const out = new Struct(schema);
      schema.fields.slice(0, a).forEach(([name, s], i) => { out[name] = child(i, s); });
      return out;
    }
    throw new DataError(`unknown node kind ${kind}`);
  }

  /** The 16-byte node for `value` (with `schema`, or schemaless),
   * appending its bytes and child nodes. */
  encode(value, schema) {
    if (value === null || value === undefined) {
      if (schema !== null && schema.defaultValue !== null && schema.defaultValue !== undefined) {
        return this.encode(schema.defaultValue, schema);
      }
      return node(K_NULL, 0, 0n);
    }
    let type = schema === null ? null : schema.type;
    if (type === null) {
      if (value instanceof Struct) return this.encode(value, value.schema);
      if (typeof value === 'boolean') type = 'boolean';
      else if (typeof value === 'bigint') type = 'int64';
      else if (typeof value === 'number') type = Number.isInteger(value) ? 'int64' : 'float64';
      else if (typeof value === 'string') type = 'string';
      else if (value instanceof Uint8Array) type = 'bytes';
      else if (Array.isArray(value)) type = 'array';
      else if (value instanceof Map || typeof value === 'object') type = 'map';
      else throw new TypeError(`cannot send a ${typeof value} without a schema`);
    }
    const kind = KIND_OF_TYPE[type];
    switch (kind) {
      case K_STRING: {
        if (typeof value !== 'string') throw new TypeError(`expected a string, got ${typeof value}`);
        const bytes = encoder.encode(value);
        return node(K_STRING, bytes.length, BigInt(this.data.push(bytes)));
      }
      case K_BYTES: return node(K_BYTES, value.length, BigInt(this.data.push(value)));
      case K_BOOLEAN: return node(K_BOOLEAN, 0, value ? 1n : 0n);
      case K_INT8: case K_INT16: case K_INT32: case K_INT64: {
        if (typeof value !== 'bigint' && !Number.isInteger(value)) throw new TypeError(`expected an integer for ${type}`);
        const v = BigInt(value), bits = INT_BITS[kind];
        if (BigInt.asIntN(bits, v) !== v) throw new RangeError(`${value} does not fit ${type}`);
        return node(kind, 0, BigInt.asUintN(64, v));
      }
      case K_FLOAT64: {
        const dv = new DataView(new ArrayBuffer(8));
        dv.setFloat64(0, value, true);
        return node(K_FLOAT64, 0, dv.getBigUint64(0, true));
      }
      case K_FLOAT32: {
        const dv = new DataView(new ArrayBuffer(4));
        dv.setFloat32(0, value, true);
        return node(K_FLOAT32, 0, BigInt(dv.getUint32(0, true)));
      }
      case K_ARRAY: {
        const items = Array.from(value);
        const first = this.reserve(items.length);
        const s = schema?.valueSchema ?? null;
        items.forEach((item, i) => this.setNode(first + i, this.encode(item, s)));
        return node(K_ARRAY, items.length, BigInt(first));
      }
      case K_MAP: {
        const entries = value instanceof Map ? [...value.entries()] : Object.entries(value);
        const first = this.reserve(2 * entries.length);
        const ks = schema?.keySchema ?? null, vs = schema?.valueSchema ?? null;
        entries.forEach(([k, v], i) => {
          this.setNode(first + 2 * i, this.encode(k, ks));
          this.setNode(first + 2 * i + 1, this.encode(v, vs));
        });
        return node(K_MAP, entries.length, BigInt(first));
      }
      default: {
        if (typeof value !== 'object') throw new TypeError(`expected an object for a struct, got ${typeof value}`);
        const first = this.reserve(schema.fields.length);
        schema.fields.forEach(([name, s], i) => this.setNode(first + i, this.encode(value[name] ?? null, s)));
        return node(K_STRUCT, schema.fields.length, BigInt(first));
      }
    }
  }

  reserve(count) {
    const first = this.nodes.length / NODE_SIZE;
    this.nodes.push(new Uint8Array(count * NODE_SIZE));
    return first;
  }

  setNode(index, bytes) {
    this.nodes.bytes.set(bytes, index * NODE_SIZE);
  }
}

/** Finds the last header called `key` of a record. Batch builders may
 * store a key once per batch, so that all records' headers point at the
 * same key bytes: callers check the record's last header against the key
 * start of the last match and call `last` only when that fails, which
 * compares bytes (in the engine, through `texts`' byte string). Every
 * answer is exact whether keys are shared or not. */
class HeaderFinder {
  constructor(batch, key, texts) {
    this.h = batch.hdrs.words();
    this.texts = texts;
    this.keyLength = encoder.encode(key).length;
    this.key = byteDecoder.decode(encoder.encode(key));
  }

  /** The word index in the header descriptors of the last of the `count`
   * headers from `first` whose key is the key, or -1. */
  last(first, count) {
    const h = this.h, kl = this.keyLength;
    const bytes = this.texts.byteString();
    for (let j = first + count - 1; j >= first; j--) {
      const hq = j * HW;
      if (h[hq + 1] === kl && bytes.startsWith(this.key, h[hq])) return hq;
    }
    return -1;
  }
}

// Decodes each byte to one character (WHATWG windows-1252, which maps
// every byte to a different character): equal strings, equal bytes.
const byteDecoder = new TextDecoder('latin1');

/** A batch's data as text: the whole data as a one-character-per-byte
 * string, made once, so that byte ranges are compared and looked up as
 * substrings of it (in the engine, not byte by byte in JavaScript), and
 * ranges decoded as UTF-8. */
class TextCache {
  constructor(batch) {
    this.batch = batch;
    this.bytes = null;
  }

  /** The whole data, one character per byte. */
  byteString() {
    if (this.bytes === null) this.bytes = byteDecoder.decode(this.batch.data.view());
    return this.bytes;
  }

  /** The `len` bytes at `start` as UTF-8 text. A string that is not UTF-8
   * throws; bytes that are not are null. */
  decode(start, len, isString) {
    const raw = this.batch.slice(start, len);
    if (isString) return decoder.decode(raw);
    try {
      return decoder.decode(raw);
    } catch {
      return null;
    }
  }
}

function node(kind, a, b) {
  const out = new Uint8Array(NODE_SIZE);
  const dv = new DataView(out.buffer);
  out[0] = kind;
  dv.setUint32(4, a, true);
  dv.setBigUint64(8, b, true);
  return out;
}

/** A view of record `index` of a batch: reads decode only what is asked
 * for, writes change the batch. */
export class Record {
  constructor(batch, index) {
    this.batch = batch;
    this.index = index;
    this.at = index * RECORD_SIZE;
  }

  dv() {
    const b = this.batch.recs.bytes;
    return new DataView(b.buffer, b.byteOffset);
  }

  u32(at) {
    return this.dv().getUint32(this.at + at, true);
  }

  get topic() {
    return this.batch.topics[this.u32(AT_TOPIC)];
  }

  set topic(topic) {
    this.dv().setUint32(this.at + AT_TOPIC, this.batch.internTopic(topic), true);
  }

  get partition() {
    const p = this.dv().getInt32(this.at + AT_PARTITION, true);
    return p < 0 ? null : p;
  }

  get offset() {
    const o = this.dv().getBigInt64(this.at + AT_OFFSET, true);
    return o < 0n ? null : Number(o);
  }

  get timestamp() {
    if ((this.u32(AT_FLAGS) & FLAG_HAS_TIMESTAMP) === 0) return null;
    return Number(this.dv().getBigInt64(this.at + AT_TIMESTAMP, true));
  }

  get timestampType() {
    return TIMESTAMP_TYPES[(this.u32(AT_FLAGS) >> 1) & 3] ?? TIMESTAMP_TYPES[0];
  }

  /** The schema of the "key" or "value" (null: schemaless). */
  schema(part) {
    return this.batch.schema(this.u32(PARTS[part][0]));
  }

  /** The "key" or "value" as a JavaScript value. */
  get(part) {
    const [schemaAt, nodeAt] = PARTS[part];
    const n = this.batch.nodeAt(this.at + nodeAt, this.batch.recs.bytes);
    return this.batch.decodeNode(n, this.batch.schema(this.u32(schemaAt)));
  }

  /** Set the "key" or "value", with `schema` or schemaless. */
  set(part, value, schema = null) {
    const [schemaAt, nodeAt] = PARTS[part];
    const n = this.batch.encode(value, schema);
    const s = schema === null ? NONE : this.batch.addSchema(schema);
    this.dv().setUint32(this.at + schemaAt, s, true);
    this.batch.recs.bytes.set(n, this.at + nodeAt);
  }

  get key() { return this.get('key'); }

  get value() { return this.get('value'); }

  get keySchema() { return this.schema('key'); }

  get valueSchema() { return this.schema('value'); }

  /** The headers, as [key, value] pairs. */
  get headers() {
    const start = this.u32(AT_HEADER_START), count = this.u32(AT_HEADER_COUNT);
    const out = [];
    const h = this.batch.hdrs.words();
    for (let j = start; j < start + count; j++) {
      const key = decoder.decode(this.batch.slice(h[j * HW], h[j * HW + 1]));
      out.push([key, this.batch.headerValue(j)]);
    }
    return out;
  }

  /** The value of the last header called `key`, or null. */
  header(key) {
    let found = null;
    for (const [k, v] of this.headers) if (k === key) found = v;
    return found;
  }

  /** Add a header to this record. */
  addHeader(key, value, schema = null) {
    const b = this.batch;
    const start = this.u32(AT_HEADER_START), count = this.u32(AT_HEADER_COUNT);
    const desc = b.headerDesc(key, value, schema);
    const copy = b.hdrs.bytes.slice(start * HEADER_SIZE, (start + count) * HEADER_SIZE);
    const newStart = b.hdrs.push(copy) / HEADER_SIZE;
    b.hdrs.push(desc);
    this.dv().setUint32(this.at + AT_HEADER_START, newStart, true);
    this.dv().setUint32(this.at + AT_HEADER_COUNT, count + 1, true);
  }

  /** The source partition (source records), or null. */
  get sourcePartition() {
    const i = this.u32(AT_SOURCE_PARTITION);
    return i === NONE ? null : JSON.parse(this.batch.sourcePartitions[i]);
  }

  /** The source offset (source records), or null. */
  get sourceOffset() {
    const start = this.u32(AT_SOURCE_OFFSET), n = this.u32(AT_SOURCE_OFFSET + 4);
    return n === 0 ? null : JSON.parse(decoder.decode(this.batch.slice(start, n)));
  }
}
