/**
 * Masking of personal and secret data before it leaves the process (journeys, logs): a redactor
 * replaces the values of sensitive keys, at any depth, and of chosen dotted paths, and returns
 * the result without touching its input.
 */

/** Returns `value` with its sensitive parts replaced by the censor; never mutates `value`. */
export type Redactor = (value: unknown) => unknown;

export interface RedactorOptions {
  /**
   * Dotted paths from the root to mask, `*` standing for any one key or array index:
   * `'customer.email'`, `'items.*.note'`. Matched case-sensitively.
   */
  readonly paths?: readonly string[];
  /**
   * Key names to mask at any depth, in addition to `DEFAULT_REDACTED_KEYS`, matched the same
   * way: `['email', 'iban']` masks `email`, `customerEmail` and `IBAN`.
   */
  readonly keys?: readonly string[];
  /** What a masked value becomes (default `'[REDACTED]'`). */
  readonly censor?: string;
}

/**
 * The key names every redactor masks. A key matches when, lower-cased and without `-` and `_`,
 * it ends with one of these: `password`, `dbPassword`, `client_secret`, `csrfToken`,
 * `x-api-key`, `Proxy-Authorization`, `set-cookie`, `privateKey` and `cardNumber` all match;
 * `tokenType` and `secretary` do not.
 */
export const DEFAULT_REDACTED_KEYS: readonly string[] = Object.freeze([
  'password',
  'passwd',
  'passphrase',
  'secret',
  'token',
  'apikey',
  'authorization',
  'cookie',
  'privatekey',
  'sessionid',
  'creditcard',
  'cardnumber',
  'cvv',
  'ssn',
]);

const normalize = (name: string) => name.toLowerCase().replaceAll('-', '').replaceAll('_', '');

const ENTRY = { enumerable: true, writable: true, configurable: true } as const;

/** Where a cycle back to an ancestor was cut. */
export const CIRCULAR = '[Circular]';

/** A path pattern and how many of its segments the keys walked so far have matched. */
interface PathState {
  readonly segments: readonly string[];
  readonly matched: number;
}

/** Objects and arrays are walked; Dates, Maps, binary data and the like are leaves. */
function isContainer(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return true;
  return !(
    value instanceof Date ||
    value instanceof Map ||
    value instanceof Set ||
    value instanceof RegExp ||
    ArrayBuffer.isView(value) ||
    value instanceof ArrayBuffer
  );
}

/**
 * A copy to mask in: an array, or an object with the same prototype and own properties (an
 * `Error` stays an `Error`, with its message and stack).
 */
function copyOf(value: object): object {
  if (Array.isArray(value)) return [...(value as unknown[])];
  const copy = Object.create(Object.getPrototypeOf(value) as object | null) as Record<PropertyKey, unknown>;
  // Values, not descriptors: an accessor (an Error's stack, a getter) is read on the original,
  // and a frozen original's properties stay redefinable in the copy.
  for (const key of Reflect.ownKeys(value)) {
    const enumerable = Object.prototype.propertyIsEnumerable.call(value, key);
    Object.defineProperty(copy, key, {
      ...ENTRY,
      enumerable,
      value: (value as Record<PropertyKey, unknown>)[key],
    });
  }
  return copy;
}

const NO_PATHS: { next: readonly PathState[]; hit: boolean } = Object.freeze({ next: [], hit: false });

/** The path states after stepping into `key`, and whether one of them ends there. */
function advance(states: readonly PathState[], key: string): { next: readonly PathState[]; hit: boolean } {
  if (states.length === 0) return NO_PATHS;
  const next: PathState[] = [];
  let hit = false;
  for (const { segments, matched } of states) {
    const segment = segments[matched];
    if (segment !== '*' && segment !== key) continue;
    if (matched + 1 === segments.length) hit = true;
    else next.push({ segments, matched: matched + 1 });
  }
  return { next, hit };
}

/**
 * Builds a redactor. Unchanged parts of the input are shared with the output rather than
 * copied, which is safe because nothing here ever writes to them; objects along the way to a
 * masked value are copied, keeping their prototype. A reference back to an ancestor becomes
 * `'[Circular]'`.
 * @example
 * const redact = createRedactor({ paths: ['customer.email', 'items.*.note'] });
 * redact({ customer: { email: 'a@b.c', password: 'x' }, items: [{ note: 'hi', sku: 'A' }] });
 * // → { customer: { email: '[REDACTED]', password: '[REDACTED]' }, items: [{ note: '[REDACTED]', sku: 'A' }] }
 */
export function createRedactor(options: RedactorOptions = {}): Redactor {
  const censor = options.censor ?? '[REDACTED]';
  const suffixes = [...new Set([...DEFAULT_REDACTED_KEYS, ...(options.keys ?? [])].map(normalize))];
  const roots: PathState[] = (options.paths ?? []).map((path) => {
    const segments = path.split('.');
    if (segments.some((s) => s === '')) {
      throw new TypeError(`Redaction path '${path}' must be dot-separated keys or '*', none empty`);
    }
    return { segments, matched: 0 };
  });
  const ancestors = new Set<object>();
  // Messages repeat the same few keys: remembering each key's answer spares a lower-casing
  // (and its allocation) per property. Bounded, since keys can be data (ids as keys).
  const seen = new Map<string, boolean>();
  const sensitive = (key: string): boolean => {
    let hit = seen.get(key);
    if (hit === undefined) {
      const name = normalize(key);
      hit = suffixes.some((suffix) => name.endsWith(suffix));
      if (seen.size >= 10_000) seen.clear();
      seen.set(key, hit);
    }
    return hit;
  };

  const walk = (value: unknown, states: readonly PathState[]): unknown => {
    if (!isContainer(value)) return value;
    if (ancestors.has(value)) return CIRCULAR;
    ancestors.add(value);
    try {
      let copy: object | undefined;
      for (const key of Object.keys(value)) {
        const child = value[key];
        const { next, hit } = advance(states, key);
        const masked = hit || sensitive(key) ? censor : walk(child, next);
        if (masked === child) continue;
        copy ??= copyOf(value);
        // Defined, not assigned: the original may be frozen or have a getter there, and an
        // assignment to '__proto__' (a key JSON.parse can produce) would set the prototype.
        Object.defineProperty(copy, key, { ...ENTRY, value: masked });
      }
      return copy ?? value;
    } finally {
      ancestors.delete(value);
    }
  };

  return (value) => walk(value, roots);
}
