/**
 * Checks a document query and brings it into one normal form every driver executes the same
 * way: a list of typed predicates, typed sort keys, a limit, an offset or a keyset cursor.
 */
import { ValidationError, type ValidationIssue } from '../errors/catalog.js';
import { tenantOf } from '../event-store/read-input.js';
import type {
  CollectionDefinition,
  CollectionRef,
  CountOptions,
  DocumentFilter,
  FieldCondition,
  FieldType,
  FieldValue,
  FindOptions,
  SortKey,
} from './document-query.js';
import {
  checkDeletions,
  checkDocumentKey,
  checkIds,
  checkLimit,
  checkName,
  type CheckedDeletions,
} from './port-input.js';

export type PredicateOp =
  'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte' | 'in' | 'notIn' | 'exists' | 'missing' | 'startsWith';

export interface FieldPredicate {
  readonly path: readonly string[];
  readonly op: PredicateOp;
  /** The operands' type; absent for `exists` and `missing`. */
  readonly type?: FieldType;
  readonly values: readonly FieldValue[];
}

export interface NormalizedSortKey {
  readonly path: readonly string[];
  readonly type: FieldType;
  readonly descending: boolean;
}

/** A keyset position: the sort values of the last document of a page, and its id. */
export interface Keyset {
  readonly values: readonly (FieldValue | null)[];
  readonly id: string;
}

export interface NormalizedQuery {
  readonly collection: string;
  readonly tenantId: string;
  readonly predicates: readonly FieldPredicate[];
  readonly sort: readonly NormalizedSortKey[];
  readonly limit: number;
  readonly offset: number;
  readonly after?: Keyset;
}

const SEGMENT = /^[A-Za-z_$][\w$-]*$/;
const MAX_DEPTH = 16;
/** Far below both SQL drivers' parameter limits (SQLite 32,766, PostgreSQL 65,535 per statement). */
const MAX_LIST = 1000;
const OPERATORS = new Set<string>([
  'eq',
  'ne',
  'gt',
  'gte',
  'lt',
  'lte',
  'in',
  'notIn',
  'exists',
  'startsWith',
]);

export function collectionName(ref: CollectionRef): string {
  return typeof ref === 'string' ? ref : ref?.name;
}

function fieldsOf(ref: CollectionRef): Readonly<Record<string, FieldType>> {
  return typeof ref === 'string' ? {} : (ref.fields ?? {});
}

/** Splits a dotted field path, or returns undefined when it is not one. */
export function fieldPath(field: unknown): string[] | undefined {
  if (typeof field !== 'string') return undefined;
  const path = field.split('.');
  return path.length <= MAX_DEPTH && path.every((segment) => SEGMENT.test(segment)) ? path : undefined;
}

function typeOf(value: unknown): FieldType | undefined {
  if (typeof value === 'string' || typeof value === 'boolean') return typeof value as FieldType;
  if (typeof value === 'number' && Number.isFinite(value)) return 'number';
  return undefined;
}

