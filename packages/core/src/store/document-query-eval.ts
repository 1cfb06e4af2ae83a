/**
 * Runs a normalised document query over documents in memory. It is the reference the SQL
 * drivers are held to by the conformance suite, so every rule here has its SQL twin in
 * `document-query-sql.ts`.
 */
import type { DocumentPage, FieldType, FieldValue } from './document-query.js';
import {
  encodeCursor,
  type FieldPredicate,
  type Keyset,
  type NormalizedQuery,
  type NormalizedSortKey,
} from './document-query-input.js';
import type { StoredDocument } from './ports.js';

/** Orders strings by Unicode code point, as PostgreSQL's "C" collation and SQLite do on UTF-8. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // UTF-16 puts surrogates (code points above U+FFFF) below U+E000..U+FFFF; shift them up.
    const fix = (c: number) => (c >= 0xd800 && c <= 0xdfff ? c + 0x2000 : c >= 0xe000 ? c - 0x800 : c);
    return fix(x) - fix(y);
  }
  return a.length - b.length;
}

function valueAt(data: unknown, path: readonly string[]): unknown {
  let current = data;
  for (const segment of path) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    current = Object.hasOwn(current, segment) ? (current as Record<string, unknown>)[segment] : undefined;
  }
  return current;
}

/** The field's value when it has the type, else null: the SQL drivers' typed field expression. */
export function typedValue(data: unknown, path: readonly string[], type: FieldType): FieldValue | null {
  const value = valueAt(data, path);
  if (type === 'number') return typeof value === 'number' && Number.isFinite(value) ? value : null;
  return typeof value === type ? (value as FieldValue) : null;
}

function compareValues(a: FieldValue, b: FieldValue): number {
  if (typeof a === 'string') return compareCodePoints(a, b as string);
  return a === b ? 0 : a < b ? -1 : 1;
}

function holds(predicate: FieldPredicate, data: unknown): boolean {
  const { path, op, values } = predicate;
  if (op === 'exists' || op === 'missing') {
    const value = valueAt(data, path);
    return (value === undefined || value === null) === (op === 'missing');
  }
  const value = typedValue(data, path, predicate.type!);
  const operand = values[0]!;
  switch (op) {
    case 'eq':
      return value !== null && compareValues(value, operand) === 0;
    case 'ne':
      return value === null || compareValues(value, operand) !== 0;
    case 'in':
      return value !== null && values.some((v) => compareValues(value, v) === 0);
    case 'notIn':
      return value === null || !values.some((v) => compareValues(value, v) === 0);
    case 'startsWith':
      return value !== null && (value as string).startsWith(operand as string);
    default: {
      if (value === null) return false;
      const c = compareValues(value, operand);
      return op === 'gt' ? c > 0 : op === 'gte' ? c >= 0 : op === 'lt' ? c < 0 : c <= 0;
    }
  }
}

export function matches(query: Pick<NormalizedQuery, 'predicates'>, data: unknown): boolean {
  return query.predicates.every((predicate) => holds(predicate, data));
}

/** The document's position in the query's order: its sort values and id. */
export function keysetOf(sort: readonly NormalizedSortKey[], id: string, data: unknown): Keyset {
  return { values: sort.map((key) => typedValue(data, key.path, key.type)), id };
}

/** Compares two positions in the query's order: values without the type last, then ids. */
export function compareKeysets(sort: readonly NormalizedSortKey[], a: Keyset, b: Keyset): number {
  for (const [i, key] of sort.entries()) {
    const x = a.values[i] ?? null;
    const y = b.values[i] ?? null;
    if (x === null || y === null) {
      if (x === y) continue;
      return x === null ? 1 : -1;
    }
    const c = compareValues(x, y);
    if (c !== 0) return key.descending ? -c : c;
  }
  return compareCodePoints(a.id, b.id);
}

/**
 * A page from the documents a query fetched in order, one more than its limit when there are:
 * that extra document only says a next page exists.
 */
export function pageOf<T>(query: NormalizedQuery, fetched: readonly StoredDocument<T>[]): DocumentPage<T> {
  const documents = fetched.slice(0, query.limit);
  const last = documents.at(-1);
  return {
    documents,
    ...(fetched.length > query.limit &&
      last && { next: encodeCursor(query, keysetOf(query.sort, last.id, last.data)) }),
  };
}
