// Kafka Connect's data model in plain JavaScript: Schema and Struct.
//
// Values are plain JavaScript: null, boolean, number (or BigInt for int64
// beyond 2^53), string, Uint8Array (bytes), Array, Map (a map) and Struct
// (an object that knows its schema). Schemas are needed only where Connect
// needs them: structs, and values whose type must be exact.

const TYPES = ['int8', 'int16', 'int32', 'int64', 'float32', 'float64', 'boolean', 'string',
  'bytes', 'array', 'map', 'struct'];

/** A Connect schema (Apache's Schema). `type` is one of int8, int16, int32,
 * int64, float32, float64, boolean, string, bytes, array, map, struct. */
export class Schema {
  constructor(type, { optional = false, name = null, version = null, doc = null, parameters = {},
    defaultValue = null, keySchema = null, valueSchema = null, fields = [] } = {}) {
    if (!TYPES.includes(type)) throw new TypeError(`unknown schema type ${type}`);
    this.type = type;
    this.optional = optional;
    this.name = name;
    this.version = version;
    this.doc = doc;
    this.parameters = parameters;
    this.defaultValue = defaultValue;
    this.keySchema = keySchema;
    this.valueSchema = valueSchema;
    /** The fields of a struct, in order: [name, Schema] pairs. */
    this.fields = fields;
  }

  /** A struct schema from [name, Schema] pairs, in order. */
  static struct(fields, { name = null, optional = false } = {}) {
    return new Schema('struct', { fields, name, optional });
  }

  /** An array of `items`. */
  static array(items, { optional = false } = {}) {
    return new Schema('array', { valueSchema: items, optional });
  }

  /** A map from `keys` to `values`. */
  static map(keys, values, { optional = false } = {}) {
    return new Schema('map', { keySchema: keys, valueSchema: values, optional });
  }

  /** [position, Schema] of field `name`, or null. */
  field(name) {
    const i = this.fields.findIndex(([n]) => n === name);
    return i < 0 ? null : [i, this.fields[i][1]];
  }
}

/** The primitive schemas, required and optional (Apache's `*_SCHEMA`). */
export const Schemas = Object.fromEntries(TYPES.slice(0, 9).flatMap((t) => [
  [t.toUpperCase(), new Schema(t)],
  [`OPTIONAL_${t.toUpperCase()}`, new Schema(t, { optional: true })],
]));

/** A struct value: its fields as properties, in the schema's order, and
 * its `schema` (not enumerable, so JSON.stringify shows the fields only). */
export class Struct {
  constructor(schema, values = {}) {
    Object.defineProperty(this, 'schema', { value: schema, enumerable: false });
    for (const [name] of schema.fields) this[name] = values[name] ?? null;
  }
}
