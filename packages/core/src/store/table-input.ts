/**
 * Checks and conversions for the table port, shared by every driver: rows are checked
 * against the declared column types before anything is written, and read back to the same
 * JavaScript values whatever the database's native types.
 */
import { createHash } from 'node:crypto';
import { ValidationError, type ValidationIssue } from '../errors/catalog.js';
import { encodeJson } from '../event-store/append-input.js';
import { tenantOf } from '../event-store/read-input.js';
import { checkIds, checkLimit, MAX_BULK } from './port-input.js';
import type { SelectOptions } from './ports.js';
import { defineTable, type ColumnType, type TableDefinition } from './table-definition.js';

/** A checked row: its key and every declared column's value, JSON columns as JSON text. */
export interface CheckedRow {
  readonly key: string;
  readonly values: Readonly<Record<string, string | number | boolean | null>>;
}

/** Re-checks a table definition (it may not come from `defineTable`). */
export function checkTable(table: TableDefinition, subject: string): TableDefinition {
  try {
    return defineTable(table?.name, { key: table?.key, columns: table?.columns, indexes: table?.indexes });
  } catch (error) {
    if (error instanceof ValidationError) throw new ValidationError(error.issues, subject);
    throw error;
  }
}

function checkValue(
  type: ColumnType,
  value: unknown,
  path: string,
  issues: ValidationIssue[],
): string | number | boolean | null {
  if (value === null || value === undefined) return null;
  const wrong = (what: string): null => {
    issues.push({ message: `must be ${what} or null`, path: [path] });
    return null;
  };
  switch (type) {
    case 'text':
      return typeof value === 'string' ? value : wrong('a string');
    case 'integer':
      return typeof value === 'number' && Number.isSafeInteger(value) ? value : wrong('a safe integer');
    case 'real':
      return typeof value === 'number' && Number.isFinite(value) ? value : wrong('a finite number');
    case 'boolean':
      return typeof value === 'boolean' ? value : wrong('a boolean');
    default: // 'json'
      return encodeJson(value, [path], issues, Number.MAX_SAFE_INTEGER) ?? null;
  }
}

/** Checks rows to upsert: each has a text key (once) and only declared columns of the right type. */
export function checkRows(table: TableDefinition, rows: unknown, subject: string): CheckedRow[] {
  if (!Array.isArray(rows) || rows.length > MAX_BULK)
    throw new ValidationError(
      [{ message: `must be an array of at most ${MAX_BULK} rows`, path: ['rows'] }],
      subject,
    );
  const issues: ValidationIssue[] = [];
  const seen = new Set<string>();
  const checked = rows.map((row: unknown, i): CheckedRow => {
    const record = (row ?? {}) as Record<string, unknown>;
    const key = record[table.key];
    if (typeof key !== 'string' || key.length === 0 || key.length > 250)
      issues.push({
        message: 'must be a non-empty string of at most 250 characters',
        path: [`rows[${i}]`, table.key],
      });
    else if (seen.has(key))
      issues.push({ message: 'appears more than once', path: [`rows[${i}]`, table.key] });
    else seen.add(key);
    for (const column of Object.keys(record))
      if (column !== table.key && table.columns[column] === undefined)
        issues.push({ message: `is not a column of ${table.name}`, path: [`rows[${i}]`, column] });
    const values: Record<string, string | number | boolean | null> = {};
    for (const [column, type] of Object.entries(table.columns))
      values[column] = checkValue(type, record[column], `rows[${i}].${column}`, issues);
    return { key: key as string, values };
  });
  if (issues.length > 0) throw new ValidationError(issues, subject);
  return checked;
}

/** Checks keys to read or delete; returns the tenant. */
export function checkKeys(keys: unknown, options: { readonly tenantId?: string }, subject: string): string {
  checkIds(keys, subject);
  return tenantOf(options.tenantId, subject);
}

/** A row read from a driver, in JavaScript values: integers as numbers, booleans, parsed JSON. */
export function decodeRow<R>(
  table: TableDefinition<R>,
  key: unknown,
  raw: Readonly<Record<string, unknown>>,
): R {
  const row: Record<string, unknown> = { [table.key]: String(key) };
  for (const [column, type] of Object.entries(table.columns)) {
    const value = raw[column];
    if (value === null || value === undefined) row[column] = null;
    else if (type === 'integer' || type === 'real') row[column] = Number(value);
    else if (type === 'boolean') row[column] = value === true || value === 1 || value === 1n || value === 't';
    else if (type === 'json')
      row[column] = typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
    else row[column] = value;
  }
  return row as R;
}

export interface CheckedSelect {
  readonly where: readonly (readonly [column: string, value: string | number | boolean | null])[];
  readonly orderBy: readonly (readonly [column: string, direction: 'asc' | 'desc'])[];
  readonly limit: number;
  readonly tenantId: string;
}

/** Checks `select` options against the table's columns. */
export function checkSelect(table: TableDefinition, options: SelectOptions, subject: string): CheckedSelect {
  const issues: ValidationIssue[] = [];
  const typeOf = (column: string): ColumnType | undefined =>
    column === table.key ? 'text' : table.columns[column];
  const where = Object.entries(options.where ?? {}).map(([column, value]) => {
    const type = typeOf(column);
    if (type === undefined || type === 'json') {
      issues.push({
        message: `is not a column of ${table.name} that can be compared`,
        path: ['where', column],
      });
      return [column, null] as const;
    }
    return [column, checkValue(type, value, `where.${column}`, issues)] as const;
  });
  const orderBy = (options.orderBy ?? []).map(({ column, direction = 'asc' }, i) => {
    const type = typeOf(column);
    if (type === undefined || type === 'json')
      issues.push({
        message: `is not a column of ${table.name} that can be sorted`,
        path: ['orderBy', String(i)],
      });
    if (direction !== 'asc' && direction !== 'desc')
      issues.push({ message: "must be 'asc' or 'desc'", path: ['orderBy', String(i), 'direction'] });
    return [column, direction] as const;
  });
  if (issues.length > 0) throw new ValidationError(issues, subject);
  const limit = checkLimit(options.limit, subject);
  if (limit > MAX_BULK)
    throw new ValidationError([{ message: `must be at most ${MAX_BULK}`, path: ['limit'] }], subject);
  return { where, orderBy, limit, tenantId: tenantOf(options.tenantId, subject) };
}

/** A declared index's name: the table's, then a hash of its columns (at most 62 characters). */
export function tableIndexName(table: string, columns: readonly string[]): string {
  const hash = createHash('sha256').update(JSON.stringify(columns)).digest('hex').slice(0, 10);
  return `${table}_ix_${hash}`;
}

/**
 * Checked rows as one JSON array of `[key, ...values]` in column order, JSON columns spliced
 * in as their JSON text: one parameter for a whole bulk upsert.
 */
export function rowsJson(table: TableDefinition, rows: readonly CheckedRow[]): string {
  const types = Object.entries(table.columns);
  let json = '[';
  for (const [i, row] of rows.entries()) {
    json += `${i === 0 ? '[' : ',['}${JSON.stringify(row.key)}`;
    for (const [column, type] of types) {
      const value = row.values[column] ?? null;
      json += `,${type === 'json' && value !== null ? (value as string) : JSON.stringify(value)}`;
    }
    json += ']';
  }
  return `${json}]`;
}
