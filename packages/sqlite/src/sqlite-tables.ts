/**
 * SQL read models on SQLite: one real table per definition, in the store's file, keyed by
 * (tenant_id, key). Booleans are INTEGER 0|1, JSON is TEXT, `updated_at` is ms since the epoch.
 */
import type { SQLInputValue } from 'node:sqlite';
import {
  StateError,
  type ColumnType,
  type SelectOptions,
  type TableDefinition,
  type TableStore,
} from '@whizbang/core';
import {
  checkKeys,
  checkRows,
  checkSelect,
  checkTable,
  decodeRow,
  rowsJson,
  tableIndexName,
} from '@whizbang/core/driver';
import type { Connections } from './connection.js';
import type { Executor } from './executor.js';

const SQL_TYPES: Readonly<Record<ColumnType, string>> = {
  text: 'TEXT',
  integer: 'INTEGER',
  real: 'REAL',
  boolean: 'INTEGER',
  json: 'TEXT',
};

/** Names are checked by `checkTable` (lower-case letters, digits, `_`); quoting keeps keywords usable. */
const q = (name: string) => `"${name}"`;

/** The statements of one table definition; its column set never changes, so they are built once. */
interface TableSql {
  readonly getMany: string;
  readonly upsertMany: string;
  readonly deleteMany: string;
  /** The select list, for `select`. */
  readonly columns: string;
}

const statements = new WeakMap<Connections, Map<string, TableSql>>();

function tableSql(connections: Connections, table: TableDefinition): TableSql {
  const signature = `${table.name}|${table.key}|${Object.entries(table.columns).join(';')}`;
  let cache = statements.get(connections);
  if (!cache) statements.set(connections, (cache = new Map()));
  let sql = cache.get(signature);
  if (sql) return sql;
  const columns = Object.entries(table.columns);
  const t = q(table.name);
  const key = q(table.key);
  const list = [key, ...columns.map(([column]) => q(column))];
  const selectList = list.map((column) => `t.${column}`).join(', ');
  // Rows travel as one JSON array of [key, ...values] arrays; JSON columns inline as JSON,
  // which `->` returns as JSON text (and `'null'` for an unset one).
  const values = columns.map(([, type], i) =>
    type === 'json' ? `nullif(j.value -> ${i + 1}, 'null')` : `j.value ->> ${i + 1}`,
  );
  sql = {
    // CROSS JOIN keeps json_each the outer loop: a primary-key lookup per key, in key order.
    getMany: `SELECT ${selectList} FROM json_each(?2) AS w CROSS JOIN ${t} AS t
      ON t.tenant_id = ?1 AND t.${key} = w.value ORDER BY w.key`,
    // `WHERE true` lets SQLite parse the upsert after a SELECT.
    upsertMany: `INSERT INTO ${t} (tenant_id, ${list.join(', ')}, updated_at)
      SELECT ?1, j.value ->> 0, ${[...values, '?2'].join(', ')} FROM json_each(?3) AS j WHERE true
      ON CONFLICT (tenant_id, ${key}) DO UPDATE SET
        ${[...columns.map(([column]) => `${q(column)} = excluded.${q(column)}`), 'updated_at = excluded.updated_at'].join(', ')}`,
    deleteMany: `DELETE FROM ${t} WHERE tenant_id = ?1 AND ${key} IN (SELECT value FROM json_each(?2))`,
    columns: selectList,
  };
  cache.set(signature, sql);
  return sql;
}

/** A deterministic index name: the table's, and a hash of the columns (at most 62 characters). */

/** SQLite's "no such table" (never migrated, or dropped) and "no such column" (migrated from an older definition). */
function tableError(error: unknown, table: string): unknown {
  const message = error instanceof Error ? error.message : '';
  if ((error as { code?: unknown })?.code !== 'ERR_SQLITE_ERROR') return error;
  if (message.startsWith('no such table'))
    return new StateError(`Table '${table}' does not exist: call tables.migrate() first`, { cause: error });
  if (message.startsWith('no such column'))
    return new StateError(`Table '${table}' lacks a declared column: call tables.migrate() first`, {
      cause: error,
    });
  return error;
}

const sqlValue = (value: string | number | boolean): SQLInputValue =>
  typeof value === 'boolean' ? Number(value) : value;

export class SqliteTables implements TableStore {
  constructor(readonly executor: Executor) {}