function isCondition(value: unknown): value is FieldCondition {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkFilter(where: unknown, issues: ValidationIssue[]): FieldPredicate[] {
  if (where === undefined) return [];
  if (!isCondition(where)) {
    issues.push({ message: 'must be an object of field paths to values or conditions', path: ['where'] });
    return [];
  }
  const predicates: FieldPredicate[] = [];
  for (const [field, condition] of Object.entries(where as DocumentFilter)) {
    const at = ['where', field];
    const path = fieldPath(field);
    if (!path) {
      issues.push({ message: 'must be a dotted path of names (letters, digits, _, $, -)', path: at });
      continue;
    }
    const conditions: [string, unknown][] = isCondition(condition)
      ? Object.entries(condition)
      : [['eq', condition]];
    if (conditions.length === 0) issues.push({ message: 'must hold at least one condition', path: at });
    for (const [op, operand] of conditions) {
      const predicate = checkCondition(path, op, operand, [...at, op], issues);
      if (predicate) predicates.push(predicate);
    }
  }
  return predicates;
}

function checkCondition(
  path: string[],
  op: string,
  operand: unknown,
  at: string[],
  issues: ValidationIssue[],
): FieldPredicate | undefined {
  if (!OPERATORS.has(op)) {
    issues.push({ message: `is not an operator (${[...OPERATORS].join(', ')})`, path: at });
    return undefined;
  }
  if (op === 'exists') {
    if (typeof operand !== 'boolean') issues.push({ message: 'must be true or false', path: at });
    return { path, op: operand === false ? 'missing' : 'exists', values: [] };
  }
  if ((op === 'eq' || op === 'ne') && operand === null) {
    return { path, op: op === 'eq' ? 'missing' : 'exists', values: [] };
  }
  if (op === 'in' || op === 'notIn') {
    const values = Array.isArray(operand) ? (operand as unknown[]) : undefined;
    const type = typeOf(values?.[0]);
    const fits = values !== undefined && values.length > 0 && values.length <= MAX_LIST;
    if (!fits || !type || values.some((v) => typeOf(v) !== type)) {
      issues.push({
        message: `must be an array of 1 to ${MAX_LIST} strings, numbers or booleans of one type`,
        path: at,
      });
      return undefined;
    }
    return { path, op, type, values: values as FieldValue[] };
  }
  const type = typeOf(operand);
  const ordered = op === 'gt' || op === 'gte' || op === 'lt' || op === 'lte';
  if (!type || (ordered && type === 'boolean') || (op === 'startsWith' && type !== 'string')) {
    const expected =
      op === 'startsWith'
        ? 'a string'
        : ordered
          ? 'a string or a finite number'
          : 'a string, finite number or boolean';
    issues.push({ message: `must be ${expected}`, path: at });
    return undefined;
  }
  return { path, op: op as PredicateOp, type, values: [operand as FieldValue] };
}

function checkSort(
  orderBy: unknown,
  fields: Readonly<Record<string, FieldType>>,
  issues: ValidationIssue[],
): NormalizedSortKey[] {
  if (orderBy === undefined) return [];
  if (!Array.isArray(orderBy)) {
    issues.push({
      message: 'must be an array of field names or { field, direction, type }',
      path: ['orderBy'],
    });
    return [];
  }
  const keys: NormalizedSortKey[] = [];
  orderBy.forEach((entry: unknown, i) => {
    const key: Partial<SortKey> = typeof entry === 'string' ? { field: entry } : (entry ?? {});
    const at = ['orderBy', i];
    const path = fieldPath(key.field);
    const type = key.type ?? (typeof key.field === 'string' ? fields[key.field] : undefined);
    if (!path) issues.push({ message: 'must name a dotted field path', path: [...at, 'field'] });
    if (type !== 'string' && type !== 'number' && type !== 'boolean') {
      issues.push({
        message: `needs a type ('string', 'number' or 'boolean'): declare the field in the collection or give one`,
        path: [...at, 'type'],
      });
    }
    if (key.direction !== undefined && key.direction !== 'asc' && key.direction !== 'desc') {
      issues.push({ message: "must be 'asc' or 'desc'", path: [...at, 'direction'] });
    }
    if (path && type) keys.push({ path, type, descending: key.direction === 'desc' });
  });
  return keys;
}

/** The order's identity, so a cursor from one order is not used with another. */
function sortSignature(sort: readonly NormalizedSortKey[]): string {
  return sort.map((k) => `${k.path.join('.')}:${k.type}:${k.descending ? 'd' : 'a'}`).join(',');
}

/** Encodes the keyset after a document, as the opaque `next` cursor. */
export function encodeCursor(query: NormalizedQuery, keyset: Keyset): string {
  return Buffer.from(JSON.stringify([sortSignature(query.sort), keyset.values, keyset.id])).toString(
    'base64url',
  );
}

function decodeCursor(
  cursor: unknown,
  sort: readonly NormalizedSortKey[],
  issues: ValidationIssue[],
): Keyset | undefined {
  if (cursor === undefined) return undefined;
  try {
    if (typeof cursor !== 'string') throw new TypeError('not a cursor');
    const [signature, values, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as [
      unknown,
      unknown,
      unknown,
    ];
    if (typeof id !== 'string' || !Array.isArray(values)) throw new TypeError('not a cursor');
    if (signature !== sortSignature(sort) || values.length !== sort.length) {
      issues.push({ message: 'is a cursor from a query with another orderBy', path: ['after'] });
      return undefined;
    }
    if (values.some((v: unknown, i) => v !== null && typeOf(v) !== sort[i]!.type)) {
      throw new TypeError('not a cursor');
    }
    return { values: values as (FieldValue | null)[], id };
  } catch {
    issues.push({ message: 'must be the next cursor of a previous page', path: ['after'] });
    return undefined;
  }
}

/** Checks `find` options; throws one `ValidationError` listing every problem. */
export function checkFind(
  ref: CollectionRef,
  options: FindOptions,
  subject = 'documents.find',
): NormalizedQuery {
  const collection = collectionName(ref);
  checkName(collection, 'collection', subject);
  const tenantId = tenantOf(options.tenantId, subject);
  const issues: ValidationIssue[] = [];
  const predicates = checkFilter(options.where, issues);
  const sort = checkSort(options.orderBy, fieldsOf(ref), issues);
  let limit = 100;
  try {
    limit = checkLimit(options.limit, subject);
  } catch (error) {
    issues.push(...(error as ValidationError).issues);
  }
  const offset = options.offset ?? 0;
  if (!Number.isSafeInteger(offset) || offset < 0) {
    issues.push({ message: 'must be an integer of at least 0', path: ['offset'] });
  }
  if (options.after !== undefined && offset !== 0) {
    issues.push({ message: 'cannot be combined with after: use one way of paging', path: ['offset'] });
  }
  const after = decodeCursor(options.after, sort, issues);
  if (issues.length > 0) throw new ValidationError(issues, subject);
  return { collection, tenantId, predicates, sort, limit, offset, ...(after && { after }) };
}

/** Checks `count` options. */
export function checkCount(ref: CollectionRef, options: CountOptions): NormalizedQuery {
  return checkFind(
    ref,
    {
      ...(options.where && { where: options.where }),
      ...(options.tenantId !== undefined && { tenantId: options.tenantId }),
    },
    'documents.count',
  );
}

/** Checks a collection definition before its indexes are created. */
export function checkCollectionDefinition(definition: CollectionDefinition): void {
  const issues: ValidationIssue[] = [];
  if (typeof definition?.name !== 'string') {
    throw new ValidationError(
      [{ message: 'must be a collection definition', path: ['collection'] }],
      'documents.createIndexes',
    );
  }
  checkName(definition.name, 'collection', 'documents.createIndexes');
  for (const [field, type] of Object.entries(definition.fields)) {
    if (!fieldPath(field)) issues.push({ message: 'must be a dotted field path', path: ['fields', field] });
    if (type !== 'string' && type !== 'number' && type !== 'boolean') {
      issues.push({ message: "must be 'string', 'number' or 'boolean'", path: ['fields', field] });
    }
  }
  definition.indexes.forEach((index, i) => {
    if (!Array.isArray(index) || index.length === 0) {
      issues.push({ message: 'must list at least one field', path: ['indexes', i] });
    }
    for (const field of index) {
      if (definition.fields[field] === undefined) {
        issues.push({ message: `'${field}' must be declared in fields`, path: ['indexes', i] });
      }
    }
  });
  if (issues.length > 0) throw new ValidationError(issues, 'documents.createIndexes');
}

/** Checks the collection, tenant and ids of `deleteMany`. */
export function checkDocumentDeletions(
  ref: CollectionRef,
  ids: unknown,
  options: { readonly tenantId?: string },
  subject: string,
): CheckedDeletions & { collection: string; tenantId: string } {
  const collection = collectionName(ref);
  const tenantId = checkDocumentKey(collection, undefined, options, subject);
  return { collection, tenantId, ...checkDeletions(ids, subject) };
}

/** Checks the collection, tenant and ids of `getMany`. */
export function checkDocumentIds(
  ref: CollectionRef,
  ids: readonly string[],
  options: { readonly tenantId?: string },
  subject: string,
): { collection: string; tenantId: string } {
  const collection = collectionName(ref);
  const tenantId = checkDocumentKey(collection, undefined, options, subject);
  checkIds(ids, subject);
  return { collection, tenantId };
}
