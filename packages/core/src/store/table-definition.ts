/**
 * SQL read models: a projection may keep its rows in a real table with declared, typed
 * columns, for teams that want to query them with SQL, join them, or hand them to BI tools.
 * Every table has the tenant and a text key as its primary key, like documents do.
 */
import { ValidationError } from '../errors/catalog.js';

/** Column types every driver maps to a native one (PostgreSQL / SQLite). */
export type ColumnType =
  | 'text' // text / TEXT
  | 'integer' // bigint / INTEGER (safe integers)
  | 'real' // double precision / REAL
  | 'boolean' // boolean / INTEGER 0|1
  | 'json'; // jsonb / TEXT holding JSON

export type ColumnValue =
  string | number | boolean | null | Readonly<Record<string, unknown>> | readonly unknown[];

export interface TableDefinition<R = unknown> {
  /** The table's name: lower-case letters, digits and `_`, starting with a letter. */
  readonly name: string;
  /** The key column (text, with the tenant the primary key); default `id`. */
  readonly key: string;
  /** The other columns; every one is nullable, so a row may leave any out. */
  readonly columns: Readonly<Record<string, ColumnType>>;
  /** Secondary indexes, each a list of column names. */
  readonly indexes: readonly (readonly string[])[];
  /** Carries the row type; never set at run time. */
  readonly __row?: R;
}

const IDENT = /^[a-z][a-z0-9_]{0,47}$/;
const RESERVED = new Set(['tenant_id', 'updated_at']);
/** The stores' own tables: a read model must never be created in, altered into or drop one. */
const STORE_TABLES = new Set([
  'streams',
  'events',
  'documents',
  'checkpoints',
  'snapshots',
  'leases',
  'dead_letters',
  'migrations',
]);
const TYPES = new Set<ColumnType>(['text', 'integer', 'real', 'boolean', 'json']);

function fail(message: string, path: string): never {
  throw new ValidationError([{ message, path: [path] }], 'defineTable');
}

/**
 * Declares a table for an SQL read model.
 * @example
 * const OrderTotals = defineTable<{ id: string; customer: string; total_cents: number }>('order_totals', {
 *   columns: { customer: 'text', total_cents: 'integer' },
 *   indexes: [['customer']],
 * });
 */
export function defineTable<R = Record<string, ColumnValue>>(
  name: string,
  shape: {
    readonly key?: string;
    readonly columns: Readonly<Record<string, ColumnType>>;
    readonly indexes?: readonly (readonly string[])[];
  },
): TableDefinition<R> {
  if (typeof name !== 'string' || !IDENT.test(name))
    fail('must be 1–48 lower-case letters, digits or `_`, starting with a letter', 'name');
  if (STORE_TABLES.has(name) || name.startsWith('whizbang_'))
    fail("is one of the store's own tables (or starts with whizbang_): choose another name", 'name');
  const key = shape.key ?? 'id';
  if (!IDENT.test(key) || RESERVED.has(key))
    fail('must be a column name other than tenant_id and updated_at', 'key');
  for (const [column, type] of Object.entries(shape.columns ?? {})) {
    if (!IDENT.test(column) || RESERVED.has(column) || column === key)
      fail(
        'must be lower-case letters, digits or `_`, and not the key, tenant_id or updated_at',
        `columns.${column}`,
      );
    if (!TYPES.has(type)) fail("must be 'text', 'integer', 'real', 'boolean' or 'json'", `columns.${column}`);
  }
  for (const [i, index] of (shape.indexes ?? []).entries()) {
    if (index.length === 0) fail('must name at least one column', `indexes[${i}]`);
    for (const column of index)
      if (shape.columns[column] === undefined && column !== key)
        fail(`'${column}' is not a column`, `indexes[${i}]`);
  }
  return Object.freeze({
    name,
    key,
    columns: Object.freeze({ ...shape.columns }),
    indexes: Object.freeze((shape.indexes ?? []).map((index) => Object.freeze([...index]))),
  });
}

/** A table definition like `table` under another name (a rebuild generation's). */
export function renameTable<R>(table: TableDefinition<R>, name: string): TableDefinition<R> {
  return Object.freeze({ ...table, name });
}