  async migrate(table: TableDefinition): Promise<void> {
    const checked = checkTable(table, 'tables.migrate');
    const t = q(checked.name);
    // Inside the write lock (BEGIN IMMEDIATE, or the surrounding transaction), so another
    // process migrating the same table waits, then finds it done.
    await this.executor.write(({ db }) => {
      const existing = new Set(
        (
          db.prepare('SELECT name FROM pragma_table_info(?)').all(checked.name) as unknown as {
            name: string;
          }[]
        ).map((row) => row.name),
      );
      const columns = Object.entries(checked.columns);
      if (existing.size === 0)
        db.exec(`CREATE TABLE IF NOT EXISTS ${t} (
          tenant_id TEXT NOT NULL,
          ${q(checked.key)} TEXT NOT NULL,
          ${columns.map(([column, type]) => `${q(column)} ${SQL_TYPES[type]},`).join('\n')}
          updated_at INTEGER NOT NULL,
          PRIMARY KEY (tenant_id, ${q(checked.key)})
        )`);
      else
        for (const [column, type] of columns)
          if (!existing.has(column)) db.exec(`ALTER TABLE ${t} ADD COLUMN ${q(column)} ${SQL_TYPES[type]}`);
      for (const index of checked.indexes)
        db.exec(
          `CREATE INDEX IF NOT EXISTS ${q(tableIndexName(checked.name, index))} ON ${t} (tenant_id, ${index.map(q).join(', ')})`,
        );
    });
  }

  async getMany<R>(
    table: TableDefinition<R>,
    keys: readonly string[],
    options: { readonly tenantId?: string } = {},
  ): Promise<R[]> {
    const tenantId = checkKeys(keys, options, 'tables.getMany');
    const checked = checkTable(table, 'tables.getMany') as TableDefinition<R>;
    const sql = tableSql(this.executor.connections, checked);
    try {
      const rows = await this.executor.read(
        (db) =>
          this.executor.connections.statement(db, sql.getMany).all(tenantId, JSON.stringify(keys)) as Record<
            string,
            unknown
          >[],
      );
      return rows.map((row) => decodeRow(checked, row[checked.key], row));
    } catch (error) {
      throw tableError(error, checked.name);
    }
  }

  async upsertMany<R>(
    table: TableDefinition<R>,
    rows: readonly R[],
    options: { readonly tenantId?: string } = {},
  ): Promise<void> {
    const tenantId = checkKeys([], options, 'tables.upsertMany');
    const definition = checkTable(table, 'tables.upsertMany');
    const checked = checkRows(definition, rows, 'tables.upsertMany');
    const sql = tableSql(this.executor.connections, definition);
    const json = rowsJson(definition, checked);
    try {
      await this.executor.write(({ db }) =>
        this.executor.connections.statement(db, sql.upsertMany).run(tenantId, Date.now(), json),
      );
    } catch (error) {
      throw tableError(error, definition.name);
    }
  }

  async deleteMany(
    table: TableDefinition,
    keys: readonly string[],
    options: { readonly tenantId?: string } = {},
  ): Promise<number> {
    const tenantId = checkKeys(keys, options, 'tables.deleteMany');
    const checked = checkTable(table, 'tables.deleteMany');
    const sql = tableSql(this.executor.connections, checked);
    try {
      const { changes } = await this.executor.write(({ db }) =>
        this.executor.connections.statement(db, sql.deleteMany).run(tenantId, JSON.stringify(keys)),
      );
      return Number(changes);
    } catch (error) {
      throw tableError(error, checked.name);
    }
  }

  async select<R>(table: TableDefinition<R>, options: SelectOptions = {}): Promise<R[]> {
    const definition = checkTable(table, 'tables.select') as TableDefinition<R>;
    const { where, orderBy, limit, tenantId } = checkSelect(definition, options, 'tables.select');
    const params: SQLInputValue[] = [tenantId];
    const conditions = ['t.tenant_id = ?1'];
    for (const [column, value] of where) {
      if (value === null) conditions.push(`t.${q(column)} IS NULL`);
      else conditions.push(`t.${q(column)} = ?${params.push(sqlValue(value))}`);
    }
    // Text sorts by BINARY collation (UTF-8 bytes: code-point order); nulls last either way; ties by key.
    const order = [
      ...orderBy.map(([column, direction]) => `t.${q(column)} ${direction.toUpperCase()} NULLS LAST`),
      `t.${q(definition.key)}`,
    ];
    const text = `SELECT ${tableSql(this.executor.connections, definition).columns} FROM ${q(definition.name)} AS t
      WHERE ${conditions.join(' AND ')} ORDER BY ${order.join(', ')} LIMIT ?${params.push(limit)}`;
    try {
      const rows = await this.executor.read(
        (db) => this.executor.connections.statement(db, text).all(...params) as Record<string, unknown>[],
      );
      return rows.map((row) => decodeRow(definition, row[definition.key], row));
    } catch (error) {
      throw tableError(error, definition.name);
    }
  }

  async drop(table: TableDefinition): Promise<void> {
    const checked = checkTable(table, 'tables.drop');
    await this.executor.write(({ db }) => db.exec(`DROP TABLE IF EXISTS ${q(checked.name)}`));
  }
}
