/**
 * SQL read models on PostgreSQL: one real table per definition, in the store's schema, keyed
 * by (tenant_id, key). Text columns (and the key) are `COLLATE "C"`, so they compare and sort
 * by code point like every other driver, and their indexes serve that order.
 */
import {
  StateError,
  type ColumnType,
  type SelectOptions,
  type TableDefinition,
  type TableStore,
  type ReadManyOptions,
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
import type { PgQueryable } from './config.js';
import type { Database } from './database.js';
import { lockKeys, type Executor } from './executor.js';
import { TENANT_POLICY, tenantPolicySql } from './schema/row-security.js';

const SQL_TYPES: Readonly<Record<ColumnType, string>> = {
  text: 'text COLLATE "C"',
  integer: 'bigint',
  real: 'double precision',
  boolean: 'boolean',
  json: 'jsonb',
};

/** Names are checked by `checkTable` (lower-case letters, digits, `_`); quoting keeps keywords usable. */
const q = (name: string) => `"${name}"`;

/** The statements of one table definition; its column set never changes, so they are built once. */
interface TableSql {
  readonly getMany: string;
  readonly upsertMany: string;
  readonly deleteMany: string;
  /** The select list, for `select`: JSON columns as text, which `decodeRow` parses. */
  readonly columns: string;
}

const statements = new WeakMap<Database, Map<string, TableSql>>();

/** How a value of each type is read from element `i` of a row's JSON array `e.r`. */
const FROM_JSON: Readonly<Record<ColumnType, (i: number) => string>> = {
  text: (i) => `e.r ->> ${i}`,
  integer: (i) => `(e.r ->> ${i})::bigint`,
  real: (i) => `(e.r ->> ${i})::double precision`,
  boolean: (i) => `(e.r ->> ${i})::boolean`,
  json: (i) => `nullif(e.r -> ${i}, 'null'::jsonb)`,
};

function tableSql(db: Database, table: TableDefinition): TableSql {
  const signature = `${table.name}|${table.key}|${Object.entries(table.columns).join(';')}`;
  let cache = statements.get(db);
  if (!cache) statements.set(db, (cache = new Map()));
  let sql = cache.get(signature);
  if (sql) return sql;
  const columns = Object.entries(table.columns);
  const t = `${db.s}.${q(table.name)}`;
  const key = q(table.key);
  const selectList = [
    `t.${key}`,
    ...columns.map(([column, type]) =>
      type === 'json' ? `t.${q(column)}::text AS ${q(column)}` : `t.${q(column)}`,
    ),
  ].join(', ');
  sql = {
    getMany: `SELECT ${selectList} FROM unnest($2::text[]) WITH ORDINALITY AS w (k, n)
      JOIN ${t} AS t ON t.tenant_id = $1 AND t.${key} = w.k ORDER BY w.n`,
    // Rows travel as one jsonb array of [key, ...values] arrays: one parameter, parsed once.
    upsertMany: `INSERT INTO ${t} (tenant_id, ${[key, ...columns.map(([column]) => q(column))].join(', ')})
      SELECT $1::text, ${['e.r ->> 0', ...columns.map(([, type], i) => FROM_JSON[type](i + 1))].join(', ')}
        FROM jsonb_array_elements($2::jsonb) AS e (r)
      ON CONFLICT (tenant_id, ${key}) DO UPDATE SET
        ${[...columns.map(([column]) => `${q(column)} = EXCLUDED.${q(column)}`), 'updated_at = now()'].join(', ')}`,
    deleteMany: `DELETE FROM ${t} WHERE tenant_id = $1 AND ${key} = ANY($2::text[])`,
    columns: selectList,
  };
  cache.set(signature, sql);
  return sql;
}

/** A deterministic index name: the table's, and a hash of the columns (at most 62 characters). */

/** undefined_table (never migrated, or dropped) and undefined_column (migrated from an older definition). */
function tableError(error: unknown, table: string): unknown {
  const code = (error as { code?: unknown })?.code;
  if (code === '42P01')
    return new StateError(`Table '${table}' does not exist: call tables.migrate() first`, { cause: error });
  if (code === '42703')
    return new StateError(`Table '${table}' lacks a declared column: call tables.migrate() first`, {
      cause: error,
    });
  return error;
}

export class PostgresTables implements TableStore {
  constructor(readonly executor: Executor) {}

  get #db(): Database {
    return this.executor.db;
  }

  /** Serialises schema changes to one table across processes, until the transaction ends. */
  async #lock(client: PgQueryable, table: string): Promise<void> {
    await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
      `whizbang:table:${this.#db.schema}.${table}`,
    ]);
  }

  async migrate(table: TableDefinition): Promise<void> {
    const checked = checkTable(table, 'tables.migrate');
    const t = `${this.#db.s}.${q(checked.name)}`;
    const key = q(checked.key);
    const columns = Object.entries(checked.columns);
    await this.executor.schemaChange('tables.migrate').atomically(async (client) => {
      await this.#lock(client, checked.name);
      // What exists, so a table already up to date is not locked by a no-op ALTER or CREATE INDEX.
      const { rows } = await client.query(
        `SELECT 'column' AS kind, column_name::text AS name FROM information_schema.columns
          WHERE table_schema = $1 AND table_name = $2
         UNION ALL
         SELECT 'index', indexname::text FROM pg_indexes WHERE schemaname = $1 AND tablename = $2
         UNION ALL
         SELECT 'policy', policyname::text FROM pg_policies WHERE schemaname = $1 AND tablename = $2`,
        [this.#db.schema, checked.name],
      );
      const existing = new Set((rows as { kind: string; name: string }[]).map((r) => `${r.kind}:${r.name}`));
      if (!existing.has('column:tenant_id'))
        await client.query(`CREATE TABLE IF NOT EXISTS ${t} (
          tenant_id  text        NOT NULL,
          ${key} text COLLATE "C" NOT NULL,
          ${columns.map(([column, type]) => `${q(column)} ${SQL_TYPES[type]},`).join('\n')}
          updated_at timestamptz NOT NULL DEFAULT now(),
          PRIMARY KEY (tenant_id, ${key})
        )`);
      else {
        const missing = columns.filter(([column]) => !existing.has(`column:${column}`));
        if (missing.length > 0)
          await client.query(
            `ALTER TABLE ${t} ${missing.map(([column, type]) => `ADD COLUMN IF NOT EXISTS ${q(column)} ${SQL_TYPES[type]}`).join(', ')}`,
          );
      }
      for (const index of checked.indexes) {
        const name = tableIndexName(checked.name, index);
        if (!existing.has(`index:${name}`))
          await client.query(
            `CREATE INDEX IF NOT EXISTS ${q(name)} ON ${t} (tenant_id, ${index.map(q).join(', ')})`,
          );
      }
      // Also on a table made before row-level security came (one migration 4 did not see).
      if (!existing.has(`policy:${TENANT_POLICY}`)) await client.query(tenantPolicySql(t));
    });
  }

  async getMany<R>(
    table: TableDefinition<R>,
    keys: readonly string[],
    options: ReadManyOptions = {},
  ): Promise<R[]> {
    const tenantId = checkKeys(keys, options, 'tables.getMany');
    const checked = checkTable(table, 'tables.getMany') as TableDefinition<R>;
    const executor = this.executor.forTenant(tenantId, 'tables.getMany');
    if (options.lock && keys.length > 0)
      await lockKeys(
        executor,
        `${this.executor.db.s}\u001ftable\u001f${tenantId}\u001f${checked.name}`,
        keys,
      );
    const { rows } = await executor
      .query(tableSql(this.#db, checked).getMany, [tenantId, keys])
      .catch((error: unknown) => {
        throw tableError(error, checked.name);
      });
    return (rows as Record<string, unknown>[]).map((row) => decodeRow(checked, row[checked.key], row));
  }

  async upsertMany<R>(
    table: TableDefinition<R>,
    rows: readonly R[],
    options: { readonly tenantId?: string } = {},
  ): Promise<void> {
    const tenantId = checkKeys([], options, 'tables.upsertMany');
    const definition = checkTable(table, 'tables.upsertMany');
    const checked = checkRows(definition, rows, 'tables.upsertMany');
    await this.executor
      .forTenant(tenantId, 'tables.upsertMany')
      .query(tableSql(this.#db, definition).upsertMany, [tenantId, rowsJson(definition, checked)])
      .catch((error: unknown) => {
        throw tableError(error, definition.name);
      });
  }

  async deleteMany(
    table: TableDefinition,
    keys: readonly string[],
    options: { readonly tenantId?: string } = {},
  ): Promise<number> {
    const tenantId = checkKeys(keys, options, 'tables.deleteMany');
    const checked = checkTable(table, 'tables.deleteMany');
    const { rowCount } = await this.executor
      .forTenant(tenantId, 'tables.deleteMany')
      .query(tableSql(this.#db, checked).deleteMany, [tenantId, keys])
      .catch((error: unknown) => {
        throw tableError(error, checked.name);
      });
    return rowCount ?? 0;
  }

  async select<R>(table: TableDefinition<R>, options: SelectOptions = {}): Promise<R[]> {
    const definition = checkTable(table, 'tables.select') as TableDefinition<R>;
    const { where, orderBy, limit, tenantId } = checkSelect(definition, options, 'tables.select');
    const typeOf = (column: string) => (column === definition.key ? 'text' : definition.columns[column]);
    const params: unknown[] = [tenantId];
    const conditions = ['t.tenant_id = $1'];
    for (const [column, value] of where) {
      if (value === null) conditions.push(`t.${q(column)} IS NULL`);
      else conditions.push(`t.${q(column)} = $${params.push(value)}`);
    }
    // Text by code point (COLLATE "C"), nulls last either way, ties by key.
    const order = [
      ...orderBy.map(
        ([column, direction]) =>
          `t.${q(column)}${typeOf(column) === 'text' ? ' COLLATE "C"' : ''} ${direction.toUpperCase()} NULLS LAST`,
      ),
      `t.${q(definition.key)} COLLATE "C"`,
    ];
    const { rows } = await this.executor
      .forTenant(tenantId, 'tables.select')
      .query(
        `SELECT ${tableSql(this.#db, definition).columns} FROM ${this.#db.s}.${q(definition.name)} AS t
          WHERE ${conditions.join(' AND ')} ORDER BY ${order.join(', ')} LIMIT $${params.push(limit)}`,
        params,
      )
      .catch((error: unknown) => {
        throw tableError(error, definition.name);
      });
    return (rows as Record<string, unknown>[]).map((row) => decodeRow(definition, row[definition.key], row));
  }

  async drop(table: TableDefinition): Promise<void> {
    const checked = checkTable(table, 'tables.drop');
    await this.executor.acrossTenants('tables.drop').atomically(async (client) => {
      await this.#lock(client, checked.name);
      await client.query(`DROP TABLE IF EXISTS ${this.#db.s}.${q(checked.name)}`);
    });
  }
}
