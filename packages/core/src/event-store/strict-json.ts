/**
 * JSON that reads back as written: values JSON.stringify would drop or mangle silently
 * (functions, symbols, bigints, NaN, Infinity, Maps, Sets, `undefined` in arrays, cycles) are
 * refused with the key they sit under, rather than stored as something else.
 */

const OBJECT = Object.prototype;
/** Deeper than this, the careful path decides (and names a cycle). */
const PLAIN_DEPTH = 64;

/**
 * Whether `value` is made of strings, finite numbers, booleans, null, arrays without holes or
 * `undefined`, and plain objects without `toJSON`: data that plain JSON.stringify writes as it
 * is. What it is not (a Date, a class instance, a Map, NaN…) goes the careful way. `exact`
 * also refuses what JSON writes but reads back otherwise (a property set to `undefined`, -0,
 * an object without a prototype).
 */
function isPlainJson(value: unknown, depth: number, exact: boolean): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && !(exact && Object.is(value, -0));
    case 'object': {
      if (value === null) return true;
      if (depth > PLAIN_DEPTH) return false;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          const item: unknown = value[i];
          if (item === undefined || !isPlainJson(item, depth + 1, exact)) return false;
        }
        return true;
      }
      const prototype: unknown = Object.getPrototypeOf(value);
      if (prototype !== OBJECT && (exact || prototype !== null)) return false;
      const record = value as Record<string, unknown>;
      if (typeof record['toJSON'] === 'function') return false;
      for (const key in record) {
        const item = record[key];
        if (item === undefined ? exact : !isPlainJson(item, depth + 1, exact)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

/**
 * Whether `JSON.parse(JSON.stringify(value))` would give back a value equal to `value` in
 * every respect a reader can see: then a copy kept as the object serves as well as the text.
 */
export function roundTripsAsJson(value: unknown): boolean {
  return isPlainJson(value, 0, true);
}

function reject(key: string, what: string): never {
  throw new TypeError(`${key ? `'${key}' ` : ''}${what} cannot be stored as JSON`);
}

// Rejects what JSON.stringify would drop or mangle silently, so data reads back as written.
function strictReplacer(this: unknown, key: string, value: unknown): unknown {
  switch (typeof value) {
    case 'function':
    case 'symbol':
    case 'bigint':
      return reject(key, `a ${typeof value}`);
    case 'undefined':
      return Array.isArray(this) ? reject(key, 'undefined in an array') : value;
    case 'number':
      return Number.isFinite(value) ? value : reject(key, String(value));
    case 'object':
      if (value instanceof Map || value instanceof Set) reject(key, `a ${value.constructor.name}`);
      return value;
    default:
      return value;
  }
}

/**
 * `value` as JSON text, or undefined when JSON has no text for it (`undefined`, a function).
 * Plain data, the usual case, is checked by one walk and written by JSON.stringify's own fast
 * path (about twice as fast as a replacer, which V8 calls for every value); the rest is written
 * through the replacer, which names what it refuses.
 * @throws TypeError for a value that would not read back as written, or a cycle.
 */
export function strictJson(value: unknown): string | undefined {
  return isPlainJson(value, 0, false) ? JSON.stringify(value) : JSON.stringify(value, strictReplacer);
}
